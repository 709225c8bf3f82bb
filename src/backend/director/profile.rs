//! Where to find a Director: flags, or a named profile in
//! `$XDG_CONFIG_HOME/formation-wizard/config.toml`, flags winning over the profile. Profiles
//! hold file paths and where `login` kept the secret (`secrets.rs`), never a secret; the file
//! is still written with mode 0600. Which profile a command uses when no source flag is
//! given: `$FORMATION_WIZARD_PROFILE`, else the file's `default` (the first `login`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::auth::Credentials;
use super::secrets::{self, Kept};

/// The environment variable that names the profile to use when no source flag is given.
pub const PROFILE_ENV: &str = "FORMATION_WIZARD_PROFILE";

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
    /// Whether `scopes` came from `--scopes` (asked for as given, not narrowed).
    pub scopes_given: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub director: Option<String>,
    pub tenant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_key: Option<PathBuf>,
    /// Where `login` kept the secret (the OS keyring or the private file); never the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<Kept>,
    /// What the secret is, in words ("a service key (Compass form)", "a token").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// The scopes the credentials were found to carry at `login`; a command asks a service
    /// key's issuer for the ones it needs among these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// When the kept token expires (seconds since 1970), when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<i64>,
    /// How long a token from the service key lasted at `login`, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_lifetime: Option<u64>,
    /// `login --insecure-http` was given: a plain http:// Director on another machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_http: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ConfigFile {
    /// The profile used when no source flag and no `$FORMATION_WIZARD_PROFILE` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// How the profile in use was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    Flag,
    Env,
    Default,
}

impl Chosen {
    pub fn words(self) -> &'static str {
        match self {
            Chosen::Flag => "given with --profile",
            Chosen::Env => "named by $FORMATION_WIZARD_PROFILE",
            Chosen::Default => "the default profile",
        }
    }
}

/// The profile a command uses when no landscape or Director flag is given: `flag`, else
/// `$FORMATION_WIZARD_PROFILE`, else the config file's default; None means the demo.
pub fn chosen(flag: Option<&str>) -> Result<Option<(String, Chosen)>, String> {
    if let Some(name) = flag {
        return Ok(Some((name.to_owned(), Chosen::Flag)));
    }
    if let Some(name) = std::env::var(PROFILE_ENV)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    {
        return Ok(Some((name, Chosen::Env)));
    }
    let Some(path) = config_path() else {
        return Ok(None);
    };
    Ok(read_config(&path)?.default.map(|d| (d, Chosen::Default)))
}

/// A profile's name must be usable as a file name: letters, digits, `.`, `_`, `-`, 1 to 64
/// of them, not starting with `.`.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{}\" cannot be a profile name: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'",
            crate::text::neutralise(name)
        ))
    }
}

/// Saves a profile `login` checked, and makes it the default when there is none yet.
/// Returns the config file's path and whether the profile is now the default.
pub fn save_login(name: &str, profile: &Profile) -> Result<(PathBuf, bool), String> {
    let path = config_path().ok_or("cannot find a config directory; set XDG_CONFIG_HOME")?;
    let mut config = read_config(&path)?;
    config.profiles.insert(name.to_owned(), profile.clone());
    let default = match &config.default {
        Some(d) if config.profiles.contains_key(d) => d == name,
        _ => {
            config.default = Some(name.to_owned());
            true
        }
    };
    write_config(&path, &config)?;
    Ok((path, default))
}

/// Takes a profile out of the config file (and out of `default`); returns whether it was
/// there and whether it was the default.
pub fn remove_profile(name: &str) -> Result<(bool, bool), String> {
    let path = config_path().ok_or("cannot find a config directory; set XDG_CONFIG_HOME")?;
    let mut config = read_config(&path)?;
    let was = config.profiles.remove(name).is_some();
    let was_default = config.default.as_deref() == Some(name);
    if was_default {
        config.default = None;
    }
    if was || was_default {
        write_config(&path, &config)?;
    }
    Ok((was, was_default))
}

fn write_config(path: &Path, config: &ConfigFile) -> Result<(), String> {
    let text = toml::to_string_pretty(config).map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    write_private(path, text.as_bytes())
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
    write_config(&path, &config)?;
    Ok(path)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    crate::files::write_private(path, bytes, ".config-")
        .map_err(|e| format!("cannot write the profile file {}: {e}", path.display()))
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
        let flagged = self.token_file.is_some() || self.service_key.is_some();
        // The secret `login` kept, unless a credential flag replaces it.
        let kept = match (&self.profile, base.secret) {
            (Some(name), Some(kept)) if !flagged => Some((name.clone(), kept)),
            _ => None,
        };
        // A service key's token is asked for the scopes the command needs among those the
        // credentials were found to carry at login, so a read-only client still reads.
        let scopes: Vec<String> = match &base.scopes {
            Some(granted) if kept.is_some() && !self.scopes_given => self
                .scopes
                .iter()
                .filter(|s| super::jwt::holds(granted, s))
                .cloned()
                .collect(),
            _ => self.scopes.clone(),
        };
        let insecure_http = self.insecure_http || base.insecure_http == Some(true);
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
            ..Profile::default()
        };
        if let Some(name) = &self.save_profile {
            let path = save_profile(name, &merged)?;
            eprintln!("Saved the profile \"{name}\" in {}.", path.display());
        }
        let url = merged
            .director
            .ok_or("--director URL (or a --profile with one) is needed")?;
        super::url_policy::check("--director", &url, insecure_http)?;
        let tenant = merged
            .tenant
            .filter(|t| !t.trim().is_empty())
            .ok_or("--tenant ID is needed with --director")?;
        let credentials = match (&kept, &merged.token_file, &merged.service_key) {
            (Some((name, kept)), _, _) => {
                Credentials::from_secret(secrets::load(name, *kept)?, name, &scopes)
            }
            (None, Some(_), Some(_)) => {
                return Err("give either --token-file or --service-key, not both".into());
            }
            (None, Some(file), None) => {
                crate::files::check_credential(file, "the token file")?;
                Credentials::from_token_file(file).map_err(|e| e.to_string())?
            }
            (None, None, Some(file)) => {
                crate::files::check_credential(file, "the service key")?;
                Credentials::from_service_key(file, &scopes).map_err(|e| e.to_string())?
            }
            (None, None, None) => Credentials::from_env().ok_or(format!(
                "no credentials for the Director: pass --token-file FILE or --service-key FILE, or set {}",
                super::auth::TOKEN_ENV
            ))?,
        };
        if let Credentials::ClientCredentials(key) = &credentials {
            super::url_policy::check(
                &format!("the \"url\" of the service key {}", key.origin),
                &key.token_endpoint(),
                insecure_http,
            )?;
        }
        Ok(Connection {
            url,
            tenant,
            credentials,
        })
    }
}
