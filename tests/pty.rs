//! End-to-end: the real binary in a pseudo-terminal, read back through a vt100 screen.
//!
//! PTY pitfalls handled here: the writer is kept until the child has exited (dropping it
//! sends EOF/Ctrl-D to the app); the slave is dropped right after spawning, so that the
//! reader sees EOF once the child is gone; every wait has a deadline.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

mod common;

const DEADLINE: Duration = Duration::from_secs(20);

struct App {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Receiver<Vec<u8>>,
    parser: vt100::Parser,
    raw: Vec<u8>,
    _master: Box<dyn MasterPty + Send>,
}

impl App {
    fn start(args: &[&str], data_dir: &Path) -> App {
        App::start_with(args, data_dir, &[])
    }

    fn start_with(args: &[&str], data_dir: &Path, env: &[(&str, &str)]) -> App {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_formation-wizard"));
        cmd.args(args);
        cmd.env("FORMATION_WIZARD_DATA_DIR", data_dir);
        cmd.env("XDG_CONFIG_HOME", data_dir);
        cmd.env_remove("FORMATION_WIZARD_PROFILE");
        // A Director's landscape is cached (issue 22): never in the real user's cache.
        cmd.env("XDG_CACHE_HOME", data_dir.join("cache"));
        cmd.env_remove("FORMATION_WIZARD_CACHE_DIR");
        cmd.env_remove("FORMATION_WIZARD_NO_CACHE");
        cmd.env("LANG", "C.UTF-8");
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("LC_ALL");
        cmd.env_remove("LC_CTYPE");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("FORMATION_WIZARD_TEST_PANIC");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (tx, output) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let size = |n| NonZeroU16::new(n).unwrap();
        App {
            child,
            writer,
            output,
            parser: vt100::Parser::new(size(24), size(80), 0),
            raw: Vec::new(),
            _master: pair.master,
        }
    }

    fn pump(&mut self, wait: Duration) {
        if let Ok(chunk) = self.output.recv_timeout(wait) {
            self.parser.process(&chunk);
            self.raw.extend(chunk);
        }
        while let Ok(chunk) = self.output.try_recv() {
            self.parser.process(&chunk);
            self.raw.extend(chunk);
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    fn wait_for(&mut self, text: &str) {
        let end = Instant::now() + DEADLINE;
        while !self.screen().contains(text) {
            assert!(
                Instant::now() < end,
                "timed out waiting for {text:?}; the screen:\n{}",
                self.screen()
            );
            self.pump(Duration::from_millis(50));
        }
    }

    fn send(&mut self, keys: &str) {
        for c in keys.chars() {
            let mut b = [0u8; 4];
            self.writer
                .write_all(c.encode_utf8(&mut b).as_bytes())
                .unwrap();
            self.writer.flush().unwrap();
            // One key per read, as a person types: keeps the app's parser unambiguous.
            std::thread::sleep(Duration::from_millis(20));
            self.pump(Duration::from_millis(1));
        }
    }

    /// From the wizard's Name step to Review of "TC Test": Task Center APJ and S/4HANA
    /// Cloud Production, every rule satisfied.
    fn review_tc_test(&mut self) {
        self.wait_for("Name the formation");
        self.send("TC Test");
        self.wait_for("The name can be used");
        self.send("\r");
        self.wait_for("Choose the formation type");
        self.send("\r");
        self.wait_for("Task Center APJ");
        self.send(" ");
        self.wait_for("exactly 1 · 1 chosen");
        self.send("jjj ");
        self.wait_for("1 or more · 1 chosen");
        self.send("\r");
        self.wait_for("every rule is satisfied");
    }

    /// `c` on Review, then `y` once the question has been read.
    fn confirm_create(&mut self) {
        self.send("c");
        self.wait_for("Create this formation?");
        // Keys within the first moments after the dialog shows are taken as sent before it.
        std::thread::sleep(Duration::from_millis(600));
        self.send("y");
        self.wait_for("was created");
    }

    /// Writes `keys` in one write, as a paste or a key held down over a laggy link would
    /// arrive: the app reads them together.
    fn burst(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        self.pump(Duration::from_millis(1));
    }

    /// Reads the app's output for `wait`, whatever it draws.
    fn settle(&mut self, wait: Duration) {
        let end = Instant::now() + wait;
        while Instant::now() < end {
            self.pump(Duration::from_millis(20));
        }
    }

    fn wait_exit(&mut self) -> u32 {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Drain what the app wrote last (the terminal restore).
                let drain = Instant::now() + Duration::from_secs(2);
                while Instant::now() < drain {
                    match self.output.recv_timeout(Duration::from_millis(100)) {
                        Ok(chunk) => {
                            self.parser.process(&chunk);
                            self.raw.extend(chunk);
                        }
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                        Err(_) => {}
                    }
                }
                return status.exit_code();
            }
            if Instant::now() > end {
                let _ = self.child.kill();
                panic!("the app did not exit; the screen:\n{}", self.screen());
            }
            self.pump(Duration::from_millis(50));
        }
    }

