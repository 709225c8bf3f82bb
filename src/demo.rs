//! The embedded demo landscape, copied on first use into the user's data directory so that
//! formations created on it persist.

use std::path::PathBuf;

pub const EMBEDDED: &str = include_str!("../assets/demo-landscape.json");

/// Overrides the data directory (tests, and administrators who keep data elsewhere).
pub const DATA_DIR_ENV: &str = "FORMATION_WIZARD_DATA_DIR";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "cannot find a data directory for the demo landscape; set {DATA_DIR_ENV} or pass --landscape FILE"
    )]
    NoDataDir,
    #[error("cannot set up the demo landscape at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub fn data_dir() -> Result<PathBuf, DemoError> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "formation-wizard")
        .map(|d| d.data_dir().to_owned())
        .ok_or(DemoError::NoDataDir)
}

/// The path of the user's demo landscape, written from the embedded copy when it does not
/// exist yet or when `reset` is asked for.
pub fn ensure(reset: bool) -> Result<PathBuf, DemoError> {
    let dir = data_dir()?;
    let path = dir.join("demo-landscape.json");
    let io = |source| DemoError::Io {
        path: path.clone(),
        source,
    };
    if reset || !path.exists() {
        std::fs::create_dir_all(&dir).map_err(io)?;
        crate::landscape::write_atomic(&path, EMBEDDED.as_bytes()).map_err(|e| match e {
            crate::landscape::LandscapeError::Write { source, .. } => io(source),
            other => io(std::io::Error::other(other.to_string())),
        })?;
    }
    Ok(path)
}
