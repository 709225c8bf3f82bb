//! Hostile data: a landscape whose names, URLs, scenario groups, formation names and server
//! messages carry terminal escape sequences (clear screen, OSC 52 clipboard write, window
//! title), BEL, carriage returns, C1 controls, bidi overrides and isolates and zero-width
//! characters. Every screen of the wizard is drawn into a crossterm backend over a byte
//! buffer, and the bytes that would reach the terminal are checked; so are the text output
//! and the error messages of the commands.
//!
//! ratatui itself drops C0/C1 controls inside spans, but not bidi and zero-width
//! characters, and nothing outside ratatui (stderr, text output) is filtered at all: with
//! `text::neutralise` disabled, these tests fail.

use std::sync::Arc;

use assert_cmd::Command;
use formation_wizard::backend::{BackendEvent, CallState, Created, LocalBackend};
use formation_wizard::catalog::Catalog;
use formation_wizard::landscape::Landscape;
use formation_wizard::ops;
use formation_wizard::tui::app::{Context, Failure, Model, Msg, Prefill, Step, update};
use formation_wizard::tui::theme::Theme;
use formation_wizard::tui::view::view;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

/// Everything a string can hold to act on a terminal instead of showing itself.
const HOSTILE: &str = "\x1b[2J\x1b]52;c;cHduZWQ=\x07\x1b]0;pwned\x07\x07\rX\u{202E}rev\u{2066}iso\u{9b}31m\u{200B}zw\x08";

/// Byte sequences that must never be written: the payloads with their introducer.
const FORBIDDEN: &[(&str, &[u8])] = &[
    ("clear screen from data", b"\x1b[2J"),
    ("OSC 52 clipboard write", b"\x1b]52;"),
    ("OSC 0 window title", b"\x1b]0;"),
    ("BEL", b"\x07"),
    ("carriage return", b"\r"),
    ("backspace", b"\x08"),
    ("C1 CSI (U+009B)", "\u{9b}".as_bytes()),
    ("RIGHT-TO-LEFT OVERRIDE (U+202E)", "\u{202E}".as_bytes()),
    ("LEFT-TO-RIGHT ISOLATE (U+2066)", "\u{2066}".as_bytes()),
    ("ZERO WIDTH SPACE (U+200B)", "\u{200B}".as_bytes()),
];

fn assert_clean(what: &str, bytes: &[u8]) {
    for (name, seq) in FORBIDDEN {
        if let Some(at) = bytes.windows(seq.len()).position(|w| w == *seq) {
            let from = at.saturating_sub(40);
            let to = (at + 40).min(bytes.len());
            panic!(
                "{what}: {name} reached the terminal, at byte {at}: {:?}",
                String::from_utf8_lossy(&bytes[from..to])
            );
        }
    }
}

fn h(s: &str) -> String {
    format!("{s} {HOSTILE}")
}

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

/// The demo landscape with hostile text in every free-text field, and one system of a
/// hostile type (listed as excluded).
fn hostile_json() -> serde_json::Value {
    let mut doc: serde_json::Value =
        serde_json::from_str(include_str!("../assets/demo-landscape.json")).unwrap();
    doc["global_account"]["name"] = h("ACME").into();
    doc["user"]["name"] = h("admin").into();
    for s in doc["systems"].as_array_mut().unwrap() {
        s["name"] = h(s["name"].as_str().unwrap()).into();
        s["url"] = h("https://example.test/").into();
        s["discovery"] = h("Subaccount/x").into();
        let groups = s
            .as_object_mut()
            .unwrap()
            .entry("scenario_groups")
            .or_insert_with(|| serde_json::json!([]));
        groups.as_array_mut().unwrap().push(h("Group").into());
    }
    doc["systems"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": "odd", "name": h("Odd"), "type": h("Type")
        }));
    for f in doc["formations"].as_array_mut().unwrap() {
        f["name"] = h(f["name"].as_str().unwrap()).into();
    }
    doc
}

fn hostile() -> Landscape {
    Landscape::parse(hostile_json().to_string().as_bytes(), "hostile", &catalog()).unwrap()
}

fn model(prefill: Prefill) -> Model {
    let ctx = Context {
        catalog: catalog(),
        backend: Arc::new(LocalBackend::new(h("/tmp/landscape.json").into(), true)),
        theme: Theme::new(true, true),
    };
    let mut m = Model::new(ctx, prefill, (100, 30));
    update(&mut m, Msg::Loaded(Ok(Box::new(hostile()))));
    m
}

fn prefilled() -> Model {
    model(Prefill {
        name: Some("Hostile Test".into()),
        formation_type: Some("sap-task-center".into()),
        systems: vec!["tc-eu".into(), "s4-prod".into()],
    })
}

