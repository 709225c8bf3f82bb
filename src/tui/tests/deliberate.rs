//! Issue 10: nothing is created by accident, and the verdict cannot be missed.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn prefilled() -> Model {
    model_with(
        Theme::new(true, true),
        Prefill {
            name: Some("Blind Create".into()),
            formation_type: Some(TC.into()),
            systems: vec!["tc-eu".into(), "s4-prod".into()],
        },
        demo(),
    )
}

fn creates(cmds: &[Cmd]) -> bool {
    cmds.iter().any(|c| matches!(c, Cmd::Create(_)))
}

/// Every kind of key a user or a paste could send, Ctrl-C excepted.
fn every_key_but_ctrl_c() -> Vec<KeyEvent> {
    let mut keys: Vec<KeyEvent> = "cCyYnq?123jkxr /dg"
        .chars()
        .map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
        .collect();
    keys.extend(
        [
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::PageDown,
            KeyCode::Backspace,
        ]
        .map(|c| KeyEvent::new(c, KeyModifiers::NONE)),
    );
    keys.push(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::CONTROL));
    keys.push(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL));
    keys
}

#[test]
fn every_key_but_ctrl_c_is_ignored_while_too_small() {
    for at in 1..=4 {
        let mut m = at_review_valid();
        match at {
            4 => {}
            n => {
                key(&mut m, KeyCode::Char(char::from(b'0' + n)));
            }
        }
        let step = m.step.number();
        let plan = m.data.plan.clone();
        update(&mut m, Msg::Resize(50, 12));
        for k in every_key_but_ctrl_c() {
            assert!(
                update(&mut m, Msg::Key(k)).is_empty(),
                "{k:?} gave commands"
            );
        }
        update(&mut m, Msg::Paste("pasted".into()));
        assert_eq!(m.step.number(), step, "the step stays");
        assert_eq!(m.data.plan, plan, "the plan stays");
        assert!(m.overlay.is_none() && m.exit.is_none());
        // Ctrl-C asks (choices would be lost), a second Ctrl-C quits.
        ctrl(&mut m, 'c');
        assert!(matches!(m.overlay, Some(Overlay::ConfirmQuit(_))));
        key(&mut m, KeyCode::Char('y'));
        assert!(m.exit.is_none(), "y is ignored too while too small");
        ctrl(&mut m, 'c');
        assert_eq!(m.exit.as_ref().map(|e| e.code), Some(130));
    }
}

#[test]
fn keys_work_again_once_the_window_is_big_enough() {
    let mut m = at_review_valid();
    update(&mut m, Msg::Resize(59, 30));
    key(&mut m, KeyCode::Char('c'));
    assert!(m.overlay.is_none());
    update(&mut m, Msg::Resize(60, 16));
    key(&mut m, KeyCode::Char('c'));
    assert!(m.confirmation_pending());
}

#[test]
fn four_enters_on_a_prefilled_wizard_never_create() {
    let mut m = prefilled();
    for i in 0..4 {
        assert!(!creates(&key(&mut m, KeyCode::Enter)), "Enter {}", i + 1);
    }
    assert!(matches!(m.step, Step::Review(_)));
    assert!(
        m.data.verdict.valid,
        "the plan is valid: only the UI stops it"
    );
    assert!(m.overlay.is_none(), "Enter on the verdict asks nothing");
    // Held down: still nothing.
    for _ in 0..20 {
        assert!(!creates(&key(&mut m, KeyCode::Enter)));
    }
    assert!(matches!(m.step, Step::Review(_)));
}

#[test]
fn review_opens_with_the_focus_on_the_verdict() {
    let m = at_review_valid();
    let Step::Review(r) = &m.step else { panic!() };
    assert_eq!(r.focus, None);
    let screen = screen(&m);
    assert!(screen.contains("Verdict"), "{screen}");
}

