//! The Director's formation templates as rules (director-behaviour.md §1.2, §8): its
//! `applicationTypes` and `formationConstraints` laid over the built-in catalog, so that the
//! pure rule engine runs unchanged on what the server enforces. The catalog stays the
//! source of everything the server does not say (counts it cannot express, reasons, fixes)
//! and the offline default.

use serde_json::Value;

use super::queries as q;
use super::{BackendError, DirectorBackend};
use crate::catalog::{ANY_TYPE, AllowedType, Catalog, Constraint, FormationType};

impl DirectorBackend {
    /// The server's exact name of the template for a catalog type, matched by the type's
    /// current or former name (§4.4: `createFormation` matches names exactly). Without a
    /// match, the catalog's name (the server will then say the template is unknown).
    pub(super) async fn template_name(
        &self,
        ftype: &FormationType,
    ) -> Result<String, BackendError> {
        let server = self.server_templates().await?;
        Ok(matching(ftype, server).map_or_else(|| ftype.name.clone(), |t| t.name.clone()))
    }
}

/// The server template a catalog type stands for: the current name first, then a former
/// one, each exactly and then ignoring case.
pub fn matching<'a>(
    ftype: &FormationType,
    server: &'a [q::FormationTemplate],
) -> Option<&'a q::FormationTemplate> {
    let names = std::iter::once(&ftype.name).chain(&ftype.former_names);
    names
        .clone()
        .find_map(|n| server.iter().find(|t| &t.name == n))
        .or_else(|| {
            names
                .into_iter()
                .find_map(|n| server.iter().find(|t| t.name.eq_ignore_ascii_case(n)))
        })
}

/// The catalog with each type the server has a template for ruled by that template, and a
/// note for each difference from the built-in rules.
pub fn overlay(
    catalog: &Catalog,
    server: &[q::FormationTemplate],
) -> (Catalog, Vec<crate::backend::RuleNote>) {
    let mut out = catalog.clone();
    let mut notes = Vec::new();
    for ftype in &mut out.formation_types {
        let Some(t) = matching(ftype, server) else {
            continue;
        };
        let type_id = ftype.id.clone();
        let note = |message: String| crate::backend::RuleNote {
            type_id: type_id.clone(),
            message,
        };
        if let Some(n) = apply_types(ftype, t) {
            notes.push(note(n));
        }
        if let Some(constraints) = t.formation_constraints.as_deref()
            && let Some(n) = apply_constraints(ftype, constraints, catalog)
        {
            notes.push(note(n));
        }
    }
    (out, notes)
}

/// The template's `applicationTypes` as the allow-list; counts stay as the catalog has
/// them for the types both name.
fn apply_types(ftype: &mut FormationType, t: &q::FormationTemplate) -> Option<String> {
    let ours: Vec<&str> = ftype
        .system_types
        .iter()
        .map(|a| a.system_type.as_str())
        .filter(|s| *s != crate::catalog::ANY_OTHER_TYPE)
        .collect();
    let mut theirs: Vec<&str> = t.application_types.iter().map(String::as_str).collect();
    theirs.dedup();
    let same = ours.len() == theirs.len() && ours.iter().all(|o| theirs.contains(o));
    if same || theirs.is_empty() {
        return None;
    }
    let note = format!(
        "The Director's template \"{}\" takes the system types {}; the built-in catalog says {}. The Director's list is used.",
        t.name,
        theirs.join(", "),
        ours.join(", ")
    );
    ftype.system_types = theirs
        .iter()
        .map(|name| {
            ftype
                .system_types
                .iter()
                .find(|a| a.system_type == *name)
                .cloned()
                .unwrap_or(AllowedType {
                    system_type: (*name).to_owned(),
                    min: 0,
                    max: None,
                    how_to_get: None,
                })
        })
        .collect();
    Some(note)
}

