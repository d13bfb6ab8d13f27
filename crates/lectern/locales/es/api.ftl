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
api-token-never-used = nunca
api-token-state-revoked = revocado
api-token-state-expired = caducado
api-token-revoke = Revocar
api-token-error-name = Dale un nombre al token (como máximo 100 caracteres).
api-token-error-scope = Elige al menos un ámbito.
api-token-error-days = Elige cuánto tiempo dura el token.
api-reference = Referencia de la API
profile-api-tokens = Tokens de la API
api-token-copy = Copiar
api-token-copied = Copiado.
