//! The messages that change the model and the commands `update` gives the runtime.

use std::time::Duration;

use ratatui::crossterm::event::KeyEvent;

use crate::backend::registration::IssuedToken;
use crate::backend::{BackendError, BackendEvent};
use crate::catalog::Catalog;
use crate::landscape::{Landscape, System};
use crate::plan::FormationPlan;

/// How the wizard ends: the exit code and what to print once the terminal is restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    pub code: u8,
    /// For stdout (a summary of what was created).
    pub summary: Option<String>,
    /// For stderr.
    pub message: Option<String>,
}

/// A failed piece of background work, as the user will read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl From<BackendError> for Failure {
    fn from(e: BackendError) -> Self {
        Failure {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The spinner's beat while work is in flight.
    Tick,
    Loaded(Result<Box<Landscape>, Failure>),
    /// The last landscape read from this Director (`crate::cache`), shown until the fresh
    /// one is in; with when it was read ("14:02 UTC").
    Cached(Box<Landscape>, String),
    /// The backend's own rules (a Director's formation templates) laid over the catalog,
    /// with a note for each difference.
    Rules(Box<Catalog>, Vec<String>),
    Progress(BackendEvent),
    /// The operations layer's create ended (created whole, refused, or undone).
    Created(Result<crate::ops::CreateOutcome, Failure>),
    /// The runtime drew the create confirmation and dropped the keys read before it.
    ConfirmShown,
    /// A token requested or a system watched from the Register panel.
    Register(RegisterMsg),
    /// A change asked for on the Formation screen ended: what happened to each system.
    Changed(Change, Result<crate::ops::ChangeOutcome, Failure>),
    /// The landscape read again for the management screens, with the generation of the
    /// `Cmd::Refresh` that asked (only the latest one schedules the next poll).
    Refreshed(u64, Result<Box<Landscape>, Failure>),
}

/// Work for the runtime; each comes back as a `Msg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    Load,
    Create(FormationPlan),
    /// Ctrl-C while a change runs: the runtime tells the operation to stop (the first
    /// time: finish the call in flight and undo) or ends at once (the second time).
    Interrupt,
    /// Request a registration token (Register panel).
    RequestToken {
        system_id: String,
        groups: Vec<String>,
    },
    /// Read one system again after a pause (Register panel).
    WatchSystem {
        system_id: String,
        after: Duration,
    },
    /// Copy the Register panel's token with OSC 52 (the runtime reads it from the model).
    CopyToken,
    /// Register a new system (Register panel).
    RegisterSystem(crate::backend::registration::NewSystem),
    /// A change to an existing formation (the Formation screen's actions).
    Change(Change),
    /// Read the landscape again after `after`, for the management screens.
    Refresh {
        after: Duration,
        generation: u64,
    },
}

/// A change the Formation screen asks for, run on the backend by the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Assigned one after another, as the `assign` command does.
    Assign {
        formation_id: String,
        systems: Vec<String>,
    },
    Unassign {
        formation_id: String,
        system: String,
        /// The question said the formation stops working without it, and the user said y.
        accept_breaking: bool,
    },
    Resync {
        formation_id: String,
    },
    Finalize {
        formation_id: String,
    },
    /// Its members as they are then are unassigned first, then the formation goes (the
    /// Director's order; `ops::change::delete`).
    Delete {
        formation_id: String,
    },
}

impl Change {
    pub fn formation_id(&self) -> &str {
        match self {
            Change::Assign { formation_id, .. }
            | Change::Unassign { formation_id, .. }
            | Change::Resync { formation_id }
            | Change::Finalize { formation_id }
            | Change::Delete { formation_id } => formation_id,
        }
    }
}

/// What the runtime tells the panel.
#[derive(Debug)]
pub enum RegisterMsg {
    Registered(Result<Box<System>, Failure>),
    TokenIssued(Result<IssuedToken, Failure>),
    SystemSeen(Result<Box<System>, Failure>),
}
