//! The director backend against the in-process sandbox on 127.0.0.1 (port 0): paginated
//! loading, creating to READY, every injected fault, token refresh, and the race for a
//! Task Center system.

mod common;

use std::time::{Duration, Instant};

use common::*;
use formation_wizard::backend::director::auth::{Credentials, ServiceKey};
use formation_wizard::backend::{Backend, BackendEvent, CallState, Progress};
use formation_wizard::catalog::Catalog;
use formation_wizard::intern::Name;
use formation_wizard::ops::{End, Final};
use formation_wizard::plan::FormationPlan;
use formation_wizard::rules::RuleKind;
use formation_wizard::sandbox::Fault;
use secrecy::SecretString;

fn plan(name: &str, systems: &[&str]) -> FormationPlan {
    FormationPlan {
        name: name.into(),
        type_id: "sap-task-center".into(),
        systems: systems.iter().map(|s| s.to_string()).collect(),
    }
}

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

async fn create_ok(b: &dyn Backend, p: &FormationPlan) -> String {
    let out = create(b, p, &catalog(), &Progress::none()).await;
    match (&out.end, out.formation.clone()) {
        (End::Created, Some(c)) => {
            assert_eq!(c.status, "Ready");
            c.id
        }
        _ => panic!("expected Created, got {out:?}"),
    }
}

#[tokio::test]
async fn loads_a_paginated_landscape_of_1000_systems() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(997));
    let sb = start(&path, |_| {}).await;
    let b = backend(&sb);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let l = b.load(&catalog(), &Progress::to(tx)).await.unwrap();
    eprintln!("loaded 1000 systems in {:?}", started.elapsed());
    assert_eq!(l.systems.len(), 1000);
    assert_eq!(l.formations.len(), 1);
    assert_eq!(l.formations[0].systems, vec!["tc-0", "s4-0"]);
    let s = l.system("s4-5").unwrap();
    assert_eq!(s.system_type, "SAP S/4HANA Cloud");
    assert_eq!(s.status.as_deref(), Some("Registered"));
    // Equal type, status and condition words are one shared text across the pages.
    let (first, last) = (l.system("s4-0").unwrap(), l.system("s4-900").unwrap());
    assert!(s.system_type.shares_with(&first.system_type));
    assert!(s.system_type.shares_with(&last.system_type));
    let shared = |a: &Option<Name>, b: &Option<Name>| {
        a.as_ref()
            .zip(b.as_ref())
            .is_some_and(|(a, b)| a.shares_with(b))
    };
    assert!(shared(&s.status, &last.status), "{s:?} {last:?}");
    assert!(shared(&s.condition, &last.condition), "{s:?} {last:?}");
    // Ordinary credentials cannot read registration tokens (director-behaviour.md §1.1).
    assert!(
        s.token_unreadable || s.scenario_groups == vec!["All Communication Scenarios"],
        "{s:?}"
    );
    let mut last = None;
    while let Ok(e) = rx.try_recv() {
        if let BackendEvent::Loading { pages, systems } = e {
            last = Some((pages, systems));
        }
    }
    assert_eq!(last, Some((10, 1000)), "one Loading event per page of 100");
}

#[tokio::test]
async fn creates_a_task_center_formation_and_sees_it_ready() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(5));
    let sb = start(&path, |c| c.ready_after = Duration::from_millis(300)).await;
    let b = backend(&sb);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let out = create(
        &b,
        &plan("TC One", &["tc-1", "s4-1", "s4-2"]),
        &catalog(),
        &Progress::to(tx),
    )
    .await;
    let (End::Created, Some(created)) = (&out.end, out.formation.clone()) else {
        panic!("{out:?}")
    };
    assert_eq!(created.status, "Ready");
    assert!(out.systems.values().all(|f| *f == Final::Ready), "{out:?}");
    // Followed from INITIAL until every assignment was READY.
    let mut seen = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if let BackendEvent::Assignments { systems, .. } = e {
            seen.push(systems);
        }
    }
    assert!(
        seen.first()
            .is_some_and(|s| s.values().any(|a| a.state == "INITIAL")),
        "{seen:?}"
    );
    assert!(
        seen.last()
            .is_some_and(|s| s.len() == 3 && s.values().all(|a| a.state == "READY")),
        "{seen:?}"
    );
    let stored = formations_named(&path, "TC One");
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0]["systems"],
        serde_json::json!(["tc-1", "s4-1", "s4-2"])
    );
    assert_eq!(b.status(&created.id).await.unwrap().status, "Ready");
    // And it can be read back as part of the landscape, then deleted.
    let l = b.load(&catalog(), &Progress::none()).await.unwrap();
    assert!(l.formation_named("TC One").is_some());
    delete(&b, &created.id, &catalog()).await;
    assert!(formations_named(&path, "TC One").is_empty());
}

