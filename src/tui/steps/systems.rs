//! Step 3: the systems. The rule engine's candidates for the chosen type, grouped by
//! system type under a header that says what the type needs and how many are chosen;
//! a candidate the engine marks unselectable carries a marker and its first reason on the
//! row, the highlighted one's every reason and fix are in the detail pane (which grows
//! with the window and scrolls), `h` hides what cannot be chosen, and `x` lists the
//! systems the type does not take at all, each with why. The filter matches every typed
//! word against every shown column (see `tui::filter`).

use std::cell::Cell;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{Outcome, list_move, window_keep};
use crate::rules::{self, Candidate, Checker};
use crate::tui::adding::Adding;
use crate::tui::app::Data;
use crate::tui::candidates::COLUMNS;
use crate::tui::filter::{Filter, SearchIndex};
use crate::tui::input::TextInput;
use crate::tui::keys::{self, KeyHint, hint, more};
use crate::tui::theme::Theme;
use crate::tui::view::wrap_words;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Table,
    Filter,
}

pub struct SystemsStep {
    /// Index into the shown rows (`shown_rows`).
    pub highlight: usize,
    pub filter: TextInput,
    pub focus: Focus,
    /// Showing the systems the type excludes instead of the candidates.
    pub show_excluded: bool,
    /// Index into the excluded systems that match the filter.
    pub excluded_at: usize,
    /// Hiding the candidates that cannot be chosen (and are not selected).
    pub hide_unselectable: bool,
    /// Lines the detail pane is scrolled down; back to 0 when the highlight moves.
    pub detail_scroll: usize,
    /// The rows (display positions, see `Data::table`) that match the filter.
    matches: Filter,
    /// With `hide_unselectable`: the matches that can be chosen or are selected.
    choosable: Vec<usize>,
    /// The systems the type does not take (landscape positions) and their search text,
    /// built the first time they are asked for.
    excluded: Option<(Vec<usize>, SearchIndex)>,
    /// The excluded systems (indices into `excluded`) that match the filter.
    excluded_matches: Filter,
    /// The first row drawn last time, kept while the highlight stays in view. A render
    /// cache like ratatui's `ListState` offset: it changes what is drawn, never the model.
    top: Cell<usize>,
    excluded_top: Cell<usize>,
    /// How far the detail pane could scroll at the last draw (a render cache too).
    detail_room: Cell<usize>,
    /// Adding to an existing formation (the Formation screen's `a`): Enter asks to add
    /// the chosen systems instead of opening Review.
    adding: bool,
}

thread_local! {
    static ROWS_FORMATTED: Cell<usize> = const { Cell::new(0) };
}

/// How many table rows this thread has formatted so far: the instrument for the test
/// that a draw formats only the visible window, whatever the number of candidates.
pub fn rows_formatted() -> usize {
    ROWS_FORMATTED.with(Cell::get)
}

/// "1/1", "2 (≥1)", "0 (≤1)", "3 (1-5)" or "2": a count against its bounds.
pub fn counter(n: usize, min: usize, max: Option<usize>, t: &Theme) -> String {
    match max {
        Some(max) if max == min => format!("{n}/{max}"),
        Some(max) if min == 0 => format!("{n} ({}{max})", t.sym.at_most),
        Some(max) => format!("{n} ({min}-{max})"),
        None if min > 0 => format!("{n} ({}{min})", t.sym.at_least),
        None => n.to_string(),
    }
}

/// The bounds alone, for the type's detail: "exactly 1", "at least 1", "0 to 3", "any number".
pub fn bounds(min: usize, max: Option<usize>) -> String {
    match max {
        Some(max) if max == min => format!("(exactly {max})"),
        Some(max) => format!("({min} to {max})"),
        None if min > 0 => format!("(at least {min})"),
        None => "(any number)".into(),
    }
}

/// Whether the theme draws Unicode symbols (its ellipsis is the Unicode one).
fn unicode(t: &Theme) -> bool {
    t.sym.ellipsis == '…'
}

impl SystemsStep {
    pub fn new(data: &Data) -> SystemsStep {
        SystemsStep {
            highlight: 0,
            filter: TextInput::default(),
            focus: Focus::Table,
            show_excluded: false,
            excluded_at: 0,
            hide_unselectable: false,
            detail_scroll: 0,
            matches: Filter::new(&data.search),
            choosable: Vec::new(),
            excluded: None,
            excluded_matches: Filter::default(),
            top: Cell::new(0),
            excluded_top: Cell::new(0),
            detail_room: Cell::new(0),
            adding: data.adding.is_some(),
        }
    }

    pub fn typing(&self) -> bool {
        self.focus == Focus::Filter
    }

    /// The rows (display positions) that match the filter, in display order.
    pub fn matches(&self) -> &[usize] {
        self.matches.matches()
    }

    /// The rows in the table: the matches, less those hidden by `h`.
    fn shown_rows(&self) -> &[usize] {
        if self.hide_unselectable {
            &self.choosable
        } else {
            self.matches()
        }
    }

