//! Property tests: random key sequences (with pastes, resizes and backend answers mixed in)
//! fed to the wizard's `update`. Whatever the user presses:
//!
//! - `update` never panics (and the screen can always be drawn);
//! - a Create action is never offered, and no create command is ever issued, while the rule
//!   engine (asked afresh, not the wizard's cached report) finds a rule violated;
//! - a key press never adds to the selection a system the rule engine calls unselectable at
//!   that moment. Systems pre-filled from `--system` may be selected although they break a
//!   rule (the wizard shows them as breaking it); the property is about what keys add.

use std::sync::Arc;

use formation_wizard::backend::{Created, LocalBackend};
use formation_wizard::catalog::Catalog;
use formation_wizard::landscape::Landscape;
use formation_wizard::ops;
use formation_wizard::rules;
use formation_wizard::tui::app::{Cmd, Context, Failure, Model, Msg, Prefill, Step, update};
use formation_wizard::tui::theme::Theme;
use formation_wizard::tui::view::view;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

fn landscape(which: usize) -> Landscape {
    let text = match which {
        0 => include_str!("../assets/demo-landscape.json"),
        _ => include_str!("fixtures/rules.json"),
    };
    Landscape::parse(text.as_bytes(), "test", &catalog()).unwrap()
}

/// One thing that happens to the wizard.
#[derive(Debug, Clone)]
enum Input {
    Key(KeyCode, KeyModifiers),
    Paste(String),
    Resize(u16, u16),
}

fn input() -> impl Strategy<Value = Input> {
    let code = prop_oneof![
        4 => prop::sample::select(vec![
            ' ', 'j', 'k', 'c', 'x', 'r', 'd', 'q', 'y', 'n', '?', '/', '1', '2', '3', '4',
            'g', 'G', 'T', 'C', 'a', 'Z', '-', '_',
        ])
        .prop_map(KeyCode::Char),
        3 => prop::sample::select(vec![
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Backspace,
            KeyCode::Delete,
        ]),
    ];
    let mods = prop_oneof![
        12 => Just(KeyModifiers::NONE),
        1 => Just(KeyModifiers::CONTROL),
        1 => Just(KeyModifiers::SHIFT),
    ];
    prop_oneof![
        20 => (code, mods).prop_map(|(c, m)| Input::Key(c, m)),
        1 => "[ -~]{0,12}".prop_map(Input::Paste),
        1 => (20u16..200, 5u16..60).prop_map(|(w, h)| Input::Resize(w, h)),
    ]
}

fn model(which: usize, prefill: Prefill) -> Model {
    let ctx = Context {
        catalog: catalog(),
        backend: Arc::new(LocalBackend::new("landscape.json".into(), false)),
        theme: Theme::new(true, true),
    };
    let mut m = Model::new(ctx, prefill, (100, 30));
    update(&mut m, Msg::Loaded(Ok(Box::new(landscape(which)))));
    m
}

fn prefill(kind: usize) -> Prefill {
    match kind {
        0 => Prefill::default(),
        // A valid start, one step from Create.
        1 => Prefill {
            name: Some("Prop Test".into()),
            formation_type: Some("sap-task-center".into()),
            systems: vec!["tc-eu".into(), "s4-prod".into()],
        },
        // Pre-filled with a system that breaks a rule (tc-us is in another Task Center
        // formation) and one of a type the formation does not take.
        _ => Prefill {
            name: Some("Prop Test".into()),
            formation_type: Some("sap-task-center".into()),
            systems: vec!["tc-us".into(), "tc-eu".into(), "wz-portal".into()],
        },
    }
}

/// Answers the runtime would bring back for a command, chosen by `answer`.
fn answer(cmd: &Cmd, answer: u8, m: &Model) -> Option<Msg> {
    match cmd {
        Cmd::Create(_) => Some(match answer % 3 {
            0 => Msg::Created(Ok(ops::CreateOutcome {
                end: ops::End::Created,
                formation: Some(Created {
                    id: "f-1".into(),
                    status: "Ready".into(),
                }),
                systems: Default::default(),
                left: None,
            })),
            1 => Msg::Created(Err(Failure {
                message: "disk full".into(),
                code: 3,
            })),
            _ => Msg::Created(Ok(ops::CreateOutcome {
                end: ops::End::Failed(format!(
                    "assigning {} failed: refused",
                    m.data.plan.systems.join(", ")
                )),
                formation: None,
                systems: Default::default(),
                left: None,
            })),
        }),
        Cmd::Load => Some(Msg::Loaded(Ok(Box::new(m.data.landscape.clone())))),
        // Answered by the runtime itself.
        Cmd::Interrupt => None,
        // The Register panel's work has no bearing on the plan's verdict.
        Cmd::RequestToken { .. }
        | Cmd::WatchSystem { .. }
        | Cmd::CopyToken
        | Cmd::RegisterSystem(_) => None,
        // Only the management screens (`manage`) ask for these; the wizard never does.
        Cmd::Change(_) | Cmd::Refresh { .. } => None,
    }
}

