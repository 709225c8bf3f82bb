//! The scriptable commands, one file per command family: `check` and `create`
//! (`create.rs`), `types` and `systems` (`catalog.rs`), `generate`. Each loads the
//! landscape through a backend, asks the rule engine, prints, and returns the exit code.

mod catalog;
mod create;
mod declare;
mod formations;
mod generate;
mod register;
mod server_rules;

use crate::backend::{self, Backend};
use crate::catalog::Catalog;
use crate::cli::{Command, Format, SourceArgs};
use crate::error::AppError;
use crate::landscape::Landscape;
use crate::output;

pub async fn run(
    command: &Command,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    match command {
        Command::Types { format } => server_rules::types(source, *format, catalog).await,
        Command::Systems {
            formation_type,
            format,
            ..
        } => {
            let backend = backend::open(&source.source())?;
            let landscape = load(backend.as_ref(), catalog).await?;
            catalog::systems(&landscape, catalog, formation_type.as_deref(), *format)
        }
        Command::Generate(args) => generate::generate(args, catalog),
        Command::Check(args) => {
            let backend = backend::open(&source.source())?;
            create::check(backend.as_ref(), args, catalog).await
        }
        Command::Create {
            plan, draft: true, ..
        } => {
            let backend = backend::open(&source.source())?;
            formations::create_draft(backend.as_ref(), plan, catalog).await
        }
        Command::Create { plan, dry_run, .. } => {
            let backend = backend::open(&source.source())?;
            create::create(backend.as_ref(), plan, *dry_run, catalog).await
        }
        Command::Formations { .. }
        | Command::Show(_)
        | Command::Assign(_)
        | Command::Unassign(_)
        | Command::Resync { .. }
        | Command::Finalize(_)
        | Command::Delete(_)
        | Command::Status { .. } => {
            let backend = backend::open(&source.source())?;
            formations::run(backend.as_ref(), command, source, catalog).await
        }
        Command::Export { .. } | Command::Plan(_) | Command::Apply(_) => {
            declare::run(command, source, catalog).await
        }
        Command::Sandbox(args) => crate::sandbox::run(args, source, catalog).await,
        Command::Register(_) | Command::Token(_) | Command::Wait(_) | Command::Pair { .. } => {
            register::run(command, source, catalog).await
        }
        // The TUI, opened by main before the commands.
        Command::Manage { .. } => Err(AppError::Usage(
            "`manage` opens the TUI and needs a terminal".into(),
        )),
    }
}

/// Loads the landscape, with progress on stderr when it takes more than a moment.
pub(crate) async fn load(backend: &dyn Backend, catalog: &Catalog) -> Result<Landscape, AppError> {
    let printer = backend::StderrProgress::start();
    let landscape = backend.load(catalog, printer.progress()).await;
    printer.finish().await;
    Ok(landscape?)
}

/// Prints `value` as JSON, or the text `text` makes.
/// A reader that went away (`| head`) is not an error: the rest is not wanted.
pub(crate) fn print<T: serde::Serialize>(format: Format, value: &T, text: impl FnOnce() -> String) {
    use std::io::Write;
    let out = match format {
        Format::Json => format!("{}\n", output::json(value)),
        Format::Text => text(),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush());
}
