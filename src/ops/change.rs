//! Changes to a formation that exists: assign, unassign, delete, resync and finalize.
//! Each is checked against the landscape as it is now, sent, and followed until every
//! system it touched is final; the outcome says where each ended.

use std::collections::BTreeMap;

use serde::Serialize;

use super::create::no_stop;
use super::follow::{self, Final, Want};
use super::journal::{Entry, Op, Step};
use super::{Calls, Ctx, said};
use crate::backend::{BackendError, FormationState, Progress};
use crate::landscape::Formation;
use crate::rules::{self, Finding};
use crate::text::neutralise;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Assign,
    Unassign,
    Delete,
    Resync,
    Finalize,
}

impl Action {
    pub fn word(self) -> &'static str {
        match self {
            Action::Assign => "assign",
            Action::Unassign => "unassign",
            Action::Delete => "delete",
            Action::Resync => "resync",
            Action::Finalize => "finalize",
        }
    }
}

#[derive(Debug, Clone)]
pub enum ChangeEnd {
    /// Sent and followed; each system's own end is in `systems`.
    Done,
    /// Checked against the landscape as it is now, the change breaks these rules; nothing
    /// was changed (or what was, was undone).
    Refused(Vec<Finding>),
    /// The user interrupted; `systems` says how far it got.
    Interrupted,
    /// A step failed: the reason. What was done is in `systems`.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct ChangeOutcome {
    pub action: Action,
    pub formation_id: String,
    pub formation_name: String,
    pub end: ChangeEnd,
    /// Where each system the change touched ended.
    pub systems: BTreeMap<String, Final>,
    /// Systems named that were already where the change wanted them (left alone).
    pub unchanged: BTreeMap<String, Final>,
    /// The formation's state afterwards, when it could be read (none after a delete).
    pub state: Option<FormationState>,
    /// What an undo or a delete that did not finish left behind, and how to finish it.
    pub left: Option<String>,
}

impl ChangeOutcome {
    fn new(action: Action, formation: &Formation, end: ChangeEnd) -> ChangeOutcome {
        ChangeOutcome {
            action,
            formation_id: formation.id.clone(),
            formation_name: formation.name.clone(),
            end,
            systems: BTreeMap::new(),
            unchanged: BTreeMap::new(),
            state: None,
            left: None,
        }
    }

    /// Whether every system ended where the change wanted it.
    pub fn succeeded(&self) -> bool {
        matches!(self.end, ChangeEnd::Done)
            && self.left.is_none()
            && self
                .systems
                .values()
                .all(|f| matches!(f, Final::Ready | Final::Gone))
    }

    pub fn exit_code(&self) -> u8 {
        use crate::error::exit;
        match &self.end {
            ChangeEnd::Refused(_) => exit::RULES_NOT_SATISFIED,
            ChangeEnd::Interrupted => exit::CANCELLED,
            _ if self.succeeded() && !self.state_is_error() => exit::OK,
            _ => exit::BACKEND,
        }
    }

    fn state_is_error(&self) -> bool {
        self.state.as_ref().is_some_and(|s| s.status == "Error")
    }

