//! Progress for the commands: after a moment of loading, a line on stderr that says how
//! far it got; a call that waits or is retried, a line that says why; each step of a
//! change, a line as it ends. Quick loads print nothing; stdout stays clean for scripts.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{BackendEvent, CallState, Progress};
use crate::text::neutralise;

/// Loading shorter than this shows no progress.
const QUIET_FOR: Duration = Duration::from_secs(1);

pub struct StderrProgress {
    progress: Progress,
    task: tokio::task::JoinHandle<()>,
    done: tokio::sync::oneshot::Sender<()>,
}

impl StderrProgress {
    /// Starts the printer; `finish` ends the line it may have drawn.
    pub fn start() -> StderrProgress {
        let (tx, rx) = mpsc::unbounded_channel();
        let (done, finished) = tokio::sync::oneshot::channel();
        StderrProgress {
            progress: Progress::to(tx),
            task: tokio::spawn(print(rx, finished, Instant::now())),
            done,
        }
    }

    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Prints what was sent so far and stops, whether or not clones of the progress are
    /// still around (an operation's context keeps one).
    pub async fn finish(self) {
        let StderrProgress {
            progress,
            task,
            done,
        } = self;
        drop(progress);
        let _ = done.send(());
        let _ = task.await;
    }
}

/// Between two progress lines when stderr is not a terminal (a log, a pipe): there each
/// update is a line of its own, so they come seldom.
const LINE_EVERY: Duration = Duration::from_secs(5);

async fn print(
    mut rx: mpsc::UnboundedReceiver<BackendEvent>,
    mut finished: tokio::sync::oneshot::Receiver<()>,
    started: Instant,
) {
    let terminal = std::io::stderr().is_terminal();
    let mut drew = false;
    let mut last_line: Option<Instant> = None;
    // The newest state not yet written as a line (pipes only): written at the end, so a
    // log always holds the final count.
    let mut pending: Option<String> = None;
    let mut draining = false;
    loop {
        let event = if draining {
            match rx.try_recv() {
                Ok(event) => event,
                Err(_) => break,
            }
        } else {
            tokio::select! {
                event = rx.recv() => match event {
                    Some(event) => event,
                    None => break,
                },
                _ = &mut finished => {
                    draining = true;
                    continue;
                }
            }
        };
        if let BackendEvent::Call {
            label,
            state: CallState::Retrying { reason, .. },
            ..
        } = &event
        {
            // A wait or a retry is said at once: a command that seems stuck is worse.
            let mut err = std::io::stderr().lock();
            if std::mem::take(&mut drew) {
                let _ = writeln!(err);
            }
            let _ = writeln!(err, "{}: {}.", neutralise(label), neutralise(reason));
            continue;
        }
        if let BackendEvent::Call {
            label,
            state: CallState::Waiting { elapsed },
            ..
        } = &event
        {
            let mut err = std::io::stderr().lock();
            if std::mem::take(&mut drew) {
                let _ = writeln!(err);
            }
            let _ = writeln!(
                err,
                "{}: still waiting for the Director's answer after {} s (it gives a change up to 110 s).",
                neutralise(label),
                elapsed.as_secs()
            );
            continue;
        }
        if let BackendEvent::Call { label, state, .. } = &event {
            // Each step of a change, as it ends: an interrupted or undone change says what
            // it did, step by step.
            // A failure is the command's own last word (with what it means), not said twice.
            let said = match state {
                CallState::Done => format!("  done: {}", neutralise(label)),
                CallState::Failed(_)
                | CallState::Started
                | CallState::Retrying { .. }
                | CallState::Waiting { .. } => {
                    continue;
                }
            };
            let mut err = std::io::stderr().lock();
            if std::mem::take(&mut drew) {
                let _ = writeln!(err);
            }
            let _ = writeln!(err, "{said}");
            continue;
        }
        let Some(text) = line(&event) else {
            continue;
        };
        if started.elapsed() < QUIET_FOR {
            continue;
        }
        let mut err = std::io::stderr().lock();
        if terminal {
            // One line, rewritten in place.
            let _ = write!(err, "\r{text}");
            drew = true;
        } else if last_line.is_none_or(|t| t.elapsed() >= LINE_EVERY) {
            let _ = writeln!(err, "{text}");
            last_line = Some(Instant::now());
            pending = None;
        } else {
            pending = Some(text);
        }
        let _ = err.flush();
    }
    if drew {
        eprintln!();
    }
    if let Some(text) = pending {
        eprintln!("{text}");
    }
}

/// The progress line an event stands for: loading counts, or the systems whose
/// assignments the Director still works on, with the time waited.
fn line(event: &BackendEvent) -> Option<String> {
    match event {
        BackendEvent::Loading { pages, systems } => Some(format!(
            "Loading the landscape: {systems} systems ({pages} pages)…"
        )),
        BackendEvent::Rows { .. } => None,
        BackendEvent::Assignments {
            systems, elapsed, ..
        } => {
            let pending: Vec<String> = systems
                .iter()
                .filter(|(_, a)| a.in_progress())
                .map(|(id, a)| format!("{} {}", crate::text::neutralise(id), a.state))
                .collect();
            (!pending.is_empty()).then(|| {
                format!(
                    "Waiting for the Director: {} (in progress, {} s)…",
                    pending.join(", "),
                    elapsed.as_secs()
                )
            })
        }
        _ => None,
    }
}
