//! Issue 9 end to end: the real binary's `create` against the in-process sandbox, which
//! answers as the real Director does (director-behaviour.md). Each test names the failure
//! it rehearses; each checks what is left in the sandbox's own landscape file.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;
use formation_wizard::sandbox::Fault;

/// Runs `create` with the given name and systems against the sandbox, in a clean
/// environment (temporary data and config directories, no token in the environment).
async fn create(home: &Path, url: &str, token: &Path, name: &str, systems: &[&str]) -> Output {
    let mut args: Vec<String> = [
        "create",
        "--director",
        url,
        "--tenant",
        "tenant-1",
        "--token-file",
        token.to_str().unwrap(),
        "--name",
        name,
        "--type",
        "sap-task-center",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for s in systems {
        args.push("--system".into());
        args.push(s.to_string());
    }
    run(home, args).await
}

/// The formations in the sandbox's file that hold `system`.
fn formations_with(path: &Path, system: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["formations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["systems"]
                .as_array()
                .is_some_and(|s| s.iter().any(|m| m == system))
        })
        .map(|f| f["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn members(path: &Path, name: &str) -> Vec<String> {
    let found = formations_named(path, name);
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    found[0]["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// Two administrators create a formation with the same Task Center system at the same
/// moment: both pass their own check, the Director refuses the second assignment with
/// its code-10 constraint text (§6.3). The loser exits 1 (a rule, not a backend failure),
/// and its half-made formation is rolled back: unassigned, then deleted (§4.7).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_race_exits_1_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(4));
    // Latency makes both clients read the landscape before either assigns.
    let sb = start(&path, |c| {
        c.rates.latency = std::time::Duration::from_millis(60)
    })
    .await;
    let token = token_file(dir.path());
    let url = sb.url();
    let (a, b) = tokio::join!(
        create(dir.path(), &url, &token, "Race A", &["tc-1", "s4-1"]),
        create(dir.path(), &url, &token, "Race B", &["tc-1", "s4-2"]),
    );
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(1)], "{}\n{}", said(&a), said(&b));
    let (winner, loser) = if a.status.code() == Some(0) {
        ("Race A", &b)
    } else {
        ("Race B", &a)
    };
    assert_eq!(formations_with(&path, "tc-1"), [winner]);
    let loser_name = if winner == "Race A" {
        "Race B"
    } else {
        "Race A"
    };
    assert!(
        formations_named(&path, loser_name).is_empty(),
        "the loser's formation was left behind\n{}",
        said(loser)
    );
    let text = said(loser);
    assert!(
        text.contains("system_in_other_formation_of_type") || text.contains("only one"),
        "{text}"
    );
}

/// The Director's front answers 503 before the create ran: the client looks the name up
/// (code 20: absent, §4.3), sends the create again, and exactly one formation results.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_before_the_create_reaches_the_server_still_ends_with_exactly_one_formation() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(4));
    let sb = start(&path, |_| {}).await;
    let token = token_file(dir.path());
    sb.fail_next(Fault::Unavailable, 1, Some("createFormation"));
    let out = create(
        dir.path(),
        &sb.url(),
        &token,
        "After 503",
        &["tc-1", "s4-1"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(members(&path, "After 503"), ["tc-1", "s4-1"]);
}

/// The create, then the first assignment, then the second are each committed and their
/// answer lost (the connection drops, §2.1): nothing is created or assigned twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_answer_after_a_committed_create_or_assign_never_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(8));
    let sb = start(&path, |_| {}).await;
    let token = token_file(dir.path());
    for (n, tc) in [(1, "tc-1"), (2, "tc-2")] {
        let name = format!("Dropped {n}");
        let s4 = format!("s4-{n}");
        sb.drop_after_commit(n);
        let out = create(dir.path(), &sb.url(), &token, &name, &[tc, &s4]).await;
        assert_eq!(out.status.code(), Some(0), "{}", said(&out));
        assert_eq!(members(&path, &name), [tc, s4.as_str()]);
        assert_eq!(formations_with(&path, tc), [name.as_str()]);
    }
}

/// The Director accepts the assignment but its notification fails (§4.5 step 8): the
/// assignment ends in CREATE_ERROR. `create` follows every assignment, exits 3 and names
/// the system with the server's message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assignment_ending_in_create_error_exits_3_naming_the_system_and_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(4));
    let sb = start(&path, |_| {}).await;
    sb.fail_assignment(
        "s4-2",
        Some("receiver refused the SAP_COM_0501 configuration"),
    );
    let token = token_file(dir.path());
    let out = create(
        dir.path(),
        &sb.url(),
        &token,
        "Failing S4",
        &["tc-1", "s4-2"],
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    let text = said(&out);
    assert!(text.contains("s4-2"), "{text}");
    assert!(
        text.contains("receiver refused the SAP_COM_0501 configuration"),
        "{text}"
    );
}

/// The sandbox refuses the key `state` in FormationInput, even `null`, to a token without
/// `formation.state:write` (§2.3), as the real Director does: a create with ordinary
/// credentials that succeeds proves no request carried it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_carries_state_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(4));
    let sb = start(&path, |_| {}).await;
    let http = reqwest::Client::new();
    let refused: serde_json::Value = http
        .post(sb.url())
        .bearer_auth(TOKEN)
        .header("Tenant", "tenant-1")
        .json(&serde_json::json!({
            "query": "mutation { createFormation(formation: {name: \"Probe\", templateName: \"Integration with Customer-Managed SAP Task Center\", state: null}) { id } }"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        refused["errors"][0]["extensions"]["error_code"], 23,
        "{refused}"
    );
    let token = token_file(dir.path());
    let out = create(dir.path(), &sb.url(), &token, "No State", &["tc-1", "s4-1"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(members(&path, "No State"), ["tc-1", "s4-1"]);
}
