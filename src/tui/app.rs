//! The wizard as The Elm Architecture: a `Model`, the `Msg`s that change it, a pure
//! `update` that returns `Cmd`s for the runtime to execute. Nothing here does I/O: the
//! runtime (`tui::mod`) turns terminal events and finished work into `Msg`s.

use std::cell::OnceCell;
use std::sync::Arc;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keys::{self, KeyHint};
use super::screens::{doctor, formation, formations};
use super::stack::{self, Change, Screen};
use super::steps::{Outcome, create, ftype, name, review, systems};
use super::theme::Theme;
use crate::backend::{Backend, BackendError, BackendEvent};
use crate::catalog::Catalog;
use crate::error::exit;
use crate::landscape::Landscape;
use crate::plan::FormationPlan;
use crate::rules::{self, Availability, Candidate, Checker, Verdict};
use crate::tui::filter::SearchIndex;

/// What does not change while the wizard runs.
pub struct Context {
    pub catalog: Catalog,
    /// Only for what it says about itself (source, demo, planned calls): `update` never
    /// calls into it; the runtime does, for the commands.
    pub backend: Arc<dyn Backend>,
    pub theme: Theme,
}

impl Context {
    pub fn source(&self) -> String {
        self.backend.describe()
    }
}

/// What the command line pre-filled.
#[derive(Debug, Clone, Default)]
pub struct Prefill {
    pub name: Option<String>,
    pub formation_type: Option<String>,
    pub systems: Vec<String>,
}

/// The landscape, the plan being built and the rule engine's verdict on it.
///
/// The plan's selection is mirrored in an incremental `rules::Checker`, so that a toggle
/// costs O(selected) and a row's verdict O(1) at any landscape size (issue 5); the full
/// `Report` over every candidate is never built here.
pub struct Data {
    pub ctx: Context,
    pub landscape: Landscape,
    pub plan: FormationPlan,
    /// The verdict on the plan: violations, warnings, what creating enables.
    pub verdict: Verdict,
    /// The plan's type over this landscape, with the plan's selection; `None` while no
    /// (known) type is chosen.
    pub checker: Option<Checker>,
    /// The checker's candidates as searchable text, for the Systems step's filter, in
    /// the order of `table` (a match is a display position).
    pub search: SearchIndex,
    /// The Systems step's rows in display order and its columns' natural widths.
    pub table: crate::tui::candidates::Table,
    /// Per catalog type, whether it can be completed here: worked out once per landscape,
    /// when the Type step first asks.
    availability: OnceCell<Vec<Availability>>,
    /// Set while the Systems step adds systems to an existing formation (the Formation
    /// screen's `a`) instead of building a new one.
    pub adding: Option<super::adding::Adding>,
    /// How the user named this landscape on the command line, for advice they can paste.
    pub source_flags: String,
    /// What the backend refused at the last create that the rules could not see coming
    /// (a registration the credentials cannot read): kept on the rows it names, and in the
    /// verdict while the plan is the one refused.
    pub refusal: Option<ServerRefusal>,
    /// How many systems of how many are in, while a Director's pages still arrive: the
    /// steps show them, the verdicts are not final and nothing is created until all are.
    pub partial: Option<(usize, usize)>,
    /// When the landscape shown was read ("14:02 UTC") while it is the cached one (`crate::cache`) and
    /// the fresh read is still on its way: nothing is created or changed until it is in.
    pub cached: Option<String>,
}

/// The backend's refusal of a plan, in its own words (line breaks kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerRefusal {
    /// The plan that was refused.
    pub plan: FormationPlan,
    /// The backend's findings the rule engine did not make itself.
    pub findings: Vec<rules::Finding>,
}

impl ServerRefusal {
    /// Whether `plan` is the plan that was refused: the same name, type and systems (in
    /// any order).
    pub fn is_for(&self, plan: &FormationPlan) -> bool {
        let sorted = |p: &FormationPlan| {
            let mut v = p.systems.clone();
            v.sort();
            v
        };
        self.plan.name == plan.name
            && self.plan.type_id == plan.type_id
            && sorted(&self.plan) == sorted(plan)
    }
}

