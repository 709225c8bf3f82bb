//! `formation-wizard sandbox`: a local GraphQL server backed by a landscape file that
//! answers as the real Director does (/work/shared/reference/director-behaviour.md: the
//! sandbox imitates the server, not our client). It decides with the same rule engine as
//! the wizard and presents refusals, scopes, NotFound and assignment states the Director's
//! way; assignments go INITIAL → READY (or CREATE_ERROR) after a delay, and faults can be
//! injected. Tests start it in-process with `start` on port 0.

mod constraints;
mod errors;
mod faults;
mod guard;
mod http;
mod pairing;
mod registration;
mod registry;
mod schema;
mod scopes;
mod serve;
mod status;
mod store;
mod tokens;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

pub use faults::{Fault, Rates};
pub use http::host_allowed;
pub use store::Slow;

use crate::catalog::Catalog;
use crate::cli::{SandboxArgs, SourceArgs};
use crate::error::{AppError, exit};

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub landscape: PathBuf,
    pub listen: SocketAddr,
    /// Require this bearer token; it carries the ordinary scopes.
    pub token: Option<String>,
    /// A token that carries every scope (`formation.state:write`, `application.auths:read`,
    /// `formation:global_read` besides the ordinary ones).
    pub admin_token: Option<String>,
    /// An OAuth client (id, secret) whose tokens `/oauth/token` issues.
    pub oauth_client: Option<(String, String)>,
    pub token_lifetime: Duration,
    /// Require this Tenant (any non-empty one otherwise).
    pub tenant: Option<String>,
    /// How long an assignment stays INITIAL before it shows READY or CREATE_ERROR.
    pub ready_after: Duration,
    pub max_page: usize,
    pub rates: Rates,
    /// System id → message: that system's assignments end in CREATE_ERROR.
    pub fail_assignments: Vec<(String, String)>,
    /// (source, target) → message: that one assignment ends in CREATE_ERROR while the
    /// loops and the other pairs are READY (`--fail-pair`, §1.3, §4.5 step 8).
    pub fail_pairs: Vec<((String, String), String)>,
    /// The next this many successful mutations are committed, then their connection drops.
    pub drop_after_commit: usize,
    /// GLOBAL constraints of the sandbox's own, attached to no template: every template
    /// lists them and every assign is decided on them (`--global-constraint`, §1.2, fact 15).
    pub global_constraints: Vec<crate::catalog::Constraint>,
    /// The first request of each of these operations is answered with code 35 (fact 13).
    pub conflict_once: Vec<String>,
    /// System id → slow notifications inside its assign call (`--slow-assign`, fact 12).
    pub slow_assign: Vec<(String, store::Slow)>,
    /// Pair every issued registration token after this delay (`--auto-pair`).
    pub auto_pair: Option<Duration>,
    /// At most this many connections are open at once; more wait to be accepted.
    pub max_connections: usize,
    /// A connection whose request headers are not complete after this long is closed.
    pub header_timeout: Duration,
    /// A request whose body has not arrived whole after this long (or stalls) is refused.
    pub body_timeout: Duration,
}

