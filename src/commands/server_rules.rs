//! The rules a backend enforces itself (a Director's formation templates) laid over the
//! built-in catalog: `check`, `create` and `types --director` use them and say where they
//! differ, so a rule changed on the server needs no new release.

use super::print;
use crate::backend::{self, Backend, Source};
use crate::catalog::Catalog;
use crate::cli::{Format, SourceArgs};
use crate::error::{AppError, exit};
use crate::output;
use crate::text::neutralise;

/// The catalog with the backend's own rules, each difference said on stderr.
pub(crate) async fn effective(
    backend: &dyn Backend,
    catalog: &Catalog,
) -> Result<Catalog, AppError> {
    let (rules, notes) = backend.rules(catalog).await?;
    for note in notes {
        eprintln!("{}", neutralise(&note));
    }
    Ok(rules)
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
            effective(backend.as_ref(), catalog).await?
        }
        _ => catalog.clone(),
    };
    print(format, &rules.formation_types, || {
        output::types_text(&rules)
    });
    Ok(exit::OK)
}
