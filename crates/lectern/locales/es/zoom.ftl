## Zoom connection (Settings → Integrations)
zoom-card-intro = Conecta la cuenta de Zoom de tu escuela para celebrar sesiones en directo y seminarios web dentro de tus cursos.
zoom-connect = Conectar la cuenta de Zoom
zoom-reconnect-button = Volver a conectar Zoom
zoom-disconnect = Desconectar
zoom-status-connected = Conectado
zoom-status-not-connected = No conectado
zoom-status-needs-reconnect = Zoom ha dejado de aceptar nuestro acceso. Vuelve a conectar Zoom para que las sesiones en directo sigan funcionando.
zoom-status-deauthorized = La aplicación Lectern se eliminó de Zoom el { $date }. Las sesiones en directo no estarán disponibles hasta que vuelvas a conectarla.
zoom-status-disconnected = Desconectado el { $date }.
zoom-not-configured = La integración con Zoom no está configurada.
zoom-not-configured-hint = Pide a quien gestiona este servidor de Lectern que configure ZOOM_CLIENT_ID y ZOOM_CLIENT_SECRET (consulta el README), o ponte en contacto con tu equipo de soporte.
zoom-missing-scopes = Conectado, pero Zoom no concedió: { $scopes }. Vuelve a conectar la integración con Zoom con los permisos adecuados.
zoom-setup-title = Ajustes de la aplicación de Zoom
zoom-setup-redirect = URL de redirección que hay que registrar en el Zoom Marketplace: { $uri }
zoom-personal-title = Tu cuenta de Zoom
zoom-personal-intro = Conecta tu propia cuenta de Zoom para organizar con ella tus sesiones en directo. Si no, se usa la cuenta de Zoom de la escuela.

## Callback outcomes
zoom-connected-title = Zoom está conectado
zoom-connected-message = Lectern ya puede crear reuniones y seminarios web con la cuenta de Zoom { $email }.
zoom-degraded-title = Zoom está conectado, pero faltan permisos
zoom-denied-title = Conexión con Zoom cancelada
zoom-denied-message = Has cancelado la autorización en Zoom. No se ha cambiado nada.
zoom-no-code = No se ha recibido ningún código de autorización
zoom-no-code-message = Zoom te ha devuelto aquí sin un código de autorización, así que no se ha conectado nada.
zoom-bad-state-title = Esta autorización de Zoom no se puede usar
zoom-bad-state-message = El enlace de autorización no es válido, ya se usó, ha caducado o se inició en otra sesión del navegador. No se ha cambiado nada.
zoom-oauth-failed-title = Ha fallado la autorización OAuth
zoom-oauth-failed = Ha fallado la autorización OAuth: { $reason }
zoom-save-failed = Error al guardar los ajustes de Zoom
zoom-save-failed-message = Zoom autorizó a Lectern, pero no se ha podido guardar la conexión, así que no se ha almacenado nada.
zoom-step-no-blocking = Asegúrate de que tu navegador no bloquea las ventanas emergentes ni las redirecciones.
zoom-step-redirect-uri = Comprueba que la URL de redirección en el Zoom Marketplace sea exactamente { $uri }
zoom-step-try-again = Vuelve a empezar desde Ajustes → Integraciones.
zoom-step-approve-scopes = Comprueba que todos los ámbitos OAuth necesarios estén aprobados en la aplicación de Zoom.
zoom-step-reconnect = Prueba a desconectar y volver a conectar la integración.
zoom-step-refresh = Recarga la página e inténtalo de nuevo.
zoom-step-support = Ponte en contacto con soporte si el problema persiste.
zoom-back-to-integrations = Volver a los ajustes de Zoom

## Disconnect and data
zoom-disconnect-title = ¿Desconectar Zoom?
zoom-disconnect-intro = Al desconectar se revoca el acceso de Lectern a tu cuenta de Zoom y se eliminan sus tokens de inmediato.
zoom-disconnect-c1 = Todas las sesiones en directo programadas quedarán inactivas: los estudiantes no podrán unirse.
zoom-disconnect-c2 = Las reuniones y los seminarios web de Zoom existentes seguirán en Zoom, pero no se podrán gestionar desde Lectern.
zoom-disconnect-c3 = El acceso de los estudiantes a las grabaciones puede verse afectado si los enlaces de las reuniones dejan de ser válidos.
zoom-disconnect-c4 = No se pierden datos: el contenido de los cursos y los registros de los estudiantes se mantienen intactos.
zoom-disconnect-c5 = Puedes volver a conectarla en cualquier momento.
zoom-disconnect-confirm = ¿Desconectar Zoom ahora? Las sesiones en directo programadas quedarán inactivas hasta que se vuelva a conectar Zoom.
zoom-delete-data = Eliminar todos los datos de Zoom
zoom-delete-intro = Esto elimina los tokens de Zoom, los datos de la cuenta de Zoom, los enlaces y códigos de acceso de las reuniones, y los nombres y correos de los participantes en la asistencia. Los recuentos anónimos y las duraciones se conservan para el historial de los cursos. No se puede deshacer.
zoom-delete-type = Escribe DELETE para confirmar
zoom-delete-confirm-required = Escribe DELETE para confirmar la eliminación.
zoom-delete-data-confirm = ¿Eliminar todos los datos de Zoom de esta escuela? No se puede deshacer.

## Health panel
zoom-health-title = Estado de la conexión
zoom-health-state = Estado
zoom-health-scopes = Ámbitos necesarios
zoom-health-granted = Ámbitos concedidos
zoom-health-hosts = Anfitriones
zoom-health-hosts-account = Cualquier docente que sea usuario de esta cuenta de Zoom puede ser anfitrión.
zoom-health-hosts-single = El usuario de Zoom conectado es el anfitrión de todas las reuniones.
zoom-health-expiry = El token de acceso caduca
zoom-health-last-refresh = Última renovación
zoom-health-last-error = Último error de Zoom
zoom-health-daily = Reuniones creadas o modificadas hoy (Zoom permite 100 por anfitrión)
zoom-health-granted-other = Otros ámbitos concedidos
zoom-scope-granted = concedido
zoom-scope-missing = falta
zoom-state-connected = Conectado
zoom-state-needs-reconnect = Hay que volver a conectarlo
zoom-state-deauthorized = Eliminado de Zoom (la aplicación Lectern se desinstaló allí)
zoom-state-disconnected = Desconectado
zoom-state-none = No conectado

## E-mail to admins
zoom-reconnect-email-subject = Acción necesaria: vuelve a conectar Zoom
zoom-reconnect-email-body = Hola, { $name }: Zoom ya no acepta el acceso de Lectern a la cuenta de Zoom de tu escuela. Las sesiones en directo no pueden empezar hasta que un administrador vuelva a conectar Zoom.
zoom-reconnect-email-text =
    Hola, { $name }:

    Zoom ya no acepta el acceso de Lectern a la cuenta de Zoom de tu escuela.
    Las sesiones en directo no pueden empezar hasta que un administrador vuelva a conectar Zoom:

    { $link }
zoom-health-circuit = Llamadas a Zoom
zoom-health-circuit-open = En pausa en esta instancia de Lectern tras fallos repetidos de Zoom; la próxima llamada se intentará dentro de { $seconds } s. Mientras tanto, las sesiones en directo muestran "inténtalo de nuevo".
