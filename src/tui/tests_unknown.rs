//! Issue 20, points 5 and 6: credentials that cannot read registration tokens. A row whose
//! registration decides the rule says the Director decides (not "Can be selected"), Review
//! names the systems the Director will check, a refusal by the server at create stays on
//! its row and in the verdict (its line breaks drawn as lines) until the plan changes, and
//! `r` on that row opens the Register panel. Then the small things: long reasons wrap, the
//! header keeps the account's name, and no spinner is left once the work has ended.

use std::collections::BTreeMap;

use super::*;
use crate::backend::{BackendEvent, CallState};
use crate::ops::CreateOutcome;
use crate::rules::{Finding, Report, RuleKind};

const REFUSAL: &str = "The Director refused the system s4-sales for \"TC EU\":\nwhile enforcing constraints for target operation \"ASSIGN_FORMATION\" and constraint type \"PRE\": 1 error occurred:\nFormation constraint \"sap-task-center:ContainsScenarioGroups:SAP S/4HANA Cloud\" is not satisfied";

/// The demo as the sandbox's ordinary `--token` reads it: every S/4HANA Cloud system's
/// token hidden (no groups known), the registered ones CONNECTED.
fn unreadable() -> Landscape {
    let mut l = demo();
    for s in &mut l.systems {
        if s.system_type != "SAP S/4HANA Cloud" {
            continue;
        }
        let registered = s.status.as_deref() == Some("Registered");
        s.condition = Some(if registered { "CONNECTED" } else { "INITIAL" }.into());
        s.token_unreadable = true;
        s.latest_token = None;
        s.scenario_groups = Vec::new();
    }
    l
}

fn unreadable_model() -> Model {
    let mut m = model_with(Theme::new(true, true), Prefill::default(), unreadable());
    typed(&mut m, "TC EU");
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Systems(_)), "flash: {:?}", m.flash);
    m
}

fn text(m: &Model, w: u16, h: u16) -> String {
    draw(m, w, h).backend().to_string()
}

fn highlighted(m: &Model) -> Option<String> {
    match &m.step {
        Step::Systems(s) => s.highlighted(&m.data).map(|c| c.id),
        _ => None,
    }
}

/// Whether some screen row, once its border and indent are off, starts with `start`: a line
/// break of the server's became a line of its own.
fn a_row_starts_with(screen: &str, start: &str) -> bool {
    screen.lines().any(|row| {
        row.trim_matches('"')
            .trim_start_matches([' ', '│', '|', '✗', '!'])
            .starts_with(start)
    })
}

#[test]
fn snapshot_director_decides_rows_80x24() {
    let mut m = unreadable_model();
    select(&mut m, "tc-eu");
    key(&mut m, KeyCode::Home);
    highlight_system(&mut m, "s4-sales");
    let screen = text(&m, 80, 24);
    insta::assert_snapshot!("systems_director_decides_80x24", screen);
    assert!(screen.contains("[?] S/4HANA Cloud Sales"), "{screen}");
    assert!(screen.contains("The Director decides"), "{screen}");
    assert!(!screen.contains("Can be selected"), "{screen}");
    assert!(screen.contains("4 the Director decides"), "{screen}");
    assert!(
        screen.contains("CONNECTED hidden") && !screen.contains("CONNECT…"),
        "a status word is whole at 80 columns: {screen}"
    );
    // The engine's verdict, carried: selectable, with the Director's part said.
    let c = candidate(&m, "s4-sales");
    assert!(c.selectable && c.director_decides.is_some());
    assert!(
        candidate(&m, "tc-eu").director_decides.is_none(),
        "no group rule"
    );
}

#[test]
fn review_names_the_systems_the_director_will_check() {
    let mut m = unreadable_model();
    select(&mut m, "tc-eu");
    select(&mut m, "s4-sales");
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Review(_)));
    assert!(m.data.verdict.valid, "unknown is no refusal either");
    let screen = text(&m, 80, 24);
    assert!(
        screen.contains("satisfied as far as these credentials can read"),
        "{screen}"
    );
    assert!(
        screen.contains("The Director checks the registration of"),
        "{screen}"
    );
    assert!(screen.contains("(s4-sales)"), "{screen}");
}

fn refused_report() -> Report {
    Report {
        valid: false,
        violations: vec![Finding::new(
            RuleKind::ScenarioGroup,
            vec!["s4-sales".into()],
            REFUSAL.into(),
            None,
        )],
        warnings: Vec::new(),
        candidates: Vec::new(),
        auto_enabled: Vec::new(),
    }
}

