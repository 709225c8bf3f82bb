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

use crate::backend::registration::{self as reg, IssuedToken};
use crate::landscape::System;
use crate::ops::follow::Backoff;
use crate::rules::Candidate;
use crate::text::neutralise;
use crate::tui::component::{Component, Cx, Look, Outcome};
use crate::tui::data::Data;
use crate::tui::input::TextInput;
use crate::tui::keys::{Binding, bind, hint, more, note};
use crate::tui::msg::{Cmd, Failure, RegisterMsg};

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

/// The groups the formation type's rule requires of the system's type; the catalog's
/// usual ones when the type names none.
fn groups_for(data: &Data, system_type: &str) -> Vec<String> {
    let catalog = data.catalog();
    catalog
        .by_id(&data.plan.type_id)
        .and_then(|t| t.required_groups(system_type))
        .and_then(<[String]>::first)
        .map(|g| vec![g.clone()])
        .unwrap_or_else(|| reg::needed_groups(catalog, system_type))
}

/// The system type a new system should have: the first type the formation type requires
/// that has no system that can be chosen; else the first it takes that registers with a
/// token; else the first it names.
pub fn needed_type(data: &Data) -> Option<String> {
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

/// What the panel's keys do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Close the panel (the token goes from the screen).
    Close,
    /// Request a (new) token.
    Request,
    Copy,
    /// The new system's other field.
    Field,
    /// Register the new system.
    Register,
}

impl Panel {
    fn with(system_id: String, system_name: String, system_type: String, data: &Data) -> Panel {
        Panel {
            groups: groups_for(data, &system_type),
            system_id,
            system_name,
            system_type,
            stage: Stage::Intro,
            connected: false,
            copied: false,
            backoff: backoff(),
            copy_refused: false,
            unreadable: false,
        }
    }

    /// `r` on a row the panel can fix (`SystemsStep::registrable`): nothing is requested yet.
    pub fn open(candidate: Candidate, data: &Data) -> Panel {
        Panel::with(candidate.id, candidate.name, candidate.system_type, data)
    }

    /// `a` on the Systems step: a new system of the needed type, entered in the panel.
    pub fn new_system(data: &Data) -> Option<Panel> {
        let system_type = needed_type(data)?;
        let mut panel = Panel::with(String::new(), String::new(), system_type, data);
        panel.stage = Stage::New(NewForm::default());
        Some(panel)
    }

    /// Closing drops the token: it is shown nowhere else. The system is still watched while
    /// the token is valid (the look already on its way goes on): what to watch, if so.
    pub fn leaving(&self) -> Option<Watch> {
        match (&self.stage, self.connected) {
            (Stage::Token { left, .. }, false) => Some(Watch {
                system_id: self.system_id.clone(),
                system_name: self.system_name.clone(),
                groups: self.groups.clone(),
                backoff: self.backoff.clone(),
                until: time::OffsetDateTime::now_utc() + time::Duration::seconds(*left),
            }),
            _ => None,
        }
    }

    fn register(&mut self, catalog: &crate::catalog::Catalog) -> Outcome {
        let Stage::New(form) = &mut self.stage else {
            return Outcome::Handled;
        };
        let description = form.description.value().trim();
        let new = reg::NewSystem {
            name: form.name.value().trim().to_owned(),
            system_type: self.system_type.clone(),
            description: (!description.is_empty()).then(|| description.to_owned()),
        };
        if let Err(e) = new.check(catalog) {
            form.error = Some(e);
            return Outcome::Handled;
        }
        self.system_name = new.name.clone();
        self.stage = Stage::Registering;
        Outcome::Run(vec![Cmd::RegisterSystem(new)])
    }

    fn request(&mut self) -> Outcome {
        self.stage = Stage::Requesting;
        self.copied = false;
        Outcome::Run(vec![Cmd::RequestToken {
            system_id: self.system_id.clone(),
            groups: self.groups.clone(),
        }])
    }

    fn watch(&mut self) -> Cmd {
        look(&self.system_id, &mut self.backoff)
    }

