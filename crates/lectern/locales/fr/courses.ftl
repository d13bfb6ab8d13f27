## Courses: catalogue, course page, lesson player, my courses

catalogue-title = Cours
catalogue-empty = Aucun cours n’est encore publié.
welcome-title = Bienvenue, { $name } !
welcome-next = Votre compte est prêt. Choisissez un cours ci-dessous et ouvrez-le pour vous inscrire ; vos cours se trouvent toujours dans
course-status-draft = Brouillon
course-status-published = Publié
course-taught-by = Enseigné par
course-enroll = S’inscrire gratuitement
course-sign-in-to-enroll = Connectez-vous pour vous inscrire
course-continue = Continuer
course-completed = Vous avez terminé ce cours.
course-completed-short = terminé
course-progress = { $percent } % terminé
course-progress-label = Progression dans le cours
course-progress-of = Progression dans { $title }
course-outline = Leçons
course-no-lessons = Ce cours n’a pas encore de leçons.
course-edit = Modifier ce cours
course-preview = Prévisualiser les leçons
course-too-long =
    Utilisez au plus { $max ->
        [one] { $max } caractère
       *[other] { $max } caractères
    }.
course-field-title = Titre
course-field-description = Description
course-field-cover-url = URL de l’image de couverture

my-courses-title = Mes cours
my-courses-empty = Vous n’êtes encore inscrit à aucun cours.
my-courses-browse = Parcourir les cours

## Lessons

lesson-kind-video = Vidéo
lesson-kind-document = Lecture
lesson-kind-quiz = Quiz
lesson-kind-live-session = Session en direct
lesson-kind-webinar = Webinaire
lesson-kind-external-link = Lien externe
lesson-optional = facultatif
lesson-done = faite
lesson-completed = Vous avez terminé cette leçon.
lesson-mark-complete = Marquer comme terminée
lesson-cannot-mark-complete = Cette leçon ne peut pas être marquée comme terminée à la main.
lesson-previous = Précédente
lesson-next = Suivante
lesson-open-video = Regarder la vidéo
lesson-open-link = Ouvrir le lien
lesson-preview-note = Vous prévisualisez cette leçon en tant que formateur ; la progression n’est pas enregistrée.
lesson-starts = Début
lesson-starts-in = Commence dans
lesson-duration =
    { $minutes ->
        [one] { $minutes } minute
       *[other] { $minutes } minutes
    }
lesson-scheduled-in = prévue le { $when }
lesson-live-now = Cette session a lieu en ce moment.
lesson-session-ended = Cette session est terminée.
lesson-live-details-later = Les détails de la session en direct apparaîtront ici quand elle commencera.

lesson-field-title = Titre
lesson-field-video-url = URL de la vidéo
lesson-field-link-url = URL du lien
lesson-field-local-start = Début (date et heure locale)
lesson-field-duration = Durée (minutes)
lesson-field-quiz = Questions
lesson-field-pass-mark = Note de réussite (%)
lesson-field-content = Contenu (Markdown)
lesson-field-agenda = Description et ordre du jour (Markdown)
lesson-field-description = Description (facultative, Markdown)
lesson-field-required = Requise pour terminer le cours
lesson-video-hint = Les liens YouTube et Vimeo sont lus dans la leçon ; les liens vers des fichiers .mp4 ou .webm sont lus dans le navigateur.
lesson-quiz-hint = Commencez chaque question par "?", puis une ligne par réponse : "*" pour la bonne réponse, "-" pour les autres.
lesson-pass-mark-invalid = Saisissez un nombre entier de 0 à 100.

## Quizzes

quiz-submit = Envoyer les réponses
quiz-pass-mark = Note de réussite : { $percent } %
quiz-passed = Réussi avec { $score } % ({ $correct } bonnes réponses sur { $total }).
quiz-failed = Pas encore réussi : { $score } % ({ $correct } bonnes réponses sur { $total }). Réessayez.
quiz-attempts =
    { $count ->
        [one] { $count } tentative
       *[other] { $count } tentatives
    }, meilleur score { $best } %
quiz-error-empty = Ajoutez au moins une question, commençant par "?".
quiz-error-line = La ligne { $line } doit commencer par "?" (une question), "*" (la bonne réponse) ou "-" (une mauvaise réponse), et les réponses doivent suivre une question.
quiz-error-prompt = La question { $n } n’a pas de texte après le "?".
quiz-error-choices = La question { $n } doit avoir au moins deux réponses.
quiz-error-no-correct = Marquez la bonne réponse de la question { $n } avec "*".
quiz-error-several-correct = La question { $n } a plus d’une réponse marquée "*" ; marquez-en exactement une.

