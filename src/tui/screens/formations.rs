//! The Formations screen: every formation with its status, a filter, and the selected
//! formation's systems and their states beside the list. Its `key` is its part of
//! `update`: it changes only this screen's state and answers what the app should do next
//! (open a formation, start the wizard, go back); `view` only draws.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::time::Duration;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::catalog::Catalog;
use crate::landscape::Landscape;
use crate::text::neutralise;
use crate::tui::component::{Component, Cx, Look, Outcome};
use crate::tui::data::Data;
use crate::tui::filter::SearchIndex;
use crate::tui::keys::{Binding, bind, hint};
use crate::tui::theme::Theme;
use crate::tui::widgets::columns::{self, Column};
use crate::tui::widgets::list::{Act, List, Rows};

/// One formation as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub type_name: String,
    /// The type as the list's narrow column says it: the catalog's short name ("Task
    /// Center"), else `short_type` of the name.
    pub short_type: String,
    pub status: String,
    pub members: Vec<MemberRow>,
}

impl Row {
    /// The type as the list's narrow column says it: "Task Center" for "Integration with
    /// Customer-Managed SAP Task Center" (the detail pane says it in full).
    pub fn short_type(&self) -> &str {
        &self.short_type
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub state: String,
    pub error: Option<String>,
}

/// What this screen's keys do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    List(Act),
    /// Open the marked formation on the Formation screen.
    Open,
    /// Start the creation wizard.
    New,
    Back,
}

/// The widest values of the list's columns and whether names repeat, worked out once per
/// read of the landscape (not per draw).
#[derive(Debug, Clone, Default)]
struct Measures {
    name: usize,
    short_type: usize,
    status: usize,
    id: usize,
    count: usize,
    repeated: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Formations {
    /// Sorted by name (numbers by value: "Inbox 2" before "Inbox 10"), then id.
    rows: Vec<Row>,
    /// The filter and the cursor over `rows`.
    list: List,
    measures: Measures,
    /// Consecutive refreshes that changed nothing, for the poll's backoff.
    unchanged: u32,
}

/// The first poll after a second, doubling while nothing changes, at most every 30 s.
const POLL_FIRST: Duration = Duration::from_secs(1);
const POLL_MAX: Duration = Duration::from_secs(30);

impl Formations {
    pub fn new(landscape: &Landscape, catalog: &Catalog) -> Formations {
        let rows = rows(landscape, catalog);
        Formations {
            list: List::new(search_index(&rows)),
            measures: measure(&rows),
            rows,
            ..Formations::default()
        }
    }

    /// A fresh read of the landscape (a poll or after a change); keeps the cursor on the
    /// same formation where it still exists, and the filter.
    pub fn refresh(&mut self, landscape: &Landscape, catalog: &Catalog) {
        let current = self.selected().map(|r| r.id.clone());
        let fresh = rows(landscape, catalog);
        self.unchanged = if fresh == self.rows {
            self.unchanged.saturating_add(1)
        } else {
            0
        };
        let keep = current.and_then(|id| fresh.iter().position(|r| r.id == id));
        self.measures = measure(&fresh);
        self.list.reset(search_index(&fresh), keep);
        self.rows = fresh;
    }

    /// The rows the filter lets through, by position in `rows`, in order: every word of
    /// the filter begins a word of the name, type, status or id.
    pub fn visible(&self) -> &[usize] {
        self.list.matches()
    }

    /// The formation with this id, as last read.
    pub fn row(&self, id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.id == id)
    }

    /// The poll's delay after `unchanged` refreshes that changed nothing.
    pub fn backoff(&self) -> Duration {
        crate::ops::Policy {
            first: POLL_FIRST,
            max: POLL_MAX,
            ..crate::ops::Policy::default()
        }
        .nth_pause(self.unchanged)
    }

    /// The marked formation: the one the detail pane shows and Enter opens.
    pub fn selected(&self) -> Option<&Row> {
        self.list.selected().map(|i| &self.rows[i])
    }

    /// The marked row's position among the visible rows and the first row drawn last time.
    pub fn cursor(&self) -> (usize, usize) {
        (self.list.cursor(), self.list.top())
    }

    /// When to read the landscape again: only while a formation the screen shows is in
    /// progress, never otherwise; backing off while nothing changes.
    pub fn poll_after(&self) -> Option<Duration> {
        let busy = self
            .visible()
            .iter()
            .any(|&i| self.rows[i].status == "Synchronizing");
        busy.then(|| self.backoff())
    }