/// Each fault on createFormation (the operation that must never be duplicated) ends in one
/// formation, not two.
#[tokio::test]
async fn faults_on_create_never_duplicate_the_formation() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(10));
    let sb = start(&path, |_| {}).await;
    let b = backend(&sb);
    let faults = [
        Fault::ServerError,
        Fault::Drop,
        Fault::SlowAnswer(Duration::from_secs(3)),
        Fault::Malformed,
        Fault::GraphQlError,
        Fault::Throttle { retry_after: 1 },
    ];
    for (i, fault) in faults.into_iter().enumerate() {
        let name = format!("TC Fault {i}");
        sb.fail_next(fault.clone(), 1, Some("createFormation"));
        let id = create_ok(&b, &plan(&name, &["tc-1", &format!("s4-{}", i + 1)])).await;
        assert_eq!(formations_named(&path, &name).len(), 1, "{fault:?}");
        delete(&b, &id, &catalog()).await;
    }
}

#[tokio::test]
async fn a_429_is_honoured_with_its_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let sb = start(&path, |_| {}).await;
    let b = backend(&sb);
    sb.fail_next(Fault::Throttle { retry_after: 1 }, 1, Some("applications"));
    let started = Instant::now();
    b.load(&catalog(), &Progress::none()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn faults_on_reads_are_retried_until_they_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(250));
    let sb = start(&path, |_| {}).await;
    let b = backend(&sb);
    for fault in [
        Fault::ServerError,
        Fault::Drop,
        Fault::SlowAnswer(Duration::from_secs(3)),
        Fault::Malformed,
        Fault::GraphQlError,
    ] {
        sb.fail_next(fault.clone(), 2, Some("applications"));
        let l = b.load(&catalog(), &Progress::none()).await;
        assert_eq!(l.map(|l| l.systems.len()).ok(), Some(253), "{fault:?}");
    }
}

#[tokio::test]
async fn faults_on_assign_are_resolved_without_a_second_assignment() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(5));
    let sb = start(&path, |_| {}).await;
    let b = backend(&sb);
    for (i, fault) in [Fault::Drop, Fault::Malformed, Fault::ServerError]
        .into_iter()
        .enumerate()
    {
        let name = format!("TC Assign {i}");
        sb.fail_next(fault.clone(), 1, Some("assignFormation"));
        let id = create_ok(&b, &plan(&name, &["tc-1", "s4-1"])).await;
        let stored = formations_named(&path, &name);
        assert_eq!(
            stored[0]["systems"],
            serde_json::json!(["tc-1", "s4-1"]),
            "{fault:?}"
        );
        delete(&b, &id, &catalog()).await;
    }
}

#[tokio::test]
async fn persistent_server_errors_end_in_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let sb = start(&path, |_| {}).await;
    let b = backend(&sb);
    sb.fail_next(Fault::ServerError, 50, Some("applications"));
    let err = b.load(&catalog(), &Progress::none()).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("applications") && text.contains("HTTP 500"),
        "{text}"
    );
    assert_eq!(err.exit_code(), 3);
}

