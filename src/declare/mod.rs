//! Formations as code: a formations file (TOML) says which formations a global account
//! should have; `plan` compares it with a landscape, `apply` makes the landscape match.
//! Everything here is pure (no I/O): parse the file, resolve its selectors, plan the steps,
//! render them. The commands (src/commands/declare.rs) load, print and call the backend.

pub mod diff;
pub mod export;
pub mod file;
pub mod report;
pub mod resolve;

pub use diff::{Plan, Step};
pub use file::{FileError, Parsed, parse};
pub use resolve::{Unresolved, Wanted};

use crate::catalog::Catalog;
use crate::landscape::Landscape;

/// Resolves the file against the landscape and plans the steps.
pub fn plan(
    parsed: &Parsed,
    landscape: &Landscape,
    catalog: &Catalog,
    prune: bool,
) -> Result<Plan, Vec<Unresolved>> {
    let wanted = resolve::resolve(parsed, landscape, catalog)?;
    let plan = diff::plan(&wanted, landscape, catalog, prune);
    if plan.steps.len() > MAX_PLAN_STEPS {
        return Err(vec![Unresolved {
            formation: String::new(),
            selector: None,
            line: 1,
            column: 1,
            message: format!(
                "the plan would take {} steps; at most {MAX_PLAN_STEPS} are carried out in one run: split the file.",
                plan.steps.len()
            ),
            candidates: Vec::new(),
        }]);
    }
    Ok(plan)
}

/// The most steps one plan may have: each is a call to the backend and a line of output.
pub const MAX_PLAN_STEPS: usize = 10_000;
