//! Creating a formation with its systems: checked against the landscape as it is now, the
//! formation created, each system assigned, every assignment followed until final. When a
//! step is refused, fails, or the user interrupts before the formation is whole, what was
//! done is undone in the order the Director needs (members unassigned and gone, then the
//! formation deleted): a formation is left whole or not at all.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::follow::{self, Final, Want};
use super::journal::{Entry, Op, Step};
use super::{Calls, Ctx, Interrupt, said};
use crate::backend::{BackendError, Created, Progress};
use crate::landscape::Landscape;
use crate::plan::FormationPlan;
use crate::rules::{self, Finding, Report};

/// How a create ended.
#[derive(Debug, Clone)]
pub enum End {
    /// The formation exists with every system; each system's own end is in `systems`.
    Created,
    /// The rules refuse it as the landscape is now (checked here, or by the backend at a
    /// step); anything done was undone.
    Refused(Box<Report>),
    /// A step failed; anything done was undone (unless `left` says otherwise).
    Failed(String),
    /// The user interrupted: before the formation was whole, what was done was undone;
    /// while its assignments were being followed, it was left whole.
    Interrupted,
}

#[derive(Debug, Clone)]
pub struct CreateOutcome {
    pub end: End,
    /// The formation, when it exists at the end.
    pub formation: Option<Created>,
    /// Where each planned system ended.
    pub systems: BTreeMap<String, Final>,
    /// What an undo that did not finish left behind, and how to finish it.
    pub left: Option<String>,
}

impl CreateOutcome {
    fn ended(end: End) -> CreateOutcome {
        CreateOutcome {
            end,
            formation: None,
            systems: BTreeMap::new(),
            left: None,
        }
    }

    /// The systems whose assignment did not end READY, with why.
    pub fn not_ready(&self) -> Vec<(String, String)> {
        self.systems
            .iter()
            .filter(|(_, f)| **f != Final::Ready)
            .map(|(s, f)| (s.clone(), f.words()))
            .collect()
    }

    /// The exit code of a command that ends this way (DESIGN.md §3).
    pub fn exit_code(&self) -> u8 {
        use crate::error::exit;
        match (&self.end, &self.left) {
            (End::Interrupted, _) => exit::CANCELLED,
            (_, Some(_)) | (End::Failed(_), _) => exit::BACKEND,
            (End::Refused(_), _) => exit::RULES_NOT_SATISFIED,
            (End::Created, None) if self.not_ready().is_empty() => exit::OK,
            (End::Created, None) => exit::BACKEND,
        }
    }
}

/// Options of a create.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'l> {
    /// Created in DRAFT: the Director sends nothing until it is finalized (§4.8), so there is
    /// nothing to follow.
    pub draft: bool,
    /// The landscape as the caller read it a moment ago; `None` reads it again.
    pub checked_on: Option<&'l Landscape>,
}

/// The steps a create makes, in words, before any is made (the wizard's Review shows them).
pub fn planned_calls(plan: &FormationPlan, type_name: &str, draft: bool) -> Vec<String> {
    let mut calls = vec![
        check_label().to_owned(),
        create_label(&plan.name, type_name, draft),
    ];
    calls.extend(plan.systems.iter().map(|s| assign_label(s)));
    if !draft {
        calls.push(wait_label().to_owned());
    }
    calls
}

fn check_label() -> &'static str {
    "Check the plan against the landscape as it is now"
}

fn create_label(name: &str, type_name: &str, draft: bool) -> String {
    let draft = if draft { " as a draft" } else { "" };
    format!("Create the formation \"{name}\" of type {type_name}{draft}")
}

fn assign_label(system: &str) -> String {
    format!("Assign the system {system}")
}

fn wait_label() -> &'static str {
    "Wait until every system's assignment is Ready"
}