    /// What happened, in one line per fact: for the TUI's line and the commands' stderr.
    pub fn line(&self) -> String {
        let name = neutralise(&self.formation_name);
        let mut parts: Vec<String> = Vec::new();
        let (ok, bad): (Vec<_>, Vec<_>) = self
            .systems
            .iter()
            .partition(|(_, f)| matches!(f, Final::Ready | Final::Gone));
        let ok: Vec<String> = ok.iter().map(|(s, _)| neutralise(s).into_owned()).collect();
        match (&self.end, self.action) {
            (ChangeEnd::Refused(v), _) => {
                let why: Vec<String> = v
                    .iter()
                    .map(|f| crate::text::neutralise_lines(&f.message))
                    .collect();
                parts.push(format!("Nothing was changed: {}", why.join(" ")));
            }
            (_, Action::Assign) if !ok.is_empty() => parts.push(format!(
                "{} {} added to \"{name}\".",
                ok.join(", "),
                if ok.len() == 1 { "was" } else { "were" }
            )),
            (_, Action::Unassign) if !ok.is_empty() => parts.push(format!(
                "{} {} taken out of \"{name}\".",
                ok.join(", "),
                if ok.len() == 1 { "was" } else { "were" }
            )),
            (ChangeEnd::Done, Action::Delete) if self.left.is_none() => {
                parts.push(format!("\"{name}\" was deleted."));
            }
            (ChangeEnd::Done, Action::Resync | Action::Finalize) => {
                let status = self.state.as_ref().map_or("unknown", |s| s.status.as_str());
                let did = if self.action == Action::Resync {
                    "was resynchronized"
                } else {
                    "was finalized"
                };
                parts.push(format!("\"{name}\" {did}; it is {}.", neutralise(status)));
            }
            _ => {}
        }
        for (system, f) in bad {
            let system = neutralise(system);
            let what = match (self.action, f) {
                (Action::Assign, Final::Vanished { .. }) => format!(
                    "{system} was not added to \"{name}\": {}.",
                    neutralise(&f.words())
                ),
                (Action::Assign, _) => format!(
                    "{system} was not added to \"{name}\": its assignment is {}.",
                    neutralise(&f.words())
                ),
                (Action::Unassign | Action::Delete, _) => format!(
                    "{system} was not taken out of \"{name}\": its assignment is {}.",
                    neutralise(&f.words())
                ),
                _ => format!("{system}: {}.", neutralise(&f.words())),
            };
            parts.push(what);
        }
        match &self.end {
            ChangeEnd::Interrupted => parts.push("Interrupted: nothing more was sent.".into()),
            ChangeEnd::Failed(why) => parts.push(format!("Failed: {}.", neutralise(why))),
            _ => {}
        }
        if let Some(left) = &self.left {
            parts.push(neutralise(left).into_owned());
        }
        if parts.is_empty() {
            parts.push(format!("Nothing was changed in \"{name}\"."));
        }
        parts.join(" ")
    }
}

/// Reads the formation as it is now.
async fn fresh_formation(
    ctx: &Ctx<'_>,
    formation_id: &str,
) -> Result<(crate::landscape::Landscape, Formation), BackendError> {
    let landscape = ctx.backend.load(ctx.catalog, &Progress::none()).await?;
    let f = landscape
        .formations
        .iter()
        .find(|f| f.id == formation_id)
        .cloned()
        .ok_or_else(|| BackendError::NoSuchFormation(formation_id.to_owned()))?;
    Ok((landscape, f))
}

/// The first step of a change: the formation as it is now, read under a progress line
/// that the caller ends once it has checked the rules.
async fn checking<'p>(
    ctx: &Ctx<'_>,
    calls: &mut Calls<'p>,
    formation_id: &str,
    label: &str,
) -> Result<(crate::landscape::Landscape, Formation, super::Call<'p>), BackendError> {
    let check = calls.start(label.to_owned());
    match fresh_formation(ctx, formation_id).await {
        Ok((landscape, f)) => Ok((landscape, f, check)),
        Err(e) => {
            check.failed(&said(&e));
            Err(e)
        }
    }
}

