//! What the wizard builds and the commands check: a formation's name, type and systems.

use serde::Serialize;

use crate::catalog::Catalog;
use crate::landscape::Landscape;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FormationPlan {
    pub name: String,
    /// The catalog id of the formation type.
    pub type_id: String,
    /// System ids, in the order chosen, without repeats.
    pub systems: Vec<String>,
}

/// Why a plan given on the command line cannot even be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("unknown formation type \"{given}\"; `formation-wizard types` lists them")]
    UnknownType { given: String },
    #[error(
        "no system with the id \"{id}\" exists in the landscape; `formation-wizard systems` lists them"
    )]
    UnknownSystem { id: String },
}

impl FormationPlan {
    /// Builds a plan from user input: the type by id or (former) name, the systems by id.
    pub fn resolve(
        name: &str,
        type_key: &str,
        systems: &[String],
        landscape: &Landscape,
        catalog: &Catalog,
    ) -> Result<FormationPlan, PlanError> {
        let ftype = catalog
            .find(type_key)
            .ok_or_else(|| PlanError::UnknownType {
                given: type_key.to_owned(),
            })?;
        let mut plan = FormationPlan {
            name: name.to_owned(),
            type_id: ftype.id.clone(),
            systems: Vec::with_capacity(systems.len()),
        };
        for id in systems {
            if landscape.system(id).is_none() {
                return Err(PlanError::UnknownSystem { id: id.clone() });
            }
            plan.add(id);
        }
        Ok(plan)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.systems.iter().any(|s| s == id)
    }

    /// Adds a system unless it is already in the plan.
    pub fn add(&mut self, id: &str) {
        if !self.contains(id) {
            self.systems.push(id.to_owned());
        }
    }

    pub fn remove(&mut self, id: &str) {
        self.systems.retain(|s| s != id);
    }

    /// Adds the system if absent, removes it if present.
    pub fn toggle(&mut self, id: &str) {
        if self.contains(id) {
            self.remove(id);
        } else {
            self.add(id);
        }
    }
}
