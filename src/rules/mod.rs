//! The rule engine: pure and synchronous. Given a landscape, the catalog and a plan it
//! returns the violations, the warnings, and for every candidate system whether it can be
//! selected and why not. The TUI, the commands and the sandbox server all call `evaluate`.

mod name;
mod system;

use std::collections::HashMap;

use serde::Serialize;

use crate::catalog::{ANY_OTHER_TYPE, Catalog, FormationType};
use crate::landscape::Landscape;
use crate::plan::FormationPlan;

pub use name::check_name;
pub use system::{Availability, availability, excluded_systems, system_blockers};

/// The rule kinds of DESIGN.md §3; their snake_case names are the JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    NameSyntax,
    NameLength,
    NameUnique,
    NameSimilar,
    Role,
    SystemTypeNotAllowed,
    MinSystemsOfType,
    MaxSystemsOfType,
    SystemInOtherFormationOfType,
    ScenarioGroup,
    RegistrationStatus,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::NameSyntax => "name_syntax",
            RuleKind::NameLength => "name_length",
            RuleKind::NameUnique => "name_unique",
            RuleKind::NameSimilar => "name_similar",
            RuleKind::Role => "role",
            RuleKind::SystemTypeNotAllowed => "system_type_not_allowed",
            RuleKind::MinSystemsOfType => "min_systems_of_type",
            RuleKind::MaxSystemsOfType => "max_systems_of_type",
            RuleKind::SystemInOtherFormationOfType => "system_in_other_formation_of_type",
            RuleKind::ScenarioGroup => "scenario_group",
            RuleKind::RegistrationStatus => "registration_status",
        }
    }
}

/// One broken rule (or a warning): which rule, the systems it concerns, what is wrong and,
/// where one exists, what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: RuleKind,
    pub systems: Vec<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    pub fn new(rule: RuleKind, systems: Vec<String>, message: String, fix: Option<String>) -> Self {
        Finding {
            rule,
            systems,
            message,
            fix,
        }
    }

    pub fn touches(&self, system_id: &str) -> bool {
        self.systems.iter().any(|s| s == system_id)
    }
}

/// A system of a type the formation type takes, and whether it can be (or stay) selected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub system_type: String,
    pub selected: bool,
    pub selectable: bool,
    /// Every rule that stops this system, first the most fundamental.
    #[serde(skip)]
    pub blockers: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AutoEnabled {
    pub system: String,
    pub communication_scenarios: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub valid: bool,
    pub violations: Vec<Finding>,
    pub warnings: Vec<Finding>,
    pub candidates: Vec<Candidate>,
    pub auto_enabled: Vec<AutoEnabled>,
}

impl Report {
    pub fn candidate(&self, id: &str) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.id == id)
    }
}

/// Checks a plan against every rule of its formation type. A plan whose type is not in the
/// catalog has no candidates and fails with `system_type_not_allowed` for each system.
pub fn evaluate(plan: &FormationPlan, landscape: &Landscape, catalog: &Catalog) -> Report {
    let (mut violations, warnings) = check_name(&plan.name, landscape, catalog);
    violations.extend(check_role(landscape, catalog));
    let Some(ftype) = catalog.by_id(&plan.type_id) else {
        violations.extend(plan.systems.iter().map(|id| {
            Finding::new(
                RuleKind::SystemTypeNotAllowed,
                vec![id.clone()],
                format!(
                    "the formation type \"{}\" is not in the catalog",
                    plan.type_id
                ),
                None,
            )
        }));
        return finish(violations, warnings, Vec::new(), Vec::new());
    };
    let selection = Selection::of(plan, landscape, ftype);
    for &pos in &selection.positions {
        violations.extend(system_blockers(ftype, landscape, catalog, pos));
    }
    violations.extend(count_findings(ftype, landscape, &selection));
    let candidates = candidates(ftype, landscape, catalog, &selection);
    let auto_enabled = auto_enabled(ftype, landscape, &selection, &violations);
    finish(violations, warnings, candidates, auto_enabled)
}

