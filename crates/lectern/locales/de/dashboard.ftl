## Das Raum-Dashboard einer Live-Sitzung und ihr Bericht (live/dashboard.rs)
dash-title = Raum-Dashboard
dash-report-title = Sitzungsbericht
dash-link = Raum-Dashboard
dash-report-link = Sitzungsbericht
dash-now = jetzt
dash-state-live = Jetzt live: Diese Seite aktualisiert sich selbst, wenn Teilnehmende kommen und gehen.
dash-state-ended = Die Sitzung ist beendet. Dies ist ihr Bericht.
dash-state-waiting = Die Sitzung hat noch nicht begonnen. Alle gelten als abwesend, bis sie beitreten.
dash-summary = { $attended } von { $enrolled } eingeschriebenen Teilnehmenden waren da ({ $percent } %)
dash-count-in-room = jetzt im Raum
dash-count-late = zu spät (mehr als { $grace } Min. nach Beginn)
dash-count-left-early = früher gegangen
dash-count-never-came = nie gekommen
dash-others = { $count ->
    [one] und eine weitere Person (Gast oder nicht zugeordnet)
   *[other] und { $count } weitere Personen (Gäste oder nicht zugeordnet)
}
dash-status-in-room = Im Raum
dash-status-left = Gegangen
dash-status-came = War da
dash-status-never-came = Nie gekommen
dash-count-not-yet = noch nicht da
dash-status-not-yet = Noch nicht da
dash-mark-late = zu spät
dash-mark-left-early = früher gegangen
dash-col-status = Status
dash-col-segments = Zeit im Raum
dash-col-time = Zeit
dash-col-size = Personen im Raum
dash-chart-title = Teilnehmende im Raum im Verlauf (ohne Gastgeber)
dash-chart-peak = höchstens { $count }
dash-chart-desc = Stufendiagramm der Raumgröße von { $from } bis { $to }; höchstens { $peak } Personen gleichzeitig.
dash-chart-numbers = Zahlen anzeigen
dash-grace-label = Zu spät ab (Minuten nach Beginn)
dash-grace-save = Speichern
dash-grace-invalid = Geben Sie eine ganze Zahl von Minuten zwischen 0 und { $max } ein.
dash-absentees-button = { $count ->
    [one] Der abwesenden Person schreiben: „Wir haben begonnen – hier beitreten“
   *[other] Den { $count } Abwesenden schreiben: „Wir haben begonnen – hier beitreten“
}
dash-absentees-messaged = { $count ->
    [one] Eine Person wurde schon angeschrieben; niemand bekommt die Nachricht zweimal.
   *[other] { $count } Personen wurden schon angeschrieben; niemand bekommt die Nachricht zweimal.
}
dash-absentees-sent = { $count ->
    [0] Niemand Neues anzuschreiben: Alle Abwesenden haben die Nachricht schon.
    [one] Eine Person angeschrieben.
   *[other] { $count } Personen angeschrieben.
}
dash-absentees-not-live = Abwesende können nur angeschrieben werden, solange die Sitzung live ist.
dash-absentee-subject = { $title } hat begonnen – jetzt beitreten
dash-absentee-body = Die Live-Sitzung „{ $title }“ von { $course } hat begonnen. Hier beitreten:
dash-absentee-button = Der Sitzung beitreten
dash-absentee-footer = Sie erhalten diese Nachricht, weil Sie in { $course } eingeschrieben sind und noch nicht in der Sitzung waren.
