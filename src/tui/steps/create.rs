//! Creating: each backend call with its state, then the formation's status until it is
//! Ready or in Error. A refusal is re-checked against the fresh landscape and what changed
//! is shown; a partial creation is never left without telling the user, who can retry the
//! rest or roll back.

use std::time::Duration;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Outcome;
use crate::backend::{BackendEvent, CallState, CreateOutcome, Created};
use crate::error::exit;
use crate::landscape::Landscape;
use crate::rules::Report;
use crate::text::neutralise;
use crate::tui::app::{Cmd, Data, Exit, Msg};
use crate::tui::keys::{KeyHint, hint};

/// How long to wait between two status polls while the formation settles.
pub const POLL_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    pub label: String,
    pub state: CallState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Running,
    Settling {
        formation: Created,
    },
    Done {
        formation: Created,
    },
    /// A call failed; with `formation`, the formation exists (its status is Error, or it
    /// could not be read).
    Failed {
        formation: Option<Created>,
        message: String,
    },
    /// The backend re-checked and refused; `changes` is filled once the fresh landscape
    /// is loaded.
    Refused {
        report: Box<Report>,
        changes: Option<Vec<String>>,
    },
    Partial {
        formation: Created,
        assigned: Vec<String>,
        failed: Vec<(String, String)>,
    },
    Retrying {
        formation: Created,
        assigned: Vec<String>,
    },
    RollingBack {
        formation: Created,
    },
    RolledBack,
}

pub struct CreateStep {
    /// The formation's name, for the summary.
    pub name: String,
    pub calls: Vec<CallRow>,
    pub phase: Phase,
    pub status: Option<String>,
    /// Each member's assignment state while the formation settles, and the time waited.
    pub members: std::collections::BTreeMap<String, crate::landscape::Assignment>,
    pub waited: Duration,
}

impl CreateStep {
    pub fn new(name: &str) -> CreateStep {
        CreateStep {
            name: name.to_owned(),
            calls: Vec::new(),
            phase: Phase::Running,
            status: None,
            members: std::collections::BTreeMap::new(),
            waited: Duration::ZERO,
        }
    }

    pub fn busy(&self) -> bool {
        matches!(
            self.phase,
            Phase::Running
                | Phase::Settling { .. }
                | Phase::Retrying { .. }
                | Phase::RollingBack { .. }
                | Phase::Refused { changes: None, .. }
        )
    }

    /// The formation that exists on the backend, if one does.
    fn formation(&self) -> Option<&Created> {
        match &self.phase {
            Phase::Settling { formation }
            | Phase::Done { formation }
            | Phase::Partial { formation, .. }
            | Phase::Retrying { formation, .. }
            | Phase::RollingBack { formation } => Some(formation),
            Phase::Failed { formation, .. } => formation.as_ref(),
            _ => None,
        }
    }

    pub fn on_msg(&mut self, msg: Msg, data: &mut Data) -> Outcome {
        match msg {
            Msg::Progress(event) => {
                self.progress(event);
                Outcome::Handled
            }
            Msg::Created(Ok(outcome)) => self.created(outcome),
            Msg::Created(Err(f)) => {
                self.phase = Phase::Failed {
                    formation: None,
                    message: f.message,
                };
                Outcome::Handled
            }
            Msg::Status(result) => self.status(result.map_err(|f| f.message)),
            Msg::Assigned(results) => self.assigned(results),
            Msg::Deleted(result) => {
                self.phase = match (result, self.formation().cloned()) {
                    (Ok(()), _) => Phase::RolledBack,
                    (Err(f), formation) => Phase::Failed {
                        formation,
                        message: format!("Rolling back failed: {}", f.message),
                    },
                };
                let _ = data;
                Outcome::Handled
            }
            _ => Outcome::Handled,
        }
    }

    fn progress(&mut self, event: BackendEvent) {
        match event {
            BackendEvent::Call { step, label, state } => {
                while self.calls.len() <= step {
                    self.calls.push(CallRow {
                        label: String::new(),
                        state: CallState::Started,
                    });
                }
                self.calls[step] = CallRow { label, state };
            }
            BackendEvent::FormationStatus { status, .. } => self.status = Some(status),
            BackendEvent::Assignments {
                systems, elapsed, ..
            } => {
                self.members = systems;
                self.waited = elapsed;
            }
            BackendEvent::Loading { .. } => {}
        }
    }

    fn created(&mut self, outcome: CreateOutcome) -> Outcome {
        match outcome {
            CreateOutcome::Created(c) => self.settle(c),
            CreateOutcome::Refused(report) => {
                self.phase = Phase::Refused {
                    report,
                    changes: None,
                };
                Outcome::Run(vec![Cmd::Load])
            }
            CreateOutcome::Partial {
                formation,
                assigned,
                failed,
            } => {
                self.phase = Phase::Partial {
                    formation,
                    assigned,
                    failed,
                };
                Outcome::Handled
            }
        }
    }

