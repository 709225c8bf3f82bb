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
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::rules::{self, Candidate, Checker, RuleKind};
use crate::tui::candidates::COLUMNS;
use crate::tui::component::{Component, Cx, Look, Outcome};
use crate::tui::data::{Adding, Data};
use crate::tui::filter::SearchIndex;
use crate::tui::keys::{Binding, bind, bind_each, hint, more, note};
use crate::tui::theme::Theme;
use crate::tui::widgets::columns::Column;
use crate::tui::widgets::list::{Act, List, Move, Rows, browse};
use crate::tui::wrap::wrap_words;

/// What this step's keys do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// What the list widget does: move, open, keep or clear the filter.
    List(Act),
    Toggle,
    /// Hide (or show again) what cannot be chosen.
    Hide,
    /// Scroll the detail pane down (1) or up (-1).
    Detail(i8),
    /// The systems the type does not take, or back from them.
    Excluded,
    Next,
    Back,
    /// The Register panel on the highlighted system.
    Register,
    /// The Register panel for a new system of a needed type.
    RegisterNew,
    Prerequisites,
}

pub struct SystemsStep {
    /// The candidates in display order (items are display positions, see `Data::table`):
    /// the cursor, the filter, the rows `h` hides, the window.
    list: List,
    /// Showing the systems the type excludes instead of the candidates.
    pub show_excluded: bool,
    /// Hiding the candidates that cannot be chosen (and are not selected).
    pub hide_unselectable: bool,
    /// Lines the detail pane is scrolled down; back to 0 when the highlight moves.
    pub detail_scroll: usize,
    /// The systems the type does not take (landscape positions) in a list of their own,
    /// built the first time they are asked for; its filter follows the candidates'.
    excluded: Option<(Vec<usize>, List)>,
    /// How far the detail pane could scroll at the last draw (a render cache).
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
            list: List::new(data.search.clone()),
            show_excluded: false,
            hide_unselectable: false,
            detail_scroll: 0,
            excluded: None,
            detail_room: Cell::new(0),
            adding: data.adding.is_some(),
        }
    }

    /// The highlighted row's place among the rows shown.
    pub fn highlight(&self) -> usize {
        self.list.cursor()
    }

    /// The rows (display positions) that match the filter, in display order.
    pub fn matches(&self) -> &[usize] {
        self.list.filtered()
    }

    /// The rows in the table: the matches, less those hidden by `h`.
    fn shown_rows(&self) -> &[usize] {
        self.list.matches()
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
        self.excluded.as_ref().map_or(0, |(_, l)| l.len())
    }

    /// The checker's index of the highlighted candidate.
    fn highlighted_index(&self, data: &Data) -> Option<usize> {
        let d = self.list.selected()?;
        data.table.order.get(d).copied()
    }

    pub fn highlighted(&self, data: &Data) -> Option<Candidate> {
        let i = self.highlighted_index(data)?;
        let checker = data.checker.as_ref()?;
        Some(checker.candidate(i, &data.landscape, data.catalog()))
    }

    /// After the filter changed: the excluded systems follow it (built once they were
    /// asked for, or when no candidate matches, to say whether an excluded one does), and
    /// `h` hides again among the new matches.
    fn refilter(&mut self, data: &Data) {
        let query = self.list.query().to_owned();
        if self.matches().is_empty() && !query.trim().is_empty() {
            self.ensure_excluded(data);
        }
        if let Some((_, excluded)) = &mut self.excluded {
            excluded.set_filter(&query);
        }
        self.rechoose(data);
    }

    /// The table was built again (a system was read again, or added): the filter applies
    /// to the new rows, and the cursor goes to the system `on` when it is shown (else it
    /// stays at its place in the list). O(rows).
    pub fn relaid(&mut self, data: &Data, on: Option<&str>) {
        let display = on.and_then(|id| {
            let i = data
                .checker
                .as_ref()?
                .index_of(data.landscape.position(id)?)?;
            data.table.order.iter().position(|&o| o == i)
        });
        let before = self.list.cursor();
        self.list.reset(data.search.clone(), display);
        self.excluded = None;
        if self.show_excluded {
            self.ensure_excluded(data);
        }
        self.refilter(data);
        if let Some(d) = display {
            self.list.select(d);
        }
        if self.list.cursor() != before {
            self.detail_scroll = 0;
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
        let mut list = List::new(index);
        list.set_filter(self.list.query());
        self.excluded = Some((positions, list));
    }

    fn set_hide(&mut self, hide: bool, data: &Data) {
        self.hide_unselectable = hide;
        self.rechoose(data);
    }

    /// Which matches can be chosen (O(matches), only while hiding): after the filter or
    /// the selection changed. The cursor stays on its system, or the next one shown.
    fn rechoose(&mut self, data: &Data) {
        match (&data.checker, self.hide_unselectable) {
            (Some(c), true) => {
                let order = &data.table.order;
                let keep = |d: usize| {
                    let i = order[d];
                    c.selectable(i) || c.is_selected(i)
                };
                self.list.keep_only(Some(&keep));
            }
            _ => self.list.keep_only(None),
        }
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
            self.rechoose(data);
        }
        Outcome::Handled
    }

    fn render(&self, data: &Data, frame: &mut Frame, area: Rect) {
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
            if !self.list.words().is_empty() {
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
        let filter = self.list.query();
        if self.list.typing() || !filter.is_empty() {
            let cursor = if self.list.typing() { "_" } else { "" };
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
    /// the window's first row (the list widget's drawing): only those rows are formatted,
    /// whatever the number of candidates.
    fn render_table(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let Some(checker) = &data.checker else {
            let lines: Vec<Line> = wrap_words(&self.empty_message(data), usize::from(area.width))
                .into_iter()
                .map(|l| Line::styled(l, data.theme().dim()))
                .collect();
            frame.render_widget(Paragraph::new(lines), area);
            return;
        };
        let table = Table { data, checker };
        self.list.draw(
            &table,
            data.theme(),
            frame,
            area,
            true,
            &self.empty_message(data),
        );
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
        if excluded > 0 && !self.list.words().is_empty() {
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
        let (Some(checker), Some((positions, list))) = (&data.checker, &self.excluded) else {
            return;
        };
        let total = positions.len();
        let title = if list.words().is_empty() {
            format!(" Systems this type does not take ({total}) ")
        } else {
            format!(
                " Systems this type does not take: {} of {total} match the filter ",
                list.len()
            )
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(t.sym.border)
            .border_style(t.focused_border())
            .title(t.fit(&title, usize::from(area.width).saturating_sub(4)));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let rows = Excluded {
            data,
            positions,
            ftype: checker.ftype(data.catalog()),
        };
        let empty = if total == 0 {
            "This type takes systems of every type in the landscape."
        } else {
            "No excluded system matches the filter."
        };
        list.draw(&rows, t, frame, inner, false, empty);
    }
}

/// The candidates as the list widget draws them: a marker column, then name, id, status,
/// groups and formations, under a header per system type; a row that cannot be chosen
/// (or that the backend refused) has a second line with its first reason.
struct Table<'a> {
    data: &'a Data,
    checker: &'a Checker,
}

impl Table<'_> {
    fn index(&self, item: usize) -> usize {
        self.data.table.order[item]
    }
}

impl Rows for Table<'_> {
    fn columns(&self, avail: usize) -> Vec<Column> {
        table_columns(
            &self.data.table.natural,
            self.data.table.status_words,
            avail,
        )
    }

    fn cells(&self, item: usize, theme: &Theme) -> Vec<(String, Style)> {
        ROWS_FORMATTED.with(|n| n.set(n.get() + 1));
        let (data, checker, t) = (self.data, self.checker, theme);
        let i = self.index(item);
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
        let style = match (selectable, selected) {
            (false, _) => t.disabled(),
            (true, true) => t.selected(),
            (true, false) => t.base(),
        };
        let mut cells = vec![(marker.to_owned(), style)];
        cells.extend(data.cells(pos).into_iter().map(|v| (v, style)));
        cells
    }

    fn extra(&self, item: usize, width: usize, theme: &Theme) -> Vec<Line<'static>> {
        let (data, checker, t) = (self.data, self.checker, theme);
        let i = self.index(item);
        if !reason_line(data, checker, i) {
            return Vec::new();
        }
        let c = checker.candidate(i, &data.landscape, data.catalog());
        let refused = data.refused(&c.id);
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
        // Under the name, past the marker column.
        let text = format!("{} {first}", t.sym.bad);
        let text = t.fit(&text, width.saturating_sub(4 + crate::text::width(&more)));
        vec![Line::from(vec![
            Span::raw("    "),
            Span::styled(format!("{text}{more}"), t.reason()),
        ])]
    }

    fn extra_height(&self, item: usize, _width: usize, _theme: &Theme) -> usize {
        usize::from(reason_line(self.data, self.checker, self.index(item)))
    }

    fn has_extra(&self) -> bool {
        true
    }

    fn group(&self, item: usize) -> Option<usize> {
        Some(self.checker.bucket(self.index(item)))
    }

    fn header(&self, group: usize, width: usize, _theme: &Theme) -> Line<'static> {
        group_header(self.data, self.checker, group, width)
    }
}

