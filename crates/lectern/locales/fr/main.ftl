## Navigation
nav-catalogue = Cours
nav-my-courses = Mes cours
nav-teach = Enseigner
nav-admin = Administration
nav-sign-in = Se connecter
nav-sign-up = S’inscrire
nav-sign-out = Se déconnecter

## Errors
error-not-found = Nous n’avons pas trouvé cette page.
error-forbidden = Vous n’avez pas l’autorisation de faire cela.
error-sign-in-required = Veuillez vous connecter pour continuer.
error-csrf = Ce formulaire a expiré. Revenez en arrière, rechargez la page et réessayez.
error-bad-request = Nous n’avons pas compris cette requête.
error-upstream = Zoom n’a pas répondu comme prévu.
error-rate-limited = Trop de tentatives. Patientez un instant et réessayez.
error-too-large = Cette requête est trop volumineuse.
error-unsupported-type = Ce type de fichier n’est pas accepté ici.
error-unavailable = Un service dont cette page a besoin n’est pas disponible pour le moment. Réessayez dans une minute.
error-internal = Une erreur s’est produite de notre côté. Réessayez dans un instant.
error-back-home = Retour à la page d’accueil

## Forms
form-required = Ce champ est obligatoire.
form-email-invalid = Saisissez une adresse e-mail valide.
form-email-taken = Un compte existe déjà avec cette adresse e-mail.
form-password-short =
    Utilisez au moins { $min ->
        [one] { $min } caractère
       *[other] { $min } caractères
    }.
form-timezone-invalid = Choisissez un fuseau horaire dans la liste (par exemple Europe/Paris).
form-invalid-choice = Choisissez l’une des options proposées.
form-url-invalid = Saisissez une adresse web complète commençant par https://.
form-color-invalid = Utilisez une couleur comme #3b5bdb.
form-control-char = Ce texte contient un caractère de contrôle (comme un octet NUL) ; supprimez-le et renvoyez le formulaire.
form-too-long =
    Utilisez au plus { $max ->
        [one] { $max } caractère
       *[other] { $max } caractères
    }.
throttle-wait =
    Trop de tentatives. Réessayez dans { $seconds ->
        [one] { $seconds } seconde
       *[other] { $seconds } secondes
    }.
form-save = Enregistrer
form-remove = Supprimer

## Fields
field-display-name = Nom
field-email = E-mail
field-password = Mot de passe
field-new-password = Nouveau mot de passe
field-current-password = Mot de passe actuel
field-timezone = Fuseau horaire
field-language = Langue
field-role = Rôle
field-school-name = Nom de l’école
field-logo-url = URL du logo
field-primary-color = Couleur principale
field-default-timezone = Fuseau horaire par défaut
field-signup-open = Tout le monde peut s’inscrire
field-domain = Domaine personnalisé

## Accounts
signup-title = Créez votre compte
signup-submit = Créer le compte
signup-have-account = Vous avez déjà un compte ?
signin-title = Connexion
signin-submit = Se connecter
signin-failed = L’adresse e-mail ou le mot de passe est incorrect.
signin-forgot = Mot de passe oublié ?
forgot-title = Réinitialiser votre mot de passe
forgot-intro = Saisissez votre adresse e-mail et nous vous enverrons un lien pour choisir un nouveau mot de passe.
forgot-submit = Envoyer le lien
forgot-sent = Si un compte existe pour cette adresse, nous vous avons envoyé un lien. Il fonctionne une seule fois, pendant une heure.
reset-title = Choisissez un nouveau mot de passe
reset-submit = Définir le mot de passe
reset-invalid = Ce lien a expiré ou a déjà été utilisé.
reset-request-new = Demander un nouveau lien
reset-email-subject = Réinitialisez votre mot de passe { $school }
reset-email-greeting = Bonjour { $name },
reset-email-body = Quelqu’un a demandé à réinitialiser le mot de passe de votre compte { $school }. Utilisez le bouton ci-dessous pour en choisir un nouveau.
reset-email-button = Choisir un nouveau mot de passe
reset-email-footer = Le lien fonctionne une seule fois et expire dans une heure. Si vous n’avez rien demandé, ignorez cet e-mail.
reset-email-text =
    Bonjour { $name },

    Quelqu’un a demandé à réinitialiser le mot de passe de votre compte { $school }.
    Ouvrez ce lien pour en choisir un nouveau (il fonctionne une seule fois et expire dans une heure) :

    { $link }

    Si vous n’avez rien demandé, ignorez cet e-mail.
profile-title = Votre profil
profile-language-browser = Celle de mon navigateur
profile-saved = Votre profil a été enregistré.
profile-password-hint = Nécessaire uniquement pour changer votre adresse e-mail.
profile-password-needed = Saisissez votre mot de passe actuel pour changer votre adresse e-mail.
profile-password-wrong = Ce n’est pas votre mot de passe actuel.
role-student = Étudiant
role-instructor = Formateur
role-admin = Administrateur
role-self-demote = Vous ne pouvez pas retirer votre propre rôle d’administrateur.

