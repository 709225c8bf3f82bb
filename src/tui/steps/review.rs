//! Step 4: the rule engine's verdict first, pinned at the top with every violation and its
//! fix; below it, scrolling, everything that will be created, where, what it enables and
//! the calls that will be made. Review opens with the focus on the verdict: creating takes
//! a deliberate `c` (or Tab to Create and Enter), and then a confirmation.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::text::neutralise;
use crate::tui::component::{Component, Cx, Look, Outcome};
use crate::tui::data::Data;
use crate::tui::keys::{Binding, bind, bind_each, hint, more};
use crate::tui::wrap::wrap_words;

/// The actions at the bottom of the screen, in focus order.
pub const ACTIONS: [&str; 4] = ["Create", "1 Edit name", "2 Edit type", "3 Edit systems"];

/// Lines a PageUp/PageDown scrolls the summary.
const PAGE: u16 = 5;

/// What this step's keys do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Focus the next (1) or previous (-1) action.
    Focus(i8),
    /// Scroll the summary by this many lines (up when negative).
    Scroll(i16),
    Top,
    Edit(usize),
    Create,
    /// Carry out the focused action.
    Enter,
    Back,
    Prerequisites,
}

pub struct ReviewStep {
    /// Index into `ACTIONS`; `None` while the focus is on the verdict (where Review opens).
    pub focus: Option<usize>,
    /// Lines scrolled in the summary (PageUp/PageDown).
    pub scroll: u16,
}

impl ReviewStep {
    pub fn new(_data: &Data) -> ReviewStep {
        ReviewStep {
            focus: None,
            scroll: 0,
        }
    }

    fn render(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let width = usize::from(area.width);
        let verdict = verdict_lines(data, width.saturating_sub(2));
        // The verdict keeps its lines before the summary gets any, leaving room for the
        // actions and at least a line of summary.
        let room = area.height.saturating_sub(2 + 1);
        let pinned = (u16::try_from(verdict.len()).unwrap_or(u16::MAX) + 2).min(room);
        let [top, summary, actions] = Layout::vertical([
            Constraint::Length(pinned),
            Constraint::Min(1),
            Constraint::Length(2),
        ])
        .areas(area);
        self.render_verdict(data, verdict, frame, top);
        self.render_summary(data, frame, summary);
        self.render_actions(data, frame, actions);
    }

    fn render_verdict(
        &self,
        data: &Data,
        lines: Vec<Line<'static>>,
        frame: &mut Frame,
        area: Rect,
    ) {
        let t = data.theme();
        let focused = self.focus.is_none();
        let border = if focused {
            t.focused_border()
        } else {
            t.border()
        };
        let title = if focused {
            format!(" {} Verdict ", t.sym.pointer)
        } else {
            " Verdict ".to_owned()
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(t.sym.border)
            .border_style(border)
            .title(title);
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }

    fn render_summary(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let lines = summary_lines(data, usize::from(area.width));
        let rows = usize::from(area.height);
        let max = lines.len().saturating_sub(rows);
        let from = usize::from(self.scroll).min(max);
        let below = lines.len() > from + rows;
        let take = if below { rows.saturating_sub(1) } else { rows };
        let mut shown: Vec<Line> = lines.into_iter().skip(from).take(take).collect();
        if below {
            let hidden = max - from + 1;
            shown.push(Line::styled(
                format!(
                    "{} {hidden} more line{} below: PgDn or {} scrolls",
                    t.sym.more_below,
                    crate::rules::plural(hidden),
                    t.sym.down_key
                ),
                t.warning(),
            ));
        }
        frame.render_widget(Paragraph::new(shown), area);
    }

    fn render_actions(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let mut spans = Vec::new();
        for (i, label) in ACTIONS.iter().enumerate() {
            let waiting = i == 0 && (data.cached.is_some() || data.partial.is_some());
            let disabled = i == 0 && !data.verdict.valid || waiting;
            let focused = self.focus == Some(i);
            let pointer = if focused { t.sym.pointer } else { " " };
            let text = if waiting && data.verdict.valid {
                // The verdict is on the cached landscape; the fresh one may differ.
                let wait = if data.partial.is_some() {
                    "waiting for every page"
                } else {
                    "waiting for the fresh read"
                };
                format!("{pointer}{} Create ({wait})", t.sym.disabled)
            } else if disabled {
                format!("{pointer}{} Create (fix first)", t.sym.disabled)
            } else {
                format!("{pointer}[ {label} ]")
            };
            let mut style = if disabled { t.disabled() } else { t.base() };
            if focused {
                style = style.patch(t.highlight());
            }
            spans.push(Span::styled(text, style));
            spans.push(Span::raw(" "));
        }
        let lines = crate::tui::wrap::wrap_spans(spans, usize::from(area.width));
        frame.render_widget(Paragraph::new(lines), area);
    }
}

impl Component for ReviewStep {
    type Action = Action;