#[test]
fn c_then_anything_but_y_never_creates() {
    for k in every_key_but_ctrl_c()
        .into_iter()
        .filter(|k| !matches!(k.code, KeyCode::Char('y' | 'Y')) || !k.modifiers.is_empty())
        .chain([KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)])
    {
        let mut m = at_review_valid();
        assert!(key(&mut m, KeyCode::Char('c')).is_empty());
        update(&mut m, Msg::ConfirmShown);
        assert_eq!(m.overlay, Some(Overlay::ConfirmCreate { shown: true }));
        assert!(!creates(&update(&mut m, Msg::Key(k))), "{k:?} created");
        assert!(m.overlay.is_none(), "{k:?} cancels");
        assert!(matches!(m.step, Step::Review(_)));
        assert!(m.exit.is_none());
    }
    // Tab to Create and Enter opens the same confirmation; `y` creates.
    let mut m = at_review_valid();
    key(&mut m, KeyCode::Tab);
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(m.confirmation_pending());
    update(&mut m, Msg::ConfirmShown);
    assert!(creates(&key(&mut m, KeyCode::Char('y'))));
}

#[test]
fn keys_typed_before_the_confirmation_appears_are_dropped() {
    let mut m = prefilled();
    // A burst: Enter ×3 to Review, then c y Enter y before anything is drawn.
    for code in [KeyCode::Enter, KeyCode::Enter, KeyCode::Enter] {
        key(&mut m, code);
    }
    for code in [
        KeyCode::Char('c'),
        KeyCode::Char('y'),
        KeyCode::Enter,
        KeyCode::Char('y'),
    ] {
        assert!(!creates(&key(&mut m, code)), "{code:?} before the dialog");
    }
    assert!(m.confirmation_pending(), "still waiting to be seen");
    update(&mut m, Msg::ConfirmShown);
    let cmds = key(&mut m, KeyCode::Char('y'));
    assert!(matches!(&cmds[..], [Cmd::Create(p)] if p.name == "Blind Create"));
}

#[test]
fn a_confirmation_hidden_by_a_small_window_must_be_seen_again() {
    let mut m = at_review_valid();
    key(&mut m, KeyCode::Char('c'));
    update(&mut m, Msg::ConfirmShown);
    update(&mut m, Msg::Resize(40, 10));
    update(&mut m, Msg::Resize(80, 24));
    assert!(m.confirmation_pending());
    assert!(!creates(&key(&mut m, KeyCode::Char('y'))));
}