    /// Done when Ready, failed when in Error, otherwise polls again.
    fn settle(&mut self, formation: Created) -> Outcome {
        self.status = Some(formation.status.clone());
        match formation.status.as_str() {
            "Ready" => {
                self.phase = Phase::Done { formation };
                Outcome::Handled
            }
            "Error" => {
                self.phase = Phase::Failed {
                    formation: Some(formation),
                    message: "The formation is in the status Error.".into(),
                };
                Outcome::Handled
            }
            _ => {
                let formation_id = formation.id.clone();
                self.phase = Phase::Settling { formation };
                Outcome::Run(vec![Cmd::Poll {
                    formation_id,
                    after: POLL_EVERY,
                }])
            }
        }
    }

    fn status(&mut self, result: Result<crate::backend::FormationState, String>) -> Outcome {
        let Some(mut formation) = self.formation().cloned() else {
            return Outcome::Handled;
        };
        match result {
            Ok(state) if state.status == "Error" => {
                self.status = Some(state.status.clone());
                formation.status = state.status;
                let message = if state.errors.is_empty() {
                    "The formation is in the status Error.".to_owned()
                } else {
                    state.errors.join(" ")
                };
                self.phase = Phase::Failed {
                    formation: Some(formation),
                    message,
                };
                Outcome::Handled
            }
            Ok(state) => {
                formation.status = state.status;
                self.settle(formation)
            }
            Err(message) => {
                self.phase = Phase::Failed {
                    formation: Some(formation),
                    message: format!("Reading the formation's status failed: {message}"),
                };
                Outcome::Handled
            }
        }
    }

    fn assigned(&mut self, results: Vec<(String, Result<(), String>)>) -> Outcome {
        let Phase::Retrying {
            formation,
            assigned,
        } = &self.phase
        else {
            return Outcome::Handled;
        };
        let (formation, mut assigned) = (formation.clone(), assigned.clone());
        let mut failed = Vec::new();
        for (id, result) in results {
            match result {
                Ok(()) => assigned.push(id),
                Err(why) => failed.push((id, why)),
            }
        }
        if failed.is_empty() {
            return self.settle(formation);
        }
        self.phase = Phase::Partial {
            formation,
            assigned,
            failed,
        };
        Outcome::Handled
    }

    /// Called when the landscape was loaded again after a refusal.
    pub fn reloaded(&mut self, old: &Landscape, fresh: &Landscape) {
        if let Phase::Refused { changes, .. } = &mut self.phase {
            *changes = Some(landscape_changes(old, fresh));
        }
    }

    pub fn reload_failed(&mut self, message: &str) {
        if let Phase::Refused { changes, .. } = &mut self.phase {
            *changes = Some(vec![format!(
                "The landscape could not be read again: {message}"
            )]);
        }
    }

    pub fn key(&mut self, key: KeyEvent) -> Outcome {
        let code = key.code;
        match (&self.phase, code) {
            (Phase::Done { .. }, KeyCode::Enter | KeyCode::Esc) => {
                Outcome::Finish(self.done_exit())
            }
            (Phase::Done { formation }, KeyCode::Char('o')) => {
                Outcome::OpenFormation(formation.id.clone())
            }
            (
                Phase::Failed {
                    formation: None, ..
                },
                KeyCode::Char('r'),
            ) => {
                self.phase = Phase::Running;
                self.calls.clear();
                Outcome::Create
            }
            (
                Phase::Failed {
                    formation: Some(f), ..
                },
                KeyCode::Char('r'),
            ) => {
                let formation = f.clone();
                let formation_id = formation.id.clone();
                self.phase = Phase::Settling { formation };
                Outcome::Run(vec![Cmd::Poll {
                    formation_id,
                    after: Duration::ZERO,
                }])
            }
            (
                Phase::Partial {
                    formation,
                    assigned,
                    failed,
                },
                KeyCode::Char('r'),
            ) => {
                let cmd = Cmd::Assign {
                    formation_id: formation.id.clone(),
                    systems: failed.iter().map(|(id, _)| id.clone()).collect(),
                };
                self.phase = Phase::Retrying {
                    formation: formation.clone(),
                    assigned: assigned.clone(),
                };
                Outcome::Run(vec![cmd])
            }
            (
                Phase::Partial { formation, .. }
                | Phase::Failed {
                    formation: Some(formation),
                    ..
                },
                KeyCode::Char('d'),
            ) => {
                let formation = formation.clone();
                let cmd = Cmd::Delete {
                    formation_id: formation.id.clone(),
                };
                self.phase = Phase::RollingBack { formation };
                Outcome::Run(vec![cmd])
            }
            (
                Phase::Refused {
                    changes: Some(_), ..
                }
                | Phase::RolledBack
                | Phase::Failed {
                    formation: None, ..
                },
                KeyCode::Enter | KeyCode::Esc,
            ) => Outcome::Goto(4),
            _ => Outcome::Handled,
        }
    }

