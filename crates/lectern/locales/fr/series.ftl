series-add-live = Série de sessions en direct
series-add-webinar = Série de webinaires
series-new-title = Nouvelle série
series-dst-rule = Chaque session commence à la même heure locale dans le fuseau horaire de la série, y compris après un changement d’heure. Le jour du changement, si cette heure n’existe pas, la session commence plus tard de la durée du saut (02:30 devient 03:30) ; si elle existe deux fois, la session prend la première des deux.
series-field-first-date = Premier jour
series-field-time = Heure locale de début
series-field-time-in = Heure locale de début ({ $zone })
series-field-date = Jour
series-field-repeat = Répéter
series-freq-weekly = Chaque semaine
series-freq-daily = Chaque jour
series-field-interval = Toutes les … semaines ou jours
series-field-weekdays = Le
series-weekday-1 = lundi
series-weekday-2 = mardi
series-weekday-3 = mercredi
series-weekday-4 = jeudi
series-weekday-5 = vendredi
series-weekday-6 = samedi
series-weekday-7 = dimanche
series-field-end = Se termine
series-end-count = Après un nombre de sessions
series-field-count = Nombre de sessions
series-end-until = Un jour donné
series-field-until = Dernier jour
series-preview = Afficher les dates
series-preview-again = Afficher à nouveau les dates
series-preview-title =
    { $count ->
        [one] { $count } session
       *[other] { $count } sessions
    }
series-create =
    { $count ->
        [one] Créer { $count } session
       *[other] Créer { $count } sessions
    }
series-note-gap = { $wanted } n’existe pas ce jour-là : commence à { $time }
series-note-fold = { $time } existe deux fois ce jour-là : la première
series-n-of-total = { $n } sur { $total }
series-zone = Heures en { $zone }
series-minutes = { $minutes } min
series-closed = commencée, terminée ou annulée : non modifiée par les changements
series-field-host = Hôte
series-host-keep = Garder l’hôte
series-field-scope = Appliquer à
series-scope-this = Cette session
series-scope-following = Cette session et toutes les suivantes (chaque session garde son jour)
series-cancel-title = Annuler
series-cancel-this = Annuler cette session
series-cancel-this-confirm = Annuler cette session ? Les étudiants inscrits sont prévenus.
series-cancel-following = Annuler cette session et toutes les suivantes
series-cancel-following-confirm = Annuler cette session et toutes les suivantes ? Les étudiants inscrits sont prévenus.
series-error-date = Saisissez une date, par exemple 2026-05-04.
series-error-time = Saisissez une heure, par exemple 18:00.
series-error-interval = Saisissez un nombre de 1 à { $max }.
series-error-weekday = Choisissez au moins un jour de la semaine.
series-error-count = Saisissez un nombre de sessions de 1 à { $max }.
series-error-until-past = Le dernier jour est passé.
series-error-end-before-start = Le dernier jour est avant le premier.
series-error-too-many = Une série compte au plus { $max } sessions ; choisissez un dernier jour plus tôt ou moins de jours de la semaine.
series-error-empty = Aucune session ne tombe entre le premier et le dernier jour aux jours de la semaine choisis.
series-error-first-past = Cette session commencerait dans le passé.
series-error-not-open = Cette session a commencé, est terminée ou a été annulée : elle ne peut plus être modifiée.
series-copy-options = Avec « cette session et toutes les suivantes » : donner aux sessions suivantes les options Zoom de celle-ci
series-required-hint = Laissez décoché pour des sessions comme les permanences hebdomadaires, qui ne doivent pas bloquer la validation du cours.
series-cancelled = Annulée
series-edit-lesson = Modifier
series-part-of = Fait partie de la série « { $title } » ({ $place }) —
series-edit-series = modifier la série
