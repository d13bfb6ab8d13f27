## Pourquoi un téléversement a été refusé (files/upload.rs, sniff.rs, images.rs).

upload-error-too-large = Ce fichier fait { $size } ; { $purpose ->
        [video] les vidéos peuvent faire
        [cover] les images de couverture peuvent faire
        [logo] les logos peuvent faire
        [favicon] les favicons peuvent faire
       *[file] les fichiers peuvent faire
    } au plus { $limit }.
upload-error-size-over = plus de { $limit }
upload-error-quota = Il ne reste pas assez d’espace de stockage pour ce fichier : l’école utilise { $used } sur ses { $quota }, et ce fichier a besoin de { $need }. Supprimez les fichiers qui ne servent plus, ou demandez plus d’espace à l’opérateur de la plateforme.
upload-error-empty = Le fichier est vide.
upload-error-interrupted = Le téléversement a été interrompu avant que le fichier entier n’arrive ; rien n’a été enregistré. Réessayez.
upload-error-storage = Le stockage des fichiers n’est pas disponible pour le moment ; rien n’a été modifié. Réessayez dans une minute.
upload-error-image = Cette image n’a pas pu être lue (elle est peut-être endommagée, ou fait plus de { $max } pixels de côté) ; téléversez une image PNG, JPEG, WebP ou GIF.
upload-refused-markup = Les fichiers SVG et HTML ne sont pas acceptés ici (ils peuvent contenir des scripts) ; { $take }
upload-refused-executable = { $expected ->
        [video] Ce fichier est un programme, pas une vidéo ;
        [document] Ce fichier est un programme, pas un document ;
        [image] Ce fichier est un programme, pas une image ;
       *[file] Ce fichier est un programme, et les programmes ne sont pas acceptés ici ;
    } { $take }
upload-refused-other = Ce type de fichier n’est pas accepté ici ; { $take }
upload-accepts-video = téléversez une vidéo MP4 ou WebM.
upload-accepts-document = téléversez un PDF, un fichier Word, Excel ou PowerPoint, un fichier OpenDocument ou du texte brut.
upload-accepts-any = téléversez un document, une image, une vidéo, un fichier audio, une archive ZIP ou du texte brut.
upload-accepts-image = téléversez une image PNG, JPEG, WebP ou GIF.
download-error-storage = Le stockage des fichiers n’est pas disponible pour le moment. Réessayez dans une minute.