## Scheduling

schedule-bad-datetime = Saisissez une date et une heure, par exemple 2026-05-04 18:00.
schedule-bad-duration = Saisissez une durée en minutes, de 1 à { $max }.
schedule-gap = Cette heure n’existe pas dans { $zone } : ce jour-là, les horloges passent de { $from } à { $to }. Choisissez une heure hors de ce saut.
schedule-fold = Cette heure existe deux fois dans { $zone }, car les horloges reculent cette nuit-là. Choisissez celle que vous voulez dire.
schedule-fold-choose = Laquelle voulez-vous dire ?
schedule-fold-first = La première (avant le recul des horloges)
schedule-fold-second = La seconde (après le recul des horloges)

## Teaching

teach-title = Cours que vous enseignez
teach-empty = Vous n’enseignez encore aucun cours.
teach-new-course = Nouveau cours
teach-create-course = Créer le cours
teach-view = Voir
teach-publish = Publier
teach-unpublish = Dépublier
teach-lessons = Leçons
teach-add-lesson = Ajouter une leçon
teach-new-lesson = Nouvelle leçon
teach-edit-lesson = Modifier la leçon
teach-save-lesson = Enregistrer la leçon
teach-move-up = Monter
teach-move-down = Descendre
teach-delete = Supprimer
teach-delete-confirm = Supprimer la leçon "{ $title }" ? Sa progression et les tentatives de quiz seront supprimées avec elle. Cette action est irréversible.
teach-delete-lesson-label = Supprimer la leçon "{ $title }"
teach-details = Détails
teach-instructors = Formateurs
teach-add-instructor = Ajouter un formateur par e-mail
teach-add = Ajouter
teach-instructor-not-found = Aucun formateur ni administrateur de cette école n’a cette adresse e-mail.
teach-markdown-hint = Vous pouvez utiliser Markdown : **gras**, *italique*, [liens](https://example.com), listes et titres.
lesson-host-not-in-zoom = { $email } n’est pas utilisateur du compte Zoom de l’école, Zoom ne peut donc pas créer de réunions pour cette personne. Demandez à un administrateur Zoom d’ajouter cette adresse au compte, ou laissez un formateur qui y figure programmer la session.

files-title = Fichiers
files-delete-confirm = Supprimer ce fichier ? Les étudiants ne le verront plus.
files-upload-video = Téléverser une vidéo (MP4 ou WebM)
files-video-hint = Une vidéo téléversée est lue dans la leçon et enregistre la part regardée par chaque étudiant ; elle remplace le lien vidéo.
files-upload-document = Téléverser le document (PDF, Office, OpenDocument ou texte)
files-attachments = Pièces jointes
files-upload-attachment = Ajouter une pièce jointe (diapositives, fiches…)
files-save-first = Enregistrez d’abord la leçon ; vous pourrez ensuite téléverser ses fichiers ici.
files-download = Télécharger
files-attachments-player = Supports
files-document-frame = Le document
upload-limit = { $limit } au plus
upload-too-large = Ce fichier est trop volumineux : la limite est de { $limit }.
upload-failed = Le téléversement a échoué (la connexion a été interrompue). Rien n’a été enregistré ; réessayez.
upload-cancelled = Téléversement annulé. Rien n’a été enregistré.
upload-done = Téléversé.
upload-cancel = Annuler le téléversement
cover-title = Image de couverture
cover-upload = Téléverser une image de couverture (PNG, JPEG, WebP ou GIF)
cover-uploaded = Une couverture téléversée est affichée ; elle est prioritaire sur l’URL de couverture.
cover-remove = Supprimer la couverture téléversée

teach-delete-course-title = Supprimer ce cours
teach-delete-course-help = Supprime le cours avec toutes ses leçons, inscriptions, progressions et fichiers téléversés. Les réunions Zoom de ses sessions en direct sont aussi supprimées. Cette action est irréversible.
teach-delete-course-confirm = Supprimer « { $title } » avec toutes ses leçons, inscriptions et fichiers ? Cette action est irréversible.
teach-delete-course = Supprimer le cours
upload-processing = Enregistrement…
upload-maybe-stored = Le fichier avait été envoyé quand vous avez annulé : il a peut-être été enregistré. Rechargez la page pour le vérifier.
files-watched = Vous avez regardé { $percent } % de cette vidéo.
my-certificates-link = Mes certificats →