    /// What the runtime tells the panel: a system registered, a token issued, a look at the
    /// system.
    pub fn on_msg(&mut self, msg: RegisterMsg, data: &mut Data) -> Outcome {
        match msg {
            RegisterMsg::Registered(Ok(system)) => {
                self.system_id = system.id.clone();
                self.system_name = system.name.clone();
                self.stage = Stage::Intro;
                Outcome::SystemSeen {
                    system,
                    added: true,
                    then: Vec::new(),
                    say: None,
                }
            }
            RegisterMsg::Registered(Err(f)) => {
                let mut form = NewForm {
                    error: Some(f.message),
                    ..NewForm::default()
                };
                form.name = TextInput::new(&self.system_name);
                self.stage = Stage::New(form);
                Outcome::Handled
            }
            RegisterMsg::TokenIssued(Ok(issued)) => {
                let left = issued
                    .seconds_left(time::OffsetDateTime::now_utc())
                    .unwrap_or(0);
                self.stage = Stage::Token { issued, left };
                self.backoff = backoff();
                Outcome::Run(vec![self.watch()])
            }
            RegisterMsg::TokenIssued(Err(f)) => {
                self.stage = Stage::Failed(f.message);
                Outcome::Handled
            }
            RegisterMsg::SystemSeen(Ok(system)) => self.seen(*system, data),
            // A failed look is retried later: the token stays valid meanwhile.
            RegisterMsg::SystemSeen(Err(_)) if !self.connected => Outcome::Run(vec![self.watch()]),
            RegisterMsg::SystemSeen(Err(_)) => Outcome::Handled,
        }
    }

    /// The system as it is now: into the landscape (so the row's verdict follows), and the
    /// wizard says so once it is connected with the group.
    fn seen(&mut self, system: System, data: &mut Data) -> Outcome {
        if system.id != self.system_id || self.connected {
            return Outcome::Handled;
        }
        let connected = reg::connected_with(&system, &self.groups, data.catalog());
        let mut then = Vec::new();
        let mut say = None;
        if connected {
            self.connected = true;
            self.unreadable = unreadable(&system);
            // Its registration changed: the refusal of the last create no longer stands.
            data.forget_refusal_of(&system.id);
            say = Some(if self.unreadable {
                format!(
                    "{} is connected; whether with {} the Director checks at create (these credentials cannot read its token).",
                    neutralise(&system.name),
                    self.groups.join(", ")
                )
            } else {
                format!(
                    "{} is connected with {} and can be selected now.",
                    neutralise(&system.name),
                    self.groups.join(", ")
                )
            });
        } else if matches!(self.stage, Stage::Token { .. }) {
            then.push(self.watch());
        }
        Outcome::SystemSeen {
            system: Box::new(system),
            added: false,
            then,
            say,
        }
    }

    /// The countdown; an expired token is taken off the screen and can be renewed.
    pub fn tick(&mut self) {
        if let Stage::Token { issued, left } = &mut self.stage {
            *left = issued
                .seconds_left(time::OffsetDateTime::now_utc())
                .unwrap_or(0);
            if *left <= 0 && !self.connected {
                self.stage = Stage::Expired;
            }
        }
    }

    /// The token for OSC 52, only while the panel shows it, and only when what the panel
    /// shows is the token itself: one with characters the panel neutralises is never
    /// copied, since the clipboard would then hold something other than what the user saw.
    pub fn token(&self) -> Option<&str> {
        match &self.stage {
            Stage::Token { issued, .. } => {
                Some(issued.token.expose_secret()).filter(|t| copyable(t))
            }
            _ => None,
        }
    }
}

/// The next look at a system, after the backoff's next pause.
fn look(system_id: &str, backoff: &mut Backoff) -> Cmd {
    Cmd::WatchSystem {
        system_id: system_id.to_owned(),
        after: backoff.next_pause(),
    }
}

