use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn landscape(catalog: &Catalog, sync_state: &str) -> Landscape {
    let json = serde_json::json!({
        "systems": [
            {"id": "tc-0", "name": "Task Center EU", "type": "SAP Task Center"},
            {"id": "tc-1", "name": "Task Center US", "type": "SAP Task Center"},
            {"id": "s4-0", "name": "S/4HANA Prod", "type": "SAP S/4HANA Cloud", "status": "Registered", "scenario_groups": ["All Communication Scenarios"]},
            {"id": "s4-1", "name": "S/4HANA QA", "type": "SAP S/4HANA Cloud", "status": "Registered", "scenario_groups": ["All Communication Scenarios"]}
        ],
        "formations": [
            {"id": "f-eu", "name": "Inbox EU", "type": "sap-task-center", "systems": ["tc-0", "s4-0"]},
            {"id": "f-us", "name": "Inbox US", "type": "sap-task-center", "systems": ["tc-1", "s4-1"],
             "assignments": {"s4-1": {"state": sync_state, "error": if sync_state.ends_with("_ERROR") { Some("the tenant rejected the configuration") } else { None }}}},
            {"id": "f-draft", "name": "Rehearsal", "type": "sap-task-center", "systems": [], "state": "DRAFT"}
        ]
    });
    Landscape::parse(json.to_string().as_bytes(), "test", catalog).expect("a valid landscape")
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn screen(sync_state: &str) -> (Formations, Catalog) {
    let catalog = Catalog::embedded().expect("the catalog");
    (
        Formations::new(&landscape(&catalog, sync_state), &catalog),
        catalog,
    )
}

#[test]
fn moving_and_enter_open_the_formation_under_the_cursor() {
    let (mut s, _) = screen("READY");
    assert_eq!(s.key(key(KeyCode::Enter)), Action::Open("f-eu".into()));
    assert_eq!(s.key(key(KeyCode::Down)), Action::None);
    assert_eq!(s.key(key(KeyCode::Char('j'))), Action::None);
    assert_eq!(
        s.key(key(KeyCode::Down)),
        Action::None,
        "stays on the last row"
    );
    assert_eq!(s.key(key(KeyCode::Enter)), Action::Open("f-draft".into()));
    s.key(key(KeyCode::Char('k')));
    assert_eq!(s.selected().map(|r| r.id.as_str()), Some("f-us"));
}

#[test]
fn n_starts_the_wizard_and_esc_goes_back() {
    let (mut s, _) = screen("READY");
    assert_eq!(s.key(key(KeyCode::Char('n'))), Action::New);
    assert_eq!(s.key(key(KeyCode::Esc)), Action::Back);
}

#[test]
fn the_filter_narrows_and_esc_clears_it_before_going_back() {
    let (mut s, _) = screen("READY");
    s.key(key(KeyCode::Char('/')));
    assert!(s.typing());
    for c in "draft".chars() {
        assert_eq!(
            s.key(key(KeyCode::Char(c))),
            Action::None,
            "n and q are letters here"
        );
    }
    assert_eq!(s.visible().len(), 1);
    s.key(key(KeyCode::Enter));
    assert!(!s.typing());
    assert_eq!(s.key(key(KeyCode::Enter)), Action::Open("f-draft".into()));
    assert_eq!(
        s.key(key(KeyCode::Esc)),
        Action::None,
        "the first Esc clears the filter"
    );
    assert_eq!(s.visible().len(), 3);
    assert_eq!(s.key(key(KeyCode::Esc)), Action::Back);
}

#[test]
fn polls_only_while_a_visible_formation_is_in_progress_and_backs_off() {
    let (s, _) = screen("READY");
    assert_eq!(s.poll_after(), None, "nothing in progress: no polling");
    let (mut s, catalog) = screen("INITIAL");
    assert_eq!(s.rows[1].status, "Synchronizing");
    let first = s.poll_after().expect("polls while Synchronizing");
    s.refresh(&landscape(&catalog, "INITIAL"), &catalog);
    let second = s.poll_after().expect("still polling");
    assert!(
        second > first,
        "backs off while nothing changes: {first:?} then {second:?}"
    );
    s.key(key(KeyCode::Char('/')));
    for c in "eu".chars() {
        s.key(key(KeyCode::Char(c)));
    }
    assert_eq!(
        s.poll_after(),
        None,
        "the formation in progress is filtered out of view"
    );
    s.key(key(KeyCode::Esc));
    s.refresh(&landscape(&catalog, "READY"), &catalog);
    assert_eq!(s.poll_after(), None, "Ready: polling stops");
}

#[test]
fn a_refresh_keeps_the_cursor_on_the_same_formation() {
    let (mut s, catalog) = screen("INITIAL");
    s.key(key(KeyCode::Down));
    s.refresh(&landscape(&catalog, "CREATE_ERROR"), &catalog);
    let r = s.selected().expect("a row");
    assert_eq!(r.id, "f-us");
    assert_eq!(r.status, "Error");
}

fn draw(s: &Formations) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("a test terminal");
    let theme = Theme::new(false, true);
    t.draw(|f| s.view(&theme, f, f.area())).expect("drawn");
    t
}

#[test]
fn formations_screen_80x24() {
    let (mut s, _) = screen("CREATE_ERROR");
    s.key(key(KeyCode::Down));
    insta::assert_snapshot!("formations_80x24", draw(&s).backend());
}
