## Live sessions and webinars (lesson player, Start, join, attendance)
live-start = Iniciar reunión
live-rejoin-host = Abrir la reunión como anfitrión
live-start-available-from = «Iniciar reunión» estará disponible dentro de
live-state-live = Esta sesión está en directo.
live-join = Unirse a la reunión
live-open-in-app = Abrir en la aplicación de Zoom
live-waiting-for-instructor = Esperando a que el docente inicie la sesión…
live-starts-in = Empieza dentro de
# Los días de una cuenta atrás: "9 d 16:08:35"
countdown-days = { $days } d
live-ended = Esta sesión ha terminado.
live-cancelled = Esta sesión se ha cancelado.
live-join-failed = No se ha podido abrir la reunión aquí. Usa «Abrir en la aplicación de Zoom».
live-unavailable = Las sesiones en directo no están disponibles en este momento.
live-unavailable-instructor = Zoom no está conectado, así que esta sesión no puede empezar. Vuelve a conectar Zoom en Ajustes → Integraciones, o cambia esta lección a un enlace externo.
live-reconnect-link = Volver a conectar Zoom
live-switch-external = Editar la lección (cambiar a un enlace externo)
live-deleted-in-zoom = La reunión se eliminó en Zoom. «Iniciar reunión» crea una nueva.
live-recordings = Grabación
live-recording-download = Descargar
live-recording-download-failed = La grabación no se puede descargar en este momento: { $reason }
live-recording-download-later = Inténtalo de nuevo más tarde; si sigue fallando, avisa a tu docente.
live-recording-file = Grabación ({ $kind })
live-my-attendance =
    Asististe durante { $minutes ->
        [one] { $minutes } minuto
       *[other] { $minutes } minutos
    } ({ $from } – { $to }).
live-my-attendance-none = No asististe a esta sesión.
live-attendance-link = Asistencia
live-attendance-title = Asistencia
live-attendance-summary = { $attended } asistieron, { $absent } no vinieron.
live-attendance-csv = Exportar como CSV
live-col-name = Nombre
live-col-email = Correo electrónico
live-col-from = Entró
live-col-to = Salió
live-col-minutes = Minutos
live-never-came = No vino
live-unmatched-title = Participantes sin asociar
live-unmatched-help = Estas personas se unieron fuera del reproductor del curso y no se han podido asociar por correo electrónico. Asígnalas a un estudiante.
live-assign = Asignar
live-assign-label = Estudiante al que asignar a { $name }
live-assign-invalid = Elige un estudiante inscrito en este curso.

## Start errors (Zoom's answers, with the way out)
live-error-not-configured = La integración con Zoom no está configurada en este servidor.
live-error-not-connected = Zoom no está conectado. Vuelve a conectar la integración con Zoom en Ajustes → Integraciones.
live-error-missing-scopes = Vuelve a conectar la integración con Zoom con los permisos adecuados. Zoom no concedió: { $scopes }.
live-error-webinar-plan = Falta el plan de seminarios web: cambia a un plan de Zoom con licencias de seminario web (Pro o superior con el complemento Webinar) para el anfitrión, o convierte esta lección en una sesión en directo.
live-error-not-enabled = No está habilitado para tu cuenta: activa esta función (organizar/programar reuniones) para el anfitrión en los ajustes de tu cuenta de Zoom e inténtalo de nuevo.
live-error-no-permission = Zoom lo ha rechazado: el anfitrión no tiene permiso para esto. Comprueba el rol y el plan del anfitrión en Zoom.
live-error-daily-limit = Este anfitrión ha alcanzado el límite diario de Zoom para crear reuniones. Se restablece el { $when }; no se hará ningún intento antes.
live-error-try-again = Zoom no respondió a tiempo. No se ha creado nada; inténtalo de nuevo.
live-error-zoom-server = Zoom tuvo un problema por su parte (HTTP { $status }). Inténtalo de nuevo dentro de unos minutos.
live-error-unreachable = Lectern no ha podido conectar con Zoom. Inténtalo de nuevo dentro de unos minutos.
live-error-busy = Zoom está recibiendo demasiadas solicitudes en este momento. Inténtalo de nuevo en un momento.
live-error-heading-meeting = No se ha podido crear la reunión de Zoom
live-error-heading-webinar = No se ha podido crear el seminario web de Zoom
live-error-with-heading = { $heading }: { $message }
live-error-host-not-in-account = { $email } no es usuario de la cuenta de Zoom de la escuela, así que no se puede crear la reunión para esa persona.
live-error-meeting-deleted = La reunión se eliminó en Zoom. «Iniciar reunión» crea una nueva.
live-error-interrupted = El inicio de la reunión se interrumpió y no se ha encontrado ninguna reunión en Zoom. Pulsa de nuevo «Iniciar reunión».
live-error-refused = Zoom se negó a crear la reunión: { $reason }
live-error-not-now = Esta sesión no se puede iniciar ahora (todavía no está dentro del margen de inicio, o ya ha terminado).

## The player's live panel: one state, one message (live/display.rs)
live-panel-heading = Sesión en directo
live-join-appears = «Unirse a la reunión» aparecerá aquí en cuanto el docente inicie la sesión.
live-msg-opening-soon = La sesión empieza el { $when }. El docente ya puede abrirla; «Unirse a la reunión» aparecerá aquí por sí solo.
live-msg-opening-soon-host = Ya puedes iniciar la sesión. Tus estudiantes verán «Unirse a la reunión» en cuanto lo hagas.
live-msg-starting-now = La sesión debía empezar el { $when } y el docente todavía no la ha iniciado. Mantén esta página abierta: «Unirse a la reunión» aparecerá aquí por sí solo.
live-msg-starting-now-host = La sesión debía empezar el { $when }. Tus estudiantes esperan a que la inicies.
live-did-not-take-place = Esta sesión no se celebró.
live-msg-joined = Estás en la sesión.
live-msg-left = Has salido de la sesión. Puedes volver a unirte mientras esté en directo.
live-leave = Salir
live-rejoin = Volver a unirse
live-joining = Abriendo la reunión…
live-waiting-for-host = El docente todavía no se ha unido a la reunión. Podrás entrar en cuanto lo haga.
live-badge-upcoming = Empieza dentro de
live-badge-opening-soon = Empieza pronto
live-badge-starting-now = Debería empezar ya
live-badge-live = En directo
live-badge-ended = Terminada
live-badge-cancelled = Cancelada
live-badge-did-not-take-place = No se celebró
live-msg-upcoming = La sesión empieza el { $when }.
live-unavailable-teacher = Zoom no está conectado, así que esta sesión no puede empezar. Pide al administrador de tu escuela que vuelva a conectar Zoom, conecta tu propia cuenta de Zoom o cambia esta lección a un enlace externo.
live-connect-own = Conectar tu propia cuenta de Zoom
live-ask-admin = Pide al administrador de tu escuela que vuelva a conectar Zoom en Ajustes → Integraciones.
live-join-try-again = Zoom no responde en este momento. Inténtalo de nuevo en un minuto.
live-error-zoom-paused = Zoom no responde en este momento, así que Lectern retiene sus peticiones un rato. No se ha creado nada: inténtalo de nuevo en un minuto.
