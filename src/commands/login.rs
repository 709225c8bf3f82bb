//! `login`, `login --status` and `logout`: connect to a Director once. `login` gets a token,
//! reads the templates and one page of systems, says what the credentials allow (from the
//! scopes the token or the issuer names, else by probes that change nothing), keeps the
//! secret (`secrets.rs`: OS keyring, else a private file) and saves the profile; refused
//! credentials save nothing.

use std::io::IsTerminal;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

use crate::backend::BackendError;
use crate::backend::director::DirectorBackend;
use crate::backend::director::auth::{self, Credentials, ServiceKey};
use crate::backend::director::client::{CallError, Client, Options};
use crate::backend::director::errors;
use crate::backend::director::first_look::{FirstLook, Probe};
use crate::backend::director::jwt;
use crate::backend::director::profile::{self, Connection, Profile};
use crate::backend::director::secrets;
use crate::cli::LoginArgs;
use crate::error::AppError;

/// The profile name when none is given.
pub const DEFAULT_PROFILE: &str = "default";

/// Every scope `login` asks a service key's issuer for (director-behaviour.md §2.3).
const WANTED: &[&str] = &[
    "application:read",
    "formation:read",
    "formation_template:read",
    "formation:write",
    "application:write",
    "formation.state:write",
    "application.auths:read",
];

/// What was given: where, which tenant, with what.
struct Given {
    director: String,
    tenant: String,
    credential: Credential,
}

enum Credential {
    /// A service key's JSON and where it came from ("the file F", "pasted").
    ServiceKey { text: SecretString, origin: String },
    /// A bearer token and the file it came from, if any.
    Token {
        token: SecretString,
        file: Option<PathBuf>,
    },
}

fn refused(message: String) -> AppError {
    AppError::Backend(BackendError::Failed(message))
}

