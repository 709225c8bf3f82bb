//! The catalog's rules presented as the Director's formation constraints (§1.2), and the
//! rule engine's verdict on an assignment presented as the Director's refusal (§4.5, §6.3).
//! The decision stays the shared engine's (`rules::evaluate`); this module only names the
//! constraint and operator the server would have named. Besides each template's own, the
//! sandbox may serve GLOBAL constraints of its own (`--global-constraint`): attached to no
//! template, they apply to every one, and a `resourceSubtype` of `ANY` to every system type
//! (fact 15, `formationconstraint/repository.go` ListMatchingFormationConstraints).

use crate::catalog::{ANY_OTHER_TYPE, ANY_TYPE, Catalog, Constraint, FormationType};
use crate::landscape::{Formation, Landscape};
use crate::plan::FormationPlan;
use crate::rules::{self, Finding, RuleKind};

use super::errors::{ConstraintFailure, DirectorError, constraint_refusal};

pub const IS_NOT_ASSIGNED: &str = "IsNotAssignedToAnyFormationOfType";
pub const DOES_NOT_CONTAIN: &str = "DoesNotContainResourceOfSubtype";
pub const CONTAINS_GROUPS: &str = "ContainsScenarioGroups";

/// `constraintScope` of a template's own constraint.
pub const FORMATION_TYPE: &str = "FORMATION_TYPE";
/// `constraintScope` of a constraint that applies to every template (§1.2).
pub const GLOBAL: &str = "GLOBAL";

/// One constraint as `FormationTemplate.formationConstraints` lists it: a PRE
/// `ASSIGN_FORMATION` constraint on resource type `APPLICATION`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConstraint {
    pub name: String,
    pub operator: &'static str,
    pub resource_subtype: String,
    pub input_template: String,
    /// `FORMATION_TYPE` or `GLOBAL`.
    pub scope: &'static str,
    /// `exceptSystemTypes` of an `IsNotAssignedToAnyFormationOfType`: types it lets pass.
    pub except: Vec<String>,
}

/// The constraint's name: stable, so a refusal names the constraint the template lists.
fn name(owner: &str, operator: &str, subtype: &str) -> String {
    format!("{owner}:{operator}:{subtype}")
}

fn constraint(t: &str, operator: &'static str, subtype: &str, input: String) -> ServerConstraint {
    ServerConstraint {
        name: name(t, operator, subtype),
        operator,
        resource_subtype: subtype.to_owned(),
        input_template: input,
        scope: FORMATION_TYPE,
        except: Vec::new(),
    }
}

/// The PRE `ASSIGN_FORMATION` constraints of a template, with input templates in the
/// shapes of `formation_constraint_input.go` (§1.2): its own, then every GLOBAL one.
pub fn server_constraints(t: &FormationType, globals: &[Constraint]) -> Vec<ServerConstraint> {
    let mut out = own_constraints(t);
    out.extend(global_constraints(globals));
    out
}

/// The sandbox's GLOBAL constraints as the server lists them: named after no template.
pub fn global_constraints(globals: &[Constraint]) -> Vec<ServerConstraint> {
    let mut out = Vec::new();
    push_constraints(&mut out, globals, "global");
    for c in &mut out {
        c.scope = GLOBAL;
    }
    out
}

/// The template's own constraints (scope `FORMATION_TYPE`).
pub fn own_constraints(t: &FormationType) -> Vec<ServerConstraint> {
    let mut out = Vec::new();
    push_constraints(&mut out, &t.constraints, &t.id);
    for a in &t.system_types {
        if a.max == Some(1) && a.system_type != ANY_OTHER_TYPE {
            let input = r#"{"formation_name": "{{.FormationName}}","resource_type": "{{.ResourceType}}","resource_subtype": "{{.ResourceSubtype}}","resource_id": "{{.ResourceID}}","tenant": "{{.TenantID}}"}"#;
            out.push(constraint(
                &t.id,
                DOES_NOT_CONTAIN,
                &a.system_type,
                input.to_owned(),
            ));
        }
    }
    out
}

/// The catalog constraints as the server's, named `{owner}:{operator}:{subtype}`.
fn push_constraints(out: &mut Vec<ServerConstraint>, constraints: &[Constraint], owner: &str) {
    let t = owner;
    for c in constraints {
        match c {
            Constraint::IsNotAssignedToAnyFormationOfType {
                system_types,
                except_system_types,
            } => {
                let except = serde_json::to_string(except_system_types).unwrap_or_default();
                for subtype in system_types {
                    let input = format!(
                        r#"{{"formation_template_id": "{{{{.FormationTemplateID}}}}","resource_type": "{{{{.ResourceType}}}}","resource_subtype": "{{{{.ResourceSubtype}}}}","resource_id": "{{{{.ResourceID}}}}","tenant": "{{{{.TenantID}}}}","exceptSystemTypes": {except}}}"#
                    );
                    let mut c = constraint(t, IS_NOT_ASSIGNED, subtype, input);
                    c.except = except_system_types.clone();
                    out.push(c);
                }
            }
            Constraint::ContainsScenarioGroups {
                system_type,
                required_scenario_groups,
            } => {
                let groups = serde_json::to_string(required_scenario_groups).unwrap_or_default();
                let input = format!(
                    r#"{{"resource_type": "{{{{.ResourceType}}}}","resource_subtype": "{{{{.ResourceSubtype}}}}","resource_id": "{{{{.ResourceID}}}}","tenant": "{{{{.TenantID}}}}","requiredScenarioGroups": {groups}}}"#
                );
                out.push(constraint(t, CONTAINS_GROUPS, system_type, input));
            }
            // There is no such operator on the server: `ContainsScenarioGroups` checks the
            // registration (status CONNECTED) itself (§5.3).
            Constraint::RequiresRegistrationStatus { .. } => {}
        }
    }
}