#[test]
fn the_confirmation_names_what_and_where() {
    let mut m = at_review_valid();
    key(&mut m, KeyCode::Char('c'));
    let text = screen(&m);
    for needle in [
        "Create this formation?",
        "\"TC EU\"",
        "Integration with Customer-Managed SAP",
        "tc-eu",
        "s4-prod",
        "demo-landscape.json",
        "y creates it",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    insta::assert_snapshot!("confirm_create", text);
}

#[test]
fn the_header_names_the_target_on_every_step() {
    let mut m = prefilled();
    for _ in 0..4 {
        let top = draw(&m, 80, 24).backend().to_string();
        let first = top.lines().next().unwrap_or_default().to_owned();
        assert!(
            first.contains("file:") && first.contains("landscape.json"),
            "{first}"
        );
        key(&mut m, KeyCode::Enter);
    }
}

/// Review with the Task Center and no S/4HANA system: a violation with its fix.
fn review_invalid() -> Model {
    let mut m = at_systems();
    select(&mut m, "tc-eu");
    key(&mut m, KeyCode::Enter);
    assert!(!m.data.verdict.valid);
    m
}

#[test]
fn the_verdict_is_pinned_at_every_size_and_the_rest_says_more_below() {
    let m = review_invalid();
    let fix = m.data.verdict.violations[0].fix.clone().unwrap();
    for (w, h) in [(60, 16), (80, 24), (200, 50)] {
        let text = draw(&m, w, h).backend().to_string();
        // The whole fix is there (wrapped, not cut): compare without line breaks.
        let flat = flatten(&text);
        assert!(flat.contains(&fix), "{w}x{h} lacks the fix:\n{text}");
        assert!(flat.contains("Not ready"), "{w}x{h}");
        insta::assert_snapshot!(format!("review_invalid_{w}x{h}"), text);
    }
    let small = draw(&m, 60, 16).backend().to_string();
    assert!(small.contains("more line"), "{small}");
}

#[test]
fn the_help_overlay_scrolls_to_its_last_line() {
    let mut m = at_systems();
    update(&mut m, Msg::Resize(60, 16));
    key(&mut m, KeyCode::Char('?'));
    let first = draw(&m, 60, 16).backend().to_string();
    assert!(first.contains("more line"), "{first}");
    for _ in 0..40 {
        key(&mut m, KeyCode::Down);
    }
    let last = draw(&m, 60, 16).backend().to_string();
    assert!(last.contains("closes this help"), "{last}");
    assert!(!last.contains("more line"), "{last}");
}

#[test]
fn changing_the_type_says_which_systems_were_dropped() {
    let mut m = at_review_valid();
    key(&mut m, KeyCode::Char('2'));
    let Step::Type(s) = &m.step else { panic!() };
    let other = catalog()
        .formation_types
        .iter()
        .enumerate()
        .position(|(i, t)| {
            t.id != TC
                && t.allowed("SAP Task Center").is_none()
                && s.availability[i] == crate::rules::Availability::Available
        })
        .unwrap();
    key(&mut m, KeyCode::Home);
    for _ in 0..other {
        key(&mut m, KeyCode::Down);
    }
    key(&mut m, KeyCode::Enter);
    let flash = m.flash.clone().unwrap_or_default();
    assert!(flash.contains("Task Center EU (tc-eu)"), "{flash}");
    assert!(!m.data.plan.contains("tc-eu"));
}

#[test]
fn ctrl_c_is_listed_once_in_help_and_ctrl_z_is_there() {
    for typing in [true, false] {
        let keys = crate::tui::keys::hints(&crate::tui::keys::global(typing));
        let ctrl_c = keys.iter().filter(|k| k.keys == "Ctrl-C").count();
        assert_eq!(ctrl_c, 1, "typing={typing}");
        assert!(keys.iter().any(|k| k.keys == "Ctrl-Z"), "typing={typing}");
    }
}

#[test]
fn ascii_hints_have_no_arrows() {
    let mut m = model_with(Theme::new(false, false), Prefill::default(), demo());
    typed(&mut m, "TC EU");
    key(&mut m, KeyCode::Enter);
    for step in 0..2 {
        let text = screen(&m);
        assert!(text.is_ascii(), "step {step}:\n{text}");
        key(&mut m, KeyCode::Char('?'));
        let help = screen(&m);
        assert!(help.is_ascii(), "help {step}:\n{help}");
        key(&mut m, KeyCode::Esc);
        key(&mut m, KeyCode::Enter);
    }
}

#[test]
fn the_type_step_teaches_the_rules() {
    let mut m = model();
    typed(&mut m, "TC EU");
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Home);
    let text = screen(&m);
    let Step::Type(s) = &m.step else { panic!() };
    let ready = s
        .availability
        .iter()
        .filter(|a| **a == crate::rules::Availability::Available)
        .count();
    let count = format!("{ready} of 15 types can be completed here");
    let flat = flatten(&text);
    for needle in [
        count.as_str(),
        "may be in only one formation",
        "status Registered",
        "All Communication Scenarios",
        "SAP_COM_0501",
        "Eligible here:",
        "Role: Global Account Administrator or System Landscape Administrator",
    ] {
        assert!(flat.contains(needle), "{needle} missing:\n{text}");
    }
    insta::assert_snapshot!("type_pane_80x24", text);
    insta::assert_snapshot!("type_pane_120x40", draw(&m, 120, 40).backend().to_string());
}

/// The screen's text as one line: borders and line breaks gone, spaces collapsed, so that a
/// wrapped sentence can be looked for whole.
fn flatten(screen: &str) -> String {
    let joined = screen
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c == ' ' || c == '"'))
        .collect::<Vec<_>>()
        .join(" ");
    joined.split_whitespace().collect::<Vec<_>>().join(" ")
}
