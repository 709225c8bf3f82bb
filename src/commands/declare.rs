//! `export`, `plan` and `apply`: formations as code. The planning is in `crate::declare`
//! (pure); here the file is read, the landscape loaded, the plan printed and carried out
//! step by step through the backend.

use std::path::Path;

use super::{load, print};
use crate::backend::{self, Backend};
use crate::catalog::Catalog;
use crate::cli::{ApplyArgs, Command, FilePlanArgs, SourceArgs};
use crate::declare::{self, Parsed, Plan, Step, report};
use crate::error::{AppError, exit};
use crate::landscape::Landscape;
use crate::ops;
use crate::plan::FormationPlan;
use crate::text::neutralise;

pub(super) async fn run(
    command: &Command,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let backend = super::open(source)?;
    let backend = backend.as_ref();
    match command {
        Command::Export { formations, .. } => export(backend, formations, catalog).await,
        Command::Plan(args) => {
            let result = plan(backend, args, catalog).await;
            match result {
                // Terraform's convention: with --detailed-exitcode, 2 means "changes", so
                // every error of the file or its selectors is 1.
                Err(e) if args.detailed_exitcode && e.exit_code() == exit::INPUT => {
                    eprintln!("formation-wizard: {}", neutralise(&e.to_string()));
                    Ok(exit::RULES_NOT_SATISFIED)
                }
                other => other,
            }
        }
        Command::Apply(args) => apply(backend, args, source, catalog).await,
        _ => Err(AppError::Usage("not a formations-as-code command".into())),
    }
}

async fn export(backend: &dyn Backend, only: &[String], catalog: &Catalog) -> Result<u8, AppError> {
    let landscape = load(backend, catalog).await?;
    let text = declare::export::export(&landscape, catalog, only, &backend.describe())
        .map_err(AppError::Usage)?;
    print!("{text}");
    Ok(exit::OK)
}

/// The formations file, opened as a landscape file is: in CI it comes from a pull request,
/// so a FIFO, a device (or a link to one) or a huge file is refused before it is read.
fn read_file(path: &Path) -> Result<Parsed, AppError> {
    let cannot = |why: String| {
        AppError::Usage(format!(
            "cannot read the formations file {}: {why}",
            path.display()
        ))
    };
    let bytes = crate::files::read_regular(path, crate::files::MAX_FORMATIONS_FILE_BYTES)
        .map_err(|e| cannot(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        cannot(format!(
            "it is not UTF-8 text (byte {} is not)",
            e.utf8_error().valid_up_to()
        ))
    })?;
    declare::parse(&text, &path.display().to_string()).map_err(|e| AppError::Usage(e.to_string()))
}

/// The landscape and the plan from it to the file; unresolved selectors are an input error
/// after they are all printed.
async fn planned(
    backend: &dyn Backend,
    parsed: &Parsed,
    prune: bool,
    catalog: &Catalog,
) -> Result<(Landscape, Plan), AppError> {
    let landscape = load(backend, catalog).await?;
    match declare::plan(parsed, &landscape, catalog, prune) {
        Ok(plan) => Ok((landscape, plan)),
        Err(problems) => {
            eprint!("{}", report::unresolved_text(&problems, &parsed.origin));
            Err(AppError::Usage(format!(
                "the formations file {} does not fit the landscape at {}",
                parsed.origin,
                backend.describe()
            )))
        }
    }
}

async fn plan(
    backend: &dyn Backend,
    args: &FilePlanArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let parsed = read_file(&args.file)?;
    let landscape = load(backend, catalog).await?;
    let plan = match declare::plan(&parsed, &landscape, catalog, args.prune) {
        Ok(plan) => plan,
        Err(problems) => {
            let unresolved =
                serde_json::json!({"valid": false, "changes": false, "unresolved": problems});
            print(args.format, &unresolved, String::new);
            eprint!("{}", report::unresolved_text(&problems, &parsed.origin));
            return Ok(if args.detailed_exitcode {
                exit::RULES_NOT_SATISFIED
            } else {
                exit::INPUT
            });
        }
    };
    print(args.format, &plan_json(&plan), || {
        report::plan_text(&plan, &landscape, catalog, &parsed.origin)
    });
    Ok(if !plan.is_valid() {
        exit::RULES_NOT_SATISFIED
    } else if args.detailed_exitcode && plan.has_changes() {
        2
    } else {
        exit::OK
    })
}

