//! Where the landscape lives and where formations are created. The wizard and the commands
//! talk to a `Backend` and see no difference between one and another except speed.

pub mod director;
mod local;
mod progress;
pub mod registration;
mod stderr;

use std::path::PathBuf;

use async_trait::async_trait;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::landscape::{Landscape, LandscapeError};
use crate::plan::FormationPlan;
use crate::rules::Finding;

pub use local::{DEFAULT_LOCK_TIMEOUT, LocalBackend, set_lock_timeout};
pub use progress::{BackendEvent, CallReport, CallState, Progress};
pub use stderr::StderrProgress;

/// Refuses taking `system_id` out of `f` when the formation would stop working without it,
/// on `landscape` as it is now (the check the user was shown before asking, made again).
pub(crate) fn stops_working(
    landscape: &Landscape,
    f: &crate::landscape::Formation,
    system_id: &str,
    catalog: &Catalog,
) -> Result<(), BackendError> {
    if !f.systems.iter().any(|s| s == system_id) {
        return Ok(());
    }
    let breaks = crate::rules::check_unassignment(landscape, f, &[system_id.to_owned()], catalog)
        .map_err(BackendError::Failed)?;
    match breaks.into_iter().next() {
        None => Ok(()),
        Some(mut v) => {
            v.message = format!(
                "without {system_id}, the formation \"{}\" would stop working as it is now (another change was made meanwhile): {}; nothing was changed",
                f.name, v.message
            );
            Err(BackendError::Refused(Box::new(v)))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The landscape itself is unreadable or invalid: an input error.
    #[error(transparent)]
    Landscape(#[from] LandscapeError),
    /// No formation with this id exists.
    #[error("no formation with the id \"{0}\" exists")]
    NoSuchFormation(String),
    /// No system with this id or name exists (neutralised).
    #[error("no system with the id or name \"{0}\" exists")]
    NoSuchSystem(String),
    /// The backend answered with an error or could not be reached.
    #[error("{0}")]
    Failed(String),
    /// The change was refused by the rules as enforced at the moment it was made (the
    /// landscape changed since it was checked): a rule, not a failure. The finding names
    /// the rule and says why in the backend's words.
    #[error("{}", .0.message)]
    Refused(Box<Finding>),
}

impl BackendError {
    pub fn exit_code(&self) -> u8 {
        use crate::error::exit;
        match self {
            BackendError::Landscape(LandscapeError::Write { .. }) => exit::BACKEND,
            BackendError::Landscape(_) | BackendError::NoSuchSystem(_) => exit::INPUT,
            BackendError::NoSuchFormation(_) | BackendError::Failed(_) => exit::BACKEND,
            BackendError::Refused(_) => exit::RULES_NOT_SATISFIED,
        }
    }
}

/// A formation the backend created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Created {
    pub id: String,
    pub status: String,
}

/// A formation's state as the backend reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormationState {
    /// `Ready`, `Draft`, `Synchronizing`, `Error`, … (display form).
    pub status: String,
    /// Error messages the backend gives for the formation or its assignments.
    pub errors: Vec<String>,
}

/// Where `create` will write: named in the header and in the confirmation before creating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A landscape file (the demo landscape is one too).
    File { path: String, demo: bool },
    /// A Director: its host and the tenant sent with every call.
    Director { host: String, tenant: String },
    /// A backend that only describes itself.
    Other(String),
}

impl Target {
    /// Where a change goes, as one phrase for the questions and the Review step: "in the
    /// file x.json (the demo landscape), global account ACME", "in tenant t-1 (global
    /// account ACME) on the Director at host". The one place this is worded.
    pub fn sentence(&self, account: Option<&str>) -> String {
        let account = account.filter(|a| !a.is_empty());
        let text = match (self, account) {
            (Target::Director { host, tenant }, Some(a)) => {
                format!("in tenant {tenant} (global account {a}) on the Director at {host}")
            }
            (Target::Director { host, tenant }, None) => {
                format!("in tenant {tenant} on the Director at {host}")
            }
            (Target::File { path, demo }, account) => {
                let what = if *demo { " (the demo landscape)" } else { "" };
                match account {
                    Some(a) => format!("in the file {path}{what}, global account {a}"),
                    None => format!("in the file {path}{what}"),
                }
            }
            (Target::Other(what), _) => format!("in {what}"),
        };
        crate::text::neutralise(&text).into_owned()
    }
}