    /// The shown candidates spelled out: O(rows), for tests and small landscapes only;
    /// drawing asks for the visible rows alone.
    pub fn rows(&self, data: &Data) -> Vec<Candidate> {
        let Some(checker) = &data.checker else {
            return Vec::new();
        };
        self.shown_rows()
            .iter()
            .map(|&d| checker.candidate(data.table.order[d], &data.landscape, data.catalog()))
            .collect()
    }

    /// How many excluded systems match the filter (all of them without one).
    pub fn excluded_matching(&self) -> usize {
        self.excluded_matches.matches().len()
    }

    /// The checker's index of the highlighted candidate.
    fn highlighted_index(&self, data: &Data) -> Option<usize> {
        let d = *self.shown_rows().get(self.highlight)?;
        data.table.order.get(d).copied()
    }

    pub fn highlighted(&self, data: &Data) -> Option<Candidate> {
        let i = self.highlighted_index(data)?;
        let checker = data.checker.as_ref()?;
        Some(checker.candidate(i, &data.landscape, data.catalog()))
    }

    pub fn key(&mut self, key: KeyEvent, data: &mut Data, page: usize) -> Outcome {
        if self.focus == Focus::Filter {
            return self.filter_key(key, data);
        }
        if self.show_excluded {
            return self.excluded_key(key, page);
        }
        let len = self.shown_rows().len();
        if let Some(at) = list_move(&key, self.highlight, len, page) {
            if at != self.highlight {
                self.detail_scroll = 0;
            }
            self.highlight = at;
            return Outcome::Handled;
        }
        match key.code {
            KeyCode::Char(' ') => self.toggle(data),
            KeyCode::Char('/') | KeyCode::Tab | KeyCode::BackTab => {
                self.focus = Focus::Filter;
                Outcome::Handled
            }
            KeyCode::Char('h') => {
                self.set_hide(!self.hide_unselectable, data);
                Outcome::Handled
            }
            KeyCode::Char('J') => {
                self.detail_scroll = (self.detail_scroll + 1).min(self.detail_room.get());
                Outcome::Handled
            }
            KeyCode::Char('K') => {
                self.detail_scroll = self.detail_scroll.saturating_sub(1);
                Outcome::Handled
            }
            KeyCode::Char('x') => {
                self.ensure_excluded(data);
                self.show_excluded = true;
                self.excluded_at = 0;
                self.excluded_top.set(0);
                Outcome::Handled
            }
            KeyCode::Enter => Outcome::Next,
            KeyCode::Esc if !self.filter.value().is_empty() => {
                self.filter = TextInput::default();
                self.refilter(data);
                self.highlight = 0;
                Outcome::Handled
            }
            KeyCode::Esc => Outcome::Back,
            _ => Outcome::Handled,
        }
    }

    fn filter_key(&mut self, key: KeyEvent, data: &Data) -> Outcome {
        match key.code {
            KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab | KeyCode::Down => {
                self.focus = Focus::Table;
            }
            KeyCode::Esc => {
                self.filter = TextInput::default();
                self.focus = Focus::Table;
                self.highlight = 0;
            }
            _ => {
                if self.filter.handle(key) {
                    self.highlight = 0;
                    self.detail_scroll = 0;
                }
            }
        }
        self.refilter(data);
        Outcome::Handled
    }

    fn excluded_key(&mut self, key: KeyEvent, page: usize) -> Outcome {
        let len = self.excluded_matching();
        if let Some(at) = list_move(&key, self.excluded_at, len, page) {
            self.excluded_at = at;
            return Outcome::Handled;
        }
        if matches!(key.code, KeyCode::Char('x') | KeyCode::Esc | KeyCode::Enter) {
            self.show_excluded = false;
        }
        Outcome::Handled
    }

    pub fn paste(&mut self, text: &str, data: &Data) {
        if self.focus == Focus::Filter {
            self.filter.insert_str(text);
            self.highlight = 0;
            self.refilter(data);
        }
    }

    /// Brings the matches up to the filter's text (narrowing when it only grew), the
    /// excluded systems' matches too once they were asked for (or when no candidate
    /// matches, to say whether an excluded one does), and keeps the highlight on a row.
    fn refilter(&mut self, data: &Data) {
        let query = self.filter.value().to_owned();
        self.matches.set(&data.search, &query);
        if self.matches().is_empty() && !query.trim().is_empty() {
            self.ensure_excluded(data);
        }
        if let Some((_, index)) = &self.excluded {
            self.excluded_matches.set(index, &query);
            self.excluded_at = self
                .excluded_at
                .min(self.excluded_matching().saturating_sub(1));
        }
        self.rechoose(data);
    }

