## Courses: catalogue, course page, lesson player, my courses

catalogue-title = Cursos
catalogue-empty = Todavía no se ha publicado ningún curso.
welcome-title = ¡Te damos la bienvenida, { $name }!
welcome-next = Tu cuenta está lista. Elige un curso de abajo y ábrelo para inscribirte; los cursos en los que te inscribas están siempre en
course-status-draft = Borrador
course-status-published = Publicado
course-taught-by = Impartido por
course-enroll = Inscribirse gratis
course-sign-in-to-enroll = Inicia sesión para inscribirte
course-continue = Continuar
course-completed = Has completado este curso.
course-completed-short = completado
course-progress = { $percent } % completado
course-progress-label = Progreso del curso
course-progress-of = Progreso en { $title }
course-outline = Lecciones
course-no-lessons = Este curso todavía no tiene lecciones.
course-edit = Editar este curso
course-preview = Previsualizar las lecciones
course-too-long =
    Usa como máximo { $max ->
        [one] { $max } carácter
       *[other] { $max } caracteres
    }.
course-field-title = Título
course-field-description = Descripción
course-field-cover-url = URL de la imagen de portada

my-courses-title = Mis cursos
my-courses-empty = Todavía no te has inscrito en ningún curso.
my-courses-browse = Ver los cursos

## Lessons

lesson-kind-video = Vídeo
lesson-kind-document = Lectura
lesson-kind-quiz = Cuestionario
lesson-kind-live-session = Sesión en directo
lesson-kind-webinar = Seminario web
lesson-kind-external-link = Enlace externo
lesson-optional = opcional
lesson-done = hecha
lesson-completed = Has completado esta lección.
lesson-mark-complete = Marcar como completada
lesson-cannot-mark-complete = Esta lección no se puede marcar como completada a mano.
lesson-previous = Anterior
lesson-next = Siguiente
lesson-open-video = Ver el vídeo
lesson-open-link = Abrir el enlace
lesson-preview-note = Estás previsualizando esta lección como docente; no se registra el progreso.
lesson-starts = Empieza
lesson-starts-in = Empieza dentro de
lesson-duration =
    { $minutes ->
        [one] { $minutes } minuto
       *[other] { $minutes } minutos
    }
lesson-scheduled-in = programada para el { $when }
lesson-live-now = Esta sesión se está celebrando ahora.
lesson-session-ended = Esta sesión ha terminado.
lesson-live-details-later = Los detalles de la sesión en directo aparecerán aquí cuando empiece.

lesson-field-title = Título
lesson-field-video-url = URL del vídeo
lesson-field-link-url = URL del enlace
lesson-field-local-start = Empieza (fecha y hora local)
lesson-field-duration = Duración (minutos)
lesson-field-quiz = Preguntas
lesson-field-pass-mark = Nota para aprobar (%)
lesson-field-content = Contenido (Markdown)
lesson-field-agenda = Descripción y orden del día (Markdown)
lesson-field-description = Descripción (opcional, Markdown)
lesson-field-required = Necesaria para completar el curso
lesson-video-hint = Los enlaces de YouTube y Vimeo se reproducen dentro de la lección; los enlaces a archivos .mp4 o .webm se reproducen en el navegador.
lesson-quiz-hint = Empieza cada pregunta con "?" y después una línea por respuesta: "*" para la respuesta correcta, "-" para las demás.
lesson-pass-mark-invalid = Introduce un número entero de 0 a 100.

## Quizzes

quiz-submit = Enviar respuestas
quiz-pass-mark = Nota para aprobar: { $percent } %
quiz-passed = Aprobado con un { $score } % ({ $correct } de { $total } correctas).
quiz-failed = Todavía no aprobado: { $score } % ({ $correct } de { $total } correctas). Inténtalo de nuevo.
quiz-attempts =
    { $count ->
        [one] { $count } intento
       *[other] { $count } intentos
    }, mejor puntuación { $best } %
quiz-error-empty = Añade al menos una pregunta que empiece por "?".
quiz-error-line = La línea { $line } debe empezar por "?" (una pregunta), "*" (la respuesta correcta) o "-" (una respuesta incorrecta), y las respuestas deben ir después de una pregunta.
quiz-error-prompt = La pregunta { $n } no tiene texto después del "?".
quiz-error-choices = La pregunta { $n } necesita al menos dos respuestas.
quiz-error-no-correct = Marca con "*" la respuesta correcta de la pregunta { $n }.
quiz-error-several-correct = La pregunta { $n } tiene más de una respuesta marcada con "*"; marca exactamente una.

