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

fn key(m: &mut Model, code: KeyCode) {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
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