/// Creates the formation `plan` describes. `Err` only when nothing was changed (the
/// landscape could not be read, the formation could not be created); once anything was
/// changed, every ending is an outcome.
pub async fn create(
    ctx: &Ctx<'_>,
    plan: &FormationPlan,
    options: Options<'_>,
) -> Result<CreateOutcome, BackendError> {
    let _running = ctx.stop.running();
    let mut calls = Calls::new(&ctx.progress);
    let check = calls.start(check_label().to_owned());
    let fresh = match options.checked_on {
        Some(l) => Cow::Borrowed(l),
        None => match ctx.backend.load(ctx.catalog, &Progress::none()).await {
            Ok(l) => Cow::Owned(l),
            Err(e) => {
                check.failed(&said(&e));
                return Err(e);
            }
        },
    };
    let report = rules::evaluate(plan, &fresh, ctx.catalog);
    if !report.valid {
        check.failed("the plan breaks a rule now");
        return Ok(CreateOutcome::ended(End::Refused(Box::new(report))));
    }
    check.done();
    if ctx.stop.requested() {
        return Ok(CreateOutcome::ended(End::Interrupted));
    }
    let type_name = ctx
        .catalog
        .by_id(&plan.type_id)
        .map_or(plan.type_id.as_str(), |t| t.name.as_str());
    let mut entry = ctx
        .journal
        .begin(Op::Create, None, &plan.name, &plan.type_id, &plan.systems);
    let call = calls.start(create_label(&plan.name, type_name, options.draft));
    entry.about_to(Step::CreateFormation);
    let created = match ctx
        .backend
        .create_formation(plan, ctx.catalog, options.draft, call.report())
        .await
    {
        Ok(c) => c,
        Err(e) => {
            call.failed(&said(&e));
            entry.failed();
            entry.close();
            return match e {
                BackendError::Refused(finding) => Ok(CreateOutcome::ended(End::Refused(
                    refusal(ctx, plan, *finding).await,
                ))),
                e => Err(e),
            };
        }
    };
    call.done();
    entry.did(Step::CreateFormation, Some(&created.id));
    let mut run = Running {
        ctx,
        plan,
        created,
        entry,
        calls,
        assigned: Vec::new(),
    };
    run.say_left();
    for system in &plan.systems {
        if ctx.stop.requested() {
            return Ok(run.undo(End::Interrupted).await);
        }
        let call = run.calls.start(assign_label(system));
        run.entry.about_to(Step::Assign(system.clone()));
        match ctx
            .backend
            .assign(&run.created.id, system, ctx.catalog, call.report())
            .await
        {
            Ok(()) => {
                call.done();
                run.entry.did(Step::Assign(system.clone()), None);
                run.assigned.push(system.clone());
                run.say_left();
            }
            Err(BackendError::Refused(finding)) => {
                call.failed(&finding.message);
                run.entry.failed();
                // Undone first: the verdict is then on the landscape without the half-built
                // formation (whose name would otherwise count as taken).
                let mut outcome = run.undo(End::Interrupted).await;
                outcome.end = End::Refused(refusal(ctx, plan, *finding).await);
                return Ok(outcome);
            }
            Err(e) => {
                call.failed(&said(&e));
                // An unknown outcome was already looked up by the backend: not in.
                run.entry.failed();
                let why = format!("assigning the system {system} failed: {}", said(&e));
                return Ok(run.undo(End::Failed(why)).await);
            }
        }
    }
    if ctx.stop.requested() {
        return Ok(run.undo(End::Interrupted).await);
    }
    if options.draft {
        return Ok(run.finish(End::Created, draft_systems(plan), "Draft"));
    }
    run.follow().await
}

/// Every system of a draft as far as it goes: assigned, nothing sent yet.
fn draft_systems(plan: &FormationPlan) -> BTreeMap<String, Final> {
    plan.systems
        .iter()
        .map(|s| (s.clone(), Final::Ready))
        .collect()
}

/// A create under way, once the formation exists.
struct Running<'c, 'a> {
    ctx: &'c Ctx<'a>,
    plan: &'c FormationPlan,
    created: Created,
    entry: Entry,
    calls: Calls<'c>,
    assigned: Vec<String>,
}

impl Running<'_, '_> {
    /// What a stop at once would leave, for the interrupt handler.
    fn say_left(&self) {
        let name = crate::text::neutralise(&self.plan.name);
        let with = if self.assigned.is_empty() {
            "no systems yet".to_owned()
        } else {
            format!(
                "{} of {}",
                self.assigned.join(", "),
                self.plan.systems.join(", ")
            )
        };
        self.ctx.stop.set_left(Some(format!(
            "the formation \"{name}\" ({}) exists with {with}",
            self.created.id
        )));
    }