/// tc-eu and s4-sales created, the Director refusing s4-sales at its assignment, the
/// landscape read again: on the Create step with the outcome shown.
fn refused_at_create() -> Model {
    let mut m = unreadable_model();
    select(&mut m, "tc-eu");
    select(&mut m, "s4-sales");
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Char('c'));
    update(&mut m, Msg::ConfirmShown);
    let cmds = key(&mut m, KeyCode::Char('y'));
    assert!(matches!(cmds.as_slice(), [Cmd::Create(_)]), "{cmds:?}");
    update(
        &mut m,
        Msg::Progress(BackendEvent::Call {
            step: 0,
            label: "Assign the system s4-sales".into(),
            state: CallState::Failed(REFUSAL.into()),
        }),
    );
    // A call the operation never said the end of: no spinner for it once it is over.
    update(
        &mut m,
        Msg::Progress(BackendEvent::Call {
            step: 1,
            label: "Undo: Delete the formation".into(),
            state: CallState::Started,
        }),
    );
    let cmds = update(
        &mut m,
        Msg::Created(Ok(CreateOutcome {
            end: crate::ops::End::Refused(Box::new(refused_report())),
            formation: None,
            systems: BTreeMap::new(),
            left: None,
        })),
    );
    assert_eq!(cmds, vec![Cmd::Load], "read again");
    assert!(update(&mut m, Msg::Loaded(Ok(Box::new(unreadable())))).is_empty());
    m
}

#[test]
fn a_refusal_at_create_is_drawn_line_by_line_without_a_spinner_left() {
    let m = refused_at_create();
    assert!(matches!(m.step, Step::Create(_)));
    assert!(!m.busy(), "the work has ended");
    let screen = text(&m, 100, 30);
    assert!(!screen.contains('\u{FFFD}'), "{screen}");
    assert!(
        a_row_starts_with(&screen, "while enforcing constraints"),
        "{screen}"
    );
    assert!(
        a_row_starts_with(&screen, "Formation constraint"),
        "{screen}"
    );
    let t = m.data.theme();
    for frame in t.sym.spinner {
        assert!(!screen.contains(frame), "spinner {frame} left: {screen}");
    }
}

#[test]
fn a_server_refusal_stays_on_its_row_and_in_the_verdict_until_the_plan_changes() {
    let mut m = refused_at_create();
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Review(_)));
    assert!(!m.data.verdict.valid, "not ready again: the server said no");
    let screen = text(&m, 80, 24);
    assert!(screen.contains("Not ready"), "{screen}");
    assert!(!screen.contains('\u{FFFD}'), "{screen}");
    assert!(a_row_starts_with(&screen, "while enforcing"), "{screen}");
    assert!(key(&mut m, KeyCode::Char('c')).is_empty());
    assert!(m.overlay.is_none(), "no create while refused");

    // On the Systems step the row keeps the refusal, and r opens the Register panel.
    key(&mut m, KeyCode::Char('3'));
    highlight_system(&mut m, "s4-sales");
    let screen = text(&m, 80, 24);
    assert!(screen.contains("[x] S/4HANA Cloud Sales"), "{screen}");
    assert!(screen.contains("Refused at the last create"), "{screen}");
    assert!(
        a_row_starts_with(&screen, "while enforcing"),
        "detail: {screen}"
    );
    assert!(m.commands().iter().any(|h| h.keys == "r" && h.bar));
    key(&mut m, KeyCode::Char('r'));
    let panel = m.register.as_ref().expect("r opens the Register panel");
    assert_eq!(panel.system_id, "s4-sales");
    key(&mut m, KeyCode::Esc);
    assert_eq!(highlighted(&m).as_deref(), Some("s4-sales"));

    // Another plan is the Director's to judge again; the refused one is not ready.
    select(&mut m, "s4-prod");
    assert!(m.data.verdict.valid, "{:?}", m.data.verdict.violations);
    select(&mut m, "s4-prod");
    assert!(!m.data.verdict.valid, "the refused plan again");
    assert!(m.data.refused("s4-sales").is_some(), "still on its row");
}

#[test]
fn a_servers_line_breaks_in_the_flash_are_lines() {
    let mut m = refused_at_create();
    m.flash = Some(crate::text::neutralise_lines(
        "Nothing was changed:\r\nthe Director refused it\nby a constraint",
    ));
    let screen = text(&m, 80, 24);
    assert!(!screen.contains('\u{FFFD}'), "{screen}");
    assert!(
        a_row_starts_with(&screen, "the Director refused it"),
        "{screen}"
    );
    assert!(a_row_starts_with(&screen, "by a constraint"), "{screen}");
}

