//! Credentials for the Director: a bearer token (from a file or the environment) or OAuth2
//! client credentials from a service key. Secrets live in `SecretString`, so `Debug` shows
//! `[REDACTED]`, and no error message here ever contains one.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::token_answer;

/// The environment variable a bearer token may come from.
pub const TOKEN_ENV: &str = "FORMATION_WIZARD_TOKEN";

/// A token is refreshed this long before it expires, so a request never carries one that
/// runs out on the way.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub enum Credentials {
    /// A bearer token; `file` is where it came from (re-read once when it is refused, in
    /// case it was rotated), `None` for the environment.
    Token {
        token: SecretString,
        file: Option<PathBuf>,
    },
    /// OAuth2 client credentials from a service key.
    ClientCredentials(ServiceKey),
    /// A bearer token `login` kept for a profile.
    Kept {
        token: SecretString,
        profile: String,
    },
}

/// The path an XSUAA token endpoint ends in, appended to a base URL.
const TOKEN_PATH: &str = "/oauth/token";
/// The path of Compass's own token endpoint (Hydra), which its credentials carry whole in
/// `url` (director-behaviour.md fact 10, §2.2).
const HYDRA_TOKEN_PATH: &str = "/oauth2/token";

impl ServiceKey {
    /// Where to ask for a token: `url` whole when it already is a token endpoint (ends in
    /// `/oauth2/token` as Compass issues them, fact 10, or `/oauth/token`), else `url` plus
    /// `/oauth/token` (an XSUAA service key's authorization server).
    pub fn token_endpoint(&self) -> String {
        let url = self.url.trim_end_matches('/');
        let path_end = url.split(['?', '#']).next().unwrap_or(url);
        if path_end.ends_with(TOKEN_PATH) || path_end.ends_with(HYDRA_TOKEN_PATH) {
            url.to_owned()
        } else {
            format!("{url}{TOKEN_PATH}")
        }
    }
}

/// The fields of a service key that matter here (`clientId`/`clientid`,
/// `clientSecret`/`clientsecret`, `url`), and the scopes its token is asked for with.
#[derive(Debug, Clone)]
pub struct ServiceKey {
    pub client_id: String,
    pub client_secret: SecretString,
    /// The authorization server (XSUAA style: the token endpoint is `<url>/oauth/token`)
    /// or, as Compass issues them, the complete token endpoint (see `token_endpoint`).
    pub url: String,
    /// Where it was read from, for messages.
    pub origin: String,
    /// Sent as `scope` (space-separated): Compass's issuer grants only what is asked for
    /// (fact 11), so an empty list gets a token without rights. Empty sends no `scope`.
    pub scopes: Vec<String>,
}

/// A service key as Compass issues it (`{clientId, clientSecret, url}`, camelCase, fact
/// 11) or as SAP BTP does (`clientid`, `clientsecret`, often nested under `uaa`).
#[derive(Deserialize)]
struct ServiceKeyFile {
    #[serde(alias = "clientId")]
    clientid: Option<String>,
    #[serde(alias = "clientSecret")]
    clientsecret: Option<SecretString>,
    url: Option<String>,
    /// Some service keys nest the credentials under `uaa`.
    uaa: Option<Box<ServiceKeyFile>>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Refused(String),
}

