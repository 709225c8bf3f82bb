//! The wizard driven by key sequences through `update`, and drawn on a `TestBackend`.

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};

use super::app::{Cmd, Context, Failure, Model, Msg, Overlay, Prefill, Step, update};
use super::steps::create::Phase;
use super::theme::Theme;
use super::view::view;
use crate::backend::{Created, LocalBackend};
use crate::catalog::Catalog;
use crate::landscape::Landscape;
use crate::ops::{End, Final};

const TC: &str = "sap-task-center";

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

fn demo() -> Landscape {
    Landscape::parse(crate::demo::EMBEDDED.as_bytes(), "demo", &catalog()).unwrap()
}

fn model_with(theme: Theme, prefill: Prefill, landscape: Landscape) -> Model {
    let ctx = Context {
        catalog: catalog(),
        // Never called by `update`; only describes itself (source, DEMO, planned calls).
        backend: Arc::new(LocalBackend::new("demo-landscape.json".into(), true)),
        theme,
    };
    let mut m = Model::new(ctx, prefill, (80, 24));
    assert_eq!(m.init(), vec![Cmd::Load]);
    assert!(update(&mut m, Msg::Loaded(Ok(Box::new(landscape)))).is_empty());
    m
}

fn model() -> Model {
    model_with(Theme::new(true, true), Prefill::default(), demo())
}

fn key(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(m: &mut Model, c: char) -> Vec<Cmd> {
    update(
        m,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn typed(m: &mut Model, s: &str) {
    for c in s.chars() {
        key(m, KeyCode::Char(c));
    }
}

/// Presses `j` until the systems table highlights the system `id`.
pub(crate) fn highlight_system(m: &mut Model, id: &str) {
    for _ in 0..30 {
        if let Step::Systems(s) = &m.step
            && s.highlighted(&m.data).is_some_and(|c| c.id == id)
        {
            return;
        }
        key(m, KeyCode::Char('j'));
    }
    panic!("{id} is not in the table");
}

fn candidate(m: &Model, id: &str) -> crate::rules::Candidate {
    m.data.candidate(id).unwrap()
}

/// Name "TC EU", the Task Center type, at the systems step.
fn at_systems() -> Model {
    let mut m = model();
    typed(&mut m, "TC EU");
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Type(_)));
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Systems(_)), "flash: {:?}", m.flash);
    assert_eq!(m.data.plan.type_id, TC);
    m
}

fn select(m: &mut Model, id: &str) {
    key(m, KeyCode::Home);
    highlight_system(m, id);
    key(m, KeyCode::Char(' '));
}

fn at_review_valid() -> Model {
    let mut m = at_systems();
    select(&mut m, "tc-eu");
    select(&mut m, "s4-prod");
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Review(_)));
    m
}

fn draw(m: &Model, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(m, f)).unwrap();
    t
}

fn screen(m: &Model) -> String {
    draw(m, 80, 24).backend().to_string()
}

// ---- update: the name step ----

#[test]
fn name_is_validated_as_typed_and_enter_needs_a_valid_name() {
    let mut m = model();
    assert!(matches!(m.step, Step::Name(_)));
    key(&mut m, KeyCode::Enter);
    assert!(
        matches!(m.step, Step::Name(_)),
        "an empty name does not advance"
    );
    assert!(m.flash.as_deref().unwrap().contains("empty"));
    typed(&mut m, "Task Center US Inbox");
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Name(_)));
    assert!(m.flash.as_deref().unwrap().contains("already exists"));
    assert!(screen(&m).contains("already exists"));
    // Ctrl-W deletes the last word; the name is then free.
    ctrl(&mut m, 'w');
    assert_eq!(m.data.plan.name, "Task Center US ");
    assert!(screen(&m).contains("ends with"));
    key(&mut m, KeyCode::Backspace);
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Type(_)));
}

#[test]
fn name_cursor_editing_and_similar_case_warning() {
    let mut m = model();
    typed(&mut m, "ask center us inbox");
    key(&mut m, KeyCode::Home);
    typed(&mut m, "t");
    key(&mut m, KeyCode::End);
    key(&mut m, KeyCode::Left);
    key(&mut m, KeyCode::Delete);
    key(&mut m, KeyCode::Char('x'));
    assert_eq!(m.data.plan.name, "task center us inbox");
    assert!(screen(&m).contains("differs only in"));
    ctrl(&mut m, 'a');
    ctrl(&mut m, 'e');
    ctrl(&mut m, 'u');
    assert_eq!(m.data.plan.name, "");
    update(&mut m, Msg::Paste("TC\nEU".into()));
    assert_eq!(m.data.plan.name, "TC EU", "a pasted line break is a space");
    assert!(
        m.flash
            .as_deref()
            .unwrap()
            .contains("line breaks became spaces")
    );
}