/// The Systems table's columns after the marker: the name and the id tell systems apart,
/// so they are whole (up to a point) before the last columns get any room; the status
/// keeps its words whole (`Table::status_words`: "CONNECTED", never "CONNECT…") while any
/// column after it shows. The formations go first, then the groups, then the status.
///
/// A longer status phrase ("Error while Registering") is whole only when every column
/// can be: otherwise its words' width is all it asks for, and the room goes to the groups
/// and the formations.
fn table_columns(natural: &[usize; 5], status_words: usize, avail: usize) -> Vec<Column> {
    let n = natural;
    let everything = 3 + n.iter().sum::<usize>() + n.len();
    let status = if everything <= avail {
        n[2]
    } else {
        n[2].min(status_words.max(6))
    };
    vec![
        Column::new("", 3, 3).whole(),
        Column::new(COLUMNS[0], n[0].clamp(12, 25), n[0])
            .middle()
            .whole(),
        Column::new(COLUMNS[1], n[1].clamp(6, 16), n[1]).whole(),
        Column::new(COLUMNS[2], status_words.max(6), status).drop_order(1),
        Column::new(COLUMNS[3], 6, n[3]).drop_order(2),
        Column::new(COLUMNS[4], 8, n[4]).drop_order(3).fill(),
    ]
}