pub async fn login(args: &LoginArgs) -> Result<u8, AppError> {
    if args.status {
        return status(args.profile.as_deref());
    }
    let name = args
        .profile
        .clone()
        .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
    profile::check_name(&name).map_err(AppError::Usage)?;
    let given = gather(args).await?;
    crate::backend::director::url_policy::check("--director", &given.director, args.insecure_http)
        .map_err(AppError::Usage)?;

    // The token, and what it or its issuer says it may do.
    let http = Client::http(&Options::default()).map_err(AppError::Usage)?;
    let mut lines = Vec::new();
    let (credentials, kind, granted, expires, lifetime) = match &given.credential {
        Credential::ServiceKey { text, origin } => {
            let key = match Credentials::from_service_key_text(
                text.expose_secret().as_bytes(),
                origin,
                &[],
            )
            .map_err(|e| AppError::Usage(e.to_string()))?
            {
                Credentials::ClientCredentials(key) => key,
                _ => return Err(AppError::Usage("not a service key".into())),
            };
            crate::backend::director::url_policy::check(
                &format!("the \"url\" of the service key {origin}"),
                &key.token_endpoint(),
                args.insecure_http,
            )
            .map_err(AppError::Usage)?;
            let kind = format!("a service key ({} form)", key_form(text));
            let (key, issued) = negotiate(&http, key).await?;
            let claims = jwt::claims(issued.token.expose_secret());
            let granted = claims
                .as_ref()
                .and_then(|c| c.scopes.clone())
                .or_else(|| {
                    issued
                        .scope
                        .as_ref()
                        .map(|s| s.split_whitespace().map(str::to_owned).collect())
                })
                .or_else(|| (!key.scopes.is_empty()).then(|| key.scopes.clone()));
            lines.push(format!(
                "✓ got a token from {} for the scopes {}",
                crate::backend::director::url_policy::shown(&key.token_endpoint()),
                match &granted {
                    Some(g) => crate::text::neutralise(&g.join(" ")).into_owned(),
                    None => "the issuer grants by default (it does not name them)".into(),
                }
            ));
            let lifetime = issued.lifetime.map(|d| d.as_secs());
            (
                Credentials::ClientCredentials(key),
                kind,
                granted,
                None,
                lifetime,
            )
        }
        Credential::Token { token, file } => {
            let claims = jwt::claims(token.expose_secret());
            let credentials = match file {
                Some(path) => Credentials::Token {
                    token: token.clone(),
                    file: Some(path.clone()),
                },
                None => Credentials::Kept {
                    token: token.clone(),
                    profile: name.clone(),
                },
            };
            let kind = if claims.is_some() {
                "a token (JWT)"
            } else {
                "a token"
            };
            (
                credentials,
                kind.to_owned(),
                claims.as_ref().and_then(|c| c.scopes.clone()),
                claims.as_ref().and_then(|c| c.expires),
                None,
            )
        }
    };
    if let Some(exp) = expires
        && exp <= now()
    {
        return Err(refused(format!(
            "the token expired at {}; get a new one (nothing was saved)",
            when(exp)
        )));
    }

    // The first reads: refused credentials stop here, and nothing is saved.
    let backend = DirectorBackend::connect(
        Connection {
            url: given.director.clone(),
            tenant: given.tenant.clone(),
            credentials: credentials.clone(),
        },
        Options::default(),
    )
    .map_err(AppError::Usage)?;
    let FirstLook { templates, systems } = backend.first_look().await;
    let systems = match systems {
        Ok(page) => page,
        Err(e) => return Err(refused(first_read_failure(&e, &given))),
    };
    lines.push(format!(
        "✓ read systems (application:read): {} of {} on the first page",
        systems.shown, systems.total
    ));
    match &templates {
        Ok(n) => lines.push(format!(
            "✓ read formation templates (formation_template:read): {n}"
        )),
        Err(e) => lines.push(format!(
            "✗ read formation templates (formation_template:read): {}: the server's rules cannot be read; the built-in catalog is used",
            crate::text::neutralise(&e.to_string())
        )),
    }

    // What the credentials allow.
    let has = |scope: &str| granted.as_ref().map(|g| jwt::holds(g, scope));
    let auths = match (systems.auths_visible, has("application.auths:read")) {
        (Some(seen), _) => Probe::from(seen),
        (None, Some(named)) => Probe::from(named),
        (None, None) => {
            Probe::Unknown("no system on the first page has a registration token to tell by".into())
        }
    };
    let write = match has("formation:write") {
        Some(named) => Probe::from(named),
        None => backend.probe_formation_write().await,
    };
    let drafts = match has("formation.state:write") {
        Some(named) => Probe::from(named),
        None => backend.probe_state_write().await,
    };
    let register = match has("application:write") {
        Some(named) => Probe::from(named),
        None => Probe::Unknown("not checked: the token does not name its scopes".into()),
    };
    let mut missing = Vec::new();
    for (probe, what, scope, meaning) in [
        (
            &auths,
            "read registration tokens",
            "application.auths:read",
            "the check cannot see which scenario groups a system's token carries; the Director decides when the system is assigned",
        ),
        (
            &write,
            "create and change formations",
            "formation:write",
            "cannot create formations with these credentials (nor assign, unassign, resync, finalize or delete)",
        ),
        (
            &drafts,
            "create drafts",
            "formation.state:write",
            "cannot create a formation as a draft (create --draft)",
        ),
        (
            &register,
            "register systems and request their tokens",
            "application:write",
            "cannot register systems or request registration tokens with these credentials",
        ),
    ] {
        lines.push(match probe {
            Probe::Allowed => format!("✓ {what} ({scope})"),
            Probe::Missing => {
                missing.push(scope);
                format!("✗ {what} ({scope}) is missing: {meaning}")
            }
            Probe::Unknown(why) => format!(
                "? {what} ({scope}): not known ({})",
                crate::text::neutralise(why)
            ),
        });
    }

    // Keep the secret, then save the profile that points at it.
    let (kept, keyring_failure) =
        secrets::save(&name, &credentials.to_secret()).map_err(AppError::Usage)?;
    let saved = Profile {
        director: Some(given.director.clone()),
        tenant: Some(given.tenant.clone()),
        secret: Some(kept),
        credential: Some(kind.clone()),
        scopes: granted.clone(),
        expires,
        token_lifetime: lifetime,
        insecure_http: args.insecure_http.then_some(true),
        ..Profile::default()
    };
    let (path, is_default) = match profile::save_login(&name, &saved) {
        Ok(done) => done,
        Err(e) => {
            // A secret no profile points at would outlive every logout.
            let _ = secrets::remove(&name);
            return Err(AppError::Usage(e));
        }
    };

    let mut out = format!(
        "Logged in to {} (tenant {}) with {kind}.\n",
        crate::backend::director::url_policy::shown(&given.director),
        crate::text::neutralise(&given.tenant)
    );
    for line in &lines {
        out.push_str(&format!("  {line}\n"));
    }
    if missing.is_empty() {
        out.push_str("These credentials can do everything the wizard does.\n");
    } else {
        out.push_str(&format!(
            "Missing: {}. Ask the global account's administrator for credentials with them.\n",
            missing.join(", ")
        ));
    }
    out.push_str(&format!(
        "Saved the profile \"{name}\" in {}{}.\n",
        path.display(),
        if is_default {
            "; it is the default: commands use it when no source flag is given"
        } else {
            ""
        }
    ));
    if !is_default {
        out.push_str(&format!(
            "Use it with --profile {name} or FORMATION_WIZARD_PROFILE={name}.\n"
        ));
    }
    out.push_str(&format!(
        "The secret is kept in {}{}.\n",
        secrets::describe(kept, &name),
        keyring_failure
            .map(|why| format!(": {why}"))
            .unwrap_or_default()
    ));
    out.push_str(&expiry_words(expires, lifetime));
    out.push('\n');
    out.push_str(&format!(
        "Next: `formation-wizard doctor{}` checks the prerequisites of a Task Center formation.\n",
        if is_default {
            String::new()
        } else {
            format!(" --profile {name}")
        }
    ));
    print!("{out}");
    Ok(crate::error::exit::OK)
}