#[test]
fn q_is_a_letter_in_the_name_and_ctrl_c_quits() {
    let mut m = model();
    key(&mut m, KeyCode::Char('q'));
    assert_eq!(m.data.plan.name, "q");
    assert!(m.exit.is_none());
    ctrl(&mut m, 'c');
    assert!(
        matches!(m.overlay, Some(Overlay::ConfirmQuit(_))),
        "a name was typed: ask first"
    );
    key(&mut m, KeyCode::Char('y'));
    assert_eq!(m.exit.as_ref().unwrap().code, 130);
}

#[test]
fn quitting_with_nothing_chosen_does_not_ask() {
    let mut m = model();
    ctrl(&mut m, 'c');
    assert!(m.overlay.is_none());
    assert_eq!(m.exit.unwrap().code, 130);
}

// ---- update: the type step ----

#[test]
fn an_unavailable_type_cannot_be_chosen_and_says_why() {
    let mut m = model();
    typed(&mut m, "Start");
    key(&mut m, KeyCode::Enter);
    let Step::Type(s) = &m.step else { panic!() };
    let start = catalog()
        .formation_types
        .iter()
        .position(|t| t.id == "sap-start")
        .unwrap();
    assert!(matches!(
        s.availability[start],
        crate::rules::Availability::Unavailable(_)
    ));
    for _ in 0..start {
        key(&mut m, KeyCode::Down);
    }
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Type(_)));
    let flash = m.flash.clone().unwrap();
    assert!(
        flash.contains("cannot be chosen") && flash.contains("Work Zone Portal"),
        "{flash}"
    );
    key(&mut m, KeyCode::Home);
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Systems(_)));
    key(&mut m, KeyCode::Esc);
    assert!(matches!(m.step, Step::Type(_)), "Esc goes back");
    key(&mut m, KeyCode::Esc);
    assert!(matches!(m.step, Step::Name(_)));
}

#[test]
fn changing_the_type_drops_systems_the_new_type_does_not_take() {
    let mut m = at_systems();
    select(&mut m, "tc-eu");
    select(&mut m, "s4-prod");
    m.data.set_type("sap-ariba-buying");
    assert_eq!(m.data.plan.systems, vec!["s4-prod".to_owned()]);
}

// ---- update: the systems step ----

#[test]
fn second_task_center_is_unselectable_while_one_is_selected() {
    let mut m = at_systems();
    assert!(candidate(&m, "tc-apj").selectable);
    select(&mut m, "tc-eu");
    assert!(candidate(&m, "tc-eu").selected);
    let apj = candidate(&m, "tc-apj");
    assert!(!apj.selectable, "the moment one Task Center is selected");
    assert!(apj.reason.as_deref().unwrap().contains("Task Center EU"));
    // Space on it is refused with the reason.
    select(&mut m, "tc-apj");
    assert!(!candidate(&m, "tc-apj").selected);
    assert!(m.flash.as_deref().unwrap().contains("cannot be selected"));
    // Deselecting the first makes the second selectable again.
    select(&mut m, "tc-eu");
    assert!(!candidate(&m, "tc-eu").selected);
    assert!(candidate(&m, "tc-apj").selectable);
    select(&mut m, "tc-apj");
    assert!(candidate(&m, "tc-apj").selected);
}

#[test]
fn invalid_systems_are_refused_with_their_reason() {
    let mut m = at_systems();
    for (id, words) in [
        ("tc-us", "already in the formation"),
        ("s4-sales", "scenario group"),
        ("s4-dev", "no status"),
        ("s4-test", "Error while Registering"),
        ("s4-legacy", "Deregistering"),
    ] {
        select(&mut m, id);
        assert!(!candidate(&m, id).selected, "{id}");
        let flash = m.flash.clone().unwrap_or_default();
        assert!(flash.contains(words), "{id}: {flash}");
    }
}

