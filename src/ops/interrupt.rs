//! Interrupts during a change. The first Ctrl-C, SIGTERM or SIGHUP asks the running
//! operation to stop starting new steps; it lets the call in flight finish and undoes what
//! it did. A second one ends the process at once, saying what is left: by then the user
//! wants out more than they want a tidy landscape, and the journal remembers the rest.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// Shared by the surface that hears the interrupt and the operation that obeys it.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    count: AtomicU32,
    notify: Notify,
    /// What a stop at once would leave behind, in one sentence; `None` while nothing is.
    left: Mutex<Option<String>>,
    /// Operations running now: an interrupt with none running has nothing to undo.
    running: AtomicU32,
}

impl Interrupt {
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// Records one interrupt and answers how many there have been.
    pub fn raise(&self) -> u32 {
        let n = self.0.count.fetch_add(1, Ordering::SeqCst) + 1;
        self.0.notify.notify_waiters();
        n
    }

    pub fn requested(&self) -> bool {
        self.0.count.load(Ordering::SeqCst) > 0
    }

    /// Resolves once an interrupt has been raised (at once if one already was).
    pub async fn raised(&self) {
        loop {
            let notified = self.0.notify.notified();
            if self.requested() {
                return;
            }
            notified.await;
        }
    }

    /// What is left if the process ended now.
    pub fn left(&self) -> Option<String> {
        self.0.left.lock().ok().and_then(|l| l.clone())
    }

    pub(crate) fn set_left(&self, what: Option<String>) {
        if let Ok(mut l) = self.0.left.lock() {
            *l = what;
        }
    }

    /// Whether an operation is running (a change to the landscape is under way).
    pub fn busy(&self) -> bool {
        self.0.running.load(Ordering::SeqCst) > 0
    }

    /// Marks an operation as running until the guard is dropped.
    pub(crate) fn running(&self) -> Running {
        self.0.running.fetch_add(1, Ordering::SeqCst);
        Running(self.clone())
    }
}

/// While alive, an operation is running.
pub(crate) struct Running(Interrupt);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.0.running.fetch_sub(1, Ordering::SeqCst);
        self.0.set_left(None);
    }
}

/// The sentence printed when a second interrupt ends the process at once.
pub fn stopped_at_once(left: Option<&str>) -> String {
    match left {
        Some(left) => format!(
            "stopped at once: {left}. `formation-wizard recover` (with the same source options) finishes or undoes it."
        ),
        None => "stopped at once; nothing was left half-done.".into(),
    }
}

/// For the commands: SIGINT, SIGTERM and SIGHUP raise `interrupt`; the second ends the
/// process with exit 130, naming what is left. Must run inside the tokio runtime.
pub fn on_signals(interrupt: &Interrupt) {
    use tokio::signal::unix::{SignalKind, signal};
    let kinds = [
        SignalKind::interrupt(),
        SignalKind::terminate(),
        SignalKind::hangup(),
    ];
    for kind in kinds {
        let Ok(mut stream) = signal(kind) else {
            tracing::warn!(?kind, "cannot listen for the signal");
            continue;
        };
        let interrupt = interrupt.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if interrupt.raise() == 1 && interrupt.busy() {
                    eprintln!(
                        "\nInterrupted: the call in flight finishes, then what this change did is undone. Interrupt again to stop at once."
                    );
                } else if interrupt.busy() {
                    eprintln!(
                        "\nformation-wizard: {}",
                        crate::text::neutralise(&stopped_at_once(interrupt.left().as_deref()))
                    );
                    std::process::exit(i32::from(crate::error::exit::CANCELLED));
                } else {
                    // Nothing is being changed: nothing to undo, nothing to wait for.
                    std::process::exit(i32::from(crate::error::exit::CANCELLED));
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn raised_resolves_after_the_first_interrupt() {
        let i = Interrupt::new();
        assert!(!i.requested());
        let waiter = {
            let i = i.clone();
            tokio::spawn(async move { i.raised().await })
        };
        tokio::task::yield_now().await;
        assert_eq!(i.raise(), 1);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("raised() resolves")
            .expect("the waiter did not panic");
        assert_eq!(i.raise(), 2);
    }

    #[test]
    fn running_guards_count_and_clear_what_is_left() {
        let i = Interrupt::new();
        {
            let _r = i.running();
            i.set_left(Some("x".into()));
            assert!(i.busy());
            assert_eq!(i.left().as_deref(), Some("x"));
        }
        assert!(!i.busy());
        assert_eq!(i.left(), None);
    }
}
