## Discussions: course boards, threads, moderation, reports and their e-mail.

discussions = Discussions
discussion-board-follow = Follow the board
discussion-board-unfollow = Stop following the board
discussion-thread-follow = Follow this thread
discussion-thread-unfollow = Stop following this thread
discussion-reports-open = { $count ->
    [one] 1 open report
   *[other] { $count } open reports
}
discussion-search = Search the discussions
discussion-search-button = Search
discussion-search-results = Search results
discussion-search-none = No post matches.
discussion-no-threads = No threads yet: start the first one below.
discussion-unread = New
discussion-pinned = Pinned
discussion-locked-badge = Locked
discussion-answered = Answered
discussion-posts = { $count ->
    [one] 1 post
   *[other] { $count } posts
}
discussion-new-thread = Start a thread
discussion-title = Title
discussion-body = Message
discussion-markdown-hint = Markdown works: **bold**, *italic*, [links](https://example.com), lists, `code`. Mention a member as @FirstnameLastname.
discussion-post-thread = Post the thread
discussion-delivery = E-mail me about new posts in what I follow
discussion-delivery-post = For each post
discussion-delivery-digest = Once a day, as a digest
discussion-save = Save
discussion-pin = Pin
discussion-unpin = Unpin
discussion-lock = Lock
discussion-unlock = Unlock
discussion-answer = Answer
discussion-answer-in-thread = See it in the thread
discussion-no-posts = No posts yet: ask the first question below.
discussion-edited = edited
discussion-removed-moderator = This post was removed by a moderator.
discussion-removed-original = What it said (moderators only)
discussion-removed-author = This post was deleted by its author.
discussion-quote = Quote
discussion-edit = Edit
discussion-delete = Delete
discussion-report = Report
discussion-mark-answer = Mark as the answer
discussion-unmark-answer = Not the answer
discussion-hide = Hide
discussion-show = Show again
discussion-reply = Reply
discussion-send-reply = Send the reply
discussion-locked = This thread is locked: no new replies.
discussion-locked-manager = This thread is locked: only moderators can reply.
discussion-back-to-thread = Back to the thread
discussion-report-reason = Reason
discussion-report-send = Send the report
discussion-report-sent = Thank you: the course's moderators will look at it.
discussion-reports = Reported posts
discussion-reports-none = No open reports.
discussion-report-resolve = Resolve, keep the post
discussion-report-hide = Resolve and hide the post
discussion-field-required = This can't be empty.
discussion-rate-limited = You are posting faster than the board allows. Wait { $seconds } seconds and send again: your text is kept below.
discussion-qa-open = Questions and answers for this session
discussion-mail-subject = New post in “{ $thread }” ({ $course })
discussion-mail-mention-subject = { $author } mentioned you in “{ $thread }” ({ $course })
discussion-mail-text = { $author } wrote in “{ $thread }” ({ $course }):

    { $body }

    Open the thread: { $url }
    You get this e-mail because you follow this thread or board, or were mentioned. Stop following on the thread's page.
discussion-digest-subject = { $count ->
    [one] 1 new post in your discussions
   *[other] { $count } new posts in your discussions
}
discussion-digest-intro = { $count ->
    [one] One new post in the discussions you follow, since your last digest:
   *[other] { $count } new posts in the discussions you follow, since your last digest:
}
discussion-digest-footer = You get this digest once a day because you chose it on a discussion board; choose "For each post" there to change it.
discussion-attach = Attach an image or a file (at most { $limit }):
discussion-attach-needs-script = Attaching a file needs JavaScript; your message can be posted without one.
discussion-attachment-uploading = Uploading…
discussion-attachment-kept = A file is attached; it is posted with your message.
discussion-attachment-failed = The file could not be uploaded; your message is kept. Try again.
discussion-attachment-too-large = This file is larger than { $limit }; attach a smaller one. Your message is kept.
discussion-attachment-gone = The attached file is no longer available; attach it again or post without it. Your message is kept.
