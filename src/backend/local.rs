//! The `local` backend: a landscape file. Creating takes an advisory lock, re-reads and
//! re-checks the file under it, and replaces the file atomically.

use std::fs::File;
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::{Backend, BackendError, CreateOutcome, Created};
use crate::catalog::Catalog;
use crate::landscape::{self, Formation, Landscape, LandscapeError};
use crate::plan::FormationPlan;
use crate::rules;

pub struct LocalBackend {
    path: PathBuf,
    demo: bool,
}

impl LocalBackend {
    pub fn new(path: PathBuf, demo: bool) -> Self {
        LocalBackend { path, demo }
    }

    pub fn path(&self) -> &Path {
        &self.path
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

    async fn load(&self, catalog: &Catalog) -> Result<Landscape, BackendError> {
        let path = self.path.clone();
        let catalog = catalog.clone();
        blocking(move || Ok(Landscape::load(&path, &catalog)?)).await
    }

    async fn create(
        &self,
        plan: &FormationPlan,
        catalog: &Catalog,
    ) -> Result<CreateOutcome, BackendError> {
        let path = self.path.clone();
        let plan = plan.clone();
        let catalog = catalog.clone();
        blocking(move || create_locked(&path, &plan, &catalog)).await
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BackendError> + Send + 'static,
) -> Result<T, BackendError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BackendError::Failed(format!("the file worker stopped: {e}")))?
}

/// Creates the formation while holding the landscape's lock file, so that two writers
/// cannot both take the same system.
pub fn create_locked(
    path: &Path,
    plan: &FormationPlan,
    catalog: &Catalog,
) -> Result<CreateOutcome, BackendError> {
    let _lock = lock(path)?;
    let fresh = Landscape::load(path, catalog)?;
    let report = rules::evaluate(plan, &fresh, catalog);
    if !report.valid {
        return Ok(CreateOutcome::Refused(Box::new(report)));
    }
    let ftype = catalog
        .by_id(&plan.type_id)
        .ok_or_else(|| BackendError::Failed(format!("unknown formation type {}", plan.type_id)))?;
    let formation = Formation {
        id: new_formation_id(&fresh),
        name: plan.name.clone(),
        type_name: ftype.name.clone(),
        systems: plan.systems.clone(),
        status: Some("Ready".into()),
        type_id: ftype.id.clone(),
    };
    landscape::append_formation(path, &formation)?;
    Ok(CreateOutcome::Created(Created {
        id: formation.id,
        status: "Ready".into(),
    }))
}

/// An exclusive advisory lock on `<file>.lock` beside the landscape; released on drop.
/// A separate file, because the landscape itself is replaced by rename on every write.
fn lock(path: &Path) -> Result<File, BackendError> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let err = |source| LandscapeError::Write {
        path: lock_path.clone(),
        source,
    };
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(err)?;
    file.lock().map_err(err)?;
    Ok(file)
}

fn new_formation_id(landscape: &Landscape) -> String {
    loop {
        let id = format!("f-{}", uuid::Uuid::new_v4().simple());
        if !landscape.formations.iter().any(|f| f.id == id) {
            return id;
        }
    }
}
