//! After a formation exists: `formations`, `show`, `assign`, `unassign`, `resync`,
//! `finalize`, `delete` and `status`. Each reads the landscape through the backend; every
//! change goes through `crate::ops`, which checks it, sends it and follows each system it
//! touched to its final state; here the outcome is printed.

use std::time::Duration;

use serde::Serialize;

use super::{load, print};
use crate::backend::{Backend, BackendError, FormationState};
use crate::catalog::Catalog;
use crate::cli::{Command, Format, FormationArgs, MembersArgs, SourceArgs};
use crate::error::{AppError, exit};
use crate::landscape::{Assignment, Formation, Landscape};
use crate::ops::{self, ChangeEnd, ChangeOutcome, Final};
use crate::plan::{FormationPlan, PlanError};
use crate::rules::{self, Finding};
use crate::text::neutralise;

pub(super) async fn run(
    backend: &dyn Backend,
    command: &Command,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let rules = super::server_rules::effective(
        backend,
        catalog,
        match command {
            Command::Formations {
                formation_type: Some(t),
                ..
            } => super::server_rules::Say::For(t),
            _ => super::server_rules::Say::Nothing,
        },
    )
    .await?;
    let catalog = &rules;
    match command {
        Command::Formations {
            formation_type,
            format,
            ..
        } => list(backend, formation_type.as_deref(), *format, catalog).await,
        Command::Show(f) => show(backend, f, source, catalog).await,
        Command::Assign(m) => assign(backend, m, source, catalog).await,
        Command::Unassign(m) => unassign(backend, m, source, catalog).await,
        Command::Resync { formation, reset } => {
            resync(backend, formation, *reset, source, catalog).await
        }
        Command::Finalize(f) => finalize(backend, f, source, catalog).await,
        Command::Delete(f) => delete(backend, f, source, catalog).await,
        Command::Status {
            formation,
            wait,
            timeout,
        } => status(backend, formation, *wait, *timeout, source, catalog).await,
        _ => Err(AppError::Usage("not a formations command".into())),
    }
}

/// One line of `formations`.
#[derive(Debug, Serialize)]
struct Listed {
    id: String,
    name: String,
    #[serde(rename = "type")]
    type_name: String,
    status: String,
    systems: usize,
    not_ready: Vec<Member>,
}

