## Navigation
nav-catalogue = Kurse
nav-my-courses = Meine Kurse
nav-teach = Unterrichten
nav-admin = Verwaltung
nav-sign-in = Anmelden
nav-sign-up = Registrieren
nav-sign-out = Abmelden

## Errors
error-not-found = Diese Seite gibt es nicht.
error-forbidden = Dazu fehlt Ihnen die Berechtigung.
error-sign-in-required = Bitte melden Sie sich an, um fortzufahren.
error-csrf = Dieses Formular ist abgelaufen. Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es noch einmal.
error-bad-request = Diese Anfrage konnten wir nicht verstehen.
error-upstream = Zoom hat nicht wie erwartet geantwortet.
error-rate-limited = Zu viele Versuche. Bitte warten Sie einen Moment.
error-too-large = Diese Anfrage ist zu groß.
error-request-timeout = Diese Anfrage kam zu langsam an. Bitte versuchen Sie es noch einmal.
error-unsupported-type = Diese Art von Datei wird hier nicht angenommen.
error-unavailable = Ein Dienst, den diese Seite braucht, ist gerade nicht erreichbar. Versuchen Sie es in einer Minute noch einmal.
error-internal = Bei uns ist etwas schiefgegangen. Bitte versuchen Sie es gleich noch einmal.
error-back-home = Zur Startseite

## Forms
form-required = Dieses Feld ist erforderlich.
form-email-invalid = Geben Sie eine gültige E-Mail-Adresse ein.
form-email-taken = Es gibt bereits ein Konto mit dieser E-Mail-Adresse.
form-password-short = Verwenden Sie mindestens { $min } Zeichen.
form-timezone-invalid = Wählen Sie eine Zeitzone aus der Liste (zum Beispiel Europe/Berlin).
form-invalid-choice = Wählen Sie eine der angebotenen Optionen.
form-url-invalid = Geben Sie eine vollständige Webadresse ein, die mit https:// beginnt.
form-color-invalid = Verwenden Sie eine Farbe wie #3b5bdb.
form-control-char = Hier steht ein Steuerzeichen (etwa ein NUL-Byte); entfernen Sie es und senden Sie das Formular erneut.
form-too-long = Verwenden Sie höchstens { $max } Zeichen.
throttle-wait =
    Zu viele Versuche. Versuchen Sie es in { $seconds ->
        [one] { $seconds } Sekunde
       *[other] { $seconds } Sekunden
    } erneut.
form-save = Speichern
form-remove = Entfernen

## Fields
field-display-name = Name
field-email = E-Mail
field-password = Passwort
field-new-password = Neues Passwort
field-current-password = Aktuelles Passwort
field-timezone = Zeitzone
field-language = Sprache
field-role = Rolle
field-school-name = Name der Schule
field-logo-url = Logo-URL
field-primary-color = Hauptfarbe
field-default-timezone = Standard-Zeitzone
field-signup-open = Jede Person darf sich registrieren
field-domain = Eigene Domain

## Accounts
signup-title = Konto erstellen
signup-submit = Konto erstellen
signup-have-account = Sie haben schon ein Konto?
signin-title = Anmelden
signin-submit = Anmelden
signin-failed = E-Mail-Adresse oder Passwort stimmen nicht.
signin-forgot = Passwort vergessen?
forgot-title = Passwort zurücksetzen
forgot-intro = Geben Sie Ihre E-Mail-Adresse ein. Wir schicken Ihnen einen Link, mit dem Sie ein neues Passwort wählen.
forgot-submit = Link senden
forgot-sent = Falls es ein Konto mit dieser Adresse gibt, haben wir einen Link geschickt. Er funktioniert einmal und eine Stunde lang.
reset-title = Neues Passwort wählen
reset-submit = Passwort festlegen
reset-invalid = Dieser Link ist abgelaufen oder wurde schon benutzt.
reset-request-new = Neuen Link anfordern
reset-email-subject = Ihr Passwort bei { $school } zurücksetzen
reset-email-greeting = Hallo { $name },
reset-email-body = Jemand möchte das Passwort Ihres Kontos bei { $school } zurücksetzen. Mit der Schaltfläche unten wählen Sie ein neues.
reset-email-button = Neues Passwort wählen
reset-email-footer = Der Link funktioniert einmal und läuft nach einer Stunde ab. Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail.
reset-email-text =
    Hallo { $name },

    jemand möchte das Passwort Ihres Kontos bei { $school } zurücksetzen.
    Öffnen Sie diesen Link, um ein neues zu wählen (er funktioniert einmal und eine Stunde lang):

    { $link }

    Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail.
profile-title = Ihr Profil
profile-language-browser = Wie mein Browser
profile-saved = Ihr Profil wurde gespeichert.
profile-password-hint = Nur nötig, um Ihre E-Mail-Adresse zu ändern.
profile-password-needed = Geben Sie Ihr aktuelles Passwort ein, um Ihre E-Mail-Adresse zu ändern.
profile-password-wrong = Das ist nicht Ihr aktuelles Passwort.
role-student = Lernende
role-instructor = Lehrende
role-admin = Verwaltung
role-self-demote = Sie können sich die Verwaltungsrolle nicht selbst entziehen.

