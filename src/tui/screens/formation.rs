//! The Formation screen: one formation's systems with their states and errors, and what
//! can be done to it: remove a system, resynchronize, finalize a draft, delete. Whatever
//! changes something is confirmed first, naming the formation and where it lives; `key`
//! answers the action for the app to run (the app owns the backend), `view` only draws.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::formations::Row;
use crate::rules;
use crate::text::neutralise;
use crate::tui::component::{Component, Cx, Look, Outcome};
use crate::tui::data::Data;
use crate::tui::filter::SearchIndex;
use crate::tui::keys::{Binding, bind, hint, note};
use crate::tui::msg::Change;
use crate::tui::theme::Theme;
use crate::tui::widgets::columns::{self, Column};
use crate::tui::widgets::list::{Act, List, Rows};

/// What this screen's keys do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    List(Act),
    /// Open the Systems step (the wizard's, with its checker) to add systems.
    AddSystems,
    /// Ask to take the marked system out.
    Remove,
    Resync,
    Finalize,
    Delete,
    Back,
    /// The answer to the pending question.
    Yes,
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
    /// The members, their filter and the cursor.
    list: List,
    pending: Option<Pending>,
}

fn member_index(row: &Row) -> SearchIndex {
    SearchIndex::new(
        row.members
            .iter()
            .map(|m| [m.name.as_str(), m.id.as_str(), m.state.as_str()]),
    )
}

impl Formation {
    pub fn new(row: Row, target: String) -> Formation {
        Formation {
            list: List::new(member_index(&row)),
            row,
            target,
            pending: None,
        }
    }

    pub fn id(&self) -> &str {
        &self.row.id
    }

    /// The formation as read again (after a change or a poll).
    pub fn refresh(&mut self, row: Row) {
        let current = self.marked().map(|m| m.id.clone());
        let keep = current.and_then(|id| row.members.iter().position(|m| m.id == id));
        self.list.reset(member_index(&row), keep);
        self.row = row;
    }

    /// The member under the cursor.
    fn marked(&self) -> Option<&super::formations::MemberRow> {
        self.list.selected().map(|i| &self.row.members[i])
    }

    pub fn name(&self) -> &str {
        &self.row.name
    }

    /// Whether the server is still working on it (a member on its way to READY).
    pub fn in_progress(&self) -> bool {
        self.row.status == "Synchronizing"
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

    fn view(&self, theme: &Theme, frame: &mut Frame, area: Rect) {
        // A question (several systems to add, a long path) may need more than one line.
        let asked = self.question();
        let question_rows = asked.as_deref().map_or(0, |q| {
            crate::tui::wrap::wrap_words(q, usize::from(area.width))
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
                theme.fit(
                    &format!("Formation {}", self.row.name),
                    usize::from(top.width),
                ),
                theme.title(),
            )),
            top,
        );
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(theme.sym.border)
            .border_style(theme.focused_border())
            .title(theme.fit(
                &self.row.type_name,
                usize::from(body.width).saturating_sub(4),
            ));
        let inner = block.inner(body);
        frame.render_widget(block, body);
        let head = self.head_lines(theme, inner.width);
        let head_rows = (head.len() as u16).min(inner.height.saturating_sub(1));
        let [head_area, list_area] =
            Layout::vertical([Constraint::Length(head_rows), Constraint::Min(1)]).areas(inner);
        frame.render_widget(Paragraph::new(head), head_area);
        let empty = if self.row.members.is_empty() {
            "No system yet: a adds systems."
        } else {
            "No system matches. Esc clears the filter."
        };
        self.list.draw(self, theme, frame, list_area, false, empty);
        if let Some(q) = asked {
            frame.render_widget(
                Paragraph::new(Span::styled(q, theme.warning())).wrap(Wrap { trim: true }),
                question,
            );
        }
    }

