## Discussions: course boards, threads, moderation, reports and their e-mail.

discussions = Debates
discussion-board-follow = Seguir el foro
discussion-board-unfollow = Dejar de seguir el foro
discussion-thread-follow = Seguir este hilo
discussion-thread-unfollow = Dejar de seguir este hilo
discussion-reports-open = { $count ->
    [one] 1 denuncia abierta
   *[other] { $count } denuncias abiertas
}
discussion-search = Buscar en los debates
discussion-search-button = Buscar
discussion-search-results = Resultados de la búsqueda
discussion-search-none = Ninguna publicación coincide.
discussion-no-threads = Todavía no hay hilos: abre el primero abajo.
discussion-unread = Nuevo
discussion-pinned = Fijado
discussion-locked-badge = Cerrado
discussion-answered = Respondido
discussion-posts = { $count ->
    [one] 1 publicación
   *[other] { $count } publicaciones
}
discussion-new-thread = Abrir un hilo
discussion-title = Título
discussion-body = Mensaje
discussion-markdown-hint = Puedes usar Markdown: **negrita**, *cursiva*, [enlaces](https://example.com), listas, `código`. Menciona a un miembro como @NombreApellido.
discussion-post-thread = Publicar el hilo
discussion-delivery = Avisarme por correo de nuevas publicaciones en lo que sigo
discussion-delivery-post = Por cada publicación
discussion-delivery-digest = Una vez al día, como resumen
discussion-save = Guardar
discussion-pin = Fijar
discussion-unpin = Desfijar
discussion-lock = Cerrar
discussion-unlock = Reabrir
discussion-answer = Respuesta
discussion-answer-in-thread = Verla en el hilo
discussion-no-posts = Todavía no hay publicaciones: haz la primera pregunta abajo.
discussion-edited = editado
discussion-removed-moderator = Un moderador ha retirado esta publicación.
discussion-removed-original = Lo que decía (solo moderadores)
discussion-removed-author = Su autor ha eliminado esta publicación.
discussion-quote = Citar
discussion-edit = Editar
discussion-delete = Eliminar
discussion-report = Denunciar
discussion-mark-answer = Marcar como respuesta
discussion-unmark-answer = No es la respuesta
discussion-hide = Ocultar
discussion-show = Volver a mostrar
discussion-reply = Responder
discussion-send-reply = Enviar la respuesta
discussion-locked = Este hilo está cerrado: no admite nuevas respuestas.
discussion-locked-manager = Este hilo está cerrado: solo los moderadores pueden responder.
discussion-back-to-thread = Volver al hilo
discussion-report-reason = Motivo
discussion-report-send = Enviar la denuncia
discussion-report-sent = Gracias: los moderadores del curso lo revisarán.
discussion-reports = Publicaciones denunciadas
discussion-reports-none = No hay denuncias abiertas.
discussion-report-resolve = Resolver y mantener la publicación
discussion-report-hide = Resolver y ocultar la publicación
discussion-field-required = No puede estar vacío.
discussion-rate-limited = Estás publicando más deprisa de lo que permite el foro. Espera { $seconds } segundos y vuelve a enviarlo: tu texto se conserva abajo.
discussion-qa-open = Preguntas y respuestas de esta sesión
discussion-mail-subject = Nueva publicación en «{ $thread }» ({ $course })
discussion-mail-mention-subject = { $author } te ha mencionado en «{ $thread }» ({ $course })
discussion-mail-text = { $author } escribió en «{ $thread }» ({ $course }):

    { $body }

    Abrir el hilo: { $url }
    Recibes este correo porque sigues este hilo o este foro, o porque te han mencionado. Deja de seguirlo en la página del hilo.
discussion-digest-subject = { $count ->
    [one] 1 publicación nueva en tus debates
   *[other] { $count } publicaciones nuevas en tus debates
}
discussion-digest-intro = { $count ->
    [one] Una publicación nueva en los debates que sigues desde tu último resumen:
   *[other] { $count } publicaciones nuevas en los debates que sigues desde tu último resumen:
}
discussion-digest-footer = Recibes este resumen una vez al día porque lo elegiste en un foro de debate; elige allí «Por cada publicación» para cambiarlo.
discussion-attach = Adjunta una imagen o un archivo (como máximo { $limit }):
discussion-attach-needs-script = Para adjuntar un archivo hace falta JavaScript; puedes publicar tu mensaje sin él.
discussion-attachment-uploading = Subiendo…
discussion-attachment-kept = Hay un archivo adjunto; se publica con tu mensaje.
discussion-attachment-failed = No se ha podido subir el archivo; tu mensaje se conserva. Inténtalo de nuevo.
discussion-attachment-too-large = Este archivo ocupa más de { $limit }; adjunta uno más pequeño. Tu mensaje se conserva.
discussion-attachment-gone = El archivo adjunto ya no está disponible; vuelve a adjuntarlo o publica sin él. Tu mensaje se conserva.
