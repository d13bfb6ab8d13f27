-- Recording play passcodes and the expiry of unstarted sessions (sqlite). Kept in lockstep
-- with the postgres backend's 0006_live_recordings_expiry.sql.

-- Zoom's `recording_play_passcode`, sealed like the meeting passcode (bound to the
-- session and file); spliced into the play link as `?pwd=` for enrolled students only.
ALTER TABLE live_recordings ADD COLUMN play_passcode_sealed TEXT;

-- Set when a session nobody started was ended after its end + grace (not by Zoom): only
-- such a session goes back to `scheduled` when its lesson is moved to a later time.
ALTER TABLE live_sessions ADD COLUMN expired_at INTEGER;