    fn pid(&self) -> u32 {
        self.child.process_id().expect("the child has a pid")
    }

    fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name}");
    }

    /// The raw output from byte `from` on, as text.
    fn raw_since(&self, from: usize) -> String {
        String::from_utf8_lossy(&self.raw[from..]).into_owned()
    }

    /// The pseudo-terminal's line discipline is cooked again: canonical input, echo and
    /// signals on (raw mode turns all three off).
    fn assert_cooked(&self) {
        use nix::sys::termios::LocalFlags;
        let termios = self._master.get_termios().expect("the pty's termios");
        let want = LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG;
        assert!(
            termios.local_flags.contains(want),
            "the terminal is left in raw mode: {:?}",
            termios.local_flags
        );
    }

    /// After the last switch to the alternate screen: left it, showed the cursor, turned
    /// bracketed paste (and mouse capture, if it was on) off, and cooked mode is back.
    fn assert_terminal_restored(&self) {
        let raw = String::from_utf8_lossy(&self.raw);
        let entered = raw
            .rfind("\x1b[?1049h")
            .expect("the app used the alternate screen");
        let rest = &raw[entered..];
        let left = rest.find("\x1b[?1049l").expect("left the alternate screen");
        assert!(
            rest[left..].contains("\x1b[?25h"),
            "showed the cursor after leaving"
        );
        assert!(rest.contains("\x1b[?2004l"), "turned bracketed paste off");
        if rest.contains("\x1b[?1000h") {
            for off in ["\x1b[?1000l", "\x1b[?1002l", "\x1b[?1003l", "\x1b[?1006l"] {
                assert!(rest.contains(off), "turned mouse capture off ({off:?})");
            }
        }
        let screen = self.parser.screen();
        assert!(!screen.alternate_screen());
        assert!(!screen.hide_cursor());
        assert!(!screen.bracketed_paste());
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse reporting is off"
        );
        self.assert_cooked();
    }
}

fn landscape_copy(dir: &Path) -> PathBuf {
    let path = dir.join("landscape.json");
    std::fs::write(&path, include_str!("../assets/demo-landscape.json")).unwrap();
    path
}

#[test]
fn creates_a_task_center_formation_in_a_landscape_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = landscape_copy(dir.path());
    let mut app = App::start(&["--landscape", file.to_str().unwrap()], dir.path());
    app.review_tc_test();
    assert!(
        app.screen()
            .contains("SAP_COM_0501 on S/4HANA Cloud Production")
    );
    app.confirm_create();
    app.send("\r");
    assert_eq!(app.wait_exit(), 0);
    app.assert_terminal_restored();

    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let created = doc["formations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "TC Test")
        .expect("the formation is in the file");
    assert_eq!(created["systems"], serde_json::json!(["tc-eu", "s4-prod"]));
    assert_eq!(
        created["type"],
        "Integration with Customer-Managed SAP Task Center"
    );
}

#[test]
fn q_quits_with_130_and_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = landscape_copy(dir.path());
    let before = std::fs::read(&file).unwrap();
    let mut app = App::start(
        &["--landscape", file.to_str().unwrap(), "--name", "TC Test"],
        dir.path(),
    );
    app.wait_for("The name can be used");
    app.send("\r");
    app.wait_for("Choose the formation type");
    app.send("q");
    app.wait_for("Quit without creating");
    app.send("y");
    assert_eq!(app.wait_exit(), 130);
    app.assert_terminal_restored();
    assert_eq!(std::fs::read(&file).unwrap(), before, "nothing was written");
}

