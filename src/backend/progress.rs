//! Progress of slow backend work, sent to whoever shows it (the TUI, or stderr for the
//! commands). Sending never blocks and never fails the work.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::landscape::Assignment;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallState {
    Started,
    Retrying {
        attempt: u32,
        reason: String,
    },
    /// Still waiting for the answer to a change after `elapsed`: the Director gives a
    /// request up to 110 s (fact 12), so a slow answer is not yet a lost one.
    Waiting {
        elapsed: std::time::Duration,
    },
    Done,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendEvent {
    /// Loading a landscape: pages fetched and systems read so far.
    Loading { pages: usize, systems: usize },
    /// One backend call, identified by `step` (0, 1, 2, … in the order they are made).
    Call {
        step: usize,
        label: String,
        state: CallState,
    },
    /// Each member's assignment state while the formation settles, by system id, and how
    /// long the wait has lasted so far.
    Assignments {
        formation_id: String,
        systems: BTreeMap<String, Assignment>,
        elapsed: Duration,
    },
}

/// One call of a change as progress knows it (where it goes, its step number, its label),
/// so that a backend can say when it retries that call; `None` reports nothing.
pub type CallReport<'a> = Option<(&'a Progress, usize, &'a str)>;

/// Where progress goes; `Progress::none()` discards it.
#[derive(Debug, Clone, Default)]
pub struct Progress(Option<UnboundedSender<BackendEvent>>);

impl Progress {
    pub fn none() -> Self {
        Progress(None)
    }

    pub fn to(sender: UnboundedSender<BackendEvent>) -> Self {
        Progress(Some(sender))
    }

    pub fn emit(&self, event: BackendEvent) {
        if let Some(tx) = &self.0 {
            // A receiver that went away (the UI quit) is not the work's problem.
            let _ = tx.send(event);
        }
    }

    pub fn call(&self, step: usize, label: &str, state: CallState) {
        self.emit(BackendEvent::Call {
            step,
            label: label.to_owned(),
            state,
        });
    }
}
