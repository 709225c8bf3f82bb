//! The pure modules of formation-wizard, compiled from `../src` by path, under the same
//! module names so that their `crate::…` paths resolve unchanged. Only these: the landscape
//! loader with the catalog and the rule engine it needs, and the Director answer parser.
//! If one of them starts to use another module of the main crate, the fuzz build fails
//! (CI builds it) and the module is added here.
#![allow(dead_code, unused_imports)]

#[path = "../../src/catalog.rs"]
pub mod catalog;
#[path = "../../src/files.rs"]
pub mod files;
#[path = "../../src/intern.rs"]
pub mod intern;
#[path = "../../src/json_text.rs"]
pub mod json_text;
#[path = "../../src/declare/mod.rs"]
pub mod declare;
#[path = "../../src/landscape.rs"]
pub mod landscape;
#[path = "../../src/plan.rs"]
pub mod plan;
#[path = "../../src/rules/mod.rs"]
pub mod rules;
#[path = "../../src/text.rs"]
pub mod text;

pub mod backend;

use std::collections::HashMap;
use std::sync::OnceLock;

use backend::director::response::{Undecoded, decode};
use backend::director::{convert, queries as q};
use catalog::Catalog;
use landscape::Landscape;

pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::embedded().expect("the embedded catalog is valid"))
}

