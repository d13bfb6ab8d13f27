## Zoom connection (Settings → Integrations)
zoom-card-intro = Connectez le compte Zoom de votre école pour animer des sessions en direct et des webinaires dans vos cours.
zoom-connect = Connecter le compte Zoom
zoom-reconnect-button = Reconnecter Zoom
zoom-disconnect = Déconnecter
zoom-status-connected = Connecté
zoom-status-not-connected = Non connecté
zoom-status-needs-reconnect = Zoom n’accepte plus notre accès. Reconnectez Zoom pour que les sessions en direct continuent de fonctionner.
zoom-status-deauthorized = L’application Lectern a été retirée de Zoom le { $date }. Les sessions en direct sont indisponibles jusqu’à une nouvelle connexion.
zoom-status-disconnected = Déconnecté le { $date }.
zoom-not-configured = L’intégration Zoom n’est pas configurée.
zoom-not-configured-hint = Demandez à la personne qui gère ce serveur Lectern de définir ZOOM_CLIENT_ID et ZOOM_CLIENT_SECRET (voir le README), ou contactez votre équipe d’assistance.
zoom-missing-scopes = Connecté, mais Zoom n’a pas accordé : { $scopes }. Reconnectez l’intégration Zoom avec les autorisations nécessaires.
zoom-setup-title = Paramètres de l’application Zoom
zoom-setup-redirect = URL de redirection à enregistrer dans le Zoom Marketplace : { $uri }
zoom-personal-title = Votre compte Zoom
zoom-personal-intro = Connectez votre propre compte Zoom pour animer vos sessions en direct avec lui. Sinon, le compte Zoom de l’école est utilisé.

## Callback outcomes
zoom-connected-title = Zoom est connecté
zoom-connected-message = Lectern peut désormais créer des réunions et des webinaires avec le compte Zoom { $email }.
zoom-degraded-title = Zoom est connecté, mais des autorisations manquent
zoom-denied-title = Connexion à Zoom annulée
zoom-denied-message = Vous avez annulé l’autorisation dans Zoom. Rien n’a été modifié.
zoom-no-code = Aucun code d’autorisation reçu
zoom-no-code-message = Zoom vous a renvoyé ici sans code d’autorisation, rien n’a donc été connecté.
zoom-bad-state-title = Cette autorisation Zoom ne peut pas être utilisée
zoom-bad-state-message = Le lien d’autorisation n’est pas valide, a déjà été utilisé, a expiré ou a été lancé dans une autre session du navigateur. Rien n’a été modifié.
zoom-oauth-failed-title = Échec de l’autorisation OAuth
zoom-oauth-failed = Échec de l’autorisation OAuth : { $reason }
zoom-save-failed = Erreur lors de l’enregistrement des paramètres Zoom
zoom-save-failed-message = Zoom a autorisé Lectern, mais l’enregistrement de la connexion a échoué, rien n’a donc été conservé.
zoom-step-no-blocking = Vérifiez que votre navigateur ne bloque pas les fenêtres surgissantes ni les redirections.
zoom-step-redirect-uri = Vérifiez que l’URL de redirection dans le Zoom Marketplace est exactement { $uri }
zoom-step-try-again = Recommencez depuis Paramètres → Intégrations.
zoom-step-approve-scopes = Vérifiez que toutes les portées OAuth requises sont approuvées dans l’application Zoom.
zoom-step-reconnect = Essayez de déconnecter puis de reconnecter l’intégration.
zoom-step-refresh = Rechargez la page et réessayez.
zoom-step-support = Contactez l’assistance si le problème persiste.
zoom-back-to-integrations = Retour aux paramètres Zoom

## Disconnect and data
zoom-disconnect-title = Déconnecter Zoom ?
zoom-disconnect-intro = La déconnexion révoque l’accès de Lectern à votre compte Zoom et supprime immédiatement ses jetons.
zoom-disconnect-c1 = Toutes les sessions en direct programmées deviendront inactives : les étudiants ne pourront pas les rejoindre.
zoom-disconnect-c2 = Les réunions et webinaires Zoom existants resteront dans Zoom, mais ne pourront plus être gérés depuis Lectern.
zoom-disconnect-c3 = L’accès des étudiants aux enregistrements peut être affecté si les liens des réunions ne sont plus valides.
zoom-disconnect-c4 = Aucune perte de données : le contenu des cours et les dossiers des étudiants restent intacts.
zoom-disconnect-c5 = Vous pouvez vous reconnecter à tout moment.
zoom-disconnect-confirm = Déconnecter Zoom maintenant ? Les sessions en direct programmées deviennent inactives jusqu’à ce que Zoom soit reconnecté.
zoom-delete-data = Supprimer toutes les données Zoom
zoom-delete-intro = Cela supprime les jetons Zoom, les informations du compte Zoom, les liens et codes d’accès des réunions, ainsi que les noms et e-mails des participants dans les présences. Les chiffres anonymes et les durées restent pour l’historique des cours. Cette action est irréversible.
zoom-delete-type = Tapez DELETE pour confirmer
zoom-delete-confirm-required = Tapez DELETE pour confirmer la suppression.
zoom-delete-data-confirm = Supprimer toutes les données Zoom de cette école ? Cette action est irréversible.

## Health panel
zoom-health-title = État de la connexion
zoom-health-state = État
zoom-health-scopes = Portées nécessaires
zoom-health-granted = Portées accordées
zoom-health-hosts = Hôtes
zoom-health-hosts-account = Tout formateur utilisateur de ce compte Zoom peut être hôte.
zoom-health-hosts-single = L’utilisateur Zoom connecté est l’hôte de toutes les réunions.
zoom-health-expiry = Expiration du jeton d’accès
zoom-health-last-refresh = Dernier renouvellement
zoom-health-last-error = Dernière erreur Zoom
zoom-health-daily = Réunions créées ou modifiées aujourd’hui (Zoom en autorise 100 par hôte)
zoom-health-granted-other = Autres portées accordées
zoom-scope-granted = accordée
zoom-scope-missing = manquante
zoom-state-connected = Connecté
zoom-state-needs-reconnect = À reconnecter
zoom-state-deauthorized = Retiré de Zoom (l’application Lectern y a été désinstallée)
zoom-state-disconnected = Déconnecté
zoom-state-none = Non connecté

## E-mail to admins
zoom-reconnect-email-subject = Action requise : reconnecter Zoom
zoom-reconnect-email-body = Bonjour { $name }, Zoom n’accepte plus l’accès de Lectern au compte Zoom de votre école. Les sessions en direct ne peuvent pas démarrer tant qu’un administrateur n’a pas reconnecté Zoom.
zoom-reconnect-email-text =
    Bonjour { $name },

    Zoom n’accepte plus l’accès de Lectern au compte Zoom de votre école.
    Les sessions en direct ne peuvent pas démarrer tant qu’un administrateur n’a pas reconnecté Zoom :

    { $link }
zoom-health-circuit = Appels à Zoom
zoom-health-circuit-open = En pause dans cette instance de Lectern après des échecs répétés de Zoom ; le prochain appel sera tenté dans { $seconds } s. En attendant, les sessions en direct affichent « réessayez ».
