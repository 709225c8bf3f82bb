//! The scriptable commands, one file per command family: `check` and `create`
//! (`create.rs`), `types` and `systems` (`catalog.rs`), the day-two commands
//! (`formations.rs`), formations as code (`declare.rs`), registration (`register.rs`),
//! `recover`, `generate`. Each loads the landscape through a backend, asks the rule engine,
//! changes it only through `crate::ops`, prints, and returns the exit code.

mod catalog;
mod create;
mod declare;
mod doctor;
mod formations;
mod generate;
mod login;
mod recover;
mod register;
mod server_rules;

use crate::backend::{self, Backend};
use crate::catalog::Catalog;
use crate::cli::{Command, Format, SourceArgs};
use crate::error::AppError;
use crate::landscape::Landscape;
use crate::ops;
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
            let backend = open(source)?;
            let landscape = load(backend.as_ref(), catalog).await?;
            let code = catalog::systems(&landscape, catalog, formation_type.as_deref(), *format);
            left_at_exit(landscape);
            code
        }
        Command::Generate(args) => generate::generate(args, catalog),
        Command::Login(args) => login::login(args).await,
        Command::Logout { profile } => login::logout(profile.as_deref()),
        Command::Check(args) => {
            let backend = open(source)?;
            create::check(backend.as_ref(), args, catalog).await
        }
        Command::Create {
            plan,
            dry_run,
            draft,
        } => {
            let backend = open(source)?;
            create::create(backend.as_ref(), plan, *dry_run, *draft, source, catalog).await
        }
        Command::Doctor {
            formation_type,
            format,
            ..
        } => {
            let backend = open(source)?;
            doctor::doctor(
                backend.as_ref(),
                formation_type.as_deref(),
                *format,
                source,
                catalog,
            )
            .await
        }
        Command::Recover { .. } => {
            let backend = backend::open(&source.source())?;
            recover::recover(backend.as_ref(), source, catalog).await
        }
        Command::Formations { .. }
        | Command::Show(_)
        | Command::Assign(_)
        | Command::Unassign(_)
        | Command::Resync { .. }
        | Command::Finalize(_)
        | Command::Delete(_)
        | Command::Status { .. } => {
            let backend = open(source)?;
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

/// Opens the landscape the options name, and says on stderr when a killed process left a
/// change on it half-done (the journal's records), with the command that mends it.
pub(crate) fn open(source: &SourceArgs) -> Result<Box<dyn Backend>, AppError> {
    let backend = backend::open(&source.source())?;
    let flags = source.source().flags();
    for (_, record) in ops::Journal::for_backend(backend.as_ref()).left_open() {
        eprintln!(
            "formation-wizard: a change was cut short (process {}, started {}): {}. `{}` finishes or undoes it.",
            record.pid,
            crate::text::neutralise(&record.started),
            record.left(),
            ops::command_line("recover", &flags)
        );
    }
    Ok(backend)
}

/// What a changing command gives the operations layer: its backend and rules, progress on
/// stderr, interrupts from the terminal and the signals (Ctrl-C, SIGTERM, SIGHUP), the
/// landscape's journal, and the options that name the landscape (for advice).
pub(crate) fn ops_ctx<'a>(
    backend: &'a dyn Backend,
    catalog: &'a Catalog,
    source: &SourceArgs,
    progress: &backend::Progress,
) -> ops::Ctx<'a> {
    let mut ctx = ops::Ctx::new(backend, catalog);
    ctx.progress = progress.clone();
    ops::interrupt::on_signals(&ctx.stop);
    ctx.source_flags = source.source().flags();
    ctx
}

/// Loads the landscape, with progress on stderr when it takes more than a moment.
/// Lets what a one-shot command read go without freeing it: the process ends right after
/// the command, and the system gives the memory back at once, whereas freeing a landscape
/// of 100,000 systems string by string takes longer than validating it (issue 22). Only
/// for commands whose process exits when they return; nothing is written on drop.
pub(crate) fn left_at_exit<T>(value: T) {
    std::mem::forget(value);
}

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
