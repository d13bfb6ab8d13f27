//! The message catalogue. Every user-facing string is a Fluent message under
//! `locales/<lang>/`; adding a language means adding a folder. The language comes from the
//! user's profile, else the visitor's switcher cookie, else the browser's
//! `Accept-Language`, else English.
//!
//! Dates, times, numbers and prices are formatted here too, from messages of the same
//! catalogue (`dates.ftl`: weekday and month names and each language's order): a
//! translator adds a language without touching code. (A CLDR crate such as `icu_datetime`
//! would bring its locale data and a large dependency tree for four patterns per language.)
//!
//! Every language's files are compiled in (`build.rs` finds them), and a language is
//! parsed the first time one of its messages is asked for: a parsed catalogue is about
//! 1.1 MB of memory for a process's lifetime, and a school whose readers all use one
//! language would otherwise carry every other one (the memory target after a class of
//! 50,000, `crates/bench`). English, the fallback, is parsed when a message is missing
//! from another language, or when an English reader comes.

use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// One folder of `locales/`, as `build.rs` found it.
#[derive(Debug)]
pub(crate) struct Language {
    /// The folder's name, a BCP 47 tag ("en-US", "de").
    tag: &'static str,
    /// Its `language-name` message, for the switcher, read without parsing the rest.
    name: &'static str,
    /// Each `.ftl` file's name and text, sorted by name.
    files: &'static [(&'static str, &'static str)],
}

include!(concat!(env!("OUT_DIR"), "/locales.rs"));

/// The languages with their parsed messages, each parsed on first use.
struct Catalogue {
    languages: &'static [Language],
    tags: Vec<LanguageIdentifier>,
    bundles: Vec<OnceLock<FluentBundle<FluentResource>>>,
    /// For each language, where a message is looked for, in order: the language, its
    /// bare language (`de` for `de-AT`), its other variants, English.
    chains: Vec<Vec<usize>>,
    /// Where `en-US` is in `languages`.
    english: usize,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| Catalogue::new(GENERATED));

impl Catalogue {
    fn new(languages: &'static [Language]) -> Catalogue {
        let tags: Vec<LanguageIdentifier> = languages
            .iter()
            .map(|l| {
                l.tag
                    .parse()
                    .unwrap_or_else(|e| panic!("locales/{}: not a language tag: {e}", l.tag))
            })
            .collect();
        let english = languages
            .iter()
            .position(|l| l.tag == "en-US")
            .expect("locales/en-US, the fallback language");
        let chains = (0..tags.len())
            .map(|i| fallback_chain(&tags, i, english))
            .collect();
        Catalogue {
            languages,
            tags,
            bundles: languages.iter().map(|_| OnceLock::new()).collect(),
            chains,
            english,
        }
    }

    /// The language's messages, parsed now if nobody has asked before. Every file is
    /// checked by the tests (`every_english_message_formats` parses English, and
    /// `every_language_has_every_english_message_with_its_variables` every other file on
    /// its own), so a broken file fails CI, not a reader's page.
    fn bundle(&self, i: usize) -> &FluentBundle<FluentResource> {
        self.bundles[i].get_or_init(|| {
            let lang = &self.languages[i];
            let mut bundle = FluentBundle::new_concurrent(vec![self.tags[i].clone()]);
            // Unicode isolation marks would leak into attributes and e-mail subjects.
            bundle.set_use_isolating(false);
            for (file, text) in lang.files {
                let resource =
                    FluentResource::try_new(text.to_string()).unwrap_or_else(|(_, errors)| {
                        panic!("locales/{}/{file}: {errors:?}", lang.tag)
                    });
                bundle
                    .add_resource(resource)
                    .unwrap_or_else(|errors| panic!("locales/{}/{file}: {errors:?}", lang.tag));
            }
            bundle
        })
    }

    /// `key` (a message, or `message.attribute`) in language `i` alone; `None` when it is
    /// missing there or does not format with `args`.
    fn format_in(&self, i: usize, key: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
        let bundle = self.bundle(i);
        let pattern = match key.split_once('.') {
            Some((message, attribute)) => bundle
                .get_message(message)?
                .get_attribute(attribute)?
                .value(),
            None => bundle.get_message(key)?.value()?,
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }

    /// `key` in language `i`, else in the next language of its chain that has it.
    fn lookup(&self, i: usize, key: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
        self.chains[i]
            .iter()
            .find_map(|j| self.format_in(*j, key, args))
    }

    /// Which languages have been parsed so far.
    #[cfg(test)]
    fn parsed(&self) -> Vec<&'static str> {
        (0..self.languages.len())
            .filter(|i| self.bundles[*i].get().is_some())
            .map(|i| self.languages[i].tag)
            .collect()
    }
}