/// A member of a formation with its assignment.
#[derive(Debug, Serialize)]
struct Member {
    id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    system_type: String,
    state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn member(landscape: &Landscape, id: &str, a: &Assignment) -> Member {
    let system = landscape.system(id);
    Member {
        id: id.to_owned(),
        name: system.map(|s| s.name.clone()).unwrap_or_default(),
        system_type: system
            .map(|s| s.system_type.as_str().to_owned())
            .unwrap_or_default(),
        state: a.state.clone(),
        error: a.error.clone(),
    }
}

async fn list(
    backend: &dyn Backend,
    type_key: Option<&str>,
    format: Format,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let landscape = load(backend, catalog).await?;
    let type_id = match type_key {
        Some(key) => Some(
            catalog
                .find(key)
                .ok_or_else(|| PlanError::UnknownType {
                    given: key.to_owned(),
                })?
                .id
                .clone(),
        ),
        None => None,
    };
    let listed: Vec<Listed> = landscape
        .formations
        .iter()
        .filter(|f| type_id.as_ref().is_none_or(|t| &f.type_id == t))
        .map(|f| Listed {
            id: f.id.clone(),
            name: f.name.clone(),
            type_name: type_name(f, catalog),
            status: f.display_status(),
            systems: f.systems.len(),
            not_ready: f
                .members()
                .iter()
                .filter(|(_, a)| a.state != "READY")
                .map(|(id, a)| member(&landscape, id, a))
                .collect(),
        })
        .collect();
    let value = serde_json::json!({ "formations": listed });
    print(format, &value, || list_text(&listed));
    Ok(exit::OK)
}

fn list_text(listed: &[Listed]) -> String {
    if listed.is_empty() {
        return "No formations.\n".into();
    }
    let mut out = String::new();
    for f in listed {
        out.push_str(&format!(
            "{}  {}  [{}]  {}  {} system{}\n",
            neutralise(&f.name),
            neutralise(&f.id),
            neutralise(&f.type_name),
            neutralise(&f.status),
            f.systems,
            rules::plural(f.systems)
        ));
        for m in &f.not_ready {
            out.push_str(&format!("    {}\n", member_text(m)));
        }
    }
    out
}

fn member_text(m: &Member) -> String {
    let mut line = format!("{}  {}", neutralise(&m.id), neutralise(&m.state));
    if !m.name.is_empty() {
        line = format!(
            "{} ({})  {}",
            neutralise(&m.id),
            neutralise(&m.name),
            neutralise(&m.state)
        );
    }
    if let Some(e) = &m.error {
        line.push_str(&format!(": {}", neutralise(e)));
    }
    line
}

fn type_name(f: &Formation, catalog: &Catalog) -> String {
    catalog
        .by_id(&f.type_id)
        .map_or_else(|| f.type_name.clone(), |t| t.name.clone())
}

/// The formation the user named, by id first, then by name.
fn find<'l>(landscape: &'l Landscape, key: &str) -> Result<&'l Formation, AppError> {
    if let Some(f) = landscape.formations.iter().find(|f| f.id == key) {
        return Ok(f);
    }
    // A name two formations share names neither: acting on the first one found would
    // delete or change a formation the user may not have meant.
    let alike: Vec<&Formation> = landscape.formations_named_ignoring_case(key).collect();
    let exact: Vec<&Formation> = alike.iter().copied().filter(|f| f.name == key).collect();
    let matches = if exact.is_empty() { alike } else { exact };
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(AppError::Usage(format!(
            "no formation with the name or id \"{}\" exists; `formation-wizard formations` lists them",
            neutralise(key)
        ))),
        several => Err(AppError::Usage(format!(
            "the name \"{}\" is ambiguous: {} formations have it ({}); name the one you mean by its id",
            neutralise(key),
            several.len(),
            several
                .iter()
                .map(|f| format!(
                    "\"{}\" with the id {}",
                    neutralise(&f.name),
                    neutralise(&f.id)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// What `show` prints.
#[derive(Debug, Serialize)]
struct Shown {
    id: String,
    name: String,
    #[serde(rename = "type")]
    type_name: String,
    status: String,
    errors: Vec<String>,
    systems: Vec<Member>,
    enables: Vec<rules::AutoEnabled>,
}

async fn show(
    backend: &dyn Backend,
    args: &FormationArgs,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation)?;
    let state = backend.status(&f.id).await?;
    let members = backend.members(&f.id).await?;
    let members = if members.is_empty() {
        f.members()
    } else {
        members
    };
    let plan = plan_of(f);
    let enables = rules::evaluate(&plan, &landscape, catalog).auto_enabled;
    let shown = Shown {
        id: f.id.clone(),
        name: f.name.clone(),
        type_name: type_name(f, catalog),
        status: state.status,
        errors: state.errors,
        systems: members
            .iter()
            .map(|(id, a)| member(&landscape, id, a))
            .collect(),
        enables,
    };
    print(args.format, &shown, || show_text(&shown, source));
    Ok(exit::OK)
}

fn show_text(s: &Shown, source: &SourceArgs) -> String {
    let mut out = format!(
        "{} ({})\n  Type: {}\n  Status: {}\n",
        neutralise(&s.name),
        neutralise(&s.id),
        neutralise(&s.type_name),
        neutralise(&s.status)
    );
    for e in &s.errors {
        out.push_str(&format!("  Error: {}\n", neutralise(e)));
    }
    out.push_str(&format!("  Systems ({}):\n", s.systems.len()));
    for m in &s.systems {
        out.push_str(&format!("    {}\n", member_text(m)));
    }
    if !s.enables.is_empty() {
        out.push_str("  Enables:\n");
        for e in &s.enables {
            out.push_str(&format!(
                "    {}: {}\n",
                neutralise(&e.system),
                neutralise(&e.communication_scenarios.join(", "))
            ));
        }
    }
    if s.status == "Error" {
        out.push_str(&format!(
            "  Resynchronize it: {}\n",
            ops::command_line(
                &format!("resync {}", ops::shell_word(&s.name)),
                &source.source().flags()
            )
        ));
    }
    out
}

fn plan_of(f: &Formation) -> FormationPlan {
    FormationPlan {
        name: f.name.clone(),
        type_id: f.type_id.clone(),
        systems: f.systems.clone(),
    }
}

/// Each named system must exist: an unknown id is an input error, with the suggestion
/// `check` gives.
fn known(
    landscape: &Landscape,
    f: &Formation,
    ids: &[String],
    catalog: &Catalog,
) -> Result<(), AppError> {
    FormationPlan::resolve(&f.name, &f.type_id, ids, landscape, catalog)?;
    Ok(())
}

/// What `assign`, `unassign`, `resync`, `finalize` and `status` print.
#[derive(Debug, Serialize)]
struct Outcome {
    formation: Named,
    action: &'static str,
    status: String,
    errors: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    systems: Vec<Member>,
}

#[derive(Debug, Serialize)]
struct Named {
    id: String,
    name: String,
}

fn named(f: &Formation) -> Named {
    Named {
        id: f.id.clone(),
        name: f.name.clone(),
    }
}

/// A refusal by the rule engine: nothing was changed.
#[derive(Debug, Serialize)]
struct Refusal<'a> {
    formation: Named,
    action: &'static str,
    refused: bool,
    violations: &'a [Finding],
}

fn refuse(
    format: Format,
    f: &Formation,
    action: &'static str,
    violations: &[Finding],
    lead: &str,
) -> u8 {
    let refusal = Refusal {
        formation: named(f),
        action,
        refused: true,
        violations,
    };
    print(format, &refusal, || {
        let mut out = format!("{lead}\n");
        for v in violations {
            out.push_str(&format!("  - {}\n", neutralise(&v.message)));
            if let Some(fix) = member_fix(action, v, f) {
                out.push_str(&format!("    Fix: {}\n", neutralise(&fix)));
            }
        }
        out
    });
    exit::RULES_NOT_SATISFIED
}

/// The fix for a refused change of members, in the words of these commands: the plan
/// wording of `check` ("drop the other --system options") does not fit a formation that
/// exists. An unassign refusal needs no fix: `--yes` is the way on, and the lead says so.
fn member_fix(action: &str, v: &Finding, f: &Formation) -> Option<String> {
    match (action, &v.action) {
        ("unassign", _) => None,
        (_, Some(rules::FixAction::KeepAtMost { max, .. })) => Some(format!(
            "\"{}\" may have at most {max} of these; take one out first (`formation-wizard unassign`), or assign another system.",
            f.name
        )),
        _ => crate::cli_words::fix(v),
    }
}

async fn assign(
    backend: &dyn Backend,
    args: &MembersArgs,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let format = args.formation.format;
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation.formation)?;
    known(&landscape, f, &args.systems, catalog)?;
    // Sent again, a member is refused by the Director when it is a Task Center (its own
    // formation counts against it, director-behaviour.md §4.5): members are left alone.
    for id in args.systems.iter().filter(|id| f.systems.contains(id)) {
        eprintln!(
            "{} is already in \"{}\"; nothing to do for it.",
            neutralise(id),
            neutralise(&f.name)
        );
    }
    let outcome = changing(backend, catalog, source, |ctx| {
        Box::pin(async move { ops::change::assign(ctx, &f.id, &args.systems).await })
    })
    .await?;
    if let ChangeEnd::Refused(broken) = &outcome.end {
        let lead = format!(
            "Nothing was assigned: the rules refuse {} for \"{}\".",
            if broken.len() == 1 {
                "a system"
            } else {
                "systems"
            },
            neutralise(&f.name)
        );
        return Ok(refuse(format, f, "assign", broken, &lead));
    }
    Ok(finish(&landscape, f, &outcome, source, format))
}

async fn unassign(
    backend: &dyn Backend,
    args: &MembersArgs,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let format = args.formation.format;
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation.formation)?;
    known(&landscape, f, &args.systems, catalog)?;
    if let Some(stranger) = args.systems.iter().find(|id| !f.systems.contains(id)) {
        return Err(AppError::Usage(format!(
            "the system {} is not in the formation \"{}\"; `{}` lists its systems",
            neutralise(stranger),
            neutralise(&f.name),
            ops::command_line(
                &format!("show {}", ops::shell_word(&f.id)),
                &source.source().flags()
            )
        )));
    }
    let breaks = rules::check_unassignment(&landscape, f, &args.systems, catalog)
        .map_err(AppError::Usage)?;
    let lead = format!(
        "Without {}, the formation \"{}\" stops working:",
        args.systems.join(", "),
        neutralise(&f.name)
    );
    if !breaks.is_empty() && !source.yes {
        if !crate::prompt::on_terminal() {
            let code = refuse(format, f, "unassign", &breaks, &lead);
            eprintln!("Nothing was changed; pass --yes to take them out anyway.");
            return Ok(code);
        }
        eprintln!("{lead}");
        for v in &breaks {
            eprintln!("  - {}", neutralise(&v.message));
        }
        if !crate::prompt::ask(
            &format!(
                "Take them out of \"{}\" in {} anyway?",
                neutralise(&f.name),
                neutralise(&backend.describe())
            ),
            crate::prompt::Needs::Y,
        )? {
            eprintln!("Nothing was changed.");
            return Ok(exit::CANCELLED);
        }
    }
    // Said yes (or --yes) to what was shown; otherwise the rule is checked again right
    // before each write (another writer may have taken a system out meanwhile).
    let accepted = source.yes || !breaks.is_empty();
    let outcome = changing(backend, catalog, source, |ctx| {
        Box::pin(async move { ops::change::unassign(ctx, &f.id, &args.systems, accepted).await })
    })
    .await?;
    if let ChangeEnd::Refused(broken) = &outcome.end {
        let code = refuse(format, f, "unassign", broken, &lead);
        eprintln!("Nothing was changed: the formation changed since it was read.");
        return Ok(code);
    }
    Ok(finish(&landscape, f, &outcome, source, format))
}

/// Runs one change through the operations layer with progress on stderr and the
/// interrupt signals heard.
async fn changing<'a>(
    backend: &'a dyn Backend,
    catalog: &'a Catalog,
    source: &SourceArgs,
    run: impl for<'c> FnOnce(
        &'c ops::Ctx<'a>,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<ChangeOutcome, BackendError>> + Send + 'c>,
    >,
) -> Result<ChangeOutcome, AppError> {
    let printer = crate::backend::StderrProgress::start();
    let ctx = super::ops_ctx(backend, catalog, source, printer.progress());
    let outcome = run(&ctx).await;
    printer.finish().await;
    Ok(outcome?)
}