impl Data {
    fn new(ctx: Context) -> Data {
        Data {
            ctx,
            landscape: Landscape::default(),
            plan: FormationPlan::default(),
            verdict: Verdict::default(),
            checker: None,
            search: SearchIndex::default(),
            table: crate::tui::candidates::Table::default(),
            availability: OnceCell::new(),
            adding: None,
            source_flags: String::new(),
            refusal: None,
            cached: None,
            partial: None,
        }
    }

    /// Asks the rule engine again after the name changed: O(selected). While the plan is
    /// the one the backend refused, its refusal stays in the verdict: the engine alone
    /// would call it ready again (it could not read what the backend read).
    pub fn reevaluate(&mut self) {
        self.verdict = match &self.checker {
            Some(c) => c.verdict(&self.plan.name, &self.landscape, &self.ctx.catalog),
            // No known type: no candidates to go through.
            None => rules::evaluate(&self.plan, &self.landscape, &self.ctx.catalog).into(),
        };
        if let Some(r) = self.refusal.as_ref().filter(|r| r.is_for(&self.plan)) {
            self.verdict.valid = false;
            let own = std::mem::take(&mut self.verdict.violations);
            self.verdict.violations = r.findings.iter().cloned().chain(own).collect();
        }
    }

    /// The backend refused `report` at create: what in it the rule engine does not say on
    /// the landscape as it is now is the backend's own, and is kept (see `refusal`).
    pub fn keep_refusal(&mut self, report: &rules::Report) {
        let own = match &self.checker {
            Some(c) => c.verdict(&self.plan.name, &self.landscape, &self.ctx.catalog),
            None => rules::evaluate(&self.plan, &self.landscape, &self.ctx.catalog).into(),
        };
        let findings: Vec<rules::Finding> = report
            .violations
            .iter()
            .filter(|v| !own.violations.contains(v))
            .cloned()
            .collect();
        self.refusal = (!findings.is_empty()).then(|| ServerRefusal {
            plan: self.plan.clone(),
            findings,
        });
        self.reevaluate();
    }

    /// The selected systems whose registration the Director decides when they are
    /// assigned (the credentials cannot read it), each with the rule engine's warning
    /// (those it refused at the last create too). O(selected).
    pub fn director_decides(&self) -> Vec<(&crate::landscape::System, rules::Finding)> {
        let Some(c) = &self.checker else {
            return Vec::new();
        };
        self.plan
            .systems
            .iter()
            .filter_map(|id| {
                let pos = self.landscape.position(id)?;
                let i = c.index_of(pos)?;
                if !c.director_decides(i) {
                    return None;
                }
                let finding = c
                    .candidate(i, &self.landscape, &self.ctx.catalog)
                    .director_decides?;
                Some((&self.landscape.systems[pos], finding))
            })
            .collect()
    }

    /// The backend's refusal of the system `id` at the last create, if it refused it.
    pub fn refused(&self, id: &str) -> Option<&rules::Finding> {
        self.refusal
            .as_ref()?
            .findings
            .iter()
            .find(|f| f.touches(id))
    }

    /// The system `id` was read again (its registration may have changed): the backend's
    /// refusal of it no longer stands.
    pub fn forget_refusal_of(&mut self, id: &str) {
        let Some(r) = &mut self.refusal else {
            return;
        };
        let before = r.findings.len();
        r.findings.retain(|f| !f.touches(id));
        if r.findings.len() == before {
            return;
        }
        if r.findings.is_empty() {
            self.refusal = None;
        }
        self.reevaluate();
    }

    /// Rebuilds the checker and the search text from the plan: O(systems), after the type
    /// or the landscape changed.
    pub(crate) fn rebuild(&mut self) {
        let checker = Checker::new(&self.plan.type_id, &self.landscape, &self.ctx.catalog);
        self.install(checker);
    }

