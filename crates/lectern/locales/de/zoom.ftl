# Mirrors en-US/zoom.ftl: keep the same message ids and variables.

## Zoom-Verbindung (Einstellungen → Integrationen)
zoom-card-intro = Verbinden Sie das Zoom-Konto Ihrer Schule, um Live-Sitzungen und Webinare direkt in Ihren Kursen durchzuführen.
zoom-connect = Zoom-Konto verbinden
zoom-reconnect-button = Zoom neu verbinden
zoom-disconnect = Trennen
zoom-status-connected = Verbunden
zoom-status-not-connected = Nicht verbunden
zoom-status-needs-reconnect = Zoom akzeptiert unseren Zugriff nicht mehr. Verbinden Sie Zoom neu, damit Live-Sitzungen weiter funktionieren.
zoom-status-deauthorized = Die Lectern-App wurde am { $date } aus Zoom entfernt. Live-Sitzungen sind nicht verfügbar, bis Sie die Verbindung wiederherstellen.
zoom-status-disconnected = Getrennt am { $date }.
zoom-not-configured = Die Zoom-Integration ist nicht eingerichtet.
zoom-not-configured-hint = Bitten Sie die Person, die diesen Lectern-Server betreibt, ZOOM_CLIENT_ID und ZOOM_CLIENT_SECRET festzulegen (siehe README), oder wenden Sie sich an Ihr Support-Team.
zoom-missing-scopes = Verbunden, aber Zoom hat Folgendes nicht gewährt: { $scopes }. Verbinden Sie die Zoom-Integration mit den nötigen Berechtigungen neu („Reconnect Zoom integration with proper permissions“).
zoom-setup-title = Einstellungen der Zoom-App
zoom-setup-redirect = Weiterleitungs-URL zur Registrierung im Zoom Marketplace: { $uri }
zoom-personal-title = Ihr Zoom-Konto
zoom-personal-intro = Verbinden Sie Ihr eigenes Zoom-Konto, um Ihre Live-Sitzungen damit zu veranstalten. Ohne eigenes Konto wird das Zoom-Konto der Schule verwendet.

## Ergebnisse der Autorisierung
zoom-connected-title = Zoom ist verbunden
zoom-connected-message = Lectern kann jetzt Meetings und Webinare mit dem Zoom-Konto { $email } erstellen.
zoom-degraded-title = Zoom ist verbunden, aber es fehlen Berechtigungen
zoom-denied-title = Zoom-Verbindung abgebrochen
zoom-denied-message = Sie haben die Autorisierung in Zoom abgebrochen. Es wurde nichts geändert.
zoom-no-code = Kein Autorisierungscode erhalten
zoom-no-code-message = Zoom hat Sie ohne Autorisierungscode zurückgeschickt, daher wurde nichts verbunden.
zoom-bad-state-title = Diese Zoom-Autorisierung kann nicht verwendet werden
zoom-bad-state-message = Der Autorisierungslink ist ungültig, wurde bereits verwendet, ist abgelaufen oder wurde in einer anderen Browsersitzung gestartet. Es wurde nichts geändert.
zoom-oauth-failed-title = OAuth-Autorisierung fehlgeschlagen
zoom-oauth-failed = OAuth-Autorisierung fehlgeschlagen: { $reason }
zoom-save-failed = Fehler beim Speichern der Zoom-Einstellungen
zoom-save-failed-message = Zoom hat Lectern autorisiert, aber das Speichern der Verbindung ist fehlgeschlagen, daher wurde nichts gespeichert.
zoom-step-no-blocking = Stellen Sie sicher, dass Ihr Browser keine Pop-ups oder Weiterleitungen blockiert.
zoom-step-redirect-uri = Prüfen Sie, ob die Weiterleitungs-URL im Zoom Marketplace genau { $uri } lautet.
zoom-step-try-again = Beginnen Sie erneut unter Einstellungen → Integrationen.
zoom-step-approve-scopes = Prüfen Sie, ob in der Zoom-App alle erforderlichen OAuth-Scopes genehmigt sind.
zoom-step-reconnect = Versuchen Sie, die Integration zu trennen und neu zu verbinden.
zoom-step-refresh = Laden Sie die Seite neu und versuchen Sie es noch einmal.
zoom-step-support = Wenden Sie sich an den Support, wenn das Problem weiterhin besteht.
zoom-back-to-integrations = Zurück zu den Zoom-Einstellungen

