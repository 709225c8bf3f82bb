//! Step 3: the systems. A table of the rule engine's candidates for the chosen type; a
//! candidate the engine marks unselectable carries a marker and its reason on the row, the
//! highlighted one's full reason and fix are in the detail pane, and `x` lists the systems
//! the type does not take at all, each with why.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Outcome, list_move, window_keep};
use crate::rules::{self, Candidate, Checker};
use crate::tui::app::Data;
use crate::tui::filter::Filter;
use crate::tui::input::TextInput;
use crate::tui::keys::{self, KeyHint, hint, more};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Table,
    Filter,
}

pub struct SystemsStep {
    /// Index into the filtered rows.
    pub highlight: usize,
    pub filter: TextInput,
    pub focus: Focus,
    /// Showing the systems the type excludes instead of the candidates.
    pub show_excluded: bool,
    pub excluded_at: usize,
    /// The candidates (indices into the checker) that match the filter.
    matches: Filter,
    /// The landscape positions of the excluded systems, listed when `x` is pressed.
    excluded: Vec<usize>,
    /// The first row drawn last time, kept while the highlight stays in view. A render
    /// cache like ratatui's `ListState` offset: it changes what is drawn, never the model.
    top: Cell<usize>,
    excluded_top: Cell<usize>,
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

impl SystemsStep {
    pub fn new(data: &Data) -> SystemsStep {
        SystemsStep {
            highlight: 0,
            filter: TextInput::default(),
            focus: Focus::Table,
            show_excluded: false,
            excluded_at: 0,
            matches: Filter::new(&data.search),
            excluded: Vec::new(),
            top: Cell::new(0),
            excluded_top: Cell::new(0),
        }
    }

    pub fn typing(&self) -> bool {
        self.focus == Focus::Filter
    }

    /// The candidate indices that match the filter (by name, id, type or status), in
    /// landscape order.
    pub fn matches(&self) -> &[usize] {
        self.matches.matches()
    }

    /// The matching candidates spelled out: O(rows), for tests and small landscapes only;
    /// drawing asks for the visible rows alone.
    pub fn rows(&self, data: &Data) -> Vec<Candidate> {
        let Some(checker) = &data.checker else {
            return Vec::new();
        };
        self.matches()
            .iter()
            .map(|&i| checker.candidate(i, &data.landscape, data.catalog()))
            .collect()
    }

    /// The checker's index of the highlighted candidate.
    fn highlighted_index(&self) -> Option<usize> {
        self.matches().get(self.highlight).copied()
    }

    pub fn highlighted(&self, data: &Data) -> Option<Candidate> {
        let i = self.highlighted_index()?;
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
        let len = self.matches().len();
        if let Some(at) = list_move(&key, self.highlight, len, page) {
            self.highlight = at;
            return Outcome::Handled;
        }
        match key.code {
            KeyCode::Char(' ') => self.toggle(data),
            KeyCode::Char('/') | KeyCode::Tab | KeyCode::BackTab => {
                self.focus = Focus::Filter;
                Outcome::Handled
            }
            KeyCode::Char('x') => {
                self.show_excluded = true;
                self.excluded_at = 0;
                self.excluded_top.set(0);
                self.excluded = data
                    .checker
                    .as_ref()
                    .map_or_else(Vec::new, |c| c.excluded().collect());
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
                }
            }
        }
        self.refilter(data);
        Outcome::Handled
    }

