//! The `local` backend: a landscape file. Every change takes an advisory lock, re-reads and
//! re-checks the file under it, and replaces the file atomically.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use async_trait::async_trait;

mod register;

use super::{Backend, BackendError, Created, FormationState, Progress};
use crate::catalog::Catalog;
use crate::files::{self, Lock, LockWait};
use crate::landscape::{self, Formation, Landscape, LandscapeError};
use crate::plan::FormationPlan;
use crate::rules;

pub struct LocalBackend {
    path: PathBuf,
    demo: bool,
    lock_timeout: Duration,
}

/// How long a writer waits for another's lock unless told otherwise (`--lock-timeout`).
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// The process's `--lock-timeout`, set once from the command line before any backend is
/// opened, so that every way of opening a landscape file (commands, wizard) honours it.
static LOCK_TIMEOUT: OnceLock<Duration> = OnceLock::new();

/// Sets the lock timeout of every local backend made from now on; only the first call counts.
pub fn set_lock_timeout(timeout: Duration) {
    let _ = LOCK_TIMEOUT.set(timeout);
}

impl LocalBackend {
    pub fn new(path: PathBuf, demo: bool) -> Self {
        LocalBackend {
            path,
            demo,
            lock_timeout: LOCK_TIMEOUT.get().copied().unwrap_or(DEFAULT_LOCK_TIMEOUT),
        }
    }

    /// Waits at most `timeout` for another writer's lock.
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_wait(&self) -> LockWait {
        LockWait {
            timeout: self.lock_timeout,
        }
    }

    /// `f` on the file, off the async threads, with how long this backend waits for the
    /// lock.
    async fn on_file<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Path, LockWait) -> Result<T, BackendError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let (path, wait) = (self.path.clone(), self.lock_wait());
        blocking(move || f(&path, wait)).await
    }
}

#[async_trait]
impl Backend for LocalBackend {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn is_demo(&self) -> bool {
        self.demo
    }

    fn target(&self) -> super::Target {
        super::Target::File {
            path: self.path.display().to_string(),
            demo: self.demo,
        }
    }

    async fn load(
        &self,
        catalog: &Catalog,
        _progress: &Progress,
    ) -> Result<Landscape, BackendError> {
        let catalog = catalog.clone();
        self.on_file(move |path, _| Ok(Landscape::load(path, &catalog)?))
            .await
    }

    async fn create_formation(
        &self,
        plan: &FormationPlan,
        catalog: &Catalog,
        draft: bool,
        report: super::CallReport<'_>,
    ) -> Result<Created, BackendError> {
        let (plan, catalog) = (plan.clone(), catalog.clone());
        // Waiting for another writer's lock is said on the create's own line.
        let waiting =
            report.map(|(progress, step, label)| (progress.clone(), step, label.to_owned()));
        self.on_file(move |path, wait| create_locked(path, &plan, &catalog, wait, draft, waiting))
            .await
    }

    async fn assign(
        &self,
        formation_id: &str,
        system_id: &str,
        catalog: &Catalog,
        _report: super::CallReport<'_>,
    ) -> Result<(), BackendError> {
        let (fid, sid, catalog) = (
            formation_id.to_owned(),
            system_id.to_owned(),
            catalog.clone(),
        );
        self.on_file(move |path, wait| assign_locked(path, &fid, &sid, &catalog, wait))
            .await
    }

    async fn unassign(
        &self,
        formation_id: &str,
        system_id: &str,
        _catalog: &Catalog,
    ) -> Result<(), BackendError> {
        let (fid, sid) = (formation_id.to_owned(), system_id.to_owned());
        self.on_file(move |path, wait| unassign_locked(path, &fid, &sid, None, wait))
            .await
    }

    async fn unassign_keeping_rules(
        &self,
        formation_id: &str,
        system_id: &str,
        _seen: &Landscape,
        catalog: &Catalog,
    ) -> Result<(), BackendError> {
        let (fid, sid, catalog) = (
            formation_id.to_owned(),
            system_id.to_owned(),
            catalog.clone(),
        );
        self.on_file(move |path, wait| unassign_locked(path, &fid, &sid, Some(&catalog), wait))
            .await
    }

    async fn status(&self, formation_id: &str) -> Result<FormationState, BackendError> {
        let fid = formation_id.to_owned();
        self.on_file(move |path, _| with_formation(path, &fid, file_state))
            .await
    }

    async fn members(
        &self,
        formation_id: &str,
    ) -> Result<std::collections::BTreeMap<String, landscape::Assignment>, BackendError> {
        let fid = formation_id.to_owned();
        self.on_file(move |path, _| with_formation(path, &fid, member_states))
            .await
    }