/// Prints what happened to each system and the formation's status; the exit code is the
/// outcome's: a system that did not end where it was sent is a failed backend (exit 3).
fn finish(
    landscape: &Landscape,
    f: &Formation,
    outcome: &ChangeOutcome,
    source: &SourceArgs,
    format: Format,
) -> u8 {
    let systems: Vec<Member> = outcome
        .systems
        .iter()
        .chain(&outcome.unchanged)
        .map(|(id, end)| member(landscape, id, &assignment_of(end)))
        .collect();
    let state = outcome.state.clone().unwrap_or(FormationState {
        status: "unknown".into(),
        errors: Vec::new(),
    });
    let shown = Outcome {
        formation: named(f),
        action: outcome.action.word(),
        status: state.status,
        errors: state.errors,
        systems,
    };
    print(format, &shown, || outcome_text(&shown, source));
    if !outcome.succeeded() {
        eprintln!("{}", outcome.line());
    }
    outcome.exit_code()
}

/// A followed system's end as the assignment it leaves.
fn assignment_of(end: &Final) -> Assignment {
    let (state, error) = match end {
        Final::Ready => ("READY".to_owned(), None),
        Final::Failed { state, error } => (state.clone(), error.clone()),
        Final::Gone => ("UNASSIGNED".to_owned(), None),
        Final::Vanished { .. } => ("GONE".to_owned(), Some(end.words())),
        Final::Pending { state } => (state.clone(), None),
    };
    Assignment { state, error }
}

