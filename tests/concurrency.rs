//! Many `create` processes at once against one landscape file, all wanting the same free
//! SAP Task Center system: the lock and the re-check under it let exactly one through.

use std::process::{Command, Stdio};

#[test]
fn parallel_creates_take_the_task_center_system_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("landscape.json");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rules.json");
    std::fs::copy(fixture, &path).unwrap();
    let n = 8;
    let children: Vec<_> = (0..n)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_formation-wizard"))
                .env("FORMATION_WIZARD_DATA_DIR", dir.path())
                .env("XDG_CONFIG_HOME", dir.path())
                .env_remove("FORMATION_WIZARD_PROFILE")
                .args(["create", "--landscape"])
                .arg(&path)
                .args(["--name", &format!("Race {i}"), "--type", "sap-task-center"])
                .args(["--system", "tc-free", "--system", "s4-ok"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let codes: Vec<i32> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code().unwrap_or(-1))
        .collect();
    assert_eq!(codes.iter().filter(|&&c| c == 0).count(), 1, "{codes:?}");
    assert_eq!(
        codes.iter().filter(|&&c| c == 1).count(),
        n - 1,
        "{codes:?}"
    );

    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let holders: Vec<&serde_json::Value> = doc["formations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["systems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == "tc-free")
        })
        .collect();
    assert_eq!(holders.len(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// Issue 23, Why 3: two `unassign`s at once, each taking out one of the formation's two
/// S/4HANA systems, off a terminal and without `--yes`. Each alone keeps the formation
/// working; both together would leave the Task Center alone. The rule is checked again
/// under the lock, so in every run one is refused (exit 1) and one S/4HANA system stays.
#[test]
fn why23_3_racing_unassigns_never_leave_a_formation_that_stops_working() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("landscape.json");
    let s4 = |id: &str| {
        serde_json::json!({"id": id, "name": id, "type": "SAP S/4HANA Cloud", "status": "Registered",
            "scenario_groups": ["All Communication Scenarios"]})
    };
    let landscape = serde_json::json!({
        "systems": [
            {"id": "tc-us", "name": "Task Center US", "type": "SAP Task Center"},
            s4("s4-prod"), s4("s4-qa")
        ],
        "formations": [{"id": "f-tc-us", "name": "TC US", "type": "sap-task-center",
            "systems": ["tc-us", "s4-prod", "s4-qa"]}]
    });
    race_unassigns(dir.path(), &path, &landscape);
    race_applies(dir.path(), &path, &landscape);
}

fn race_unassigns(dir: &std::path::Path, path: &std::path::Path, landscape: &serde_json::Value) {
    for run in 0..15 {
        std::fs::write(path, serde_json::to_vec_pretty(landscape).unwrap()).unwrap();
        let children: Vec<_> = ["s4-prod", "s4-qa"]
            .iter()
            .map(|system| {
                Command::new(env!("CARGO_BIN_EXE_formation-wizard"))
                    .env("FORMATION_WIZARD_DATA_DIR", dir)
                    .env("XDG_CONFIG_HOME", dir)
                    .env_remove("FORMATION_WIZARD_PROFILE")
                    .args(["unassign", "f-tc-us", "--system", system, "--landscape"])
                    .arg(path)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let mut codes: Vec<i32> = outs.iter().map(|o| o.status.code().unwrap_or(-1)).collect();
        codes.sort();
        let stderr: Vec<String> = outs
            .iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect();
        assert_eq!(codes, [0, 1], "run {run}: {stderr:?}");
        assert!(
            // Refused under the lock ("would stop working"), or before it when the other
            // had already finished ("Nothing was changed", the reason on stdout).
            stderr
                .iter()
                .any(|e| e.contains("stop working") || e.contains("Nothing was changed")),
            "run {run}: the loser is told why: {stderr:?}"
        );
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let left = doc["formations"][0]["systems"].as_array().unwrap().len();
        assert_eq!(
            left, 2,
            "run {run}: the Task Center and one S/4HANA system stay"
        );
    }
}

/// Two `apply --yes` at once, each file keeping a different one of the two S/4HANA
/// systems: whatever the order, the formation keeps its Task Center and an S/4HANA system
/// (a loser whose removal no longer holds is refused with exit 1).
fn race_applies(dir: &std::path::Path, path: &std::path::Path, landscape: &serde_json::Value) {
    let files: Vec<std::path::PathBuf> = ["s4-prod", "s4-qa"]
        .iter()
        .map(|keep| {
            let file = dir.join(format!("keep-{keep}.toml"));
            std::fs::write(
                &file,
                format!(
                    "[[formation]]\nname = \"TC US\"\ntype = \"sap-task-center\"\nsystems = [{{ id = \"tc-us\" }}, {{ id = \"{keep}\" }}]\n"
                ),
            )
            .unwrap();
            file
        })
        .collect();
    for run in 0..15 {
        std::fs::write(path, serde_json::to_vec_pretty(landscape).unwrap()).unwrap();
        let children: Vec<_> = files
            .iter()
            .map(|file| {
                Command::new(env!("CARGO_BIN_EXE_formation-wizard"))
                    .env("FORMATION_WIZARD_DATA_DIR", dir)
                    .env("XDG_CONFIG_HOME", dir)
                    .env_remove("FORMATION_WIZARD_PROFILE")
                    .arg("apply")
                    .arg(file)
                    .args(["--yes", "--landscape"])
                    .arg(path)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        for o in &outs {
            let code = o.status.code().unwrap_or(-1);
            assert!(
                code == 0 || code == 1,
                "run {run}: exit {code}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let members: Vec<&str> = doc["formations"][0]["systems"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s.as_str())
            .collect();
        assert!(
            members.contains(&"tc-us") && members.iter().any(|s| s.starts_with("s4-")),
            "run {run}: {members:?}"
        );
    }
}