impl From<bool> for Probe {
    fn from(yes: bool) -> Probe {
        if yes { Probe::Allowed } else { Probe::Missing }
    }
}

/// Why the first read failed, saying which: refused token, unknown tenant, no read scope,
/// or not reachable.
fn first_read_failure(e: &CallError, given: &Given) -> String {
    let tenant = crate::text::neutralise(&given.tenant);
    let why = match e {
        CallError::Answered {
            code: Some(errors::TENANT_NOT_FOUND),
            ..
        } => format!("the Director does not know the tenant \"{tenant}\" (unknown tenant): {e}"),
        CallError::Answered {
            code: Some(errors::UNAUTHORIZED),
            ..
        } => format!("the Director refused the credentials (401): {e}"),
        CallError::Answered {
            code: Some(errors::INSUFFICIENT_SCOPES),
            ..
        } => format!("these credentials cannot read systems (application:read is missing): {e}"),
        other => other.to_string(),
    };
    format!(
        "{}; nothing was saved",
        crate::text::neutralise(&why).trim_end_matches('.')
    )
}

/// "Compass" when the key spells its fields as Compass issues them (`clientId`), else
/// "XSUAA". Only the field names are looked at.
fn key_form(text: &SecretString) -> &'static str {
    let value: serde_json::Value =
        serde_json::from_str(text.expose_secret()).unwrap_or(serde_json::Value::Null);
    if value.get("clientId").is_some() {
        "Compass"
    } else {
        "XSUAA"
    }
}

/// Gets a token for every scope the issuer grants: all of `WANTED` at once, else (on
/// `invalid_scope`) each alone, then the granted ones together.
async fn negotiate(
    http: &reqwest::Client,
    mut key: ServiceKey,
) -> Result<(ServiceKey, auth::Issued), AppError> {
    // An XSUAA-style issuer grants every scope of the client when none is named (and knows
    // them by their prefixed names): asked first without any.
    if key.token_endpoint().ends_with("/oauth/token") {
        key.scopes = Vec::new();
        match auth::issue(http, &key).await {
            Ok(issued) => return Ok((key, issued)),
            Err(e) if e.code.as_deref() == Some("invalid_scope") => {}
            Err(e) => return Err(refused(format!("{}; nothing was saved", e.error))),
        }
    }
    let all: Vec<String> = WANTED.iter().map(|s| (*s).to_owned()).collect();
    key.scopes = all.clone();
    match auth::issue(http, &key).await {
        Ok(issued) => return Ok((key, issued)),
        Err(e) if e.code.as_deref() == Some("invalid_scope") => {}
        Err(e) => return Err(refused(format!("{}; nothing was saved", e.error))),
    }
    let mut granted = Vec::new();
    for scope in &all {
        key.scopes = vec![scope.clone()];
        match auth::issue(http, &key).await {
            Ok(_) => granted.push(scope.clone()),
            Err(e) if e.code.as_deref() == Some("invalid_scope") => {}
            Err(e) => return Err(refused(format!("{}; nothing was saved", e.error))),
        }
    }
    if granted.is_empty() {
        return Err(refused(format!(
            "the token endpoint grants the service key {} none of the Director's scopes ({}); nothing was saved",
            key.origin,
            all.join(" ")
        )));
    }
    key.scopes = granted;
    let issued = auth::issue(http, &key)
        .await
        .map_err(|e| refused(format!("{}; nothing was saved", e.error)))?;
    Ok((key, issued))
}

