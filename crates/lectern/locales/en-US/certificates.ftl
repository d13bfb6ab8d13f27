## Certificates.

date-long = { $day } { $month } { $year }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

certificate-default-title = Certificate of Completion
certificate-preamble = This certifies that
certificate-default-body = has successfully completed the course
certificate-hours = Live sessions attended: { $hours } h { $minutes } min
certificate-serial = Certificate no. { $serial }
certificate-verify-at = Verify at
certificate-email-subject = Your certificate for { $course }
certificate-email-intro = Congratulations, { $name }: you have completed { $course }. Your certificate is attached; anyone can check it at the address below.
certificate-email-text = Congratulations, { $name }: you have completed { $course }. Your certificate is attached; anyone can check it at { $url }

certificate-verify-title = Certificate verification
certificate-status-valid = This certificate is valid.
certificate-status-revoked = This certificate has been revoked.
certificate-status-replaced = This certificate has been replaced by
certificate-status-expired = This certificate has expired.
certificate-status-pending = This certificate is being issued.
certificate-not-found = No certificate with this number exists. Check the number you typed.
certificate-learner = Learner
certificate-course = Course
certificate-school = Issued by
certificate-completed = Completed
certificate-live = Live hours
certificate-serial-label = Number
certificate-state = Status

certificates-mine = My certificates
certificates-none = No certificates yet.
certificate-download = Download PDF
certificate-verify-link = Verification page
certificate-linkedin = Add to LinkedIn profile
certificate-reissue-mine = My name changed: issue it again with my current name
certificate-pending = The certificate is being prepared; try again in a minute.
certificate-revoked-no-reissue = A revoked certificate can't be issued again.

certificate-settings = Certificate
certificate-settings-saved = Certificate settings saved.
certificate-enabled = Issue a certificate when a student completes this course
certificate-field-title = Title
certificate-field-body = Text under the name (empty: “has successfully completed the course”)
certificate-field-signer = Signer's name
certificate-field-signer-title = Signer's title
certificate-field-validity = Valid for (months; empty: no expiry)
certificate-title-required = A certificate needs a title.
certificate-validity-invalid = Enter a number of months from 1 to 600, or leave it empty.
certificate-uncovered = No installed font can print “{ $char }”; change the text or install a font that covers it.

certificates-admin = Certificates
certificate-revoke = Revoke
certificate-revoke-reason = Reason for revoking
certificate-reason-required = Give a reason for revoking; it is shown on the certificate's page.
certificate-reissue = Re-issue
certificate-paper = Paper for certificates
certificate-valid-until = valid until { $date }
certificate-valid-until-label = Valid until
certificate-revoked-subject = Your certificate for { $course } was revoked
certificate-revoked-email = Your certificate for { $course } was revoked. Reason: { $reason }. Its page says so: { $url }
certificate-same-name = Your certificate already shows your current name. Change your name in your profile first.
certificate-status-replaced-short = Replaced
certificate-revoke-public = The reason is shown on the certificate's public page.
certificate-reissue-confirm = Issue a new certificate with your current name? The old one's number will show “replaced”.
certificate-reissue-confirm-admin = Issue a new certificate with the learner's current name? The old number will show “replaced”.