    /// The status, what it means, and the members' count (with the filter when one is set).
    fn head_lines(&self, theme: &Theme, width: u16) -> Vec<Line<'static>> {
        let width = usize::from(width);
        let status = &self.row.status;
        let mut lines = vec![Line::from(vec![
            Span::raw("Status: "),
            Span::styled(
                theme.fit(status, width.saturating_sub(8)),
                status_style(theme, status),
            ),
        ])];
        if status == "Error" {
            lines.push(Line::styled(
                theme.fit("The server reports an error: r resynchronizes.", width),
                theme.warning(),
            ));
        }
        if status == "Draft" {
            lines.push(Line::styled(
                theme.fit("A draft: nothing is sent until f finalizes it.", width),
                theme.warning(),
            ));
        }
        let total = self.row.members.len();
        let count = if self.list.query().is_empty() && !self.list.typing() {
            format!("Systems ({total}):")
        } else {
            format!(
                "Systems ({} of {total})  filter: {}{}",
                self.list.len(),
                neutralise(self.list.query()),
                if self.list.typing() { "_" } else { "" }
            )
        };
        lines.push(Line::raw(theme.fit(&count, width)));
        lines
    }
}

fn status_style(theme: &Theme, status: &str) -> Style {
    match status {
        "Ready" => theme.ok(),
        "Error" => theme.error(),
        _ => theme.warning(),
    }
}

fn state_style(theme: &Theme, state: &str) -> Style {
    if state.ends_with("_ERROR") {
        theme.error()
    } else if state == "READY" {
        theme.ok()
    } else {
        theme.warning()
    }
}

impl Component for Formation {
    type Action = Action;

    fn bindings(&self, _data: &Data) -> Vec<Binding<Action>> {
        if self.pending.is_some() {
            // Any other key is a no (`input`).
            return vec![
                bind(hint("y", "yes"), &[KeyCode::Char('y')], Action::Yes),
                note(hint("any other key", "no")),
            ];
        }
        let list = self.list.bindings_as(Action::List);
        if self.list.typing() {
            return list;
        }
        let mut out = vec![
            bind(
                hint("a", "add systems"),
                &[KeyCode::Char('a')],
                Action::AddSystems,
            ),
            bind(
                hint("x", "remove"),
                &[KeyCode::Char('x'), KeyCode::Delete],
                Action::Remove,
            ),
        ];
        // Both send notifications to every member: asked first, like the others.
        out.push(if self.row.status == "Draft" {
            bind(
                hint("f", "finalize"),
                &[KeyCode::Char('f')],
                Action::Finalize,
            )
        } else {
            bind(hint("r", "resync"), &[KeyCode::Char('r')], Action::Resync)
        });
        out.push(bind(
            hint("D", "delete"),
            &[KeyCode::Char('D')],
            Action::Delete,
        ));
        if !super::formations::takes_esc(&list) {
            out.push(bind(hint("Esc", "back"), &[KeyCode::Esc], Action::Back));
        }
        out.extend(list);
        out
    }

    fn update(&mut self, action: Action, cx: &mut Cx<'_>) -> Outcome {
        match action {
            Action::List(act) => {
                self.list.act(act, self.list.page());
            }
            Action::AddSystems => return Outcome::AddSystems(self.row.id.clone()),
            Action::Remove => {
                if let Some(m) = self.marked() {
                    let id = m.id.clone();
                    self.pending = Some(Pending::Remove(id.clone()));
                    if let Some(warning) = removal_warning(cx.data, &self.row.id, &id) {
                        return Outcome::Flash(warning);
                    }
                }
            }
            Action::Resync => self.pending = Some(Pending::Resync),
            Action::Finalize => self.pending = Some(Pending::Finalize),
            Action::Delete => self.pending = Some(Pending::Delete),
            Action::Back => return Outcome::Back,
            Action::Yes => return self.confirmed(cx.data),
        }
        Outcome::Handled
    }

    fn input(&mut self, key: KeyEvent, _cx: &mut Cx<'_>) -> Outcome {
        if self.pending.take().is_some() {
            return Outcome::Flash("Nothing was changed: only y confirms.".into());
        }
        self.list.input(key);
        Outcome::Handled
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) {
        self.list.paste(text);
    }