    /// The table was built again (a system was read again, or added): the filter applies
    /// to the new rows, and the cursor goes to the system `on` when it is shown (else it
    /// stays at its place in the list). O(rows).
    pub fn relaid(&mut self, data: &Data, on: Option<&str>) {
        self.matches = Filter::new(&data.search);
        self.excluded = None;
        self.excluded_matches = Filter::default();
        if self.show_excluded {
            self.ensure_excluded(data);
        }
        self.refilter(data);
        let display = on.and_then(|id| {
            let i = data
                .checker
                .as_ref()?
                .index_of(data.landscape.position(id)?)?;
            data.table.order.iter().position(|&o| o == i)
        });
        if let Some(at) = display.and_then(|d| self.shown_rows().iter().position(|&r| r == d)) {
            if at != self.highlight {
                self.detail_scroll = 0;
            }
            self.highlight = at;
        }
    }

    /// Builds the excluded systems' list and search text: O(systems), once per visit.
    fn ensure_excluded(&mut self, data: &Data) {
        if self.excluded.is_some() {
            return;
        }
        let positions: Vec<usize> = data
            .checker
            .as_ref()
            .map_or_else(Vec::new, |c| c.excluded().collect());
        let index = SearchIndex::new(positions.iter().map(|&pos| {
            let [name, id, status, groups, formations] = data.cells(pos);
            let ty = data.landscape.systems[pos].system_type.as_str().to_owned();
            [name, id, ty, status, groups, formations]
        }));
        self.excluded_matches = Filter::new(&index);
        self.excluded_matches.set(&index, self.filter.value());
        self.excluded = Some((positions, index));
    }

    fn set_hide(&mut self, hide: bool, data: &Data) {
        // Stay on the same system, or the next shown one.
        let at = self.shown_rows().get(self.highlight).copied();
        self.hide_unselectable = hide;
        self.rechoose(data);
        if let Some(d) = at {
            self.highlight = self.shown_rows().partition_point(|&r| r < d);
        }
        self.highlight = self
            .highlight
            .min(self.shown_rows().len().saturating_sub(1));
    }

    /// Recomputes which matches can be chosen (O(matches), only while hiding): after the
    /// filter or the selection changed.
    fn rechoose(&mut self, data: &Data) {
        self.choosable.clear();
        if self.hide_unselectable
            && let Some(c) = &data.checker
        {
            let order = &data.table.order;
            self.choosable
                .extend(self.matches.matches().iter().filter(|&&d| {
                    let i = order[d];
                    c.selectable(i) || c.is_selected(i)
                }));
        }
        self.highlight = self
            .highlight
            .min(self.shown_rows().len().saturating_sub(1));
    }

    /// Space: a selected system can always be removed; an unselected one is added only when
    /// the engine says it is selectable.
    fn toggle(&mut self, data: &mut Data) -> Outcome {
        let (Some(i), Some(checker)) = (self.highlighted_index(data), &data.checker) else {
            return Outcome::Handled;
        };
        if !checker.is_selected(i) && !checker.selectable(i) {
            let c = checker.candidate(i, &data.landscape, data.catalog());
            let why = c.reason.clone().unwrap_or_default();
            return Outcome::Flash(format!(
                "{} cannot be selected: {}",
                crate::text::neutralise(&c.name),
                crate::text::neutralise(&why)
            ));
        }
        let id = data.landscape.systems[checker.position(i)].id.clone();
        if let Some(adding) = data.adding.as_ref().filter(|a| a.is_member(&id)) {
            return Outcome::Flash(
                crate::text::neutralise(&format!(
                    "{id} is already in \"{}\": x on the Formation screen takes a system out.",
                    adding.name
                ))
                .into_owned(),
            );
        }
        data.toggle(&id);
        if self.hide_unselectable {
            self.set_hide(true, data);
        }
        Outcome::Handled
    }

    pub fn commands(&self) -> Vec<KeyHint> {
        if self.focus == Focus::Filter {
            return vec![
                hint("type", "filter"),
                hint("Enter/Tab", "to the table"),
                hint("Esc", "clear filter"),
                more("words", "each word must occur in some column, in any order"),
            ];
        }
        if self.show_excluded {
            return vec![
                hint("x/Esc", "back to the candidates"),
                hint("↑↓/jk", "scroll"),
                hint("a", "add a system"),
            ];
        }
        let mut out = vec![
            hint("Space", "select"),
            if self.adding {
                hint("Enter", "add chosen")
            } else {
                hint("Enter", "review")
            },
            hint("/", "filter"),
            // Short, so that the bar keeps them at 80 columns; the counts line says what.
            if self.hide_unselectable {
                hint("h", "show")
            } else {
                hint("h", "hide")
            },
            hint("J/K", "detail"),
            hint("x", "excluded"),
            hint("Esc", "back"),
        ];
        out.extend(keys::list_moves());
        out.push(more("a", "register a new system of a needed type"));
        out.push(more("Tab/Shift-Tab", "focus the filter"));
        out.push(if self.adding {
            more("Esc", "clear the filter, or back to the formation")
        } else {
            more("Esc", "clear the filter, or back to step 2")
        });
        out
    }

