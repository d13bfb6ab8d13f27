## Live sessions and webinars (lesson player, Start, join, attendance)
live-start = Start Meeting
live-rejoin-host = Open the meeting as host
live-start-available-from = Start Meeting becomes available in
live-state-live = This session is live.
live-join = Join Meeting
live-open-in-app = Open in Zoom app
live-waiting-for-instructor = Waiting for the instructor to start the session…
live-starts-in = Starts in
# A countdown's days: "9d 16:08:35" (the script fills $days; keep it short, no plural)
countdown-days = { $days }d
live-ended = This session has ended.
live-cancelled = This session was cancelled.
live-join-failed = The meeting could not be opened here. Use "Open in Zoom app" instead.
live-join-try-again = Zoom is not answering right now. Please try again in a minute.
live-unavailable = Live sessions are unavailable right now.
live-unavailable-instructor = Zoom is not connected, so this session can't start. Reconnect Zoom in Settings → Integrations, or switch this lesson to an external link.
live-reconnect-link = Reconnect Zoom
live-switch-external = Edit the lesson (switch to an external link)
live-deleted-in-zoom = The meeting was deleted in Zoom. Start Meeting creates a new one.
live-recordings = Recording
live-recording-download = Download
live-recording-download-failed = The recording can’t be downloaded right now: { $reason }
live-recording-download-later = Please try again later; if it keeps failing, tell your instructor.
live-recording-file = Recording ({ $kind })
live-my-attendance =
    You attended for { $minutes ->
        [one] { $minutes } minute
       *[other] { $minutes } minutes
    } ({ $from } – { $to }).
live-my-attendance-none = You did not attend this session.
live-attendance-link = Attendance
live-attendance-title = Attendance
live-attendance-summary = { $attended } attended, { $absent } never came.
live-attendance-csv = Export as CSV
live-col-name = Name
live-col-email = E-mail
live-col-from = Joined
live-col-to = Left
live-col-minutes = Minutes
live-never-came = Never came
live-unmatched-title = Unmatched participants
live-unmatched-help = These people joined outside the course player and could not be matched by e-mail. Assign them to a learner.
live-assign = Assign
live-assign-label = Learner to assign { $name } to
live-assign-invalid = Choose a learner enrolled in this course.

## Start errors (Zoom's answers, with the way out)
live-error-not-configured = Zoom integration is not configured on this server.
live-error-not-connected = Zoom is not connected. Reconnect Zoom integration in Settings → Integrations.
live-error-missing-scopes = Reconnect Zoom integration with proper permissions. Zoom did not grant: { $scopes }.
live-error-webinar-plan = Webinar plan is missing: upgrade to a Zoom plan with webinar licenses (Pro or higher with the Webinar add-on) for the host, or make this lesson a live session.
live-error-not-enabled = Not enabled for your account: enable this feature (meeting hosting/scheduling) for the host in your Zoom account settings, then try again.
live-error-no-permission = Zoom refused: the host has no permission for this. Check the host's role and plan in Zoom.
live-error-daily-limit = Zoom's daily limit for creating meetings is reached for this host. It resets at { $when }; no further attempt is made before then.
live-error-try-again = Zoom did not answer in time. Nothing was created — please try again.
live-error-zoom-server = Zoom had a problem on its side (HTTP { $status }). Please try again in a few minutes.
live-error-unreachable = Lectern could not reach Zoom. Please try again in a few minutes.
live-error-busy = Zoom is receiving too many requests right now. Please try again in a moment.
live-error-zoom-paused = Zoom is not answering right now, so Lectern is holding back its requests for a moment. Nothing was created — please try again in a minute.
live-error-heading-meeting = Failed to create Zoom meeting
live-error-heading-webinar = Failed to create Zoom webinar
live-error-with-heading = { $heading }: { $message }
live-error-host-not-in-account = { $email } is not a user of the school's Zoom account, so the meeting can't be created for them.
live-error-meeting-deleted = The meeting was deleted in Zoom. Start Meeting creates a new one.
live-error-interrupted = Starting the meeting was interrupted and no meeting was found in Zoom. Press Start Meeting again.
live-error-refused = Zoom refused to create the meeting: { $reason }
live-error-not-now = This session can't be started now (it is not yet within the start window, or it is over).

## The player's live panel: one state, one message (live/display.rs)
live-panel-heading = Live session
live-join-appears = Join Meeting appears here as soon as the instructor starts the session.
live-msg-opening-soon = The session starts at { $when }. The instructor can open it now; Join Meeting will appear here by itself.
live-msg-opening-soon-host = You can start the session now. Your students see Join Meeting as soon as you do.
live-msg-starting-now = The session was due to start at { $when } and the instructor hasn't started it yet. Keep this page open: Join Meeting will appear here by itself.
live-msg-starting-now-host = The session was due to start at { $when }. Your students are waiting for you to start it.
live-did-not-take-place = This session did not take place.
live-msg-joined = You're in the session.
live-msg-left = You left the session. You can rejoin while it is live.
live-leave = Leave
live-rejoin = Rejoin
live-joining = Opening the meeting…
live-waiting-for-host = The instructor hasn't joined the meeting yet. You'll be let in as soon as they do.
live-badge-upcoming = Starts in
live-badge-opening-soon = Starting soon
live-badge-starting-now = Due to start
live-badge-live = Live now
live-badge-ended = Ended
live-badge-cancelled = Cancelled
live-badge-did-not-take-place = Did not take place
live-msg-upcoming = The session starts at { $when }.
live-unavailable-teacher = Zoom is not connected, so this session can't start. Ask your school's admin to reconnect Zoom, connect your own Zoom account, or switch this lesson to an external link.
live-connect-own = Connect your own Zoom account
live-ask-admin = Ask your school's admin to reconnect Zoom in Settings → Integrations.
