//! The Formation screen: one formation's systems with their states and errors, and what
//! can be done to it: remove a system, resynchronize, finalize a draft, delete. Whatever
//! changes something is confirmed first, naming the formation and where it lives; `key`
//! answers the action for the app to run (the app owns the backend), `view` only draws.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::formations::Row;
use crate::text::neutralise;
use crate::tui::keys::{KeyHint, hint, more};
use crate::tui::theme::Theme;

/// What the app runs after a key on this screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    /// Push the Systems step (the wizard's, with its checker) to add systems.
    AddSystems,
    /// Assign these systems (confirmed).
    Add(Vec<String>),
    Remove(String),
    Resync,
    Finalize,
    Delete,
    Back,
}

/// A system chosen on the Systems step to join the formation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addition {
    pub id: String,
    pub name: String,
}

/// A change waiting for a yes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    Add(Vec<Addition>),
    Remove(String),
    Resync,
    Finalize,
    Delete,
}

#[derive(Debug, Clone)]
pub struct Formation {
    row: Row,
    /// Where it lives, for the confirmation ("file: …", "Director … tenant …").
    target: String,
    cursor: usize,
    pending: Option<Pending>,
}

impl Formation {
    pub fn new(row: Row, target: String) -> Formation {
        Formation {
            row,
            target,
            cursor: 0,
            pending: None,
        }
    }

    pub fn id(&self) -> &str {
        &self.row.id
    }

    /// The formation as read again (after a change or a poll).
    pub fn refresh(&mut self, row: Row) {
        self.cursor = self.cursor.min(row.members.len().saturating_sub(1));
        self.row = row;
    }

    pub fn name(&self) -> &str {
        &self.row.name
    }

    /// Whether the server is still working on it (a member on its way to READY).
    pub fn in_progress(&self) -> bool {
        self.row.status == "Synchronizing"
    }

    /// The system a pending removal would take out, while its question is open.
    pub fn pending_removal(&self) -> Option<&str> {
        match &self.pending {
            Some(Pending::Remove(id)) => Some(id),
            _ => None,
        }
    }

    /// Back from the Systems step with systems to add: asks before anything is sent.
    pub fn ask_to_add(&mut self, additions: Vec<Addition>) {
        if !additions.is_empty() {
            self.pending = Some(Pending::Add(additions));
        }
    }

    pub fn confirming(&self) -> bool {
        self.pending.is_some()
    }

    /// The confirmation's question, naming what changes and where.
    pub fn question(&self) -> Option<String> {
        let name = neutralise(&self.row.name);
        let target = neutralise(&self.target);
        self.pending.as_ref().map(|p| match p {
            Pending::Add(systems) => {
                let listed: Vec<String> = systems
                    .iter()
                    .map(|a| format!("{} ({})", neutralise(&a.name), neutralise(&a.id)))
                    .collect();
                let what = match listed.as_slice() {
                    [one] => one.clone(),
                    many => format!("{} systems: {}", many.len(), many.join(", ")),
                };
                format!("Add {what} to \"{name}\" in {target}? y/n")
            }
            Pending::Remove(id) => format!(
                "Take the system {} out of \"{name}\" in {target}? y/n",
                neutralise(id)
            ),
            Pending::Resync => format!(
                "Resynchronize \"{name}\" in {target} (its notifications are sent again)? y/n"
            ),
            Pending::Finalize => format!(
                "Finalize the draft \"{name}\" in {target} (its notifications are sent)? y/n"
            ),
            Pending::Delete => {
                let then = format!("delete the formation \"{name}\" in {target}");
                if self.row.members.is_empty() {
                    format!("{}? y/n", capitalised(&then))
                } else {
                    format!(
                        "Unassign its {} system{}, then {then}? y/n",
                        self.row.members.len(),
                        crate::rules::plural(self.row.members.len())
                    )
                }
            }
        })
    }