/// Where language `i`'s missing messages are looked for (see `Catalogue::chains`), as
/// fluent-templates did: a regional folder (`pt-BR`) need only hold what differs from
/// its language's (`pt`).
fn fallback_chain(tags: &[LanguageIdentifier], i: usize, english: usize) -> Vec<usize> {
    let bare = |t: &LanguageIdentifier| t.script.is_none() && t.region.is_none();
    let same: Vec<usize> = (0..tags.len())
        .filter(|j| *j != i && tags[*j].language == tags[i].language)
        .collect();
    let mut chain = vec![i];
    chain.extend(same.iter().filter(|j| bare(&tags[**j])));
    chain.extend(same.iter().filter(|j| !bare(&tags[**j])));
    if !chain.contains(&english) {
        chain.push(english);
    }
    chain
}

/// A translator bound to one language. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Tr {
    /// Where the language is in the catalogue.
    lang: usize,
}

impl Default for Tr {
    fn default() -> Self {
        Tr::new("en-US")
    }
}

impl Tr {
    pub fn new(tag: &str) -> Tr {
        Tr {
            lang: negotiate([tag].into_iter()),
        }
    }

    /// Picks the best supported language from a profile setting or an `Accept-Language`.
    pub fn choose(profile: Option<&str>, accept_language: Option<&str>) -> Tr {
        if let Some(p) = profile.filter(|p| !p.is_empty()) {
            return Tr::new(p);
        }
        let mut prefs: Vec<(f32, &str)> = accept_language
            .unwrap_or_default()
            .split(',')
            .filter_map(|part| {
                let mut it = part.trim().split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                (!tag.is_empty() && tag != "*").then_some((q, tag))
            })
            .collect();
        prefs.sort_by(|a, b| b.0.total_cmp(&a.0));
        Tr {
            lang: negotiate(prefs.into_iter().map(|(_, t)| t)),
        }
    }

    pub fn lang(&self) -> String {
        CATALOGUE.languages[self.lang].tag.to_string()
    }

    /// The message `key`; a missing key shows as "Unknown localization key" (and a test
    /// catches it).
    pub fn t(&self, key: &str) -> String {
        self.lookup(key, None)
    }

    /// The message `key` with one argument. Pass counts as numbers (not `to_string()`ed):
    /// only a number reaches Fluent's plural selector (`{ $n -> [one] … *[other] … }`).
    pub fn t1(&self, key: &str, name: &'static str, value: impl Into<Arg>) -> String {
        self.ta(key, &[(name, value.into())])
    }

