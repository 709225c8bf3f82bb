use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

use crate::tui::app::{Cmd, Model, Msg, Step, update};
use crate::tui::msg::Change;
use crate::tui::tests::highlight_system as highlight;
use crate::tui::update::tests::{demo, key, managed, screen_text, top};

/// `manage` on the demo, the Formation screen of "Task Center US Inbox" (tc-us, s4-prod)
/// open, then `a`.
fn adding() -> Model {
    let (mut m, _) = managed(demo());
    key(&mut m, KeyCode::Enter);
    assert_eq!(top(&m), "formation");
    assert!(
        key(&mut m, KeyCode::Char('a')).is_empty(),
        "nothing is sent"
    );
    m
}

fn has_formation(m: &Model, id: &str) -> bool {
    m.data.landscape.formations.iter().any(|f| f.id == id)
}

#[test]
fn a_opens_the_wizards_systems_step_with_the_members_chosen_and_nothing_against_them() {
    let m = adding();
    assert_eq!(top(&m), "wizard");
    assert!(matches!(m.step, Step::Systems(_)));
    assert_eq!(m.data.plan.systems, ["tc-us", "s4-prod"]);
    assert_eq!(m.data.plan.type_id, "sap-task-center");
    assert!(
        m.data.verdict.valid,
        "its own name and members do not count against it: {:?}",
        m.data.verdict
    );
    let text = screen_text(&m);
    assert!(
        text.contains("Add systems to \"Task Center US Inbox\""),
        "{text}"
    );
    assert!(text.contains("add chosen"), "{text}");
}

#[test]
fn the_checker_refuses_a_second_task_center_and_keeps_the_members() {
    let mut m = adding();
    highlight(&mut m, "tc-eu");
    let text = screen_text(&m);
    assert!(
        text.contains("Take tc-us out of \"Task Center US Inbox\" first"),
        "the fix says where a member is taken out: {text}"
    );
    key(&mut m, KeyCode::Char(' '));
    let flash = m.flash.clone().unwrap_or_default();
    assert!(flash.contains("cannot be selected"), "{flash}");
    highlight(&mut m, "tc-us");
    key(&mut m, KeyCode::Char(' '));
    let flash = m.flash.clone().unwrap_or_default();
    assert!(flash.contains("already in"), "{flash}");
    assert_eq!(m.data.plan.systems, ["tc-us", "s4-prod"]);
}

#[test]
fn enter_with_a_system_chosen_asks_on_the_formation_screen_and_y_assigns_it() {
    let mut m = adding();
    key(&mut m, KeyCode::Enter);
    assert_eq!(top(&m), "wizard", "nothing chosen yet: stays");
    assert!(
        m.flash
            .as_deref()
            .unwrap_or("")
            .contains("No system chosen"),
        "{:?}",
        m.flash
    );
    highlight(&mut m, "s4-qa");
    key(&mut m, KeyCode::Char(' '));
    let cmds = key(&mut m, KeyCode::Enter);
    assert!(
        matches!(cmds.as_slice(), [Cmd::Refresh { .. }]),
        "back on the Formation screen, the landscape is read again: {cmds:?}"
    );
    assert_eq!(top(&m), "formation");
    assert!(has_formation(&m, "f-tc-us"), "the whole landscape is back");
    assert!(m.data.adding.is_none() && m.data.plan.systems.is_empty());
    let text = screen_text(&m);
    assert!(
        text.contains("Add S/4HANA Cloud Quality (s4-qa) to \"Task Center US Inbox\" in"),
        "{text}"
    );
    let cmds = key(&mut m, KeyCode::Char('y'));
    assert_eq!(
        cmds,
        vec![Cmd::Change(Change::Assign {
            formation_id: "f-tc-us".into(),
            systems: vec!["s4-qa".into()],
        })]
    );
}