    async fn resynchronize(&self, formation_id: &str) -> Result<FormationState, BackendError> {
        let fid = formation_id.to_owned();
        self.on_file(move |path, wait| resync_locked(path, &fid, wait))
            .await?;
        self.status(formation_id).await
    }

    async fn finalize(&self, formation_id: &str) -> Result<FormationState, BackendError> {
        let fid = formation_id.to_owned();
        self.on_file(move |path, wait| finalize_locked(path, &fid, wait))
            .await?;
        self.status(formation_id).await
    }

    async fn register_system(
        &self,
        new: &super::registration::NewSystem,
        catalog: &Catalog,
    ) -> Result<landscape::System, BackendError> {
        let (new, catalog) = (new.clone(), catalog.clone());
        self.on_file(move |path, wait| register::register_locked(path, &new, &catalog, wait))
            .await
    }

    async fn request_token(
        &self,
        system_id: &str,
        groups: &[String],
        catalog: &Catalog,
    ) -> Result<super::registration::IssuedToken, BackendError> {
        let (id, groups, catalog) = (system_id.to_owned(), groups.to_vec(), catalog.clone());
        self.on_file(move |path, wait| {
            register::request_token_locked(path, &id, &groups, &catalog, wait)
        })
        .await
    }

    async fn pair(&self, system_id: &str, catalog: &Catalog) -> Result<(), BackendError> {
        let (id, catalog) = (system_id.to_owned(), catalog.clone());
        self.on_file(move |path, wait| register::pair_locked(path, &id, &catalog, wait).map(drop))
            .await
    }

    async fn delete(&self, formation_id: &str) -> Result<(), BackendError> {
        let fid = formation_id.to_owned();
        self.on_file(move |path, wait| delete_locked(path, &fid, wait))
            .await
    }
}

/// Each member's assignment from the file: its recorded state, `READY` when none is kept.
fn member_states(
    formation: &serde_json::Value,
) -> std::collections::BTreeMap<String, landscape::Assignment> {
    let recorded: std::collections::BTreeMap<String, landscape::Assignment> =
        serde_json::from_value(formation["assignments"].clone()).unwrap_or_default();
    formation["systems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str())
        .map(|id| {
            let a = recorded.get(id).cloned().unwrap_or(landscape::Assignment {
                state: "READY".into(),
                error: None,
            });
            (id.to_owned(), a)
        })
        .collect()
}

/// A formation's state from the file: `Draft` for a DRAFT formation, `Error` when a
/// member's assignment failed, `Synchronizing` while one is in progress, else its status.
fn file_state(formation: &serde_json::Value) -> FormationState {
    let members = member_states(formation);
    let errors: Vec<String> = members
        .iter()
        .filter(|(_, a)| a.is_error())
        .map(|(id, a)| {
            format!(
                "{id}: {}",
                a.error.clone().unwrap_or_else(|| a.state.clone())
            )
        })
        .collect();
    let status = if formation["state"] == "DRAFT" {
        "Draft".to_owned()
    } else if !errors.is_empty()
        || formation["state"]
            .as_str()
            .is_some_and(|s| s.ends_with("_ERROR"))
    {
        "Error".to_owned()
    } else if members.values().any(landscape::Assignment::in_progress) {
        "Synchronizing".to_owned()
    } else {
        formation["status"].as_str().unwrap_or("Ready").to_owned()
    };
    FormationState { status, errors }
}

/// Reads the file as it is now and answers `f` of the formation `id`'s JSON entry; the
/// whole landscape is not validated for a look at one formation.
fn with_formation<T>(
    path: &Path,
    id: &str,
    f: impl FnOnce(&serde_json::Value) -> T,
) -> Result<T, BackendError> {
    let bytes = landscape::read(path)?;
    let doc: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| LandscapeError::Invalid {
            origin: format!("file {}", path.display()),
            problem: e.to_string(),
        })?;
    doc["formations"]
        .as_array()
        .and_then(|list| list.iter().find(|f| f["id"] == id))
        .map(f)
        .ok_or_else(|| BackendError::NoSuchFormation(id.to_owned()))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BackendError> + Send + 'static,
) -> Result<T, BackendError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BackendError::Failed(format!("the file worker stopped: {e}")))?
}

