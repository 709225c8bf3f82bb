//! Selectors to system ids, type names to catalog ids: the file made concrete against one
//! landscape. Every problem is collected, so one run names all of them.

use std::collections::HashMap;

use serde::Serialize;

use super::file::{Location, Parsed, Selector, glob};
use crate::catalog::Catalog;
use crate::landscape::{Landscape, System};

/// A formation as the file wants it, in terms of this landscape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub name: String,
    pub type_id: String,
    /// System ids, in the file's order, without repeats.
    pub systems: Vec<String>,
}

/// Something in the file that does not fit the landscape or the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    pub formation: String,
    /// The selector as written, when the problem is a selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The systems it could have meant (or did match, when it matched several).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: formation {:?}",
            self.line, self.column, self.formation
        )?;
        if let Some(s) = &self.selector {
            write!(f, ", selector {s}")?;
        }
        write!(f, ": {}", self.message)?;
        if !self.candidates.is_empty() {
            write!(f, " Candidates: {}.", self.candidates.join("; "))?;
        }
        Ok(())
    }
}

/// How many near misses a "matches no system" names.
const NEAR_MISSES: usize = 5;

/// The most systems one selector may pick: no formation type takes more than a handful of
/// systems of one kind in practice, so a pattern that picks more is a mistake (`*`), and
/// resolving it against a landscape of 60,000 systems would plan tens of thousands of steps.
pub const MAX_SYSTEMS_PER_SELECTOR: usize = 1_000;
/// The most memberships the whole file may ask for, over all its formations: bounds the
/// plan, its output and the time both take, whatever the file's size.
pub const MAX_MEMBERSHIPS: usize = 10_000;

pub fn resolve(
    parsed: &Parsed,
    landscape: &Landscape,
    catalog: &Catalog,
) -> Result<Vec<Wanted>, Vec<Unresolved>> {
    let mut wanted = Vec::new();
    let mut problems = Vec::new();
    let by_name = NameIndex::new(landscape);
    let mut memberships = 0usize;
    for f in &parsed.file.formations {
        let decl = f.get_ref();
        let at = parsed.location(f.span());
        let problem =
            |selector: Option<&Selector>, at: Location, message: String, candidates| Unresolved {
                formation: decl.name.clone(),
                selector: selector.map(Selector::describe),
                line: at.line,
                column: at.column,
                message,
                candidates,
            };
        // A name the landscape gives to several formations names none of them: the plan
        // would change whichever it found first.
        let namesakes: Vec<String> = landscape
            .formations_named_ignoring_case(&decl.name)
            .filter(|f| f.name == decl.name)
            .map(|f| format!("\"{}\" with the id {}", f.name, f.id))
            .collect();
        if namesakes.len() > 1 {
            problems.push(problem(
                None,
                at,
                format!(
                    "the name is ambiguous: {} formations in the landscape have it; rename all but one first.",
                    namesakes.len()
                ),
                namesakes,
            ));
            continue;
        }
        let type_key =
            decl.formation_type
                .as_ref()
                .or(parsed.file.defaults.formation_type.as_ref());
        let type_id = match type_key.map(|k| (k, catalog.find(k))) {
            Some((_, Some(t))) => Some(t.id.clone()),
            Some((k, None)) => {
                problems.push(problem(
                    None,
                    at,
                    format!("unknown formation type {k:?}; `formation-wizard types` lists them."),
                    vec![],
                ));
                None
            }
            None => {
                problems.push(problem(
                    None,
                    at,
                    "no type: give `type` here or in [defaults].".into(),
                    vec![],
                ));
                None
            }
        };
        let mut systems: Vec<String> = Vec::new();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        for s in &decl.systems {
            match select_in(s.get_ref(), landscape, &by_name) {
                Ok(ids) => {
                    for id in ids {
                        if seen.insert(id.clone()) {
                            systems.push(id);
                        }
                    }
                }
                Err((message, candidates)) => problems.push(problem(
                    Some(s.get_ref()),
                    parsed.location(s.span()),
                    message,
                    candidates,
                )),
            }
        }
        memberships = memberships.saturating_add(systems.len());
        if memberships > MAX_MEMBERSHIPS {
            problems.push(problem(
                None,
                at,
                format!(
                    "with this formation the file asks for more than {MAX_MEMBERSHIPS} systems in formations, more than one plan carries out; split the file or name fewer systems."
                ),
                vec![],
            ));
            return Err(problems);
        }
        if let Some(type_id) = type_id {
            wanted.push(Wanted {
                name: decl.name.clone(),
                type_id,
                systems,
            });
        }
    }
    if problems.is_empty() {
        Ok(wanted)
    } else {
        Err(problems)
    }
}

