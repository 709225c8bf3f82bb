//! The one place the model changes: `update` takes a `Msg`, hands keys to the component
//! on top (whose key table says what each key does), carries out the `Outcome` it answers
//! and returns the `Cmd`s for the runtime. Nothing here does I/O.

use std::cell::OnceCell;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::component::{self, Component, Cx, Outcome};
use super::data::{Data, Notice, still_cached};
use super::keys::{self, Global};
use super::model::{Answer, Model, Overlay, Screen, Step, poll_after, with_screen, with_step};
use super::msg::{Change, Cmd, Exit, Failure, Msg, RegisterMsg};
use super::screens::{adding, doctor, formation, formations, register};
use super::steps::{create, ftype, name, review, systems};
use crate::backend::BackendEvent;
use crate::catalog::Catalog;
use crate::error::exit;
use crate::landscape::Landscape;
use crate::plan::FormationPlan;
use crate::rules::{self, Availability};

/// The one place the model changes.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(key) => on_key(model, key),
        Msg::Paste(text) => {
            on_paste(model, &text);
            Vec::new()
        }
        Msg::Resize(w, h) => {
            model.size = (w, h);
            // Hidden behind "too small", the confirmation must be shown (and settled) anew.
            if model.too_small() && matches!(model.overlay, Some(Overlay::ConfirmCreate { .. })) {
                model.overlay = Some(Overlay::ConfirmCreate { shown: false });
            }
            Vec::new()
        }
        Msg::Tick => {
            model.spinner = model.spinner.wrapping_add(1);
            if let Some(panel) = &mut model.register {
                panel.tick();
            }
            Vec::new()
        }
        Msg::Register(m) => on_register(model, m),
        Msg::Loaded(result) => on_loaded(model, result),
        Msg::Cached(landscape, when) => on_cached(model, *landscape, when),
        Msg::ConfirmShown => {
            if model.confirmation_pending() {
                model.overlay = Some(Overlay::ConfirmCreate { shown: true });
            }
            Vec::new()
        }
        Msg::Rules(catalog, notes) => {
            on_rules(model, *catalog, notes);
            Vec::new()
        }
        Msg::Changed(change, result) => {
            model.changes_in_flight = model.changes_in_flight.saturating_sub(1);
            let _ = change;
            let cmds = on_changed(model, result);
            end_if_interrupted(model);
            if model.quit_when_done && model.changes_in_flight == 0 && model.exit.is_none() {
                model.quit_when_done = false;
                quit(model);
            }
            cmds
        }
        Msg::Created(result) => {
            model.changes_in_flight = model.changes_in_flight.saturating_sub(1);
            let cmds = match &mut model.step {
                Step::Create(c) => {
                    let outcome = c.on_msg(Msg::Created(result), &mut model.data);
                    apply(model, outcome)
                }
                _ => Vec::new(),
            };
            end_if_interrupted(model);
            cmds
        }
        Msg::Refreshed(generation, result) => on_refreshed(model, generation, result),
        // A change on a management screen went through one of its calls: the screen reads
        // the landscape again, so that a new member shows (INITIAL) while it is followed.
        // One read at a time: every call of a change ends with a Done, and on a far
        // Director each read is every page of the landscape.
        Msg::Progress(BackendEvent::Call {
            state: crate::backend::CallState::Done,
            ..
        }) if model.managing() && model.changes_in_flight > 0 && !model.refreshing => {
            refresh_now(model)
        }
        Msg::Progress(BackendEvent::Rows { batch, total })
            if !model.load.loaded && model.data.cached.is_none() =>
        {
            on_rows(model, batch, total)
        }
        Msg::Progress(BackendEvent::Loading { pages, systems }) if !model.load.loaded => {
            model.load.progress = Some((pages, systems));
            Vec::new()
        }
        other => match &mut model.step {
            Step::Create(c) => {
                let outcome = c.on_msg(other, &mut model.data);
                apply(model, outcome)
            }
            // A late answer for a screen the user has left: nothing to show it on.
            _ => Vec::new(),
        },
    }
}

