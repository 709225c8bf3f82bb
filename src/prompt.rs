//! Asking the person at the terminal before anything changes: one question on stderr, one
//! answer read from stdin; only "y" or "yes" goes on. Every command that creates, changes
//! or deletes asks through here (or takes `--yes`).

use std::io::{BufRead, IsTerminal, Write};

use crate::error::AppError;

/// Whether there is a person to ask: stdin and stderr are both a terminal.
pub fn on_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// "y" or "yes" in any case, with spaces around.
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Asks `question` and waits for the answer (blocking).
pub fn ask(question: &str) -> Result<bool, AppError> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question} Type yes to go on: ");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| AppError::Usage(format!("cannot read the answer from the terminal: {e}")))?;
    Ok(is_yes(&line))
}

/// [`ask`] on a blocking thread, for async commands.
pub async fn ask_async(question: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || ask(&question))
        .await
        .map_err(|e| AppError::Usage(format!("the prompt stopped: {e}")))?
}
