//! The Formations screen: every formation with its status, a filter, and the selected
//! formation's systems and their states beside the list. Its `key` is its part of
//! `update`: it changes only this screen's state and answers what the app should do next
//! (open a formation, start the wizard, go back); `view` only draws.

use std::time::Duration;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::catalog::Catalog;
use crate::landscape::Landscape;
use crate::text::neutralise;
use crate::tui::keys::{KeyHint, hint, more};
use crate::tui::theme::Theme;

/// One formation as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub type_name: String,
    pub status: String,
    pub members: Vec<MemberRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub state: String,
    pub error: Option<String>,
}

/// What the app does after a key on this screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    /// Push the Formation screen for this formation id.
    Open(String),
    /// Push the creation wizard.
    New,
    /// Pop this screen.
    Back,
}

#[derive(Debug, Clone, Default)]
pub struct Formations {
    rows: Vec<Row>,
    filter: String,
    filtering: bool,
    /// Position in `visible()`.
    cursor: usize,
    /// Consecutive refreshes that changed nothing, for the poll's backoff.
    unchanged: u32,
}

/// The first poll after a second, doubling while nothing changes, at most every 30 s.
const POLL_FIRST: Duration = Duration::from_secs(1);
const POLL_MAX: Duration = Duration::from_secs(30);

impl Formations {
    pub fn new(landscape: &Landscape, catalog: &Catalog) -> Formations {
        Formations {
            rows: rows(landscape, catalog),
            ..Formations::default()
        }
    }

    /// A fresh read of the landscape (a poll or after a change); keeps the cursor on the
    /// same formation where it still exists.
    pub fn refresh(&mut self, landscape: &Landscape, catalog: &Catalog) {
        let current = self.selected().map(|r| r.id.clone());
        let fresh = rows(landscape, catalog);
        self.unchanged = if fresh == self.rows {
            self.unchanged.saturating_add(1)
        } else {
            0
        };
        self.rows = fresh;
        let visible = self.visible();
        self.cursor = current
            .and_then(|id| visible.iter().position(|&i| self.rows[i].id == id))
            .unwrap_or(0);
    }

