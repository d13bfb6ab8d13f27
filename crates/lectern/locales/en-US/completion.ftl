## Completion rules, manual completion and the audit trail.

completion-rule-opened = Complete once the lesson is opened.
completion-rule-marked = Complete once it is marked done.
completion-rule-watched = Complete once { $percent } % of the video is watched.
completion-rule-passed = Complete once the quiz is passed.
completion-rule-attended-minutes = Complete after at least { $minutes } minutes in the live session.
completion-rule-attended-percent = Complete after attending at least { $percent } % of the scheduled time.
completion-rule-or-recording = Watching the recording here counts too.

completion-option-watched = Watched at least a share of the video
completion-option-opened = Opened
completion-option-marked = Marked done by the student
completion-option-passed = Quiz passed
completion-option-attended_percent = Attended at least a share of the scheduled time
completion-option-attended_minutes = Attended at least a number of minutes

completion-title = Completion
completion-legend = This lesson is complete for a student when:
completion-field-percent = Share (percent, 1–100)
completion-field-minutes = Minutes attended (1–1440)
completion-field-recording = Watching the recording through Lectern also completes it
completion-field-attempts = Attempts allowed (empty = unlimited)
completion-optional-hint = Whether the course needs this lesson at all is the lesson's “Required” setting above.
completion-save = Save completion rule
completion-apply = Apply the new rule
completion-keep = Keep the current rule
completion-saved = Completion rule saved. Students' progress is being updated.
completion-preview-complete = { $complete ->
    [0] No student would newly complete this lesson.
    [one] This would complete 1 student.
   *[other] This would complete { $complete } students.
}
completion-preview-uncomplete = { $uncomplete ->
    [0] Nobody would lose it.
    [one] It would un-complete 1. Certificates already issued stay valid.
   *[other] It would un-complete { $uncomplete }. Certificates already issued stay valid.
}
completion-percent-invalid = Enter a whole percentage from 1 to 100.
completion-minutes-invalid = Enter a whole number of minutes from 1 to { $max }.
completion-rule-invalid = Choose one of the offered rules.
completion-attempts-invalid = Enter a number of attempts from 1 to 100, or leave it empty for unlimited.

completion-detail-reason = reason: { $reason }
completion-detail-attended = attended { $minutes } min ({ $percent } % of the scheduled time)
completion-detail-recording = watched the recording
completion-detail-watched = watched { $percent } %
completion-detail-score = best score { $score } %

quiz-no-attempts-left = You have used all { $count } attempts of this quiz.
quiz-attempts-used = You have used all attempts of this quiz. Ask your instructor if you need another.
quiz-attempts-allowed = { $count ->
    [one] You have 1 attempt.
   *[other] You have { $count } attempts.
}
audit-back-to-rule = Set back to the completion rule

students-title = Students
students-empty = Nobody is enrolled yet.
students-name = Student
students-progress = Progress
students-enrolled = Enrolled
students-completed = Completed
students-lessons = Lessons

completion-manual-complete = set complete by hand
completion-manual-incomplete = set not complete by hand
completion-set = Set completion
completion-set-complete = Complete
completion-set-incomplete = Not complete
completion-set-rule = As the rule decides
completion-reason = Reason (kept in the audit trail)
completion-set-save = Save
completion-reason-required = Give a reason; it is kept in the audit trail.

audit-title = Audit trail
audit-empty = No changes yet.
audit-course-completed = Course completed
audit-completed = Completed
audit-uncompleted = No longer complete
audit-by = by { $name }
audit-by-instructor = by an instructor
audit-by-rule = by the completion rule
completion-external-note = This session is held at an external link: Lectern sees no attendance there, so the student marks it done (or opening it counts). Switching back to Zoom restores an attendance rule.
completion-rule-external-attendance = A session held at an external link has no Zoom attendance: choose “Marked done by the student” or “Opened”.