/// The flags, with what is missing asked for on a terminal.
async fn gather(args: &LoginArgs) -> Result<Given, AppError> {
    let has_credential = args.service_key.is_some() || args.token_file.is_some();
    let complete = args.director.is_some() && args.tenant.is_some() && has_credential;
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !(complete || terminal) {
        let mut missing = Vec::new();
        if args.director.is_none() {
            missing.push("--director URL");
        }
        if args.tenant.is_none() {
            missing.push("--tenant ID");
        }
        if !has_credential {
            missing.push("--service-key FILE or --token-file FILE");
        }
        return Err(AppError::Usage(format!(
            "login needs a terminal to ask, or these flags: {} (missing: {}); see `formation-wizard login --help`",
            "--director URL --tenant ID (--service-key FILE | --token-file FILE) [--profile NAME]",
            missing.join(", ")
        )));
    }
    let credential = match (&args.service_key, &args.token_file) {
        (Some(path), _) => Some(Credential::ServiceKey {
            text: read_file(path, "the service key")?,
            origin: path.display().to_string(),
        }),
        (None, Some(path)) => {
            let text = read_file(path, "the token file")?;
            let token = text
                .expose_secret()
                .lines()
                .next()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    AppError::Usage(format!("the token file {} is empty", path.display()))
                })?;
            Some(Credential::Token {
                token: SecretString::from(token.to_owned()),
                file: Some(path.clone()),
            })
        }
        (None, None) => None,
    };
    if complete && let Some(credential) = credential {
        return Ok(Given {
            director: args.director.clone().unwrap_or_default(),
            tenant: args.tenant.clone().unwrap_or_default(),
            credential,
        });
    }
    let (director, tenant) = (args.director.clone(), args.tenant.clone());
    tokio::task::spawn_blocking(move || ask(director, tenant, credential))
        .await
        .map_err(|e| AppError::Usage(format!("the prompt stopped: {e}")))?
}

fn read_file(path: &std::path::Path, what: &str) -> Result<SecretString, AppError> {
    let bytes = crate::files::read_credential(path, what).map_err(AppError::Usage)?;
    String::from_utf8(bytes)
        .map(SecretString::from)
        .map_err(|_| AppError::Usage(format!("{what} {} is not UTF-8 text", path.display())))
}

/// Step by step on the terminal: the Director URL, the tenant, then the service key or
/// token, pasted (bracketed paste) and shown masked.
fn ask(
    director: Option<String>,
    tenant: Option<String>,
    credential: Option<Credential>,
) -> Result<Given, AppError> {
    use std::io::Write;
    let mut err = std::io::stderr();
    let _ = writeln!(
        err,
        "Connecting formation-wizard to a Director (Ctrl-C cancels; nothing is saved until the credentials work)."
    );
    let director = match director {
        Some(d) => d,
        None => {
            line("Director URL (its GraphQL endpoint, e.g. https://director.example/graphql): ")?
        }
    };
    let tenant = match tenant {
        Some(t) => t,
        None => line("Tenant (the global account id): ")?,
    };
    let credential = match credential {
        Some(c) => c,
        None => {
            let pasted =
                paste("Paste the service key (JSON) or a token, then press Enter (shown as •): ")?;
            let text = pasted.expose_secret().trim();
            if text.starts_with('{') {
                Credential::ServiceKey {
                    text: SecretString::from(text.to_owned()),
                    origin: "pasted".into(),
                }
            } else {
                let token = text.lines().next().unwrap_or_default().trim().to_owned();
                Credential::Token {
                    token: SecretString::from(token),
                    file: None,
                }
            }
        }
    };
    Ok(Given {
        director,
        tenant,
        credential,
    })
}

