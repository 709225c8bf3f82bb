use std::sync::Arc;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Change, Screen};
use crate::backend::LocalBackend;
use crate::catalog::Catalog;
use crate::landscape::{Assignment, Landscape};
use crate::ops::{Action, ChangeEnd, ChangeOutcome, Final};
use crate::tui::app::{Cmd, Context, Model, Msg, Overlay, Step, update};
use crate::tui::theme::Theme;

pub(crate) fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

pub(crate) fn demo() -> Landscape {
    Landscape::parse(crate::demo::EMBEDDED.as_bytes(), "demo", &catalog()).unwrap()
}

/// `formation-wizard manage` on the demo landscape, loaded, the cursor on "Task Center US
/// Inbox" (f-tc-us), which the tests open: sorted by name, it is the last row (End).
pub(crate) fn managed(landscape: Landscape) -> (Model, Vec<Cmd>) {
    let ctx = Context {
        catalog: catalog(),
        backend: Arc::new(LocalBackend::new("demo-landscape.json".into(), true)),
        theme: Theme::new(true, true),
    };
    let mut m = Model::manage(ctx, (80, 24));
    assert_eq!(m.init(), vec![Cmd::Load]);
    let cmds = update(&mut m, Msg::Loaded(Ok(Box::new(landscape))));
    if let Some(Screen::Formations(f)) = m.screens.last()
        && f.row("f-tc-us").is_some()
    {
        assert!(key(&mut m, KeyCode::End).is_empty());
        match m.screens.last() {
            Some(Screen::Formations(f)) => {
                assert_eq!(f.selected().map(|r| r.id.as_str()), Some("f-tc-us"));
            }
            _ => panic!("not on the Formations screen"),
        }
    }
    (m, cmds)
}

pub(crate) fn key(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub(crate) fn top(m: &Model) -> &'static str {
    match m.screens.last() {
        Some(Screen::Wizard) => "wizard",
        Some(Screen::Formations(_)) => "formations",
        Some(Screen::Formation(_)) => "formation",
        Some(Screen::Prerequisites(_)) => "prerequisites",
        None => "none",
    }
}

pub(crate) fn screen_text(m: &Model) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| crate::tui::view::view(m, f)).unwrap();
    let buf = t.backend().buffer().clone();
    buf.content().iter().map(|c| c.symbol()).collect()
}

/// The demo with one member of f-tc-us still on its way to READY.
fn synchronizing() -> Landscape {
    let mut l = demo();
    let f = l.formations.iter_mut().find(|f| f.id == "f-tc-us").unwrap();
    f.assignments.insert(
        "s4-prod".into(),
        Assignment {
            state: "INITIAL".into(),
            error: None,
        },
    );
    l
}

#[test]
fn manage_opens_the_formations_screen_once_loaded_and_does_not_poll_when_all_is_ready() {
    let (m, cmds) = managed(demo());
    assert_eq!(top(&m), "formations");
    assert_eq!(m.screens.len(), 1);
    assert!(
        cmds.is_empty(),
        "nothing in progress, nothing polls: {cmds:?}"
    );
    assert!(screen_text(&m).contains("Task Center US Inbox"));
}

#[test]
fn the_wizard_opens_on_its_own_without_the_formations_screen() {
    let ctx = Context {
        catalog: catalog(),
        backend: Arc::new(LocalBackend::new("demo-landscape.json".into(), true)),
        theme: Theme::new(true, true),
    };
    let mut m = Model::new(ctx, Default::default(), (80, 24));
    update(&mut m, Msg::Loaded(Ok(Box::new(demo()))));
    assert_eq!(top(&m), "wizard");
    assert!(m.top_screen().is_none());
}

#[test]
fn enter_pushes_the_formation_screen_and_esc_pops_it() {
    let (mut m, _) = managed(demo());
    key(&mut m, KeyCode::Enter);
    assert_eq!(top(&m), "formation");
    assert_eq!(m.screens.len(), 2);
    let text = screen_text(&m);
    assert!(text.contains("Formation Task Center US Inbox"), "{text}");
    assert!(
        text.contains("remove"),
        "the screen's keys are in the hint bar"
    );
    key(&mut m, KeyCode::Esc);
    assert_eq!(top(&m), "formations");
    assert_eq!(m.screens.len(), 1);
}

