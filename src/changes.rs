//! What changed in a landscape between two readings, in sentences: shown when a `create`
//! is refused because the landscape changed after it was loaded (the TUI's Create step and
//! the `create` command). The sentences carry landscape text as is; callers neutralise
//! them where they print them.

use crate::landscape::Landscape;

/// The differences between `old` and `fresh` that can change a verdict: formations added
/// or deleted, systems that joined or left a formation, status and scenario-group changes,
/// systems added or removed.
pub fn describe(old: &Landscape, fresh: &Landscape) -> Vec<String> {
    let mut out = Vec::new();
    for f in &fresh.formations {
        if !old.formations.iter().any(|o| o.id == f.id) {
            out.push(format!(
                "New formation \"{}\" ({}) with {}.",
                f.name,
                f.type_name,
                system_names(fresh, &f.systems)
            ));
        }
    }
    for o in &old.formations {
        if !fresh.formations.iter().any(|f| f.id == o.id) {
            out.push(format!("The formation \"{}\" was deleted.", o.name));
        }
    }
    for (pos, s) in fresh.systems.iter().enumerate() {
        let Some(old_pos) = old.position(&s.id) else {
            out.push(format!("New system {} ({}).", s.name, s.id));
            continue;
        };
        let o = &old.systems[old_pos];
        let before: Vec<&str> = old.formations_of(old_pos).map(|f| f.id.as_str()).collect();
        let now: Vec<&str> = fresh.formations_of(pos).map(|f| f.id.as_str()).collect();
        for f in fresh
            .formations_of(pos)
            .filter(|f| !before.contains(&f.id.as_str()))
        {
            out.push(format!(
                "{} ({}) is now in the formation \"{}\".",
                s.name, s.id, f.name
            ));
        }
        for f in old
            .formations_of(old_pos)
            .filter(|f| !now.contains(&f.id.as_str()))
        {
            out.push(format!(
                "{} ({}) is no longer in the formation \"{}\".",
                s.name, s.id, f.name
            ));
        }
        if o.status != s.status {
            out.push(format!(
                "{} ({}) changed its status from \"{}\" to \"{}\".",
                s.name,
                s.id,
                o.status_str(),
                s.status_str()
            ));
        }
        if o.scenario_groups != s.scenario_groups {
            out.push(format!(
                "{} ({}) now has the scenario groups {}.",
                s.name,
                s.id,
                if s.scenario_groups.is_empty() {
                    "(none)".to_owned()
                } else {
                    s.scenario_groups.join(", ")
                }
            ));
        }
    }
    for o in &old.systems {
        if fresh.system(&o.id).is_none() {
            out.push(format!("The system {} ({}) was removed.", o.name, o.id));
        }
    }
    out
}

/// How much changed between `old` and `fresh`, counted: "2 new systems", "1 formation
/// deleted", "3 formations changed". One pass over each side, so that it stays quick at
/// 10,000 formations (the TUI says it when a fresh read replaces the cached one).
pub fn summary(old: &Landscape, fresh: &Landscape) -> Vec<String> {
    use std::collections::HashMap;
    // "1 new system", "2 systems removed": the noun agrees with the count.
    let count = |n: usize, before: &str, noun: &str, after: &str| match n {
        0 => None,
        1 => Some(format!("1 {before}{noun}{after}")),
        n => Some(format!("{n} {before}{noun}s{after}")),
    };
    let new_systems = fresh
        .systems
        .iter()
        .filter(|s| old.system(&s.id).is_none())
        .count();
    let gone_systems = old
        .systems
        .iter()
        .filter(|s| fresh.system(&s.id).is_none())
        .count();
    let changed_systems = fresh
        .systems
        .iter()
        .filter(|s| old.system(&s.id).is_some_and(|o| o != *s))
        .count();
    let before: HashMap<&str, &crate::landscape::Formation> =
        old.formations.iter().map(|f| (f.id.as_str(), f)).collect();
    let after: HashMap<&str, &crate::landscape::Formation> = fresh
        .formations
        .iter()
        .map(|f| (f.id.as_str(), f))
        .collect();
    let new_formations = after.keys().filter(|id| !before.contains_key(*id)).count();
    let gone_formations = before.keys().filter(|id| !after.contains_key(*id)).count();
    let changed_formations = after
        .iter()
        .filter(|(id, f)| before.get(*id).is_some_and(|o| o != *f))
        .count();
    [
        count(new_systems, "new ", "system", ""),
        count(gone_systems, "", "system", " removed"),
        count(changed_systems, "", "system", " changed"),
        count(new_formations, "new ", "formation", ""),
        count(gone_formations, "", "formation", " deleted"),
        count(changed_formations, "", "formation", " changed"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn system_names(l: &Landscape, ids: &[String]) -> String {
    if ids.is_empty() {
        return "no systems".to_owned();
    }
    ids.iter()
        .map(|id| match l.system(id) {
            Some(s) => format!("{} ({id})", s.name),
            None => id.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn parse(v: &serde_json::Value) -> Landscape {
        Landscape::parse(v.to_string().as_bytes(), "t", &Catalog::embedded().unwrap()).unwrap()
    }

    /// The demo, and the demo with the formation "Someone else" (tc-eu) added.
    fn demo_and_one_more_formation() -> (serde_json::Value, serde_json::Value) {
        let old: serde_json::Value = serde_json::from_str(crate::demo::EMBEDDED).unwrap();
        let mut new = old.clone();
        new["formations"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "id": "f-x", "name": "Someone else", "type": "sap-task-center",
                "systems": ["tc-eu"]
            }));
        (old, new)
    }

    #[test]
    fn says_which_system_joined_which_formation() {
        let (old, new) = demo_and_one_more_formation();
        let (old, new) = (parse(&old), parse(&new));
        let changes = describe(&old, &new);
        assert!(
            changes.contains(
                &"Task Center EU (tc-eu) is now in the formation \"Someone else\".".to_owned()
            ),
            "{changes:?}"
        );
        assert!(
            changes[0].starts_with("New formation \"Someone else\""),
            "{changes:?}"
        );
        let back = describe(&new, &old);
        assert!(
            back.contains(
                &"Task Center EU (tc-eu) is no longer in the formation \"Someone else\"."
                    .to_owned()
            ),
            "{back:?}"
        );
        assert!(describe(&old, &old).is_empty());
    }

    #[test]
    fn the_summary_counts_what_is_new_removed_and_changed() {
        let (old, mut new) = demo_and_one_more_formation();
        let removed = new["systems"].as_array_mut().unwrap().pop().unwrap();
        let removed_id = removed["id"].as_str().unwrap().to_owned();
        // The removed system was in no formation of the demo, or the file would be refused.
        let (old, new) = (parse(&old), parse(&new));
        assert!(
            old.formations
                .iter()
                .all(|f| !f.systems.contains(&removed_id))
        );
        assert_eq!(
            summary(&old, &new),
            vec!["1 system removed".to_owned(), "1 new formation".to_owned()]
        );
        assert!(summary(&old, &old).is_empty());
    }
}
