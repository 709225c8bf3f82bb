//! The built binary on fixture files: exit codes, the JSON contract, and file safety.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const TC: &str = "Integration with Customer-Managed SAP Task Center";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A private copy of a fixture, so that a test may write to it.
fn copy_of(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::copy(fixture(name), &path).unwrap();
    (dir, path)
}

fn bin(data_dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("formation-wizard").unwrap();
    cmd.env("FORMATION_WIZARD_DATA_DIR", data_dir)
        .env("XDG_CONFIG_HOME", data_dir)
        .env_remove("FORMATION_WIZARD_PROFILE")
        .env_remove("NO_COLOR");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let data = tempfile::tempdir().unwrap();
    run_in(data.path(), args)
}

fn run_in(data_dir: &Path, args: &[&str]) -> Run {
    let out = bin(data_dir).args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn check_json(file: &Path, name: &str, systems: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "check",
        "--landscape",
        file.to_str().unwrap(),
        "--name",
        name,
        "--type",
        TC,
        "--format",
        "json",
    ];
    for s in systems {
        args.extend(["--system", s]);
    }
    let r = run(&args);
    let json = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    (r.code, json)
}

fn rules_of(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn check_valid_prints_the_json_contract_and_exits_0() {
    let (code, v) = check_json(&fixture("rules.json"), "TC EU", &["tc-free", "s4-ok"]);
    assert_eq!(code, 0);
    assert_eq!(v["valid"], true);
    assert_eq!(v["formation"]["name"], "TC EU");
    assert_eq!(v["formation"]["type"], TC);
    assert_eq!(v["formation"]["type_id"], "sap-task-center");
    assert_eq!(
        v["formation"]["systems"],
        serde_json::json!(["tc-free", "s4-ok"])
    );
    assert_eq!(v["violations"], serde_json::json!([]));
    assert_eq!(
        v["auto_enabled"],
        serde_json::json!([{ "system": "s4-ok", "communication_scenarios": ["SAP_COM_0501"] }])
    );
    let cands = v["candidates"].as_array().unwrap();
    let tc2 = cands.iter().find(|c| c["id"] == "tc-free2").unwrap();
    assert_eq!(tc2["type"], "SAP Task Center");
    assert_eq!(
        (tc2["selected"].as_bool(), tc2["selectable"].as_bool()),
        (Some(false), Some(false))
    );
    assert!(tc2["reason"].as_str().unwrap().contains("TC Free"));
    assert!(cands.iter().all(|c| c["type"] != "SAP SuccessFactors"));
}

#[test]
fn check_reports_each_documented_rule_with_exit_1() {
    let f = fixture("rules.json");
    let long = "a".repeat(129);
    let cases: &[(&str, &[&str], &str)] = &[
        ("bad!", &["tc-free", "s4-ok"], "name_syntax"),
        (&long, &["tc-free", "s4-ok"], "name_length"),
        ("Legacy TC", &["tc-free", "s4-ok"], "name_unique"),
        ("TC", &["tc-free", "s4-ok", "sf"], "system_type_not_allowed"),
        ("TC", &["s4-ok"], "min_systems_of_type"),
        (
            "TC",
            &["tc-free", "tc-free2", "s4-ok"],
            "max_systems_of_type",
        ),
        (
            "TC",
            &["tc-used", "s4-ok"],
            "system_in_other_formation_of_type",
        ),
        ("TC", &["tc-free", "s4-start"], "scenario_group"),
        ("TC", &["tc-free", "s4-error"], "registration_status"),
    ];
    for (name, systems, rule) in cases {
        let (code, v) = check_json(&f, name, systems);
        assert_eq!(code, 1, "{rule}");
        assert_eq!(v["valid"], false, "{rule}");
        assert_eq!(rules_of(&v, "violations"), [rule.to_string()], "{rule}");
    }
    let (code, v) = check_json(&fixture("viewer.json"), "TC", &["tc-free", "s4-ok"]);
    assert_eq!(
        (code, rules_of(&v, "violations")),
        (1, vec!["role".to_string()])
    );
    let (code, v) = check_json(&f, "legacy tc", &["tc-free", "s4-ok"]);
    assert_eq!(
        (code, rules_of(&v, "warnings")),
        (0, vec!["name_similar".to_string()])
    );
}

#[test]
fn input_errors_exit_2_with_one_sentence_naming_the_fault() {
    let f = fixture("rules.json");
    let f = f.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["check", "--landscape", f, "--name", "X", "--type", "Nope"],
            "\"Nope\"",
        ),
        (
            vec![
                "check",
                "--landscape",
                f,
                "--name",
                "X",
                "--type",
                TC,
                "--system",
                "ghost",
            ],
            "\"ghost\"",
        ),
        (
            vec![
                "check",
                "--landscape",
                "/nonexistent/l.json",
                "--name",
                "X",
                "--type",
                TC,
            ],
            "/nonexistent/l.json",
        ),
        (
            vec!["systems", "--landscape", f, "--type", "Nope"],
            "\"Nope\"",
        ),
        (vec!["check", "--bogus-flag"], "--bogus-flag"),
    ];
    for (args, mention) in cases {
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(mention), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
}