#[async_trait]
pub trait Backend: Send + Sync {
    /// What the user sees as the source, e.g. the file path or the Director URL.
    fn describe(&self) -> String;

    /// Where a formation will be created.
    fn target(&self) -> Target {
        Target::Other(self.describe())
    }

    /// Whether this is the demo landscape (shown as DEMO).
    fn is_demo(&self) -> bool {
        false
    }

    /// Reads the systems and formations, reporting progress for large landscapes.
    async fn load(&self, catalog: &Catalog, progress: &Progress)
    -> Result<Landscape, BackendError>;

    /// Creates the formation with no systems yet (`createFormation`; in DRAFT when `draft`).
    /// A name that is taken, or a user without the role, is `Refused`. Assigning its
    /// systems, following them and undoing are the operations layer's (`crate::ops`).
    async fn create_formation(
        &self,
        plan: &FormationPlan,
        catalog: &Catalog,
        draft: bool,
        report: CallReport<'_>,
    ) -> Result<Created, BackendError>;

    /// Assigns one system to an existing formation (`assignFormation`): sent, not followed.
    async fn assign(
        &self,
        formation_id: &str,
        system_id: &str,
        catalog: &Catalog,
        report: CallReport<'_>,
    ) -> Result<(), BackendError>;

    /// Takes a system out of a formation; a system that is not a member is no error. Local:
    /// under the file lock; Director: `unassignFormation`, sent, not followed.
    async fn unassign(
        &self,
        formation_id: &str,
        system_id: &str,
        catalog: &Catalog,
    ) -> Result<(), BackendError>;

    /// `unassign` for a change the user did not accept breaking the formation: refused
    /// (`BackendError::Refused`, nothing changed) when, with the members it has right
    /// before the write, the formation would stop working without the system (a minimum
    /// count of the catalog). `seen` is the landscape the caller checked (for the systems'
    /// types). Local: checked under the file lock on the file as it is then, so two writers
    /// cannot each take out one of the last two systems. Here, for backends without a lock:
    /// on the formation's members read just before the call, which narrows the race.
    async fn unassign_keeping_rules(
        &self,
        formation_id: &str,
        system_id: &str,
        seen: &Landscape,
        catalog: &Catalog,
    ) -> Result<(), BackendError> {
        if let Some(known) = seen.formations.iter().find(|f| f.id == formation_id) {
            let mut now = known.clone();
            let members = self.members(formation_id).await?;
            if !members.is_empty() {
                // A member already being taken out (DELETING, §4.6) is leaving: it does
                // not count towards the minimum that stays.
                now.systems = members
                    .into_iter()
                    .filter(|(_, a)| !matches!(a.state.as_str(), "DELETING" | "DELETE_READY"))
                    .map(|(id, _)| id)
                    .collect();
            }
            stops_working(seen, &now, system_id, catalog)?;
        }
        self.unassign(formation_id, system_id, catalog).await
    }

    async fn status(&self, formation_id: &str) -> Result<FormationState, BackendError>;

    /// Deletes a formation that has no members left (the Director refuses one that has,
    /// §4.7): `crate::ops` takes them out first.
    async fn delete(&self, formation_id: &str) -> Result<(), BackendError>;

    /// Each member's assignment state, by system id (`READY` where the backend keeps none).
    async fn members(
        &self,
        formation_id: &str,
    ) -> Result<std::collections::BTreeMap<String, crate::landscape::Assignment>, BackendError>
    {
        let _ = formation_id;
        Ok(std::collections::BTreeMap::new())
    }

    /// The catalog with the backend's own rules where they differ from the built-in one
    /// (a Director's formation templates), and one note per difference. A backend without
    /// rules of its own answers the catalog unchanged.
    async fn rules(&self, catalog: &Catalog) -> Result<(Catalog, Vec<RuleNote>), BackendError> {
        Ok((catalog.clone(), Vec::new()))
    }

    /// Finalizes a formation in Draft; a backend without drafts answers its status.
    async fn finalize(&self, formation_id: &str) -> Result<FormationState, BackendError> {
        self.status(formation_id).await
    }

    /// Asks the backend to send a formation's notifications again (after Error); a backend
    /// without notifications answers its status.
    async fn resynchronize(&self, formation_id: &str) -> Result<FormationState, BackendError> {
        self.status(formation_id).await
    }

