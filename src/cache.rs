//! The last landscape read from a Director, kept so that the next start shows it at once
//! while the fresh read is on its way (issue 22, point 3).
//!
//! One private file per Director and tenant under `$XDG_CACHE_HOME/formation-wizard/`
//! (0600 in a 0700 directory). It holds what `load` returned: systems, formations, the
//! global account and the user — never a token, a secret or a registration token. It is
//! read back through the landscape file reader, so a cache file that was tampered with is
//! refused or neutralised exactly as a landscape file would be.
//!
//! Nothing is ever changed on cached data: the TUI refuses changes until the fresh
//! landscape is in, and the operations layer reads what it needs from the Director anyway.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::backend::Target;
use crate::catalog::Catalog;
use crate::landscape::{Formation, GlobalAccount, Landscape, System, User};

/// A cache file larger than this is not read (a landscape of 100,000 systems is ~20 MB).
const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// The cache file's format; a file of another format is ignored and replaced.
const FORMAT: u32 = 1;

/// Where the last landscape of one source is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    path: PathBuf,
}

/// A landscape read back from the cache, with when it was read from the Director.
#[derive(Debug)]
pub struct Cached {
    pub landscape: Landscape,
    pub read_at: SystemTime,
}

impl Cached {
    /// "14:02 UTC", or with the date when it is not from today.
    pub fn when(&self, now: SystemTime) -> String {
        when(self.read_at, now)
    }
}

#[derive(Serialize)]
struct FileOut<'a> {
    format: u32,
    /// The source in words, for a person who opens the file.
    source: &'a str,
    read_at: u64,
    landscape: LandscapeOut<'a>,
}

#[derive(Serialize)]
struct LandscapeOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    global_account: Option<&'a GlobalAccount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a User>,
    systems: &'a [System],
    formations: &'a [Formation],
}

#[derive(Deserialize)]
struct FileIn<'a> {
    format: u32,
    read_at: u64,
    #[serde(borrow)]
    landscape: &'a RawValue,
}

/// Why the cache was not used or not written; said in the log, never in the way.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot read the cache file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the cache file {path} is not private (mode {mode:o}); it is not used")]
    NotPrivate { path: PathBuf, mode: u32 },
    #[error("the cache file {path} cannot be used: {problem}")]
    Invalid { path: PathBuf, problem: String },
    #[error("cannot write the cache file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Cache {
    /// The cache of a Director source, in the platform's cache directory; `None` for a
    /// landscape file (reading it is as fast as reading a copy) or without a cache directory.
    pub fn for_target(target: &Target) -> Option<Cache> {
        Cache::in_dir(&cache_dir()?, target)
    }

    /// The cache of `target` under `dir` (tests give their own directory).
    pub fn in_dir(dir: &Path, target: &Target) -> Option<Cache> {
        let Target::Director { host, tenant } = target else {
            return None;
        };
        // The name says nothing about the tenant to someone listing the directory.
        let digest = Sha256::digest(format!("director\n{host}\n{tenant}").as_bytes());
        let name: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Some(Cache {
            path: dir.join(format!("landscape-{name}.json")),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last landscape, or `Ok(None)` when there is none yet.
    pub fn read(&self, catalog: &Catalog) -> Result<Option<Cached>, CacheError> {
        let bytes = match std::fs::symlink_metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(self.read_error(source)),
            Ok(meta) => {
                check_private(&self.path, &meta)?;
                crate::files::read_regular(&self.path, MAX_BYTES)
                    .map_err(|source| self.read_error(source))?
            }
        };
        let invalid = |problem: String| CacheError::Invalid {
            path: self.path.clone(),
            problem,
        };
        let file: FileIn<'_> =
            serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
        if file.format != FORMAT {
            return Err(invalid(format!("format {} is not {FORMAT}", file.format)));
        }
        let origin = format!("cache file {}", self.path.display());
        let landscape = Landscape::parse(file.landscape.get().as_bytes(), &origin, catalog)
            .map_err(|e| invalid(e.to_string()))?;
        Ok(Some(Cached {
            landscape,
            read_at: UNIX_EPOCH + Duration::from_secs(file.read_at),
        }))
    }

    /// Keeps `landscape` as read at `read_at`: a private file, replaced whole.
    pub fn write(
        &self,
        landscape: &Landscape,
        source: &str,
        read_at: SystemTime,
    ) -> Result<(), CacheError> {
        let write_error = |source| CacheError::Write {
            path: self.path.clone(),
            source,
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        crate::files::private_dir(dir).map_err(write_error)?;
        let out = FileOut {
            format: FORMAT,
            source,
            read_at: read_at
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            landscape: LandscapeOut {
                global_account: landscape.global_account.as_ref(),
                user: landscape.user.as_ref(),
                systems: &landscape.systems,
                formations: &landscape.formations,
            },
        };
        let bytes = serde_json::to_vec(&out).map_err(|e| write_error(std::io::Error::other(e)))?;
        crate::files::write_private(&self.path, &bytes, ".landscape-").map_err(write_error)
    }

    fn read_error(&self, source: std::io::Error) -> CacheError {
        CacheError::Read {
            path: self.path.clone(),
            source,
        }
    }
}

/// `$FORMATION_WIZARD_CACHE_DIR`, else `$XDG_CACHE_HOME/formation-wizard`, else the
/// platform's cache directory.
pub fn cache_dir() -> Option<PathBuf> {
    let set = |name| std::env::var_os(name).filter(|d: &std::ffi::OsString| !d.is_empty());
    if let Some(dir) = set("FORMATION_WIZARD_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = set("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("formation-wizard"));
    }
    directories::ProjectDirs::from("", "", "formation-wizard").map(|d| d.cache_dir().to_owned())
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<(), CacheError> {
    use std::os::unix::fs::MetadataExt;
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CacheError::NotPrivate {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path, _: &std::fs::Metadata) -> Result<(), CacheError> {
    Ok(())
}

/// "14:02 UTC" on the same day, "2026-12-03 14:02 UTC" before.
fn when(read_at: SystemTime, now: SystemTime) -> String {
    let secs = |t: SystemTime| {
        t.duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    };
    let (then, today) = (secs(read_at), secs(now));
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(i64::try_from(then).unwrap_or(0)) else {
        return "an unknown time".into();
    };
    let clock = format!("{:02}:{:02} UTC", at.hour(), at.minute());
    if then / 86_400 == today / 86_400 {
        clock
    } else {
        format!(
            "{}-{:02}-{:02} {clock}",
            at.year(),
            u8::from(at.month()),
            at.day()
        )
    }
}

#[cfg(test)]
mod tests;
