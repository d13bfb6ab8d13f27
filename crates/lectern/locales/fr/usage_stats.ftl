# Anonymous usage statistics (ops/usage.rs), for the instance's operator.
admin-usage = Statistiques d’utilisation
usage-title = Statistiques d’utilisation anonymes
usage-intro = Si vous l’acceptez, cette instance envoie une fois par jour les chiffres ci-dessous : combien d’écoles, de cours et de sessions en direct elle compte, et sa version. Ni noms, ni adresses e-mail, ni hôtes, ni identifiants — exactement le texte affiché ici, rien de plus.
usage-json = Ce qui serait envoyé
usage-sending = Envoi
usage-destination = Envoyé à :
usage-no-url = Aucune destination n’est configurée (LECTERN_USAGE_STATS_URL), donc rien n’est envoyé, même avec accord.
usage-last-sent = Dernier envoi pour { $period }.
usage-opt-in = Envoyer ces chiffres anonymes une fois par jour
usage-opt-in-hint = Désactivé par défaut. Vous pouvez le désactiver à tout moment.
usage-save = Enregistrer
