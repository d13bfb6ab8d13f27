# Anonyme Nutzungsstatistik (ops/usage.rs), für den Betreiber der Instanz.
admin-usage = Nutzungsstatistik
usage-title = Anonyme Nutzungsstatistik
usage-intro = Wenn Sie zustimmen, sendet diese Instanz einmal am Tag die Zahlen unten: wie viele Schulen, Kurse und Live-Sitzungen sie hat, und ihre Version. Keine Namen, E-Mail-Adressen, Hosts oder IDs — genau der hier gezeigte Text, nichts weiter.
usage-json = Was gesendet würde
usage-sending = Senden
usage-destination = Gesendet an:
usage-no-url = Kein Ziel eingerichtet (LECTERN_USAGE_STATS_URL): Es wird nichts gesendet, auch nicht mit Zustimmung.
usage-last-sent = Zuletzt gesendet für { $period }.
usage-opt-in = Diese anonymen Zahlen einmal am Tag senden
usage-opt-in-hint = Standardmäßig aus. Sie können es jederzeit abschalten.
usage-save = Speichern