    fn bindings(&self, data: &Data) -> Vec<Binding<Action>> {
        let mut out = Vec::new();
        if data.verdict.valid {
            out.push(bind(
                hint("c", "create"),
                &[KeyCode::Char('c')],
                Action::Create,
            ));
        }
        out.extend([
            bind_each(
                hint("Tab", "choose an action"),
                vec![
                    (KeyCode::Tab, Action::Focus(1)),
                    (KeyCode::Right, Action::Focus(1)),
                    (KeyCode::Char('l'), Action::Focus(1)),
                ],
            ),
            bind_each(
                hint("1/2/3", "edit a step"),
                vec![
                    (KeyCode::Char('1'), Action::Edit(1)),
                    (KeyCode::Char('2'), Action::Edit(2)),
                    (KeyCode::Char('3'), Action::Edit(3)),
                ],
            ),
            bind(hint("Esc", "back"), &[KeyCode::Esc], Action::Back),
            bind(
                more("Enter", "carry out the chosen action"),
                &[KeyCode::Enter, KeyCode::Char(' ')],
                Action::Enter,
            ),
            bind_each(
                more("Shift-Tab/←→", "move between the actions"),
                vec![
                    (KeyCode::BackTab, Action::Focus(-1)),
                    (KeyCode::Left, Action::Focus(-1)),
                    (KeyCode::Char('h'), Action::Focus(-1)),
                ],
            ),
            bind_each(
                more("↑↓/PgUp/PgDn/Home", "scroll the summary"),
                vec![
                    (KeyCode::Down, Action::Scroll(1)),
                    (KeyCode::Char('j'), Action::Scroll(1)),
                    (KeyCode::Up, Action::Scroll(-1)),
                    (KeyCode::Char('k'), Action::Scroll(-1)),
                    (KeyCode::PageDown, Action::Scroll(PAGE as i16)),
                    (KeyCode::PageUp, Action::Scroll(-(PAGE as i16))),
                    (KeyCode::Home, Action::Top),
                ],
            ),
        ]);
        if !data.verdict.valid {
            // Listed where it is refused, so that `c` is not a mystery.
            out.push(bind(
                more("c", "create (once every rule holds)"),
                &[KeyCode::Char('c')],
                Action::Create,
            ));
        }
        out.extend(super::prerequisites_key(data, Action::Prerequisites));
        out
    }

    fn update(&mut self, action: Action, cx: &mut Cx<'_>) -> Outcome {
        let n = ACTIONS.len();
        match action {
            Action::Focus(1) => self.focus = self.focus.map_or(Some(0), |f| Some((f + 1) % n)),
            Action::Focus(_) => {
                self.focus = self.focus.map_or(Some(n - 1), |f| Some((f + n - 1) % n));
            }
            Action::Scroll(by) if by < 0 => {
                self.scroll = self.scroll.saturating_sub(by.unsigned_abs())
            }
            Action::Scroll(by) => self.scroll = self.scroll.saturating_add(by.unsigned_abs()),
            Action::Top => self.scroll = 0,
            Action::Edit(step) => return Outcome::Goto(step),
            Action::Create => return create(cx.data),
            Action::Enter => {
                return match self.focus {
                    // On the verdict, Enter is not a way to create: it may be the tail of a
                    // burst of Enters that walked through the steps.
                    None => Outcome::Flash(if cx.data.verdict.valid {
                        "Press c to create, or Tab to choose an action.".into()
                    } else {
                        "Fix the rules above first: 1/2/3 edit a step.".into()
                    }),
                    Some(0) => create(cx.data),
                    Some(i) => Outcome::Goto(i),
                };
            }
            Action::Back => return Outcome::Back,
            Action::Prerequisites => return Outcome::Prerequisites,
        }
        Outcome::Handled
    }

    fn draw(&self, look: &Look<'_>, frame: &mut Frame, area: Rect) {
        self.render(look.data, frame, area);
    }
}

/// Create (after a confirmation), or why not: the engine's verdict decides.
fn create(data: &Data) -> Outcome {
    if let Some(wait) = crate::tui::data::still_cached(data) {
        return Outcome::Flash(wait);
    }
    if data.verdict.valid {
        Outcome::ConfirmCreate
    } else {
        let n = data.verdict.violations.len();
        Outcome::Flash(format!(
            "Create is not available: {n} rule{} broken (listed at the top).",
            if n == 1 { " is" } else { "s are" }
        ))
    }
}

const LABEL: usize = 10;

/// `label` in a column of its own and `text` word-wrapped beside it, neutralised.
fn labelled(label: &str, text: &str, width: usize) -> Vec<Line<'static>> {
    let rows = wrap_words(&neutralise(text), width.saturating_sub(LABEL));
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let head = if i == 0 { label } else { "" };
            Line::raw(format!("{head:<LABEL$}{row}"))
        })
        .collect()
}

