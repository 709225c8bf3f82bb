//! A landscape file that changes on disk between `create` loading it and writing to it: the
//! command re-reads and re-checks it under the lock, creates nothing, and says what changed.
//!
//! Deterministic: the test holds the landscape's lock file, starts `create`, waits until the
//! process is blocked on that lock (visible in /proc/locks), changes the file, releases.

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Whether process `pid` waits for a file lock (a `->` line of /proc/locks).
fn waits_for_a_lock(pid: u32) -> bool {
    let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
    locks.lines().any(|l| {
        l.contains("->")
            && l.split_whitespace()
                .any(|field| field == pid.to_string().as_str())
    })
}

#[test]
fn create_rechecks_a_changed_file_and_says_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("landscape.json");
    std::fs::write(&path, include_str!("../assets/demo-landscape.json")).unwrap();
    let lock_path = dir.path().join("landscape.json.lock");
    let lock = File::create(&lock_path).unwrap();
    lock.lock().unwrap();

    let child = Command::new(env!("CARGO_BIN_EXE_formation-wizard"))
        .env("FORMATION_WIZARD_DATA_DIR", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("FORMATION_WIZARD_PROFILE")
        .args(["create", "--landscape"])
        .arg(&path)
        .args(["--name", "TC New", "--type", "sap-task-center"])
        .args([
            "--system", "tc-eu", "--system", "s4-prod", "--format", "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(30);
    while !waits_for_a_lock(child.id()) {
        assert!(
            Instant::now() < end,
            "create never waited for the lock; it should have loaded and checked first"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // Meanwhile someone else puts Task Center EU into a formation of the same type.
    let mut doc: serde_json::Value =
        serde_json::from_str(include_str!("../assets/demo-landscape.json")).unwrap();
    doc["formations"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": "f-other", "name": "Someone else", "type": "sap-task-center",
            "systems": ["tc-eu", "s4-qa"]
        }));
    let changed = serde_json::to_vec_pretty(&doc).unwrap();
    std::fs::write(&path, &changed).unwrap();
    drop(lock);

    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "refused as a broken rule: {err}"
    );
    assert!(err.contains("changed since it was read"), "{err}");
    assert!(
        err.contains("Task Center EU (tc-eu) is now in the formation \"Someone else\"."),
        "says what changed: {err}"
    );
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["valid"], false);
    assert!(
        verdict["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["message"].as_str().unwrap_or("").contains("Someone else")),
        "the verdict is the fresh one: {verdict}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        changed,
        "nothing was written over the other change"
    );
}
