//! The one list widget (issue 20): a cursor that is always on screen, the keys that move
//! it (Up/Down/j/k, PgUp/PgDn, Home/End, g/G), the filter (`tui::filter`: each typed word
//! must begin a word in some column; what matched is underlined), and windowed drawing of
//! the rows that show only, in columns measured by display width (`widgets::columns`).
//!
//! Pure state plus a draw. The keys are a table (`BROWSE`, `FILTER`, `CLEAR`, `TYPING`)
//! that the component owning the list puts in its own (`bindings_as`), so the hint bar and
//! `?` say what the list does; `act` carries out what a key stands for. Rows may come in
//! groups, each under a header line (the Systems step's system types), and the owner may
//! hide some matches (`keep_only`). The only state `draw` keeps is the first row drawn
//! (`top`, a render cache like ratatui's `ListState` offset): it changes what is drawn,
//! never the model.

use std::cell::Cell;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::columns::{self, Column};
use crate::tui::filter::{Filter, SearchIndex};
use crate::tui::input::TextInput;
use crate::tui::keys::{self, KeyHint, hint, more};
use crate::tui::theme::Theme;

/// A movement of the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
}

/// What a key does to a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Move(Move),
    /// Focus the filter.
    Filter,
    /// Clear the filter (and leave it).
    ClearFilter,
    /// Leave the filter, keeping what was typed.
    KeepFilter,
}

/// Keys with one hint: what `key` does and what the hint bar and `?` say come from here.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [(KeyCode, Act)],
    pub hint: KeyHint,
}

/// Moving the cursor.
pub const BROWSE: &[Binding] = &[
    Binding {
        keys: &[
            (KeyCode::Up, Act::Move(Move::Up)),
            (KeyCode::Char('k'), Act::Move(Move::Up)),
            (KeyCode::Down, Act::Move(Move::Down)),
            (KeyCode::Char('j'), Act::Move(Move::Down)),
        ],
        hint: hint("↑↓/jk", "move"),
    },
    Binding {
        keys: &[
            (KeyCode::PageUp, Act::Move(Move::PageUp)),
            (KeyCode::PageDown, Act::Move(Move::PageDown)),
        ],
        hint: more("PgUp/PgDn", "move a page"),
    },
    Binding {
        keys: &[
            (KeyCode::Home, Act::Move(Move::First)),
            (KeyCode::Char('g'), Act::Move(Move::First)),
            (KeyCode::End, Act::Move(Move::Last)),
            (KeyCode::Char('G'), Act::Move(Move::Last)),
        ],
        hint: more("Home/End g/G", "first / last"),
    },
];

/// Opening the filter.
pub const FILTER: Binding = Binding {
    keys: &[(KeyCode::Char('/'), Act::Filter)],
    hint: hint("/", "filter"),
};

/// Clearing a filter that is set (otherwise Esc is the screen's).
pub const CLEAR: Binding = Binding {
    keys: &[(KeyCode::Esc, Act::ClearFilter)],
    hint: hint("Esc", "clear filter"),
};

/// While typing the filter; other keys edit the text.
pub const TYPING: &[Binding] = &[
    Binding {
        keys: &[
            (KeyCode::Enter, Act::KeepFilter),
            (KeyCode::Down, Act::KeepFilter),
            (KeyCode::Tab, Act::KeepFilter),
        ],
        hint: hint("Enter/↓", "keep filter"),
    },
    Binding {
        keys: &[(KeyCode::Esc, Act::ClearFilter)],
        hint: hint("Esc", "clear filter"),
    },
    Binding {
        keys: &[],
        hint: more(
            "type",
            "each word must begin a word in some column, in any order",
        ),
    },
];

/// The hints of `bindings`, in order.
pub fn hints(bindings: &[Binding]) -> Vec<KeyHint> {
    bindings.iter().map(|b| b.hint).collect()
}

/// The moving keys (`BROWSE`) as rows of a component's table, each standing for `f` of
/// its movement.
pub fn browse<A>(f: impl Fn(Move) -> A) -> Vec<keys::Binding<A>> {
    BROWSE
        .iter()
        .map(|b| keys::Binding {
            keys: b
                .keys
                .iter()
                .filter_map(|&(code, act)| match act {
                    Act::Move(m) => Some((code, f(m))),
                    _ => None,
                })
                .collect(),
            hint: b.hint,
        })
        .collect()
}

