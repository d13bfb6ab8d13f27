## Paid courses, checkout, orders, refunds.

course-buy = Comprar este curso
course-sign-in-to-buy = Inicia sesión para comprar
payment-cancelled = Pago cancelado: no se ha cobrado nada.
price-settings = Precio
price-paid = Vender este curso (los estudiantes se inscriben pagando)
price-amount = Precio
price-currency = Moneda
price-saved = Precio guardado.
price-no-provider = Todavía no hay ningún proveedor de pagos conectado: los estudiantes no pueden pagar hasta que un administrador conecte Stripe o PayPal.
price-currency-invalid = Elige una de las monedas de la lista.
price-amount-invalid = Introduce un importe mayor que cero, como 49 o 49,90, sin más decimales de los que tiene la moneda.
price-too-large = Ese precio es demasiado alto.

buy-title = Comprar
buy-with = Pagar con { $provider }
buy-explain = Pagarás en la página segura del proveedor y volverás aquí. Quedarás inscrito en cuanto se confirme el pago.
buy-pending = Todavía se está confirmando un pago tuyo para este curso; espera a que termine antes de volver a pagar:

order-title = Pedido
order-number = Pedido
order-confirming = Confirmando tu pago…
order-slow = Esto está tardando más de lo habitual. Puedes cerrar esta página: recibirás un recibo por correo electrónico y quedarás inscrito en cuanto se confirme el pago.
order-check-again = Volver a comprobar
order-enrolled = Ya estás inscrito.
order-open-course = Abrir el curso
order-flagged = Tu pago ha llegado, pero la escuela tiene que revisarlo antes de inscribirte. Ya se le ha avisado; no necesitas volver a pagar.
order-refunded = Este pedido se ha reembolsado.
order-failed = Este pago no se ha completado y no se ha cobrado nada.
order-try-again = Inténtalo de nuevo
order-status = Estado
order-status-pending = pendiente
order-status-paid = pagado
order-status-failed = fallido
order-status-cancelled = cancelado
order-status-refunded = reembolsado
order-flag-amount_mismatch = el importe pagado no coincide: no inscrito
order-flag-duplicate = ya inscrito: reembólsalo
order-provider = Proveedor
order-date = Fecha
order-buyer = Comprador
order-course = Curso
order-amount = Importe
order-paid = Pagado
order-refunded-amount = Reembolsado
order-error = Último error
order-refunds = Reembolsos
order-access-removed = acceso retirado
order-refund-amount = Importe a reembolsar (vacío: todo lo que queda)
order-refund = Reembolsar

payments-admin = Pagos
orders-admin = Pedidos
orders-search = Buscar (correo electrónico, pedido, referencia)
orders-any = cualquiera
orders-flagged = solo los marcados
orders-filter = Filtrar
orders-none = Todavía no hay pedidos.

payment-configured = Conectado:
payment-not-configured-short = Sin configurar.
payment-not-configured = Los pagos todavía no están configurados en esta escuela, así que ahora mismo no se puede comprar este curso. Pregunta a la escuela.
payment-no-webhook-secret = sin secreto de firma del webhook: los pagos solo se confirman cuando los compradores vuelven
payment-no-webhook-id = sin ID de webhook: los pagos solo se confirman cuando los compradores vuelven
payment-webhook-url = URL del webhook que hay que registrar:
payment-stripe-secret = Clave secreta
payment-stripe-webhook-secret = Secreto de firma del webhook
payment-paypal-client-id = ID de cliente
payment-paypal-secret = Secreto
payment-paypal-webhook-id = ID del webhook
payment-paypal-sandbox = Sandbox (pagos de prueba)
payment-keep-secret = déjalo vacío para mantener el guardado
payment-test = Probar la conexión
payment-remove = Desconectar
payment-test-ok = { $provider } ha aceptado las credenciales.
payment-terms = Condiciones de venta
payment-default-currency = Moneda de los nuevos precios
payment-refund-removes-access = Un reembolso completo pone fin a la inscripción del estudiante
payment-settings-saved = Guardado.
payment-secret-invalid = Esto no parece una clave: sin espacios ni saltos de línea, como máximo 500 caracteres.
payment-secret-prefix = La clave debería empezar por { $prefix }.
payment-secret-required = Obligatorio.
payment-provider-auth = { $provider } ha rechazado las credenciales de la escuela ({ $message }). Un administrador debe comprobarlas en Ajustes → Pagos.
payment-provider-unavailable = No se puede conectar con { $provider } en este momento ({ $message }). No se ha cobrado nada; inténtalo de nuevo dentro de unos minutos.
payment-provider-refused = { $provider } ha rechazado la solicitud ({ $message }). No se ha cobrado nada.
payment-refunded = Reembolsado: { $amount }.
payment-refunded-access-removed = Reembolsado: { $amount }; la inscripción del estudiante ha terminado.
payment-refund-too-much = Eso es más de lo que queda por reembolsar.
payment-refund-not-paid = Solo se puede reembolsar un pedido pagado.

payment-receipt-subject = Tu recibo de { $course } ({ $number })
payment-receipt-text = Gracias por tu compra.
    Pedido: { $number }
    Curso: { $course }
    Importe: { $amount }
    Pagado con: { $provider } (referencia { $reference })
    Abrir el curso: { $url }

coupons-admin = Cupones
coupon-field = Código de descuento
coupon-apply = Aplicar
coupon-new = Nuevo cupón
coupon-code = Código
coupon-kind = Descuento
coupon-kind-percent = Porcentaje de descuento
coupon-kind-amount = Importe de descuento
coupon-value = Valor
coupon-all-courses = Todos los cursos
coupon-expires = Válido hasta (inclusive)
coupon-max-uses = Usos máximos (vacío: sin límite)
coupon-uses = Usado
coupon-create = Crear cupón
coupon-deactivate = Desactivar
coupon-inactive = desactivado
coupons-none = Todavía no hay cupones.
coupon-unknown = Ese código no es válido.
coupon-expired = Ese código ha caducado.
coupon-used-up = Ese código se ha agotado.
coupon-other-course = Ese código es para otro curso.
coupon-other-currency = Ese código es para precios en otra moneda.
coupon-too-much = Ese código descontaría más de lo que cuesta el curso.
coupon-code-invalid = Usa de 1 a 40 letras, cifras, - o _.
coupon-code-taken = La escuela ya tiene un cupón con ese código.
coupon-percent-invalid = Introduce un porcentaje entero de 1 a 99.
coupon-date-invalid = Introduce una fecha.
coupon-max-uses-invalid = Introduce un número de 1 a 1.000.000, o déjalo vacío.

payment-flagged-subject = El pedido { $number } necesita revisión
payment-flagged-text = Ha llegado un pago para el pedido { $number }, pero { $reason }. Abrir el pedido: { $url }
payment-refund-subject = Reembolso de { $course } ({ $number })
payment-refund-text = Se han reembolsado { $amount } de tu pedido { $number } de { $course }. Llegará a tu cuenta en unos días, según tu banco.
payment-refund-access-ended = Con el reembolso ha terminado tu inscripción en el curso.
course-free = Gratis
order-wait = Esto suele tardar unos segundos. No necesitas volver a pagar.
