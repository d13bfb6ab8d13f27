## Paid courses, checkout, orders, refunds.

course-buy = Acheter ce cours
course-sign-in-to-buy = Connectez-vous pour acheter
payment-cancelled = Paiement annulé : rien n’a été débité.
price-settings = Prix
price-paid = Vendre ce cours (les étudiants s’inscrivent en payant)
price-amount = Prix
price-currency = Devise
price-saved = Prix enregistré.
price-no-provider = Aucun prestataire de paiement n’est encore connecté : les étudiants ne peuvent pas payer tant qu’un administrateur n’a pas connecté Stripe ou PayPal.
price-currency-invalid = Choisissez l’une des devises de la liste.
price-amount-invalid = Saisissez un montant supérieur à zéro, comme 49 ou 49,90, sans plus de décimales que n’en a la devise.
price-too-large = Ce prix est trop élevé.

buy-title = Acheter
buy-with = Payer avec { $provider }
buy-explain = Vous paierez sur la page sécurisée du prestataire puis reviendrez ici. Vous êtes inscrit dès que le paiement est confirmé.
buy-pending = Un de vos paiements pour ce cours est encore en cours de confirmation ; attendez-le avant de payer à nouveau :

order-title = Commande
order-number = Commande
order-confirming = Confirmation de votre paiement…
order-slow = Cela prend plus de temps que d’habitude. Vous pouvez fermer cette page : vous recevrez un reçu par e-mail et serez inscrit dès que le paiement sera confirmé.
order-check-again = Vérifier à nouveau
order-enrolled = Vous êtes inscrit.
order-open-course = Ouvrir le cours
order-flagged = Votre paiement est arrivé, mais l’école doit le vérifier avant de vous inscrire. Elle a été prévenue ; vous n’avez pas besoin de payer à nouveau.
order-refunded = Cette commande a été remboursée.
order-failed = Ce paiement n’a pas abouti, et rien n’a été débité.
order-try-again = Réessayer
order-status = Statut
order-status-pending = en attente
order-status-paid = payée
order-status-failed = échouée
order-status-cancelled = annulée
order-status-refunded = remboursée
order-flag-amount_mismatch = le montant payé diffère : non inscrit
order-flag-duplicate = déjà inscrit : à rembourser
order-provider = Prestataire
order-date = Date
order-buyer = Acheteur
order-course = Cours
order-amount = Montant
order-paid = Payé
order-refunded-amount = Remboursé
order-error = Dernière erreur
order-refunds = Remboursements
order-access-removed = accès retiré
order-refund-amount = Montant à rembourser (vide : tout le reste)
order-refund = Rembourser

payments-admin = Paiements
orders-admin = Commandes
orders-search = Rechercher (e-mail, commande, référence)
orders-any = toutes
orders-flagged = signalées uniquement
orders-filter = Filtrer
orders-none = Aucune commande pour l’instant.

payment-configured = Connecté :
payment-not-configured-short = Non configuré.
payment-not-configured = Les paiements ne sont pas encore configurés dans cette école, ce cours ne peut donc pas être acheté pour le moment. Veuillez vous adresser à l’école.
payment-no-webhook-secret = pas de secret de signature du webhook : les paiements ne sont confirmés qu’au retour des acheteurs
payment-no-webhook-id = pas d’identifiant de webhook : les paiements ne sont confirmés qu’au retour des acheteurs
payment-webhook-url = URL du webhook à enregistrer :
payment-stripe-secret = Clé secrète
payment-stripe-webhook-secret = Secret de signature du webhook
payment-paypal-client-id = Identifiant client
payment-paypal-secret = Secret
payment-paypal-webhook-id = Identifiant du webhook
payment-paypal-sandbox = Sandbox (paiements de test)
payment-keep-secret = laisser vide pour garder celui enregistré
payment-test = Tester la connexion
payment-remove = Déconnecter
payment-test-ok = { $provider } a accepté les identifiants.
payment-terms = Conditions de vente
payment-default-currency = Devise des nouveaux prix
payment-refund-removes-access = Un remboursement complet met fin à l’inscription de l’étudiant
payment-settings-saved = Enregistré.
payment-secret-invalid = Cela ne ressemble pas à une clé : ni espaces ni sauts de ligne, 500 caractères au plus.
payment-secret-prefix = La clé devrait commencer par { $prefix }.
payment-secret-required = Obligatoire.
payment-provider-auth = { $provider } a refusé les identifiants de l’école ({ $message }). Un administrateur doit les vérifier dans Paramètres → Paiements.
payment-provider-unavailable = { $provider } est injoignable pour le moment ({ $message }). Rien n’a été débité ; veuillez réessayer dans quelques minutes.
payment-provider-refused = { $provider } a refusé la demande ({ $message }). Rien n’a été débité.
payment-refunded = { $amount } remboursé.
payment-refunded-access-removed = { $amount } remboursé ; l’inscription de l’étudiant a pris fin.
payment-refund-too-much = C’est plus que ce qui reste à rembourser.
payment-refund-not-paid = Seule une commande payée peut être remboursée.

payment-receipt-subject = Votre reçu pour { $course } ({ $number })
payment-receipt-text = Merci pour votre achat.
    Commande : { $number }
    Cours : { $course }
    Montant : { $amount }
    Payé avec : { $provider } (référence { $reference })
    Ouvrir le cours : { $url }

coupons-admin = Codes promo
coupon-field = Code de réduction
coupon-apply = Appliquer
coupon-new = Nouveau code promo
coupon-code = Code
coupon-kind = Réduction
coupon-kind-percent = Pourcentage de réduction
coupon-kind-amount = Montant de réduction
coupon-value = Valeur
coupon-all-courses = Tous les cours
coupon-expires = Valable jusqu’au (inclus)
coupon-max-uses = Nombre maximal d’utilisations (vide : illimité)
coupon-uses = Utilisé
coupon-create = Créer le code promo
coupon-deactivate = Désactiver
coupon-inactive = désactivé
coupons-none = Aucun code promo pour l’instant.
coupon-unknown = Ce code n’est pas valide.
coupon-expired = Ce code a expiré.
coupon-used-up = Ce code a été entièrement utilisé.
coupon-other-course = Ce code est pour un autre cours.
coupon-other-currency = Ce code est pour des prix dans une autre devise.
coupon-too-much = Ce code retirerait plus que le prix du cours.
coupon-code-invalid = Utilisez de 1 à 40 lettres, chiffres, - ou _.
coupon-code-taken = L’école a déjà un code promo avec ce code.
coupon-percent-invalid = Saisissez un pourcentage entier de 1 à 99.
coupon-date-invalid = Saisissez une date.
coupon-max-uses-invalid = Saisissez un nombre de 1 à 1 000 000, ou laissez vide.

payment-flagged-subject = La commande { $number } doit être vérifiée
payment-flagged-text = Un paiement est arrivé pour la commande { $number }, mais { $reason }. Ouvrir la commande : { $url }
payment-refund-subject = Remboursement pour { $course } ({ $number })
payment-refund-text = { $amount } de votre commande { $number } pour { $course } ont été remboursés. Ils arriveront sur votre compte d’ici quelques jours, selon votre banque.
payment-refund-access-ended = Votre inscription au cours a pris fin avec le remboursement.
course-free = Gratuit
order-wait = Cela prend généralement quelques secondes. Vous n’avez pas besoin de payer à nouveau.
