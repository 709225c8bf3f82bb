//! A change interrupted half-way, through the binary against the sandbox with latency (a
//! far Director): Ctrl-C (SIGINT), SIGTERM and a dropped SSH session (SIGHUP) after the first
//! assignment leave the formation whole or gone; SIGKILL leaves a journal record that the
//! next command reports and `recover --yes` mends; the same for `apply`.
//!
//! The sandbox runs in the test process with `rates.latency` (what `sandbox --latency-ms`
//! sets), so that the binary is between two calls when the signal comes.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;

const LATENCY: Duration = Duration::from_millis(300);

/// The binary with private directories under `home`, its stderr read line by line.
fn spawn(home: &Path, args: &[String]) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args(args)
        .env("FORMATION_WIZARD_DATA_DIR", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("FORMATION_WIZARD_PROFILE")
        .env("FORMATION_WIZARD_STATE_DIR", home.join("state"))
        .env_remove("FORMATION_WIZARD_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    (child, rx)
}

/// Lines of stderr until one contains `needle` (that one included); panics after 60 s.
fn until(rx: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let found = line.contains(needle);
                seen.push(line);
                if found {
                    return seen;
                }
            }
            Err(_) => panic!("no line with {needle:?} on stderr; seen: {seen:#?}"),
        }
    }
}

fn signal(child: &Child, sig: i32) {
    let pid = i32::try_from(child.id()).expect("a pid");
    // SAFETY: kill(2) on the child we started; no memory is involved.
    assert_eq!(unsafe { libc::kill(pid, sig) }, 0, "signal {sig} sent");
}

/// Waits (at most 120 s) for the child and reads the rest of stderr.
fn finish(mut child: Child, rx: &mpsc::Receiver<String>) -> (Option<i32>, String) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "the binary did not end");
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_millis(100));
    let rest: Vec<String> = rx.try_iter().collect();
    (status.code(), rest.join("\n"))
}

/// Whole (every planned system) or gone: never in between.
fn whole_or_gone(path: &Path, name: &str, planned: &[&str]) -> bool {
    let found = formations_named(path, name);
    match found.as_slice() {
        [] => true,
        [f] => {
            let mut members: Vec<String> = f["systems"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect();
            members.sort();
            let mut want: Vec<String> = planned.iter().map(|s| (*s).to_owned()).collect();
            want.sort();
            members == want
        }
        _ => false,
    }
}

struct Setup {
    dir: tempfile::TempDir,
    path: std::path::PathBuf,
    sandbox: formation_wizard::sandbox::SandboxHandle,
    token: std::path::PathBuf,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_landscape(dir.path(), &landscape(5));
    let sandbox = start(&path, |c| {
        c.rates.latency = LATENCY;
        c.ready_after = Duration::from_millis(300);
    })
    .await;
    let token = token_file(dir.path());
    Setup {
        dir,
        path,
        sandbox,
        token,
    }
}

impl Setup {
    fn source(&self) -> Vec<String> {
        strings(&[
            "--director",
            &self.sandbox.url(),
            "--tenant",
            "tenant-1",
            "--token-file",
            &self.token.display().to_string(),
        ])
    }

    fn create_args(&self, name: &str) -> Vec<String> {
        let mut args = strings(&[
            "create",
            "--name",
            name,
            "--type",
            "sap-task-center",
            "--system",
            "tc-1",
            "--system",
            "s4-1",
            "--system",
            "s4-2",
        ]);
        args.extend(self.source());
        args
    }
}

const PLANNED: [&str; 3] = ["tc-1", "s4-1", "s4-2"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_sigterm_and_sighup_after_the_first_assignment_leave_the_formation_whole_or_gone() {
    let s = setup().await;
    for (sig, name) in [
        (libc::SIGINT, "TC Int"),
        (libc::SIGTERM, "TC Term"),
        (libc::SIGHUP, "TC Hup"),
    ] {
        let (child, rx) = spawn(s.dir.path(), &s.create_args(name));
        let before = tokio::task::block_in_place(|| until(&rx, "done: Assign the system tc-1"));
        signal(&child, sig);
        let (code, rest) = tokio::task::block_in_place(|| finish(child, &rx));
        let said = format!("{}\n{rest}", before.join("\n"));
        assert_eq!(code, Some(130), "signal {sig}:\n{said}");
        assert!(
            whole_or_gone(&s.path, name, &PLANNED),
            "signal {sig}: {:?}\n{said}",
            formations_named(&s.path, name)
        );
        assert!(
            formations_named(&s.path, name).is_empty(),
            "interrupted before it was whole, it is undone: {said}"
        );
        assert!(rest.contains("Interrupted"), "{said}");
        assert!(
            rest.contains("does not exist"),
            "it says what became of it: {said}"
        );
        // Nothing is left for the next command to report.
        let out = run(
            s.dir.path(),
            [strings(&["formations"]), s.source()].concat(),
        )
        .await;
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("cut short"),
            "{}",
            said_of(&out)
        );
    }
}

fn said_of(out: &std::process::Output) -> String {
    said(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_leaves_a_journal_that_the_next_command_reports_and_recover_mends() {
    let s = setup().await;
    let (child, rx) = spawn(s.dir.path(), &s.create_args("TC Killed"));
    tokio::task::block_in_place(|| until(&rx, "done: Assign the system tc-1"));
    signal(&child, libc::SIGKILL);
    let (code, _) = tokio::task::block_in_place(|| finish(child, &rx));
    assert_eq!(code, None, "killed by the signal");
    assert!(
        !formations_named(&s.path, "TC Killed").is_empty(),
        "half-built"
    );

    let out = run(
        s.dir.path(),
        [strings(&["formations"]), s.source()].concat(),
    )
    .await;
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("cut short"), "{}", said(&out));
    assert!(err.contains("TC Killed"), "names the formation: {err}");
    assert!(err.contains("assign tc-1"), "says what is left: {err}");
    assert!(
        err.contains("formation-wizard recover --director"),
        "the command that mends it, with the source flags: {err}"
    );

    // Off a terminal, recover needs --yes.
    let out = run(s.dir.path(), [strings(&["recover"]), s.source()].concat()).await;
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));

    let out = run(
        s.dir.path(),
        [strings(&["recover", "--yes"]), s.source()].concat(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        formations_named(&s.path, "TC Killed").is_empty(),
        "undone: {}",
        said(&out)
    );
    let out = run(
        s.dir.path(),
        [strings(&["formations"]), s.source()].concat(),
    )
    .await;
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("cut short"),
        "mended: {}",
        said(&out)
    );
    let out = run(
        s.dir.path(),
        [strings(&["recover", "--yes"]), s.source()].concat(),
    )
    .await;
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Nothing to recover"),
        "{}",
        said(&out)
    );
}

