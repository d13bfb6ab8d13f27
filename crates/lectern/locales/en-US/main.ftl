## Navigation
nav-catalogue = Courses
nav-my-courses = My courses
nav-teach = Teach
nav-admin = Admin
nav-sign-in = Sign in
nav-sign-up = Sign up
nav-sign-out = Sign out

## Errors
error-not-found = We couldn't find that page.
error-forbidden = You don't have permission to do that.
error-sign-in-required = Please sign in to continue.
error-csrf = This form has expired. Go back, reload the page and try again.
error-bad-request = We couldn't understand that request.
error-upstream = Zoom did not answer as expected.
error-rate-limited = Too many attempts. Please wait a moment and try again.
error-too-large = That request is too large.
error-request-timeout = That request took too long to arrive. Please try again.
error-unsupported-type = This kind of file is not accepted here.
error-unavailable = A service this page needs is not available right now. Try again in a minute.
error-internal = Something went wrong on our side. Please try again in a moment.
error-back-home = Back to the home page

## Forms
form-required = This field is required.
form-email-invalid = Enter a valid e-mail address.
form-email-taken = An account with this e-mail address already exists.
form-password-short =
    Use at least { $min ->
        [one] { $min } character
       *[other] { $min } characters
    }.
form-timezone-invalid = Choose a time zone from the list (for example Europe/Berlin).
form-invalid-choice = Choose one of the offered options.
form-url-invalid = Enter a full web address starting with https://.
form-color-invalid = Use a colour like #3b5bdb.
form-control-char = This contains a control character (such as a NUL byte); remove it and send the form again.
form-too-long =
    Use at most { $max ->
        [one] { $max } character
       *[other] { $max } characters
    }.
throttle-wait =
    Too many attempts. Try again in { $seconds ->
        [one] { $seconds } second
       *[other] { $seconds } seconds
    }.
form-save = Save
form-remove = Remove

## Fields
field-display-name = Name
field-email = E-mail
field-password = Password
field-new-password = New password
field-current-password = Current password
field-timezone = Time zone
field-language = Language
field-role = Role
field-school-name = School name
field-logo-url = Logo URL
field-primary-color = Primary colour
field-default-timezone = Default time zone
field-signup-open = Anyone may sign up
field-domain = Custom domain

## Accounts
signup-title = Create your account
signup-submit = Create account
signup-have-account = Already have an account?
signin-title = Sign in
signin-submit = Sign in
signin-failed = The e-mail or password is not correct.
signin-forgot = Forgot your password?
forgot-title = Reset your password
forgot-intro = Enter your e-mail address and we'll send you a link to choose a new password.
forgot-submit = Send reset link
forgot-sent = If an account exists for that address, we've sent a link. It works once, for one hour.
reset-title = Choose a new password
reset-submit = Set password
reset-invalid = This link has expired or was already used.
reset-request-new = Request a new link
reset-email-subject = Reset your { $school } password
reset-email-greeting = Hello { $name },
reset-email-body = Someone asked to reset the password of your { $school } account. Use the button below to choose a new one.
reset-email-button = Choose a new password
reset-email-footer = The link works once and expires in one hour. If you didn't ask for this, ignore this e-mail.
reset-email-text =
    Hello { $name },

    Someone asked to reset the password of your { $school } account.
    Open this link to choose a new one (it works once and expires in one hour):

    { $link }

    If you didn't ask for this, ignore this e-mail.
profile-title = Your profile
profile-language-browser = Same as my browser
profile-saved = Your profile was saved.
profile-password-hint = Needed only to change your e-mail address.
profile-password-needed = Enter your current password to change your e-mail address.
profile-password-wrong = That is not your current password.
role-student = Student
role-instructor = Instructor
role-admin = Admin
role-self-demote = You can't remove your own admin role.

