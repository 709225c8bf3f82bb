//! The model of the app: the wizard's data and step, the screens on the stack, the open
//! panel and overlay, and what is in flight. `update` changes it; `view` draws it.

use std::time::Duration;

use super::component::{self, Component};
use super::data::{Context, Data, Notice, Prefill};
use super::keys::{self, Binding, KeyHint, bind, hint};
use super::msg::{Cmd, Exit};
use super::screens::doctor::Checklist;
use super::screens::formation::Formation;
use super::screens::formations::Formations;
use super::screens::register::{Panel, Watch};
use super::steps::{create, ftype, name, review, systems};
use ratatui::crossterm::event::KeyCode;

/// One screen of the wizard, each owning its own state.
pub enum Step {
    Loading,
    Name(name::NameStep),
    Type(ftype::TypeStep),
    Systems(systems::SystemsStep),
    Review(review::ReviewStep),
    Create(create::CreateStep),
}

/// Runs `$body` with `$c` bound to the component of the wizard's step `$step` (the
/// Loading step is stateless: a fresh one each time).
macro_rules! with_step {
    ($step:expr, $c:ident => $body:expr) => {
        match $step {
            $crate::tui::model::Step::Loading => {
                let $c = &mut $crate::tui::steps::loading::LoadingStep;
                $body
            }
            $crate::tui::model::Step::Name($c) => $body,
            $crate::tui::model::Step::Type($c) => $body,
            $crate::tui::model::Step::Systems($c) => $body,
            $crate::tui::model::Step::Review($c) => $body,
            $crate::tui::model::Step::Create($c) => $body,
        }
    };
}
pub(crate) use with_step;

/// Runs `$body` with `$c` bound to the component of the management screen `$screen`;
/// `$wizard` for the wizard's entry (its state is the model's step).
macro_rules! with_screen {
    ($screen:expr, $c:ident => $body:expr, wizard => $wizard:expr) => {
        match $screen {
            $crate::tui::model::Screen::Formations($c) => $body,
            $crate::tui::model::Screen::Formation($c) => $body,
            $crate::tui::model::Screen::Prerequisites($c) => $body,
            $crate::tui::model::Screen::Wizard => $wizard,
        }
    };
}
pub(crate) use with_screen;

