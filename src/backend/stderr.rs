//! Progress for the commands: after a moment of loading, a line on stderr that says how
//! far it got. Quick loads print nothing; stdout stays clean for scripts.

use std::io::Write;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{BackendEvent, Progress};

/// Loading shorter than this shows no progress.
const QUIET_FOR: Duration = Duration::from_secs(1);

pub struct StderrProgress {
    progress: Progress,
    task: tokio::task::JoinHandle<()>,
}

impl StderrProgress {
    /// Starts the printer; `finish` ends the line it may have drawn.
    pub fn start() -> StderrProgress {
        let (tx, rx) = mpsc::unbounded_channel();
        StderrProgress {
            progress: Progress::to(tx),
            task: tokio::spawn(print(rx, Instant::now())),
        }
    }

    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    pub async fn finish(self) {
        let StderrProgress { progress, task } = self;
        drop(progress);
        let _ = task.await;
    }
}

async fn print(mut rx: mpsc::UnboundedReceiver<BackendEvent>, started: Instant) {
    let mut drew = false;
    while let Some(event) = rx.recv().await {
        if let BackendEvent::Loading { pages, systems } = event
            && started.elapsed() >= QUIET_FOR
        {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\rLoading the landscape: {systems} systems ({pages} pages)…"
            );
            let _ = err.flush();
            drew = true;
        }
    }
    if drew {
        eprintln!();
    }
}