/// What the runtime tells the Register panel; once it is closed, only the looks at a
/// system still watched matter (a token in a late answer is dropped). Watching ends when a
/// formation is being created: its plan was checked.
fn on_register(model: &mut Model, msg: RegisterMsg) -> Vec<Cmd> {
    let outcome = match (&mut model.register, msg) {
        (Some(panel), msg) => panel.on_msg(msg, &mut model.data),
        (None, RegisterMsg::SystemSeen(seen)) => {
            if matches!(model.step, Step::Create(_)) {
                model.watching = None;
                return Vec::new();
            }
            register::watched(&mut model.watching, seen, &mut model.data)
        }
        (None, _) => Outcome::Handled,
    };
    apply(model, outcome)
}

/// The cached landscape arrives before the fresh one: the wizard opens on it, marked as of
/// when it was read. When the fresh one came first (a quick Director) it is dropped.
fn on_cached(model: &mut Model, landscape: Landscape, when: String) -> Vec<Cmd> {
    if model.load.loaded {
        return Vec::new();
    }
    let cmds = on_loaded(model, Ok(Box::new(landscape)));
    model.data.cached = Some(when);
    cmds
}

/// The fresh landscape replaces the cached one shown so far: the choices that still exist
/// are kept, and one line says what changed since the cache was written.
fn replace_cached(model: &mut Model, landscape: Landscape) -> Vec<Cmd> {
    let when = model.data.cached.take().unwrap_or_default();
    let changed = crate::changes::summary(&model.data.landscape, &landscape);
    let catalog = model.data.ctx.catalog.clone();
    refresh_screens(&mut model.screens, &landscape, &catalog);
    // Choices of systems the fresh landscape no longer has are dropped, and said.
    let (kept, dropped): (Vec<String>, Vec<String>) = std::mem::take(&mut model.data.plan.systems)
        .into_iter()
        .partition(|id| landscape.system(id).is_some());
    model.data.plan.systems = kept;
    model.data.set_landscape(landscape);
    model.data.reevaluate();
    let mut line = if changed.is_empty() {
        format!(
            "Fresh from {}: nothing changed since {when}.",
            source_word(model)
        )
    } else {
        format!(
            "Fresh from {}: {} since {when}.",
            source_word(model),
            changed.join(", ")
        )
    };
    if !dropped.is_empty() {
        line.push_str(&format!(
            " No longer chosen, as they are gone: {}.",
            crate::text::neutralise(&dropped.join(", "))
        ));
    }
    model.flash = Some(line);
    Vec::new()
}

fn source_word(model: &Model) -> &'static str {
    match model.data.ctx.backend.target() {
        crate::backend::Target::Director { .. } => "the Director",
        _ => "the landscape",
    }
}

/// A page of systems arrived before the rest: the steps open on what is in, marked with how
/// much, keeping the highlighted row, the filter and the choices as more arrive.
fn on_rows(model: &mut Model, batch: Vec<crate::landscape::System>, total: usize) -> Vec<Cmd> {
    model.load.rows.extend(batch);
    let read = model.load.rows.len();
    // Formations come with the last page; until then the systems alone.
    let Ok(landscape) = Landscape::from_parts(
        None,
        None,
        model.load.rows.clone(),
        Vec::new(),
        model.data.catalog(),
    ) else {
        // A page the checks refuse (a repeated id): the whole read will say so.
        return Vec::new();
    };
    model.data.partial = Some((read, total.max(read)));
    replace_landscape(model, landscape);
    if let Some(n) = model.load.waiting_for.take() {
        goto(model, n);
    }
    Vec::new()
}

/// A new landscape under the open step, the Systems step's highlight kept on its system.
fn replace_landscape(model: &mut Model, landscape: Landscape) {
    let was_on = match &model.step {
        Step::Systems(s) => s.highlighted(&model.data).map(|c| c.id),
        _ => None,
    };
    model.data.set_landscape(landscape);
    model.data.reevaluate();
    match &mut model.step {
        Step::Systems(s) => s.relaid(&model.data, was_on.as_deref()),
        Step::Type(s) => {
            let at = s.highlight;
            *s = ftype::TypeStep::new(&model.data);
            s.highlight = at;
        }
        _ => {}
    }
}

