## Certificates.

date-long = { $day } de { $month } de { $year }
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre

certificate-default-title = Certificado de finalización
certificate-preamble = Se certifica que
certificate-default-body = ha completado con éxito el curso
certificate-hours = Sesiones en directo a las que asistió: { $hours } h { $minutes } min
certificate-serial = Certificado n.º { $serial }
certificate-verify-at = Verificar en
certificate-email-subject = Tu certificado de { $course }
certificate-email-intro = Enhorabuena, { $name }: has completado { $course }. Adjuntamos tu certificado; cualquiera puede comprobarlo en la dirección de abajo.
certificate-email-text = Enhorabuena, { $name }: has completado { $course }. Adjuntamos tu certificado; cualquiera puede comprobarlo en { $url }

certificate-verify-title = Verificación del certificado
certificate-status-valid = Este certificado es válido.
certificate-status-revoked = Este certificado ha sido revocado.
certificate-status-replaced = Este certificado ha sido sustituido por
certificate-status-expired = Este certificado ha caducado.
certificate-status-pending = Este certificado se está emitiendo.
certificate-not-found = No existe ningún certificado con este número. Comprueba el número que has escrito.
certificate-learner = Estudiante
certificate-course = Curso
certificate-school = Emitido por
certificate-completed = Completado
certificate-live = Horas en directo
certificate-serial-label = Número
certificate-state = Estado

certificates-mine = Mis certificados
certificates-none = Todavía no hay certificados.
certificate-download = Descargar PDF
certificate-verify-link = Página de verificación
certificate-linkedin = Añadir al perfil de LinkedIn
certificate-reissue-mine = Mi nombre ha cambiado: emitirlo de nuevo con mi nombre actual
certificate-pending = El certificado se está preparando; inténtalo de nuevo en un minuto.
certificate-revoked-no-reissue = Un certificado revocado no se puede volver a emitir.

certificate-settings = Certificado
certificate-settings-saved = Se han guardado los ajustes del certificado.
certificate-enabled = Emitir un certificado cuando un estudiante complete este curso
certificate-field-title = Título
certificate-field-body = Texto bajo el nombre (vacío: «ha completado con éxito el curso»)
certificate-field-signer = Nombre del firmante
certificate-field-signer-title = Cargo del firmante
certificate-field-validity = Válido durante (meses; vacío: sin caducidad)
certificate-title-required = Un certificado necesita un título.
certificate-validity-invalid = Introduce un número de meses de 1 a 600, o déjalo vacío.
certificate-uncovered = Ninguna fuente instalada puede imprimir «{ $char }»; cambia el texto o instala una fuente que lo incluya.

certificates-admin = Certificados
certificate-revoke = Revocar
certificate-revoke-reason = Motivo de la revocación
certificate-reason-required = Indica un motivo para revocarlo; se muestra en la página del certificado.
certificate-reissue = Volver a emitir
certificate-paper = Papel de los certificados
certificate-valid-until = válido hasta el { $date }
certificate-valid-until-label = Válido hasta
certificate-revoked-subject = Se ha revocado tu certificado de { $course }
certificate-revoked-email = Se ha revocado tu certificado de { $course }. Motivo: { $reason }. Así consta en su página: { $url }
certificate-same-name = Tu certificado ya muestra tu nombre actual. Cambia primero tu nombre en tu perfil.
certificate-status-replaced-short = Sustituido
certificate-revoke-public = El motivo se muestra en la página pública del certificado.
certificate-reissue-confirm = ¿Emitir un nuevo certificado con tu nombre actual? El número anterior aparecerá como «sustituido».
certificate-reissue-confirm-admin = ¿Emitir un nuevo certificado con el nombre actual del estudiante? El número anterior aparecerá como «sustituido».
