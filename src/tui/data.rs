//! What the wizard works on: the landscape, the plan being built and the rule engine's
//! verdict on it, with what does not change while the app runs (`Context`). Every step,
//! screen and panel reads it; only `update` and the components it hands it to change it.

use std::cell::OnceCell;
use std::sync::Arc;

use super::theme::Theme;
use crate::backend::Backend;
use crate::catalog::Catalog;
use crate::landscape::{Formation, Landscape};
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
    pub search: Arc<SearchIndex>,
    /// The Systems step's rows in display order and its columns' natural widths.
    pub table: crate::tui::candidates::Table,
    /// Per catalog type, whether it can be completed here: worked out once per landscape,
    /// when the Type step first asks.
    pub(super) availability: OnceCell<Vec<Availability>>,
    /// Set while the Systems step adds systems to an existing formation (the Formation
    /// screen's `a`) instead of building a new one.
    pub adding: Option<Adding>,
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
    pub(super) fn new(ctx: Context) -> Data {
        Data {
            ctx,
            landscape: Landscape::default(),
            plan: FormationPlan::default(),
            verdict: Verdict::default(),
            checker: None,
            search: Arc::default(),
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
        self.search = Arc::default();
        self.table = crate::tui::candidates::Table::default();
        if let Some(c) = &mut checker {
            for id in &self.plan.systems {
                c.set(landscape, catalog, id, true);
            }
            let built = crate::tui::candidates::build(c, landscape, |pos| self.cells(pos));
            (self.table, self.search) = (built.0, Arc::new(built.1));
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

    /// A system registered from the wizard joins the landscape (and the table) at once.
    pub fn add_system(&mut self, system: crate::landscape::System) -> Result<bool, String> {
        let mut landscape = self.landscape.clone();
        landscape.systems.push(system);
        let l = Landscape::from_parts(
            landscape.global_account.clone(),
            landscape.user.clone(),
            landscape.systems,
            landscape.formations,
            &self.ctx.catalog,
        )
        .map_err(|e| e.to_string())?;
        self.set_landscape(l);
        Ok(true)
    }

    /// A system as read again replaces the one the landscape has; whether it changed.
    pub fn replace_system(&mut self, system: crate::landscape::System) -> Result<bool, String> {
        if self.landscape.system(&system.id) == Some(&system) {
            return Ok(false);
        }
        let mut landscape = self.landscape.clone();
        let Some(slot) = landscape.systems.iter_mut().find(|s| s.id == system.id) else {
            return Ok(false);
        };
        *slot = system;
        self.set_landscape(landscape);
        Ok(true)
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

/// Something the landscape lacks, said before step 1 so nobody finds out at step 3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub message: String,
    pub fix: Option<String>,
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

/// The formation systems are being added to (the Formation screen's `a`), taken out of
/// the step's landscape, and where to put it back (`screens::adding`).
#[derive(Debug, Clone)]
pub struct Adding {
    pub name: String,
    /// Its members when adding started: they stay chosen here (x on the Formation screen
    /// takes one out).
    pub members: Vec<String>,
    pub formation: Formation,
    /// Its position in the landscape's formations.
    pub at: usize,
}

impl Adding {
    pub fn is_member(&self, system_id: &str) -> bool {
        self.members.iter().any(|m| m == system_id)
    }
}
