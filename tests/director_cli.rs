//! The real binary against an in-process sandbox: `check`, `systems` and `create` give the
//! same verdicts as on the same landscape as a file; `--log` carries no secret; profiles.

mod common;

use std::path::Path;

use common::*;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

struct Pair {
    file: Vec<String>,
    director: Vec<String>,
}

fn sources(file: &Path, url: &str, token_file: &Path) -> Pair {
    Pair {
        file: args(&["--landscape", file.to_str().unwrap()]),
        director: args(&[
            "--director",
            url,
            "--tenant",
            "tenant-1",
            "--token-file",
            token_file.to_str().unwrap(),
        ]),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_give_the_same_verdicts_on_the_sandbox_as_on_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let demo: serde_json::Value = serde_json::from_str(formation_wizard::demo::EMBEDDED).unwrap();
    std::fs::create_dir_all(dir.path().join("served")).unwrap();
    let file = write_landscape(dir.path(), &demo);
    let served = write_landscape(&dir.path().join("served"), &demo);
    // Credentials that may read each system's latest token (`application.auths:read`): with
    // ordinary ones the Director, not the check, decides the scenario group (§1.1).
    const ADMIN: &str = "admin-token-with-every-scope";
    let sb = start(&served, |c| c.admin_token = Some(ADMIN.into())).await;
    let token_file = dir.path().join("token");
    write_secret(&token_file, ADMIN);
    let src = sources(&file, &sb.url(), &token_file);

    let tc = "sap-task-center";
    let commands: Vec<Vec<String>> = vec![
        args(&["systems", "--format", "json"]),
        args(&["systems", "--type", tc, "--format", "json"]),
        args(&["systems", "--type", "sap-start", "--format", "json"]),
        args(&[
            "check", "--name", "TC EU", "--type", tc, "--system", "tc-eu", "--system", "s4-prod",
            "--format", "json",
        ]),
        args(&[
            "check", "--name", "TC Two", "--type", tc, "--system", "tc-eu", "--system", "tc-apj",
            "--format", "json",
        ]),
        args(&[
            "check",
            "--name",
            "bad name!",
            "--type",
            tc,
            "--system",
            "tc-us",
            "--format",
            "json",
        ]),
        args(&[
            "create",
            "--name",
            "TC Created",
            "--type",
            tc,
            "--system",
            "tc-eu",
            "--system",
            "s4-prod",
            "--format",
            "json",
        ]),
        args(&[
            "check", "--name", "TC Again", "--type", tc, "--system", "tc-eu", "--system", "s4-qa",
            "--format", "json",
        ]),
        args(&[
            "create", "--name", "TC Again", "--type", tc, "--system", "tc-eu", "--system", "s4-qa",
            "--format", "json",
        ]),
        args(&["systems", "--type", tc, "--format", "json"]),
    ];
    for cmd in commands {
        let on_file = run(dir.path(), [src.file.clone(), cmd.clone()].concat()).await;
        let on_director = run(dir.path(), [src.director.clone(), cmd.clone()].concat()).await;
        assert_eq!(
            on_file.status.code(),
            on_director.status.code(),
            "{cmd:?}\nfile: {}\ndirector: {}",
            String::from_utf8_lossy(&on_file.stderr),
            String::from_utf8_lossy(&on_director.stderr)
        );
        let (mut a, mut b) = (json_of(&on_file), json_of(&on_director));
        // Only the new formation's id differs, the scenario groups (the Director's come
        // from the latest token, §5.3), and the wording of a registration reason: the file
        // says the cockpit's status ("Deregistering"), the Director only its condition
        // ("INITIAL"). The verdict itself — which systems, which rule — must be the same.
        for v in [&mut a, &mut b] {
            if let Some(c) = v.get_mut("created") {
                c["id"] = "…".into();
            }
            for s in v["systems"].as_array_mut().into_iter().flatten() {
                s["scenario_groups"] = "…".into();
            }
            for c in v["candidates"].as_array_mut().into_iter().flatten() {
                if c["selectable"] == false {
                    c["reason"] = "…".into();
                    c["fix"] = "…".into();
                }
                if let Some(o) = c.as_object_mut() {
                    o.remove("fixes");
                }
            }
        }
        assert_eq!(a, b, "{cmd:?}");
    }
    assert_eq!(formations_named(&served, "TC Created").len(), 1);
    assert!(formations_named(&served, "TC Again").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_records_requests_without_any_secret() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(5));
    let sb = start(&path, |c| {
        c.oauth_client = Some(("client-1".into(), "shh-client-secret".into()));
    })
    .await;
    let token_file = dir.path().join("token");
    write_secret(&token_file, TOKEN);
    let key = dir.path().join("key.json");
    write_secret(
        &key,
        &serde_json::json!({"clientid": "client-1", "clientsecret": "shh-client-secret", "url": sb.oauth_url()})
            .to_string(),
    );
    let log = dir.path().join("log.jsonl");
    let url = sb.url();
    let l = log.to_str().unwrap();
    let out = run(
        dir.path(),
        args(&[
            "systems",
            "--director",
            &url,
            "--tenant",
            "t",
            "--token-file",
            token_file.to_str().unwrap(),
            "--log",
            l,
        ]),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        dir.path(),
        args(&[
            "create",
            "--director",
            &url,
            "--tenant",
            "t",
            "--service-key",
            key.to_str().unwrap(),
            "--log",
            l,
            "--name",
            "TC Logged",
            "--type",
            "sap-task-center",
            "--system",
            "tc-1",
            "--system",
            "s4-1",
        ]),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("\"operation\":\"applications\""), "{text}");
    assert!(text.contains("\"operation\":\"createFormation\""), "{text}");
    assert!(text.contains("token request"), "{text}");
    assert!(text.contains("duration_ms"), "{text}");
    assert!(
        !text.contains(TOKEN) && !text.contains("shh-client-secret"),
        "{text}"
    );
    // The terminal got none of it.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("duration_ms"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_are_saved_privately_and_used_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let sb = start(&path, |_| {}).await;
    let token_file = dir.path().join("token");
    write_secret(&token_file, TOKEN);
    let url = sb.url();
    let out = run(
        dir.path(),
        args(&[
            "systems",
            "--director",
            &url,
            "--tenant",
            "t",
            "--token-file",
            token_file.to_str().unwrap(),
            "--save-profile",
            "rehearsal",
        ]),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.path().join("config/formation-wizard/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("[profiles.rehearsal]") && !text.contains(TOKEN),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let out = run(
        dir.path(),
        args(&["systems", "--profile", "rehearsal", "--format", "json"]),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_of(&out)["systems"].as_array().unwrap().len(), 6);
    let out = run(dir.path(), args(&["systems", "--profile", "nope"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no profile \"nope\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_flags_exit_2_and_an_unreachable_director_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    write_secret(&token_file, TOKEN);
    let tf = token_file.to_str().unwrap();
    let out = run(
        dir.path(),
        args(&[
            "systems",
            "--director",
            "http://127.0.0.1:9/graphql",
            "--token-file",
            tf,
        ]),
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "no tenant");
    let out = run(
        dir.path(),
        args(&[
            "systems",
            "--director",
            "http://127.0.0.1:9/graphql",
            "--tenant",
            "t",
        ]),
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "no credentials");
    let out = run(
        dir.path(),
        args(&[
            "systems",
            "--director",
            "http://127.0.0.1:9/graphql",
            "--tenant",
            "t",
            "--token-file",
            tf,
        ]),
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to http://127.0.0.1:9/graphql") && !err.contains(TOKEN),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_load_shows_progress_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(597));
    let sb = start(&path, |c| {
        c.rates.latency = std::time::Duration::from_millis(250)
    })
    .await;
    let token_file = dir.path().join("token");
    write_secret(&token_file, TOKEN);
    let url = sb.url();
    let out = run(
        dir.path(),
        args(&[
            "systems",
            "--director",
            &url,
            "--tenant",
            "t",
            "--token-file",
            token_file.to_str().unwrap(),
            "--format",
            "json",
        ]),
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Loading the landscape: 600 systems (6 pages)"),
        "{err}"
    );
    // stderr is a pipe here: whole lines, no carriage returns running together.
    assert!(!err.contains('\r'), "{err:?}");
    assert_eq!(
        json_of(&out)["systems"].as_array().unwrap().len(),
        600,
        "stdout stays JSON"
    );
}

/// Facts 10 and 11 (§2.2): the key the sandbox prints is in Compass form (`clientId`,
/// `clientSecret`, `url` the whole `/oauth2/token` endpoint), its issuer grants only the
/// scopes asked for, and `create` with it works because the command asks for what it needs.
/// `--scopes` overrides the request: with read scopes only, the create is refused by the
/// Director (code 23), and nothing is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compass_credential_works_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let sb = start(&path, |c| {
        c.token = None;
        c.oauth_client = Some(("client-1".into(), "shh-client-secret".into()));
    })
    .await;
    let key = dir.path().join("compass.json");
    write_secret(
        &key,
        &formation_wizard::sandbox::service_key(&sb, "client-1", "shh-client-secret"),
    );
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .contains("\"clientId\""),
        "Compass form"
    );
    let url = sb.url();
    let create = |name: &str, tc: &str, scopes: Option<&str>| {
        let mut a = args(&[
            "create",
            "--director",
            &url,
            "--tenant",
            "t",
            "--service-key",
            key.to_str().unwrap(),
            "--name",
            name,
            "--type",
            "sap-task-center",
            "--system",
            tc,
            "--system",
            "s4-1",
        ]);
        if let Some(s) = scopes {
            a.push("--scopes".into());
            a.push(s.into());
        }
        a
    };
    let out = run(dir.path(), create("TC Compass", "tc-1", None)).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(formations_named(&path, "TC Compass").len(), 1);

    // Each command asks for its own scopes (the Compass issuer grants only those): reading
    // ones to read, `types` the templates only, `token` to write applications and read
    // their tokens; each is enough for what the command calls.
    let with_key = |cmd: &[&str]| {
        let mut a = args(cmd);
        a.extend(args(&[
            "--director",
            &url,
            "--tenant",
            "t",
            "--service-key",
            key.to_str().unwrap(),
        ]));
        a
    };
    for cmd in [
        args(&["formations"]),
        args(&["show", "TC Compass"]),
        args(&["token", "s4-2", "--yes"]),
    ] {
        let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let out = run(dir.path(), with_key(&cmd)).await;
        assert_eq!(out.status.code(), Some(0), "{cmd:?}: {}", said(&out));
    }
    let mut types = with_key(&[]);
    types.push("types".into());
    let out = run(dir.path(), types).await;
    assert_eq!(out.status.code(), Some(0), "types: {}", said(&out));

    let out = run(
        dir.path(),
        create(
            "TC Read Only",
            "tc-2",
            Some("application:read formation:read formation_template:read"),
        ),
    )
    .await;
    assert_ne!(out.status.code(), Some(0), "{}", said(&out));
    assert!(said(&out).contains("scopes"), "{}", said(&out));
    assert!(formations_named(&path, "TC Read Only").is_empty());
}

/// Fact 13: against `--conflict-once createFormation` (code 35 once), `create` retries and
/// succeeds, and exactly one formation exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_succeeds_once_through_a_concurrent_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let sb = start(&path, |c| c.conflict_once = vec!["createFormation".into()]).await;
    let token = token_file(dir.path());
    let out = run(
        dir.path(),
        args(&[
            "create",
            "--director",
            &sb.url(),
            "--tenant",
            "t",
            "--token-file",
            token.to_str().unwrap(),
            "--name",
            "TC Raced",
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
    assert_eq!(formations_named(&path, "TC Raced").len(), 1);
}

/// Fact 12, the one test that really waits past 30 s (the client's old limit): with
/// `--slow-assign s4-1=31:fail` the Director-like sandbox stores the assignment, takes 31 s
/// for the notifications, deletes it again and fails the call. `assign` waits for that
/// answer (mutations get 120 s), says so while waiting, exits non-zero with the server's
/// reason, and leaves no member behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assign_with_a_slow_failing_notification_reports_the_reason_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let slow = formation_wizard::sandbox::parse_slow("s4-1=31:fail").unwrap();
    let sb = start(&path, |c| c.slow_assign = vec![slow]).await;
    let token = token_file(dir.path());
    let started = std::time::Instant::now();
    let out = run(
        dir.path(),
        args(&[
            "assign",
            "TC Zero",
            "--system",
            "s4-1",
            "--director",
            &sb.url(),
            "--tenant",
            "t",
            "--token-file",
            token.to_str().unwrap(),
        ]),
    )
    .await;
    eprintln!("assign took {:?}", started.elapsed());
    assert!(started.elapsed() >= std::time::Duration::from_secs(31));
    assert!(out.status.code().is_some_and(|c| c != 0), "{}", said(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("notifications") && stderr.contains("did not happen"),
        "{}",
        said(&out)
    );
    assert!(stderr.contains("still waiting"), "{}", said(&out));
    let stored = formations_named(&path, "TC Zero");
    assert_eq!(stored[0]["systems"], serde_json::json!(["tc-0", "s4-0"]));
}

/// §1.3, §4.5 step 8: a receiver refuses the one assignment s4-1 → tc-0 (`--fail-pair`):
/// the assign call succeeds and the loops are READY, but that pair ends in CREATE_ERROR.
/// `assign` follows the system, reports it failed with the server's reason and the pair,
/// and exits 3; `show` reads the formation in Error with that reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assign_reports_a_pair_that_failed_alone_with_the_servers_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let pair =
        formation_wizard::sandbox::parse_pair("s4-1=tc-0:tc-0 refused the destination").unwrap();
    let sb = start(&path, |c| c.fail_pairs = vec![pair]).await;
    let token = token_file(dir.path());
    let director = |cmd: &[&str]| {
        let mut all = args(cmd);
        all.extend(args(&[
            "--director",
            &sb.url(),
            "--tenant",
            "t",
            "--token-file",
            token.to_str().unwrap(),
        ]));
        all
    };
    let out = run(
        dir.path(),
        director(&["assign", "TC Zero", "--system", "s4-1"]),
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("s4-1 was not added to \"TC Zero\"")
            && stderr.contains(
                "CREATE_ERROR: tc-0 refused the destination (the assignment from s4-1 to tc-0)"
            ),
        "{}",
        said(&out)
    );
    let out = run(
        dir.path(),
        director(&["show", "TC Zero", "--format", "json"]),
    )
    .await;
    let shown = json_of(&out);
    assert_eq!(shown["status"], "Error", "{}", said(&out));
    let text = shown.to_string();
    assert!(text.contains("tc-0 refused the destination"), "{text}");
}

/// Fact 15 end to end: the sandbox serves a GLOBAL constraint on subtype `ANY` of its own;
/// `types --director` shows it among the Task Center type's rules (a difference from the
/// built-in catalog, said once), and `check` refuses an S/4HANA Cloud system that is in
/// another Task Center formation — which the built-in rules allow — exit 1, as the server
/// would refuse the assign.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_served_any_constraint_shows_in_types_and_the_checker() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let global = formation_wizard::sandbox::parse_global_constraint(
        r#"{"operator":"IsNotAssignedToAnyFormationOfType","system_types":["ANY"]}"#,
    )
    .unwrap();
    let sb = start(&path, |c| c.global_constraints = vec![global]).await;
    let token = token_file(dir.path());
    let director = args(&[
        "--director",
        &sb.url(),
        "--tenant",
        "t",
        "--token-file",
        token.to_str().unwrap(),
    ]);
    let check = args(&[
        "check",
        "--name",
        "TC Two",
        "--type",
        "sap-task-center",
        "--system",
        "tc-1",
        "--system",
        "s4-0",
    ]);
    // The built-in rules let an S/4HANA Cloud system be in two Task Center formations.
    let local = run(
        dir.path(),
        [
            args(&["--landscape", path.to_str().unwrap()]),
            check.clone(),
        ]
        .concat(),
    )
    .await;
    assert_eq!(local.status.code(), Some(0), "{}", said(&local));
    let out = run(dir.path(), [director.clone(), args(&["types"])].concat()).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let tc = stdout
        .split("\n\n")
        .find(|block| block.starts_with("sap-task-center "))
        .unwrap_or_else(|| panic!("the Task Center type: {}", said(&out)));
    assert!(
        tc.contains("rule: any system may be in only one formation of this type"),
        "{tc}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"Integration with Customer-Managed SAP Task Center\" differ")
            && stderr.contains("any system in only one such formation"),
        "{}",
        said(&out)
    );
    let out = run(dir.path(), [director.clone(), check.clone()].concat()).await;
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(
            "[system_in_other_formation_of_type] S/4HANA 0 is already in the formation \"TC Zero\""
        ),
        "{}",
        said(&out)
    );
}
