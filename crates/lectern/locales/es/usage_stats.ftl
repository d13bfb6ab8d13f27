# Anonymous usage statistics (ops/usage.rs), for the instance's operator.
admin-usage = Estadísticas de uso
usage-title = Estadísticas de uso anónimas
usage-intro = Si lo aceptas, esta instancia envía una vez al día los recuentos de abajo: cuántas escuelas, cursos y sesiones en directo tiene, y su versión. Ni nombres, ni direcciones de correo, ni hosts, ni identificadores: exactamente el texto que se muestra aquí, nada más.
usage-json = Lo que se enviaría
usage-sending = Envío
usage-destination = Se envía a:
usage-no-url = No hay ningún destino configurado (LECTERN_USAGE_STATS_URL), así que no se envía nada, aunque se haya aceptado.
usage-last-sent = Último envío para { $period }.
usage-opt-in = Enviar estos recuentos anónimos una vez al día
usage-opt-in-hint = Desactivado por defecto. Puedes desactivarlo en cualquier momento.
usage-save = Guardar