/// The systems the type does not take, as the list widget draws them: each with its type
/// and, wrapped under it, why.
struct Excluded<'a> {
    data: &'a Data,
    positions: &'a [usize],
    ftype: &'a crate::catalog::FormationType,
}

impl Rows for Excluded<'_> {
    fn columns(&self, avail: usize) -> Vec<Column> {
        vec![Column::new("", 1, avail).fill()]
    }

    fn cells(&self, item: usize, theme: &Theme) -> Vec<(String, Style)> {
        let s = &self.data.landscape.systems[self.positions[item]];
        vec![(
            format!(
                "{} {} ({}) {}",
                theme.sym.disabled, s.name, s.id, s.system_type
            ),
            theme.disabled(),
        )]
    }

    fn extra(&self, item: usize, width: usize, theme: &Theme) -> Vec<Line<'static>> {
        let s = &self.data.landscape.systems[self.positions[item]];
        let why = rules::exclusion_reason(self.ftype, s);
        let why = crate::text::neutralise(&why).into_owned();
        wrap_words(&why, width.saturating_sub(4))
            .into_iter()
            .map(|row| Line::from(vec![Span::raw("    "), Span::styled(row, theme.reason())]))
            .collect()
    }

    fn has_extra(&self) -> bool {
        true
    }
}

