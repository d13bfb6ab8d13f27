//! The language switcher in Chromium: a visitor picks each language from the footer, and
//! the catalogue, a course page, the sign-in page and (signed in) a lesson player are in
//! that language, with `lang`/`dir` on the root and no untranslated message id showing.

use lectern::i18n::Tr;

use crate::support::TestApp;
use crate::support::browser::{self, Browser};
use crate::support::courses::{enrolled_student, published_course};

/// Every message id of the English catalogue (the reference every language follows).
fn message_ids() -> std::collections::HashSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/locales/en-US");
    let mut ids = std::collections::HashSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            if line.starts_with(|c: char| c.is_ascii_lowercase())
                && let Some((id, _)) = line.split_once(" =")
            {
                ids.insert(id.trim().to_string());
            }
        }
    }
    assert!(ids.len() > 500, "{} ids", ids.len());
    ids
}

/// What the page shows a person: its text, its title, and the attributes read out or
/// shown (labels, placeholders, titles, alt texts, button values).
async fn visible_words(b: &Browser) -> Vec<String> {
    let v = b
        .eval(
            r#"
            const parts = [document.title, document.body.innerText];
            for (const el of document.querySelectorAll('[aria-label],[placeholder],[title],[alt],input[type=submit][value]')) {
              for (const a of ['aria-label', 'placeholder', 'title', 'alt', 'value']) {
                if (el.hasAttribute(a) && (a !== 'value' || el.type === 'submit')) parts.push(el.getAttribute(a));
              }
            }
            return parts.join('\n');
            "#,
        )
        .await;
    v.as_str()
        .unwrap_or_default()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| w.contains('-'))
        .map(str::to_string)
        .collect()
}

/// The root's `lang` and `dir`, and no message id among the words shown.
async fn assert_translated(
    b: &Browser,
    ids: &std::collections::HashSet<String>,
    tag: &str,
    page: &str,
) {
    let root = b
        .eval("return [document.documentElement.lang, document.documentElement.dir];")
        .await;
    assert_eq!(root, serde_json::json!([tag, "ltr"]), "{tag} {page}");
    let raw: Vec<String> = visible_words(b)
        .await
        .into_iter()
        .filter(|w| ids.contains(w))
        .collect();
    assert!(raw.is_empty(), "{tag} {page}: untranslated {raw:?}");
    // The page really is in that language: the header's link reads as the catalogue says.
    let catalogue = Tr::new(tag).t("nav-catalogue");
    assert_eq!(
        b.text("header nav a[href=\"/\"]").await,
        catalogue,
        "{tag} {page}"
    );
}

db_test!(switcher_turns_key_pages_into_each_language);
async fn switcher_turns_key_pages_into_each_language(app: TestApp) {
    if !browser::available("switcher_turns_key_pages_into_each_language") {
        return;
    }
    let course = published_course(
        &app,
        "Polyglot course",
        &[
            (
                "document",
                vec![
                    ("title", "Read me"),
                    ("body", "# Hello"),
                    ("required", "on"),
                ],
            ),
            (
                "quiz",
                vec![
                    ("title", "Check"),
                    ("quiz", "? 2 + 2?\n- 3\n* 4"),
                    ("pass_mark", "50"),
                    ("required", "on"),
                ],
            ),
        ],
    )
    .await;
    let student = enrolled_student(&app, course.id, "poly@test.example", "Poly Glot").await;
    let ids = message_ids();
    let base = app.base_url.clone();
    let b = Browser::start().await;
    for tag in ["es", "fr", "de", "en-US"] {
        // A visitor chooses the language in the footer of the catalogue.
        b.goto(&format!("{base}/")).await;
        b.click(&format!(".lang-switch a[data-lang=\"{tag}\"]"))
            .await;
        b.wait_css(&format!(
            "html[lang=\"{tag}\"] .lang-switch a[aria-current][data-lang=\"{tag}\"]"
        ))
        .await;
        assert_eq!(
            b.eval("return location.pathname;").await,
            serde_json::json!("/"),
            "the switcher comes back to the page"
        );
        assert_translated(&b, &ids, tag, "catalogue").await;

        b.goto(&format!("{base}/courses/{}", course.slug)).await;
        b.wait_css(&format!("html[lang=\"{tag}\"]")).await;
        assert_translated(&b, &ids, tag, "course page").await;

        b.goto(&format!("{base}/signin")).await;
        b.wait_css("#signin-submit").await;
        assert_translated(&b, &ids, tag, "sign-in").await;

        // Signed in without a profile language, the visitor's choice still holds.
        b.fill("input[name=email]", &student.email).await;
        b.fill("input[name=password]", &student.password).await;
        b.click("#signin-submit").await;
        b.wait_css("#signout").await;
        for (i, lesson) in course.lessons.iter().enumerate() {
            b.goto(&format!("{base}/courses/{}/lessons/{lesson}", course.slug))
                .await;
            b.wait_css(&format!("html[lang=\"{tag}\"] main")).await;
            assert_translated(&b, &ids, tag, &format!("lesson {i}")).await;
        }
        b.click("#signout").await;
        b.wait_css("#nav-signin").await;
    }
    b.close().await;
}
