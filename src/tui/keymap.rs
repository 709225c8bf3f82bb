//! The keys of every screen as the README lists them, built from the same tables that
//! handle the keys and draw the hint bar and `?` (`tests/readme_keys.rs` keeps the README
//! equal to it). Each screen is opened on the embedded demo landscape and asked for its
//! keys, as the help would be.

use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::data::{Context, Prefill};
use super::keys::{self, KeyHint};
use super::model::{Model, Screen};
use super::msg::Msg;
use super::theme::Theme;
use super::update::{goto, update};
use crate::backend::LocalBackend;
use crate::catalog::Catalog;
use crate::landscape::Landscape;

/// The README's key list: a line per screen, then the keys that work everywhere.
pub fn markdown(catalog: &Catalog) -> Result<String, String> {
    let mut out = Vec::new();
    let demo = Landscape::parse(crate::demo::EMBEDDED.as_bytes(), "demo", catalog)
        .map_err(|e| e.to_string())?;
    let global = keys::hints(&keys::global(false));
    let typing_global = keys::hints(&keys::global(true));
    let mut line = |title: &str, hints: Vec<KeyHint>| {
        let own: Vec<String> = hints
            .iter()
            .filter(|h| !global.contains(h) && !typing_global.contains(h))
            .map(|h| format!("`{}` {}", h.keys, h.action))
            .collect();
        out.push(format!("- **{title}**: {}.", own.join(", ")));
    };

    let mut m = wizard(catalog, &demo);
    // A landscape that blocks the type opens on its prerequisites; the demo does not.
    if let Some(Screen::Prerequisites(_)) = m.screens.last() {
        line("Prerequisites", m.step_commands());
        m.screens.pop();
    }
    line("1 Name", m.step_commands());
    goto(&mut m, 2);
    line("2 Type", m.step_commands());
    m.data.set_type(crate::doctor::DEFAULT_TYPE);
    goto(&mut m, 3);
    line("3 Systems", m.step_commands());
    press(&mut m, KeyCode::Char('/'));
    line("3 Systems, typing a filter", m.step_commands());
    press(&mut m, KeyCode::Esc);
    press(&mut m, KeyCode::Char('x'));
    line("3 Systems, the excluded systems (x)", m.step_commands());
    press(&mut m, KeyCode::Char('x'));
    press(&mut m, KeyCode::Char('a'));
    if m.register.is_some() {
        line("Register panel, a new system (a)", m.step_commands());
        press(&mut m, KeyCode::Esc);
    }
    goto(&mut m, 4);
    line("4 Review", m.step_commands());
    press(&mut m, KeyCode::Char('d'));
    if let Some(Screen::Prerequisites(_)) = m.screens.last() {
        line("Prerequisites (d)", m.step_commands());
    }

    let mut m = Model::manage(context(catalog), (80, 24));
    update(&mut m, Msg::Loaded(Ok(Box::new(demo.clone()))));
    line("Formations (`manage`)", m.step_commands());
    press(&mut m, KeyCode::Enter);
    line("Formation (Enter on a formation)", m.step_commands());

    let everywhere: Vec<String> = global
        .iter()
        .chain(
            typing_global
                .iter()
                .filter(|h| !global.iter().any(|g| g.keys == h.keys)),
        )
        .map(|h| format!("`{}` {}", h.keys, h.action))
        .collect();
    out.push(format!("- **Everywhere**: {}.", everywhere.join(", ")));
    Ok(out.join("\n") + "\n")
}

fn context(catalog: &Catalog) -> Context {
    Context {
        catalog: catalog.clone(),
        backend: Arc::new(LocalBackend::new("demo-landscape.json".into(), true)),
        theme: Theme::new(true, true),
    }
}

/// The wizard on the demo landscape, on its Name step.
fn wizard(catalog: &Catalog, demo: &Landscape) -> Model {
    let mut m = Model::new(context(catalog), Prefill::default(), (80, 24));
    update(&mut m, Msg::Loaded(Ok(Box::new(demo.clone()))));
    m
}

fn press(m: &mut Model, code: KeyCode) {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}