#[test]
fn filter_narrows_the_table_and_esc_clears_it() {
    let mut m = at_systems();
    key(&mut m, KeyCode::Char('/'));
    assert!(m.typing(), "q must type into the filter");
    typed(&mut m, "qua");
    let Step::Systems(s) = &m.step else { panic!() };
    let rows: Vec<String> = s.rows(&m.data).into_iter().map(|c| c.id).collect();
    assert_eq!(rows, ["s4-qa"]);
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Char(' '));
    assert!(candidate(&m, "s4-qa").selected);
    key(&mut m, KeyCode::Esc);
    let Step::Systems(s) = &m.step else { panic!() };
    assert_eq!(s.rows(&m.data).len(), 10);
    assert!(
        matches!(m.step, Step::Systems(_)),
        "first Esc clears the filter"
    );
}

#[test]
fn x_lists_the_systems_the_type_excludes() {
    let mut m = at_systems();
    key(&mut m, KeyCode::Char('x'));
    let text = screen(&m);
    assert!(text.contains("Work Zone Portal"), "{text}");
    assert!(text.contains("takes only"), "{text}");
    key(&mut m, KeyCode::Char('x'));
    assert!(!screen(&m).contains("Work Zone Portal (wz-portal)"));
}

// ---- update: the review step ----

#[test]
fn create_is_unavailable_while_a_rule_is_violated() {
    let mut m = at_systems();
    select(&mut m, "tc-eu");
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Review(_)));
    assert!(!m.data.verdict.valid);
    assert!(key(&mut m, KeyCode::Char('c')).is_empty());
    assert!(matches!(m.step, Step::Review(_)));
    assert!(m.flash.as_deref().unwrap().contains("not available"));
    // Enter on the Create action is refused too.
    key(&mut m, KeyCode::Tab);
    assert!(key(&mut m, KeyCode::Enter).is_empty() || matches!(m.step, Step::Systems(_)));
    assert!(!m.commands().iter().any(|h| h.action == "create"));
    // Jump back to the systems, fix it, and Create becomes available.
    key(&mut m, KeyCode::Char('3'));
    assert!(matches!(m.step, Step::Systems(_)));
    select(&mut m, "s4-prod");
    key(&mut m, KeyCode::Enter);
    assert!(m.commands().iter().any(|h| h.action == "create"));
    let cmds = confirm_create(&mut m);
    assert!(matches!(m.step, Step::Create(_)));
    assert!(matches!(&cmds[..], [Cmd::Create(p)] if p.systems == ["tc-eu", "s4-prod"]));
}

#[test]
fn review_reopens_any_step_and_keeps_the_plan() {
    let mut m = at_review_valid();
    key(&mut m, KeyCode::Char('1'));
    assert!(matches!(m.step, Step::Name(_)));
    assert_eq!(m.data.plan.name, "TC EU");
    key(&mut m, KeyCode::Enter);
    assert!(
        matches!(m.step, Step::Review(_)),
        "1, Enter: back on Review"
    );
    key(&mut m, KeyCode::Char('2'));
    assert!(matches!(m.step, Step::Type(_)));
    key(&mut m, KeyCode::Enter);
    assert!(
        matches!(m.step, Step::Review(_)),
        "2, Enter: back on Review"
    );
    assert_eq!(
        m.data.plan.systems,
        ["tc-eu", "s4-prod"],
        "same type keeps the systems"
    );
    key(&mut m, KeyCode::Char('3'));
    assert!(matches!(m.step, Step::Systems(_)));
    key(&mut m, KeyCode::Enter);
    assert!(
        matches!(m.step, Step::Review(_)),
        "3, Enter: back on Review"
    );
    key(&mut m, KeyCode::Char('1'));
    key(&mut m, KeyCode::Esc);
    assert!(
        matches!(m.step, Step::Review(_)),
        "Esc also returns to Review"
    );
    // Walking forward from step 1 afterwards is the normal order again.
    key(&mut m, KeyCode::Esc);
    assert!(matches!(m.step, Step::Systems(_)));
}

// ---- update: the create step ----

fn created(id: &str, status: &str) -> Created {
    Created {
        id: id.into(),
        status: status.into(),
    }
}

