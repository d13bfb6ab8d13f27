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
    negotiate_among(&available, tags)
}

fn negotiate_among<'a>(available: &[&LanguageIdentifier], tags: impl Iterator<Item = &'a str>) -> LanguageIdentifier {
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
    use std::collections::BTreeMap;
    use std::path::Path;

    #[test]
    fn accept_language_is_negotiated() {
        assert_eq!(Tr::choose(None, Some("xx, en-GB;q=0.8")).lang(), "en-US");
        assert_eq!(Tr::choose(None, None).lang(), "en-US");
        // The profile wins over the browser.
        assert_eq!(Tr::choose(Some("en-US"), Some("xx")).lang(), "en-US");
        // Every result is a language we ship.
        for accept in ["fr;q=0.5, de;q=0.9", "*", "en", ""] {
            assert!(supported().contains(&Tr::choose(None, Some(accept)).lang()), "{accept}");
        }
    }

    #[test]
    fn negotiation_prefers_quality_then_exact_then_same_language() {
        let avail: Vec<LanguageIdentifier> = ["en-US", "de", "fr-CA"].iter().map(|t| t.parse().unwrap()).collect();
        let pick = |tags: &[&str]| negotiate_among(&avail.iter().collect::<Vec<_>>(), tags.iter().copied()).to_string();
        assert_eq!(pick(&["de-AT"]), "de");
        assert_eq!(pick(&["fr"]), "fr-CA");
        assert_eq!(pick(&["xx", "de"]), "de");
        assert_eq!(pick(&["xx"]), "en-US");
    }

    /// Message ids (and the `$variables` each uses) of every .ftl file in a language folder.
    fn messages(lang_dir: &Path) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        let mut files: Vec<_> = std::fs::read_dir(lang_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let mut current: Option<String> = None;
            for line in text.lines() {
                let is_msg = !line.starts_with(['#', ' ', '\t', '.', '-']) && line.contains(" =");
                if is_msg {
                    let id = line.split(" =").next().unwrap().trim().to_string();
                    assert!(out.insert(id.clone(), Vec::new()).is_none(), "{id} defined twice ({})", file.display());
                    current = Some(id);
                } else if line.trim().is_empty() {
                    continue; // blank lines may sit inside a multi-line message
                } else if !line.starts_with([' ', '\t']) {
                    current = None;
                    continue;
                }
                if let Some(id) = &current {
                    let vars = out.get_mut(id).unwrap();
                    for part in line.split('$').skip(1) {
                        let v: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-').collect();
                        if !v.is_empty() && !vars.contains(&v) {
                            vars.push(v);
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_language_has_every_english_key() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let en = messages(&root.join("en-US"));
        assert!(en.len() > 50, "{} English messages", en.len());
        // Every English message formats without errors, given its variables.
        let tr = Tr::new("en-US");
        for (id, vars) in &en {
            let args: HashMap<Cow<'static, str>, FluentValue<'_>> =
                vars.iter().map(|v| (Cow::Owned(v.clone()), FluentValue::from("x"))).collect();
            assert!(LOCALES.try_lookup_with_args(&tr.lang, id, &args).is_some(), "en-US: {id} does not format");
        }
        // Other languages have the same ids (Fluent would silently fall back to English).
        for entry in std::fs::read_dir(&root).unwrap() {
            let dir = entry.unwrap().path();
            if !dir.is_dir() || dir.ends_with("en-US") {
                continue;
            }
            let other = messages(&dir);
            let missing: Vec<&String> = en.keys().filter(|k| !other.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", dir.display());
        }
    }
}
