# Mirrors en-US/live.ftl: keep the same message ids and variables.

## Live-Sitzungen und Webinare (Lektionsansicht, Starten, Beitreten, Anwesenheit)
live-start = Meeting starten
live-rejoin-host = Meeting als Host öffnen
live-start-available-from = „Meeting starten“ ist verfügbar in
live-state-live = Diese Sitzung läuft gerade.
live-join = Meeting beitreten
live-open-in-app = In der Zoom-App öffnen
live-waiting-for-instructor = Warten, bis die Lehrkraft die Sitzung startet…
live-starts-in = Beginnt in
# Die Tage eines Countdowns: "9 Tg. 16:08:35"
countdown-days = { $days } Tg.
live-ended = Diese Sitzung ist beendet.
live-cancelled = Diese Sitzung wurde abgesagt.
live-join-failed = Das Meeting konnte hier nicht geöffnet werden. Verwenden Sie stattdessen „In der Zoom-App öffnen“.
live-join-try-again = Zoom antwortet gerade nicht. Bitte versuchen Sie es in einer Minute noch einmal.
live-unavailable = Live-Sitzungen sind gerade nicht verfügbar.
live-unavailable-instructor = Zoom ist nicht verbunden, daher kann diese Sitzung nicht starten. Verbinden Sie Zoom unter Einstellungen → Integrationen neu oder stellen Sie diese Lektion auf einen externen Link um.
live-reconnect-link = Zoom neu verbinden
live-switch-external = Lektion bearbeiten (auf einen externen Link umstellen)
live-deleted-in-zoom = Das Meeting wurde in Zoom gelöscht. „Meeting starten“ erstellt ein neues.
live-recordings = Aufzeichnung
live-recording-download = Herunterladen
live-recording-download-failed = Die Aufzeichnung kann gerade nicht heruntergeladen werden: { $reason }
live-recording-download-later = Bitte versuchen Sie es später noch einmal; wenn es weiterhin nicht klappt, wenden Sie sich an Ihre Lehrkraft.
live-recording-file = Aufzeichnung ({ $kind })
live-my-attendance =
    Sie waren { $minutes ->
        [one] { $minutes } Minute
       *[other] { $minutes } Minuten
    } anwesend ({ $from } – { $to }).
live-my-attendance-none = Sie haben an dieser Sitzung nicht teilgenommen.
live-attendance-link = Anwesenheit
live-attendance-title = Anwesenheit
live-attendance-summary = { $attended } anwesend, { $absent } nie erschienen.
live-attendance-csv = Als CSV exportieren
live-col-name = Name
live-col-email = E-Mail
live-col-from = Beigetreten
live-col-to = Gegangen
live-col-minutes = Minuten
live-never-came = Nie erschienen
live-unmatched-title = Nicht zugeordnete Teilnehmende
live-unmatched-help = Diese Personen sind außerhalb der Kursansicht beigetreten und konnten nicht über ihre E-Mail-Adresse zugeordnet werden. Weisen Sie sie jeweils einer lernenden Person zu.
live-assign = Zuweisen
live-assign-label = Lernende Person, der { $name } zugeordnet wird
live-assign-invalid = Wählen Sie eine Person, die in diesen Kurs eingeschrieben ist.