    /// Registers a new system (`registerApplication`); it starts `INITIAL`.
    async fn register_system(
        &self,
        new: &registration::NewSystem,
        catalog: &Catalog,
    ) -> Result<crate::landscape::System, BackendError> {
        let _ = (new, catalog);
        Err(BackendError::Failed(format!(
            "{} cannot register systems",
            self.describe()
        )))
    }

    /// `resynchronize` with `reset: true` (the template sends its notifications from the
    /// start); a backend without notifications answers its status.
    async fn resynchronize_reset(
        &self,
        formation_id: &str,
    ) -> Result<FormationState, BackendError> {
        self.resynchronize(formation_id).await
    }

    /// Requests a registration token for a system with these scenario groups (display
    /// names); the token is returned, never stored.
    async fn request_token(
        &self,
        system_id: &str,
        groups: &[String],
        catalog: &Catalog,
    ) -> Result<registration::IssuedToken, BackendError> {
        let _ = (system_id, groups, catalog);
        Err(BackendError::Failed(format!(
            "{} cannot issue registration tokens",
            self.describe()
        )))
    }

    /// One system as it is now (its condition and latest token), by id or name.
    async fn system(
        &self,
        system: &str,
        catalog: &Catalog,
    ) -> Result<crate::landscape::System, BackendError> {
        let landscape = self.load(catalog, &Progress::none()).await?;
        landscape
            .find_system(system)
            .cloned()
            .ok_or_else(|| no_such_system(system))
    }

    /// Marks a system's latest token as used and the system CONNECTED, as SAP S/4HANA Cloud
    /// does when the token is entered there. Only where the loop is rehearsed.
    async fn pair(&self, system_id: &str, catalog: &Catalog) -> Result<(), BackendError> {
        let _ = (system_id, catalog);
        Err(BackendError::Failed(format!(
            "{} is paired by the system itself: enter the token in SAP S/4HANA Cloud",
            self.describe()
        )))
    }
}

/// The error for a system that is not in the landscape.
pub fn no_such_system(system: &str) -> BackendError {
    BackendError::NoSuchSystem(crate::text::neutralise(system).into_owned())
}

/// One difference between a backend's own rules and the built-in catalog, for the
/// formation type (catalog id) it is about: said only where that type is in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleNote {
    pub type_id: String,
    pub message: String,
}

/// Where the landscape comes from, as chosen on the command line.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    Demo {
        reset: bool,
    },
    /// A Director (or the sandbox), from flags and/or a profile.
    Director(director::profile::DirectorArgs),
}

pub fn open(source: &Source) -> Result<Box<dyn Backend>, crate::error::AppError> {
    Ok(match source {
        Source::File(path) => Box::new(LocalBackend::new(path.clone(), false)),
        Source::Demo { reset } => Box::new(LocalBackend::new(crate::demo::ensure(*reset)?, true)),
        Source::Director(args) => Box::new(
            director::DirectorBackend::from_args(args).map_err(crate::error::AppError::Usage)?,
        ),
    })
}

impl Source {
    /// The options that name this landscape on the command line, for advice that the user
    /// can paste (`--landscape x.json`, `--director URL --tenant T --token-file F`); empty
    /// for the demo. Paths and names only: never a secret.
    pub fn flags(&self) -> String {
        use crate::ops::shell_word;
        let path = |p: &std::path::Path| shell_word(&p.display().to_string());
        match self {
            Source::File(p) => format!("--landscape {}", path(p)),
            Source::Demo { .. } => String::new(),
            Source::Director(args) => {
                let mut out: Vec<String> = Vec::new();
                if let Some(url) = &args.url {
                    out.push(format!("--director {}", shell_word(url)));
                }
                if let Some(t) = &args.tenant {
                    out.push(format!("--tenant {}", shell_word(t)));
                }
                if let Some(f) = &args.token_file {
                    out.push(format!("--token-file {}", path(f)));
                }
                if let Some(f) = &args.service_key {
                    out.push(format!("--service-key {}", path(f)));
                }
                if let Some(p) = &args.profile {
                    out.push(format!("--profile {}", shell_word(p)));
                }
                if args.insecure_http {
                    out.push("--insecure-http".into());
                }
                out.join(" ")
            }
        }
    }
}
