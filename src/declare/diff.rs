//! From what the landscape has to what the file wants: the steps, in an order that breaks
//! no rule on the way, and the rule engine's verdict on the whole landscape they lead to.
//!
//! Order: every removal first (unassigns, then the unassign-all-and-delete of pruned
//! formations, as the Director refuses to delete a formation that still has members), then
//! every addition (assigns to existing formations, then creations). The rules an assignment
//! can break (at most N of a type, in only one formation of a type, type, registration,
//! scenario groups) can only be broken by adding, and every state on the way holds a subset
//! of the final memberships; so when the end state satisfies them, so does every step. The
//! steps are still replayed against the rules, and a step that would fail is reported.

use serde::Serialize;

use super::resolve::Wanted;
use crate::catalog::Catalog;
use crate::landscape::{Formation, Landscape};
use crate::plan::FormationPlan;
use crate::rules::{self, Finding, RuleKind};

/// One change, in the order it is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Step {
    /// Create a formation with its systems (the backend assigns them one by one).
    Create {
        formation: String,
        type_id: String,
        systems: Vec<String>,
    },
    Assign {
        formation: String,
        formation_id: String,
        system: String,
    },
    Unassign {
        formation: String,
        formation_id: String,
        system: String,
    },
    /// Delete a formation that is already empty (its unassign steps come first).
    Delete {
        formation: String,
        formation_id: String,
    },
}

impl Step {
    pub fn formation(&self) -> &str {
        match self {
            Step::Create { formation, .. }
            | Step::Assign { formation, .. }
            | Step::Unassign { formation, .. }
            | Step::Delete { formation, .. } => formation,
        }
    }
}

/// A finding about one formation of the resulting landscape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormationFinding {
    pub formation: String,
    #[serde(flatten)]
    pub finding: Finding,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Rules the resulting landscape would break (nothing may be applied while any).
    pub violations: Vec<FormationFinding>,
    pub warnings: Vec<FormationFinding>,
    /// What cannot be planned at all, in words (a type change, a step that cannot be ordered).
    pub conflicts: Vec<String>,
    /// Existing formations the file does not mention, left alone without --prune.
    pub unmanaged: Vec<String>,
}

impl Plan {
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty() && self.conflicts.is_empty()
    }

    pub fn has_changes(&self) -> bool {
        !self.steps.is_empty()
    }

    pub fn count(&self, pick: fn(&Step) -> bool) -> usize {
        self.steps.iter().filter(|s| pick(s)).count()
    }
}

/// Plans the way from `landscape` to the formations `wanted`; with `prune`, formations the
/// file does not name are deleted.
pub fn plan(wanted: &[Wanted], landscape: &Landscape, catalog: &Catalog, prune: bool) -> Plan {
    let mut out = Plan::default();
    let mut removals = Vec::new();
    let mut assigns = Vec::new();
    let mut creates = Vec::new();
    for w in wanted {
        match landscape.formation_named(&w.name) {
            Some(f) if f.type_id != w.type_id => out.conflicts.push(type_conflict(f, w, catalog)),
            Some(f) => {
                removals.extend(
                    f.systems
                        .iter()
                        .filter(|s| !w.systems.contains(s))
                        .map(|s| unassign(f, s)),
                );
                assigns.extend(
                    w.systems
                        .iter()
                        .filter(|s| !f.systems.contains(s))
                        .map(|s| Step::Assign {
                            formation: f.name.clone(),
                            formation_id: f.id.clone(),
                            system: s.clone(),
                        }),
                );
            }
            None => creates.push(Step::Create {
                formation: w.name.clone(),
                type_id: w.type_id.clone(),
                systems: w.systems.clone(),
            }),
        }
    }
    for f in &landscape.formations {
        if wanted.iter().any(|w| w.name == f.name) {
            continue;
        }
        if prune {
            removals.extend(f.systems.iter().map(|s| unassign(f, s)));
            removals.push(Step::Delete {
                formation: f.name.clone(),
                formation_id: f.id.clone(),
            });
        } else {
            out.unmanaged.push(f.name.clone());
        }
    }
    out.steps = removals;
    out.steps.extend(assigns);
    out.steps.extend(creates);
    if out.conflicts.is_empty() {
        check_result(&mut out, landscape, catalog);
    }
    if out.is_valid() {
        out.conflicts.extend(replay(&out.steps, landscape, catalog));
    }
    out
}

fn unassign(f: &Formation, system: &str) -> Step {
    Step::Unassign {
        formation: f.name.clone(),
        formation_id: f.id.clone(),
        system: system.to_owned(),
    }
}

fn type_conflict(f: &Formation, w: &Wanted, catalog: &Catalog) -> String {
    let name = |id: &str| catalog.by_id(id).map_or(id.to_owned(), |t| t.name.clone());
    format!(
        "the formation {:?} exists with the type {}, and the file gives {}; a formation's type cannot change: rename it in the file, or remove it from the file and delete it with --prune first.",
        f.name,
        name(&f.type_id),
        name(&w.type_id)
    )
}