/// Creates the formation, with no systems yet, while holding the landscape's lock, after
/// checking the whole plan on the file as it is now; each system is then assigned, and
/// checked again, on its own.
fn create_locked(
    path: &Path,
    plan: &FormationPlan,
    catalog: &Catalog,
    wait: LockWait,
    draft: bool,
    waiting: Option<(Progress, usize, String)>,
) -> Result<Created, BackendError> {
    let _lock = lock(path, wait, |lock_path| {
        if let Some((progress, step, label)) = &waiting {
            let reason = format!(
                "waiting for the lock {}, which another process holds",
                lock_path.display()
            );
            progress.call(
                *step,
                label,
                super::CallState::Retrying { attempt: 1, reason },
            );
        }
    })?;
    let fresh = Landscape::load(path, catalog)?;
    // The whole plan, systems included, on the file as it is now: a file changed meanwhile
    // is refused before anything is written (each assignment is checked again too).
    let report = rules::evaluate(plan, &fresh, catalog);
    if let Some(v) = report.violations.into_iter().next() {
        return Err(BackendError::Refused(Box::new(v)));
    }
    let ftype = catalog
        .by_id(&plan.type_id)
        .ok_or_else(|| BackendError::Failed(format!("unknown formation type {}", plan.type_id)))?;
    let status = if draft { "Draft" } else { "Ready" };
    let formation = Formation {
        id: new_formation_id(&fresh),
        name: plan.name.clone(),
        type_name: ftype.name.clone(),
        systems: Vec::new(),
        status: Some(status.into()),
        state: draft.then(|| "DRAFT".to_owned()),
        type_id: ftype.id.clone(),
        ..Formation::default()
    };
    landscape::append_formation(path, &formation)?;
    Ok(Created {
        id: formation.id,
        status: status.into(),
    })
}

/// Sends a formation's notifications again, as a file can: each assignment in error
/// becomes READY, unless the file still marks its system as failing (`assignment_error`),
/// which then fails again with that message.
fn resync_locked(path: &Path, formation_id: &str, wait: LockWait) -> Result<(), BackendError> {
    let _lock = lock(path, wait, |_| {})?;
    let failing = failing_systems(path)?;
    edit_formation(path, formation_id, |f| {
        if let Some(states) = f.get_mut("assignments").and_then(|a| a.as_object_mut()) {
            for (system, a) in states.iter_mut() {
                let in_error = a["state"].as_str().is_some_and(|s| s.ends_with("_ERROR"));
                if !in_error {
                    continue;
                }
                *a = match failing.get(system) {
                    Some(message) => serde_json::json!({"state": "CREATE_ERROR", "error": message}),
                    None => serde_json::json!({"state": "READY"}),
                };
            }
            states.retain(|_, a| a["state"] != "READY");
        }
        Ok(())
    })
}

/// System id → message, for the systems the file marks as failing their assignments.
fn failing_systems(path: &Path) -> Result<std::collections::HashMap<String, String>, BackendError> {
    let bytes = landscape::read(path)?;
    let doc: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| LandscapeError::Invalid {
            origin: format!("file {}", path.display()),
            problem: e.to_string(),
        })?;
    Ok(doc["systems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            Some((
                s["id"].as_str()?.to_owned(),
                s["assignment_error"].as_str()?.to_owned(),
            ))
        })
        .collect())
}

/// Deletes a formation that has no members left, as the Director does (§4.7).
fn delete_locked(path: &Path, formation_id: &str, wait: LockWait) -> Result<(), BackendError> {
    let _lock = lock(path, wait, |_| {})?;
    let mut found = false;
    let mut members = 0;
    landscape::edit_formations(path, |list| {
        let Some(at) = list.iter().position(|f| f["id"] == formation_id) else {
            return Err(format!("no formation with the id \"{formation_id}\""));
        };
        found = true;
        members = list[at]["systems"].as_array().map_or(0, Vec::len);
        if members > 0 {
            return Err(String::new());
        }
        list.remove(at);
        Ok(())
    })
    .map_err(|e| match (found, members) {
        (false, _) => BackendError::NoSuchFormation(formation_id.to_owned()),
        (true, n) if n > 0 => BackendError::Failed(format!(
            "the formation with the id \"{formation_id}\" still has {n} system{}; take them out first",
            if n == 1 { "" } else { "s" }
        )),
        (true, _) => e.into(),
    })
}

/// Finalizes a DRAFT formation under the lock: it becomes READY (a file sends no
/// notifications, so its members are as they were). Anything but a draft is refused, as
/// the Director refuses it.
fn finalize_locked(path: &Path, formation_id: &str, wait: LockWait) -> Result<(), BackendError> {
    let _lock = lock(path, wait, |_| {})?;
    edit_formation(path, formation_id, |f| {
        if f["state"] != "DRAFT" {
            return Err(BackendError::Failed(format!(
                "the formation with the id \"{formation_id}\" is not in DRAFT state; only a draft can be finalized"
            )));
        }
        f["state"] = "READY".into();
        f["status"] = "Ready".into();
        Ok(())
    })
}

