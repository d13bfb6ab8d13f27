## Completion rules, manual completion and the audit trail.

completion-rule-opened = Terminée dès que la leçon est ouverte.
completion-rule-marked = Terminée dès qu’elle est marquée comme faite.
completion-rule-watched = Terminée dès que { $percent } % de la vidéo a été regardée.
completion-rule-passed = Terminée dès que le quiz est réussi.
completion-rule-attended-minutes = Terminée après au moins { $minutes } minutes dans la session en direct.
completion-rule-attended-percent = Terminée après une présence d’au moins { $percent } % de la durée prévue.
completion-rule-or-recording = Regarder l’enregistrement ici compte aussi.

completion-option-watched = A regardé au moins une part de la vidéo
completion-option-opened = L’a ouverte
completion-option-marked = Marquée comme faite par l’étudiant
completion-option-passed = Quiz réussi
completion-option-attended_percent = A assisté à au moins une part de la durée prévue
completion-option-attended_minutes = A assisté au moins un certain nombre de minutes

completion-title = Validation
completion-legend = Cette leçon est terminée pour un étudiant quand :
completion-field-percent = Part (pourcentage, 1–100)
completion-field-minutes = Minutes de présence (1–1440)
completion-field-recording = Regarder l’enregistrement dans Lectern la valide aussi
completion-field-attempts = Tentatives autorisées (vide = illimitées)
completion-optional-hint = Le fait que le cours exige ou non cette leçon dépend du réglage « Obligatoire » de la leçon, plus haut.
completion-save = Enregistrer la règle de validation
completion-apply = Appliquer la nouvelle règle
completion-keep = Garder la règle actuelle
completion-saved = Règle de validation enregistrée. La progression des étudiants est en cours de mise à jour.
completion-preview-complete = { $complete ->
    [0] Aucun étudiant ne terminerait cette leçon en plus.
    [one] Cela ferait terminer la leçon à 1 étudiant.
   *[other] Cela ferait terminer la leçon à { $complete } étudiants.
}
completion-preview-uncomplete = { $uncomplete ->
    [0] Personne ne la perdrait.
    [one] 1 étudiant ne l’aurait plus terminée. Les certificats déjà délivrés restent valables.
   *[other] { $uncomplete } étudiants ne l’auraient plus terminée. Les certificats déjà délivrés restent valables.
}
completion-percent-invalid = Saisissez un pourcentage entier de 1 à 100.
completion-minutes-invalid = Saisissez un nombre entier de minutes de 1 à { $max }.
completion-rule-invalid = Choisissez l’une des règles proposées.
completion-attempts-invalid = Saisissez un nombre de tentatives de 1 à 100, ou laissez vide pour un nombre illimité.

completion-detail-reason = motif : { $reason }
completion-detail-attended = présent { $minutes } min ({ $percent } % de la durée prévue)
completion-detail-recording = a regardé l’enregistrement
completion-detail-watched = a regardé { $percent } %
completion-detail-score = meilleur score { $score } %

quiz-no-attempts-left = Vous avez utilisé les { $count } tentatives de ce quiz.
quiz-attempts-used = Vous avez utilisé toutes les tentatives de ce quiz. Demandez-en une autre à votre formateur si nécessaire.
quiz-attempts-allowed = { $count ->
    [one] Vous avez { $count } tentative.
   *[other] Vous avez { $count } tentatives.
}
audit-back-to-rule = Revenir à la règle de validation

students-title = Étudiants
students-empty = Personne n’est encore inscrit.
students-name = Étudiant
students-progress = Progression
students-enrolled = Inscrit le
students-completed = Terminé
students-lessons = Leçons

completion-manual-complete = marquée terminée à la main
completion-manual-incomplete = marquée non terminée à la main
completion-set = Définir la validation
completion-set-complete = Terminée
completion-set-incomplete = Non terminée
completion-set-rule = Selon la règle
completion-reason = Motif (conservé dans le journal d’audit)
completion-set-save = Enregistrer
completion-reason-required = Indiquez un motif ; il est conservé dans le journal d’audit.

audit-title = Journal d’audit
audit-empty = Aucune modification pour l’instant.
audit-course-completed = Cours terminé
audit-completed = Terminée
audit-uncompleted = N’est plus terminée
audit-by = par { $name }
audit-by-instructor = par un formateur
audit-by-rule = par la règle de validation
completion-external-note = Cette session se tient sur un lien externe : Lectern n’y voit pas la présence, l’étudiant la marque donc comme faite (ou l’ouvrir suffit). Revenir à Zoom rétablit une règle de présence.
completion-rule-external-attendance = Une session tenue sur un lien externe n’a pas de présence Zoom : choisissez « Marquée comme faite par l’étudiant » ou « L’a ouverte ».