/// The new position in a list of `len` items after a movement.
pub fn apply_move(m: Move, at: usize, len: usize, page: usize) -> usize {
    let last = len.saturating_sub(1);
    let page = page.max(1);
    match m {
        Move::Up => at.saturating_sub(1),
        Move::Down => (at + 1).min(last),
        Move::PageUp => at.saturating_sub(page),
        Move::PageDown => (at + page).min(last),
        Move::First => 0,
        Move::Last => last,
    }
    .min(last)
}

/// The first item to draw so that item `at` is visible, given each item's height and the
/// rows available. Pure, so that `view` needs no mutable scroll state.
pub fn window_start(heights: &[usize], at: usize, rows: usize) -> usize {
    window_start_by(heights.len(), at, rows, |i| heights[i])
}

/// As `window_start` over `len` items, asking `height` only for the items that can show:
/// linear in what is shown, whatever the length of the list.
pub fn window_start_by(
    len: usize,
    at: usize,
    rows: usize,
    height: impl Fn(usize) -> usize,
) -> usize {
    if len == 0 {
        return 0;
    }
    let at = at.min(len - 1);
    // Walk back from the highlight while the items still fit.
    let mut used = 0;
    let mut start = at;
    loop {
        used += height(start);
        if used > rows && start < at {
            return start + 1;
        }
        if start == 0 {
            return 0;
        }
        start -= 1;
    }
}

/// The first item to draw: the previous one (`top`) while item `at` still shows in full
/// from there; else one that puts `at` in the middle (as vim's `scrolljump`), but never
/// past the last full page. A move within the window then changes only the rows that
/// differ, and a held arrow key redraws the list once per half window, not on every row
/// (issue 5: bytes written per cursor move over a slow link).
pub fn window_keep(
    top: usize,
    len: usize,
    at: usize,
    rows: usize,
    height: impl Fn(usize) -> usize,
) -> usize {
    if len == 0 {
        return 0;
    }
    let at = at.min(len - 1);
    if at >= top {
        let mut used = 0;
        let fits = (top..=at).all(|i| {
            used += height(i);
            used <= rows
        });
        if fits {
            return top;
        }
    }
    let centred = window_start_by(len, at, (rows / 2).max(1), &height);
    let last_page = window_start_by(len, len - 1, rows, &height);
    centred.min(last_page).min(at)
}

/// As `window_keep`, and after the window grew (a resize), earlier rows fill it rather
/// than blank lines below the last one. O(rows).
pub fn window(
    top: usize,
    len: usize,
    at: usize,
    rows: usize,
    height: impl Fn(usize) -> usize,
) -> usize {
    let mut start = window_keep(top, len, at, rows, &height);
    let mut used = 0;
    for i in start..len {
        used += height(i);
        if used > rows {
            return start;
        }
    }
    while start > 0 && used + height(start - 1) <= rows {
        start -= 1;
        used += height(start);
    }
    start
}

thread_local! {
    static ROWS_DRAWN: Cell<usize> = const { Cell::new(0) };
}

/// How many rows lists have formatted on this thread: the instrument for the tests that a
/// draw formats only the rows that show, whatever the length of the list.
pub fn rows_drawn() -> usize {
    ROWS_DRAWN.with(Cell::get)
}