/// The JSON form of a plan: the plan itself plus its two verdicts.
fn plan_json(plan: &Plan) -> serde_json::Value {
    let mut value = serde_json::to_value(plan).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert("valid".into(), plan.is_valid().into());
        map.insert("changes".into(), plan.has_changes().into());
    }
    value
}

async fn apply(
    backend: &dyn Backend,
    args: &ApplyArgs,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let parsed = read_file(&args.file)?;
    let (landscape, plan) = planned(backend, &parsed, args.prune, catalog).await?;
    print!(
        "{}",
        report::plan_text(&plan, &landscape, catalog, &parsed.origin)
    );
    if !plan.is_valid() {
        return Ok(exit::RULES_NOT_SATISFIED);
    }
    if !plan.has_changes() {
        return Ok(exit::OK);
    }
    let target = target(backend);
    if !source.yes {
        if !crate::prompt::on_terminal() {
            return Err(AppError::Usage(format!(
                "apply would change the landscape {target}; not on a terminal, it needs --yes"
            )));
        }
        if !confirm(&plan, &target).await? {
            eprintln!("Nothing was changed.");
            return Ok(exit::CANCELLED);
        }
        // The user took time to decide: apply only what they saw.
        let (_, fresh) = planned(backend, &parsed, args.prune, catalog).await?;
        if fresh.steps != plan.steps {
            eprintln!(
                "The landscape changed while you decided; nothing was applied. The plan now:"
            );
            return Box::pin(apply(backend, args, source, catalog)).await;
        }
    }
    let outcome = carry_out(backend, &plan, &landscape, source, catalog).await;
    let still = planned(backend, &parsed, args.prune, catalog).await;
    match (&outcome, &still) {
        (_, Ok((fresh, rest))) if rest.has_changes() || !rest.is_valid() => {
            println!("\nWhat is still left to do:");
            print!(
                "{}",
                report::plan_text(rest, fresh, catalog, &parsed.origin)
            );
        }
        (_, Ok(_)) => {
            println!("\nApplied {target}. No changes remain: the formations match the file.")
        }
        (_, Err(e)) => eprintln!(
            "formation-wizard: the landscape could not be read again to show what is left: {}",
            neutralise(&e.to_string())
        ),
    }
    outcome
}

/// Where the changes go, for the confirmation: "in the file …", "in tenant … on the
/// Director at …" (`Target::sentence`, as the wizard says it).
pub(crate) fn target(backend: &dyn Backend) -> String {
    backend.target().sentence(None)
}

/// Asks on the terminal; only a typed "yes" goes on.
async fn confirm(plan: &Plan, target: &str) -> Result<bool, AppError> {
    let question = format!(
        "\nApply {} ({}) {target}?",
        if plan.steps.len() == 1 {
            "this change".to_owned()
        } else {
            format!("these {} changes", plan.steps.len())
        },
        report::counts(plan)
    );
    crate::prompt::ask_async(question, crate::prompt::Needs::Yes).await
}

/// Carries the steps out in order through the operations layer, stopping at the first that
/// does not succeed. Each step checks again (under the file lock, or the Director's own
/// constraints). An interrupt stops after the step in flight: a formation being created is
/// finished or undone by that step, so each formation is left whole or gone.
async fn carry_out(
    backend: &dyn Backend,
    plan: &Plan,
    landscape: &Landscape,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let printer = backend::StderrProgress::start();
    let ctx = super::ops_ctx(backend, catalog, source, printer.progress());
    let code = steps(&ctx, plan, landscape).await;
    printer.finish().await;
    code
}