    /// Takes a fresh checker for the plan's type: selects the plan's systems in it and
    /// indexes its candidates for the filter.
    fn install(&mut self, mut checker: Option<Checker>) {
        let (landscape, catalog) = (&self.landscape, &self.ctx.catalog);
        self.search = SearchIndex::default();
        self.table = crate::tui::candidates::Table::default();
        if let Some(c) = &mut checker {
            for id in &self.plan.systems {
                c.set(landscape, catalog, id, true);
            }
            let built = crate::tui::candidates::build(c, landscape, |pos| self.cells(pos));
            (self.table, self.search) = built;
        }
        self.checker = checker;
        self.reevaluate();
    }

    /// A new landscape (loaded, or read again after a refusal).
    pub fn set_landscape(&mut self, landscape: Landscape) {
        self.landscape = landscape;
        self.availability = OnceCell::new();
        self.rebuild();
    }

    /// Selects or deselects a system: O(selected).
    pub fn toggle(&mut self, id: &str) {
        self.plan.toggle(id);
        if let Some(c) = &mut self.checker {
            c.toggle(&self.landscape, &self.ctx.catalog, id);
        }
        self.reevaluate();
    }

    /// The shown values of the system at landscape position `pos`; while adding, the
    /// formation's members name it among their formations (the checked landscape leaves
    /// it out).
    pub fn cells(&self, pos: usize) -> [String; 5] {
        let also_in = self
            .adding
            .as_ref()
            .filter(|a| a.is_member(&self.landscape.systems[pos].id))
            .map(|a| a.name.as_str());
        crate::tui::candidates::cells(&self.landscape, &self.ctx.catalog, pos, also_in)
    }

    /// Candidate `id` with its verdict spelled out, if the plan's type takes it.
    pub fn candidate(&self, id: &str) -> Option<Candidate> {
        let c = self.checker.as_ref()?;
        let i = c.index_of(self.landscape.position(id)?)?;
        Some(c.candidate(i, &self.landscape, &self.ctx.catalog))
    }

    /// Per catalog type, whether it can be completed in this landscape.
    pub fn availability(&self) -> &[Availability] {
        self.availability.get_or_init(|| {
            let catalog = &self.ctx.catalog;
            catalog
                .formation_types
                .iter()
                .map(|t| rules::availability(t, &self.landscape, catalog))
                .collect()
        })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.ctx.catalog
    }

    pub fn theme(&self) -> &Theme {
        &self.ctx.theme
    }

    /// Sets the formation type; keeps only the selected systems the new type takes (the
    /// engine's candidates), so that a change of type does not carry over foreign systems.
    /// Returns the ids of the systems it dropped, for the user to be told.
    pub fn set_type(&mut self, type_id: &str) -> Vec<String> {
        if self.plan.type_id == type_id {
            return Vec::new();
        }
        self.plan.type_id = type_id.to_owned();
        let checker = Checker::new(type_id, &self.landscape, &self.ctx.catalog);
        let landscape = &self.landscape;
        let (kept, dropped) = std::mem::take(&mut self.plan.systems)
            .into_iter()
            .partition(|id| {
                let pos = landscape.position(id);
                let c = checker.as_ref();
                pos.zip(c).and_then(|(p, c)| c.index_of(p)).is_some()
            });
        self.plan.systems = kept;
        self.install(checker);
        dropped
    }
}

/// One screen of the wizard, each owning its own state.
pub enum Step {
    Loading,
    Name(name::NameStep),
    Type(ftype::TypeStep),
    Systems(systems::SystemsStep),
    Review(review::ReviewStep),
    Create(create::CreateStep),
}

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

/// Something the landscape lacks, said before step 1 so nobody finds out at step 3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub message: String,
    pub fix: Option<String>,
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