/// What a list shows of its items: the columns and each item's cells.
pub trait Rows {
    /// The columns, with their natural widths (the widest value, worked out once per
    /// landscape, not per draw).
    fn columns(&self, avail: usize) -> Vec<Column>;
    /// Item `item`'s cells, one per column, each with its style.
    fn cells(&self, item: usize, theme: &Theme) -> Vec<(String, Style)>;
    /// Lines drawn under the item's row (a member's error), cut or wrapped to `width`.
    fn extra(&self, _item: usize, _width: usize, _theme: &Theme) -> Vec<Line<'static>> {
        Vec::new()
    }
    /// How many lines `extra` gives: what the window is laid out with, asked for more
    /// rows than are drawn, so a list can answer it without building the lines.
    fn extra_height(&self, item: usize, width: usize, theme: &Theme) -> usize {
        self.extra(item, width, theme).len()
    }
    /// Whether `extra` can give lines (else every row is one line high).
    fn has_extra(&self) -> bool {
        false
    }
    /// The group item `item` belongs to (a system type): a header line goes above the
    /// first row of each group, and above the first row drawn.
    fn group(&self, _item: usize) -> Option<usize> {
        None
    }
    /// The header line of group `group`, `width` columns wide.
    fn header(&self, _group: usize, _width: usize, _theme: &Theme) -> Line<'static> {
        Line::raw("")
    }
}

/// What a key did to the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// The list took the key (the cursor moved, the filter changed…).
    Handled,
    /// Not a key of the list: the screen's.
    Ignored,
}

/// A filtered list with a cursor. Items are indices into the caller's rows (the order of
/// the `SearchIndex` it was given).
#[derive(Debug, Clone, Default)]
pub struct List {
    /// Shared with its owner (the Systems step's index is the wizard's, built once per
    /// landscape): a new list over it costs no copy.
    index: Arc<SearchIndex>,
    filter: Filter,
    /// The matches that are shown, when the owner hides some (`keep_only`); else all.
    only: Option<Vec<usize>>,
    query: TextInput,
    typing: bool,
    /// Position in `matches()`.
    cursor: usize,
    top: Cell<usize>,
    /// The rows the body showed at the last draw: how far PgUp/PgDn move (a render
    /// cache too; 10 before the first draw).
    page: Cell<usize>,
}

impl List {
    pub fn new(index: impl Into<Arc<SearchIndex>>) -> List {
        let index = index.into();
        List {
            filter: Filter::new(&index),
            index,
            ..List::default()
        }
    }

    /// New rows (a fresh read): the filter is applied to them again and the cursor stays
    /// on item `keep` (its position in the new rows) if it still matches.
    pub fn reset(&mut self, index: impl Into<Arc<SearchIndex>>, keep: Option<usize>) {
        let index = index.into();
        self.filter = Filter::new(&index);
        self.index = index;
        self.only = None;
        let query = self.query.value().to_owned();
        self.filter.set(&self.index, &query);
        self.cursor = keep
            .and_then(|item| self.position_of(item))
            .unwrap_or(self.cursor);
        self.clamp();
    }

    /// The items shown: those that match the filter, less those the owner hides, in order.
    pub fn matches(&self) -> &[usize] {
        self.only.as_deref().unwrap_or(self.filter.matches())
    }

    /// The items that match the filter, hidden ones included.
    pub fn filtered(&self) -> &[usize] {
        self.filter.matches()
    }

    /// Shows only the matches `keep` takes (`None`: all of them); the cursor stays on its
    /// item, or goes to the next one shown. O(matches).
    pub fn keep_only(&mut self, keep: Option<&dyn Fn(usize) -> bool>) {
        let item = self.selected();
        self.only = keep.map(|k| {
            self.filter
                .matches()
                .iter()
                .copied()
                .filter(|&i| k(i))
                .collect()
        });
        if let Some(i) = item {
            self.cursor = self.matches().partition_point(|&m| m < i);
        }
        self.clamp();
    }

    pub fn len(&self) -> usize {
        self.matches().len()
    }

    pub fn is_empty(&self) -> bool {
        self.matches().is_empty()
    }

    /// The cursor's position in `matches()`.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The item under the cursor.
    pub fn selected(&self) -> Option<usize> {
        self.matches().get(self.cursor).copied()
    }

    /// The position of `item` in `matches()`, if it matches. O(log n): matches are in
    /// item order.
    pub fn position_of(&self, item: usize) -> Option<usize> {
        self.matches().binary_search(&item).ok()
    }

    /// Puts the cursor on `item` if it matches.
    pub fn select(&mut self, item: usize) -> bool {
        match self.position_of(item) {
            Some(at) => {
                self.cursor = at;
                true
            }
            None => false,
        }
    }