#[test]
fn n_pushes_the_wizard_on_a_fresh_plan_and_esc_on_its_first_step_goes_back() {
    let (mut m, _) = managed(demo());
    key(&mut m, KeyCode::Char('n'));
    assert_eq!(top(&m), "wizard");
    assert!(matches!(m.step, Step::Name(_)));
    assert!(m.data.plan.name.is_empty());
    let cmds = key(&mut m, KeyCode::Esc);
    assert_eq!(top(&m), "formations");
    assert!(
        matches!(cmds.as_slice(), [Cmd::Refresh { .. }]),
        "back from the wizard, the list is read again: {cmds:?}"
    );
}

#[test]
fn q_on_the_formations_screen_quits_at_once_with_exit_0() {
    let (mut m, _) = managed(demo());
    key(&mut m, KeyCode::Char('q'));
    let exit = m.exit.clone().expect("quit");
    assert_eq!(exit.code, 0);
    assert!(m.overlay.is_none(), "nothing would be lost: no question");
}

#[test]
fn q_in_a_wizard_started_with_n_asks_when_choices_would_be_lost() {
    let (mut m, _) = managed(demo());
    key(&mut m, KeyCode::Char('n'));
    key(&mut m, KeyCode::Char('X'));
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(m.exit.is_none());
    assert!(
        m.overlay.is_some(),
        "a typed name would be lost: asks first"
    );
}

#[test]
fn a_confirmed_removal_runs_on_the_backend_and_refreshes_the_list() {
    let (mut m, _) = managed(demo());
    key(&mut m, KeyCode::Enter);
    assert!(key(&mut m, KeyCode::Char('x')).is_empty(), "asks first");
    assert!(screen_text(&m).contains("Take the system"));
    // q answers no while the question is open: neither quits nor removes.
    assert!(key(&mut m, KeyCode::Char('q')).is_empty());
    assert!(m.exit.is_none());
    key(&mut m, KeyCode::Char('x'));
    let cmds = key(&mut m, KeyCode::Char('y'));
    let expected = Change::Unassign {
        formation_id: "f-tc-us".into(),
        system: "s4-prod".into(),
        // The only S/4HANA Cloud system: the question said it stops working.
        accept_breaking: true,
    };
    assert_eq!(cmds, vec![Cmd::Change(expected.clone())]);
    let cmds = update(
        &mut m,
        Msg::Changed(
            expected,
            Ok(outcome(Action::Unassign, &[("s4-prod", Final::Gone)])),
        ),
    );
    let [Cmd::Refresh { after, generation }] = cmds.as_slice() else {
        panic!("a refresh after the change: {cmds:?}");
    };
    assert_eq!(*after, Duration::ZERO);
    assert!(m.flash.as_deref().unwrap_or("").contains("taken out"));
    let mut l = demo();
    let f = l.formations.iter_mut().find(|f| f.id == "f-tc-us").unwrap();
    f.systems.retain(|s| s != "s4-prod");
    update(&mut m, Msg::Refreshed(*generation, Ok(Box::new(l))));
    let text = screen_text(&m);
    assert!(
        text.contains("Systems (1)"),
        "the screen shows the change: {text}"
    );
}