/// How the wizard ends: the exit code and what to print once the terminal is restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    pub code: u8,
    /// For stdout (a summary of what was created).
    pub summary: Option<String>,
    /// For stderr.
    pub message: Option<String>,
}

/// A failed piece of background work, as the user will read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl From<BackendError> for Failure {
    fn from(e: BackendError) -> Self {
        Failure {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The spinner's beat while work is in flight.
    Tick,
    Loaded(Result<Box<Landscape>, Failure>),
    /// The last landscape read from this Director (`crate::cache`), shown until the fresh
    /// one is in; with when it was read ("14:02 UTC").
    Cached(Box<Landscape>, String),
    /// The backend's own rules (a Director's formation templates) laid over the catalog,
    /// with a note for each difference.
    Rules(Box<Catalog>, Vec<String>),
    Progress(BackendEvent),
    /// The operations layer's create ended (created whole, refused, or undone).
    Created(Result<crate::ops::CreateOutcome, Failure>),
    /// The runtime drew the create confirmation and dropped the keys read before it.
    ConfirmShown,
    /// A token requested or a system watched from the Register panel.
    Register(super::register::RegisterMsg),
    /// A change asked for on the Formation screen ended: what happened to each system.
    Changed(Change, Result<crate::ops::ChangeOutcome, Failure>),
    /// The landscape read again for the management screens, with the generation of the
    /// `Cmd::Refresh` that asked (only the latest one schedules the next poll).
    Refreshed(u64, Result<Box<Landscape>, Failure>),
}

/// Work for the runtime; each comes back as a `Msg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    Load,
    Create(FormationPlan),
    /// Ctrl-C while a change runs: the runtime tells the operation to stop (the first
    /// time: finish the call in flight and undo) or ends at once (the second time).
    Interrupt,
    /// Request a registration token (Register panel).
    RequestToken {
        system_id: String,
        groups: Vec<String>,
    },
    /// Read one system again after a pause (Register panel).
    WatchSystem {
        system_id: String,
        after: Duration,
    },
    /// Copy the Register panel's token with OSC 52 (the runtime reads it from the model).
    CopyToken,
    /// Register a new system (Register panel).
    RegisterSystem(crate::backend::registration::NewSystem),
    /// A change to an existing formation (the Formation screen's actions).
    Change(Change),
    /// Read the landscape again after `after`, for the management screens.
    Refresh {
        after: Duration,
        generation: u64,
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
    pub help_checklist: Option<doctor::Checklist>,
    /// Set when a step was opened from Review (1/2/3): finishing it returns to Review.
    pub editing_from_review: bool,
    /// Background loading: whether the landscape is in, the progress so far (pages,
    /// systems), and the step the user asked for before it was.
    pub load: LoadState,
    /// The Register panel over the Systems step, while open.
    pub register: Option<super::register::Panel>,
    /// A system still watched after its Register panel was closed with a token out.
    pub watching: Option<super::register::Watch>,
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
        self.size.0 < super::view::MIN_WIDTH || self.size.1 < super::view::MIN_HEIGHT
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

    /// Whether keys are going into a text field, where `q` is a letter.
    pub fn typing(&self) -> bool {
        if super::register::typing(self) {
            return true;
        }
        match self.top_screen() {
            Some(Screen::Formations(f)) => return f.typing(),
            Some(Screen::Prerequisites(_)) => return false,
            // A pending confirmation takes every key (q answers no).
            Some(Screen::Formation(f)) => return f.confirming() || f.typing(),
            _ => {}
        }
        match &self.step {
            Step::Name(_) => true,
            Step::Systems(s) => s.typing(),
            _ => false,
        }
    }

    /// The keys of the current screen: the overlay's, or the step's plus the global ones.
    pub fn commands(&self) -> Vec<KeyHint> {
        match &self.overlay {
            Some(Overlay::Help) => return vec![keys::hint("Esc/?", "close help")],
            Some(Overlay::ConfirmQuit(_)) => {
                return vec![keys::hint("y", "quit"), keys::hint("n/Esc", "stay")];
            }
            Some(Overlay::ConfirmCreate { .. }) => {
                return vec![
                    keys::hint("y", "create"),
                    keys::hint("any other key", "cancel"),
                ];
            }
            None => {}
        }
        self.step_commands()
    }

    /// The keys of the current step plus the global ones, whatever overlay is open.
    pub fn step_commands(&self) -> Vec<KeyHint> {
        let mut out = match (self.top_screen(), &self.step) {
            (Some(Screen::Formations(f)), _) => {
                let mut keys = f.commands();
                if self.screens.len() == 1 {
                    // The first screen: Esc has nothing to go back to.
                    keys.retain(|k| !(k.keys == "Esc" && k.action == "back"));
                }
                keys
            }
            (Some(Screen::Prerequisites(c)), _) => c.commands(),
            (Some(Screen::Formation(f)), _) => f.commands(),
            (_, step) => self.wizard_commands(step),
        };
        out.extend(keys::global(self.typing()));
        out
    }

    fn wizard_commands(&self, step: &Step) -> Vec<KeyHint> {
        match step {
            Step::Loading => Vec::new(),
            Step::Name(s) => s.commands(),
            Step::Type(s) => {
                let mut keys = s.commands();
                keys.push(keys::more("d", "prerequisites"));
                keys
            }
            Step::Systems(_) if self.register.is_some() => self
                .register
                .as_ref()
                .map(super::register::commands)
                .unwrap_or_default(),
            Step::Systems(s) => {
                let mut keys = s.commands();
                if super::register::can_open(self) {
                    keys.insert(0, keys::hint("r", "register"));
                }
                keys.push(keys::more("d", "prerequisites"));
                keys
            }
            Step::Review(s) => {
                let mut keys = s.commands(&self.data);
                keys.push(keys::more("d", "prerequisites"));
                keys
            }
            Step::Create(s) => s.commands(),
        }
    }

    /// Rows a PageUp/PageDown moves: about one screen of list.
    pub fn page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(12)).max(1)
    }

    /// Why quitting now would lose something, if it would.
    fn loss(&self) -> Option<String> {
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
            super::register::tick(model);
            Vec::new()
        }
        Msg::Register(m) => super::register::on_msg(model, m),
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
    match model.screens.last_mut() {
        Some(Screen::Formations(f)) => return f.paste(&one_line),
        Some(Screen::Formation(f)) => return f.paste(&one_line),
        _ => {}
    }
    match &mut model.step {
        Step::Name(s) => s.paste(&one_line, &mut model.data),
        Step::Systems(s) => s.paste(&one_line, &model.data),
        _ => {}
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
    if !model.typing() {
        match key.code {
            KeyCode::Char('?') => {
                model.overlay = Some(Overlay::Help);
                model.help_scroll = 0;
                return Vec::new();
            }
            KeyCode::Char('q') => {
                request_quit(model);
                return Vec::new();
            }
            _ => {}
        }
    } else if key.code == KeyCode::Char('?') && matches!(model.step, Step::Name(_)) {
        // '?' can never be part of a valid name, so it opens the help even while typing;
        // there (where `d` is a letter) the help also lists the prerequisites.
        model.overlay = Some(Overlay::Help);
        model.help_scroll = 0;
        let first_time = model.load.loaded && model.data.adding.is_none() && !model.manage;
        model.help_checklist = first_time.then(|| prerequisites(model));
        return Vec::new();
    }
    if model.editing_from_review && key.code == KeyCode::Esc && matches!(model.step, Step::Name(_))
    {
        // Opened from Review with 1: Esc goes back there (the name is kept as typed).
        return apply(model, Outcome::Back);
    }
    if model.top_screen().is_some() {
        return on_screen_key(model, key);
    }
    let wizard_over_screen = model.screens.len() > 1;
    let at_start = matches!(model.step, Step::Name(_) | Step::Loading);
    if wizard_over_screen && at_start && key.code == KeyCode::Esc && !model.editing_from_review {
        // The wizard started from Formations (n): Esc on its first step goes back there.
        model.screens.pop();
        return refresh_now(model);
    }
    if model.register.is_some() {
        return super::register::key(model, key);
    }
    if key.code == KeyCode::Char('r') && super::register::can_open(model) {
        super::register::open(model);
        return Vec::new();
    }
    if key.code == KeyCode::Char('d')
        && !model.typing()
        && model.load.loaded
        && model.data.adding.is_none()
        && matches!(
            model.step,
            Step::Type(_) | Step::Systems(_) | Step::Review(_)
        )
    {
        let checklist = prerequisites(model);
        model.screens.push(Screen::Prerequisites(checklist));
        return Vec::new();
    }
    if key.code == KeyCode::Char('a')
        && !model.typing()
        && matches!(model.step, Step::Systems(_))
        && super::register::open_new(model)
    {
        return Vec::new();
    }
    let page = model.page();
    let outcome = match &mut model.step {
        Step::Loading if key.code == KeyCode::Esc => Outcome::Goto(1),
        Step::Loading => Outcome::Handled,
        Step::Name(s) => s.key(key, &mut model.data),
        Step::Type(s) => s.key(key, &model.data, page),
        Step::Systems(s) => s.key(key, &mut model.data, page),
        Step::Review(s) => s.key(key, &model.data),
        Step::Create(s) => s.key(key),
    };
    apply(model, outcome)
}