fn fresh_verdict(m: &Model) -> rules::Report {
    rules::evaluate(&m.data.plan, &m.data.landscape, &m.data.ctx.catalog)
}

/// The checks after every input.
fn check_offers(m: &Model) -> Result<(), TestCaseError> {
    let valid = fresh_verdict(m).valid;
    prop_assert_eq!(
        m.data.verdict.valid,
        valid,
        "the wizard's verdict agrees with the rule engine"
    );
    let offers_create = m
        .commands()
        .iter()
        .any(|h| h.keys == "c" && h.action == "create");
    prop_assert!(
        valid || !offers_create,
        "the hint bar offers Create while a rule is broken"
    );
    if matches!(m.step, Step::Review(_)) {
        let (w, h) = m.size;
        let mut t = Terminal::new(TestBackend::new(w.max(1), h.max(1))).unwrap();
        t.draw(|f| view(m, f)).unwrap();
        let screen = t.backend().to_string();
        prop_assert!(
            valid || !screen.contains("[ Create ]"),
            "the review screen offers Create while a rule is broken:\n{}",
            screen
        );
    }
    Ok(())
}

/// Feeds `inputs` to a fresh wizard, checking the properties after each; returns how many
/// create commands were issued.
fn run(
    which: usize,
    kind: usize,
    inputs: Vec<Input>,
    answers: Vec<u8>,
) -> Result<usize, TestCaseError> {
    let mut m = model(which, prefill(kind));
    let mut creates = 0;
    let mut answers = answers.into_iter().cycle();
    check_offers(&m)?;
    for input in inputs {
        if m.exit.is_some() {
            break;
        }
        let before_plan = m.data.plan.systems.clone();
        let before = fresh_verdict(&m);
        let cmds = match input {
            Input::Key(code, mods) => update(&mut m, Msg::Key(KeyEvent::new(code, mods))),
            Input::Paste(text) => update(&mut m, Msg::Paste(text)),
            Input::Resize(w, h) => update(&mut m, Msg::Resize(w, h)),
        };
        // As the runtime does once it has drawn the create confirmation (it cannot while
        // the window is too small): from then on a `y` may confirm.
        if m.confirmation_pending() && !m.too_small() {
            update(&mut m, Msg::ConfirmShown);
        }
        for id in m
            .data
            .plan
            .systems
            .iter()
            .filter(|id| !before_plan.contains(id))
        {
            let was = before.candidate(id);
            prop_assert!(
                was.is_some_and(|c| c.selectable),
                "a key added {} although the engine called it unselectable: {:?}",
                id,
                was.and_then(|c| c.reason.clone())
            );
        }
        check_offers(&m)?;
        for cmd in cmds {
            if let Cmd::Create(plan) = &cmd {
                let verdict = rules::evaluate(plan, &m.data.landscape, &m.data.ctx.catalog);
                prop_assert!(
                    verdict.valid,
                    "a create command was issued for a plan that breaks a rule"
                );
                creates += 1;
            }
            let a = answers.next().unwrap_or(0);
            if let Some(msg) = answer(&cmd, a, &m) {
                update(&mut m, msg);
                check_offers(&m)?;
            }
        }
    }
    // Whatever state it ended in, it can be drawn, also very small.
    for (w, h) in [(100, 30), (40, 10)] {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| view(&m, f)).unwrap();
    }
    Ok(creates)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 192,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_keys_never_break_the_rules(
        which in 0usize..2,
        kind in 0usize..3,
        inputs in prop::collection::vec(input(), 1..80),
        answers in prop::collection::vec(any::<u8>(), 1..4),
    ) {
        // The rules fixture has no tc-eu/tc-us: start it without a pre-fill.
        let kind = if which == 1 { 0 } else { kind };
        run(which, kind, inputs, answers)?;
    }
}

/// The create property is not vacuous: keys reach a create through the confirmation, as
/// they can in the random runs.
#[test]
fn keys_reach_a_create_through_the_confirmation() {
    let key = |c| Input::Key(c, KeyModifiers::NONE);
    let inputs = vec![
        key(KeyCode::Enter),
        key(KeyCode::Enter),
        key(KeyCode::Enter),
        key(KeyCode::Char('c')),
        key(KeyCode::Char('y')),
    ];
    let creates = run(0, 1, inputs, vec![0]).expect("the properties hold");
    assert_eq!(creates, 1);
}

/// The selection property is not vacuous: the demo landscape keeps rows the engine calls
/// unselectable (a second Task Center while one is selected) for the keys to run into.
/// (Checked by mutation: with the guard in the systems step's Space removed, the property
/// fails within a few cases.)
#[test]
fn the_unselectable_row_the_property_relies_on_exists() {
    let m = model(0, prefill(1));
    let report = fresh_verdict(&m);
    let tc_apj = report.candidate("tc-apj").expect("tc-apj is a candidate");
    assert!(!tc_apj.selectable, "a second Task Center is unselectable");
    assert!(tc_apj.reason.is_some());
}
