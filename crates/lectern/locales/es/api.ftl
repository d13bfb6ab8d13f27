api-tokens-title = Tokens de la API
api-tokens-intro = Los tokens de acceso personal permiten que otros programas usen la API de esta escuela (/api/v1) en tu nombre, con tu rol, limitados a los ámbitos que elijas.
api-token-created = Tu nuevo token se muestra abajo solo esta vez: cópialo ahora. No se podrá volver a mostrar.
api-token-revoked = El token se ha revocado.
api-token-name = Nombre
api-token-scopes = Ámbitos
api-token-expires = Caduca
api-token-days =
    { $days ->
        [one] { $days } día
       *[other] { $days } días
    }
api-token-create = Crear token
api-tokens-yours = Tus tokens
api-token-last-used = Último uso
api-token-never-used = Nunca
api-token-state = Estado
api-token-state-active = Activo
api-token-state-revoked = Revocado
api-token-state-expired = Caducado
api-token-revoke = Revocar
api-token-error-name = Dale un nombre al token (como máximo 100 caracteres).
api-token-error-scope = Elige al menos un ámbito.
api-token-error-days = Elige cuánto tiempo dura el token.
api-reference = Referencia de la API
profile-api-tokens = Tokens de la API
api-token-copy = Copiar
api-token-copied = Copiado.
api-token-error-role = { $scope } no es para tu rol: desmárcalo.
api-token-revoke-confirm = ¿Revocar este token? Los programas que lo usan dejarán de funcionar al instante.
api-scope-courses-read = Listar los cursos que puedes ver, con sus lecciones.
api-scope-courses-write = Crear cursos y cambiarlos, con sus lecciones (instructores y administradores).
api-scope-enrolments-read = Listar los estudiantes de los cursos que gestionas.
api-scope-enrolments-write = Inscribir y dar de baja estudiantes en los cursos que gestionas.
api-scope-live-read = Leer las sesiones en directo, y la asistencia de las que gestionas.
api-scope-live-write = Programar y cambiar sesiones en directo y webinars (con courses:write).
api-scope-progress-read = Leer el progreso y los certificados: los tuyos y los de los cursos que gestionas.
api-scope-users-read = Listar los usuarios de la escuela (administradores).