#[tokio::test]
async fn an_assignment_that_keeps_failing_is_undone_and_names_the_system() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(5));
    let sb = start(&path, |_| {}).await;
    let b = backend(&sb);
    // Every request naming s4-2 fails: its assignment and the membership checks.
    sb.fail_next(Fault::ServerError, 50, Some("s4-2"));
    let out = create(
        &b,
        &plan("TC Partial", &["tc-1", "s4-1", "s4-2"]),
        &catalog(),
        &Progress::none(),
    )
    .await;
    let End::Failed(why) = &out.end else {
        panic!("{out:?}")
    };
    assert!(why.contains("s4-2") && why.contains("HTTP 500"), "{why}");
    assert!(out.left.is_none() && out.formation.is_none(), "{out:?}");
    assert!(
        formations_named(&path, "TC Partial").is_empty(),
        "what was done was undone"
    );
}

#[tokio::test]
async fn a_constraint_refusal_is_rolled_back_and_reported_as_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(5));
    let sb = start(&path, |_| {}).await;
    let b = backend(&sb);
    // tc-0 is already in "TC Zero": the server refuses it.
    let out = create(
        &b,
        &plan("TC Taken", &["tc-0", "s4-1"]),
        &catalog(),
        &Progress::none(),
    )
    .await;
    let End::Refused(report) = &out.end else {
        panic!("{out:?}")
    };
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.rule == RuleKind::SystemInOtherFormationOfType)
    );
    assert!(
        formations_named(&path, "TC Taken").is_empty(),
        "rolled back"
    );
    // Assigning directly shows the Director's constraint message.
    let id = create_ok(&b, &plan("TC Free", &["tc-1", "s4-1"])).await;
    let err = b
        .assign(&id, "tc-0", &catalog(), None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Formation constraint \"") && err.contains("is not satisfied due to"),
        "{err}"
    );
}

#[tokio::test]
async fn an_expired_oauth_token_is_refreshed_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let sb = start(&path, |c| {
        c.token = None;
        c.oauth_client = Some(("client-1".into(), "shh-client-secret".into()));
    })
    .await;
    let key = ServiceKey {
        client_id: "client-1".into(),
        client_secret: SecretString::from("shh-client-secret".to_owned()),
        url: sb.oauth_url(),
        origin: "test key".into(),
        scopes: Vec::new(),
    };
    let b = backend_with(&sb, Credentials::ClientCredentials(key.clone()));
    b.load(&catalog(), &Progress::none()).await.unwrap();
    sb.expire_tokens();
    b.load(&catalog(), &Progress::none()).await.unwrap();
    create_ok(&b, &plan("TC OAuth", &["tc-1", "s4-1"])).await;

    let wrong = ServiceKey {
        client_secret: SecretString::from("wrong-secret".to_owned()),
        ..key
    };
    let b = backend_with(&sb, Credentials::ClientCredentials(wrong));
    let err = b
        .load(&catalog(), &Progress::none())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("refused the client credentials") && !err.contains("wrong-secret"),
        "{err}"
    );
}

#[tokio::test]
async fn a_rotated_token_file_is_read_again_after_a_401() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let sb = start(&path, |c| c.token = Some("first-token".into())).await;
    let file = dir.path().join("token");
    write_private(&file, "first-token\n");
    let b = backend_with(&sb, Credentials::from_token_file(&file).unwrap());
    b.load(&catalog(), &Progress::none()).await.unwrap();
    sb.set_token(Some("second-token"));
    write_private(&file, "second-token\n");
    b.load(&catalog(), &Progress::none()).await.unwrap();
    // A token nobody accepts: one clear sentence that does not echo it.
    sb.set_token(Some("third-token"));
    let err = b
        .load(&catalog(), &Progress::none())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("401") && !err.contains("second-token"),
        "{err}"
    );
}

