//! The rules about a single system, independent of the rest of the selection: its type,
//! its registration, its scenario groups and the formations it is already in.

use super::registration::{self, Groups};
use super::{Finding, RuleKind, join_or};
use crate::catalog::{Catalog, FormationType};
use crate::landscape::{Landscape, System};

/// Which single-system rules the system at `pos` breaks for `ftype`: cheap to compute, so
/// that a whole landscape can be sorted into eligible and not without writing any message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Problems {
    pub type_not_allowed: bool,
    pub registration: bool,
    pub scenario_group: bool,
    /// The position of a formation of this type the system is already in.
    pub other_formation: Option<usize>,
    /// Its scenario groups cannot be read: the Director decides (a warning, not a block).
    pub groups_unknown: bool,
}

impl Problems {
    /// No rule stops the system (an unknown scenario group does not).
    pub fn is_empty(&self) -> bool {
        Problems {
            groups_unknown: false,
            ..*self
        } == Problems::default()
    }
}

pub fn problems(
    ftype: &FormationType,
    landscape: &Landscape,
    catalog: &Catalog,
    pos: usize,
) -> Problems {
    let s = &landscape.systems[pos];
    if ftype.allowed(&s.system_type).is_none() {
        return Problems {
            type_not_allowed: true,
            ..Problems::default()
        };
    }
    let registered = registration::registered(ftype, catalog, s);
    // On the Director a system that is not connected fails before its groups are read.
    let groups = if registered || !registration::director_facts(s) {
        registration::groups(ftype, catalog, s)
    } else {
        Groups::NotRequired
    };
    Problems {
        type_not_allowed: false,
        registration: !registered,
        scenario_group: matches!(groups, Groups::Missing | Groups::NoToken),
        groups_unknown: groups == Groups::Unknown,
        other_formation: if ftype.single_membership(&s.system_type) {
            landscape
                .formation_positions_of(pos)
                .find(|&f| landscape.formations[f].type_id == ftype.id)
        } else {
            None
        },
    }
}

/// The warning for a system whose scenario groups the credentials cannot read.
pub fn groups_unknown(ftype: &FormationType, s: &System) -> Option<Finding> {
    let required = ftype.required_groups(&s.system_type)?;
    Some(Finding::new(
        RuleKind::ScenarioGroup,
        vec![s.id.clone()],
        format!(
            "The credentials cannot read the registration token of {}, so whether it was registered with {} is for the Director to decide when it is assigned.",
            s.name,
            join_or(required, "or")
        ),
        Some(
            "Use credentials with the scope application.auths:read to check this beforehand."
                .into(),
        ),
    ))
}

/// Every rule that stops the system at `pos` from joining a formation of `ftype`,
/// whatever else is selected, each with its message and fix.
pub fn system_blockers(
    ftype: &FormationType,
    landscape: &Landscape,
    catalog: &Catalog,
    pos: usize,
) -> Vec<Finding> {
    describe(
        ftype,
        landscape,
        catalog,
        pos,
        problems(ftype, landscape, catalog, pos),
    )
}

fn describe(
    ftype: &FormationType,
    landscape: &Landscape,
    catalog: &Catalog,
    pos: usize,
    p: Problems,
) -> Vec<Finding> {
    let s = &landscape.systems[pos];
    let mut out = Vec::new();
    if p.type_not_allowed {
        out.push(Finding::new(
            RuleKind::SystemTypeNotAllowed,
            vec![s.id.clone()],
            format!(
                "{} is of type {}, which {} does not take (it takes {}).",
                s.name,
                s.system_type,
                ftype.name,
                join_or(&ftype.allowed_names(), "and")
            ),
            None,
        ));
        return out;
    }
    if p.registration {
        out.extend(registration(ftype, catalog, s));
    }
    if p.scenario_group {
        out.extend(scenario_group(ftype, catalog, s));
    }
    if let Some(f) = p.other_formation {
        out.push(other_formation(ftype, s, &landscape.formations[f]));
    }
    out
}

fn registration(ftype: &FormationType, catalog: &Catalog, s: &System) -> Option<Finding> {
    if registration::registered(ftype, catalog, s) {
        return None;
    }
    if let Some(condition) = s.condition.as_deref() {
        return Some(not_connected(ftype, s, condition));
    }
    let required = ftype.required_status(&s.system_type)?;
    let status = s.status_str();
    let (message, fix) = if status.is_empty() {
        let groups = ftype
            .required_groups(&s.system_type)
            .map(|g| format!(" with the group {}", join_or(g, "or")))
            .unwrap_or_default();
        (
            format!(
                "{} has no status: its registration is not finished, and only {required} systems may join.",
                s.name
            ),
            format!(
                "Get a registration token for {} on the Systems page{groups}, and have the tenant administrator enter it; the status then becomes {required}.",
                s.name
            ),
        )
    } else {
        (
            format!(
                "{} has the status {status}; only {required} systems may join.",
                s.name
            ),
            catalog
                .status(status)
                .and_then(|st| st.fix.clone())
                .unwrap_or_else(|| format!("Register {} again.", s.name)),
        )
    };
    Some(Finding::new(
        RuleKind::RegistrationStatus,
        vec![s.id.clone()],
        message,
        Some(fix),
    ))
}

