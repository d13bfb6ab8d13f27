## Dates and times in the reader's language (i18n::Tr::datetime and friends).
## Weekdays count from Monday (1) as ISO 8601 does; months from January (1).
## The time ($time, "21:38") and the zone ($zone, "JST") come already formatted.
weekday-short-1 = lun
weekday-short-2 = mar
weekday-short-3 = mié
weekday-short-4 = jue
weekday-short-5 = vie
weekday-short-6 = sáb
weekday-short-7 = dom
weekday-long-1 = lunes
weekday-long-2 = martes
weekday-long-3 = miércoles
weekday-long-4 = jueves
weekday-long-5 = viernes
weekday-long-6 = sábado
weekday-long-7 = domingo
month-short-1 = ene
month-short-2 = feb
month-short-3 = mar
month-short-4 = abr
month-short-5 = may
month-short-6 = jun
month-short-7 = jul
month-short-8 = ago
month-short-9 = sept
month-short-10 = oct
month-short-11 = nov
month-short-12 = dic
# "mié, 2 dic 2026, 21:38 JST"
datetime-full = { $weekday }, { $day } { $month } { $year }, { $time } { $zone }
# "miércoles, 2 de diciembre de 2026"
date-weekday-long = { $weekday }, { $day } de { $month } de { $year }
# "mié, 2 dic, 14:00"
datetime-slot = { $weekday }, { $day } { $month }, { $time }
# "dic 2026"
date-month-year = { $month } { $year }
# "2 dic 2026"
date-short = { $day } { $month } { $year }

## Numbers and prices (i18n::Tr::decimal, courses::price::format_amount)
number-decimal-separator = ,
number-group-separator = .

# Un tamaño de archivo: "83,3 KiB"
file-size = { $number } { $unit }
file-size-unit-0 = B
file-size-unit-1 = KiB
file-size-unit-2 = MiB
file-size-unit-3 = GiB
file-size-unit-4 = TiB
file-size-unit-5 = PiB
file-size-unit-6 = EiB

# "49,00 €"
price-with-symbol = { $amount }{ "\u00A0" }{ $symbol }
# "19,99 CHF"
price-with-code = { $amount }{ "\u00A0" }{ $code }

## The language's own name (the switcher, the profile's choice)
language-name = Español
language-switch = Idioma
