//! Where `login` keeps a profile's secret (a service key's client credentials, or a bearer
//! token): the OS keyring when there is one (macOS Keychain, Windows Credential Manager, the
//! Secret Service on Linux), else a private file, `secrets/NAME.json` (mode 0600, in a
//! directory of mode 0700) beside `config.toml`. Never in `config.toml`, never in a message
//! or a log: every text here names where a secret is, not what it is.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Set to `off` to keep secrets in the private file even where an OS keyring exists (tests,
/// machines whose keyring asks for a password on every use).
pub const KEYRING_ENV: &str = "FORMATION_WIZARD_KEYRING";

/// The keyring's service name; the account is the profile's name.
const SERVICE: &str = "formation-wizard";

/// A profile's secret.
#[derive(Clone)]
pub enum Secret {
    /// OAuth2 client credentials and the issuer they are for.
    ServiceKey {
        client_id: String,
        client_secret: SecretString,
        url: String,
    },
    /// A bearer token.
    Token(SecretString),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::ServiceKey { url, .. } => write!(f, "ServiceKey({url}, [REDACTED])"),
            Secret::Token(_) => f.write_str("Token([REDACTED])"),
        }
    }
}

/// The stored form: JSON, so that a secret of either kind fits one keyring entry.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Stored {
    ServiceKey {
        client_id: String,
        client_secret: SecretString,
        url: String,
    },
    Token {
        token: SecretString,
    },
}

impl Secret {
    fn to_json(&self) -> SecretString {
        let value = match self {
            Secret::ServiceKey {
                client_id,
                client_secret,
                url,
            } => serde_json::json!({
                "kind": "service_key",
                "client_id": client_id,
                "client_secret": client_secret.expose_secret(),
                "url": url,
            }),
            Secret::Token(token) => serde_json::json!({
                "kind": "token",
                "token": token.expose_secret(),
            }),
        };
        SecretString::from(value.to_string())
    }

    /// Reads the stored form; the error names `origin`, never a value.
    fn from_json(text: &[u8], origin: &str) -> Result<Secret, String> {
        match serde_json::from_slice::<Stored>(text) {
            Ok(Stored::ServiceKey {
                client_id,
                client_secret,
                url,
            }) => Ok(Secret::ServiceKey {
                client_id,
                client_secret,
                url,
            }),
            Ok(Stored::Token { token }) => Ok(Secret::Token(token)),
            Err(_) => Err(format!(
                "the secret in {origin} is not one formation-wizard wrote; run `formation-wizard login` again"
            )),
        }
    }
}

/// Where a secret is kept (recorded in the profile, so that reading it goes straight there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kept {
    Keyring,
    File,
}

/// Whether the OS keyring may be tried (not when `FORMATION_WIZARD_KEYRING=off`).
pub fn keyring_allowed() -> bool {
    !std::env::var(KEYRING_ENV).is_ok_and(|v| v.trim().eq_ignore_ascii_case("off"))
}

/// `secrets/` beside `config.toml`.
pub fn secrets_dir() -> Option<PathBuf> {
    super::profile::config_path().and_then(|p| p.parent().map(|d| d.join("secrets")))
}

/// The private file of `profile`'s secret.
pub fn file_of(profile: &str) -> Result<PathBuf, String> {
    secrets_dir()
        .map(|d| d.join(format!("{profile}.json")))
        .ok_or_else(|| "cannot find a config directory; set XDG_CONFIG_HOME".to_owned())
}

/// Where the secret of `profile` is, in words (no secret).
pub fn describe(kept: Kept, profile: &str) -> String {
    match kept {
        Kept::Keyring => format!("the OS keyring (service \"{SERVICE}\", account \"{profile}\")"),
        Kept::File => match file_of(profile) {
            Ok(path) => format!("the private file {} (mode 0600)", path.display()),
            Err(e) => e,
        },
    }
}

fn entry(profile: &str) -> keyring::Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, profile)
}