fn on_loaded(model: &mut Model, result: Result<Box<Landscape>, Failure>) -> Vec<Cmd> {
    let was_partial = model.data.partial.take().is_some();
    model.load.rows = Vec::new();
    let landscape = match result {
        Ok(l) if model.data.cached.is_some() => return replace_cached(model, *l),
        Ok(l) => l,
        Err(f) if model.data.cached.is_some() => {
            // The cached landscape stays on screen, still marked, and nothing can change.
            model.flash = Some(format!(
                "Could not read the landscape afresh; what is shown stays as of {}: {}",
                model.data.cached.as_deref().unwrap_or_default(),
                crate::text::neutralise(&f.message)
            ));
            return Vec::new();
        }
        Err(f) => {
            if let Step::Create(c) = &mut model.step {
                c.reload_failed(&f.message);
                if let Some(report) = c.refused() {
                    model.data.keep_refusal(report);
                }
                return Vec::new();
            }
            model.exit = Some(Exit {
                code: f.code,
                summary: None,
                message: Some(f.message),
            });
            return Vec::new();
        }
    };
    if let Step::Create(c) = &mut model.step {
        c.reloaded(&model.data.landscape, &landscape);
        model.data.set_landscape(*landscape);
        if let Some(report) = c.refused() {
            model.data.keep_refusal(report);
        }
        return Vec::new();
    }
    replace_landscape(model, *landscape);
    model.load.loaded = true;
    apply_prefill(model);
    model.data.reevaluate();
    match model.load.waiting_for.take() {
        Some(n) => goto(model, n),
        None if matches!(model.step, Step::Loading) => goto(model, 1),
        None => {}
    }
    if model.manage && model.screens.is_empty() {
        let screen = formations::Formations::new(&model.data.landscape, model.data.catalog());
        model.screens.push(Screen::Formations(screen));
        return ensure_poll(model);
    }
    // A first-time setup that cannot succeed yet starts with what is missing and its fix
    // (not over a step the user already works in on the first pages).
    let at_start = !was_partial || matches!(model.step, Step::Name(_));
    if !model.manage && model.data.adding.is_none() && at_start {
        let checklist = prerequisites(model);
        if checklist.blocked() {
            model.screens.push(Screen::Prerequisites(checklist));
        }
    }
    Vec::new()
}

/// The prerequisites of the chosen formation type (the Task Center type before one is
/// chosen), checked on the landscape the wizard has.
fn prerequisites(model: &Model) -> doctor::Checklist {
    let data = &model.data;
    let catalog = data.catalog();
    let ftype = catalog
        .by_id(&data.plan.type_id)
        .or_else(|| catalog.by_id(crate::doctor::DEFAULT_TYPE));
    let Some(ftype) = ftype else {
        return doctor::Checklist::new("", Vec::new());
    };
    let checks = crate::doctor::checks(
        &data.landscape,
        ftype,
        catalog,
        &data.ctx.backend.target(),
        &data.source_flags,
    );
    doctor::Checklist::new(&ftype.name, checks)
}

/// The server's rules win over the built-in catalog: the checker is rebuilt on them and the
/// first screen says where they differ. Not while creating: that plan was checked already.
fn on_rules(model: &mut Model, catalog: Catalog, notes: Vec<String>) {
    if matches!(model.step, Step::Create(_)) {
        return;
    }
    model.data.ctx.catalog = catalog;
    model.data.availability = OnceCell::new();
    model.data.rebuild();
    model.notices.extend(
        notes
            .into_iter()
            .map(|message| Notice { message, fix: None }),
    );
}

/// Applies `--name/--type/--system` and says on the first screen what the landscape lacks.
fn apply_prefill(model: &mut Model) {
    let data = &mut model.data;
    let pre = &model.prefill;
    if let Some(finding) = rules::check_role(&data.landscape, &data.ctx.catalog) {
        model.notices.push(Notice {
            message: finding.message,
            fix: finding.fix,
        });
    }
    if let Some(key) = &pre.formation_type {
        match data.ctx.catalog.find(key) {
            Some(t) => {
                if let Availability::Unavailable(why) =
                    rules::availability(t, &data.landscape, &data.ctx.catalog)
                {
                    model.notices.push(Notice {
                        message: format!("{} cannot be completed in this landscape. {why}", t.name),
                        fix: Some(
                            "Fix the systems first, or choose another type in step 2.".into(),
                        ),
                    });
                }
                data.plan.type_id = t.id.clone();
            }
            None => model.notices.push(Notice {
                message: format!("\"{key}\" (from --type) is not a formation type."),
                fix: Some("Choose a type in step 2; `formation-wizard types` lists them.".into()),
            }),
        }
    }
    for id in &pre.systems {
        if data.landscape.system(id).is_some() {
            data.plan.add(id);
        } else {
            let meant = crate::plan::suggest_system(id, &data.landscape)
                .map(|s| format!(" Did you mean {s}?"))
                .unwrap_or_default();
            model.notices.push(Notice {
                message: format!("No system with the id \"{id}\" (from --system) exists.{meant}"),
                fix: Some("Choose the systems in step 3.".into()),
            });
        }
    }
    data.rebuild();
}

