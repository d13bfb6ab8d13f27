-- Secret links out of stored mail (sqlite). Kept in lockstep with the postgres backend's
-- 0011_mail_secrets.sql. A password-reset mail was stored with its link in clear, shown
-- to every admin in the outbox and kept in backups. Now its body holds a placeholder and
-- the link is sealed apart (bound to the row and its recipient): put in when the mail is
-- sent over SMTP and then wiped, shown in the outbox to its recipient only.
ALTER TABLE emails ADD COLUMN secret_sealed TEXT;
-- The user the sealed link is for. No foreign key: it also marks a mail that carried a
-- link, so that one whose link was wiped unsent is failed rather than sent without it.
ALTER TABLE emails ADD COLUMN secret_user_id INTEGER;
-- Mails stored before: their links go; one not yet sent is failed (ask for a new link).
UPDATE emails SET
    body_text = '(A password-reset link was removed from this stored message.)',
    body_html = '<p>(A password-reset link was removed from this stored message.)</p>',
    status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END,
    error = CASE WHEN status = 'queued' THEN 'its reset link was removed before sending; ask for a new one' ELSE error END
WHERE body_text LIKE '%/password/reset/%' OR body_html LIKE '%/password/reset/%';
