//! Every change to the landscape, written once: create (with its systems), assign,
//! unassign, delete, resync, finalize and register. The commands, the TUI's screens and
//! `apply` all call these functions; none keeps a copy of its own.
//!
//! Each operation runs as explicit steps — checked against the landscape as it is now, sent,
//! confirmed, followed until final — and then is done, or undoes what it did. Progress goes
//! to one channel (`Progress`), which the commands print on stderr and the TUI draws. Before
//! each step that changes the landscape the journal says what is about to happen, so a
//! process killed half-way is reported by the next command and mended by `recover`. An
//! interrupt stops the operation from starting new steps; the call in flight finishes and
//! what was done is undone. The outcome says what really happened to each system: a system
//! whose assignment ends in error is never reported as added.

pub mod change;
pub mod create;
pub mod follow;
pub mod interrupt;
pub mod journal;
pub mod recover;
pub mod register;

use crate::backend::{Backend, BackendError, CallState, Progress};
use crate::catalog::Catalog;

pub use change::{Action, ChangeEnd, ChangeOutcome};
pub use create::{CreateOutcome, End};
pub use follow::{Final, Policy};
pub use interrupt::Interrupt;
pub use journal::Journal;

/// What an operation works with: the backend, the rules, where progress goes, the interrupt
/// it obeys, the journal it writes, and how it follows changes.
pub struct Ctx<'a> {
    pub backend: &'a dyn Backend,
    pub catalog: &'a Catalog,
    pub progress: Progress,
    pub stop: Interrupt,
    pub journal: Journal,
    pub follow: Policy,
    /// How the user names this landscape on the command line (`--landscape x.json`), for
    /// advice such as "`formation-wizard show "TC EU" --landscape x.json`".
    pub source_flags: String,
}

impl<'a> Ctx<'a> {
    /// The usual context: the backend's own journal, the default following, no progress.
    pub fn new(backend: &'a dyn Backend, catalog: &'a Catalog) -> Ctx<'a> {
        Ctx {
            backend,
            catalog,
            progress: Progress::none(),
            stop: Interrupt::new(),
            journal: Journal::for_backend(backend),
            follow: Policy::default(),
            source_flags: String::new(),
        }
    }

    /// A command line naming `what` on this landscape, e.g. `formation-wizard show "TC EU"
    /// --landscape x.json`.
    pub fn command(&self, what: &str) -> String {
        command_line(what, &self.source_flags)
    }
}

/// `formation-wizard WHAT FLAGS`, for advice the user can paste.
pub fn command_line(what: &str, flags: &str) -> String {
    if flags.is_empty() {
        format!("formation-wizard {what}")
    } else {
        format!("formation-wizard {what} {flags}")
    }
}

/// The calls an operation makes, numbered in order, as progress events.
struct Calls<'p> {
    progress: &'p Progress,
    next: usize,
}

impl<'p> Calls<'p> {
    fn new(progress: &'p Progress) -> Calls<'p> {
        Calls { progress, next: 0 }
    }

    fn start(&mut self, label: String) -> Call<'p> {
        let step = self.next;
        self.next += 1;
        self.progress.call(step, &label, CallState::Started);
        Call {
            progress: self.progress,
            step,
            label,
        }
    }
}

struct Call<'p> {
    progress: &'p Progress,
    step: usize,
    label: String,
}

impl Call<'_> {
    /// For the backend, to say when it retries this call.
    fn report(&self) -> crate::backend::CallReport<'_> {
        Some((self.progress, self.step, &self.label))
    }

    fn done(self) {
        self.progress.call(self.step, &self.label, CallState::Done);
    }

    fn failed(self, why: &str) {
        self.progress
            .call(self.step, &self.label, CallState::Failed(why.to_owned()));
    }
}

/// One sentence for an error that ends an operation.
fn said(e: &BackendError) -> String {
    crate::text::neutralise(&e.to_string()).into_owned()
}

/// Quotes a command-line argument for a POSIX shell when it needs it.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
pub mod scripted;

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("x.json"), "x.json");
        assert_eq!(shell_word("TC EU"), "'TC EU'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
