## Dates and times in the reader's language (i18n::Tr::datetime and friends).
## Weekdays count from Monday (1) as ISO 8601 does; months from January (1).
## The time ($time, "21:38") and the zone ($zone, "JST") come already formatted.
weekday-short-1 = lun.
weekday-short-2 = mar.
weekday-short-3 = mer.
weekday-short-4 = jeu.
weekday-short-5 = ven.
weekday-short-6 = sam.
weekday-short-7 = dim.
weekday-long-1 = lundi
weekday-long-2 = mardi
weekday-long-3 = mercredi
weekday-long-4 = jeudi
weekday-long-5 = vendredi
weekday-long-6 = samedi
weekday-long-7 = dimanche
month-short-1 = janv.
month-short-2 = févr.
month-short-3 = mars
month-short-4 = avr.
month-short-5 = mai
month-short-6 = juin
month-short-7 = juil.
month-short-8 = août
month-short-9 = sept.
month-short-10 = oct.
month-short-11 = nov.
month-short-12 = déc.
# "mer. 2 déc. 2026, 21:38 JST"
datetime-full = { $weekday } { $day } { $month } { $year }, { $time } { $zone }
# "mercredi 2 décembre 2026"
date-weekday-long = { $weekday } { $day } { $month } { $year }
# "mer. 2 déc., 14:00"
datetime-slot = { $weekday } { $day } { $month }, { $time }
# "déc. 2026"
date-month-year = { $month } { $year }
# "2 déc. 2026"
date-short = { $day } { $month } { $year }

## Numbers and prices (i18n::Tr::decimal, courses::price::format_amount)
number-decimal-separator = ,
# a narrow no-break space: 1 234 567,89
number-group-separator = { "\u202F" }

# Une taille de fichier : « 83,3 Kio » (octets)
file-size = { $number }{ "\u00A0" }{ $unit }
file-size-unit-0 = o
file-size-unit-1 = Kio
file-size-unit-2 = Mio
file-size-unit-3 = Gio
file-size-unit-4 = Tio
file-size-unit-5 = Pio
file-size-unit-6 = Eio

# "49,00 €"
price-with-symbol = { $amount }{ "\u00A0" }{ $symbol }
# "19,99 CHF"
price-with-code = { $amount }{ "\u00A0" }{ $code }

## The language's own name (the switcher, the profile's choice)
language-name = Français
language-switch = Langue