/// `c`, the confirmation drawn (`ConfirmShown`), then `y`: the commands `y` gave.
fn confirm_create(m: &mut Model) -> Vec<Cmd> {
    assert!(
        key(m, KeyCode::Char('c')).is_empty(),
        "c alone never creates"
    );
    assert!(m.confirmation_pending(), "flash: {:?}", m.flash);
    update(m, Msg::ConfirmShown);
    key(m, KeyCode::Char('y'))
}

fn at_create() -> Model {
    let mut m = at_review_valid();
    let cmds = confirm_create(&mut m);
    assert_eq!(cmds.len(), 1);
    m
}

fn phase(m: &Model) -> &Phase {
    let Step::Create(c) = &m.step else {
        panic!("not creating")
    };
    &c.phase
}

fn outcome(end: End, formation: Option<Created>, systems: &[(&str, Final)]) -> Msg {
    Msg::Created(Ok(crate::ops::CreateOutcome {
        end,
        formation,
        systems: systems
            .iter()
            .map(|(s, f)| ((*s).to_owned(), f.clone()))
            .collect(),
        left: None,
    }))
}

#[test]
fn success_shows_a_summary_and_exits_zero() {
    let mut m = at_create();
    assert!(m.busy());
    update(
        &mut m,
        outcome(
            End::Created,
            Some(created("f-1", "Ready")),
            &[("tc-eu", Final::Ready)],
        ),
    );
    assert!(matches!(phase(&m), Phase::Done { .. }));
    assert!(!m.busy());
    assert!(screen(&m).contains("was created"));
    key(&mut m, KeyCode::Enter);
    let exit = m.exit.unwrap();
    assert_eq!(exit.code, 0);
    assert!(exit.summary.unwrap().contains("f-1"));
}

#[test]
fn an_assignment_in_error_is_said_on_the_done_screen() {
    let mut m = at_create();
    update(
        &mut m,
        outcome(
            End::Created,
            Some(created("f-1", "Error")),
            &[
                ("tc-eu", Final::Ready),
                (
                    "s4-prod",
                    Final::Failed {
                        state: "CREATE_ERROR".into(),
                        error: Some("receiver said no".into()),
                    },
                ),
            ],
        ),
    );
    let text = screen(&m);
    assert!(
        text.contains("s4-prod is in it, but its assignment is CREATE_ERROR: receiver said no"),
        "{text}"
    );
    assert!(
        !text.contains("enabled on S/4HANA Cloud Production"),
        "{text}"
    );
}

#[test]
fn a_failed_step_shows_it_was_undone_and_can_be_retried() {
    let mut m = at_create();
    update(
        &mut m,
        outcome(
            End::Failed("assigning the system s4-prod failed: timed out".into()),
            None,
            &[],
        ),
    );
    let text = screen(&m);
    assert!(text.contains("timed out"), "{text}");
    assert!(text.contains("nothing is left"), "{text}");
    let cmds = key(&mut m, KeyCode::Char('r'));
    assert!(matches!(&cmds[..], [Cmd::Create(_)]));
}

#[test]
fn ctrl_c_while_creating_stops_and_undoes_then_exits_130() {
    let mut m = at_create();
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let cmds = update(&mut m, Msg::Key(ctrl_c));
    assert_eq!(
        cmds,
        vec![Cmd::Interrupt],
        "the change is told to stop, not left"
    );
    assert!(m.exit.is_none(), "nothing ends before the change has");
    assert!(screen(&m).contains("Stopping"), "{}", screen(&m));
    // A second Ctrl-C asks the runtime to stop at once.
    assert_eq!(update(&mut m, Msg::Key(ctrl_c)), vec![Cmd::Interrupt]);
    update(&mut m, outcome(End::Interrupted, None, &[]));
    let exit = m.exit.clone().expect("the app ends");
    assert_eq!(exit.code, 130);
    assert!(
        exit.message.unwrap_or_default().contains("was undone"),
        "it says what became of the change"
    );
}

#[test]
fn quitting_while_creating_asks_and_never_walks_away() {
    let mut m = at_create();
    key(&mut m, KeyCode::Char('q'));
    assert!(matches!(m.overlay, Some(Overlay::ConfirmQuit(_))));
    key(&mut m, KeyCode::Char('n'));
    assert!(m.exit.is_none());
}