impl Step {
    /// 1 Name … 4 Review, 5 Create; 0 while loading.
    pub fn number(&self) -> usize {
        match self {
            Step::Loading => 0,
            Step::Name(_) => 1,
            Step::Type(_) => 2,
            Step::Systems(_) => 3,
            Step::Review(_) => 4,
            Step::Create(_) => 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    ConfirmQuit(String),
    /// "Create … in …? y/n". `shown` turns true only once the runtime has drawn the dialog
    /// and discarded the keys that were already on their way (a burst of Enters, a paste):
    /// until then every key is dropped, so only a key pressed after reading it can confirm.
    ConfirmCreate {
        shown: bool,
    },
}

pub struct Model {
    pub data: Data,
    pub prefill: Prefill,
    pub step: Step,
    pub notices: Vec<Notice>,
    pub overlay: Option<Overlay>,
    /// A one-line answer to the last key (e.g. why a choice is refused).
    pub flash: Option<String>,
    pub size: (u16, u16),
    pub spinner: usize,
    pub exit: Option<Exit>,
    /// Lines the help overlay is scrolled down.
    pub help_scroll: u16,
    /// The prerequisites shown in the Name step's help (`?`), checked when it opened.
    pub help_checklist: Option<Checklist>,
    /// Set when a step was opened from Review (1/2/3): finishing it returns to Review.
    pub editing_from_review: bool,
    /// Background loading: whether the landscape is in, the progress so far (pages,
    /// systems), and the step the user asked for before it was.
    pub load: LoadState,
    /// The Register panel over the Systems step, while open.
    pub register: Option<Panel>,
    /// A system still watched after its Register panel was closed with a token out.
    pub watching: Option<Watch>,
    /// The screens, bottom first; the top one gets the keys and is drawn. The wizard opens
    /// on `[Wizard]`; `manage` on `[Formations]` once the landscape is in.
    pub screens: Vec<Screen>,
    /// Opened with `manage`: the Formations screen comes up when the landscape is in.
    pub manage: bool,
    /// The latest refresh asked for, and whether it is still on its way (one poll at a time).
    pub refresh_generation: u64,
    pub refreshing: bool,
    /// A formation to open once the list has been read again (just created: `o`).
    pub open_after_refresh: Option<String>,
    /// Creates and changes sent to the backend whose outcome is not in yet.
    pub changes_in_flight: usize,
    /// Ctrl-C was pressed while changes ran: once they have ended, the app ends (130).
    pub interrupted: bool,
    /// Quitting was confirmed while a change was on its way: the app ends (0) once every
    /// change has ended, with nothing undone.
    pub quit_when_done: bool,
}

/// The landscape loads in the background while the user types the name (a remote one may
/// take seconds); the steps that need it wait on a progress count.
#[derive(Debug, Clone, Default)]
pub struct LoadState {
    pub loaded: bool,
    /// The systems of the pages in so far (a Director's load, before the last page).
    pub rows: Vec<crate::landscape::System>,
    pub progress: Option<(usize, usize)>,
    pub waiting_for: Option<usize>,
}

impl Model {
    /// A wizard on its Name step at once; `init` gives the command that loads the
    /// landscape behind it.
    pub fn new(ctx: Context, prefill: Prefill, size: (u16, u16)) -> Model {
        let mut data = Data::new(ctx);
        if let Some(n) = &prefill.name {
            data.plan.name = n.clone();
        }
        let step = Step::Name(name::NameStep::new(&data));
        Model {
            data,
            prefill,
            step,
            load: LoadState::default(),
            notices: Vec::new(),
            overlay: None,
            flash: None,
            size,
            spinner: 0,
            exit: None,
            help_scroll: 0,
            help_checklist: None,
            editing_from_review: false,
            register: None,
            watching: None,
            screens: vec![Screen::Wizard],
            manage: false,
            refresh_generation: 0,
            refreshing: false,
            open_after_refresh: None,
            changes_in_flight: 0,
            interrupted: false,
            quit_when_done: false,
        }
    }

    /// `formation-wizard manage`: loads the landscape, then shows the Formations screen.
    pub fn manage(ctx: Context, size: (u16, u16)) -> Model {
        let mut model = Model::new(ctx, Prefill::default(), size);
        model.screens.clear();
        model.step = Step::Loading;
        model.manage = true;
        model
    }

    /// The screen on top, when it is not the wizard.
    pub fn top_screen(&self) -> Option<&Screen> {
        self.screens.last().filter(|s| !matches!(s, Screen::Wizard))
    }

    /// Whether a management screen (Formations, Formation) is on top: the wizard's
    /// choices are not what quitting would lose.
    pub fn managing(&self) -> bool {
        matches!(
            self.top_screen(),
            Some(Screen::Formations(_) | Screen::Formation(_))
        )
    }

    /// Whether the window is below the wizard's minimum size: only Ctrl-C acts then.
    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// Whether a create confirmation is open but not yet known to be on the screen: the
    /// runtime then drops the keys already read and answers `Msg::ConfirmShown`.
    pub fn confirmation_pending(&self) -> bool {
        matches!(self.overlay, Some(Overlay::ConfirmCreate { shown: false }))
    }

    pub fn init(&self) -> Vec<Cmd> {
        vec![Cmd::Load]
    }

    /// Whether background work is in flight (the spinner ticks only then).
    pub fn busy(&self) -> bool {
        if self.register.is_some() {
            return true; // the token's countdown
        }
        match &self.step {
            Step::Loading => true,
            Step::Create(c) => c.busy(),
            _ => false,
        }
    }

    /// Whether keys go into a text field, where `q` is a letter.
    pub fn typing(&self) -> bool {
        if let Some(panel) = &self.register {
            return panel.typing();
        }
        match self.top_screen() {
            Some(screen) => with_screen!(screen, c => c.typing(), wizard => false),
            None => with_step!(&self.step, c => c.typing()),
        }
    }

    /// The keys of the current screen: the overlay's, or the step's plus the global ones.
    pub fn commands(&self) -> Vec<KeyHint> {
        match &self.overlay {
            Some(overlay) => keys::hints(&overlay.bindings()),
            None => self.step_commands(),
        }
    }

    /// The keys of what is on top (a screen, the Register panel or the wizard's step) plus
    /// the global ones, whatever overlay is open: from the tables that handle them.
    pub fn step_commands(&self) -> Vec<KeyHint> {
        let data = &self.data;
        let mut out = if let Some(panel) = &self.register {
            component::hints(panel, data)
        } else {
            match self.top_screen() {
                Some(Screen::Formations(f)) if self.screens.len() == 1 => {
                    let mut keys = component::hints(f, data);
                    // The first screen: Esc has nothing to go back to.
                    keys.retain(|k| !(k.keys == "Esc" && k.action == "back"));
                    keys
                }
                Some(screen) => {
                    with_screen!(screen, c => component::hints(c, data), wizard => Vec::new())
                }
                None => with_step!(&self.step, c => component::hints(c, data)),
            }
        };
        out.extend(keys::hints(&keys::global(self.typing())));
        out
    }

    /// Rows a PageUp/PageDown moves: about one screen of list.
    pub fn page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(12)).max(1)
    }

