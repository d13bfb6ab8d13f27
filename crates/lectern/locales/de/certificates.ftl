## Zertifikate.

date-long = { $day }. { $month } { $year }
month-1 = Januar
month-2 = Februar
month-3 = März
month-4 = April
month-5 = Mai
month-6 = Juni
month-7 = Juli
month-8 = August
month-9 = September
month-10 = Oktober
month-11 = November
month-12 = Dezember

certificate-default-title = Teilnahmezertifikat
certificate-preamble = Hiermit wird bestätigt, dass
certificate-default-body = den Kurs erfolgreich abgeschlossen hat
certificate-hours = Teilgenommene Live-Sitzungen: { $hours } Std. { $minutes } Min.
certificate-serial = Zertifikat Nr. { $serial }
certificate-verify-at = Prüfen unter
certificate-email-subject = Ihr Zertifikat für { $course }
certificate-email-intro = Herzlichen Glückwunsch, { $name }: Sie haben { $course } abgeschlossen. Ihr Zertifikat liegt bei; jeder kann es unter der folgenden Adresse prüfen.
certificate-email-text = Herzlichen Glückwunsch, { $name }: Sie haben { $course } abgeschlossen. Ihr Zertifikat liegt bei; jeder kann es unter { $url } prüfen.

certificate-verify-title = Zertifikatsprüfung
certificate-status-valid = Dieses Zertifikat ist gültig.
certificate-status-revoked = Dieses Zertifikat wurde widerrufen.
certificate-status-replaced = Dieses Zertifikat wurde ersetzt durch
certificate-status-expired = Dieses Zertifikat ist abgelaufen.
certificate-status-pending = Dieses Zertifikat wird gerade ausgestellt.
certificate-not-found = Es gibt kein Zertifikat mit dieser Nummer. Prüfen Sie die eingegebene Nummer.
certificate-learner = Teilnehmer
certificate-course = Kurs
certificate-school = Ausgestellt von
certificate-completed = Abgeschlossen
certificate-live = Live-Stunden
certificate-serial-label = Nummer
certificate-state = Status

certificates-mine = Meine Zertifikate
certificates-none = Noch keine Zertifikate.
certificate-download = PDF herunterladen
certificate-verify-link = Prüfseite
certificate-linkedin = Zum LinkedIn-Profil hinzufügen
certificate-reissue-mine = Mein Name hat sich geändert: mit meinem aktuellen Namen neu ausstellen
certificate-pending = Das Zertifikat wird vorbereitet; versuchen Sie es in einer Minute erneut.
certificate-revoked-no-reissue = Ein widerrufenes Zertifikat kann nicht neu ausgestellt werden.

certificate-settings = Zertifikat
certificate-settings-saved = Zertifikatseinstellungen gespeichert.
certificate-enabled = Ein Zertifikat ausstellen, wenn ein Teilnehmer diesen Kurs abschließt
certificate-field-title = Titel
certificate-field-body = Text unter dem Namen (leer: „hat den Kurs erfolgreich abgeschlossen“)
certificate-field-signer = Name der unterzeichnenden Person
certificate-field-signer-title = Funktion der unterzeichnenden Person
certificate-field-validity = Gültig für (Monate; leer: unbegrenzt)
certificate-title-required = Ein Zertifikat braucht einen Titel.
certificate-validity-invalid = Geben Sie eine Anzahl Monate von 1 bis 600 ein oder lassen Sie das Feld leer.
certificate-uncovered = Keine installierte Schrift kann „{ $char }“ drucken; ändern Sie den Text oder installieren Sie eine passende Schrift.

certificates-admin = Zertifikate
certificate-revoke = Widerrufen
certificate-revoke-reason = Grund für den Widerruf
certificate-reason-required = Geben Sie einen Grund für den Widerruf an; er wird auf der Seite des Zertifikats angezeigt.
certificate-reissue = Neu ausstellen
certificate-paper = Papierformat der Zertifikate
certificate-valid-until = gültig bis { $date }
certificate-valid-until-label = Gültig bis
certificate-revoked-subject = Ihr Zertifikat für { $course } wurde widerrufen
certificate-revoked-email = Ihr Zertifikat für { $course } wurde widerrufen. Grund: { $reason }. Seine Seite zeigt das an: { $url }
certificate-same-name = Ihr Zertifikat zeigt bereits Ihren aktuellen Namen. Ändern Sie zuerst Ihren Namen im Profil.
certificate-status-replaced-short = Ersetzt
certificate-revoke-public = Der Grund wird auf der öffentlichen Seite des Zertifikats angezeigt.
certificate-reissue-confirm = Ein neues Zertifikat mit Ihrem aktuellen Namen ausstellen? Die alte Nummer zeigt dann „ersetzt“.
certificate-reissue-confirm-admin = Ein neues Zertifikat mit dem aktuellen Namen ausstellen? Die alte Nummer zeigt dann „ersetzt“.
