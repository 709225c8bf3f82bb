//! The catalog of formation types: which system types each one takes, how many, and the
//! constraints its members must satisfy. The rules are data (`assets/formation-types.json`),
//! modelled on the Director's formation constraints; `rules` interprets them.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// The catalog shipped inside the binary.
pub const EMBEDDED: &str = include_str!("../assets/formation-types.json");

/// Marks an allowed-type entry that takes systems of every type not listed by name.
pub const ANY_OTHER_TYPE: &str = "*";
/// In `IsNotAssignedToAnyFormationOfType`, applies the constraint to every system type.
pub const ANY_TYPE: &str = "ANY";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub version: u32,
    pub source: String,
    pub categories: std::collections::BTreeMap<String, String>,
    pub admin_roles: Vec<String>,
    pub name_rules: NameRules,
    pub system_statuses: Vec<SystemStatus>,
    pub token_registered_types: Vec<String>,
    pub scenario_groups: Vec<String>,
    /// The key each scenario group (by display name) carries in a registration token's
    /// `{"key","description"}` (the Director compares keys, director-behaviour.md §5.3).
    #[serde(default)]
    pub scenario_group_keys: std::collections::BTreeMap<String, String>,
    pub formation_types: Vec<FormationType>,
    /// Regions where SAP's procedures for formations do not apply, each with the words a
    /// global account's region or a Director's host carries there (checked by `doctor`).
    #[serde(default)]
    pub excluded_regions: Vec<ExcludedRegion>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcludedRegion {
    pub name: String,
    /// Lower-case pieces of a region id or host name that place a landscape there.
    pub markers: Vec<String>,
}