/// One line typed on the terminal; empty is asked again.
fn line(prompt: &str) -> Result<String, AppError> {
    use std::io::Write;
    loop {
        let mut err = std::io::stderr();
        let _ = write!(err, "{prompt}");
        let _ = err.flush();
        let mut answer = String::new();
        let n = std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| AppError::Usage(format!("cannot read the terminal: {e}")))?;
        if n == 0 {
            return Err(AppError::Cancelled(
                "login cancelled; nothing was saved".into(),
            ));
        }
        let answer = answer.trim();
        if !answer.is_empty() {
            return Ok(answer.to_owned());
        }
    }
}

/// Restores the terminal however the paste ends.
struct RawGuard;

impl Drop for RawGuard {
    fn drop(&mut self) {
        let _ = crossterm::execute!(std::io::stderr(), crossterm::event::DisableBracketedPaste);
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// A secret pasted (or typed) on the terminal in raw mode, echoed as one `•` per character
/// (at most 40) and its length. Enter ends it, except inside a JSON object whose braces are
/// not closed yet (a terminal without bracketed paste sends its lines one by one).
fn paste(prompt: &str) -> Result<SecretString, AppError> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};
    use std::io::Write;
    let mut err = std::io::stderr();
    // Raw (no echo) before the prompt shows, so a paste that comes at once is never echoed.
    crossterm::terminal::enable_raw_mode()
        .map_err(|e| AppError::Usage(format!("cannot read the terminal: {e}")))?;
    let _guard = RawGuard;
    let _ = crossterm::execute!(err, crossterm::event::EnableBracketedPaste);
    let _ = write!(err, "{prompt}\r\n");
    let mut text = String::new();
    let show = |err: &mut std::io::Stderr, text: &str| {
        let n = text.chars().count();
        let dots = "•".repeat(n.min(40));
        let _ = write!(err, "\r\x1b[K{dots} ({n} characters)");
        let _ = err.flush();
    };
    show(&mut err, &text);
    loop {
        let event = crossterm::event::read()
            .map_err(|e| AppError::Usage(format!("cannot read the terminal: {e}")))?;
        match event {
            Event::Paste(p) => text.push_str(&p),
            Event::Key(k) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Char('c') | KeyCode::Char('d')
                    if k.modifiers.contains(KeyModifiers::CONTROL) =>
                {
                    let _ = write!(err, "\r\n");
                    return Err(AppError::Cancelled(
                        "login cancelled; nothing was saved".into(),
                    ));
                }
                KeyCode::Esc => {
                    let _ = write!(err, "\r\n");
                    return Err(AppError::Cancelled(
                        "login cancelled; nothing was saved".into(),
                    ));
                }
                KeyCode::Enter if open_json(&text) => text.push('\n'),
                KeyCode::Enter if !text.trim().is_empty() => break,
                KeyCode::Enter => {}
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char(c) => text.push(c),
                KeyCode::Tab => text.push('\t'),
                _ => {}
            },
            _ => {}
        }
        show(&mut err, &text);
    }
    let _ = write!(err, "\r\n");
    Ok(SecretString::from(text))
}

/// Whether `text` starts a JSON object whose braces are not all closed (outside strings).
fn open_json(text: &str) -> bool {
    let t = text.trim_start();
    if !t.starts_with('{') {
        return false;
    }
    let (mut depth, mut in_string, mut escaped) = (0i64, false, false);
    for c in t.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => depth -= 1,
            _ => {}
        }
    }
    depth > 0
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A time as RFC 3339 in UTC.
fn when(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{seconds} s after 1970"))
}

/// When the kept token expires, in words.
fn expiry_words(expires: Option<i64>, lifetime: Option<u64>) -> String {
    match (expires, lifetime) {
        (Some(exp), _) => {
            let left = exp - now();
            if left <= 0 {
                format!(
                    "The token expired at {}: run `formation-wizard login` with a new one.",
                    when(exp)
                )
            } else {
                format!(
                    "The token expires at {} (in {}).",
                    when(exp),
                    duration_words(left)
                )
            }
        }
        (None, Some(secs)) => format!(
            "Each command gets a new token from the service key (they last {}).",
            duration_words(secs as i64)
        ),
        (None, None) => "The token does not say when it expires.".into(),
    }
}