impl SandboxConfig {
    /// Loopback, port 0, no auth, formations ready after 200 ms.
    pub fn new(landscape: PathBuf) -> SandboxConfig {
        SandboxConfig {
            landscape,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: None,
            admin_token: None,
            oauth_client: None,
            token_lifetime: Duration::from_secs(3600),
            tenant: None,
            ready_after: Duration::from_millis(200),
            max_page: 100,
            rates: Rates::default(),
            fail_assignments: Vec::new(),
            fail_pairs: Vec::new(),
            global_constraints: Vec::new(),
            drop_after_commit: 0,
            conflict_once: Vec::new(),
            slow_assign: Vec::new(),
            auto_pair: None,
            max_connections: 512,
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// A running sandbox; dropping it (or `stop`) shuts it down.
pub struct SandboxHandle {
    pub addr: SocketAddr,
    app: Arc<http::App>,
    store: schema::Shared,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SandboxHandle {
    /// The GraphQL endpoint, e.g. `http://127.0.0.1:41234/graphql`.
    pub fn url(&self) -> String {
        format!("http://{}/graphql", self.addr)
    }

    /// The base of `/oauth/token`, as an XSUAA-style service key's `url`.
    pub fn oauth_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The complete Compass-style token endpoint, as a Compass credential's `url` (§2.2).
    pub fn compass_token_url(&self) -> String {
        format!("http://{}/oauth2/token", self.addr)
    }

    /// Injects `fault` into the next `n` requests whose body contains `only` (any if None).
    pub fn fail_next(&self, fault: Fault, n: usize, only: Option<&str>) {
        self.app.faults.push(fault, n, only);
    }

    /// Makes `system`'s assignments end in CREATE_ERROR with `message` from now on, or
    /// (None) succeed again, like a notification receiver that goes down or comes back.
    pub fn fail_assignment(&self, system: &str, message: Option<&str>) {
        if let Ok(mut store) = self.store.lock() {
            match message {
                Some(m) => store.failing.insert(system.to_owned(), m.to_owned()),
                None => store.failing.remove(system),
            };
        }
    }

    /// Makes the notification of the one assignment `source`→`target` fail with `message`
    /// from now on, or (None) succeed again: a receiver that refuses one pair.
    pub fn fail_pair(&self, source: &str, target: &str, message: Option<&str>) {
        if let Ok(mut store) = self.store.lock() {
            let pair = (source.to_owned(), target.to_owned());
            match message {
                Some(m) => store.failing_pairs.insert(pair, m.to_owned()),
                None => store.failing_pairs.remove(&pair),
            };
        }
    }

    /// The next `n` successful mutations are committed, then their connection drops.
    pub fn drop_after_commit(&self, n: usize) {
        self.app.faults.drop_after_commit(n);
    }

    /// Pairs `system`'s latest registration token now, as `POST /sandbox/pair/{id}` does.
    pub fn pair(&self, system: &str) -> Result<(), String> {
        schema::locked(&self.store, |store| registry::pair(store, system)).map_err(|e| e.message)
    }

    /// Makes every issued OAuth token invalid, as if they had expired.
    pub fn expire_tokens(&self) {
        if let Ok(mut issued) = self.app.access.issued.lock() {
            issued.clear();
        }
    }

    /// Replaces the required fixed token (a rotation).
    pub fn set_token(&self, token: Option<&str>) {
        if let Ok(mut t) = self.app.access.token.lock() {
            *t = token.map(str::to_owned);
        }
    }

    pub async fn stop(mut self) {
        self.shutdown().await;
    }

    async fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(transparent)]
    Landscape(#[from] crate::landscape::LandscapeError),
    #[error(
        "the sandbox would let anyone on the network change {0} without a token: pass --token (or --client-id/--generate-client) to listen beyond loopback"
    )]
    OpenBeyondLoopback(SocketAddr),
    #[error("--max-page must be between 1 and {MAX_PAGE}, not {0}")]
    MaxPage(usize),
    #[error("the sandbox cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// The largest page the Director serves, and so the largest `--max-page`.
pub const MAX_PAGE: usize = 200;

/// Starts the sandbox on `config.listen` in the current tokio runtime. An open sandbox (no
/// token, no OAuth client) only listens on loopback.
pub async fn start(config: SandboxConfig, catalog: Catalog) -> Result<SandboxHandle, SandboxError> {
    if !(1..=MAX_PAGE).contains(&config.max_page) {
        return Err(SandboxError::MaxPage(config.max_page));
    }
    let open =
        config.token.is_none() && config.admin_token.is_none() && config.oauth_client.is_none();
    if open && !config.listen.ip().is_loopback() {
        return Err(SandboxError::OpenBeyondLoopback(config.listen));
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| SandboxError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| SandboxError::Listen {
            addr: config.listen,
            source,
        })?;
    let mut store = store::Store::open(config.landscape.clone(), catalog, config.ready_after)?;
    store
        .failing
        .extend(config.fail_assignments.iter().cloned());
    store
        .failing_pairs
        .extend(config.fail_pairs.iter().cloned());
    store
        .global_constraints
        .extend(config.global_constraints.iter().cloned());
    store.slow.extend(config.slow_assign.iter().cloned());
    let shared = Arc::new(Mutex::new(store));
    let faults = faults::Faults::new(config.rates.clone());
    faults.drop_after_commit(config.drop_after_commit);
    for operation in &config.conflict_once {
        faults.push(Fault::ConcurrentUpdate, 1, Some(operation));
    }
    let app = Arc::new(http::App {
        schema: schema::build(shared.clone(), config.max_page),
        faults,
        access: http::Access {
            token: Mutex::new(config.token.clone()),
            admin_token: config.admin_token.clone(),
            oauth: config.oauth_client.clone(),
            issued: Mutex::new(tokens::IssuedTokens::default()),
            token_lifetime: config.token_lifetime,
            tenant: config.tenant.clone(),
        },
        port: addr.port(),
        beyond_loopback: !addr.ip().is_loopback(),
        body_timeout: config.body_timeout,
        pre_auth: Default::default(),
        store: shared.clone(),
        pair_pace: Mutex::new(None),
    });
    let (tx, rx) = oneshot::channel();
    if let Ok(mut store) = shared.lock() {
        store.auto_pair = config.auto_pair;
        store.connector_url = format!("http://{addr}/connector/graphql");
    }
    let router = http::router(app.clone());
    let limits = serve::ConnectionLimits {
        max_connections: config.max_connections,
        header_timeout: config.header_timeout,
    };
    let task = tokio::spawn(serve::serve(listener, router, limits, rx));
    tracing::info!(%addr, "sandbox listening");
    Ok(SandboxHandle {
        addr,
        app,
        store: shared,
        stop: Some(tx),
        task: Some(task),
    })
}

/// The `sandbox` command: serve until Ctrl-C.
pub async fn run(
    args: &SandboxArgs,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let landscape = match source.source() {
        crate::backend::Source::File(path) => path,
        crate::backend::Source::Demo { reset } => crate::demo::ensure(reset)?,
        crate::backend::Source::Director(_) => {
            return Err(AppError::Usage(
                "the sandbox serves a landscape file: pass --landscape FILE, not --director".into(),
            ));
        }
    };
    for (name, rate) in [
        ("--error-rate", args.error_rate),
        ("--drop-rate", args.drop_rate),
        ("--throttle-rate", args.throttle_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(AppError::Usage(format!("{name} must be between 0 and 1")));
        }
    }
    let mut config = SandboxConfig::new(landscape.clone());
    config.listen = args.listen;
    config.token = args.token.clone();
    // Without --token, a generated one, unless --no-auth asks for an open (loopback) sandbox.
    let generated_token =
        (args.token.is_none() && !args.no_auth).then(|| uuid::Uuid::new_v4().simple().to_string());
    if generated_token.is_some() {
        config.token = generated_token.clone();
    }
    config.admin_token = args.admin_token.clone();
    config.oauth_client = oauth_client(args);
    config.fail_assignments = args
        .fail_assignment
        .iter()
        .map(|f| parse_failure(f))
        .collect();
    config.fail_pairs = args
        .fail_pair
        .iter()
        .map(|spec| parse_pair(spec))
        .collect::<Result<_, _>>()
        .map_err(AppError::Usage)?;
    config.global_constraints = args
        .global_constraint
        .iter()
        .map(|spec| parse_global_constraint(spec))
        .collect::<Result<_, _>>()
        .map_err(AppError::Usage)?;
    config.drop_after_commit = args.drop_after_commit;
    config.conflict_once = args.conflict_once.clone();
    config.slow_assign = args
        .slow_assign
        .iter()
        .map(|spec| parse_slow(spec))
        .collect::<Result<_, _>>()
        .map_err(AppError::Usage)?;
    config.auto_pair = args.auto_pair.map(Duration::from_secs_f64);
    config.tenant = args.require_tenant.clone();
    config.ready_after = Duration::from_millis(args.ready_after_ms);
    let generated = args
        .generate_client
        .then(|| config.oauth_client.clone())
        .flatten();
    config.max_page = args.max_page;
    config.rates = Rates {
        latency: Duration::from_millis(args.latency_ms),
        server_error: args.error_rate,
        drop: args.drop_rate,
        throttle: args.throttle_rate,
        retry_after: args.retry_after,
        seed: args.seed,
    };
    let store_note = "The sandbox takes the landscape's lock file for every change, so local commands may use the file at the same time.";
    let handle = start(config, catalog.clone()).await.map_err(|e| match e {
        SandboxError::Landscape(l) => AppError::Landscape(l),
        other => AppError::Usage(other.to_string()),
    })?;
    if !handle.addr.ip().is_loopback() {
        eprintln!(
            "Warning: the sandbox listens on {}, which is not loopback.",
            handle.addr.ip()
        );
    }
    println!(
        "Sandbox serving {} at {} (port {}){}. Ctrl-C stops it.",
        landscape.display(),
        handle.url(),
        handle.addr.port(),
        if args.no_auth {
            "; open: any bearer token is accepted (--no-auth)"
        } else {
            "; a bearer token is required"
        }
    );
    println!("{store_note}");
    if let Some(token) = &generated_token {
        println!("Bearer token for this run (generated; pass --token to choose one): {token}");
    }
    if let Some((id, secret)) = generated {
        println!(
            "Service key for --service-key (the client secret is shown here only, never logged):\n{}",
            service_key(&handle, &id, &secret)
        );
    }
    let _ = tokio::signal::ctrl_c().await;
    handle.stop().await;
    Ok(exit::OK)
}

/// The OAuth client from `--client-id/--client-secret`, or a generated one.
fn oauth_client(args: &SandboxArgs) -> Option<(String, String)> {
    match (&args.client_id, &args.client_secret) {
        (Some(id), Some(secret)) => Some((id.clone(), secret.clone())),
        _ if args.generate_client => Some((
            format!("sb-{}", uuid::Uuid::new_v4().simple()),
            uuid::Uuid::new_v4().simple().to_string(),
        )),
        _ => None,
    }
}

/// `SYSTEM=SECONDS[:fail]` of `--slow-assign`.
pub fn parse_slow(spec: &str) -> Result<(String, store::Slow), String> {
    let bad = || format!("--slow-assign takes SYSTEM=SECONDS[:fail], not \"{spec}\"");
    let (system, rest) = spec.split_once('=').ok_or_else(bad)?;
    let (seconds, fail) = match rest.split_once(':') {
        Some((s, "fail")) => (s, true),
        Some(_) => return Err(bad()),
        None => (rest, false),
    };
    let seconds: f64 = seconds.parse().map_err(|_| bad())?;
    if system.is_empty() || !seconds.is_finite() || !(0.0..=3600.0).contains(&seconds) {
        return Err(bad());
    }
    Ok((
        system.to_owned(),
        store::Slow {
            wait: Duration::from_secs_f64(seconds),
            fail,
        },
    ))
}

/// A `--global-constraint`: a constraint in the catalog's JSON form, of an operator the
/// sandbox enforces on assign (`IsNotAssignedToAnyFormationOfType`, `ContainsScenarioGroups`;
/// subtype `ANY` for every system type).
pub fn parse_global_constraint(spec: &str) -> Result<crate::catalog::Constraint, String> {
    use crate::catalog::Constraint;
    let constraint: Constraint = serde_json::from_str(spec).map_err(|e| {
        format!(
            "--global-constraint takes a constraint as JSON, e.g. {{\"operator\":\"IsNotAssignedToAnyFormationOfType\",\"system_types\":[\"ANY\"]}}: {e}"
        )
    })?;
    match &constraint {
        Constraint::IsNotAssignedToAnyFormationOfType { system_types, .. }
            if !system_types.is_empty() =>
        {
            Ok(constraint)
        }
        Constraint::ContainsScenarioGroups {
            required_scenario_groups,
            ..
        } if !required_scenario_groups.is_empty() => Ok(constraint),
        _ => Err(
            "--global-constraint takes IsNotAssignedToAnyFormationOfType (with system_types) or ContainsScenarioGroups (with required_scenario_groups)"
                .into(),
        ),
    }
}

/// `SOURCE=TARGET[:MESSAGE]` of `--fail-pair`; without a message, the receiver's generic
/// refusal of that one notification.
pub fn parse_pair(spec: &str) -> Result<((String, String), String), String> {
    let bad = || format!("--fail-pair takes SOURCE=TARGET[:MESSAGE], not \"{spec}\"");
    let (source, rest) = spec.split_once('=').ok_or_else(bad)?;
    let (target, message) = match rest.split_once(':') {
        Some((t, m)) if !m.trim().is_empty() => (t, m.to_owned()),
        Some(_) => return Err(bad()),
        None => (
            rest,
            format!(
                "the receiver of the notification for the assignment {source} to {rest} answered with an error (sandbox fault)"
            ),
        ),
    };
    if source.is_empty() || target.is_empty() {
        return Err(bad());
    }
    Ok(((source.to_owned(), target.to_owned()), message))
}

/// `SYSTEM_ID[=MESSAGE]`; without a message, a receiver's generic failure.
fn parse_failure(spec: &str) -> (String, String) {
    match spec.split_once('=') {
        Some((id, message)) => (id.to_owned(), message.to_owned()),
        None => (
            spec.to_owned(),
            "the receiver of the notification answered with an error (sandbox fault)".to_owned(),
        ),
    }
}

/// A credential as Compass issues it (`{clientId, clientSecret, url}` with `url` the complete
/// token endpoint, director-behaviour.md §2.2, fact 11), for `--service-key`.
pub fn service_key(handle: &SandboxHandle, client_id: &str, secret: &str) -> String {
    let key = serde_json::json!({
        "clientId": client_id,
        "clientSecret": secret,
        "url": handle.compass_token_url(),
    });
    serde_json::to_string_pretty(&key).unwrap_or_default()
}