#[test]
fn a_long_reason_wraps_at_80_columns_instead_of_being_cut() {
    let mut m = at_systems();
    select(&mut m, "tc-eu");
    key(&mut m, KeyCode::Home);
    highlight_system(&mut m, "tc-us");
    key(&mut m, KeyCode::Char(' '));
    let flash = m.flash.clone().unwrap_or_default();
    assert!(
        flash.len() > 3 * 80,
        "a reason longer than three lines: {flash}"
    );
    let screen = text(&m, 80, 24);
    let end = "Task Center EU is already selected.";
    assert!(flash.ends_with(end), "{flash}");
    assert!(
        screen.contains(end),
        "the end of the reason shows: {screen}"
    );
}

#[test]
fn the_header_keeps_the_account_name_and_cuts_the_path_first() {
    let long = "/home/administrator/projects/sap-btp/landscapes/2026/europe/production/acme-global-landscape.json";
    let ctx = Context {
        catalog: catalog(),
        backend: Arc::new(LocalBackend::new(long.into(), false)),
        theme: Theme::new(true, true),
    };
    let mut m = Model::new(ctx, Prefill::default(), (80, 24));
    update(&mut m, Msg::Loaded(Ok(Box::new(demo()))));
    for (w, h) in [(60, 16), (80, 24), (200, 50)] {
        m.size = (w, h);
        let screen = text(&m, w, h);
        let header = screen.lines().next().unwrap_or_default();
        assert!(header.contains("ACME Global (demo)"), "{w}: {header}");
        assert!(
            header
                .trim_end_matches(['"', ' '])
                .ends_with("landscape.json"),
            "{w}: {header}"
        );
        if w < 200 {
            assert!(header.contains('…'), "{w}: cut: {header}");
        }
    }
}

#[test]
fn a_director_header_drops_the_host_then_cuts_the_tenant_before_the_account() {
    let t = Theme::new(true, true);
    let short = crate::tui::target::Short {
        tenant: Some("tenant 3f1c0b2e-aaaa-bbbb-cccc-1234567890ab".into()),
        account: Some("ACME Global Production".into()),
        place: "director.eu10.hana.ondemand.example".into(),
    };
    let full = crate::tui::view::fit_target(&short, 200, &t);
    assert_eq!(
        full,
        "tenant 3f1c0b2e-aaaa-bbbb-cccc-1234567890ab • ACME Global Production • director.eu10.hana.ondemand.example"
    );
    let mid = crate::tui::view::fit_target(&short, 80, &t);
    assert!(mid.contains("ACME Global Production • …"), "{mid}");
    assert!(crate::text::width(&mid) <= 80, "{mid}");
    let narrow = crate::tui::view::fit_target(&short, 40, &t);
    assert!(narrow.ends_with("ACME Global Production"), "{narrow}");
    assert!(crate::text::width(&narrow) <= 40, "{narrow}");
    let tiny = crate::tui::view::fit_target(&short, 12, &t);
    assert!(tiny.starts_with("ACME Global"), "{tiny}");
}

#[test]
fn at_60x16_the_outcome_of_a_refused_create_stays_on_screen() {
    let mut m = refused_at_create();
    m.size = (60, 16);
    let screen = text(&m, 60, 16);
    assert!(screen.contains("Nothing was created"), "{screen}");
    assert!(screen.contains("Enter goes back"), "{screen}");
}

/// After `r` and a new token, the system read again as connected is the Director's to
/// decide again (the refusal was of the registration it had), though these credentials
/// still cannot say with which group: the panel says so, not "with the group".
#[test]
fn a_refused_row_registered_again_is_the_directors_to_decide_again() {
    let mut m = refused_at_create();
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Char('3'));
    highlight_system(&mut m, "s4-sales");
    key(&mut m, KeyCode::Char('r'));
    assert!(matches!(
        key(&mut m, KeyCode::Enter).as_slice(),
        [Cmd::RequestToken { .. }]
    ));
    let seen = m.data.landscape.system("s4-sales").cloned().unwrap();
    assert!(seen.token_unreadable && seen.condition.as_deref() == Some("CONNECTED"));
    update(
        &mut m,
        Msg::Register(crate::tui::msg::RegisterMsg::SystemSeen(Ok(Box::new(seen)))),
    );
    assert!(m.data.refused("s4-sales").is_none());
    assert!(m.data.verdict.valid, "{:?}", m.data.verdict.violations);
    let flash = m.flash.clone().unwrap_or_default();
    assert!(flash.contains("the Director checks at create"), "{flash}");
    key(&mut m, KeyCode::Esc);
    assert_eq!(highlighted(&m).as_deref(), Some("s4-sales"));
    assert!(text(&m, 80, 24).contains("[x] S/4HANA Cloud Sales"));
}