    async fn follow(mut self) -> Result<CreateOutcome, BackendError> {
        let ctx = self.ctx;
        let call = self.calls.start(wait_label().to_owned());
        let wanted: Vec<(String, Want)> = self
            .plan
            .systems
            .iter()
            .map(|s| (s.clone(), Want::Joined))
            .collect();
        let followed = match follow::assignments(
            ctx.backend,
            &self.created.id,
            &wanted,
            &ctx.follow,
            &ctx.progress,
            &ctx.stop,
        )
        .await
        {
            Ok(f) => f,
            Err(e) => {
                // Every system was assigned: the formation is whole; only its state is unknown.
                call.failed(&said(&e));
                let unknown = self
                    .plan
                    .systems
                    .iter()
                    .map(|s| {
                        (
                            s.clone(),
                            Final::Pending {
                                state: "unknown (it could not be read)".into(),
                            },
                        )
                    })
                    .collect();
                return Ok(self.finish(End::Created, unknown, "Unknown"));
            }
        };
        let vanished: Vec<(&String, &Option<String>)> = followed
            .systems
            .iter()
            .filter_map(|(s, f)| match f {
                Final::Vanished { reason } => Some((s, reason)),
                _ => None,
            })
            .collect();
        if !vanished.is_empty() {
            let names: Vec<&str> = vanished.iter().map(|(s, _)| s.as_str()).collect();
            let reasons: Vec<String> = vanished
                .iter()
                .map(|(s, reason)| match reason {
                    Some(r) => format!("{s}: the last error its assignment showed was {r}"),
                    None => format!("{s}: the Director gave no reason"),
                })
                .collect();
            let why = format!(
                "the Director removed the assignment of {} again, so the formation could not be completed ({})",
                names.join(", "),
                reasons.join("; ")
            );
            call.failed(&why);
            return Ok(self.undo(End::Failed(why)).await);
        }
        let status = if followed.all_final() {
            let failed = followed.systems.values().any(|f| *f != Final::Ready);
            if failed {
                call.failed("an assignment ended in error");
                "Error"
            } else {
                call.done();
                "Ready"
            }
        } else {
            call.failed(&format!(
                "still in progress after {} s",
                followed.waited.as_secs()
            ));
            "Synchronizing"
        };
        // Interrupted while following: the formation is whole; it is left as it is.
        let end = if ctx.stop.requested() && !followed.all_final() {
            End::Interrupted
        } else {
            End::Created
        };
        Ok(self.finish(end, followed.systems, status))
    }

    fn finish(self, end: End, systems: BTreeMap<String, Final>, status: &str) -> CreateOutcome {
        self.entry.close();
        CreateOutcome {
            end,
            formation: Some(Created {
                id: self.created.id,
                status: status.to_owned(),
            }),
            systems,
            left: None,
        }
    }

    /// Takes the formation apart again; the outcome says whether that finished.
    async fn undo(mut self, end: End) -> CreateOutcome {
        let ctx = self.ctx;
        self.entry.undoing();
        let left = super::change::take_apart(
            ctx,
            &mut self.entry,
            &self.created.id,
            &self.plan.name,
            &mut self.calls,
            "Undo: ",
        )
        .await;
        let systems = self
            .plan
            .systems
            .iter()
            .map(|s| (s.clone(), Final::Gone))
            .collect();
        match left {
            Ok(()) => {
                self.entry.close();
                CreateOutcome {
                    end,
                    formation: None,
                    systems,
                    left: None,
                }
            }
            // The record stays: the next command reports it, `recover` finishes the undo.
            Err(left) => CreateOutcome {
                end,
                formation: Some(self.created),
                systems: BTreeMap::new(),
                left: Some(left),
            },
        }
    }
}

/// The verdict after the backend refused a step: its reason first, then whatever the rules
/// see in the landscape as it is now.
pub(super) async fn refusal(ctx: &Ctx<'_>, plan: &FormationPlan, finding: Finding) -> Box<Report> {
    let mut report = match ctx.backend.load(ctx.catalog, &Progress::none()).await {
        Ok(fresh) => rules::evaluate(plan, &fresh, ctx.catalog),
        Err(_) => Report {
            valid: false,
            violations: Vec::new(),
            warnings: Vec::new(),
            candidates: Vec::new(),
            auto_enabled: Vec::new(),
        },
    };
    report.valid = false;
    // The backend's words first; the same finding is not said twice.
    report
        .violations
        .retain(|v| !(v.rule == finding.rule && v.message == finding.message));
    report.violations.insert(0, finding);
    Box::new(report)
}

/// A fresh interrupt that is never raised: an undo is not itself undone by the first
/// interrupt (the second one ends the process).
pub(super) fn no_stop() -> Interrupt {
    Interrupt::new()
}

#[cfg(test)]
#[path = "create_tests.rs"]
mod tests;
