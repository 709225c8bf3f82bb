//! The interactive wizard: terminal setup and restore, and the event loop that feeds
//! terminal events and finished background work into `update::update`.
//!
//! The layers, each using only those before it (`tests/tui_layers.rs` checks that no
//! file of this module imports one that imports it back):
//! text and drawing helpers (`input`, `filter`, `keys`, `theme`, `wrap`, `widgets`) →
//! what the app works on (`msg`, `data`, `candidates`, `target`) → the component shape
//! (`component`) → the steps and screens (`steps/`, `screens/`) → the `model` that holds
//! them → `update` and `view` → this runtime. `app` is the TUI as tests and benches see
//! it.
//!
//! Exit paths: every one restores the terminal exactly once (`restore` is guarded), also a
//! panic on the UI thread (the panic hook restores, then color-eyre reports), a panic in a
//! background task (it ends the loop cleanly through `JoinError::is_panic`), a hang-up
//! (SIGHUP, or the terminal's input failing) and SIGTERM. Ctrl-Z (or SIGTSTP) restores the
//! terminal and stops the process; `fg` sets it up again and redraws everything.

pub mod app;
pub mod candidates;
pub mod caps;
pub mod component;
pub mod data;
pub mod filter;
pub mod input;
pub mod keymap;
pub mod keys;
pub mod model;
pub mod msg;
pub mod screens;
pub mod steps;
pub mod target;
pub mod theme;
pub mod update;
pub mod view;
pub mod widgets;
pub mod wrap;

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event, EventStream, KeyEventKind, MouseEventKind};
use ratatui::crossterm::{cursor, execute, terminal};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::backend::{self, Backend, Progress, Source};
use crate::catalog::Catalog;
use crate::cli::WizardArgs;
use crate::error::AppError;
use data::{Context, Prefill};
use model::Model;
use msg::{Change, Cmd, Exit, Failure, Msg, RegisterMsg};
use screens::register;

/// Exit code after a hang-up (128 + SIGHUP) and after SIGTERM (128 + 15).
pub const EXIT_HANGUP: u8 = 129;
pub const EXIT_TERMINATED: u8 = 143;

/// Whether the terminal is in the wizard's modes (raw, alternate screen, …).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);
/// Whether the terminal has an alternate screen (the VT family has none; see `caps`).
static ALT_SCREEN: AtomicBool = AtomicBool::new(true);
/// The thread that runs the UI: a panic there restores the terminal and is reported at
/// once; a panic elsewhere is kept until the loop has ended cleanly.
static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();
static TASK_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs the wizard; returns the exit code.
pub async fn run(source: &Source, args: &WizardArgs, catalog: Catalog) -> Result<u8, AppError> {
    run_app(source, args, catalog, false).await
}

/// `formation-wizard manage`: the app opened on the Formations screen.
pub async fn run_manage(
    source: &Source,
    args: &WizardArgs,
    catalog: Catalog,
) -> Result<u8, AppError> {
    run_app(source, args, catalog, true).await
}