    fn excluded_key(&mut self, key: KeyEvent, page: usize) -> Outcome {
        if let Some(at) = list_move(&key, self.excluded_at, self.excluded.len(), page) {
            self.excluded_at = at;
            return Outcome::Handled;
        }
        if matches!(key.code, KeyCode::Char('x') | KeyCode::Esc | KeyCode::Enter) {
            self.show_excluded = false;
            self.excluded = Vec::new();
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

    /// Brings the matches up to the filter's text (narrowing when it only grew) and keeps
    /// the highlight on a row.
    fn refilter(&mut self, data: &Data) {
        self.matches.set(&data.search, self.filter.value());
        self.highlight = self.highlight.min(self.matches().len().saturating_sub(1));
    }

    /// Space: a selected system can always be removed; an unselected one is added only when
    /// the engine says it is selectable.
    fn toggle(&mut self, data: &mut Data) -> Outcome {
        let (Some(i), Some(checker)) = (self.highlighted_index(), &data.checker) else {
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
        data.toggle(&id);
        Outcome::Handled
    }

    pub fn commands(&self) -> Vec<KeyHint> {
        if self.focus == Focus::Filter {
            return vec![
                hint("type", "filter"),
                hint("Enter/Tab", "to the table"),
                hint("Esc", "clear filter"),
            ];
        }
        if self.show_excluded {
            return vec![
                hint("x/Esc", "back to the candidates"),
                hint("↑↓/jk", "scroll"),
            ];
        }
        let mut out = vec![
            hint("Space", "select"),
            hint("Enter", "review"),
            hint("Esc", "back"),
            hint("/", "filter"),
            hint("x", "excluded"),
        ];
        out.extend(keys::list_moves());
        out.push(more("Tab/Shift-Tab", "focus the filter"));
        out.push(more("Esc", "clear the filter, or back to step 2"));
        out
    }

    pub fn render(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let [counters, table, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(8),
        ])
        .areas(area);
        frame.render_widget(
            self.counters_line(data, usize::from(counters.width)),
            counters,
        );
        if self.show_excluded {
            self.render_excluded(data, frame, table.union(detail));
            return;
        }
        self.render_table(data, frame, table);
        self.render_detail(data, frame, detail);
    }

    /// "SAP Task Center 1/1 ✓  SAP S/4HANA Cloud 2 (≥1) ✓" and the filter: the checker's
    /// counts, O(allowed types).
    fn counters_line(&self, data: &Data, width: usize) -> Line<'static> {
        let t = data.theme();
        let mut spans = Vec::new();
        if let Some(checker) = &data.checker {
            let ft = checker.ftype(data.catalog());
            for (a, count) in ft.system_types.iter().zip(checker.counts(data.catalog())) {
                let n = count.selected;
                let label = if a.system_type == crate::catalog::ANY_OTHER_TYPE {
                    "Other"
                } else {
                    a.system_type.as_str()
                };
                let (mark, style) = if count.within() {
                    (t.sym.ok, t.ok())
                } else {
                    (t.sym.bad, t.error())
                };
                spans.push(Span::styled(
                    format!("{label} {} {mark}", counter(n, a.min, a.max, t)),
                    style,
                ));
                spans.push(Span::raw("   "));
            }
        }
        let filter = self.filter.value();
        if self.focus == Focus::Filter || !filter.is_empty() {
            let cursor = if self.focus == Focus::Filter { "_" } else { "" };
            spans.push(Span::styled(
                format!("/{}{cursor}", t.fit(filter, 20)),
                t.key(),
            ));
        }
        let line = Line::from(spans);
        if line.width() > width {
            // Narrow terminal: keep the counts, drop the decoration.
            return Line::raw(t.fit(&line.to_string(), width));
        }
        line
    }

    /// The header and the rows that fit, from the window's first row: only those rows are
    /// formatted, whatever the number of candidates.
    fn render_table(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let width = usize::from(area.width);
        let widths = column_widths(width.saturating_sub(6));
        let mut lines = vec![Line::styled(
            format!(
                "      {}",
                columns(
                    &widths,
                    ["Name", "Type", "Status", "Groups", "Formations"],
                    t
                )
            ),
            t.title(),
        )];
        let rows = self.matches();
        let checker = match &data.checker {
            Some(c) if !rows.is_empty() => c,
            _ => {
                let why = if data.checker.as_ref().is_none_or(Checker::is_empty) {
                    "The landscape has no system of a type this formation takes. Press x to see why."
                } else {
                    "No system matches the filter. Esc clears it."
                };
                lines.push(Line::styled(why, t.dim()));
                frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
                return;
            }
        };
        let height = |r: usize| if checker.selectable(rows[r]) { 1 } else { 2 };
        let body = usize::from(area.height).saturating_sub(1);
        let start = window_keep(self.top.get(), rows.len(), self.highlight, body, height);
        self.top.set(start);
        for (r, &i) in rows.iter().enumerate().skip(start) {
            if lines.len() > body {
                break;
            }
            lines.extend(self.row(data, checker, i, r == self.highlight, &widths, width));
        }
        frame.render_widget(Paragraph::new(lines), area);
    }

    /// Candidate `i`'s line, and for one that cannot be selected, a second line with why.
    fn row(
        &self,
        data: &Data,
        checker: &Checker,
        i: usize,
        here: bool,
        widths: &[usize; 5],
        width: usize,
    ) -> Vec<Line<'static>> {
        ROWS_FORMATTED.with(|n| n.set(n.get() + 1));
        let t = data.theme();
        let pos = checker.position(i);
        let s = &data.landscape.systems[pos];
        let (selected, selectable) = (checker.is_selected(i), checker.selectable(i));
        let (status, groups, formations) = facts(data, pos);
        let marker = if selected {
            t.sym.selected
        } else if selectable {
            t.sym.unselected
        } else {
            t.sym.disabled
        };
        let pointer = if here { t.sym.pointer } else { " " };
        let text = format!(
            "{pointer} {marker} {}",
            columns(
                widths,
                [&s.name, &s.system_type, &status, &groups, &formations],
                t
            )
        );
        let mut style = match (selectable, selected) {
            (false, _) => t.disabled(),
            (true, true) => t.selected(),
            (true, false) => t.base(),
        };
        if here {
            style = style.patch(t.highlight());
        }
        let mut out = vec![Line::styled(t.fit(&text, width), style)];
        if !selectable {
            // Only a blocked row's reason is spelled out, and only when it shows.
            let c = checker.candidate(i, &data.landscape, data.catalog());
            let first = c
                .blockers
                .first()
                .map_or(c.reason.as_deref().unwrap_or(""), |b| b.message.as_str());
            out.push(Line::from(vec![
                Span::raw("      "),
                Span::styled(
                    t.fit(&format!("{} {first}", t.sym.bad), width.saturating_sub(6)),
                    t.reason(),
                ),
            ]));
        }
        out
    }

