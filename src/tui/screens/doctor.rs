//! The Prerequisites screen: `formation-wizard doctor`'s checklist as the TUI's first
//! screen when a prerequisite blocks the formation type (and on `d` from the wizard's steps
//! that take no text): each check with ✓/✗ and its fix, so that a newcomer sees what to do
//! before choosing anything. Esc or Enter goes on to the wizard.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::doctor::{Check, Status};
use crate::text::neutralise;
use crate::tui::component::{Component, Cx, Look, Outcome};
use crate::tui::data::Data;
use crate::tui::keys::{Binding, bind, bind_each, hint, more};
use crate::tui::theme::Theme;

/// What this screen's keys do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// On to the wizard.
    Back,
    /// Scroll by this many lines (up when negative).
    Scroll(i32),
    Top,
}

#[derive(Debug, Clone)]
pub struct Checklist {
    type_name: String,
    checks: Vec<Check>,
    scroll: u16,
}

impl Checklist {
    pub fn new(type_name: &str, checks: Vec<Check>) -> Checklist {
        Checklist {
            type_name: type_name.to_owned(),
            checks,
            scroll: 0,
        }
    }

    pub fn blocked(&self) -> bool {
        !crate::doctor::ready(&self.checks)
    }

    /// The checklist wrapped to `width` columns, for the Name step's help (`?`): each
    /// prerequisite with its mark and fix, nothing about going on.
    pub fn help_lines(&self, t: &Theme, width: usize) -> Vec<Line<'static>> {
        let wrap = |text: &str, indent: usize| -> Vec<String> {
            crate::tui::wrap::wrap_words(&neutralise(text), width.saturating_sub(indent))
        };
        let mut lines: Vec<Line<'static>> = wrap(
            &format!(
                "Prerequisites for {} (d on steps 2–4 opens them):",
                self.type_name
            ),
            0,
        )
        .into_iter()
        .map(|l| Line::styled(l, t.title()))
        .collect();
        for c in &self.checks {
            let (mark, style) = match c.status {
                Status::Ok => (t.sym.ok, t.ok()),
                Status::Blocks => (t.sym.bad, t.error()),
                Status::Note => ("!", t.warning()),
            };
            for (i, row) in wrap(&c.title, 2).into_iter().enumerate() {
                let head = if i == 0 {
                    format!("{mark} ")
                } else {
                    "  ".into()
                };
                lines.push(Line::from(vec![Span::styled(head, style), Span::raw(row)]));
            }
            if let Some(fix) = &c.fix {
                for row in wrap(&format!("Fix: {fix}"), 2) {
                    lines.push(Line::raw(format!("  {row}")));
                }
            }
        }
        lines
    }

    fn lines(&self, t: &Theme) -> Vec<Line<'static>> {
        let clean = |s: &str| neutralise(s).into_owned();
        let mut lines = vec![Line::raw(clean(&format!(
            "What SAP's procedure needs for {}, checked on this landscape:",
            self.type_name
        )))];
        for c in &self.checks {
            let (mark, style) = match c.status {
                Status::Ok => (t.sym.ok, t.ok()),
                Status::Blocks => (t.sym.bad, t.error()),
                Status::Note => ("!", t.warning()),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::raw(clean(&c.title)),
            ]));
            if !c.detail.is_empty() {
                lines.push(Line::styled(format!("  {}", clean(&c.detail)), t.dim()));
            }
            if let Some(fix) = &c.fix {
                lines.push(Line::raw(format!("  Fix: {}", clean(fix))));
            }
        }
        lines.push(Line::raw(""));
        lines.push(Line::raw(if self.blocked() {
            "A formation of this type cannot be created until each ✗ is fixed. Enter goes on to the wizard anyway."
        } else {
            "Everything needed is there. Enter goes on to the wizard."
        }));
        lines
    }

    fn view(&self, t: &Theme, frame: &mut Frame, area: Rect) {
        frame.render_widget(
            Paragraph::new(self.lines(t))
                .wrap(Wrap { trim: false })
                .scroll((self.scroll, 0))
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(t.focused_border())
                        .title(" Prerequisites "),
                ),
            area,
        );
    }
}

impl Component for Checklist {
    type Action = Action;

    fn bindings(&self, _data: &Data) -> Vec<Binding<Action>> {
        vec![
            bind(
                hint("Enter/Esc", "on to the wizard"),
                &[KeyCode::Enter, KeyCode::Esc],
                Action::Back,
            ),
            bind_each(
                more("↑↓/jk PgUp/PgDn", "scroll"),
                vec![
                    (KeyCode::Down, Action::Scroll(1)),
                    (KeyCode::Char('j'), Action::Scroll(1)),
                    (KeyCode::Up, Action::Scroll(-1)),
                    (KeyCode::Char('k'), Action::Scroll(-1)),
                    (KeyCode::PageDown, Action::Scroll(10)),
                    (KeyCode::PageUp, Action::Scroll(-10)),
                ],
            ),
            bind(
                more("Home/g", "to the top"),
                &[KeyCode::Home, KeyCode::Char('g')],
                Action::Top,
            ),
        ]
    }

    fn update(&mut self, action: Action, _cx: &mut Cx<'_>) -> Outcome {
        match action {
            Action::Back => return Outcome::Back,
            Action::Scroll(by) => {
                let step = u16::try_from(by.unsigned_abs()).unwrap_or(u16::MAX);
                self.scroll = if by < 0 {
                    self.scroll.saturating_sub(step)
                } else {
                    self.scroll.saturating_add(step)
                };
            }
            Action::Top => self.scroll = 0,
        }
        Outcome::Handled
    }

    fn draw(&self, look: &Look<'_>, frame: &mut Frame, area: Rect) {
        self.view(look.data.theme(), frame, area);
    }
}