async fn run_app(
    source: &Source,
    args: &WizardArgs,
    catalog: Catalog,
    manage: bool,
) -> Result<u8, AppError> {
    let no_terminal = !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal();
    if no_terminal && manage {
        return Err(AppError::Usage(
            "`manage` needs a terminal; in scripts use `formation-wizard formations`, `show`, `unassign`, `resync`, `finalize` or `delete`".into(),
        ));
    }
    if no_terminal {
        return Err(AppError::Usage(
            "the wizard needs a terminal; in scripts use `formation-wizard check` or `formation-wizard create` with --name, --type and --system".into(),
        ));
    }
    let term_name = std::env::var("TERM").ok();
    let caps = caps::from_term(term_name.as_deref()).map_err(|m| {
        let advice = if manage { caps::DUMB_MANAGE } else { m };
        AppError::Usage(advice.into())
    })?;
    ALT_SCREEN.store(caps.alternate_screen, Ordering::SeqCst);
    let backend: Arc<dyn Backend> = Arc::from(backend::open(source)?);
    let theme = theme::Theme::detect(args.no_color || !caps.color);
    let prefill = Prefill {
        name: args.name.clone(),
        formation_type: args.formation_type.clone(),
        systems: args.systems.clone(),
    };
    install_hooks();
    let size = terminal::size().map_err(|e| terminal_error("read the terminal size", &e))?;
    let ctx = Context {
        catalog,
        backend: backend.clone(),
        theme,
    };
    let mut model = if manage {
        Model::manage(ctx, size)
    } else {
        Model::new(ctx, prefill, size)
    };
    model.data.source_flags = source.flags();
    let left: Vec<String> = crate::ops::Journal::for_backend(backend.as_ref())
        .left_open()
        .into_iter()
        .map(|(_, r)| r.left())
        .collect();
    if !left.is_empty() {
        // Said before the screen takes over, and again when the app ends.
        let recover = crate::ops::command_line("recover", &model.data.source_flags);
        model.flash = Some(format!(
            "A change was cut short: {}. `{recover}` finishes or undoes it.",
            left.join("; ")
        ));
    }
    let interrupt = crate::ops::Interrupt::new();
    let mut term = init(args.mouse).map_err(|e| {
        restore();
        terminal_error("set up the terminal", &e)
    })?;
    let jobs = spawn_signal_handler(&interrupt);
    let cache = if args.no_cache {
        None
    } else {
        crate::cache::Cache::for_target(&backend.target())
    };
    let runtime = Runtime {
        backend,
        interrupt,
        source_flags: model.data.source_flags.clone(),
        cache,
        cache_written: Arc::new(Mutex::new(None)),
    };
    let result = event_loop(&mut term, &mut model, &runtime, jobs, args.mouse).await;
    restore();
    let exit = result?;
    if let Some(summary) = &exit.summary {
        println!("{}", crate::text::neutralise(summary));
    }
    if let Some(message) = &exit.message {
        eprintln!("formation-wizard: {}", crate::text::neutralise(message));
    }
    Ok(exit.code)
}

fn terminal_error(what: &str, e: &std::io::Error) -> AppError {
    AppError::Usage(format!("cannot {what}: {e}"))
}

/// color-eyre's hooks, installed before the terminal changes modes. The panic hook
/// restores the terminal (once) for a panic on the UI thread; a panic on a worker thread
/// is only recorded, and the loop ends cleanly when the task's `JoinError` arrives.
fn install_hooks() {
    let _ = UI_THREAD.set(std::thread::current().id());
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .into_hooks();
    // Installing twice (a second run in one process) is harmless: the first one stays.
    let _ = eyre_hook.install();
    std::panic::set_hook(Box::new(move |info| {
        let report = panic_hook.panic_report(info).to_string();
        if UI_THREAD.get() == Some(&std::thread::current().id()) {
            restore();
            eprintln!("{report}");
        } else if let Ok(mut slot) = TASK_PANIC.lock() {
            slot.get_or_insert(report);
        }
    }));
}

type Term = Terminal<CrosstermBackend<std::io::Stdout>>;

fn init(mouse: bool) -> std::io::Result<Term> {
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    MOUSE.store(mouse, Ordering::SeqCst);
    let mut out = std::io::stdout();
    if ALT_SCREEN.load(Ordering::SeqCst) {
        execute!(out, terminal::EnterAlternateScreen)?;
    }
    execute!(out, event::EnableBracketedPaste)?;
    if mouse {
        execute!(out, event::EnableMouseCapture)?;
    }
    // Cleared directly: `Terminal::clear` asks the terminal for the cursor position,
    // which not every terminal answers.
    execute!(out, terminal::Clear(terminal::ClearType::All))?;
    Terminal::new(CrosstermBackend::new(std::io::stdout()))
}

/// Puts the terminal back as it was; does something only the first time after `init`, so
/// that the panic hook, the signal handler and the normal exit can all call it. Errors are
/// ignored: after a hang-up there is no terminal left to fix.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = std::io::stdout();
    if MOUSE.load(Ordering::SeqCst) {
        let _ = execute!(out, event::DisableMouseCapture);
    }
    let _ = execute!(out, event::DisableBracketedPaste);
    if ALT_SCREEN.load(Ordering::SeqCst) {
        let _ = execute!(out, terminal::LeaveAlternateScreen);
    } else {
        // No alternate screen: leave a clean screen rather than the wizard's last frame.
        let _ = execute!(
            out,
            terminal::Clear(terminal::ClearType::All),
            cursor::MoveTo(0, 0)
        );
    }
    let _ = execute!(out, cursor::Show);
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

