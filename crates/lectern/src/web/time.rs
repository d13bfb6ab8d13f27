//! Showing instants to people: always in the viewer's time zone.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// An IANA time zone name this build knows.
pub fn valid_timezone(tz: &str) -> bool {
    !tz.is_empty() && TimeZone::get(tz).is_ok()
}

/// The regions of canonical IANA names ("Area/Location").
const AREAS: [&str; 10] = [
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
];

/// Old "Area/Location" names the tz database keeps only as links for compatibility
/// (its `backward` file, as of 2025b): not offered, still accepted where typed.
const LEGACY: &[&str] = &[
    "Africa/Asmera",
    "Africa/Timbuktu",
    "America/Argentina/ComodRivadavia",
    "America/Atka",
    "America/Buenos_Aires",
    "America/Catamarca",
    "America/Coral_Harbour",
    "America/Cordoba",
    "America/Ensenada",
    "America/Fort_Wayne",
    "America/Godthab",
    "America/Indianapolis",
    "America/Jujuy",
    "America/Knox_IN",
    "America/Louisville",
    "America/Mendoza",
    "America/Montreal",
    "America/Nipigon",
    "America/Pangnirtung",
    "America/Porto_Acre",
    "America/Rainy_River",
    "America/Rosario",
    "America/Santa_Isabel",
    "America/Shiprock",
    "America/Thunder_Bay",
    "America/Virgin",
    "America/Yellowknife",
    "Antarctica/South_Pole",
    "Asia/Ashkhabad",
    "Asia/Calcutta",
    "Asia/Choibalsan",
    "Asia/Chongqing",
    "Asia/Chungking",
    "Asia/Dacca",
    "Asia/Harbin",
    "Asia/Istanbul",
    "Asia/Kashgar",
    "Asia/Katmandu",
    "Asia/Macao",
    "Asia/Rangoon",
    "Asia/Saigon",
    "Asia/Tel_Aviv",
    "Asia/Thimbu",
    "Asia/Ujung_Pandang",
    "Asia/Ulan_Bator",
    "Atlantic/Faeroe",
    "Atlantic/Jan_Mayen",
    "Australia/ACT",
    "Australia/Canberra",
    "Australia/Currie",
    "Australia/LHI",
    "Australia/NSW",
    "Australia/North",
    "Australia/Queensland",
    "Australia/South",
    "Australia/Tasmania",
    "Australia/Victoria",
    "Australia/West",
    "Australia/Yancowinna",
    "Europe/Belfast",
    "Europe/Kiev",
    "Europe/Nicosia",
    "Europe/Tiraspol",
    "Europe/Uzhgorod",
    "Europe/Zaporozhye",
    "Pacific/Enderbury",
    "Pacific/Johnston",
    "Pacific/Ponape",
    "Pacific/Samoa",
    "Pacific/Truk",
    "Pacific/Yap",
];

static SELECTABLE: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    let mut v: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.to_string())
        .filter(|n| is_selectable(n))
        .collect();
    if !v.iter().any(|n| n == "UTC") {
        v.push("UTC".to_string());
    }
    v.sort();
    v.dedup();
    v
});

/// Whether a picker offers this zone name: `UTC`, or a canonical "Area/Location" name
/// (not `Factory`, `localtime`, `Etc/…`, `posix/…`, `right/…`, `US/…` or a legacy
/// alias such as `Asia/Calcutta`).
pub fn is_selectable(name: &str) -> bool {
    if name == "UTC" {
        return true;
    }
    let Some((area, rest)) = name.split_once('/') else {
        return false;
    };
    AREAS.contains(&area) && !rest.is_empty() && !LEGACY.contains(&name)
}

/// The zones a time-zone picker offers (the series editor, the lesson editor, a coach's
/// hours), sorted: canonical IANA names this build knows, and `UTC`. What is typed is
/// still checked by [`valid_timezone`].
pub fn selectable_timezones() -> &'static [String] {
    SELECTABLE.as_slice()
}

/// An instant in `tz`, written in `tr`'s language: "Wed, 18 Nov 2026, 12:06 CET",
/// "Mi., 18. Nov. 2026, 12:06 CET".
pub fn format_in(ms: i64, tz: &TimeZone, tr: &crate::i18n::Tr) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => tr.datetime(&ts.to_zoned(tz.clone())),
        Err(_) => String::new(),
    }
}

