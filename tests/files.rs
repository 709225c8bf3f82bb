//! Files that cannot be tricked (issue 14, "Why" 8 and the file items of 9): each test plays
//! the attack against the binary and checks the defence. Every child process is bounded in
//! time, so a regression that hangs fails instead of blocking the suite.

use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_formation-wizard");
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rules.json");

fn command(data: &Path) -> Command {
    command_with(Path::new(BIN), data)
}

fn command_with(bin: &Path, data: &Path) -> Command {
    let mut c = Command::new(bin);
    c.env("FORMATION_WIZARD_DATA_DIR", data)
        .env("XDG_CONFIG_HOME", data)
        .env_remove("FORMATION_WIZARD_PROFILE")
        .env_remove("FORMATION_WIZARD_ALLOW_OPEN_CREDENTIALS")
        .env_remove("FORMATION_WIZARD_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Waits for `child` at most `limit`, reading its output meanwhile; kills it and fails the
/// test when it takes longer.
fn finish(child: Child, limit: Duration, what: &str) -> Output {
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            // SAFETY: kill has no memory preconditions; the child is ours and not reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let out = rx.recv().unwrap().unwrap();
            panic!(
                "{what}: still running after {limit:?}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

fn run(c: &mut Command, limit: Duration, what: &str) -> Output {
    finish(c.spawn().unwrap(), limit, what)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A create of a Kyma extensibility formation, whose type has no exclusivity rule, so any
/// number of them can be created side by side with the same system.
fn create_args(landscape: &Path, name: &str) -> Vec<String> {
    create_with(landscape, name, "s4-ok")
}

fn create_with(landscape: &Path, name: &str, system: &str) -> Vec<String> {
    vec![
        "create".into(),
        "--landscape".into(),
        landscape.display().to_string(),
        "--name".into(),
        name.into(),
        "--type".into(),
        "kyma-side-by-side-extensibility".into(),
        "--system".into(),
        system.into(),
    ]
}

fn formations(path: &Path) -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    doc["formations"].as_array().cloned().unwrap_or_default()
}

fn fixture_in(dir: &Path) -> PathBuf {
    let path = dir.join("landscape.json");
    std::fs::copy(FIXTURE, &path).unwrap();
    path
}

#[test]
fn creates_through_a_symlink_and_its_target_all_land_in_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let real_dir = dir.path().join("real");
    std::fs::create_dir(&real_dir).unwrap();
    let target = fixture_in(&real_dir);
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let before = formations(&target).len();

    let children: Vec<Child> = (0..16)
        .map(|i| {
            let through = if i % 2 == 0 { &link } else { &target };
            command(dir.path())
                .args(create_args(through, &format!("Ext {i}")))
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = finish(child, Duration::from_secs(120), "a create");
        assert_eq!(out.status.code(), Some(0), "create {i}: {}", stderr(&out));
    }

    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced by a copy"
    );
    let after = formations(&target);
    assert_eq!(after.len(), before + 16, "every create is in the target");
    for i in 0..16 {
        let name = format!("Ext {i}");
        assert_eq!(
            after.iter().filter(|f| f["name"] == name.as_str()).count(),
            1
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(&real_dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.path()).unwrap())
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    assert!(
        !dir.path().join("link.json.lock").exists(),
        "the lock is taken beside the target, shared by both ways in"
    );
}

fn make_fifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid path string; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn a_fifo_a_device_or_a_directory_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.json");
    make_fifo(&fifo);
    let cases: [(&Path, &str); 4] = [
        (&fifo, "named pipe"),
        (Path::new("/dev/zero"), "character device"),
        (Path::new("/dev/urandom"), "character device"),
        (dir.path(), "directory"),
    ];
    for (path, kind) in cases {
        let started = Instant::now();
        let out = run(
            command(dir.path())
                .args(["systems", "--landscape"])
                .arg(path),
            Duration::from_secs(20),
            &path.display().to_string(),
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
        assert!(
            err.contains(&path.display().to_string())
                && err.contains(kind)
                && err.contains("not a regular file"),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[test]
fn a_fifo_token_file_is_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("token");
    make_fifo(&fifo);
    let out = run(
        command(dir.path())
            .args([
                "systems",
                "--director",
                "http://127.0.0.1:9/graphql",
                "--tenant",
                "t",
                "--token-file",
            ])
            .arg(&fifo),
        Duration::from_secs(20),
        "a FIFO token file",
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the token file") && err.contains("named pipe"),
        "{err}"
    );
}

#[test]
fn a_read_only_landscape_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_in(dir.path());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&path).unwrap();
    let ino = std::fs::metadata(&path).unwrap().ino();
    let out = run(
        command(dir.path()).args(create_args(&path, "Ext RO")),
        Duration::from_secs(60),
        "create on a read-only file",
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("read-only (mode 0444)"), "{err}");
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.ino(), ino, "the file was replaced");
    assert_eq!(meta.permissions().mode() & 0o777, 0o444);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

/// Run as root (as CI does here), this plays the shared-directory attack: another user who
/// may write the directory but not the file must not replace it; and root, who may write
/// it, must not take it over.
#[test]
fn another_users_file_keeps_its_owner() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("not root: only the read-only case (above) can be played");
        return;
    }
    const NOBODY: u32 = 65534;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let path = fixture_in(dir.path());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = std::fs::read(&path).unwrap();

    // nobody against root's 0644 file in a directory nobody may write.
    let data = tempfile::tempdir().unwrap();
    std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    // The build may sit under a directory only root may enter (a clone in a 0700 temp
    // directory, as CI makes): nobody runs a copy of the binary from a place it may reach.
    let bin_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = bin_dir.path().join("formation-wizard");
    std::fs::copy(BIN, &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run(
        std::os::unix::process::CommandExt::uid(
            command_with(&bin, data.path()).args(create_args(&path, "Ext Other")),
            NOBODY,
        ),
        Duration::from_secs(60),
        "create as another user",
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("you may not write it"), "{err}");
    assert_eq!(std::fs::metadata(&path).unwrap().uid(), 0);
    assert_eq!(std::fs::read(&path).unwrap(), before);

    // root against nobody's file: written, and still nobody's.
    std::os::unix::fs::chown(&path, Some(NOBODY), Some(NOBODY)).unwrap();
    let out = run(
        command(data.path()).args(create_args(&path, "Ext Root")),
        Duration::from_secs(60),
        "create as root",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (NOBODY, NOBODY));
    assert_eq!(meta.permissions().mode() & 0o777, 0o644);
}

#[test]
fn a_planted_lock_file_symlink_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_in(dir.path());
    let victim = dir.path().join("victim");
    let lock = dir.path().join("landscape.json.lock");
    std::os::unix::fs::symlink(&victim, &lock).unwrap();
    let before = std::fs::read(&path).unwrap();
    let out = run(
        command(dir.path()).args(create_args(&path, "Ext Lock")),
        Duration::from_secs(60),
        "create with a planted lock link",
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("landscape.json.lock") && err.contains("symbolic link"),
        "{err}"
    );
    assert!(!victim.exists(), "the link's target was created");
    assert!(
        std::fs::symlink_metadata(&lock)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

fn hold_lock(path: &Path) -> std::fs::File {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let file = std::fs::File::create(PathBuf::from(name)).unwrap();
    file.lock().unwrap();
    file
}

#[test]
fn a_held_lock_is_announced_and_given_up_on_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_in(dir.path());
    let before = std::fs::read(&path).unwrap();
    let held = hold_lock(&path);

    let started = Instant::now();
    let out = run(
        command(dir.path())
            .args(create_args(&path, "Ext Wait"))
            .args(["--lock-timeout", "2"]),
        Duration::from_secs(60),
        "create against a held lock",
    );
    let took = started.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    // The steps done, the wait said at once, then one sentence for giving up.
    let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("  done: ")).collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].contains("waiting for the lock") && lines[0].contains("landscape.json.lock"),
        "{err}"
    );
    assert!(
        lines[1].contains("gave up after") && lines[1].contains("landscape.json.lock"),
        "{err}"
    );
    assert!(took >= Duration::from_secs(2), "{took:?}");
    assert_eq!(std::fs::read(&path).unwrap(), before);

    // Released while waiting: the create goes through after saying it waited.
    let mut child = command(dir.path())
        .args(create_args(&path, "Ext Wait"))
        .args(["--lock-timeout", "30"])
        .spawn()
        .unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err_pipe.read_to_string(&mut s);
        s
    });
    std::thread::sleep(Duration::from_millis(2500));
    drop(held);
    let out = finish(
        child,
        Duration::from_secs(60),
        "create after the lock is released",
    );
    let err = reader.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("waiting for the lock"), "{err}");
    assert!(formations(&path).iter().any(|f| f["name"] == "Ext Wait"));
}

