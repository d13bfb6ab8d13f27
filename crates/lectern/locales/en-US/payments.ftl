## Paid courses, checkout, orders, refunds.

course-buy = Buy this course
course-sign-in-to-buy = Sign in to buy
payment-cancelled = Payment cancelled: nothing was charged.
price-settings = Price
price-paid = Sell this course (students enrol by paying)
price-amount = Price
price-currency = Currency
price-saved = Price saved.
price-no-provider = No payment provider is connected yet: students can't pay until an admin connects Stripe or PayPal.
price-currency-invalid = Choose one of the listed currencies.
price-amount-invalid = Enter an amount above zero, like 49 or 49.90, with no more decimals than the currency has.
price-too-large = That price is too large.

buy-title = Buy
buy-with = Pay with { $provider }
buy-explain = You'll pay on the provider's secure page and come back here. You're enrolled as soon as the payment is confirmed.
buy-pending = A payment of yours for this course is still being confirmed; wait for it before paying again:

order-title = Order
order-number = Order
order-confirming = Confirming your payment…
order-slow = This is taking longer than usual. You can close this page: you'll get an e-mail receipt and be enrolled as soon as the payment is confirmed.
order-check-again = Check again
order-enrolled = You're enrolled.
order-open-course = Open the course
order-flagged = Your payment arrived, but it needs a look from the school before you're enrolled. They have been told; you don't need to pay again.
order-refunded = This order was refunded.
order-failed = This payment didn't go through, and nothing was charged.
order-try-again = Try again
order-status = Status
order-status-pending = pending
order-status-paid = paid
order-status-failed = failed
order-status-cancelled = cancelled
order-status-refunded = refunded
order-flag-amount_mismatch = paid amount differs: not enrolled
order-flag-duplicate = already enrolled: refund it
order-provider = Provider
order-date = Date
order-buyer = Buyer
order-course = Course
order-amount = Amount
order-paid = Paid
order-refunded-amount = Refunded
order-error = Last error
order-refunds = Refunds
order-access-removed = access removed
order-refund-amount = Amount to refund (empty: all that is left)
order-refund = Refund

payments-admin = Payments
orders-admin = Orders
orders-search = Search (e-mail, order, reference)
orders-any = any
orders-flagged = flagged only
orders-filter = Filter
orders-none = No orders yet.

payment-configured = Connected:
payment-not-configured-short = Not configured.
payment-not-configured = Payments aren't set up at this school yet, so this course can't be bought right now. Please ask the school.
payment-no-webhook-secret = no webhook signing secret: payments are confirmed only when buyers return
payment-no-webhook-id = no webhook id: payments are confirmed only when buyers return
payment-webhook-url = Webhook URL to register:
payment-stripe-secret = Secret key
payment-stripe-webhook-secret = Webhook signing secret
payment-paypal-client-id = Client ID
payment-paypal-secret = Secret
payment-paypal-webhook-id = Webhook ID
payment-paypal-sandbox = Sandbox (test payments)
payment-keep-secret = leave empty to keep the saved one
payment-test = Test connection
payment-remove = Disconnect
payment-test-ok = { $provider } accepted the credentials.
payment-terms = Selling terms
payment-default-currency = Currency of new prices
payment-refund-removes-access = A full refund ends the student's enrolment
payment-settings-saved = Saved.
payment-secret-invalid = This doesn't look like a key: no spaces or line breaks, at most 500 characters.
payment-secret-prefix = The key should start with { $prefix }.
payment-secret-required = Required.
payment-provider-auth = { $provider } refused the school's credentials ({ $message }). An admin must check them under Settings → Payments.
payment-provider-unavailable = { $provider } can't be reached right now ({ $message }). Nothing was charged; please try again in a few minutes.
payment-provider-refused = { $provider } refused the request ({ $message }). Nothing was charged.
payment-refunded = Refunded { $amount }.
payment-refunded-access-removed = Refunded { $amount }; the student's enrolment has ended.
payment-refund-too-much = That is more than is left to refund.
payment-refund-not-paid = Only a paid order can be refunded.

payment-receipt-subject = Your receipt for { $course } ({ $number })
payment-receipt-text = Thank you for your purchase.
    Order: { $number }
    Course: { $course }
    Amount: { $amount }
    Paid with: { $provider } (reference { $reference })
    Open the course: { $url }

coupons-admin = Coupons
coupon-field = Discount code
coupon-apply = Apply
coupon-new = New coupon
coupon-code = Code
coupon-kind = Discount
coupon-kind-percent = Percent off
coupon-kind-amount = Amount off
coupon-value = Value
coupon-all-courses = All courses
coupon-expires = Valid until (inclusive)
coupon-max-uses = Maximum uses (empty: no limit)
coupon-uses = Used
coupon-create = Create coupon
coupon-deactivate = Switch off
coupon-inactive = off
coupons-none = No coupons yet.
coupon-unknown = That code isn't valid.
coupon-expired = That code has expired.
coupon-used-up = That code has been used up.
coupon-other-course = That code is for another course.
coupon-other-currency = That code is for prices in another currency.
coupon-too-much = That code would take off more than the course costs.
coupon-code-invalid = Use 1 to 40 letters, digits, - or _.
coupon-code-taken = The school has a coupon with that code already.
coupon-percent-invalid = Enter a whole percentage from 1 to 99.
coupon-date-invalid = Enter a date.
coupon-max-uses-invalid = Enter a number from 1 to 1,000,000, or leave it empty.

payment-flagged-subject = Order { $number } needs a look
payment-flagged-text = A payment arrived for order { $number }, but { $reason }. Open the order: { $url }
payment-refund-subject = Refund for { $course } ({ $number })
payment-refund-text = { $amount } of your order { $number } for { $course } has been refunded. It reaches your account in a few days, depending on your bank.
payment-refund-access-ended = Your enrolment in the course has ended with the refund.
course-free = Free
order-wait = This usually takes a few seconds. You don't need to pay again.
