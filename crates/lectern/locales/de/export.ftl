# Einstellungen → Export (export/routes.rs, templates/admin/export.html)

export-title = Export
export-intro = Laden Sie alle Daten Ihrer Schule in einem Archiv herunter: Nutzer, Kurse und Lektionen, Einschreibungen, Fortschritt, Abschlüsse, Quiz-Antworten, Diskussionen, Zertifikate, Bestellungen und die hochgeladenen Dateien. Ein Betreiber stellt es auf jeder Lectern-Instanz mit „lectern import“ wieder her.
export-left-out = Geheimnisse bleiben zurück: Verbinden Sie nach der Wiederherstellung Zoom und die Zahlungsanbieter erneut; Nutzer erstellen neue API-Tokens und Kalender-Links. Archive werden 7 Tage aufbewahrt.
export-passwords = Das Archiv enthält die Passwort-Hashes Ihrer Nutzer, damit sie sich nach einer Wiederherstellung mit ihren eigenen Passwörtern anmelden. Bewahren Sie es so sicher auf wie die Passwörter selbst: verschlüsselt speichern, mit niemandem teilen, löschen, wenn es gedient hat.
export-start = Export starten
export-archives = Archive
export-started = Gestartet
export-state = Status
export-size = Größe
export-until = Verfügbar bis
export-download = Herunterladen
export-state-queued = Wartet
export-state-running = Wird geschrieben…
export-state-done = Bereit
export-state-failed = Fehlgeschlagen
export-refresh = Aktualisieren, um den Stand zu sehen