#[test]
fn anything_but_y_sends_nothing() {
    for code in [
        KeyCode::Enter,
        KeyCode::Char('n'),
        KeyCode::Esc,
        KeyCode::Char('q'),
    ] {
        let mut m = adding();
        highlight(&mut m, "s4-qa");
        key(&mut m, KeyCode::Char(' '));
        key(&mut m, KeyCode::Enter);
        let cmds = key(&mut m, code);
        assert!(cmds.is_empty(), "{code:?} sent {cmds:?}");
        assert_eq!(top(&m), "formation", "{code:?} answers no and stays");
        assert!(m.exit.is_none());
        assert!(
            !screen_text(&m).contains("Add S/4HANA"),
            "the question is gone"
        );
        assert_eq!(
            m.flash.as_deref(),
            Some("Nothing was changed: only y confirms.")
        );
    }
}

#[test]
fn the_engine_checks_the_addition_again_before_asking() {
    let mut m = adding();
    // Chosen past the step's own refusal (as a changed landscape could leave it).
    m.data.plan.systems.push("tc-eu".into());
    key(&mut m, KeyCode::Enter);
    assert_eq!(top(&m), "wizard");
    let flash = m.flash.clone().unwrap_or_default();
    assert!(
        flash.starts_with("Cannot add to \"Task Center US Inbox\""),
        "{flash}"
    );
}

#[test]
fn esc_goes_back_with_nothing_added_and_the_landscape_whole() {
    let mut m = adding();
    highlight(&mut m, "s4-qa");
    key(&mut m, KeyCode::Char(' '));
    key(&mut m, KeyCode::Esc);
    assert_eq!(top(&m), "formation");
    assert_eq!(m.flash.as_deref(), Some("Nothing was added."));
    assert!(has_formation(&m, "f-tc-us"));
    assert!(m.data.adding.is_none());
    assert!(screen_text(&m).contains("Systems (2)"));
}

#[test]
fn q_asks_only_when_chosen_systems_would_be_lost_and_quits_with_0() {
    let mut m = adding();
    highlight(&mut m, "s4-qa");
    key(&mut m, KeyCode::Char(' '));
    key(&mut m, KeyCode::Char('q'));
    assert!(m.exit.is_none() && m.overlay.is_some(), "asks first");
    key(&mut m, KeyCode::Char('y'));
    assert_eq!(m.exit.as_ref().map(|e| e.code), Some(0));

    let mut m = adding();
    key(&mut m, KeyCode::Char('q'));
    assert_eq!(
        m.exit.as_ref().map(|e| e.code),
        Some(0),
        "nothing chosen: quits at once"
    );
}

#[test]
fn a_refresh_while_adding_keeps_the_checked_landscape() {
    let mut m = adding();
    let generation = m.refresh_generation + 1;
    m.refresh_generation = generation;
    update(&mut m, Msg::Refreshed(generation, Ok(Box::new(demo()))));
    assert!(
        !has_formation(&m, "f-tc-us"),
        "the step's landscape leaves the formation out until adding ends"
    );
    assert!(m.data.verdict.valid);
}

#[test]
fn adding_80x24() {
    let mut m = adding();
    highlight(&mut m, "s4-qa");
    key(&mut m, KeyCode::Char(' '));
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("a test terminal");
    t.draw(|f| crate::tui::view::view(&m, f)).expect("drawn");
    insta::assert_snapshot!("adding_systems_80x24", t.backend());
    key(&mut m, KeyCode::Enter);
    t.draw(|f| crate::tui::view::view(&m, f)).expect("drawn");
    insta::assert_snapshot!("adding_question_80x24", t.backend());
}

#[test]
fn a_formation_deleted_meanwhile_gets_nothing_added_and_says_so() {
    let mut m = adding();
    highlight(&mut m, "s4-qa");
    key(&mut m, KeyCode::Char(' '));
    let mut gone = demo();
    gone.formations.retain(|f| f.id != "f-tc-us");
    let generation = m.refresh_generation + 1;
    m.refresh_generation = generation;
    update(&mut m, Msg::Refreshed(generation, Ok(Box::new(gone))));
    let cmds = key(&mut m, KeyCode::Enter);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Change(_))),
        "{cmds:?}"
    );
    assert_eq!(top(&m), "formations");
    let flash = m.flash.clone().unwrap_or_default();
    assert!(flash.contains("no longer in the landscape"), "{flash}");
}
