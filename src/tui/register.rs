//! The Register panel of the Systems step: for a system refused for its scenario group or
//! its registration, request a registration token with the group the formation type's rule
//! needs, show it with its expiry and where it goes in SAP S/4HANA Cloud, copy it on request
//! (OSC 52), and watch the system until it is CONNECTED with the group; the row then turns
//! selectable. The token lives only in this panel: closing it drops the token, but the
//! system is still watched (`Watch`) until it is connected or the token has expired, since
//! the user typically closes the panel to paste the token in SAP S/4HANA Cloud.

use std::time::Duration;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use secrecy::ExposeSecret;

use super::app::{Cmd, Failure, Model, Step};
use super::input::TextInput;
use super::keys::{KeyHint, hint, more};
use crate::backend::registration::{self as reg, IssuedToken};
use crate::landscape::System;
use crate::ops::follow::Backoff;
use crate::rules::RuleKind;
use crate::text::neutralise;

/// How the panel looks at a system while someone pastes its token in SAP S/4HANA Cloud:
/// the one backoff every surface follows with (`ops::follow`), starting at a second and
/// never longer than ten between two looks, for the token's lifetime.
fn backoff() -> Backoff {
    crate::ops::Policy {
        first: Duration::from_secs(1),
        max: Duration::from_secs(10),
        timeout: Duration::MAX,
    }
    .backoff()
}

/// What the runtime tells the panel.
#[derive(Debug)]
pub enum RegisterMsg {
    Registered(Result<Box<System>, Failure>),
    TokenIssued(Result<IssuedToken, Failure>),
    SystemSeen(Result<Box<System>, Failure>),
}

#[derive(Debug)]
pub enum Stage {
    /// A system that is not in the list: its name and description, checked before sending.
    New(NewForm),
    Registering,
    /// Says what will happen; Enter requests the token.
    Intro,
    Requesting,
    /// The token, with the seconds it has left (as of the last tick).
    Token {
        issued: IssuedToken,
        left: i64,
    },
    /// The token ran out before the system used it: it is no longer shown.
    Expired,
    Failed(String),
}

/// A system still watched after its panel was closed with a token out: no token, only
/// what is needed to see it connect.
#[derive(Debug, Clone)]
pub struct Watch {
    system_id: String,
    system_name: String,
    groups: Vec<String>,
    backoff: Backoff,
    /// When the token expires: watching it any longer is pointless.
    until: time::OffsetDateTime,
}

#[derive(Debug, Default)]
pub struct NewForm {
    pub name: TextInput,
    pub description: TextInput,
    /// 0: name, 1: description.
    pub field: usize,
    pub error: Option<String>,
}

#[derive(Debug)]
pub struct Panel {
    pub system_id: String,
    pub system_name: String,
    pub system_type: String,
    pub groups: Vec<String>,
    pub stage: Stage,
    pub connected: bool,
    pub copied: bool,
    /// The pauses between two looks at the system.
    pub backoff: Backoff,
    /// `c` was pressed on a token with characters the panel shows neutralised: the
    /// clipboard would get what the screen does not show, so nothing was copied.
    pub copy_refused: bool,
    /// Connected, but these credentials cannot read its registration token: which group
    /// it was registered with is for the Director to check at create.
    pub unreadable: bool,
}

/// The highlighted system of the Systems step, if it is refused for its scenario group or
/// its registration (by the rules, or by the backend at the last create), or if its
/// registration is for the Director to decide: the only rows the panel opens on.
fn candidate(model: &Model) -> Option<crate::rules::Candidate> {
    let Step::Systems(s) = &model.step else {
        return None;
    };
    let c = s.highlighted(&model.data)?;
    let fixable = |f: &crate::rules::Finding| {
        matches!(
            f.rule,
            RuleKind::ScenarioGroup | RuleKind::RegistrationStatus
        )
    };
    let refused = model.data.refused(&c.id).is_some_and(fixable);
    let blocked = !c.selectable && c.blockers.iter().any(fixable);
    (blocked || refused || c.director_decides.is_some()).then_some(c)
}

pub fn can_open(model: &Model) -> bool {
    model.register.is_none() && !model.typing() && candidate(model).is_some()
}

/// The groups the formation type's rule requires of the system's type; the catalog's
/// usual ones when the type names none.
fn groups_for(model: &Model, system_type: &str) -> Vec<String> {
    let catalog = model.data.catalog();
    catalog
        .by_id(&model.data.plan.type_id)
        .and_then(|t| t.required_groups(system_type))
        .and_then(<[String]>::first)
        .map(|g| vec![g.clone()])
        .unwrap_or_else(|| reg::needed_groups(catalog, system_type))
}

