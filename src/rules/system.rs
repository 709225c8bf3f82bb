//! The rules about a single system, independent of the rest of the selection: its type,
//! its registration, its scenario groups and the formations it is already in.

use super::{Finding, RuleKind, join_or};
use crate::catalog::{Catalog, FormationType};
use crate::landscape::{Landscape, System};

/// Every rule that stops the system at `pos` from joining a formation of `ftype`,
/// whatever else is selected.
pub fn system_blockers(
    ftype: &FormationType,
    landscape: &Landscape,
    catalog: &Catalog,
    pos: usize,
) -> Vec<Finding> {
    let s = &landscape.systems[pos];
    let mut out = Vec::new();
    if ftype.allowed(&s.system_type).is_none() {
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
    out.extend(registration(ftype, catalog, s));
    out.extend(scenario_group(ftype, s));
    out.extend(other_formation(ftype, landscape, pos));
    out
}

fn registration(ftype: &FormationType, catalog: &Catalog, s: &System) -> Option<Finding> {
    let required = ftype.required_status(&s.system_type)?;
    let status = s.status_str();
    // Types registered without a token show no status once they are registered.
    let effective = if status.is_empty() && !catalog.needs_token(&s.system_type) {
        required
    } else {
        status
    };
    if effective == required {
        return None;
    }
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

fn scenario_group(ftype: &FormationType, s: &System) -> Option<Finding> {
    let required = ftype.required_groups(&s.system_type)?;
    if s.scenario_groups.iter().any(|g| required.contains(g)) {
        return None;
    }
    let had = if s.scenario_groups.is_empty() {
        "without a communication scenario group".to_owned()
    } else {
        format!(
            "with the scenario group{} {}",
            super::plural(s.scenario_groups.len()),
            join_or(&s.scenario_groups, "and")
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

fn other_formation(ftype: &FormationType, landscape: &Landscape, pos: usize) -> Option<Finding> {
    let s = &landscape.systems[pos];
    if !ftype.single_membership(&s.system_type) {
        return None;
    }
    let f = landscape
        .formations_of(pos)
        .find(|f| f.type_id == ftype.id)?;
    Some(Finding::new(
        RuleKind::SystemInOtherFormationOfType,
        vec![s.id.clone()],
        format!(
            "{} is already in the formation \"{}\" of type {}; an {} system may be in only one such formation.",
            s.name, f.name, ftype.name, s.system_type
        ),
        Some(format!(
            "Choose another {} system, or remove {} from \"{}\" first.",
            s.system_type, s.name, f.name
        )),
    ))
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
        .map(|s| {
            (
                s,
                format!(
                    "{} is of type {}; {} takes only {}.",
                    s.name,
                    s.system_type,
                    ftype.name,
                    join_or(&ftype.allowed_names(), "and")
                ),
            )
        })
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
        for (pos, s) in landscape.systems.iter().enumerate() {
            if ftype.allowed(&s.system_type).map(|x| &x.system_type) != Some(&a.system_type) {
                continue;
            }
            match system_blockers(ftype, landscape, catalog, pos)
                .into_iter()
                .next()
            {
                None => eligible += 1,
                Some(b) => blocked.push(b.message),
            }
        }
        if eligible >= a.min {
            continue;
        }
        let label = super::type_label(&a.system_type);
        let text = if blocked.is_empty() {
            format!("The landscape has no {label} system.")
        } else {
            let shown: Vec<String> = blocked.iter().take(3).cloned().collect();
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
