//! Director data to the landscape model (director-behaviour.md §1): a system's type is its
//! `applicationType` label, its registration its `status.condition` and its latest one-time
//! token; a formation's members and their states come from its `formationAssignments`; a
//! formation's type is its template.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::queries::{self, FormationStatusCondition};
use crate::catalog::Catalog;
use crate::intern::Names;
use crate::landscape::{Assignment, Formation, System, TokenInfo};

pub const TYPE_LABEL: &str = "applicationType";
pub const DISCOVERY_LABEL: &str = "discovery";

/// A label's first string: the string, or the first string of a list.
fn first_label<'a>(labels: &'a Value, key: &str) -> Option<&'a str> {
    match labels.get(key) {
        Some(Value::String(s)) => Some(s),
        Some(Value::Array(items)) => items.iter().find_map(Value::as_str),
        _ => None,
    }
}

/// One system on its own (its names not shared with other systems').
pub fn system(app: &queries::Application, catalog: &Catalog) -> System {
    system_with(app, catalog, &mut Names::new())
}

/// Many systems, equal types, statuses, conditions, scenario groups and discovery words
/// shared among them.
pub fn systems(apps: &[queries::Application], catalog: &Catalog) -> Vec<System> {
    let mut names = Names::new();
    apps.iter()
        .map(|a| system_with(a, catalog, &mut names))
        .collect()
}

fn system_with(app: &queries::Application, catalog: &Catalog, names: &mut Names) -> System {
    let labels = app.labels.as_ref().map(|l| &l.0).unwrap_or(&Value::Null);
    let (latest_token, token_unreadable) = latest_token(app.auths.as_deref());
    let mut system = System {
        id: app.id.inner().to_owned(),
        name: app.name.clone(),
        system_type: names.get(first_label(labels, TYPE_LABEL).unwrap_or_default()),
        // `systemStatus` is free text on a real Director; only a word the catalog knows
        // is kept, for display.
        status: app
            .system_status
            .as_deref()
            .filter(|s| catalog.status(s).is_some())
            .map(|s| names.get(s)),
        system_number: app.system_number.clone(),
        url: app.base_url.clone(),
        discovery: first_label(labels, DISCOVERY_LABEL).map(|d| names.get(d)),
        condition: Some(names.get(condition_name(app.status.condition))),
        latest_token,
        token_unreadable,
        ..System::default()
    };
    // Shown as the groups it was registered with; the rules read the token itself.
    system.scenario_groups = crate::rules::registration::display_groups(catalog, &system)
        .iter()
        .map(|g| names.get(g))
        .collect();
    system
}

/// The newest one-time token among a system's auths (§5.3), and whether the credentials
/// could not read them (every `auth` hidden).
fn latest_token(auths: Option<&[queries::AppSystemAuth]>) -> (Option<TokenInfo>, bool) {
    let Some(auths) = auths else {
        return (None, true);
    };
    if !auths.is_empty() && auths.iter().all(|a| a.auth.is_none()) {
        return (None, true);
    }
    let tokens: Vec<&queries::OneTimeTokenForApplication> = auths
        .iter()
        .filter_map(|a| match a.auth.as_ref()?.one_time_token.as_ref()? {
            queries::OneTimeToken::OneTimeTokenForApplication(t) => Some(t),
            queries::OneTimeToken::Other => None,
        })
        .collect();
    let key = |t: &queries::OneTimeTokenForApplication| {
        t.created_at
            .as_ref()
            .map(|c| c.0.clone())
            .unwrap_or_default()
    };
    let groups = |t: &queries::OneTimeTokenForApplication| -> Vec<String> {
        t.scenario_groups
            .iter()
            .flatten()
            .flatten()
            .cloned()
            .collect()
    };
    let newest = tokens
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| key(a).cmp(&key(b)));
    let token = newest.map(|(at, t)| TokenInfo {
        scenario_groups: groups(t),
        requested_at: t.created_at.as_ref().map(|c| c.0.clone()),
        used: t.used,
        // Requested in the same (whole) second: the API cannot say which is the latest.
        tied: tokens
            .iter()
            .enumerate()
            .filter(|(i, o)| *i != at && key(o) == key(t))
            .map(|(_, o)| groups(o))
            .collect(),
    });
    (token, false)
}

pub fn condition_name(c: queries::ApplicationStatusCondition) -> &'static str {
    use queries::ApplicationStatusCondition as C;
    match c {
        C::Initial => "INITIAL",
        C::Connected => "CONNECTED",
        C::Failed => "FAILED",
        C::Creating => "CREATING",
        C::CreateFailed => "CREATE_FAILED",
        C::CreateSucceeded => "CREATE_SUCCEEDED",
        C::Updating => "UPDATING",
        C::UpdateFailed => "UPDATE_FAILED",
        C::UpdateSucceeded => "UPDATE_SUCCEEDED",
        C::Deleting => "DELETING",
        C::DeleteFailed => "DELETE_FAILED",
        C::DeleteSucceeded => "DELETE_SUCCEEDED",
        C::Unpairing => "UNPAIRING",
        C::UnpairFailed => "UNPAIR_FAILED",
    }
}