    fn done_exit(&self) -> Exit {
        let summary = self.formation().map(|f| {
            format!(
                "Created the formation \"{}\" ({}), status {}.",
                neutralise(&self.name),
                neutralise(&f.id),
                neutralise(&f.status)
            )
        });
        Exit {
            code: exit::OK,
            summary,
            message: None,
        }
    }

    /// Why quitting now would lose something or leave something behind.
    pub fn loss(&self) -> Option<String> {
        match &self.phase {
            Phase::Done { .. } => None,
            Phase::Running | Phase::Settling { .. } | Phase::Retrying { .. } | Phase::RollingBack { .. } => Some(
                "Work is in progress; quitting now may leave the formation half-created. Quit anyway?".into(),
            ),
            Phase::Partial { .. } | Phase::Failed { formation: Some(_), .. } => Some(
                "The formation exists but is not complete. Quit and leave it as it is?".into(),
            ),
            _ => Some("Quit without creating the formation? Your choices will be lost.".into()),
        }
    }

    /// The exit when the user quits from this screen: 0 once created, 130 when nothing
    /// was created, 3 (with what is left behind) when a formation exists incomplete.
    pub fn exit_on_quit(&self, data: &Data) -> Exit {
        if matches!(self.phase, Phase::Done { .. }) {
            return self.done_exit();
        }
        if matches!(self.phase, Phase::Running) {
            return Exit {
                code: exit::BACKEND,
                summary: None,
                message: Some(format!(
                    "Quit while the formation \"{}\" was being created; it may or may not exist. Check with `formation-wizard systems`.",
                    neutralise(&data.plan.name)
                )),
            };
        }
        match self.formation() {
            Some(f) => Exit {
                code: exit::BACKEND,
                summary: None,
                message: Some(format!(
                    "The formation \"{}\" ({}) exists but is not complete (status {}); assign the remaining systems or delete it.",
                    neutralise(&data.plan.name),
                    neutralise(&f.id),
                    neutralise(&f.status)
                )),
            },
            None => Exit {
                code: exit::CANCELLED,
                summary: None,
                message: Some("Cancelled; nothing was created.".into()),
            },
        }
    }

    pub fn commands(&self) -> Vec<KeyHint> {
        match &self.phase {
            Phase::Done { .. } => vec![hint("Enter", "finish"), hint("o", "open it")],
            Phase::Failed {
                formation: None, ..
            } => {
                vec![hint("r", "retry"), hint("Enter/Esc", "back to review")]
            }
            Phase::Failed {
                formation: Some(_), ..
            } => {
                vec![
                    hint("r", "check the status again"),
                    hint("d", "roll back (delete)"),
                ]
            }
            Phase::Partial { .. } => {
                vec![hint("r", "retry the rest"), hint("d", "roll back (delete)")]
            }
            Phase::Refused {
                changes: Some(_), ..
            }
            | Phase::RolledBack => {
                vec![hint("Enter/Esc", "back to review")]
            }
            _ => Vec::new(),
        }
    }