## Admin
admin-school = Paramètres de l’école
admin-users = Utilisateurs
admin-user-role-label = Rôle de { $name }
admin-integrations = Intégrations
admin-outbox = Boîte d’envoi
admin-jobs = Tâches en arrière-plan
outbox-intro = Les e-mails que Lectern a envoyés ou, sans SMTP configuré, conservés ici.
outbox-empty = Aucun e-mail pour l’instant.
outbox-link-hidden = [lien masqué : seul son destinataire le voit ici]
jobs-failed = En échec
jobs-queued = En attente
jobs-none = Aucune.
jobs-retry = Relancer
jobs-col-id = Tâche
jobs-col-kind = Type
jobs-col-attempts = Tentatives
jobs-col-run-at = Exécution à
jobs-col-error = Dernière erreur
jobs-col-action = Action
domains-title = Domaines personnalisés
domains-add = Ajouter un domaine
domain-invalid = Saisissez un nom d’hôte comme learn.example.com.
domain-taken = Ce domaine est déjà utilisé.
domain-reserved = Cette adresse appartient à la plateforme elle-même (les adresses IP, localhost et l’adresse principale de la plateforme ne peuvent pas être le domaine d’une école).
domain-active = actif
domain-remove-platform = C’est l’adresse propre de la plateforme ; elle sert toujours cette école.
domain-remove-last = C’est le seul domaine actif de l’école : le supprimer rendrait l’école inaccessible. Ajoutez d’abord un autre domaine et faites-le approuver.
domain-remove-confirm = Supprimer { $host } ? Les personnes qui utilisent cette adresse n’atteindront plus l’école par ce biais.
domain-pending = en attente d’approbation
domains-pending-help = Un nouveau domaine fonctionne dès que l’opérateur de la plateforme a vérifié qu’il vous appartient et l’a approuvé. Faites d’abord pointer le DNS du domaine vers ce serveur, puis demandez à l’opérateur de l’approuver pour cette école.

branding-title = Identité visuelle
branding-upload-logo = Téléverser un logo (PNG, JPEG, WebP ou GIF ; affiché dans l’en-tête et dans les e-mails)
branding-upload-favicon = Téléverser un favicon (l’icône de l’onglet du navigateur)
branding-remove-logo = Supprimer le logo
branding-remove-favicon = Supprimer le favicon
branding-hint = Les images sont converties en PNG et réduites (les logos à 512 pixels, les favicons à 64) ; le SVG n’est pas accepté.
campaigns-title = Campagnes d’e-mails
campaigns-none = Aucune campagne pour l’instant.
campaign-new = Nouvelle campagne
campaign-edit = Modifier la campagne
campaign-untitled = (sans objet)
campaign-subject = Objet
campaign-body = Message (Markdown)
campaign-body-help = Écrivez { "{" }name{ "}" } à l’endroit où doit figurer le nom du destinataire. Chaque e-mail se termine par un lien de désinscription.
campaign-audience = Destinataires
campaign-audience-enrolled = Étudiants inscrits au cours
campaign-audience-incomplete = Étudiants inscrits qui n’ont pas terminé le cours
campaign-audience-missed = Étudiants inscrits qui ont manqué une session en direct
campaign-audience-school = Tous les étudiants de l’école
campaign-course = Cours
campaign-lesson = Session en direct (pour « ont manqué une session en direct »)
campaign-send-at = Envoyer le (dans votre fuseau horaire, { $tz } ; vide : maintenant)
campaign-preview = Aperçu
campaign-preview-as = Aperçu tel que { $name } le verrait
campaign-send-test = M’envoyer un test
campaign-send = Envoyer
campaign-saved = Brouillon enregistré.
campaign-test-sent = Un test a été envoyé à votre adresse.
campaign-test-prefix = Test
campaign-sample-name = Alex Étudiant
campaign-fix-errors = Le brouillon a été enregistré ; corrigez les champs signalés pour l’envoyer.
campaign-subject-empty = Saisissez un objet.
campaign-body-empty = Écrivez un message.
campaign-body-too-long = Le message est trop long ({ $max } caractères au plus).
campaign-course-not-yours = Choisissez l’un de vos cours.
campaign-course-needed = Choisissez un cours pour ces destinataires.
campaign-lesson-needed = Choisissez une session en direct du cours.
campaign-school-admins-only = Seuls les administrateurs peuvent écrire à tous les étudiants de l’école.
campaign-audience-unknown = Choisissez les destinataires.
campaign-audience-empty = Aucun destinataire ne correspond.
campaign-send-at-invalid = Saisissez une date et une heure comme 2026-12-24T18:00.
campaign-not-draft = Cette campagne a déjà été envoyée.
campaign-state = État
campaign-state-draft = Brouillon
campaign-state-queued = Programmée
campaign-state-sending = En cours d’envoi
campaign-state-done = Envoyée
campaign-state-cancelled = Annulée
campaign-recipients = Destinataires
campaign-queued = En file d’attente
campaign-sent = Envoyés
campaign-failed = En échec
campaign-skipped = Désinscrits depuis
campaign-cancelled = Non envoyés (annulée)
campaign-cancel = Annuler le reste
campaign-mail-footer = Vous recevez cet e-mail en tant qu’étudiant de { $school }.
campaign-mail-unsubscribe = Se désinscrire de ces e-mails
unsubscribe-title = Désinscription
unsubscribe-confirm = Ne plus recevoir les e-mails de campagne de { $school } ?
unsubscribe-button = Me désinscrire
unsubscribe-done = Vous ne recevrez plus d’e-mails de campagne de { $school }.
unsubscribe-transactional = Les reçus, les réinitialisations de mot de passe et les e-mails des sessions en direct que vous avez choisis continueront d’arriver.
outbox-bytes = { $n } octets
error-request-timeout = La requête a mis trop de temps à arriver. Veuillez réessayer.