    fn render_detail(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let (Some(i), Some(checker)) = (self.highlighted_index(), &data.checker) else {
            return;
        };
        let c = checker.candidate(i, &data.landscape, data.catalog());
        let (status, groups, formations) = facts(data, checker.position(i));
        let mut lines = verdict_lines(&c, t);
        lines.push(Line::styled(
            crate::text::neutralise(&format!(
                "{} {} {} {status} {} groups: {groups} {} in: {formations}",
                c.system_type, t.sym.bullet, "status:", t.sym.bullet, t.sym.bullet
            ))
            .into_owned(),
            t.dim(),
        ));
        let title = format!(" {} ({}) ", c.name, c.id);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(t.sym.border)
            .border_style(t.border())
            .title(t.fit(&title, usize::from(area.width).saturating_sub(4)));
        frame.render_widget(
            Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
            area,
        );
    }

    /// The excluded systems in view, each with why (wrapped: the reason is what the user
    /// came for); only the items in the window are formatted.
    fn render_excluded(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let Some(checker) = &data.checker else {
            return;
        };
        let ft = checker.ftype(data.catalog());
        let width = usize::from(area.width).saturating_sub(2);
        let item = |k: usize| -> Vec<Line<'static>> {
            let s = &data.landscape.systems[self.excluded[k]];
            let pointer = if k == self.excluded_at {
                t.sym.pointer
            } else {
                " "
            };
            let name = format!("{pointer} {} {} ({})", t.sym.disabled, s.name, s.id);
            let mut lines = vec![Line::styled(t.fit(&name, width), t.disabled())];
            let why = rules::exclusion_reason(ft, s);
            let why = crate::text::neutralise(&why).into_owned();
            for row in crate::tui::view::wrap_words(&why, width.saturating_sub(6)) {
                lines.push(Line::from(vec![
                    Span::raw("      "),
                    Span::styled(row, t.reason()),
                ]));
            }
            lines
        };
        let rows = usize::from(area.height).saturating_sub(2);
        let len = self.excluded.len();
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
        if len == 0 {
            lines.push(Line::raw(
                "This type takes systems of every type in the landscape.",
            ));
        }
        let title = format!(" Systems this type does not take ({len}) ");
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(t.sym.border)
            .border_style(t.focused_border())
            .title(t.fit(&title, width.saturating_sub(2)));
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }
}