    pub fn typing(&self) -> bool {
        self.typing
    }

    /// The filter as typed.
    pub fn query(&self) -> &str {
        self.query.value()
    }

    /// The folded words of the filter in force, for highlighting.
    pub fn words(&self) -> &[String] {
        self.filter.words()
    }

    /// The first row drawn last time.
    pub fn top(&self) -> usize {
        self.top.get()
    }

    /// How far PgUp/PgDn move: the rows the list showed at its last draw.
    pub fn page(&self) -> usize {
        match self.page.get() {
            0 => 10,
            n => n,
        }
    }

    fn clamp(&mut self) {
        self.cursor = self.cursor.min(self.len().saturating_sub(1));
    }

    /// The list's keys as they work now: the table its owner puts in its own (and that
    /// `key` looks keys up in).
    pub fn bindings(&self) -> Vec<keys::Binding<Act>> {
        let lift = |table: &[Binding]| -> Vec<keys::Binding<Act>> {
            table
                .iter()
                .map(|b| keys::Binding {
                    keys: b.keys.to_vec(),
                    hint: b.hint,
                })
                .collect()
        };
        if self.typing {
            return lift(TYPING);
        }
        let mut out = lift(&[FILTER]);
        if !self.query.value().is_empty() {
            out.extend(lift(&[CLEAR]));
        }
        out.extend(lift(BROWSE));
        out
    }

    /// The list's table as rows of its owner's table, each action wrapped by `f`.
    pub fn bindings_as<A>(&self, f: impl Fn(Act) -> A) -> Vec<keys::Binding<A>> {
        self.bindings().into_iter().map(|b| b.map(&f)).collect()
    }

    /// Carries out one of the list's actions; `page` is how far PgUp/PgDn move.
    pub fn act(&mut self, act: Act, page: usize) {
        match act {
            Act::Move(m) => self.cursor = apply_move(m, self.cursor, self.len(), page),
            Act::Filter => self.typing = true,
            Act::KeepFilter => self.typing = false,
            Act::ClearFilter => {
                self.typing = false;
                self.set_query(TextInput::default());
            }
        }
    }

    /// A key the table does not name: typed into the filter while it is being typed.
    pub fn input(&mut self, key: KeyEvent) -> Reply {
        if !self.typing {
            return Reply::Ignored;
        }
        let mut query = self.query.clone();
        if query.handle(key) {
            self.set_query(query);
        }
        Reply::Handled
    }

    /// A key on its own (a list that is the whole of its screen's keys).
    pub fn key(&mut self, key: KeyEvent, page: usize) -> Reply {
        match keys::lookup(&self.bindings(), &key) {
            Some(act) => {
                self.act(act, page);
                Reply::Handled
            }
            None => self.input(key),
        }
    }

    /// Pasted text goes into the filter while it is being typed.
    pub fn paste(&mut self, text: &str) {
        if self.typing {
            let mut query = self.query.clone();
            query.insert_str(text);
            self.set_query(query);
        }
    }

    /// Sets the filter's text (a list whose filter follows another one's).
    pub fn set_filter(&mut self, text: &str) {
        if self.query.value() != text {
            self.set_query(TextInput::new(text));
        }
    }

    /// A new filter: the cursor stays on its item if that still matches, else goes to the
    /// first match.
    fn set_query(&mut self, query: TextInput) {
        let item = self.selected();
        self.query = query;
        let text = self.query.value().to_owned();
        self.filter.set(&self.index, &text);
        self.only = None;
        self.cursor = item.and_then(|i| self.position_of(i)).unwrap_or(0);
        self.clamp();
    }

    /// The list's keys as they work now, for the hint bar and `?`.
    pub fn commands(&self) -> Vec<KeyHint> {
        keys::hints(&self.bindings())
    }

    /// "3 of 10", with "filter: …" while one is set or typed: for the list's title.
    pub fn counts(&self, total_word: &str) -> String {
        let total = self.index.len();
        if self.query.value().is_empty() && !self.typing {
            return format!("{total} {total_word}");
        }
        format!(
            "{} of {total} {total_word}  /{}{}",
            self.len(),
            crate::text::neutralise(self.query.value()),
            if self.typing { "_" } else { "" }
        )
    }