fn on_overlay_key(model: &mut Model, overlay: Overlay, key: KeyEvent) -> Vec<Cmd> {
    match overlay {
        Overlay::Help => match key.code {
            KeyCode::Down | KeyCode::Char('j') => {
                model.help_scroll = model.help_scroll.saturating_add(1);
            }
            KeyCode::Up | KeyCode::Char('k') => {
                model.help_scroll = model.help_scroll.saturating_sub(1);
            }
            KeyCode::PageDown => model.help_scroll = model.help_scroll.saturating_add(5),
            KeyCode::PageUp => model.help_scroll = model.help_scroll.saturating_sub(5),
            KeyCode::Home => model.help_scroll = 0,
            KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter => {
                model.overlay = None;
            }
            _ if is_ctrl_c(&key) => model.overlay = None,
            _ => {}
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
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y'))
                && !key.modifiers.contains(KeyModifiers::CONTROL)
            {
                return apply(model, Outcome::Create);
            }
            model.flash = Some("Not created: only y confirms. Nothing was changed.".into());
        }
        Overlay::ConfirmQuit(_) => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => quit(model),
            _ if is_ctrl_c(&key) => quit(model),
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                model.overlay = None
            }
            _ => {}
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
        Outcome::Next if model.data.adding.is_some() => super::adding::finish(model),
        Outcome::Back if model.data.adding.is_some() => super::adding::cancel(model),
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
        Outcome::ConfirmCreate => {
            if !model.data.verdict.valid {
                model.flash = Some("Create is not available while a rule is broken.".into());
                return Vec::new();
            }
            if let Some(wait) = still_cached(&model.data) {
                model.flash = Some(wait);
                return Vec::new();
            }
            model.overlay = Some(Overlay::ConfirmCreate { shown: false });
            Vec::new()
        }
        Outcome::Create => {
            if !model.data.verdict.valid {
                model.flash = Some("Create is not available while a rule is broken.".into());
                return Vec::new();
            }
            if let Some(wait) = still_cached(&model.data) {
                model.flash = Some(wait);
                return Vec::new();
            }
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
pub(crate) fn goto(model: &mut Model, n: usize) {
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

/// A key for the Formations or Formation screen on top of the stack.
fn on_screen_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    match model.screens.last_mut() {
        Some(Screen::Prerequisites(c)) => {
            if c.key(key) == doctor::Action::Back {
                model.screens.pop();
            }
            Vec::new()
        }
        Some(Screen::Formations(f)) => match f.key(key) {
            formations::Action::None => Vec::new(),
            formations::Action::Open(id) => open_formation(model, &id),
            formations::Action::New => {
                model.data.plan = FormationPlan::default();
                model.data.rebuild();
                model.editing_from_review = false;
                model.screens.push(Screen::Wizard);
                goto(model, 1);
                Vec::new()
            }
            formations::Action::Back => back(model),
        },
        Some(Screen::Formation(f)) => {
            let id = f.id().to_owned();
            let was_asking = f.confirming();
            match f.key(key) {
                formation::Action::None if was_asking => {
                    model.flash = Some("Nothing was changed: only y confirms.".into());
                    Vec::new()
                }
                formation::Action::None => {
                    removal_warning(model, &id);
                    Vec::new()
                }
                formation::Action::AddSystems => super::adding::start(model, &id),
                formation::Action::Add(systems) => change(
                    model,
                    Change::Assign {
                        formation_id: id,
                        systems,
                    },
                ),
                formation::Action::Remove(system) => {
                    // The y answered a question that said the formation stops working: that
                    // is accepted. Otherwise the rule is checked again right before the write.
                    let accept_breaking = removal_breaks(model, &id, &system);
                    change(
                        model,
                        Change::Unassign {
                            formation_id: id,
                            system,
                            accept_breaking,
                        },
                    )
                }
                formation::Action::Resync => change(model, Change::Resync { formation_id: id }),
                formation::Action::Finalize => change(model, Change::Finalize { formation_id: id }),
                formation::Action::Delete => change(model, Change::Delete { formation_id: id }),
                formation::Action::Back => back(model),
            }
        }
        _ => Vec::new(),
    }
}

/// While a removal is asked about: what the rule engine says the formation loses without
/// that system (e.g. its only Task Center), on the line under the question.
/// Whether taking `system` out breaks a rule the formation relies on (what the question
/// warned of), on the landscape the screen shows.
fn removal_breaks(model: &mut Model, formation_id: &str, system: &str) -> bool {
    let systems = [system.to_owned()];
    let data = &mut model.data;
    let catalog = &data.ctx.catalog;
    data.landscape
        .with_formation_out(formation_id, |l, f| {
            rules::check_unassignment(l, f, &systems, catalog).is_ok_and(|b| !b.is_empty())
        })
        .unwrap_or(false)
}

fn removal_warning(model: &mut Model, formation_id: &str) {
    let Some(Screen::Formation(f)) = model.screens.last() else {
        return;
    };
    let Some(system) = f.pending_removal().map(str::to_owned) else {
        return;
    };
    let data = &mut model.data;
    let catalog = &data.ctx.catalog;
    let systems = [system.clone()];
    let Some((name, breaks)) = data.landscape.with_formation_out(formation_id, |l, f| {
        let breaks = rules::check_unassignment(l, f, &systems, catalog);
        (f.name.clone(), breaks)
    }) else {
        return;
    };
    model.flash = match breaks {
        Ok(found) => found.first().map(|v| {
            crate::text::neutralise(&format!(
                "Without {system}, \"{name}\" stops working: {}",
                v.message
            ))
            .into_owned()
        }),
        Err(why) => Some(crate::text::neutralise(&why).into_owned()),
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

/// Why nothing may be created or changed yet: the landscape shown is the cached one.
pub fn still_cached(data: &Data) -> Option<String> {
    if let Some((read, total)) = data.partial {
        return Some(format!(
            "Still loading ({} of {} systems read): the verdict is final and Create opens when every page is in.",
            thousands(read),
            thousands(total)
        ));
    }
    data.cached.as_ref().map(|when| {
        format!(
            "The landscape shown is as of {when}; nothing is created or changed until the fresh read is in (refreshing…)."
        )
    })
}

/// 10000 → "10,000": counts of systems are read at a glance.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
    match stack::poll_after(&model.screens) {
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