/// The fixture as one compact line, with fields formation-wizard does not know: a number
/// no f64 holds, an odd float spelling, an escape, nested unknown objects.
fn compact_with_unknown_fields() -> String {
    let fixture = std::fs::read_to_string(FIXTURE).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&fixture).unwrap();
    let compact = serde_json::to_string(&doc).unwrap();
    let body = compact.strip_prefix('{').unwrap();
    format!(
        r#"{{"big":123456789012345678901234567890,"ratio":1.50E+2,"note":"caf\u00e9","meta":{{"n":-0.0,"deep":[1e5,2]}},{body}"#
    )
}

#[test]
fn unknown_fields_and_the_compact_layout_survive_a_create_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compact.json");
    let original = compact_with_unknown_fields();
    std::fs::write(&path, &original).unwrap();
    let out = run(
        command(dir.path()).args(create_args(&path, "Ext Compact")),
        Duration::from_secs(60),
        "create on a compact file",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(&path).unwrap();
    // Everything up to the end of the last formation, and the closing brackets, are as
    // they were; between them is one new compact formation.
    let cut = original.rfind("}]").unwrap() + 1;
    assert!(written.starts_with(&original[..cut]), "{written}");
    assert!(written.ends_with(&original[cut..]));
    let added = &written[cut..written.len() - (original.len() - cut)];
    assert!(added.starts_with(r#",{"id":"f-"#), "{added}");
    assert!(!added.contains(": ") && !added.contains(", "), "{added}");
    assert!(!written.contains('\n'), "stays on one line");
    assert!(written.contains("123456789012345678901234567890,"));
}

#[test]
fn an_indented_file_stays_indented_in_its_own_unit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tabs.json");
    let fixture = std::fs::read_to_string(FIXTURE).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&fixture).unwrap();
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    serde::Serialize::serialize(
        &doc,
        &mut serde_json::Serializer::with_formatter(&mut out, fmt),
    )
    .unwrap();
    let mut original = String::from_utf8(out).unwrap();
    original.insert_str(1, "\n\t\"x-big\": 123456789012345678901234567890,");
    std::fs::write(&path, &original).unwrap();
    let run_out = run(
        command(dir.path()).args(create_args(&path, "Ext Tabs")),
        Duration::from_secs(60),
        "create on a tab-indented file",
    );
    assert_eq!(run_out.status.code(), Some(0), "{}", stderr(&run_out));
    let written = std::fs::read_to_string(&path).unwrap();
    let cut = original.rfind("\n\t]").unwrap();
    assert!(written.starts_with(&original[..cut]));
    assert!(written.ends_with(&original[cut..]));
    let added = &written[cut..written.len() - (original.len() - cut)];
    assert!(
        added.starts_with(",\n\t\t{\n\t\t\t\"id\": \"f-"),
        "{added:?}"
    );
}

