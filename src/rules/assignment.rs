//! Adding one system to a formation that already exists: the local backend and the sandbox
//! server both enforce the rules this way, as the Director does on `assignFormation`.

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
    let others = Landscape::from_parts(
        landscape.global_account.clone(),
        landscape.user.clone(),
        landscape.systems.clone(),
        landscape
            .formations
            .iter()
            .filter(|f| f.id != formation.id)
            .cloned()
            .collect(),
        catalog,
    )?;
    let report = evaluate(&plan, &others, catalog);
    Ok(report.violations.into_iter().find(|v| v.touches(system_id)))
}
