## Diskussionen: Foren der Kurse, Themen, Moderation, Meldungen und ihre E-Mails.

discussions = Diskussionen
discussion-board-follow = Dem Forum folgen
discussion-board-unfollow = Dem Forum nicht mehr folgen
discussion-thread-follow = Diesem Thema folgen
discussion-thread-unfollow = Diesem Thema nicht mehr folgen
discussion-reports-open = { $count ->
    [one] 1 offene Meldung
   *[other] { $count } offene Meldungen
}
discussion-search = Diskussionen durchsuchen
discussion-search-button = Suchen
discussion-search-results = Suchergebnisse
discussion-search-none = Kein Beitrag passt.
discussion-no-threads = Noch keine Themen: Beginnen Sie das erste unten.
discussion-unread = Neu
discussion-pinned = Angeheftet
discussion-locked-badge = Gesperrt
discussion-answered = Beantwortet
discussion-posts = { $count ->
    [one] 1 Beitrag
   *[other] { $count } Beiträge
}
discussion-new-thread = Ein Thema beginnen
discussion-title = Titel
discussion-body = Nachricht
discussion-markdown-hint = Markdown funktioniert: **fett**, *kursiv*, [Links](https://example.com), Listen, `Code`. Erwähnen Sie ein Mitglied als @VornameNachname.
discussion-post-thread = Thema veröffentlichen
discussion-delivery = E-Mails zu neuen Beiträgen in dem, dem ich folge
discussion-delivery-post = Zu jedem Beitrag
discussion-delivery-digest = Einmal täglich als Zusammenfassung
discussion-save = Speichern
discussion-pin = Anheften
discussion-unpin = Lösen
discussion-lock = Sperren
discussion-unlock = Entsperren
discussion-answer = Antwort
discussion-answer-in-thread = Im Thema ansehen
discussion-no-posts = Noch keine Beiträge: Stellen Sie unten die erste Frage.
discussion-edited = bearbeitet
discussion-removed-moderator = Dieser Beitrag wurde von der Moderation entfernt.
discussion-removed-original = Was er sagte (nur für die Moderation)
discussion-removed-author = Dieser Beitrag wurde von seinem Autor gelöscht.
discussion-quote = Zitieren
discussion-edit = Bearbeiten
discussion-delete = Löschen
discussion-report = Melden
discussion-mark-answer = Als Antwort markieren
discussion-unmark-answer = Nicht die Antwort
discussion-hide = Ausblenden
discussion-show = Wieder zeigen
discussion-reply = Antworten
discussion-send-reply = Antwort senden
discussion-locked = Dieses Thema ist gesperrt: keine neuen Antworten.
discussion-locked-manager = Dieses Thema ist gesperrt: nur die Moderation kann antworten.
discussion-back-to-thread = Zurück zum Thema
discussion-report-reason = Grund
discussion-report-send = Meldung senden
discussion-report-sent = Danke: Die Moderation des Kurses sieht es sich an.
discussion-reports = Gemeldete Beiträge
discussion-reports-none = Keine offenen Meldungen.
discussion-report-resolve = Erledigen, Beitrag behalten
discussion-report-hide = Erledigen und Beitrag ausblenden
discussion-field-required = Das darf nicht leer sein.
discussion-rate-limited = Sie schreiben schneller, als das Forum erlaubt. Warten Sie { $seconds } Sekunden und senden Sie erneut: Ihr Text bleibt unten erhalten.
discussion-qa-open = Fragen und Antworten zu dieser Sitzung
discussion-mail-subject = Neuer Beitrag in „{ $thread }“ ({ $course })
discussion-mail-mention-subject = { $author } hat Sie in „{ $thread }“ erwähnt ({ $course })
discussion-mail-text = { $author } schrieb in „{ $thread }“ ({ $course }):

    { $body }

    Zum Thema: { $url }
    Sie erhalten diese E-Mail, weil Sie diesem Thema oder Forum folgen oder erwähnt wurden. Folgen beenden Sie auf der Seite des Themas.
discussion-digest-subject = { $count ->
    [one] 1 neuer Beitrag in Ihren Diskussionen
   *[other] { $count } neue Beiträge in Ihren Diskussionen
}
discussion-digest-intro = { $count ->
    [one] Ein neuer Beitrag in den Diskussionen, denen Sie folgen, seit Ihrer letzten Zusammenfassung:
   *[other] { $count } neue Beiträge in den Diskussionen, denen Sie folgen, seit Ihrer letzten Zusammenfassung:
}
discussion-digest-footer = Sie erhalten diese Zusammenfassung einmal täglich, weil Sie sie in einem Diskussionsforum gewählt haben; wählen Sie dort „Zu jedem Beitrag“, um das zu ändern.
discussion-attach = Ein Bild oder eine Datei anhängen (höchstens { $limit }):
discussion-attach-needs-script = Zum Anhängen einer Datei wird JavaScript benötigt; Ihre Nachricht lässt sich auch ohne Anhang senden.
discussion-attachment-uploading = Wird hochgeladen…
discussion-attachment-kept = Eine Datei ist angehängt; sie wird mit Ihrer Nachricht gesendet.
discussion-attachment-failed = Die Datei konnte nicht hochgeladen werden; Ihre Nachricht bleibt erhalten. Versuchen Sie es erneut.
discussion-attachment-too-large = Diese Datei ist größer als { $limit }; hängen Sie eine kleinere an. Ihre Nachricht bleibt erhalten.
discussion-attachment-gone = Die angehängte Datei ist nicht mehr verfügbar; hängen Sie sie erneut an oder senden Sie ohne Anhang. Ihre Nachricht bleibt erhalten.
