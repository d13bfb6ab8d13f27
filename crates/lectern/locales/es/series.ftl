series-add-live = Serie de sesiones en directo
series-add-webinar = Serie de seminarios web
series-new-title = Nueva serie
series-dst-rule = Cada sesión empieza a la misma hora local en la zona horaria de la serie, también después de un cambio de horario de verano. El día del cambio, si esa hora no existe, la sesión empieza más tarde tanto como dure el salto (las 02:30 pasan a ser las 03:30); si ocurre dos veces, la sesión toma la primera de las dos.
series-field-first-date = Primer día
series-field-time = Hora local de inicio
series-field-time-in = Hora local de inicio ({ $zone })
series-field-date = Día
series-field-repeat = Repetir
series-freq-weekly = Cada semana
series-freq-daily = Cada día
series-field-interval = Cada … semanas o días
series-field-weekdays = Los
series-weekday-1 = lunes
series-weekday-2 = martes
series-weekday-3 = miércoles
series-weekday-4 = jueves
series-weekday-5 = viernes
series-weekday-6 = sábado
series-weekday-7 = domingo
series-field-end = Termina
series-end-count = Tras un número de sesiones
series-field-count = Número de sesiones
series-end-until = Un día concreto
series-field-until = Último día
series-preview = Mostrar las fechas
series-preview-again = Volver a mostrar las fechas
series-preview-title =
    { $count ->
        [one] { $count } sesión
       *[other] { $count } sesiones
    }
series-create =
    { $count ->
        [one] Crear { $count } sesión
       *[other] Crear { $count } sesiones
    }
series-note-gap = Las { $wanted } no existen ese día: empieza a las { $time }
series-note-fold = Las { $time } ocurren dos veces ese día: la primera
series-n-of-total = { $n } de { $total }
series-zone = Horas en { $zone }
series-minutes = { $minutes } min
series-closed = empezada, terminada o cancelada: no le afectan los cambios
series-field-host = Anfitrión
series-host-keep = Mantener el anfitrión
series-field-scope = Aplicar a
series-scope-this = Esta sesión
series-scope-following = Esta y todas las siguientes (cada sesión conserva su día)
series-cancel-title = Cancelar
series-cancel-this = Cancelar esta sesión
series-cancel-this-confirm = ¿Cancelar esta sesión? Se avisará a los estudiantes inscritos.
series-cancel-following = Cancelar esta y todas las siguientes
series-cancel-following-confirm = ¿Cancelar esta y todas las siguientes? Se avisará a los estudiantes inscritos.
series-error-date = Introduce una fecha, por ejemplo 2026-05-04.
series-error-time = Introduce una hora, por ejemplo 18:00.
series-error-interval = Introduce un número de 1 a { $max }.
series-error-weekday = Elige al menos un día de la semana.
series-error-count = Introduce un número de sesiones de 1 a { $max }.
series-error-until-past = El último día ya ha pasado.
series-error-end-before-start = El último día es anterior al primero.
series-error-too-many = Una serie tiene como máximo { $max } sesiones; elige un último día anterior o menos días de la semana.
series-error-empty = Ninguna sesión cae entre el primer y el último día en los días de la semana elegidos.
series-error-first-past = Esa sesión empezaría en el pasado.
series-error-not-open = Esta sesión ha empezado, ha terminado o se ha cancelado: ya no se puede cambiar.
series-copy-options = Con «esta y todas las siguientes»: dar a las siguientes sesiones las opciones de Zoom de esta
series-required-hint = Déjalo sin marcar para sesiones como las tutorías semanales, que no deben bloquear la finalización del curso.
series-cancelled = Cancelada
series-edit-lesson = Editar
series-part-of = Forma parte de la serie «{ $title }» ({ $place }) —
series-edit-series = editar la serie
