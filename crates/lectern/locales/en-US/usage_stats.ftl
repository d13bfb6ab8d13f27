# Anonymous usage statistics (ops/usage.rs), for the instance's operator.
admin-usage = Usage statistics
usage-title = Anonymous usage statistics
usage-intro = If you opt in, this instance sends the counts below once a day: how many schools, courses and live sessions it has, and its version. No names, e-mail addresses, hosts or ids — exactly the text shown here, nothing more.
usage-json = What would be sent
usage-sending = Sending
usage-destination = Sent to:
usage-no-url = No destination is configured (LECTERN_USAGE_STATS_URL), so nothing is sent, even when opted in.
usage-last-sent = Last sent for { $period }.
usage-opt-in = Send these anonymous counts once a day
usage-opt-in-hint = Off by default. You can turn it off at any time.
usage-save = Save
