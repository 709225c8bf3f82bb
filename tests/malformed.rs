//! Malformed landscape files: each is an input error (exit 2) with one sentence that names
//! the problem and where it is, and the file on disk is left exactly as it was.

use std::path::Path;

use assert_cmd::Command;

fn create_on(path: &Path) -> (i32, String) {
    let data = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("formation-wizard")
        .unwrap()
        .env("FORMATION_WIZARD_DATA_DIR", data.path())
        .env("XDG_CONFIG_HOME", data.path())
        .env_remove("FORMATION_WIZARD_PROFILE")
        .args(["create", "--landscape"])
        .arg(path)
        .args([
            "--name",
            "TC",
            "--type",
            "sap-task-center",
            "--system",
            "tc",
        ])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_rejected(name: &str, bytes: &[u8], mentions: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let (code, stderr) = create_on(&path);
    assert_eq!(code, 2, "{name}: {stderr}");
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "{name}: one sentence: {stderr}"
    );
    assert!(stderr.contains(name), "{name}: names the file: {stderr}");
    for m in mentions {
        assert!(stderr.contains(m), "{name}: should mention {m:?}: {stderr}");
    }
    assert!(!stderr.contains("panicked"));
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name}: file changed");
}

const VALID_START: &str = r#"{"systems": [{"id": "tc", "name": "TC", "type": "SAP Task Center"}"#;

#[test]
fn not_utf8() {
    let mut bytes = br#"{"systems": [{"id": "tc", "name": "T"#.to_vec();
    bytes.extend([0xff, 0xfe, b'"']);
    bytes.extend(br#", "type": "SAP Task Center"}]}"#);
    assert_rejected("latin1.json", &bytes, &["line 1", "column"]);
}

#[test]
fn truncated() {
    assert_rejected("truncated.json", VALID_START.as_bytes(), &["EOF", "line 1"]);
}

#[test]
fn a_hundred_megabytes_of_garbage() {
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let bytes: Vec<u8> = (0..100 * 1024 * 1024)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng >> 24) as u8
        })
        .collect();
    assert_rejected("garbage.json", &bytes, &["line 1"]);
}

#[test]
fn duplicate_keys() {
    let text =
        r#"{"systems": [{"id": "tc", "id": "tc2", "name": "TC", "type": "SAP Task Center"}]}"#;
    assert_rejected(
        "dupkey.json",
        text.as_bytes(),
        &["duplicate field `id`", "systems[0]"],
    );
}

#[test]
fn duplicate_unknown_keys() {
    // Unknown fields are not read, so serde would let the second silently win.
    let text = "{\"systems\": [{\"id\": \"tc\", \"name\": \"TC\", \"type\": \"SAP Task Center\",\n  \"x-owner\": \"a\",\n  \"x-owner\": \"b\"}]}";
    assert_rejected(
        "dupunknown.json",
        text.as_bytes(),
        &["\"x-owner\" appears twice", "line 3"],
    );
}

#[test]
fn deeply_nested_arrays() {
    let depth = 100_000;
    let nest = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let text = format!(r#"{{"systems": {nest}}}"#);
    assert_rejected(
        "deep.json",
        text.as_bytes(),
        &["systems[0][0]", "expected a string"],
    );
    // In a field the tool ignores, the nesting is skipped without overflowing the stack:
    // what is reported is the real problem, the missing system.
    let text = format!(r#"{{"notes": {nest}, "systems": []}}"#);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep-ignored.json");
    std::fs::write(&path, &text).unwrap();
    let (code, stderr) = create_on(&path);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no system with the id \"tc\""), "{stderr}");
}

#[test]
fn numbers_where_strings_belong() {
    let text = r#"{"systems": [{"id": "tc", "name": 42, "type": "SAP Task Center"}]}"#;
    assert_rejected(
        "numbers.json",
        text.as_bytes(),
        &["systems[0].name", "expected a string", "column"],
    );
}

#[test]
fn top_level_not_an_object() {
    assert_rejected("array.json", b"[1, 2, 3]", &["expected struct"]);
}