impl ExcludedRegion {
    /// Whether `where_` (a region id, or a Director's host) is in this region.
    pub fn contains(&self, where_: &str) -> bool {
        let where_ = where_.to_ascii_lowercase();
        self.markers.iter().any(|m| where_.contains(m.as_str()))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameRules {
    pub max_length: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemStatus {
    pub status: String,
    /// What an administrator does to get out of this status; absent for `Registered`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormationType {
    pub id: String,
    pub name: String,
    /// The name as a narrow list column says it ("Task Center"), at most 12 columns and
    /// distinct across the catalog; absent: derived from `name` where it is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    #[serde(default)]
    pub former_names: Vec<String>,
    pub category: String,
    pub description: String,
    /// The allow-list of system types with their counts (the Director template's
    /// `applicationTypes` plus the documented minimum and maximum per formation).
    pub system_types: Vec<AllowedType>,
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    #[serde(default)]
    pub auto_enabled: Vec<AutoEnabled>,
    #[serde(default)]
    pub notes: Vec<String>,
    /// What comes after the formation exists, in SAP's words (shown when it was created).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_steps: Vec<String>,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedType {
    #[serde(rename = "type")]
    pub system_type: String,
    #[serde(default)]
    pub min: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<usize>,
    /// How a global account gets a system of this type into its Systems list, for a
    /// landscape that has none (`doctor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how_to_get: Option<String>,
}

impl AllowedType {
    /// The type as people read it: the wildcard entry is "any other type".
    pub fn label(&self) -> &str {
        if self.system_type == ANY_OTHER_TYPE {
            "any other type"
        } else {
            &self.system_type
        }
    }
}

/// A constraint, named after the Director operator it mirrors.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "operator", deny_unknown_fields)]
pub enum Constraint {
    /// A system of one of `system_types` (or of any type, with `ANY`) may be in at most one
    /// formation of this type; `except_system_types` are exempt.
    IsNotAssignedToAnyFormationOfType {
        system_types: Vec<String>,
        #[serde(default)]
        except_system_types: Vec<String>,
    },
    /// A system of `system_type` must have been registered with one of the groups.
    ContainsScenarioGroups {
        system_type: String,
        required_scenario_groups: Vec<String>,
    },
    /// A system of `system_type` must have this registration status.
    RequiresRegistrationStatus { system_type: String, status: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoEnabled {
    pub system_type: String,
    pub communication_scenarios: Vec<String>,
    /// When present, the scenarios are enabled only on systems registered with one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_with_scenario_groups: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("the formation-type catalog is not valid JSON: {0}")]
    Json(String),
    #[error("the formation-type catalog entry {entry} is invalid: {problem}")]
    Entry { entry: String, problem: String },
}

impl Catalog {
    /// The catalog compiled into the binary, validated.
    pub fn embedded() -> Result<Catalog, CatalogError> {
        Catalog::parse(EMBEDDED)
    }

    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let catalog: Catalog = serde_path_to_error::deserialize(de)
            .map_err(|e| CatalogError::Json(format!("at {}: {}", e.path(), e.inner())))?;
        catalog.validate()?;
        Ok(catalog)
    }

    fn validate(&self) -> Result<(), CatalogError> {
        let mut keys = HashSet::new();
        for t in &self.formation_types {
            let bad = |problem: String| CatalogError::Entry {
                entry: format!("\"{}\"", t.id),
                problem,
            };
            for key in std::iter::once(&t.id)
                .chain(std::iter::once(&t.name))
                .chain(&t.former_names)
            {
                if !keys.insert(key.to_lowercase()) {
                    return Err(bad(format!("the id or name \"{key}\" is used twice")));
                }
            }
            if !self.categories.contains_key(&t.category) {
                return Err(bad(format!("unknown category \"{}\"", t.category)));
            }
            if t.system_types.is_empty() {
                return Err(bad("it allows no system type".into()));
            }
            for a in &t.system_types {
                if a.max.is_some_and(|max| max < a.min || max == 0) {
                    return Err(bad(format!(
                        "system type \"{}\" has max below min or zero",
                        a.system_type
                    )));
                }
            }
            for c in &t.constraints {
                if let Constraint::RequiresRegistrationStatus { status, .. } = c
                    && self.status(status).is_none()
                {
                    return Err(bad(format!("unknown registration status \"{status}\"")));
                }
            }
        }
        Ok(())
    }

    /// Finds a formation type by id, display name or former display name (case-insensitive).
    pub fn find(&self, key: &str) -> Option<&FormationType> {
        let key = key.trim();
        self.formation_types.iter().find(|t| t.matches(key))
    }

    pub fn by_id(&self, id: &str) -> Option<&FormationType> {
        self.formation_types.iter().find(|t| t.id == id)
    }

    pub fn status(&self, status: &str) -> Option<&SystemStatus> {
        self.system_statuses.iter().find(|s| s.status == status)
    }

    pub fn is_admin(&self, roles: &[String]) -> bool {
        roles.iter().any(|r| self.admin_roles.contains(r))
    }

    pub fn needs_token(&self, system_type: &str) -> bool {
        self.token_registered_types.iter().any(|t| t == system_type)
    }

    /// The key of a scenario group given by display name (the name itself if unknown).
    pub fn group_key<'a>(&'a self, display: &'a str) -> &'a str {
        self.scenario_group_keys
            .get(display)
            .map_or(display, String::as_str)
    }

    /// The display name of a scenario group given by key (the key itself if unknown).
    pub fn group_display(&self, key: &str) -> String {
        self.scenario_group_keys
            .iter()
            .find(|(_, k)| *k == key)
            .map_or_else(|| key.to_owned(), |(d, _)| d.clone())
    }

    pub fn category_name<'a>(&'a self, category: &'a str) -> &'a str {
        self.categories
            .get(category)
            .map(String::as_str)
            .unwrap_or(category)
    }
}

impl FormationType {
    pub fn matches(&self, key: &str) -> bool {
        self.id.eq_ignore_ascii_case(key)
            || self.name.eq_ignore_ascii_case(key)
            || self
                .former_names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(key))
    }

    /// The allow-list entry that takes systems of `system_type`, if any.
    pub fn allowed(&self, system_type: &str) -> Option<&AllowedType> {
        self.system_types
            .iter()
            .find(|a| a.system_type == system_type)
            .or_else(|| {
                self.system_types
                    .iter()
                    .find(|a| a.system_type == ANY_OTHER_TYPE)
            })
    }

    /// The system types named in the allow-list, for messages.
    pub fn allowed_names(&self) -> Vec<&str> {
        self.system_types.iter().map(AllowedType::label).collect()
    }

    /// Whether a system of `system_type` may be in at most one formation of this type.
    pub fn single_membership(&self, system_type: &str) -> bool {
        self.constraints.iter().any(|c| match c {
            Constraint::IsNotAssignedToAnyFormationOfType {
                system_types,
                except_system_types,
            } => {
                (system_types
                    .iter()
                    .any(|t| t == ANY_TYPE || t == system_type))
                    && !except_system_types.iter().any(|t| t == system_type)
            }
            _ => false,
        })
    }

    /// The groups a system of `system_type` must be registered with: a constraint on its
    /// type, else one on `ANY` type, which the Director applies to every type (fact 15).
    pub fn required_groups(&self, system_type: &str) -> Option<&[String]> {
        let on = |wanted: &str| {
            self.constraints.iter().find_map(|c| match c {
                Constraint::ContainsScenarioGroups {
                    system_type: t,
                    required_scenario_groups,
                } if t == wanted => Some(required_scenario_groups.as_slice()),
                _ => None,
            })
        };
        on(system_type).or_else(|| on(ANY_TYPE))
    }

    pub fn required_status(&self, system_type: &str) -> Option<&str> {
        self.constraints.iter().find_map(|c| match c {
            Constraint::RequiresRegistrationStatus {
                system_type: t,
                status,
            } if t == system_type => Some(status.as_str()),
            _ => None,
        })
    }

    /// Total minimum when no allowed type sets one: a formation needs at least one system.
    pub fn needs_any_system(&self) -> bool {
        self.system_types.iter().all(|a| a.min == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_loads_with_every_documented_type() {
        let c = Catalog::embedded().unwrap();
        assert_eq!(c.formation_types.len(), 15);
    }

    #[test]
    fn task_center_is_found_by_id_name_and_former_name() {
        let c = Catalog::embedded().unwrap();
        for key in [
            "sap-task-center",
            "Integration with Customer-Managed SAP Task Center",
            "integration with sap task center",
        ] {
            assert_eq!(c.find(key).map(|t| t.id.as_str()), Some("sap-task-center"));
        }
    }

    #[test]
    fn task_center_rules_are_as_designed() {
        let c = Catalog::embedded().unwrap();
        let t = c.by_id("sap-task-center").unwrap();
        let tc = t.allowed("SAP Task Center").unwrap();
        assert_eq!((tc.min, tc.max), (1, Some(1)));
        let s4 = t.allowed("SAP S/4HANA Cloud").unwrap();
        assert_eq!((s4.min, s4.max), (1, None));
        assert!(t.single_membership("SAP Task Center"));
        assert!(!t.single_membership("SAP S/4HANA Cloud"));
        assert_eq!(
            t.required_groups("SAP S/4HANA Cloud"),
            Some(&["All Communication Scenarios".to_string()][..])
        );
        assert_eq!(t.required_status("SAP S/4HANA Cloud"), Some("Registered"));
        assert!(t.allowed("SAP SuccessFactors").is_none());
    }

    #[test]
    fn a_bad_catalog_names_the_entry() {
        let mut v: serde_json::Value = serde_json::from_str(EMBEDDED).unwrap();
        v["formation_types"][2]["system_types"][0]["max"] = 0.into();
        let err = Catalog::parse(&v.to_string()).unwrap_err().to_string();
        assert!(err.contains("\"sap-start\""), "{err}");
        v["formation_types"][2]["system_types"] = serde_json::json!("x");
        let err = Catalog::parse(&v.to_string()).unwrap_err().to_string();
        assert!(err.contains("formation_types[2].system_types"), "{err}");
    }
}