impl Credentials {
    /// Reads a bearer token from a file (first line, trimmed). Every read, the first and
    /// the one after a 401, goes through the credential checks: a file rotated into a FIFO,
    /// a device or an open file is refused then too.
    pub fn from_token_file(path: &Path) -> Result<Credentials, AuthError> {
        let bytes =
            crate::files::read_credential(path, "the token file").map_err(AuthError::Input)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            AuthError::Input(format!(
                "the token file {} is not UTF-8 text",
                path.display()
            ))
        })?;
        let token = first_line(&text).ok_or_else(|| {
            AuthError::Input(format!("the token file {} is empty", path.display()))
        })?;
        Ok(Credentials::Token {
            token,
            file: Some(path.to_owned()),
        })
    }

    /// The token from `FORMATION_WIZARD_TOKEN`, if set and not empty.
    pub fn from_env() -> Option<Credentials> {
        let value = std::env::var(TOKEN_ENV).ok()?;
        Some(Credentials::Token {
            token: first_line(&value)?,
            file: None,
        })
    }

    /// Reads a service key; its token will be asked for with `scopes`.
    pub fn from_service_key(path: &Path, scopes: &[String]) -> Result<Credentials, AuthError> {
        let text =
            crate::files::read_credential(path, "the service key").map_err(AuthError::Input)?;
        Credentials::from_service_key_text(&text, &path.display().to_string(), scopes)
    }

    /// The credentials `login` kept for a profile.
    pub fn from_secret(
        secret: super::secrets::Secret,
        profile: &str,
        scopes: &[String],
    ) -> Credentials {
        let origin = format!("kept for profile \"{profile}\"");
        match secret {
            super::secrets::Secret::Token(token) => Credentials::Kept {
                token,
                profile: profile.to_owned(),
            },
            super::secrets::Secret::ServiceKey {
                client_id,
                client_secret,
                url,
            } => Credentials::ClientCredentials(ServiceKey {
                client_id,
                client_secret,
                url,
                origin,
                scopes: scopes.to_vec(),
            }),
        }
    }

    /// The secret to keep for these credentials.
    pub fn to_secret(&self) -> super::secrets::Secret {
        match self {
            Credentials::Token { token, .. } | Credentials::Kept { token, .. } => {
                super::secrets::Secret::Token(token.clone())
            }
            Credentials::ClientCredentials(key) => super::secrets::Secret::ServiceKey {
                client_id: key.client_id.clone(),
                client_secret: key.client_secret.clone(),
                url: key.url.clone(),
            },
        }
    }

    /// Reads a service key's JSON (`origin` names it in messages, e.g. its path); its token
    /// will be asked for with `scopes`.
    pub fn from_service_key_text(
        text: &[u8],
        origin: &str,
        scopes: &[String],
    ) -> Result<Credentials, AuthError> {
        let bad = |why: String| AuthError::Input(format!("the service key {origin} {why}"));
        let file: ServiceKeyFile =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(text))
                .map_err(|e| bad(key_error(&e)))?;
        let file = match file.uaa {
            Some(inner) if file.clientid.is_none() => *inner,
            _ => file,
        };
        let missing = |field: &str| {
            bad(format!(
                "has no \"{field}\" field (nor its Compass spelling, camelCase)"
            ))
        };
        let url = file.url.ok_or_else(|| missing("url"))?;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(bad("has a \"url\" that is not an http(s) address".into()));
        }
        Ok(Credentials::ClientCredentials(ServiceKey {
            client_id: file.clientid.ok_or_else(|| missing("clientid"))?,
            client_secret: file.clientsecret.ok_or_else(|| missing("clientsecret"))?,
            url: url.trim_end_matches('/').to_owned(),
            origin: origin.to_owned(),
            scopes: scopes.to_vec(),
        }))
    }

    /// Says where the credentials come from, without the secret.
    pub fn describe(&self) -> String {
        match self {
            Credentials::Token { file: Some(f), .. } => format!("the token in {}", f.display()),
            Credentials::Token { file: None, .. } => format!("the token in ${TOKEN_ENV}"),
            Credentials::Kept { profile, .. } => {
                format!("the token kept for profile \"{profile}\"")
            }
            Credentials::ClientCredentials(key) => {
                format!("the client credentials of the service key {}", key.origin)
            }
        }
    }
}

/// Why a service key does not parse, by field and position only: serde's own message quotes
/// the value it did not expect ("invalid type: integer `987654321012`"), which may be the
/// secret.
fn key_error(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    use serde_json::error::Category;
    let inner = e.inner();
    let what = match inner.classify() {
        Category::Io => "could not be read to the end",
        Category::Syntax => "is not valid JSON",
        Category::Eof => "ends before its JSON is complete",
        Category::Data => "has a value of the wrong type",
    };
    let path = e.path().to_string();
    let field = if path.is_empty() || path == "." {
        String::new()
    } else {
        format!(" in the field \"{path}\"")
    };
    format!(
        "{what}{field} (line {}, column {})",
        inner.line(),
        inner.column()
    )
}

/// The `error` of an OAuth error answer, if it is one of the codes RFC 6749 §5.2 defines
/// (anything else is not repeated: it could be anything the issuer chose to say).
fn oauth_error_code(body: &[u8]) -> Option<String> {
    const KNOWN: &[&str] = &[
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    ];
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let code = value.get("error")?.as_str()?;
    KNOWN.contains(&code).then(|| code.to_owned())
}