fn finish(
    violations: Vec<Finding>,
    warnings: Vec<Finding>,
    candidates: Vec<Candidate>,
    auto_enabled: Vec<AutoEnabled>,
) -> Report {
    Report {
        valid: violations.is_empty(),
        violations,
        warnings,
        candidates,
        auto_enabled,
    }
}

/// The `role` rule: with a known user, creating needs an administrator role.
pub fn check_role(landscape: &Landscape, catalog: &Catalog) -> Option<Finding> {
    let user = landscape.user.as_ref()?;
    if catalog.is_admin(&user.roles) {
        return None;
    }
    let has = if user.roles.is_empty() {
        "no role".to_owned()
    } else {
        format!("only {}", join_or(&user.roles, "and"))
    };
    let who = if user.name.is_empty() {
        "The user"
    } else {
        &user.name
    };
    Some(Finding::new(
        RuleKind::Role,
        Vec::new(),
        format!(
            "{who} has {has}; creating a formation needs {}.",
            join_or(&catalog.admin_roles, "or")
        ),
        Some(format!(
            "Ask a global account administrator to assign you the role collection {}.",
            catalog.admin_roles.first().map_or("", String::as_str)
        )),
    ))
}

/// The selected systems known to the landscape, and how many fall in each allowed type.
struct Selection {
    positions: Vec<usize>,
    /// Allowed-type key (`system_type`, or `*`) → selected positions of that type.
    by_type: HashMap<String, Vec<usize>>,
}

impl Selection {
    fn of(plan: &FormationPlan, landscape: &Landscape, ftype: &FormationType) -> Selection {
        let positions: Vec<usize> = plan
            .systems
            .iter()
            .filter_map(|id| landscape.position(id))
            .collect();
        let mut by_type: HashMap<String, Vec<usize>> = HashMap::new();
        for &pos in &positions {
            if let Some(a) = ftype.allowed(&landscape.systems[pos].system_type) {
                by_type.entry(a.system_type.clone()).or_default().push(pos);
            }
        }
        Selection { positions, by_type }
    }

    fn of_type(&self, key: &str) -> &[usize] {
        self.by_type.get(key).map_or(&[], Vec::as_slice)
    }

    fn contains(&self, pos: usize) -> bool {
        self.positions.contains(&pos)
    }
}

fn type_label(key: &str) -> &str {
    if key == ANY_OTHER_TYPE { "other" } else { key }
}

fn count_findings<'a>(
    ftype: &'a FormationType,
    landscape: &'a Landscape,
    selection: &'a Selection,
) -> impl Iterator<Item = Finding> + 'a {
    let per_type = ftype.system_types.iter().filter_map(move |a| {
        let chosen = selection.of_type(&a.system_type);
        let label = type_label(&a.system_type);
        if let Some(max) = a.max.filter(|&max| chosen.len() > max) {
            let names: Vec<String> = chosen.iter().map(|&p| landscape.systems[p].name.clone()).collect();
            return Some(Finding::new(
                RuleKind::MaxSystemsOfType,
                chosen.iter().map(|&p| landscape.systems[p].id.clone()).collect(),
                format!(
                    "{} allows at most {max} {label} system{} per formation, and {} are selected: {}.",
                    ftype.name,
                    plural(max),
                    chosen.len(),
                    join_or(&names, "and")
                ),
                Some(format!("Keep {max} and deselect the others.")),
            ));
        }
        (chosen.len() < a.min).then(|| {
            Finding::new(
                RuleKind::MinSystemsOfType,
                Vec::new(),
                format!(
                    "{} needs at least {} {label} system{}; {} selected.",
                    ftype.name,
                    a.min,
                    plural(a.min),
                    if chosen.is_empty() { "none is".to_owned() } else { format!("{} is", chosen.len()) }
                ),
                Some(format!("Select a {label} system.")),
            )
        })
    });
    let any = (ftype.needs_any_system() && selection.positions.is_empty()).then(|| {
        Finding::new(
            RuleKind::MinSystemsOfType,
            Vec::new(),
            format!(
                "{} needs at least one system; none is selected.",
                ftype.name
            ),
            Some(format!(
                "Select a system of type {}.",
                join_or(&ftype.allowed_names(), "or")
            )),
        )
    });
    per_type.chain(any)
}