fn not_connected(ftype: &FormationType, s: &System, condition: &str) -> Finding {
    let groups = ftype
        .required_groups(&s.system_type)
        .map(|g| format!(" with the group {}", join_or(g, "or")))
        .unwrap_or_default();
    Finding::new(
        RuleKind::RegistrationStatus,
        vec![s.id.clone()],
        format!(
            "{} is not connected (its status is {condition}); the Director takes only CONNECTED {} systems into {}.",
            s.name, s.system_type, ftype.name
        ),
        Some(format!(
            "Finish the registration of {}: get a registration token on the Systems page{groups} and have the tenant administrator enter it.",
            s.name
        )),
    )
}

fn scenario_group(ftype: &FormationType, catalog: &Catalog, s: &System) -> Option<Finding> {
    let required = ftype.required_groups(&s.system_type)?;
    let verdict = registration::groups(ftype, catalog, s);
    if !matches!(verdict, Groups::Missing | Groups::NoToken) {
        return None;
    }
    let groups = registration::display_groups(catalog, s);
    if registration::decided_by_tie(ftype, catalog, s) {
        let at = s
            .latest_token
            .as_ref()
            .and_then(|t| t.requested_at.clone())
            .unwrap_or_default();
        return Some(Finding::new(
            RuleKind::ScenarioGroup,
            vec![s.id.clone()],
            format!(
                "{} has several registration tokens requested in the same second ({at}), not all with {}; the Director takes the one it created last, which it cannot be asked for (it shows whole seconds only), so the one without the group is assumed.",
                s.name,
                join_or(required, "or")
            ),
            Some(format!(
                "Request one more registration token for {} with the group {}, so that it is the only newest one.",
                s.name,
                join_or(required, "or")
            )),
        ));
    }
    let had = if verdict == Groups::NoToken {
        "without a registration token".to_owned()
    } else if groups.is_empty() {
        "without a communication scenario group".to_owned()
    } else {
        format!(
            "with the scenario group{} {}",
            super::plural(groups.len()),
            join_or(&groups, "and")
        )
    };
    Some(Finding::new(
        RuleKind::ScenarioGroup,
        vec![s.id.clone()],
        format!(
            "{} was registered {had}; {} accepts only {}.",
            s.name,
            ftype.name,
            join_or(required, "or")
        ),
        Some(format!(
            "Register {} again with the group {}.",
            s.name,
            join_or(required, "or")
        )),
    ))
}

fn other_formation(ftype: &FormationType, s: &System, f: &crate::landscape::Formation) -> Finding {
    Finding::new(
        RuleKind::SystemInOtherFormationOfType,
        vec![s.id.clone()],
        format!(
            "{} is already in the formation \"{}\" of type {}; {} system may be in only one such formation.",
            s.name,
            f.name,
            ftype.name,
            super::with_article(super::kind(&s.system_type))
        ),
        Some(format!(
            "Choose another {} system, or remove {} from \"{}\" first.",
            super::kind(&s.system_type),
            s.name,
            f.name
        )),
    )
}

/// The systems of a type the formation type does not take, each with why.
pub fn excluded_systems<'a>(
    ftype: &'a FormationType,
    landscape: &'a Landscape,
) -> impl Iterator<Item = (&'a System, String)> + 'a {
    landscape
        .systems
        .iter()
        .filter(|s| ftype.allowed(&s.system_type).is_none())
        .map(|s| (s, exclusion_reason(ftype, s)))
}

/// Why a system of a type the formation type does not take is excluded.
pub fn exclusion_reason(ftype: &FormationType, s: &System) -> String {
    format!(
        "{} is of type {}; {} takes only {}.",
        s.name,
        s.system_type,
        ftype.name,
        join_or(&ftype.allowed_names(), "and")
    )
}

/// Whether a formation of a type can be completed in this landscape at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Available,
    /// Not enough eligible systems of a required type; the text says which and why.
    Unavailable(String),
}

/// For each system type the formation type requires, counts the systems that no rule
/// stops; when there are too few, says why the others cannot be used.
pub fn availability(
    ftype: &FormationType,
    landscape: &Landscape,
    catalog: &Catalog,
) -> Availability {
    for a in ftype.system_types.iter().filter(|a| a.min > 0) {
        let mut eligible = 0;
        let mut blocked = Vec::new();
        let positions: Box<dyn Iterator<Item = usize>> =
            if a.system_type == crate::catalog::ANY_OTHER_TYPE {
                Box::new((0..landscape.systems.len()).filter(|&pos| {
                    ftype
                        .allowed(&landscape.systems[pos].system_type)
                        .map(|x| &x.system_type)
                        == Some(&a.system_type)
                }))
            } else {
                Box::new(landscape.systems_of_type(&a.system_type).iter().copied())
            };
        for pos in positions {
            let p = problems(ftype, landscape, catalog, pos);
            if p.is_empty() {
                eligible += 1;
            } else {
                blocked.push((pos, p));
            }
        }
        if eligible >= a.min {
            continue;
        }
        let label = super::kind(&a.system_type);
        let text = if blocked.is_empty() {
            format!("The landscape has no {label} system.")
        } else {
            let shown: Vec<String> = blocked
                .iter()
                .take(3)
                .filter_map(|&(pos, p)| {
                    describe(ftype, landscape, catalog, pos, p)
                        .into_iter()
                        .next()
                })
                .map(|f| f.message)
                .collect();
            let more = blocked.len().saturating_sub(3);
            let more = if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            };
            format!("No {label} system is eligible: {}{more}", shown.join(" "))
        };
        return Availability::Unavailable(text);
    }
    Availability::Available
}