/// What the issuer's refusal means and what to check, naming the key and never its secret.
fn refusal_sentence(
    endpoint: &str,
    key: &ServiceKey,
    status: reqwest::StatusCode,
    code: Option<&str>,
) -> String {
    let origin = &key.origin;
    match code {
        Some("invalid_client") => format!(
            "the token endpoint {endpoint} refused the client credentials of the service key {origin} (invalid_client): check its client id and secret (\"clientId\"/\"clientSecret\" or \"clientid\"/\"clientsecret\") and that its \"url\" is the issuer that created them"
        ),
        Some("invalid_scope") => format!(
            "the token endpoint {endpoint} refused the scopes asked for with the service key {origin} (invalid_scope): asked for \"{}\"; check which scopes the client was granted, and pass those with --scopes \"SCOPE ...\"",
            crate::text::neutralise(&key.scopes.join(" "))
        ),
        Some(other) => format!(
            "the token endpoint {endpoint} refused the client credentials of the service key {origin} ({other}, HTTP {status}); check the key's \"url\" and client"
        ),
        None => format!(
            "the token endpoint {endpoint} refused the client credentials of the service key {origin} (HTTP {status}); check the key's \"url\" and client"
        ),
    }
}

fn first_line(text: &str) -> Option<SecretString> {
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| SecretString::from(line.to_owned()))
}

#[derive(Debug)]
struct Cached {
    token: SecretString,
    expires_at: Option<Instant>,
}

/// Hands out the bearer token for each request, fetching and caching OAuth tokens.
#[derive(Debug)]
pub struct Auth {
    credentials: Credentials,
    http: reqwest::Client,
    cached: Mutex<Option<Cached>>,
}

impl Auth {
    /// `http` must not follow redirects: a token request is never sent on elsewhere.
    pub fn new(credentials: Credentials, http: reqwest::Client) -> Auth {
        let cached = match &credentials {
            Credentials::Token { token, .. } | Credentials::Kept { token, .. } => Some(Cached {
                token: token.clone(),
                expires_at: None,
            }),
            Credentials::ClientCredentials(_) => None,
        };
        Auth {
            credentials,
            http,
            cached: Mutex::new(cached),
        }
    }

    pub fn describe(&self) -> String {
        self.credentials.describe()
    }

    /// The token to send now, fetched or refreshed if it is missing or about to expire.
    pub async fn token(&self) -> Result<SecretString, AuthError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && c.expires_at
                .is_none_or(|at| at.saturating_duration_since(Instant::now()) > REFRESH_MARGIN)
        {
            return Ok(c.token.clone());
        }
        let fresh = self.fetch().await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// After a 401 with `refused`: gets a different token if there is a way to. Returns
    /// whether retrying makes sense.
    pub async fn refresh(&self, refused: &SecretString) -> Result<bool, AuthError> {
        let mut cached = self.cached.lock().await;
        let same = cached
            .as_ref()
            .is_some_and(|c| c.token.expose_secret() == refused.expose_secret());
        if !same {
            // Another request refreshed it meanwhile.
            return Ok(true);
        }
        let fresh = self.fetch().await?;
        let changed = fresh.token.expose_secret() != refused.expose_secret();
        *cached = Some(fresh);
        Ok(changed)
    }

    async fn fetch(&self) -> Result<Cached, AuthError> {
        match &self.credentials {
            Credentials::Token {
                file: Some(path), ..
            } => match Credentials::from_token_file(path)? {
                Credentials::Token { token, .. } => Ok(Cached {
                    token,
                    expires_at: None,
                }),
                _ => Err(AuthError::Input("unexpected credentials".into())),
            },
            Credentials::Token { token, file: None } | Credentials::Kept { token, .. } => {
                Ok(Cached {
                    token: token.clone(),
                    expires_at: None,
                })
            }
            Credentials::ClientCredentials(key) => {
                let issued = issue(&self.http, key).await.map_err(|e| e.error)?;
                Ok(Cached {
                    token: issued.token,
                    expires_at: token_answer::expires_at(Instant::now(), issued.lifetime),
                })
            }
        }
    }
}

/// A token an issuer gave, with what it said of it.
pub struct Issued {
    pub token: SecretString,
    pub lifetime: Option<Duration>,
    /// The scopes granted, when the answer says (`scope`).
    pub scope: Option<String>,
}

/// Why no token came, with the issuer's OAuth error code when it gave a known one.
#[derive(Debug)]
pub struct IssueError {
    pub code: Option<String>,
    pub error: AuthError,
}

