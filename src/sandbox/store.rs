//! The sandbox's data: a landscape file, read into memory and written back atomically on
//! every change, plus what only the server knows (which assignments are still being
//! processed, which systems' notifications fail). Every mutation runs under one lock and
//! is decided by the same rule engine as the wizard, so two clients cannot both take a
//! system that allows one. The operations follow director-behaviour.md §4.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::catalog::{Catalog, FormationType};
use crate::landscape::{self, Assignment, Formation, Landscape};
use crate::rules;

use crate::files;

use super::constraints;
use super::errors::DirectorError;
use super::registration;

/// The template used when `createFormation` names none, as in the Director (§4.4).
pub const DEFAULT_TEMPLATE: &str = "Side-by-Side Extensibility with Kyma";

/// A formation as read now: its state and each member's assignment, in joining order.
#[derive(Debug, Clone)]
pub struct FormationView {
    pub formation: Formation,
    pub state: String,
    pub members: Vec<(String, Assignment)>,
    /// The pairs that ended otherwise than their member (`--fail-pair`, §1.3).
    pub own: super::status::PairStates,
}

pub struct Store {
    path: PathBuf,
    catalog: Catalog,
    pub landscape: Landscape,
    /// How long an assignment stays INITIAL before its outcome shows.
    delay: Duration,
    /// (formation id, system id) → until when the assignment reads INITIAL.
    pending: HashMap<(String, String), Instant>,
    /// System id → the message its assignments fail with (`--fail-assignment`).
    pub failing: HashMap<String, String>,
    /// (source, target) → the message the notification of that one assignment fails with
    /// (`--fail-pair`): the receiver reports an error for it alone (§4.5 step 8).
    pub failing_pairs: HashMap<(String, String), String>,
    /// Formation id → the pairs whose own notification ended otherwise than their member's
    /// (CREATE_ERROR with the receiver's error), as only the server knows them.
    pair_states: HashMap<String, super::status::PairStates>,
    /// System id → how long the notifications of its assignment take inside the assign
    /// call, and whether they then fail (`--slow-assign`, fact 12).
    pub slow: HashMap<String, Slow>,
    /// The sandbox's GLOBAL constraints (`--global-constraint`): every template lists them
    /// and every assign is decided on them too (§1.2, fact 15).
    pub global_constraints: Vec<crate::catalog::Constraint>,
    /// `--auto-pair`: every issued registration token is paired after this delay.
    pub auto_pair: Option<Duration>,
    /// The connector URL a registration token names (the sandbox's own address).
    pub connector_url: String,
    /// The file as last read (modified time, length, inode), to see another writer's change.
    stamp: Option<FileStamp>,
}

type FileStamp = (Option<std::time::SystemTime>, u64, u64);

/// A system whose notifications are slow (`--slow-assign SYSTEM=SECONDS[:fail]`): the
/// assign call commits the assignment first (visible, INITIAL), then takes `wait` for the
/// notifications, then the assignment is READY or, when they `fail`, deleted again and the
/// call fails (director-behaviour.md fact 12, §4.5 step 7).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slow {
    pub wait: Duration,
    pub fail: bool,
}

fn stamp(path: &std::path::Path) -> Option<FileStamp> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(files::resolve(path).ok()?).ok()?;
    Some((meta.modified().ok(), meta.len(), meta.ino()))
}

/// How long a mutation waits for another writer (a local `create`) to release the lock.
const LOCK_WAIT: files::LockWait = files::LockWait {
    timeout: Duration::from_secs(10),
};

type Result<T> = std::result::Result<T, DirectorError>;

fn write_failed(e: impl std::fmt::Display) -> DirectorError {
    DirectorError::internal(format!("the sandbox cannot save the landscape: {e}"))
}

fn ready() -> Assignment {
    Assignment {
        state: "READY".into(),
        error: None,
    }
}

fn initial() -> Assignment {
    Assignment {
        state: "INITIAL".into(),
        error: None,
    }
}

/// The formation's own state; files from before `state` existed say it in `status`.
pub fn formation_state(f: &Formation) -> String {
    match (f.state.as_deref(), f.status.as_deref()) {
        (Some(s), _) => s.to_owned(),
        (None, Some("Draft")) => "DRAFT".into(),
        (None, Some("Error")) => "CREATE_ERROR".into(),
        _ => "READY".into(),
    }
}

/// `^[A-Za-z0-9]([-_A-Za-z0-9\s]*[A-Za-z0-9])$`, at most 128 characters (§4.4 step 5).
fn valid_scenario_name(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    let edge = |c: &char| c.is_ascii_alphanumeric();
    chars.len() >= 2
        && chars.len() <= 128
        && chars.first().is_some_and(edge)
        && chars.last().is_some_and(edge)
        && chars
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_') || c.is_whitespace())
}