/// The template's PRE assign constraints as catalog constraints and maxima.
fn apply_constraints(
    ftype: &mut FormationType,
    server: &[q::FormationConstraint],
    catalog: &Catalog,
) -> Option<String> {
    let mut constraints: Vec<Constraint> = Vec::new();
    let mut at_most_one: Vec<String> = Vec::new();
    // As the Director matches them (fact 15, `formationconstraint/repository.go`): PRE
    // assign constraints about applications, whose subtype is the system's type or `ANY`;
    // the template's list already holds the GLOBAL ones (§1.2), which count the same.
    for c in server.iter().filter(|c| {
        c.target_operation == "ASSIGN_FORMATION"
            && c.constraint_type == "PRE"
            && c.resource_type.eq_ignore_ascii_case("APPLICATION")
    }) {
        let input = input_json(&c.input_template);
        let subtype = c.resource_subtype.clone();
        match c.operator.as_str() {
            "IsNotAssignedToAnyFormationOfType" => {
                constraints.push(Constraint::IsNotAssignedToAnyFormationOfType {
                    system_types: vec![subtype],
                    except_system_types: strings(
                        &input,
                        &["exceptSystemTypes", "except_system_types"],
                    ),
                })
            }
            "DoesNotContainResourceOfSubtype" => at_most_one.push(subtype),
            "ContainsScenarioGroups" => {
                let keys = strings(
                    &input,
                    &["requiredScenarioGroups", "required_scenario_groups"],
                );
                if !keys.is_empty() {
                    constraints.push(Constraint::ContainsScenarioGroups {
                        system_type: subtype,
                        required_scenario_groups: keys
                            .iter()
                            .map(|k| catalog.group_display(k))
                            .collect(),
                    });
                }
            }
            _ => {}
        }
    }
    let mut changed = Vec::new();
    // Registration is what ContainsScenarioGroups needs on the server (CONNECTED); the
    // catalog's own registration constraints stay, for landscape files.
    let kept: Vec<Constraint> = ftype
        .constraints
        .iter()
        .filter(|c| matches!(c, Constraint::RequiresRegistrationStatus { .. }))
        .cloned()
        .collect();
    let ours: Vec<&Constraint> = ftype
        .constraints
        .iter()
        .filter(|c| !matches!(c, Constraint::RequiresRegistrationStatus { .. }))
        .collect();
    let same = canonical(ours.iter().copied()) == canonical(constraints.iter());
    if !same {
        changed.push(format!(
            "constraints {}",
            if constraints.is_empty() {
                "none".to_owned()
            } else {
                constraints
                    .iter()
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        ));
        ftype.constraints = constraints.into_iter().chain(kept).collect();
    }
    for a in &mut ftype.system_types {
        let server_max_one = at_most_one
            .iter()
            .any(|s| s == &a.system_type || s == ANY_TYPE);
        if server_max_one && a.max != Some(1) {
            a.max = Some(1);
            a.min = a.min.min(1);
            changed.push(format!("at most one {}", a.system_type));
        }
    }
    (!changed.is_empty()).then(|| {
        format!(
            "The Director's rules for \"{}\" differ from the built-in catalog and are used: {}.",
            ftype.name,
            changed.join(", ")
        )
    })
}

/// Constraints in a form where the same rule reads the same however it is written: the
/// server has one `IsNotAssignedToAnyFormationOfType` per system type where the catalog
/// names several types in one, and lists are in no particular order.
fn canonical<'a>(constraints: impl Iterator<Item = &'a Constraint>) -> Vec<Constraint> {
    let sorted = |list: &[String]| {
        let mut out = list.to_vec();
        out.sort();
        out.dedup();
        out
    };
    let mut out: Vec<Constraint> = constraints
        .flat_map(|c| match c {
            Constraint::IsNotAssignedToAnyFormationOfType {
                system_types,
                except_system_types,
            } => system_types
                .iter()
                .map(|t| Constraint::IsNotAssignedToAnyFormationOfType {
                    system_types: vec![t.clone()],
                    except_system_types: sorted(except_system_types),
                })
                .collect::<Vec<_>>(),
            Constraint::ContainsScenarioGroups {
                system_type,
                required_scenario_groups,
            } => vec![Constraint::ContainsScenarioGroups {
                system_type: system_type.clone(),
                required_scenario_groups: sorted(required_scenario_groups),
            }],
            other => vec![other.clone()],
        })
        .collect();
    out.sort_by_key(|c| format!("{c:?}"));
    out.dedup();
    out
}