fn outcome_text(o: &Outcome, source: &SourceArgs) -> String {
    let mut out = format!(
        "{} ({}): {}\n",
        neutralise(&o.formation.name),
        neutralise(&o.formation.id),
        neutralise(&o.status)
    );
    for m in &o.systems {
        out.push_str(&format!("  {}\n", member_text(m)));
    }
    for e in &o.errors {
        out.push_str(&format!("  Error: {}\n", neutralise(e)));
    }
    if o.status == "Error" {
        out.push_str(&format!(
            "  Resynchronize it: {}\n",
            ops::command_line(
                &format!("resync {}", ops::shell_word(&o.formation.name)),
                &source.source().flags()
            )
        ));
    }
    out
}

async fn resync(
    backend: &dyn Backend,
    args: &FormationArgs,
    reset: bool,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation)?;
    let outcome = changing(backend, catalog, source, |ctx| {
        Box::pin(async move { ops::change::resync(ctx, &f.id, reset).await })
    })
    .await?;
    Ok(finish(&landscape, f, &outcome, source, args.format))
}

async fn finalize(
    backend: &dyn Backend,
    args: &FormationArgs,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation)?;
    let outcome = changing(backend, catalog, source, |ctx| {
        Box::pin(async move { ops::change::finalize(ctx, &f.id).await })
    })
    .await?;
    Ok(finish(&landscape, f, &outcome, source, args.format))
}