fn on_paste(model: &mut Model, text: &str) {
    if model.overlay.is_some() || model.too_small() {
        return;
    }
    // One-line fields: line breaks become spaces, and the user is told so.
    let one_line = one_line(text);
    if one_line != text && model.typing() {
        model.flash = Some("The pasted line breaks became spaces.".into());
    }
    let page = model.page();
    let mut cx = Cx {
        data: &mut model.data,
        page,
    };
    if let Some(panel) = &mut model.register {
        return panel.paste(&one_line, &mut cx);
    }
    match model.screens.last_mut() {
        Some(Screen::Wizard) | None => {
            with_step!(&mut model.step, c => c.paste(&one_line, &mut cx))
        }
        Some(screen) => with_screen!(screen, c => c.paste(&one_line, &mut cx), wizard => ()),
    }
}

/// `text` with each line break (CR, LF or CRLF) turned into one space.
fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\r', '\n'], " ")
}

fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char('c'))
}

/// Ctrl-C while a create or a change runs: it is stopped, not walked away from. The first
/// one lets the call in flight finish and undoes what was done; the runtime ends the app at
/// once on the second.
fn interrupt(model: &mut Model) -> Vec<Cmd> {
    model.interrupted = true;
    model.overlay = None;
    if let Step::Create(c) = &mut model.step {
        c.stopping();
    }
    model.flash = Some(
        "Stopping: the call in flight finishes, then what was done is undone. Ctrl-C again stops at once."
            .into(),
    );
    vec![Cmd::Interrupt]
}

