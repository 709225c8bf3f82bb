//! The interactive wizard: terminal setup and restore, and the event loop that feeds
//! terminal events and finished background work into `app::update`.
//!
//! Exit paths: every one restores the terminal exactly once (`restore` is guarded), also a
//! panic on the UI thread (the panic hook restores, then color-eyre reports), a panic in a
//! background task (it ends the loop cleanly through `JoinError::is_panic`), a hang-up
//! (SIGHUP, or the terminal's input failing) and SIGTERM. Ctrl-Z (or SIGTSTP) restores the
//! terminal and stops the process; `fg` sets it up again and redraws everything.

pub mod adding;
pub mod app;
pub mod candidates;
pub mod caps;
pub mod filter;
pub mod input;
pub mod keys;
pub mod register;
pub mod screens;
pub mod stack;
pub mod steps;
pub mod target;
pub mod theme;
pub mod view;

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::Duration;

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
use app::{Cmd, Context, Exit, Failure, Model, Msg, Prefill};
use register::RegisterMsg;

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
    let caps = caps::from_term(term_name.as_deref()).map_err(|m| AppError::Usage(m.into()))?;
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
    let mut term = init(args.mouse).map_err(|e| {
        restore();
        terminal_error("set up the terminal", &e)
    })?;
    let jobs = spawn_signal_handler();
    let result = event_loop(&mut term, &mut model, backend, jobs, args.mouse).await;
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
}