#[test]
fn a_refusal_reloads_and_shows_what_changed() {
    let mut m = at_create();
    // Meanwhile someone put tc-eu into another Task Center formation.
    let mut json: serde_json::Value = serde_json::from_str(crate::demo::EMBEDDED).unwrap();
    json["formations"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": "f-new", "name": "Someone else", "type": TC, "systems": ["tc-eu", "s4-qa"]
        }));
    let fresh = Landscape::parse(json.to_string().as_bytes(), "fresh", &catalog()).unwrap();
    let report = crate::rules::evaluate(&m.data.plan, &fresh, &catalog());
    assert!(!report.valid);
    let cmds = update(&mut m, outcome(End::Refused(Box::new(report)), None, &[]));
    assert_eq!(cmds, vec![Cmd::Load]);
    update(&mut m, Msg::Loaded(Ok(Box::new(fresh))));
    let text = screen(&m);
    assert!(text.contains("Someone else"), "{text}");
    assert!(
        !m.data.verdict.valid,
        "the plan is re-checked against the fresh landscape"
    );
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Review(_)));
    assert!(key(&mut m, KeyCode::Char('c')).is_empty());
}

#[test]
fn a_backend_error_can_be_retried() {
    let mut m = at_create();
    update(
        &mut m,
        Msg::Created(Err(Failure {
            message: "cannot write the landscape file x: disk full".into(),
            code: 3,
        })),
    );
    assert!(screen(&m).contains("disk full"));
    let cmds = key(&mut m, KeyCode::Char('r'));
    assert!(matches!(&cmds[..], [Cmd::Create(_)]));
}

#[test]
fn a_load_failure_ends_with_its_exit_code() {
    let ctx = Context {
        catalog: catalog(),
        backend: Arc::new(LocalBackend::new("x.json".into(), false)),
        theme: Theme::new(true, true),
    };
    let mut m = Model::new(ctx, Prefill::default(), (80, 24));
    update(
        &mut m,
        Msg::Loaded(Err(Failure {
            message: "cannot read".into(),
            code: 2,
        })),
    );
    assert_eq!(m.exit.unwrap().code, 2);
}

// ---- prefill and the notices before step 1 ----

#[test]
fn prefill_fills_every_step_and_reports_what_is_missing() {
    let prefill = Prefill {
        name: Some("TC EU".into()),
        formation_type: Some("Integration with SAP Task Center".into()),
        systems: vec!["tc-eu".into(), "s4-prod".into(), "nope".into()],
    };
    let m = model_with(Theme::new(true, true), prefill, demo());
    assert_eq!(m.data.plan.type_id, TC);
    assert_eq!(m.data.plan.systems, ["tc-eu", "s4-prod"]);
    assert!(m.data.verdict.valid);
    assert_eq!(m.notices.len(), 1);
    assert!(m.notices[0].message.contains("nope"));
    assert!(matches!(m.step, Step::Name(_)), "every step stays visible");
}

#[test]
fn missing_role_and_unavailable_type_are_said_on_the_first_screen() {
    let mut json: serde_json::Value = serde_json::from_str(crate::demo::EMBEDDED).unwrap();
    json["user"]["roles"] = serde_json::json!(["Subaccount Viewer"]);
    let landscape = Landscape::parse(json.to_string().as_bytes(), "t", &catalog()).unwrap();
    let prefill = Prefill {
        formation_type: Some("sap-start".into()),
        ..Prefill::default()
    };
    let mut m = model_with(Theme::new(true, true), prefill, landscape);
    // A prerequisite blocks: the first screen is the checklist, with the role's fix.
    let text = screen(&m);
    assert!(text.contains("Prerequisites"), "{text}");
    assert!(text.contains("Subaccount Viewer"), "{text}");
    assert!(text.contains("Fix: Ask an administrator"), "{text}");
    // Enter goes on to the wizard, which says it again before step 1.
    key(&mut m, KeyCode::Enter);
    let text = screen(&m);
    assert!(text.contains("Before you start"), "{text}");
    assert!(text.contains("Subaccount Viewer"), "{text}");
    assert!(text.contains("cannot be completed"), "{text}");
}

#[test]
fn d_opens_the_prerequisites_from_a_step_and_esc_goes_back() {
    let mut m = at_systems();
    key(&mut m, KeyCode::Char('d'));
    let text = screen(&m);
    assert!(text.contains("Prerequisites"), "{text}");
    assert!(
        text.contains("An SAP Task Center system can join"),
        "{text}"
    );
    key(&mut m, KeyCode::Esc);
    assert!(matches!(m.step, Step::Systems(_)));
    assert!(!screen(&m).contains("Prerequisites"));
}

