//! Day-two commands (issue 11) through the real binary, each case against a landscape file
//! and against an in-process sandbox serving the same landscape: success paths, refusals,
//! exit codes and JSON fields. A property test drives assign/unassign/delete through the
//! local backend and checks that no Task Center ends up in two Task Center formations.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;
use serde_json::{Value, json};

/// The common landscape plus an empty Task Center formation and, where `error` is set,
/// s4-0's assignment in CREATE_ERROR with that message.
fn day_two_landscape(error: Option<&str>) -> Value {
    let mut l = landscape(3);
    let formations = l["formations"].as_array_mut().expect("a list");
    formations.push(json!({"id": "f-1", "name": "Empty", "type": "sap-task-center", "systems": [], "status": "Ready"}));
    if let Some(message) = error {
        formations[0]["assignments"] = json!({"s4-0": {"state": "CREATE_ERROR", "error": message}});
    }
    l
}

/// Where a case runs: the file, or a sandbox serving a copy of it.
enum Where {
    File,
    Sandbox,
}

struct Place {
    home: tempfile::TempDir,
    source: Vec<String>,
    _sandbox: Option<formation_wizard::sandbox::SandboxHandle>,
}

/// A token with every scope: creating or finalizing a DRAFT needs `formation.state:write`,
/// which an ordinary token lacks on the real Director.
const ADMIN: &str = "admin-tok-not-for-logs";

async fn place(at: &Where, landscape: &Value, fail: Option<&str>, admin: bool) -> Place {
    let home = tempfile::tempdir().expect("a temp dir");
    let file = write_landscape(home.path(), landscape);
    match at {
        Where::File => Place {
            source: vec!["--landscape".into(), path_str(&file)],
            home,
            _sandbox: None,
        },
        Where::Sandbox => {
            let fail = fail.map(str::to_owned);
            let sb = start(&file, |c| {
                c.admin_token = Some(ADMIN.into());
                if let Some(id) = fail {
                    c.fail_assignments =
                        vec![(id, "the S/4HANA system rejected the configuration".into())];
                }
            })
            .await;
            let token = home.path().join("token");
            write_secret(&token, if admin { ADMIN } else { TOKEN });
            Place {
                source: vec![
                    "--director".into(),
                    sb.url(),
                    "--tenant".into(),
                    "tenant-1".into(),
                    "--token-file".into(),
                    path_str(&token),
                ],
                home,
                _sandbox: Some(sb),
            }
        }
    }
}

fn path_str(p: &Path) -> String {
    p.to_str().expect("a UTF-8 temp path").to_owned()
}

impl Place {
    async fn run(&self, args: &[&str]) -> Output {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(self.source.iter().cloned());
        run(self.home.path(), all).await
    }
}

/// One step of a case: the arguments, the exit code, and what the JSON must hold.
struct Step {
    args: &'static [&'static str],
    code: i32,
    check: fn(&Value),
}

fn no_check(_: &Value) {}

fn names(v: &Value) -> Vec<String> {
    v["formations"]
        .as_array()
        .expect("a formations list")
        .iter()
        .map(|f| f["name"].as_str().expect("a name").to_owned())
        .collect()
}

