//! The rules for one formation type over one landscape, kept up to date as the selection
//! changes. What depends only on a system (its type, registration, groups, formations) is
//! worked out once; what depends on the selection (the counts per type) is kept as counts,
//! so a toggle costs O(selected) and asking whether a row is selectable costs O(1).
//! `evaluate` is this checker built from scratch, so both always agree.

use super::system::{problems, system_blockers};
use super::{
    AutoEnabled, Candidate, Finding, FixAction, Report, RuleKind, Verdict, check_name, check_role,
    join_or, plural, type_label,
};
use crate::catalog::{Catalog, FormationType};
use crate::landscape::{Landscape, System};

#[derive(Debug, Clone)]
pub struct Checker {
    type_pos: usize,
    /// Landscape positions of the systems of a type the formation type takes.
    candidates: Vec<usize>,
    /// Per candidate: which allowed-type entry it counts against.
    bucket: Vec<usize>,
    /// Per candidate: whether no single-system rule stops it.
    free: Vec<bool>,
    /// Per candidate: whether a fact its rules need cannot be read (`groups_unknown`).
    unknown: Vec<bool>,
    /// How many candidates are `unknown`.
    unknown_count: usize,
    /// Per allowed-type entry: its maximum.
    max: Vec<Option<usize>>,
    /// Per landscape position: whether it is selected.
    selected: Vec<bool>,
    /// The selected positions in the order chosen.
    order: Vec<usize>,
    /// Per allowed-type entry: the selected positions of that type, in the order chosen.
    per_bucket: Vec<Vec<usize>>,
}

impl Checker {
    /// `None` when the catalog has no such formation type.
    pub fn new(type_id: &str, landscape: &Landscape, catalog: &Catalog) -> Option<Checker> {
        let type_pos = catalog
            .formation_types
            .iter()
            .position(|t| t.id == type_id)?;
        let ftype = &catalog.formation_types[type_pos];
        let mut candidates = Vec::new();
        let mut bucket = Vec::new();
        let mut free = Vec::new();
        let mut unknown = Vec::new();
        for (pos, s) in landscape.systems.iter().enumerate() {
            let Some(b) = bucket_of(ftype, s) else {
                continue;
            };
            candidates.push(pos);
            bucket.push(b);
            let p = problems(ftype, landscape, catalog, pos);
            free.push(p.is_empty());
            unknown.push(p.groups_unknown);
        }
        let unknown_count = unknown.iter().filter(|&&u| u).count();
        Some(Checker {
            type_pos,
            candidates,
            bucket,
            free,
            unknown,
            unknown_count,
            max: ftype.system_types.iter().map(|a| a.max).collect(),
            selected: vec![false; landscape.systems.len()],
            order: Vec::new(),
            per_bucket: vec![Vec::new(); ftype.system_types.len()],
        })
    }