/// Adds a system to an existing formation if the formation, with it, still satisfies
/// every rule (checked against the landscape without that formation).
fn assign_locked(
    path: &Path,
    formation_id: &str,
    system_id: &str,
    catalog: &Catalog,
    wait: LockWait,
) -> Result<(), BackendError> {
    let _lock = lock(path, wait, |_| {})?;
    let fresh = Landscape::load(path, catalog)?;
    let Some(existing) = fresh.formations.iter().find(|f| f.id == formation_id) else {
        return Err(BackendError::NoSuchFormation(formation_id.to_owned()));
    };
    if existing.systems.iter().any(|s| s == system_id) {
        return Ok(());
    }
    if let Some(mut v) = rules::check_assignment(&fresh, existing, system_id, catalog)
        .map_err(BackendError::Failed)?
    {
        v.message = format!(
            "the system {system_id} cannot join \"{}\": {}",
            existing.name, v.message
        );
        return Err(BackendError::Refused(Box::new(v)));
    }
    let failing = fresh
        .system(system_id)
        .and_then(|s| s.assignment_error.clone());
    edit_formation(path, formation_id, |f| {
        match f.get_mut("systems").and_then(|s| s.as_array_mut()) {
            Some(systems) => systems.push(system_id.into()),
            None => f["systems"] = serde_json::json!([system_id]),
        }
        if let Some(message) = &failing {
            if !f["assignments"].is_object() {
                f["assignments"] = serde_json::json!({});
            }
            f["assignments"][system_id] =
                serde_json::json!({"state": "CREATE_ERROR", "error": message});
        }
        Ok(())
    })
}

/// Takes a system out of a formation while holding the lock, on the file as it is now; a
/// system that is no longer a member is no error (as on the Director). With `keeping`, the
/// formation must keep working without it, checked on the file read under the lock.
fn unassign_locked(
    path: &Path,
    formation_id: &str,
    system_id: &str,
    keeping: Option<&Catalog>,
    wait: LockWait,
) -> Result<(), BackendError> {
    let _lock = lock(path, wait, |_| {})?;
    if let Some(catalog) = keeping {
        let fresh = Landscape::load(path, catalog)?;
        if let Some(f) = fresh.formations.iter().find(|f| f.id == formation_id) {
            super::stops_working(&fresh, f, system_id, catalog)?;
        }
    }
    edit_formation(path, formation_id, |f| {
        if let Some(systems) = f.get_mut("systems").and_then(|s| s.as_array_mut()) {
            systems.retain(|s| s != system_id);
        }
        if let Some(states) = f.get_mut("assignments").and_then(|a| a.as_object_mut()) {
            states.remove(system_id);
        }
        Ok(())
    })
}

/// Changes formation `formation_id`'s entry in the file (the caller holds the lock), the
/// rest of the file byte for byte: `edit` may refuse, and then nothing is written; an id
/// the file does not have is `NoSuchFormation`.
fn edit_formation(
    path: &Path,
    formation_id: &str,
    edit: impl FnOnce(&mut serde_json::Value) -> Result<(), BackendError>,
) -> Result<(), BackendError> {
    let mut refused: Option<BackendError> = None;
    let written = landscape::edit_formations(path, |list| {
        let Some(f) = list.iter_mut().find(|f| f["id"] == formation_id) else {
            refused = Some(BackendError::NoSuchFormation(formation_id.to_owned()));
            return Err(String::new());
        };
        edit(f).map_err(|e| {
            let said = e.to_string();
            refused = Some(e);
            said
        })
    });
    match (refused, written) {
        (Some(e), _) => Err(e),
        (None, written) => Ok(written?),
    }
}

/// An exclusive advisory lock on `<target>.lock` beside the file the path resolves to, so
/// that writers through a symbolic link and through its target share one lock; released
/// on drop. A separate file, because the landscape itself is replaced by rename on every
/// write. `waiting` is told when another process has held it for a second.
fn lock(path: &Path, wait: LockWait, waiting: impl FnOnce(&Path)) -> Result<Lock, BackendError> {
    let refused = |source| LandscapeError::Write {
        path: path.to_owned(),
        source,
    };
    let target = files::resolve(path).map_err(refused)?;
    Ok(files::lock_beside(&target, wait, waiting).map_err(refused)?)
}

fn new_formation_id(landscape: &Landscape) -> String {
    loop {
        let id = format!("f-{}", uuid::Uuid::new_v4().simple());
        if !landscape.formations.iter().any(|f| f.id == id) {
            return id;
        }
    }
}
