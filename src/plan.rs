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
        "no system with the id \"{id}\" exists in the landscape{}; `formation-wizard systems` lists them",
        did_you_mean(suggestion.as_deref())
    )]
    UnknownSystem {
        id: String,
        /// The id of the system the user most likely meant (by name or by a close id).
        suggestion: Option<String>,
    },
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
                return Err(PlanError::UnknownSystem {
                    id: id.clone(),
                    suggestion: suggest_system(id, landscape),
                });
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

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!(" (did you mean --system {s}?)"))
        .unwrap_or_default()
}

/// The id the user most likely meant by `given`: a system whose name is `given` ignoring
/// case and spacing ("Task Center EU" → `tc-eu`), else the closest id or name by edit
/// distance when it is close enough to be a typo. O(systems); only on an error path.
pub fn suggest_system(given: &str, landscape: &Landscape) -> Option<String> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '_')))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = squash(given);
    if wanted.is_empty() {
        return None;
    }
    if let Some(s) = landscape
        .systems
        .iter()
        .find(|s| squash(&s.name) == wanted || squash(&s.id) == wanted)
    {
        return Some(s.id.clone());
    }
    let score =
        |candidate: &str| strsim::normalized_damerau_levenshtein(&wanted, &squash(candidate));
    landscape
        .systems
        .iter()
        .map(|s| (score(&s.id).max(score(&s.name)), s))
        .filter(|(sim, _)| *sim >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, s)| s.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_systems_suggest_the_one_meant() {
        let catalog = Catalog::embedded().unwrap();
        let l = Landscape::parse(crate::demo::EMBEDDED.as_bytes(), "demo", &catalog).unwrap();
        let table = [
            ("Task Center EU", Some("tc-eu")),
            ("task center eu", Some("tc-eu")),
            ("tc_eu", Some("tc-eu")),
            ("s4-prd", Some("s4-prod")),
            ("completely different", None),
            ("", None),
        ];
        for (given, want) in table {
            assert_eq!(suggest_system(given, &l).as_deref(), want, "{given:?}");
        }
        let err = FormationPlan::resolve(
            "X",
            "sap-task-center",
            &["Task Center EU".into()],
            &l,
            &catalog,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("did you mean --system tc-eu?"),
            "{err}"
        );
    }
}