/// Job control, for the UI loop to carry out between two draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    /// SIGTSTP (e.g. `kill -TSTP`): restore the terminal and stop.
    Suspend,
    /// SIGCONT: continued after a stop the wizard did not make itself; draw everything again.
    Continued,
    /// SIGHUP or SIGTERM while a change runs: the terminal is given back, the change is
    /// finished or undone, then the app ends with this code.
    Finish(u8),
}

/// SIGHUP (the SSH connection dropped) and SIGTERM end the wizard from their own task,
/// whatever the UI loop is doing (crossterm can spin on a dead terminal). With no change
/// running, at once; with one running, the first asks the change to stop and undo and the
/// loop to end when it has (`Job::Finish`), and a second ends at once, saying what is
/// left. SIGTSTP and SIGCONT are passed to the UI loop, which owns the terminal.
fn spawn_signal_handler(interrupt: &crate::ops::Interrupt) -> mpsc::UnboundedReceiver<Job> {
    use tokio::signal::unix::{SignalKind, signal};
    let (tx, rx) = mpsc::unbounded_channel();
    if let (Ok(mut hup), Ok(mut term)) = (
        signal(SignalKind::hangup()),
        signal(SignalKind::terminate()),
    ) {
        let interrupt = interrupt.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            loop {
                let code = tokio::select! {
                    Some(()) = hup.recv() => EXIT_HANGUP,
                    Some(()) = term.recv() => EXIT_TERMINATED,
                    else => return,
                };
                if interrupt.busy() && interrupt.raise() == 1 && tx.send(Job::Finish(code)).is_ok()
                {
                    continue;
                }
                restore();
                if interrupt.busy() {
                    eprintln!(
                        "formation-wizard: {}",
                        crate::text::neutralise(&crate::ops::interrupt::stopped_at_once(
                            interrupt.left().as_deref()
                        ))
                    );
                }
                std::process::exit(i32::from(code));
            }
        });
    }
    let stop = SignalKind::from_raw(libc::SIGTSTP);
    let cont = SignalKind::from_raw(libc::SIGCONT);
    if let (Ok(mut tstp), Ok(mut cont)) = (signal(stop), signal(cont)) {
        tokio::spawn(async move {
            loop {
                let job = tokio::select! {
                    Some(()) = tstp.recv() => Job::Suspend,
                    Some(()) = cont.recv() => Job::Continued,
                    else => return,
                };
                if tx.send(job).is_err() {
                    return;
                }
            }
        });
    }
    rx
}

/// Ctrl-Z: gives the terminal back as it was, stops the process (SIGSTOP, as the shell's
/// job control expects), and once continued (`fg`) sets the terminal up again and draws
/// everything anew. A fresh `Terminal` has empty buffers, so the next draw is complete;
/// `Terminal::clear` is not used because it asks the terminal for the cursor position.
fn suspend(term: &mut Term, mouse: bool) -> Result<(), AppError> {
    restore();
    // SAFETY: raise(3) is async-signal-safe and has no memory-safety preconditions.
    if unsafe { libc::raise(libc::SIGSTOP) } != 0 {
        tracing::warn!("could not stop the process for Ctrl-Z");
    }
    redraw_all(term, mouse)
}

/// Sets the terminal's modes again (all idempotent) and replaces the `Terminal`, so that the
/// next draw writes every cell.
fn redraw_all(term: &mut Term, mouse: bool) -> Result<(), AppError> {
    *term = init(mouse).map_err(|e| terminal_error("set up the terminal again", &e))?;
    Ok(())
}

async fn panicking_task() -> Msg {
    panic!("injected by FORMATION_WIZARD_TEST_PANIC=task")
}

fn is_ctrl_z(event: &Event) -> bool {
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};
    matches!(event, Event::Key(k)
        if k.kind == KeyEventKind::Press
            && k.modifiers.contains(KeyModifiers::CONTROL)
            && matches!(k.code, KeyCode::Char('z') | KeyCode::Char('Z')))
}

