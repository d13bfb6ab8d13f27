## Navigation
nav-catalogue = Cursos
nav-my-courses = Mis cursos
nav-teach = Enseñar
nav-admin = Administración
nav-sign-in = Iniciar sesión
nav-sign-up = Registrarse
nav-sign-out = Cerrar sesión

## Errors
error-not-found = No hemos encontrado esa página.
error-forbidden = No tienes permiso para hacer eso.
error-sign-in-required = Inicia sesión para continuar.
error-csrf = Este formulario ha caducado. Vuelve atrás, recarga la página e inténtalo de nuevo.
error-bad-request = No hemos entendido esa solicitud.
error-upstream = Zoom no respondió como se esperaba.
error-rate-limited = Demasiados intentos. Espera un momento e inténtalo de nuevo.
error-too-large = Esa solicitud es demasiado grande.
error-unsupported-type = Aquí no se acepta este tipo de archivo.
error-unavailable = Un servicio que necesita esta página no está disponible ahora mismo. Inténtalo de nuevo en un minuto.
error-internal = Algo ha fallado por nuestra parte. Inténtalo de nuevo en un momento.
error-back-home = Volver a la página de inicio

## Forms
form-required = Este campo es obligatorio.
form-email-invalid = Introduce una dirección de correo electrónico válida.
form-email-taken = Ya existe una cuenta con esta dirección de correo electrónico.
form-password-short =
    Usa al menos { $min ->
        [one] { $min } carácter
       *[other] { $min } caracteres
    }.
form-timezone-invalid = Elige una zona horaria de la lista (por ejemplo Europe/Madrid).
form-invalid-choice = Elige una de las opciones ofrecidas.
form-url-invalid = Introduce una dirección web completa que empiece por https://.
form-color-invalid = Usa un color como #3b5bdb.
form-control-char = Contiene un carácter de control (como un byte NUL); elimínalo y vuelve a enviar el formulario.
form-too-long =
    Usa como máximo { $max ->
        [one] { $max } carácter
       *[other] { $max } caracteres
    }.
throttle-wait =
    Demasiados intentos. Inténtalo de nuevo dentro de { $seconds ->
        [one] { $seconds } segundo
       *[other] { $seconds } segundos
    }.
form-save = Guardar
form-remove = Eliminar

## Fields
field-display-name = Nombre
field-email = Correo electrónico
field-password = Contraseña
field-new-password = Nueva contraseña
field-current-password = Contraseña actual
field-timezone = Zona horaria
field-language = Idioma
field-role = Rol
field-school-name = Nombre de la escuela
field-logo-url = URL del logotipo
field-primary-color = Color principal
field-default-timezone = Zona horaria predeterminada
field-signup-open = Cualquiera puede registrarse
field-domain = Dominio propio

## Accounts
signup-title = Crea tu cuenta
signup-submit = Crear cuenta
signup-have-account = ¿Ya tienes una cuenta?
signin-title = Iniciar sesión
signin-submit = Iniciar sesión
signin-failed = El correo electrónico o la contraseña no son correctos.
signin-forgot = ¿Has olvidado tu contraseña?
forgot-title = Restablecer la contraseña
forgot-intro = Introduce tu dirección de correo electrónico y te enviaremos un enlace para elegir una nueva contraseña.
forgot-submit = Enviar enlace
forgot-sent = Si existe una cuenta con esa dirección, te hemos enviado un enlace. Funciona una sola vez, durante una hora.
reset-title = Elige una nueva contraseña
reset-submit = Establecer contraseña
reset-invalid = Este enlace ha caducado o ya se ha utilizado.
reset-request-new = Solicitar un nuevo enlace
reset-email-subject = Restablece tu contraseña de { $school }
reset-email-greeting = Hola, { $name }:
reset-email-body = Alguien ha pedido restablecer la contraseña de tu cuenta de { $school }. Usa el botón de abajo para elegir una nueva.
reset-email-button = Elegir una nueva contraseña
reset-email-footer = El enlace funciona una sola vez y caduca en una hora. Si no lo has pedido tú, ignora este correo.
reset-email-text =
    Hola, { $name }:

    Alguien ha pedido restablecer la contraseña de tu cuenta de { $school }.
    Abre este enlace para elegir una nueva (funciona una sola vez y caduca en una hora):

    { $link }

    Si no lo has pedido tú, ignora este correo.
profile-title = Tu perfil
profile-language-browser = El mismo que mi navegador
profile-saved = Se ha guardado tu perfil.
profile-password-hint = Solo hace falta para cambiar tu dirección de correo electrónico.
profile-password-needed = Introduce tu contraseña actual para cambiar tu dirección de correo electrónico.
profile-password-wrong = Esa no es tu contraseña actual.
role-student = Estudiante
role-instructor = Docente
role-admin = Administrador
role-self-demote = No puedes quitarte tu propio rol de administrador.