/// One form POST to the key's token endpoint (RFC 6749 §4.4), client authenticated with
/// HTTP Basic. `http` must not follow redirects.
#[tracing::instrument(level = "info", skip_all, fields(endpoint = %super::url_policy::shown(&key.token_endpoint())))]
pub async fn issue(http: &reqwest::Client, key: &ServiceKey) -> Result<Issued, IssueError> {
    let plain = |error: AuthError| IssueError { code: None, error };
    {
        let url = key.token_endpoint();
        let endpoint = crate::text::neutralise(&super::url_policy::shown(&url)).into_owned();
        let started = Instant::now();
        // As Compass's own client asks (director-behaviour.md §2.2, fact 11): the client
        // authenticated with HTTP Basic only, and the scopes named, space-separated.
        let scope = key.scopes.join(" ");
        let mut form = vec![("grant_type", "client_credentials")];
        if !scope.is_empty() {
            form.push(("scope", scope.as_str()));
        }
        let mut answer = http
            .post(&url)
            .basic_auth(&key.client_id, Some(key.client_secret.expose_secret()))
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                plain(AuthError::Refused(format!(
                    "cannot reach the token endpoint {endpoint} of the service key {}: {}",
                    key.origin,
                    super::client::describe_reqwest(&e)
                )))
            })?;
        let status = answer.status();
        tracing::info!(
            status = status.as_u16(),
            duration_ms = started.elapsed().as_millis() as u64,
            "token request"
        );
        if !status.is_success() {
            // The OAuth error code only (RFC 6749 §5.2), never the description: an issuer
            // may echo what it was sent.
            let mut head = Vec::new();
            while let Ok(Some(chunk)) = answer.chunk().await {
                head.extend_from_slice(&chunk);
                if head.len() > token_answer::MAX_TOKEN_ANSWER_BYTES {
                    break;
                }
            }
            let code = oauth_error_code(&head);
            return Err(IssueError {
                error: AuthError::Refused(refusal_sentence(
                    &endpoint,
                    key,
                    status,
                    code.as_deref(),
                )),
                code,
            });
        }
        let unusable = |why: String| {
            plain(AuthError::Refused(format!(
                "the token endpoint {endpoint} gave no usable token: {why}"
            )))
        };
        let mut body = Vec::new();
        while let Some(chunk) = answer.chunk().await.map_err(|e| {
            unusable(format!(
                "the answer broke off ({})",
                super::client::describe_reqwest(&e)
            ))
        })? {
            if body.len() + chunk.len() > token_answer::MAX_TOKEN_ANSWER_BYTES {
                return Err(unusable(format!(
                    "the answer is larger than {} bytes",
                    token_answer::MAX_TOKEN_ANSWER_BYTES
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let parsed = token_answer::parse(&body).map_err(|e| unusable(e.0))?;
        Ok(Issued {
            token: SecretString::from(parsed.access_token),
            lifetime: parsed.lifetime,
            scope: parsed.scope,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn key_file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("key.json");
        std::fs::write(&path, text).expect("the key is written");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .expect("the key is made private");
        (dir, path)
    }

    /// Issue 23, Why 12: serde would say "invalid type: integer `987654321012`".
    #[test]
    fn why23_12_a_numeric_secret_is_not_quoted() {
        let (_dir, path) = key_file(
            r#"{"clientid": "sb-1", "clientsecret": 987654321012, "url": "https://x.example"}"#,
        );
        let err = Credentials::from_service_key(&path, &[])
            .expect_err("a number is no secret")
            .to_string();
        assert!(!err.contains("987654321012"), "{err}");
        assert!(
            err.contains("clientsecret") && err.contains("line 1"),
            "{err}"
        );

        let (_dir, path) = key_file(r#"{"uaa": {"clientid": ["s3cr3t-id"], "url": 1}}"#);
        let err = Credentials::from_service_key(&path, &[])
            .expect_err("a list is no client id")
            .to_string();
        assert!(!err.contains("s3cr3t-id"), "{err}");
        assert!(err.contains("uaa.clientid"), "{err}");

        let (_dir, path) = key_file(r#"{"clientsecret": "abc"#);
        let err = Credentials::from_service_key(&path, &[])
            .expect_err("a cut key")
            .to_string();
        assert!(!err.contains("abc"), "{err}");
    }
}