/// The Director's template `applicationTypes`: the allowed types named in the catalog.
pub fn application_types(t: &FormationType) -> Vec<String> {
    t.system_types
        .iter()
        .filter(|a| a.system_type != ANY_OTHER_TYPE)
        .map(|a| a.system_type.clone())
        .collect()
}

/// Whether `system_id` may join `formation` (already a member: a re-assign), decided by
/// the rule engine on a landscape whose systems carry what the Director knows of their
/// registration. A refusal comes back in the Director's words.
pub fn check_assign(
    landscape: &Landscape,
    formation: &Formation,
    system_id: &str,
    catalog: &Catalog,
    globals: &[Constraint],
) -> Result<(), DirectorError> {
    let listed = catalog
        .by_id(&formation.type_id)
        .map(|t| server_constraints(t, globals))
        .unwrap_or_default();
    // The engine decides on the template's constraints plus every GLOBAL one (§1.2).
    let with_globals;
    let catalog = if globals.is_empty() {
        catalog
    } else {
        let mut c = catalog.clone();
        if let Some(t) = c
            .formation_types
            .iter_mut()
            .find(|t| t.id == formation.type_id)
        {
            t.constraints.extend(globals.iter().cloned());
        }
        with_globals = c;
        &with_globals
    };
    let ftype = catalog
        .by_id(&formation.type_id)
        .ok_or_else(|| DirectorError::not_found("formationTemplate"))?;
    let system = landscape
        .system(system_id)
        .ok_or_else(|| DirectorError::not_found("application"))?;
    let findings =
        violations(landscape, formation, system_id, catalog).map_err(DirectorError::internal)?;
    if findings
        .iter()
        .any(|f| f.rule == RuleKind::SystemTypeNotAllowed)
    {
        let allowed: Vec<String> = application_types(ftype)
            .iter()
            .map(|a| format!("{a:?}"))
            .collect();
        return Err(DirectorError::invalid_operation(format!(
            "unsupported applicationType {:?} for formation template {:?}, allowing only [{}]",
            system.system_type,
            ftype.name,
            allowed.join(" ")
        )));
    }
    let member = formation.systems.iter().any(|s| s == system_id);
    let failures = failures(&listed, &system.system_type, system_id, &findings, member);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(constraint_refusal("ASSIGN_FORMATION", &failures))
    }
}

/// The engine's violations that concern `system_id`. The Director's operators count the
/// formation itself on a re-assign (§4.5), so for a member the formation stays in the
/// landscape and the plan is evaluated as a newcomer to it.
fn violations(
    landscape: &Landscape,
    formation: &Formation,
    system_id: &str,
    catalog: &Catalog,
) -> Result<Vec<Finding>, String> {
    let member = formation.systems.iter().any(|s| s == system_id);
    let mut plan = FormationPlan {
        name: formation.name.clone(),
        type_id: formation.type_id.clone(),
        systems: formation
            .systems
            .iter()
            .filter(|s| *s != system_id)
            .cloned()
            .collect(),
    };
    plan.add(system_id);
    let others = if member {
        std::borrow::Cow::Borrowed(landscape)
    } else {
        rules::without_formation(landscape, &formation.id, catalog)?
    };
    let report = rules::evaluate(&plan, &others, catalog);
    Ok(report
        .violations
        .into_iter()
        .filter(|v| v.touches(system_id))
        .collect())
}

/// The constraints the server would report for these findings, in template order.
/// A `member` sent again also fails `DoesNotContainResourceOfSubtype` for its type: the
/// operator finds the system itself among the members (§4.5).
fn failures(
    listed: &[ServerConstraint],
    system_type: &str,
    system_id: &str,
    findings: &[Finding],
    member: bool,
) -> Vec<ConstraintFailure> {
    let find = |operator: &str| {
        listed
            .iter()
            .find(|c| {
                c.operator == operator
                    && (c.resource_subtype == system_type || c.resource_subtype == ANY_TYPE)
            })
            .map(|c| c.name.clone())
    };
    let has = |kind: RuleKind| findings.iter().any(|f| f.rule == kind);
    let mut out = Vec::new();
    if has(RuleKind::SystemInOtherFormationOfType) {
        // Every matching one is evaluated and fails alike (§4.5 step 4): the template's own
        // and a GLOBAL one, unless it lets the system's type pass.
        for c in listed.iter().filter(|c| {
            c.operator == IS_NOT_ASSIGNED
                && (c.resource_subtype == system_type || c.resource_subtype == ANY_TYPE)
                && !c.except.iter().any(|e| e == system_type)
        }) {
            out.push(ConstraintFailure::not_satisfied(&c.name, IS_NOT_ASSIGNED));
        }
    }
    if let Some(c) = find(CONTAINS_GROUPS) {
        if has(RuleKind::RegistrationStatus) {
            // The operator errors out and the engine also records it as not satisfied.
            out.push(ConstraintFailure::operator_error(
                &c,
                CONTAINS_GROUPS,
                &format!("Application with ID {system_id:?} is not in status CONNECTED"),
            ));
            out.push(ConstraintFailure::not_satisfied(&c, CONTAINS_GROUPS));
        } else if has(RuleKind::ScenarioGroup) {
            out.push(ConstraintFailure::not_satisfied(&c, CONTAINS_GROUPS));
        }
    }
    if (member || has(RuleKind::MaxSystemsOfType))
        && let Some(c) = find(DOES_NOT_CONTAIN)
    {
        out.push(ConstraintFailure::not_satisfied(&c, DOES_NOT_CONTAIN));
    }
    out
}