#[test]
fn hang_up_restores_and_exits_129() {
    let dir = tempfile::tempdir().unwrap();
    let file = landscape_copy(dir.path());
    let mut app = App::start(&["--landscape", file.to_str().unwrap()], dir.path());
    app.wait_for("Name the formation");
    let pid = app.child.process_id().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(app.wait_exit(), 129);
    app.assert_terminal_restored();
}

#[test]
fn the_demo_opens_with_a_demo_marker_in_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::start(&[], dir.path());
    app.wait_for("DEMO");
    assert!(app.screen().contains("demo-landscape.json"));
    assert!(dir.path().join("demo-landscape.json").exists());
    app.send("\x03");
    assert_eq!(app.wait_exit(), 130);
}

#[test]
fn refuses_without_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_formation-wizard"))
        .env("FORMATION_WIZARD_DATA_DIR", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("FORMATION_WIZARD_PROFILE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("check") && err.contains("create"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn sigterm_restores_mouse_and_modes_and_exits_143() {
    let dir = tempfile::tempdir().unwrap();
    let file = landscape_copy(dir.path());
    let mut app = App::start(
        &["--landscape", file.to_str().unwrap(), "--mouse"],
        dir.path(),
    );
    app.wait_for("Name the formation");
    assert!(
        app.raw_since(0).contains("\x1b[?1000h"),
        "mouse capture was on"
    );
    app.signal("TERM");
    assert_eq!(app.wait_exit(), 143);
    app.assert_terminal_restored();
}

#[test]
fn an_error_after_start_restores_and_says_it_in_one_sentence() {
    // A natural error path: the terminal is set up, then loading the landscape fails.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("landscape.json");
    std::fs::write(&file, "{\"systems\": [{\"id\": \"a\", \"name\": 7}]}").unwrap();
    let mut app = App::start(&["--landscape", file.to_str().unwrap()], dir.path());
    assert_eq!(app.wait_exit(), 2);
    app.assert_terminal_restored();
    let raw = app.raw_since(0);
    let left = raw.rfind("\x1b[?1049l").unwrap();
    let after = &raw[left..];
    assert!(
        after.contains("is not valid") && after.contains("systems[0].name"),
        "the message comes after the restore: {after:?}"
    );
}

#[test]
fn a_panic_on_the_ui_thread_restores_before_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = landscape_copy(dir.path());
    let mut app = App::start_with(
        &["--landscape", file.to_str().unwrap()],
        dir.path(),
        &[("FORMATION_WIZARD_TEST_PANIC", "ui")],
    );
    app.wait_for("Name the formation");
    app.send("x");
    assert_eq!(app.wait_exit(), 101, "a panic exits with Rust's panic code");
    app.assert_terminal_restored();
    let raw = app.raw_since(0);
    let left = raw.rfind("\x1b[?1049l").unwrap();
    assert!(
        raw[left..].contains("injected by FORMATION_WIZARD_TEST_PANIC=ui"),
        "the panic report is printed on the restored terminal"
    );
}

#[test]
fn a_panic_in_a_background_task_ends_the_app_cleanly_with_3() {
    let dir = tempfile::tempdir().unwrap();
    let file = landscape_copy(dir.path());
    let mut app = App::start_with(
        &["--landscape", file.to_str().unwrap()],
        dir.path(),
        &[("FORMATION_WIZARD_TEST_PANIC", "task")],
    );
    app.wait_for("Name the formation");
    app.send("x");
    assert_eq!(app.wait_exit(), 3);
    app.assert_terminal_restored();
    let raw = app.raw_since(0);
    let left = raw.rfind("\x1b[?1049l").unwrap();
    let after = &raw[left..];
    assert!(
        after.contains("a background task failed unexpectedly"),
        "one sentence after the restore: {after:?}"
    );
    assert_eq!(
        raw.matches("\x1b[?1049l").count(),
        1,
        "restored exactly once"
    );
}

/// The third field of /proc/PID/stat: R, S, T (stopped), …
fn process_state(pid: u32) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    after_name.chars().next().unwrap()
}