    pub fn render(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let [counts, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        frame.render_widget(self.counts_line(data, usize::from(counts.width)), counts);
        if self.show_excluded {
            self.render_excluded(data, frame, rest);
            return;
        }
        // The detail pane grows with the window (not with its content, so that moving the
        // cursor never re-lays out the table) and scrolls for the rest.
        let detail_height = (rest.height / 2).clamp(6, 16);
        let [table, detail] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(detail_height)]).areas(rest);
        self.render_table(data, frame, table);
        self.render_detail(data, frame, detail);
    }

    /// "3 of 10 candidates shown · 5 match · 2 hidden: cannot be chosen · 1 selected" and
    /// the filter: O(1).
    fn counts_line(&self, data: &Data, width: usize) -> Line<'static> {
        let t = data.theme();
        let mut parts = Vec::new();
        if let Some(checker) = &data.checker {
            let (total, shown) = (checker.len(), self.shown_rows().len());
            parts.push(if shown == total {
                format!("{total} candidates")
            } else {
                format!("{shown} of {total} candidates shown")
            });
            if !self.matches.words().is_empty() {
                parts.push(format!("{} match", self.matches().len()));
            }
            if self.hide_unselectable {
                let hidden = self.matches().len() - shown;
                parts.push(format!("{hidden} hidden: cannot be chosen"));
            }
            parts.push(match &data.adding {
                // The members are chosen too: what counts is what joins.
                Some(a) => format!(
                    "{} in the formation {} {} to add",
                    a.members.len(),
                    t.sym.bullet,
                    checker.selected_count().saturating_sub(a.members.len())
                ),
                None => format!("{} selected", checker.selected_count()),
            });
            // Last: the selection counts matter more when the line is cut.
            let unknown = checker.director_decides_count();
            if unknown > 0 {
                parts.push(format!("{} {unknown} the Director decides", t.sym.maybe));
            }
        }
        let sep = format!(" {} ", t.sym.bullet);
        let mut spans = vec![Span::raw(parts.join(&sep))];
        let filter = self.filter.value();
        if self.focus == Focus::Filter || !filter.is_empty() {
            let cursor = if self.focus == Focus::Filter { "_" } else { "" };
            spans.push(Span::raw("   "));
            spans.push(Span::styled(
                format!("/{}{cursor}", t.fit(filter, 30)),
                t.key(),
            ));
        }
        let line = Line::from(spans);
        if line.width() > width {
            return Line::raw(t.fit(&line.to_string(), width));
        }
        line
    }

    /// The column titles, the header of the first row's group and the rows that fit from
    /// the window's first row: only those rows are formatted, whatever the number of
    /// candidates.
    fn render_table(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let width = usize::from(area.width);
        let widths = column_widths(&data.table.natural, width.saturating_sub(6));
        let titles: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
        let mut head = vec![Span::styled("      ", t.title())];
        head.extend(cells_spans(&widths, &titles, &[], t.title(), t.title(), t));
        let mut lines = vec![Line::from(head)];
        let rows = self.shown_rows();
        let checker = match &data.checker {
            Some(c) if !rows.is_empty() => c,
            _ => {
                lines.push(Line::styled(self.empty_message(data), t.dim()));
                let lines = lines
                    .into_iter()
                    .flat_map(|l| wrap_line(l, width))
                    .collect::<Vec<_>>();
                frame.render_widget(Paragraph::new(lines), area);
                return;
            }
        };
        let order = &data.table.order;
        let bucket = |r: usize| checker.bucket(order[rows[r]]);
        let boundary = |r: usize| r > 0 && bucket(r) != bucket(r - 1);
        let height = |r: usize| {
            1 + usize::from(reason_line(data, checker, order[rows[r]])) + usize::from(boundary(r))
        };
        // Below the column titles, the first row's group header always shows.
        let body = usize::from(area.height).saturating_sub(2);
        let len = rows.len();
        let mut start = window_keep(self.top.get(), len, self.highlight, body, height);
        // After the window grew, earlier rows fill it rather than blank lines below the end.
        let fits_from = |s: usize| {
            let mut used = 0;
            for r in s..len {
                used += height(r) - usize::from(r == s && boundary(r));
                if used > body {
                    return false;
                }
            }
            true
        };
        while start > 0 && fits_from(start - 1) {
            start -= 1;
        }
        self.top.set(start);
        let words = self.matches.words();
        let room = usize::from(area.height);
        for r in start..len {
            if lines.len() >= room {
                break;
            }
            if r == start || boundary(r) {
                lines.push(group_header(data, checker, bucket(r), width));
            }
            let i = order[rows[r]];
            lines.extend(row(data, checker, i, r == self.highlight, &widths, words));
        }
        lines.truncate(room);
        frame.render_widget(Paragraph::new(lines), area);
    }

    /// Why the table is empty, and what to do.
    fn empty_message(&self, data: &Data) -> String {
        if data.checker.as_ref().is_none_or(Checker::is_empty) {
            return "The landscape has no system of a type this formation takes. Press x to see why."
                .into();
        }
        if !self.matches().is_empty() {
            return "No system that matches can be chosen. Press h to show them all.".into();
        }
        let excluded = self.excluded_matching();
        if excluded > 0 && !self.matches.words().is_empty() {
            let (s, verb) = if excluded == 1 {
                ("", "matches")
            } else {
                ("s", "match")
            };
            let dash = if unicode(data.theme()) { "—" } else { "-" };
            return format!(
                "No system matches {dash} {excluded} excluded system{s} {verb}, press x. Esc clears the filter."
            );
        }
        "No system matches the filter. Esc clears it.".into()
    }

    /// Every reason with its own fix, and the system's facts, wrapped to the pane and
    /// scrolled with J/K.
    fn render_detail(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let (Some(i), Some(checker)) = (self.highlighted_index(data), &data.checker) else {
            return;
        };
        let c = checker.candidate(i, &data.landscape, data.catalog());
        let pos = checker.position(i);
        let inner = usize::from(area.width).saturating_sub(2);
        let adding = data.adding.as_ref();
        let refused = data.refused(&c.id);
        let lines = detail_lines(&c, adding, refused, &data.cells(pos), t, inner);
        let rows = usize::from(area.height).saturating_sub(2);
        let room = lines.len().saturating_sub(rows);
        self.detail_room.set(room);
        let scroll = self.detail_scroll.min(room);
        let shown: Vec<Line<'static>> = lines.into_iter().skip(scroll).take(rows).collect();
        let title = format!(" {} ({}) ", c.name, c.id);
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_set(t.sym.border)
            .border_style(t.border())
            .title(t.fit(&title, inner.saturating_sub(2)));
        let (up, down) = if unicode(t) {
            ("↑", "↓")
        } else {
            ("^", "v")
        };
        let sign = match (scroll > 0, scroll < room) {
            (false, true) => Some(format!(" {down} more below: J ")),
            (true, true) => Some(format!(" {up} K  {down} more below: J ")),
            (true, false) => Some(format!(" {up} more above: K ")),
            (false, false) => None,
        };
        if let Some(sign) = sign {
            block = block.title_bottom(Line::styled(sign, t.key()).right_aligned());
        }
        frame.render_widget(Paragraph::new(shown).block(block), area);
    }

    /// The excluded systems that match the filter, each with why (wrapped: the reason is
    /// what the user came for); only the items in the window are formatted.
    fn render_excluded(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let (Some(checker), Some((positions, _))) = (&data.checker, &self.excluded) else {
            return;
        };
        let ft = checker.ftype(data.catalog());
        let width = usize::from(area.width).saturating_sub(2);
        let hits = self.excluded_matches.matches();
        let words = self.excluded_matches.words();
        let item = |k: usize| -> Vec<Line<'static>> {
            let s = &data.landscape.systems[positions[hits[k]]];
            let pointer = if k == self.excluded_at {
                t.sym.pointer
            } else {
                " "
            };
            let name = t.fit(
                &format!(
                    "{pointer} {} {} ({}) {}",
                    t.sym.disabled, s.name, s.id, s.system_type
                ),
                width,
            );
            let hit = t
                .disabled()
                .add_modifier(Modifier::UNDERLINED | Modifier::BOLD);
            let mut lines = vec![Line::from(marked_with(&name, words, t.disabled(), hit))];
            let why = rules::exclusion_reason(ft, s);
            let why = crate::text::neutralise(&why).into_owned();
            for row in wrap_words(&why, width.saturating_sub(6)) {
                lines.push(Line::from(vec![
                    Span::raw("      "),
                    Span::styled(row, t.reason()),
                ]));
            }
            lines
        };
        let rows = usize::from(area.height).saturating_sub(2);
        let len = hits.len();
        let start = window_keep(self.excluded_top.get(), len, self.excluded_at, rows, |k| {
            item(k).len()
        });
        self.excluded_top.set(start);
        let mut lines: Vec<Line<'static>> = Vec::new();
        for k in start..len {
            if lines.len() >= rows {
                break;
            }
            lines.extend(item(k));
        }
        lines.truncate(rows);
        let total = positions.len();
        if total == 0 {
            lines.push(Line::raw(
                "This type takes systems of every type in the landscape.",
            ));
        } else if len == 0 {
            lines.push(Line::raw("No excluded system matches the filter."));
        }
        let title = if words.is_empty() {
            format!(" Systems this type does not take ({total}) ")
        } else {
            format!(" Systems this type does not take: {len} of {total} match the filter ")
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(t.sym.border)
            .border_style(t.focused_border())
            .title(t.fit(&title, width.saturating_sub(2)));
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }
}