/// A test hook, in debug builds only (see SECURITY.md): `FORMATION_WIZARD_TEST_PANIC=ui`
/// panics on the UI thread at the first key, `=task` in a background task. It lets
/// `tests/pty.rs` check that both panic paths give the terminal back. Release builds
/// ignore the variable.
fn injected_panic() -> Option<&'static str> {
    if !cfg!(debug_assertions) {
        return None;
    }
    match std::env::var("FORMATION_WIZARD_TEST_PANIC").ok()?.as_str() {
        "ui" => Some("ui"),
        "task" => Some("task"),
        _ => None,
    }
}

/// What the runtime runs commands with.
struct Runtime {
    backend: Arc<dyn Backend>,
    /// Shared with every running change, which obeys it.
    interrupt: crate::ops::Interrupt,
    source_flags: String,
    /// Where the last landscape of this Director is kept; `None` for a file, or with
    /// `--no-cache`.
    cache: Option<crate::cache::Cache>,
    /// When the cache was last written: the management screens read the landscape again
    /// every few seconds, and a large one is not rewritten each time.
    cache_written: Arc<Mutex<Option<Instant>>>,
}

async fn event_loop(
    term: &mut Term,
    model: &mut Model,
    rt: &Runtime,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    mouse: bool,
) -> Result<Exit, AppError> {
    let mut inject = injected_panic();
    let mut events = EventStream::new();
    let mut tasks: JoinSet<Msg> = JoinSet::new();
    // Creates and changes: never aborted, so that each finishes or undoes what it did.
    let mut changes: JoinSet<Msg> = JoinSet::new();
    let (progress_tx, mut progress_rx) = mpsc::unbounded_channel();
    let progress = Progress::to(progress_tx).with_rows();
    let mut spinner = tokio::time::interval(Duration::from_millis(120));
    spinner.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    for cmd in model.init() {
        spawn(&mut tasks, cmd, rt, &model.data.ctx.catalog, &progress);
    }
    // The first read only: the last landscape shows while it loads.
    if let Some(cache) = rt.cache.clone() {
        tasks.spawn(cached(cache, model.data.ctx.catalog.clone()));
    }
    let mut dirty = true;
    loop {
        if dirty {
            term.draw(|f| view::view(model, f))
                .map_err(|e| terminal_error("draw", &e))?;
            dirty = false;
            if model.confirmation_pending() && !model.too_small() {
                if let Some(exit) = settle_keys(&mut events, model).await {
                    return Ok(exit);
                }
                update::update(model, Msg::ConfirmShown);
                dirty = true;
                continue;
            }
        }
        if let Some(exit) = model.exit.take() {
            tasks.abort_all();
            if !changes.is_empty() {
                // Quitting does not walk away from a change: it is stopped and finished.
                rt.interrupt.raise();
                restore();
                return Ok(drain(changes, exit).await);
            }
            return Ok(exit);
        }
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) if is_ctrl_z(&event) => {
                    suspend(term, mouse)?;
                    dirty = true;
                    continue;
                }
                Some(Ok(event)) => match to_msg(event) {
                    Some(msg) => msg,
                    None => continue,
                },
                // EOF or EIO on the terminal: the user is gone.
                Some(Err(_)) | None => {
                    tasks.abort_all();
                    rt.interrupt.raise();
                    restore();
                    return Ok(drain(changes, hangup()).await);
                }
            },
            Some(joined) = tasks.join_next() => match joined {
                Ok(msg) => msg,
                Err(e) if e.is_panic() => return Ok(task_panicked()),
                Err(_) => continue,
            },
            Some(joined) = changes.join_next() => match joined {
                Ok(msg) => msg,
                Err(e) if e.is_panic() => return Ok(task_panicked()),
                Err(_) => continue,
            },
            Some(event) = progress_rx.recv() => Msg::Progress(event),
            Some(job) = jobs.recv() => {
                match job {
                    Job::Suspend => suspend(term, mouse)?,
                    Job::Continued => redraw_all(term, mouse)?,
                    Job::Finish(code) => {
                        tasks.abort_all();
                        restore();
                        let exit = Exit {
                            code,
                            summary: None,
                            message: Some("the terminal went away or the wizard was told to stop.".into()),
                        };
                        return Ok(drain(changes, exit).await);
                    }
                }
                dirty = true;
                continue;
            }
            _ = spinner.tick(), if model.busy() => Msg::Tick,
        };
        if let Msg::Key(_) = msg
            && let Some(which) = inject.take()
        {
            if which == "ui" {
                panic!("injected by FORMATION_WIZARD_TEST_PANIC=ui");
            }
            tasks.spawn(panicking_task());
        }
        for cmd in update::update(model, msg) {
            match cmd {
                Cmd::CopyToken => copy_token(model),
                Cmd::Interrupt => {
                    if rt.interrupt.raise() > 1 {
                        return Ok(stopped_at_once(&rt.interrupt));
                    }
                }
                Cmd::Create(_) | Cmd::Change(_) => {
                    spawn(&mut changes, cmd, rt, &model.data.ctx.catalog, &progress)
                }
                cmd => spawn(&mut tasks, cmd, rt, &model.data.ctx.catalog, &progress),
            }
        }
        dirty = true;
    }
}