#[test]
fn delete_is_confirmed_naming_the_formation_and_sends_its_members_first() {
    let (mut m, _) = managed(demo());
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Char('D'));
    let text = screen_text(&m);
    assert!(text.contains("Task Center US Inbox"), "{text}");
    let cmds = key(&mut m, KeyCode::Char('y'));
    let change = Change::Delete {
        formation_id: "f-tc-us".into(),
    };
    assert_eq!(cmds, vec![Cmd::Change(change.clone())]);
    let cmds = update(
        &mut m,
        Msg::Changed(
            change,
            Ok(outcome(
                Action::Delete,
                &[("tc-us", Final::Gone), ("s4-prod", Final::Gone)],
            )),
        ),
    );
    let [Cmd::Refresh { generation, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    let mut l = demo();
    l.formations.retain(|f| f.id != "f-tc-us");
    update(&mut m, Msg::Refreshed(*generation, Ok(Box::new(l))));
    assert_eq!(
        top(&m),
        "formations",
        "the deleted formation's screen is gone"
    );
}

/// What the operations layer answers for a change to "Task Center US Inbox".
fn outcome(action: Action, systems: &[(&str, Final)]) -> ChangeOutcome {
    ChangeOutcome {
        action,
        formation_id: "f-tc-us".into(),
        formation_name: "Task Center US Inbox".into(),
        end: ChangeEnd::Done,
        systems: systems
            .iter()
            .map(|(s, f)| ((*s).to_owned(), f.clone()))
            .collect(),
        unchanged: Default::default(),
        state: None,
        left: None,
    }
}

#[test]
fn an_added_system_whose_assignment_fails_is_said_with_the_servers_reason() {
    let (mut m, _) = managed(demo());
    key(&mut m, KeyCode::Enter);
    let change = Change::Assign {
        formation_id: "f-tc-us".into(),
        systems: vec!["s4-qa".into()],
    };
    m.changes_in_flight = 1;
    let failed = Final::Failed {
        state: "CREATE_ERROR".into(),
        error: Some("the receiver refused the notification: SAP_COM_0501 is not active".into()),
    };
    update(
        &mut m,
        Msg::Changed(change, Ok(outcome(Action::Assign, &[("s4-qa", failed)]))),
    );
    let line = m.flash.clone().unwrap_or_default();
    assert!(
        !line.contains("was added"),
        "never reported as added: {line}"
    );
    assert!(
        line.contains("s4-qa was not added to \"Task Center US Inbox\"")
            && line.contains("CREATE_ERROR: the receiver refused the notification"),
        "{line}"
    );
    insta::assert_snapshot!("manage_add_create_error_80x24", screen_text(&m));
}

#[test]
fn resync_and_a_failure_come_back_as_a_line_naming_what_the_server_said() {
    let (mut m, _) = managed(demo());
    key(&mut m, KeyCode::Enter);
    assert!(key(&mut m, KeyCode::Char('r')).is_empty(), "asks first");
    let cmds = key(&mut m, KeyCode::Char('y'));
    let change = Change::Resync {
        formation_id: "f-tc-us".into(),
    };
    assert_eq!(cmds, vec![Cmd::Change(change.clone())]);
    let failure = crate::tui::app::Failure {
        message: "Director answered 500".into(),
        code: 3,
    };
    update(&mut m, Msg::Changed(change, Err(failure)));
    assert_eq!(m.flash.as_deref(), Some("Director answered 500"));
}

#[test]
fn polls_with_backoff_only_while_a_shown_formation_is_in_progress() {
    let (mut m, cmds) = managed(synchronizing());
    let [Cmd::Refresh { after, generation }] = cmds.as_slice() else {
        panic!("in progress: a poll: {cmds:?}");
    };
    assert_eq!(*after, Duration::from_secs(1));
    // A key meanwhile does not start a second poll.
    assert!(key(&mut m, KeyCode::Down).is_empty());
    let cmds = update(
        &mut m,
        Msg::Refreshed(*generation, Ok(Box::new(synchronizing()))),
    );
    let [Cmd::Refresh { after, generation }] = cmds.as_slice() else {
        panic!("still in progress: {cmds:?}");
    };
    assert_eq!(*after, Duration::from_secs(2), "unchanged: backs off");
    // A stale answer (an older generation) schedules nothing.
    assert!(update(&mut m, Msg::Refreshed(0, Ok(Box::new(demo())))).is_empty());
    let cmds = update(&mut m, Msg::Refreshed(*generation, Ok(Box::new(demo()))));
    assert!(cmds.is_empty(), "all Ready: polling stops: {cmds:?}");
}

#[test]
fn removing_the_only_task_center_says_the_formation_stops_working_before_the_yes() {
    let (mut m, _) = managed(demo());
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Char('x'));
    let flash = m.flash.clone().unwrap_or_default();
    assert!(flash.contains("Without tc-us"), "{flash}");
    assert!(flash.contains("stops working"), "{flash}");
    key(&mut m, KeyCode::Char('n'));
    assert!(m.exit.is_none());
}

