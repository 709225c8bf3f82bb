//! Creating: each step of the operations layer's create with its state, then each system's
//! assignment until it is final. A refusal is re-checked against the fresh landscape and
//! what changed is shown. A create that cannot finish is undone by the operations layer
//! itself, so this screen only ever shows a formation that is whole, or says that nothing is
//! left (or exactly what is, when even the undo could not finish).

use std::collections::BTreeMap;
use std::time::Duration;

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::backend::{BackendEvent, CallState, Created};
use crate::error::exit;
use crate::landscape::Landscape;
use crate::ops::{self, End, Final};
use crate::rules::Report;
use crate::text::neutralise;
use crate::tui::component::{Component, Cx, Look, Outcome};
use crate::tui::data::Data;
use crate::tui::keys::{Binding, bind, hint, note};
use crate::tui::msg::{Cmd, Exit, Msg};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    pub label: String,
    pub state: CallState,
}

#[derive(Debug, Clone)]
pub enum Phase {
    Running,
    /// Interrupted (Ctrl-C): the call in flight finishes, then what was done is undone.
    Stopping,
    /// The formation exists with every system; each system's end (READY, or an error).
    Done {
        formation: Created,
        systems: BTreeMap<String, Final>,
    },
    /// Nothing was changed: the landscape could not be read, or the formation not created.
    Failed {
        message: String,
    },
    /// The backend re-checked and refused; `changes` is filled once the fresh landscape
    /// is loaded. Anything done was undone.
    Refused {
        report: Box<Report>,
        changes: Option<Vec<String>>,
    },
    /// A step failed or the user interrupted, and what was done was undone; `left` says
    /// what is still there when even that did not finish.
    Undone {
        why: String,
        left: Option<String>,
    },
}

/// What this step's keys do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Finish,
    /// Open the formation just created.
    Open,
    Retry,
    /// Back to Review (after a refusal, a failure or an undo).
    Review,
}

pub struct CreateStep {
    /// The formation's name, for the summary.
    pub name: String,
    pub calls: Vec<CallRow>,
    pub phase: Phase,
    /// Each member's assignment state while the formation settles, and the time waited.
    pub members: BTreeMap<String, crate::landscape::Assignment>,
    pub waited: Duration,
}

impl CreateStep {
    pub fn new(name: &str) -> CreateStep {
        CreateStep {
            name: name.to_owned(),
            calls: Vec::new(),
            phase: Phase::Running,
            members: BTreeMap::new(),
            waited: Duration::ZERO,
        }
    }

    pub fn busy(&self) -> bool {
        matches!(
            self.phase,
            Phase::Running | Phase::Stopping | Phase::Refused { changes: None, .. }
        )
    }

    /// Whether the create is still running on the backend (an interrupt has something to stop).
    pub fn running(&self) -> bool {
        matches!(self.phase, Phase::Running | Phase::Stopping)
    }

    /// Ctrl-C while running: say that it stops and undoes.
    pub fn stopping(&mut self) {
        if matches!(self.phase, Phase::Running) {
            self.phase = Phase::Stopping;
        }
    }

    fn formation(&self) -> Option<&Created> {
        match &self.phase {
            Phase::Done { formation, .. } => Some(formation),
            _ => None,
        }
    }

