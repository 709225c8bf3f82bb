//! The scriptable commands: `check`, `create`, `types`, `systems`. Each loads the landscape
//! through a backend, asks the rule engine, prints, and returns the exit code.

use crate::backend::{self, Backend, CreateOutcome, Progress};
use crate::catalog::Catalog;
use crate::cli::{Command, Format, PlanArgs, SourceArgs};
use crate::error::{AppError, exit};
use crate::landscape::Landscape;
use crate::output::{self, TypeCandidates, Verdict};
use crate::plan::{FormationPlan, PlanError};
use crate::rules;

pub async fn run(
    command: &Command,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    match command {
        Command::Types { format } => {
            print(*format, &catalog.formation_types, || {
                output::types_text(catalog)
            });
            Ok(exit::OK)
        }
        Command::Systems {
            formation_type,
            format,
        } => {
            let backend = backend::open(&source.source())?;
            let landscape = load(backend.as_ref(), catalog).await?;
            systems(&landscape, catalog, formation_type.as_deref(), *format)
        }
        Command::Generate(args) => generate(args, catalog),
        Command::Check(args) => {
            let backend = backend::open(&source.source())?;
            check(backend.as_ref(), args, catalog).await
        }
        Command::Create { plan, dry_run } => {
            let backend = backend::open(&source.source())?;
            create(backend.as_ref(), plan, *dry_run, catalog).await
        }
        Command::Sandbox(args) => crate::sandbox::run(args, source, catalog).await,
    }
}

/// Loads the landscape, with progress on stderr when it takes more than a moment.
async fn load(backend: &dyn Backend, catalog: &Catalog) -> Result<Landscape, AppError> {
    let printer = backend::StderrProgress::start();
    let landscape = backend.load(catalog, printer.progress()).await;
    printer.finish().await;
    Ok(landscape?)
}

fn print<T: serde::Serialize>(format: Format, value: &T, text: impl FnOnce() -> String) {
    match format {
        Format::Json => println!("{}", output::json(value)),
        Format::Text => print!("{}", text()),
    }
}

fn systems(
    landscape: &Landscape,
    catalog: &Catalog,
    type_key: Option<&str>,
    format: Format,
) -> Result<u8, AppError> {
    let Some(key) = type_key else {
        let rows = output::system_rows(landscape);
        print(format, &serde_json::json!({ "systems": rows }), || {
            output::systems_text(&rows)
        });
        return Ok(exit::OK);
    };
    let ftype = catalog.find(key).ok_or_else(|| PlanError::UnknownType {
        given: key.to_owned(),
    })?;
    let plan = FormationPlan {
        type_id: ftype.id.clone(),
        ..FormationPlan::default()
    };
    let report = rules::evaluate(&plan, landscape, catalog);
    let tc = TypeCandidates {
        type_name: &ftype.name,
        type_id: &ftype.id,
        candidates: &report.candidates,
        excluded: output::excluded(ftype, landscape),
    };
    print(format, &tc, || output::candidates_text(&tc));
    Ok(exit::OK)
}

/// The landscape, the plan the arguments name, and its verdict: what `check` and `create`
/// both start from.
async fn checked(
    backend: &dyn Backend,
    args: &PlanArgs,
    catalog: &Catalog,
) -> Result<(Landscape, FormationPlan, rules::Report), AppError> {
    let landscape = load(backend, catalog).await?;
    let plan = FormationPlan::resolve(
        &args.name,
        &args.formation_type,
        &args.systems,
        &landscape,
        catalog,
    )?;
    let report = rules::evaluate(&plan, &landscape, catalog);
    Ok((landscape, plan, report))
}

fn verdict_code(report: &rules::Report) -> u8 {
    if report.valid {
        exit::OK
    } else {
        exit::RULES_NOT_SATISFIED
    }
}

async fn check(backend: &dyn Backend, args: &PlanArgs, catalog: &Catalog) -> Result<u8, AppError> {
    let (landscape, plan, report) = checked(backend, args, catalog).await?;
    show(
        args.format,
        &plan,
        &report,
        &landscape,
        catalog,
        None,
        false,
    );
    Ok(verdict_code(&report))
}

