api-tokens-title = Jetons d’API
api-tokens-intro = Les jetons d’accès personnels permettent à d’autres programmes d’utiliser l’API de cette école (/api/v1) en votre nom, avec votre rôle, dans la limite des portées que vous choisissez.
api-token-created = Votre nouveau jeton est affiché ci-dessous cette seule fois : copiez-le maintenant. Il ne pourra plus être affiché.
api-token-revoked = Le jeton a été révoqué.
api-token-name = Nom
api-token-scopes = Portées
api-token-expires = Expire
api-token-days =
    { $days ->
        [one] { $days } jour
       *[other] { $days } jours
    }
api-token-create = Créer un jeton
api-tokens-yours = Vos jetons
api-token-last-used = Dernière utilisation
api-token-never-used = Jamais
api-token-state = État
api-token-state-active = Actif
api-token-state-revoked = Révoqué
api-token-state-expired = Expiré
api-token-revoke = Révoquer
api-token-error-name = Donnez un nom au jeton (100 caractères au plus).
api-token-error-scope = Choisissez au moins une portée.
api-token-error-days = Choisissez la durée de validité du jeton.
api-reference = Référence de l’API
profile-api-tokens = Jetons d’API
api-token-copy = Copier
api-token-copied = Copié.
api-token-error-role = { $scope } n’est pas prévue pour votre rôle : décochez-la.
api-token-revoke-confirm = Révoquer ce jeton ? Les programmes qui l’utilisent cesseront aussitôt de fonctionner.
api-scope-courses-read = Lister les cours que vous voyez, avec leurs leçons.
api-scope-courses-write = Créer et modifier des cours et leurs leçons (formateurs et administrateurs).
api-scope-enrolments-read = Lister les élèves des cours que vous gérez.
api-scope-enrolments-write = Inscrire et désinscrire des élèves dans les cours que vous gérez.
api-scope-live-read = Lire les sessions en direct, et la présence à celles que vous gérez.
api-scope-live-write = Planifier et modifier des sessions en direct et des webinaires (avec courses:write).
api-scope-progress-read = Lire la progression et les certificats : les vôtres, et ceux des cours que vous gérez.
api-scope-users-read = Lister les utilisateurs de l’école (administrateurs).
