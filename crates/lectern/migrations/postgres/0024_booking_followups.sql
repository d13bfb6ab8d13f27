-- Private 1-on-1s (bookings, issue 17 L15), follow-ups.
-- A private lesson whose booking was cancelled leaves its student's course outline (its
-- page still says Cancelled): set by bookings in the cancelling transaction.
ALTER TABLE lessons ADD COLUMN private_cancelled_at BIGINT;

-- The cancellation of a private lesson deleted in the course editor is mailed from what
-- its job carries (the lesson is gone, so live_notifications_sent can't name it): one row
-- per recipient and SEQUENCE, written with the mail, makes it once per recipient however
-- often the job runs. No foreign key to lessons, on purpose.
CREATE TABLE live_gone_notices_sent (
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    lesson_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    sequence BIGINT NOT NULL,
    email_id BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (lesson_id, user_id, sequence)
);