fn write_private(path: &std::path::Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Issue 23, Why 7: the token file read again after a 401 is checked as the first read is.
/// A file rotated into an open one, a FIFO or a link to `/dev/zero` is refused at once,
/// with the file named and nothing of its content.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn why23_7_a_token_file_read_again_after_a_401_is_checked_like_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let sb = start(&path, |c| c.token = Some("first-token".into())).await;
    let file = dir.path().join("token");
    write_private(&file, "first-token\n");
    let b = backend_with(&sb, Credentials::from_token_file(&file).unwrap());
    b.load(&catalog(), &Progress::none()).await.unwrap();

    // Rotated into a file that others can read: refused, though its token is right.
    sb.set_token(Some("open-token"));
    std::fs::remove_file(&file).unwrap();
    std::fs::write(&file, "open-token\n").unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let err = b
        .load(&catalog(), &Progress::none())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("chmod 600") && !err.contains("open-token"),
        "{err}"
    );

    // A FIFO never hangs, a link to /dev/zero is not read until memory runs out.
    std::fs::remove_file(&file).unwrap();
    let fifo = std::ffi::CString::new(file.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let refused = tokio::time::timeout(
        Duration::from_secs(20),
        b.load(&catalog(), &Progress::none()),
    )
    .await
    .expect("a FIFO token file must not hang the client");
    let err = refused.unwrap_err().to_string();
    assert!(err.contains("token file"), "{err}");
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &file).unwrap();
    let refused = tokio::time::timeout(
        Duration::from_secs(20),
        b.load(&catalog(), &Progress::none()),
    )
    .await
    .expect("a link to /dev/zero must not be read");
    let err = refused.unwrap_err().to_string();
    assert!(err.contains("token file"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_racing_for_one_task_center_system_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(5));
    let sb = start(&path, |_| {}).await;
    let (a, b) = (backend(&sb), backend(&sb));
    let (pa, pb) = (
        plan("Race A", &["tc-2", "s4-1"]),
        plan("Race B", &["tc-2", "s4-2"]),
    );
    let cat = catalog();
    let none = Progress::none();
    let (ra, rb) = tokio::join!(create(&a, &pa, &cat, &none), create(&b, &pb, &cat, &none));
    let outcomes = [ra, rb];
    let created = outcomes
        .iter()
        .filter(|o| matches!(o.end, End::Created))
        .count();
    assert_eq!(created, 1, "{outcomes:?}");
    let refused = outcomes
        .iter()
        .find_map(|o| match &o.end {
            End::Refused(r) => Some(r),
            _ => None,
        })
        .expect("the other is refused");
    assert!(
        refused
            .violations
            .iter()
            .any(|v| v.rule == RuleKind::SystemInOtherFormationOfType && v.touches("tc-2")),
        "{refused:?}"
    );
    let with_tc2: usize = ["Race A", "Race B"]
        .iter()
        .map(|n| formations_named(&path, n).len())
        .sum();
    assert_eq!(with_tc2, 1, "the loser's formation was rolled back");
}

#[test]
fn debug_output_of_the_auth_types_has_no_secret() {
    let key = ServiceKey {
        client_id: "client-1".into(),
        client_secret: SecretString::from("shh-client-secret".to_owned()),
        url: "http://127.0.0.1:1".into(),
        origin: "k".into(),
        scopes: Vec::new(),
    };
    let creds = Credentials::ClientCredentials(key.clone());
    let tok = token(TOKEN);
    let auth =
        formation_wizard::backend::director::auth::Auth::new(tok.clone(), reqwest::Client::new());
    for text in [
        format!("{key:?}"),
        format!("{creds:?}"),
        format!("{tok:?}"),
        format!("{auth:?}"),
    ] {
        assert!(
            !text.contains("shh-client-secret") && !text.contains(TOKEN),
            "{text}"
        );
    }
}

#[tokio::test]
async fn the_sandbox_requires_a_bearer_token_and_a_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(1));
    let sb = start(&path, |_| {}).await;
    let http = reqwest::Client::new();
    let query = serde_json::json!({"query": "{ formations { totalCount } }"});
    let no_token = http
        .post(sb.url())
        .header("Tenant", "t")
        .json(&query)
        .send()
        .await
        .unwrap();
    // As the Director's middleware: no Authorization at all is a bad request (§2.2) …
    assert_eq!(no_token.status(), 400);
    let bad_token = http
        .post(sb.url())
        .bearer_auth("not-the-token")
        .header("Tenant", "t")
        .json(&query)
        .send()
        .await
        .unwrap();
    // … and a token that does not check out is 401.
    assert_eq!(bad_token.status(), 401);
    let no_tenant: serde_json::Value = http
        .post(sb.url())
        .bearer_auth(TOKEN)
        .json(&query)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(no_tenant["errors"][0]["extensions"]["error_code"], 24);
    let ok: serde_json::Value = http
        .post(sb.url())
        .bearer_auth(TOKEN)
        .header("Tenant", "t")
        .json(&query)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["data"]["formations"]["totalCount"], 1);
}

