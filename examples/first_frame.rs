//! Time to the wizard's first usable frame, measured on the real binary in a real
//! pseudo-terminal: from just before the process is spawned until the screen, as a vt100
//! terminal shows it, holds the Name step ("Name the formation"), which is drawn at once
//! while the landscape loads behind it. Then Ctrl-C ends the run.
//!
//! ```sh
//! cargo build --release
//! cargo run --release --example first_frame -- [--landscape FILE] [--runs 10] [--rss]
//! ```
//!
//! `--rss` runs the binary under `/usr/bin/time -f %M` and reports its peak resident
//! memory too (GNU time; `apt-get install time` if missing). `--session` goes on after
//! the first frame: names the formation, chooses the highlighted type, waits for the
//! Systems step, filters by a letter, moves down, selects, and quits; so that the peak
//! memory includes the checker and the search text of the Systems step.
//!
//! `--systems` also times a usable Systems step: it names the formation as soon as the
//! Name step is drawn, chooses the highlighted type once the Type step is there, and stops
//! the clock when the Systems step is drawn. `--arg A` (repeatable) passes `A` on to the
//! binary, e.g. `--arg --director --arg http://127.0.0.1:PORT/graphql --arg --tenant
//! --arg t1 --arg --token-file --arg F` against `formation-wizard sandbox --latency-ms 50`.

use std::error::Error;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::PathBuf;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const MARKER: &str = "Name the formation";
const DEADLINE: Duration = Duration::from_secs(30);

struct Options {
    bin: PathBuf,
    landscape: Option<String>,
    runs: usize,
    rss: bool,
    session: bool,
    systems: bool,
    args: Vec<String>,
}

fn options() -> Result<Options, Box<dyn Error>> {
    let mut o = Options {
        bin: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/formation-wizard"),
        landscape: None,
        runs: 10,
        rss: false,
        session: false,
        systems: false,
        args: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--landscape" => o.landscape = Some(args.next().ok_or("--landscape FILE")?),
            "--runs" => o.runs = args.next().ok_or("--runs N")?.parse()?,
            "--bin" => o.bin = args.next().ok_or("--bin PATH")?.into(),
            "--rss" => o.rss = true,
            "--session" => o.session = true,
            "--systems" => o.systems = true,
            "--arg" => o.args.push(args.next().ok_or("--arg VALUE")?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(o)
}

/// One run: (time to the first Name-step frame, peak RSS in KiB if asked, time to a
/// usable Systems step if asked).
type Run = (Duration, Option<u64>, Option<Duration>);

fn run(o: &Options, data_dir: &std::path::Path) -> Result<Run, Box<dyn Error>> {
    let pair = native_pty_system().openpty(PtySize {
        rows: 24,
        cols: 80,
        pixel_width: 0,
        pixel_height: 0,
    })?;
    let rss_file = data_dir.join("rss");
    let mut cmd = if o.rss {
        let mut c = CommandBuilder::new("/usr/bin/time");
        c.args(["-f", "%M", "-o"]);
        c.arg(&rss_file);
        c.arg(&o.bin);
        c
    } else {
        CommandBuilder::new(&o.bin)
    };
    if let Some(l) = &o.landscape {
        cmd.args(["--landscape", l]);
    }
    cmd.args(&o.args);
    cmd.env("FORMATION_WIZARD_DATA_DIR", data_dir);
    cmd.env("LANG", "C.UTF-8");
    cmd.env("TERM", "xterm-256color");
    let start = Instant::now();
    let mut child = pair.slave.spawn_command(cmd)?;
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader()?;
    let mut writer = pair.master.take_writer()?;
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let size = |n| NonZeroU16::new(n).ok_or("zero size");
    let mut screen = vt100::Parser::new(size(24)?, size(80)?, 0);
    let mut wait_for = |marker: &str| -> Result<(), Box<dyn Error>> {
        while !screen.screen().contents().contains(marker) {
            let chunk = rx.recv_timeout(DEADLINE).map_err(|_| {
                format!(
                    "no \"{marker}\" on the screen:\n{}",
                    screen.screen().contents()
                )
            })?;
            screen.process(&chunk);
        }
        Ok(())
    };
    wait_for(MARKER)?;
    let elapsed = start.elapsed();
    let mut send = |bytes: &[u8]| -> Result<(), Box<dyn Error>> {
        writer.write_all(bytes)?;
        Ok(writer.flush()?)
    };
    let mut systems_at = None;
    if o.systems {
        send(b"Perf systems\r")?;
        wait_for("Choose the formation type")?;
        send(b"\r")?;
        // The Systems step's own key hint: drawn with its table, once the landscape is in.
        wait_for("Space select")?;
        systems_at = Some(start.elapsed());
        send(b"\x03")?;
        wait_for("Quit?")?;
        send(b"y")?;
    } else if o.session {
        send(b"Perf session\r")?;
        wait_for("Choose the formation type")?;
        send(b"\r")?;
        wait_for("Scenario")?;
        send(b"/p")?;
        wait_for("/p_")?;
        send(b"\rj ")?;
        std::thread::sleep(Duration::from_millis(200));
        send(b"\x03")?;
        wait_for("Quit?")?;
        send(b"y")?;
    } else {
        send(b"\x03")?;
    }
    let deadline = Instant::now() + DEADLINE;
    while child.try_wait()?.is_none() {
        if Instant::now() > deadline {
            child.kill()?;
            return Err("the wizard did not quit on Ctrl-C".into());
        }
        // Keep draining, so the child never blocks on a full terminal.
        while rx.try_recv().is_ok() {}
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(writer);
    let rss = if o.rss {
        let text = std::fs::read_to_string(&rss_file)?;
        let last = text.lines().last().ok_or("no output from /usr/bin/time")?;
        Some(last.trim().parse()?)
    } else {
        None
    };
    Ok((elapsed, rss, systems_at))
}

fn main() -> Result<(), Box<dyn Error>> {
    let o = options()?;
    let data_dir = tempfile::tempdir()?;
    let mut times = Vec::new();
    let mut systems = Vec::new();
    let mut peak = 0;
    for _ in 0..o.runs {
        let (t, rss, s) = run(&o, data_dir.path())?;
        times.push(t);
        systems.extend(s);
        peak = peak.max(rss.unwrap_or(0));
    }
    systems.sort_unstable();
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "first frame of the Name step ({}), {} runs: median {:.1} ms, min {:.1} ms, max {:.1} ms",
        o.landscape.as_deref().unwrap_or("demo landscape"),
        times.len(),
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
    if !systems.is_empty() {
        println!(
            "usable Systems step, {} runs: median {:.1} ms, min {:.1} ms, max {:.1} ms",
            systems.len(),
            ms(systems[systems.len() / 2]),
            ms(systems[0]),
            ms(systems[systems.len() - 1]),
        );
    }
    if o.rss {
        println!("peak resident memory: {:.1} MB", peak as f64 / 1024.0);
    }
    Ok(())
}
