//! The dependency rules of docs/ARCHITECTURE.md, checked against the source: which module
//! may name which (`use crate::…` and `crate::…::` paths, comments ignored). A change that
//! makes a capability call one above it fails here; reverse the call with a hook (see
//! `courses::hooks`, `zoom_connection::ZoomDataHooks`) instead of widening a rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Modules every module may name: configuration, keys, the pool, change notifications,
/// translations, logging, and `web`, the HTTP edge all pages share.
const FOUNDATION: &[&str] = &["config", "crypto", "db", "push", "i18n", "telemetry", "web"];

/// Modules nothing but `main` names: they assemble the rest.
const EDGES: &[&str] = &["app", "server", "cli", "demo", "main", "lib"];

/// Each capability (and `ops`) with what it may name besides the foundation, lowest first.
const ALLOWED: &[(&str, &[&str])] = &[
    ("jobs", &[]),
    ("email", &["jobs"]),
    ("files", &["jobs"]),
    ("schools", &["files"]),
    ("accounts", &["schools", "email", "jobs"]),
    // Outgoing webhooks: low, so that every capability with an event records it in its
    // own transaction; the admins told of a disabled endpoint (accounts), the link to it
    // (schools), that mail (email), each delivery attempt (jobs).
    ("outbound", &["accounts", "schools", "email", "jobs"]),
    ("zoom_connection", &["schools", "email", "jobs"]),
    (
        "courses",
        &[
            "accounts",
            "schools",
            "zoom_connection",
            "files",
            "jobs",
            "outbound",
        ],
    ),
    (
        "live",
        &[
            "courses",
            "zoom_connection",
            "email",
            "jobs",
            "accounts",
            "schools",
            "outbound",
        ],
    ),
    (
        "certificates",
        &[
            "courses", "accounts", "schools", "files", "email", "jobs", "outbound",
        ],
    ),
    // Paid courses: a verified payment enrols (courses), the receipt goes by mail, links
    // are built on the school's origin, webhooks are processed by jobs.
    (
        "payments",
        &[
            "courses", "accounts", "schools", "email", "jobs", "outbound",
        ],
    ),
    // Course discussions: a board per course (courses), members' names and the rate
    // limit (accounts), links on the school's origin, posts' attachments (files),
    // notifications by mail and job.
    (
        "discussions",
        &["courses", "accounts", "schools", "files", "email", "jobs"],
    ),
    // Campaigns: audiences come from courses (enrolments, completion) and live
    // (attendance, read by SQL only), mail goes by email, one job per recipient.
    (
        "campaigns",
        &["courses", "accounts", "schools", "email", "jobs"],
    ),
    // Private 1-on-1 bookings: a booked slot becomes a private live lesson (courses) whose
    // session, invitation and cancellation are live's.
    (
        "bookings",
        &["courses", "live", "accounts", "schools", "jobs"],
    ),
    // The JSON API: thin handlers over courses', live's and certificates' functions,
    // acting as a token's user (accounts) on the school of the host (schools).
    (
        "api",
        &["courses", "live", "certificates", "accounts", "schools"],
    ),
    // Analytics: a course's figures rolled up from courses', live's and payments' rows (by
    // SQL only); the course pages' access check is courses'; roll-ups are jobs.
    ("analytics", &["courses", "jobs"]),
    ("webhooks", &["live", "zoom_connection", "jobs"]),
    // Export and import of a school: every capability's tables read and written by SQL
    // only (export/tables.rs lists them), the files' bytes through storage, the school's
    // slug checked (schools), archives written by a job.
    ("export", &["files", "schools", "jobs"]),
    // Operations: health, metrics and maintenance read every capability's counts.
    (
        "ops",
        &[
            "accounts",
            "schools",
            "email",
            "jobs",
            "zoom_connection",
            "api",
        ],
    ),
];

/// What the foundation modules may name besides each other. `web`'s context layer finds
/// the school and the user; its CSP report counts into `ops::metrics`, a leaf.
const FOUNDATION_EXTRA: &[(&str, &[&str])] = &[("web", &["accounts", "schools", "ops::metrics"])];