    pub fn key(&mut self, key: KeyEvent) -> Action {
        if let Some(p) = self.pending.take() {
            return match (key.code, p) {
                (KeyCode::Char('y'), Pending::Add(systems)) => {
                    Action::Add(systems.into_iter().map(|a| a.id).collect())
                }
                (KeyCode::Char('y'), Pending::Remove(id)) => Action::Remove(id),
                (KeyCode::Char('y'), Pending::Delete) => Action::Delete,
                (KeyCode::Char('y'), Pending::Resync) => Action::Resync,
                (KeyCode::Char('y'), Pending::Finalize) => Action::Finalize,
                _ => Action::None,
            };
        }
        let len = self.row.members.len();
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                self.cursor = (self.cursor + 1).min(len.saturating_sub(1));
            }
            KeyCode::Char('a') => return Action::AddSystems,
            KeyCode::Char('x') | KeyCode::Delete => {
                if let Some(m) = self.row.members.get(self.cursor) {
                    self.pending = Some(Pending::Remove(m.id.clone()));
                }
            }
            // Both send notifications to every member: asked first, like the others.
            KeyCode::Char('r') if self.row.status != "Draft" => {
                self.pending = Some(Pending::Resync);
            }
            KeyCode::Char('f') if self.row.status == "Draft" => {
                self.pending = Some(Pending::Finalize);
            }
            KeyCode::Char('D') => self.pending = Some(Pending::Delete),
            KeyCode::Esc => return Action::Back,
            _ => {}
        }
        Action::None
    }

    pub fn commands(&self) -> Vec<KeyHint> {
        if self.pending.is_some() {
            return vec![hint("y", "yes"), hint("any other key", "no")];
        }
        let mut out = vec![hint("a", "add systems"), hint("x", "remove")];
        if self.row.status == "Draft" {
            out.push(hint("f", "finalize"));
        } else {
            out.push(hint("r", "resync"));
        }
        out.push(hint("D", "delete"));
        out.push(hint("Esc", "back"));
        out.push(more("↑↓/jk", "move"));
        out
    }

    pub fn view(&self, theme: &Theme, frame: &mut Frame, area: Rect) {
        // A question (several systems to add, a long path) may need more than one line.
        let asked = self.question();
        let question_rows = asked.as_deref().map_or(0, |q| {
            crate::tui::view::wrap_words(q, usize::from(area.width))
                .len()
                .clamp(1, 4) as u16
        });
        let [top, body, question] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(question_rows),
        ])
        .areas(area);
        frame.render_widget(
            // Where it lives is on the header line above; the questions spell it out.
            Paragraph::new(Span::styled(
                format!("Formation {}", neutralise(&self.row.name)),
                theme.title(),
            )),
            top,
        );
        frame.render_widget(
            Paragraph::new(self.lines(theme, body.width)).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.focused_border())
                    .title(neutralise(&self.row.type_name).into_owned()),
            ),
            body,
        );
        if let Some(q) = asked {
            frame.render_widget(
                Paragraph::new(Span::styled(q, theme.warning())).wrap(Wrap { trim: true }),
                question,
            );
        }
    }

    fn lines(&self, theme: &Theme, width: u16) -> Vec<Line<'static>> {
        let width = width.saturating_sub(2) as usize;
        let status = &self.row.status;
        let mut lines = vec![
            Line::from(vec![
                Span::raw("Status: "),
                Span::styled(
                    neutralise(status).into_owned(),
                    match status.as_str() {
                        "Ready" => theme.ok(),
                        "Error" => theme.error(),
                        _ => theme.warning(),
                    },
                ),
            ]),
            Line::raw(format!("Systems ({}):", self.row.members.len())),
        ];
        for (i, m) in self.row.members.iter().enumerate() {
            let marker = if i == self.cursor { "› " } else { "  " };
            let label = format!("{} ({})", m.name, m.id);
            let state = format!(" {}", m.state);
            let w = width.saturating_sub(state.chars().count() + 2);
            let style = if i == self.cursor {
                theme.highlight()
            } else {
                theme.base()
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{marker}{:<w$}", theme.fit(&neutralise(&label), w)),
                    style,
                ),
                Span::styled(
                    state,
                    if m.state.ends_with("_ERROR") {
                        theme.error()
                    } else if m.state == "READY" {
                        theme.ok()
                    } else {
                        theme.warning()
                    },
                ),
            ]));
            if let Some(e) = &m.error {
                lines.push(Line::styled(
                    format!("    {}", theme.fit(&neutralise(e), width.saturating_sub(4))),
                    theme.error(),
                ));
            }
        }
        if status == "Error" {
            lines.push(Line::styled(
                "The server reports an error: r resynchronizes.",
                theme.warning(),
            ));
        }
        if status == "Draft" {
            lines.push(Line::styled(
                "A draft: nothing is sent until f finalizes it.",
                theme.warning(),
            ));
        }
        lines
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "formation_tests.rs"]
mod tests;