/// System positions by name: most selectors name their system, and a file names thousands.
pub struct NameIndex<'l>(HashMap<&'l str, Vec<usize>>);

impl<'l> NameIndex<'l> {
    pub fn new(landscape: &'l Landscape) -> Self {
        let mut map: HashMap<&str, Vec<usize>> = HashMap::with_capacity(landscape.systems.len());
        for (pos, s) in landscape.systems.iter().enumerate() {
            map.entry(s.name.as_str()).or_default().push(pos);
        }
        NameIndex(map)
    }
}

/// The ids a selector picks, or why it picks none or too many (with the candidates).
pub fn select(
    selector: &Selector,
    landscape: &Landscape,
) -> Result<Vec<String>, (String, Vec<String>)> {
    select_in(selector, landscape, &NameIndex::new(landscape))
}

fn select_in(
    selector: &Selector,
    landscape: &Landscape,
    by_name: &NameIndex<'_>,
) -> Result<Vec<String>, (String, Vec<String>)> {
    let pattern = match selector.name_pattern.as_deref().map(glob).transpose() {
        Ok(p) => p,
        Err(e) => return Err((e, Vec::new())),
    };
    let matches = |s: &System| {
        selector.id.as_ref().is_none_or(|v| *v == s.id)
            && selector.name.as_ref().is_none_or(|v| *v == s.name)
            && selector
                .system_number
                .as_ref()
                .is_none_or(|v| s.system_number.as_ref() == Some(v))
            && selector
                .system_type
                .as_ref()
                .is_none_or(|v| *v == s.system_type)
            && pattern.as_ref().is_none_or(|p| p.is_match(&s.name))
    };
    let found: Vec<&System> = match (&selector.id, &selector.name) {
        (Some(id), _) => landscape
            .system(id)
            .into_iter()
            .filter(|s| matches(s))
            .collect(),
        (None, Some(name)) => by_name
            .0
            .get(name.as_str())
            .into_iter()
            .flatten()
            .map(|&p| &landscape.systems[p])
            .filter(|s| matches(s))
            .collect(),
        // A pattern comes with a type: only systems of that type are looked at.
        (None, None) => match &selector.system_type {
            Some(t) => landscape
                .systems_of_type(t)
                .iter()
                .map(|&p| &landscape.systems[p])
                .filter(|s| matches(s))
                .take(MAX_SYSTEMS_PER_SELECTOR + 1)
                .collect(),
            None => landscape
                .systems
                .iter()
                .filter(|s| matches(s))
                .take(MAX_SYSTEMS_PER_SELECTOR + 1)
                .collect(),
        },
    };
    if found.len() > MAX_SYSTEMS_PER_SELECTOR {
        return Err((
            format!(
                "matches more than {MAX_SYSTEMS_PER_SELECTOR} systems, more than a selector may pick; narrow the name_pattern."
            ),
            Vec::new(),
        ));
    }
    match found.len() {
        0 => Err((
            "matches no system.".into(),
            near_misses(selector, landscape),
        )),
        1 => Ok(vec![found[0].id.clone()]),
        _ if pattern.is_some() => Ok(found.iter().map(|s| s.id.clone()).collect()),
        n => Err((
            format!("matches {n} systems; add system_number, type or id to pick one."),
            found.iter().map(|s| describe(s)).collect(),
        )),
    }
}

/// Systems that match part of the selector, or its name in another letter case.
fn near_misses(selector: &Selector, landscape: &Landscape) -> Vec<String> {
    let lower = selector.name.as_ref().map(|n| n.to_lowercase());
    landscape
        .systems
        .iter()
        .filter(|s| {
            lower.as_ref().is_some_and(|n| s.name.to_lowercase() == *n)
                || selector.id.as_ref().is_some_and(|v| *v == s.id)
                || selector.system_number.is_some() && selector.system_number == s.system_number
        })
        .take(NEAR_MISSES)
        .map(describe)
        .collect()
}

/// `"Name" (id X, system number N, TYPE)`.
pub fn describe(s: &System) -> String {
    let number = s
        .system_number
        .as_ref()
        .map(|n| format!(", system number {n}"))
        .unwrap_or_default();
    format!("{:?} (id {}{number}, {})", s.name, s.id, s.system_type)
}