    fn view(&self, theme: &Theme, frame: &mut Frame, area: Rect) {
        let [top, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
        let total = self.rows.len();
        let title = if self.list.query().is_empty() && !self.list.typing() {
            format!("Formations ({total})")
        } else {
            format!(
                "Formations ({} of {total})  filter: {}{}",
                self.visible().len(),
                neutralise(self.list.query()),
                if self.list.typing() { "_" } else { "" }
            )
        };
        frame.render_widget(
            Paragraph::new(Span::styled(
                theme.fit(&title, usize::from(top.width)),
                theme.title(),
            )),
            top,
        );
        // The list gets the room it needs up to 60 % (names are what tell formations
        // apart); the detail pane the rest, never less than a third.
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
                .areas(body);
        self.draw_list(theme, frame, list);
        self.draw_detail(theme, frame, detail);
    }

    fn draw_list(&self, theme: &Theme, frame: &mut Frame, area: Rect) {
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_set(theme.sym.border)
            .border_style(theme.focused_border());
        if !self.visible().is_empty() {
            block = block.title_bottom(
                Line::styled(
                    format!(" {}/{} ", self.list.cursor() + 1, self.visible().len()),
                    theme.dim(),
                )
                .right_aligned(),
            );
        }
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let empty = if self.rows.is_empty() {
            "No formation yet: n creates one."
        } else {
            "No formation matches. Esc clears the filter."
        };
        self.list.draw(self, theme, frame, inner, true, empty);
    }

    fn draw_detail(&self, theme: &Theme, frame: &mut Frame, area: Rect) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(theme.sym.border)
            .border_style(theme.border());
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let Some(r) = self.selected() else {
            return;
        };
        let width = usize::from(inner.width);
        let room = usize::from(inner.height);
        let mut lines = Vec::new();
        // Two lines at most; a longer name keeps its end (the number that tells
        // "… Kyma 9985" from "… Kyma 9986"), cut in the middle of its second line.
        let wrapped = crate::tui::wrap::wrap_words(&neutralise(&r.name), width);
        match wrapped.as_slice() {
            [first, second, _, ..] => {
                let rest = neutralise(&r.name)
                    .trim_start()
                    .get(first.len()..)
                    .unwrap_or(second)
                    .trim_start()
                    .to_owned();
                lines.push(Line::styled(first.clone(), theme.title()));
                lines.push(Line::styled(
                    columns::fit(&rest, width, columns::Cut::Middle, theme.sym.ellipsis),
                    theme.title(),
                ));
            }
            rows => {
                for row in rows {
                    lines.push(Line::styled(row.clone(), theme.title()));
                }
            }
        }
        lines.push(Line::styled(theme.fit(&r.type_name, width), theme.dim()));
        lines.push(Line::styled(
            theme.fit(&format!("Id: {}", r.id), width),
            theme.dim(),
        ));
        lines.push(Line::from(vec![
            Span::raw("Status: "),
            Span::styled(
                theme.fit(&r.status, width.saturating_sub(8)),
                status_style(theme, &r.status),
            ),
        ]));
        lines.push(Line::raw(format!("Systems ({}):", r.members.len())));
        let cols = member_columns(&r.members);
        let widths = columns::widths(&cols, width.saturating_sub(2));
        for m in &r.members {
            if lines.len() >= room {
                break;
            }
            let label = if m.name.is_empty() { &m.id } else { &m.name };
            let cells = [
                (label.clone(), theme.base()),
                (m.state.clone(), state_style(theme, &m.state)),
            ];
            let mut spans = vec![Span::raw("  ")];
            spans.extend(columns::cells_spans(
                &cols,
                &widths,
                &cells,
                &[],
                theme.sym.ellipsis,
            ));
            lines.push(Line::from(spans));
            if let Some(e) = &m.error {
                lines.push(Line::styled(
                    format!("    {}", theme.fit(e, width.saturating_sub(4))),
                    theme.error(),
                ));
            }
        }
        if r.status == "Error" {
            lines.push(Line::styled(
                theme.fit("Open it (Enter) to resynchronize.", width),
                theme.warning(),
            ));
        }
        lines.truncate(room);
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

impl Component for Formations {
    type Action = Action;

    /// Its own keys, then the list's (Esc clears a filter before it goes back).
    fn bindings(&self, _data: &Data) -> Vec<Binding<Action>> {
        let list = self.list.bindings_as(Action::List);
        if self.list.typing() {
            return list;
        }
        let mut out = vec![
            bind(hint("Enter", "open"), &[KeyCode::Enter], Action::Open),
            bind(
                hint("n", "new formation"),
                &[KeyCode::Char('n')],
                Action::New,
            ),
        ];
        if !takes_esc(&list) {
            out.push(bind(hint("Esc", "back"), &[KeyCode::Esc], Action::Back));
        }
        out.extend(list);
        out
    }

    fn update(&mut self, action: Action, _cx: &mut Cx<'_>) -> Outcome {
        match action {
            Action::List(act) => {
                self.list.act(act, self.list.page());
                Outcome::Handled
            }
            Action::Open => self
                .selected()
                .map_or(Outcome::Handled, |r| Outcome::Open(r.id.clone())),
            Action::New => Outcome::NewFormation,
            Action::Back => Outcome::Back,
        }
    }

    fn input(&mut self, key: KeyEvent, _cx: &mut Cx<'_>) -> Outcome {
        self.list.input(key);
        Outcome::Handled
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) {
        self.list.paste(text);
    }

    fn typing(&self) -> bool {
        self.list.typing()
    }

    fn draw(&self, look: &Look<'_>, frame: &mut Frame, area: Rect) {
        self.view(look.data.theme(), frame, area);
    }
}

/// Whether a table already gives Esc a meaning (the list's "clear filter").
pub fn takes_esc<A>(table: &[Binding<A>]) -> bool {
    table
        .iter()
        .any(|b| b.keys.iter().any(|(code, _)| *code == KeyCode::Esc))
}

/// The list's columns: name, type, status, systems, and the id when names are cut or
/// repeated (then the id tells the rows apart).
impl Rows for Formations {
    fn columns(&self, avail: usize) -> Vec<Column> {
        let m = &self.measures;
        // The name first: up to 20 columns it stays whole before the count shows (the
        // count goes first when room is short: the detail pane says it). The type is
        // whole or not shown ("Data …" tells no type from another): its short names fit
        // in 12 columns. When names are cut or repeated the id tells rows apart, the name
        // keeping at least 14 columns (its start and its end); the type goes before the
        // id when room is shorter still (the detail pane says both).
        let columns = |name_min: usize| {
            vec![
                Column::new("Name", name_min, m.name)
                    .middle()
                    .whole()
                    .fill(),
                Column::new("Type", m.short_type, m.short_type).drop_order(2),
                Column::new("Status", 5, m.status).whole(),
                // As wide as its title: "Sy…" would say nothing.
                Column::new("Systems", 7, m.count).drop_order(3),
            ]
        };
        let cols = columns(m.name.clamp(10, 20));
        let cut = columns::widths(&cols, avail)[0] < m.name;
        if !(m.repeated || cut) {
            return cols;
        }
        let mut cols = columns(m.name.clamp(10, 14));
        cols.push(Column::new("Id", m.id.min(8), m.id).drop_order(1));
        cols
    }

    fn cells(&self, item: usize, theme: &Theme) -> Vec<(String, Style)> {
        let r = &self.rows[item];
        vec![
            (r.name.clone(), theme.base()),
            (r.short_type().to_owned(), theme.base()),
            (
                list_status(&r.status).to_owned(),
                status_style(theme, &r.status),
            ),
            (r.members.len().to_string(), theme.base()),
            (short_id(&r.id).into_owned(), theme.dim()),
        ]
    }
}

/// A member's label and state: the state whole, the label cut in the middle.
fn member_columns(members: &[MemberRow]) -> Vec<Column> {
    let label = members
        .iter()
        .map(|m| columns::width(if m.name.is_empty() { &m.id } else { &m.name }))
        .max()
        .unwrap_or(0);
    let state = members
        .iter()
        .map(|m| columns::width(&m.state))
        .max()
        .unwrap_or(0);
    vec![
        Column::new("", 6, label).middle().fill(),
        Column::new("", 5, state).whole(),
    ]
}

/// The status as the list's column says it: "Syncing" for "Synchronizing", so that it
/// stays whole at 80 columns beside the type and the id (the detail pane says it in full).
fn list_status(status: &str) -> &str {
    if status == "Synchronizing" {
        "Syncing"
    } else {
        status
    }
}

/// The distinctive words of a type's name, for a type the catalog has no short name for:
/// "Task Center" for "Integration with Customer-Managed SAP Task Center" (the common
/// lead-ins go), "Kyma" for "Side-by-Side Extensibility with Kyma" (what it is with),
/// "Data Ingestion" for "Data Ingestion for Industry Cloud Solutions" (what comes first).
pub fn short_type(name: &str) -> &str {
    let mut s = name;
    for lead in ["Integration with ", "Developing with "] {
        s = s.strip_prefix(lead).unwrap_or(s);
    }
    s = s.strip_prefix("Customer-Managed ").unwrap_or(s);
    s = s.strip_prefix("SAP ").unwrap_or(s);
    if let Some((_, with)) = s.rsplit_once(" with ") {
        s = with;
    }
    for link in [" for ", " Between "] {
        if let Some((first, _)) = s.split_once(link) {
            s = first;
        }
    }
    s
}

/// A UUID (the Director's ids) by its first eight characters, as git shortens hashes;
/// any other id whole (the column cuts it if it must).
pub fn short_id(id: &str) -> Cow<'_, str> {
    let uuid = id.len() == 36
        && id.chars().enumerate().all(|(k, c)| {
            matches!(k, 8 | 13 | 18 | 23) == (c == '-') && (c == '-' || c.is_ascii_hexdigit())
        });
    if uuid {
        Cow::Borrowed(&id[..8])
    } else {
        Cow::Borrowed(id)
    }
}

/// Names in the order people count: case and accents aside, runs of digits by their
/// value ("Inbox 2" before "Inbox 10").
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let fold = crate::tui::filter::fold;
    natural_cmp_folded(&fold(a), &fold(b))
}

