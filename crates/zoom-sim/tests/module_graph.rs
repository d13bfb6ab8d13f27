//! The modules of `src/` form no import cycle.
//!
//! The graph is read from the sources rather than from the compiler, so it sees what a
//! reader sees: every path a file names through `crate::` or `super::` (in `use` lines, in
//! code, and in `crate::{a, b::{c}}` groups) is an edge to the deepest module that path
//! names (`crate::api::meetings::MeetingInput` is an edge to `api::meetings`). Comment lines
//! are skipped. Each file is a node (`api/reports.rs` is `api::reports`, `api/mod.rs` is
//! `api`, `lib.rs` is `crate`). An edge from a module to one of its own submodules does not
//! count: a parent declares, routes to and re-exports its children, and the children may use
//! what it holds (`crate::Shared`, `super::authenticate`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Where an edge was seen: file and 1-based line.
type Seen = (String, usize);

/// module → module it uses → first place it does.
type Graph = BTreeMap<String, BTreeMap<String, Seen>>;

/// `src/api/meetings.rs` → `["api", "meetings"]`; `src/lib.rs` → `[]`.
fn module_of(rel: &str) -> Option<Vec<String>> {
    let stem = rel.strip_suffix(".rs")?;
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    match parts.last().map(String::as_str) {
        Some("lib") if parts.len() == 1 => parts.clear(),
        Some("mod") => {
            parts.pop();
        }
        _ => {}
    }
    Some(parts)
}

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "crate".to_string()
    } else {
        m.join("::")
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A path after `crate::` or `super::`: each alternative as its list of segments
/// (`{a, b::{c, d}}` gives `[a]`, `[b, c]`, `[b, d]`; `self` inside a group names the
/// group's own prefix).
fn parse_tree(s: &[char], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    loop {
        while *i < s.len() && s[*i].is_whitespace() {
            *i += 1;
        }
        if *i < s.len() && s[*i] == '{' {
            *i += 1;
            loop {
                while *i < s.len() && (s[*i].is_whitespace() || s[*i] == ',') {
                    *i += 1;
                }
                if *i >= s.len() || s[*i] == '}' {
                    *i += 1;
                    return;
                }
                let before = *i;
                parse_tree(s, i, &path, out);
                // `as x`, `*` and the like: skip to the next item of this group.
                while *i < s.len() && s[*i] != ',' && s[*i] != '}' {
                    *i += 1;
                }
                if *i == before {
                    *i += 1;
                }
            }
        }
        let start = *i;
        while *i < s.len() && is_ident_char(s[*i]) {
            *i += 1;
        }
        let seg: String = s[start..*i].iter().collect();
        if seg.is_empty() {
            break;
        }
        if seg != "self" {
            path.push(seg);
        }
        if s.get(*i) == Some(&':') && s.get(*i + 1) == Some(&':') {
            *i += 2;
        } else {
            break;
        }
    }
    out.push(path);
}

/// Every module path a source names through `crate::`/`super::`, with its line, resolved
/// against `here` (the file's own module).
fn references(src: &str, here: &[String]) -> Vec<(Vec<String>, usize)> {
    // Comment lines become blank so that line numbers stay true.
    let text: String = src
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("//") {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let s: Vec<char> = text.chars().collect();
    let mut line_at = Vec::with_capacity(s.len());
    let mut line = 1;
    for c in &s {
        line_at.push(line);
        if *c == '\n' {
            line += 1;
        }
    }
    // From an inline `mod tests {` on, `super::` means the file's own module (such modules
    // sit at the end of a file by convention).
    let mut inner_from = usize::MAX;
    for (n, l) in text.lines().enumerate() {
        let l = l.trim_start();
        let l = l.strip_prefix("pub ").unwrap_or(l);
        if let Some(rest) = l.strip_prefix("mod ")
            && rest.trim_end().ends_with('{')
        {
            inner_from = n + 1;
            break;
        }
    }
    let mut found = vec![];
    let mut i = 0;
    while i < s.len() {
        let boundary = i == 0 || !(is_ident_char(s[i - 1]) || s[i - 1] == '$');
        let rest: String = s[i..s.len().min(i + 7)].iter().collect();
        let (mut base, skip) = if boundary && rest.starts_with("crate::") {
            (vec![], 7)
        } else if boundary && rest.starts_with("super::") {
            let mut b = here.to_vec();
            if line_at[i] < inner_from {
                b.pop();
            }
            (b, 7)
        } else {
            i += 1;
            continue;
        };
        let at = line_at[i];
        i += skip;
        while s[i..].starts_with(&['s', 'u', 'p', 'e', 'r', ':', ':']) {
            base.pop();
            i += 7;
        }
        let mut paths = vec![];
        parse_tree(&s, &mut i, &base, &mut paths);
        found.extend(paths.into_iter().map(|p| (p, at)));
    }
    found
}

/// The graph of `files` (path relative to `src/`, contents).
fn graph(files: &[(String, String)]) -> Graph {
    let modules: BTreeSet<Vec<String>> = files.iter().filter_map(|(p, _)| module_of(p)).collect();
    let mut g = Graph::new();
    for (path, src) in files {
        let Some(here) = module_of(path) else {
            continue;
        };
        g.entry(name(&here)).or_default();
        for (p, line) in references(src, &here) {
            // The deepest module the path names; a plain item (`crate::Shared`) is the root's.
            let target = (0..=p.len())
                .rev()
                .map(|n| p[..n].to_vec())
                .find(|m| modules.contains(m))
                .unwrap_or_default();
            if target.starts_with(&here) {
                continue;
            }
            g.entry(name(&here))
                .or_default()
                .entry(name(&target))
                .or_insert_with(|| (format!("src/{path}"), line));
        }
    }
    g
}

/// The shortest cycle through each module that is on one, each named once (starting at
/// its least module name), so that a tangle of several cycles shows all of them.
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    let mut out = BTreeSet::new();
    for start in g.keys() {
        // Breadth first, so the message names few modules.
        let mut prev: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        'search: while let Some(n) = queue.pop_front() {
            for m in g.get(&n).into_iter().flat_map(|e| e.keys()) {
                if m == start {
                    prev.insert(start.clone(), n.clone());
                    break 'search;
                }
                if !prev.contains_key(m) {
                    prev.insert(m.clone(), n.clone());
                    queue.push_back(m.clone());
                }
            }
        }
        let Some(mut at) = prev.get(start).cloned() else {
            continue;
        };
        let mut cycle = vec![start.clone()];
        while at != *start {
            cycle.push(at.clone());
            at = prev[&at].clone();
        }
        cycle.reverse();
        let least = (0..cycle.len()).min_by_key(|&k| &cycle[k]).unwrap_or(0);
        cycle.rotate_left(least);
        cycle.push(cycle[0].clone());
        out.insert(cycle);
    }
    out.into_iter().collect()
}