/// Adds `systems` to the formation. Members are left alone (sent again, a Task Center is
/// refused by its own formation, §4.5). Interrupted or refused half-way, the systems this
/// call added are taken out again.
pub async fn assign(
    ctx: &Ctx<'_>,
    formation_id: &str,
    systems: &[String],
) -> Result<ChangeOutcome, BackendError> {
    let _running = ctx.stop.running();
    let mut calls = Calls::new(&ctx.progress);
    let (landscape, f, check) = checking(
        ctx,
        &mut calls,
        formation_id,
        "Check the systems against the landscape as it is now",
    )
    .await?;
    let joining: Vec<String> = systems
        .iter()
        .filter(|s| !f.systems.contains(s))
        .cloned()
        .collect();
    let broken = rules::check_assignments(&landscape, &f, &joining, ctx.catalog)
        .map_err(BackendError::Failed)?;
    if !broken.is_empty() {
        check.failed("the rules refuse it");
        return Ok(ChangeOutcome::new(
            Action::Assign,
            &f,
            ChangeEnd::Refused(broken),
        ));
    }
    check.done();
    let mut outcome = ChangeOutcome::new(Action::Assign, &f, ChangeEnd::Done);
    // Members named again are left alone, and said as they are.
    let members = f.members();
    let already: BTreeMap<String, Final> = systems
        .iter()
        .filter_map(|s| {
            let a = members.get(s)?;
            Some((s.clone(), follow::judge(Want::Joined, Some(a))))
        })
        .collect();
    if joining.is_empty() || ctx.stop.requested() {
        if ctx.stop.requested() {
            outcome.end = ChangeEnd::Interrupted;
        }
        outcome.unchanged = already;
        outcome.state = ctx.backend.status(&f.id).await.ok();
        return Ok(outcome);
    }
    let mut entry = ctx
        .journal
        .begin(Op::Assign, Some(&f.id), &f.name, &f.type_id, &joining);
    let mut assigned: Vec<String> = Vec::new();
    let mut stopped: Option<ChangeEnd> = None;
    for system in &joining {
        if ctx.stop.requested() {
            stopped = Some(ChangeEnd::Interrupted);
            break;
        }
        let call = calls.start(format!("Assign the system {system}"));
        entry.about_to(Step::Assign(system.clone()));
        match ctx
            .backend
            .assign(&f.id, system, ctx.catalog, call.report())
            .await
        {
            Ok(()) => {
                call.done();
                entry.did(Step::Assign(system.clone()), None);
                assigned.push(system.clone());
                ctx.stop.set_left(Some(format!(
                    "{} of {} {} added to \"{}\"",
                    assigned.join(", "),
                    joining.join(", "),
                    if assigned.len() == 1 { "was" } else { "were" },
                    f.name
                )));
            }
            Err(BackendError::Refused(finding)) => {
                call.failed(&finding.message);
                entry.failed();
                stopped = Some(ChangeEnd::Refused(vec![*finding]));
                break;
            }
            Err(e) => {
                call.failed(&said(&e));
                entry.failed();
                stopped = Some(ChangeEnd::Failed(format!(
                    "assigning the system {system} failed: {}",
                    said(&e)
                )));
                break;
            }
        }
    }
    if let Some(end) = stopped {
        // Half an assignment of several systems is not what anyone asked for.
        entry.undoing();
        let left = take_out(ctx, &mut entry, &f, &assigned, &mut calls, "Undo: ").await;
        outcome.systems = assigned.iter().map(|s| (s.clone(), Final::Gone)).collect();
        outcome.end = end;
        match left {
            Ok(()) => entry.close(),
            Err(left) => outcome.left = Some(left),
        }
        outcome.state = ctx.backend.status(&f.id).await.ok();
        return Ok(outcome);
    }
    follow_into(
        ctx,
        &mut calls,
        &mut outcome,
        &joining,
        Want::Joined,
        "Wait until each new assignment is Ready",
    )
    .await;
    entry.close();
    outcome.unchanged = already;
    outcome.state = ctx.backend.status(&f.id).await.ok();
    Ok(outcome)
}

/// Takes `systems` out of the formation. When that breaks a rule the formation relies on
/// (its only Task Center, say), it is refused unless `accept_breaking` (the user said yes).
/// Interrupted, it stops before the next system; the ones taken out stay out.
pub async fn unassign(
    ctx: &Ctx<'_>,
    formation_id: &str,
    systems: &[String],
    accept_breaking: bool,
) -> Result<ChangeOutcome, BackendError> {
    let _running = ctx.stop.running();
    let mut calls = Calls::new(&ctx.progress);
    let (landscape, f, check) = checking(
        ctx,
        &mut calls,
        formation_id,
        "Check what the formation needs, as it is now",
    )
    .await?;
    let leaving: Vec<String> = systems
        .iter()
        .filter(|s| f.systems.contains(s))
        .cloned()
        .collect();
    let breaks = rules::check_unassignment(&landscape, &f, &leaving, ctx.catalog)
        .map_err(BackendError::Failed)?;
    if !breaks.is_empty() && !accept_breaking {
        check.failed("the formation would stop working");
        return Ok(ChangeOutcome::new(
            Action::Unassign,
            &f,
            ChangeEnd::Refused(breaks),
        ));
    }
    check.done();
    let mut outcome = ChangeOutcome::new(Action::Unassign, &f, ChangeEnd::Done);
    let mut entry = ctx
        .journal
        .begin(Op::Unassign, Some(&f.id), &f.name, &f.type_id, &leaving);
    let mut sent = Vec::new();
    for system in &leaving {
        if ctx.stop.requested() {
            outcome.end = ChangeEnd::Interrupted;
            break;
        }
        let keeping = (!accept_breaking).then_some(&landscape);
        match unassign_one(ctx, &mut entry, &f.id, system, &mut calls, "", keeping).await {
            Ok(()) => sent.push(system.clone()),
            Err(BackendError::Refused(finding)) => {
                outcome.end = ChangeEnd::Refused(vec![*finding]);
                break;
            }
            Err(e) => {
                outcome.end =
                    ChangeEnd::Failed(format!("unassigning {system} failed: {}", said(&e)));
                break;
            }
        }
    }
    follow_into(
        ctx,
        &mut calls,
        &mut outcome,
        &sent,
        Want::Gone,
        "Wait until their assignments are gone",
    )
    .await;
    entry.close();
    outcome.state = ctx.backend.status(&f.id).await.ok();
    Ok(outcome)
}

