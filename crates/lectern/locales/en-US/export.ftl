# Settings → Export (export/routes.rs, templates/admin/export.html)

export-title = Export
export-intro = Download everything of your school in one archive: users, courses and lessons, enrolments, progress, completions, quiz answers, discussions, certificates, orders and the uploaded files. An operator restores it on any Lectern instance with "lectern import".
export-left-out = Secrets stay behind: after a restore, connect Zoom and the payment providers again, and users create new API tokens and calendar links. Archives are kept for 7 days.
export-passwords = The archive holds your users' password hashes, so that they sign in with their own passwords after a restore. Keep it as safe as the passwords themselves: store it encrypted, share it with no one, delete it when it has served.
export-start = Start export
export-archives = Archives
export-started = Started
export-state = State
export-size = Size
export-until = Available until
export-download = Download
export-state-queued = Waiting
export-state-running = Being written…
export-state-done = Ready
export-state-failed = Failed
export-refresh = Refresh to see how far it is