// ---- keys everywhere ----

#[test]
fn help_lists_every_key_of_the_step() {
    let mut m = at_systems();
    key(&mut m, KeyCode::Char('?'));
    assert_eq!(m.overlay, Some(Overlay::Help));
    let text = screen(&m);
    for k in ["Space", "PgUp/PgDn", "Home/End", "Tab/Shift-Tab", "x", "/"] {
        assert!(text.contains(k), "{k} missing:\n{text}");
    }
    key(&mut m, KeyCode::Esc);
    assert!(m.overlay.is_none());
}

#[test]
fn q_asks_before_losing_choices() {
    let mut m = at_systems();
    key(&mut m, KeyCode::Char('q'));
    assert!(matches!(m.overlay, Some(Overlay::ConfirmQuit(_))));
    key(&mut m, KeyCode::Esc);
    assert!(m.overlay.is_none() && m.exit.is_none());
    key(&mut m, KeyCode::Char('q'));
    key(&mut m, KeyCode::Char('y'));
    assert_eq!(m.exit.unwrap().code, 130);
}

#[test]
fn the_key_hint_bar_is_always_on_the_last_line() {
    let mut m = at_systems();
    let last = |m: &Model| screen(m).lines().last().unwrap().to_owned();
    assert!(last(&m).contains("Space select") && last(&m).contains("? help"));
    key(&mut m, KeyCode::Char('/'));
    assert!(last(&m).contains("Esc clear filter"), "{}", last(&m));
}

// ---- drawing: styles of disabled rows ----

/// The row of the screen whose text contains `needle`.
fn row_of(t: &Terminal<TestBackend>, needle: &str) -> u16 {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .find(|&y| {
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            line.contains(needle)
        })
        .unwrap_or_else(|| panic!("{needle} not on screen"))
}

#[test]
fn a_disabled_row_is_dimmed_marked_and_gives_its_reason() {
    let mut m = at_systems();
    select(&mut m, "tc-eu");
    key(&mut m, KeyCode::Home);
    let t = draw(&m, 80, 24);
    let buf = t.backend().buffer();
    let y = row_of(&t, "Task Center US");
    let name_x = (0..80).find(|&x| buf[(x, y)].symbol() == "T").unwrap();
    let cell = &buf[(name_x, y)];
    assert!(cell.modifier.contains(Modifier::DIM), "{cell:?}");
    // Never colour 8: it vanishes on dark themes such as Solarized Dark.
    assert_ne!(cell.fg, Color::DarkGray);
    let line: String = (0..80).map(|x| buf[(x, y)].symbol()).collect();
    assert!(line.contains("[-]"), "marker, not colour alone: {line}");
    let reason: String = (0..80).map(|x| buf[(x, y + 1)].symbol()).collect();
    assert!(reason.contains("already in the formation"), "{reason}");
    let reason_cell = &buf[(reason.find('✗').unwrap() as u16, y + 1)];
    assert!(reason_cell.modifier.contains(Modifier::ITALIC));
    // A selectable row is neither dim nor grey.
    let y = row_of(&t, "S/4HANA Cloud Qual");
    let ok = &buf[(name_x, y)];
    assert!(
        !ok.modifier.contains(Modifier::DIM) && ok.fg != Color::DarkGray,
        "{ok:?}"
    );
}

#[test]
fn without_colour_state_is_shown_by_modifiers_only() {
    let mut m = model_with(Theme::new(false, false), Prefill::default(), demo());
    typed(&mut m, "TC EU");
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Enter);
    select(&mut m, "tc-eu");
    let t = draw(&m, 80, 24);
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
    let y = row_of(&t, "Task Center APJ");
    let x = (0..80).find(|&x| buf[(x, y)].symbol() == "T").unwrap();
    assert!(buf[(x, y)].modifier.contains(Modifier::DIM));
    let y = row_of(&t, "Task Center EU");
    assert!(
        buf[(x, y)].modifier.contains(Modifier::REVERSED),
        "the highlight"
    );
    assert!(!t.backend().to_string().contains('✗'), "ASCII symbols");
}

// ---- drawing: snapshots of every step at 80x24 ----