## Fehler beim Starten (Zoom-Antworten, mit Lösungsweg)
live-error-not-configured = Die Zoom-Integration ist auf diesem Server nicht eingerichtet.
live-error-not-connected = Zoom ist nicht verbunden. Verbinden Sie die Zoom-Integration unter Einstellungen → Integrationen neu.
live-error-missing-scopes = Verbinden Sie die Zoom-Integration mit den nötigen Berechtigungen neu („Reconnect Zoom integration with proper permissions“). Zoom hat Folgendes nicht gewährt: { $scopes }.
live-error-webinar-plan = Zoom meldet „Webinar plan is missing“: Wechseln Sie für den Host zu einem Zoom-Tarif mit Webinar-Lizenzen (Pro oder höher mit dem Webinar-Add-on) oder machen Sie diese Lektion zu einer Live-Sitzung.
live-error-not-enabled = Zoom meldet „Not enabled for your account“: Aktivieren Sie diese Funktion (Meetings veranstalten/planen) für den Host in Ihren Zoom-Kontoeinstellungen und versuchen Sie es dann noch einmal.
live-error-no-permission = Zoom hat abgelehnt: Der Host hat dafür keine Berechtigung. Prüfen Sie die Rolle und den Tarif des Hosts in Zoom.
live-error-daily-limit = Das tägliche Zoom-Limit für das Erstellen von Meetings ist für diesen Host erreicht. Es wird am { $when } zurückgesetzt; bis dahin wird kein weiterer Versuch unternommen.
live-error-try-again = Zoom hat nicht rechtzeitig geantwortet. Es wurde nichts erstellt – bitte versuchen Sie es noch einmal.
live-error-zoom-server = Bei Zoom ist ein Fehler aufgetreten (HTTP { $status }). Bitte versuchen Sie es in einigen Minuten noch einmal.
live-error-unreachable = Lectern konnte Zoom nicht erreichen. Bitte versuchen Sie es in einigen Minuten noch einmal.
live-error-busy = Zoom erhält gerade zu viele Anfragen. Bitte versuchen Sie es gleich noch einmal.
live-error-zoom-paused = Zoom antwortet gerade nicht, deshalb hält Lectern seine Anfragen kurz zurück. Es wurde nichts angelegt – bitte versuchen Sie es in einer Minute noch einmal.
live-error-heading-meeting = Zoom-Meeting konnte nicht erstellt werden
live-error-heading-webinar = Zoom-Webinar konnte nicht erstellt werden
live-error-with-heading = { $heading }: { $message }
live-error-host-not-in-account = { $email } ist kein Benutzer des Zoom-Kontos der Schule, daher kann das Meeting nicht für diese Person erstellt werden.
live-error-meeting-deleted = Das Meeting wurde in Zoom gelöscht. „Meeting starten“ erstellt ein neues.
live-error-interrupted = Das Starten des Meetings wurde unterbrochen, und in Zoom wurde kein Meeting gefunden. Klicken Sie erneut auf „Meeting starten“.
live-error-refused = Zoom hat das Erstellen des Meetings abgelehnt: { $reason }
live-error-not-now = Diese Sitzung kann jetzt nicht gestartet werden (das Startfenster hat noch nicht begonnen oder die Sitzung ist vorbei).

## Die Live-Anzeige der Lektion: ein Zustand, eine Meldung (live/display.rs)
live-panel-heading = Live-Sitzung
live-join-appears = „Meeting beitreten“ erscheint hier, sobald die Lehrkraft die Sitzung startet.
live-msg-opening-soon = Die Sitzung beginnt am { $when }. Die Lehrkraft kann sie jetzt öffnen; „Meeting beitreten“ erscheint hier von selbst.
live-msg-opening-soon-host = Sie können die Sitzung jetzt starten. Ihre Lernenden sehen „Meeting beitreten“, sobald Sie das tun.
live-msg-starting-now = Die Sitzung sollte am { $when } beginnen, und die Lehrkraft hat sie noch nicht gestartet. Lassen Sie diese Seite offen: „Meeting beitreten“ erscheint hier von selbst.
live-msg-starting-now-host = Die Sitzung sollte am { $when } beginnen. Ihre Lernenden warten darauf, dass Sie sie starten.
live-did-not-take-place = Diese Sitzung hat nicht stattgefunden.
live-msg-joined = Sie sind in der Sitzung.
live-msg-left = Sie haben die Sitzung verlassen. Solange sie läuft, können Sie wieder beitreten.
live-leave = Verlassen
live-rejoin = Wieder beitreten
live-joining = Das Meeting wird geöffnet…
live-waiting-for-host = Die Lehrkraft ist dem Meeting noch nicht beigetreten. Sie werden eingelassen, sobald sie da ist.
live-badge-upcoming = Beginnt in
live-badge-opening-soon = Beginnt gleich
live-badge-starting-now = Sollte begonnen haben
live-badge-live = Läuft gerade
live-badge-ended = Beendet
live-badge-cancelled = Abgesagt
live-badge-did-not-take-place = Hat nicht stattgefunden
live-msg-upcoming = Die Sitzung beginnt am { $when }.
live-unavailable-teacher = Zoom ist nicht verbunden, daher kann diese Sitzung nicht starten. Bitten Sie die Administration Ihrer Schule, Zoom neu zu verbinden, verbinden Sie Ihr eigenes Zoom-Konto oder stellen Sie diese Lektion auf einen externen Link um.
live-connect-own = Eigenes Zoom-Konto verbinden
live-ask-admin = Bitten Sie die Administration Ihrer Schule, Zoom unter Einstellungen → Integrationen neu zu verbinden.