impl SystemsStep {
    /// The highlighted system, if the Register panel can fix what keeps it out: refused for
    /// its scenario group or its registration (by the rules, or by the backend at the last
    /// create), or its registration is for the Director to decide.
    pub fn registrable(&self, data: &Data) -> Option<Candidate> {
        if self.typing() || self.show_excluded {
            return None;
        }
        let c = self.highlighted(data)?;
        let fixable = |f: &rules::Finding| {
            matches!(
                f.rule,
                RuleKind::ScenarioGroup | RuleKind::RegistrationStatus
            )
        };
        let refused = data.refused(&c.id).is_some_and(fixable);
        let blocked = !c.selectable && c.blockers.iter().any(fixable);
        (blocked || refused || c.director_decides.is_some()).then_some(c)
    }

    fn excluded_bindings(&self) -> Vec<Binding<Action>> {
        let mut out = vec![bind(
            hint("x/Esc", "back to the candidates"),
            &[KeyCode::Char('x'), KeyCode::Esc, KeyCode::Enter],
            Action::Excluded,
        )];
        out.extend(browse(|m| Action::List(Act::Move(m))));
        out.push(bind(
            hint("a", "add a system"),
            &[KeyCode::Char('a')],
            Action::RegisterNew,
        ));
        out
    }

    /// After the list took an action or a key: the filter's followers when it changed,
    /// the detail pane back to its top when the cursor moved.
    fn after_list(&mut self, data: &Data, query: &str, at: usize) {
        if self.list.query() != query {
            self.refilter(data);
        }
        if self.list.cursor() != at {
            self.detail_scroll = 0;
        }
    }
}

impl Component for SystemsStep {
    type Action = Action;

    fn bindings(&self, data: &Data) -> Vec<Binding<Action>> {
        let list = self.list.bindings_as(Action::List);
        if self.list.typing() {
            return list;
        }
        if self.show_excluded {
            return self.excluded_bindings();
        }
        let mut out = Vec::new();
        if self.registrable(data).is_some() {
            out.push(bind(
                hint("r", "register"),
                &[KeyCode::Char('r')],
                Action::Register,
            ));
        }
        out.push(bind(
            hint("Space", "select"),
            &[KeyCode::Char(' ')],
            Action::Toggle,
        ));
        out.push(bind(
            if self.adding {
                hint("Enter", "add chosen")
            } else {
                hint("Enter", "review")
            },
            &[KeyCode::Enter],
            Action::Next,
        ));
        let (esc, rest): (Vec<_>, Vec<_>) = list.into_iter().partition(|b| {
            b.keys
                .iter()
                .any(|(code, _)| *code == KeyCode::Esc || *code == KeyCode::Char('/'))
        });
        // The filter (and Esc clearing it) before the step's own keys, as before.
        out.extend(esc);
        // Short, so that the bar keeps them at 80 columns; the counts line says what.
        out.push(bind(
            if self.hide_unselectable {
                hint("h", "show")
            } else {
                hint("h", "hide")
            },
            &[KeyCode::Char('h')],
            Action::Hide,
        ));
        out.push(bind_each(
            hint("J/K", "detail"),
            vec![
                (KeyCode::Char('J'), Action::Detail(1)),
                (KeyCode::Char('K'), Action::Detail(-1)),
            ],
        ));
        out.push(bind(
            hint("x", "excluded"),
            &[KeyCode::Char('x')],
            Action::Excluded,
        ));
        if self.list.query().is_empty() {
            out.push(bind(hint("Esc", "back"), &[KeyCode::Esc], Action::Back));
        }
        out.extend(rest);
        // Not asked here which type is needed: that looks at every candidate, and the
        // table is built for every key and every frame.
        out.push(bind(
            more("a", "register a new system of a needed type"),
            &[KeyCode::Char('a')],
            Action::RegisterNew,
        ));
        out.push(bind(
            more("Tab/Shift-Tab", "focus the filter"),
            &[KeyCode::Tab, KeyCode::BackTab],
            Action::List(Act::Filter),
        ));
        out.push(note(if self.adding {
            more("Esc", "clear the filter, or back to the formation")
        } else {
            more("Esc", "clear the filter, or back to step 2")
        }));
        out.extend(super::prerequisites_key(data, Action::Prerequisites));
        out
    }