    pub fn ftype<'c>(&self, catalog: &'c Catalog) -> &'c FormationType {
        &catalog.formation_types[self.type_pos]
    }

    /// Selects (`on`) or deselects a system by id; unknown ids are ignored.
    pub fn set(&mut self, landscape: &Landscape, catalog: &Catalog, id: &str, on: bool) {
        let Some(pos) = landscape.position(id) else {
            return;
        };
        if self.selected[pos] == on {
            return;
        }
        self.selected[pos] = on;
        let b = bucket_of(self.ftype(catalog), &landscape.systems[pos]);
        if on {
            self.order.push(pos);
            if let Some(b) = b {
                self.per_bucket[b].push(pos);
            }
        } else {
            self.order.retain(|&p| p != pos);
            if let Some(b) = b {
                self.per_bucket[b].retain(|&p| p != pos);
            }
        }
    }

    /// Flips a system's selection; returns whether it is now selected.
    pub fn toggle(&mut self, landscape: &Landscape, catalog: &Catalog, id: &str) -> bool {
        let on = !landscape.position(id).is_some_and(|p| self.selected[p]);
        self.set(landscape, catalog, id, on);
        on
    }

    pub fn selected_ids(&self, landscape: &Landscape) -> Vec<String> {
        self.order
            .iter()
            .map(|&p| landscape.systems[p].id.clone())
            .collect()
    }

    pub fn selected_count(&self) -> usize {
        self.order.len()
    }

    /// The number of candidates.
    pub fn len(&self) -> usize {
        self.candidates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }

    /// The landscape position of candidate `i`.
    pub fn position(&self, i: usize) -> usize {
        self.candidates[i]
    }

    /// The candidate index of the system at landscape position `pos`, if it is one:
    /// O(log candidates), as candidates are in landscape order.
    pub fn index_of(&self, pos: usize) -> Option<usize> {
        self.candidates.binary_search(&pos).ok()
    }

    /// The landscape positions of the systems that are not candidates (their type is not
    /// taken), in landscape order: the complement of the candidates, no rule re-run.
    pub fn excluded(&self) -> impl Iterator<Item = usize> + '_ {
        let mut next = self.candidates.iter().copied().peekable();
        (0..self.selected.len()).filter(move |&pos| {
            while next.peek().is_some_and(|&c| c < pos) {
                next.next();
            }
            next.peek() != Some(&pos)
        })
    }

    /// How many systems are not candidates.
    pub fn excluded_count(&self) -> usize {
        self.selected.len() - self.candidates.len()
    }

    pub fn is_selected(&self, i: usize) -> bool {
        self.selected[self.candidates[i]]
    }

    /// The allowed-type entry (an index into the type's `system_types`) that candidate
    /// `i` counts against: what the Systems step groups its rows by.
    pub fn bucket(&self, i: usize) -> usize {
        self.bucket[i]
    }

    /// Whether no single-system rule stops candidate `i`, whatever else is selected.
    pub fn free(&self, i: usize) -> bool {
        self.free[i]
    }

    /// Whether a fact one of candidate `i`'s rules needs cannot be read with these
    /// credentials (its registration token), so that the Director decides when it is
    /// assigned: not a pass, and not a refusal either.
    pub fn director_decides(&self, i: usize) -> bool {
        self.unknown[i]
    }

    /// How many candidates the Director decides (`director_decides`).
    pub fn director_decides_count(&self) -> usize {
        self.unknown_count
    }

    /// Whether candidate `i` can be (or stay) selected with the rest of the selection.
    pub fn selectable(&self, i: usize) -> bool {
        self.free[i] && self.within_max(i)
    }

    fn within_max(&self, i: usize) -> bool {
        let b = self.bucket[i];
        let others = self.per_bucket[b].len() - usize::from(self.is_selected(i));
        self.max[b].is_none_or(|max| others < max)
    }

    /// Candidate `i` with every rule that stops it, spelled out.
    pub fn candidate(&self, i: usize, landscape: &Landscape, catalog: &Catalog) -> Candidate {
        let pos = self.candidates[i];
        let s = &landscape.systems[pos];
        let mut blockers = if self.free[i] {
            Vec::new()
        } else {
            system_blockers(self.ftype(catalog), landscape, catalog, pos)
        };
        if !self.within_max(i) {
            let b = self.bucket[i];
            let others: Vec<usize> = self.per_bucket[b]
                .iter()
                .copied()
                .filter(|&p| p != pos)
                .collect();
            let key = &self.ftype(catalog).system_types[b].system_type;
            blockers.push(max_blocker(
                landscape,
                key,
                self.max[b].unwrap_or(0),
                &others,
                s,
            ));
        }
        let reason = (!blockers.is_empty()).then(|| {
            blockers
                .iter()
                .map(|b| b.message.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        });
        let fix = blockers.iter().find_map(|b| b.fix.clone());
        let director_decides = if self.unknown[i] {
            super::groups_unknown(self.ftype(catalog), s)
        } else {
            None
        };
        Candidate {
            id: s.id.clone(),
            name: s.name.clone(),
            system_type: s.system_type.as_str().to_owned(),
            selected: self.selected[pos],
            selectable: blockers.is_empty(),
            blockers,
            reason,
            fix,
            director_decides,
        }
    }

    /// Per allowed-type entry: the entry's type key, min, max and how many are selected.
    pub fn counts<'c>(&'c self, catalog: &'c Catalog) -> impl Iterator<Item = TypeCount<'c>> + 'c {
        self.ftype(catalog)
            .system_types
            .iter()
            .zip(&self.per_bucket)
            .map(|(a, chosen)| TypeCount {
                system_type: type_label(&a.system_type),
                min: a.min,
                max: a.max,
                selected: chosen.len(),
            })
    }

    /// Every violated rule and every warning for the plan named `name` with this selection.
    pub fn findings(
        &self,
        name: &str,
        landscape: &Landscape,
        catalog: &Catalog,
    ) -> (Vec<Finding>, Vec<Finding>) {
        let ftype = self.ftype(catalog);
        let (mut violations, mut warnings) = check_name(name, landscape, catalog);
        violations.extend(check_role(landscape, catalog));
        for &pos in &self.order {
            violations.extend(system_blockers(ftype, landscape, catalog, pos));
            if problems(ftype, landscape, catalog, pos).groups_unknown {
                warnings.extend(super::groups_unknown(ftype, &landscape.systems[pos]));
            }
        }
        violations.extend(self.count_findings(ftype, landscape));
        (violations, warnings)
    }

    fn count_findings(&self, ftype: &FormationType, landscape: &Landscape) -> Vec<Finding> {
        let mut out = Vec::new();
        for (a, chosen) in ftype.system_types.iter().zip(&self.per_bucket) {
            let label = super::kind(&a.system_type);
            if let Some(max) = a.max.filter(|&max| chosen.len() > max) {
                let names: Vec<&str> = chosen
                    .iter()
                    .map(|&p| landscape.systems[p].name.as_str())
                    .collect();
                out.push(Finding::new(
                    RuleKind::MaxSystemsOfType,
                    chosen.iter().map(|&p| landscape.systems[p].id.clone()).collect(),
                    format!(
                        "{} allows at most {max} {label} system{} per formation, and {} are selected: {}.",
                        ftype.name,
                        plural(max),
                        chosen.len(),
                        join_or(&names, "and")
                    ),
                    Some(format!("Keep {max} and deselect the others.")),
                )
                .with_action(FixAction::KeepAtMost {
                    max,
                    systems: chosen.iter().map(|&p| landscape.systems[p].id.clone()).collect(),
                }));
            } else if chosen.len() < a.min {
                let have = if chosen.is_empty() {
                    "none is".to_owned()
                } else {
                    format!("{} is", chosen.len())
                };
                out.push(
                    Finding::new(
                        RuleKind::MinSystemsOfType,
                        Vec::new(),
                        format!(
                            "{} needs at least {} {label} system{}; {have} selected.",
                            ftype.name,
                            a.min,
                            plural(a.min)
                        ),
                        Some(format!("Select {} system.", super::with_article(label))),
                    )
                    .with_action(FixAction::AddSystemOf(vec![a.label().to_owned()])),
                );
            }
        }
        if ftype.needs_any_system() && self.order.is_empty() {
            out.push(
                Finding::new(
                    RuleKind::MinSystemsOfType,
                    Vec::new(),
                    format!(
                        "{} needs at least one system; none is selected.",
                        ftype.name
                    ),
                    Some(format!(
                        "Select a system of type {}.",
                        join_or(&ftype.allowed_names(), "or")
                    )),
                )
                .with_action(FixAction::AddSystemOf(
                    ftype
                        .allowed_names()
                        .iter()
                        .map(|s| (*s).to_owned())
                        .collect(),
                )),
            );
        }
        out
    }

    /// What creating the formation enables, on each selected system that no rule stops.
    pub fn auto_enabled(
        &self,
        landscape: &Landscape,
        catalog: &Catalog,
        violations: &[Finding],
    ) -> Vec<AutoEnabled> {
        let ftype = self.ftype(catalog);
        self.order
            .iter()
            .filter_map(|&pos| {
                let s = &landscape.systems[pos];
                let stopped = violations
                    .iter()
                    .any(|v| v.rule != RuleKind::MaxSystemsOfType && v.touches(&s.id));
                if stopped {
                    return None;
                }
                let scenarios: Vec<String> = ftype
                    .auto_enabled
                    .iter()
                    .filter(|a| a.system_type == s.system_type)
                    .filter(|a| {
                        a.only_with_scenario_groups.as_ref().is_none_or(|gs| {
                            let has = super::registration::display_groups(catalog, s);
                            gs.iter().any(|g| has.contains(g))
                        })
                    })
                    .flat_map(|a| a.communication_scenarios.iter().cloned())
                    .collect();
                (!scenarios.is_empty()).then(|| AutoEnabled {
                    system: s.id.clone(),
                    communication_scenarios: scenarios,
                })
            })
            .collect()
    }

    /// The verdict without the candidates: O(selected), for every change of the plan.
    pub fn verdict(&self, name: &str, landscape: &Landscape, catalog: &Catalog) -> Verdict {
        let (violations, warnings) = self.findings(name, landscape, catalog);
        let auto_enabled = self.auto_enabled(landscape, catalog, &violations);
        Verdict {
            valid: violations.is_empty(),
            violations,
            warnings,
            auto_enabled,
        }
    }

    /// The whole verdict, every candidate spelled out: O(candidates).
    pub fn report(&self, name: &str, landscape: &Landscape, catalog: &Catalog) -> Report {
        let v = self.verdict(name, landscape, catalog);
        let candidates = (0..self.len())
            .map(|i| self.candidate(i, landscape, catalog))
            .collect();
        Report {
            valid: v.valid,
            violations: v.violations,
            warnings: v.warnings,
            candidates,
            auto_enabled: v.auto_enabled,
        }
    }
}