#[test]
fn ctrl_z_suspends_with_the_terminal_restored_and_fg_redraws_everything() {
    let dir = tempfile::tempdir().unwrap();
    let file = landscape_copy(dir.path());
    let mut app = App::start(&["--landscape", file.to_str().unwrap()], dir.path());
    app.wait_for("Name the formation");
    app.send("TC Zed");
    app.wait_for("The name can be used");
    let before = app.raw.len();
    app.send("\x1a");
    let end = Instant::now() + DEADLINE;
    while process_state(app.pid()) != 'T' {
        assert!(Instant::now() < end, "the app did not stop on Ctrl-Z");
        app.pump(Duration::from_millis(50));
    }
    app.pump(Duration::from_millis(200));
    let suspended = app.raw_since(before);
    assert!(
        suspended.contains("\x1b[?1049l"),
        "left the alternate screen"
    );
    assert!(suspended.contains("\x1b[?25h"), "showed the cursor");
    assert!(!app.parser.screen().alternate_screen());
    app.assert_cooked();

    // `fg`: the shell continues the job.
    let stopped_at = app.raw.len();
    app.signal("CONT");
    let end = Instant::now() + DEADLINE;
    while !(app.parser.screen().alternate_screen() && app.screen().contains("Name the formation")) {
        assert!(
            Instant::now() < end,
            "no redraw after fg:\n{}",
            app.screen()
        );
        app.pump(Duration::from_millis(50));
    }
    app.pump(Duration::from_millis(300));
    let resumed = app.raw_since(stopped_at);
    assert!(
        resumed.contains("\x1b[?1049h"),
        "back on the alternate screen"
    );
    // Cells are written in runs between cursor moves; blanks are skipped.
    for text in ["Formation Wizard", "Name the formation", "Zed"] {
        assert!(
            resumed.contains(text),
            "{text:?} drawn again after fg (a full redraw)"
        );
    }
    // On a loaded machine the full redraw may come in more than one frame.
    let end = Instant::now() + DEADLINE;
    while !app.screen().contains("TC Zed") {
        assert!(
            Instant::now() < end,
            "the typed name survived:\n{}",
            app.screen()
        );
        app.pump(Duration::from_millis(50));
    }

    app.send("\x03");
    app.wait_for("Quit without creating");
    app.send("y");
    assert_eq!(app.wait_exit(), 130);
    app.assert_terminal_restored();
}

#[test]
fn a_burst_of_enters_on_a_prefilled_wizard_leaves_the_file_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let file = landscape_copy(dir.path());
    let before = std::fs::read(&file).unwrap();
    let args = [
        "--landscape",
        file.to_str().unwrap(),
        "--name",
        "Blind Create",
        "--type",
        "sap-task-center",
        "--system",
        "tc-eu",
        "--system",
        "s4-prod",
    ];
    let mut app = App::start(&args, dir.path());
    app.wait_for("Name the formation");
    // The landscape loads behind the Name step; keys sent while a step waits for it are
    // dropped, so the burst goes in once the header names the global account it read.
    app.wait_for("ACME Global");
    app.burst("\r\r\r\r");
    app.wait_for("every rule is satisfied");
    app.settle(Duration::from_millis(800));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "four Enters wrote the file"
    );
    // Even c and y in the same burst: the confirmation shows, the y is dropped.
    app.burst("cy\r");
    app.wait_for("Create this formation?");
    app.settle(Duration::from_millis(800));
    assert!(
        app.screen().contains("Create this formation?"),
        "{}",
        app.screen()
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "c y in a burst wrote the file"
    );
    app.send("n");
    app.wait_for("Not created");
    app.send("q");
    app.wait_for("Quit without creating");
    app.send("y");
    assert_eq!(app.wait_exit(), 130);
    app.assert_terminal_restored();
    assert_eq!(std::fs::read(&file).unwrap(), before, "byte for byte");
}

#[test]
fn term_dumb_is_refused_with_a_pointer_to_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::start_with(&[], dir.path(), &[("TERM", "dumb")]);
    assert_eq!(app.wait_exit(), 2);
    let out = String::from_utf8_lossy(&app.raw).into_owned();
    assert!(out.contains("TERM=dumb"), "{out}");
    assert!(out.contains("formation-wizard check"), "{out}");
    // `manage` there points at the day-two commands, not at the wizard's.
    let mut app = App::start_with(&["manage"], dir.path(), &[("TERM", "dumb")]);
    assert_eq!(app.wait_exit(), 2);
    let out = String::from_utf8_lossy(&app.raw).into_owned();
    assert!(out.contains("formation-wizard formations"), "{out}");
    assert!(!out.contains("formation-wizard check"), "{out}");
}