/// How long after the create confirmation is drawn keys are still taken as sent before it
/// (a burst of Enters, a paste, a key held down over a laggy link): no one reads the
/// dialog and answers it this fast.
const CONFIRM_SETTLE: Duration = Duration::from_millis(300);

/// Discards the keys and pastes that are already waiting or arrive within `CONFIRM_SETTLE`
/// after the confirmation was drawn; passes resizes on. `Some` when the terminal went away.
async fn settle_keys(events: &mut EventStream, model: &mut Model) -> Option<Exit> {
    let deadline = tokio::time::Instant::now() + CONFIRM_SETTLE;
    loop {
        match tokio::time::timeout_at(deadline, events.next()).await {
            Err(_elapsed) => return None,
            Ok(Some(Ok(Event::Resize(w, h)))) => {
                update::update(model, Msg::Resize(w, h));
            }
            // Not logged: the keys may be part of anything the user was typing.
            Ok(Some(Ok(_))) => {
                tracing::debug!("a key sent before the confirmation showed was dropped")
            }
            Ok(Some(Err(_)) | None) => return Some(hangup()),
        }
    }
}

/// Waits, with the terminal already given back, for every running change to finish or
/// undo what it did (each has been told to stop), then ends with `exit`, adding what the
/// changes did to its message. Nothing is drawn any more.
async fn drain(mut changes: JoinSet<Msg>, mut exit: Exit) -> Exit {
    let mut said = Vec::new();
    while let Some(joined) = changes.join_next().await {
        match joined {
            Ok(Msg::Created(Ok(outcome))) => said.push(created_words(&outcome)),
            Ok(Msg::Changed(_, Ok(outcome))) => said.push(outcome.line()),
            Ok(Msg::Created(Err(f)) | Msg::Changed(_, Err(f))) => said.push(f.message),
            _ => {}
        }
    }
    if !said.is_empty() {
        let before = exit.message.take().unwrap_or_default();
        exit.message = Some(format!("{before} {}", said.join(" ")).trim().to_owned());
    }
    exit
}

fn created_words(outcome: &crate::ops::CreateOutcome) -> String {
    use crate::ops::End;
    match (&outcome.end, &outcome.left, &outcome.formation) {
        (_, Some(left), _) => format!("The create did not finish undoing: {left}."),
        (End::Created | End::Interrupted, None, Some(f)) => {
            format!("The formation {} exists with every system.", f.id)
        }
        _ => "The create was stopped and what it did was undone: nothing is left.".into(),
    }
}

/// The second interrupt: the app ends at once, saying what the change leaves.
fn stopped_at_once(interrupt: &crate::ops::Interrupt) -> Exit {
    Exit {
        code: crate::error::exit::CANCELLED,
        summary: None,
        message: Some(crate::ops::interrupt::stopped_at_once(
            interrupt.left().as_deref(),
        )),
    }
}

fn hangup() -> Exit {
    Exit {
        code: EXIT_HANGUP,
        summary: None,
        message: Some("the terminal went away; nothing more was done.".into()),
    }
}