/// "SAP Task Center — exactly 1 · 1 chosen ✓": what the type needs of this group and how
/// many are chosen, from the checker's counts.
fn group_header(data: &Data, checker: &Checker, bucket: usize, width: usize) -> Line<'static> {
    let t = data.theme();
    let Some(count) = checker.counts(data.catalog()).nth(bucket) else {
        return Line::raw("");
    };
    let label = if count.system_type == crate::catalog::ANY_OTHER_TYPE {
        "Other types"
    } else {
        count.system_type
    };
    let (mark, style) = if count.within() {
        (t.sym.ok, t.ok())
    } else {
        (t.sym.bad, t.error())
    };
    let (dash, dot) = if unicode(t) {
        ("—", "·")
    } else {
        ("-", "-")
    };
    let text = format!(
        "{label} {dash} {} {dot} {} chosen ",
        crate::output::count_range(count.min, count.max),
        count.selected
    );
    let text = t.fit(&text, width.saturating_sub(4));
    Line::from(vec![
        Span::raw(" "),
        Span::styled(text, t.title()),
        Span::styled(mark.to_owned(), style),
    ])
}

/// Candidate `i`'s line, and for one that cannot be selected, a second line with its
/// first reason (the detail pane has them all).
fn row(
    data: &Data,
    checker: &Checker,
    i: usize,
    here: bool,
    widths: &[usize],
    words: &[String],
) -> Vec<Line<'static>> {
    ROWS_FORMATTED.with(|n| n.set(n.get() + 1));
    let t = data.theme();
    let pos = checker.position(i);
    let (selected, selectable) = (checker.is_selected(i), checker.selectable(i));
    let refused = data.refused(&data.landscape.systems[pos].id);
    let marker = if selected {
        t.sym.selected
    } else if !selectable {
        t.sym.disabled
    } else if refused.is_some() {
        t.sym.refused
    } else if checker.director_decides(i) {
        t.sym.unknown
    } else {
        t.sym.unselected
    };
    let pointer = if here { t.sym.pointer } else { " " };
    let mut style = match (selectable, selected) {
        (false, _) => t.disabled(),
        (true, true) => t.selected(),
        (true, false) => t.base(),
    };
    if here {
        style = style.patch(t.highlight());
    }
    let hit = style.add_modifier(Modifier::UNDERLINED | Modifier::BOLD);
    let values = data.cells(pos);
    let mut spans = vec![Span::styled(format!("{pointer} {marker} "), style)];
    spans.extend(cells_spans(widths, &values, words, style, hit, t));
    let mut out = vec![Line::from(spans)];
    if !selectable || refused.is_some() {
        let c = checker.candidate(i, &data.landscape, data.catalog());
        // The backend's refusal first: the rules could not see it coming. The detail pane
        // has its words, line by line.
        let server = refused.map(refusal_summary);
        let first = server.as_deref().unwrap_or_else(|| {
            c.blockers
                .first()
                .map_or(c.reason.as_deref().unwrap_or(""), |b| b.message.as_str())
        });
        let more = match c.blockers.len() + usize::from(refused.is_some()) {
            0 | 1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        let width: usize = 6 + widths.iter().sum::<usize>() + widths.len().saturating_sub(1);
        let text = format!("{} {first}", t.sym.bad);
        let text = t.fit(&text, width.saturating_sub(6 + more.chars().count()));
        out.push(Line::from(vec![
            Span::raw("      "),
            Span::styled(format!("{text}{more}"), t.reason()),
        ]));
    }
    out
}