fn describe(c: &Constraint) -> String {
    match c {
        Constraint::IsNotAssignedToAnyFormationOfType {
            system_types,
            except_system_types,
        } => {
            let except = if except_system_types.is_empty() {
                String::new()
            } else {
                format!(" (except {})", except_system_types.join(", "))
            };
            if system_types.iter().any(|t| t == ANY_TYPE) {
                format!("any system in only one such formation{except}")
            } else {
                format!(
                    "a {} system in only one such formation{except}",
                    system_types.join(", ")
                )
            }
        }
        Constraint::ContainsScenarioGroups {
            system_type,
            required_scenario_groups,
        } => format!(
            "{} registered with {}",
            if system_type == ANY_TYPE {
                "every system"
            } else {
                system_type.as_str()
            },
            required_scenario_groups.join(" or ")
        ),
        Constraint::RequiresRegistrationStatus {
            system_type,
            status,
        } => {
            format!("{system_type} {status}")
        }
    }
}

/// An operator's input: the template's JSON with its `{{…}}` placeholders blanked (they
/// stand for the resource being assigned, which is not needed here).
pub fn input_json(template: &str) -> Value {
    let mut blanked = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        blanked.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => rest = &rest[start + end + 2..],
            None => {
                rest = "";
                break;
            }
        }
    }
    blanked.push_str(rest);
    serde_json::from_str(&blanked).unwrap_or(Value::Null)
}

fn strings(input: &Value, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .find_map(|k| input.get(*k))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraint(operator: &str, subtype: &str, input: &str) -> q::FormationConstraint {
        q::FormationConstraint {
            name: format!("{operator}:{subtype}"),
            operator: operator.into(),
            resource_type: "APPLICATION".into(),
            resource_subtype: subtype.into(),
            constraint_scope: "FORMATION_TYPE".into(),
            target_operation: "ASSIGN_FORMATION".into(),
            constraint_type: "PRE".into(),
            input_template: input.into(),
        }
    }

    fn billing(constraints: Vec<q::FormationConstraint>) -> q::FormationTemplate {
        q::FormationTemplate {
            id: cynic::Id::new("t-1"),
            name: "Integration with SAP Subscription Billing".into(),
            application_types: vec![
                "SAP Subscription Billing".into(),
                "SAP S/4HANA Cloud".into(),
            ],
            formation_constraints: Some(constraints),
        }
    }

    const ONE_FORMATION: &str = r#"{"formation_template_id": "{{.FormationTemplateID}}"}"#;
    const GROUPS: &str = r#"{"requiredScenarioGroups": ["Integration with SAP Subscription Billing", "All Communication Scenarios"]}"#;

    #[test]
    fn the_same_rules_written_per_system_type_and_in_another_order_are_no_difference() {
        let catalog = Catalog::embedded().expect("catalog");
        let server = billing(vec![
            constraint(
                "IsNotAssignedToAnyFormationOfType",
                "SAP S/4HANA Cloud",
                ONE_FORMATION,
            ),
            constraint(
                "IsNotAssignedToAnyFormationOfType",
                "SAP Subscription Billing",
                ONE_FORMATION,
            ),
            constraint("ContainsScenarioGroups", "SAP S/4HANA Cloud", GROUPS),
        ]);
        let (_, notes) = overlay(&catalog, &[server]);
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn a_rule_the_server_leaves_out_is_a_difference_and_the_servers_rules_are_used() {
        let catalog = Catalog::embedded().expect("catalog");
        let server = billing(vec![
            constraint(
                "IsNotAssignedToAnyFormationOfType",
                "SAP Subscription Billing",
                ONE_FORMATION,
            ),
            constraint("ContainsScenarioGroups", "SAP S/4HANA Cloud", GROUPS),
        ]);
        let (ruled, notes) = overlay(&catalog, &[server]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        let t = ruled
            .by_id("sap-subscription-billing")
            .expect("the type is kept");
        let one_formation: Vec<&Constraint> = t
            .constraints
            .iter()
            .filter(|c| matches!(c, Constraint::IsNotAssignedToAnyFormationOfType { .. }))
            .collect();
        assert_eq!(one_formation.len(), 1, "{one_formation:?}");
    }
}