#[test]
fn help_on_a_management_screen_lists_that_screens_keys() {
    let (mut m, _) = managed(demo());
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Char('?'));
    let text = screen_text(&m);
    assert!(text.contains("Keys: Formation "), "{text}");
    assert!(text.contains("resync"), "{text}");
    assert!(text.contains("delete"), "{text}");
    key(&mut m, KeyCode::Esc);
    assert!(m.overlay.is_none());
    assert_eq!(top(&m), "formation", "Esc closed the help, not the screen");
}

#[test]
fn both_management_screens_end_with_their_keys_and_help_and_quit_in_the_bar() {
    let (mut m, _) = managed(demo());
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| crate::tui::view::view(&m, f)).unwrap();
    insta::assert_snapshot!("manage_formations_80x24", t.backend());
    key(&mut m, KeyCode::Enter);
    t.draw(|f| crate::tui::view::view(&m, f)).unwrap();
    insta::assert_snapshot!("manage_formation_80x24", t.backend());
    let bar: String = {
        let buf = t.backend().buffer();
        (0..80).map(|x| buf[(x, 23)].symbol()).collect()
    };
    for want in ["a add systems", "x remove", "? help", "q quit"] {
        assert!(bar.contains(want), "{want:?} not in {bar:?}");
    }
}

#[test]
fn esc_on_the_first_screen_does_not_quit() {
    let (mut m, _) = managed(demo());
    assert_eq!(top(&m), "formations");
    key(&mut m, KeyCode::Esc);
    assert!(m.exit.is_none(), "Esc is back, never quit");
    assert_eq!(top(&m), "formations");
    assert!(m.flash.as_deref().unwrap_or("").contains("q quits"));
    // With a filter set, Esc clears it first.
    for k in [KeyCode::Char('/'), KeyCode::Char('j'), KeyCode::Enter] {
        key(&mut m, k);
    }
    let shown = |m: &Model| match m.screens.last() {
        Some(Screen::Formations(f)) => f.visible().len(),
        _ => 0,
    };
    assert_eq!(shown(&m), 1, "/j: Joule Assistant");
    key(&mut m, KeyCode::Esc);
    assert_eq!(shown(&m), 4, "the filter is cleared");
    assert!(m.exit.is_none());
    assert_eq!(top(&m), "formations");
    key(&mut m, KeyCode::Char('q'));
    assert_eq!(m.exit.map(|e| e.code), Some(0));
}

#[test]
fn q_while_a_change_is_on_its_way_asks_and_quits_once_it_has_ended() {
    let (mut m, _) = managed(demo());
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Char('r'));
    let cmds = key(&mut m, KeyCode::Char('y'));
    assert!(matches!(cmds[..], [Cmd::Change(_)]), "{cmds:?}");
    assert_eq!(m.changes_in_flight, 1);
    key(&mut m, KeyCode::Char('q'));
    assert!(m.exit.is_none(), "asked first");
    assert!(matches!(m.overlay, Some(Overlay::ConfirmQuit(_))));
    key(&mut m, KeyCode::Char('n'));
    assert!(m.overlay.is_none() && m.exit.is_none(), "n stays");
    key(&mut m, KeyCode::Char('q'));
    key(&mut m, KeyCode::Char('y'));
    assert!(m.exit.is_none(), "not while the change is on its way");
    let change = Change::Resync {
        formation_id: "f-tc-us".into(),
    };
    update(
        &mut m,
        Msg::Changed(change, Ok(outcome(Action::Resync, &[]))),
    );
    assert_eq!(m.exit.map(|e| e.code), Some(0), "ended, then quit");
}
