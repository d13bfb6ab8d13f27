## Kostenpflichtige Kurse, Kasse, Bestellungen, Erstattungen.

course-buy = Kurs kaufen
course-sign-in-to-buy = Zum Kaufen anmelden
payment-cancelled = Zahlung abgebrochen: Es wurde nichts berechnet.
price-settings = Preis
price-paid = Kurs verkaufen (Teilnahme nach Zahlung)
price-amount = Preis
price-currency = Währung
price-saved = Preis gespeichert.
price-no-provider = Noch ist kein Zahlungsanbieter verbunden: Erst wenn ein Admin Stripe oder PayPal verbindet, können Teilnehmende bezahlen.
price-currency-invalid = Bitte eine der aufgeführten Währungen wählen.
price-amount-invalid = Bitte einen Betrag über null eingeben, etwa 49 oder 49,90, mit nicht mehr Nachkommastellen als die Währung hat.
price-too-large = Dieser Preis ist zu hoch.

buy-title = Kaufen
buy-with = Mit { $provider } bezahlen
buy-explain = Sie bezahlen auf der sicheren Seite des Anbieters und kommen dann hierher zurück. Sobald die Zahlung bestätigt ist, sind Sie eingeschrieben.
buy-pending = Eine Zahlung von Ihnen für diesen Kurs wird noch bestätigt; bitte warten Sie darauf, bevor Sie erneut bezahlen:

order-title = Bestellung
order-number = Bestellung
order-confirming = Ihre Zahlung wird bestätigt…
order-slow = Das dauert länger als üblich. Sie können die Seite schließen: Sie erhalten eine Quittung per E-Mail und werden eingeschrieben, sobald die Zahlung bestätigt ist.
order-check-again = Erneut prüfen
order-enrolled = Sie sind eingeschrieben.
order-open-course = Kurs öffnen
order-flagged = Ihre Zahlung ist eingegangen, muss aber von der Schule geprüft werden, bevor Sie eingeschrieben werden. Die Schule ist informiert; bitte nicht erneut bezahlen.
order-refunded = Diese Bestellung wurde erstattet.
order-failed = Diese Zahlung ist nicht zustande gekommen; es wurde nichts berechnet.
order-try-again = Erneut versuchen
order-status = Status
order-status-pending = ausstehend
order-status-paid = bezahlt
order-status-failed = fehlgeschlagen
order-status-cancelled = abgebrochen
order-status-refunded = erstattet
order-flag-amount_mismatch = anderer Betrag bezahlt: nicht eingeschrieben
order-flag-duplicate = bereits eingeschrieben: erstatten
order-provider = Anbieter
order-date = Datum
order-buyer = Käufer:in
order-course = Kurs
order-amount = Betrag
order-paid = Bezahlt
order-refunded-amount = Erstattet
order-error = Letzter Fehler
order-refunds = Erstattungen
order-access-removed = Zugang entzogen
order-refund-amount = Zu erstattender Betrag (leer: der ganze Rest)
order-refund = Erstatten

payments-admin = Zahlungen
orders-admin = Bestellungen
orders-search = Suche (E-Mail, Bestellung, Referenz)
orders-any = alle
orders-flagged = nur markierte
orders-filter = Filtern
orders-none = Noch keine Bestellungen.

