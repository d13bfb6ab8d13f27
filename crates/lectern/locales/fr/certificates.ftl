## Certificates.

date-long = { $day } { $month } { $year }
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre

certificate-default-title = Certificat de réussite
certificate-preamble = Nous certifions que
certificate-default-body = a suivi avec succès le cours
certificate-hours = Sessions en direct suivies : { $hours } h { $minutes } min
certificate-serial = Certificat n° { $serial }
certificate-verify-at = Vérifier sur
certificate-email-subject = Votre certificat pour { $course }
certificate-email-intro = Félicitations, { $name } : vous avez terminé { $course }. Votre certificat est en pièce jointe ; tout le monde peut le vérifier à l’adresse ci-dessous.
certificate-email-text = Félicitations, { $name } : vous avez terminé { $course }. Votre certificat est en pièce jointe ; tout le monde peut le vérifier sur { $url }

certificate-verify-title = Vérification du certificat
certificate-status-valid = Ce certificat est valide.
certificate-status-revoked = Ce certificat a été révoqué.
certificate-status-replaced = Ce certificat a été remplacé par
certificate-status-expired = Ce certificat a expiré.
certificate-status-pending = Ce certificat est en cours d’émission.
certificate-not-found = Aucun certificat ne porte ce numéro. Vérifiez le numéro saisi.
certificate-learner = Apprenant
certificate-course = Cours
certificate-school = Délivré par
certificate-completed = Terminé le
certificate-live = Heures en direct
certificate-serial-label = Numéro
certificate-state = Statut

certificates-mine = Mes certificats
certificates-none = Aucun certificat pour l’instant.
certificate-download = Télécharger le PDF
certificate-verify-link = Page de vérification
certificate-linkedin = Ajouter au profil LinkedIn
certificate-reissue-mine = Mon nom a changé : le délivrer à nouveau à mon nom actuel
certificate-pending = Le certificat est en préparation ; réessayez dans une minute.
certificate-revoked-no-reissue = Un certificat révoqué ne peut pas être délivré à nouveau.

certificate-settings = Certificat
certificate-settings-saved = Paramètres du certificat enregistrés.
certificate-enabled = Délivrer un certificat quand un étudiant termine ce cours
certificate-field-title = Titre
certificate-field-body = Texte sous le nom (vide : « a suivi avec succès le cours »)
certificate-field-signer = Nom du signataire
certificate-field-signer-title = Fonction du signataire
certificate-field-validity = Valable pendant (mois ; vide : sans expiration)
certificate-title-required = Un certificat doit avoir un titre.
certificate-validity-invalid = Saisissez un nombre de mois de 1 à 600, ou laissez le champ vide.
certificate-uncovered = Aucune police installée ne peut imprimer « { $char } » ; modifiez le texte ou installez une police qui le contient.

certificates-admin = Certificats
certificate-revoke = Révoquer
certificate-revoke-reason = Motif de la révocation
certificate-reason-required = Indiquez un motif de révocation ; il est affiché sur la page du certificat.
certificate-reissue = Délivrer à nouveau
certificate-paper = Format de papier des certificats
certificate-valid-until = valable jusqu’au { $date }
certificate-valid-until-label = Valable jusqu’au
certificate-revoked-subject = Votre certificat pour { $course } a été révoqué
certificate-revoked-email = Votre certificat pour { $course } a été révoqué. Motif : { $reason }. Sa page l’indique : { $url }
certificate-same-name = Votre certificat porte déjà votre nom actuel. Modifiez d’abord votre nom dans votre profil.
certificate-status-replaced-short = Remplacé
certificate-revoke-public = Le motif est affiché sur la page publique du certificat.
certificate-reissue-confirm = Délivrer un nouveau certificat à votre nom actuel ? L’ancien numéro indiquera « remplacé ».
certificate-reissue-confirm-admin = Délivrer un nouveau certificat au nom actuel de l’apprenant ? L’ancien numéro indiquera « remplacé ».