## Admin
admin-school = Schuleinstellungen
admin-users = Personen
admin-user-role-label = Rolle von { $name }
admin-integrations = Integrationen
admin-outbox = Postausgang
admin-jobs = Hintergrundaufgaben
outbox-intro = E-Mails, die Lectern verschickt hat oder – ohne SMTP-Konfiguration – hier aufbewahrt.
outbox-empty = Noch keine E-Mails.
outbox-link-hidden = [Link verborgen: nur die empfangende Person sieht ihn hier]
jobs-failed = Fehlgeschlagen
jobs-queued = Wartend
jobs-none = Keine.
jobs-retry = Erneut versuchen
jobs-col-id = Auftrag
jobs-col-kind = Art
jobs-col-attempts = Versuche
jobs-col-run-at = Läuft um
jobs-col-error = Letzter Fehler
jobs-col-action = Aktion
domains-title = Eigene Domains
domains-add = Domain hinzufügen
domain-invalid = Geben Sie einen Hostnamen wie lernen.example.com ein.
domain-taken = Diese Domain wird schon verwendet.
domain-reserved = Diese Adresse gehört der Plattform selbst (IP-Adressen, localhost und die Hauptadresse der Plattform können keine Domain einer Schule sein).
domain-active = aktiv
domain-remove-platform = Das ist die Adresse der Plattform selbst; sie zeigt immer diese Schule.
domain-remove-last = Das ist die einzige aktive Domain der Schule: Ohne sie wäre die Schule nicht mehr erreichbar. Fügen Sie zuerst eine weitere Domain hinzu und lassen Sie sie freigeben.
domain-remove-confirm = { $host } entfernen? Wer diese Adresse nutzt, erreicht die Schule dort nicht mehr.
domain-pending = wartet auf Freigabe
domains-pending-help = Eine neue Domain funktioniert, sobald der Betreiber der Plattform geprüft hat, dass sie Ihnen gehört, und sie freigegeben hat. Richten Sie zuerst den DNS-Eintrag der Domain auf diesen Server und bitten Sie dann den Betreiber, sie für diese Schule freizugeben.

branding-title = Erscheinungsbild
branding-upload-logo = Logo hochladen (PNG, JPEG, WebP oder GIF; erscheint in der Kopfzeile und in E-Mails)
branding-upload-favicon = Favicon hochladen (das Symbol im Browser-Tab)
branding-remove-logo = Logo entfernen
branding-remove-favicon = Favicon entfernen
branding-hint = Bilder werden in PNG umgewandelt und verkleinert (Logos auf 512 Pixel, Favicons auf 64); SVG wird nicht angenommen.
campaigns-title = E-Mail-Kampagnen
campaigns-none = Noch keine Kampagnen.
campaign-new = Neue Kampagne
campaign-edit = Kampagne bearbeiten
campaign-untitled = (ohne Betreff)
campaign-subject = Betreff
campaign-body = Nachricht (Markdown)
campaign-body-help = Schreiben Sie { "{" }name{ "}" }, wo der Name der Empfängerin oder des Empfängers stehen soll. Jede E-Mail endet mit einem Abmeldelink.
campaign-audience = Empfänger
campaign-audience-enrolled = Im Kurs eingeschriebene Teilnehmende
campaign-audience-incomplete = Eingeschriebene, die den Kurs nicht abgeschlossen haben
campaign-audience-missed = Eingeschriebene, die eine Live-Sitzung verpasst haben
campaign-audience-school = Alle Teilnehmenden der Schule
campaign-course = Kurs
campaign-lesson = Live-Sitzung (für „Live-Sitzung verpasst“)
campaign-send-at = Senden am (Ihre Zeitzone, { $tz }; leer: sofort)
campaign-preview = Vorschau
campaign-preview-as = Vorschau, wie { $name } sie sieht
campaign-send-test = Test an mich senden
campaign-send = Senden
campaign-saved = Entwurf gespeichert.
campaign-test-sent = Ein Test wurde an Ihre Adresse gesendet.
campaign-test-prefix = Test
campaign-sample-name = Alex Muster
campaign-fix-errors = Der Entwurf wurde gespeichert; korrigieren Sie die markierten Felder, um ihn zu senden.
campaign-subject-empty = Geben Sie einen Betreff ein.
campaign-body-empty = Schreiben Sie eine Nachricht.
campaign-body-too-long = Die Nachricht ist zu lang (höchstens { $max } Zeichen).
campaign-course-not-yours = Wählen Sie einen Ihrer Kurse.
campaign-course-needed = Wählen Sie für diese Empfänger einen Kurs.
campaign-lesson-needed = Wählen Sie eine Live-Sitzung des Kurses.
campaign-school-admins-only = Nur Admins können allen Teilnehmenden der Schule schreiben.
campaign-audience-unknown = Wählen Sie die Empfänger.
campaign-audience-empty = Diese Empfängergruppe ist leer.
campaign-send-at-invalid = Geben Sie Datum und Uhrzeit wie 2026-12-24T18:00 ein.
campaign-not-draft = Diese Kampagne wurde schon gesendet.
campaign-state = Status
campaign-state-draft = Entwurf
campaign-state-queued = Geplant
campaign-state-sending = Wird gesendet
campaign-state-done = Gesendet
campaign-state-cancelled = Abgebrochen
campaign-recipients = Empfänger
campaign-queued = Wartend
campaign-sent = Gesendet
campaign-failed = Fehlgeschlagen
campaign-skipped = Inzwischen abgemeldet
campaign-cancelled = Nicht gesendet (abgebrochen)
campaign-cancel = Rest abbrechen
campaign-mail-footer = Sie erhalten dies als Teilnehmende(r) von { $school }.
campaign-mail-unsubscribe = Von diesen E-Mails abmelden
unsubscribe-title = Abmelden
unsubscribe-confirm = Keine Kampagnen-E-Mails von { $school } mehr erhalten?
unsubscribe-button = Abmelden
unsubscribe-done = Sie erhalten keine Kampagnen-E-Mails von { $school } mehr.
unsubscribe-transactional = Quittungen, Passwort-Zurücksetzungen und die gewählten E-Mails zu Live-Sitzungen kommen weiterhin an.
outbox-bytes = { $n } Bytes