/// Prints a formation's state; Error is a failed backend (exit 3).
fn report_state(
    format: Format,
    f: &Formation,
    action: &'static str,
    state: FormationState,
    source: &SourceArgs,
) -> Result<u8, AppError> {
    let code = if state.status == "Error" {
        exit::BACKEND
    } else {
        exit::OK
    };
    let outcome = Outcome {
        formation: named(f),
        action,
        status: state.status,
        errors: state.errors,
        systems: Vec::new(),
    };
    print(format, &outcome, || outcome_text(&outcome, source));
    Ok(code)
}

async fn status(
    backend: &dyn Backend,
    args: &FormationArgs,
    wait: bool,
    timeout: u64,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation)?;
    if !wait {
        let state = backend.status(&f.id).await?;
        return report_state(args.format, f, "status", state, source);
    }
    let policy = ops::Policy {
        timeout: Duration::from_secs(timeout),
        ..ops::Policy::default()
    };
    let name = neutralise(&f.name).into_owned();
    let (state, settled) = ops::follow::until(&policy, &ops::Interrupt::new(), |waited| {
        let (id, name) = (&f.id, &name);
        async move {
            let state = backend.status(id).await?;
            let settled = matches!(state.status.as_str(), "Ready" | "Error" | "Draft");
            if !settled {
                eprintln!(
                    "{name} ({} s): {}",
                    waited.as_secs(),
                    neutralise(&state.status)
                );
            }
            Ok((state, settled))
        }
    })
    .await?;
    if !settled {
        return Err(AppError::Backend(BackendError::Failed(format!(
            "the formation \"{name}\" is still {} after {timeout} s",
            neutralise(&state.status),
        ))));
    }
    report_state(args.format, f, "status", state, source)
}

/// What `delete` did, in the order it did it.
#[derive(Debug, Serialize)]
struct Deleted {
    formation: Named,
    unassigned: Vec<String>,
    deleted: bool,
}

async fn delete(
    backend: &dyn Backend,
    args: &FormationArgs,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation)?;
    let target = neutralise(&backend.describe()).into_owned();
    let what = deletion_words(f, &target);
    if !source.yes {
        if !(crate::prompt::on_terminal()) {
            return Err(AppError::Usage(format!(
                "{what}; not on a terminal, deleting needs --yes"
            )));
        }
        eprintln!("{what}.");
        // Taking systems out sends their notifications: that is not undone by a typo.
        let needs = if f.systems.is_empty() {
            crate::prompt::Needs::Y
        } else {
            crate::prompt::Needs::Yes
        };
        if !crate::prompt::ask(
            &format!("Delete \"{}\" from {target}?", neutralise(&f.name)),
            needs,
        )? {
            eprintln!("Nothing was changed.");
            return Ok(exit::CANCELLED);
        }
    }
    let outcome = changing(backend, catalog, source, |ctx| {
        Box::pin(async move { ops::change::delete(ctx, &f.id).await })
    })
    .await?;
    if !outcome.succeeded() {
        eprintln!("{}", outcome.line());
        return Ok(outcome.exit_code());
    }
    let deleted = Deleted {
        formation: named(f),
        unassigned: f.systems.clone(),
        deleted: true,
    };
    print(args.format, &deleted, || {
        let mut out = String::new();
        for id in &deleted.unassigned {
            out.push_str(&format!("Unassigned {}\n", neutralise(id)));
        }
        out.push_str(&format!(
            "Deleted the formation \"{}\" ({})\n",
            neutralise(&f.name),
            neutralise(&f.id)
        ));
        out
    });
    Ok(exit::OK)
}

/// "Unassign a, b from "X", then delete the formation "X" (id) in TARGET".
fn deletion_words(f: &Formation, target: &str) -> String {
    let name = neutralise(&f.name);
    let then = format!(
        "delete the formation \"{name}\" ({}) in {target}",
        neutralise(&f.id)
    );
    if f.systems.is_empty() {
        return format!("This would {then}");
    }
    let systems: Vec<String> = f
        .systems
        .iter()
        .map(|s| neutralise(s).into_owned())
        .collect();
    format!(
        "This would unassign {} from \"{name}\", then {then}",
        systems.join(", ")
    )
}
