//! Adding systems to a formation that exists (the Formation screen's `a`), through the
//! wizard's own Systems step and checker. The formation becomes the plan being built (its
//! name, its type, its members chosen) over the landscape without it, so that its own
//! name and members do not count against it, exactly as the engine checks an assignment.
//! Enter hands the systems chosen on top of the members back to the Formation screen,
//! which asks before anything is sent.

use super::formation::Addition;
use crate::catalog::Catalog;
use crate::landscape::Landscape;
use crate::plan::FormationPlan;
use crate::rules;
use crate::text::neutralise;
use crate::tui::data::{Adding, Data};

/// Makes `formation_id` the plan, its members chosen, over the landscape without it.
pub fn start(data: &mut Data, formation_id: &str) -> Result<(), String> {
    let Some(formation) = data
        .landscape
        .formations
        .iter()
        .find(|f| f.id == formation_id)
    else {
        return Err("That formation is no longer in the landscape.".into());
    };
    if data.catalog().by_id(&formation.type_id).is_none() {
        return Err(neutralise(&format!(
            "\"{}\" has the type \"{}\", which this version does not know: its rules cannot be checked here.",
            formation.name, formation.type_id
        ))
        .into_owned());
    }
    let mut others = std::mem::take(&mut data.landscape);
    let Some((at, formation)) = others.take_formation(formation_id) else {
        data.landscape = others;
        return Err("That formation is no longer in the landscape.".into());
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
    Ok(())
}

/// Enter: the systems chosen beyond the members, checked by the engine once more as one
/// assignment after another, for the Formation screen's question; or why not.
pub fn chosen(data: &Data) -> Result<Vec<Addition>, String> {
    let Some(adding) = &data.adding else {
        return Ok(Vec::new());
    };
    let added: Vec<String> = data
        .plan
        .systems
        .iter()
        .filter(|id| !adding.is_member(id))
        .cloned()
        .collect();
    if added.is_empty() {
        return Err("No system chosen to add: Space chooses one, Esc goes back.".into());
    }
    // The step's own landscape: a system registered from here (r) is current in it.
    let landscape = &data.landscape;
    if let Some(why) = refusal(adding, landscape, &added, data.catalog()) {
        return Err(why);
    }
    Ok(added
        .iter()
        .map(|id| Addition {
            id: id.clone(),
            name: landscape
                .system(id)
                .map_or_else(|| id.clone(), |s| s.name.clone()),
        })
        .collect())
}

/// What the engine says against adding `added`, as one line with its fix, if anything.
/// The Systems step already refuses what cannot be chosen; this is the same engine asked
/// about the whole addition at once, before the question.
fn refusal(
    adding: &Adding,
    landscape: &Landscape,
    added: &[String],
    catalog: &Catalog,
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

/// Puts the formation back into the landscape and forgets the plan; the name of the
/// formation that was being added to, if one was.
pub fn leave(data: &mut Data) -> Option<String> {
    let Adding {
        name,
        formation,
        at,
        ..
    } = data.adding.take()?;
    data.plan = FormationPlan::default();
    let mut whole = std::mem::take(&mut data.landscape);
    whole.put_back(at, formation);
    data.set_landscape(whole);
    Some(name)
}

#[cfg(test)]
#[path = "adding_tests.rs"]
mod tests;
