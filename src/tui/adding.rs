//! Adding systems to a formation that exists (the Formation screen's `a`), through the
//! wizard's own Systems step and checker. The formation becomes the plan being built (its
//! name, its type, its members chosen) over the landscape without it, so that its own
//! name and members do not count against it, exactly as the engine checks an assignment.
//! Enter hands the systems chosen on top of the members back to the Formation screen,
//! which asks before anything is sent.

use super::app::{Cmd, Model, Step};
use super::screens::formation::Addition;
use super::stack::Screen;
use super::steps::{name, systems};
use crate::landscape::{Formation, Landscape};
use crate::plan::FormationPlan;
use crate::rules;
use crate::text::neutralise;

/// The formation systems are being added to, taken out of the step's landscape, and
/// where to put it back.
#[derive(Debug, Clone)]
pub struct Adding {
    pub name: String,
    /// Its members when adding started: they stay chosen here (x on the Formation screen
    /// takes one out).
    pub members: Vec<String>,
    formation: Formation,
    at: usize,
}

impl Adding {
    pub fn is_member(&self, system_id: &str) -> bool {
        self.members.iter().any(|m| m == system_id)
    }
}

/// Opens the Systems step on `formation_id`, its members chosen.
pub fn start(model: &mut Model, formation_id: &str) -> Vec<Cmd> {
    let data = &mut model.data;
    let Some(formation) = data
        .landscape
        .formations
        .iter()
        .find(|f| f.id == formation_id)
    else {
        model.flash = Some("That formation is no longer in the landscape.".into());
        return Vec::new();
    };
    if data.catalog().by_id(&formation.type_id).is_none() {
        model.flash = Some(
            neutralise(&format!(
                "\"{}\" has the type \"{}\", which this version does not know: its rules cannot be checked here.",
                formation.name, formation.type_id
            ))
            .into_owned(),
        );
        return Vec::new();
    }
    let mut others = std::mem::take(&mut data.landscape);
    let Some((at, formation)) = others.take_formation(formation_id) else {
        data.landscape = others;
        return Vec::new();
    };
    data.plan = FormationPlan {
        name: formation.name.clone(),
        type_id: formation.type_id.clone(),
        systems: formation.systems.clone(),
    };
    data.adding = Some(Adding {
        name: formation.name.clone(),
        members: formation.systems.clone(),
        formation,
        at,
    });
    data.set_landscape(others);
    model.editing_from_review = false;
    model.step = Step::Systems(systems::SystemsStep::new(&model.data));
    model.screens.push(Screen::Wizard);
    Vec::new()
}

/// Enter: the systems chosen beyond the members, checked by the engine once more as one
/// assignment after another, go to the Formation screen's question.
pub fn finish(model: &mut Model) -> Vec<Cmd> {
    let Some(adding) = &model.data.adding else {
        return Vec::new();
    };
    let added: Vec<String> = model
        .data
        .plan
        .systems
        .iter()
        .filter(|id| !adding.is_member(id))
        .cloned()
        .collect();
    if added.is_empty() {
        model.flash = Some("No system chosen to add: Space chooses one, Esc goes back.".into());
        return Vec::new();
    }
    // The step's own landscape: a system registered from here (r) is current in it.
    let landscape = &model.data.landscape;
    if let Some(why) = refusal(adding, landscape, &added, model.data.catalog()) {
        model.flash = Some(why);
        return Vec::new();
    }
    let additions: Vec<Addition> = added
        .iter()
        .map(|id| Addition {
            id: id.clone(),
            name: landscape
                .system(id)
                .map_or_else(|| id.clone(), |s| s.name.clone()),
        })
        .collect();
    let name = adding.name.clone();
    let cmds = leave(model);
    match model.screens.last_mut() {
        Some(Screen::Formation(f)) => f.ask_to_add(additions),
        // Read again meanwhile, the formation was gone (deleted elsewhere).
        _ => {
            model.flash = Some(format!(
                "\"{}\" is no longer in the landscape; nothing was added.",
                neutralise(&name)
            ));
        }
    }
    cmds
}

/// Esc: back to the Formation screen, nothing sent.
pub fn cancel(model: &mut Model) -> Vec<Cmd> {
    let cmds = leave(model);
    model.flash = Some("Nothing was added.".into());
    cmds
}

/// What the engine says against adding `added`, as one line with its fix, if anything.
/// The Systems step already refuses what cannot be chosen; this is the same engine asked
/// about the whole addition at once, before the question.
fn refusal(
    adding: &Adding,
    landscape: &Landscape,
    added: &[String],
    catalog: &crate::catalog::Catalog,
) -> Option<String> {
    let formation = &adding.formation;
    let found = match rules::check_assignments(landscape, formation, added, catalog) {
        Ok(found) => found,
        Err(why) => return Some(neutralise(&why).into_owned()),
    };
    let first = found.first()?;
    let fix = first
        .fix
        .as_deref()
        .map(|f| format!(" {f}"))
        .unwrap_or_default();
    Some(
        neutralise(&format!(
            "Cannot add to \"{}\": {}{fix}",
            adding.name, first.message
        ))
        .into_owned(),
    )
}

/// Takes the Systems step off the stack and puts the formation back into the landscape;
/// reads it again, since the server may have moved on meanwhile.
fn leave(model: &mut Model) -> Vec<Cmd> {
    let Some(adding) = model.data.adding.take() else {
        return Vec::new();
    };
    if matches!(model.screens.last(), Some(Screen::Wizard)) {
        model.screens.pop();
    }
    model.data.plan = FormationPlan::default();
    let mut whole = std::mem::take(&mut model.data.landscape);
    whole.put_back(adding.at, adding.formation);
    model.data.set_landscape(whole);
    model.step = Step::Name(name::NameStep::new(&model.data));
    super::app::refresh_now(model)
}

#[cfg(test)]
#[path = "adding_tests.rs"]
mod tests;
