//! After a formation exists: `formations`, `show`, `assign`, `unassign`, `resync`,
//! `finalize`, `delete`, `status` and `create --draft`. Each reads the landscape through
//! the backend, asks the rule engine before changing anything, and follows every system it
//! changed to its final state.

use std::collections::BTreeMap;

use std::time::{Duration, Instant};

use serde::Serialize;

use super::{load, print};
use crate::backend::{Backend, BackendError, CreateOutcome, FormationState};
use crate::catalog::Catalog;
use crate::cli::{Command, Format, FormationArgs, MembersArgs, PlanArgs, SourceArgs};
use crate::error::{AppError, exit};
use crate::landscape::{Assignment, Formation, Landscape};
use crate::plan::{FormationPlan, PlanError};
use crate::rules::{self, Finding};
use crate::text::neutralise;

/// How long `assign`, `unassign` and `delete` follow a system before giving up on it.
const FOLLOW_TIMEOUT: Duration = Duration::from_secs(120);

pub(super) async fn run(
    backend: &dyn Backend,
    command: &Command,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let rules = super::server_rules::effective(backend, catalog).await?;
    let catalog = &rules;
    match command {
        Command::Formations {
            formation_type,
            format,
            ..
        } => list(backend, formation_type.as_deref(), *format, catalog).await,
        Command::Show(f) => show(backend, f, catalog).await,
        Command::Assign(m) => assign(backend, m, catalog).await,
        Command::Unassign(m) => unassign(backend, m, source.yes, catalog).await,
        Command::Resync { formation, reset } => resync(backend, formation, *reset, catalog).await,
        Command::Finalize(f) => finalize(backend, f, catalog).await,
        Command::Delete(f) => delete(backend, f, source.yes, catalog).await,
        Command::Status {
            formation,
            wait,
            timeout,
        } => status(backend, formation, *wait, *timeout, catalog).await,
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
        system_type: system.map(|s| s.system_type.clone()).unwrap_or_default(),
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
    print(args.format, &shown, || show_text(&shown));
    Ok(exit::OK)
}

fn show_text(s: &Shown) -> String {
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
        out.push_str("  Resynchronize it: formation-wizard resync FORMATION\n");
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
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let format = args.formation.format;
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation.formation)?;
    known(&landscape, f, &args.systems, catalog)?;
    // Sent again, a member is refused by the Director when it is a Task Center (its own
    // formation counts against it, director-behaviour.md §4.5): members are left alone.
    let (already, joining): (Vec<String>, Vec<String>) = args
        .systems
        .iter()
        .cloned()
        .partition(|id| f.systems.contains(id));
    for id in &already {
        eprintln!(
            "{} is already in \"{}\"; nothing to do for it.",
            neutralise(id),
            neutralise(&f.name)
        );
    }
    let broken =
        rules::check_assignments(&landscape, f, &joining, catalog).map_err(AppError::Usage)?;
    if !broken.is_empty() {
        let lead = format!(
            "Nothing was assigned: the rules refuse {} for \"{}\".",
            if broken.len() == 1 {
                "a system"
            } else {
                "systems"
            },
            neutralise(&f.name)
        );
        return Ok(refuse(format, f, "assign", &broken, &lead));
    }
    for id in &joining {
        backend.assign(&f.id, id, catalog).await?;
    }
    let members = follow(backend, &f.id, &args.systems, true).await?;
    finish(
        backend,
        &landscape,
        f,
        "assign",
        &args.systems,
        &members,
        format,
    )
    .await
}

