## The room dashboard of a live session and its report (live/dashboard.rs)
dash-title = Panel de la sala
dash-report-title = Informe de la sesión
dash-link = Panel de la sala
dash-report-link = Informe de la sesión
dash-now = ahora
dash-state-live = En directo: esta página se actualiza sola a medida que los estudiantes entran y salen.
dash-state-ended = La sesión ha terminado. Este es su informe.
dash-state-waiting = La sesión todavía no ha empezado. Todos cuentan como ausentes hasta que se unan.
dash-summary = Vinieron { $attended } de { $enrolled } estudiantes inscritos ({ $percent } %)
dash-count-in-room = en la sala ahora
dash-count-late = llegaron tarde (más de { $grace } min después del inicio)
dash-count-left-early = se fueron antes
dash-count-never-came = no vinieron
dash-others = { $count ->
    [one] y otro participante (un invitado o alguien no asociado a un estudiante)
   *[other] y otros { $count } participantes (invitados o personas no asociadas a un estudiante)
}
dash-status-in-room = En la sala
dash-status-left = Se fue
dash-status-came = Vino
dash-status-never-came = No vino
dash-count-not-yet = todavía no están
dash-status-not-yet = Todavía no está
dash-mark-late = tarde
dash-mark-left-early = se fue antes
dash-col-status = Estado
dash-col-segments = Tiempo en la sala
dash-col-time = Hora
dash-col-size = Personas en la sala
dash-chart-title = Participantes en la sala a lo largo del tiempo (sin contar al anfitrión)
dash-chart-peak = máximo { $count }
dash-chart-desc = Gráfico escalonado del número de personas en la sala de { $from } a { $to }; como máximo { $peak } personas a la vez.
dash-chart-numbers = Mostrar las cifras
dash-grace-label = Tarde a partir de (minutos tras el inicio)
dash-grace-save = Guardar
dash-grace-invalid = Introduce un número entero de minutos de 0 a { $max }.
dash-absentees-button = { $count ->
    [one] Escribir al estudiante que no está: «hemos empezado, únete aquí»
   *[other] Escribir a los { $count } estudiantes que no están: «hemos empezado, únete aquí»
}
dash-absentees-messaged = { $count ->
    [one] Ya se escribió a un estudiante; nadie lo recibe dos veces.
   *[other] Ya se escribió a { $count } estudiantes; nadie lo recibe dos veces.
}
dash-absentees-sent = { $count ->
    [0] No hay nadie nuevo a quien escribir: todos los estudiantes ausentes ya recibieron el mensaje.
    [one] Se ha escrito a un estudiante.
   *[other] Se ha escrito a { $count } estudiantes.
}
dash-absentees-not-live = Solo se puede escribir a los estudiantes ausentes mientras la sesión está en directo.
dash-absentee-subject = { $title } ha empezado: únete ahora
dash-absentee-body = La sesión en directo "{ $title }" de { $course } ha empezado. Únete aquí:
dash-absentee-button = Unirse a la sesión
dash-absentee-footer = Recibes esto porque estás inscrito en { $course } y todavía no estabas en la sesión.