/// The backend's refusal of a row in one line: what it refused, and the key that helps.
fn refusal_summary(f: &rules::Finding) -> String {
    match f.rule {
        rules::RuleKind::ScenarioGroup => {
            "Refused at the last create for its scenario group: r registers it again.".into()
        }
        rules::RuleKind::RegistrationStatus => {
            "Refused at the last create for its registration: r registers it again.".into()
        }
        _ => format!(
            "Refused at the last create: {}",
            f.message.split(['\n', '\r']).collect::<Vec<_>>().join(" ")
        ),
    }
}

/// Whether candidate `i`'s row has a second line with a reason: it cannot be chosen, or
/// the backend refused it at the last create.
fn reason_line(data: &Data, checker: &Checker, i: usize) -> bool {
    !checker.selectable(i)
        || data
            .refused(&data.landscape.systems[checker.position(i)].id)
            .is_some()
}

/// The shown columns' cells cut to their widths (the name in the middle, keeping both
/// ends; the others at the end), padded, neutralised, typed words highlighted.
fn cells_spans(
    widths: &[usize],
    values: &[String],
    words: &[String],
    style: Style,
    hit: Style,
    t: &Theme,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (k, (&w, v)) in widths.iter().zip(values).enumerate() {
        let cell = if k == 0 {
            fit_middle(v, w, t)
        } else {
            t.fit(v, w)
        };
        let pad = w.saturating_sub(crate::text::width(&cell));
        spans.extend(marked_with(&cell, words, style, hit));
        let gap = if k + 1 < widths.len() { 1 } else { 0 };
        spans.push(Span::styled(" ".repeat(pad + gap), style));
    }
    spans
}