    /// The message `key` with arguments; mix kinds with `Arg::from`, e.g.
    /// `&[("minutes", Arg::from(5)), ("from", Arg::from(time))]`.
    pub fn ta<A: Clone + Into<Arg>>(&self, key: &str, args: &[(&'static str, A)]) -> String {
        let mut fluent = FluentArgs::with_capacity(args.len());
        for (k, v) in args {
            fluent.set(*k, v.clone().into().into_fluent());
        }
        self.lookup(key, Some(&fluent))
    }

    fn lookup(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        CATALOGUE
            .lookup(self.lang, key, args)
            .unwrap_or_else(|| format!("Unknown localization key: {key:?}"))
    }

    pub fn has(&self, key: &str) -> bool {
        CATALOGUE.lookup(self.lang, key, None).is_some()
    }

    /// The writing direction of the language, for `<html dir>`: a right-to-left script
    /// (Arabic, Hebrew, Persian, Urdu, …) needs only its folder of messages, the CSS uses
    /// logical properties.
    pub fn dir(&self) -> &'static str {
        dir_of(CATALOGUE.tags[self.lang].language.as_str())
    }

    /// The language's own name ("Deutsch"), for the switcher and the profile's choice.
    pub fn language_name(tag: &str) -> String {
        CATALOGUE.languages[Tr::new(tag).lang].name.to_string()
    }

    /// Names and parts of a date as this language writes them.
    fn date_args(&self, d: jiff::civil::Date, short: bool) -> Vec<(&'static str, String)> {
        let (wd, mo) = if short {
            ("weekday-short", "month-short")
        } else {
            ("weekday-long", "month")
        };
        vec![
            (
                "weekday",
                self.t(&format!("{wd}-{}", d.weekday().to_monday_one_offset())),
            ),
            ("day", d.day().to_string()),
            ("month", self.t(&format!("{mo}-{}", d.month()))),
            ("year", d.year().to_string()),
        ]
    }

    /// An instant as a reader of this language writes it: "Wed, 2 Dec 2026, 21:38 JST",
    /// "Mi., 2. Dez. 2026, 21:38 JST", "mié, 2 dic 2026, 21:38 JST",
    /// "mer. 2 déc. 2026, 21:38 JST".
    pub fn datetime(&self, z: &jiff::Zoned) -> String {
        let mut args = self.date_args(z.date(), true);
        args.push(("time", z.strftime("%H:%M").to_string()));
        args.push(("zone", z.strftime("%Z").to_string()));
        self.ta("datetime-full", &args)
    }

    /// A day heading: "Wednesday, 2 December 2026", "miércoles, 2 de diciembre de 2026".
    pub fn day_long(&self, d: jiff::civil::Date) -> String {
        self.ta("date-weekday-long", &self.date_args(d, false))
    }

    /// A slot in a list whose year is obvious: "Wed 2 Dec, 14:00", "mer. 2 déc., 14:00".
    pub fn slot(&self, z: &jiff::Zoned) -> String {
        let mut args = self.date_args(z.date(), true);
        args.push(("time", z.strftime("%H:%M").to_string()));
        self.ta("datetime-slot", &args)
    }

    /// A short date: "2 Dec 2026", "2. Dez. 2026".
    pub fn date_short(&self, d: jiff::civil::Date) -> String {
        self.ta("date-short", &self.date_args(d, true))
    }

    /// A month of a year: "Dec 2026", "déc. 2026".
    pub fn month_year(&self, year: i16, month: i8) -> String {
        self.ta(
            "date-month-year",
            &[
                ("month", self.t(&format!("month-short-{month}"))),
                ("year", year.to_string()),
            ],
        )
    }

    /// A decimal number with `places` decimals and this language's separators:
    /// 1,234.5 / 1.234,5 / 1 234,5.
    pub fn decimal(&self, value: f64, places: usize) -> String {
        let plain = format!("{:.*}", places, value.abs());
        let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
        let sign = if value < 0.0 && plain.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
            "-"
        } else {
            ""
        };
        format!("{sign}{}", self.join_number(int, frac))
    }

    /// Digits `int` grouped by thousands, and `frac` (may be empty) after the decimal sign.
    pub fn join_number(&self, int: &str, frac: &str) -> String {
        let group = self.t("number-group-separator");
        let mut out = String::new();
        for (i, ch) in int.chars().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                out.push_str(&group);
            }
            out.push(ch);
        }
        if !frac.is_empty() {
            out.push_str(&self.t("number-decimal-separator"));
            out.push_str(frac);
        }
        out
    }
}

/// Right-to-left for the languages written in Arabic or Hebrew script (by primary subtag).
fn dir_of(language: &str) -> &'static str {
    match language {
        "ar" | "he" | "fa" | "ur" | "ps" | "sd" | "ug" | "yi" | "dv" | "ckb" => "rtl",
        _ => "ltr",
    }
}

/// The cookie a visitor's language switcher sets (read when nobody is signed in, or the
/// profile says "same as my browser").
pub const LANG_COOKIE: &str = "lectern_lang";

/// Whether `tag` is exactly one of the languages we have (a switcher's or a profile's value).
pub fn is_supported(tag: &str) -> bool {
    // Exactly as the folder is named: "DE" or "de-de" are not what the switcher offers.
    CATALOGUE.languages.iter().any(|l| l.tag == tag)
}

/// A message argument. Numbers stay numbers all the way into Fluent, where they pick the
/// language's plural form; text is never parsed as a number ("007" stays "007").
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Text(String),
    Number(f64),
}

impl Arg {
    fn into_fluent(self) -> FluentValue<'static> {
        match self {
            Arg::Text(s) => FluentValue::from(s),
            Arg::Number(n) => FluentValue::from(n),
        }
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}

impl From<Cow<'_, str>> for Arg {
    fn from(s: Cow<'_, str>) -> Arg {
        Arg::Text(s.into_owned())
    }
}