/// The message inside an assignment's `error`, a JSON string
/// `{"error":{"message":…,"errorCode":N}}` (§1.3); the raw text if it is not that.
pub fn assignment_error(raw: Option<&str>) -> Option<String> {
    let raw = raw.filter(|r| !r.trim().is_empty())?;
    let parsed: Option<String> = serde_json::from_str::<Value>(raw).ok().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    Some(parsed.unwrap_or_else(|| raw.to_owned()))
}

/// How bad a state is, to keep the worst of a system's assignments.
fn severity(state: &str) -> u8 {
    match state {
        s if s.ends_with("_ERROR") => 3,
        "READY" => 0,
        _ => 2,
    }
}

/// Each member system's state in a formation: the worst state among the assignments that
/// concern it (see `owners`). Every member is listed, `READY` when nothing is pending.
pub fn member_states(assignments: &[queries::FormationAssignment]) -> BTreeMap<String, Assignment> {
    let mut out: BTreeMap<String, Assignment> = members_in_order(assignments)
        .into_iter()
        .map(|id| {
            let ready = Assignment {
                state: "READY".into(),
                error: None,
            };
            (id, ready)
        })
        .collect();
    for a in assignments {
        let (owners, alone) = owners(assignments, a);
        for owner in owners {
            if let Some(entry) = out.get_mut(owner)
                && severity(&a.state) > severity(&entry.state)
            {
                entry.state = a.state.clone();
                entry.error = error_of(a).map(|e| {
                    if alone {
                        format!(
                            "{e} (the assignment from {} to {})",
                            a.source.inner(),
                            a.target.inner()
                        )
                    } else {
                        e
                    }
                });
            }
        }
    }
    out
}

/// The reason an assignment in error carries: its `error` (§1.3), else an error object in
/// `value`, where Directors before the `error` field kept it.
fn error_of(a: &queries::FormationAssignment) -> Option<String> {
    assignment_error(a.error.as_deref()).or_else(|| {
        let value: Value = serde_json::from_str(a.value.as_deref()?).ok()?;
        value
            .pointer("/error/message")
            .and_then(Value::as_str)
            .filter(|m| !m.trim().is_empty())
            .map(str::to_owned)
    })
}

/// The systems an assignment's state is about, and whether the pair failed on its own.
/// Assignments come in pairs (§1.3): X→X, X→P and P→X are all processed when X joins, so a
/// pair that is not ready belongs to the end whose own (self) assignment is in the same
/// state; failing that, to its target, the system the notification is for. A pair in error
/// while neither end's own assignment is (one receiver refused that one notification, the
/// mutation still succeeded, §4.5 step 8) is about both ends: neither is fully in.
fn owners<'a>(
    all: &'a [queries::FormationAssignment],
    a: &'a queries::FormationAssignment,
) -> (Vec<&'a str>, bool) {
    use queries::FormationAssignmentType::Application;
    let self_state = |id: &str| {
        all.iter()
            .find(|x| x.source.inner() == id && x.target.inner() == id)
            .map(|x| x.state.as_str())
    };
    let (source, target) = (a.source.inner(), a.target.inner());
    let (source_app, target_app) = (a.source_type == Application, a.target_type == Application);
    if source_app && (source == target || self_state(source) == Some(&a.state)) {
        return (vec![source], false);
    }
    let alone = a.state.ends_with("_ERROR") && self_state(target) != Some(&a.state);
    if alone && source_app && target_app {
        return (vec![source, target], true);
    }
    (target_app.then_some(target).into_iter().collect(), false)
}

/// The member systems in the order the assignments first name them (the server's order,
/// which for a formation assigned one system at a time is the order of assigning).
pub fn members_in_order(assignments: &[queries::FormationAssignment]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in assignments {
        for (id, kind) in [(&a.source, a.source_type), (&a.target, a.target_type)] {
            if kind == queries::FormationAssignmentType::Application
                && !out.iter().any(|o| o == id.inner())
            {
                out.push(id.inner().to_owned());
            }
        }
    }
    out
}

/// The system an assignment (by id) concerns (see `owner`).
pub fn assignment_target<'a>(
    assignments: &'a [queries::FormationAssignment],
    assignment_id: &str,
) -> Option<&'a str> {
    let a = assignments.iter().find(|a| a.id.inner() == assignment_id)?;
    owners(assignments, a).0.last().copied()
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
/// rules and are left out (logged). `assignments` holds every assignment of each
/// formation, by formation id.
pub fn formations(
    list: &[queries::Formation],
    templates: &HashMap<String, String>,
    assignments: &HashMap<String, Vec<queries::FormationAssignment>>,
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
            let list = assignments.get(f.id.inner()).map_or(&[][..], Vec::as_slice);
            let states = member_states(list);
            Some(Formation {
                id: f.id.inner().to_owned(),
                name: f.name.clone(),
                type_name: ftype.name.clone(),
                systems: members_in_order(list),
                status: Some(status_name(f.status.condition).to_owned()),
                state: Some(f.state.clone()).filter(|s| !s.is_empty()),
                assignments: states,
                type_id: ftype.id.clone(),
            })
        })
        .collect()
}

/// A formation's status errors as lines.
pub fn errors(f: &queries::Formation) -> Vec<String> {
    let mut out: Vec<String> = f
        .error
        .iter()
        .map(|e| e.message.clone())
        .filter(|m| !m.is_empty())
        .collect();
    out.extend(f.status.errors.iter().flatten().map(|e| e.message.clone()));
    out
}
