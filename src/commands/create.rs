//! `check` and `create`: the verdict on a plan, and creating it with rollback.

use super::{load, print};
use crate::backend::{self, Backend, CreateOutcome, Progress};
use crate::catalog::Catalog;
use crate::cli::{Format, PlanArgs};
use crate::error::{AppError, exit};
use crate::landscape::Landscape;
use crate::output::{self, Verdict};
use crate::plan::FormationPlan;
use crate::rules;

/// The landscape, the plan the arguments name, and its verdict: what `check` and `create`
/// both start from.
pub(super) async fn checked(
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

pub(super) async fn check(
    backend: &dyn Backend,
    args: &PlanArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let rules = super::server_rules::effective(backend, catalog).await?;
    let catalog = &rules;
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

pub(super) async fn create(
    backend: &dyn Backend,
    args: &PlanArgs,
    dry_run: bool,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let rules = super::server_rules::effective(backend, catalog).await?;
    let catalog = &rules;
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
    let printer = backend::StderrProgress::start();
    let outcome = backend.create(&plan, catalog, printer.progress()).await;
    printer.finish().await;
    match outcome? {
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
