//! The rules a backend enforces itself (a Director's formation templates) laid over the
//! built-in catalog: `check`, `create` and `types --director` use them and say where they
//! differ, so a rule changed on the server needs no new release.

use super::print;
use crate::backend::{self, Backend, RuleNote, Source};
use crate::catalog::Catalog;
use crate::cli::{Format, SourceArgs};
use crate::error::{AppError, exit};
use crate::output;
use crate::text::neutralise;

/// Which differences from the built-in catalog a command says.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Say<'a> {
    /// Every one (`types --director`).
    All,
    /// Only those of the formation type in use (given as the user typed it).
    For(&'a str),
    /// None: the command uses no one formation type's rules.
    Nothing,
}

/// The catalog with the backend's own rules, the differences that concern the command said
/// once on stderr.
pub(crate) async fn effective(
    backend: &dyn Backend,
    catalog: &Catalog,
    say: Say<'_>,
) -> Result<Catalog, AppError> {
    let (rules, notes) = backend.rules(catalog).await?;
    for message in to_say(&notes, say, catalog) {
        eprintln!("{}", neutralise(message));
    }
    Ok(rules)
}

/// The notes a command says: each once, and only those of the type in use.
fn to_say<'n>(notes: &'n [RuleNote], say: Say<'_>, catalog: &Catalog) -> Vec<&'n str> {
    let in_use = match say {
        Say::For(key) => catalog.find(key).map(|t| t.id.as_str()),
        _ => None,
    };
    let mut out: Vec<&str> = Vec::new();
    for note in notes {
        let said = match say {
            Say::All => true,
            Say::For(_) => in_use == Some(note.type_id.as_str()),
            Say::Nothing => false,
        };
        if said && !out.contains(&note.message.as_str()) {
            out.push(&note.message);
        }
    }
    out
}

/// `types`: the catalog, or with a Director as the source, the Director's rules.
pub(super) async fn types(
    source: &SourceArgs,
    format: Format,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let source = source.source();
    let rules = match source {
        Source::Director(_) => {
            let backend = backend::open(&source)?;
            effective(backend.as_ref(), catalog, Say::All).await?
        }
        _ => catalog.clone(),
    };
    print(format, &rules.formation_types, || {
        output::types_text(&rules)
    });
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 19 point 7: a difference is said for the formation type in use only (by any
    /// of its names), by `types --director` always, and by commands without a type never.
    #[test]
    fn differences_are_said_for_the_type_in_use_only() {
        let catalog = Catalog::embedded().expect("catalog");
        let note = |type_id: &str, message: &str| RuleNote {
            type_id: type_id.into(),
            message: message.into(),
        };
        let notes = vec![
            note("sap-task-center", "Task Center differs"),
            note("sap-subscription-billing", "Billing differs"),
        ];
        let tc = catalog.by_id("sap-task-center").expect("type");
        assert_eq!(
            to_say(&notes, Say::For(&tc.name), &catalog),
            vec!["Task Center differs"]
        );
        assert_eq!(
            to_say(&notes, Say::For("sap-task-center"), &catalog),
            vec!["Task Center differs"]
        );
        assert_eq!(to_say(&notes, Say::All, &catalog).len(), 2);
        assert!(to_say(&notes, Say::Nothing, &catalog).is_empty());
    }
}
