//! The one shape of every step, screen and panel of the TUI (gitui's components, with
//! television's actions): a key table that both handles the keys and lists them for the
//! hint bar and `?`, an `update` that answers one `Outcome` for the app to carry out, and
//! a `draw` that only draws.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use super::data::{Data, Notice};
use super::keys::{self, Binding, KeyHint};
use super::msg::{Change, Cmd, Exit};
use crate::landscape::System;

/// What a component hands to `update`'s caller after a key or a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Handled,
    /// Show this one-line message (e.g. why a choice is refused).
    Flash(String),
    /// The wizard's next step (or, while adding, the systems chosen go to the question).
    Next,
    /// Back: the previous step, or the screen below, or the panel closes.
    Back,
    Goto(usize),
    /// The formation type (catalog id) was chosen.
    ChooseType(String),
    /// The user asked to create: ask them to confirm what and where first.
    ConfirmCreate,
    /// Create now (confirmed, or retried after a failure).
    Create,
    Run(Vec<Cmd>),
    Finish(Exit),
    /// Created: open the new formation (by id) on the Formation screen.
    OpenFormation(String),
    /// Open the Register panel on the highlighted system (`r`).
    Register,
    /// Open the Register panel for a new system of a needed type (`a`).
    RegisterNew,
    /// Show the prerequisites of the formation type (`d`).
    Prerequisites,
    /// Open the Formation screen of this formation (Formations: Enter).
    Open(String),
    /// Start the wizard for a new formation (Formations: `n`).
    NewFormation,
    /// Open the Systems step to add systems to this formation (Formation: `a`).
    AddSystems(String),
    /// A confirmed change to a formation, for the operations layer.
    Change(Change),
    /// A system as read now (`added`: just registered): into the landscape, the cursor
    /// staying on its row (going to it when added); then these commands, and this line.
    SystemSeen {
        system: Box<System>,
        added: bool,
        then: Vec<Cmd>,
        say: Option<String>,
    },
}

/// What a component may change when it handles a key: the wizard's data, and how far a
/// page moves in the window as it is now.
pub struct Cx<'a> {
    pub data: &'a mut Data,
    pub page: usize,
}

/// What a component may read when it draws.
pub struct Look<'a> {
    pub data: &'a Data,
    /// The beat of the spinner of work in flight.
    pub spinner: usize,
    /// What the landscape lacks, said on the first step.
    pub notices: &'a [Notice],
    /// Pages and systems read so far while the landscape loads.
    pub loading: Option<(usize, usize)>,
}

/// A step, screen or panel.
pub trait Component {
    /// What its keys do.
    type Action: Clone;

    /// Its keys as they work now: each with its action and its hint.
    fn bindings(&self, data: &Data) -> Vec<Binding<Self::Action>>;

    /// Carries out one of its actions.
    fn update(&mut self, action: Self::Action, cx: &mut Cx<'_>) -> Outcome;

    /// A key its table does not name: text typed into its field, if it has one.
    fn input(&mut self, _key: KeyEvent, _cx: &mut Cx<'_>) -> Outcome {
        Outcome::Handled
    }

    /// Pasted text, into its field if one is being typed.
    fn paste(&mut self, _text: &str, _cx: &mut Cx<'_>) {}

    /// Whether keys go into a text field, where `q` and `?` are letters.
    fn typing(&self) -> bool {
        false
    }

    fn draw(&self, look: &Look<'_>, frame: &mut Frame, area: Rect);
}

/// A key for `component`: looked up in its table, else typed into its field.
pub fn key<C: Component + ?Sized>(component: &mut C, key: KeyEvent, cx: &mut Cx<'_>) -> Outcome {
    let table = component.bindings(cx.data);
    match keys::lookup(&table, &key) {
        Some(action) => component.update(action, cx),
        None => component.input(key, cx),
    }
}

/// What `component`'s keys do, for the hint bar and `?`: its table's hints.
pub fn hints<C: Component + ?Sized>(component: &C, data: &Data) -> Vec<KeyHint> {
    keys::hints(&component.bindings(data))
}

/// For the components' own tests: keys pressed on a component alone, over the wizard's
/// data for the embedded demo catalog and an empty landscape.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::{Component, Cx, Outcome};
    use crate::backend::LocalBackend;
    use crate::catalog::Catalog;
    use crate::tui::data::{Context, Data};
    use crate::tui::theme::Theme;

    pub fn data() -> Data {
        Data::new(Context {
            catalog: Catalog::embedded().expect("the embedded catalog"),
            backend: Arc::new(LocalBackend::new("demo-landscape.json".into(), true)),
            theme: Theme::new(false, true),
        })
    }

    /// `code` pressed on `component`, through its key table.
    pub fn press<C: Component>(component: &mut C, code: KeyCode) -> Outcome {
        let mut data = data();
        let mut cx = Cx {
            data: &mut data,
            page: 10,
        };
        super::key(component, KeyEvent::new(code, KeyModifiers::NONE), &mut cx)
    }

    /// What `component`'s hint bar and `?` list now.
    pub fn hints<C: Component>(component: &C) -> Vec<crate::tui::keys::KeyHint> {
        super::hints(component, &data())
    }
}