fn duration_words(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

/// `login --status`: the profile in use and what it holds, never the secret.
fn status(flag: Option<&str>) -> Result<u8, AppError> {
    let Some((name, how)) = profile::chosen(flag).map_err(AppError::Usage)? else {
        println!(
            "Not logged in: no --profile, no $FORMATION_WIZARD_PROFILE and no default profile, so commands use the demo landscape.\nRun `formation-wizard login` to connect to a Director."
        );
        return Ok(crate::error::exit::RULES_NOT_SATISFIED);
    };
    let p = profile::load_profile(&name).map_err(AppError::Usage)?;
    let mut out = format!("Profile: {name} ({})\n", how.words());
    let unset = || "(not set)".to_owned();
    out.push_str(&format!(
        "Director: {}\n",
        p.director
            .as_deref()
            .map(crate::backend::director::url_policy::shown)
            .unwrap_or_else(unset)
    ));
    out.push_str(&format!(
        "Tenant: {}\n",
        p.tenant
            .as_deref()
            .map(|t| crate::text::neutralise(t).into_owned())
            .unwrap_or_else(unset)
    ));
    let mut ok = true;
    match p.secret {
        Some(kept) => {
            let present = secrets::load(&name, kept);
            out.push_str(&format!(
                "Credentials: {}\nSecret: kept in {}{}\n",
                p.credential.as_deref().unwrap_or("kept by login"),
                secrets::describe(kept, &name),
                match &present {
                    Ok(_) => String::new(),
                    Err(e) => {
                        ok = false;
                        format!(": NOT THERE ({e})")
                    }
                }
            ));
        }
        None => {
            if let Some(f) = &p.token_file {
                out.push_str(&format!("Credentials: the token file {}\n", f.display()));
            }
            if let Some(f) = &p.service_key {
                out.push_str(&format!("Credentials: the service key {}\n", f.display()));
            }
            if p.token_file.is_none() && p.service_key.is_none() {
                out.push_str(&format!(
                    "Credentials: none kept (${} is used)\n",
                    auth::TOKEN_ENV
                ));
            }
        }
    }
    if let Some(scopes) = &p.scopes {
        out.push_str(&format!("Scopes: {}\n", scopes.join(" ")));
    }
    if p.secret.is_some() {
        out.push_str(&expiry_words(p.expires, p.token_lifetime));
        out.push('\n');
    }
    print!("{out}");
    Ok(if ok {
        crate::error::exit::OK
    } else {
        crate::error::exit::RULES_NOT_SATISFIED
    })
}

/// `logout`: removes the profile's kept secret and the profile.
pub fn logout(flag: Option<&str>) -> Result<u8, AppError> {
    let Some((name, how)) = profile::chosen(flag).map_err(AppError::Usage)? else {
        println!("Not logged in: no profile is in use, nothing to remove.");
        return Ok(crate::error::exit::RULES_NOT_SATISFIED);
    };
    profile::check_name(&name).map_err(AppError::Usage)?;
    let removed = secrets::remove(&name).map_err(AppError::Usage)?;
    let (was, was_default) = profile::remove_profile(&name).map_err(AppError::Usage)?;
    if !was && removed.is_empty() {
        return Err(AppError::Usage(format!(
            "there is no profile \"{name}\" ({}) and no secret kept for it",
            how.words()
        )));
    }
    let mut out = String::new();
    if removed.is_empty() {
        out.push_str(&format!(
            "Profile \"{name}\" kept no secret (files it named are left as they are).\n"
        ));
    }
    for place in &removed {
        out.push_str(&format!(
            "Removed the secret of profile \"{name}\" from {place}.\n"
        ));
    }
    if was {
        let path = profile::config_path()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        out.push_str(&format!("Removed the profile \"{name}\" from {path}.\n"));
    }
    if was_default {
        out.push_str(
            "There is no default profile now: commands use the demo landscape until the next `formation-wizard login`.\n",
        );
    }
    print!("{out}");
    Ok(crate::error::exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_json_object_keeps_enter_as_a_newline() {
        assert!(open_json("{\"clientId\": \"a\","));
        assert!(!open_json("{\"clientId\": \"a}\"}"));
        assert!(open_json("{\"a\": \"\\\"}\""));
        assert!(!open_json("eyJhbGciOi.x.y"));
    }
}