## Scheduling

schedule-bad-datetime = Introduce una fecha y una hora, por ejemplo 2026-05-04 18:00.
schedule-bad-duration = Introduce una duración en minutos, de 1 a { $max }.
schedule-gap = Esta hora no existe en { $zone }: ese día los relojes saltan de { $from } a { $to }. Elige una hora fuera de ese salto.
schedule-fold = Esta hora ocurre dos veces en { $zone }, porque esa noche se retrasan los relojes. Elige a cuál te refieres.
schedule-fold-choose = ¿A cuál te refieres?
schedule-fold-first = La primera vez (antes de retrasar los relojes)
schedule-fold-second = La segunda vez (después de retrasar los relojes)

## Teaching

teach-title = Cursos que impartes
teach-empty = Todavía no impartes ningún curso.
teach-new-course = Nuevo curso
teach-create-course = Crear curso
teach-view = Ver
teach-publish = Publicar
teach-unpublish = Retirar la publicación
teach-lessons = Lecciones
teach-add-lesson = Añadir una lección
teach-new-lesson = Nueva lección
teach-edit-lesson = Editar lección
teach-save-lesson = Guardar lección
teach-move-up = Subir
teach-move-down = Bajar
teach-delete = Eliminar
teach-delete-confirm = ¿Eliminar la lección "{ $title }"? Se eliminarán con ella su progreso y los intentos de cuestionario. No se puede deshacer.
teach-delete-lesson-label = Eliminar la lección "{ $title }"
teach-details = Detalles
teach-instructors = Docentes
teach-add-instructor = Añadir un docente por correo electrónico
teach-add = Añadir
teach-instructor-not-found = Ningún docente ni administrador de esta escuela tiene esa dirección de correo electrónico.
teach-markdown-hint = Puedes usar Markdown: **negrita**, *cursiva*, [enlaces](https://example.com), listas y títulos.
lesson-host-not-in-zoom = { $email } no es usuario de la cuenta de Zoom de la escuela, así que Zoom no puede crear reuniones para esa persona. Pide a un administrador de Zoom que añada esta dirección a la cuenta, o deja que programe la sesión un docente que esté en ella.

files-title = Archivos
files-delete-confirm = ¿Eliminar este archivo? Los estudiantes dejarán de verlo.
files-upload-video = Sube un vídeo (MP4 o WebM)
files-video-hint = Un vídeo subido se reproduce en la lección y registra cuánto ha visto cada estudiante; sustituye al enlace del vídeo.
files-upload-document = Sube el documento (PDF, Office, OpenDocument o texto)
files-attachments = Adjuntos
files-upload-attachment = Añade un adjunto (diapositivas, fichas…)
files-save-first = Guarda primero la lección; después podrás subir aquí sus archivos.
files-download = Descargar
files-attachments-player = Materiales
files-document-frame = El documento
upload-limit = como máximo { $limit }
upload-too-large = Este archivo es demasiado grande: el límite es { $limit }.
upload-failed = La subida ha fallado (se cortó la conexión). No se ha guardado nada; inténtalo de nuevo.
upload-cancelled = Subida cancelada. No se ha guardado nada.
upload-done = Subido.
upload-cancel = Cancelar la subida
cover-title = Imagen de portada
cover-upload = Sube una imagen de portada (PNG, JPEG, WebP o GIF)
cover-uploaded = Se muestra una portada subida; tiene prioridad sobre la URL de portada.
cover-remove = Eliminar la portada subida

teach-delete-course-title = Eliminar este curso
teach-delete-course-help = Elimina el curso con todas sus lecciones, inscripciones, progreso y archivos subidos. También se eliminan las reuniones de Zoom de sus sesiones en directo. No se puede deshacer.
teach-delete-course-confirm = ¿Eliminar «{ $title }» con todas sus lecciones, inscripciones y archivos? No se puede deshacer.
teach-delete-course = Eliminar curso
upload-processing = Guardando…
upload-maybe-stored = El archivo ya se había enviado cuando cancelaste: puede que se haya guardado. Recarga la página para comprobarlo.
files-watched = Has visto el { $percent } % de este vídeo.
my-certificates-link = Mis certificados →
