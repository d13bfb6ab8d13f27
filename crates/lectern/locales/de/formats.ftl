## Dates and times in the reader's language (i18n::Tr::datetime and friends).
## Weekdays count from Monday (1) as ISO 8601 does; months from January (1).
## The time ($time, "21:38") and the zone ($zone, "JST") come already formatted.
weekday-short-1 = Mo.
weekday-short-2 = Di.
weekday-short-3 = Mi.
weekday-short-4 = Do.
weekday-short-5 = Fr.
weekday-short-6 = Sa.
weekday-short-7 = So.
weekday-long-1 = Montag
weekday-long-2 = Dienstag
weekday-long-3 = Mittwoch
weekday-long-4 = Donnerstag
weekday-long-5 = Freitag
weekday-long-6 = Samstag
weekday-long-7 = Sonntag
month-short-1 = Jan.
month-short-2 = Feb.
month-short-3 = März
month-short-4 = Apr.
month-short-5 = Mai
month-short-6 = Juni
month-short-7 = Juli
month-short-8 = Aug.
month-short-9 = Sept.
month-short-10 = Okt.
month-short-11 = Nov.
month-short-12 = Dez.
# "Mi., 2. Dez. 2026, 21:38 JST"
datetime-full = { $weekday }, { $day }. { $month } { $year }, { $time } { $zone }
# "Mittwoch, 2. Dezember 2026"
date-weekday-long = { $weekday }, { $day }. { $month } { $year }
# "Mi., 2. Dez., 14:00"
datetime-slot = { $weekday }, { $day }. { $month }, { $time }
# "Dez. 2026"
date-month-year = { $month } { $year }
# "2. Dez. 2026"
date-short = { $day }. { $month } { $year }

## Numbers and prices (i18n::Tr::decimal, courses::price::format_amount)
number-decimal-separator = ,
number-group-separator = .

# Eine Dateigröße: "83,3 KiB"
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
language-name = Deutsch
language-switch = Sprache
