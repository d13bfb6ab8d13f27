//! The message catalogue. Every user-facing string is a Fluent message under
//! `locales/<lang>/`; adding a language means adding a folder. The language comes from the
//! user's profile, else the browser's `Accept-Language`, else English.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-US",
        // Unicode isolation marks would leak into attributes and e-mail subjects.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A translator bound to one language. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Tr {
    lang: LanguageIdentifier,
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
        self.lang.to_string()
    }

    /// The message `key`; a missing key shows the key itself (and a test catches it).
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(&self.lang, key)
    }

    pub fn t1(&self, key: &str, name: &'static str, value: impl ToString) -> String {
        self.ta(key, &[(name, value.to_string())])
    }

    pub fn ta(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_with_args(&self.lang, key, &map)
    }

    pub fn has(&self, key: &str) -> bool {
        LOCALES.try_lookup(&self.lang, key).is_some()
    }
}

/// The languages offered in the profile form.
pub fn supported() -> Vec<String> {
    let mut v: Vec<String> = LOCALES.locales().map(|l| l.to_string()).collect();
    v.sort();
    v
}

fn negotiate<'a>(tags: impl Iterator<Item = &'a str>) -> LanguageIdentifier {
    let available: Vec<&LanguageIdentifier> = LOCALES.locales().collect();
    for tag in tags {
        let Ok(want) = tag.parse::<LanguageIdentifier>() else {
            continue;
        };
        if let Some(exact) = available.iter().find(|l| ***l == want) {
            return (*exact).clone();
        }
        if let Some(same_lang) = available.iter().find(|l| l.language == want.language) {
            return (*same_lang).clone();
        }
    }
    "en-US".parse().expect("valid tag")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_is_negotiated() {
        assert_eq!(Tr::choose(None, Some("xx, en-GB;q=0.8")).lang(), "en-US");
        assert_eq!(Tr::choose(None, None).lang(), "en-US");
        assert_eq!(Tr::choose(Some("de"), Some("en")).lang(), "de");
        assert_eq!(Tr::choose(None, Some("fr;q=0.5, de;q=0.9")).lang(), "de");
    }

    #[test]
    fn every_language_has_every_english_key() {
        let en = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/en-US/main.ftl")).unwrap();
        let keys: Vec<&str> = en
            .lines()
            .filter(|l| !l.starts_with(['#', ' ', '\t', '.']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next())
            .collect();
        assert!(keys.len() > 50);
        for lang in supported() {
            let tr = Tr::new(&lang);
            for k in &keys {
                assert!(tr.has(k), "{lang} lacks {k}");
            }
        }
    }
}
