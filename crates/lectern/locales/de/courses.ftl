# Mirrors en-US/courses.ftl: keep the same message ids and variables.

## Kurse: Katalog, Kursseite, Lektionsansicht, Meine Kurse

catalogue-title = Kurse
catalogue-empty = Es sind noch keine Kurse veröffentlicht.
welcome-title = Willkommen, { $name }!
welcome-next = Ihr Konto ist bereit. Wählen Sie unten einen Kurs und öffnen Sie ihn, um sich einzuschreiben; Ihre Kurse finden Sie jederzeit unter
course-status-draft = Entwurf
course-status-published = Veröffentlicht
course-taught-by = Unterrichtet von
course-enroll = Kostenlos einschreiben
course-sign-in-to-enroll = Zum Einschreiben anmelden
course-continue = Weiter
course-completed = Sie haben diesen Kurs abgeschlossen.
course-completed-short = abgeschlossen
course-progress = { $percent } % abgeschlossen
course-progress-label = Kursfortschritt
course-progress-of = Fortschritt in { $title }
course-outline = Lektionen
course-no-lessons = Dieser Kurs hat noch keine Lektionen.
course-edit = Diesen Kurs bearbeiten
course-preview = Vorschau der Lektionen
course-too-long = Verwenden Sie höchstens { $max } Zeichen.
course-field-title = Titel
course-field-description = Beschreibung
course-field-cover-url = URL des Titelbilds

my-courses-title = Meine Kurse
my-courses-empty = Sie haben sich noch in keinen Kurs eingeschrieben.
my-courses-browse = Kurse durchsuchen

## Lektionen

lesson-kind-video = Video
lesson-kind-document = Lesetext
lesson-kind-quiz = Quiz
lesson-kind-live-session = Live-Sitzung
lesson-kind-webinar = Webinar
lesson-kind-external-link = Externer Link
lesson-optional = optional
lesson-done = erledigt
lesson-completed = Sie haben diese Lektion abgeschlossen.
lesson-mark-complete = Als abgeschlossen markieren
lesson-cannot-mark-complete = Diese Lektion kann nicht von Hand als abgeschlossen markiert werden.
lesson-previous = Zurück
lesson-next = Weiter
lesson-open-video = Video ansehen
lesson-open-link = Link öffnen
lesson-preview-note = Sie sehen diese Lektion als Lehrkraft in der Vorschau; Ihr Fortschritt wird nicht erfasst.
lesson-starts = Beginn
lesson-starts-in = Beginnt in
lesson-duration =
    { $minutes ->
        [one] { $minutes } Minute
       *[other] { $minutes } Minuten
    }
lesson-scheduled-in = geplant für { $when }
lesson-live-now = Diese Sitzung findet gerade statt.
lesson-session-ended = Diese Sitzung ist beendet.
lesson-live-details-later = Die Details zur Live-Sitzung erscheinen hier, sobald sie beginnt.

lesson-field-title = Titel
lesson-field-video-url = Video-URL
lesson-field-link-url = Link-URL
lesson-field-local-start = Beginn (Datum und Ortszeit)
lesson-field-duration = Dauer (Minuten)
lesson-field-quiz = Fragen
lesson-field-pass-mark = Bestehensgrenze (%)
lesson-field-content = Inhalt (Markdown)
lesson-field-agenda = Beschreibung und Ablauf (Markdown)
lesson-field-description = Beschreibung (optional, Markdown)
lesson-field-required = Erforderlich für den Kursabschluss
lesson-video-hint = YouTube- und Vimeo-Links werden in der Lektion abgespielt; Links zu .mp4- oder .webm-Dateien spielt der Browser ab.
lesson-quiz-hint = Beginnen Sie jede Frage mit „?“, dann eine Zeile pro Antwort: „*“ für die richtige Antwort, „-“ für die anderen.
lesson-pass-mark-invalid = Geben Sie eine ganze Zahl von 0 bis 100 ein.

## Quiz

quiz-submit = Antworten absenden
quiz-pass-mark = Bestehensgrenze: { $percent } %
quiz-passed = Bestanden mit { $score } % ({ $correct } von { $total } richtig).
quiz-failed = Noch nicht bestanden: { $score } % ({ $correct } von { $total } richtig). Versuchen Sie es noch einmal.
quiz-attempts =
    { $count ->
        [one] { $count } Versuch
       *[other] { $count } Versuche
    }, bestes Ergebnis { $best } %
quiz-error-empty = Fügen Sie mindestens eine Frage hinzu, beginnend mit „?“.
quiz-error-line = Zeile { $line } muss mit „?“ (eine Frage), „*“ (die richtige Antwort) oder „-“ (eine falsche Antwort) beginnen, und Antworten müssen auf eine Frage folgen.
quiz-error-prompt = Frage { $n } hat keinen Text nach dem „?“.
quiz-error-choices = Frage { $n } braucht mindestens zwei Antworten.
quiz-error-no-correct = Markieren Sie die richtige Antwort von Frage { $n } mit „*“.
quiz-error-several-correct = Bei Frage { $n } ist mehr als eine Antwort mit „*“ markiert; markieren Sie genau eine.

