## Dates and times in the reader's language (i18n::Tr::datetime and friends).
## Weekdays count from Monday (1) as ISO 8601 does; months from January (1).
## The time ($time, "21:38") and the zone ($zone, "JST") come already formatted.
weekday-short-1 = Mon
weekday-short-2 = Tue
weekday-short-3 = Wed
weekday-short-4 = Thu
weekday-short-5 = Fri
weekday-short-6 = Sat
weekday-short-7 = Sun
weekday-long-1 = Monday
weekday-long-2 = Tuesday
weekday-long-3 = Wednesday
weekday-long-4 = Thursday
weekday-long-5 = Friday
weekday-long-6 = Saturday
weekday-long-7 = Sunday
month-short-1 = Jan
month-short-2 = Feb
month-short-3 = Mar
month-short-4 = Apr
month-short-5 = May
month-short-6 = Jun
month-short-7 = Jul
month-short-8 = Aug
month-short-9 = Sep
month-short-10 = Oct
month-short-11 = Nov
month-short-12 = Dec
# "Wed, 2 Dec 2026, 21:38 JST"
datetime-full = { $weekday }, { $day } { $month } { $year }, { $time } { $zone }
# "Wednesday, 2 December 2026" (a day heading; $month is the long name)
date-weekday-long = { $weekday }, { $day } { $month } { $year }
# "Wed 2 Dec, 14:00" (a slot; the year is obvious from the list)
datetime-slot = { $weekday } { $day } { $month }, { $time }
# "Dec 2026" (a chart's month)
date-month-year = { $month } { $year }
# "2 Dec 2026" (a chart's day or week)
date-short = { $day } { $month } { $year }

## Numbers and prices (i18n::Tr::decimal, courses::price::format_amount)
number-decimal-separator = .
number-group-separator = ,

# A file size: "83.3 KiB" (binary units, 1 KiB = 1,024 bytes)
file-size = { $number } { $unit }
file-size-unit-0 = B
file-size-unit-1 = KiB
file-size-unit-2 = MiB
file-size-unit-3 = GiB
file-size-unit-4 = TiB
file-size-unit-5 = PiB
file-size-unit-6 = EiB

# "€49.00": $symbol where one is unambiguous for this language's readers
price-with-symbol = { $symbol }{ $amount }
# "CHF 19.99"
price-with-code = { $code }{ "\u00A0" }{ $amount }

## The language's own name (the switcher, the profile's choice)
language-name = English
language-switch = Language