    pub fn on_msg(&mut self, msg: Msg, data: &mut Data) -> Outcome {
        match msg {
            Msg::Progress(event) => {
                self.progress(event);
                Outcome::Handled
            }
            Msg::Created(Ok(outcome)) => self.created(outcome, data),
            Msg::Created(Err(f)) => {
                self.phase = Phase::Failed { message: f.message };
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
            BackendEvent::Assignments {
                systems, elapsed, ..
            } => {
                self.members = systems;
                self.waited = elapsed;
            }
            BackendEvent::Loading { .. } | BackendEvent::Rows { .. } => {}
        }
    }

    fn created(&mut self, outcome: ops::CreateOutcome, data: &Data) -> Outcome {
        let interrupted = matches!(outcome.end, End::Interrupted);
        self.phase = match (outcome.end, outcome.formation) {
            (End::Refused(report), _) if outcome.left.is_none() => {
                self.phase = Phase::Refused {
                    report,
                    changes: None,
                };
                return Outcome::Run(vec![Cmd::Load]);
            }
            (End::Created | End::Interrupted, Some(formation)) if outcome.left.is_none() => {
                Phase::Done {
                    formation,
                    systems: outcome.systems,
                }
            }
            (End::Failed(why), _) => Phase::Undone {
                why,
                left: outcome.left,
            },
            (End::Interrupted, _) => Phase::Undone {
                why: "Interrupted".into(),
                left: outcome.left,
            },
            (_, _) => Phase::Undone {
                why: "The Director refused a step".into(),
                left: outcome.left,
            },
        };
        if interrupted {
            // Ctrl-C asked to stop: once the change is finished or undone, the app ends.
            return Outcome::Finish(self.interrupted_exit(data));
        }
        Outcome::Handled
    }

    /// The exit after an interrupt, saying on stderr what the interrupt left.
    fn interrupted_exit(&self, data: &Data) -> Exit {
        let name = neutralise(&self.name);
        let show = ops::command_line(
            &format!("show {}", ops::shell_word(&self.name)),
            &data.source_flags,
        );
        let message = match &self.phase {
            Phase::Done { .. } => format!(
                "interrupted while its assignments were followed: \"{name}\" exists with every system; `{show}` shows how they are doing."
            ),
            Phase::Undone {
                left: Some(left), ..
            } => {
                format!("interrupted; {}. `{show}` shows it.", neutralise(left))
            }
            _ => format!("interrupted; what was done was undone: \"{name}\" does not exist."),
        };
        Exit {
            code: exit::CANCELLED,
            summary: None,
            message: Some(message),
        }
    }

    /// Called when the landscape was loaded again after a refusal.
    pub fn reloaded(&mut self, old: &Landscape, fresh: &Landscape) {
        if let Phase::Refused { changes, .. } = &mut self.phase {
            *changes = Some(crate::changes::describe(old, fresh));
        }
    }

    /// The backend's refusal, once this create was refused.
    pub fn refused(&self) -> Option<&Report> {
        match &self.phase {
            Phase::Refused { report, .. } => Some(report),
            _ => None,
        }
    }

    pub fn reload_failed(&mut self, message: &str) {
        if let Phase::Refused { changes, .. } = &mut self.phase {
            *changes = Some(vec![format!(
                "The landscape could not be read again: {message}"
            )]);
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
            Phase::Running | Phase::Stopping => Some(
                "The formation is being created. Quit anyway? It is finished or undone first."
                    .into(),
            ),
            Phase::Undone { left: Some(_), .. } => {
                Some("Part of the formation is left (see above). Quit and leave it?".into())
            }
            _ => Some("Quit without creating the formation? Your choices will be lost.".into()),
        }
    }

    /// The exit when the user quits from this screen: 0 once created, 130 when nothing
    /// was created, 3 (with what is left behind) when an undo did not finish.
    pub fn exit_on_quit(&self, data: &Data) -> Exit {
        if matches!(self.phase, Phase::Done { .. }) {
            return self.done_exit();
        }
        match &self.phase {
            Phase::Undone {
                left: Some(left), ..
            } => Exit {
                code: exit::BACKEND,
                summary: None,
                message: Some(neutralise(left).into_owned()),
            },
            _ => Exit {
                code: exit::CANCELLED,
                summary: None,
                message: Some(format!(
                    "Cancelled; nothing was created. `{}` lists the formations.",
                    ops::command_line("formations", &data.source_flags)
                )),
            },
        }
    }

    fn render(&self, data: &Data, spinner: usize, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let mut lines = vec![Line::styled(
            format!("Creating \"{}\"", neutralise(&data.plan.name)),
            t.title(),
        )];
        // Once the work has ended nothing spins: a call that never said how it ended is
        // marked as such.
        let spin = if self.busy() {
            t.sym.spinner[spinner % t.sym.spinner.len()]
        } else {
            t.sym.warn
        };
        for call in &self.calls {
            let (mark, style, extra) = match &call.state {
                CallState::Started => (spin.to_owned(), t.base(), String::new()),
                CallState::Done => (t.sym.ok.to_owned(), t.ok(), String::new()),
                CallState::Retrying { attempt, reason } => (
                    spin.to_owned(),
                    t.warning(),
                    format!(" (retry {attempt}: {reason})"),
                ),
                CallState::Waiting { elapsed } => (
                    spin.to_owned(),
                    t.base(),
                    format!(
                        " (waiting for the Director's answer, {} s)",
                        elapsed.as_secs()
                    ),
                ),
                CallState::Failed(why) => (t.sym.bad.to_owned(), t.error(), format!(": {why}")),
            };
            let text = format!("{}{extra}", call.label);
            lines.extend(broken_lines(Span::styled(format!("{mark} "), style), &text));
        }
        // While the assignments are followed; once done, the outcome below says how each
        // ended (and a small window keeps room for it).
        if !matches!(self.phase, Phase::Done { .. }) {
            self.member_lines(data, spin, &mut lines);
        }
        lines.push(Line::raw(""));
        self.phase_lines(data, spin, &mut lines);
        // The end says how it went and what the keys do: when everything does not fit (a
        // server's long refusal at 60×16), the first lines give way, not the last.
        let width = usize::from(area.width);
        let rows: usize = lines.iter().map(|l| rows_taken(l, width)).sum();
        let over = rows.saturating_sub(usize::from(area.height));
        let scroll = u16::try_from(over).unwrap_or(u16::MAX);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((scroll, 0)),
            area,
        );
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
            lines.extend(broken_lines(
                Span::styled(format!("  {mark} "), style),
                &format!("{name}: {text}"),
            ));
        }
    }

    fn phase_lines(&self, data: &Data, spin: &str, lines: &mut Vec<Line<'static>>) {
        let t = data.theme();
        let clean = |s: &str| neutralise(s).into_owned();
        match &self.phase {
            Phase::Running => lines.push(Line::raw(format!("{spin} Working…"))),
            Phase::Stopping => lines.push(Line::styled(
                format!(
                    "{spin} Stopping: the call in flight finishes, then what was done is undone. Ctrl-C again stops at once."
                ),
                t.warning(),
            )),
            Phase::Done { formation, systems } => {
                let failed: Vec<(&String, &Final)> =
                    systems.iter().filter(|(_, f)| **f != Final::Ready).collect();
                let (mark, style) = if failed.is_empty() {
                    (t.sym.ok, t.ok())
                } else {
                    (t.sym.bad, t.error())
                };
                lines.push(Line::styled(
                    format!(
                        "{mark} The formation \"{}\" was created ({}) and is {}.",
                        clean(&data.plan.name),
                        clean(&formation.id),
                        clean(&formation.status)
                    ),
                    style,
                ));
                for (system, end) in &failed {
                    lines.push(Line::styled(
                        clean(&format!(
                            "  {} {system} is in it, but its assignment is {}.",
                            t.sym.bad,
                            end.words()
                        )),
                        t.error(),
                    ));
                }
                if !failed.is_empty() {
                    lines.push(Line::raw(
                        "Fix the cause, then open it (o) and resynchronize it (r).",
                    ));
                }
                for a in &data.verdict.auto_enabled {
                    if failed.iter().any(|(s, _)| **s == a.system) {
                        continue;
                    }
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
                if let Some(t) = data.ctx.catalog.by_id(&data.plan.type_id) {
                    for step in &t.next_steps {
                        lines.push(Line::raw(format!("Next: {}", clean(step))));
                    }
                }
                lines.push(Line::raw("Press Enter to finish."));
            }
            Phase::Failed { message } => {
                lines.extend(styled_lines(t.sym.bad, message, t.error()));
                lines.push(Line::raw(
                    "Nothing was created. r tries again; Enter goes back to the review.",
                ));
            }
            Phase::Undone { why, left: None } => {
                lines.extend(styled_lines(t.sym.bad, why, t.error()));
                lines.push(Line::raw(
                    "What was done was undone: nothing is left. r tries again; Enter goes back to the review.",
                ));
            }
            Phase::Undone {
                why,
                left: Some(left),
            } => {
                lines.extend(styled_lines(t.sym.bad, why, t.error()));
                lines.extend(styled_lines(
                    "",
                    &format!("Undoing it did not finish: {left}"),
                    t.error(),
                ));
            }
            Phase::Refused { report, changes } => {
                // A refusal a call above already shows in full is not said twice.
                let said = |v: &crate::rules::Finding| {
                    self.calls
                        .iter()
                        .any(|c| c.state == CallState::Failed(v.message.clone()))
                };
                let head = if report.violations.iter().any(said) {
                    "Nothing was created: it was refused (above), and what was done was undone."
                } else {
                    "Nothing was created: checked again, the plan now breaks a rule."
                };
                lines.push(Line::styled(format!("{} {head}", t.sym.bad), t.error()));
                for v in report.violations.iter().filter(|v| !said(v)) {
                    for (i, text) in v.message.lines().enumerate() {
                        let mark = if i == 0 { t.sym.bad } else { " " };
                        lines.push(Line::raw(clean(&format!("  {mark} {text}"))));
                    }
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
        }
    }
}

impl Component for CreateStep {
    type Action = Action;

    fn bindings(&self, _data: &Data) -> Vec<Binding<Action>> {
        let review = || {
            bind(
                hint("Enter/Esc", "back to review"),
                &[KeyCode::Enter, KeyCode::Esc],
                Action::Review,
            )
        };
        match &self.phase {
            Phase::Done { .. } => vec![
                bind(
                    hint("Enter", "finish"),
                    &[KeyCode::Enter, KeyCode::Esc],
                    Action::Finish,
                ),
                bind(hint("o", "open it"), &[KeyCode::Char('o')], Action::Open),
            ],
            // Ctrl-C is the runtime's; listed here since it is what this screen offers.
            Phase::Running => vec![note(hint("Ctrl-C", "stop and undo"))],
            Phase::Failed { .. } | Phase::Undone { left: None, .. } => vec![
                bind(hint("r", "try again"), &[KeyCode::Char('r')], Action::Retry),
                review(),
            ],
            Phase::Refused {
                changes: Some(_), ..
            }
            | Phase::Undone { .. } => vec![review()],
            _ => Vec::new(),
        }
    }

    fn update(&mut self, action: Action, _cx: &mut Cx<'_>) -> Outcome {
        match action {
            Action::Finish => Outcome::Finish(self.done_exit()),
            Action::Open => match &self.phase {
                Phase::Done { formation, .. } => Outcome::OpenFormation(formation.id.clone()),
                _ => Outcome::Handled,
            },
            Action::Retry => {
                self.phase = Phase::Running;
                self.calls.clear();
                self.members.clear();
                Outcome::Create
            }
            Action::Review => Outcome::Goto(4),
        }
    }

    fn draw(&self, look: &Look<'_>, frame: &mut Frame, area: Rect) {
        self.render(look.data, look.spinner, frame, area);
    }
}

/// The screen rows `line` takes wrapped at words to `width` columns (a word wider than a
/// row takes the rows it fills).
fn rows_taken(line: &Line<'_>, width: usize) -> usize {
    let width = width.max(1);
    crate::tui::wrap::wrap_words(&line.to_string(), width)
        .iter()
        .map(|r| crate::text::width(r).div_ceil(width).max(1))
        .sum()
}

/// `text` after `mark`, one screen line per line of it (a server's message keeps its
/// line breaks as lines, never as a placeholder), the later ones indented under the first.
pub fn broken_lines(mark: Span<'static>, text: &str) -> Vec<Line<'static>> {
    let indent = " ".repeat(mark.width());
    let mut mark = Some(mark);
    crate::text::neutralise_lines(text)
        .split('\n')
        .map(|l| {
            let head = mark.take().unwrap_or_else(|| Span::raw(indent.clone()));
            Line::from(vec![head, Span::raw(l.to_owned())])
        })
        .collect()
}

/// `text` after `mark` in `style`, one screen line per line of it.
fn styled_lines(mark: &str, text: &str, style: ratatui::style::Style) -> Vec<Line<'static>> {
    let mark = if mark.is_empty() {
        String::new()
    } else {
        format!("{mark} ")
    };
    broken_lines(Span::raw(mark), text)
        .into_iter()
        .map(|l| l.style(style))
        .collect()
}