    /// The rows the filter lets through, by position in `rows`: every word of the filter
    /// in the name, type, status or id, ignoring case.
    pub fn visible(&self) -> Vec<usize> {
        let words: Vec<String> = self
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        (0..self.rows.len())
            .filter(|&i| {
                let r = &self.rows[i];
                let hay =
                    format!("{} {} {} {}", r.name, r.type_name, r.status, r.id).to_lowercase();
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .collect()
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

    pub fn selected(&self) -> Option<&Row> {
        self.visible().get(self.cursor).map(|&i| &self.rows[i])
    }

    pub fn typing(&self) -> bool {
        self.filtering
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

    pub fn key(&mut self, key: KeyEvent) -> Action {
        if self.filtering {
            return self.filter_key(key);
        }
        let len = self.visible().len();
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                self.cursor = (self.cursor + 1).min(len.saturating_sub(1));
            }
            KeyCode::Char('/') => self.filtering = true,
            KeyCode::Char('n') => return Action::New,
            KeyCode::Enter => {
                if let Some(r) = self.selected() {
                    return Action::Open(r.id.clone());
                }
            }
            KeyCode::Esc if !self.filter.is_empty() => {
                self.filter.clear();
                self.cursor = 0;
            }
            KeyCode::Esc => return Action::Back,
            _ => {}
        }
        Action::None
    }

    fn filter_key(&mut self, key: KeyEvent) -> Action {
        match key.code {
            KeyCode::Enter => self.filtering = false,
            KeyCode::Esc => {
                self.filtering = false;
                self.filter.clear();
            }
            KeyCode::Backspace => {
                self.filter.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.filter.push(c);
            }
            _ => {}
        }
        self.cursor = 0;
        Action::None
    }

    /// The keys this screen owns, for the hint bar and `?`.
    pub fn commands(&self) -> Vec<KeyHint> {
        if self.filtering {
            return vec![hint("Enter", "keep filter"), hint("Esc", "clear filter")];
        }
        vec![
            hint("Enter", "open"),
            hint("n", "new formation"),
            hint("/", "filter"),
            hint("Esc", "back"),
            more("↑↓/jk", "move"),
        ]
    }

    pub fn view(&self, theme: &Theme, frame: &mut Frame, area: Rect) {
        let [top, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
        let title = if self.filter.is_empty() && !self.filtering {
            format!("Formations ({})", self.rows.len())
        } else {
            format!(
                "Formations ({} of {})  filter: {}{}",
                self.visible().len(),
                self.rows.len(),
                neutralise(&self.filter),
                if self.filtering { "_" } else { "" }
            )
        };
        frame.render_widget(Paragraph::new(Span::styled(title, theme.title())), top);
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(body);
        self.draw_list(theme, frame, list);
        self.draw_detail(theme, frame, detail);
    }

    fn draw_list(&self, theme: &Theme, frame: &mut Frame, area: Rect) {
        let width = area.width.saturating_sub(2) as usize;
        let visible = self.visible();
        let lines: Vec<Line> = if visible.is_empty() {
            vec![Line::styled("No formation matches.", theme.dim())]
        } else {
            visible
                .iter()
                .enumerate()
                .map(|(pos, &i)| {
                    let r = &self.rows[i];
                    let status = format!(" {}", r.status);
                    let name_width = width.saturating_sub(status.chars().count() + 2);
                    let marker = if pos == self.cursor { "› " } else { "  " };
                    let style = if pos == self.cursor {
                        theme.highlight()
                    } else {
                        theme.base()
                    };
                    Line::from(vec![
                        Span::styled(
                            format!(
                                "{marker}{:<name_width$}",
                                theme.fit(&neutralise(&r.name), name_width)
                            ),
                            style,
                        ),
                        Span::styled(status, status_style(theme, &r.status)),
                    ])
                })
                .collect()
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.focused_border());
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }

    fn draw_detail(&self, theme: &Theme, frame: &mut Frame, area: Rect) {
        let width = area.width.saturating_sub(2) as usize;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border());
        let Some(r) = self.selected() else {
            frame.render_widget(Paragraph::new("").block(block), area);
            return;
        };
        let mut lines = vec![
            Line::styled(theme.fit(&neutralise(&r.name), width), theme.title()),
            Line::styled(theme.fit(&neutralise(&r.type_name), width), theme.dim()),
            Line::from(vec![
                Span::raw("Status: "),
                Span::styled(
                    neutralise(&r.status).into_owned(),
                    status_style(theme, &r.status),
                ),
            ]),
            Line::raw(format!("Systems ({}):", r.members.len())),
        ];
        for m in &r.members {
            let label = if m.name.is_empty() { &m.id } else { &m.name };
            let state = format!(" {}", m.state);
            let name_width = width.saturating_sub(state.chars().count() + 2);
            lines.push(Line::from(vec![
                Span::raw(format!(
                    "  {:<name_width$}",
                    theme.fit(&neutralise(label), name_width)
                )),
                Span::styled(state, state_style(theme, &m.state)),
            ]));
            if let Some(e) = &m.error {
                lines.push(Line::styled(
                    format!("    {}", theme.fit(&neutralise(e), width.saturating_sub(4))),
                    theme.error(),
                ));
            }
        }
        if r.status == "Error" {
            lines.push(Line::styled(
                "Open it (Enter) to resynchronize.",
                theme.warning(),
            ));
        }
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }
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
    landscape
        .formations
        .iter()
        .map(|f| Row {
            id: f.id.clone(),
            name: f.name.clone(),
            type_name: catalog
                .by_id(&f.type_id)
                .map_or_else(|| f.type_name.clone(), |t| t.name.clone()),
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
        .collect()
}

#[cfg(test)]
#[path = "formations_tests.rs"]
mod tests;
