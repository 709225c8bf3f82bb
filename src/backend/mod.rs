//! Where the landscape lives and where formations are created. The wizard and the commands
//! talk to a `Backend` and see no difference between one and another except speed.

mod local;

use std::path::PathBuf;

use async_trait::async_trait;

use crate::catalog::Catalog;
use crate::landscape::{Landscape, LandscapeError};
use crate::plan::FormationPlan;
use crate::rules::Report;

pub use local::LocalBackend;

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The landscape itself is unreadable or invalid: an input error.
    #[error(transparent)]
    Landscape(#[from] LandscapeError),
    #[error("{0}")]
    Failed(String),
}

impl BackendError {
    pub fn exit_code(&self) -> u8 {
        match self {
            BackendError::Landscape(LandscapeError::Write { .. }) => crate::error::exit::BACKEND,
            BackendError::Landscape(_) => crate::error::exit::INPUT,
            BackendError::Failed(_) => crate::error::exit::BACKEND,
        }
    }
}

/// A formation the backend created.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Created {
    pub id: String,
    pub status: String,
}

#[derive(Debug, Clone)]
pub enum CreateOutcome {
    Created(Created),
    /// Checked again against the landscape as it is now, the plan breaks a rule; nothing
    /// was changed. Carries that fresh verdict.
    Refused(Box<Report>),
}

#[async_trait]
pub trait Backend: Send + Sync {
    /// What the user sees as the source, e.g. the file path.
    fn describe(&self) -> String;

    /// Whether this is the demo landscape (shown as DEMO).
    fn is_demo(&self) -> bool {
        false
    }

    async fn load(&self, catalog: &Catalog) -> Result<Landscape, BackendError>;

    /// Creates the formation after checking the plan again against the current landscape.
    async fn create(
        &self,
        plan: &FormationPlan,
        catalog: &Catalog,
    ) -> Result<CreateOutcome, BackendError>;
}

/// Where the landscape comes from, as chosen on the command line.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    Demo { reset: bool },
}

pub fn open(source: &Source) -> Result<Box<dyn Backend>, crate::error::AppError> {
    Ok(match source {
        Source::File(path) => Box::new(LocalBackend::new(path.clone(), false)),
        Source::Demo { reset } => Box::new(LocalBackend::new(crate::demo::ensure(*reset)?, true)),
    })
}
