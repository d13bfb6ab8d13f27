-- Cloud recordings' play passcodes (postgres). Kept in lockstep with the sqlite
-- backend's 0006_recording_passcode.sql.

-- Zoom's `recording_play_passcode`, sealed like the meeting passcode (bound to the
-- session and file); spliced into the play link as `?pwd=` for enrolled students only.
ALTER TABLE live_recordings ADD COLUMN play_passcode_sealed TEXT;