/// `natural_cmp` of names already folded (`filter::fold`).
fn natural_cmp_folded(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let run = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                    let mut digits = String::new();
                    while let Some(&c) = it.peek().filter(|c| c.is_ascii_digit()) {
                        digits.push(c);
                        it.next();
                    }
                    digits.trim_start_matches('0').to_owned()
                };
                let (m, n) = (run(&mut x), run(&mut y));
                let by_value = m.len().cmp(&n.len()).then_with(|| m.cmp(&n));
                if by_value != Ordering::Equal {
                    return by_value;
                }
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(&d);
                }
                x.next();
                y.next();
            }
        }
    }
}

fn search_index(rows: &[Row]) -> SearchIndex {
    SearchIndex::new(rows.iter().map(|r| {
        [
            r.name.as_str(),
            r.short_type(),
            r.type_name.as_str(),
            r.status.as_str(),
            list_status(&r.status),
            r.id.as_str(),
        ]
    }))
}

fn measure(rows: &[Row]) -> Measures {
    let mut m = Measures::default();
    let mut names: Vec<String> = Vec::with_capacity(rows.len());
    for r in rows {
        m.name = m.name.max(columns::width(&r.name));
        m.short_type = m.short_type.max(columns::width(r.short_type()));
        m.status = m.status.max(columns::width(list_status(&r.status)));
        m.id = m.id.max(columns::width(&short_id(&r.id)));
        m.count = m.count.max(r.members.len().to_string().len());
        names.push(crate::tui::filter::fold(&r.name));
    }
    names.sort_unstable();
    m.repeated = names.windows(2).any(|w| w[0] == w[1]);
    m
}