/// Takes the landscape's lock file — the one the local backend takes — so that no other
/// writer (sandbox or local) can slip in between a change's check and its write. Every
/// mutation runs under it and re-reads the file first. Taken before the store's mutex, so
/// waiting for a local writer never holds up the sandbox's reads.
pub fn lock_file(path: &std::path::Path) -> Result<files::Lock> {
    let target = files::resolve(path).map_err(write_failed)?;
    files::lock_beside(&target, LOCK_WAIT, |lock_path| {
        tracing::info!(lock = %lock_path.display(), "waiting for another writer's lock");
    })
    .map_err(write_failed)
}

impl Store {
    pub fn open(
        path: PathBuf,
        catalog: Catalog,
        delay: Duration,
    ) -> std::result::Result<Store, landscape::LandscapeError> {
        let stamp = stamp(&path);
        let landscape = Landscape::load(&path, &catalog)?;
        Ok(Store {
            stamp,
            path,
            catalog,
            landscape,
            delay,
            pending: HashMap::new(),
            failing: HashMap::new(),
            failing_pairs: HashMap::new(),
            pair_states: HashMap::new(),
            slow: HashMap::new(),
            global_constraints: Vec::new(),
            auto_pair: None,
            connector_url: String::new(),
        })
    }

    /// The landscape file it serves.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Reads the file again after a change made beside the store (registration).
    pub fn refresh(&mut self) -> Result<()> {
        self.reload()
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    fn reload(&mut self) -> Result<()> {
        // Stamped before reading: a write in between makes the next check read again.
        let stamp = stamp(&self.path);
        self.landscape = Landscape::load(&self.path, &self.catalog).map_err(write_failed)?;
        self.stamp = stamp;
        Ok(())
    }

    /// Re-reads the file when it is not the one last read (replaced, grown or touched).
    pub fn reload_if_changed(&mut self) -> Result<()> {
        match stamp(&self.path) {
            Some(now) if self.stamp == Some(now) => Ok(()),
            _ => self.reload(),
        }
    }

    /// The template of a formation type: the catalog entry by its current name only.
    pub fn template_named(&self, name: &str) -> Option<&FormationType> {
        self.catalog.formation_types.iter().find(|t| t.name == name)
    }

    pub fn view(&self, f: &Formation) -> FormationView {
        let now = Instant::now();
        let members = f
            .systems
            .iter()
            .map(|s| {
                let pending = self
                    .pending
                    .get(&(f.id.clone(), s.clone()))
                    .is_some_and(|until| *until > now);
                let a = if pending {
                    initial()
                } else {
                    f.assignments.get(s).cloned().unwrap_or_else(ready)
                };
                (s.clone(), a)
            })
            .collect();
        FormationView {
            formation: f.clone(),
            state: formation_state(f),
            members,
            own: self.pair_states.get(&f.id).cloned().unwrap_or_default(),
        }
    }

    fn find_id(&self, id: &str) -> Result<Formation> {
        self.landscape
            .formations
            .iter()
            .find(|f| f.id == id)
            .cloned()
            .ok_or_else(|| DirectorError::not_found("formations"))
    }

    fn find_name(&self, name: &str) -> Result<Formation> {
        self.landscape
            .formations
            .iter()
            .find(|f| f.name == name)
            .cloned()
            .ok_or_else(|| DirectorError::not_found("formations"))
    }

    pub fn by_id(&self, id: &str) -> Result<FormationView> {
        Ok(self.view(&self.find_id(id)?))
    }

    pub fn by_name(&self, name: &str) -> Result<FormationView> {
        Ok(self.view(&self.find_name(name)?))
    }

    pub fn create(
        &mut self,
        name: &str,
        template: Option<&str>,
        state: Option<&str>,
    ) -> Result<FormationView> {
        // The caller holds the file lock (`lock_file`): decide on the file as it is now.
        self.reload()?;
        let template = template
            .filter(|t| !t.is_empty())
            .unwrap_or(DEFAULT_TEMPLATE);
        let ftype = self
            .template_named(template)
            .ok_or_else(|| DirectorError::not_found("formationTemplate"))?
            .clone();
        if rules::check_role(&self.landscape, &self.catalog).is_some() {
            let roles = self
                .landscape
                .user
                .as_ref()
                .map(|u| u.roles.clone())
                .unwrap_or_default();
            let admin: Vec<&str> = self
                .catalog
                .admin_roles
                .iter()
                .map(String::as_str)
                .collect();
            return Err(DirectorError::insufficient_scopes(&roles, &admin));
        }
        if self.landscape.formations.iter().any(|f| f.name == name) {
            return Err(DirectorError::new(
                super::errors::NOT_UNIQUE,
                "Object is not unique [object=formations]",
            ));
        }
        let (state, status) = match state {
            None | Some("READY") => ("READY", "Ready"),
            Some("DRAFT") => ("DRAFT", "Draft"),
            Some(other) => {
                return Err(DirectorError::invalid_data(format!(
                    "the sandbox creates formations in state READY or DRAFT, not {other:?}"
                )));
            }
        };
        let formation = Formation {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            type_name: ftype.name.clone(),
            status: Some(status.to_owned()),
            state: Some(state.to_owned()),
            type_id: ftype.id.clone(),
            ..Formation::default()
        };
        landscape::append_formation(&self.path, &formation).map_err(write_failed)?;
        self.reload()?;
        Ok(self.view(&formation))
    }

    /// Refuses a formation that still has assignments (§4.7).
    pub fn delete(&mut self, name: &str) -> Result<FormationView> {
        // The caller holds the file lock (`lock_file`): decide on the file as it is now.
        self.reload()?;
        let formation = self.find_name(name)?;
        if !formation.systems.is_empty() {
            return Err(DirectorError::internal(format!(
                "cannot delete formation with ID {:?}, because it is not empty",
                formation.id
            )));
        }
        let view = self.view(&formation);
        landscape::edit_formations(&self.path, |list| {
            list.retain(|f| f["id"] != formation.id.as_str());
            Ok(())
        })
        .map_err(write_failed)?;
        self.pending.retain(|(f, _), _| *f != formation.id);
        self.pair_states.remove(&formation.id);
        self.reload()?;
        Ok(view)
    }

    /// The landscape as the Director's operators see it (registration per §5.3).
    fn as_director_sees(&self) -> Result<Landscape> {
        let l = &self.landscape;
        Landscape::from_parts(
            l.global_account.clone(),
            l.user.clone(),
            l.systems
                .iter()
                .map(|s| registration::as_director_sees(s, &self.catalog))
                .collect(),
            l.formations.clone(),
            &self.catalog,
        )
        .map_err(DirectorError::internal)
    }

    /// `assignFormation` in the order of §4.5: formation, system, constraints (re-assign
    /// included), state, name; then the assignment is created or re-processed. For a slow
    /// system (`--slow-assign`) the assignment is committed INITIAL and the notifications
    /// are left to the caller: `Some(slow)` says to wait and then call `finish_slow`.
    pub fn assign(&mut self, name: &str, system_id: &str) -> Result<(FormationView, Option<Slow>)> {
        // The caller holds the file lock (`lock_file`): decide on the file as it is now.
        self.reload()?;
        let mut formation = self.find_name(name)?;
        if self.landscape.system(system_id).is_none() {
            return Err(DirectorError::not_found("application"));
        }
        let seen = self.as_director_sees()?;
        constraints::check_assign(
            &seen,
            &formation,
            system_id,
            &self.catalog,
            &self.global_constraints,
        )?;
        let state = formation_state(&formation);
        if matches!(state.as_str(), "DELETING" | "DELETE_ERROR") {
            return Err(DirectorError::internal(format!(
                "formation with ID {:?} is being deleted",
                formation.id
            )));
        }
        if !valid_scenario_name(&formation.name) {
            return Err(DirectorError::invalid_data(format!(
                "the formation name {:?} must match ^[A-Za-z0-9]([-_A-Za-z0-9\\s]*[A-Za-z0-9])$ and have at most 128 characters",
                formation.name
            )));
        }
        let view = self.view(&formation);
        // A pair of the system that is not READY counts too: a re-assign re-processes the
        // assignments that are not READY (§4.5, `service.go:565-566`).
        let pair_not_ready = view
            .own
            .iter()
            .any(|((s, t), a)| (s == system_id || t == system_id) && a.state != "READY");
        let current = view
            .members
            .into_iter()
            .find(|(s, _)| s == system_id)
            .map(|(_, a)| a);
        if current.is_none() {
            formation.systems.push(system_id.to_owned());
            formation
                .assignments
                .insert(system_id.to_owned(), initial());
        }
        let settled = matches!(state.as_str(), "INITIAL" | "CREATE_ERROR" | "DRAFT");
        let mut slow = None;
        if !settled && (pair_not_ready || current.is_none_or(|a| a.state != "READY")) {
            match self.slow.get(system_id).copied() {
                // Committed in its own transaction first (§4.5 step 7): visible at once.
                Some(s) => {
                    formation
                        .assignments
                        .insert(system_id.to_owned(), initial());
                    slow = Some(s);
                }
                None => self.notify(&mut formation, system_id),
            }
        }
        Ok((self.save(&formation)?, slow))
    }

    /// The end of a slow assign (fact 12): READY, or — when the notifications failed — the
    /// assignment deleted again (§4.5 step 7, `service.go:658-674`) and the call failed
    /// with the reason.
    pub fn finish_slow(
        &mut self,
        name: &str,
        system_id: &str,
        fail: bool,
    ) -> Result<FormationView> {
        self.reload()?;
        let mut formation = self.find_name(name)?;
        if !formation.systems.iter().any(|s| s == system_id) {
            // Taken out meanwhile: nothing left to finish.
            return Ok(self.view(&formation));
        }
        if fail {
            formation.systems.retain(|s| s != system_id);
            formation.assignments.remove(system_id);
            self.pending
                .remove(&(formation.id.clone(), system_id.to_owned()));
            self.forget_pairs(&formation.id, system_id);
            self.save(&formation)?;
            return Err(DirectorError::internal(format!(
                "while assigning application with ID {system_id:?} to formation {name:?}: the notifications for its assignments failed: the receiver did not accept them (sandbox --slow-assign fault)"
            )));
        }
        formation.assignments.insert(system_id.to_owned(), ready());
        self.settle_pairs(&formation, system_id);
        self.save(&formation)
    }

    /// Sends the (imaginary) notification: the outcome shows after the delay.
    fn notify(&mut self, formation: &mut Formation, system_id: &str) {
        let outcome = match self.failing.get(system_id) {
            Some(message) => Assignment {
                state: "CREATE_ERROR".into(),
                error: Some(message.clone()),
            },
            None => ready(),
        };
        formation.assignments.insert(system_id.to_owned(), outcome);
        self.settle_pairs(formation, system_id);
        let key = (formation.id.clone(), system_id.to_owned());
        if self.delay.is_zero() {
            self.pending.remove(&key);
        } else {
            self.pending.insert(key, Instant::now() + self.delay);
        }
    }

    /// The notifications of `system_id`'s pairs (X→X, X→P, P→X, §1.3) were sent again: each
    /// pair that a receiver refuses (`--fail-pair`) ends in CREATE_ERROR with its message,
    /// the others as their member (§4.5 step 8).
    fn settle_pairs(&mut self, formation: &Formation, system_id: &str) {
        self.forget_pairs(&formation.id, system_id);
        let x = system_id.to_owned();
        let mut failed = super::status::PairStates::new();
        for p in &formation.systems {
            for pair in [(x.clone(), p.clone()), (p.clone(), x.clone())] {
                if let Some(message) = self.failing_pairs.get(&pair) {
                    let state = Assignment {
                        state: "CREATE_ERROR".into(),
                        error: Some(message.clone()),
                    };
                    failed.insert(pair, state);
                }
            }
        }
        if !failed.is_empty() {
            self.pair_states
                .entry(formation.id.clone())
                .or_default()
                .extend(failed);
        }
    }

    /// Drops what the server kept of `system_id`'s pairs (taken out, or sent again).
    fn forget_pairs(&mut self, formation_id: &str, system_id: &str) {
        if let Some(own) = self.pair_states.get_mut(formation_id) {
            own.retain(|(s, t), _| s != system_id && t != system_id);
            if own.is_empty() {
                self.pair_states.remove(formation_id);
            }
        }
    }

    /// A member that is not assigned is no error (§4.6). In a READY formation its
    /// assignments go `DELETING` first, as the Director sets them before the receivers
    /// answer (§4.6, `formationassignment/service.go:769-793`): the answer `Some(delay)`
    /// says to call `finish_unassign` after it. Otherwise they are deleted at once.
    pub fn unassign(
        &mut self,
        name: &str,
        system_id: &str,
    ) -> Result<(FormationView, Option<Duration>)> {
        // The caller holds the file lock (`lock_file`): decide on the file as it is now.
        self.reload()?;
        let mut formation = self.find_name(name)?;
        if !formation.systems.iter().any(|s| s == system_id) {
            return Ok((self.view(&formation), None));
        }
        self.pending
            .remove(&(formation.id.clone(), system_id.to_owned()));
        self.forget_pairs(&formation.id, system_id);
        if formation_state(&formation) == "READY" && !self.delay.is_zero() {
            formation.assignments.insert(
                system_id.to_owned(),
                Assignment {
                    state: "DELETING".into(),
                    error: None,
                },
            );
            return Ok((self.save(&formation)?, Some(self.delay)));
        }
        formation.systems.retain(|s| s != system_id);
        formation.assignments.remove(system_id);
        Ok((self.save(&formation)?, None))
    }

    /// The receivers answered: a system still `DELETING` is taken out (§4.6).
    pub fn finish_unassign(&mut self, formation_id: &str, system_id: &str) -> Result<()> {
        self.reload()?;
        let Ok(mut formation) = self.find_id(formation_id) else {
            return Ok(());
        };
        let deleting = formation
            .assignments
            .get(system_id)
            .is_some_and(|a| a.state == "DELETING");
        if deleting {
            formation.systems.retain(|s| s != system_id);
            formation.assignments.remove(system_id);
            self.save(&formation)?;
        }
        Ok(())
    }

    /// Writes the formation's members, state and non-READY assignments back to the file.
    fn save(&mut self, formation: &Formation) -> Result<FormationView> {
        let assignments: std::collections::BTreeMap<&String, &Assignment> = formation
            .assignments
            .iter()
            .filter(|(_, a)| a.state != "READY")
            .collect();
        let assignments = serde_json::to_value(assignments).map_err(write_failed)?;
        let id = formation.id.clone();
        landscape::edit_formations(&self.path, |list| {
            let f = list
                .iter_mut()
                .find(|f| f["id"] == id.as_str())
                .ok_or_else(|| format!("no formation with the id \"{id}\""))?;
            f["systems"] = serde_json::json!(formation.systems);
            f["state"] = serde_json::json!(formation.state);
            f["status"] = serde_json::json!(formation.status);
            if let Some(map) = f.as_object_mut() {
                if assignments.as_object().is_some_and(|a| a.is_empty()) {
                    map.remove("assignments");
                } else {
                    map.insert("assignments".into(), assignments);
                }
            }
            Ok(())
        })
        .map_err(write_failed)?;
        self.reload()?;
        self.by_id(&formation.id)
    }

    /// Only from DRAFT; READY (no lifecycle webhooks), then a resynchronisation (§4.8).
    pub fn finalize(&mut self, id: &str) -> Result<FormationView> {
        // The caller holds the file lock (`lock_file`): decide on the file as it is now.
        self.reload()?;
        let mut formation = self.find_id(id)?;
        if formation_state(&formation) != "DRAFT" {
            return Err(DirectorError::internal(format!(
                "The formation with ID {id:?} is not in DRAFT state"
            )));
        }
        formation.state = Some("READY".into());
        formation.status = Some("Ready".into());
        self.retry(&mut formation, false);
        self.save(&formation)
    }

    /// Re-sends the notifications of unfinished or failed assignments (§4.8).
    pub fn resynchronize(&mut self, id: &str, reset: bool) -> Result<FormationView> {
        // The caller holds the file lock (`lock_file`): decide on the file as it is now.
        self.reload()?;
        let mut formation = self.find_id(id)?;
        if formation_state(&formation) == "DRAFT" {
            return Err(DirectorError::internal(format!(
                "while resynchronizing formation with ID: {id}: Formations in state DRAFT can not be resynchronized"
            )));
        }
        if reset {
            let ftype = self.catalog.by_id(&formation.type_id);
            if !ftype.is_some_and(supports_reset) {
                return Err(DirectorError::invalid_operation(format!(
                    "formation template {:?} does not support resetting",
                    ftype.map_or(formation.type_name.as_str(), |t| t.name.as_str())
                )));
            }
        }
        if formation_state(&formation) == "CREATE_ERROR" {
            formation.state = Some("READY".into());
            formation.status = Some("Ready".into());
        }
        self.retry(&mut formation, reset);
        self.save(&formation)
    }

    fn retry(&mut self, formation: &mut Formation, reset: bool) {
        let view = self.view(formation);
        let pair_failed = |system: &str| {
            view.own
                .iter()
                .any(|((s, t), a)| (s == system || t == system) && a.is_error())
        };
        for (system, a) in &view.members {
            if reset
                || pair_failed(system)
                || matches!(
                    a.state.as_str(),
                    "INITIAL" | "CREATE_ERROR" | "DELETE_ERROR"
                )
            {
                self.notify(formation, system);
            }
        }
    }
}

/// Whether a template supports `reset: true` (only the Kyma one in the sandbox).
pub fn supports_reset(t: &FormationType) -> bool {
    t.id.contains("kyma")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_names_follow_the_label_pattern() {
        assert!(valid_scenario_name("Sales EU-1"));
        assert!(!valid_scenario_name("x"));
        assert!(!valid_scenario_name("a.b"));
        assert!(!valid_scenario_name("-ab"));
    }
}
