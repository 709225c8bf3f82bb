//! Colours, styles and symbols. Two style sets: with colour, and colour-free for NO_COLOR
//! and `--no-color`. The colour-free set never sets a colour at all, because crossterm
//! answers a suppressed colour with an empty SGR that also cancels reverse video; state is
//! shown with bold, reverse, underline, dim and markers instead.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

/// The symbols drawn by the wizard, in Unicode or in plain ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbols {
    pub ok: &'static str,
    pub bad: &'static str,
    pub warn: &'static str,
    pub pointer: &'static str,
    pub step_sep: &'static str,
    pub selected: &'static str,
    pub unselected: &'static str,
    pub disabled: &'static str,
    /// A row no rule stops as far as can be read, whose registration the Director decides.
    pub unknown: &'static str,
    /// A row the backend refused at create.
    pub refused: &'static str,
    /// Before the reason the Director decides.
    pub maybe: &'static str,
    pub bullet: &'static str,
    pub at_least: &'static str,
    pub at_most: &'static str,
    pub ellipsis: char,
    /// Marks a list that continues below the window.
    pub more_below: &'static str,
    /// The arrow keys as written in hints and help.
    pub up_key: &'static str,
    pub down_key: &'static str,
    pub left_key: &'static str,
    pub right_key: &'static str,
    pub spinner: &'static [&'static str],
    pub border: border::Set<'static>,
}

const UNICODE: Symbols = Symbols {
    ok: "✓",
    bad: "✗",
    warn: "!",
    pointer: "›",
    step_sep: " › ",
    selected: "[x]",
    unselected: "[ ]",
    disabled: "[-]",
    unknown: "[?]",
    refused: "[!]",
    maybe: "?",
    bullet: "•",
    at_least: "≥",
    at_most: "≤",
    ellipsis: '…',
    more_below: "↓",
    up_key: "↑",
    down_key: "↓",
    left_key: "←",
    right_key: "→",
    spinner: &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"],
    border: border::ROUNDED,
};

/// Every marker distinct: `+` ok, `X` broken or failed, `[*]` selected, `[-]` unavailable
/// (an `x` would read both as a failure and as a ticked box).
const ASCII: Symbols = Symbols {
    ok: "+",
    bad: "X",
    warn: "!",
    pointer: ">",
    step_sep: " > ",
    selected: "[*]",
    unselected: "[ ]",
    disabled: "[-]",
    unknown: "[?]",
    refused: "[!]",
    maybe: "?",
    bullet: "*",
    at_least: ">=",
    at_most: "<=",
    ellipsis: '~',
    more_below: "v",
    up_key: "Up",
    down_key: "Down",
    left_key: "Left",
    right_key: "Right",
    spinner: &["|", "/", "-", "\\"],
    border: border::Set {
        top_left: "+",
        top_right: "+",
        bottom_left: "+",
        bottom_right: "+",
        vertical_left: "|",
        vertical_right: "|",
        horizontal_top: "-",
        horizontal_bottom: "-",
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub sym: Symbols,
}

impl Theme {
    pub fn new(color: bool, unicode: bool) -> Theme {
        Theme {
            color,
            sym: if unicode { UNICODE } else { ASCII },
        }
    }

    /// From the environment: colour unless `--no-color` or a non-empty NO_COLOR; Unicode
    /// symbols only when the locale says UTF-8.
    pub fn detect(no_color_flag: bool) -> Theme {
        let no_color = no_color_flag || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme::new(!no_color, locale_is_utf8(|k| std::env::var(k).ok()))
    }

    fn pick(&self, colored: Style, plain: Style) -> Style {
        if self.color { colored } else { plain }
    }

    pub fn base(&self) -> Style {
        Style::default()
    }

    pub fn title(&self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }

    pub fn demo(&self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        )
    }

    pub fn step_current(&self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        )
    }

    pub fn step_other(&self) -> Style {
        self.pick(Style::default().fg(Color::Gray), Style::default())
    }

    /// The highlighted row of a list.
    pub fn highlight(&self) -> Style {
        self.pick(
            Style::default()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        )
    }

    /// A choice that the rules do not allow: dim, never a fixed grey (colour 8 vanishes on
    /// dark themes such as Solarized Dark); the row's `[-]` marker carries the meaning.
    pub fn disabled(&self) -> Style {
        Style::default().add_modifier(Modifier::DIM)
    }

    /// The reason under a disabled choice.
    pub fn reason(&self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Red)
                .add_modifier(Modifier::ITALIC),
            Style::default().add_modifier(Modifier::ITALIC),
        )
    }

    pub fn selected(&self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Green)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }

    pub fn error(&self) -> Style {
        self.pick(
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }

    pub fn warning(&self) -> Style {
        self.pick(
            Style::default().fg(Color::Yellow),
            Style::default().add_modifier(Modifier::UNDERLINED),
        )
    }

    pub fn ok(&self) -> Style {
        self.pick(Style::default().fg(Color::Green), Style::default())
    }

    /// Secondary text: dim in the terminal's own colour, not colour 8 (see `disabled`).
    pub fn dim(&self) -> Style {
        Style::default().add_modifier(Modifier::DIM)
    }

    /// Key names as this terminal can show them: arrows become words in ASCII.
    pub fn keys(&self, keys: &str) -> String {
        keys.replace('↑', self.sym.up_key)
            .replace('↓', self.sym.down_key)
            .replace('←', self.sym.left_key)
            .replace('→', self.sym.right_key)
    }

    pub fn key(&self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }

    pub fn border(&self) -> Style {
        self.pick(Style::default().fg(Color::Gray), Style::default())
    }

    pub fn focused_border(&self) -> Style {
        self.pick(
            Style::default().fg(Color::Cyan),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }

    /// Landscape text made safe (see `text::neutralise`) and cut to `max` columns, with
    /// this theme's ellipsis.
    pub fn fit(&self, s: &str, max: usize) -> String {
        let out = crate::text::fit(s, max).into_owned();
        if self.sym.ellipsis == '…' {
            out
        } else {
            out.replace('…', &self.sym.ellipsis.to_string())
        }
    }
}

/// Whether the locale (LC_ALL, then LC_CTYPE, then LANG: the first that is set and not
/// empty) names UTF-8.
pub fn locale_is_utf8(var: impl Fn(&str) -> Option<String>) -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| var(k).filter(|v| !v.is_empty()))
        .is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("utf-8") || v.contains("utf8")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn locale_precedence_follows_posix() {
        assert!(locale_is_utf8(env(&[("LANG", "en_US.UTF-8")])));
        assert!(!locale_is_utf8(env(&[
            ("LC_ALL", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(locale_is_utf8(env(&[
            ("LC_ALL", ""),
            ("LC_CTYPE", "C.utf8")
        ])));
        assert!(!locale_is_utf8(env(&[])));
    }

    #[test]
    fn colour_free_theme_sets_no_colour() {
        let t = Theme::new(false, true);
        for s in [
            t.title(),
            t.highlight(),
            t.disabled(),
            t.reason(),
            t.error(),
            t.demo(),
        ] {
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
        }
        assert!(t.highlight().add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn ascii_theme_has_no_ellipsis() {
        let t = Theme::new(true, false);
        assert_eq!(t.fit("abcdefgh", 4), "abc~");
    }
}
