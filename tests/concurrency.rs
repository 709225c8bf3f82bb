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
