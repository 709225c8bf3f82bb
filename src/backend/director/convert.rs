//! Director data to the landscape model: a system's type is its `applicationType` label,
//! its formations the `scenarios` label, its scenario groups the `scenarioGroups` label,
//! its registration status `systemStatus`; a formation's type is its template.

use std::collections::HashMap;

use serde_json::Value;

use super::queries::{self, FormationStatusCondition};
use crate::catalog::Catalog;
use crate::landscape::{Formation, System};

pub const TYPE_LABEL: &str = "applicationType";
pub const SCENARIOS_LABEL: &str = "scenarios";
pub const GROUPS_LABEL: &str = "scenarioGroups";
pub const DISCOVERY_LABEL: &str = "discovery";

/// A label's value as strings: a string, or a list of strings.
fn label_strings(labels: &Value, key: &str) -> Vec<String> {
    match labels.get(key) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

pub fn system(app: &queries::Application) -> System {
    let labels = app.labels.as_ref().map(|l| &l.0).unwrap_or(&Value::Null);
    System {
        id: app.id.inner().to_owned(),
        name: app.name.clone(),
        system_type: label_strings(labels, TYPE_LABEL)
            .into_iter()
            .next()
            .unwrap_or_default(),
        status: app.system_status.clone().filter(|s| !s.is_empty()),
        scenario_groups: label_strings(labels, GROUPS_LABEL),
        system_number: app.system_number.clone(),
        url: app.base_url.clone(),
        discovery: label_strings(labels, DISCOVERY_LABEL).into_iter().next(),
        ..System::default()
    }
}

/// The formation names each application is in, from its `scenarios` label.
pub fn memberships(apps: &[queries::Application]) -> HashMap<String, Vec<String>> {
    let mut members: HashMap<String, Vec<String>> = HashMap::new();
    for app in apps {
        let labels = app.labels.as_ref().map(|l| &l.0).unwrap_or(&Value::Null);
        for scenario in label_strings(labels, SCENARIOS_LABEL) {
            members
                .entry(scenario)
                .or_default()
                .push(app.id.inner().to_owned());
        }
    }
    members
}

/// The cockpit's name for a status condition.
pub fn status_name(condition: FormationStatusCondition) -> &'static str {
    match condition {
        FormationStatusCondition::Ready => "Ready",
        FormationStatusCondition::InProgress => "Synchronizing",
        FormationStatusCondition::Error => "Error",
        FormationStatusCondition::Draft => "Draft",
    }
}

/// The formations whose template the catalog knows; the others cannot be checked by the
/// rules and are left out (logged).
pub fn formations(
    list: &[queries::Formation],
    templates: &HashMap<String, String>,
    members: &HashMap<String, Vec<String>>,
    catalog: &Catalog,
) -> Vec<Formation> {
    list.iter()
        .filter_map(|f| {
            let template = templates.get(f.formation_template_id.inner());
            let ftype = template
                .and_then(|name| catalog.find(name))
                .or_else(|| catalog.find(f.formation_template_id.inner()));
            let Some(ftype) = ftype else {
                tracing::warn!(formation = %crate::text::neutralise(&f.name), "formation of a template the catalog does not know; left out");
                return None;
            };
            Some(Formation {
                id: f.id.inner().to_owned(),
                name: f.name.clone(),
                type_name: ftype.name.clone(),
                systems: members.get(&f.name).cloned().unwrap_or_default(),
                status: Some(status_name(f.status.condition).to_owned()),
                type_id: ftype.id.clone(),
                ..Formation::default()
            })
        })
        .collect()
}

/// A formation's status errors as lines.
pub fn errors(f: &queries::Formation) -> Vec<String> {
    let mut out: Vec<String> = f.error.iter().map(|e| e.message.clone()).collect();
    out.extend(f.status.errors.iter().flatten().map(|e| e.message.clone()));
    out
}