/// `text` in `style`, with the characters that match a typed word in `hit` (the list
/// widget's columns code, shared by every list).
fn marked_with(text: &str, words: &[String], style: Style, hit: Style) -> Vec<Span<'static>> {
    crate::tui::widgets::columns::marked(text, words, style, hit)
}

/// `s` neutralised and cut to `max` columns in the middle: "S/4HANA Clo…Development"
/// keeps the end that tells systems of one product apart.
fn fit_middle(s: &str, max: usize, t: &Theme) -> String {
    use crate::tui::widgets::columns::{Cut, fit};
    fit(s, max, Cut::Middle, t.sym.ellipsis)
}

/// The widths of the shown columns in `avail` columns (gaps included): the name and the
/// id as wide as their longest value when they can be, the rest shared by content; the
/// last columns dropped when even their minimum does not fit. Spare room goes to the
/// last shown column, never between them.
fn column_widths(natural: &[usize; 5], avail: usize) -> Vec<usize> {
    const MIN: [usize; 5] = [12, 6, 6, 6, 8];
    let mut shown = 5;
    loop {
        let room = avail.saturating_sub(shown - 1);
        let head = natural[0].max(MIN[0]) + natural[1].max(MIN[1]);
        let rest_min: usize = MIN[2..shown].iter().sum();
        if shown == 2 || head + rest_min <= room {
            return share(natural, shown, room);
        }
        shown -= 1;
    }
}

fn share(natural: &[usize; 5], shown: usize, room: usize) -> Vec<usize> {
    const MIN: [usize; 5] = [12, 6, 6, 6, 8];
    let mut w: Vec<usize> = (0..shown).map(|k| natural[k].max(MIN[k])).collect();
    if shown == 2 {
        w[1] = w[1].min(room.saturating_sub(MIN[0]));
        w[0] = room.saturating_sub(w[1]);
        return w;
    }
    let rest = room - w[0] - w[1];
    let want: usize = w[2..].iter().sum();
    if want <= rest {
        w[shown - 1] += rest - want;
        return w;
    }
    // Each column its minimum, then the room left in proportion to what each lacks.
    let lack: Vec<usize> = (2..shown).map(|k| w[k] - MIN[k]).collect();
    let lack_sum: usize = lack.iter().sum();
    let spare = rest - MIN[2..shown].iter().sum::<usize>();
    for k in 2..shown {
        w[k] = MIN[k] + spare * lack[k - 2] / lack_sum.max(1);
    }
    let used: usize = w.iter().sum();
    w[shown - 1] += room - used;
    w
}

/// A line cut into rows of `width` columns at spaces (for the short messages).
fn wrap_line(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let style = line
        .spans
        .first()
        .map_or(line.style, |s| s.style.patch(line.style));
    let text = line.to_string();
    if crate::text::width(&text) <= width {
        return vec![line];
    }
    wrap_words(&text, width)
        .into_iter()
        .map(|r| Line::styled(r, style))
        .collect()
}