fn task_panicked() -> Exit {
    let detail = TASK_PANIC
        .lock()
        .ok()
        .and_then(|mut s| s.take())
        .unwrap_or_default();
    Exit {
        code: crate::error::exit::BACKEND,
        summary: None,
        message: Some(format!(
            "a background task failed unexpectedly; the wizard stopped. {detail}"
        )),
    }
}

/// Terminal events the wizard reacts to; the rest (key releases, focus, mouse moves)
/// cause no redraw.
fn to_msg(event: Event) -> Option<Msg> {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollUp => {
                Some(Msg::Key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE)))
            }
            MouseEventKind::ScrollDown => {
                Some(Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Runs a command as a tokio task whose result comes back as a `Msg`.
fn spawn(tasks: &mut JoinSet<Msg>, cmd: Cmd, rt: &Runtime, catalog: &Catalog, progress: &Progress) {
    let backend = rt.backend.clone();
    let catalog = catalog.clone();
    let progress = progress.clone();
    let (stop, flags) = (rt.interrupt.clone(), rt.source_flags.clone());
    if cmd == Cmd::Load {
        tasks.spawn(rules(backend.clone(), catalog.clone()));
    }
    let keep = rt.cache.clone().map(|c| (c, rt.cache_written.clone()));
    let source = rt.backend.describe();
    tasks.spawn(async move {
        tracing::info!(?cmd, "run");
        let msg = run_cmd(cmd, backend, catalog, progress, stop, flags).await;
        if let Some((cache, written)) = keep {
            keep_in_cache(&msg, cache, &written, source);
        }
        match &msg {
            // The whole landscape would flood the log.
            Msg::Loaded(Ok(l)) => tracing::info!(
                systems = l.systems.len(),
                formations = l.formations.len(),
                "loaded"
            ),
            other => tracing::info!(msg = ?other, "done"),
        }
        msg
    });
}

/// The last landscape read from this Director, for the wizard to open on while the fresh
/// one loads; nothing (only a log line) when there is none or it cannot be used.
async fn cached(cache: crate::cache::Cache, catalog: Catalog) -> Msg {
    let read = tokio::task::spawn_blocking(move || cache.read(&catalog)).await;
    match read {
        Ok(Ok(Some(c))) => {
            let when = c.when(std::time::SystemTime::now());
            Msg::Cached(Box::new(c.landscape), when)
        }
        Ok(Ok(None)) => Msg::Tick,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the cached landscape is not used");
            Msg::Tick
        }
        Err(e) => {
            tracing::warn!(error = %e, "reading the cached landscape stopped");
            Msg::Tick
        }
    }
}

/// A fresh landscape is kept for the next start: after the first read at once, after the
/// management screens' reads at most every `CACHE_EVERY`. Written on a blocking thread that
/// is not waited for, so the fresh landscape reaches the screen first; a write cut short by
/// the app's exit leaves the old cache whole (it is replaced by a rename).
fn keep_in_cache(
    msg: &Msg,
    cache: crate::cache::Cache,
    written: &Mutex<Option<Instant>>,
    source: String,
) {
    let (landscape, first) = match msg {
        Msg::Loaded(Ok(l)) => (l, true),
        Msg::Refreshed(_, Ok(l)) => (l, false),
        _ => return,
    };
    {
        let Ok(mut last) = written.lock() else {
            return;
        };
        if !first && last.is_some_and(|t| t.elapsed() < CACHE_EVERY) {
            return;
        }
        *last = Some(Instant::now());
    }
    let landscape = landscape.clone();
    let now = std::time::SystemTime::now();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = cache.write(&landscape, &source, now) {
            tracing::warn!(error = %e, "the landscape was not cached");
        }
    });
}

const CACHE_EVERY: Duration = Duration::from_secs(60);

/// The backend's rules, read beside the landscape; when they cannot be read the built-in
/// catalog stays, and the user is told.
async fn rules(backend: Arc<dyn Backend>, catalog: Catalog) -> Msg {
    match backend.rules(&catalog).await {
        Ok((rules, notes)) => Msg::Rules(
            Box::new(rules),
            notes.into_iter().map(|n| n.message).collect(),
        ),
        Err(e) => Msg::Rules(
            Box::new(catalog),
            vec![format!(
                "The backend's own rules could not be read ({e}); the built-in catalog is used."
            )],
        ),
    }
}