/// Keeps `secret` for `profile`: in the OS keyring when one answers, else in the private
/// file. Returns where it went; when the keyring was tried and failed, also why (for the
/// user to read: the error names the platform's failure, never the secret).
pub fn save(profile: &str, secret: &Secret) -> Result<(Kept, Option<String>), String> {
    let json = secret.to_json();
    let mut keyring_failure = None;
    if keyring_allowed() {
        match entry(profile).and_then(|e| e.set_password(json.expose_secret())) {
            Ok(()) => {
                // An older copy in the file would outlive a later logout's intent.
                let _ = remove_file(profile);
                return Ok((Kept::Keyring, None));
            }
            Err(e) => keyring_failure = Some(keyring_words(&e)),
        }
    }
    write_file(profile, json.expose_secret().as_bytes())?;
    Ok((Kept::File, keyring_failure))
}

/// The keyring's failure in words; `keyring`'s own messages name the platform's error only.
fn keyring_words(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            "no OS keyring answered (on Linux: no Secret Service on the session bus)".into()
        }
        other => format!("the OS keyring refused it ({other})"),
    }
}

/// The secret of `profile`, from where the profile says it is.
pub fn load(profile: &str, kept: Kept) -> Result<Secret, String> {
    let missing = || {
        format!(
            "the secret of profile \"{profile}\" is no longer in {}; run `formation-wizard login --profile {profile}` again",
            describe(kept, profile)
        )
    };
    match kept {
        Kept::Keyring => {
            let text = entry(profile)
                .and_then(|e| e.get_password())
                .map_err(|e| match e {
                    keyring::Error::NoEntry => missing(),
                    other => format!(
                        "cannot read the secret of profile \"{profile}\" from the OS keyring: {}",
                        keyring_words(&other)
                    ),
                })?;
            Secret::from_json(text.as_bytes(), &describe(kept, profile))
        }
        Kept::File => {
            let path = file_of(profile)?;
            if !path.exists() {
                return Err(missing());
            }
            let bytes = crate::files::read_credential(&path, "the secret file")?;
            Secret::from_json(&bytes, &path.display().to_string())
        }
    }
}

/// Removes the secret of `profile` wherever it is (keyring and file); returns the places
/// it was removed from, in words.
pub fn remove(profile: &str) -> Result<Vec<String>, String> {
    let mut removed = Vec::new();
    if keyring_allowed()
        && let Ok(e) = entry(profile)
        && e.delete_credential().is_ok()
    {
        removed.push(describe(Kept::Keyring, profile));
    }
    if remove_file(profile)? {
        removed.push(describe(Kept::File, profile));
    }
    Ok(removed)
}

fn remove_file(profile: &str) -> Result<bool, String> {
    let path = file_of(profile)?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
    }
}

/// Writes the secret file: the directory made (or kept) 0700, the file created 0600 before
/// a byte is written, then renamed into place.
#[cfg(unix)]
fn write_file(profile: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    let path = file_of(profile)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::files::private_dir(dir)
        .map_err(|e| format!("cannot make the private directory {}: {e}", dir.display()))?;
    crate::files::write_private(&path, bytes, ".secret-")
        .map_err(|e| format!("cannot write the secret file {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(not(unix))]
fn write_file(profile: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    let path = file_of(profile)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    crate::landscape::write_atomic(&path, bytes).map_err(|e| e.to_string())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_debug_form_shows_no_secret() {
        let s = Secret::ServiceKey {
            client_id: "id".into(),
            client_secret: SecretString::from("hush-1".to_owned()),
            url: "https://x.example".into(),
        };
        assert!(!format!("{s:?}").contains("hush-1"));
        let t = Secret::Token(SecretString::from("hush-2".to_owned()));
        assert!(!format!("{t:?}").contains("hush-2"));
    }

    #[test]
    fn the_stored_form_reads_back_and_a_bad_one_is_named_without_its_content() {
        let s = Secret::Token(SecretString::from("hush-3".to_owned()));
        let json = s.to_json();
        match Secret::from_json(json.expose_secret().as_bytes(), "here") {
            Ok(Secret::Token(t)) => assert_eq!(t.expose_secret(), "hush-3"),
            other => panic!("{other:?}"),
        }
        let e = Secret::from_json(br#"{"kind":"other","token":"hush-4"}"#, "here").unwrap_err();
        assert!(e.contains("here") && !e.contains("hush-4"), "{e}");
    }
}