/// SIGHUP (the SSH connection dropped) and SIGTERM end the wizard at once from their own
/// task, whatever the UI loop is doing (crossterm can spin on a dead terminal). SIGTSTP and
/// SIGCONT are passed to the UI loop, which owns the terminal.
fn spawn_signal_handler() -> mpsc::UnboundedReceiver<Job> {
    use tokio::signal::unix::{SignalKind, signal};
    let (tx, rx) = mpsc::unbounded_channel();
    if let (Ok(mut hup), Ok(mut term)) = (
        signal(SignalKind::hangup()),
        signal(SignalKind::terminate()),
    ) {
        tokio::spawn(async move {
            let code = tokio::select! {
                _ = hup.recv() => EXIT_HANGUP,
                _ = term.recv() => EXIT_TERMINATED,
            };
            restore();
            std::process::exit(i32::from(code));
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

async fn event_loop(
    term: &mut Term,
    model: &mut Model,
    backend: Arc<dyn Backend>,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    mouse: bool,
) -> Result<Exit, AppError> {
    let mut inject = injected_panic();
    let mut events = EventStream::new();
    let mut tasks: JoinSet<Msg> = JoinSet::new();
    let (progress_tx, mut progress_rx) = mpsc::unbounded_channel();
    let progress = Progress::to(progress_tx);
    let mut spinner = tokio::time::interval(Duration::from_millis(120));
    spinner.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    for cmd in model.init() {
        spawn(
            &mut tasks,
            cmd,
            &backend,
            &model.data.ctx.catalog,
            &progress,
        );
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
                app::update(model, Msg::ConfirmShown);
                dirty = true;
                continue;
            }
        }
        if let Some(exit) = model.exit.take() {
            tasks.abort_all();
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
                Some(Err(_)) | None => return Ok(hangup()),
            },
            Some(joined) = tasks.join_next() => match joined {
                Ok(msg) => msg,
                Err(e) if e.is_panic() => return Ok(task_panicked()),
                Err(_) => continue,
            },
            Some(event) = progress_rx.recv() => Msg::Progress(event),
            Some(job) = jobs.recv() => {
                match job {
                    Job::Suspend => suspend(term, mouse)?,
                    Job::Continued => redraw_all(term, mouse)?,
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
        for cmd in app::update(model, msg) {
            if cmd == Cmd::CopyToken {
                copy_token(model);
                continue;
            }
            spawn(
                &mut tasks,
                cmd,
                &backend,
                &model.data.ctx.catalog,
                &progress,
            );
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
                app::update(model, Msg::Resize(w, h));
            }
            // Not logged: the keys may be part of anything the user was typing.
            Ok(Some(Ok(_))) => {
                tracing::debug!("a key sent before the confirmation showed was dropped")
            }
            Ok(Some(Err(_)) | None) => return Some(hangup()),
        }
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
fn spawn(
    tasks: &mut JoinSet<Msg>,
    cmd: Cmd,
    backend: &Arc<dyn Backend>,
    catalog: &Catalog,
    progress: &Progress,
) {
    let backend = backend.clone();
    let catalog = catalog.clone();
    let progress = progress.clone();
    if cmd == Cmd::Load {
        tasks.spawn(rules(backend.clone(), catalog.clone()));
    }
    tasks.spawn(async move { execute(cmd, backend, catalog, progress).await });
}

/// The backend's rules, read beside the landscape; when they cannot be read the built-in
/// catalog stays, and the user is told.
async fn rules(backend: Arc<dyn Backend>, catalog: Catalog) -> Msg {
    match backend.rules(&catalog).await {
        Ok((rules, notes)) => Msg::Rules(Box::new(rules), notes),
        Err(e) => Msg::Rules(
            Box::new(catalog),
            vec![format!(
                "The backend's own rules could not be read ({e}); the built-in catalog is used."
            )],
        ),
    }
}

async fn execute(cmd: Cmd, backend: Arc<dyn Backend>, catalog: Catalog, progress: Progress) -> Msg {
    tracing::info!(?cmd, "run");
    let msg = run_cmd(cmd, backend, catalog, progress).await;
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
}

async fn run_cmd(cmd: Cmd, backend: Arc<dyn Backend>, catalog: Catalog, progress: Progress) -> Msg {
    match cmd {
        Cmd::Load => Msg::Loaded(
            backend
                .load(&catalog, &progress)
                .await
                .map(Box::new)
                .map_err(Failure::from),
        ),
        Cmd::Create(plan) => Msg::Created(
            backend
                .create(&plan, &catalog, &progress)
                .await
                .map_err(Failure::from),
        ),
        Cmd::Poll {
            formation_id,
            after,
        } => {
            tokio::time::sleep(after).await;
            Msg::Status(backend.status(&formation_id).await.map_err(Failure::from))
        }
        Cmd::Assign {
            formation_id,
            systems,
        } => {
            let mut results = Vec::new();
            for id in systems {
                let r = backend
                    .assign(&formation_id, &id, &catalog)
                    .await
                    .map_err(|e| e.to_string());
                results.push((id, r));
            }
            Msg::Assigned(results)
        }
        Cmd::Delete { formation_id } => {
            Msg::Deleted(backend.delete(&formation_id).await.map_err(Failure::from))
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
        Cmd::RegisterSystem(new) => Msg::Register(RegisterMsg::Registered(
            backend
                .register_system(&new, &catalog)
                .await
                .map(Box::new)
                .map_err(Failure::from),
        )),
        // Written by the loop itself, which holds the token (`copy_token`).
        Cmd::CopyToken => Msg::Tick,
        Cmd::Change(change) => {
            let result = run_change(&change, backend.as_ref(), &catalog)
                .await
                .map_err(Failure::from);
            Msg::Changed(change, result)
        }
        Cmd::Refresh { after, generation } => {
            tokio::time::sleep(after).await;
            let landscape = backend.load(&catalog, &progress).await;
            Msg::Refreshed(generation, landscape.map(Box::new).map_err(Failure::from))
        }
    }
}

/// The same Backend calls the day-two commands make (`commands::formations`).
async fn run_change(
    change: &stack::Change,
    backend: &dyn Backend,
    catalog: &Catalog,
) -> Result<(), backend::BackendError> {
    use stack::Change;
    match change {
        Change::Assign {
            formation_id,
            systems,
        } => {
            for id in systems {
                backend.assign(formation_id, id, catalog).await?;
            }
            Ok(())
        }
        Change::Unassign {
            formation_id,
            system,
        } => backend.unassign(formation_id, system, catalog).await,
        Change::Resync { formation_id } => backend.resynchronize(formation_id).await.map(drop),
        Change::Finalize { formation_id } => backend.finalize(formation_id).await.map(drop),
        Change::Delete {
            formation_id,
            members,
        } => {
            for id in members {
                backend.unassign(formation_id, id, catalog).await?;
            }
            backend.delete(formation_id).await
        }
    }
}

/// Puts the Register panel's token on the clipboard with OSC 52: the program's own write,
/// on the user's key, never from data.
fn copy_token(model: &Model) {
    if let Some(token) = register::token(model) {
        let mut out = std::io::stdout();
        let _ = out.write_all(register::osc52(token).as_bytes());
        let _ = out.flush();
    }
}

#[cfg(test)]
mod load_tests;
#[cfg(test)]
pub(crate) mod tests;