fn describe(g: &Graph, cycle: &[String]) -> String {
    let mut s = cycle.join(" → ");
    for w in cycle.windows(2) {
        let (file, line) = &g[&w[0]][&w[1]];
        s.push_str(&format!("\n    {} → {}: {file}:{line}", w[0], w[1]));
    }
    s
}

fn read_sources(dir: &Path, rel: &str, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        let file = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let r = if rel.is_empty() {
            file.to_string()
        } else {
            format!("{rel}/{file}")
        };
        if p.is_dir() {
            read_sources(&p, &r, out);
        } else if file.ends_with(".rs") && r != "main.rs" {
            // main.rs is the binary's own crate: its `crate::` is not this one.
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            out.push((r, text));
        }
    }
}

#[test]
fn the_modules_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    read_sources(&src, "", &mut files);
    let g = graph(&files);
    // A parser that saw nothing would find no cycle either.
    assert!(
        g.get("ops").is_some_and(|e| e.contains_key("model")),
        "the module graph looks unread: {g:#?}"
    );
    let found = cycles(&g);
    assert!(
        found.is_empty(),
        "zoom-sim's modules use each other in a cycle; move what both need to a module \
         below them:\n{}",
        found
            .iter()
            .map(|c| describe(&g, c))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, s)| (p.to_string(), s.to_string()))
        .collect()
}

#[test]
fn the_reader_finds_cycles_through_groups_super_and_code_paths() {
    let g = graph(&files(&[
        (
            "lib.rs",
            "pub mod a;\npub mod b;\npub mod c;\npub mod d;\nuse crate::a::x;\n",
        ),
        (
            "a/mod.rs",
            "pub mod inner;\nuse crate::{Shared, b::{self, Y}};\nfn f() { crate::a::inner::g(); }\n",
        ),
        ("a/inner.rs", "use super::super::c as sea;\nuse super::f;\n"),
        (
            "b.rs",
            "// crate::d::nothing\nfn g() { let _ = crate::a::inner::h(); }\n",
        ),
        ("c.rs", "use crate::{\n    d,\n};\n"),
        (
            "d.rs",
            "/// See [`crate::b`].\nfn h() { super::c::k() }\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
        ),
    ]));
    let edges = |m: &str| -> Vec<String> { g[m].keys().cloned().collect() };
    assert_eq!(
        edges("crate"),
        Vec::<String>::new(),
        "a parent's own children"
    );
    assert_eq!(edges("a"), ["b", "crate"]);
    assert_eq!(edges("a::inner"), ["a", "c"]);
    assert_eq!(edges("b"), ["a::inner"]);
    assert_eq!(edges("c"), ["d"]);
    assert_eq!(edges("d"), ["c"]);
    let found = cycles(&g);
    assert_eq!(
        found,
        [vec!["a", "b", "a::inner", "a"], vec!["c", "d", "c"],]
    );
    assert_eq!(
        describe(&g, &found[1]),
        "c → d → c\n    c → d: src/c.rs:1\n    d → c: src/d.rs:2"
    );
}