fn key(m: &mut Model, code: KeyCode) {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// A writer whose bytes the test can read after the terminal has written them.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Draws the model at two sizes into crossterm backends over byte buffers, as the real
/// terminal would receive it, and checks the bytes.
fn render(m: &Model, what: &str) {
    for (w, hgt) in [(100, 30), (60, 16)] {
        let out = Shared::default();
        let backend = CrosstermBackend::new(out.clone());
        let mut term = Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, w, hgt)),
            },
        )
        .unwrap();
        term.draw(|f| view(m, f)).unwrap();
        let bytes = out.0.borrow();
        assert!(bytes.len() > 500, "{what}: the screen was drawn");
        assert_clean(&format!("{what} at {w}x{hgt}"), &bytes);
    }
}

#[test]
fn every_step_draws_hostile_data_harmlessly() {
    let mut m = model(Prefill::default());
    render(&m, "name step");
    update(&mut m, Msg::Paste(HOSTILE.into()));
    render(&m, "name step with a pasted hostile name");

    let mut m = prefilled();
    render(&m, "name step with notices");
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Type(_)));
    render(&m, "type step");
    key(&mut m, KeyCode::Char('?'));
    render(&m, "help");
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Systems(_)), "{:?}", m.flash);
    for _ in 0..16 {
        render(&m, "systems step, each row highlighted");
        key(&mut m, KeyCode::Char('j'));
    }
    key(&mut m, KeyCode::Char('x'));
    render(&m, "systems step with the excluded systems");
    key(&mut m, KeyCode::Char('x'));
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.step, Step::Review(_)), "{:?}", m.flash);
    render(&m, "review step");

    key(&mut m, KeyCode::Char('c'));
    render(&m, "create confirmation");
    update(&mut m, Msg::ConfirmShown);
    key(&mut m, KeyCode::Char('y'));
    assert!(matches!(m.step, Step::Create(_)), "{:?}", m.flash);
    update(
        &mut m,
        Msg::Progress(BackendEvent::Call {
            step: 0,
            label: h("Create"),
            state: CallState::Retrying {
                attempt: 1,
                reason: h("busy"),
            },
        }),
    );
    update(
        &mut m,
        Msg::Progress(BackendEvent::Call {
            step: 1,
            label: h("Assign"),
            state: CallState::Failed(h("refused")),
        }),
    );
    update(
        &mut m,
        Msg::Progress(BackendEvent::Assignments {
            formation_id: h("f"),
            systems: [(
                h("s4-prod"),
                formation_wizard::landscape::Assignment {
                    state: h("INITIAL"),
                    error: None,
                },
            )]
            .into_iter()
            .collect(),
            elapsed: std::time::Duration::from_secs(2),
        }),
    );
    render(&m, "create step, calls in progress");
    update(
        &mut m,
        Msg::Created(Err(Failure {
            message: h("the Director answered"),
            code: 3,
        })),
    );
    render(&m, "create step, failed");

    key(&mut m, KeyCode::Char('r'));
    update(
        &mut m,
        Msg::Created(Ok(ops::CreateOutcome {
            end: ops::End::Failed(h("assigning s4-prod failed: constraint")),
            formation: Some(Created {
                id: h("f-1"),
                status: h("Error"),
            }),
            systems: Default::default(),
            left: Some(h("the formation still holds tc-eu")),
        })),
    );
    render(&m, "create step, undo left something");
    key(&mut m, KeyCode::Char('q'));
    render(&m, "quit question");
}

#[test]
fn a_refusal_shows_hostile_changes_harmlessly() {
    let mut m = prefilled();
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Char('c'));
    update(&mut m, Msg::ConfirmShown);
    key(&mut m, KeyCode::Char('y'));
    assert!(matches!(m.step, Step::Create(_)), "{:?}", m.flash);
    let mut fresh = hostile_json();
    fresh["formations"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": "f-new", "name": h("Someone"), "type": "sap-task-center",
            "systems": ["tc-eu", "s4-qa"]
        }));
    fresh["systems"][0]["scenario_groups"] = serde_json::json!([h("New group")]);
    let fresh = Landscape::parse(fresh.to_string().as_bytes(), "fresh", &catalog()).unwrap();
    let report = formation_wizard::rules::evaluate(&m.data.plan, &fresh, &catalog());
    assert!(!report.valid);
    update(
        &mut m,
        Msg::Created(Ok(ops::CreateOutcome {
            end: ops::End::Refused(Box::new(report)),
            formation: None,
            systems: Default::default(),
            left: None,
        })),
    );
    render(&m, "refused, reading again");
    update(&mut m, Msg::Loaded(Ok(Box::new(fresh))));
    render(&m, "refused, with what changed");

    // A status in Error with hostile messages from the server.
    let mut m = prefilled();
    for _ in 0..3 {
        key(&mut m, KeyCode::Enter);
    }
    key(&mut m, KeyCode::Char('c'));
    update(
        &mut m,
        Msg::Created(Ok(ops::CreateOutcome {
            end: ops::End::Created,
            formation: Some(Created {
                id: h("f-2"),
                status: "Error".into(),
            }),
            systems: [(
                "s4-prod".to_owned(),
                ops::Final::Failed {
                    state: h("CREATE_ERROR"),
                    error: Some(h("notification failed")),
                },
            )]
            .into_iter()
            .collect(),
            left: None,
        })),
    );
    render(&m, "create step, status Error");
}

