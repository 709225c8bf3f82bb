//! Where to find a Director: flags, or a named profile in
//! `$XDG_CONFIG_HOME/formation-wizard/config.toml`, flags winning over the profile. Profiles
//! hold file paths, never secrets; the file is still written with mode 0600.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::auth::Credentials;

/// The Director options as given on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectorArgs {
    pub url: Option<String>,
    pub tenant: Option<String>,
    pub token_file: Option<PathBuf>,
    pub service_key: Option<PathBuf>,
    pub profile: Option<String>,
    /// Save the resolved options under this profile name.
    pub save_profile: Option<String>,
    /// Allow plain http:// to a machine other than this one (a lab network).
    pub insecure_http: bool,
    /// The OAuth scopes a service key's token is asked for (`--scopes`, else what the
    /// command needs).
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub director: Option<String>,
    pub tenant: Option<String>,
    pub token_file: Option<PathBuf>,
    pub service_key: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// A resolved connection: where, which tenant, with what.
#[derive(Debug, Clone)]
pub struct Connection {
    pub url: String,
    pub tenant: String,
    pub credentials: Credentials,
}

/// `$XDG_CONFIG_HOME/formation-wizard/config.toml` (or the platform's config directory).
pub fn config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Some(
            PathBuf::from(dir)
                .join("formation-wizard")
                .join("config.toml"),
        );
    }
    directories::ProjectDirs::from("", "", "formation-wizard")
        .map(|d| d.config_dir().join("config.toml"))
}

fn read_config(path: &Path) -> Result<ConfigFile, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text)
            .map_err(|e| format!("the profile file {} is not valid: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(format!(
            "cannot read the profile file {}: {e}",
            path.display()
        )),
    }
}

pub fn load_profile(name: &str) -> Result<Profile, String> {
    let path = config_path().ok_or("cannot find a config directory; set XDG_CONFIG_HOME")?;
    let config = read_config(&path)?;
    config.profiles.get(name).cloned().ok_or_else(|| {
        format!(
            "no profile \"{name}\" in {}; known: {}",
            path.display(),
            if config.profiles.is_empty() {
                "none".to_owned()
            } else {
                config
                    .profiles
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )
    })
}

/// Adds or replaces a profile, writing the file atomically with mode 0600.
pub fn save_profile(name: &str, profile: &Profile) -> Result<PathBuf, String> {
    let path = config_path().ok_or("cannot find a config directory; set XDG_CONFIG_HOME")?;
    let mut config = read_config(&path)?;
    config.profiles.insert(name.to_owned(), profile.clone());
    let text = toml::to_string_pretty(&config).map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    write_private(&path, text.as_bytes())?;
    Ok(path)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| format!("cannot write the profile file {}: {e}", path.display());
    let mut tmp = tempfile::Builder::new()
        .prefix(".config-")
        .tempfile_in(dir)
        .map_err(fail)?;
    // Restrict before writing, so the content is never readable by others.
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    crate::landscape::write_atomic(path, bytes).map_err(|e| e.to_string())
}

impl DirectorArgs {
    pub fn is_set(&self) -> bool {
        self.url.is_some() || self.profile.is_some()
    }

    /// Merges the flags over the profile and reads the credentials.
    pub fn resolve(&self) -> Result<Connection, String> {
        let base = match &self.profile {
            Some(name) => load_profile(name)?,
            None => Profile::default(),
        };
        let merged = Profile {
            director: self.url.clone().or(base.director),
            tenant: self.tenant.clone().or(base.tenant),
            // A credential flag replaces the profile's credential, whichever kind.
            token_file: if self.token_file.is_some() || self.service_key.is_some() {
                self.token_file.clone()
            } else {
                base.token_file
            },
            service_key: if self.token_file.is_some() || self.service_key.is_some() {
                self.service_key.clone()
            } else {
                base.service_key
            },
        };
        if let Some(name) = &self.save_profile {
            let path = save_profile(name, &merged)?;
            eprintln!("Saved the profile \"{name}\" in {}.", path.display());
        }
        let url = merged
            .director
            .ok_or("--director URL (or a --profile with one) is needed")?;
        super::url_policy::check("--director", &url, self.insecure_http)?;
        let tenant = merged
            .tenant
            .filter(|t| !t.trim().is_empty())
            .ok_or("--tenant ID is needed with --director")?;
        let credentials = match (&merged.token_file, &merged.service_key) {
            (Some(_), Some(_)) => {
                return Err("give either --token-file or --service-key, not both".into());
            }
            (Some(file), None) => {
                crate::files::check_credential(file, "the token file")?;
                Credentials::from_token_file(file).map_err(|e| e.to_string())?
            }
            (None, Some(file)) => {
                crate::files::check_credential(file, "the service key")?;
                Credentials::from_service_key(file, &self.scopes).map_err(|e| e.to_string())?
            }
            (None, None) => Credentials::from_env().ok_or(format!(
                "no credentials for the Director: pass --token-file FILE or --service-key FILE, or set {}",
                super::auth::TOKEN_ENV
            ))?,
        };
        if let Credentials::ClientCredentials(key) = &credentials {
            super::url_policy::check(
                &format!("the \"url\" of the service key {}", key.origin),
                &key.token_endpoint(),
                self.insecure_http,
            )?;
        }
        Ok(Connection {
            url,
            tenant,
            credentials,
        })
    }
}