/// After an interrupt, once every change has ended: the app ends with 130, saying what
/// the last one did (unless a step already chose the exit).
fn end_if_interrupted(model: &mut Model) {
    if model.interrupted && model.changes_in_flight == 0 && model.exit.is_none() {
        model.exit = Some(Exit {
            code: exit::CANCELLED,
            summary: None,
            message: Some(format!(
                "interrupted. {}",
                model.flash.clone().unwrap_or_default()
            )),
        });
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    if is_ctrl_c(&key) && model.changes_in_flight > 0 {
        return interrupt(model);
    }
    if model.too_small() {
        // Nothing the user cannot see may happen: only Ctrl-C acts (twice quits).
        if is_ctrl_c(&key) {
            match model.overlay {
                Some(Overlay::ConfirmQuit(_)) => quit(model),
                Some(Overlay::ConfirmCreate { .. }) => model.overlay = None,
                _ => request_quit(model),
            }
        }
        return Vec::new();
    }
    if let Some(overlay) = &model.overlay {
        return on_overlay_key(model, overlay.clone(), key);
    }
    model.flash = None;
    if is_ctrl_c(&key) {
        request_quit(model);
        return Vec::new();
    }
    match keys::lookup(&keys::global(model.typing()), &key) {
        Some(Global::Help) => {
            open_help(model);
            return Vec::new();
        }
        Some(Global::Quit) => {
            request_quit(model);
            return Vec::new();
        }
        None => {}
    }
    if key.code == KeyCode::Char('?')
        && matches!(model.step, Step::Name(_))
        && model.top_screen().is_none()
        && model.register.is_none()
    {
        // '?' can never be part of a valid name, so it opens the help even while typing;
        // there (where `d` is a letter) the help also lists the prerequisites.
        open_help(model);
        let first_time = model.load.loaded && model.data.adding.is_none() && !model.manage;
        model.help_checklist = first_time.then(|| prerequisites(model));
        return Vec::new();
    }
    if model.editing_from_review && key.code == KeyCode::Esc && matches!(model.step, Step::Name(_))
    {
        // Opened from Review with 1: Esc goes back there (the name is kept as typed).
        return apply(model, Outcome::Back);
    }
    let wizard_over_screen = model.screens.len() > 1;
    let at_start = matches!(model.step, Step::Name(_) | Step::Loading);
    if model.top_screen().is_none()
        && model.register.is_none()
        && wizard_over_screen
        && at_start
        && key.code == KeyCode::Esc
        && !model.editing_from_review
    {
        // The wizard started from Formations (n): Esc on its first step goes back there.
        model.screens.pop();
        return refresh_now(model);
    }
    let outcome = component_key(model, key);
    apply(model, outcome)
}

/// A key for the component on top: the Register panel, a management screen or the
/// wizard's step, through its own key table.
fn component_key(model: &mut Model, key: KeyEvent) -> Outcome {
    let page = model.page();
    let mut cx = Cx {
        data: &mut model.data,
        page,
    };
    if let Some(panel) = &mut model.register {
        return component::key(panel, key, &mut cx);
    }
    match model.screens.last_mut() {
        Some(Screen::Wizard) | None => {
            with_step!(&mut model.step, c => component::key(c, key, &mut cx))
        }
        Some(screen) => with_screen!(
            screen,
            c => component::key(c, key, &mut cx),
            wizard => Outcome::Handled
        ),
    }
}

fn open_help(model: &mut Model) {
    model.overlay = Some(Overlay::Help);
    model.help_scroll = 0;
    model.help_checklist = None;
}

fn on_overlay_key(model: &mut Model, overlay: Overlay, key: KeyEvent) -> Vec<Cmd> {
    let answer = keys::lookup(&overlay.bindings(), &key);
    match overlay {
        Overlay::Help => match answer {
            Some(Answer::Scroll(by)) if by < 0 => {
                model.help_scroll = model.help_scroll.saturating_sub(by.unsigned_abs());
            }
            Some(Answer::Scroll(by)) => {
                model.help_scroll = model.help_scroll.saturating_add(by.unsigned_abs());
            }
            Some(Answer::Top) => model.help_scroll = 0,
            Some(_) => model.overlay = None,
            None if is_ctrl_c(&key) => model.overlay = None,
            None => {}
        },
        // Keys that were on their way before the dialog showed: dropped, Ctrl-C included
        // (it cancels; the user has not seen what they would confirm).
        Overlay::ConfirmCreate { shown: false } => {
            if is_ctrl_c(&key) {
                model.overlay = None;
            }
        }
        Overlay::ConfirmCreate { shown: true } => {
            model.overlay = None;
            if answer == Some(Answer::Yes) {
                return apply(model, Outcome::Create);
            }
            model.flash = Some("Not created: only y confirms. Nothing was changed.".into());
        }
        Overlay::ConfirmQuit(_) => match answer {
            Some(Answer::Yes) => quit(model),
            None if is_ctrl_c(&key) => quit(model),
            Some(_) => model.overlay = None,
            None => {}
        },
    }
    Vec::new()
}

/// `q`/Ctrl-C: quits at once when nothing would be lost, asks otherwise.
fn request_quit(model: &mut Model) {
    match model.loss() {
        Some(question) => model.overlay = Some(Overlay::ConfirmQuit(question)),
        None => quit(model),
    }
}

fn quit(model: &mut Model) {
    model.overlay = None;
    if model.managing() && model.changes_in_flight > 0 {
        model.quit_when_done = true;
        model.flash = Some("Quitting once the change on its way has ended…".into());
        return;
    }
    model.exit = Some(match &model.step {
        _ if model.managing() || model.data.adding.is_some() => Exit {
            code: exit::OK,
            summary: None,
            message: None,
        },
        Step::Create(c) => c.exit_on_quit(&model.data),
        _ => Exit {
            code: exit::CANCELLED,
            summary: None,
            message: Some("Cancelled; nothing was created.".into()),
        },
    });
}

/// Moves between steps as a step's answer to a key asks.
fn apply(model: &mut Model, outcome: Outcome) -> Vec<Cmd> {
    match outcome {
        Outcome::Handled => Vec::new(),
        Outcome::Flash(text) => {
            model.flash = Some(text);
            Vec::new()
        }
        Outcome::Back if model.register.is_some() => {
            model.watching = model.register.take().and_then(|p| p.leaving());
            Vec::new()
        }
        Outcome::Back if matches!(model.top_screen(), Some(Screen::Prerequisites(_))) => {
            model.screens.pop();
            Vec::new()
        }
        Outcome::Back if model.managing() => back(model),
        Outcome::Next if model.data.adding.is_some() => finish_adding(model),
        Outcome::Back if model.data.adding.is_some() => {
            let cmds = leave_adding(model);
            model.flash = Some("Nothing was added.".into());
            cmds
        }
        // A step opened from Review (1/2/3) goes back to Review when it is done.
        Outcome::Next if model.editing_from_review => {
            goto(model, 4);
            Vec::new()
        }
        Outcome::Next => {
            goto(model, model.step.number() + 1);
            Vec::new()
        }
        Outcome::Back if model.editing_from_review => {
            goto(model, 4);
            Vec::new()
        }
        Outcome::Back => {
            goto(model, model.step.number().saturating_sub(1).max(1));
            Vec::new()
        }
        Outcome::Goto(n) => {
            model.editing_from_review = matches!(model.step, Step::Review(_)) && n < 4;
            goto(model, n);
            Vec::new()
        }
        Outcome::ChooseType(id) => {
            let dropped = model.data.set_type(&id);
            let back = model.editing_from_review && dropped.is_empty();
            goto(model, if back { 4 } else { 3 });
            if !dropped.is_empty() {
                model.flash = Some(dropped_notice(&model.data, &dropped));
            }
            Vec::new()
        }
        Outcome::ConfirmCreate | Outcome::Create if create_refused(&model.data).is_some() => {
            model.flash = create_refused(&model.data);
            Vec::new()
        }
        Outcome::ConfirmCreate => {
            model.overlay = Some(Overlay::ConfirmCreate { shown: false });
            Vec::new()
        }
        Outcome::Create => {
            model.step = Step::Create(create::CreateStep::new(&model.data.plan.name));
            model.changes_in_flight += 1;
            vec![Cmd::Create(model.data.plan.clone())]
        }
        Outcome::Run(cmds) => cmds,
        Outcome::Finish(exit) if model.screens.len() > 1 => {
            // Created from the Formations screen: back there, with the new formation listed.
            model.screens.pop();
            model.flash = exit.summary.or(exit.message);
            refresh_now(model)
        }
        Outcome::Finish(exit) => {
            model.exit = Some(exit);
            Vec::new()
        }
        Outcome::OpenFormation(id) => {
            // The wizard gives way to Formations (kept below it when opened with `manage`),
            // and the new formation opens once the list has been read again with it.
            model.screens.pop();
            if model.screens.is_empty() {
                let screen =
                    formations::Formations::new(&model.data.landscape, model.data.catalog());
                model.screens.push(Screen::Formations(screen));
            }
            model.open_after_refresh = Some(id);
            refresh_now(model)
        }
        Outcome::Register => {
            if let Step::Systems(s) = &model.step
                && let Some(c) = s.registrable(&model.data)
            {
                model.watching = None;
                model.register = Some(register::Panel::open(c, &model.data));
            }
            Vec::new()
        }
        Outcome::RegisterNew => {
            match register::Panel::new_system(&model.data) {
                Some(panel) => {
                    model.watching = None;
                    model.register = Some(panel);
                }
                None => {
                    model.flash =
                        Some("This formation type names no system type to register.".into());
                }
            }
            Vec::new()
        }
        Outcome::Prerequisites => {
            let checklist = prerequisites(model);
            model.screens.push(Screen::Prerequisites(checklist));
            Vec::new()
        }
        Outcome::Open(id) => open_formation(model, &id),
        Outcome::NewFormation => {
            model.data.plan = FormationPlan::default();
            model.data.rebuild();
            model.editing_from_review = false;
            model.screens.push(Screen::Wizard);
            goto(model, 1);
            Vec::new()
        }
        Outcome::AddSystems(id) => start_adding(model, &id),
        Outcome::Change(c) => change(model, c),
        Outcome::SystemSeen {
            system,
            added,
            then,
            say,
        } => {
            system_seen(model, *system, added);
            if say.is_some() {
                model.flash = say;
            }
            then
        }
    }
}

/// Why nothing may be created now, if so: a rule is broken, or the landscape shown is not
/// the whole fresh one yet.
fn create_refused(data: &Data) -> Option<String> {
    if !data.verdict.valid {
        return Some("Create is not available while a rule is broken.".into());
    }
    still_cached(data)
}

/// Opens the Systems step on `formation_id`, its members chosen (`screens::adding`).
fn start_adding(model: &mut Model, formation_id: &str) -> Vec<Cmd> {
    if let Err(why) = adding::start(&mut model.data, formation_id) {
        model.flash = Some(why);
        return Vec::new();
    }
    model.editing_from_review = false;
    model.step = Step::Systems(systems::SystemsStep::new(&model.data));
    model.screens.push(Screen::Wizard);
    Vec::new()
}

/// Enter while adding: the chosen systems go to the Formation screen's question.
fn finish_adding(model: &mut Model) -> Vec<Cmd> {
    let additions = match adding::chosen(&model.data) {
        Ok(additions) => additions,
        Err(why) => {
            model.flash = Some(why);
            return Vec::new();
        }
    };
    let name = model.data.adding.as_ref().map(|a| a.name.clone());
    let cmds = leave_adding(model);
    match model.screens.last_mut() {
        Some(Screen::Formation(f)) => f.ask_to_add(additions),
        // Read again meanwhile, the formation was gone (deleted elsewhere).
        _ => {
            model.flash = Some(format!(
                "\"{}\" is no longer in the landscape; nothing was added.",
                crate::text::neutralise(&name.unwrap_or_default())
            ));
        }
    }
    cmds
}

/// Takes the Systems step off the stack and puts the formation back into the landscape;
/// reads it again, since the server may have moved on meanwhile.
fn leave_adding(model: &mut Model) -> Vec<Cmd> {
    if adding::leave(&mut model.data).is_none() {
        return Vec::new();
    }
    if matches!(model.screens.last(), Some(Screen::Wizard)) {
        model.screens.pop();
    }
    model.step = Step::Name(name::NameStep::new(&model.data));
    refresh_now(model)
}

/// A system as read now, into the landscape: a new one is added (and the cursor goes to
/// it); a known one replaced, nothing being rebuilt (and the Systems step keeping its
/// cursor and filter) when it has not changed.
fn system_seen(model: &mut Model, system: crate::landscape::System, added: bool) {
    let id = system.id.clone();
    let here = match &model.step {
        Step::Systems(s) if !added => s.highlighted(&model.data).map(|c| c.id),
        _ => Some(id),
    };
    let changed = if added {
        model.data.add_system(system)
    } else {
        model.data.replace_system(system)
    };
    match changed {
        Ok(false) => return,
        Ok(true) => {}
        Err(e) => {
            model.flash = Some(format!("The new system cannot be shown: {e}"));
            return;
        }
    }
    // The row the cursor is on stays under it, wherever the new facts sort it.
    if let Step::Systems(s) = &mut model.step {
        s.relaid(&model.data, here.as_deref());
    }
}

/// "Changing the type removed Task Center EU (tc-eu): SAP Start does not take it."
fn dropped_notice(data: &Data, dropped: &[String]) -> String {
    let names: Vec<String> = dropped
        .iter()
        .map(|id| match data.landscape.system(id) {
            Some(s) => format!("{} ({id})", s.name),
            None => id.clone(),
        })
        .collect();
    let ty = data
        .catalog()
        .by_id(&data.plan.type_id)
        .map_or(data.plan.type_id.as_str(), |t| t.name.as_str());
    let it = if dropped.len() == 1 { "it" } else { "them" };
    crate::text::neutralise(&format!(
        "Changing the type removed {}: {ty} does not take {it}.",
        rules::join_or(&names, "and")
    ))
    .into_owned()
}

/// Opens step `n` (1 Name … 4 Review) with its state rebuilt from the plan.
pub fn goto(model: &mut Model, n: usize) {
    if n == 4 {
        model.editing_from_review = false;
    }
    if n >= 2 && !model.load.loaded && model.data.partial.is_none() {
        model.load.waiting_for = Some(n);
        model.step = Step::Loading;
        return;
    }
    model.load.waiting_for = None;
    let data = &model.data;
    model.step = match n {
        1 => Step::Name(name::NameStep::new(data)),
        2 => Step::Type(ftype::TypeStep::new(data)),
        3 if data.plan.type_id.is_empty() => {
            model.flash = Some("Choose a formation type first.".into());
            Step::Type(ftype::TypeStep::new(data))
        }
        3 => Step::Systems(systems::SystemsStep::new(data)),
        _ => Step::Review(review::ReviewStep::new(data)),
    };
}

/// Esc on a management screen: back to the one below. On the first screen there is nothing
/// to go back to, so Esc does not quit (q does), as the hint bar says.
fn back(model: &mut Model) -> Vec<Cmd> {
    if model.screens.len() > 1 {
        model.screens.pop();
        return ensure_poll(model);
    }
    model.flash = Some("This is the first screen: q quits.".into());
    Vec::new()
}

/// Pushes the Formation screen for `id` (Enter on the Formations screen).
fn open_formation(model: &mut Model, id: &str) -> Vec<Cmd> {
    push_formation(model, id);
    ensure_poll(model)
}

/// Pushes the Formation screen for `id` if the Formations screen lists it.
fn push_formation(model: &mut Model, id: &str) {
    let row = model.screens.iter().rev().find_map(|s| match s {
        Screen::Formations(f) => f.row(id).cloned(),
        _ => None,
    });
    if let Some(row) = row {
        // "the file …, global account …" or "tenant … on the Director at …".
        let target = super::target::sentence(&model.data)
            .trim_start_matches("in ")
            .to_owned();
        model
            .screens
            .push(Screen::Formation(formation::Formation::new(row, target)));
    }
}

/// Sends a confirmed change to the backend; the screen says so until the answer is in.
fn change(model: &mut Model, change: Change) -> Vec<Cmd> {
    if let Some(wait) = still_cached(&model.data) {
        model.flash = Some(wait);
        return Vec::new();
    }
    model.flash = Some(format!(
        "Sending to {}…",
        crate::text::neutralise(&model.data.ctx.source())
    ));
    model.changes_in_flight += 1;
    vec![Cmd::Change(change)]
}

fn on_changed(model: &mut Model, result: Result<crate::ops::ChangeOutcome, Failure>) -> Vec<Cmd> {
    model.flash = Some(match result {
        Ok(outcome) => outcome.line(),
        Err(f) => crate::text::neutralise_lines(&f.message),
    });
    // Also after a failure: part of it may have happened (a delete that unassigned some).
    refresh_now(model)
}

fn on_refreshed(
    model: &mut Model,
    generation: u64,
    result: Result<Box<Landscape>, Failure>,
) -> Vec<Cmd> {
    let latest = generation == model.refresh_generation;
    if latest {
        model.refreshing = false;
    }
    match result {
        Ok(landscape) => {
            let catalog = model.data.ctx.catalog.clone();
            refresh_screens(&mut model.screens, &landscape, &catalog);
            if let Some(id) = model.open_after_refresh.take() {
                push_formation(model, &id);
            }
            // The wizard keeps its own landscape while it is open (its plan was checked on it).
            if !matches!(model.screens.last(), Some(Screen::Wizard)) {
                model.data.set_landscape(*landscape);
            }
        }
        Err(f) => {
            model.flash = Some(format!(
                "Could not read the landscape again: {}",
                crate::text::neutralise(&f.message)
            ));
        }
    }
    if latest {
        ensure_poll(model)
    } else {
        Vec::new()
    }
}

/// Every management screen from a fresh landscape; a Formation screen whose formation is
/// gone (deleted) is taken off the stack.
fn refresh_screens(screens: &mut Vec<Screen>, landscape: &Landscape, catalog: &Catalog) {
    let mut rows = None;
    screens.retain_mut(|screen| match screen {
        Screen::Formations(f) => {
            f.refresh(landscape, catalog);
            rows = Some(f.clone());
            true
        }
        Screen::Formation(f) => match rows.as_ref().and_then(|r| r.row(f.id())) {
            Some(row) => {
                f.refresh(row.clone());
                true
            }
            None => false,
        },
        Screen::Wizard | Screen::Prerequisites(_) => true,
    });
}

/// Reads the landscape again at once (after a change), superseding any poll on its way.
pub(super) fn refresh_now(model: &mut Model) -> Vec<Cmd> {
    model.refresh_generation += 1;
    model.refreshing = true;
    vec![Cmd::Refresh {
        after: Duration::ZERO,
        generation: model.refresh_generation,
    }]
}

/// Schedules the next poll when the top screen shows something in progress and none is on
/// its way; nothing polls otherwise.
fn ensure_poll(model: &mut Model) -> Vec<Cmd> {
    if model.refreshing {
        return Vec::new();
    }
    match poll_after(&model.screens) {
        Some(after) => {
            model.refresh_generation += 1;
            model.refreshing = true;
            vec![Cmd::Refresh {
                after,
                generation: model.refresh_generation,
            }]
        }
        None => Vec::new(),
    }
}

#[cfg(test)]
#[path = "update_tests.rs"]
pub(crate) mod tests;
