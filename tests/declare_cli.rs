//! `export`, `plan` and `apply` as the binary runs them: on a landscape file (twice, and
//! not on a terminal without --yes) and against an in-process sandbox, plain and with
//! faults (a dropped answer, a server error) — each ending with what the file says, once.

mod common;

use std::path::Path;

use common::*;
use formation_wizard::sandbox::Fault;

fn args(source: &[String], list: &[&str]) -> Vec<String> {
    let mut out = source.to_vec();
    out.extend(list.iter().map(|s| s.to_string()));
    out
}

/// tc-0 moves from "TC Zero" to a new "TC Moved"; "TC Zero" takes tc-1 instead.
const FILE: &str = r#"
[defaults]
type = "Integration with Customer-Managed SAP Task Center"

[[formation]]
name = "TC Zero"
systems = [{ name = "Task Center 1" }, { name = "S/4HANA 0", system_number = "0000000" }]

[[formation]]
name = "TC Moved"
systems = [
  { name = "Task Center 0" },
  { type = "SAP S/4HANA Cloud", name_pattern = "S/4HANA [12]" },
]
"#;

fn expect_the_file(path: &Path) {
    let zero = formations_named(path, "TC Zero");
    let moved = formations_named(path, "TC Moved");
    assert_eq!((zero.len(), moved.len()), (1, 1), "duplicates or missing");
    let members = |f: &serde_json::Value| {
        let mut m: Vec<String> = f["systems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect();
        m.sort();
        m
    };
    assert_eq!(members(&zero[0]), ["s4-0", "tc-1"]);
    assert_eq!(members(&moved[0]), ["s4-1", "s4-2", "tc-0"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_on_a_file_twice_then_export_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let file = dir.path().join("formations.toml");
    std::fs::write(&file, FILE).unwrap();
    let src = vec!["--landscape".to_owned(), path.to_str().unwrap().to_owned()];
    let f = file.to_str().unwrap();

    let out = run(dir.path(), args(&src, &["plan", f, "--detailed-exitcode"])).await;
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("+ create \"TC Moved\"")
            && shown.contains("~ unassign \"Task Center 0\" (tc-0) from \"TC Zero\""),
        "{shown}"
    );

    let before = std::fs::read(&path).unwrap();
    let out = run(dir.path(), args(&src, &["apply", f])).await;
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("needs --yes"),
        "{}",
        said(&out)
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let out = run(dir.path(), args(&src, &["apply", f, "--yes"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("No changes remain"),
        "{}",
        said(&out)
    );
    expect_the_file(&path);
    let after = std::fs::read(&path).unwrap();

    let out = run(dir.path(), args(&src, &["apply", f, "--yes"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("No changes:"),
        "{}",
        said(&out)
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        after,
        "the second apply changed the file"
    );

    let out = run(dir.path(), args(&src, &["export"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let exported = dir.path().join("exported.toml");
    std::fs::write(&exported, &out.stdout).unwrap();
    let out = run(
        dir.path(),
        args(
            &src,
            &[
                "plan",
                exported.to_str().unwrap(),
                "--prune",
                "--detailed-exitcode",
            ],
        ),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_against_the_sandbox_plain_and_with_faults_ends_as_the_file_says_once() {
    // (fault, the operation it hits)
    let cases: [Option<(Fault, &str)>; 5] = [
        None,
        Some((Fault::Drop, "createFormation")),
        Some((Fault::ServerError, "createFormation")),
        Some((Fault::Drop, "assignFormation")),
        Some((Fault::ServerError, "unassignFormation")),
    ];
    for case in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = write_landscape(dir.path(), &landscape(3));
        let sb = start(&path, |_| {}).await;
        let token_file = token_file(dir.path());
        let file = dir.path().join("formations.toml");
        std::fs::write(&file, FILE).unwrap();
        let url = sb.url();
        let src: Vec<String> = [
            "--director",
            &url,
            "--tenant",
            "tenant-1",
            "--token-file",
            token_file.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some((fault, op)) = &case {
            sb.fail_next(fault.clone(), 1, Some(op));
        }
        let f = file.to_str().unwrap();
        let first = run(dir.path(), args(&src, &["apply", f, "--yes"])).await;
        // A fault may stop the first run (never with a duplicate); a second run finishes.
        assert!(
            matches!(first.status.code(), Some(0 | 3)),
            "{case:?}\n{}",
            said(&first)
        );
        assert!(
            formations_named(&path, "TC Moved").len() <= 1,
            "{case:?}: duplicated\n{}",
            said(&first)
        );
        if first.status.code() == Some(3) {
            let second = run(dir.path(), args(&src, &["apply", f, "--yes"])).await;
            assert_eq!(
                second.status.code(),
                Some(0),
                "{case:?}\n{}\n{}",
                said(&first),
                said(&second)
            );
        }
        expect_the_file(&path);
        let again = run(dir.path(), args(&src, &["plan", f, "--detailed-exitcode"])).await;
        assert_eq!(again.status.code(), Some(0), "{case:?}\n{}", said(&again));
        drop(sb);
    }
}
