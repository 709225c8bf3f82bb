//! Adding one system to a formation that already exists: the local backend and the sandbox
//! server both enforce the rules this way, as the Director does on `assignFormation`.

use std::borrow::Cow;

use super::{Finding, evaluate};
use crate::catalog::Catalog;
use crate::landscape::{Formation, Landscape};
use crate::plan::FormationPlan;

/// The first rule broken for `system_id` if it joined `formation`. The formation with the
/// system is checked against the rest of the landscape, the formation itself left out, so
/// that its own members do not count as being "in another formation of this type".
pub fn check_assignment(
    landscape: &Landscape,
    formation: &Formation,
    system_id: &str,
    catalog: &Catalog,
) -> Result<Option<Finding>, String> {
    let mut plan = FormationPlan {
        name: formation.name.clone(),
        type_id: formation.type_id.clone(),
        systems: formation.systems.clone(),
    };
    plan.add(system_id);
    let others = without_formation(landscape, &formation.id, catalog)?;
    let report = evaluate(&plan, &others, catalog);
    Ok(report.violations.into_iter().find(|v| v.touches(system_id)))
}

/// The rules broken if `system_ids` joined `formation` one after another, each checked as
/// `check_assignment` does against the formation grown by the ones before it (so two Task
/// Centers added together are refused, as the server would refuse the second). Empty when
/// every one may join.
pub fn check_assignments(
    landscape: &Landscape,
    formation: &Formation,
    system_ids: &[String],
    catalog: &Catalog,
) -> Result<Vec<Finding>, String> {
    let mut grown = formation.clone();
    let mut broken = Vec::new();
    for id in system_ids {
        if let Some(v) = check_assignment(landscape, &grown, id, catalog)? {
            broken.push(v);
        } else if !grown.systems.contains(id) {
            grown.systems.push(id.clone());
        }
    }
    Ok(broken)
}

/// What breaks if `system_ids` left `formation`: the rules the formation satisfies now and
/// would no longer satisfy (the catalog's minimum counts, e.g. the only Task Center). Empty
/// when the formation keeps working. Checked like `check_assignment`, the formation itself
/// left out of the landscape so its own name and members do not count against it.
pub fn check_unassignment(
    landscape: &Landscape,
    formation: &Formation,
    system_ids: &[String],
    catalog: &Catalog,
) -> Result<Vec<Finding>, String> {
    let before = FormationPlan {
        name: formation.name.clone(),
        type_id: formation.type_id.clone(),
        systems: formation.systems.clone(),
    };
    let mut after = before.clone();
    for id in system_ids {
        after.remove(id);
    }
    let others = without_formation(landscape, &formation.id, catalog)?;
    let now = evaluate(&before, &others, catalog).violations;
    let then = evaluate(&after, &others, catalog).violations;
    Ok(then
        .into_iter()
        .filter(|v| {
            !now.iter()
                .any(|n| n.rule == v.rule && n.message == v.message)
        })
        .collect())
}

/// The landscape without one formation: what a formation being changed is checked against,
/// so that its own name and members do not count against it. A landscape that already
/// leaves it out (`Landscape::take_formation`) is used as it is: a copy costs O(systems).
pub fn without_formation<'a>(
    landscape: &'a Landscape,
    formation_id: &str,
    catalog: &Catalog,
) -> Result<Cow<'a, Landscape>, String> {
    if !landscape.formations.iter().any(|f| f.id == formation_id) {
        return Ok(Cow::Borrowed(landscape));
    }
    Landscape::from_parts(
        landscape.global_account.clone(),
        landscape.user.clone(),
        landscape.systems.clone(),
        landscape
            .formations
            .iter()
            .filter(|f| f.id != formation_id)
            .cloned()
            .collect(),
        catalog,
    )
    .map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn landscape(catalog: &Catalog) -> Landscape {
        let json = serde_json::json!({
            "systems": [
                {"id": "tc", "name": "TC", "type": "SAP Task Center"},
                {"id": "s4a", "name": "S4 A", "type": "SAP S/4HANA Cloud", "status": "Registered", "scenario_groups": ["All Communication Scenarios"]},
                {"id": "s4b", "name": "S4 B", "type": "SAP S/4HANA Cloud", "status": "Registered", "scenario_groups": ["All Communication Scenarios"]}
            ],
            "formations": [{"id": "f", "name": "F", "type": "sap-task-center", "systems": ["tc", "s4a", "s4b"]}]
        });
        Landscape::parse(json.to_string().as_bytes(), "test", catalog).expect("valid")
    }

    #[test]
    fn only_what_a_removal_breaks_is_reported() {
        let catalog = Catalog::embedded().expect("catalog");
        let l = landscape(&catalog);
        let f = &l.formations[0];
        let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let table: [(&[&str], Option<crate::rules::RuleKind>); 4] = [
            (&["s4a"], None),
            (&["tc"], Some(crate::rules::RuleKind::MinSystemsOfType)),
            (
                &["s4a", "s4b"],
                Some(crate::rules::RuleKind::MinSystemsOfType),
            ),
            (&[], None),
        ];
        for (gone, want) in table {
            let found = check_unassignment(&l, f, &ids(gone), &catalog).expect("checked");
            assert_eq!(
                found.first().map(|v| v.rule),
                want,
                "removing {gone:?}: {found:?}"
            );
        }
    }

    #[test]
    fn systems_added_together_are_checked_against_each_other() {
        let catalog = Catalog::embedded().expect("catalog");
        let json = serde_json::json!({
            "systems": [
                {"id": "tc", "name": "TC", "type": "SAP Task Center"},
                {"id": "tc2", "name": "TC 2", "type": "SAP Task Center"},
                {"id": "s4a", "name": "S4 A", "type": "SAP S/4HANA Cloud", "status": "Registered", "scenario_groups": ["All Communication Scenarios"]},
                {"id": "s4b", "name": "S4 B", "type": "SAP S/4HANA Cloud", "status": "Registered", "scenario_groups": ["All Communication Scenarios"]}
            ],
            "formations": [{"id": "f", "name": "F", "type": "sap-task-center", "systems": ["s4a"]}]
        });
        let l = Landscape::parse(json.to_string().as_bytes(), "test", &catalog).expect("valid");
        let f = &l.formations[0];
        let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let broken = |list: &[&str]| {
            check_assignments(&l, f, &ids(list), &catalog)
                .expect("checked")
                .iter()
                .map(|v| (v.systems.clone(), v.rule))
                .collect::<Vec<_>>()
        };
        assert_eq!(broken(&["tc", "s4b"]), vec![]);
        assert_eq!(broken(&["tc"]), vec![]);
        let two = broken(&["tc", "tc2"]);
        assert_eq!(two.len(), 1, "{two:?}");
        assert!(
            two[0].0.contains(&"tc2".to_string()),
            "the second Task Center is the one refused: {two:?}"
        );
    }
}