    /// Why quitting now would lose something, if it would.
    pub(super) fn loss(&self) -> Option<String> {
        if self.managing() {
            // The management screens hold nothing unsaved: each change is sent at once.
            // One on its way is not walked away from without a word.
            return (self.changes_in_flight > 0).then(|| {
                "A change is still on its way: quit once it has ended? Nothing is undone.".into()
            });
        }
        if let Some(adding) = &self.data.adding {
            let chosen = self.data.plan.systems.len() > adding.members.len();
            return chosen
                .then(|| "Quit without adding the chosen systems? Nothing was sent yet.".into());
        }
        if let Step::Create(c) = &self.step {
            return c.loss();
        }
        let p = &self.data.plan;
        let started = !p.name.is_empty() || !p.type_id.is_empty() || !p.systems.is_empty();
        started.then(|| "Quit without creating the formation? Your choices will be lost.".into())
    }
}

/// One screen on the stack. The wizard's state lives in the model's `step` and `data`
/// (there is one wizard), so its entry carries nothing.
#[derive(Debug, Clone)]
pub enum Screen {
    Wizard,
    Formations(Formations),
    Formation(Formation),
    /// The prerequisites of the formation type (`crate::doctor`), over the wizard.
    Prerequisites(Checklist),
}

/// What a key does to the open overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Help: scroll by this many lines (up when negative), or to the top.
    Scroll(i16),
    Top,
    Close,
    Yes,
    No,
}

impl Overlay {
    /// The overlay's keys, as a table like every component's. Keys it does not name: the
    /// help and the quit question ignore them, the create confirmation takes them as no.
    pub fn bindings(&self) -> Vec<Binding<Answer>> {
        match self {
            Overlay::Help => vec![
                bind(
                    hint("Esc/?", "close help"),
                    &[
                        KeyCode::Esc,
                        KeyCode::Char('?'),
                        KeyCode::Char('q'),
                        KeyCode::Enter,
                    ],
                    Answer::Close,
                ),
                keys::bind_each(
                    keys::more("↑↓/jk PgUp/PgDn Home", "scroll"),
                    vec![
                        (KeyCode::Down, Answer::Scroll(1)),
                        (KeyCode::Char('j'), Answer::Scroll(1)),
                        (KeyCode::Up, Answer::Scroll(-1)),
                        (KeyCode::Char('k'), Answer::Scroll(-1)),
                        (KeyCode::PageDown, Answer::Scroll(5)),
                        (KeyCode::PageUp, Answer::Scroll(-5)),
                        (KeyCode::Home, Answer::Top),
                    ],
                ),
            ],
            Overlay::ConfirmQuit(_) => vec![
                bind(
                    hint("y", "quit"),
                    &[KeyCode::Char('y'), KeyCode::Char('Y'), KeyCode::Enter],
                    Answer::Yes,
                ),
                bind(
                    hint("n/Esc", "stay"),
                    &[
                        KeyCode::Char('n'),
                        KeyCode::Char('N'),
                        KeyCode::Esc,
                        KeyCode::Char('q'),
                    ],
                    Answer::No,
                ),
            ],
            Overlay::ConfirmCreate { .. } => vec![
                bind(
                    hint("y", "create"),
                    &[KeyCode::Char('y'), KeyCode::Char('Y')],
                    Answer::Yes,
                ),
                keys::note(hint("any other key", "cancel")),
            ],
        }
    }
}

/// How long to wait before reading the landscape again, if the top screen shows something
/// in progress; `None` when nothing shown is in progress (then nothing polls).
pub fn poll_after(stack: &[Screen]) -> Option<Duration> {
    let formations = stack.iter().rev().find_map(|s| match s {
        Screen::Formations(f) => Some(f),
        _ => None,
    })?;
    match stack.last()? {
        Screen::Formations(f) => f.poll_after(),
        Screen::Formation(f) if f.in_progress() => Some(formations.backoff()),
        _ => None,
    }
}

/// Below this the wizard shows only the "terminal too small" screen.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