async fn steps(ctx: &ops::Ctx<'_>, plan: &Plan, landscape: &Landscape) -> Result<u8, AppError> {
    let total = plan.steps.len();
    let planned_break = planned_breaks(plan, landscape, ctx.catalog);
    for (i, step) in plan.steps.iter().enumerate() {
        let line = report::step_text(step, landscape, ctx.catalog);
        if ctx.stop.requested() {
            eprintln!(
                "Interrupted: stopped before step {}/{total} ({}); the steps before it are done.",
                i + 1,
                neutralise(&line)
            );
            return Ok(exit::CANCELLED);
        }
        eprintln!("[{}/{total}] {line}", i + 1);
        let (code, said) = match step {
            Step::Unassign {
                formation_id,
                system,
                ..
            } => changed(
                // A formation the plan itself takes through a broken state (a system
                // replaced: removals come first) may lack it between two steps; any other
                // removal is checked again right before the write.
                ops::change::unassign(
                    ctx,
                    formation_id,
                    std::slice::from_ref(system),
                    planned_break.get(i).copied().unwrap_or(false),
                )
                .await?,
            ),
            Step::Assign {
                formation_id,
                system,
                ..
            } => {
                changed(ops::change::assign(ctx, formation_id, std::slice::from_ref(system)).await?)
            }
            Step::Delete { formation_id, .. } => {
                changed(ops::change::delete(ctx, formation_id).await?)
            }
            Step::Create {
                formation,
                type_id,
                systems,
            } => {
                let wanted = FormationPlan {
                    name: formation.clone(),
                    type_id: type_id.clone(),
                    systems: systems.clone(),
                };
                let outcome =
                    ops::create::create(ctx, &wanted, ops::create::Options::default()).await?;
                if let ops::End::Refused(report) = &outcome.end {
                    eprintln!(
                        "Checked again, the formation \"{}\" breaks a rule now and was not created:",
                        neutralise(&wanted.name)
                    );
                    for v in &report.violations {
                        eprintln!("  x {}", neutralise(&v.message));
                    }
                }
                super::create::say_ending(ctx, &wanted.name, &outcome);
                if matches!(outcome.end, ops::End::Created)
                    && let Some(t) = ctx.catalog.by_id(&wanted.type_id)
                {
                    for step in &t.next_steps {
                        println!("Created \"{}\". Next: {step}", neutralise(&wanted.name));
                    }
                }
                (outcome.exit_code(), None)
            }
        };
        if code != exit::OK {
            if let Some(said) = said {
                eprintln!("{said}");
            }
            if i + 1 < total {
                eprintln!(
                    "Step {}/{total} did not succeed; the steps after it were not tried.",
                    i + 1
                );
            }
            return Ok(code);
        }
    }
    Ok(exit::OK)
}

/// A change's exit code and, when it did not simply succeed, what happened.
fn changed(outcome: ops::ChangeOutcome) -> (u8, Option<String>) {
    let code = outcome.exit_code();
    (code, (code != exit::OK).then(|| outcome.line()))
}

/// For each step, whether the plan itself takes the formation through a state that breaks a
/// minimum (a system replaced: removals come before additions). Only such an unassign may
/// break it; every other one is checked again right before the write.
fn planned_breaks(plan: &Plan, landscape: &Landscape, catalog: &Catalog) -> Vec<bool> {
    use crate::rules::RuleKind;
    let mut members: std::collections::HashMap<&str, Vec<String>> = landscape
        .formations
        .iter()
        .map(|f| (f.id.as_str(), f.systems.clone()))
        .collect();
    let minimum_broken = |type_id: &str, systems: &[String]| {
        let plan = FormationPlan {
            name: String::new(),
            type_id: type_id.to_owned(),
            systems: systems.to_vec(),
        };
        crate::rules::evaluate(&plan, landscape, catalog)
            .violations
            .iter()
            .filter(|v| v.rule == RuleKind::MinSystemsOfType)
            .count()
    };
    plan.steps
        .iter()
        .map(|step| match step {
            Step::Unassign {
                formation_id,
                system,
                ..
            } => {
                let Some(f) = landscape.formations.iter().find(|f| f.id == *formation_id) else {
                    return false;
                };
                let Some(now) = members.get_mut(formation_id.as_str()) else {
                    return false;
                };
                let before = minimum_broken(&f.type_id, now);
                now.retain(|s| s != system);
                minimum_broken(&f.type_id, now) > before
            }
            Step::Assign {
                formation_id,
                system,
                ..
            } => {
                if let Some(now) = members.get_mut(formation_id.as_str()) {
                    now.push(system.clone());
                }
                false
            }
            _ => false,
        })
        .collect()
}