async fn create(
    backend: &dyn Backend,
    args: &PlanArgs,
    dry_run: bool,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let (landscape, plan, report) = checked(backend, args, catalog).await?;
    if !report.valid || dry_run {
        show(
            args.format,
            &plan,
            &report,
            &landscape,
            catalog,
            None,
            dry_run,
        );
        return Ok(verdict_code(&report));
    }
    match backend.create(&plan, catalog, &Progress::none()).await? {
        CreateOutcome::Created(created) => {
            show(
                args.format,
                &plan,
                &report,
                &landscape,
                catalog,
                Some(&created),
                false,
            );
            Ok(exit::OK)
        }
        CreateOutcome::Partial {
            formation,
            assigned,
            failed,
        } => roll_back(backend, &formation.id, &assigned, &failed).await,
        CreateOutcome::Refused(report) => {
            // Read again to say what changed; the verdict is the one made under the lock.
            let fresh = backend.load(catalog, &Progress::none()).await;
            let mut note = "The landscape changed since it was read; checked again, the formation breaks a rule and was not created.".to_owned();
            match &fresh {
                Ok(fresh) => {
                    let changes = crate::changes::describe(&landscape, fresh);
                    if !changes.is_empty() {
                        note.push_str(" What changed:");
                        for c in changes {
                            note.push_str("\n  - ");
                            note.push_str(&crate::text::neutralise(&c));
                        }
                    }
                }
                Err(e) => note.push_str(&format!(
                    " It could not be read again to show what changed: {}",
                    crate::text::neutralise(&e.to_string())
                )),
            }
            eprintln!("{note}");
            let shown = fresh.as_ref().unwrap_or(&landscape);
            show(args.format, &plan, &report, shown, catalog, None, false);
            Ok(exit::RULES_NOT_SATISFIED)
        }
    }
}

fn show(
    format: Format,
    plan: &FormationPlan,
    report: &rules::Report,
    landscape: &Landscape,
    catalog: &Catalog,
    created: Option<&backend::Created>,
    dry_run: bool,
) {
    let Some(ftype) = catalog.by_id(&plan.type_id) else {
        return;
    };
    let mut verdict = Verdict::new(plan, ftype, report);
    verdict.created = created;
    verdict.dry_run = dry_run;
    print(format, &verdict, || {
        output::verdict_text(&verdict, landscape)
    });
}

/// On the command line a half-made formation is never left behind: it is deleted, and the
/// user is told what had been assigned and what failed.
async fn roll_back(
    backend: &dyn Backend,
    formation_id: &str,
    assigned: &[String],
    failed: &[(String, String)],
) -> Result<u8, AppError> {
    let failed_text: Vec<String> = failed
        .iter()
        .map(|(id, why)| format!("{id} ({why})"))
        .collect();
    let assigned_text = if assigned.is_empty() {
        "none".to_owned()
    } else {
        assigned.join(", ")
    };
    let story = format!(
        "formation {formation_id} was created but not every system could be assigned: assigned {assigned_text}; failed {}",
        failed_text.join(", ")
    );
    match backend.delete(formation_id).await {
        Ok(()) => Err(AppError::Backend(crate::backend::BackendError::Failed(
            format!("{story}. It was rolled back (deleted); nothing is left behind."),
        ))),
        Err(e) => Err(AppError::Backend(crate::backend::BackendError::Failed(
            format!(
                "{story}. Rolling it back failed too ({e}); delete formation {formation_id} by hand."
            ),
        ))),
    }
}

fn generate(args: &crate::cli::GenerateArgs, catalog: &Catalog) -> Result<u8, AppError> {
    use std::io::Write;
    let landscape = crate::generate::landscape(catalog, args.systems, args.formations, args.seed);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = serde_json::to_writer(&mut out, &landscape)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(exit::OK),
        // The reader went away (e.g. `| head`): nothing more to say.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::OK),
        Err(e) => Err(AppError::Usage(format!(
            "cannot write the generated landscape: {e}"
        ))),
    }
}
