//! The TUI's files form no import circle (issue 20): each file of `src/tui` uses only
//! files below it (see the layers in `src/tui/mod.rs`). Read from the source, so that a
//! new `use` that closes a circle fails here, naming the circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, tests left out (they may use anything).
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "tests" && name != "snapshots" {
                sources(&path, out);
            }
        } else if name.ends_with(".rs")
            && !name.ends_with("_tests.rs")
            && !name.starts_with("tests")
        {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/tui/steps/type.rs` is `tui::steps::ftype` (its
/// `#[path]`), `src/tui/steps/mod.rs` is `tui::steps`.
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().map(String::as_str) == Some("mod") {
        parts.pop();
    }
    if parts.last().map(String::as_str) == Some("type") {
        *parts.last_mut().expect("a last part") = "ftype".into();
    }
    parts
}

/// The code of a file before its test module.
fn code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).expect("a readable source file");
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The paths a file names through `crate::tui::…`, `$crate::tui::…` or `super::…`, braces
/// expanded (`super::{data::Data, keys}` names `super::data::Data` and `super::keys`).
fn paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let start = ["crate::tui::", "super::"]
            .iter()
            .find(|p| rest.starts_with(**p))
            .filter(|_| i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'));
        match start {
            Some(prefix) => {
                let head: Vec<String> = prefix
                    .trim_end_matches("::")
                    .split("::")
                    .map(str::to_owned)
                    .collect();
                let used = expand(&code[i + prefix.len()..], head, &mut out);
                i += prefix.len() + used.max(1);
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    out
}

/// Reads a path tail (`a::b`, `a::{b, c::d}`) after `head`, pushing each full path;
/// returns the bytes read.
fn expand(text: &str, head: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = head;
    let mut i = 0;
    loop {
        let rest = &text[i..];
        if let Some(inner) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut end = 0;
            for (k, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = k;
                    break;
                }
            }
            let body = &inner[..end];
            let mut depth = 0;
            let mut from = 0;
            for (k, c) in body.char_indices().chain([(body.len(), ',')]) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let item = body[from..k].trim();
                        if !item.is_empty() {
                            expand(item, path.clone(), out);
                        }
                        from = k + 1;
                    }
                    _ => {}
                }
            }
            return i + end + 2;
        }
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            out.push(path);
            return i;
        }
        path.push(rest[..len].to_owned());
        i += len;
        if text[i..].starts_with("::") {
            i += 2;
        } else {
            out.push(path);
            return i;
        }
    }
}

/// The module `path` (as named from module `from`) lands in: its longest known prefix.
fn resolve(
    path: &[String],
    from: &[String],
    modules: &BTreeSet<Vec<String>>,
) -> Option<Vec<String>> {
    let mut full: Vec<String> = Vec::new();
    let mut segments = path.iter().peekable();
    match segments.peek().map(|s| s.as_str()) {
        Some("crate") => {
            segments.next();
        }
        Some("super") => {
            full = from.to_vec();
            while segments.peek().map(|s| s.as_str()) == Some("super") {
                segments.next();
                full.pop();
            }
        }
        _ => return None,
    }
    full.extend(segments.cloned());
    (1..=full.len())
        .rev()
        .map(|n| full[..n].to_vec())
        .find(|m| modules.contains(m))
}

#[test]
fn the_tui_files_form_no_import_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root.join("tui"), &mut files);
    assert!(files.len() > 20, "the TUI's files are found: {files:?}");
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&root, f)).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let from = module_of(&root, file);
        for path in paths(&code(file)) {
            if let Some(to) = resolve(&path, &from, &modules)
                && to != from
                // A module's own children are declared in it, not imported.
                && !(to.len() > from.len() && to.starts_with(&from) && file.ends_with("mod.rs"))
            {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    assert!(
        edges
            .get(&vec!["tui".into(), "update".into()])
            .is_some_and(|e| e.len() > 5),
        "imports are read: {edges:?}"
    );
    // Depth-first: a module met again while still on the path closes a circle.
    fn visit(
        m: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        path: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut circle = path[at..].to_vec();
            circle.push(m.clone());
            return Some(circle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.clone());
        for next in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.clone());
        None
    }
    let mut done = BTreeSet::new();
    for m in &modules {
        if let Some(circle) = visit(m, &edges, &mut Vec::new(), &mut done) {
            let named: Vec<String> = circle.iter().map(|m| m.join("::")).collect();
            panic!("an import circle: {}", named.join(" → "));
        }
    }
}

#[test]
fn paths_in_braces_are_each_read() {
    let found = paths(
        "use super::{data::Data, keys::{self, hint}};\nlet x = crate::tui::wrap::wrap_words(a);",
    );
    let joined: Vec<String> = found.iter().map(|p| p.join("::")).collect();
    assert!(
        joined.contains(&"super::data::Data".to_owned()),
        "{joined:?}"
    );
    assert!(
        joined.contains(&"super::keys::hint".to_owned()),
        "{joined:?}"
    );
    assert!(
        joined.contains(&"crate::tui::wrap::wrap_words".to_owned()),
        "{joined:?}"
    );
}
