## Discussions: course boards, threads, moderation, reports and their e-mail.

discussions = Discussions
discussion-board-follow = Suivre le forum
discussion-board-unfollow = Ne plus suivre le forum
discussion-thread-follow = Suivre ce fil
discussion-thread-unfollow = Ne plus suivre ce fil
discussion-reports-open = { $count ->
    [one] { $count } signalement ouvert
   *[other] { $count } signalements ouverts
}
discussion-search = Rechercher dans les discussions
discussion-search-button = Rechercher
discussion-search-results = Résultats de la recherche
discussion-search-none = Aucun message ne correspond.
discussion-no-threads = Aucun fil pour l’instant : lancez le premier ci-dessous.
discussion-unread = Nouveau
discussion-pinned = Épinglé
discussion-locked-badge = Verrouillé
discussion-answered = Résolu
discussion-posts = { $count ->
    [one] { $count } message
   *[other] { $count } messages
}
discussion-new-thread = Lancer un fil
discussion-title = Titre
discussion-body = Message
discussion-markdown-hint = Markdown fonctionne : **gras**, *italique*, [liens](https://example.com), listes, `code`. Mentionnez un membre avec @PrénomNom.
discussion-post-thread = Publier le fil
discussion-delivery = M’avertir par e-mail des nouveaux messages dans ce que je suis
discussion-delivery-post = Pour chaque message
discussion-delivery-digest = Une fois par jour, en résumé
discussion-save = Enregistrer
discussion-pin = Épingler
discussion-unpin = Désépingler
discussion-lock = Verrouiller
discussion-unlock = Déverrouiller
discussion-answer = Réponse
discussion-answer-in-thread = La voir dans le fil
discussion-no-posts = Aucun message pour l’instant : posez la première question ci-dessous.
discussion-edited = modifié
discussion-removed-moderator = Ce message a été retiré par un modérateur.
discussion-removed-original = Ce qu’il disait (modérateurs uniquement)
discussion-removed-author = Ce message a été supprimé par son auteur.
discussion-quote = Citer
discussion-edit = Modifier
discussion-delete = Supprimer
discussion-report = Signaler
discussion-mark-answer = Marquer comme réponse
discussion-unmark-answer = Pas la réponse
discussion-hide = Masquer
discussion-show = Afficher à nouveau
discussion-reply = Répondre
discussion-send-reply = Envoyer la réponse
discussion-locked = Ce fil est verrouillé : plus de nouvelles réponses.
discussion-locked-manager = Ce fil est verrouillé : seuls les modérateurs peuvent répondre.
discussion-back-to-thread = Retour au fil
discussion-report-reason = Motif
discussion-report-send = Envoyer le signalement
discussion-report-sent = Merci : les modérateurs du cours vont l’examiner.
discussion-reports = Messages signalés
discussion-reports-none = Aucun signalement ouvert.
discussion-report-resolve = Clore et garder le message
discussion-report-hide = Clore et masquer le message
discussion-field-required = Ce champ ne peut pas être vide.
discussion-rate-limited = Vous publiez plus vite que le forum ne le permet. Attendez { $seconds } secondes et renvoyez : votre texte est conservé ci-dessous.
discussion-qa-open = Questions et réponses de cette session
discussion-mail-subject = Nouveau message dans « { $thread } » ({ $course })
discussion-mail-mention-subject = { $author } vous a mentionné dans « { $thread } » ({ $course })
discussion-mail-text = { $author } a écrit dans « { $thread } » ({ $course }) :

    { $body }

    Ouvrir le fil : { $url }
    Vous recevez cet e-mail parce que vous suivez ce fil ou ce forum, ou parce que vous avez été mentionné. Arrêtez de le suivre depuis la page du fil.
discussion-digest-subject = { $count ->
    [one] { $count } nouveau message dans vos discussions
   *[other] { $count } nouveaux messages dans vos discussions
}
discussion-digest-intro = { $count ->
    [one] { $count } nouveau message dans les discussions que vous suivez, depuis votre dernier résumé :
   *[other] { $count } nouveaux messages dans les discussions que vous suivez, depuis votre dernier résumé :
}
discussion-digest-footer = Vous recevez ce résumé une fois par jour parce que vous l’avez choisi sur un forum de discussion ; choisissez-y « Pour chaque message » pour le changer.
discussion-attach = Joindre une image ou un fichier ({ $limit } au plus) :
discussion-attach-needs-script = Joindre un fichier nécessite JavaScript ; votre message peut être publié sans.
discussion-attachment-uploading = Téléversement…
discussion-attachment-kept = Un fichier est joint ; il sera publié avec votre message.
discussion-attachment-failed = Le fichier n’a pas pu être téléversé ; votre message est conservé. Réessayez.
discussion-attachment-too-large = Ce fichier dépasse { $limit } ; joignez-en un plus petit. Votre message est conservé.
discussion-attachment-gone = Le fichier joint n’est plus disponible ; joignez-le à nouveau ou publiez sans. Votre message est conservé.
