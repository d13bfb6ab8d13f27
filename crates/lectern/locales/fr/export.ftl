# Settings → Export (export/routes.rs, templates/admin/export.html)

export-title = Exporter
export-intro = Téléchargez tout le contenu de votre école en une seule archive : utilisateurs, cours et leçons, inscriptions, progression, achèvements, réponses aux quiz, discussions, certificats, commandes et fichiers déposés. Un opérateur la restaure sur n’importe quelle instance de Lectern avec « lectern import ».
export-left-out = Les secrets restent en dehors : après une restauration, reconnectez Zoom et les prestataires de paiement, et les utilisateurs créent de nouveaux jetons d’API et liens de calendrier. Les archives sont conservées 7 jours.
export-passwords = L’archive contient les empreintes des mots de passe de vos utilisateurs, afin qu’ils se connectent avec leurs propres mots de passe après une restauration. Conservez-la avec autant de soin que les mots de passe eux-mêmes : chiffrée, partagée avec personne, supprimée une fois utilisée.
export-start = Lancer l’export
export-archives = Archives
export-started = Lancé
export-state = État
export-size = Taille
export-until = Disponible jusqu’au
export-download = Télécharger
export-state-queued = En attente
export-state-running = En cours d’écriture…
export-state-done = Prête
export-state-failed = Échec
export-refresh = Actualiser pour voir où elle en est