/// The id a formation the plan creates has until the backend gives it one.
fn new_id(name: &str) -> String {
    format!("+new:{name}")
}

/// Applies steps to a list of formations (the model the replay and the checks use).
fn step_into(formations: &mut Vec<Formation>, step: &Step, catalog: &Catalog) {
    match step {
        Step::Create {
            formation,
            type_id,
            systems,
        } => formations.push(Formation {
            id: new_id(formation),
            name: formation.clone(),
            type_name: catalog
                .by_id(type_id)
                .map_or(type_id.clone(), |t| t.name.clone()),
            type_id: type_id.clone(),
            systems: systems.clone(),
            ..Formation::default()
        }),
        Step::Assign {
            formation_id,
            system,
            ..
        } => {
            if let Some(f) = formations.iter_mut().find(|f| f.id == *formation_id) {
                f.systems.push(system.clone());
            }
        }
        Step::Unassign {
            formation_id,
            system,
            ..
        } => {
            if let Some(f) = formations.iter_mut().find(|f| f.id == *formation_id) {
                f.systems.retain(|s| s != system);
                f.assignments.remove(system);
            }
        }
        Step::Delete { formation_id, .. } => formations.retain(|f| f.id != *formation_id),
    }
}

fn rebuilt(
    landscape: &Landscape,
    formations: Vec<Formation>,
    catalog: &Catalog,
) -> Result<Landscape, String> {
    Landscape::from_parts(
        landscape.global_account.clone(),
        landscape.user.clone(),
        landscape.systems.clone(),
        formations,
        catalog,
    )
}

/// The rule engine over the landscape the steps lead to: every formation the plan creates
/// or changes, checked against all the others.
fn check_result(out: &mut Plan, landscape: &Landscape, catalog: &Catalog) {
    if !out.has_changes() {
        return;
    }
    let mut end = landscape.formations.clone();
    for step in &out.steps {
        step_into(&mut end, step, catalog);
    }
    let Ok(end_landscape) = rebuilt(landscape, end.clone(), catalog) else {
        out.conflicts
            .push("the resulting landscape would not be valid".into());
        return;
    };
    if let Some(role) = rules::check_role(&end_landscape, catalog) {
        out.violations.push(FormationFinding {
            formation: String::new(),
            finding: role,
        });
    }
    for f in &end {
        let touched: Vec<&Step> = out
            .steps
            .iter()
            .filter(|s| s.formation() == f.name)
            .collect();
        if touched.is_empty() {
            continue;
        }
        let is_new = touched.iter().any(|s| matches!(s, Step::Create { .. }));
        let added: Vec<&str> = touched
            .iter()
            .filter_map(|s| match s {
                Step::Assign { system, .. } => Some(system.as_str()),
                _ => None,
            })
            .collect();
        let shrinks = touched.iter().any(|s| matches!(s, Step::Unassign { .. }));
        let others: Vec<Formation> = end.iter().filter(|o| o.id != f.id).cloned().collect();
        let Ok(rest) = rebuilt(landscape, others, catalog) else {
            continue;
        };
        let report = rules::evaluate(
            &FormationPlan {
                name: f.name.clone(),
                type_id: f.type_id.clone(),
                systems: f.systems.clone(),
            },
            &rest,
            catalog,
        );
        let keep = |v: &Finding| {
            v.rule != RuleKind::Role
                && (is_new
                    || added.iter().any(|s| v.touches(s))
                    || (shrinks && v.rule == RuleKind::MinSystemsOfType))
        };
        let at = |finding| FormationFinding {
            formation: f.name.clone(),
            finding,
        };
        out.violations
            .extend(report.violations.into_iter().filter(keep).map(at));
        if is_new {
            out.warnings.extend(report.warnings.into_iter().map(at));
        }
    }
}

/// Replays the steps one by one with the checks the backends make (an assignment checked
/// as the Director does, a creation with the whole plan) and names the first that fails.
fn replay(steps: &[Step], landscape: &Landscape, catalog: &Catalog) -> Option<String> {
    let mut now = landscape.formations.clone();
    for (i, step) in steps.iter().enumerate() {
        let refusal = match step {
            Step::Assign {
                formation_id,
                system,
                ..
            } => rebuilt(landscape, now.clone(), catalog).ok().and_then(|l| {
                let f = l.formations.iter().find(|f| f.id == *formation_id)?;
                rules::check_assignment(&l, f, system, catalog)
                    .ok()
                    .flatten()
            }),
            Step::Create {
                formation,
                type_id,
                systems,
            } => rebuilt(landscape, now.clone(), catalog).ok().and_then(|l| {
                let plan = FormationPlan {
                    name: formation.clone(),
                    type_id: type_id.clone(),
                    systems: systems.clone(),
                };
                rules::evaluate(&plan, &l, catalog)
                    .violations
                    .into_iter()
                    .next()
            }),
            _ => None,
        };
        if let Some(v) = refusal {
            return Some(format!(
                "the steps cannot be ordered so that no rule breaks: step {} ({}) would be refused: {}",
                i + 1,
                step.formation(),
                v.message
            ));
        }
        step_into(&mut now, step, catalog);
    }
    None
}