/// A landscape file's bytes: parsed or refused with a message, never a panic; what parses
/// is consistent (every id finds its system, every member exists).
pub fn landscape_file(bytes: &[u8]) {
    same_as_two_pass(bytes);
    match Landscape::parse(bytes, "file fuzz.json", catalog()) {
        Ok(l) => {
            for (pos, s) in l.systems.iter().enumerate() {
                assert_eq!(l.position(&s.id), Some(pos));
                for f in l.formations_of(pos) {
                    assert!(f.systems.contains(&s.id));
                }
            }
            for f in &l.formations {
                assert!(catalog().by_id(&f.type_id).is_some());
                assert!(f.systems.iter().all(|id| l.system(id).is_some()));
            }
            if let Ok(text) = std::str::from_utf8(bytes)
                && !l.formations.iter().any(|f| f.id == "f-fuzz")
            {
                appended_in_place(text);
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// The one-pass reader (issue 22) takes a file exactly when the two-pass reader it
/// replaced does, reads it alike, and a refusal is worded alike.
fn same_as_two_pass(bytes: &[u8]) {
    let one = Landscape::parse(bytes, "file fuzz.json", catalog());
    let two = Landscape::parse_two_pass(bytes, "file fuzz.json", catalog());
    match (one, two) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.systems, b.systems);
            assert_eq!(a.formations, b.formations);
            assert_eq!(a.global_account, b.global_account);
            assert_eq!(a.user, b.user);
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("one pass {a:?}, two passes {b:?}"),
    }
}

/// Appending a formation to a file that loads changes nothing else: the edited text parses
/// to the original document with one more formation, and still loads.
fn appended_in_place(text: &str) {
    use serde_json::{Value, json};
    let added = json!({"id": "f-fuzz", "name": "Fuzz \u{9b}", "type": "sap-start", "systems": []});
    let edited = json_text::edit_member(text, "formations", json!([]), |v| {
        v.as_array_mut().ok_or("not a list")?.push(added.clone());
        Ok(())
    });
    // A value too deep for serde_json's Value is refused, never mangled.
    let Ok(Some(edited)) = edited else {
        return;
    };
    let (Ok(mut before), Ok(after)) = (
        serde_json::from_str::<Value>(text),
        serde_json::from_str::<Value>(&edited),
    ) else {
        panic!("the edit made unreadable JSON: {edited:?}");
    };
    before
        .as_object_mut()
        .and_then(|root| {
            root.entry("formations")
                .or_insert_with(|| json!([]))
                .as_array_mut()
        })
        .expect("a loaded landscape has a formations list")
        .push(added);
    assert_eq!(before, after, "the edit changed more than the list: {edited:?}");
    let last = edited.len() - edited.trim_start().len();
    assert_eq!(&text[..last], &edited[..last], "leading whitespace kept");
    assert!(Landscape::parse(edited.as_bytes(), "file fuzz.json", catalog()).is_ok());
}

/// An answer body from a Director, read as each query the backend sends. Errors are one
/// sentence with nothing in it that could act on a terminal; data converts to a landscape
/// or is refused with a message.
pub fn director_answer(bytes: &[u8]) {
    let url = "https://director.example/graphql";
    let apps = decode::<q::ApplicationsQuery>(bytes, url).map_err(check);
    let formations = decode::<q::FormationsQuery>(bytes, url).map_err(check);
    let templates = decode::<q::FormationTemplatesQuery>(bytes, url).map_err(check);
    if let Ok(found) = decode::<q::FormationQuery>(bytes, url).map_err(check)
        && let Some(f) = found.formation
    {
        let _ = convert::status_name(f.status.condition);
        let _ = convert::errors(&f);
    }
    let apps = apps.map(|a| a.applications.data).unwrap_or_default();
    let formations = formations.map(|f| f.formations.data).unwrap_or_default();
    let names: HashMap<String, String> = templates
        .map(|t| t.formation_templates.data)
        .unwrap_or_default()
        .iter()
        .map(|t| (t.id.inner().to_owned(), t.name.clone()))
        .collect();
    let assignments: HashMap<String, Vec<q::FormationAssignment>> = formations
        .iter()
        .map(|f| {
            let list = f.formation_assignments.as_ref().map(|p| p.data.clone()).unwrap_or_default();
            (f.id.inner().to_owned(), list)
        })
        .collect();
    let systems = apps.iter().map(|a| convert::system(a, catalog())).collect();
    let formations = convert::formations(&formations, &names, &assignments, catalog());
    if let Err(e) = Landscape::from_parts(None, None, systems, formations, catalog()) {
        assert!(!e.is_empty());
    }
}

fn check(e: Undecoded) {
    let message = match &e {
        Undecoded::Unreadable(m) => m,
        Undecoded::Answered { message, refusal, .. } => {
            for line in refusal.iter().flat_map(|r| &r.lines) {
                assert!(!line.chars().any(text::is_unsafe), "a refusal line carries a control character: {line:?}");
            }
            message
        }
    };
    assert!(!message.is_empty());
    assert!(
        !message.chars().any(text::is_unsafe),
        "an error sentence carries a control character: {message:?}"
    );
}

/// A formations file's bytes: parsed or refused with a message that points into the text;
/// what parses is planned against the demo landscape without a panic, and a plan it calls
/// valid replays (the steps into a landscape that loads).
pub fn formations_file(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let lines = text.lines().count() + 1;
    match declare::parse(text, "fuzz.toml") {
        Ok(parsed) => {
            static DEMO: OnceLock<Landscape> = OnceLock::new();
            let demo = DEMO.get_or_init(|| {
                Landscape::parse(
                    include_bytes!("../../assets/demo-landscape.json"),
                    "demo",
                    catalog(),
                )
                .expect("the demo landscape is valid")
            });
            match declare::plan(&parsed, demo, catalog(), true) {
                Ok(plan) => {
                    let _ = declare::report::plan_text(&plan, demo, catalog(), "fuzz.toml");
                }
                Err(problems) => assert!(problems.iter().all(|p| p.line <= lines)),
            }
        }
        Err(e) => assert!(e.location.line <= lines && !e.problem.is_empty()),
    }
}

/// A token endpoint's answer: parsed or refused without a panic, whatever number
/// `expires_in` holds; the expiry never overflows; no refusal quotes the token.
pub fn token_answer(bytes: &[u8]) {
    use backend::director::token_answer::{MAX_LIFETIME, Unusable, expires_at, parse};
    match parse(bytes) {
        Ok(answer) => {
            assert!(!answer.access_token.is_empty());
            assert!(answer.lifetime.is_none_or(|l| l <= MAX_LIFETIME));
            let now = std::time::Instant::now();
            assert!(expires_at(now, answer.lifetime).is_none_or(|at| at >= now));
        }
        Err(Unusable(message)) => {
            assert!(!message.is_empty());
            let token = serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .and_then(|v| v.get("access_token").and_then(|t| t.as_str()).map(str::to_owned));
            if let Some(token) = token.filter(|t| t.len() >= 8) {
                assert!(!message.contains(&token), "a refusal quotes the token");
            }
        }
    }
}