/// What the detail pane says about a candidate, wrapped to `width`: selected or
/// selectable, or every rule that stops it, each followed by its own fix; then its facts.
fn detail_lines(
    c: &Candidate,
    adding: Option<&Adding>,
    refused: Option<&rules::Finding>,
    values: &[String; 5],
    t: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let clean = |s: &str| crate::text::neutralise(s).into_owned();
    let mut out = Vec::new();
    if let Some(f) = refused {
        // The backend's words, each of its lines a line here (wrapped, indented under
        // the first).
        let lines = f
            .message
            .split(['\n', '\r'])
            .filter(|l| !l.trim().is_empty());
        for (k, line) in lines.enumerate() {
            let style = if k == 0 { t.error() } else { t.base() };
            for (n, row) in wrap_words(&clean(line.trim()), width.saturating_sub(2))
                .into_iter()
                .enumerate()
            {
                let head = if k == 0 && n == 0 {
                    Span::styled(format!("{} ", t.sym.bad), t.error())
                } else {
                    Span::raw("  ")
                };
                out.push(Line::from(vec![head, Span::styled(row, style)]));
            }
        }
    }
    let mut add = |prefix: &str, prefix_style: Style, text: &str, style: Style| {
        let rows = wrap_words(&format!("{prefix}{}", clean(text)), width);
        for (k, r) in rows.into_iter().enumerate() {
            if k == 0 && !prefix.is_empty() && r.starts_with(prefix) {
                let rest = r[prefix.len()..].to_owned();
                out.push(Line::from(vec![
                    Span::styled(prefix.to_owned(), prefix_style),
                    Span::styled(rest, style),
                ]));
            } else {
                out.push(Line::styled(r, style));
            }
        }
    };
    if refused.is_some_and(|f| {
        matches!(
            f.rule,
            rules::RuleKind::ScenarioGroup | rules::RuleKind::RegistrationStatus
        )
    }) {
        add(
            "Fix: ",
            t.key(),
            "r registers it again with the group the formation type needs; the row is read again once it is connected.",
            t.base(),
        );
    }
    let member_of = adding
        .filter(|a| c.selected && a.is_member(&c.id))
        .map(|a| a.name.as_str());
    let decides = c.director_decides.as_ref();
    match (c.selected, c.selectable) {
        _ if let Some(formation) = member_of => add(
            "",
            Style::default(),
            &format!(
                "{} Already in \"{formation}\" (x on the Formation screen takes it out).",
                t.sym.ok
            ),
            t.selected(),
        ),
        (true, true) => add(
            "",
            Style::default(),
            &format!("{} Selected. Space removes it.", t.sym.ok),
            t.selected(),
        ),
        (false, true) if refused.is_some() => add(
            "",
            Style::default(),
            "Space adds it again; the Director refused it at the last create (above).",
            t.base(),
        ),
        (false, true) if decides.is_some() => add(
            "",
            Style::default(),
            &format!(
                "{} The Director decides: Space adds it, and the Director checks it when it is assigned.",
                t.sym.maybe
            ),
            t.warning(),
        ),
        (false, true) => add(
            "",
            Style::default(),
            "Can be selected: Space adds it.",
            t.base(),
        ),
        (selected, false) => {
            let head = if selected {
                format!(
                    "{} Selected, but it breaks a rule (Space removes it):",
                    t.sym.bad
                )
            } else {
                format!("{} Cannot be selected:", t.sym.bad)
            };
            add("", Style::default(), &head, t.error());
            for b in &c.blockers {
                add(&format!("{} ", t.sym.bad), t.error(), &b.message, t.base());
                if let Some(fix) = adding_fix(b, adding).as_ref().or(b.fix.as_ref()) {
                    add("Fix: ", t.key(), fix, t.base());
                }
            }
        }
    }
    // Once it has refused, the Director has decided: its words are above.
    if let Some(d) = decides.filter(|_| c.selectable && refused.is_none()) {
        if c.selected {
            add(
                "",
                Style::default(),
                &format!("{} The Director decides at create:", t.sym.maybe),
                t.warning(),
            );
        }
        add("", Style::default(), &d.message, t.base());
        if let Some(fix) = &d.fix {
            add("To know first: ", t.key(), fix, t.base());
        }
    }
    let [_, _, status, groups, formations] = values;
    let dot = if unicode(t) { "·" } else { "-" };
    add(
        "Type: ",
        t.dim(),
        &format!("{} {dot} Status: {status}", c.system_type),
        t.dim(),
    );
    add("Groups: ", t.dim(), groups, t.dim());
    add("Formations: ", t.dim(), formations, t.dim());
    out
}
/// While adding to a formation, a fix that would deselect one of its members says where
/// that is done instead (members stay chosen on this step).
fn adding_fix(finding: &rules::Finding, adding: Option<&Adding>) -> Option<String> {
    let adding = adding?;
    let Some(rules::FixAction::Replace { drop, add }) = &finding.action else {
        return None;
    };
    let members: Vec<&String> = drop.iter().filter(|id| adding.is_member(id)).collect();
    if members.is_empty() {
        return None;
    }
    let ids: Vec<&str> = members.iter().map(|s| s.as_str()).collect();
    Some(format!(
        "Take {} out of \"{}\" first (Esc, then x on the Formation screen); then {add} can join.",
        rules::join_or(&ids, "and"),
        adding.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_read_as_the_issue_says() {
        let t = Theme::new(true, true);
        assert_eq!(counter(1, 1, Some(1), &t), "1/1");
        assert_eq!(counter(2, 1, None, &t), "2 (≥1)");
        assert_eq!(counter(0, 0, Some(1), &t), "0 (≤1)");
        assert_eq!(counter(0, 0, None, &t), "0");
        assert_eq!(counter(2, 1, None, &Theme::new(false, false)), "2 (>=1)");
    }

    #[test]
    fn columns_share_the_width_by_content() {
        // The demo's widest values: name, id, status, groups, formations.
        let natural = [25, 10, 23, 27, 30];
        for avail in [40, 52, 72, 118, 192] {
            let w = column_widths(&natural, avail);
            let used = w.iter().sum::<usize>() + w.len() - 1;
            assert_eq!(used, avail, "{avail}: {w:?}");
        }
        assert_eq!(
            column_widths(&natural, 72)[..2],
            [25, 10],
            "name and id whole"
        );
        let wide = column_widths(&natural, 192);
        assert_eq!(wide[..4], [25, 10, 23, 27], "nothing cut at 200 columns");
        assert_eq!(column_widths(&natural, 40).len(), 2, "narrow: name and id");
    }

    #[test]
    fn a_long_name_keeps_both_ends() {
        let t = Theme::new(true, true);
        assert_eq!(
            fit_middle("S/4HANA Cloud Development", 20, &t),
            "S/4HANA Cl…velopment"
        );
        assert_eq!(fit_middle("Short", 20, &t), "Short");
        let cut = fit_middle("東京東京東京東京東京東京", 9, &t);
        assert!(crate::text::width(&cut) <= 9, "{cut}");
    }
}