## Terminplanung

schedule-bad-datetime = Geben Sie ein Datum und eine Uhrzeit ein, zum Beispiel 2026-05-04 18:00.
schedule-bad-duration = Geben Sie eine Dauer in Minuten ein, von 1 bis { $max }.
schedule-gap = Diese Uhrzeit gibt es in { $zone } nicht: An diesem Tag springen die Uhren von { $from } auf { $to }. Wählen Sie eine Uhrzeit außerhalb dieser Lücke.
schedule-fold = Diese Uhrzeit kommt in { $zone } zweimal vor, weil die Uhren in dieser Nacht zurückgestellt werden. Wählen Sie, welche Sie meinen.
schedule-fold-choose = Welche meinen Sie?
schedule-fold-first = Die erste (bevor die Uhren zurückgestellt werden)
schedule-fold-second = Die zweite (nachdem die Uhren zurückgestellt wurden)

## Unterrichten

teach-title = Kurse, die Sie unterrichten
teach-empty = Sie unterrichten noch keinen Kurs.
teach-new-course = Neuer Kurs
teach-create-course = Kurs erstellen
teach-view = Ansehen
teach-publish = Veröffentlichen
teach-unpublish = Veröffentlichung zurückziehen
teach-lessons = Lektionen
teach-add-lesson = Lektion hinzufügen
teach-new-lesson = Neue Lektion
teach-edit-lesson = Lektion bearbeiten
teach-save-lesson = Lektion speichern
teach-move-up = Nach oben
teach-move-down = Nach unten
teach-delete = Löschen
teach-delete-confirm = Die Lektion „{ $title }“ löschen? Ihr Fortschritt und ihre Quiz-Versuche werden mitgelöscht. Das kann nicht rückgängig gemacht werden.
teach-delete-lesson-label = Lektion „{ $title }“ löschen
teach-details = Details
teach-instructors = Lehrende
teach-add-instructor = Lehrkraft per E-Mail hinzufügen
teach-add = Hinzufügen
teach-instructor-not-found = In dieser Schule hat keine Person mit der Rolle „Lehrende“ oder „Verwaltung“ diese E-Mail-Adresse.
teach-markdown-hint = Sie können Markdown verwenden: **fett**, *kursiv*, [Links](https://example.com), Listen und Überschriften.
lesson-host-not-in-zoom = { $email } ist kein Benutzer des Zoom-Kontos der Schule, daher kann Zoom keine Meetings für diese Person erstellen. Bitten Sie eine Person mit Administratorrechten in Zoom, diese Adresse zum Konto hinzuzufügen, oder lassen Sie eine Lehrkraft, die dort Benutzer ist, die Sitzung planen.

files-title = Dateien
files-delete-confirm = Diese Datei löschen? Die Teilnehmenden sehen sie dann nicht mehr.
files-upload-video = Video hochladen (MP4 oder WebM)
files-video-hint = Ein hochgeladenes Video läuft in der Lektion und zählt, wie viel jede Person gesehen hat; es ersetzt den Video-Link.
files-upload-document = Dokument hochladen (PDF, Office, OpenDocument oder Text)
files-attachments = Anhänge
files-upload-attachment = Anhang hinzufügen (Folien, Arbeitsblätter …)
files-save-first = Speichern Sie die Lektion zuerst; danach können Sie hier Dateien hochladen.
files-download = Herunterladen
files-attachments-player = Material
files-document-frame = Das Dokument
upload-limit = höchstens { $limit }
upload-too-large = Diese Datei ist zu groß: Die Grenze liegt bei { $limit }.
upload-failed = Das Hochladen ist fehlgeschlagen (die Verbindung brach ab). Es wurde nichts gespeichert; versuchen Sie es noch einmal.
upload-cancelled = Hochladen abgebrochen. Es wurde nichts gespeichert.
upload-done = Hochgeladen.
upload-cancel = Hochladen abbrechen
cover-title = Titelbild
cover-upload = Titelbild hochladen (PNG, JPEG, WebP oder GIF)
cover-uploaded = Ein hochgeladenes Titelbild wird gezeigt; es hat Vorrang vor der Titelbild-URL.
cover-remove = Hochgeladenes Titelbild entfernen

teach-delete-course-title = Diesen Kurs löschen
teach-delete-course-help = Löscht den Kurs mit allen Lektionen, Einschreibungen, Fortschritten und hochgeladenen Dateien. Zoom-Meetings seiner Live-Sitzungen werden ebenfalls gelöscht. Das lässt sich nicht rückgängig machen.
teach-delete-course-confirm = „{ $title }“ mit allen Lektionen, Einschreibungen und Dateien löschen? Das lässt sich nicht rückgängig machen.
teach-delete-course = Kurs löschen
upload-processing = Wird gespeichert …
upload-maybe-stored = Die Datei war beim Abbrechen schon gesendet und wurde vielleicht gespeichert. Laden Sie die Seite neu, um nachzusehen.
files-watched = Sie haben { $percent } % dieses Videos gesehen.
my-certificates-link = Meine Zertifikate →