fn status_style(theme: &Theme, status: &str) -> ratatui::style::Style {
    match status {
        "Ready" => theme.ok(),
        "Error" => theme.error(),
        _ => theme.warning(),
    }
}

fn state_style(theme: &Theme, state: &str) -> ratatui::style::Style {
    match state {
        "READY" => theme.ok(),
        s if s.ends_with("_ERROR") => theme.error(),
        _ => theme.warning(),
    }
}

fn rows(landscape: &Landscape, catalog: &Catalog) -> Vec<Row> {
    let mut rows: Vec<Row> = landscape
        .formations
        .iter()
        .map(|f| Row {
            id: f.id.clone(),
            name: f.name.clone(),
            type_name: catalog
                .by_id(&f.type_id)
                .map_or_else(|| f.type_name.clone(), |t| t.name.clone()),
            short_type: catalog
                .by_id(&f.type_id)
                .and_then(|t| t.short_name.clone())
                .unwrap_or_else(|| short_type(&f.type_name).to_owned()),
            status: f.display_status(),
            members: f
                .members()
                .into_iter()
                .map(|(id, a)| MemberRow {
                    name: landscape
                        .system(&id)
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                    id,
                    state: a.state,
                    error: a.error,
                })
                .collect(),
        })
        .collect();
    // Each name folded once, not once per comparison.
    let mut keyed: Vec<(String, Row)> = rows
        .drain(..)
        .map(|r| (crate::tui::filter::fold(&r.name), r))
        .collect();
    keyed.sort_by(|(a, r), (b, s)| natural_cmp_folded(a, b).then_with(|| r.id.cmp(&s.id)));
    keyed.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
#[path = "formations_tests.rs"]
mod tests;