/// An allowed type's count against its bounds, for counters such as "SAP Task Center 1/1".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeCount<'a> {
    pub system_type: &'a str,
    pub min: usize,
    pub max: Option<usize>,
    pub selected: usize,
}

impl TypeCount<'_> {
    /// Whether the selected count satisfies the type's minimum and maximum.
    pub fn within(&self) -> bool {
        self.selected >= self.min && self.max.is_none_or(|max| self.selected <= max)
    }
}

fn bucket_of(ftype: &FormationType, s: &System) -> Option<usize> {
    let named = ftype
        .system_types
        .iter()
        .position(|a| a.system_type == s.system_type);
    named.or_else(|| {
        ftype
            .system_types
            .iter()
            .position(|a| a.system_type == crate::catalog::ANY_OTHER_TYPE)
    })
}

fn max_blocker(
    landscape: &Landscape,
    type_key: &str,
    max: usize,
    others: &[usize],
    system: &System,
) -> Finding {
    let names: Vec<&str> = others
        .iter()
        .map(|&p| landscape.systems[p].name.as_str())
        .collect();
    let selected: Vec<String> = others
        .iter()
        .map(|&p| landscape.systems[p].id.clone())
        .collect();
    let mut ids = selected.clone();
    ids.push(system.id.clone());
    let label = super::kind(type_key);
    Finding::new(
        RuleKind::MaxSystemsOfType,
        ids,
        format!(
            "At most {max} {label} system{} per formation; {} {} already selected.",
            plural(max),
            join_or(&names, "and"),
            if names.len() == 1 { "is" } else { "are" }
        ),
        Some(format!(
            "Deselect {} first to choose {} instead.",
            join_or(&names, "and"),
            system.name
        )),
    )
    .with_action(FixAction::Replace {
        drop: selected,
        add: system.id.clone(),
    })
}