/// `r` on a refused row opens the panel; nothing is requested yet.
pub fn open(model: &mut Model) -> bool {
    let Some(c) = candidate(model) else {
        return false;
    };
    let groups = groups_for(model, &c.system_type);
    model.watching = None;
    model.register = Some(Panel {
        system_id: c.id,
        system_name: c.name,
        system_type: c.system_type,
        groups,
        stage: Stage::Intro,
        connected: false,
        copied: false,
        backoff: backoff(),
        copy_refused: false,
        unreadable: false,
    });
    true
}

/// The system type a new system should have: the first type the formation type requires
/// that has no system that can be chosen; else the first it takes that registers with a
/// token; else the first it names.
fn needed_type(model: &Model) -> Option<String> {
    let data = &model.data;
    let catalog = data.catalog();
    let ftype = catalog.by_id(&data.plan.type_id)?;
    let checker = data.checker.as_ref()?;
    let named: Vec<&crate::catalog::AllowedType> = ftype
        .system_types
        .iter()
        .filter(|a| a.system_type != crate::catalog::ANY_OTHER_TYPE)
        .collect();
    let eligible = |t: &str| {
        data.table
            .order
            .iter()
            .map(|&i| checker.candidate(i, &data.landscape, catalog))
            .any(|c| c.system_type == t && c.selectable)
    };
    named
        .iter()
        .find(|a| a.min > 0 && !eligible(&a.system_type))
        .or_else(|| named.iter().find(|a| catalog.needs_token(&a.system_type)))
        .or_else(|| named.first())
        .map(|a| a.system_type.clone())
}

/// `a` on the Systems step: a new system of the needed type, entered in the panel.
pub fn open_new(model: &mut Model) -> bool {
    if model.register.is_some() || !matches!(model.step, Step::Systems(_)) {
        return false;
    }
    let Some(system_type) = needed_type(model) else {
        return false;
    };
    let groups = groups_for(model, &system_type);
    model.watching = None;
    model.register = Some(Panel {
        system_id: String::new(),
        system_name: String::new(),
        system_type,
        groups,
        stage: Stage::New(NewForm::default()),
        connected: false,
        copied: false,
        backoff: backoff(),
        copy_refused: false,
        unreadable: false,
    });
    true
}

/// Whether keys go into the new system's fields (where `q` is a letter).
pub fn typing(model: &Model) -> bool {
    model
        .register
        .as_ref()
        .is_some_and(|p| matches!(p.stage, Stage::New(_)))
}

fn form_key(panel: &mut Panel, key: KeyEvent, catalog: &crate::catalog::Catalog) -> Vec<Cmd> {
    let Stage::New(form) = &mut panel.stage else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Down | KeyCode::Up => {
            form.field = 1 - form.field;
            Vec::new()
        }
        KeyCode::Enter => {
            let description = form.description.value().trim();
            let new = reg::NewSystem {
                name: form.name.value().trim().to_owned(),
                system_type: panel.system_type.clone(),
                description: (!description.is_empty()).then(|| description.to_owned()),
            };
            if let Err(e) = new.check(catalog) {
                form.error = Some(e);
                return Vec::new();
            }
            panel.system_name = new.name.clone();
            panel.stage = Stage::Registering;
            vec![Cmd::RegisterSystem(new)]
        }
        _ => {
            let input = if form.field == 0 {
                &mut form.name
            } else {
                &mut form.description
            };
            input.handle(key);
            form.error = None;
            Vec::new()
        }
    }
}

