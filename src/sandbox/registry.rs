//! Registering systems and issuing registration tokens on the sandbox (§5.1, §5.2), and
//! pairing a token as SAP S/4HANA Cloud would when the token is entered there (the real
//! Director has no such call: whoever runs the system sets `CONNECTED`, §1.1). The token
//! itself is never written to the landscape; only its groups and times are.

use serde_json::{Value, json};

use super::errors::DirectorError;
use super::registration;
use super::store::Store;
use crate::backend::registration as reg;
use crate::landscape::{self, System};

type Result<T> = std::result::Result<T, DirectorError>;

/// What `registerApplication` is given.
pub struct Registration {
    pub name: String,
    pub description: Option<String>,
    pub labels: Value,
    pub condition: Option<String>,
}

/// The Director's name normaliser (director-behaviour.md §1.1, `normalizer.go:31-56`):
/// prefix `mp-` (kept, not doubled, when the name already starts with it), lower case,
/// anything but `[-a-z0-9]` → `-`, runs of `-` collapsed, a trailing `-` dropped.
fn normalised(name: &str) -> String {
    let lower = name.to_lowercase();
    let body = lower.strip_prefix("mp-").unwrap_or(&lower);
    let mut out = String::from("mp-");
    for c in body.chars() {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    while out.len() > "mp-".len() && out.ends_with('-') {
        out.pop();
    }
    out
}

fn invalid_input(name: &str) -> DirectorError {
    DirectorError::new(
        22,
        format!("Invalid data ApplicationRegisterInput [name={name}]"),
    )
}

/// Each of these runs with the landscape file's lock held (`schema::locked`), and decides
/// on the file as it is now.
pub fn register(store: &mut Store, r: Registration) -> Result<System> {
    store.refresh()?;
    let runes = r.name.chars().count();
    if runes == 0 || runes > 100 {
        return Err(invalid_input("name"));
    }
    let labels = r.labels.as_object().cloned().unwrap_or_default();
    if let Some(key) = labels
        .keys()
        .find(|k| !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        return Err(invalid_input(key));
    }
    if labels.contains_key("scenarios") {
        return Err(DirectorError::invalid_data(
            "label scenarios cannot be set when registering an application",
        ));
    }
    let norm = normalised(&r.name);
    let taken = store
        .landscape
        .systems
        .iter()
        .any(|s| s.system_number.is_none() && normalised(&s.name) == norm);
    if taken {
        return Err(DirectorError::new(
            31,
            "Object name is not unique [object=application]",
        ));
    }
    let system = System {
        id: uuid::Uuid::new_v4().to_string(),
        name: r.name.clone(),
        system_type: labels
            .get(crate::backend::director::convert::TYPE_LABEL)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into(),
        condition: Some(r.condition.as_deref().unwrap_or("INITIAL").into()),
        ..System::default()
    };
    let mut entry = serde_json::to_value(&system).map_err(DirectorError::internal)?;
    if let (Some(d), Some(map)) = (&r.description, entry.as_object_mut()) {
        map.insert("description".into(), json!(d));
    }
    landscape::edit_systems(store.path(), |list| {
        list.push(entry);
        Ok(())
    })
    .map_err(DirectorError::internal)?;
    store.refresh()?;
    Ok(system)
}

/// Records a token with the header's pieces as its groups (§5.2) and answers when it was
/// requested. Unknown system → NotFound (code 20). The condition does not change.
pub fn issue(store: &mut Store, system_id: &str, pieces: &[String]) -> Result<String> {
    store.refresh()?;
    let s = find(store, system_id)?;
    let condition = registration::condition(&s).to_owned();
    let now = reg::now_rfc3339();
    edit(store, system_id, |v| {
        v["condition"] = json!(condition);
        v["latest_token"] = json!({ "scenario_groups": pieces, "requested_at": now });
    })?;
    Ok(now)
}

/// Uses the system's latest token: it becomes `used` and the system `CONNECTED`.
pub fn pair(store: &mut Store, system_id: &str) -> Result<()> {
    store.refresh()?;
    let s = find(store, system_id)?;
    if s.latest_token.is_none() {
        return Err(DirectorError::invalid_operation(
            "the application has no one-time token to pair with",
        ));
    }
    edit(store, system_id, |v| {
        v["condition"] = json!("CONNECTED");
        v["latest_token"]["used"] = json!(true);
    })
}

fn find(store: &Store, system_id: &str) -> Result<System> {
    store
        .landscape
        .systems
        .iter()
        .find(|s| s.id == system_id)
        .cloned()
        .ok_or_else(|| DirectorError::not_found("application"))
}

fn edit(store: &mut Store, system_id: &str, change: impl FnOnce(&mut Value)) -> Result<()> {
    landscape::edit_systems(store.path(), |list| {
        let s = list
            .iter_mut()
            .find(|s| s["id"] == system_id)
            .ok_or_else(|| format!("no system with the id \"{system_id}\""))?;
        change(s);
        Ok(())
    })
    .map_err(DirectorError::internal)?;
    store.refresh()
}

#[cfg(test)]
mod tests {
    use super::normalised;

    #[test]
    /// §1.1: prefix kept once, runs of `-` collapsed, a trailing `-` dropped.
    fn names_are_normalised_as_the_director_does() {
        assert_eq!(normalised("S/4HANA Sales"), "mp-s-4hana-sales");
        assert_eq!(normalised("MP-Sales"), "mp-sales");
        assert_eq!(normalised("S/4  --  Sales!"), "mp-s-4-sales");
        assert_eq!(normalised("Sales (EU)"), "mp-sales-eu");
        assert_eq!(
            normalised("Sales EU"),
            normalised("sales--eu-"),
            "one name to the Director"
        );
    }
}
