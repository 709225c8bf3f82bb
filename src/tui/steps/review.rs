//! Step 4: everything that will be created, what it enables where, the calls that will be
//! made, and the rule engine's verdict. Create is offered only when no rule is violated.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Outcome;
use crate::text::neutralise;
use crate::tui::app::Data;
use crate::tui::keys::{KeyHint, hint, more};

/// The actions at the bottom of the screen, in focus order.
pub const ACTIONS: [&str; 4] = ["Create", "1 Edit name", "2 Edit type", "3 Edit systems"];

pub struct ReviewStep {
    /// Index into `ACTIONS`.
    pub focus: usize,
    /// Lines scrolled in the summary (PageUp/PageDown).
    pub scroll: u16,
}

impl ReviewStep {
    pub fn new(data: &Data) -> ReviewStep {
        ReviewStep {
            // Where the user most likely goes next: create, or fix what is wrong.
            focus: if data.verdict.valid { 0 } else { 3 },
            scroll: 0,
        }
    }

    pub fn key(&mut self, key: KeyEvent, data: &Data) -> Outcome {
        let n = ACTIONS.len();
        match key.code {
            KeyCode::Tab | KeyCode::Right | KeyCode::Down | KeyCode::Char('j' | 'l') => {
                self.focus = (self.focus + 1) % n;
                Outcome::Handled
            }
            KeyCode::BackTab | KeyCode::Left | KeyCode::Up | KeyCode::Char('k' | 'h') => {
                self.focus = (self.focus + n - 1) % n;
                Outcome::Handled
            }
            KeyCode::PageDown => {
                self.scroll = self.scroll.saturating_add(5);
                Outcome::Handled
            }
            KeyCode::PageUp => {
                self.scroll = self.scroll.saturating_sub(5);
                Outcome::Handled
            }
            KeyCode::Home => {
                self.scroll = 0;
                Outcome::Handled
            }
            KeyCode::Char('1') => Outcome::Goto(1),
            KeyCode::Char('2') => Outcome::Goto(2),
            KeyCode::Char('3') => Outcome::Goto(3),
            KeyCode::Char('c') => create(data),
            KeyCode::Enter | KeyCode::Char(' ') => match self.focus {
                0 => create(data),
                i => Outcome::Goto(i),
            },
            KeyCode::Esc => Outcome::Back,
            _ => Outcome::Handled,
        }
    }

    pub fn commands(&self, data: &Data) -> Vec<KeyHint> {
        let mut out = Vec::new();
        if data.verdict.valid {
            out.push(hint("c", "create"));
        }
        out.extend([
            hint("Enter", "do"),
            hint("Tab", "next action"),
            hint("1/2/3", "edit a step"),
            hint("Esc", "back"),
            more("Shift-Tab/←→/jk", "move between the actions"),
            more("PgUp/PgDn/Home", "scroll the summary"),
        ]);
        out
    }

    pub fn render(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let [summary, actions] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(area);
        frame.render_widget(
            Paragraph::new(summary_lines(data, usize::from(summary.width)))
                .wrap(Wrap { trim: false })
                .scroll((self.scroll, 0)),
            summary,
        );
        let mut spans = Vec::new();
        for (i, label) in ACTIONS.iter().enumerate() {
            let disabled = i == 0 && !data.verdict.valid;
            let text = if disabled {
                format!("{} Create (fix first)", t.sym.disabled)
            } else {
                format!("[ {label} ]")
            };
            let mut style = if disabled { t.disabled() } else { t.base() };
            if i == self.focus {
                style = style.patch(t.highlight());
            }
            spans.push(Span::styled(text, style));
            spans.push(Span::raw(" "));
        }
        frame.render_widget(
            Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }),
            actions,
        );
    }
}

/// Create, or why not: the engine's verdict decides.
fn create(data: &Data) -> Outcome {
    if data.verdict.valid {
        Outcome::Create
    } else {
        Outcome::Flash(format!(
            "Create is not available: {} rule{} broken (listed above).",
            data.verdict.violations.len(),
            if data.verdict.violations.len() == 1 {
                " is"
            } else {
                "s are"
            }
        ))
    }
}

const LABEL: usize = 10;

/// `label` in a column of its own and `text` word-wrapped beside it, neutralised.
fn labelled(label: &str, text: &str, width: usize) -> Vec<Line<'static>> {
    let rows = crate::tui::view::wrap_words(&neutralise(text), width.saturating_sub(LABEL));
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let head = if i == 0 { label } else { "" };
            Line::raw(format!("{head:<LABEL$}{row}"))
        })
        .collect()
}

fn summary_lines(data: &Data, width: usize) -> Vec<Line<'static>> {
    let t = data.theme();
    let plan = &data.plan;
    let catalog = data.catalog();
    let mut lines = vec![Line::styled("Review the formation", t.title())];
    let name = if plan.name.is_empty() {
        "(none)".to_owned()
    } else {
        neutralise(&plan.name).into_owned()
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
    for (i, a) in data.verdict.auto_enabled.iter().enumerate() {
        let name = data
            .landscape
            .system(&a.system)
            .map_or(a.system.as_str(), |s| s.name.as_str());
        let head = if i == 0 { "Enables" } else { "" };
        let text = format!("{} on {name}", a.communication_scenarios.join(", "));
        lines.extend(labelled(head, &text, width));
    }
    for (i, call) in data
        .ctx
        .backend
        .planned_calls(plan, catalog)
        .iter()
        .enumerate()
    {
        let head = if i == 0 { "Calls" } else { "" };
        lines.extend(labelled(head, &format!("{}. {call}", i + 1), width));
    }
    lines.push(Line::raw(""));
    verdict_lines(data, &mut lines);
    lines
}

fn verdict_lines(data: &Data, lines: &mut Vec<Line<'static>>) {
    let t = data.theme();
    if data.verdict.valid {
        lines.push(Line::styled(
            format!(
                "{} Every rule is satisfied. Press c (or Enter on Create) to create it.",
                t.sym.ok
            ),
            t.ok(),
        ));
    } else {
        lines.push(Line::styled(
            format!("{} Not ready: fix these first.", t.sym.bad),
            t.error(),
        ));
    }
    for v in &data.verdict.violations {
        let fix = v
            .fix
            .as_deref()
            .map(|f| format!(" Fix: {f}"))
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", t.sym.bad), t.error()),
            Span::raw(neutralise(&format!("{}{fix}", v.message)).into_owned()),
        ]));
    }
    for w in &data.verdict.warnings {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", t.sym.warn), t.warning()),
            Span::raw(neutralise(&w.message).into_owned()),
        ]));
    }
}
