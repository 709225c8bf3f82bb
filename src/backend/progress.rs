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

#[derive(Debug, Clone, PartialEq)]
pub enum BackendEvent {
    /// Loading a landscape: pages fetched and systems read so far.
    Loading { pages: usize, systems: usize },
    /// The systems of one page as it arrives, and how many the Director says there are in
    /// all: the wizard shows rows before the last page is in (issue 22, point 2).
    Rows {
        batch: Vec<crate::landscape::System>,
        total: usize,
    },
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
pub struct Progress {
    sender: Option<UnboundedSender<BackendEvent>>,
    /// Whether the receiver shows rows as they load (`BackendEvent::Rows`): only the
    /// TUI does, and a backend spends nothing on them for anyone else.
    rows: bool,
}

impl Progress {
    pub fn none() -> Self {
        Progress::default()
    }

    pub fn to(sender: UnboundedSender<BackendEvent>) -> Self {
        Progress {
            sender: Some(sender),
            rows: false,
        }
    }

    /// Progress that also takes each page's systems as they arrive.
    pub fn with_rows(mut self) -> Self {
        self.rows = self.sender.is_some();
        self
    }

    pub fn wants_rows(&self) -> bool {
        self.rows
    }

    pub fn emit(&self, event: BackendEvent) {
        if let Some(tx) = &self.sender {
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