payment-configured = Verbunden:
payment-not-configured-short = Nicht eingerichtet.
payment-not-configured = Zahlungen sind an dieser Schule noch nicht eingerichtet; dieser Kurs kann gerade nicht gekauft werden. Bitte wenden Sie sich an die Schule.
payment-no-webhook-secret = kein Webhook-Signaturschlüssel: Zahlungen werden nur bestätigt, wenn Käufer:innen zurückkehren
payment-no-webhook-id = keine Webhook-ID: Zahlungen werden nur bestätigt, wenn Käufer:innen zurückkehren
payment-webhook-url = Zu registrierende Webhook-URL:
payment-stripe-secret = Geheimer Schlüssel
payment-stripe-webhook-secret = Webhook-Signaturschlüssel
payment-paypal-client-id = Client-ID
payment-paypal-secret = Secret
payment-paypal-webhook-id = Webhook-ID
payment-paypal-sandbox = Sandbox (Testzahlungen)
payment-keep-secret = leer lassen, um den gespeicherten zu behalten
payment-test = Verbindung testen
payment-remove = Trennen
payment-test-ok = { $provider } hat die Zugangsdaten angenommen.
payment-terms = Verkaufsbedingungen
payment-default-currency = Währung neuer Preise
payment-refund-removes-access = Eine volle Erstattung beendet die Einschreibung
payment-settings-saved = Gespeichert.
payment-secret-invalid = Das sieht nicht wie ein Schlüssel aus: keine Leerzeichen oder Zeilenumbrüche, höchstens 500 Zeichen.
payment-secret-prefix = Der Schlüssel sollte mit { $prefix } beginnen.
payment-secret-required = Erforderlich.
payment-provider-auth = { $provider } hat die Zugangsdaten der Schule abgelehnt ({ $message }). Ein Admin muss sie unter Einstellungen → Zahlungen prüfen.
payment-provider-unavailable = { $provider } ist gerade nicht erreichbar ({ $message }). Es wurde nichts berechnet; bitte in ein paar Minuten erneut versuchen.
payment-provider-refused = { $provider } hat die Anfrage abgelehnt ({ $message }). Es wurde nichts berechnet.
payment-refunded = { $amount } erstattet.
payment-refunded-access-removed = { $amount } erstattet; die Einschreibung ist beendet.
payment-refund-too-much = Das ist mehr, als noch erstattet werden kann.
payment-refund-not-paid = Nur bezahlte Bestellungen können erstattet werden.

payment-receipt-subject = Ihre Quittung für { $course } ({ $number })
payment-receipt-text = Vielen Dank für Ihren Kauf.
    Bestellung: { $number }
    Kurs: { $course }
    Betrag: { $amount }
    Bezahlt mit: { $provider } (Referenz { $reference })
    Kurs öffnen: { $url }

coupons-admin = Gutscheine
coupon-field = Gutscheincode
coupon-apply = Einlösen
coupon-new = Neuer Gutschein
coupon-code = Code
coupon-kind = Rabatt
coupon-kind-percent = Prozent
coupon-kind-amount = Betrag
coupon-value = Wert
coupon-all-courses = Alle Kurse
coupon-expires = Gültig bis (einschließlich)
coupon-max-uses = Höchstens einlösbar (leer: unbegrenzt)
coupon-uses = Eingelöst
coupon-create = Gutschein anlegen
coupon-deactivate = Abschalten
coupon-inactive = aus
coupons-none = Noch keine Gutscheine.
coupon-unknown = Dieser Code ist nicht gültig.
coupon-expired = Dieser Code ist abgelaufen.
coupon-used-up = Dieser Code ist aufgebraucht.
coupon-other-course = Dieser Code gilt für einen anderen Kurs.
coupon-other-currency = Dieser Code gilt für Preise in einer anderen Währung.
coupon-too-much = Dieser Code zöge mehr ab, als der Kurs kostet.
coupon-code-invalid = 1 bis 40 Buchstaben, Ziffern, - oder _.
coupon-code-taken = Die Schule hat schon einen Gutschein mit diesem Code.
coupon-percent-invalid = Bitte einen ganzen Prozentsatz von 1 bis 99 eingeben.
coupon-date-invalid = Bitte ein Datum eingeben.
coupon-max-uses-invalid = Bitte eine Zahl von 1 bis 1.000.000 eingeben oder leer lassen.

payment-flagged-subject = Bestellung { $number } muss geprüft werden
payment-flagged-text = Für die Bestellung { $number } ist eine Zahlung eingegangen, aber: { $reason }. Zur Bestellung: { $url }
payment-refund-subject = Erstattung für { $course } ({ $number })
payment-refund-text = { $amount } Ihrer Bestellung { $number } für { $course } wurden erstattet. Das Geld ist je nach Bank in einigen Tagen auf Ihrem Konto.
payment-refund-access-ended = Ihre Einschreibung in den Kurs endet mit der Erstattung.
course-free = Kostenlos
order-wait = Das dauert meist nur ein paar Sekunden. Bitte nicht erneut bezahlen.