## Trennen und Daten
zoom-disconnect-title = Zoom trennen?
zoom-disconnect-intro = Beim Trennen wird der Zugriff von Lectern auf Ihr Zoom-Konto widerrufen, und die Tokens werden sofort gelöscht.
zoom-disconnect-c1 = Alle geplanten Live-Sitzungen werden inaktiv: Lernende können nicht mehr beitreten.
zoom-disconnect-c2 = Bestehende Zoom-Meetings und -Webinare bleiben in Zoom erhalten, können aber nicht mehr über Lectern verwaltet werden.
zoom-disconnect-c3 = Der Zugriff der Lernenden auf Aufzeichnungen kann beeinträchtigt werden, wenn Meeting-Links ungültig werden.
zoom-disconnect-c4 = Kein Datenverlust: Kursinhalte und Daten der Lernenden bleiben vollständig erhalten.
zoom-disconnect-c5 = Sie können Zoom jederzeit wieder verbinden.
zoom-disconnect-confirm = Zoom jetzt trennen? Geplante Live-Sitzungen sind inaktiv, bis Zoom wieder verbunden ist.
zoom-delete-data = Alle Zoom-Daten löschen
zoom-delete-intro = Dadurch werden Zoom-Tokens, Zoom-Kontodaten, Meeting-Links und Kenncodes sowie die Namen und E-Mail-Adressen der Teilnehmenden aus der Anwesenheit gelöscht. Anonyme Teilnehmerzahlen und Teilnahmedauern bleiben für die Kurshistorie erhalten. Dies kann nicht rückgängig gemacht werden.
zoom-delete-type = Geben Sie zur Bestätigung DELETE ein
zoom-delete-confirm-required = Geben Sie DELETE ein, um das Löschen zu bestätigen.
zoom-delete-data-confirm = Alle Zoom-Daten dieser Schule löschen? Das kann nicht rückgängig gemacht werden.

## Verbindungsstatus
zoom-health-title = Zustand der Verbindung
zoom-health-state = Status
zoom-health-scopes = Benötigte Scopes
zoom-health-granted = Gewährte Scopes
zoom-health-hosts = Hosts
zoom-health-hosts-account = Jede Lehrkraft, die Benutzer dieses Zoom-Kontos ist, kann Host sein.
zoom-health-hosts-single = Der verbundene Zoom-Benutzer ist Host aller Meetings.
zoom-health-expiry = Zugriffstoken läuft ab
zoom-health-last-refresh = Letzte Aktualisierung
zoom-health-last-error = Letzter Zoom-Fehler
zoom-health-circuit = Aufrufe an Zoom
zoom-health-circuit-open = In dieser Lectern-Instanz nach wiederholten Zoom-Fehlern pausiert; der nächste Aufruf wird in { $seconds } s versucht. Live-Sitzungen zeigen bis dahin „Bitte erneut versuchen“.
zoom-health-daily = Heute erstellte oder geänderte Meetings (Zoom erlaubt 100 pro Host)
zoom-health-granted-other = Weitere gewährte Scopes
zoom-scope-granted = gewährt
zoom-scope-missing = fehlt
zoom-state-connected = Verbunden
zoom-state-needs-reconnect = Muss neu verbunden werden
zoom-state-deauthorized = In Zoom entfernt (die Lectern-App wurde dort deinstalliert)
zoom-state-disconnected = Getrennt
zoom-state-none = Nicht verbunden

## E-Mail an die Verwaltung
zoom-reconnect-email-subject = Handlungsbedarf: Zoom neu verbinden
zoom-reconnect-email-body = Hallo { $name }, Zoom akzeptiert den Zugriff von Lectern auf das Zoom-Konto Ihrer Schule nicht mehr. Live-Sitzungen können erst starten, wenn jemand aus der Verwaltung Zoom neu verbindet.
zoom-reconnect-email-text =
    Hallo { $name },

    Zoom akzeptiert den Zugriff von Lectern auf das Zoom-Konto Ihrer Schule nicht mehr.
    Live-Sitzungen können erst starten, wenn jemand aus der Verwaltung Zoom neu verbindet:

    { $link }