    /// A pending question takes every key too (q answers no).
    fn typing(&self) -> bool {
        self.pending.is_some() || self.list.typing()
    }

    fn draw(&self, look: &Look<'_>, frame: &mut Frame, area: Rect) {
        self.view(look.data.theme(), frame, area);
    }
}

impl Formation {
    /// y to the pending question: the change it named, for the operations layer.
    fn confirmed(&mut self, data: &mut Data) -> Outcome {
        let formation_id = self.row.id.clone();
        let change = match self.pending.take() {
            None => return Outcome::Handled,
            Some(Pending::Add(systems)) => Change::Assign {
                formation_id,
                systems: systems.into_iter().map(|a| a.id).collect(),
            },
            Some(Pending::Remove(system)) => {
                // The y answered a question that said the formation stops working: that
                // is accepted. Otherwise the rule is checked again right before the write.
                let accept_breaking = removal_breaks(data, &formation_id, &system);
                Change::Unassign {
                    formation_id,
                    system,
                    accept_breaking,
                }
            }
            Some(Pending::Resync) => Change::Resync { formation_id },
            Some(Pending::Finalize) => Change::Finalize { formation_id },
            Some(Pending::Delete) => Change::Delete { formation_id },
        };
        Outcome::Change(change)
    }
}

/// Whether taking `system` out breaks a rule the formation relies on (what the question
/// warned of), on the landscape the screen shows.
fn removal_breaks(data: &mut Data, formation_id: &str, system: &str) -> bool {
    let systems = [system.to_owned()];
    let catalog = &data.ctx.catalog;
    data.landscape
        .with_formation_out(formation_id, |l, f| {
            rules::check_unassignment(l, f, &systems, catalog).is_ok_and(|b| !b.is_empty())
        })
        .unwrap_or(false)
}

/// While a removal is asked about: what the rule engine says the formation loses without
/// that system (e.g. its only Task Center), on the line under the question.
fn removal_warning(data: &mut Data, formation_id: &str, system: &str) -> Option<String> {
    let catalog = &data.ctx.catalog;
    let systems = [system.to_owned()];
    let (name, breaks) = data.landscape.with_formation_out(formation_id, |l, f| {
        let breaks = rules::check_unassignment(l, f, &systems, catalog);
        (f.name.clone(), breaks)
    })?;
    match breaks {
        Ok(found) => found.first().map(|v| {
            neutralise(&format!(
                "Without {system}, \"{name}\" stops working: {}",
                v.message
            ))
            .into_owned()
        }),
        Err(why) => Some(neutralise(&why).into_owned()),
    }
}

/// The members: "name (id)" cut in the middle, the state whole; an error wrapped under
/// its member.
impl Rows for Formation {
    fn columns(&self, _avail: usize) -> Vec<Column> {
        let label = self
            .row
            .members
            .iter()
            .map(|m| columns::width(&m.name) + columns::width(&m.id) + 3)
            .max()
            .unwrap_or(0);
        let state = self
            .row
            .members
            .iter()
            .map(|m| columns::width(&m.state))
            .max()
            .unwrap_or(0);
        vec![
            Column::new("System", 12, label).middle().fill(),
            Column::new("State", 5, state).whole(),
        ]
    }

    fn cells(&self, item: usize, theme: &Theme) -> Vec<(String, Style)> {
        let m = &self.row.members[item];
        vec![
            (format!("{} ({})", m.name, m.id), theme.base()),
            (m.state.clone(), state_style(theme, &m.state)),
        ]
    }

    fn has_extra(&self) -> bool {
        self.row.members.iter().any(|m| m.error.is_some())
    }

    fn extra(&self, item: usize, width: usize, theme: &Theme) -> Vec<Line<'static>> {
        let Some(e) = &self.row.members[item].error else {
            return Vec::new();
        };
        crate::tui::wrap::wrap_words(&neutralise(e), width.saturating_sub(2))
            .into_iter()
            .take(4)
            .map(|r| Line::styled(format!("  {r}"), theme.error()))
            .collect()
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