/// Deletes the formation: its members unassigned and gone first (a formation that still
/// has assignments is refused, §4.7), then the formation. A delete that has begun finishes,
/// interrupt or not: half-emptied, a formation is neither whole nor gone.
pub async fn delete(ctx: &Ctx<'_>, formation_id: &str) -> Result<ChangeOutcome, BackendError> {
    let _running = ctx.stop.running();
    let (_, f) = fresh_formation(ctx, formation_id).await?;
    let mut calls = Calls::new(&ctx.progress);
    let mut entry = ctx
        .journal
        .begin(Op::Delete, Some(&f.id), &f.name, &f.type_id, &f.systems);
    let mut outcome = ChangeOutcome::new(Action::Delete, &f, ChangeEnd::Done);
    match take_apart(ctx, &mut entry, &f.id, &f.name, &mut calls, "").await {
        Ok(()) => {
            entry.close();
            outcome.systems = f.systems.iter().map(|s| (s.clone(), Final::Gone)).collect();
        }
        Err(left) => {
            outcome.end = ChangeEnd::Failed("the delete did not finish".into());
            outcome.left = Some(left);
        }
    }
    Ok(outcome)
}

/// Resynchronizes a formation in error (`reset`: from the start) and follows its members
/// until each is final.
pub async fn resync(
    ctx: &Ctx<'_>,
    formation_id: &str,
    reset: bool,
) -> Result<ChangeOutcome, BackendError> {
    let _running = ctx.stop.running();
    let (_, f) = fresh_formation(ctx, formation_id).await?;
    let mut calls = Calls::new(&ctx.progress);
    let call = calls.start(format!(
        "Resynchronize \"{}\"{}",
        f.name,
        if reset { " from the start" } else { "" }
    ));
    let sent = if reset {
        ctx.backend.resynchronize_reset(&f.id).await
    } else {
        ctx.backend.resynchronize(&f.id).await
    };
    if let Err(e) = sent {
        call.failed(&said(&e));
        return Err(e);
    }
    call.done();
    settle(ctx, f, Action::Resync, &mut calls).await
}

/// Finalizes a formation in DRAFT: its notifications go out; followed until final.
pub async fn finalize(ctx: &Ctx<'_>, formation_id: &str) -> Result<ChangeOutcome, BackendError> {
    let _running = ctx.stop.running();
    let (_, f) = fresh_formation(ctx, formation_id).await?;
    let mut calls = Calls::new(&ctx.progress);
    let call = calls.start(format!("Finalize \"{}\"", f.name));
    if let Err(e) = ctx.backend.finalize(&f.id).await {
        call.failed(&said(&e));
        return Err(e);
    }
    call.done();
    settle(ctx, f, Action::Finalize, &mut calls).await
}

/// Follows every member of `f` until final, then reads its state.
async fn settle(
    ctx: &Ctx<'_>,
    f: Formation,
    action: Action,
    calls: &mut Calls<'_>,
) -> Result<ChangeOutcome, BackendError> {
    let mut outcome = ChangeOutcome::new(action, &f, ChangeEnd::Done);
    follow_into(
        ctx,
        calls,
        &mut outcome,
        &f.systems,
        Want::Joined,
        "Wait until every assignment is final",
    )
    .await;
    outcome.state = Some(ctx.backend.status(&f.id).await?);
    Ok(outcome)
}