## Admin
admin-school = Ajustes de la escuela
admin-users = Usuarios
admin-user-role-label = Rol de { $name }
admin-integrations = Integraciones
admin-outbox = Bandeja de salida
admin-jobs = Tareas en segundo plano
outbox-intro = Correos que Lectern ha enviado o, sin SMTP configurado, ha guardado aquí.
outbox-empty = Todavía no hay correos.
outbox-link-hidden = [enlace oculto: solo su destinatario lo ve aquí]
jobs-failed = Fallidas
jobs-queued = En espera
jobs-none = Ninguna.
jobs-retry = Reintentar
jobs-col-id = Tarea
jobs-col-kind = Tipo
jobs-col-attempts = Intentos
jobs-col-run-at = Se ejecuta
jobs-col-error = Último error
jobs-col-action = Acción
domains-title = Dominios propios
domains-add = Añadir dominio
domain-invalid = Introduce un nombre de host como learn.example.com.
domain-taken = Este dominio ya está en uso.
domain-reserved = Esta dirección pertenece a la propia plataforma (las direcciones IP, localhost y la dirección principal de la plataforma no pueden ser el dominio de una escuela).
domain-active = activo
domain-remove-platform = Esta es la dirección propia de la plataforma; siempre sirve a esta escuela.
domain-remove-last = Este es el único dominio activo de la escuela: si lo eliminas, la escuela quedará inaccesible. Añade primero otro dominio y consigue que lo aprueben.
domain-remove-confirm = ¿Eliminar { $host }? Quienes usen esta dirección ya no llegarán a la escuela a través de ella.
domain-pending = pendiente de aprobación
domains-pending-help = Un dominio nuevo funciona en cuanto el operador de la plataforma ha comprobado que es tuyo y lo ha aprobado. Primero apunta el DNS del dominio a este servidor y luego pide al operador que lo apruebe para esta escuela.

branding-title = Imagen de marca
branding-upload-logo = Sube un logotipo (PNG, JPEG, WebP o GIF; se muestra en la cabecera y en los correos)
branding-upload-favicon = Sube un favicon (el icono de la pestaña del navegador)
branding-remove-logo = Eliminar el logotipo
branding-remove-favicon = Eliminar el favicon
branding-hint = Las imágenes se convierten a PNG y se reducen (los logotipos a 512 píxeles, los favicons a 64); no se acepta SVG.
campaigns-title = Campañas de correo
campaigns-none = Todavía no hay campañas.
campaign-new = Nueva campaña
campaign-edit = Editar campaña
campaign-untitled = (sin asunto)
campaign-subject = Asunto
campaign-body = Mensaje (Markdown)
campaign-body-help = Escribe { "{" }name{ "}" } donde deba ir el nombre del destinatario. Cada correo termina con un enlace para darse de baja.
campaign-audience = Destinatarios
campaign-audience-enrolled = Estudiantes inscritos en el curso
campaign-audience-incomplete = Estudiantes inscritos que no han completado el curso
campaign-audience-missed = Estudiantes inscritos que se perdieron una sesión en directo
campaign-audience-school = Todos los estudiantes de la escuela
campaign-course = Curso
campaign-lesson = Sesión en directo (para «se perdieron una sesión en directo»)
campaign-send-at = Enviar el (en tu zona horaria, { $tz }; vacío: ahora)
campaign-preview = Vista previa
campaign-preview-as = Vista previa tal como la vería { $name }
campaign-send-test = Enviarme una prueba
campaign-send = Enviar
campaign-saved = Borrador guardado.
campaign-test-sent = Se ha enviado una prueba a tu dirección.
campaign-test-prefix = Prueba
campaign-sample-name = Álex Estudiante
campaign-fix-errors = Se ha guardado el borrador; corrige los campos marcados para enviarlo.
campaign-subject-empty = Escribe un asunto.
campaign-body-empty = Escribe un mensaje.
campaign-body-too-long = El mensaje es demasiado largo (como máximo { $max } caracteres).
campaign-course-not-yours = Elige uno de tus cursos.
campaign-course-needed = Elige un curso para estos destinatarios.
campaign-lesson-needed = Elige una sesión en directo del curso.
campaign-school-admins-only = Solo los administradores pueden escribir a todos los estudiantes de la escuela.
campaign-audience-unknown = Elige los destinatarios.
campaign-audience-empty = No hay destinatarios para esta selección.
campaign-send-at-invalid = Introduce una fecha y una hora como 2026-12-24T18:00.
campaign-not-draft = Esta campaña ya se ha enviado.
campaign-state = Estado
campaign-state-draft = Borrador
campaign-state-queued = Programada
campaign-state-sending = Enviándose
campaign-state-done = Enviada
campaign-state-cancelled = Cancelada
campaign-recipients = Destinatarios
campaign-queued = En cola
campaign-sent = Enviados
campaign-failed = Fallidos
campaign-skipped = Dados de baja desde entonces
campaign-cancelled = No enviados (cancelada)
campaign-cancel = Cancelar el resto
campaign-mail-footer = Recibes este correo como estudiante de { $school }.
campaign-mail-unsubscribe = Darse de baja de estos correos
unsubscribe-title = Darse de baja
unsubscribe-confirm = ¿Dejar de recibir los correos de campañas de { $school }?
unsubscribe-button = Darme de baja
unsubscribe-done = Ya no recibirás más correos de campañas de { $school }.
unsubscribe-transactional = Los recibos, los restablecimientos de contraseña y los correos de sesiones en directo que elegiste seguirán llegando.
outbox-bytes = { $n } bytes
error-request-timeout = La petición tardó demasiado en llegar. Inténtalo de nuevo.