/// What the detail pane says about a candidate: selected, selectable, or every blocker
/// with the fix.
fn verdict_lines(c: &Candidate, t: &Theme) -> Vec<Line<'static>> {
    let clean = |s: &str| crate::text::neutralise(s).into_owned();
    let mut lines = Vec::new();
    match (c.selected, c.selectable) {
        (true, true) => lines.push(Line::styled(
            format!("{} Selected. Space removes it.", t.sym.ok),
            t.selected(),
        )),
        (false, true) => lines.push(Line::raw("Can be selected: Space adds it.")),
        (selected, false) => {
            let head = if selected {
                format!(
                    "{} Selected, but it breaks a rule (Space removes it):",
                    t.sym.bad
                )
            } else {
                format!("{} Cannot be selected:", t.sym.bad)
            };
            lines.push(Line::styled(head, t.error()));
            for b in &c.blockers {
                lines.push(Line::raw(clean(&b.message)));
            }
            if let Some(fix) = &c.fix {
                lines.push(Line::from(vec![
                    Span::styled("Fix: ", Style::default().patch(t.key())),
                    Span::raw(clean(fix)),
                ]));
            }
        }
    }
    lines
}

/// A system's status, scenario groups and formations, as shown.
fn facts(data: &Data, pos: usize) -> (String, String, String) {
    let s = &data.landscape.systems[pos];
    let status = if s.status_str().is_empty() {
        "no status".to_owned()
    } else {
        s.status_str().to_owned()
    };
    let groups = if s.scenario_groups.is_empty() {
        "none".to_owned()
    } else {
        s.scenario_groups.join(", ")
    };
    let formations: Vec<&str> = data
        .landscape
        .formations_of(pos)
        .map(|f| f.name.as_str())
        .collect();
    let formations = if formations.is_empty() {
        "none".to_owned()
    } else {
        formations.join(", ")
    };
    (status, groups, formations)
}

fn column_widths(total: usize) -> [usize; 5] {
    let gaps = 4;
    let w = total.saturating_sub(gaps);
    let name = w * 30 / 100;
    let ty = w * 25 / 100;
    let status = w * 16 / 100;
    let groups = w * 14 / 100;
    [name, ty, status, groups, w - name - ty - status - groups]
}

/// Landscape values cut and padded into columns, neutralised.
fn columns<S: AsRef<str>>(widths: &[usize; 5], values: [S; 5], t: &Theme) -> String {
    let mut out = String::new();
    for (i, (w, v)) in widths.iter().zip(values.iter()).enumerate() {
        let cell = t.fit(v.as_ref(), *w);
        let pad = w.saturating_sub(crate::text::width(&cell));
        out.push_str(&cell);
        if i + 1 < widths.len() {
            out.push_str(&" ".repeat(pad + 1));
        }
    }
    out
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
    fn columns_fit_the_width() {
        let t = Theme::new(true, true);
        let w = column_widths(74);
        let line = columns(
            &w,
            ["a very long system name indeed", "b", "c", "d", "e"],
            &t,
        );
        assert!(crate::text::width(&line) <= 74, "{line}");
    }
}
