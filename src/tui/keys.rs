//! Key hints. Each component lists the keys it owns (gitui's `commands()` idiom); the hint
//! bar shows the short list, `?` shows all of them.

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

/// The keys that work everywhere. While the user types text, `q` is a letter, so only
/// Ctrl-C quits.
pub fn global(typing: bool) -> Vec<KeyHint> {
    let mut out = vec![hint("?", "help")];
    if typing {
        out.push(hint("Ctrl-C", "quit"));
    } else {
        out.push(hint("q", "quit"));
        out.push(more("Ctrl-C", "quit, also while typing"));
    }
    out.push(more("Ctrl-Z", "suspend to the shell (fg resumes)"));
    out
}

/// Keys of a vertical list: the list widget's own table (`widgets::list::BROWSE`), which
/// is also what handles them.
pub fn list_moves() -> Vec<KeyHint> {
    crate::tui::widgets::list::hints(crate::tui::widgets::list::BROWSE)
}
