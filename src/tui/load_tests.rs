//! The wizard is usable before its landscape is in (issue 9, deliverable 7): the Name step
//! takes keys at once; a step that needs the landscape waits on a progress count.

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{Cmd, Context, Model, Msg, Prefill, Step, update};
use super::theme::Theme;
use super::view::view;
use crate::backend::{BackendEvent, LocalBackend};
use crate::catalog::Catalog;
use crate::landscape::Landscape;

fn fresh() -> Model {
    let ctx = Context {
        catalog: Catalog::embedded().unwrap(),
        backend: Arc::new(LocalBackend::new("remote.json".into(), false)),
        theme: Theme::new(true, true),
    };
    let m = Model::new(ctx, Prefill::default(), (80, 24));
    assert_eq!(m.init(), vec![Cmd::Load]);
    m
}

fn key(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn screen(m: &Model) -> String {
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    term.draw(|f| view(m, f)).unwrap();
    let buffer = term.backend().buffer().clone();
    buffer.content.iter().map(|c| c.symbol()).collect()
}

#[test]
fn the_name_step_takes_keys_before_the_landscape_is_loaded() {
    let mut m = fresh();
    assert!(matches!(m.step, Step::Name(_)));
    for c in "TC Fast".chars() {
        key(&mut m, KeyCode::Char(c));
    }
    assert_eq!(m.data.plan.name, "TC Fast");
    key(&mut m, KeyCode::Enter);
    assert!(
        matches!(m.step, Step::Loading),
        "the Type step waits for the landscape"
    );
    update(
        &mut m,
        Msg::Progress(BackendEvent::Loading {
            pages: 21,
            systems: 4200,
        }),
    );
    assert!(
        screen(&m).contains("4200 systems read (21 pages)"),
        "{}",
        screen(&m)
    );
    key(&mut m, KeyCode::Esc);
    assert!(matches!(m.step, Step::Name(_)), "Esc goes back to the name");
    key(&mut m, KeyCode::Enter);
    let demo =
        Landscape::parse(crate::demo::EMBEDDED.as_bytes(), "demo", m.data.catalog()).unwrap();
    update(&mut m, Msg::Loaded(Ok(Box::new(demo))));
    assert!(
        matches!(m.step, Step::Type(_)),
        "opens the step asked for once loaded"
    );
    assert_eq!(
        m.data.plan.name, "TC Fast",
        "the typed name survives the load"
    );
}

#[test]
fn a_load_that_arrives_while_typing_keeps_the_name_step() {
    let mut m = fresh();
    key(&mut m, KeyCode::Char('A'));
    let demo =
        Landscape::parse(crate::demo::EMBEDDED.as_bytes(), "demo", m.data.catalog()).unwrap();
    update(&mut m, Msg::Loaded(Ok(Box::new(demo))));
    assert!(matches!(m.step, Step::Name(_)));
    key(&mut m, KeyCode::Char('B'));
    assert_eq!(m.data.plan.name, "AB");
}

#[test]
fn the_servers_rules_replace_the_catalogs_and_are_noted() {
    let mut m = fresh();
    let demo =
        Landscape::parse(crate::demo::EMBEDDED.as_bytes(), "demo", m.data.catalog()).unwrap();
    update(&mut m, Msg::Loaded(Ok(Box::new(demo))));
    let mut rules = m.data.catalog().clone();
    rules.formation_types.retain(|t| t.id == "sap-task-center");
    update(
        &mut m,
        Msg::Rules(Box::new(rules), vec!["The Director's rules differ.".into()]),
    );
    assert_eq!(m.data.catalog().formation_types.len(), 1);
    assert!(
        m.notices
            .iter()
            .any(|n| n.message == "The Director's rules differ.")
    );
    assert!(
        screen(&m).contains("The Director's rules differ."),
        "{}",
        screen(&m)
    );
}

// The last landscape, at once (issue 22, point 3): shown marked while the fresh read is on
// its way, replaced by it, and never the ground of a change.

fn demo(m: &Model) -> Landscape {
    Landscape::parse(crate::demo::EMBEDDED.as_bytes(), "demo", m.data.catalog()).unwrap()
}

#[test]
fn the_cached_landscape_opens_the_steps_at_once_marked_with_its_time() {
    let mut m = fresh();
    let cached = demo(&m);
    update(&mut m, Msg::Cached(Box::new(cached), "14:02 UTC".into()));
    for c in "TC Cached".chars() {
        key(&mut m, KeyCode::Char(c));
    }
    key(&mut m, KeyCode::Enter);
    assert!(
        matches!(m.step, Step::Type(_)),
        "the Type step opens on the cached landscape"
    );
    let shown = screen(&m);
    assert!(shown.contains("as of 14:02 UTC, refreshing…"), "{shown}");
}

#[test]
fn the_fresh_landscape_replaces_the_cached_one_keeps_the_choices_and_says_what_changed() {
    let mut m = fresh();
    let cached = demo(&m);
    update(&mut m, Msg::Cached(Box::new(cached), "14:02 UTC".into()));
    m.data.plan.type_id = "sap-task-center".into();
    m.data.plan.add("tc-eu");
    m.data.plan.add("s4-prod");
    m.data.rebuild();
    let mut fresh_one = demo(&m);
    fresh_one.formations.retain(|f| f.id != "f-joule");
    let fresh_one = Landscape::from_parts(
        fresh_one.global_account.clone(),
        fresh_one.user.clone(),
        fresh_one.systems.clone(),
        fresh_one.formations.clone(),
        m.data.catalog(),
    )
    .unwrap();
    update(&mut m, Msg::Loaded(Ok(Box::new(fresh_one))));
    assert_eq!(m.data.cached, None, "no longer marked");
    assert!(!screen(&m).contains("refreshing…"));
    assert_eq!(
        m.data.plan.systems,
        vec!["tc-eu", "s4-prod"],
        "choices kept"
    );
    assert!(
        m.data
            .landscape
            .formations
            .iter()
            .all(|f| f.id != "f-joule"),
        "the fresh landscape is the one used"
    );
    assert_eq!(
        m.flash.as_deref(),
        Some("Fresh from the landscape: 1 formation deleted since 14:02 UTC.")
    );
}

#[test]
fn a_cache_read_after_the_fresh_landscape_is_dropped() {
    let mut m = fresh();
    let fresh_one = demo(&m);
    update(&mut m, Msg::Loaded(Ok(Box::new(fresh_one))));
    let mut old = demo(&m);
    old.systems.clear();
    old.formations.clear();
    update(&mut m, Msg::Cached(Box::new(old), "14:02 UTC".into()));
    assert_eq!(m.data.cached, None);
    assert!(!m.data.landscape.systems.is_empty(), "the fresh one stays");
}

#[test]
fn nothing_is_created_on_the_cached_landscape() {
    let mut m = fresh();
    let cached = demo(&m);
    update(&mut m, Msg::Cached(Box::new(cached), "14:02 UTC".into()));
    for c in "TC Cached".chars() {
        key(&mut m, KeyCode::Char(c));
    }
    m.data.plan.type_id = "sap-task-center".into();
    m.data.plan.add("tc-eu");
    m.data.plan.add("s4-prod");
    m.data.rebuild();
    assert!(m.data.verdict.valid, "{:?}", m.data.verdict.violations);
    crate::tui::app::goto(&mut m, 4);
    assert!(matches!(m.step, Step::Review(_)));
    let shown = screen(&m);
    assert!(
        shown.contains("Create (waiting for the fresh read)"),
        "{shown}"
    );
    let cmds = key(&mut m, KeyCode::Char('c'));
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Create(_))) && m.overlay.is_none(),
        "no confirmation, no create: {cmds:?}"
    );
    assert!(
        m.flash
            .as_deref()
            .is_some_and(|f| f.contains("nothing is created or changed until the fresh read")),
        "{:?}",
        m.flash
    );
    // Once the fresh landscape is in, Create is offered again.
    let fresh_one = demo(&m);
    update(&mut m, Msg::Loaded(Ok(Box::new(fresh_one))));
    key(&mut m, KeyCode::Char('c'));
    assert!(m.overlay.is_some(), "the confirmation opens on fresh data");
}

