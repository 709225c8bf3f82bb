//! Shared helpers for the director tests: generated landscapes and an in-process sandbox.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use formation_wizard::backend::director::DirectorBackend;
use formation_wizard::backend::director::auth::Credentials;
use formation_wizard::backend::director::client::Options;
use formation_wizard::backend::director::profile::Connection;
use formation_wizard::backend::{Backend, Progress};
use formation_wizard::catalog::Catalog;
use formation_wizard::ops;
use formation_wizard::plan::FormationPlan;
use formation_wizard::sandbox::{self, SandboxConfig, SandboxHandle};
use secrecy::SecretString;

pub const TOKEN: &str = "tok-3a9f-not-for-logs";

/// A landscape with 3 Task Center systems and `s4` S/4HANA Cloud systems (registered with
/// All Communication Scenarios), plus one formation using tc-0.
pub fn landscape(s4: usize) -> serde_json::Value {
    let mut systems = Vec::new();
    for i in 0..3 {
        systems.push(serde_json::json!({"id": format!("tc-{i}"), "name": format!("Task Center {i}"), "type": "SAP Task Center"}));
    }
    for i in 0..s4 {
        systems.push(serde_json::json!({
            "id": format!("s4-{i}"), "name": format!("S/4HANA {i}"), "type": "SAP S/4HANA Cloud",
            "status": "Registered", "scenario_groups": ["All Communication Scenarios"],
            "system_number": format!("{i:07}")
        }));
    }
    serde_json::json!({
        "global_account": {"id": "ga", "name": "GA"},
        "user": {"name": "admin", "roles": ["Global Account Administrator"]},
        "systems": systems,
        "formations": [{"id": "f-0", "name": "TC Zero", "type": "sap-task-center", "systems": ["tc-0", "s4-0"], "status": "Ready"}]
    })
}

pub fn write_landscape(dir: &Path, value: &serde_json::Value) -> PathBuf {
    let path = dir.join("landscape.json");
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path
}

/// A runtime for a synchronous test (a pseudo-terminal's) that serves a sandbox beside it.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

pub async fn start(path: &Path, tweak: impl FnOnce(&mut SandboxConfig)) -> SandboxHandle {
    let mut config = SandboxConfig::new(path.to_owned());
    config.token = Some(TOKEN.into());
    config.ready_after = Duration::from_millis(150);
    tweak(&mut config);
    sandbox::start(config, Catalog::embedded().unwrap())
        .await
        .unwrap()
}

/// Short timeouts and backoff, so fault tests take a moment, not minutes.
pub fn fast_options() -> Options {
    Options {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(1500),
        retries: 3,
        min_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(5),
        page_size: 100,
        ..Options::default()
    }
}

pub fn token(t: &str) -> Credentials {
    Credentials::Token {
        token: SecretString::from(t.to_owned()),
        file: None,
    }
}

pub fn backend_with(handle: &SandboxHandle, credentials: Credentials) -> DirectorBackend {
    DirectorBackend::connect(
        Connection {
            url: handle.url(),
            tenant: "tenant-1".into(),
            credentials,
        },
        fast_options(),
    )
    .unwrap()
}

/// Following changes in tests: looks often, gives up after ten seconds.
pub fn fast_follow() -> ops::Policy {
    ops::Policy {
        first: Duration::from_millis(20),
        max: Duration::from_millis(200),
        timeout: Duration::from_secs(10),
    }
}

/// The operations layer's context for a test: no journal, fast following.
pub fn ops_ctx<'a>(backend: &'a dyn Backend, catalog: &'a Catalog) -> ops::Ctx<'a> {
    let mut ctx = ops::Ctx::new(backend, catalog);
    ctx.journal = ops::Journal::off();
    ctx.follow = fast_follow();
    ctx
}

/// Creates through the operations layer, as every surface does.
pub async fn create(
    backend: &dyn Backend,
    plan: &FormationPlan,
    catalog: &Catalog,
    progress: &Progress,
) -> ops::CreateOutcome {
    let mut ctx = ops_ctx(backend, catalog);
    ctx.progress = progress.clone();
    ops::create::create(&ctx, plan, ops::create::Options::default())
        .await
        .unwrap()
}

/// Deletes through the operations layer: members out first, then the formation.
pub async fn delete(backend: &dyn Backend, id: &str, catalog: &Catalog) {
    let outcome = ops::change::delete(&ops_ctx(backend, catalog), id)
        .await
        .unwrap();
    assert!(outcome.succeeded(), "{outcome:?}");
}

pub fn backend(handle: &SandboxHandle) -> DirectorBackend {
    backend_with(handle, token(TOKEN))
}

/// The formations in the landscape file named `name`.
pub fn formations_named(path: &Path, name: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["formations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == name)
        .cloned()
        .collect()
}

pub const BIN: &str = env!("CARGO_BIN_EXE_formation-wizard");

/// Runs the binary off a terminal (stdin closed) in a clean environment: private data and
/// config directories under `home` (so no user's default profile is ever used), no token
/// or profile in the environment, secrets never in an OS keyring.
pub async fn run(home: &Path, args: Vec<String>) -> std::process::Output {
    run_env(home, args, Vec::new()).await
}

/// `run` with extra environment: `(name, Some(value))` sets, `(name, None)` removes.
pub async fn run_env(
    home: &Path,
    args: Vec<String>,
    env: Vec<(&'static str, Option<String>)>,
) -> std::process::Output {
    let home = home.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(BIN);
        cmd.args(&args)
            .env("FORMATION_WIZARD_DATA_DIR", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("FORMATION_WIZARD_STATE_DIR", home.join("state"))
            .env("FORMATION_WIZARD_KEYRING", "off")
            .env_remove("FORMATION_WIZARD_TOKEN")
            .env_remove("FORMATION_WIZARD_PROFILE")
            .stdin(std::process::Stdio::null());
        for (name, value) in env {
            match value {
                Some(v) => cmd.env(name, v),
                None => cmd.env_remove(name),
            };
        }
        cmd.output().expect("the binary runs")
    })
    .await
    .expect("the runner thread ends")
}

pub fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Standard output as JSON, or a panic that shows both streams.
pub fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The exit code and both streams, for assertion messages.
pub fn said(out: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A credentials file as the binary wants it: readable by its owner only.
pub fn write_secret(path: &Path, content: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, content).expect("secret written");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("mode set");
}

/// `TOKEN` in `dir/token`, readable by its owner only.
pub fn token_file(dir: &Path) -> PathBuf {
    let path = dir.join("token");
    write_secret(&path, TOKEN);
    path
}
