## The room dashboard of a live session and its report (live/dashboard.rs)
dash-title = Room dashboard
dash-report-title = Session report
dash-link = Room dashboard
dash-report-link = Session report
dash-now = now
dash-state-live = Live now: this page updates by itself as students join and leave.
dash-state-ended = The session has ended. This is its report.
dash-state-waiting = The session has not started yet. Everyone is counted as not here until they join.
dash-summary = { $attended } of { $enrolled } enrolled students came ({ $percent } %)
dash-count-in-room = in the room now
dash-count-late = joined late (more than { $grace } min after the start)
dash-count-left-early = left early
dash-count-never-came = never came
dash-others = { $count ->
    [one] and one other participant (a guest or someone not matched to a student)
   *[other] and { $count } other participants (guests or people not matched to a student)
}
dash-status-in-room = In the room
dash-status-left = Left
dash-status-came = Came
dash-status-never-came = Never came
dash-count-not-yet = not here yet
dash-status-not-yet = Not here yet
dash-mark-late = late
dash-mark-left-early = left early
dash-col-status = Status
dash-col-segments = Time in the room
dash-col-time = Time
dash-col-size = People in the room
dash-chart-title = Participants in the room over time (the host not counted)
dash-chart-peak = peak { $count }
dash-chart-desc = Step chart of the room's size from { $from } to { $to }; at most { $peak } people at once.
dash-chart-numbers = Show the numbers
dash-grace-label = Late after (minutes past the start)
dash-grace-save = Save
dash-grace-invalid = Enter a whole number of minutes from 0 to { $max }.
dash-absentees-button = { $count ->
    [one] E-mail the student who isn't here: "we started — join here"
   *[other] E-mail the { $count } students who aren't here: "we started — join here"
}
dash-absentees-messaged = { $count ->
    [one] One student was already e-mailed; nobody gets it twice.
   *[other] { $count } students were already e-mailed; nobody gets it twice.
}
dash-absentees-sent = { $count ->
    [0] Nobody new to e-mail: every absent student already got the message.
    [one] E-mailed one student.
   *[other] E-mailed { $count } students.
}
dash-absentees-not-live = Absent students can be e-mailed only while the session is live.
dash-absentee-subject = { $title } has started — join now
dash-absentee-body = The live session "{ $title }" of { $course } has started. Join here:
dash-absentee-button = Join the session
dash-absentee-footer = You get this because you are enrolled in { $course } and weren't in the session yet.