/// RFC 3339 in UTC, for `<time datetime>` and the countdown script.
pub fn iso_utc(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// What a countdown to `target_ms` shows at `now_ms` ("9d 16:08:35", "9 Tg. 16:08:35"),
/// rendered into the page so it is never blank before the script's first tick. The days
/// come from the message `countdown-days`; `static/app.js` writes the same text each
/// second from [`countdown_days_pattern`].
pub fn countdown(target_ms: i64, now_ms: i64, tr: &crate::i18n::Tr) -> String {
    let left = (target_ms - now_ms).max(0) / 1000;
    let (d, h, m, s) = (
        left / 86_400,
        left % 86_400 / 3_600,
        left % 3_600 / 60,
        left % 60,
    );
    let days = if d > 0 {
        format!("{} ", tr.t1("countdown-days", "days", d.to_string()))
    } else {
        String::new()
    };
    format!("{days}{h:02}:{m:02}:{s:02}")
}

/// `countdown-days` with `{d}` where the number goes, for the countdown script
/// (`<html data-countdown-days>`). A string, not a number, fills `$days`: the script and
/// [`countdown`] use the message's default variant, so the unit is an abbreviation that
/// needs no plural.
pub fn countdown_days_pattern(tr: &crate::i18n::Tr) -> String {
    tr.t1("countdown-days", "days", "{d}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns_write_days_in_the_readers_language() {
        let now = 1_795_000_000_000;
        let later = now + ((9 * 24 + 16) * 3600 + 8 * 60 + 35) * 1000 + 400;
        let tr = crate::i18n::Tr::new;
        assert_eq!(countdown(later, now, &tr("en-US")), "9d 16:08:35");
        assert_eq!(countdown(later, now, &tr("de")), "9 Tg. 16:08:35");
        assert_eq!(countdown(later, now, &tr("es")), "9 d 16:08:35");
        assert_eq!(countdown(later, now, &tr("fr")), "9 j 16:08:35");
        assert_eq!(countdown(now + 61_000, now, &tr("de")), "00:01:01");
        assert_eq!(countdown(now - 5_000, now, &tr("de")), "00:00:00");
        assert_eq!(countdown_days_pattern(&tr("en-US")), "{d}d");
        assert_eq!(countdown_days_pattern(&tr("de")), "{d} Tg.");
    }

    #[test]
    fn formats_in_viewer_zone() {
        let ms = 1_795_000_000_000; // 2026-11-18T11:06:40Z
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let tr = |l: &str| crate::i18n::Tr::new(l);
        let en = tr("en-US");
        assert_eq!(format_in(ms, &berlin, &en), "Wed, 18 Nov 2026, 12:06 CET");
        assert_eq!(
            format_in(ms, &TimeZone::UTC, &en),
            "Wed, 18 Nov 2026, 11:06 UTC"
        );
        // Each language's names and order (the German reminder read
        // "am Wed, 2 Dec 2026").
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        let dec2 = 1_796_215_080_000; // 2026-12-02T12:38:00Z = 21:38 JST
        assert_eq!(format_in(dec2, &tokyo, &en), "Wed, 2 Dec 2026, 21:38 JST");
        assert_eq!(
            format_in(dec2, &tokyo, &tr("de")),
            "Mi., 2. Dez. 2026, 21:38 JST"
        );
        assert_eq!(
            format_in(dec2, &tokyo, &tr("es")),
            "mié, 2 dic 2026, 21:38 JST"
        );
        assert_eq!(
            format_in(dec2, &tokyo, &tr("fr")),
            "mer. 2 déc. 2026, 21:38 JST"
        );
        assert_eq!(iso_utc(ms), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn pickers_offer_canonical_zones_only() {
        let zones = selectable_timezones();
        for want in [
            "UTC",
            "Europe/Berlin",
            "America/Argentina/Buenos_Aires",
            "Asia/Kolkata",
        ] {
            assert!(zones.iter().any(|z| z == want), "lacks {want}");
        }
        for not in [
            "Factory",
            "localtime",
            "Etc/UTC",
            "Etc/GMT-3",
            "posix/Europe/Berlin",
            "right/UTC",
            "US/Eastern",
            "GB",
            "EST5EDT",
            "Asia/Calcutta",
            "Europe/Kiev",
            "America/Buenos_Aires",
        ] {
            assert!(!zones.iter().any(|z| z == not), "offers {not}");
            assert!(!is_selectable(not), "{not}");
        }
        // Each one is a zone this build knows, sorted and once.
        assert!(zones.iter().all(|z| valid_timezone(z)));
        assert!(zones.windows(2).all(|w| w[0] < w[1]));
        // Typed names outside the list are still valid where a form accepts them.
        assert!(valid_timezone("Etc/GMT-3"));
    }
}