fn candidates(
    ftype: &FormationType,
    landscape: &Landscape,
    catalog: &Catalog,
    selection: &Selection,
) -> Vec<Candidate> {
    landscape
        .systems
        .iter()
        .enumerate()
        .filter_map(|(pos, s)| {
            let allowed = ftype.allowed(&s.system_type)?;
            let selected = selection.contains(pos);
            let mut blockers = system_blockers(ftype, landscape, catalog, pos);
            let others: Vec<usize> = selection
                .of_type(&allowed.system_type)
                .iter()
                .copied()
                .filter(|&p| p != pos)
                .collect();
            if let Some(max) = allowed.max.filter(|&max| others.len() + 1 > max) {
                blockers.push(max_blocker(
                    landscape,
                    &allowed.system_type,
                    max,
                    &others,
                    s,
                ));
            }
            let reason = (!blockers.is_empty()).then(|| {
                blockers
                    .iter()
                    .map(|b| b.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            let fix = blockers.iter().find_map(|b| b.fix.clone());
            Some(Candidate {
                id: s.id.clone(),
                name: s.name.clone(),
                system_type: s.system_type.clone(),
                selected,
                selectable: blockers.is_empty(),
                blockers,
                reason,
                fix,
            })
        })
        .collect()
}

fn max_blocker(
    landscape: &Landscape,
    type_key: &str,
    max: usize,
    others: &[usize],
    system: &crate::landscape::System,
) -> Finding {
    let names: Vec<String> = others
        .iter()
        .map(|&p| landscape.systems[p].name.clone())
        .collect();
    let mut ids: Vec<String> = others
        .iter()
        .map(|&p| landscape.systems[p].id.clone())
        .collect();
    ids.push(system.id.clone());
    let label = type_label(type_key);
    Finding::new(
        RuleKind::MaxSystemsOfType,
        ids,
        format!(
            "At most {max} {label} system{} per formation; {} {} already selected.",
            plural(max),
            join_or(&names, "and"),
            if names.len() == 1 { "is" } else { "are" }
        ),
        Some(format!(
            "Deselect {} first to choose {} instead.",
            join_or(&names, "and"),
            system.name
        )),
    )
}

/// What creating the formation enables, on each selected system that no rule stops.
fn auto_enabled(
    ftype: &FormationType,
    landscape: &Landscape,
    selection: &Selection,
    violations: &[Finding],
) -> Vec<AutoEnabled> {
    selection
        .positions
        .iter()
        .filter_map(|&pos| {
            let s = &landscape.systems[pos];
            if violations
                .iter()
                .any(|v| v.rule != RuleKind::MaxSystemsOfType && v.touches(&s.id))
            {
                return None;
            }
            let scenarios: Vec<String> = ftype
                .auto_enabled
                .iter()
                .filter(|a| a.system_type == s.system_type)
                .filter(|a| {
                    a.only_with_scenario_groups
                        .as_ref()
                        .is_none_or(|gs| gs.iter().any(|g| s.scenario_groups.contains(g)))
                })
                .flat_map(|a| a.communication_scenarios.iter().cloned())
                .collect();
            (!scenarios.is_empty()).then(|| AutoEnabled {
                system: s.id.clone(),
                communication_scenarios: scenarios,
            })
        })
        .collect()
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "A", "A or B", "A, B or C".
pub fn join_or<S: AsRef<str>>(items: &[S], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => format!(
            "{} {word} {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}