    /// Draws the column titles (when `titles`) and the rows that fit in `area` from the
    /// window's first row; only those rows are formatted. The cursor's row always shows,
    /// marked with the pointer and the highlight. `empty` says why nothing shows.
    pub fn draw(
        &self,
        rows: &impl Rows,
        theme: &Theme,
        frame: &mut Frame,
        area: Rect,
        titles: bool,
        empty: &str,
    ) {
        let width = usize::from(area.width);
        let room = usize::from(area.height);
        let pointer_w = columns::width(theme.sym.pointer) + 1;
        let cols = rows.columns(width.saturating_sub(pointer_w));
        let widths = columns::widths(&cols, width.saturating_sub(pointer_w));
        let ellipsis = theme.sym.ellipsis;
        let mut lines: Vec<Line<'static>> = Vec::with_capacity(room);
        if titles && room > 1 {
            let heads: Vec<(String, Style)> = cols
                .iter()
                .map(|c| (c.title.to_owned(), theme.dim()))
                .collect();
            let mut spans = vec![Span::raw(" ".repeat(pointer_w))];
            spans.extend(columns::cells_spans(&cols, &widths, &heads, &[], ellipsis));
            lines.push(Line::from(spans));
        }
        let len = self.len();
        let matches = self.matches();
        // A grouped list draws its group's header above the first row drawn, and one above
        // each row that begins a group.
        let grouped = len > 0 && rows.group(matches[0]).is_some();
        let body = (room - lines.len()).saturating_sub(usize::from(grouped));
        let begins = |pos: usize| {
            grouped && pos > 0 && rows.group(matches[pos]) != rows.group(matches[pos - 1])
        };
        if len == 0 {
            // Why it is empty and what to do: wrapped, never cut.
            lines.extend(
                crate::tui::wrap::wrap_words(&crate::text::neutralise(empty), width)
                    .into_iter()
                    .map(|l| Line::styled(l, theme.dim())),
            );
            frame.render_widget(Paragraph::new(lines), area);
            return;
        }
        let extra_w = width.saturating_sub(pointer_w);
        let extra = |pos: usize| rows.extra(matches[pos], extra_w, theme);
        let height = |pos: usize| {
            let own = if rows.has_extra() {
                1 + rows.extra_height(matches[pos], extra_w, theme)
            } else {
                1
            };
            own + usize::from(begins(pos))
        };
        let start = window(self.top.get(), len, self.cursor, body, height);
        self.top.set(start);
        self.page.set(body.saturating_sub(1).max(1));
        let words = self.words();
        for (pos, &item) in matches.iter().enumerate().skip(start) {
            if lines.len() >= room {
                break;
            }
            if grouped
                && (pos == start || begins(pos))
                && let Some(group) = rows.group(item)
            {
                lines.push(rows.header(group, width, theme));
                if lines.len() >= room {
                    break;
                }
            }
            ROWS_DRAWN.with(|n| n.set(n.get() + 1));
            let here = pos == self.cursor;
            let mut cells = rows.cells(item, theme);
            if here {
                for (_, style) in &mut cells {
                    *style = style.patch(theme.highlight());
                }
            }
            let pointer = if here { theme.sym.pointer } else { " " };
            let lead = format!(
                "{pointer}{}",
                " ".repeat(pointer_w - columns::width(pointer))
            );
            let lead_style = if here {
                theme.highlight()
            } else {
                theme.base()
            };
            let mut spans = vec![Span::styled(lead, lead_style)];
            spans.extend(columns::cells_spans(
                &cols, &widths, &cells, words, ellipsis,
            ));
            lines.push(Line::from(spans));
            if rows.has_extra() {
                for l in extra(pos) {
                    let mut spans = vec![Span::raw(" ".repeat(pointer_w))];
                    spans.extend(l.spans);
                    lines.push(Line::from(spans));
                }
            }
        }
        lines.truncate(room);
        frame.render_widget(Paragraph::new(lines), area);
    }
}

#[cfg(test)]
#[path = "list_tests.rs"]
mod tests;
