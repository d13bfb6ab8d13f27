-- Paid courses (postgres). Kept in lockstep with the sqlite backend's 0015_payments.sql.

-- A course's price in minor units of its ISO 4217 currency; NULL: free.
ALTER TABLE courses ADD COLUMN price_minor BIGINT;
ALTER TABLE courses ADD COLUMN currency TEXT;

-- What a new price is in, and whether a full refund ends the buyer's enrolment.
ALTER TABLE schools ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
ALTER TABLE schools ADD COLUMN refund_removes_access BIGINT NOT NULL DEFAULT 1;

-- A school's account at a provider ('stripe', 'paypal'). Secrets are sealed (bound to
-- the school and provider); `account_hint` is what the settings page may show of them.
-- `public_id`: PayPal's client id. `webhook_id`: PayPal's webhook id. `sandbox`: PayPal's
-- sandbox instead of live.
CREATE TABLE payment_providers (
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('stripe', 'paypal')),
    public_id TEXT NOT NULL DEFAULT '',
    secret_sealed TEXT NOT NULL,
    webhook_secret_sealed TEXT,
    webhook_id TEXT NOT NULL DEFAULT '',
    sandbox BIGINT NOT NULL DEFAULT 0,
    account_hint TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (school_id, provider)
);

-- One row per purchase attempt, written before the buyer leaves for the provider.
-- `status`: pending → paid | failed | cancelled; paid → refunded (all of it).
-- `provider_ref`: the Checkout Session (cs_…) or PayPal order; `payment_ref`: the payment
-- intent (pi_…) or PayPal capture that was verified. `flag`: why an admin must look
-- (amount_mismatch: paid a different amount or currency, not enrolled; duplicate: paid
-- for a course the buyer had already: refund it).
CREATE TABLE orders (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    number TEXT NOT NULL UNIQUE,
    course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('stripe', 'paypal')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'cancelled', 'refunded')),
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    provider_ref TEXT,
    payment_ref TEXT,
    paid_minor BIGINT,
    paid_currency TEXT,
    refunded_minor BIGINT NOT NULL DEFAULT 0,
    coupon_id BIGINT,
    discount_minor BIGINT NOT NULL DEFAULT 0,
    flag TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    paid_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX orders_provider_ref ON orders (provider, provider_ref);
CREATE INDEX orders_school ON orders (school_id, created_at);
CREATE INDEX orders_user ON orders (school_id, user_id);

-- Discount codes, per course (`course_id`) or school-wide (NULL): a percentage or an
-- amount of one currency off, until `expires_at`, at most `max_uses` paid orders (`uses`
-- counts them when a payment is verified; `max_uses` is checked when checkout starts).
CREATE TABLE coupons (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    course_id BIGINT REFERENCES courses(id) ON DELETE CASCADE,
    percent_off BIGINT,
    amount_off_minor BIGINT,
    currency TEXT,
    expires_at BIGINT,
    max_uses BIGINT,
    uses BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    UNIQUE (school_id, code),
    CHECK ((percent_off IS NULL) <> (amount_off_minor IS NULL))
);

-- Each refund made through the provider, for the order's page and the receipts.
CREATE TABLE order_refunds (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    provider_refund_id TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    removed_access BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (order_id, provider_refund_id)
);

-- Verified provider webhooks, stored before they are acknowledged and processed by the
-- `payments_event` job; an event delivered again is the same row.
CREATE TABLE payment_events (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    processed_at BIGINT,
    UNIQUE (school_id, provider, event_id)
);
