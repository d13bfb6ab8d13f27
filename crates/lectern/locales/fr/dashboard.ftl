## The room dashboard of a live session and its report (live/dashboard.rs)
dash-title = Tableau de bord de la salle
dash-report-title = Rapport de session
dash-link = Tableau de bord de la salle
dash-report-link = Rapport de session
dash-now = maintenant
dash-state-live = En direct : cette page se met à jour d’elle-même à mesure que les étudiants entrent et sortent.
dash-state-ended = La session est terminée. Voici son rapport.
dash-state-waiting = La session n’a pas encore commencé. Chacun est compté comme absent jusqu’à ce qu’il rejoigne.
dash-summary = { $attended } étudiants inscrits sur { $enrolled } sont venus ({ $percent } %)
dash-count-in-room = dans la salle maintenant
dash-count-late = arrivés en retard (plus de { $grace } min après le début)
dash-count-left-early = partis plus tôt
dash-count-never-came = jamais venus
dash-others = { $count ->
    [one] et { $count } autre participant (un invité ou une personne non associée à un étudiant)
   *[other] et { $count } autres participants (invités ou personnes non associées à un étudiant)
}
dash-status-in-room = Dans la salle
dash-status-left = Parti
dash-status-came = Venu
dash-status-never-came = Jamais venu
dash-count-not-yet = pas encore là
dash-status-not-yet = Pas encore là
dash-mark-late = en retard
dash-mark-left-early = parti plus tôt
dash-col-status = Statut
dash-col-segments = Temps dans la salle
dash-col-time = Heure
dash-col-size = Personnes dans la salle
dash-chart-title = Participants dans la salle au fil du temps (l’hôte n’est pas compté)
dash-chart-peak = pic { $count }
dash-chart-desc = Graphique en escalier du nombre de personnes dans la salle de { $from } à { $to } ; au plus { $peak } personnes en même temps.
dash-chart-numbers = Afficher les chiffres
dash-grace-label = En retard après (minutes après le début)
dash-grace-save = Enregistrer
dash-grace-invalid = Saisissez un nombre entier de minutes de 0 à { $max }.
dash-absentees-button = { $count ->
    [one] Écrire à { $count } étudiant absent : « nous avons commencé — rejoignez-nous ici »
   *[other] Écrire aux { $count } étudiants absents : « nous avons commencé — rejoignez-nous ici »
}
dash-absentees-messaged = { $count ->
    [one] { $count } étudiant a déjà reçu l’e-mail ; personne ne le reçoit deux fois.
   *[other] { $count } étudiants ont déjà reçu l’e-mail ; personne ne le reçoit deux fois.
}
dash-absentees-sent = { $count ->
    [0] Personne de nouveau à qui écrire : tous les étudiants absents ont déjà reçu le message.
    [one] E-mail envoyé à un étudiant.
   *[other] E-mail envoyé à { $count } étudiants.
}
dash-absentees-not-live = On ne peut écrire aux étudiants absents que pendant la session en direct.
dash-absentee-subject = { $title } a commencé — rejoignez-la maintenant
dash-absentee-body = La session en direct "{ $title }" de { $course } a commencé. Rejoignez-la ici :
dash-absentee-button = Rejoindre la session
dash-absentee-footer = Vous recevez ceci parce que vous êtes inscrit à { $course } et n’étiez pas encore dans la session.