#[test]
fn snapshot_name_step() {
    let mut m = model();
    insta::assert_snapshot!("name_empty", screen(&m));
    typed(&mut m, "Task Center US Inbox");
    insta::assert_snapshot!("name_taken", screen(&m));
}

#[test]
fn snapshot_type_step() {
    let mut m = model();
    typed(&mut m, "TC EU");
    key(&mut m, KeyCode::Enter);
    insta::assert_snapshot!("type", screen(&m));
}

#[test]
fn snapshot_systems_step() {
    let mut m = at_systems();
    select(&mut m, "tc-eu");
    key(&mut m, KeyCode::Home);
    key(&mut m, KeyCode::Down);
    insta::assert_snapshot!("systems_second_task_center", screen(&m));
    key(&mut m, KeyCode::Char('x'));
    insta::assert_snapshot!("systems_excluded", screen(&m));
}

#[test]
fn snapshot_review_step() {
    let mut m = at_review_valid();
    insta::assert_snapshot!("review_valid", screen(&m));
    key(&mut m, KeyCode::Char('3'));
    select(&mut m, "s4-prod");
    key(&mut m, KeyCode::Enter);
    insta::assert_snapshot!("review_invalid", screen(&m));
}

#[test]
fn snapshot_create_step() {
    let mut m = at_create();
    let calls = crate::ops::create::planned_calls(
        &m.data.plan,
        "Integration with Customer-Managed SAP Task Center",
        false,
    );
    for (step, label) in calls.iter().enumerate() {
        update(
            &mut m,
            Msg::Progress(crate::backend::BackendEvent::Call {
                step,
                label: label.clone(),
                state: crate::backend::CallState::Done,
            }),
        );
    }
    update(
        &mut m,
        outcome(
            End::Created,
            Some(created("f-1", "Ready")),
            &[("tc-eu", Final::Ready), ("s4-prod", Final::Ready)],
        ),
    );
    insta::assert_snapshot!("create_done", screen(&m));
}

#[test]
fn snapshot_help_and_quit_overlays() {
    let mut m = at_systems();
    key(&mut m, KeyCode::Char('?'));
    insta::assert_snapshot!("help_systems", screen(&m));
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Char('q'));
    insta::assert_snapshot!("confirm_quit", screen(&m));
}

#[test]
fn snapshot_too_small_and_recovery() {
    let mut m = at_systems();
    update(&mut m, Msg::Resize(50, 12));
    let small = draw(&m, 50, 12).backend().to_string();
    insta::assert_snapshot!("too_small", small);
    assert!(small.contains("Terminal too small"));
    update(&mut m, Msg::Resize(80, 24));
    assert!(screen(&m).contains("Formations"), "back where the user was");
}

#[test]
fn landscape_changes_are_described() {
    let old = demo();
    let mut json: serde_json::Value = serde_json::from_str(crate::demo::EMBEDDED).unwrap();
    json["systems"][3]["status"] = "Deregistering".into();
    json["formations"].as_array_mut().unwrap().remove(0);
    let fresh = Landscape::parse(json.to_string().as_bytes(), "t", &catalog()).unwrap();
    let changes = crate::changes::describe(&old, &fresh);
    assert!(
        changes
            .iter()
            .any(|c| c.contains("Registered") && c.contains("Deregistering")),
        "{changes:?}"
    );
    assert!(
        changes.iter().any(|c| c.contains("was deleted")),
        "{changes:?}"
    );
}

#[test]
fn landscape_text_cannot_reach_the_terminal_raw() {
    let mut json: serde_json::Value = serde_json::from_str(crate::demo::EMBEDDED).unwrap();
    json["systems"][0]["name"] = "Evil\u{1b}[2J\u{202E}EU".into();
    let landscape = Landscape::parse(json.to_string().as_bytes(), "t", &catalog()).unwrap();
    let mut m = model_with(Theme::new(true, true), Prefill::default(), landscape);
    typed(&mut m, "TC EU");
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Enter);
    let text = screen(&m);
    assert!(!text.contains('\u{1b}') && !text.contains('\u{202E}'));
    assert!(text.contains("Evil\u{FFFD}[2J\u{FFFD}EU"), "{text}");
}

mod deliberate;
#[path = "tests_register.rs"]
mod register;
#[path = "tests_systems.rs"]
mod systems;
#[path = "tests_unknown.rs"]
mod unknown;
