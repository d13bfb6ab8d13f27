# Mirrors en-US/reminders.ftl: keep the same message ids and variables.

## Erinnerungen, Terminänderungen und Absagen von Live-Sitzungen (E-Mail), Kalender-Feeds
reminder-greeting = Hallo { $name },
reminder-open-lesson = Lektion öffnen
reminder-footer = Die angehängte Kalendereinladung hält Ihren Kalender auf dem neuesten Stand.
reminder-24h-subject = Morgen: { $title } am { $when }
reminder-24h-body = „{ $title }“ ({ $course }) beginnt in 24 Stunden: { $when }.
reminder-1h-subject = In einer Stunde: { $title } am { $when }
reminder-1h-body = „{ $title }“ ({ $course }) beginnt in einer Stunde: { $when }.
reminder-update-subject = Verschoben: { $title } findet jetzt am { $when } statt
reminder-update-body = „{ $title }“ ({ $course }) wurde verschoben. Neuer Beginn: { $when }.
reminder-cancel-subject = Abgesagt: { $title } ({ $when })
reminder-cancel-body = „{ $title }“ ({ $course }), geplant am { $when }, wurde abgesagt.
live-cancel = Sitzung absagen
live-cancel-confirm = Diese Sitzung absagen? Eingeschriebene Lernende werden benachrichtigt.
live-cancel-not-possible = Nur eine geplante Sitzung, die noch nicht begonnen hat, kann abgesagt werden.
calendar-feed-title = Kalender-Feed
calendar-feed-help = Abonnieren Sie diese Adresse in Ihrer Kalender-App, um die Live-Sitzungen all Ihrer Kurse zu sehen. Halten Sie sie geheim: Wer den Link hat, sieht Ihren Terminplan.
calendar-feed-url-label = Adresse Ihres Kalender-Feeds
calendar-feed-create = Kalender-Link erstellen
calendar-feed-reset = Link zurücksetzen
calendar-feed-course = Zum Kalender hinzufügen (.ics)
reminder-invite-subject = Einladung: { $title } am { $when }
reminder-invite-body = Sie sind zu „{ $title }“ ({ $course }) eingeladen: { $when }. Nehmen Sie die angehängte Einladung an, um den Termin in Ihren Kalender zu übernehmen.
live-prefs-title = E-Mails zu Live-Sitzungen
live-prefs-intro = Einladungen, Erinnerungen und Terminänderungen der Live-Sitzungen und Webinare Ihrer Kurse.
live-prefs-all-on = Sie erhalten sie für alle Ihre Kurse (außer unten abgeschaltete).
live-prefs-all-off = Sie haben sie für alle Ihre Kurse abgeschaltet.
live-prefs-per-course = Pro Kurs
live-prefs-turn-off = Abschalten
live-prefs-turn-on = Einschalten
live-prefs-off = Aus
live-prefs-cancel-note = Absagen werden immer gesendet, damit eine Sitzung, die schon in Ihrem Kalender steht, dort nicht stehen bleibt.
