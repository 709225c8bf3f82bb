//! `check` and `create`: the verdict on a plan, and creating it through the operations
//! layer (which undoes what it did when it cannot finish).

use super::{load, print};
use crate::backend::{self, Backend, Progress};
use crate::catalog::Catalog;
use crate::cli::{Format, PlanArgs, SourceArgs};
use crate::error::{AppError, exit};
use crate::landscape::Landscape;
use crate::ops::{self, End};
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
    // Only the JSON answer lists the candidates.
    let report = match args.format {
        Format::Json => rules::evaluate(&plan, &landscape, catalog),
        Format::Text => rules::evaluate_verdict(&plan, &landscape, catalog),
    };
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
    let rules = super::server_rules::effective(
        backend,
        catalog,
        super::server_rules::Say::For(&args.formation_type),
    )
    .await?;
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
    let code = verdict_code(&report);
    super::left_at_exit((landscape, report));
    Ok(code)
}

pub(super) async fn create(
    backend: &dyn Backend,
    args: &PlanArgs,
    dry_run: bool,
    draft: bool,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let rules = super::server_rules::effective(
        backend,
        catalog,
        super::server_rules::Say::For(&args.formation_type),
    )
    .await?;
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
    let ctx = super::ops_ctx(backend, catalog, source, printer.progress());
    let options = ops::create::Options {
        draft,
        checked_on: Some(&landscape),
    };
    let outcome = ops::create::create(&ctx, &plan, options).await;
    printer.finish().await;
    let outcome = outcome?;
    match &outcome.end {
        End::Refused(fresh) => {
            // Read again to say what changed since the landscape was read.
            let again = backend.load(catalog, &Progress::none()).await;
            let mut note =
                "Checked again, the formation breaks a rule now and was not created.".to_owned();
            if let Ok(again) = &again {
                let changes = crate::changes::describe(&landscape, again);
                if !changes.is_empty() {
                    note.push_str(" What changed since it was read:");
                    for c in changes {
                        note.push_str("\n  - ");
                        note.push_str(&crate::text::neutralise(&c));
                    }
                }
            }
            eprintln!("{note}");
            let shown = again.as_ref().unwrap_or(&landscape);
            show(args.format, &plan, fresh, shown, catalog, None, false);
        }
        End::Created => {
            if let Some(created) = &outcome.formation {
                show(
                    args.format,
                    &plan,
                    &report,
                    &landscape,
                    catalog,
                    Some(created),
                    false,
                );
                for (system, why) in outcome.not_ready() {
                    eprintln!(
                        "{} is in the formation, but its assignment is {}.",
                        crate::text::neutralise(&system),
                        crate::text::neutralise(&why)
                    );
                }
                if !outcome.not_ready().is_empty() {
                    eprintln!(
                        "Resynchronize it once the cause is fixed: `{}`",
                        ctx.command(&format!("resync {}", ops::shell_word(&plan.name)))
                    );
                }
                if draft {
                    eprintln!(
                        "It is a draft: nothing is sent until `{}` makes it active.",
                        ctx.command(&format!("finalize {}", ops::shell_word(&plan.name)))
                    );
                }
            }
        }
        End::Failed(_) | End::Interrupted => {}
    }
    say_ending(&ctx, &plan.name, &outcome);
    Ok(outcome.exit_code())
}

/// On stderr, how a create that did not simply succeed ended: what was undone, what is
/// left, and the command that shows it.
pub(super) fn say_ending(ctx: &ops::Ctx<'_>, name: &str, outcome: &ops::CreateOutcome) {
    use crate::text::neutralise;
    let shown = neutralise(name);
    let show = ctx.command(&format!("show {}", ops::shell_word(name)));
    let lead = match &outcome.end {
        End::Created | End::Refused(_) if outcome.left.is_none() => return,
        End::Interrupted if outcome.formation.is_some() && outcome.left.is_none() => {
            eprintln!(
                "Interrupted while its assignments were followed: \"{shown}\" exists with every system. `{show}` shows how they are doing."
            );
            return;
        }
        End::Interrupted => "Interrupted".to_owned(),
        End::Failed(why) => format!("Not created: {}", neutralise(why)),
        End::Refused(_) | End::Created => "Refused".to_owned(),
    };
    match &outcome.left {
        None => eprintln!("{lead}; what was done was undone: \"{shown}\" does not exist."),
        Some(left) => eprintln!("{lead}; {}. `{show}` shows it.", neutralise(left)),
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
    if let Some(created) = created {
        verdict = verdict.created(created, ftype);
    }
    verdict.dry_run = dry_run;
    print(format, &verdict, || {
        output::verdict_text(&verdict, landscape)
    });
}
