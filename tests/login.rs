//! `login`, `login --status`, `logout` and which landscape a command uses, through the
//! binary against in-process sandboxes: Compass- and XSUAA-form service keys, token files,
//! refused credentials (nothing saved), read-only credentials (what is missing said), the
//! secret in no file others can read and never in config.toml, and the resolution order
//! flag > $FORMATION_WIZARD_PROFILE > default profile > demo.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use base64::Engine;
use common::*;

const CLIENT: &str = "client-login-1";
const SECRET: &str = "shh-login-client-secret";

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn err(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn config_toml(home: &Path) -> PathBuf {
    home.join("config/formation-wizard/config.toml")
}

fn secrets_dir(home: &Path) -> PathBuf {
    home.join("config/formation-wizard/secrets")
}

fn login_args(url: &str, tenant: &str, flag: &str, file: &Path, profile: &str) -> Vec<String> {
    strings(&[
        "login",
        "--director",
        url,
        "--tenant",
        tenant,
        flag,
        file.to_str().unwrap(),
        "--profile",
        profile,
    ])
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The secret is in no file that others can read, never in config.toml, and the secrets
/// directory is private.
fn assert_secret_private(home: &Path, secret: &str) {
    let config = std::fs::read_to_string(config_toml(home)).unwrap();
    assert!(!config.contains(secret), "{config}");
    let mut holders = 0;
    for f in files_under(&home.join("config")) {
        let bytes = std::fs::read(&f).unwrap();
        if String::from_utf8_lossy(&bytes).contains(secret) {
            holders += 1;
            assert_eq!(mode(&f) & 0o077, 0, "{} holds the secret", f.display());
        }
    }
    assert_eq!(holders, 1, "the secret is kept exactly once");
    assert_eq!(mode(&secrets_dir(home)), 0o700);
}

/// A JWT-shaped token (unsigned: the sandbox compares it as a string) with these claims.
fn jwt(claims: serde_json::Value) -> String {
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.c2lnbmF0dXJl",
        b.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
        b.encode(claims.to_string())
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compass_key_logs_in_keeps_the_secret_privately_and_commands_need_no_flags() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let land = write_landscape(home, &landscape(2));
    let sb = start(&land, |c| {
        c.oauth_client = Some((CLIENT.into(), SECRET.into()));
    })
    .await;
    let key = home.join("key.json");
    write_secret(
        &key,
        &serde_json::json!({"clientId": CLIENT, "clientSecret": SECRET, "url": sb.compass_token_url()})
            .to_string(),
    );
    let out = run(
        home,
        login_args(&sb.url(), "tenant-1", "--service-key", &key, "prod"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let said_ = text(&out);
    assert!(said_.contains("a service key (Compass form)"), "{said_}");
    assert!(said_.contains("✓ read systems"), "{said_}");
    assert!(
        said_.contains("✓ create and change formations (formation:write)"),
        "{said_}"
    );
    // The sandbox's OAuth clients carry no draft scope: said, with what it means.
    assert!(
        said_.contains("✗ create drafts (formation.state:write) is missing"),
        "{said_}"
    );
    assert!(said_.contains("it is the default"), "{said_}");
    assert!(!said_.contains(SECRET) && !err(&out).contains(SECRET));
    assert_secret_private(home, SECRET);
    let config = std::fs::read_to_string(config_toml(home)).unwrap();
    assert!(config.contains("default = \"prod\""), "{config}");

    // Without the key file and without a source flag: the default profile, the sandbox.
    std::fs::remove_file(&key).unwrap();
    let out = run(home, strings(&["formations", "--format", "json"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(text(&out).contains("TC Zero"), "{}", said(&out));
    // A change goes there too, and the token is asked for with the scopes login found.
    let out = run(
        home,
        strings(&[
            "create",
            "--name",
            "TC Login",
            "--type",
            "sap-task-center",
            "--system",
            "tc-1",
            "--system",
            "s4-1",
        ]),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(formations_named(&land, "TC Login").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xsuaa_key_nested_under_uaa_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let land = write_landscape(home, &landscape(1));
    let sb = start(&land, |c| {
        c.oauth_client = Some((CLIENT.into(), SECRET.into()));
    })
    .await;
    let key = home.join("key.json");
    write_secret(
        &key,
        &serde_json::json!({"uaa": {"clientid": CLIENT, "clientsecret": SECRET, "url": sb.oauth_url()}})
            .to_string(),
    );
    let out = run(
        home,
        login_args(&sb.url(), "tenant-1", "--service-key", &key, "xs"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        text(&out).contains("a service key (XSUAA form)"),
        "{}",
        said(&out)
    );
    assert!(text(&out).contains("/oauth/token"), "{}", said(&out));
    assert_secret_private(home, SECRET);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_file_logs_in_by_probing_and_status_shows_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let land = write_landscape(home, &landscape(1));
    let sb = start(&land, |_| {}).await;
    let file = token_file(home);
    let out = run(
        home,
        login_args(&sb.url(), "tenant-1", "--token-file", &file, "tok"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let said_ = text(&out);
    // An opaque token names no scopes: the probes tell, and change nothing.
    assert!(said_.contains("✓ create and change formations"), "{said_}");
    assert!(said_.contains("✗ create drafts"), "{said_}");
    assert!(said_.contains("does not say when it expires"), "{said_}");
    assert_eq!(formations_named(&land, "TC Zero").len(), 1);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&land).unwrap()).unwrap();
    assert_eq!(
        v["formations"].as_array().unwrap().len(),
        1,
        "probes created nothing"
    );
    assert_secret_private(home, TOKEN);

    let out = run(home, strings(&["login", "--status"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let status = text(&out);
    assert!(!status.contains(TOKEN), "{status}");
    assert!(
        status.contains("Profile: tok (the default profile)"),
        "{status}"
    );
    assert!(
        status.contains(&sb.url()) && status.contains("tenant-1"),
        "{status}"
    );
    assert!(status.contains("secrets/tok.json (mode 0600)"), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_save_nothing_and_say_which() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let land = write_landscape(home, &landscape(1));
    let sb = start(&land, |c| {
        c.oauth_client = Some((CLIENT.into(), SECRET.into()));
        c.tenant = Some("tenant-1".into());
    })
    .await;
    let key = home.join("key.json");
    write_secret(
        &key,
        &serde_json::json!({"clientId": CLIENT, "clientSecret": "not-the-secret", "url": sb.compass_token_url()})
            .to_string(),
    );
    let out = run(
        home,
        login_args(&sb.url(), "tenant-1", "--service-key", &key, "bad"),
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    assert!(err(&out).contains("invalid_client"), "{}", said(&out));
    assert!(err(&out).contains("nothing was saved"), "{}", said(&out));
    assert!(!err(&out).contains("not-the-secret"));

    // A token the Director refuses (401).
    let wrong = home.join("wrong");
    write_secret(&wrong, "tok-wrong");
    let out = run(
        home,
        login_args(&sb.url(), "tenant-1", "--token-file", &wrong, "bad"),
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    assert!(err(&out).contains("401"), "{}", said(&out));

    // A tenant the Director does not know.
    let good = token_file(home);
    let out = run(
        home,
        login_args(&sb.url(), "other-ga", "--token-file", &good, "bad"),
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    assert!(err(&out).contains("unknown tenant"), "{}", said(&out));

    assert!(!config_toml(home).exists(), "no profile saved");
    assert!(files_under(&secrets_dir(home)).is_empty(), "no secret kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_credentials_are_told_what_they_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let land = write_landscape(home, &landscape(1));
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 3 * 3600;
    let read_only = jwt(serde_json::json!({
        "scope": "application:read formation:read formation_template:read",
        "exp": exp,
    }));
    let token = read_only.clone();
    let sb = start(&land, move |c| c.token = Some(token)).await;
    let file = home.join("ro");
    write_secret(&file, &read_only);
    let out = run(
        home,
        login_args(&sb.url(), "tenant-1", "--token-file", &file, "ro"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let said_ = text(&out);
    assert!(said_.contains("a token (JWT)"), "{said_}");
    assert!(said_.contains("✓ read systems"), "{said_}");
    assert!(
        said_.contains(
            "✗ create and change formations (formation:write) is missing: cannot create formations with these credentials"
        ),
        "{said_}"
    );
    assert!(said_.contains("✗ register systems"), "{said_}");
    assert!(
        said_.contains("Missing: application.auths:read, formation:write, formation.state:write, application:write"),
        "{said_}"
    );
    assert!(said_.contains("The token expires at"), "{said_}");

    let out = run(home, strings(&["login", "--status"])).await;
    assert!(
        text(&out).contains("The token expires at"),
        "{}",
        said(&out)
    );
    assert!(!text(&out).contains(&read_only), "{}", said(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_removes_the_secret_and_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let land = write_landscape(home, &landscape(1));
    let sb = start(&land, |_| {}).await;
    let file = token_file(home);
    let out = run(
        home,
        login_args(&sb.url(), "tenant-1", "--token-file", &file, "gone"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let kept = secrets_dir(home).join("gone.json");
    assert!(kept.exists());

    let out = run(home, strings(&["logout"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        text(&out).contains("Removed the secret of profile \"gone\""),
        "{}",
        said(&out)
    );
    assert!(!kept.exists(), "the secret file is gone");
    let config = std::fs::read_to_string(config_toml(home)).unwrap();
    assert!(!config.contains("gone"), "{config}");

    let out = run(home, strings(&["login", "--status"])).await;
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(text(&out).contains("Not logged in"), "{}", said(&out));
}

/// The number of systems a command sees, which tells the landscapes apart.
async fn systems_seen(
    home: &Path,
    args: &[&str],
    env: Vec<(&'static str, Option<String>)>,
) -> usize {
    let mut all = strings(&["systems", "--format", "json"]);
    all.extend(strings(args));
    let out = run_env(home, all, env).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    json_of(&out)["systems"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_landscape_is_chosen_flag_then_env_then_default_then_demo() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::create_dir_all(home.join("a")).unwrap();
    std::fs::create_dir_all(home.join("b")).unwrap();
    std::fs::create_dir_all(home.join("f")).unwrap();
    // 3 Task Center systems plus 1, 2 and 5 S/4HANA systems.
    let a = start(&write_landscape(&home.join("a"), &landscape(1)), |_| {}).await;
    let b = start(&write_landscape(&home.join("b"), &landscape(2)), |_| {}).await;
    let file = write_landscape(&home.join("f"), &landscape(5));
    let file = file.to_str().unwrap().to_owned();
    let token = token_file(home);

    let demo = systems_seen(home, &[], vec![]).await;
    assert!(![4, 5, 8].contains(&demo), "the demo has {demo} systems");

    for (sb, name) in [(&a, "a"), (&b, "b")] {
        let out = run(
            home,
            login_args(&sb.url(), "tenant-1", "--token-file", &token, name),
        )
        .await;
        assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    }
    let env_b = || vec![("FORMATION_WIZARD_PROFILE", Some("b".to_owned()))];
    // The first login is the default.
    assert_eq!(systems_seen(home, &[], vec![]).await, 4);
    // The environment beats the default.
    assert_eq!(systems_seen(home, &[], env_b()).await, 5);
    // A flag beats the environment: --profile, --landscape, --director.
    assert_eq!(systems_seen(home, &["--profile", "a"], env_b()).await, 4);
    assert_eq!(
        systems_seen(home, &["--landscape", &file], env_b()).await,
        8
    );
    let token = token.to_str().unwrap().to_owned();
    assert_eq!(
        systems_seen(
            home,
            &[
                "--director",
                &a.url(),
                "--tenant",
                "tenant-1",
                "--token-file",
                &token
            ],
            env_b()
        )
        .await,
        4
    );
    // Without any profile: the demo.
    for name in ["a", "b"] {
        let out = run(home, strings(&["logout", "--profile", name])).await;
        assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    }
    assert_eq!(systems_seen(home, &[], vec![]).await, demo);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_secret_service_the_private_file_is_used_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let land = write_landscape(home, &landscape(1));
    let sb = start(&land, |_| {}).await;
    let file = token_file(home);
    // The OS keyring is allowed but no session bus answers (none at that address).
    let env = vec![
        ("FORMATION_WIZARD_KEYRING", None),
        (
            "DBUS_SESSION_BUS_ADDRESS",
            Some(format!("unix:path={}", home.join("no-bus").display())),
        ),
        ("DISPLAY", None),
        ("XDG_RUNTIME_DIR", Some(home.display().to_string())),
    ];
    let out = run_env(
        home,
        login_args(&sb.url(), "tenant-1", "--token-file", &file, "fb"),
        env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        text(&out).contains("no OS keyring answered"),
        "{}",
        said(&out)
    );
    assert!(secrets_dir(home).join("fb.json").exists());
    assert_secret_private(home, TOKEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_a_terminal_without_flags_login_names_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), strings(&["login", "--tenant", "t"])).await;
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    let e = err(&out);
    assert!(
        e.contains("(missing: --director URL, --service-key FILE or --token-file FILE)"),
        "{e}"
    );
}

/// Runs `login` on a pseudo-terminal, answering each prompt when it shows; returns the exit
/// code and everything the terminal showed.
fn login_on_a_terminal(home: &Path, answers: Vec<(&'static str, String)>) -> (u32, String) {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(BIN);
    cmd.args(["login", "--profile", "pasted"]);
    cmd.env("FORMATION_WIZARD_DATA_DIR", home.join("data"));
    cmd.env("XDG_CONFIG_HOME", home.join("config"));
    cmd.env("FORMATION_WIZARD_STATE_DIR", home.join("state"));
    cmd.env("FORMATION_WIZARD_KEYRING", "off");
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("FORMATION_WIZARD_PROFILE");
    cmd.env_remove("FORMATION_WIZARD_TOKEN");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    for (prompt, answer) in answers {
        while !String::from_utf8_lossy(&seen).contains(prompt) {
            assert!(
                Instant::now() < deadline,
                "no {prompt:?}; the terminal showed:\n{}",
                String::from_utf8_lossy(&seen)
            );
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
                seen.extend(chunk);
            }
        }
        writer.write_all(answer.as_bytes()).unwrap();
        writer.flush().unwrap();
    }
    let status = child.wait().unwrap();
    while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(300)) {
        seen.extend(chunk);
    }
    (
        status.exit_code(),
        String::from_utf8_lossy(&seen).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_by_step_on_a_terminal_a_pasted_key_is_masked_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_owned();
    let land = write_landscape(&home, &landscape(1));
    let sb = start(&land, |c| {
        c.oauth_client = Some((CLIENT.into(), SECRET.into()));
    })
    .await;
    // Pasted as a terminal sends it: bracketed, over several lines.
    let key = format!(
        "{{\n  \"clientId\": \"{CLIENT}\",\n  \"clientSecret\": \"{SECRET}\",\n  \"url\": \"{}\"\n}}",
        sb.compass_token_url()
    );
    let answers = vec![
        ("Director URL", format!("{}\r", sb.url())),
        ("Tenant", "tenant-1\r".to_owned()),
        ("Paste the service key", format!("\x1b[200~{key}\x1b[201~")),
        ("characters)", "\r".to_owned()),
    ];
    let home2 = home.clone();
    let (code, shown) = tokio::task::spawn_blocking(move || login_on_a_terminal(&home2, answers))
        .await
        .unwrap();
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("••••"), "{shown}");
    assert!(
        !shown.contains(SECRET),
        "the pasted secret was shown:\n{shown}"
    );
    assert!(shown.contains("a service key (Compass form)"), "{shown}");
    assert!(shown.contains("Saved the profile \"pasted\""), "{shown}");
    assert_secret_private(&home, SECRET);
}
