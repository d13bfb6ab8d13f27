## Completion rules, manual completion and the audit trail.

completion-rule-opened = Se completa al abrir la lección.
completion-rule-marked = Se completa al marcarla como hecha.
completion-rule-watched = Se completa al ver el { $percent } % del vídeo.
completion-rule-passed = Se completa al aprobar el cuestionario.
completion-rule-attended-minutes = Se completa tras al menos { $minutes } minutos en la sesión en directo.
completion-rule-attended-percent = Se completa tras asistir al menos al { $percent } % del tiempo previsto.
completion-rule-or-recording = Ver aquí la grabación también cuenta.

completion-option-watched = Vio al menos una parte del vídeo
completion-option-opened = La abrió
completion-option-marked = El estudiante la marcó como hecha
completion-option-passed = Aprobó el cuestionario
completion-option-attended_percent = Asistió al menos a una parte del tiempo previsto
completion-option-attended_minutes = Asistió al menos un número de minutos

completion-title = Finalización
completion-legend = Esta lección está completada para un estudiante cuando:
completion-field-percent = Parte (porcentaje, 1–100)
completion-field-minutes = Minutos de asistencia (1–1440)
completion-field-recording = Ver la grabación en Lectern también la completa
completion-field-attempts = Intentos permitidos (vacío = ilimitados)
completion-optional-hint = Si el curso necesita o no esta lección lo decide el ajuste «Obligatoria» de la lección, más arriba.
completion-save = Guardar la regla de finalización
completion-apply = Aplicar la nueva regla
completion-keep = Mantener la regla actual
completion-saved = Se ha guardado la regla de finalización. Se está actualizando el progreso de los estudiantes.
completion-preview-complete = { $complete ->
    [0] Ningún estudiante completaría esta lección de nuevas.
    [one] Esto haría que 1 estudiante la completara.
   *[other] Esto haría que { $complete } estudiantes la completaran.
}
completion-preview-uncomplete = { $uncomplete ->
    [0] Nadie la perdería.
    [one] 1 estudiante dejaría de tenerla completada. Los certificados ya emitidos siguen siendo válidos.
   *[other] { $uncomplete } estudiantes dejarían de tenerla completada. Los certificados ya emitidos siguen siendo válidos.
}
completion-percent-invalid = Introduce un porcentaje entero de 1 a 100.
completion-minutes-invalid = Introduce un número entero de minutos de 1 a { $max }.
completion-rule-invalid = Elige una de las reglas ofrecidas.
completion-attempts-invalid = Introduce un número de intentos de 1 a 100, o déjalo vacío para que sean ilimitados.

completion-detail-reason = motivo: { $reason }
completion-detail-attended = asistió { $minutes } min ({ $percent } % del tiempo previsto)
completion-detail-recording = vio la grabación
completion-detail-watched = vio el { $percent } %
completion-detail-score = mejor puntuación { $score } %

quiz-no-attempts-left = Has agotado los { $count } intentos de este cuestionario.
quiz-attempts-used = Has agotado los intentos de este cuestionario. Pide otro a tu docente si lo necesitas.
quiz-attempts-allowed = { $count ->
    [one] Tienes 1 intento.
   *[other] Tienes { $count } intentos.
}
audit-back-to-rule = Volver a la regla de finalización

students-title = Estudiantes
students-empty = Todavía no hay nadie inscrito.
students-name = Estudiante
students-progress = Progreso
students-enrolled = Inscrito
students-completed = Completado
students-lessons = Lecciones

completion-manual-complete = marcada como completada a mano
completion-manual-incomplete = marcada como no completada a mano
completion-set = Fijar la finalización
completion-set-complete = Completada
completion-set-incomplete = No completada
completion-set-rule = Según decida la regla
completion-reason = Motivo (se guarda en el registro de auditoría)
completion-set-save = Guardar
completion-reason-required = Indica un motivo; se guarda en el registro de auditoría.

audit-title = Registro de auditoría
audit-empty = Todavía no hay cambios.
audit-course-completed = Curso completado
audit-completed = Completada
audit-uncompleted = Ya no está completada
audit-by = por { $name }
audit-by-instructor = por un docente
audit-by-rule = por la regla de finalización
completion-external-note = Esta sesión se celebra en un enlace externo: Lectern no ve allí la asistencia, así que el estudiante la marca como hecha (o basta con abrirla). Volver a Zoom restablece una regla de asistencia.
completion-rule-external-attendance = Una sesión celebrada en un enlace externo no tiene asistencia de Zoom: elige «El estudiante la marcó como hecha» o «La abrió».
