## Por qué se rechazó una subida (files/upload.rs, sniff.rs, images.rs).

upload-error-too-large = Este archivo ocupa { $size }; { $purpose ->
        [video] los vídeos pueden ocupar
        [cover] las imágenes de portada pueden ocupar
        [logo] los logotipos pueden ocupar
        [favicon] los favicons pueden ocupar
       *[file] los archivos pueden ocupar
    } como máximo { $limit }.
upload-error-size-over = más de { $limit }
upload-error-quota = No queda espacio suficiente para este archivo: la escuela usa { $used } de sus { $quota } y este archivo necesita { $need }. Elimina los archivos que ya no se necesiten o pide más espacio al operador de la plataforma.
upload-error-empty = El archivo está vacío.
upload-error-interrupted = La subida se interrumpió antes de que llegara el archivo completo; no se ha guardado nada. Inténtalo de nuevo.
upload-error-storage = El almacenamiento de archivos no está disponible ahora mismo; no se ha cambiado nada. Inténtalo de nuevo dentro de un minuto.
upload-error-image = No se ha podido leer esta imagen (puede estar dañada o medir más de { $max } píxeles de lado); sube una imagen PNG, JPEG, WebP o GIF.
upload-refused-markup = Aquí no se aceptan archivos SVG ni HTML (pueden contener scripts); { $take }
upload-refused-executable = { $expected ->
        [video] Este archivo es un programa, no un vídeo;
        [document] Este archivo es un programa, no un documento;
        [image] Este archivo es un programa, no una imagen;
       *[file] Este archivo es un programa, y aquí no se aceptan programas;
    } { $take }
upload-refused-other = Aquí no se acepta este tipo de archivo; { $take }
upload-accepts-video = sube un vídeo MP4 o WebM.
upload-accepts-document = sube un PDF, un archivo de Word, Excel o PowerPoint, un archivo OpenDocument o texto plano.
upload-accepts-any = sube un documento, una imagen, un vídeo, audio, un archivo ZIP o texto plano.
upload-accepts-image = sube una imagen PNG, JPEG, WebP o GIF.
download-error-storage = El almacenamiento de archivos no está disponible ahora mismo. Inténtalo de nuevo dentro de un minuto.