/// Follows `systems` of the outcome's formation until each is where `want` says, under one
/// progress line: the outcome gets each system's end; a wait cut short by the interrupt
/// ends it Interrupted, one that cannot read the formation ends it Failed.
async fn follow_into(
    ctx: &Ctx<'_>,
    calls: &mut Calls<'_>,
    outcome: &mut ChangeOutcome,
    systems: &[String],
    want: Want,
    label: &str,
) {
    let wanted: Vec<(String, Want)> = systems.iter().map(|s| (s.clone(), want)).collect();
    let wait = calls.start(label.to_owned());
    let followed = follow::assignments(
        ctx.backend,
        &outcome.formation_id,
        &wanted,
        &ctx.follow,
        &ctx.progress,
        &ctx.stop,
    )
    .await;
    match followed {
        Ok(followed) => {
            let wanted_end = |f: &Final| match want {
                Want::Joined => *f == Final::Ready,
                Want::Gone => *f == Final::Gone,
            };
            if followed.systems.values().all(wanted_end) {
                wait.done();
            } else {
                wait.failed("not every assignment ended as it should");
            }
            if ctx.stop.requested() && !followed.all_final() {
                outcome.end = ChangeEnd::Interrupted;
            }
            outcome.systems = followed.systems;
        }
        Err(e) => {
            wait.failed(&said(&e));
            outcome.end = ChangeEnd::Failed(format!(
                "the assignments could not be followed: {}",
                said(&e)
            ));
        }
    }
}

/// Sends one unassign, journaled. The error is one sentence.
async fn send_unassign(
    ctx: &Ctx<'_>,
    entry: &mut Entry,
    formation_id: &str,
    system: &str,
    calls: &mut Calls<'_>,
    prefix: &str,
) -> Result<(), String> {
    unassign_one(ctx, entry, formation_id, system, calls, prefix, None)
        .await
        .map_err(|e| format!("unassigning {system} failed: {}", said(&e)))
}

/// One unassign, journaled. With `keeping` (the landscape the change was checked on), the
/// rules the formation relies on are checked again right before the write (under the
/// file's lock for a file), so a removal that another writer's made harmful is refused.
async fn unassign_one(
    ctx: &Ctx<'_>,
    entry: &mut Entry,
    formation_id: &str,
    system: &str,
    calls: &mut Calls<'_>,
    prefix: &str,
    keeping: Option<&crate::landscape::Landscape>,
) -> Result<(), BackendError> {
    let call = calls.start(format!("{prefix}Unassign the system {system}"));
    entry.about_to(Step::Unassign(system.to_owned()));
    let sent = match keeping {
        Some(seen) => {
            ctx.backend
                .unassign_keeping_rules(formation_id, system, seen, ctx.catalog)
                .await
        }
        None => {
            ctx.backend
                .unassign(formation_id, system, ctx.catalog)
                .await
        }
    };
    match sent {
        Ok(()) => {
            call.done();
            entry.did(Step::Unassign(system.to_owned()), None);
            Ok(())
        }
        Err(e) => {
            call.failed(&said(&e));
            entry.failed();
            Err(e)
        }
    }
}

/// Takes `systems` out of `f` and waits until their assignments are gone; the error is
/// what is left. Not interruptible: it is what an interrupt asked for.
async fn take_out(
    ctx: &Ctx<'_>,
    entry: &mut Entry,
    f: &Formation,
    systems: &[String],
    calls: &mut Calls<'_>,
    prefix: &str,
) -> Result<(), String> {
    for (i, system) in systems.iter().enumerate() {
        if let Err(why) = send_unassign(ctx, entry, &f.id, system, calls, prefix).await {
            return Err(left(ctx, &f.id, &f.name, Some(&systems[i..]), &why, false));
        }
    }
    wait_gone(ctx, &f.id, &f.name, systems, calls, prefix).await
}

