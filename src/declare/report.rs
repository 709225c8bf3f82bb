//! The plan in words: a diff an administrator reads before anything changes (`+` create,
//! `~` assign or unassign, `-` delete), the rules it would break, and what is left alone.
//! Every name from the landscape or the file is neutralised here.

use std::fmt::Write as _;

use super::diff::{Plan, Step};
use super::resolve::Unresolved;
use crate::catalog::Catalog;
use crate::landscape::Landscape;
use crate::text::neutralise;

/// The whole plan for the file `file` against `target` (a path or a Director).
pub fn plan_text(plan: &Plan, landscape: &Landscape, catalog: &Catalog, file: &str) -> String {
    let mut out = String::new();
    let file = neutralise(file);
    if plan.has_changes() {
        let _ = writeln!(out, "Changes to make the formations match {file}:\n");
        for step in &plan.steps {
            let _ = writeln!(out, "  {}", step_text(step, landscape, catalog));
        }
        let _ = writeln!(out, "\nPlan: {}.", counts(plan));
    } else if plan.is_valid() {
        let _ = writeln!(out, "No changes: the formations match {file}.");
    }
    if !plan.violations.is_empty() {
        let _ = writeln!(
            out,
            "\nThe result would break these rules, so nothing can be applied:"
        );
        for v in &plan.violations {
            let who = if v.formation.is_empty() {
                String::new()
            } else {
                format!("\"{}\": ", neutralise(&v.formation))
            };
            let _ = writeln!(
                out,
                "  x {who}{} [{}]",
                neutralise(&v.finding.message),
                v.finding.rule.as_str()
            );
            if let Some(fix) = &v.finding.fix {
                let _ = writeln!(out, "    fix: {}", neutralise(fix));
            }
        }
    }
    for c in &plan.conflicts {
        let _ = writeln!(out, "\nCannot plan: {}", neutralise(c));
    }
    for w in &plan.warnings {
        let _ = writeln!(
            out,
            "  warning: \"{}\": {}",
            neutralise(&w.formation),
            neutralise(&w.finding.message)
        );
    }
    if !plan.unmanaged.is_empty() {
        let names: Vec<String> = plan
            .unmanaged
            .iter()
            .map(|n| format!("\"{}\"", neutralise(n)))
            .collect();
        let _ = writeln!(
            out,
            "\n{} formation{} not in the file {} left alone (--prune deletes them): {}",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            if names.len() == 1 { "is" } else { "are" },
            names.join(", ")
        );
    }
    out
}

/// "1 to create, 2 to assign, 0 to unassign, 1 to delete".
pub fn counts(plan: &Plan) -> String {
    format!(
        "{} to create, {} to assign, {} to unassign, {} to delete",
        plan.count(|s| matches!(s, Step::Create { .. })),
        plan.count(|s| matches!(s, Step::Assign { .. })),
        plan.count(|s| matches!(s, Step::Unassign { .. })),
        plan.count(|s| matches!(s, Step::Delete { .. })),
    )
}

/// One line of the diff.
pub fn step_text(step: &Step, landscape: &Landscape, catalog: &Catalog) -> String {
    let system = |id: &str| match landscape.system(id) {
        Some(s) => format!("\"{}\" ({})", neutralise(&s.name), neutralise(id)),
        None => neutralise(id).into_owned(),
    };
    match step {
        Step::Create {
            formation,
            type_id,
            systems,
        } => {
            let type_name = catalog
                .by_id(type_id)
                .map_or(type_id.as_str(), |t| t.name.as_str());
            let list: Vec<String> = systems.iter().map(|s| system(s)).collect();
            format!(
                "+ create \"{}\" ({}) with {}",
                neutralise(formation),
                type_name,
                if list.is_empty() {
                    "no systems".into()
                } else {
                    list.join(", ")
                }
            )
        }
        Step::Assign {
            formation,
            system: s,
            ..
        } => format!("~ assign {} to \"{}\"", system(s), neutralise(formation)),
        Step::Unassign {
            formation,
            system: s,
            ..
        } => format!(
            "~ unassign {} from \"{}\"",
            system(s),
            neutralise(formation)
        ),
        Step::Delete {
            formation,
            formation_id,
        } => format!(
            "- delete \"{}\" ({})",
            neutralise(formation),
            neutralise(formation_id)
        ),
    }
}

/// The selectors and types that do not fit, one per line.
pub fn unresolved_text(problems: &[Unresolved], file: &str) -> String {
    let mut out = format!(
        "{}: {} problem{} to fix before a plan can be made:\n",
        neutralise(file),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        let _ = writeln!(out, "  {}", neutralise(&p.to_string()));
    }
    out
}
