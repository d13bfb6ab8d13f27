## Abschlussregeln, manueller Abschluss und Änderungsprotokoll.

completion-rule-opened = Abgeschlossen, sobald die Lektion geöffnet wurde.
completion-rule-marked = Abgeschlossen, sobald sie als erledigt markiert wurde.
completion-rule-watched = Abgeschlossen, sobald { $percent } % des Videos angesehen wurden.
completion-rule-passed = Abgeschlossen, sobald das Quiz bestanden ist.
completion-rule-attended-minutes = Abgeschlossen nach mindestens { $minutes } Minuten Teilnahme an der Live-Sitzung.
completion-rule-attended-percent = Abgeschlossen nach Teilnahme an mindestens { $percent } % der geplanten Zeit.
completion-rule-or-recording = Die Aufzeichnung hier anzusehen zählt ebenfalls.

completion-option-watched = Mindestens einen Anteil des Videos angesehen
completion-option-opened = Geöffnet
completion-option-marked = Vom Teilnehmer als erledigt markiert
completion-option-passed = Quiz bestanden
completion-option-attended_percent = Mindestens einen Anteil der geplanten Zeit teilgenommen
completion-option-attended_minutes = Mindestens eine Anzahl Minuten teilgenommen

completion-title = Abschluss
completion-legend = Diese Lektion ist für einen Teilnehmer abgeschlossen, wenn:
completion-field-percent = Anteil (Prozent, 1–100)
completion-field-minutes = Teilgenommene Minuten (1–1440)
completion-field-recording = Die Aufzeichnung in Lectern anzusehen schließt sie ebenfalls ab
completion-field-attempts = Erlaubte Versuche (leer = unbegrenzt)
completion-optional-hint = Ob der Kurs diese Lektion überhaupt verlangt, legt die Einstellung „Erforderlich für den Kursabschluss“ oben fest.
completion-save = Abschlussregel speichern
completion-apply = Neue Regel anwenden
completion-keep = Bisherige Regel behalten
completion-saved = Abschlussregel gespeichert. Der Fortschritt der Teilnehmer wird aktualisiert.
completion-preview-complete = { $complete ->
    [0] Niemand würde diese Lektion neu abschließen.
    [one] Dadurch würde 1 Teilnehmer abschließen.
   *[other] Dadurch würden { $complete } Teilnehmer abschließen.
}
completion-preview-uncomplete = { $uncomplete ->
    [0] Niemand verlöre den Abschluss.
    [one] 1 Teilnehmer verlöre ihn. Bereits ausgestellte Zertifikate bleiben gültig.
   *[other] { $uncomplete } Teilnehmer verlören ihn. Bereits ausgestellte Zertifikate bleiben gültig.
}
completion-percent-invalid = Geben Sie einen ganzen Prozentwert von 1 bis 100 ein.
completion-minutes-invalid = Geben Sie eine ganze Zahl an Minuten von 1 bis { $max } ein.
completion-rule-invalid = Wählen Sie eine der angebotenen Regeln.
completion-attempts-invalid = Geben Sie eine Anzahl Versuche von 1 bis 100 ein oder lassen Sie das Feld leer für unbegrenzt.

completion-detail-reason = Grund: { $reason }
completion-detail-attended = { $minutes } Min. teilgenommen ({ $percent } % der geplanten Zeit)
completion-detail-recording = Aufzeichnung angesehen
completion-detail-watched = { $percent } % angesehen
completion-detail-score = bestes Ergebnis { $score } %

quiz-no-attempts-left = Sie haben alle { $count } Versuche dieses Quiz verbraucht.
quiz-attempts-used = Sie haben alle Versuche dieses Quiz verbraucht. Fragen Sie Ihre Kursleitung, wenn Sie einen weiteren brauchen.
quiz-attempts-allowed = { $count ->
    [one] Sie haben 1 Versuch.
   *[other] Sie haben { $count } Versuche.
}
audit-back-to-rule = Zurück zur Abschlussregel

students-title = Teilnehmer
students-empty = Noch niemand ist eingeschrieben.
students-name = Teilnehmer
students-progress = Fortschritt
students-enrolled = Eingeschrieben
students-completed = Abgeschlossen
students-lessons = Lektionen

completion-manual-complete = von Hand abgeschlossen
completion-manual-incomplete = von Hand als nicht abgeschlossen gesetzt
completion-set = Abschluss setzen
completion-set-complete = Abgeschlossen
completion-set-incomplete = Nicht abgeschlossen
completion-set-rule = Wie die Regel entscheidet
completion-reason = Grund (wird im Protokoll festgehalten)
completion-set-save = Speichern
completion-reason-required = Geben Sie einen Grund an; er wird im Protokoll festgehalten.

audit-title = Änderungsprotokoll
audit-empty = Noch keine Änderungen.
audit-course-completed = Kurs abgeschlossen
audit-completed = Abgeschlossen
audit-uncompleted = Nicht mehr abgeschlossen
audit-by = von { $name }
audit-by-instructor = von einer Kursleitung
audit-by-rule = durch die Abschlussregel
completion-external-note = Diese Sitzung findet über einen externen Link statt: Lectern sieht dort keine Anwesenheit, daher markiert der Teilnehmer sie als erledigt (oder das Öffnen zählt). Zurück zu Zoom stellt eine Anwesenheitsregel wieder her.
completion-rule-external-attendance = Eine Sitzung über einen externen Link hat keine Zoom-Anwesenheit: wählen Sie „Vom Teilnehmer als erledigt markiert“ oder „Geöffnet“.