#[test]
fn a_large_compact_file_grows_only_by_the_new_formation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("generated.json");
    let out = run(
        command(dir.path()).args(["generate", "--systems", "5000", "--formations", "500"]),
        Duration::from_secs(60),
        "generate",
    );
    std::fs::write(&path, &out.stdout).unwrap();
    let before = out.stdout.len();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s4 = doc["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "SAP S/4HANA Cloud")
        .and_then(|s| s["id"].as_str())
        .unwrap()
        .to_owned();
    let out = run(
        command(dir.path()).args(create_with(&path, "Ext Big", &s4)),
        Duration::from_secs(60),
        "create on a generated file",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = std::fs::metadata(&path).unwrap().len() as usize;
    assert!(
        after > before && after - before < 200,
        "{before} -> {after} bytes"
    );
}

#[test]
fn open_credential_files_are_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "secret-token\n").unwrap();
    let key = dir.path().join("key.json");
    std::fs::write(
        &key,
        r#"{"clientid":"c","clientsecret":"s","url":"http://127.0.0.1:9"}"#,
    )
    .unwrap();
    let director = |flag: &str, file: &Path| {
        let mut c = command(dir.path());
        c.args([
            "systems",
            "--director",
            "http://127.0.0.1:9/graphql",
            "--tenant",
            "t",
            flag,
        ])
        .arg(file);
        c
    };
    for (flag, file, mode, what) in [
        ("--token-file", &token, 0o644, "the token file"),
        ("--token-file", &token, 0o640, "the token file"),
        ("--service-key", &key, 0o604, "the service key"),
    ] {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = run(
            &mut director(flag, file),
            Duration::from_secs(30),
            "open credentials",
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(what)
                && err.contains(&format!("mode {mode:04o}"))
                && err.contains(&format!("chmod 600 {}", file.display())),
            "{err}"
        );
        assert!(!err.contains("secret-token"));

        let out = run(
            director(flag, file).env("FORMATION_WIZARD_ALLOW_OPEN_CREDENTIALS", "1"),
            Duration::from_secs(60),
            "allowed open credentials",
        );
        let err = stderr(&out);
        assert!(!err.contains("other users"), "allowed: {err}");
        assert_ne!(out.status.code(), Some(2), "{err}");
    }
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run(
        &mut director("--token-file", &token),
        Duration::from_secs(60),
        "private credentials",
    );
    assert!(!stderr(&out).contains("other users"));
}