/// Templates and callers often hold a reference; it converts like the value.
impl<T: Clone + Into<Arg>> From<&T> for Arg {
    fn from(v: &T) -> Arg {
        v.clone().into()
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                // Counts shown to people are far below 2^53, where f64 is exact.
                Arg::Number(n as f64)
            }
        }
    )*};
}
number_args!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64);

/// The languages offered in the profile form.
pub fn supported() -> Vec<String> {
    // build.rs lists the folders sorted by name.
    CATALOGUE
        .languages
        .iter()
        .map(|l| l.tag.to_string())
        .collect()
}

/// The first of `tags` (best first) we have, exactly or by its language (`es-MX` → `es`),
/// as a place in the catalogue; English when none is.
fn negotiate<'a>(tags: impl Iterator<Item = &'a str>) -> usize {
    let available = &CATALOGUE.tags;
    for tag in tags {
        let Ok(want) = tag.parse::<LanguageIdentifier>() else {
            continue;
        };
        if let Some(exact) = available.iter().position(|l| *l == want) {
            return exact;
        }
        if let Some(same_lang) = available.iter().position(|l| l.language == want.language) {
            return same_lang;
        }
    }
    CATALOGUE.english
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A language is parsed when one of its messages is first asked for, English only
    /// when the language lacks a message; the others stay unparsed (their memory is the
    /// point, see the module's doc).
    #[test]
    fn a_language_is_parsed_on_first_use_only() {
        let catalogue = Catalogue::new(GENERATED);
        assert!(GENERATED.len() >= 4, "{GENERATED:?}");
        assert!(catalogue.parsed().is_empty());
        let de = GENERATED.iter().position(|l| l.tag == "de").unwrap();
        assert_eq!(
            catalogue.lookup(de, "language-name", None).as_deref(),
            Some("Deutsch")
        );
        assert_eq!(catalogue.parsed(), ["de"]);
        // A key German lacks falls back to English, which is parsed for it.
        assert_eq!(catalogue.lookup(de, "no-such-key", None), None);
        assert_eq!(catalogue.parsed(), ["de", "en-US"]);
        // Asked again: the same bundles, nothing else parsed.
        assert!(catalogue.lookup(de, "nav-catalogue", None).is_some());
        assert_eq!(catalogue.parsed(), ["de", "en-US"]);
    }

    /// A regional folder holds only what differs: its missing messages come from its
    /// language's folder, then English; `message.attribute` reaches an attribute; each
    /// language is parsed only when its turn in the chain comes.
    #[test]
    fn regional_folders_fall_back_to_their_language_then_english() {
        static LANGUAGES: &[Language] = &[
            Language {
                tag: "de",
                name: "Deutsch",
                files: &[("a.ftl", "hello = Hallo\nonly-de = Nur Deutsch\n")],
            },
            Language {
                tag: "de-AT",
                name: "Deutsch (Österreich)",
                files: &[("a.ftl", "hello = Servus\n")],
            },
            Language {
                tag: "en-US",
                name: "English",
                files: &[(
                    "a.ftl",
                    "hello = Hello\nonly-en = Only English\nbutton = Save\n    .title = Saves the page\n",
                )],
            },
            Language {
                tag: "fr",
                name: "Français",
                files: &[("a.ftl", "hello = Bonjour\n")],
            },
        ];
        let catalogue = Catalogue::new(LANGUAGES);
        let (de, at, en, fr) = (0, 1, 2, 3);
        assert_eq!(
            catalogue.lookup(at, "hello", None).as_deref(),
            Some("Servus")
        );
        assert_eq!(catalogue.parsed(), ["de-AT"]);
        assert_eq!(
            catalogue.lookup(at, "only-de", None).as_deref(),
            Some("Nur Deutsch")
        );
        assert_eq!(catalogue.parsed(), ["de", "de-AT"]);
        assert_eq!(
            catalogue.lookup(at, "only-en", None).as_deref(),
            Some("Only English")
        );
        assert_eq!(catalogue.parsed(), ["de", "de-AT", "en-US"]);
        assert_eq!(
            catalogue.lookup(de, "hello", None).as_deref(),
            Some("Hallo")
        );
        // The bare language's own gaps go to its variants, then English.
        assert_eq!(catalogue.chains[de], [de, at, en]);
        assert_eq!(catalogue.chains[fr], [fr, en]);
        assert_eq!(catalogue.chains[en], [en]);
        assert_eq!(
            catalogue.lookup(fr, "button.title", None).as_deref(),
            Some("Saves the page")
        );
        assert_eq!(
            catalogue.lookup(fr, "button", None).as_deref(),
            Some("Save")
        );
        assert_eq!(catalogue.lookup(fr, "button.nothing", None), None);
        assert_eq!(catalogue.lookup(fr, "nothing", None), None);
    }

    /// The switcher's names come from `build.rs`'s reading of each folder; they are what
    /// the parsed `language-name` messages say, and `Tr::language_name` gives them
    /// without parsing a language.
    #[test]
    fn each_languages_name_is_its_language_name_message() {
        let catalogue = Catalogue::new(GENERATED);
        for (i, lang) in GENERATED.iter().enumerate() {
            assert_eq!(
                catalogue.format_in(i, "language-name", None).as_deref(),
                Some(lang.name),
                "locales/{}",
                lang.tag
            );
            assert_eq!(Tr::language_name(lang.tag), lang.name);
        }
        assert_eq!(Tr::language_name("fr"), "Français");
    }

    /// A key missing everywhere shows as such and `has` says so, a missing attribute too
    /// (attributes that exist: `regional_folders_fall_back_to_their_language_then_english`).
    #[test]
    fn attributes_and_missing_keys() {
        let tr = Tr::new("en-US");
        // (Through a variable: `every_used_key_exists_in_english` reads literal keys.)
        let missing = "no-such-key";
        assert!(!tr.has(missing));
        assert_eq!(tr.t(missing), "Unknown localization key: \"no-such-key\"");
        assert!(tr.has("language-name"));
        assert!(!tr.has("language-name.no-such-attribute"));
    }

    #[test]
    fn accept_language_is_negotiated() {
        assert_eq!(Tr::choose(None, Some("xx, en-GB;q=0.8")).lang(), "en-US");
        assert_eq!(Tr::choose(None, None).lang(), "en-US");
        assert_eq!(Tr::choose(Some("de"), Some("en")).lang(), "de");
        assert_eq!(Tr::choose(None, Some("fr;q=0.5, de;q=0.9")).lang(), "de");
    }

    /// Counts reach Fluent as numbers, so each language's plural rules pick the form: one
    /// minute / 2 minutes, eine Minute / 2 Minuten. Passed as text they would always get
    /// the `other` form ("1 minutes").
    #[test]
    fn counts_use_the_languages_plural_forms() {
        let en = Tr::new("en-US");
        let de = Tr::new("de");
        assert_eq!(en.t1("lesson-duration", "minutes", 1), "1 minute");
        assert_eq!(en.t1("lesson-duration", "minutes", 90_i64), "90 minutes");
        assert_eq!(en.t1("lesson-duration", "minutes", 0_u32), "0 minutes");
        assert_eq!(de.t1("lesson-duration", "minutes", 1_usize), "1 Minute");
        assert_eq!(de.t1("lesson-duration", "minutes", 2), "2 Minuten");
        let attendance = |tr: &Tr, minutes: i64| {
            tr.ta(
                "live-my-attendance",
                &[
                    ("minutes", Arg::from(minutes)),
                    ("from", Arg::from("10:00")),
                    ("to", Arg::from("10:01")),
                ],
            )
        };
        assert_eq!(
            attendance(&en, 1),
            "You attended for 1 minute (10:00 – 10:01)."
        );
        assert_eq!(
            attendance(&en, 5),
            "You attended for 5 minutes (10:00 – 10:01)."
        );
        assert_eq!(
            attendance(&de, 1),
            "Sie waren 1 Minute anwesend (10:00 – 10:01)."
        );
        assert_eq!(
            attendance(&de, 5),
            "Sie waren 5 Minuten anwesend (10:00 – 10:01)."
        );
        let attempts = |tr: &Tr, count: i64| {
            tr.ta(
                "quiz-attempts",
                &[("count", Arg::from(count)), ("best", Arg::from(80))],
            )
        };
        assert_eq!(attempts(&en, 1), "1 attempt, best score 80%");
        assert_eq!(attempts(&en, 3), "3 attempts, best score 80%");
        assert_eq!(attempts(&de, 1), "1 Versuch, bestes Ergebnis 80 %");
        assert_eq!(attempts(&de, 3), "3 Versuche, bestes Ergebnis 80 %");
        assert_eq!(
            en.t1("form-password-short", "min", 1),
            "Use at least 1 character."
        );
        assert_eq!(
            en.t1("form-password-short", "min", 10),
            "Use at least 10 characters."
        );
        assert_eq!(
            en.t1("course-too-long", "max", 1),
            "Use at most 1 character."
        );
        // Text stays text, even when it looks like a number.
        assert_eq!(
            en.t1("zoom-oauth-failed", "reason", "007"),
            "OAuth authorization failed: 007"
        );
    }

    /// Keys defined in a locale folder (all its .ftl files).
    fn keys_of(lang: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang);
        let mut keys = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            keys.extend(
                text.lines()
                    .filter(|l| !l.starts_with(['#', ' ', '\t', '.']) && l.contains(" ="))
                    .filter_map(|l| l.split(" =").next())
                    .map(str::to_string),
            );
        }
        keys
    }

    #[test]
    fn translations_cover_the_core_catalogue() {
        let core = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/locales/en-US/main.ftl"
        ))
        .unwrap();
        let core: Vec<&str> = core
            .lines()
            .filter(|l| !l.starts_with(['#', ' ', '\t', '.']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next())
            .collect();
        assert!(core.len() > 50);
        for lang in supported().into_iter().filter(|l| l != "en-US") {
            let have = keys_of(&lang);
            for k in &core {
                assert!(have.iter().any(|h| h == k), "{lang} lacks {k}");
            }
        }
    }

    /// Every key the code and templates ask for exists in English, so no page shows a raw key.
    #[test]
    fn every_used_key_exists_in_english() {
        let en = keys_of("en-US");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        let mut stack = vec![root.join("src"), root.join("templates")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for pat in ["t(\"", "t1(\"", "ta(\""] {
                    for (i, _) in text.match_indices(pat) {
                        let rest = &text[i + pat.len()..];
                        let key: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                            .collect();
                        let preceded_by_ident = text[..i]
                            .chars()
                            .last()
                            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                        if !preceded_by_ident
                            && rest[key.len()..].starts_with('"')
                            && !key.is_empty()
                            && !en.contains(&key)
                        {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from locales/en-US: {missing:#?}"
        );
    }

    /// One message as a simple line parser sees it.
    struct FtlMessage {
        /// The .ftl file it is defined in.
        file: String,
        id: String,
        /// The names of its `.attributes`.
        attrs: std::collections::BTreeSet<String>,
        /// The `$variables` its value, attributes and selectors use.
        vars: std::collections::BTreeSet<String>,
    }

    /// The .ftl files of a language folder, sorted by name.
    fn ftl_files(lang: &str) -> Vec<std::path::PathBuf> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang);
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        files
    }

    /// Message ids, attributes and the `$variables` each uses, from every .ftl file of a language.
    fn ftl_messages(lang: &str) -> Vec<FtlMessage> {
        let mut out: Vec<FtlMessage> = Vec::new();
        for path in ftl_files(lang) {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let mut in_message = false;
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                if !line.starts_with(['#', ' ', '\t', '.', '-']) && line.contains(" =") {
                    out.push(FtlMessage {
                        file: file.clone(),
                        id: line.split(" =").next().unwrap().trim().to_string(),
                        attrs: Default::default(),
                        vars: Default::default(),
                    });
                    in_message = true;
                } else if line.trim().is_empty() {
                    continue; // blank lines may sit inside a multi-line message
                } else if !line.starts_with([' ', '\t']) {
                    in_message = false;
                    continue;
                }
                if !in_message {
                    continue;
                }
                let msg = out.last_mut().unwrap();
                if let Some((attr, _)) = line
                    .trim_start()
                    .strip_prefix('.')
                    .and_then(|a| a.split_once('='))
                {
                    msg.attrs.insert(attr.trim().to_string());
                }
                for part in line.split('$').skip(1) {
                    let v: String = part
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                        .collect();
                    if !v.is_empty() {
                        msg.vars.insert(v);
                    }
                }
            }
        }
        out
    }

    /// Arguments for every variable of a message, as text and as numbers 1 and 2 (so both
    /// the `one` and `other` plural variants get formatted).
    fn sample_args(
        vars: &std::collections::BTreeSet<String>,
    ) -> Vec<fluent_bundle::FluentArgs<'static>> {
        [
            FluentValue::from("x"),
            FluentValue::from(1),
            FluentValue::from(2),
        ]
        .into_iter()
        .map(|value| {
            let mut args = fluent_bundle::FluentArgs::new();
            for v in vars {
                args.set(v.clone(), value.clone());
            }
            args
        })
        .collect()
    }

    /// Every English message in EVERY .ftl file formats without Fluent errors when given its
    /// variables (a broken message shows "Unknown localization key" on the page).
    #[test]
    fn every_english_message_formats() {
        let en = ftl_messages("en-US");
        assert!(en.len() > 50, "{} English messages", en.len());
        let mut seen = std::collections::HashSet::new();
        let tr = Tr::new("en-US");
        for m in &en {
            let id = &m.id;
            assert!(
                seen.insert(id.clone()),
                "{id} is defined twice in locales/en-US"
            );
            let mut args = FluentArgs::new();
            for v in &m.vars {
                args.set(v.clone(), FluentValue::from("x"));
            }
            assert!(
                CATALOGUE.lookup(tr.lang, id, Some(&args)).is_some(),
                "en-US: {id} does not format with {:?}",
                m.vars
            );
        }
    }

    /// Every message of EVERY English .ftl file exists in every other language with the same
    /// attributes and the same `$variables`, and formats there without Fluent errors. The
    /// other language's files are parsed on their own, so English fallback can't hide a gap.
    #[test]
    fn every_language_has_every_english_message_with_its_variables() {
        use fluent_bundle::{FluentBundle, FluentResource};

        let en = ftl_messages("en-US");
        assert!(en.len() > 200, "{} English messages", en.len());
        // The folders on disk, not `supported()`: a syntax error makes the loader panic, and
        // this test should name the file instead.
        let mut others: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/locales"))
                .unwrap()
                .map(|e| e.unwrap())
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|l| l != "en-US")
                .collect();
        others.sort();
        assert!(!others.is_empty(), "no language besides en-US");
        for lang in others {
            let mut problems = Vec::new();

            let mut bundle = FluentBundle::new(vec![lang.parse().unwrap()]);
            bundle.set_use_isolating(false);
            for path in ftl_files(&lang) {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&path).unwrap();
                let resource = FluentResource::try_new(text).unwrap_or_else(|(res, errors)| {
                    problems.push(format!("{lang}/{name} has syntax errors: {errors:?}"));
                    res
                });
                if let Err(errors) = bundle.add_resource(resource) {
                    problems.push(format!("{lang}/{name}: {errors:?}"));
                }
            }

            let theirs = ftl_messages(&lang);
            let theirs: HashMap<&str, &FtlMessage> =
                theirs.iter().map(|m| (m.id.as_str(), m)).collect();
            for m in &en {
                let (id, file) = (&m.id, &m.file);
                let Some(t) = theirs.get(id.as_str()) else {
                    problems.push(format!("{lang} lacks {id} (from en-US/{file})"));
                    continue;
                };
                if t.vars != m.vars {
                    problems.push(format!(
                        "{lang}/{}: {id} uses {:?}, en-US/{file} uses {:?}",
                        t.file, t.vars, m.vars
                    ));
                }
                if t.attrs != m.attrs {
                    problems.push(format!(
                        "{lang}/{}: {id} has attributes {:?}, en-US/{file} has {:?}",
                        t.file, t.attrs, m.attrs
                    ));
                }
                let Some(msg) = bundle.get_message(id) else {
                    problems.push(format!("{lang}/{}: {id} is not a valid message", t.file));
                    continue;
                };
                let bundle_attrs: std::collections::BTreeSet<String> =
                    msg.attributes().map(|a| a.id().to_string()).collect();
                if bundle_attrs != m.attrs {
                    problems.push(format!(
                        "{lang}/{}: {id} has attributes {bundle_attrs:?}, en-US/{file} has {:?}",
                        t.file, m.attrs
                    ));
                }
                for args in sample_args(&m.vars) {
                    let mut errors = Vec::new();
                    let patterns = msg
                        .value()
                        .into_iter()
                        .chain(msg.attributes().map(|a| a.value()));
                    for pattern in patterns {
                        bundle.format_pattern(pattern, Some(&args), &mut errors);
                    }
                    if !errors.is_empty() {
                        problems.push(format!(
                            "{lang}/{}: {id} does not format: {errors:?}",
                            t.file
                        ));
                        break;
                    }
                }
            }
            assert!(problems.is_empty(), "{lang}: {problems:#?}");
        }
    }
}