#[test]
fn no_change_is_sent_from_a_management_screen_on_the_cached_landscape() {
    let ctx = Context {
        catalog: Catalog::embedded().unwrap(),
        backend: Arc::new(LocalBackend::new("remote.json".into(), false)),
        theme: Theme::new(true, true),
    };
    let mut m = Model::manage(ctx, (80, 24));
    let cached = demo(&m);
    update(&mut m, Msg::Cached(Box::new(cached), "14:02 UTC".into()));
    assert!(
        crate::tui::update::tests::top(&m) == "formations",
        "the Formations screen opens on the cached landscape"
    );
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Char('x'));
    let cmds = key(&mut m, KeyCode::Char('y'));
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Change(_))),
        "{cmds:?}"
    );
    assert!(
        m.flash
            .as_deref()
            .is_some_and(|f| f.contains("as of 14:02 UTC")),
        "{:?}",
        m.flash
    );
}

// A remote landscape arrives as it loads (issue 22, point 2).

#[test]
fn rows_show_from_the_first_page_keep_the_cursor_and_create_waits_for_the_last() {
    let mut m = fresh();
    for c in "TC Pages".chars() {
        key(&mut m, KeyCode::Char(c));
    }
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Loading));
    let all = demo(&m);
    let total = all.systems.len();
    let (first, rest) = all.systems.split_at(total / 2);
    update(
        &mut m,
        Msg::Progress(BackendEvent::Rows {
            batch: first.to_vec(),
            total,
        }),
    );
    assert!(
        matches!(m.step, Step::Type(_)),
        "the Type step opens on the first page"
    );
    let shown = screen(&m);
    let mark = format!("loading {} of {total}…", total / 2);
    assert!(shown.contains(&mark), "{shown}");
    assert!(
        !shown.contains("types can be completed here"),
        "nothing is said of the types before every system is in: {shown}"
    );
    m.data.plan.type_id = "sap-task-center".into();
    m.data.rebuild();
    crate::tui::app::goto(&mut m, 3);
    let Step::Systems(s) = &m.step else {
        panic!("not on the Systems step")
    };
    let rows = s.rows(&m.data);
    assert!(!rows.is_empty(), "rows from the first page");
    // Highlight the last row of the first page and choose it.
    let last = rows.len() - 1;
    for _ in 0..last {
        key(&mut m, KeyCode::Down);
    }
    let on = match &m.step {
        Step::Systems(s) => s.highlighted(&m.data).map(|c| c.id).unwrap(),
        _ => unreachable!(),
    };
    m.data.plan.add(&on);
    m.data.rebuild();
    update(
        &mut m,
        Msg::Progress(BackendEvent::Rows {
            batch: rest.to_vec(),
            total,
        }),
    );
    let Step::Systems(s) = &m.step else {
        panic!("still on the Systems step")
    };
    assert_eq!(
        s.highlighted(&m.data).map(|c| c.id).as_deref(),
        Some(on.as_str()),
        "the cursor stays on its system as rows arrive"
    );
    assert!(m.data.plan.systems.contains(&on), "the choice is kept");
    // A plan the rules take on the systems in so far.
    m.data.plan.systems = vec!["tc-eu".into(), "s4-prod".into()];
    m.data.rebuild();
    assert!(m.data.verdict.valid, "{:?}", m.data.verdict.violations);
    crate::tui::app::goto(&mut m, 4);
    let shown = screen(&m);
    assert!(shown.contains("Create (waiting for every page)"), "{shown}");
    key(&mut m, KeyCode::Char('c'));
    assert!(m.overlay.is_none(), "no create before the last page");
    assert!(
        m.flash
            .as_deref()
            .is_some_and(|f| f.contains("Still loading")),
        "{:?}",
        m.flash
    );
    update(&mut m, Msg::Loaded(Ok(Box::new(all))));
    assert_eq!(m.data.partial, None);
    assert!(
        !screen(&m).contains(&format!(" of {total}…")),
        "{}",
        screen(&m)
    );
    assert!(m.data.plan.systems.contains(&"s4-prod".to_owned()));
    key(&mut m, KeyCode::Char('c'));
    assert!(m.overlay.is_some(), "Create opens once every page is in");
}

#[test]
fn counts_are_grouped_by_thousands() {
    use crate::tui::app::thousands;
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(2800), "2,800");
    assert_eq!(thousands(100_000), "100,000");
    assert_eq!(thousands(1_234_567), "1,234,567");
}

#[test]
fn help_on_the_name_step_lists_the_prerequisites_with_their_fixes() {
    let mut m = fresh();
    let loaded = demo(&m);
    update(&mut m, Msg::Loaded(Ok(Box::new(loaded))));
    assert!(matches!(m.step, Step::Name(_)));
    key(&mut m, KeyCode::Char('?'));
    let shown = screen(&m);
    assert!(
        shown.contains("Prerequisites for Integration with Customer-Managed SAP"),
        "{shown}"
    );
    let checklist = m
        .help_checklist
        .as_ref()
        .expect("checked when the help opened");
    assert!(
        !checklist.blocked(),
        "the demo has what the Task Center type needs"
    );
    // Closed and opened on another step: the keys alone.
    key(&mut m, KeyCode::Esc);
    assert!(m.overlay.is_none());
}