/// `marker` then `text` wrapped to `width`, continuation lines indented under the text;
/// each line of `text` (a server's message keeps its line breaks) starts a new row.
fn marked(marker: Span<'static>, text: &str, width: usize) -> Vec<Line<'static>> {
    let indent = marker.width() + 1;
    let rows: Vec<String> = crate::text::neutralise_lines(text)
        .split('\n')
        .flat_map(|line| wrap_words(line, width.saturating_sub(indent)))
        .collect();
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let head = if i == 0 {
                Span::styled(format!("{} ", marker.content), marker.style)
            } else {
                Span::raw(" ".repeat(indent))
            };
            Line::from(vec![head, Span::raw(row)])
        })
        .collect()
}

fn summary_lines(data: &Data, width: usize) -> Vec<Line<'static>> {
    let plan = &data.plan;
    let catalog = data.catalog();
    let mut lines = Vec::new();
    let name = if plan.name.is_empty() {
        "(none)".to_owned()
    } else {
        plan.name.clone()
    };
    lines.extend(labelled("Name", &name, width));
    let ty = catalog
        .by_id(&plan.type_id)
        .map_or("(none)".to_owned(), |f| f.name.clone());
    lines.extend(labelled("Type", &ty, width));
    if plan.systems.is_empty() {
        lines.extend(labelled("Systems", "(none)", width));
    }
    for (i, id) in plan.systems.iter().enumerate() {
        let (name, ty) = data.landscape.system(id).map_or((id.as_str(), ""), |s| {
            (s.name.as_str(), s.system_type.as_str())
        });
        let head = if i == 0 { "Systems" } else { "" };
        lines.extend(labelled(head, &format!("{name} ({id}), {ty}"), width));
    }
    lines.extend(labelled(
        "Where",
        crate::tui::target::sentence(data).trim_start_matches("in "),
        width,
    ));
    for (i, a) in data.verdict.auto_enabled.iter().enumerate() {
        let name = data
            .landscape
            .system(&a.system)
            .map_or(a.system.as_str(), |s| s.name.as_str());
        let head = if i == 0 { "Enables" } else { "" };
        let text = format!("{} on {name}", a.communication_scenarios.join(", "));
        lines.extend(labelled(head, &text, width));
    }
    let type_name = catalog
        .by_id(&plan.type_id)
        .map_or(plan.type_id.as_str(), |t| t.name.as_str());
    for (i, call) in crate::ops::create::planned_calls(plan, type_name, false)
        .iter()
        .enumerate()
    {
        let head = if i == 0 { "Calls" } else { "" };
        lines.extend(labelled(head, &format!("{}. {call}", i + 1), width));
    }
    lines
}

/// The verdict, then every violation with its fix, then the warnings: all wrapped.
pub fn verdict_lines(data: &Data, width: usize) -> Vec<Line<'static>> {
    let t = data.theme();
    let mut lines = Vec::new();
    let all = data.director_decides();
    // Those the Director refused already are in the violations.
    let decides: Vec<_> = all
        .iter()
        .filter(|(s, _)| data.refused(&s.id).is_none())
        .collect();
    if data.verdict.valid && !decides.is_empty() {
        lines.extend(marked(
            Span::styled(t.sym.ok, t.ok()),
            "Ready: every rule is satisfied as far as these credentials can read. Press c to create it.",
            width,
        ));
    } else if data.verdict.valid {
        lines.extend(marked(
            Span::styled(t.sym.ok, t.ok()),
            "Ready: every rule is satisfied. Press c to create it.",
            width,
        ));
    } else {
        let n = data.verdict.violations.len();
        lines.extend(marked(
            Span::styled(t.sym.bad, t.error()),
            &format!(
                "Not ready: {n} rule{} broken. Fix {} first.",
                if n == 1 { " is" } else { "s are" },
                if n == 1 { "it" } else { "them" }
            ),
            width,
        ));
    }
    for v in &data.verdict.violations {
        lines.extend(marked(
            Span::styled(t.sym.bad, t.error()),
            &v.message,
            width,
        ));
        if let Some(fix) = &v.fix {
            lines.extend(marked(Span::raw(" "), &format!("Fix: {fix}"), width));
        }
    }
    if !decides.is_empty() {
        let names: Vec<String> = decides
            .iter()
            .map(|(s, _)| format!("{} ({})", s.name, s.id))
            .collect();
        let (them, their) = if names.len() == 1 {
            ("it is", "its registration token")
        } else {
            ("they are", "their registration tokens")
        };
        lines.extend(marked(
            Span::styled(t.sym.maybe, t.warning()),
            &format!(
                "The Director checks the registration of {} when {them} assigned: these credentials cannot read {their} (the scope application.auths:read can).",
                crate::rules::join_or(&names, "and"),
            ),
            width,
        ));
    }
    // Said once above for every system the Director checks.
    let said: Vec<&crate::rules::Finding> = all.iter().map(|(_, f)| f).collect();
    for w in data.verdict.warnings.iter().filter(|w| !said.contains(w)) {
        lines.extend(marked(
            Span::styled(t.sym.warn, t.warning()),
            &w.message,
            width,
        ));
    }
    lines
}