async fn wait_gone(
    ctx: &Ctx<'_>,
    formation_id: &str,
    name: &str,
    systems: &[String],
    calls: &mut Calls<'_>,
    prefix: &str,
) -> Result<(), String> {
    if systems.is_empty() {
        return Ok(());
    }
    let call = calls.start(format!("{prefix}Wait until the assignments are gone"));
    let wanted: Vec<(String, Want)> = systems.iter().map(|s| (s.clone(), Want::Gone)).collect();
    let followed = match follow::assignments(
        ctx.backend,
        formation_id,
        &wanted,
        &ctx.follow,
        &ctx.progress,
        &no_stop(),
    )
    .await
    {
        Ok(f) => f,
        Err(e) => {
            call.failed(&said(&e));
            let why = format!("reading its assignments failed: {}", said(&e));
            return Err(left(ctx, formation_id, name, None, &why, false));
        }
    };
    let still: Vec<String> = followed
        .systems
        .iter()
        .filter(|(_, f)| **f != Final::Gone)
        .map(|(s, f)| format!("{s} ({})", f.words()))
        .collect();
    if still.is_empty() {
        call.done();
        return Ok(());
    }
    let why = format!("these assignments are not gone: {}", still.join(", "));
    call.failed(&why);
    let ids: Vec<String> = followed
        .systems
        .iter()
        .filter(|(_, f)| **f != Final::Gone)
        .map(|(s, _)| s.clone())
        .collect();
    Err(left(ctx, formation_id, name, Some(&ids), &why, false))
}

/// Empties the formation and deletes it: every member unassigned, their assignments gone,
/// then the formation. The error is what is left and how to finish. The one way a
/// formation is taken away: `delete`, the undo of a create, and `recover`.
pub(super) async fn take_apart(
    ctx: &Ctx<'_>,
    entry: &mut Entry,
    formation_id: &str,
    name: &str,
    calls: &mut Calls<'_>,
    prefix: &str,
) -> Result<(), String> {
    let members: Vec<String> = match ctx.backend.members(formation_id).await {
        Ok(m) => m.into_keys().collect(),
        Err(BackendError::NoSuchFormation(_)) => return Ok(()),
        Err(e) => {
            let why = format!("reading its assignments failed: {}", said(&e));
            return Err(left(ctx, formation_id, name, None, &why, true));
        }
    };
    for (i, system) in members.iter().enumerate() {
        if let Err(why) = send_unassign(ctx, entry, formation_id, system, calls, prefix).await {
            return Err(left(
                ctx,
                formation_id,
                name,
                Some(&members[i..]),
                &why,
                true,
            ));
        }
    }
    wait_gone(ctx, formation_id, name, &members, calls, prefix).await?;
    let call = calls.start(format!("{prefix}Delete the formation \"{name}\""));
    entry.about_to(Step::DeleteFormation);
    match ctx.backend.delete(formation_id).await {
        Ok(()) | Err(BackendError::NoSuchFormation(_)) => {
            call.done();
            entry.did(Step::DeleteFormation, None);
            Ok(())
        }
        Err(e) => {
            call.failed(&said(&e));
            entry.failed();
            let why = format!("deleting it failed: {}", said(&e));
            Err(left(ctx, formation_id, name, Some(&[]), &why, true))
        }
    }
}

/// What is left and how to finish, as one sentence: `members` still in the formation
/// (`None`: unknown); `then_delete`: the formation itself was to go too.
fn left(
    ctx: &Ctx<'_>,
    formation_id: &str,
    name: &str,
    members: Option<&[String]>,
    why: &str,
    then_delete: bool,
) -> String {
    let name = neutralise(name);
    let recover = ctx.command("recover");
    let state = match members {
        Some([]) => format!("the formation \"{name}\" ({formation_id}) is left with no systems"),
        Some(list) => format!(
            "the formation \"{name}\" ({formation_id}) still holds {}",
            neutralise(&list.join(", "))
        ),
        None => {
            format!("the formation \"{name}\" ({formation_id}) may still hold some of its systems")
        }
    };
    let finish = if then_delete {
        "to finish, take its systems out and delete it"
    } else {
        "to finish, take those systems out"
    };
    format!("{why}; {state}: {finish} with `{recover}`")
}

#[cfg(test)]
#[path = "change_tests.rs"]
mod tests;
