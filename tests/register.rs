//! The prerequisite loop through the real binary: a system refused for its scenario group
//! gets a token with the group, is paired (automatically or on request) and is accepted by
//! `check`; a new system is registered, paired and accepted; on the sandbox and on a file.
//! The token reaches stdout only: never stderr, the --log file or the landscape.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use common::*;

const ADMIN: &str = "adm-77c1-not-for-logs";
const S4: &str = "SAP S/4HANA Cloud";

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// The demo landscape written into `dir`; s4-sales is registered with Integration with
/// SAP Start only, so Task Center refuses it.
fn demo_in(dir: &Path) -> PathBuf {
    let demo: serde_json::Value = serde_json::from_str(formation_wizard::demo::EMBEDDED).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    write_landscape(dir, &demo)
}

/// The flags that reach the sandbox with the token that may read registration tokens.
fn director(dir: &Path, url: &str) -> Vec<String> {
    let token_file = dir.join("admin-token");
    write_secret(&token_file, ADMIN);
    strings(&[
        "--director",
        url,
        "--tenant",
        "tenant-1",
        "--token-file",
        token_file.to_str().unwrap(),
    ])
}

fn with(source: &[String], args: &[&str]) -> Vec<String> {
    let mut all = strings(args);
    all.extend(source.iter().cloned());
    all
}