## Admin
admin-school = School settings
admin-users = Users
admin-user-role-label = Role of { $name }
admin-integrations = Integrations
admin-outbox = Outbox
admin-jobs = Background jobs
outbox-intro = E-mail that Lectern sent or, without SMTP configured, kept here.
outbox-empty = No e-mail yet.
outbox-link-hidden = [link hidden: only its recipient sees it here]
jobs-failed = Failed
jobs-queued = Waiting
jobs-none = None.
jobs-retry = Retry
jobs-col-id = Job
jobs-col-kind = Kind
jobs-col-attempts = Attempts
jobs-col-run-at = Runs at
jobs-col-error = Last error
jobs-col-action = Action
domains-title = Custom domains
domains-add = Add domain
domain-invalid = Enter a host name like learn.example.com.
domain-taken = This domain is already in use.
domain-reserved = This address belongs to the platform itself (IP addresses, localhost and the platform's main address can't be a school's domain).
domain-active = active
domain-remove-platform = This is the platform's own address; it always serves this school.
domain-remove-last = This is the only active domain of the school: removing it would leave the school unreachable. Add another domain and have it approved first.
domain-remove-confirm = Remove { $host }? People who use this address will no longer reach the school there.
domain-pending = waiting for approval
domains-pending-help = A new domain works once the platform's operator has checked that it is yours and approved it. Point the domain's DNS at this server first, then ask the operator to approve it for this school.

branding-title = Branding
branding-upload-logo = Upload a logo (PNG, JPEG, WebP or GIF; shown in the header and in e-mails)
branding-upload-favicon = Upload a favicon (the icon in the browser's tab)
branding-remove-logo = Remove the logo
branding-remove-favicon = Remove the favicon
branding-hint = Images are converted to PNG and scaled down (logos to 512 pixels, favicons to 64); SVG is not accepted.
campaigns-title = E-mail campaigns
campaigns-none = No campaigns yet.
campaign-new = New campaign
campaign-edit = Edit campaign
campaign-untitled = (no subject)
campaign-subject = Subject
campaign-body = Message (Markdown)
campaign-body-help = Write { "{" }name{ "}" } where the recipient's name belongs. Every mail ends with an unsubscribe link.
campaign-audience = Audience
campaign-audience-enrolled = Students enrolled in the course
campaign-audience-incomplete = Enrolled students who have not completed the course
campaign-audience-missed = Enrolled students who missed a live session
campaign-audience-school = All students of the school
campaign-course = Course
campaign-lesson = Live session (for "missed a live session")
campaign-send-at = Send at (your time zone, { $tz }; empty: now)
campaign-preview = Preview
campaign-preview-as = Preview as { $name } would see it
campaign-send-test = Send a test to me
campaign-send = Send
campaign-saved = Draft saved.
campaign-test-sent = A test was sent to your address.
campaign-test-prefix = Test
campaign-sample-name = Alex Student
campaign-fix-errors = The draft was saved; correct the marked fields to send it.
campaign-subject-empty = Enter a subject.
campaign-body-empty = Write a message.
campaign-body-too-long = The message is too long (at most { $max } characters).
campaign-course-not-yours = Choose one of your courses.
campaign-course-needed = Choose a course for this audience.
campaign-lesson-needed = Choose a live session of the course.
campaign-school-admins-only = Only admins can write to all the school's students.
campaign-audience-unknown = Choose an audience.
campaign-audience-empty = This audience has no recipients.
campaign-send-at-invalid = Enter a date and time like 2026-12-24T18:00.
campaign-not-draft = This campaign was sent already.
campaign-state = State
campaign-state-draft = Draft
campaign-state-queued = Scheduled
campaign-state-sending = Sending
campaign-state-done = Sent
campaign-state-cancelled = Cancelled
campaign-recipients = Recipients
campaign-queued = Queued
campaign-sent = Sent
campaign-failed = Failed
campaign-skipped = Unsubscribed since
campaign-cancelled = Not sent (cancelled)
campaign-cancel = Cancel the rest
campaign-mail-footer = You receive this as a student of { $school }.
campaign-mail-unsubscribe = Unsubscribe from these e-mails
unsubscribe-title = Unsubscribe
unsubscribe-confirm = Stop receiving campaign e-mails from { $school }?
unsubscribe-button = Unsubscribe
unsubscribe-done = You will receive no more campaign e-mails from { $school }.
unsubscribe-transactional = Receipts, password resets and the live-session e-mails you chose still arrive.
outbox-bytes = { $n } bytes
