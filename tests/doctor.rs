//! `doctor` (issue 21): each prerequisite of SAP's procedure checked on a landscape file,
//! with its fix; exit 0 when a formation of the type can be created (notes about other
//! systems do not block), 1 when a prerequisite blocks it. And `create` names what comes
//! next.

mod common;

use common::*;
use serde_json::{Value, json};

fn demo() -> Value {
    serde_json::from_str(include_str!("../assets/demo-landscape.json")).expect("the demo")
}

/// Runs `doctor --format json` on `landscape`: the exit code and the report.
async fn doctor(landscape: &Value) -> (Option<i32>, Value, tempfile::TempDir) {
    let home = tempfile::tempdir().expect("tempdir");
    let file = write_landscape(home.path(), landscape);
    let out = run(
        home.path(),
        strings(&[
            "doctor",
            "--landscape",
            &file.display().to_string(),
            "--format",
            "json",
        ]),
    )
    .await;
    (out.status.code(), json_of(&out), home)
}

fn check<'v>(report: &'v Value, id: &str) -> &'v Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {report}"))
}

fn systems_without(l: &mut Value, system_type: &str) {
    let systems = l["systems"].as_array_mut().expect("systems");
    systems.retain(|s| s["type"] != system_type);
    let ids: Vec<Value> = systems.iter().map(|s| s["id"].clone()).collect();
    for f in l["formations"].as_array_mut().expect("formations") {
        if let Some(members) = f["systems"].as_array_mut() {
            members.retain(|m| ids.contains(m));
        }
    }
}

#[tokio::test]
async fn each_prerequisite_is_checked_with_its_fix() {
    // (case, edit of the demo landscape, exit, the check that decides, its status, words of its fix)
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit, i32, &str, &str, &str)> = vec![
        (
            "everything present: ready, with notes about systems that cannot join",
            |_| {},
            0,
            "eligible:SAP S/4HANA Cloud",
            "ok",
            "",
        ),
        (
            "no SAP Task Center system in the Systems list",
            |l| systems_without(l, "SAP Task Center"),
            1,
            "present:SAP Task Center",
            "blocks",
            "Subscribe to SAP Task Center in a subaccount",
        ),
        (
            "no SAP S/4HANA Cloud system registered with All Communication Scenarios",
            |l| {
                for s in l["systems"].as_array_mut().expect("systems") {
                    if s["type"] == "SAP S/4HANA Cloud" {
                        s["scenario_groups"] = json!(["Integration with SAP Start"]);
                    }
                }
            },
            1,
            "system:s4-prod",
            "blocks",
            "formation-wizard token 'S/4HANA Cloud Production' --landscape",
        ),
        (
            "the user has neither administrator role",
            |l| l["user"]["roles"] = json!(["Subaccount Viewer"]),
            1,
            "role",
            "blocks",
            "Global Account Administrator or System Landscape Administrator",
        ),
        (
            "a global account in China (Shanghai)",
            |l| l["global_account"]["region"] = json!("cn40"),
            1,
            "region",
            "blocks",
            "another region",
        ),
    ];
    for (case, edit, code, id, status, fix) in cases {
        let mut l = demo();
        edit(&mut l);
        let (got, report, _home) = doctor(&l).await;
        assert_eq!(got, Some(code), "{case}: {report}");
        assert_eq!(report["ready"], code == 0, "{case}");
        let c = check(&report, id);
        assert_eq!(c["status"], status, "{case}: {c}");
        assert!(
            c["fix"].as_str().unwrap_or("").contains(fix),
            "{case}: the fix says {fix:?}: {c}"
        );
    }
}

#[tokio::test]
async fn a_ready_landscape_still_notes_the_systems_that_cannot_join() {
    let (code, report, _home) = doctor(&demo()).await;
    assert_eq!(code, Some(0));
    let sales = check(&report, "system:s4-sales");
    assert_eq!(sales["status"], "note", "{sales}");
    assert!(
        sales["fix"]
            .as_str()
            .unwrap_or("")
            .contains("formation-wizard token"),
        "{sales}"
    );
    let taken = check(&report, "system:tc-us");
    assert_eq!(taken["status"], "note");
}

#[tokio::test]
async fn the_text_says_ready_or_what_blocks() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut l = demo();
    l["global_account"]["region"] = json!("cn40");
    let file = write_landscape(home.path(), &l);
    let out = run(
        home.path(),
        strings(&["doctor", "--landscape", &file.display().to_string()]),
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[no]"), "{text}");
    assert!(text.contains("China (Shanghai)"), "{text}");
    assert!(text.contains("Not ready: 1 finding"), "{text}");
}

#[tokio::test]
async fn create_names_the_next_step_in_text_and_json() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = write_landscape(home.path(), &demo());
    let args = |name: &str, json: bool| {
        let mut a = strings(&[
            "create",
            "--landscape",
            &file.display().to_string(),
            "--name",
            name,
            "--type",
            "sap-task-center",
            "--system",
            "tc-eu",
            "--system",
            "s4-prod",
        ]);
        if json {
            a.extend(strings(&["--format", "json"]));
        }
        a
    };
    let out = run(home.path(), args("TC Next", true)).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let v = json_of(&out);
    assert!(
        v["next_steps"][0]
            .as_str()
            .unwrap_or("")
            .contains("SAP Task Center Web app"),
        "{v}"
    );
    let home2 = tempfile::tempdir().expect("tempdir");
    let file2 = write_landscape(home2.path(), &demo());
    let mut text_args = args("TC Next", false);
    text_args[2] = file2.display().to_string();
    let out = run(home2.path(), text_args).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Next:"), "{text}");
    assert!(text.contains("SAP Task Center Web app"), "{text}");
    // A check names no next step: nothing was created.
    let out = run(
        home2.path(),
        strings(&[
            "check",
            "--landscape",
            &file2.display().to_string(),
            "--name",
            "Other",
            "--type",
            "sap-task-center",
            "--system",
            "tc-apj",
            "--system",
            "s4-qa",
            "--format",
            "json",
        ]),
    )
    .await;
    assert!(json_of(&out).get("next_steps").is_none());
}
