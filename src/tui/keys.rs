//! Key hints. Each component lists the keys it owns (gitui's `commands()` idiom); the hint
//! bar shows the short list, `?` shows all of them.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHint {
    pub keys: &'static str,
    pub action: &'static str,
    /// Shown in the hint bar at the bottom (otherwise only in the `?` help).
    pub bar: bool,
}

/// A hint shown in the bar and in the help.
pub const fn hint(keys: &'static str, action: &'static str) -> KeyHint {
    KeyHint {
        keys,
        action,
        bar: true,
    }
}

/// A hint shown only in the help.
pub const fn more(keys: &'static str, action: &'static str) -> KeyHint {
    KeyHint {
        keys,
        action,
        bar: false,
    }
}

/// What the keys that work everywhere do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Global {
    Help,
    Quit,
}

/// The keys that work everywhere. While the user types text, `q` and `?` are letters, so
/// only Ctrl-C quits (Ctrl-C and Ctrl-Z are the runtime's: listed, not looked up).
pub fn global(typing: bool) -> Vec<Binding<Global>> {
    let mut out = Vec::new();
    if typing {
        out.push(note(hint("?", "help")));
        out.push(note(hint("Ctrl-C", "quit")));
    } else {
        out.push(bind(hint("?", "help"), &[KeyCode::Char('?')], Global::Help));
        out.push(bind(hint("q", "quit"), &[KeyCode::Char('q')], Global::Quit));
        out.push(note(more("Ctrl-C", "quit, also while typing")));
    }
    out.push(note(more("Ctrl-Z", "suspend to the shell (fg resumes)")));
    out
}

/// One row of a component's key table: the keys it handles, each with the action it
/// stands for, and the hint the bar and `?` show for them. The table is what handles the
/// keys (`lookup`) and what lists them (`hints`), so the two cannot drift. A row with no
/// keys documents what the component's text field takes (typing, Ctrl-U…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding<A> {
    pub keys: Vec<(KeyCode, A)>,
    pub hint: KeyHint,
}

/// A row of keys that all mean `action`.
pub fn bind<A: Clone>(hint: KeyHint, codes: &[KeyCode], action: A) -> Binding<A> {
    Binding {
        keys: codes.iter().map(|&c| (c, action.clone())).collect(),
        hint,
    }
}

/// A row of keys with an action each (↑ up, ↓ down) under one hint.
pub fn bind_each<A>(hint: KeyHint, keys: Vec<(KeyCode, A)>) -> Binding<A> {
    Binding { keys, hint }
}

/// A hint with no key of its own: what a text field takes.
pub fn note<A>(hint: KeyHint) -> Binding<A> {
    Binding {
        keys: Vec::new(),
        hint,
    }
}

impl<A> Binding<A> {
    /// The same keys standing for a containing component's action.
    pub fn map<B>(self, f: impl Fn(A) -> B) -> Binding<B> {
        Binding {
            keys: self.keys.into_iter().map(|(c, a)| (c, f(a))).collect(),
            hint: self.hint,
        }
    }
}

/// The action `key` stands for in `table`, the first row that names it winning. Keys with
/// Ctrl or Alt are never a table's: they edit text or are the app's own (Ctrl-C, Ctrl-Z).
pub fn lookup<A: Clone>(table: &[Binding<A>], key: &KeyEvent) -> Option<A> {
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    table
        .iter()
        .flat_map(|b| b.keys.iter())
        .find(|(code, _)| *code == key.code)
        .map(|(_, a)| a.clone())
}

/// The hints of a table, in its order.
pub fn hints<A>(table: &[Binding<A>]) -> Vec<KeyHint> {
    table.iter().map(|b| b.hint).collect()
}