const APPLY_FILE: &str = r#"
[defaults]
type = "Integration with Customer-Managed SAP Task Center"

[[formation]]
name = "TC Applied"
systems = [{ id = "tc-1" }, { id = "s4-1" }, { id = "s4-2" }]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_apply_leaves_each_formation_whole_or_gone() {
    let s = setup().await;
    let file = s.dir.path().join("formations.toml");
    std::fs::write(&file, APPLY_FILE).expect("written");
    let mut args = strings(&["apply", &file.display().to_string(), "--yes"]);
    args.extend(s.source());
    let (child, rx) = spawn(s.dir.path(), &args);
    let before = tokio::task::block_in_place(|| until(&rx, "done: Assign the system"));
    signal(&child, libc::SIGINT);
    let (code, rest) = tokio::task::block_in_place(|| finish(child, &rx));
    let said = format!("{}\n{rest}", before.join("\n"));
    assert_eq!(code, Some(130), "{said}");
    assert!(
        whole_or_gone(&s.path, "TC Applied", &PLANNED),
        "{:?}\n{said}",
        formations_named(&s.path, "TC Applied")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_apply_is_reported_and_mended_too() {
    let s = setup().await;
    let file = s.dir.path().join("formations.toml");
    std::fs::write(&file, APPLY_FILE).expect("written");
    let mut args = strings(&["apply", &file.display().to_string(), "--yes"]);
    args.extend(s.source());
    let (child, rx) = spawn(s.dir.path(), &args);
    tokio::task::block_in_place(|| until(&rx, "done: Assign the system"));
    signal(&child, libc::SIGKILL);
    tokio::task::block_in_place(|| finish(child, &rx));
    let out = run(
        s.dir.path(),
        [strings(&["recover", "--yes"]), s.source()].concat(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(whole_or_gone(&s.path, "TC Applied", &PLANNED));
    assert!(formations_named(&s.path, "TC Applied").is_empty());
}