#[test]
fn manage_opens_a_formation_removes_a_system_and_quits_restored() {
    let dir = tempfile::tempdir().unwrap();
    let file = landscape_copy(dir.path());
    let mut app = App::start(
        &["manage", "--landscape", file.to_str().unwrap()],
        dir.path(),
    );
    app.wait_for("Formations (");
    app.wait_for("Task Center US Inbox");
    // Sorted by name, it is the last row.
    app.send("G\r");
    app.wait_for("Formation Task Center US Inbox");
    app.wait_for("Systems (2)");
    // The cursor is on the first member; x asks, naming the formation and the file.
    app.send("x");
    app.wait_for("Take the system");
    app.send("y");
    app.wait_for("Systems (1)");
    app.send("\x1b");
    app.wait_for("Formations (");
    app.send("q");
    assert_eq!(app.wait_exit(), 0);
    app.assert_terminal_restored();

    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let f = doc["formations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "f-tc-us")
        .expect("the formation is still in the file");
    assert_eq!(f["systems"].as_array().map(Vec::len), Some(1));
}

/// Issue 11 end to end against the sandbox, which answers as the real Director does: the
/// new member's assignment is INITIAL until the sandbox makes it READY, and the Formation
/// screen polls until it shows that on its own.
#[test]
fn manage_adds_a_system_through_the_systems_step_and_follows_it_until_ready() {
    let dir = tempfile::tempdir().unwrap();
    let rt = common::runtime();
    let path = common::write_landscape(dir.path(), &common::landscape(3));
    let sandbox = rt.block_on(common::start(&path, |c| {
        c.ready_after = Duration::from_millis(2500);
    }));
    let token = common::token_file(dir.path());
    let config = dir.path().join("config");
    let url = sandbox.url();
    let mut app = App::start_with(
        &[
            "manage",
            "--director",
            &url,
            "--tenant",
            "tenant-1",
            "--token-file",
            token.to_str().unwrap(),
        ],
        dir.path(),
        &[("XDG_CONFIG_HOME", config.to_str().unwrap())],
    );
    app.wait_for("TC Zero");
    app.send("\r");
    app.wait_for("Formation TC Zero");
    app.wait_for("Systems (2)");
    app.send("a");
    app.wait_for("Add systems to \"TC Zero\"");
    app.send("/s4-1\r");
    app.wait_for("1 match");
    app.send(" ");
    app.wait_for("1 to add");
    app.send("\r");
    app.wait_for("Add S/4HANA 1 (s4-1) to \"TC Zero\"");
    app.send("y");
    app.wait_for("Systems (3)");
    app.wait_for("INITIAL");
    // Nothing pressed from here on: the screen reads the formation again by itself.
    app.wait_for("Status: Ready");
    let line = app
        .screen()
        .lines()
        .find(|l| l.contains("(s4-1)"))
        .map(str::to_owned)
        .unwrap_or_default();
    assert!(line.contains("READY"), "{line:?}\n{}", app.screen());
    // The screen may show READY (a poll) before the change itself has ended; q then
    // asks first. Once its outcome is on the line, q quits at once.
    app.wait_for("was added");
    app.send("q");
    assert_eq!(app.wait_exit(), 0);
    app.assert_terminal_restored();
    assert_eq!(
        common::formations_named(&path, "TC Zero")[0]["systems"],
        serde_json::json!(["tc-0", "s4-0", "s4-1"])
    );
}

/// The marked row's id (the list's last column, shown when names are cut or repeated)
/// and the id the detail pane shows ("Id: …"), read off the screen.
fn marked_and_detail(screen: &str) -> (Option<String>, Option<String>) {
    let marked = screen.lines().find_map(|l| {
        let (list, _) = l.split_once("││")?;
        list.split_once('›')?;
        list.trim_end_matches('│')
            .split_whitespace()
            .last()
            .map(str::to_owned)
    });
    let detail = screen.lines().find_map(|l| {
        let (_, d) = l.split_once("││")?;
        let id = d.trim_end_matches('│').trim().strip_prefix("Id: ")?;
        Some(id.to_owned())
    });
    (marked, detail)
}

/// Issue 20: on 10,000 formations, Down x 30, End and PgDn each leave the marked row on
/// screen, and the detail pane shows that formation.
#[test]
fn manage_on_10_000_formations_keeps_the_marked_row_on_screen_and_in_the_detail_pane() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_formation-wizard"))
        .args(["generate", "--systems", "20000", "--formations", "10000"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&file, &out.stdout).unwrap();
    let mut app = App::start(
        &["manage", "--landscape", file.to_str().unwrap()],
        dir.path(),
    );
    app.wait_for("Formations (");
    app.wait_for("1/");
    let total: String = {
        let screen = app.screen();
        let at = screen.find("Formations (").unwrap() + "Formations (".len();
        screen[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect()
    };
    assert!(total.parse::<usize>().unwrap() >= 9_000, "{total}");
    let check = |app: &mut App, position: &str| {
        app.wait_for(&format!(" {position} "));
        let screen = app.screen();
        let (marked, detail) = marked_and_detail(&screen);
        let marked = marked.unwrap_or_else(|| panic!("no marked row on screen:\n{screen}"));
        assert!(marked.starts_with("f-"), "the id column shows: {screen}");
        assert_eq!(
            Some(marked),
            detail,
            "the detail pane is the marked row's:\n{screen}"
        );
    };
    for _ in 0..30 {
        app.burst("\x1b[B");
        std::thread::sleep(Duration::from_millis(20));
    }
    check(&mut app, &format!("31/{total}"));
    app.burst("\x1b[F");
    check(&mut app, &format!("{total}/{total}"));
    app.burst("\x1b[H");
    check(&mut app, &format!("1/{total}"));
    app.burst("\x1b[6~");
    app.wait_for("Formations (");
    std::thread::sleep(Duration::from_millis(200));
    app.pump(Duration::from_millis(50));
    let screen = app.screen();
    let position = screen
        .lines()
        .find_map(|l| {
            let t = l.trim_end_matches('╯').trim_end();
            let slash = t.rfind(&format!("/{total}"))?;
            let digits: String = t[..slash]
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            digits.parse::<usize>().ok()
        })
        .unwrap_or(0);
    assert!(position > 10, "PgDn moved a page: {position}\n{screen}");
    check(&mut app, &format!("{position}/{total}"));
    app.send("q");
    assert_eq!(app.wait_exit(), 0);
    app.assert_terminal_restored();
}

#[test]
fn manage_n_creates_through_the_wizard_and_returns_to_the_list_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = landscape_copy(dir.path());
    let mut app = App::start(
        &["manage", "--landscape", file.to_str().unwrap()],
        dir.path(),
    );
    app.wait_for("Formations (4)");
    app.send("n");
    app.review_tc_test();
    app.confirm_create();
    app.send("\r");
    app.wait_for("Formations (5)");
    assert!(app.screen().contains("TC Test"), "{}", app.screen());
    app.send("q");
    assert_eq!(app.wait_exit(), 0);
    app.assert_terminal_restored();
}

#[test]
fn manage_without_a_terminal_points_at_the_day_two_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_formation-wizard"))
        .arg("manage")
        .env("FORMATION_WIZARD_DATA_DIR", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("FORMATION_WIZARD_PROFILE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`manage` needs a terminal") && err.contains("formations"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn the_wizards_finish_screen_opens_the_new_formation_with_o() {
    let dir = tempfile::tempdir().unwrap();
    let file = landscape_copy(dir.path());
    let mut app = App::start(&["--landscape", file.to_str().unwrap()], dir.path());
    app.review_tc_test();
    app.confirm_create();
    assert!(app.screen().contains("open it"), "{}", app.screen());
    app.send("o");
    app.wait_for("Formation TC Test");
    app.wait_for("Systems (2)");
    app.send("\x1b");
    app.wait_for("Formations (5)");
    app.send("q");
    assert_eq!(app.wait_exit(), 0);
    app.assert_terminal_restored();
}

/// Issue 18: the terminal closes (the SSH client is killed) right after the wizard's
/// create has assigned its first system, against a far Director (the sandbox with
/// latency). The formation is left whole or gone; here, interrupted before it was whole,
/// gone.
#[test]
fn a_create_whose_terminal_closes_after_the_confirmation_is_left_whole_or_gone() {
    let dir = tempfile::tempdir().unwrap();
    let rt = common::runtime();
    let path = common::write_landscape(dir.path(), &common::landscape(3));
    let sandbox = rt.block_on(common::start(&path, |c| {
        c.rates.latency = Duration::from_millis(400);
    }));
    let token = common::token_file(dir.path());
    let state = dir.path().join("state");
    let url = sandbox.url();
    let mut app = App::start_with(
        &[
            "--director",
            &url,
            "--tenant",
            "tenant-1",
            "--token-file",
            token.to_str().unwrap(),
            "--name",
            "TC Hung Up",
            "--type",
            "sap-task-center",
            "--system",
            "tc-1",
            "--system",
            "s4-1",
            "--system",
            "s4-2",
        ],
        dir.path(),
        &[
            (
                "XDG_CONFIG_HOME",
                dir.path().join("config").to_str().unwrap(),
            ),
            ("FORMATION_WIZARD_STATE_DIR", state.to_str().unwrap()),
        ],
    );
    app.wait_for("Name the formation");
    // The landscape loads behind the Name step (slowly: every call takes 400 ms); the
    // Type step waits for it.
    app.wait_for("The name can be used");
    app.send("\r");
    app.wait_for("Choose the formation type");
    app.send("\r");
    app.wait_for("3 selected");
    app.send("\r");
    app.wait_for("every rule is satisfied");
    app.send("c");
    app.wait_for("Create this formation?");
    std::thread::sleep(Duration::from_millis(600));
    app.send("y");
    app.wait_for("Assign the system tc-1");
    let end = Instant::now() + DEADLINE;
    while !app
        .screen()
        .lines()
        .any(|l| l.contains("Assign the system tc-1") && l.contains('✓'))
    {
        assert!(Instant::now() < end, "{}", app.screen());
        app.pump(Duration::from_millis(20));
    }
    // The SSH client goes away: the pseudo-terminal's master side closes, and the kernel
    // hangs up the session (SIGHUP). The reader thread's duplicate of the master keeps the
    // pty itself open, so the hang-up is sent as the kernel would send it.
    let pid = app.pid();
    let App {
        mut child,
        writer,
        _master,
        ..
    } = app;
    drop(writer);
    drop(_master);
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let end = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < end,
            "the app did not end after the hang-up"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.exit_code(), 129, "ended as hung up");
    assert!(
        common::formations_named(&path, "TC Hung Up").is_empty(),
        "interrupted before it was whole, it is undone: {:?}",
        common::formations_named(&path, "TC Hung Up")
    );
    // And nothing is left in the journal for the next command.
    let left = std::fs::read_dir(state.join("journal"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "the journal is closed");
}

/// Issue 21: a first start on a landscape where a prerequisite blocks the formation type
/// opens on the checklist with each fix; Esc goes on to the wizard.
#[test]
fn a_blocking_prerequisite_opens_the_checklist_first_and_esc_goes_on_to_the_wizard() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_str(include_str!("../assets/demo-landscape.json")).unwrap();
    doc["global_account"]["region"] = serde_json::json!("cn40");
    let file = dir.path().join("landscape.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let mut app = App::start(&["--landscape", file.to_str().unwrap()], dir.path());
    app.wait_for("Prerequisites");
    app.wait_for("China (Shanghai)");
    assert!(
        app.screen()
            .contains("Fix: Use a global account in another region"),
        "{}",
        app.screen()
    );
    app.send("\x1b");
    app.wait_for("Name the formation");
    app.send("\x03");
    assert_eq!(app.wait_exit(), 130);
    app.assert_terminal_restored();
}

/// Issue 22, point 3, end to end against a far Director (the sandbox with 1 s per call): the
/// first start keeps the landscape in a private cache; the second shows it at once, marked
/// with its time, and then the fresh one; `--no-cache` neither shows nor keeps it.
#[test]
fn a_second_start_shows_the_last_landscape_at_once_and_then_the_fresh_one() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let rt = common::runtime();
    let path = common::write_landscape(dir.path(), &common::landscape(3));
    let sandbox = rt.block_on(common::start(&path, |c| {
        c.rates.latency = Duration::from_millis(1000);
    }));
    let token = common::token_file(dir.path());
    let url = sandbox.url();
    let config = dir.path().join("config");
    let env = [("XDG_CONFIG_HOME", config.to_str().unwrap())];
    let token_arg = token.to_str().unwrap();
    let source = [
        "manage",
        "--director",
        &url,
        "--tenant",
        "tenant-1",
        "--token-file",
        token_arg,
    ];
    let cache_dir = dir.path().join("cache").join("formation-wizard");
    let cached_files = || -> Vec<PathBuf> {
        std::fs::read_dir(&cache_dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };

    let mut first = App::start_with(&source, dir.path(), &env);
    first.wait_for("TC Zero");
    assert!(!first.screen().contains("refreshing"), "{}", first.screen());
    first.send("q");
    assert_eq!(first.wait_exit(), 0);
    let files = cached_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&files[0]), 0o600);
    assert_eq!(mode(&cache_dir), 0o700);
    let kept = std::fs::read_to_string(&files[0]).unwrap();
    assert!(kept.contains("TC Zero"));
    assert!(!kept.contains(common::TOKEN), "no credential in the cache");

    // The mark goes when the fresh landscape is in, so seeing it proves the cached one
    // was shown first.
    let mut second = App::start_with(&source, dir.path(), &env);
    second.wait_for("refreshing…");
    assert!(second.screen().contains("TC Zero"), "{}", second.screen());
    second.wait_for("Fresh from the Director: nothing changed since");
    assert!(
        !second.screen().contains("refreshing…"),
        "{}",
        second.screen()
    );
    second.send("q");
    assert_eq!(second.wait_exit(), 0);

    std::fs::remove_file(&files[0]).unwrap();
    let mut args = source.to_vec();
    args.push("--no-cache");
    let mut third = App::start_with(&args, dir.path(), &env);
    third.wait_for("TC Zero");
    third.send("q");
    assert_eq!(third.wait_exit(), 0);
    assert!(
        !String::from_utf8_lossy(&third.raw).contains("refreshing"),
        "--no-cache shows no cached landscape"
    );
    assert!(cached_files().is_empty(), "--no-cache keeps none");
}

/// Issue 22, point 2: against a far Director with small pages (the sandbox with 300 ms per
/// call and 10 systems a page), the wizard shows the first pages' systems, marked with how
/// many are in, before the last page has arrived.
#[test]
fn rows_appear_before_the_last_page_of_a_far_director() {
    let dir = tempfile::tempdir().unwrap();
    let rt = common::runtime();
    let path = common::write_landscape(dir.path(), &common::landscape(57));
    let sandbox = rt.block_on(common::start(&path, |c| {
        c.rates.latency = Duration::from_millis(300);
        c.max_page = 10;
    }));
    let token = common::token_file(dir.path());
    let url = sandbox.url();
    let config = dir.path().join("config");
    let mut app = App::start_with(
        &[
            "--director",
            &url,
            "--tenant",
            "tenant-1",
            "--token-file",
            token.to_str().unwrap(),
            "--name",
            "TC Pages",
            "--no-cache",
        ],
        dir.path(),
        &[("XDG_CONFIG_HOME", config.to_str().unwrap())],
    );
    app.wait_for("Name the formation");
    app.send("\r");
    // 60 systems in 6 pages of 300 ms each: the Type step opens on the first of them.
    app.wait_for("Choose the formation type");
    let early = app.screen();
    assert!(
        early.contains(" of 60…"),
        "the header says how many of the 60 are in:\n{early}"
    );
    app.send("\r");
    app.wait_for("Task Center 0");
    // Then every page is in and the mark goes.
    let end = Instant::now() + DEADLINE;
    while app.screen().contains(" of 60…") {
        assert!(Instant::now() < end, "{}", app.screen());
        app.pump(Duration::from_millis(50));
    }
    app.send("q");
    app.wait_for("Quit without creating");
    app.send("y");
    assert_eq!(app.wait_exit(), 130);
}
