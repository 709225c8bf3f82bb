//! The screen stack of the app (issue 11): the creation wizard, the Formations screen and
//! the Formation screen. The top one gets the keys and is drawn; Esc pops.

use std::time::Duration;

use super::screens::doctor::Checklist;
use super::screens::formation::Formation;
use super::screens::formations::Formations;

/// One screen on the stack. The wizard's state lives in the model's `step` and `data`
/// (there is one wizard), so its entry carries nothing.
#[derive(Debug, Clone)]
pub enum Screen {
    Wizard,
    Formations(Formations),
    Formation(Formation),
    /// The prerequisites of the formation type (`crate::doctor`), over the wizard.
    Prerequisites(Checklist),
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

/// How long to wait before reading the landscape again, if the top screen shows something
/// in progress; `None` when nothing shown is in progress (then nothing polls).
pub fn poll_after(stack: &[Screen]) -> Option<Duration> {
    let formations = stack.iter().rev().find_map(|s| match s {
        Screen::Formations(f) => Some(f),
        _ => None,
    })?;
    match stack.last()? {
        Screen::Formations(f) => f.poll_after(),
        Screen::Formation(f) if f.in_progress() => Some(formations.backoff()),
        _ => None,
    }
}

#[cfg(test)]
#[path = "stack_tests.rs"]
pub(crate) mod tests;
