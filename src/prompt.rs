//! Asking the person at the terminal before anything changes: one question on stderr, one
//! answer read from stdin. One rule for every question: a y/n question (`[y/N]`) goes on
//! with `y` or `yes`; a question that changes much or cannot be taken back (`Type yes to go
//! on`) goes on only with `yes`. The prompt says which. Every command that creates, changes
//! or deletes asks through here (or takes `--yes`).

use std::io::{BufRead, IsTerminal, Write};

use crate::error::AppError;

/// What answer goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// `y` or `yes` (any case): for a change of one thing.
    Y,
    /// Only the word `yes` (any case): for deleting a formation with systems, `apply`,
    /// resetting the demo landscape.
    Yes,
}

impl Needs {
    /// The end of the question, saying which answer goes on.
    pub fn prompt(self) -> &'static str {
        match self {
            Needs::Y => "[y/N] ",
            Needs::Yes => "Type yes to go on: ",
        }
    }

    /// Whether `answer` goes on.
    pub fn accepts(self, answer: &str) -> bool {
        let answer = answer.trim().to_ascii_lowercase();
        match self {
            Needs::Y => matches!(answer.as_str(), "y" | "yes"),
            Needs::Yes => answer == "yes",
        }
    }
}

/// Whether there is a person to ask: stdin and stderr are both a terminal.
pub fn on_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// "y" or "yes" in any case, with spaces around: the answer to a y/n question.
pub fn is_yes(answer: &str) -> bool {
    Needs::Y.accepts(answer)
}

/// Asks `question` and waits for the answer (blocking).
pub fn ask(question: &str, needs: Needs) -> Result<bool, AppError> {
    Ok(needs.accepts(&answer(&format!("{question} {}", needs.prompt()))?))
}

/// Writes `question` on stderr and reads one line of answer (blocking).
pub fn answer(question: &str) -> Result<String, AppError> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| AppError::Usage(format!("cannot read the answer from the terminal: {e}")))?;
    Ok(line)
}

/// [`ask`] on a blocking thread, for async commands.
pub async fn ask_async(question: String, needs: Needs) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || ask(&question, needs))
        .await
        .map_err(|e| AppError::Usage(format!("the prompt stopped: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::Needs;

    #[test]
    fn a_y_n_question_takes_y_and_a_yes_question_only_yes() {
        for (answer, y, yes) in [
            ("y\n", true, false),
            ("Y", true, false),
            ("yes\n", true, true),
            (" YES ", true, true),
            ("\n", false, false),
            ("n", false, false),
            ("yep", false, false),
        ] {
            assert_eq!(Needs::Y.accepts(answer), y, "{answer:?} to a y/n question");
            assert_eq!(
                Needs::Yes.accepts(answer),
                yes,
                "{answer:?} to a yes question"
            );
        }
        assert!(Needs::Y.prompt().contains("y/N"));
        assert!(Needs::Yes.prompt().contains("yes"));
    }
}
