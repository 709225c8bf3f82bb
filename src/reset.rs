//! `--reset-demo`: restoring the demo landscape throws away the formations created in it,
//! so it is deliberate — asked on a terminal, `--yes` otherwise — and says what it reset.

use crate::error::AppError;

/// How the reset was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// `--yes` was given.
    Given,
    /// On a terminal: ask.
    Ask,
    /// Not on a terminal and no `--yes`.
    Missing,
}

pub fn consent(yes: bool, terminal: bool) -> Consent {
    match (yes, terminal) {
        (true, _) => Consent::Given,
        (false, true) => Consent::Ask,
        (false, false) => Consent::Missing,
    }
}

/// Asks (or checks `--yes`), resets the demo landscape and says so on stderr. An answer
/// other than yes ends with "cancelled" (exit 130) and changes nothing.
pub fn reset_demo(yes: bool) -> Result<(), AppError> {
    let path = crate::demo::data_dir()?.join("demo-landscape.json");
    let shown = path.display();
    let terminal = crate::prompt::on_terminal();
    match consent(yes, terminal) {
        Consent::Given => {}
        Consent::Missing => {
            return Err(AppError::Usage(format!(
                "--reset-demo would overwrite {shown} and lose the formations created in it; add --yes to confirm when not on a terminal"
            )));
        }
        Consent::Ask => {
            if !crate::prompt::ask(
                &format!(
                    "Reset the demo landscape {shown} to its original content? Formations created in it are lost."
                ),
                crate::prompt::Needs::Yes,
            )? {
                return Err(AppError::Cancelled(
                    "the demo landscape was not reset; nothing was changed".into(),
                ));
            }
        }
    }
    crate::demo::ensure(true)?;
    eprintln!("formation-wizard: reset the demo landscape {shown} to its original content.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_needs_yes_or_a_terminal_answer() {
        assert_eq!(consent(true, false), Consent::Given);
        assert_eq!(consent(true, true), Consent::Given);
        assert_eq!(consent(false, true), Consent::Ask);
        assert_eq!(consent(false, false), Consent::Missing);
        // Resetting loses every formation created in the demo: only "yes" goes on.
        let needs = crate::prompt::Needs::Yes;
        for (answer, want) in [
            ("yes\n", true),
            ("YES", true),
            ("y\n", false),
            ("\n", false),
            ("n", false),
            ("yep", false),
        ] {
            assert_eq!(needs.accepts(answer), want, "{answer:?}");
        }
    }
}
