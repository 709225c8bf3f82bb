use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

use super::*;
use crate::tui::component::testing::{hints, press};
use crate::tui::screens::formations::MemberRow;

fn row(status: &str, error: Option<&str>) -> Row {
    Row {
        id: "f-us".into(),
        name: "Inbox US".into(),
        type_name: "Integration with Customer-Managed SAP Task Center".into(),
        short_type: "Task Center".into(),
        status: status.into(),
        members: vec![
            MemberRow {
                id: "s4-1".into(),
                name: "S/4HANA QA".into(),
                state: if error.is_some() {
                    "CREATE_ERROR"
                } else {
                    "READY"
                }
                .into(),
                error: error.map(str::to_owned),
            },
            MemberRow {
                id: "tc-1".into(),
                name: "Task Center US".into(),
                state: "READY".into(),
                error: None,
            },
        ],
    }
}

/// A question answered with anything but y.
fn no() -> Outcome {
    Outcome::Flash("Nothing was changed: only y confirms.".into())
}

fn screen(status: &str) -> Formation {
    Formation::new(row(status, None), "file: /tmp/landscape.json".into())
}

#[test]
fn removing_asks_naming_the_system_formation_and_target_and_only_y_goes_on() {
    let mut s = screen("Ready");
    press(&mut s, KeyCode::Down);
    assert_eq!(press(&mut s, KeyCode::Char('x')), Outcome::Handled);
    let q = s.question().expect("a confirmation");
    assert!(
        q.contains("tc-1") && q.contains("Inbox US") && q.contains("/tmp/landscape.json"),
        "{q}"
    );
    assert_eq!(
        press(&mut s, KeyCode::Char('n')),
        no(),
        "no: nothing happens"
    );
    assert!(!s.confirming());
    press(&mut s, KeyCode::Char('x'));
    assert_eq!(
        press(&mut s, KeyCode::Char('y')),
        Outcome::Change(Change::Unassign {
            formation_id: "f-us".into(),
            system: "tc-1".into(),
            accept_breaking: false
        })
    );
}

#[test]
fn delete_names_what_goes_first() {
    let mut s = screen("Ready");
    press(&mut s, KeyCode::Char('D'));
    let q = s.question().expect("a confirmation");
    assert!(q.starts_with("Unassign its 2 systems, then delete the formation \"Inbox US\" in file: /tmp/landscape.json"), "{q}");
    assert_eq!(
        press(&mut s, KeyCode::Esc),
        no(),
        "Esc answers no, it does not go back"
    );
    press(&mut s, KeyCode::Char('D'));
    assert_eq!(
        press(&mut s, KeyCode::Char('y')),
        Outcome::Change(Change::Delete {
            formation_id: "f-us".into()
        })
    );
}

#[test]
fn resync_outside_a_draft_finalize_only_in_one_and_esc_goes_back() {
    let mut s = screen("Error");
    assert_eq!(press(&mut s, KeyCode::Char('f')), Outcome::Handled);
    assert_eq!(
        press(&mut s, KeyCode::Char('r')),
        Outcome::Handled,
        "asks first"
    );
    assert!(
        s.question()
            .unwrap()
            .starts_with("Resynchronize \"Inbox US\"")
    );
    assert_eq!(
        press(&mut s, KeyCode::Char('y')),
        Outcome::Change(Change::Resync {
            formation_id: "f-us".into()
        })
    );
    press(&mut s, KeyCode::Char('r'));
    assert_eq!(press(&mut s, KeyCode::Char('n')), no(), "only y confirms");
    assert_eq!(
        press(&mut s, KeyCode::Char('a')),
        Outcome::AddSystems("f-us".into())
    );
    assert_eq!(press(&mut s, KeyCode::Esc), Outcome::Back);
    let mut d = screen("Draft");
    assert_eq!(press(&mut d, KeyCode::Char('r')), Outcome::Handled);
    assert_eq!(
        press(&mut d, KeyCode::Char('f')),
        Outcome::Handled,
        "asks first"
    );
    assert!(d.question().unwrap().starts_with("Finalize the draft"));
    assert_eq!(
        press(&mut d, KeyCode::Char('y')),
        Outcome::Change(Change::Finalize {
            formation_id: "f-us".into()
        })
    );
    assert!(hints(&d).iter().any(|h| h.keys == "f"));
    assert!(!hints(&d).iter().any(|h| h.keys == "r"));
}

#[test]
fn a_refresh_keeps_the_cursor_within_the_members() {
    let mut s = screen("Ready");
    press(&mut s, KeyCode::Down);
    let mut fewer = row("Ready", None);
    fewer.members.truncate(1);
    s.refresh(fewer);
    press(&mut s, KeyCode::Char('x'));
    assert_eq!(
        press(&mut s, KeyCode::Char('y')),
        Outcome::Change(Change::Unassign {
            formation_id: "f-us".into(),
            system: "s4-1".into(),
            accept_breaking: false
        })
    );
}

#[test]
fn formation_screen_80x24() {
    let s = Formation::new(
        row("Error", Some("the tenant rejected the configuration")),
        "file: /tmp/landscape.json".into(),
    );
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("a test terminal");
    let theme = Theme::new(false, true);
    t.draw(|f| s.view(&theme, f, f.area())).expect("drawn");
    insta::assert_snapshot!("formation_80x24", t.backend());
}

#[test]
fn wide_names_keep_their_states_in_the_column_80x24() {
    let mut r = row(
        "Error",
        Some("東京: the tenant rejected the configuration 🚀"),
    );
    r.name = "東京 生産 システム 24071".into();
    r.members[0].name = "東京 生産 システム 24071".into();
    r.members[1].name = "S/4HANA Cloud 🚀 Launch Team 3 with a name long enough to be cut".into();
    let mut s = Formation::new(r, "file: /tmp/landscape.json".into());
    press(&mut s, KeyCode::End);
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("a test terminal");
    let theme = Theme::new(false, true);
    t.draw(|f| s.view(&theme, f, f.area())).expect("drawn");
    let buf = t.backend().buffer();
    // By cell: one per column (a wide character's second cell is blank).
    let cells =
        |y: u16| -> Vec<String> { (0..80).map(|x| buf[(x, y)].symbol().to_owned()).collect() };
    let state_at = |y: u16| {
        let c = cells(y);
        (0..80).find(|&x| {
            let rest = c[x..].concat();
            rest.starts_with("READY") || rest.starts_with("CREATE_ERROR")
        })
    };
    let rows: Vec<u16> = (0..24).filter(|&y| state_at(y).is_some()).collect();
    assert_eq!(rows.len(), 2, "both members show their state");
    assert_eq!(state_at(rows[0]), state_at(rows[1]), "in one column");
    for y in 2..23 {
        assert_eq!(buf[(79, y)].symbol(), "│", "the border holds on row {y}");
    }
    insta::assert_snapshot!("formation_wide_80x24", t.backend());
}