fn write_hostile(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("landscape.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&hostile_json()).unwrap()).unwrap();
    path
}

fn cli(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::cargo_bin("formation-wizard")
        .unwrap()
        .env("FORMATION_WIZARD_DATA_DIR", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env_remove("FORMATION_WIZARD_PROFILE")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn text_output_and_messages_of_the_commands_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_hostile(dir.path());
    let file = file.to_str().unwrap();
    let runs: &[&[&str]] = &[
        &["systems", "--landscape", file],
        &["systems", "--landscape", file, "--type", "sap-task-center"],
        &[
            "check",
            "--landscape",
            file,
            "--name",
            "Hostile Test",
            "--type",
            "sap-task-center",
            "--system",
            "tc-us",
            "--system",
            "s4-prod",
        ],
    ];
    for args in runs {
        let out = cli(args, dir.path());
        assert!(!out.stdout.is_empty(), "{args:?} printed something");
        assert_clean(&format!("stdout of {args:?}"), &out.stdout);
        assert_clean(&format!("stderr of {args:?}"), &out.stderr);
    }
    // The names are there, made visible.
    let out = cli(&["systems", "--landscape", file], dir.path());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Task Center EU \u{FFFD}[2J\u{FFFD}]52;"),
        "{text}"
    );
}

#[test]
fn error_messages_quoting_hostile_input_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    // A formation listing a system that does not exist: the message quotes the id.
    let mut doc = hostile_json();
    doc["formations"][0]["systems"] = serde_json::json!([h("ghost")]);
    let path = dir.path().join("broken.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = cli(
        &["systems", "--landscape", path.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ghost"), "{err}");
    assert_clean("stderr for a dangling hostile id", &out.stderr);

    // An unknown system given on the command line, and a hostile --name.
    let file = write_hostile(dir.path());
    let out = cli(
        &[
            "check",
            "--landscape",
            file.to_str().unwrap(),
            "--name",
            HOSTILE,
            "--type",
            "sap-task-center",
            "--system",
            &h("nope"),
        ],
        dir.path(),
    );
    assert_ne!(out.status.code(), Some(0));
    assert_clean("stdout for a hostile --name and --system", &out.stdout);
    assert_clean("stderr for a hostile --name and --system", &out.stderr);
}

/// C1 controls, bidi controls and the characters that show as nothing, each of which a
/// terminal obeys or hides behind: none may reach stdout, in text or in JSON.
const INVISIBLE: &[char] = &[
    '\u{9b}',
    '\u{9c}',
    '\u{9d}',
    '\u{85}',
    '\u{202E}',
    '\u{2067}',
    '\u{200F}',
    '\u{3164}',
    '\u{115F}',
    '\u{1160}',
    '\u{AD}',
    '\u{34F}',
    '\u{180E}',
    '\u{FE0F}',
    '\u{FFA0}',
    '\u{E0041}',
];

#[test]
fn c1_bidi_and_invisible_fillers_are_neutralised_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let sneaky: String = INVISIBLE.iter().collect();
    let mut doc = hostile_json();
    for s in doc["systems"].as_array_mut().unwrap() {
        s["name"] = format!("N{sneaky}").into();
    }
    for f in doc["formations"].as_array_mut().unwrap() {
        f["name"] = format!("F{sneaky}").into();
    }
    let path = dir.path().join("invisible.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let file = path.to_str().unwrap();
    let plan = [
        "--name",
        "Invisible Test",
        "--type",
        "sap-task-center",
        "--system",
        "tc-us",
        "--system",
        "s4-prod",
    ];
    let runs: Vec<Vec<&str>> = vec![
        vec!["systems", "--landscape", file],
        vec!["systems", "--landscape", file, "--format", "json"],
        vec!["systems", "--landscape", file, "--type", "sap-task-center"],
        vec![
            "systems",
            "--landscape",
            file,
            "--type",
            "sap-task-center",
            "--format",
            "json",
        ],
        [&["check", "--landscape", file][..], &plan[..]].concat(),
        [
            &["check", "--landscape", file, "--format", "json"][..],
            &plan[..],
        ]
        .concat(),
    ];
    for args in runs {
        let out = cli(&args, dir.path());
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.contains('N') && !stdout.is_empty(), "{args:?}");
        for c in INVISIBLE {
            assert!(
                !stdout.contains(*c),
                "{args:?}: U+{:04X} reached stdout: {stdout:?}",
                *c as u32
            );
        }
        assert_clean(&format!("stdout of {args:?}"), stdout.as_bytes());
        if args.contains(&"json") {
            let parsed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert!(parsed.to_string().contains("N\u{FFFD}"), "{stdout}");
        }
    }
}

#[test]
fn a_huge_message_is_cut_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = hostile_json();
    let ghost = "g".repeat(50_000);
    doc["formations"][0]["systems"] = serde_json::json!([ghost]);
    let path = dir.path().join("huge.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = cli(
        &["systems", "--landscape", path.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.trim_end().ends_with("more characters cut)"), "{err}");
    assert!(err.chars().count() < 2_200, "{} characters", err.len());
}