fn src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, as (top-level module, path).
fn files(dir: &Path, out: &mut Vec<(String, std::path::PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(src()).unwrap();
            let first = rel.components().next().unwrap().as_os_str();
            let module = first.to_string_lossy().trim_end_matches(".rs").to_string();
            out.push((module, path));
        }
    }
}

/// The module paths a file names under `crate::`, with two segments kept (`ops::metrics`).
fn named(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // `use crate::{a, b::c}`
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let item = item.trim();
                    if !item.is_empty() {
                        out.insert(two_segments(item));
                    }
                }
                continue;
            }
            out.insert(two_segments(rest));
        }
    }
    out
}

fn two_segments(path: &str) -> String {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let first = ident(path);
    match path[first.len()..].strip_prefix("::") {
        Some(rest) if !ident(rest).is_empty() => format!("{first}::{}", ident(rest)),
        _ => first,
    }
}

fn top(path: &str) -> &str {
    path.split("::").next().unwrap()
}

/// (module, file, named path) for every reference that breaks a rule.
fn violations() -> Vec<String> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let extra: BTreeMap<&str, &[&str]> = FOUNDATION_EXTRA.iter().copied().collect();
    let mut all = Vec::new();
    files(&src(), &mut all);
    let mut bad = Vec::new();
    for (module, path) in &all {
        if EDGES.contains(&module.as_str()) || module == "architecture_tests" {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        for name in named(&text) {
            let target = top(&name);
            if target == module || FOUNDATION.contains(&target) {
                continue;
            }
            let ok = if let Some(list) = allowed.get(module.as_str()) {
                list.contains(&target) || list.contains(&name.as_str())
            } else if FOUNDATION.contains(&module.as_str()) {
                extra
                    .get(module.as_str())
                    .is_some_and(|l| l.contains(&target) || l.contains(&name.as_str()))
            } else {
                false
            };
            if !ok {
                let rel = path.strip_prefix(src()).unwrap().display();
                bad.push(format!("{rel} ({module}) names crate::{name}"));
            }
        }
    }
    bad
}

#[test]
fn modules_name_only_what_the_dependency_rules_allow() {
    let bad = violations();
    assert!(
        bad.is_empty(),
        "dependency rules (docs/ARCHITECTURE.md) broken:\n  {}",
        bad.join("\n  ")
    );
}

#[test]
fn every_module_is_placed_by_a_rule() {
    let mut all = Vec::new();
    files(&src(), &mut all);
    let placed: BTreeSet<&str> = FOUNDATION
        .iter()
        .chain(EDGES)
        .chain(ALLOWED.iter().map(|(m, _)| m))
        .copied()
        .chain(["architecture_tests"])
        .collect();
    let unplaced: BTreeSet<&str> = all
        .iter()
        .map(|(m, _)| m.as_str())
        .filter(|m| !placed.contains(m))
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules with no dependency rule: {unplaced:?}"
    );
}

/// The allowed directions themselves form no cycle, so that the rules order the modules.
#[test]
fn the_allowed_directions_have_no_cycle() {
    let allowed: BTreeMap<&str, Vec<&str>> = ALLOWED
        .iter()
        .map(|(m, l)| (*m, l.iter().map(|t| top(t)).collect()))
        .collect();
    fn visit<'a>(
        m: &'a str,
        g: &BTreeMap<&'a str, Vec<&'a str>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(m) {
            return;
        }
        assert!(!stack.contains(&m), "cycle: {stack:?} → {m}");
        stack.push(m);
        for t in g.get(m).into_iter().flatten() {
            visit(t, g, stack, done);
        }
        stack.pop();
        done.insert(m);
    }
    let mut done = BTreeSet::new();
    for m in allowed.keys() {
        visit(m, &allowed, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_reader_finds_references_in_every_form() {
    let text = "use crate::live::jobs;\nuse crate::{app::AppState, db};\n// crate::hidden\nlet x = crate::ops::metrics::Metrics::new();\n";
    let found = named(text);
    for want in ["live::jobs", "app::AppState", "db", "ops::metrics"] {
        assert!(found.contains(want), "{want} not found in {found:?}");
    }
    assert!(!found.iter().any(|n| n.starts_with("hidden")));
}
