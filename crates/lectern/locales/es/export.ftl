# Settings → Export (export/routes.rs, templates/admin/export.html)

export-title = Exportar
export-intro = Descarga todo lo de tu escuela en un archivo: usuarios, cursos y lecciones, inscripciones, progreso, finalizaciones, respuestas de cuestionarios, debates, certificados, pedidos y los archivos subidos. Un operador lo restaura en cualquier instancia de Lectern con "lectern import".
export-left-out = Los secretos no se incluyen: tras una restauración, vuelve a conectar Zoom y los proveedores de pago, y los usuarios crean nuevos tokens de API y enlaces de calendario. Los archivos se guardan 7 días.
export-passwords = El archivo contiene los hashes de las contraseñas de tus usuarios, para que inicien sesión con sus propias contraseñas tras una restauración. Guárdalo con el mismo cuidado que las contraseñas: cifrado, sin compartirlo con nadie, y bórralo cuando ya no lo necesites.
export-start = Iniciar la exportación
export-archives = Archivos
export-started = Iniciada
export-state = Estado
export-size = Tamaño
export-until = Disponible hasta
export-download = Descargar
export-state-queued = En espera
export-state-running = Escribiéndose…
export-state-done = Listo
export-state-failed = Fallida
export-refresh = Actualizar para ver cómo va
