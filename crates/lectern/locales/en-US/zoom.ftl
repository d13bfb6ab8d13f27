## Zoom connection (Settings → Integrations)
zoom-card-intro = Connect your school's Zoom account to run live sessions and webinars inside your courses.
zoom-connect = Connect Zoom Account
zoom-reconnect-button = Reconnect Zoom
zoom-disconnect = Disconnect
zoom-status-connected = Connected
zoom-status-not-connected = Not Connected
zoom-status-needs-reconnect = Zoom stopped accepting our access. Reconnect Zoom to keep live sessions working.
zoom-status-deauthorized = The Lectern app was removed from Zoom on { $date }. Live sessions are unavailable until you connect again.
zoom-status-disconnected = Disconnected on { $date }.
zoom-not-configured = Zoom integration is not configured.
zoom-not-configured-hint = Ask the person who runs this Lectern server to set ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (see the README), or contact your support team.
zoom-missing-scopes = Connected, but Zoom did not grant: { $scopes }. Reconnect Zoom integration with proper permissions.
zoom-setup-title = Zoom app settings
zoom-setup-redirect = Redirect URL to register in the Zoom Marketplace: { $uri }
zoom-personal-title = Your Zoom account
zoom-personal-intro = Connect your own Zoom account to host your live sessions with it. Without it, the school's Zoom account is used.

## Callback outcomes
zoom-connected-title = Zoom is connected
zoom-connected-message = Lectern can now create meetings and webinars with the Zoom account { $email }.
zoom-degraded-title = Zoom is connected with missing permissions
zoom-denied-title = Zoom connection cancelled
zoom-denied-message = You cancelled the authorization in Zoom. Nothing was changed.
zoom-no-code = No authorization code received
zoom-no-code-message = Zoom sent you back without an authorization code, so nothing was connected.
zoom-bad-state-title = This Zoom authorization can't be used
zoom-bad-state-message = The authorization link is invalid, was already used, has expired, or was started in another browser session. Nothing was changed.
zoom-oauth-failed-title = OAuth authorization failed
zoom-oauth-failed = OAuth authorization failed: { $reason }
zoom-save-failed = Error saving Zoom settings
zoom-save-failed-message = Zoom authorized Lectern, but saving the connection failed, so nothing was stored.
zoom-step-no-blocking = Make sure your browser isn't blocking pop-ups or redirects.
zoom-step-redirect-uri = Check that the redirect URL in the Zoom Marketplace is exactly { $uri }
zoom-step-try-again = Start again from Settings → Integrations.
zoom-step-approve-scopes = Check that all required OAuth scopes are approved in the Zoom app.
zoom-step-reconnect = Try disconnecting and reconnecting the integration.
zoom-step-refresh = Refresh the page and try again.
zoom-step-support = Contact support if the problem persists.
zoom-back-to-integrations = Back to Zoom settings

## Disconnect and data
zoom-disconnect-title = Disconnect Zoom?
zoom-disconnect-intro = Disconnecting revokes Lectern's access to your Zoom account and deletes its tokens at once.
zoom-disconnect-c1 = All scheduled live sessions will become inactive: students won't be able to join.
zoom-disconnect-c2 = Existing Zoom meetings and webinars will remain in Zoom, but can't be managed through Lectern.
zoom-disconnect-c3 = Student access to recordings may be affected if meeting links become invalid.
zoom-disconnect-c4 = No data loss: course content and student records remain intact.
zoom-disconnect-c5 = You can reconnect any time.
zoom-disconnect-confirm = Disconnect Zoom now? Scheduled live sessions become inactive until Zoom is connected again.
zoom-delete-data = Delete all Zoom data
zoom-delete-intro = This deletes Zoom tokens, Zoom account details, meeting links and passcodes, and participants' names and e-mails from attendance. Anonymous counts and durations stay for course history. This cannot be undone.
zoom-delete-type = Type DELETE to confirm
zoom-delete-confirm-required = Type DELETE to confirm the deletion.
zoom-delete-data-confirm = Delete all Zoom data for this school? This cannot be undone.

## Health panel
zoom-health-title = Connection health
zoom-health-state = State
zoom-health-scopes = Scopes needed
zoom-health-granted = Scopes granted
zoom-health-hosts = Hosts
zoom-health-hosts-account = Any instructor who is a user of this Zoom account can host.
zoom-health-hosts-single = The connected Zoom user hosts every meeting.
zoom-health-expiry = Access token expires
zoom-health-last-refresh = Last refresh
zoom-health-last-error = Last Zoom error
zoom-health-circuit = Calls to Zoom
zoom-health-circuit-open = Paused in this Lectern instance after repeated Zoom failures; the next call is tried in { $seconds } s. Live sessions show "try again" meanwhile.
zoom-health-daily = Meetings created or updated today (Zoom allows 100 per host)
zoom-health-granted-other = Other scopes granted
zoom-scope-granted = granted
zoom-scope-missing = missing
zoom-state-connected = Connected
zoom-state-needs-reconnect = Needs reconnecting
zoom-state-deauthorized = Removed from Zoom (the Lectern app was uninstalled there)
zoom-state-disconnected = Disconnected
zoom-state-none = Not connected

## E-mail to admins
zoom-reconnect-email-subject = Action needed: reconnect Zoom
zoom-reconnect-email-body = Hello { $name }, Zoom no longer accepts Lectern's access to your school's Zoom account. Live sessions can't start until an admin reconnects Zoom.
zoom-reconnect-email-text =
    Hello { $name },

    Zoom no longer accepts Lectern's access to your school's Zoom account.
    Live sessions can't start until an admin reconnects Zoom:

    { $link }