async fn unassign(
    backend: &dyn Backend,
    args: &MembersArgs,
    yes: bool,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let format = args.formation.format;
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation.formation)?;
    known(&landscape, f, &args.systems, catalog)?;
    if let Some(stranger) = args.systems.iter().find(|id| !f.systems.contains(id)) {
        return Err(AppError::Usage(format!(
            "the system {} is not in the formation \"{}\"; `formation-wizard show {}` lists its systems",
            neutralise(stranger),
            neutralise(&f.name),
            neutralise(&f.id)
        )));
    }
    let breaks = rules::check_unassignment(&landscape, f, &args.systems, catalog)
        .map_err(AppError::Usage)?;
    if !breaks.is_empty() && !yes {
        let lead = format!(
            "Without {}, the formation \"{}\" stops working:",
            args.systems.join(", "),
            neutralise(&f.name)
        );
        let asked = crate::prompt::on_terminal();
        if !asked {
            let code = refuse(format, f, "unassign", &breaks, &lead);
            eprintln!("Nothing was changed; pass --yes to take them out anyway.");
            return Ok(code);
        }
        eprintln!("{lead}");
        for v in &breaks {
            eprintln!("  - {}", neutralise(&v.message));
        }
        if !crate::prompt::ask(&format!(
            "Take them out of \"{}\" in {} anyway?",
            neutralise(&f.name),
            neutralise(&backend.describe())
        ))? {
            eprintln!("Nothing was changed.");
            return Ok(exit::CANCELLED);
        }
    }
    // Unless the user accepted that it stops working, the rule is checked again right
    // before each write: another writer may have taken a system out meanwhile.
    let accepted = yes || !breaks.is_empty();
    for id in &args.systems {
        let done = if accepted {
            backend.unassign(&f.id, id, catalog).await
        } else {
            backend
                .unassign_keeping_rules(&f.id, id, &landscape, catalog)
                .await
        };
        if let Err(crate::backend::BackendError::Refused(why)) = &done {
            eprintln!("formation-wizard: {}", crate::text::message(why));
            return Ok(exit::RULES_NOT_SATISFIED);
        }
        done?;
    }
    let members = follow(backend, &f.id, &args.systems, false).await?;
    finish(
        backend,
        &landscape,
        f,
        "unassign",
        &args.systems,
        &members,
        format,
    )
    .await
}

/// Prints what happened to each system and the formation's status; any system in error
/// is a failed backend (exit 3).
async fn finish(
    backend: &dyn Backend,
    landscape: &Landscape,
    f: &Formation,
    action: &'static str,
    ids: &[String],
    members: &BTreeMap<String, Assignment>,
    format: Format,
) -> Result<u8, AppError> {
    let state = backend.status(&f.id).await?;
    let gone = Assignment {
        state: "UNASSIGNED".into(),
        error: None,
    };
    let systems: Vec<Member> = ids
        .iter()
        .map(|id| member(landscape, id, members.get(id).unwrap_or(&gone)))
        .collect();
    let failed = systems.iter().any(|m| m.state.ends_with("_ERROR"));
    let outcome = Outcome {
        formation: named(f),
        action,
        status: state.status,
        errors: state.errors,
        systems,
    };
    print(format, &outcome, || outcome_text(&outcome));
    Ok(if failed { exit::BACKEND } else { exit::OK })
}

fn outcome_text(o: &Outcome) -> String {
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
        out.push_str("  Resynchronize it: formation-wizard resync FORMATION\n");
    }
    out
}

/// Follows `ids` until each is final: joined (READY or an error) or, when `joining` is
/// false, gone. Progress on stderr after a second; backs off up to two seconds a look.
async fn follow(
    backend: &dyn Backend,
    formation_id: &str,
    ids: &[String],
    joining: bool,
) -> Result<BTreeMap<String, Assignment>, AppError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(100);
    loop {
        let members = backend.members(formation_id).await?;
        let pending: Vec<String> = ids
            .iter()
            .filter_map(|id| match members.get(id) {
                Some(a) if a.in_progress() || !joining => Some(format!("{id} ({})", a.state)),
                None if joining => Some(format!("{id} (not yet a member)")),
                _ => None,
            })
            .collect();
        if pending.is_empty() {
            return Ok(members);
        }
        let waited = started.elapsed();
        if waited >= FOLLOW_TIMEOUT {
            return Err(AppError::Backend(BackendError::Failed(format!(
                "after {} s these systems are still not final: {}; `formation-wizard status {formation_id} --wait` follows it further",
                waited.as_secs(),
                neutralise(&pending.join(", "))
            ))));
        }
        if waited >= Duration::from_secs(1) {
            eprintln!(
                "waiting ({} s): {}",
                waited.as_secs(),
                neutralise(&pending.join(", "))
            );
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

async fn resync(
    backend: &dyn Backend,
    args: &FormationArgs,
    reset: bool,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation)?;
    let state = if reset {
        backend.resynchronize_reset(&f.id).await?
    } else {
        backend.resynchronize(&f.id).await?
    };
    report_state(args.format, f, "resync", state)
}

async fn finalize(
    backend: &dyn Backend,
    args: &FormationArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation)?;
    let state = backend.finalize(&f.id).await?;
    report_state(args.format, f, "finalize", state)
}