async fn run_cmd(
    cmd: Cmd,
    backend: Arc<dyn Backend>,
    catalog: Catalog,
    progress: Progress,
    stop: crate::ops::Interrupt,
    source_flags: String,
) -> Msg {
    // What every change runs with: the same context the commands give it.
    match cmd {
        Cmd::Load => Msg::Loaded(
            backend
                .load(&catalog, &progress)
                .await
                .map(Box::new)
                .map_err(Failure::from),
        ),
        Cmd::Create(plan) => {
            let ctx = ops_context(backend.as_ref(), &catalog, &progress, &stop, &source_flags);
            let outcome = crate::ops::create::create(&ctx, &plan, Default::default()).await;
            Msg::Created(outcome.map_err(Failure::from))
        }
        Cmd::RequestToken { system_id, groups } => Msg::Register(RegisterMsg::TokenIssued(
            backend
                .request_token(&system_id, &groups, &catalog)
                .await
                .map_err(Failure::from),
        )),
        Cmd::WatchSystem { system_id, after } => {
            tokio::time::sleep(after).await;
            Msg::Register(RegisterMsg::SystemSeen(
                backend
                    .system(&system_id, &catalog)
                    .await
                    .map(Box::new)
                    .map_err(Failure::from),
            ))
        }
        Cmd::RegisterSystem(new) => {
            let ctx = ops_context(backend.as_ref(), &catalog, &progress, &stop, &source_flags);
            Msg::Register(RegisterMsg::Registered(
                crate::ops::register::register(&ctx, &new)
                    .await
                    .map(Box::new)
                    .map_err(Failure::from),
            ))
        }
        // Carried out by the loop itself (`copy_token`, the interrupt).
        Cmd::CopyToken | Cmd::Interrupt => Msg::Tick,
        Cmd::Change(change) => {
            let ctx = ops_context(backend.as_ref(), &catalog, &progress, &stop, &source_flags);
            let result = run_change(&change, &ctx).await.map_err(Failure::from);
            Msg::Changed(change, result)
        }
        Cmd::Refresh { after, generation } => {
            tokio::time::sleep(after).await;
            let landscape = backend.load(&catalog, &progress).await;
            Msg::Refreshed(generation, landscape.map(Box::new).map_err(Failure::from))
        }
    }
}

fn ops_context<'a>(
    backend: &'a dyn Backend,
    catalog: &'a Catalog,
    progress: &Progress,
    stop: &crate::ops::Interrupt,
    source_flags: &str,
) -> crate::ops::Ctx<'a> {
    let mut ctx = crate::ops::Ctx::new(backend, catalog);
    ctx.progress = progress.clone();
    ctx.stop = stop.clone();
    ctx.source_flags = source_flags.to_owned();
    ctx
}

/// A Formation screen's change, through the operations layer the commands use too.
async fn run_change(
    change: &Change,
    ctx: &crate::ops::Ctx<'_>,
) -> Result<crate::ops::ChangeOutcome, backend::BackendError> {
    use crate::ops::change;
    match change {
        Change::Assign {
            formation_id,
            systems,
        } => change::assign(ctx, formation_id, systems).await,
        Change::Unassign {
            formation_id,
            system,
            accept_breaking,
        } => {
            change::unassign(
                ctx,
                formation_id,
                std::slice::from_ref(system),
                *accept_breaking,
            )
            .await
        }
        Change::Resync { formation_id } => change::resync(ctx, formation_id, false).await,
        Change::Finalize { formation_id } => change::finalize(ctx, formation_id).await,
        Change::Delete { formation_id } => change::delete(ctx, formation_id).await,
    }
}

/// Puts the Register panel's token on the clipboard with OSC 52: the program's own write,
/// on the user's key, never from data.
fn copy_token(model: &Model) {
    if let Some(token) = model.register.as_ref().and_then(|p| p.token()) {
        let mut out = std::io::stdout();
        let _ = out.write_all(register::osc52(token).as_bytes());
        let _ = out.flush();
    }
}

#[cfg(test)]
mod load_tests;
#[cfg(test)]
pub(crate) mod tests;