/// A look at the system watched after its panel was closed: it joins the landscape as it
/// is; once connected with the groups the wizard says so and watching ends, as it does
/// when the token has expired (`watch` is then `None`).
pub fn watched(
    watch: &mut Option<Watch>,
    seen: Result<Box<System>, Failure>,
    data: &mut Data,
) -> Outcome {
    let Some(w) = watch else {
        return Outcome::Handled;
    };
    let now = time::OffsetDateTime::now_utc();
    let system = match seen {
        Ok(system) if system.id == w.system_id => system,
        Ok(_) => return Outcome::Handled,
        // A failed look is tried again later, while the token is valid.
        Err(_) if now < w.until => return Outcome::Run(vec![next_look(w)]),
        Err(_) => {
            *watch = None;
            return Outcome::Handled;
        }
    };
    let connected = reg::connected_with(&system, &w.groups, data.catalog());
    let mut say = None;
    let then = if connected {
        data.forget_refusal_of(&system.id);
        // One line at 80 columns: the groups were in the panel.
        say = Some(if unreadable(&system) {
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
        *watch = None;
        Vec::new()
    } else if now < w.until {
        vec![next_look(w)]
    } else {
        *watch = None;
        Vec::new()
    };
    Outcome::SystemSeen {
        system,
        added: false,
        then,
        say,
    }
}

/// Whether these credentials cannot read the system's registration token: connected is
/// then all that can be seen, not the group it was registered with.
fn unreadable(system: &System) -> bool {
    system.token_unreadable && system.latest_token.is_none()
}

fn next_look(w: &mut Watch) -> Cmd {
    look(&w.system_id, &mut w.backoff)
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

impl Component for Panel {
    type Action = Action;

    fn bindings(&self, _data: &Data) -> Vec<Binding<Action>> {
        let mut out = match &self.stage {
            Stage::New(_) => vec![
                bind(
                    hint("Tab", "next field"),
                    &[KeyCode::Tab, KeyCode::BackTab, KeyCode::Down, KeyCode::Up],
                    Action::Field,
                ),
                bind(
                    hint("Enter", "register"),
                    &[KeyCode::Enter],
                    Action::Register,
                ),
            ],
            Stage::Intro => vec![bind(
                hint("Enter", "request token"),
                &[KeyCode::Enter],
                Action::Request,
            )],
            Stage::Failed(_) => vec![bind(
                hint("Enter", "try again"),
                &[KeyCode::Enter],
                Action::Request,
            )],
            Stage::Token { .. } => vec![
                bind(hint("c", "copy"), &[KeyCode::Char('c')], Action::Copy),
                bind(
                    hint("n", "new token"),
                    &[KeyCode::Char('n')],
                    Action::Request,
                ),
            ],
            Stage::Expired => vec![bind(
                hint("n", "new token"),
                &[KeyCode::Char('n')],
                Action::Request,
            )],
            Stage::Registering | Stage::Requesting => Vec::new(),
        };
        out.push(bind(hint("Esc", "close"), &[KeyCode::Esc], Action::Close));
        out.push(note(more(
            "Esc",
            "close the panel; the token is cleared from the screen",
        )));
        out
    }

    fn update(&mut self, action: Action, cx: &mut Cx<'_>) -> Outcome {
        match action {
            Action::Close => Outcome::Back,
            Action::Request => self.request(),
            Action::Copy => {
                let Stage::Token { issued, .. } = &self.stage else {
                    return Outcome::Handled;
                };
                if copyable(issued.token.expose_secret()) {
                    self.copied = true;
                    Outcome::Run(vec![Cmd::CopyToken])
                } else {
                    self.copy_refused = true;
                    Outcome::Handled
                }
            }
            Action::Field => {
                if let Stage::New(form) = &mut self.stage {
                    form.field = 1 - form.field;
                }
                Outcome::Handled
            }
            Action::Register => self.register(cx.data.catalog()),
        }
    }

    /// In the new system's form, the other keys are typed into the field.
    fn input(&mut self, key: KeyEvent, _cx: &mut Cx<'_>) -> Outcome {
        if let Stage::New(form) = &mut self.stage {
            let input = if form.field == 0 {
                &mut form.name
            } else {
                &mut form.description
            };
            input.handle(key);
            form.error = None;
        }
        Outcome::Handled
    }

    fn typing(&self) -> bool {
        matches!(self.stage, Stage::New(_))
    }

    fn draw(&self, look: &Look<'_>, frame: &mut Frame, area: Rect) {
        let t = look.data.theme();
        frame.render_widget(Clear, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(" Register ")
            .border_style(t.border());
        frame.render_widget(
            Paragraph::new(lines(self, usize::from(area.width.saturating_sub(2))))
                .block(block)
                .wrap(Wrap { trim: false }),
            area,
        );
    }
}