#[test]
fn invalid_landscape_files_exit_2_naming_field_and_entry() {
    let cases = [
        ("broken-dangling.json", "\"ghost\""),
        ("broken-duplicate.json", "repeats the id \"a\""),
        ("broken-type.json", "\"Integration with SAP Nothing\""),
        ("broken-missing-field.json", "systems[0]"),
        ("broken-syntax.json", "line 1"),
    ];
    for (file, mention) in cases {
        let path = fixture(file);
        let r = run(&[
            "check",
            "--landscape",
            path.to_str().unwrap(),
            "--name",
            "X",
            "--type",
            TC,
        ]);
        assert_eq!(r.code, 2, "{file}: {}", r.stderr);
        assert!(r.stderr.contains(mention), "{file}: {}", r.stderr);
        assert_eq!(
            r.stderr.trim().lines().count(),
            1,
            "one sentence: {}",
            r.stderr
        );
    }
}

#[test]
fn create_writes_once_and_a_refused_create_changes_nothing() {
    let (_dir, path) = copy_of("rules.json");
    let p = path.to_str().unwrap();
    let args = |name: &'static str| {
        vec![
            "create",
            "--landscape",
            p,
            "--name",
            name,
            "--type",
            TC,
            "--system",
            "tc-free",
            "--system",
            "s4-ok",
            "--format",
            "json",
        ]
    };
    let r = run(&args("TC EU"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let id = v["created"]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["created"]["status"], "Ready");

    let written: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let new = written["formations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id.as_str())
        .unwrap();
    assert_eq!(new["name"], "TC EU");
    assert_eq!(new["type"], TC);
    assert_eq!(new["systems"], serde_json::json!(["tc-free", "s4-ok"]));
    assert_eq!(new["status"], "Ready");
    assert_eq!(
        written["global_account"]["name"], "Test GA",
        "the rest of the file is kept"
    );

    // The same Task Center system again: refused, and the file is untouched to the byte.
    let before = std::fs::read(&path).unwrap();
    let r = run(&args("TC EU 2"));
    assert_eq!(r.code, 1, "{}", r.stdout);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        rules_of(&v, "violations"),
        ["system_in_other_formation_of_type"]
    );
    assert!(v.get("created").is_none());
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn dry_run_changes_nothing() {
    let (_dir, path) = copy_of("rules.json");
    let before = std::fs::read(&path).unwrap();
    let r = run(&[
        "create",
        "--dry-run",
        "--landscape",
        path.to_str().unwrap(),
        "--name",
        "TC EU",
        "--type",
        TC,
        "--system",
        "tc-free",
        "--system",
        "s4-ok",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("dry run"), "{}", r.stdout);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_failing_write_exits_3_and_leaves_the_file_alone() {
    let (dir, path) = copy_of("rules.json");
    // The lock file cannot be opened when a directory stands in its place.
    std::fs::create_dir(dir.path().join("rules.json.lock")).unwrap();
    let before = std::fs::read(&path).unwrap();
    let r = run(&[
        "create",
        "--landscape",
        path.to_str().unwrap(),
        "--name",
        "TC EU",
        "--type",
        TC,
        "--system",
        "tc-free",
        "--system",
        "s4-ok",
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("rules.json.lock"), "{}", r.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn the_demo_landscape_persists_and_resets() {
    let data = tempfile::tempdir().unwrap();
    let create = [
        "create",
        "--name",
        "Demo TC",
        "--type",
        "sap-task-center",
        "--system",
        "tc-eu",
        "--system",
        "s4-prod",
    ];
    assert_eq!(run_in(data.path(), &create).code, 0);
    let demo = data.path().join("demo-landscape.json");
    assert!(std::fs::read_to_string(&demo).unwrap().contains("Demo TC"));
    // Created once: the same name is now taken.
    assert_eq!(run_in(data.path(), &create).code, 1);
    let refused = [
        "check",
        "--reset-demo",
        "--name",
        "Demo TC",
        "--type",
        "sap-task-center",
    ];
    let r = run_in(data.path(), &refused);
    assert_eq!(r.code, 2, "not on a terminal, --reset-demo needs --yes");
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert!(std::fs::read_to_string(&demo).unwrap().contains("Demo TC"));
    let check = [
        "check",
        "--reset-demo",
        "--yes",
        "--name",
        "Demo TC",
        "--type",
        "sap-task-center",
        "--system",
        "tc-eu",
        "--system",
        "s4-prod",
    ];
    assert_eq!(run_in(data.path(), &check).code, 0);
    assert!(!std::fs::read_to_string(&demo).unwrap().contains("Demo TC"));
}

#[test]
fn types_and_systems_list_the_catalog_and_candidates() {
    let r = run(&["types", "--format", "json"]);
    assert_eq!(r.code, 0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 15);
    assert!(ids.contains(&"sap-task-center"));
    assert!(
        run(&["types"])
            .stdout
            .contains("formerly: Integration with SAP Task Center")
    );

    let f = fixture("rules.json");
    let r = run(&[
        "systems",
        "--landscape",
        f.to_str().unwrap(),
        "--type",
        "sap-task-center",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let excluded = v["excluded"].as_array().unwrap();
    let sf = excluded.iter().find(|e| e["id"] == "sf").unwrap();
    assert!(
        sf["reason"]
            .as_str()
            .unwrap()
            .contains("SAP SuccessFactors")
    );
    let used = v["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "tc-used")
        .unwrap();
    assert_eq!(used["selectable"], false);

    let r = run(&["systems", "--landscape", f.to_str().unwrap()]);
    assert!(
        r.stdout.contains("in formations: Legacy TC"),
        "{}",
        r.stdout
    );
}

#[test]
fn text_output_neutralises_hostile_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.json");
    let doc = serde_json::json!({
        "systems": [
            { "id": "tc", "name": "Evil\u{1b}]52;c;AAAA\u{7}\u{1b}[2J\u{202e}TC", "type": "SAP Task Center" },
        ]
    });
    std::fs::write(&path, doc.to_string()).unwrap();
    let r = run(&[
        "systems",
        "--landscape",
        path.to_str().unwrap(),
        "--type",
        "sap-task-center",
    ]);
    assert_eq!(r.code, 0);
    for bad in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(
            !r.stdout.contains(bad),
            "{bad:?} reached stdout: {:?}",
            r.stdout
        );
    }
    assert!(r.stdout.contains('\u{FFFD}'));
}

#[test]
fn a_new_log_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("wizard.log");
    let out = bin(dir.path())
        .args(["--log", log.to_str().unwrap(), "types"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mode = std::fs::metadata(&log).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
}

#[test]
fn check_json_carries_every_fix_in_fixes() {
    // On the demo, Task Center US is in another Task Center formation and a second Task
    // Center besides Task Center EU: two reasons, each with its own fix.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-landscape.json");
    let (code, v) = check_json(&demo, "Two Reasons", &["tc-eu", "tc-us", "s4-prod"]);
    assert_eq!(code, 1);
    let cands = v["candidates"].as_array().unwrap();
    let us = cands.iter().find(|c| c["id"] == "tc-us").unwrap();
    let fixes: Vec<&str> = us["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(fixes.len(), 2, "{us}");
    assert!(fixes[0].contains("Task Center US Inbox"), "{fixes:?}");
    assert!(fixes[1].contains("Deselect Task Center EU"), "{fixes:?}");
    assert_eq!(us["fix"], fixes[0], "the old field keeps the first fix");
    assert!(
        us["reason"]
            .as_str()
            .unwrap()
            .contains("Task Center US Inbox")
    );
    for c in cands {
        let n = c["fixes"].as_array().unwrap().len();
        assert_eq!(n == 0, c.get("fix").is_none(), "{c}");
        assert_eq!(n == 0, c["selectable"] == true, "{c}");
    }
    let violations = v["violations"].as_array().unwrap();
    assert!(violations.len() >= 2);
    for f in violations {
        let fixes = f["fixes"].as_array().unwrap();
        match f.get("fix") {
            Some(fix) => assert_eq!(fixes, &vec![fix.clone()], "{f}"),
            None => assert!(fixes.is_empty(), "{f}"),
        }
    }
    // The reason Task Center US breaks on its own comes with its fix as a violation too.
    assert!(
        violations.iter().any(|f| f["fix"] == fixes[0]),
        "{violations:?}"
    );
}

/// `systems … | head`: the reader goes away after the first lines. The command stops
/// writing and exits 0, without a panic on the broken pipe.
#[test]
fn a_reader_that_goes_away_is_no_panic() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    let generated = bin(dir.path())
        .args(["generate", "--systems", "20000"])
        .output()
        .unwrap();
    std::fs::write(&big, &generated.stdout).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_formation-wizard"))
        .args(["systems", "--landscape", big.to_str().unwrap()])
        .env("FORMATION_WIZARD_DATA_DIR", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("FORMATION_WIZARD_PROFILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    let mut out = child.stdout.take().unwrap();
    out.read_exact(&mut first).unwrap();
    drop(out);
    let done = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(done.status.code(), Some(0), "{err}");
}