/// Issue 23, Why 4: the formations file is opened as a landscape file is. A FIFO, a device,
/// a link to a device and a 303 MB file are refused at once, with the file named.
#[test]
fn why23_4_a_formations_file_that_is_no_regular_file_or_too_big_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    make_fifo(&fifo);
    let link = dir.path().join("formations.toml");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let huge = dir.path().join("huge.toml");
    // Sparse: 303 MB that take no disk, read as zeros by a reader without a bound.
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(303 * 1024 * 1024)
        .unwrap();
    let cases: [(&Path, &str); 4] = [
        (&fifo, "named pipe"),
        (Path::new("/dev/zero"), "character device"),
        (&link, "character device"),
        (&huge, "larger than"),
    ];
    for (path, why) in cases {
        let started = Instant::now();
        let out = run(
            command(dir.path())
                .args(["plan", "--landscape", FIXTURE])
                .arg(path),
            Duration::from_secs(30),
            &path.display().to_string(),
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
        assert!(
            err.contains("formations file")
                && err.contains(&path.display().to_string())
                && err.contains(why),
            "{err}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{}",
            path.display()
        );
    }
}

/// Issue 23, Why 6: a glob of 15,000 alternatives is an error with its line and column,
/// never a panic (globset's matcher panicked: "regex compilation shouldn't fail").
#[test]
fn why23_6_a_glob_of_15000_alternatives_is_an_error_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let alternatives: Vec<String> = (0..15_000).map(|i| format!("S/4HANA {i}")).collect();
    let file = dir.path().join("formations.toml");
    std::fs::write(
        &file,
        format!(
            "[[formation]]\nname = \"Big\"\ntype = \"sap-task-center\"\nsystems = [\n  {{ type = \"SAP S/4HANA Cloud\", name_pattern = \"{{{}}}\" }},\n]\n",
            alternatives.join(",")
        ),
    )
    .unwrap();
    let out = run(
        command(dir.path())
            .args(["plan", "--landscape", FIXTURE])
            .arg(&file),
        Duration::from_secs(60),
        "a glob of 15,000 alternatives",
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("line 5, column 3") && err.contains("alternatives"),
        "{err}"
    );
    assert!(
        err.len() < 2_000,
        "the pattern is not quoted whole: {} bytes",
        err.len()
    );
}

/// Issue 23, Why 5: a selector that picks thousands of systems (`*`) is refused with the
/// reason instead of planning a step for each (20 of them on 60,000 systems printed 84 MB).
#[test]
fn why23_5_a_selector_matching_too_many_systems_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut systems =
        vec![serde_json::json!({"id": "tc", "name": "TC", "type": "SAP Task Center"})];
    for i in 0..3_000 {
        systems.push(serde_json::json!({
            "id": format!("s4-{i}"), "name": format!("S/4HANA {i}"), "type": "SAP S/4HANA Cloud",
            "status": "Registered", "scenario_groups": ["All Communication Scenarios"]
        }));
    }
    let landscape = dir.path().join("big.json");
    std::fs::write(
        &landscape,
        serde_json::to_vec(&serde_json::json!({"systems": systems, "formations": []})).unwrap(),
    )
    .unwrap();
    let mut text = String::new();
    for i in 0..20 {
        text.push_str(&format!(
            "[[formation]]\nname = \"All {i}\"\ntype = \"sap-task-center\"\nsystems = [{{ type = \"SAP S/4HANA Cloud\", name_pattern = \"*\" }}]\n"
        ));
    }
    let file = dir.path().join("formations.toml");
    std::fs::write(&file, text).unwrap();
    let out = run(
        command(dir.path())
            .args(["plan", "--landscape"])
            .arg(&landscape)
            .arg(&file),
        Duration::from_secs(60),
        "20 star selectors",
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("matches more than 1000 systems"), "{err}");
    assert!(
        out.stdout.len() + err.len() < 64 * 1024,
        "the output stays small"
    );
}