    fn update(&mut self, action: Action, cx: &mut Cx<'_>) -> Outcome {
        let data = &mut *cx.data;
        match action {
            Action::List(act) if self.show_excluded => {
                if let Some((_, list)) = &mut self.excluded {
                    list.act(act, list.page());
                }
            }
            Action::List(act) => {
                let (query, at) = (self.list.query().to_owned(), self.list.cursor());
                self.list.act(act, self.list.page());
                self.after_list(data, &query, at);
            }
            Action::Toggle => return self.toggle(data),
            Action::Hide => self.set_hide(!self.hide_unselectable, data),
            Action::Detail(1) => {
                self.detail_scroll = (self.detail_scroll + 1).min(self.detail_room.get());
            }
            Action::Detail(_) => self.detail_scroll = self.detail_scroll.saturating_sub(1),
            Action::Excluded if self.show_excluded => self.show_excluded = false,
            Action::Excluded => {
                self.ensure_excluded(data);
                self.show_excluded = true;
                if let Some((_, list)) = &mut self.excluded {
                    list.act(Act::Move(Move::First), 1);
                }
            }
            Action::Next => return Outcome::Next,
            Action::Back => return Outcome::Back,
            Action::Register => return Outcome::Register,
            Action::RegisterNew => return Outcome::RegisterNew,
            Action::Prerequisites => return Outcome::Prerequisites,
        }
        Outcome::Handled
    }

    fn input(&mut self, key: KeyEvent, cx: &mut Cx<'_>) -> Outcome {
        let (query, at) = (self.list.query().to_owned(), self.list.cursor());
        self.list.input(key);
        self.after_list(cx.data, &query, at);
        Outcome::Handled
    }

    fn paste(&mut self, text: &str, cx: &mut Cx<'_>) {
        let (query, at) = (self.list.query().to_owned(), self.list.cursor());
        self.list.paste(text);
        self.after_list(cx.data, &query, at);
    }

    fn typing(&self) -> bool {
        self.list.typing()
    }

    fn draw(&self, look: &Look<'_>, frame: &mut Frame, area: Rect) {
        self.render(look.data, frame, area);
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
    fn a_status_word_is_whole_while_groups_or_formations_show() {
        use crate::tui::widgets::columns::widths;
        // The sandbox's demo (CONNECTED, "hidden"), long names, a Director's widest
        // condition (CREATE_SUCCEEDED), a landscape file's phrase ("Error while ...").
        for (natural, words) in [
            ([25, 10, 9, 6, 20], 9),
            ([25, 10, 9, 27, 30], 9),
            ([35, 10, 9, 27, 30], 9),
            ([25, 10, 16, 27, 30], 16),
            ([25, 10, 23, 27, 30], 13),
        ] {
            // 60 to 200 columns: the table is 4 narrower (margins and the pointer).
            for avail in 56..=196 {
                let w = widths(&table_columns(&natural, words, avail), avail);
                let shown: Vec<usize> = w.iter().copied().filter(|&x| x > 0).collect();
                let used = shown.iter().sum::<usize>() + shown.len() - 1;
                assert_eq!(used, avail, "{natural:?} at {avail}: {w:?}");
                assert!(w[1] >= 12 && w[2] >= 6, "name and id show: {w:?}");
                if w[4] > 0 || w[5] > 0 {
                    assert!(w[3] >= words, "{natural:?} at {avail}: {w:?}");
                }
            }
            // At 80 columns the status shows, its words whole.
            let w = widths(&table_columns(&natural, words, 76), 76);
            assert!(w[3] >= words, "{natural:?} at 80 columns: {w:?}");
            // At 200, nothing is cut.
            let w = widths(&table_columns(&natural, words, 196), 196);
            assert_eq!(w[1..5], natural[..4], "{natural:?} at 200 columns: {w:?}");
        }
    }
}