fn check_tc(system: &str) -> Vec<&str> {
    vec![
        "check",
        "--name",
        "TC Loop",
        "--type",
        "sap-task-center",
        "--system",
        "tc-eu",
        "--system",
        system,
        "--format",
        "json",
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_system_refused_for_its_group_is_accepted_after_a_token_with_the_group_is_auto_paired() {
    let dir = tempfile::tempdir().unwrap();
    let served = demo_in(&dir.path().join("served"));
    let sb = start(&served, |c| {
        c.admin_token = Some(ADMIN.into());
        c.auto_pair = Some(Duration::from_millis(400));
    })
    .await;
    let src = director(dir.path(), &sb.url());

    let before = run(dir.path(), with(&src, &check_tc("s4-sales"))).await;
    assert_eq!(
        code(&before),
        1,
        "{}",
        String::from_utf8_lossy(&before.stdout)
    );

    let token = run(
        dir.path(),
        with(&src, &["token", "s4-sales", "--yes", "--format", "json"]),
    )
    .await;
    assert_eq!(
        code(&token),
        0,
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let issued = json_of(&token);
    assert_eq!(
        issued["scenario_groups"],
        serde_json::json!(["All Communication Scenarios"])
    );
    assert!(issued["token"].as_str().is_some_and(|t| t.len() >= 32));
    assert!(
        issued["connector_url"]
            .as_str()
            .unwrap()
            .contains(&sb.addr.to_string())
    );
    assert!(
        issued["expires_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    // The server stored the header's piece as sent (§5.2), and never the token.
    let file = std::fs::read_to_string(&served).unwrap();
    assert!(file.contains(
        r#"{\"key\":\"ALL_COMMUNICATION_SCENARIOS\",\"description\":\"All Communication Scenarios\"}"#
    ));
    assert!(!file.contains(issued["token"].as_str().unwrap()));

    let waited = run(
        dir.path(),
        with(
            &src,
            &[
                "wait",
                "s4-sales",
                "--connected",
                "--timeout",
                "20",
                "--format",
                "json",
            ],
        ),
    )
    .await;
    assert_eq!(
        code(&waited),
        0,
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    assert_eq!(json_of(&waited)["connected"], true);

    let after = run(dir.path(), with(&src, &check_tc("s4-sales"))).await;
    assert_eq!(
        code(&after),
        0,
        "{}",
        String::from_utf8_lossy(&after.stdout)
    );
    assert_eq!(json_of(&after)["valid"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_system_is_registered_paired_on_request_and_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let served = demo_in(&dir.path().join("served"));
    let sb = start(&served, |c| c.admin_token = Some(ADMIN.into())).await;
    let src = director(dir.path(), &sb.url());

    let registered = run(
        dir.path(),
        with(
            &src,
            &[
                "register",
                "--type",
                S4,
                "--name",
                "S4 Brand New",
                "--yes",
                "--format",
                "json",
            ],
        ),
    )
    .await;
    assert_eq!(
        code(&registered),
        0,
        "{}",
        String::from_utf8_lossy(&registered.stderr)
    );
    let id = json_of(&registered)["system_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // INITIAL until paired: refused, and `wait` gives up with exit 1.
    let before = run(dir.path(), with(&src, &check_tc(&id))).await;
    assert_eq!(code(&before), 1);
    let waited = run(
        dir.path(),
        with(&src, &["wait", &id, "--connected", "--timeout", "0.5"]),
    )
    .await;
    assert_eq!(code(&waited), 1);

    let paired = reqwest::Client::new()
        .post(format!("http://{}/sandbox/pair/{id}", sb.addr))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(paired.status().as_u16(), 204);

    let waited = run(
        dir.path(),
        with(&src, &["wait", &id, "--connected", "--timeout", "10"]),
    )
    .await;
    assert_eq!(
        code(&waited),
        0,
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    let after = run(dir.path(), with(&src, &check_tc(&id))).await;
    assert_eq!(
        code(&after),
        0,
        "{}",
        String::from_utf8_lossy(&after.stdout)
    );

    // The same name again is refused by the server (§5.1), exit 3.
    let again = run(
        dir.path(),
        with(
            &src,
            &["register", "--type", S4, "--name", "S4 Brand New", "--yes"],
        ),
    )
    .await;
    assert_eq!(code(&again), 3);
    assert!(String::from_utf8_lossy(&again.stderr).contains("not unique"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_reaches_stderr_or_the_log_file() {
    let dir = tempfile::tempdir().unwrap();
    let served = demo_in(&dir.path().join("served"));
    let sb = start(&served, |c| c.admin_token = Some(ADMIN.into())).await;
    let src = director(dir.path(), &sb.url());
    let log = dir.path().join("run.log");
    let mut args = with(
        &src,
        &["register", "--type", S4, "--name", "Logged", "--yes"],
    );
    args.extend(strings(&[
        "--format",
        "json",
        "--log",
        log.to_str().unwrap(),
    ]));
    let out = run(dir.path(), args).await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let token = json_of(&out)["token"].as_str().unwrap().to_owned();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("requestOneTimeTokenForApplication"),
        "{logged}"
    );
    assert!(!logged.contains(&token));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&token));

    // Text output too: the token is on stdout only.
    let mut args = with(&src, &["token", "Logged", "--yes"]);
    args.extend(strings(&["--log", log.to_str().unwrap()]));
    let out = run(dir.path(), args).await;
    assert_eq!(code(&out), 0);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let shown = stdout
        .lines()
        .find(|l| l.starts_with("    ") && !l.trim().contains(' '))
        .map(str::trim)
        .unwrap()
        .to_owned();
    assert!(shown.len() >= 32);
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&shown));
    assert!(!std::fs::read_to_string(&log).unwrap().contains(&shown));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_runs_offline_on_a_landscape_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = demo_in(&dir.path().join("file"));
    let src = strings(&["--landscape", file.to_str().unwrap()]);

    assert_eq!(
        code(&run(dir.path(), with(&src, &check_tc("s4-sales"))).await),
        1
    );
    let token = run(
        dir.path(),
        with(&src, &["token", "s4-sales", "--yes", "--format", "json"]),
    )
    .await;
    assert_eq!(
        code(&token),
        0,
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let secret = json_of(&token)["token"].as_str().unwrap().to_owned();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(&secret), "the token was written to the file");
    assert!(text.contains("ALL_COMMUNICATION_SCENARIOS"));

    let waited = run(
        dir.path(),
        with(
            &src,
            &["wait", "s4-sales", "--connected", "--timeout", "0.3"],
        ),
    )
    .await;
    assert_eq!(code(&waited), 1, "not paired yet");
    let paired = run(dir.path(), with(&src, &["pair", "s4-sales", "--yes"])).await;
    assert_eq!(
        code(&paired),
        0,
        "{}",
        String::from_utf8_lossy(&paired.stderr)
    );
    let waited = run(
        dir.path(),
        with(&src, &["wait", "s4-sales", "--connected", "--timeout", "2"]),
    )
    .await;
    assert_eq!(code(&waited), 0);
    assert_eq!(
        code(&run(dir.path(), with(&src, &check_tc("s4-sales"))).await),
        0
    );

    let new = run(
        dir.path(),
        with(
            &src,
            &[
                "register",
                "--type",
                S4,
                "--name",
                "Offline New",
                "--yes",
                "--format",
                "json",
            ],
        ),
    )
    .await;
    assert_eq!(code(&new), 0);
    let id = json_of(&new)["system_id"].as_str().unwrap().to_owned();
    assert_eq!(code(&run(dir.path(), with(&src, &check_tc(&id))).await), 1);
    assert_eq!(
        code(&run(dir.path(), with(&src, &["pair", &id, "--yes"])).await),
        0
    );
    assert_eq!(code(&run(dir.path(), with(&src, &check_tc(&id))).await), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_need_yes_off_a_terminal_and_input_is_checked_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let file = demo_in(&dir.path().join("file"));
    let src = strings(&["--landscape", file.to_str().unwrap()]);
    let before = std::fs::read(&file).unwrap();
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["token", "s4-sales"], 2),
        (vec!["register", "--type", S4, "--name", "N"], 2),
        (vec!["pair", "s4-sales"], 2),
        (
            vec!["register", "--type", "No Such Type", "--name", "N", "--yes"],
            2,
        ),
        (vec!["register", "--type", S4, "--name", " ", "--yes"], 2),
        (vec!["token", "no-such-system", "--yes"], 2),
        (
            vec!["token", "s4-sales", "--scenario-group", "Nope", "--yes"],
            2,
        ),
        (vec!["pair", "s4-dev", "--yes"], 3),
    ];
    for (args, expected) in cases {
        let out = run(dir.path(), with(&src, &args)).await;
        assert_eq!(
            code(&out),
            expected,
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "a refused command changed the file"
    );
}