fn cases() -> Vec<(&'static str, Vec<Step>)> {
    vec![
        (
            "formations lists each with status and count",
            vec![Step {
                args: &["formations", "--format", "json"],
                code: 0,
                check: |v| {
                    let f = &v["formations"][0];
                    assert_eq!(f["name"], "TC Zero");
                    assert_eq!(f["status"], "Ready");
                    assert_eq!(f["systems"], 2);
                    assert_eq!(f["not_ready"], json!([]));
                },
            }],
        ),
        (
            "formations --type filters and an unknown type is an input error",
            vec![
                Step {
                    args: &[
                        "formations",
                        "--type",
                        "sap-task-center",
                        "--format",
                        "json",
                    ],
                    code: 0,
                    check: |v| assert_eq!(names(v), ["TC Zero", "Empty"]),
                },
                Step {
                    args: &["formations", "--type", "no-such-type"],
                    code: 2,
                    check: no_check,
                },
            ],
        ),
        (
            "show names systems, states and what it enables",
            vec![Step {
                args: &["show", "TC Zero", "--format", "json"],
                code: 0,
                check: |v| {
                    assert_eq!(v["status"], "Ready");
                    let systems = v["systems"].as_array().expect("systems");
                    assert_eq!(systems.len(), 2);
                    assert!(systems.iter().all(|s| s["state"] == "READY"), "{v}");
                    assert_eq!(v["enables"][0]["system"], "s4-0");
                    assert_eq!(
                        v["enables"][0]["communication_scenarios"],
                        json!(["SAP_COM_0501"])
                    );
                },
            }],
        ),
        (
            "show by id, and an unknown formation is an input error",
            vec![
                Step {
                    args: &["show", "f-0", "--format", "json"],
                    code: 0,
                    check: |v| assert_eq!(v["name"], "TC Zero"),
                },
                Step {
                    args: &["show", "No Such"],
                    code: 2,
                    check: no_check,
                },
            ],
        ),
        (
            "assign follows the system to READY",
            vec![
                Step {
                    args: &["assign", "TC Zero", "--system", "s4-1", "--format", "json"],
                    code: 0,
                    check: |v| {
                        assert_eq!(v["action"], "assign");
                        assert_eq!(v["systems"][0]["id"], "s4-1");
                        assert_eq!(v["systems"][0]["state"], "READY");
                        assert_eq!(v["status"], "Ready");
                    },
                },
                Step {
                    args: &["formations", "--format", "json"],
                    code: 0,
                    check: |v| assert_eq!(v["formations"][0]["systems"], 3),
                },
            ],
        ),
        (
            "assign of a member again (its Task Center too) changes nothing and succeeds",
            vec![
                Step {
                    args: &[
                        "assign", "TC Zero", "--system", "tc-0", "--system", "s4-0", "--format",
                        "json",
                    ],
                    code: 0,
                    check: |v| {
                        assert_eq!(v["action"], "assign");
                        assert_eq!(v["status"], "Ready");
                        let states: Vec<&Value> =
                            v["systems"].as_array().expect("systems").iter().collect();
                        assert!(states.iter().all(|s| s["state"] == "READY"), "{v}");
                    },
                },
                Step {
                    args: &["formations", "--format", "json"],
                    code: 0,
                    check: |v| assert_eq!(v["formations"][0]["systems"], 2),
                },
            ],
        ),
        (
            "assign refuses a second Task Center (max count) and changes nothing",
            vec![
                Step {
                    args: &["assign", "TC Zero", "--system", "tc-1", "--format", "json"],
                    code: 1,
                    check: |v| {
                        assert_eq!(v["refused"], true);
                        assert_eq!(v["violations"][0]["rule"], "max_systems_of_type");
                    },
                },
                Step {
                    args: &["formations", "--format", "json"],
                    code: 0,
                    check: |v| assert_eq!(v["formations"][0]["systems"], 2),
                },
            ],
        ),
        (
            "assign refuses a Task Center already in another Task Center formation",
            vec![Step {
                args: &["assign", "Empty", "--system", "tc-0", "--format", "json"],
                code: 1,
                check: |v| {
                    assert_eq!(
                        v["violations"][0]["rule"],
                        "system_in_other_formation_of_type"
                    );
                    assert!(v["violations"][0]["fix"].is_string(), "{v}");
                },
            }],
        ),
        (
            "assign to an unknown formation or of an unknown system is an input error",
            vec![
                Step {
                    args: &["assign", "No Such", "--system", "s4-1"],
                    code: 2,
                    check: no_check,
                },
                Step {
                    args: &["unassign", "TC Zero", "--system", "s4-2"],
                    code: 2,
                    check: no_check,
                },
                Step {
                    args: &["assign", "TC Zero", "--system", "s4-99"],
                    code: 2,
                    check: no_check,
                },
            ],
        ),
        (
            "unassign takes a system out (another S/4HANA stays, so nothing breaks)",
            vec![
                Step {
                    args: &["assign", "TC Zero", "--system", "s4-1"],
                    code: 0,
                    check: no_check,
                },
                Step {
                    args: &[
                        "unassign", "TC Zero", "--system", "s4-0", "--format", "json",
                    ],
                    code: 0,
                    check: |v| {
                        assert_eq!(v["action"], "unassign");
                        assert_eq!(v["systems"][0]["state"], "UNASSIGNED");
                    },
                },
                Step {
                    args: &["show", "TC Zero", "--format", "json"],
                    code: 0,
                    check: |v| assert_eq!(v["systems"].as_array().map(Vec::len), Some(2)),
                },
            ],
        ),
        (
            "unassigning the only Task Center needs --yes",
            vec![
                Step {
                    args: &[
                        "unassign", "TC Zero", "--system", "tc-0", "--format", "json",
                    ],
                    code: 1,
                    check: |v| {
                        assert_eq!(v["refused"], true);
                        assert_eq!(v["violations"][0]["rule"], "min_systems_of_type");
                    },
                },
                Step {
                    args: &["show", "TC Zero", "--format", "json"],
                    code: 0,
                    check: |v| assert_eq!(v["systems"].as_array().map(Vec::len), Some(2)),
                },
                Step {
                    args: &[
                        "unassign", "TC Zero", "--system", "tc-0", "--yes", "--format", "json",
                    ],
                    code: 0,
                    check: |v| assert_eq!(v["systems"][0]["id"], "tc-0"),
                },
                Step {
                    args: &["show", "TC Zero", "--format", "json"],
                    code: 0,
                    check: |v| assert_eq!(v["systems"].as_array().map(Vec::len), Some(1)),
                },
            ],
        ),
        (
            "delete without --yes off a terminal changes nothing",
            vec![
                Step {
                    args: &["delete", "TC Zero"],
                    code: 2,
                    check: no_check,
                },
                Step {
                    args: &["formations", "--format", "json"],
                    code: 0,
                    check: |v| assert_eq!(names(v), ["TC Zero", "Empty"]),
                },
            ],
        ),
        (
            "delete --yes unassigns the systems, then deletes",
            vec![
                Step {
                    args: &["delete", "TC Zero", "--yes", "--format", "json"],
                    code: 0,
                    check: |v| {
                        assert_eq!(v["deleted"], true);
                        assert_eq!(v["unassigned"], json!(["tc-0", "s4-0"]));
                    },
                },
                Step {
                    args: &["formations", "--format", "json"],
                    code: 0,
                    check: |v| assert_eq!(names(v), ["Empty"]),
                },
                Step {
                    args: &["delete", "TC Zero", "--yes"],
                    code: 2,
                    check: no_check,
                },
            ],
        ),
        (
            "create --draft, then finalize; finalizing a formation that is no draft fails",
            vec![
                Step {
                    args: &[
                        "create",
                        "--name",
                        "Rehearsal",
                        "--type",
                        "sap-task-center",
                        "--system",
                        "tc-1",
                        "--system",
                        "s4-2",
                        "--draft",
                        "--format",
                        "json",
                    ],
                    code: 0,
                    check: |v| assert_eq!(v["created"]["status"], "Draft", "{v}"),
                },
                Step {
                    args: &["status", "Rehearsal", "--format", "json"],
                    code: 0,
                    check: |v| assert_eq!(v["status"], "Draft"),
                },
                Step {
                    args: &["finalize", "Rehearsal", "--format", "json"],
                    code: 0,
                    check: |v| assert_ne!(v["status"], "Draft"),
                },
                Step {
                    args: &[
                        "status",
                        "Rehearsal",
                        "--wait",
                        "--timeout",
                        "20",
                        "--format",
                        "json",
                    ],
                    code: 0,
                    check: |v| assert_eq!(v["status"], "Ready"),
                },
                Step {
                    args: &["finalize", "TC Zero"],
                    code: 3,
                    check: no_check,
                },
            ],
        ),
        (
            "create --draft is checked by the rules first",
            vec![Step {
                args: &[
                    "create",
                    "--name",
                    "Twice",
                    "--type",
                    "sap-task-center",
                    "--system",
                    "tc-0",
                    "--draft",
                    "--format",
                    "json",
                ],
                code: 1,
                check: |v| assert_eq!(v["valid"], false, "{v}"),
            }],
        ),
        (
            "status --wait ends at Ready; resync answers the status",
            vec![
                Step {
                    args: &[
                        "status",
                        "TC Zero",
                        "--wait",
                        "--timeout",
                        "20",
                        "--format",
                        "json",
                    ],
                    code: 0,
                    check: |v| {
                        assert_eq!(v["status"], "Ready");
                        assert_eq!(v["formation"]["id"], "f-0");
                    },
                },
                Step {
                    args: &["resync", "TC Zero", "--format", "json"],
                    code: 0,
                    check: |v| assert_eq!(v["action"], "resync"),
                },
                Step {
                    args: &["status", "No Such", "--wait"],
                    code: 2,
                    check: no_check,
                },
            ],
        ),
    ]
}

