## Courses: catalogue, course page, lesson player, my courses

catalogue-title = Courses
catalogue-empty = No courses are published yet.
welcome-title = Welcome, { $name }!
welcome-next = Your account is ready. Pick a course below and open it to enrol; the courses you have joined are always under
course-status-draft = Draft
course-status-published = Published
course-taught-by = Taught by
course-enroll = Enrol for free
course-sign-in-to-enroll = Sign in to enrol
course-continue = Continue
course-completed = You've completed this course.
course-completed-short = completed
course-progress = { $percent }% complete
course-progress-label = Course progress
course-progress-of = Progress in { $title }
course-outline = Lessons
course-no-lessons = This course has no lessons yet.
course-edit = Edit this course
course-preview = Preview the lessons
course-too-long =
    Use at most { $max ->
        [one] { $max } character
       *[other] { $max } characters
    }.
course-field-title = Title
course-field-description = Description
course-field-cover-url = Cover image URL

my-courses-title = My courses
my-courses-empty = You haven't enrolled in any course yet.
my-courses-browse = Browse the courses

## Lessons

lesson-kind-video = Video
lesson-kind-document = Reading
lesson-kind-quiz = Quiz
lesson-kind-live-session = Live session
lesson-kind-webinar = Webinar
lesson-kind-external-link = External link
lesson-optional = optional
lesson-done = done
lesson-completed = You've completed this lesson.
lesson-mark-complete = Mark complete
lesson-cannot-mark-complete = This lesson can't be marked complete by hand.
lesson-previous = Previous
lesson-next = Next
lesson-open-video = Watch the video
lesson-open-link = Open the link
lesson-preview-note = You're previewing this lesson as an instructor; progress isn't recorded.
lesson-starts = Starts
lesson-starts-in = Starts in
lesson-duration =
    { $minutes ->
        [one] { $minutes } minute
       *[other] { $minutes } minutes
    }
lesson-scheduled-in = scheduled for { $when }
lesson-live-now = This session is happening now.
lesson-session-ended = This session has ended.
lesson-live-details-later = Live session details will appear here when it starts.

lesson-field-title = Title
lesson-field-video-url = Video URL
lesson-field-link-url = Link URL
lesson-field-local-start = Starts (date and local time)
lesson-field-duration = Duration (minutes)
lesson-field-quiz = Questions
lesson-field-pass-mark = Pass mark (%)
lesson-field-content = Content (Markdown)
lesson-field-agenda = Description and agenda (Markdown)
lesson-field-description = Description (optional, Markdown)
lesson-field-required = Required to complete the course
lesson-video-hint = YouTube and Vimeo links play inside the lesson; links to .mp4 or .webm files play in the browser.
lesson-quiz-hint = Start each question with "?", then one line per answer: "*" for the right answer, "-" for the others.
lesson-pass-mark-invalid = Enter a whole number from 0 to 100.

## Quizzes

quiz-submit = Submit answers
quiz-pass-mark = Pass mark: { $percent }%
quiz-passed = Passed with { $score }% ({ $correct } of { $total } right).
quiz-failed = Not passed yet: { $score }% ({ $correct } of { $total } right). Try again.
quiz-attempts =
    { $count ->
        [one] { $count } attempt
       *[other] { $count } attempts
    }, best score { $best }%
quiz-error-empty = Add at least one question, starting with "?".
quiz-error-line = Line { $line } must start with "?" (a question), "*" (the right answer) or "-" (a wrong answer), and answers must follow a question.
quiz-error-prompt = Question { $n } has no text after the "?".
quiz-error-choices = Question { $n } needs at least two answers.
quiz-error-no-correct = Mark the right answer of question { $n } with "*".
quiz-error-several-correct = Question { $n } has more than one answer marked "*"; mark exactly one.

## Scheduling

schedule-bad-datetime = Enter a date and time, for example 2026-05-04 18:00.
schedule-bad-duration = Enter a duration in minutes, from 1 to { $max }.
schedule-gap = This time doesn't exist in { $zone }: on that day the clocks jump from { $from } to { $to }. Choose a time outside that gap.
schedule-fold = This time happens twice in { $zone }, because the clocks go back that night. Choose which one you mean.
schedule-fold-choose = Which one do you mean?
schedule-fold-first = The first time (before the clocks go back)
schedule-fold-second = The second time (after the clocks go back)

## Teaching

teach-title = Courses you teach
teach-empty = You don't teach any course yet.
teach-new-course = New course
teach-create-course = Create course
teach-view = View
teach-publish = Publish
teach-unpublish = Unpublish
teach-lessons = Lessons
teach-add-lesson = Add a lesson
teach-new-lesson = New lesson
teach-edit-lesson = Edit lesson
teach-save-lesson = Save lesson
teach-move-up = Move up
teach-move-down = Move down
teach-delete = Delete
teach-delete-confirm = Delete the lesson "{ $title }"? Its progress and quiz attempts go with it. This can't be undone.
teach-delete-lesson-label = Delete lesson "{ $title }"
teach-details = Details
teach-instructors = Instructors
teach-add-instructor = Add an instructor by e-mail
teach-add = Add
teach-instructor-not-found = No instructor or admin in this school has that e-mail address.
teach-markdown-hint = You can use Markdown: **bold**, *italic*, [links](https://example.com), lists and headings.
lesson-host-not-in-zoom = { $email } is not a user of the school's Zoom account, so Zoom can't create meetings for them. Ask a Zoom admin to add this address to the account, or let an instructor who is in it schedule the session.

files-title = Files
files-delete-confirm = Delete this file? Students will no longer see it.
files-upload-video = Upload a video (MP4 or WebM)
files-video-hint = An uploaded video plays in the lesson and records how much each student watched; it replaces the video link.
files-upload-document = Upload the document (PDF, Office, OpenDocument or text)
files-attachments = Attachments
files-upload-attachment = Add an attachment (slides, worksheets…)
files-save-first = Save the lesson first; then you can upload its files here.
files-download = Download
files-attachments-player = Materials
files-document-frame = The document
upload-limit = at most { $limit }
upload-too-large = This file is too large: the limit is { $limit }.
upload-failed = The upload failed (the connection broke). Nothing was stored; try again.
upload-cancelled = Upload cancelled. Nothing was stored.
upload-done = Uploaded.
upload-cancel = Cancel upload
cover-title = Cover image
cover-upload = Upload a cover image (PNG, JPEG, WebP or GIF)
cover-uploaded = An uploaded cover is shown; it takes precedence over the cover URL.
cover-remove = Remove the uploaded cover

teach-delete-course-title = Delete this course
teach-delete-course-help = Deletes the course with all its lessons, enrolments, progress and uploaded files. Zoom meetings of its live sessions are deleted too. This cannot be undone.
teach-delete-course-confirm = Delete “{ $title }” with all its lessons, enrolments and files? This cannot be undone.
teach-delete-course = Delete course
upload-processing = Storing…
upload-maybe-stored = The file had been sent when you cancelled: it may have been stored. Reload the page to see.
files-watched = You have watched { $percent } % of this video.
my-certificates-link = My certificates →
