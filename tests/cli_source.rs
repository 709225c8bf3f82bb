//! The landscape-source flags belong to the commands that read a landscape: given before
//! or after such a command they work as before; `generate --help` does not offer them.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn demo_copy(dir: &Path) -> PathBuf {
    let path = dir.join("landscape.json");
    std::fs::write(&path, include_str!("../assets/demo-landscape.json")).unwrap();
    path
}

fn bin(data_dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("formation-wizard").unwrap();
    cmd.env("FORMATION_WIZARD_DATA_DIR", data_dir);
    cmd.env("XDG_CONFIG_HOME", data_dir);
    cmd.env_remove("FORMATION_WIZARD_PROFILE");
    cmd
}

fn help(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path()).args(args).output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn generate_help_lists_only_what_generate_uses() {
    let text = help(&["generate", "--help"]);
    for flag in [
        "--landscape",
        "--director",
        "--reset-demo",
        "--tenant",
        "--profile",
    ] {
        assert!(
            !text.contains(flag),
            "generate --help lists {flag}:\n{text}"
        );
    }
    assert!(text.contains("--systems"));
    let check = help(&["check", "--help"]);
    for flag in ["--landscape", "--director", "--reset-demo"] {
        assert!(check.contains(flag), "check --help lacks {flag}");
    }
}

#[test]
fn source_flags_work_before_and_after_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let file = demo_copy(dir.path());
    let f = file.to_str().unwrap();
    let plan = [
        "--name",
        "X Y",
        "--type",
        "sap-task-center",
        "--system",
        "tc-eu",
        "--system",
        "s4-prod",
    ];
    for args in [
        [&["--landscape", f, "check"][..], &plan[..]].concat(),
        [&["check", "--landscape", f][..], &plan[..]].concat(),
        vec!["--landscape", f, "systems", "--type", "sap-task-center"],
        vec!["systems", "--landscape", f],
    ] {
        let out = bin(dir.path()).args(&args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The file given is the one read: a system only there is found.
    let missing = bin(dir.path())
        .args(["check", "--landscape", "/nonexistent/landscape.json"])
        .args(plan)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn reset_demo_with_yes_says_what_it_reset() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .args(["--reset-demo", "--yes", "types"])
        .output()
        .unwrap();
    // `types` reads no landscape, but the reset asked for before it is still done.
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("reset the demo landscape"), "{stderr}");
    assert!(dir.path().join("demo-landscape.json").exists());
}

#[test]
fn an_unknown_system_name_suggests_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let file = demo_copy(dir.path());
    let out = bin(dir.path())
        .args(["check", "--landscape", file.to_str().unwrap()])
        .args([
            "--name",
            "X",
            "--type",
            "sap-task-center",
            "--system",
            "Task Center EU",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did you mean --system tc-eu?"), "{stderr}");
}