pub fn key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    let catalog = model.data.catalog().clone();
    if let Some(panel) = &mut model.register
        && matches!(panel.stage, Stage::New(_))
        && key.code != KeyCode::Esc
    {
        return form_key(panel, key, &catalog);
    }
    let Some(panel) = &mut model.register else {
        return Vec::new();
    };
    match (key.code, &panel.stage) {
        (KeyCode::Esc, _) => {
            // Dropping the panel drops the token: it is shown nowhere else. The system is
            // still watched while the token is valid (the look already on its way goes on).
            if let (Stage::Token { left, .. }, false) = (&panel.stage, panel.connected) {
                model.watching = Some(Watch {
                    system_id: panel.system_id.clone(),
                    system_name: panel.system_name.clone(),
                    groups: panel.groups.clone(),
                    backoff: panel.backoff.clone(),
                    until: time::OffsetDateTime::now_utc() + time::Duration::seconds(*left),
                });
            }
            model.register = None;
            Vec::new()
        }
        (KeyCode::Enter, Stage::Intro | Stage::Failed(_))
        | (KeyCode::Char('n'), Stage::Token { .. } | Stage::Expired) => request(panel),
        (KeyCode::Char('c'), Stage::Token { issued, .. }) => {
            if copyable(issued.token.expose_secret()) {
                panel.copied = true;
                vec![Cmd::CopyToken]
            } else {
                panel.copy_refused = true;
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

fn request(panel: &mut Panel) -> Vec<Cmd> {
    panel.stage = Stage::Requesting;
    panel.copied = false;
    vec![Cmd::RequestToken {
        system_id: panel.system_id.clone(),
        groups: panel.groups.clone(),
    }]
}

pub fn on_msg(model: &mut Model, msg: RegisterMsg) -> Vec<Cmd> {
    let Some(panel) = &mut model.register else {
        // Closed meanwhile: a token in the answer is dropped; the system may still be
        // watched.
        return match msg {
            RegisterMsg::SystemSeen(seen) => watched(model, seen),
            _ => Vec::new(),
        };
    };
    match msg {
        RegisterMsg::Registered(Ok(system)) => {
            panel.system_id = system.id.clone();
            panel.system_name = system.name.clone();
            panel.stage = Stage::Intro;
            add_system(model, *system);
            Vec::new()
        }
        RegisterMsg::Registered(Err(f)) => {
            let mut form = NewForm {
                error: Some(f.message),
                ..NewForm::default()
            };
            form.name = TextInput::new(&panel.system_name);
            panel.stage = Stage::New(form);
            Vec::new()
        }
        RegisterMsg::TokenIssued(Ok(issued)) => {
            let left = issued
                .seconds_left(time::OffsetDateTime::now_utc())
                .unwrap_or(0);
            panel.stage = Stage::Token { issued, left };
            panel.backoff = backoff();
            vec![watch(panel)]
        }
        RegisterMsg::TokenIssued(Err(f)) => {
            panel.stage = Stage::Failed(f.message);
            Vec::new()
        }
        RegisterMsg::SystemSeen(Ok(system)) => seen(model, *system),
        // A failed look is retried later: the token stays valid meanwhile.
        RegisterMsg::SystemSeen(Err(_)) if !panel.connected => vec![watch(panel)],
        RegisterMsg::SystemSeen(Err(_)) => Vec::new(),
    }
}

fn watch(panel: &mut Panel) -> Cmd {
    look(&panel.system_id, &mut panel.backoff)
}

/// The next look at a system, after the backoff's next pause.
fn look(system_id: &str, backoff: &mut Backoff) -> Cmd {
    Cmd::WatchSystem {
        system_id: system_id.to_owned(),
        after: backoff.next_pause(),
    }
}

/// The system as it is now: put into the landscape (so the row's verdict follows), and
/// the wizard says so once it is connected with the group.
fn seen(model: &mut Model, system: System) -> Vec<Cmd> {
    let catalog = model.data.catalog().clone();
    let Some(panel) = &mut model.register else {
        return Vec::new();
    };
    if system.id != panel.system_id || panel.connected {
        return Vec::new();
    }
    let connected = reg::connected_with(&system, &panel.groups, &catalog);
    let mut cmds = Vec::new();
    if connected {
        panel.connected = true;
        panel.unreadable = unreadable(&system);
        // Its registration changed: the refusal of the last create no longer stands.
        model.data.forget_refusal_of(&system.id);
        model.flash = Some(if panel.unreadable {
            format!(
                "{} is connected; whether with {} the Director checks at create (these credentials cannot read its token).",
                neutralise(&system.name),
                panel.groups.join(", ")
            )
        } else {
            format!(
                "{} is connected with {} and can be selected now.",
                neutralise(&system.name),
                panel.groups.join(", ")
            )
        });
    } else if matches!(panel.stage, Stage::Token { .. }) {
        cmds.push(watch(panel));
    }
    replace_system(model, system);
    cmds
}

/// A look at the system watched after its panel was closed: it joins the landscape as it
/// is; once connected with the groups the wizard says so and watching ends, as it does
/// when the token has expired or a formation is being created (its plan is checked).
fn watched(model: &mut Model, seen: Result<Box<System>, Failure>) -> Vec<Cmd> {
    let Some(w) = &mut model.watching else {
        return Vec::new();
    };
    if matches!(model.step, Step::Create(_)) {
        model.watching = None;
        return Vec::new();
    }
    let now = time::OffsetDateTime::now_utc();
    let system = match seen {
        Ok(system) if system.id == w.system_id => *system,
        Ok(_) => return Vec::new(),
        // A failed look is tried again later, while the token is valid.
        Err(_) if now < w.until => return vec![next_look(w)],
        Err(_) => {
            model.watching = None;
            return Vec::new();
        }
    };
    let connected = reg::connected_with(&system, &w.groups, model.data.catalog());
    let cmds = if connected {
        model.data.forget_refusal_of(&system.id);
        // One line at 80 columns: the groups were in the panel.
        model.flash = Some(if unreadable(&system) {
            format!(
                "{} is connected; the Director checks its group at create.",
                neutralise(&w.system_name)
            )
        } else {
            format!(
                "{} is connected and can be selected now.",
                neutralise(&w.system_name)
            )
        });
        model.watching = None;
        Vec::new()
    } else if now < w.until {
        vec![next_look(w)]
    } else {
        model.watching = None;
        Vec::new()
    };
    replace_system(model, system);
    cmds
}

/// Whether these credentials cannot read the system's registration token: connected is
/// then all that can be seen, not the group it was registered with.
fn unreadable(system: &System) -> bool {
    system.token_unreadable && system.latest_token.is_none()
}

fn next_look(w: &mut Watch) -> Cmd {
    look(&w.system_id, &mut w.backoff)
}

/// A newly registered system joins the landscape (and the table) at once.
fn add_system(model: &mut Model, system: System) {
    let id = system.id.clone();
    let mut landscape = model.data.landscape.clone();
    landscape.systems.push(system);
    match crate::landscape::Landscape::from_parts(
        landscape.global_account.clone(),
        landscape.user.clone(),
        landscape.systems,
        landscape.formations,
        model.data.catalog(),
    ) {
        Ok(l) => model.data.set_landscape(l),
        Err(e) => model.flash = Some(format!("The new system cannot be shown: {e}")),
    }
    // The new system's row is the one the cursor goes to.
    if let Step::Systems(s) = &mut model.step {
        s.relaid(&model.data, Some(&id));
    }
}

/// The system as seen now, into the landscape; nothing is rebuilt (and the Systems step
/// keeps its cursor and filter) when it has not changed.
fn replace_system(model: &mut Model, system: System) {
    if model.data.landscape.system(&system.id) == Some(&system) {
        return;
    }
    let mut landscape = model.data.landscape.clone();
    let Some(slot) = landscape.systems.iter_mut().find(|s| s.id == system.id) else {
        return;
    };
    *slot = system;
    // The row the cursor is on stays under it, wherever the new facts sort it.
    let here = match &model.step {
        Step::Systems(s) => s.highlighted(&model.data).map(|c| c.id),
        _ => None,
    };
    model.data.set_landscape(landscape);
    if let Step::Systems(s) = &mut model.step {
        s.relaid(&model.data, here.as_deref());
    }
}

/// The countdown; an expired token is taken off the screen and can be renewed.
pub fn tick(model: &mut Model) {
    let Some(panel) = &mut model.register else {
        return;
    };
    if let Stage::Token { issued, left } = &mut panel.stage {
        *left = issued
            .seconds_left(time::OffsetDateTime::now_utc())
            .unwrap_or(0);
        if *left <= 0 && !panel.connected {
            panel.stage = Stage::Expired;
        }
    }
}

/// The token for OSC 52, only while the panel shows it, and only when what the panel shows
/// is the token itself: one with characters the panel neutralises is never copied, since
/// the clipboard would then hold something other than what the user saw.
pub fn token(model: &Model) -> Option<&str> {
    match &model.register.as_ref()?.stage {
        Stage::Token { issued, .. } => Some(issued.token.expose_secret()).filter(|t| copyable(t)),
        _ => None,
    }
}

/// Whether the panel shows `token` unchanged (no control, bidi or invisible characters).
fn copyable(token: &str) -> bool {
    matches!(neutralise(token), std::borrow::Cow::Borrowed(_))
}

/// The OSC 52 sequence that puts `text` on the clipboard: written by the program, on the
/// user's request, never from data.
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

pub fn commands(panel: &Panel) -> Vec<KeyHint> {
    let mut out = match &panel.stage {
        Stage::New(_) => vec![hint("Tab", "next field"), hint("Enter", "register")],
        Stage::Registering => Vec::new(),
        Stage::Intro => vec![hint("Enter", "request token")],
        Stage::Failed(_) => vec![hint("Enter", "try again")],
        Stage::Requesting => Vec::new(),
        Stage::Token { .. } => vec![hint("c", "copy"), hint("n", "new token")],
        Stage::Expired => vec![hint("n", "new token")],
    };
    out.push(hint("Esc", "close"));
    out.push(more(
        "Esc",
        "close the panel; the token is cleared from the screen",
    ));
    out
}

/// The panel's text; `width` is what a line holds inside its border.
fn lines(panel: &Panel, width: usize) -> Vec<Line<'static>> {
    let name = neutralise(&panel.system_name).into_owned();
    let groups = panel.groups.join(", ");
    let mut out: Vec<Line<'static>> = Vec::new();
    match &panel.stage {
        Stage::New(form) => {
            out.push(Line::from(format!(
                "Register a new system of type {}.",
                neutralise(&panel.system_type)
            )));
            out.push(Line::from(""));
            let mark = |i: usize| if form.field == i { "›" } else { " " };
            out.push(Line::from(format!(
                "{} Name:        {}",
                mark(0),
                form.name.window(50).0
            )));
            out.push(Line::from(format!(
                "{} Description: {}",
                mark(1),
                form.description.window(50).0
            )));
            out.push(Line::from(""));
            out.push(Line::from(format!(
                "Enter registers it; then a token with the group {groups} is requested."
            )));
            if let Some(e) = &form.error {
                out.push(Line::from(neutralise(e).into_owned()));
            }
        }
        Stage::Registering => out.push(Line::from(format!("Registering {name}…"))),
        Stage::Intro => {
            out.push(Line::from(format!(
                "A new registration token for {name}, with the group {groups}."
            )));
            out.push(Line::from(
                "It is shown here once; you enter it in SAP S/4HANA Cloud, and this panel",
            ));
            out.push(Line::from(
                "watches the system until it is connected with the group.",
            ));
            out.push(Line::from(
                "Enter requests it; Esc closes without a change.",
            ));
        }
        Stage::Requesting => out.push(Line::from("Requesting the token…")),
        Stage::Failed(m) => out.push(Line::from(format!(
            "The token could not be requested: {}",
            neutralise(m)
        ))),
        Stage::Expired => out.push(Line::from(
            "The token expired before the system used it. n requests a new one.",
        )),
        Stage::Token { issued, left } => {
            out.push(Line::from(format!(
                "Registration token for {name} ({groups}):"
            )));
            out.push(Line::from(""));
            let shown = neutralise(issued.token.expose_secret()).into_owned();
            // Wrapped over lines, a token selected with the mouse carries line breaks.
            let wrapped = crate::text::width(&shown) > width;
            out.push(Line::from(shown));
            out.push(Line::from(""));
            if wrapped {
                out.push(Line::from(format!(
                    "Wider than this window: c copies it whole; or Esc and `formation-wizard token {}` with the same --landscape or --director flags prints a new one on one line.",
                    neutralise(&panel.system_id)
                )));
            }
            out.push(Line::from(format!(
                "Expires in {}:{:02}{}",
                left.max(&0) / 60,
                left.max(&0) % 60,
                if panel.copied {
                    "   (copied)"
                } else if panel.copy_refused {
                    "   (not copied: it holds characters a terminal would act on)"
                } else {
                    ""
                }
            )));
            out.push(Line::from("In SAP S/4HANA Cloud:"));
            for (i, step) in reg::PASTE_STEPS.iter().enumerate() {
                out.push(Line::from(format!(" {}. {step}", i + 1)));
            }
            out.push(Line::from(if panel.connected && panel.unreadable {
                format!(
                    "{name} is connected. These credentials cannot read its token: whether with {groups} the Director checks at create."
                )
            } else if panel.connected {
                format!("{name} is connected: it can be selected now.")
            } else {
                format!("Waiting for {name} to be connected…")
            }));
        }
    }
    out
}

pub fn render(panel: &Panel, model: &Model, frame: &mut Frame, area: Rect) {
    let t = model.data.theme();
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Register ")
        .border_style(t.border());
    frame.render_widget(
        Paragraph::new(lines(panel, usize::from(area.width.saturating_sub(2))))
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