async fn run_cases(at: Where) {
    for (name, steps) in cases() {
        let place = place(
            &at,
            &day_two_landscape(None),
            None,
            name.contains("--draft"),
        )
        .await;
        for (i, step) in steps.iter().enumerate() {
            let out = place.run(step.args).await;
            assert_eq!(
                out.status.code(),
                Some(step.code),
                "{name}, step {i} {:?}:\n{}\n{}",
                step.args,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if step.args.contains(&"json") {
                (step.check)(&json_of(&out));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn day_two_commands_on_the_file() {
    run_cases(Where::File).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn day_two_commands_on_the_sandbox() {
    run_cases(Where::Sandbox).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_assignment_is_shown_with_the_servers_message_and_status_wait_exits_3() {
    let message = "the S/4HANA system rejected the configuration";
    // The file records the failure; the sandbox produces it when s4-1 joins.
    let file = place(&Where::File, &day_two_landscape(Some(message)), None, false).await;
    let sandbox = place(
        &Where::Sandbox,
        &day_two_landscape(None),
        Some("s4-1"),
        false,
    )
    .await;
    let out = sandbox
        .run(&["assign", "TC Zero", "--system", "s4-1", "--format", "json"])
        .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    assert_eq!(v["systems"][0]["state"], "CREATE_ERROR");
    assert_eq!(v["systems"][0]["error"], message);
    for (place, failed) in [(&file, "s4-0"), (&sandbox, "s4-1")] {
        let out = place
            .run(&[
                "status",
                "TC Zero",
                "--wait",
                "--timeout",
                "20",
                "--format",
                "json",
            ])
            .await;
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(json_of(&out)["status"], "Error");
        let shown = json_of(&place.run(&["show", "TC Zero", "--format", "json"]).await);
        let member = shown["systems"]
            .as_array()
            .expect("systems")
            .iter()
            .find(|s| s["id"] == failed)
            .cloned()
            .expect("the failed member is listed");
        assert_eq!(member["error"], message, "{shown}");
        let listed = json_of(&place.run(&["formations", "--format", "json"]).await);
        assert_eq!(listed["formations"][0]["not_ready"][0]["id"], failed);
        let text = place.run(&["show", "TC Zero"]).await;
        assert!(String::from_utf8_lossy(&text.stdout).contains("resync"));
    }
}

/// Issue 18: resync on a landscape file does what it does on a Director. The file's
/// assignment in error is sent again: it fails again while the file still marks the system
/// as failing (`assignment_error`), and is READY once that mark is gone; the command then
/// exits 0 and says the formation is Ready.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_on_a_file_sends_the_failed_assignments_again() {
    let message = "the S/4HANA system rejected the configuration";
    let mut landscape = day_two_landscape(Some(message));
    landscape["systems"][3]["assignment_error"] = json!(message);
    assert_eq!(landscape["systems"][3]["id"], "s4-0");
    let file = place(&Where::File, &landscape, None, false).await;
    let out = file.run(&["resync", "TC Zero", "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    let v = json_of(&out);
    assert_eq!(v["status"], "Error", "{v}");
    let failed = v["systems"]
        .as_array()
        .expect("systems")
        .iter()
        .find(|s| s["id"] == "s4-0")
        .cloned()
        .expect("s4-0 is listed");
    assert_eq!(failed["state"], "CREATE_ERROR");
    assert_eq!(failed["error"], message);

    // The cause is fixed (the mark removed): resync mends it.
    let path = std::path::PathBuf::from(&file.source[1]);
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    doc["systems"][3]
        .as_object_mut()
        .expect("a system")
        .remove("assignment_error");
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).expect("json")).expect("write");
    let out = file.run(&["resync", "TC Zero"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("TC Zero (f-0): Ready"), "{text}");
    let v = json_of(&file.run(&["show", "TC Zero", "--format", "json"]).await);
    assert_eq!(v["status"], "Ready", "{v}");
    assert!(
        v["systems"]
            .as_array()
            .expect("systems")
            .iter()
            .all(|s| s["state"] == "READY"),
        "{v}"
    );
}

/// A system marked as failing in the file fails its assignment when it joins, as on a
/// Director whose receiver refuses the notification; it is never reported as added.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assignment_that_fails_in_a_file_is_not_reported_as_added() {
    let message = "SAP_COM_0501 could not be activated";
    let mut landscape = day_two_landscape(None);
    landscape["systems"][4]["assignment_error"] = json!(message);
    assert_eq!(landscape["systems"][4]["id"], "s4-1");
    let file = place(&Where::File, &landscape, None, false).await;
    let out = file.run(&["assign", "TC Zero", "--system", "s4-1"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("s4-1 was not added to \"TC Zero\"") && err.contains(message),
        "{}",
        said(&out)
    );
}

mod property {
    use super::*;
    use formation_wizard::backend::{Backend, LocalBackend};
    use formation_wizard::catalog::Catalog;
    use formation_wizard::landscape::Landscape;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Assign(usize, usize),
        Unassign(usize, usize),
        Delete(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..3usize, 0..6usize).prop_map(|(f, s)| Op::Assign(f, s)),
            (0..3usize, 0..6usize).prop_map(|(f, s)| Op::Unassign(f, s)),
            (0..3usize).prop_map(Op::Delete),
        ]
    }

    const SYSTEMS: [&str; 6] = ["tc-0", "tc-1", "tc-2", "s4-0", "s4-1", "s4-2"];

    /// No Task Center system is a member of two Task Center formations.
    fn one_task_center_formation_each(l: &Landscape) -> Result<(), String> {
        for s in l
            .systems
            .iter()
            .filter(|s| s.system_type == "SAP Task Center")
        {
            let n = l
                .formations
                .iter()
                .filter(|f| f.type_id == "sap-task-center" && f.systems.contains(&s.id))
                .count();
            if n > 1 {
                return Err(format!("{} is in {n} Task Center formations", s.id));
            }
        }
        Ok(())
    }

    fn three_task_center_formations(dir: &Path) -> std::path::PathBuf {
        let mut l = landscape(3);
        l["formations"] = json!([
            {"id": "f-0", "name": "A", "type": "sap-task-center", "systems": ["tc-0", "s4-0"]},
            {"id": "f-1", "name": "B", "type": "sap-task-center", "systems": ["tc-1", "s4-1"]},
            {"id": "f-2", "name": "C", "type": "sap-task-center", "systems": []}
        ]);
        write_landscape(dir, &l)
    }

    /// Applies `ops` one by one and checks the invariant on the landscape as the backend
    /// reads it after each. Refusals are expected; only the invariant matters.
    async fn drive(
        backend: &dyn Backend,
        ops: Vec<Op>,
        catalog: &Catalog,
    ) -> Result<(), TestCaseError> {
        for op in ops {
            let _ = match op {
                Op::Assign(f, s) => {
                    backend
                        .assign(&format!("f-{f}"), SYSTEMS[s], catalog, None)
                        .await
                }
                Op::Unassign(f, s) => {
                    backend
                        .unassign(&format!("f-{f}"), SYSTEMS[s], catalog)
                        .await
                }
                Op::Delete(f) => backend.delete(&format!("f-{f}")).await,
            };
            let now = backend
                .load(catalog, &formation_wizard::backend::Progress::none())
                .await
                .map_err(|e| TestCaseError::fail(format!("the landscape stays readable: {e}")))?;
            one_task_center_formation_each(&now).map_err(TestCaseError::fail)?;
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        #[test]
        fn no_task_center_ends_in_two_task_center_formations_in_the_file(ops in proptest::collection::vec(op(), 1..20)) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            let dir = tempfile::tempdir().expect("a temp dir");
            let path = three_task_center_formations(dir.path());
            let catalog = Catalog::embedded().expect("the catalog");
            let backend = LocalBackend::new(path, false);
            rt.block_on(drive(&backend, ops, &catalog))?;
        }
    }

    proptest! {
        // Each case starts a sandbox; fewer, shorter sequences keep it to seconds.
        #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
        #[test]
        fn no_task_center_ends_in_two_task_center_formations_in_the_sandbox(ops in proptest::collection::vec(op(), 1..8)) {
            let rt = common::runtime();
            let dir = tempfile::tempdir().expect("a temp dir");
            let path = three_task_center_formations(dir.path());
            let catalog = Catalog::embedded().expect("the catalog");
            rt.block_on(async {
                let sb = start(&path, |c| c.ready_after = std::time::Duration::from_millis(10)).await;
                drive(&backend(&sb), ops, &catalog).await
            })?;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_needs_the_state_scope_on_the_sandbox_and_says_so() {
    let place = place(&Where::Sandbox, &day_two_landscape(None), None, false).await;
    let out = place
        .run(&[
            "create",
            "--name",
            "Rehearsal",
            "--type",
            "sap-task-center",
            "--system",
            "tc-1",
            "--system",
            "s4-2",
            "--draft",
        ])
        .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("formation.state:write"));
    let listed = json_of(&place.run(&["formations", "--format", "json"]).await);
    assert_eq!(names(&listed), ["TC Zero", "Empty"]);
}

/// Issue 23, Why 13: two formations of one name; a command that names them by that name
/// acts on neither (exit 2, both listed), on the file and on the sandbox alike.
async fn a_shared_name_is_ambiguous(at: Where) {
    let mut l = landscape(3);
    let formations = l["formations"].as_array_mut().expect("a list");
    for id in ["f-inbox-a", "f-inbox-b"] {
        formations.push(json!({"id": id, "name": "Task Center US Inbox", "type": "sap-task-center", "systems": [], "status": "Ready"}));
    }
    let place = place(&at, &l, None, false).await;
    for name in ["Task Center US Inbox", "task center us inbox"] {
        let out = place.run(&["delete", name, "--yes"]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("ambiguous")
                && stderr.contains("f-inbox-a")
                && stderr.contains("f-inbox-b"),
            "{stderr}"
        );
    }
    let listed = place.run(&["formations", "--format", "json"]).await;
    let kept = names(&json_of(&listed))
        .iter()
        .filter(|n| *n == "Task Center US Inbox")
        .count();
    assert_eq!(kept, 2, "both formations are still there");
    // apply and plan do not pick one either.
    let file = place.home.path().join("formations.toml");
    std::fs::write(
        &file,
        "[[formation]]\nname = \"Task Center US Inbox\"\ntype = \"sap-task-center\"\nsystems = [{ id = \"tc-1\" }, { id = \"s4-1\" }]\n",
    )
    .expect("the formations file is written");
    let file = path_str(&file);
    for command in ["plan", "apply"] {
        let out = place.run(&[command, &file, "--yes"]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("ambiguous")
                && stderr.contains("f-inbox-a")
                && stderr.contains("f-inbox-b"),
            "{command}: {stderr}"
        );
    }
    let by_id = place.run(&["delete", "f-inbox-a", "--yes"]).await;
    assert_eq!(
        by_id.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&by_id.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn why23_13_a_name_two_formations_share_is_ambiguous_on_the_file() {
    a_shared_name_is_ambiguous(Where::File).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn why23_13_a_name_two_formations_share_is_ambiguous_on_the_sandbox() {
    a_shared_name_is_ambiguous(Where::Sandbox).await;
}
