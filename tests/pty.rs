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
        cmd.env("LANG", "C.UTF-8");
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("LC_ALL");
        cmd.env_remove("LC_CTYPE");
        cmd.env_remove("NO_COLOR");
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

    /// After the last switch to the alternate screen: left it, and showed the cursor.
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
        let screen = self.parser.screen();
        assert!(!screen.alternate_screen());
        assert!(!screen.hide_cursor());
        assert!(!screen.bracketed_paste());
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
    app.wait_for("Name the formation");
    app.send("TC Test");
    app.wait_for("The name can be used");
    app.send("\r");
    app.wait_for("Choose the formation type");
    app.send("\r");
    app.wait_for("Task Center APJ");
    app.send(" ");
    app.wait_for("SAP Task Center 1/1");
    app.send("jjj ");
    app.wait_for("SAP S/4HANA Cloud 1");
    app.send("\r");
    app.wait_for("Every rule is satisfied");
    assert!(
        app.screen()
            .contains("SAP_COM_0501 on S/4HANA Cloud Production")
    );
    app.send("c");
    app.wait_for("was created");
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
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("check") && err.contains("create"), "{err}");
    assert!(out.stdout.is_empty());
}