    pub fn render(&self, data: &Data, spinner: usize, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let mut lines = vec![Line::styled(
            format!("Creating \"{}\"", neutralise(&data.plan.name)),
            t.title(),
        )];
        let spin = t.sym.spinner[spinner % t.sym.spinner.len()];
        for call in &self.calls {
            let (mark, style, extra) = match &call.state {
                CallState::Started => (spin.to_owned(), t.base(), String::new()),
                CallState::Done => (t.sym.ok.to_owned(), t.ok(), String::new()),
                CallState::Retrying { attempt, reason } => (
                    spin.to_owned(),
                    t.warning(),
                    format!(" (retry {attempt}: {reason})"),
                ),
                CallState::Failed(why) => (t.sym.bad.to_owned(), t.error(), format!(": {why}")),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::raw(neutralise(&format!("{}{extra}", call.label)).into_owned()),
            ]));
        }
        if let Some(status) = &self.status {
            lines.push(Line::raw(format!("Status: {}", neutralise(status))));
        }
        self.member_lines(data, spin, &mut lines);
        lines.push(Line::raw(""));
        self.phase_lines(data, spin, &mut lines);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
    }

    /// One line per system with its assignment state: in progress with the time waited,
    /// Ready, or the error with the server's message.
    fn member_lines(&self, data: &Data, spin: &str, lines: &mut Vec<Line<'static>>) {
        let t = data.theme();
        for (id, a) in &self.members {
            let name = data
                .landscape
                .system(id)
                .map_or(id.as_str(), |s| s.name.as_str());
            let (mark, style, text) = if a.is_error() {
                let why = a.error.as_deref().unwrap_or("");
                (
                    t.sym.bad.to_owned(),
                    t.error(),
                    format!("{} {why}", a.state),
                )
            } else if a.state == "READY" {
                (t.sym.ok.to_owned(), t.ok(), "READY".to_owned())
            } else {
                (
                    spin.to_owned(),
                    t.base(),
                    format!("{} (in progress, {} s)", a.state, self.waited.as_secs()),
                )
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {mark} "), style),
                Span::raw(neutralise(&format!("{name}: {text}")).into_owned()),
            ]));
        }
    }

    fn phase_lines(&self, data: &Data, spin: &str, lines: &mut Vec<Line<'static>>) {
        let t = data.theme();
        let clean = |s: &str| neutralise(s).into_owned();
        match &self.phase {
            Phase::Running => lines.push(Line::raw(format!("{spin} Working…"))),
            Phase::Settling { .. } => lines.push(Line::raw(format!(
                "{spin} Waiting until the formation is Ready…"
            ))),
            Phase::Retrying { .. } => lines.push(Line::raw(format!(
                "{spin} Assigning the remaining systems…"
            ))),
            Phase::RollingBack { .. } => {
                lines.push(Line::raw(format!("{spin} Deleting the formation…")))
            }
            Phase::Done { formation } => {
                lines.push(Line::styled(
                    format!(
                        "{} The formation \"{}\" was created ({}) and is {}.",
                        t.sym.ok,
                        clean(&data.plan.name),
                        clean(&formation.id),
                        clean(&formation.status)
                    ),
                    t.ok(),
                ));
                for a in &data.verdict.auto_enabled {
                    let on = data
                        .landscape
                        .system(&a.system)
                        .map_or(a.system.as_str(), |s| s.name.as_str());
                    lines.push(Line::raw(clean(&format!(
                        "  {} {} enabled on {on}",
                        t.sym.bullet,
                        a.communication_scenarios.join(", "),
                    ))));
                }
                lines.push(Line::raw("Press Enter to finish."));
            }
            Phase::Failed { formation, message } => {
                lines.push(Line::styled(
                    format!("{} {}", t.sym.bad, clean(message)),
                    t.error(),
                ));
                lines.push(Line::raw(match formation {
                    None => "Nothing was created. r tries again; Enter goes back to the review.".to_owned(),
                    Some(f) => format!(
                        "The formation {} exists. r checks its status again; d rolls back (deletes it).",
                        clean(&f.id)
                    ),
                }));
            }
            Phase::Refused { report, changes } => {
                lines.push(Line::styled(
                    format!(
                        "{} Nothing was created: checked again, the plan now breaks a rule.",
                        t.sym.bad
                    ),
                    t.error(),
                ));
                for v in &report.violations {
                    lines.push(Line::raw(clean(&format!("  {} {}", t.sym.bad, v.message))));
                }
                match changes {
                    None => lines.push(Line::raw(format!("{spin} Reading the landscape again…"))),
                    Some(changes) if changes.is_empty() => lines.push(Line::raw(
                        "The landscape was read again; Enter goes back to the review with it.",
                    )),
                    Some(changes) => {
                        lines.push(Line::raw("What changed in the landscape meanwhile:"));
                        for c in changes {
                            lines.push(Line::raw(clean(&format!("  {} {c}", t.sym.bullet))));
                        }
                        lines.push(Line::raw(
                            "Enter goes back to the review with the fresh landscape.",
                        ));
                    }
                }
            }
            Phase::Partial {
                formation,
                assigned,
                failed,
            } => {
                lines.push(Line::styled(
                    format!(
                        "{} The formation {} exists, but not every system could be assigned.",
                        t.sym.bad,
                        clean(&formation.id)
                    ),
                    t.error(),
                ));
                lines.push(Line::raw(clean(&format!(
                    "Assigned: {}",
                    assigned.join(", ")
                ))));
                for (id, why) in failed {
                    lines.push(Line::raw(clean(&format!("  {} {id}: {why}", t.sym.bad))));
                }
                lines.push(Line::raw(
                    "r retries the rest; d rolls back (deletes the formation).",
                ));
            }
            Phase::RolledBack => lines.push(Line::raw(
                "The formation was deleted; nothing is left behind. Enter goes back to the review.",
            )),
        }
    }
}

/// What differs between the landscape the wizard had and the fresh one, in words.
pub fn landscape_changes(old: &Landscape, fresh: &Landscape) -> Vec<String> {
    crate::changes::describe(old, fresh)
}
