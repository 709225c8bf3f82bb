//! The wizard at its Systems step over a generated landscape, driven through `update` and
//! drawn by `view`: shared by `benches/tui.rs` and `tests/tui_perf.rs` (included with
//! `#[path]`), so that the numbers the benchmark prints are the ones the tests assert.
#![allow(dead_code)]

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;

use formation_wizard::backend::LocalBackend;
use formation_wizard::catalog::Catalog;
use formation_wizard::generate;
use formation_wizard::landscape::Landscape;
use formation_wizard::tui::app::{Context, Model, Msg, Prefill, Step, update};
use formation_wizard::tui::theme::Theme;
use formation_wizard::tui::view::view;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

pub const TYPE: &str = "sap-task-center";

/// `systems` systems and a tenth as many formations, the same every time.
pub fn landscape(catalog: &Catalog, systems: usize) -> Landscape {
    let g = generate::landscape(catalog, systems, systems / 10, 7);
    Landscape::from_parts(
        Some(g.global_account),
        Some(g.user),
        g.systems,
        g.formations,
        catalog,
    )
    .expect("a generated landscape is valid")
}

/// The wizard after the landscape loaded, with name and type given, at step 3.
pub fn at_systems(catalog: &Catalog, landscape: Landscape, size: (u16, u16)) -> Model {
    let ctx = Context {
        catalog: catalog.clone(),
        backend: Arc::new(LocalBackend::new("generated.json".into(), false)),
        theme: Theme::new(true, true),
    };
    let prefill = Prefill {
        name: Some("Bench formation".into()),
        formation_type: Some(TYPE.into()),
        systems: Vec::new(),
    };
    let mut m = Model::new(ctx, prefill, size);
    update(&mut m, Msg::Loaded(Ok(Box::new(landscape))));
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Systems(_)), "flash: {:?}", m.flash);
    m
}

pub fn key(m: &mut Model, code: KeyCode) {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Moves the highlight to the first row that Space would select.
pub fn highlight_selectable(m: &mut Model) {
    for _ in 0..10_000 {
        let Step::Systems(s) = &m.step else { break };
        if s.highlighted(&m.data).is_some_and(|c| c.selectable) {
            return;
        }
        key(m, KeyCode::Down);
    }
    panic!("no selectable row near the top");
}

pub fn test_terminal(w: u16, h: u16) -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(w, h)).expect("a test terminal")
}

/// What a terminal is sent, kept in memory: a handle stays outside the backend (ratatui's
/// own accessor to the writer is behind an unstable feature).
#[derive(Debug, Clone, Default)]
pub struct Sink(Rc<RefCell<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A real diff-based terminal whose output is counted: crossterm writing into memory.
pub struct ByteTerminal {
    term: Terminal<CrosstermBackend<Sink>>,
    sink: Sink,
}

pub fn byte_terminal(w: u16, h: u16) -> ByteTerminal {
    let options = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
    };
    let sink = Sink::default();
    let term =
        Terminal::with_options(CrosstermBackend::new(sink.clone()), options).expect("a terminal");
    ByteTerminal { term, sink }
}

/// Draws the model and returns the bytes this frame wrote to the terminal.
pub fn draw_bytes(t: &mut ByteTerminal, m: &Model) -> usize {
    t.term.draw(|f| view(m, f)).expect("draw");
    let mut out = t.sink.0.borrow_mut();
    let n = out.len();
    out.clear();
    n
}

/// Bytes written by: the first frame, a cursor move by one row, a toggle, one typed
/// filter character, on the Systems step of a wizard of that size.
#[derive(Debug, Clone, Copy)]
pub struct Bytes {
    pub first_frame: usize,
    pub cursor_move: usize,
    pub toggle: usize,
    pub filter_char: usize,
}

pub fn bytes(catalog: &Catalog, landscape: Landscape, w: u16, h: u16) -> Bytes {
    let mut m = at_systems(catalog, landscape, (w, h));
    let mut term = byte_terminal(w, h);
    let first_frame = draw_bytes(&mut term, &m);
    key(&mut m, KeyCode::Down);
    let cursor_move = draw_bytes(&mut term, &m);
    highlight_selectable(&mut m);
    draw_bytes(&mut term, &m);
    key(&mut m, KeyCode::Char(' '));
    let toggle = draw_bytes(&mut term, &m);
    key(&mut m, KeyCode::Char('/'));
    draw_bytes(&mut term, &m);
    key(&mut m, KeyCode::Char('p'));
    let filter_char = draw_bytes(&mut term, &m);
    Bytes {
        first_frame,
        cursor_move,
        toggle,
        filter_char,
    }
}

/// Bytes per cursor move over 30 moves down and 30 up (scrolling included): median, max.
pub fn sweep(catalog: &Catalog, landscape: Landscape, w: u16, h: u16) -> (usize, usize) {
    let mut m = at_systems(catalog, landscape, (w, h));
    let mut term = byte_terminal(w, h);
    draw_bytes(&mut term, &m);
    let mut moves: Vec<usize> = [KeyCode::Down; 30]
        .into_iter()
        .chain([KeyCode::Up; 30])
        .map(|code| {
            key(&mut m, code);
            draw_bytes(&mut term, &m)
        })
        .collect();
    moves.sort_unstable();
    (moves[moves.len() / 2], moves[moves.len() - 1])
}

/// `formation-wizard manage` after the landscape loaded: the Formations screen.
pub fn at_formations(catalog: &Catalog, landscape: Landscape, size: (u16, u16)) -> Model {
    let ctx = Context {
        catalog: catalog.clone(),
        backend: Arc::new(LocalBackend::new("generated.json".into(), false)),
        theme: Theme::new(true, true),
    };
    let mut m = Model::manage(ctx, size);
    update(&mut m, Msg::Loaded(Ok(Box::new(landscape))));
    assert!(
        matches!(
            m.screens.last(),
            Some(formation_wizard::tui::model::Screen::Formations(_))
        ),
        "flash: {:?}",
        m.flash
    );
    m
}

/// `formation-wizard manage` after the landscape loaded, on the Formation screen of the
/// first formation listed.
pub fn at_formation(catalog: &Catalog, landscape: Landscape, size: (u16, u16)) -> Model {
    let ctx = Context {
        catalog: catalog.clone(),
        backend: Arc::new(LocalBackend::new("generated.json".into(), false)),
        theme: Theme::new(true, true),
    };
    let mut m = Model::manage(ctx, size);
    update(&mut m, Msg::Loaded(Ok(Box::new(landscape))));
    key(&mut m, KeyCode::Enter);
    assert!(
        matches!(
            m.screens.last(),
            Some(formation_wizard::tui::model::Screen::Formation(_))
        ),
        "flash: {:?}",
        m.flash
    );
    m
}