#[tokio::test]
async fn retries_are_reported_with_the_attempt_they_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(5));
    let sb = start(&path, |c| c.ready_after = Duration::from_millis(50)).await;
    let b = backend(&sb);
    sb.fail_next(
        Fault::Throttle { retry_after: 0 },
        2,
        Some("assignFormation"),
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let out = create(
        &b,
        &plan("TC Retry", &["tc-1", "s4-1"]),
        &catalog(),
        &Progress::to(tx),
    )
    .await;
    assert!(matches!(out.end, End::Created), "{out:?}");
    let mut attempts = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if let BackendEvent::Call {
            state: CallState::Retrying { attempt, .. },
            ..
        } = e
        {
            attempts.push(attempt);
        }
    }
    assert_eq!(attempts, [2, 3]);
}

/// Issue 23, Why 3 on a Director: no lock there, so the "stops working" minimum is checked
/// on the formation's members read right before the call: a system another client took out
/// since the caller looked is counted, and the removal is refused with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn why23_3_a_director_unassign_rechecks_the_minimum_on_the_members_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let sb = start(&path, |_| {}).await;
    let (a, b) = (backend(&sb), backend(&sb));
    let id = create_ok(&a, &plan("Two S4", &["tc-1", "s4-1", "s4-2"])).await;
    let seen = a.load(&catalog(), &Progress::none()).await.unwrap();
    b.unassign(&id, "s4-1", &catalog()).await.unwrap();
    let refused = a
        .unassign_keeping_rules(&id, "s4-2", &seen, &catalog())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, formation_wizard::backend::BackendError::Refused(_)),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("stop working"), "{refused}");
    let members = a.members(&id).await.unwrap();
    assert!(members.contains_key("s4-2"), "{members:?}");
}

/// Fact 12: a mutation gets more time than a read (here 1.5 s for reads, the default 120 s
/// for changes): an assign whose notifications take 2 s and then fail is answered, not
/// timed out, and the error carries the server's reason; the system is not left in.
#[tokio::test]
async fn a_slow_failing_assign_is_waited_for_and_reports_the_reason_fact_12() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let slow = formation_wizard::sandbox::parse_slow("s4-1=2:fail").unwrap();
    let sb = start(&path, |c| c.slow_assign = vec![slow]).await;
    let b = backend(&sb);
    let started = Instant::now();
    let err = b
        .assign("f-0", "s4-1", &catalog(), None)
        .await
        .unwrap_err()
        .to_string();
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(
        err.contains("notifications") && err.contains("did not happen"),
        "{err}"
    );
    let members = b.members("f-0").await.unwrap();
    assert!(!members.contains_key("s4-1"), "{members:?}");
}

/// Fact 14: the client asks with `suggest_token: true` and hands out the token a system
/// pastes (base64 JSON with the token and the connector URL), with the connector URL kept.
#[tokio::test]
async fn a_registration_token_is_the_one_a_system_pastes_fact_14() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let sb = start(&path, |_| {}).await;
    let b = backend(&sb);
    let issued = b
        .request_token(
            "s4-1",
            &["All Communication Scenarios".to_owned()],
            &catalog(),
        )
        .await
        .unwrap();
    let text = secrecy::ExposeSecret::expose_secret(&issued.token).to_owned();
    let inside: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(&text)
            .expect("base64"),
    )
    .expect("JSON");
    assert_eq!(inside["connectorURL"], issued.connector_url.as_str());
    assert!(!issued.connector_url.is_empty() && !issued.expires_at.is_empty());
}
