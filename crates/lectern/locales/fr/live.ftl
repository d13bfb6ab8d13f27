## Live sessions and webinars (lesson player, Start, join, attendance)
live-start = Démarrer la réunion
live-rejoin-host = Ouvrir la réunion en tant qu’hôte
live-start-available-from = « Démarrer la réunion » sera disponible dans
live-state-live = Cette session est en direct.
live-join = Rejoindre la réunion
live-open-in-app = Ouvrir dans l’application Zoom
live-waiting-for-instructor = En attente du démarrage de la session par le formateur…
live-starts-in = Commence dans
# Les jours d'un compte à rebours : « 9 j 16:08:35 »
countdown-days = { $days } j
live-ended = Cette session est terminée.
live-cancelled = Cette session a été annulée.
live-join-failed = La réunion n’a pas pu être ouverte ici. Utilisez plutôt « Ouvrir dans l’application Zoom ».
live-unavailable = Les sessions en direct ne sont pas disponibles pour le moment.
live-unavailable-instructor = Zoom n’est pas connecté, cette session ne peut donc pas démarrer. Reconnectez Zoom dans Paramètres → Intégrations, ou passez cette leçon sur un lien externe.
live-reconnect-link = Reconnecter Zoom
live-switch-external = Modifier la leçon (passer sur un lien externe)
live-deleted-in-zoom = La réunion a été supprimée dans Zoom. « Démarrer la réunion » en crée une nouvelle.
live-recordings = Enregistrement
live-recording-download = Télécharger
live-recording-download-failed = L’enregistrement ne peut pas être téléchargé pour le moment : { $reason }
live-recording-download-later = Veuillez réessayer plus tard ; si le problème persiste, prévenez votre formateur.
live-recording-file = Enregistrement ({ $kind })
live-my-attendance =
    Vous avez été présent { $minutes ->
        [one] { $minutes } minute
       *[other] { $minutes } minutes
    } ({ $from } – { $to }).
live-my-attendance-none = Vous n’avez pas assisté à cette session.
live-attendance-link = Présence
live-attendance-title = Présence
live-attendance-summary = { $attended } présents, { $absent } jamais venus.
live-attendance-csv = Exporter en CSV
live-col-name = Nom
live-col-email = E-mail
live-col-from = Arrivée
live-col-to = Départ
live-col-minutes = Minutes
live-never-came = Jamais venu
live-unmatched-title = Participants non associés
live-unmatched-help = Ces personnes ont rejoint en dehors du lecteur du cours et n’ont pas pu être associées par e-mail. Attribuez-les à un apprenant.
live-assign = Attribuer
live-assign-label = Apprenant auquel attribuer { $name }
live-assign-invalid = Choisissez un apprenant inscrit à ce cours.

## Start errors (Zoom's answers, with the way out)
live-error-not-configured = L’intégration Zoom n’est pas configurée sur ce serveur.
live-error-not-connected = Zoom n’est pas connecté. Reconnectez l’intégration Zoom dans Paramètres → Intégrations.
live-error-missing-scopes = Reconnectez l’intégration Zoom avec les autorisations nécessaires. Zoom n’a pas accordé : { $scopes }.
live-error-webinar-plan = Forfait webinaire manquant : passez à un forfait Zoom avec licences webinaire (Pro ou supérieur avec le module Webinar) pour l’hôte, ou faites de cette leçon une session en direct.
live-error-not-enabled = Non activé pour votre compte : activez cette fonction (organisation/planification de réunions) pour l’hôte dans les paramètres de votre compte Zoom, puis réessayez.
live-error-no-permission = Zoom a refusé : l’hôte n’a pas l’autorisation pour cela. Vérifiez le rôle et le forfait de l’hôte dans Zoom.
live-error-daily-limit = La limite quotidienne de Zoom pour la création de réunions est atteinte pour cet hôte. Elle est réinitialisée le { $when } ; aucune autre tentative n’est faite d’ici là.
live-error-try-again = Zoom n’a pas répondu à temps. Rien n’a été créé — veuillez réessayer.
live-error-zoom-server = Zoom a rencontré un problème de son côté (HTTP { $status }). Veuillez réessayer dans quelques minutes.
live-error-unreachable = Lectern n’a pas pu joindre Zoom. Veuillez réessayer dans quelques minutes.
live-error-busy = Zoom reçoit trop de requêtes en ce moment. Veuillez réessayer dans un instant.
live-error-heading-meeting = Échec de la création de la réunion Zoom
live-error-heading-webinar = Échec de la création du webinaire Zoom
live-error-with-heading = { $heading } : { $message }
live-error-host-not-in-account = { $email } n’est pas utilisateur du compte Zoom de l’école, la réunion ne peut donc pas être créée pour cette personne.
live-error-meeting-deleted = La réunion a été supprimée dans Zoom. « Démarrer la réunion » en crée une nouvelle.
live-error-interrupted = Le démarrage de la réunion a été interrompu et aucune réunion n’a été trouvée dans Zoom. Appuyez de nouveau sur « Démarrer la réunion ».
live-error-refused = Zoom a refusé de créer la réunion : { $reason }
live-error-not-now = Cette session ne peut pas être démarrée maintenant (elle n’est pas encore dans la fenêtre de démarrage, ou elle est terminée).

## The player's live panel: one state, one message (live/display.rs)
live-panel-heading = Session en direct
live-join-appears = « Rejoindre la réunion » apparaîtra ici dès que le formateur aura démarré la session.
live-msg-opening-soon = La session commence le { $when }. Le formateur peut déjà l’ouvrir ; « Rejoindre la réunion » apparaîtra ici de lui-même.
live-msg-opening-soon-host = Vous pouvez démarrer la session maintenant. Vos étudiants verront « Rejoindre la réunion » dès que vous le ferez.
live-msg-starting-now = La session devait commencer le { $when } et le formateur ne l’a pas encore démarrée. Gardez cette page ouverte : « Rejoindre la réunion » apparaîtra ici de lui-même.
live-msg-starting-now-host = La session devait commencer le { $when }. Vos étudiants attendent que vous la démarriez.
live-did-not-take-place = Cette session n’a pas eu lieu.
live-msg-joined = Vous êtes dans la session.
live-msg-left = Vous avez quitté la session. Vous pouvez la rejoindre tant qu’elle est en direct.
live-leave = Quitter
live-rejoin = Rejoindre à nouveau
live-joining = Ouverture de la réunion…
live-waiting-for-host = Le formateur n’a pas encore rejoint la réunion. Vous serez admis dès qu’il l’aura fait.
live-badge-upcoming = Commence dans
live-badge-opening-soon = Bientôt
live-badge-starting-now = Devrait commencer
live-badge-live = En direct
live-badge-ended = Terminée
live-badge-cancelled = Annulée
live-badge-did-not-take-place = N’a pas eu lieu
live-msg-upcoming = La session commence le { $when }.
live-unavailable-teacher = Zoom n’est pas connecté, cette session ne peut donc pas démarrer. Demandez à l’administrateur de votre école de reconnecter Zoom, connectez votre propre compte Zoom, ou passez cette leçon sur un lien externe.
live-connect-own = Connecter votre propre compte Zoom
live-ask-admin = Demandez à l’administrateur de votre école de reconnecter Zoom dans Paramètres → Intégrations.
live-join-try-again = Zoom ne répond pas pour le moment. Veuillez réessayer dans une minute.
live-error-zoom-paused = Zoom ne répond pas pour le moment, Lectern suspend donc ses requêtes un instant. Rien n’a été créé : veuillez réessayer dans une minute.
