//! `systems`: the candidates of a formation type and why the others are not.

use super::print;
use crate::catalog::Catalog;
use crate::cli::Format;
use crate::error::{AppError, exit};
use crate::landscape::Landscape;
use crate::output::{self, TypeCandidates};
use crate::plan::{FormationPlan, PlanError};
use crate::rules;

pub(super) fn systems(
    landscape: &Landscape,
    catalog: &Catalog,
    type_key: Option<&str>,
    format: Format,
) -> Result<u8, AppError> {
    let Some(key) = type_key else {
        let rows = output::system_rows(landscape);
        print(format, &serde_json::json!({ "systems": rows }), || {
            output::systems_text(&rows)
        });
        return Ok(exit::OK);
    };
    let ftype = catalog.find(key).ok_or_else(|| PlanError::UnknownType {
        given: key.to_owned(),
    })?;
    let plan = FormationPlan {
        type_id: ftype.id.clone(),
        ..FormationPlan::default()
    };
    let report = rules::evaluate(&plan, landscape, catalog);
    let tc = TypeCandidates {
        type_name: &ftype.name,
        type_id: &ftype.id,
        candidates: &report.candidates,
        excluded: output::excluded(ftype, landscape),
    };
    print(format, &tc, || output::candidates_text(&tc));
    Ok(exit::OK)
}