/// Prints a formation's state; Error is a failed backend (exit 3).
fn report_state(
    format: Format,
    f: &Formation,
    action: &'static str,
    state: FormationState,
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
    print(format, &outcome, || outcome_text(&outcome));
    Ok(code)
}

async fn status(
    backend: &dyn Backend,
    args: &FormationArgs,
    wait: bool,
    timeout: u64,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation)?;
    let started = Instant::now();
    let mut pause = Duration::from_millis(100);
    loop {
        let state = backend.status(&f.id).await?;
        let settled = matches!(state.status.as_str(), "Ready" | "Error" | "Draft");
        if !wait || settled {
            return report_state(args.format, f, "status", state);
        }
        let waited = started.elapsed();
        if waited >= Duration::from_secs(timeout) {
            return Err(AppError::Backend(BackendError::Failed(format!(
                "the formation \"{}\" is still {} after {} s",
                neutralise(&f.name),
                neutralise(&state.status),
                waited.as_secs()
            ))));
        }
        eprintln!(
            "{} ({} s): {}",
            neutralise(&f.name),
            waited.as_secs(),
            neutralise(&state.status)
        );
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
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
    yes: bool,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let landscape = load(backend, catalog).await?;
    let f = find(&landscape, &args.formation)?;
    let target = neutralise(&backend.describe()).into_owned();
    let what = deletion_words(f, &target);
    if !yes {
        if !(crate::prompt::on_terminal()) {
            return Err(AppError::Usage(format!(
                "{what}; not on a terminal, deleting needs --yes"
            )));
        }
        eprintln!("{what}.");
        if !crate::prompt::ask(&format!(
            "Delete \"{}\" from {target}?",
            neutralise(&f.name)
        ))? {
            eprintln!("Nothing was changed.");
            return Ok(exit::CANCELLED);
        }
    }
    // The Director refuses to delete a formation with members (§4.7): they go first.
    for id in &f.systems {
        backend.unassign(&f.id, id, catalog).await?;
    }
    follow(backend, &f.id, &f.systems, false).await?;
    backend.delete(&f.id).await?;
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

/// `create --draft`: checked like `create`, then written as a draft.
pub(super) async fn create_draft(
    backend: &dyn Backend,
    args: &PlanArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let rules = super::server_rules::effective(backend, catalog).await?;
    let catalog = &rules;
    let (landscape, plan, report) = super::create::checked(backend, args, catalog).await?;
    let (report, created) = if report.valid {
        match backend.create_draft(&plan, catalog).await? {
            CreateOutcome::Created(c) => (report, Some(c)),
            CreateOutcome::Refused(fresh) => (*fresh, None),
            CreateOutcome::Partial {
                formation, failed, ..
            } => {
                let why: Vec<String> = failed.iter().map(|(s, m)| format!("{s} ({m})")).collect();
                return Err(AppError::Backend(BackendError::Failed(format!(
                    "the draft formation {} was created but these systems could not be assigned: {}; assign them again or delete it",
                    formation.id,
                    why.join(", ")
                ))));
            }
        }
    } else {
        (report, None)
    };
    let Some(ftype) = catalog.by_id(&plan.type_id) else {
        return Ok(exit::INPUT);
    };
    let mut verdict = crate::output::Verdict::new(&plan, ftype, &report);
    verdict.created = created.as_ref();
    print(args.format, &verdict, || {
        let mut text = crate::output::verdict_text(&verdict, &landscape);
        if created.is_some() {
            text.push_str("It is a draft: nothing is sent until `formation-wizard finalize` makes it active.\n");
        }
        text
    });
    Ok(if created.is_some() {
        exit::OK
    } else {
        exit::RULES_NOT_SATISFIED
    })
}
