//! Registration on a landscape file: a new system, a requested token (its groups and time
//! only; the token itself is handed back and never written) and the pairing that SAP
//! S/4HANA Cloud would do, so the whole loop can be shown offline.

use std::path::Path;

use serde_json::{Value, json};

use super::{BackendError, lock};
use crate::backend::no_such_system;
use crate::backend::registration::{self as reg, IssuedToken, NewSystem};
use crate::catalog::Catalog;
use crate::files::LockWait;
use crate::landscape::{self, Landscape, System};

pub fn register_locked(
    path: &Path,
    new: &NewSystem,
    catalog: &Catalog,
    wait: LockWait,
) -> Result<System, BackendError> {
    new.check(catalog).map_err(BackendError::Failed)?;
    let _lock = lock(path, wait, |_| {})?;
    let fresh = Landscape::load(path, catalog)?;
    let name = new.name.trim();
    if fresh
        .systems
        .iter()
        .any(|s| s.name.eq_ignore_ascii_case(name))
    {
        return Err(BackendError::Failed(format!(
            "a system named \"{}\" already exists",
            crate::text::neutralise(name)
        )));
    }
    let system = System {
        id: new_system_id(&fresh),
        name: name.to_owned(),
        system_type: new.system_type.as_str().into(),
        condition: Some("INITIAL".into()),
        ..System::default()
    };
    let mut entry =
        serde_json::to_value(&system).map_err(|e| BackendError::Failed(e.to_string()))?;
    if let (Some(d), Some(map)) = (&new.description, entry.as_object_mut()) {
        map.insert("description".into(), json!(d));
    }
    landscape::edit_systems(path, |list| {
        list.push(entry);
        Ok(())
    })?;
    Ok(system)
}

pub fn request_token_locked(
    path: &Path,
    system: &str,
    groups: &[String],
    catalog: &Catalog,
    wait: LockWait,
) -> Result<IssuedToken, BackendError> {
    let _lock = lock(path, wait, |_| {})?;
    let fresh = Landscape::load(path, catalog)?;
    let found = find(&fresh, system)?;
    let pieces: Vec<String> = groups
        .iter()
        .map(|g| reg::group_piece(catalog, g))
        .collect();
    let condition = current_condition(&found);
    let requested_at = reg::now_rfc3339();
    edit_system(path, &found.id, |s| {
        s["condition"] = json!(condition);
        s["latest_token"] = json!({ "scenario_groups": pieces, "requested_at": requested_at });
    })?;
    let expires = time::OffsetDateTime::now_utc() + reg::TOKEN_LIFETIME;
    Ok(IssuedToken {
        system_id: found.id,
        token: reg::new_token(),
        connector_url: format!("file://{}", path.display()),
        expires_at: reg::rfc3339(expires),
        scenario_groups: groups.to_vec(),
    })
}

pub fn pair_locked(
    path: &Path,
    system: &str,
    catalog: &Catalog,
    wait: LockWait,
) -> Result<System, BackendError> {
    let _lock = lock(path, wait, |_| {})?;
    let fresh = Landscape::load(path, catalog)?;
    let found = find(&fresh, system)?;
    if found.latest_token.is_none() {
        return Err(BackendError::Failed(format!(
            "no registration token was requested for the system \"{}\"; request one with `token` first",
            crate::text::neutralise(&found.name)
        )));
    }
    edit_system(path, &found.id, |s| {
        s["condition"] = json!("CONNECTED");
        s["status"] = json!("Registered");
        s["latest_token"]["used"] = json!(true);
    })?;
    let again = Landscape::load(path, catalog)?;
    find(&again, &found.id)
}

fn find(landscape: &Landscape, system: &str) -> Result<System, BackendError> {
    landscape
        .find_system(system)
        .cloned()
        .ok_or_else(|| no_such_system(system))
}

/// A file that says registration the old way (`status`) keeps its meaning in `condition`.
fn current_condition(s: &System) -> String {
    match s.condition.as_deref() {
        Some(c) => c.to_owned(),
        None if s.status.as_deref() == Some("Registered") => "CONNECTED".into(),
        None => "INITIAL".into(),
    }
}

fn edit_system(path: &Path, id: &str, change: impl FnOnce(&mut Value)) -> Result<(), BackendError> {
    landscape::edit_systems(path, |list| {
        let s = list
            .iter_mut()
            .find(|s| s["id"] == id)
            .ok_or_else(|| format!("no system with the id \"{id}\""))?;
        change(s);
        Ok(())
    })?;
    Ok(())
}

fn new_system_id(landscape: &Landscape) -> String {
    loop {
        let id = format!("sys-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        if !landscape.systems.iter().any(|s| s.id == id) {
            return id;
        }
    }
}
