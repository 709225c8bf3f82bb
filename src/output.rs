//! How verdicts are printed: the JSON contract of DESIGN.md §3, and plain text in which
//! every string from the landscape is neutralised.

use std::fmt::Write as _;

use serde::Serialize;

use crate::backend::Created;
use crate::catalog::{Catalog, FormationType};
use crate::landscape::{Landscape, Name, System};
use crate::plan::FormationPlan;
use crate::rules::{self, Candidate, Finding, Report};
use crate::text::neutralise;

#[derive(Debug, Serialize)]
pub struct PlanSummary<'a> {
    pub name: &'a str,
    #[serde(rename = "type")]
    pub type_name: &'a str,
    pub type_id: &'a str,
    pub systems: &'a [String],
}

/// The object `check --format json` prints; `create` adds `created`.
#[derive(Debug, Serialize)]
pub struct Verdict<'a> {
    pub valid: bool,
    pub formation: PlanSummary<'a>,
    #[serde(serialize_with = "findings_with_fixes")]
    pub violations: &'a [Finding],
    pub warnings: &'a [Finding],
    #[serde(serialize_with = "candidates_with_fixes")]
    pub candidates: &'a [Candidate],
    pub auto_enabled: &'a [rules::AutoEnabled],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<&'a Created>,
    /// Once created: what comes next (the catalog's words for the type).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub next_steps: &'a [String],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

impl<'a> Verdict<'a> {
    pub fn new(plan: &'a FormationPlan, ftype: &'a FormationType, report: &'a Report) -> Self {
        Verdict {
            valid: report.valid,
            formation: PlanSummary {
                name: &plan.name,
                type_name: &ftype.name,
                type_id: &ftype.id,
                systems: &plan.systems,
            },
            violations: &report.violations,
            warnings: &report.warnings,
            candidates: &report.candidates,
            auto_enabled: &report.auto_enabled,
            created: None,
            next_steps: &[],
            dry_run: false,
        }
    }

    /// The verdict of a formation that was created: with it, what comes next.
    pub fn created(mut self, created: &'a Created, ftype: &'a FormationType) -> Self {
        self.created = Some(created);
        self.next_steps = &ftype.next_steps;
        self
    }
}

/// A candidate or a violation as printed: its own fields and, beside them, `fixes`:
/// every fix (the candidate's `fix` keeps only the first, `reason` joins the reasons),
/// in the engine's words like `fix`; the text output words them for the command line.
#[derive(Serialize)]
struct WithFixes<'a, T: Serialize> {
    #[serde(flatten)]
    item: &'a T,
    fixes: Vec<&'a str>,
}

fn candidates_with_fixes<S: serde::Serializer>(
    list: &&[Candidate],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(list.iter().map(|c| {
        let mut fixes: Vec<&str> = Vec::new();
        for fix in c.blockers.iter().filter_map(|b| b.fix.as_deref()) {
            if !fixes.contains(&fix) {
                fixes.push(fix);
            }
        }
        WithFixes { item: c, fixes }
    }))
}

fn findings_with_fixes<S: serde::Serializer>(list: &&[Finding], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(list.iter().map(|f| WithFixes {
        item: f,
        fixes: f.fix.iter().map(String::as_str).collect(),
    }))
}

/// `value` as pretty JSON in which every string, key or value, went through
/// [`neutralise`] like the text output: serde escapes C0 controls but passes C1 controls,
/// bidi and invisible characters raw, and a terminal showing the JSON would obey them.
pub fn json<T: Serialize>(value: &T) -> String {
    // Serialising plain structs of strings and numbers cannot fail.
    match serde_json::to_value(value) {
        Ok(mut tree) => {
            neutralise_json(&mut tree);
            serde_json::to_string_pretty(&tree)
        }
        Err(e) => Err(e),
    }
    .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn neutralise_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(clean) = neutralise(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(neutralise_json),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut v) in entries {
                neutralise_json(&mut v);
                map.insert(neutralise(&key).into_owned(), v);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

pub fn verdict_text(v: &Verdict<'_>, landscape: &Landscape) -> String {
    let mut out = String::new();
    let state = match (v.created, v.valid, v.dry_run) {
        (Some(c), _, _) => format!(
            "created as {} ({})",
            neutralise(&c.id),
            neutralise(&c.status)
        ),
        (None, true, true) => "valid; dry run, nothing was created".into(),
        (None, true, false) => "valid".into(),
        (None, false, _) => format!(
            "not valid: {} rule{} broken",
            v.violations.len(),
            rules::plural(v.violations.len())
        ),
    };
    let _ = writeln!(
        out,
        "Formation \"{}\" of type {}: {state}",
        neutralise(v.formation.name),
        v.formation.type_name
    );
    if !v.formation.systems.is_empty() {
        let _ = writeln!(out, "\nSystems:");
        for id in v.formation.systems {
            let (name, ty) = landscape
                .system(id)
                .map_or(("?", "?"), |s| (s.name.as_str(), s.system_type.as_str()));
            let _ = writeln!(
                out,
                "  {}  {} ({})",
                neutralise(id),
                neutralise(name),
                neutralise(ty)
            );
        }
    }
    findings(&mut out, "Violations", v.violations);
    findings(&mut out, "Warnings", v.warnings);
    if !v.auto_enabled.is_empty() {
        let _ = writeln!(out, "\nEnabled on creation:");
        for a in v.auto_enabled {
            let _ = writeln!(
                out,
                "  {}: {}",
                neutralise(&a.system),
                a.communication_scenarios.join(", ")
            );
        }
    }
    if !v.next_steps.is_empty() {
        let _ = writeln!(out, "\nNext:");
        for step in v.next_steps {
            let _ = writeln!(out, "  {step}");
        }
    }
    out
}

fn findings(out: &mut String, title: &str, list: &[Finding]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}:");
    for f in list {
        // A server's reason keeps its line breaks: each line neutralised on its own.
        let mut lines = f.message.lines();
        let first = lines.next().unwrap_or("");
        let _ = writeln!(out, "  [{}] {}", f.rule.as_str(), neutralise(first));
        for line in lines {
            let _ = writeln!(out, "      {}", neutralise(line));
        }
        if let Some(fix) = crate::cli_words::fix(f) {
            let _ = writeln!(out, "      fix: {}", neutralise(&fix));
        }
    }
}

pub fn types_text(catalog: &Catalog) -> String {
    let mut out = String::new();
    for t in &catalog.formation_types {
        let _ = writeln!(out, "{}  {}", t.id, t.name);
        if !t.former_names.is_empty() {
            let _ = writeln!(out, "    formerly: {}", t.former_names.join("; "));
        }
        let _ = writeln!(out, "    {}", t.description);
        let members: Vec<String> = t
            .system_types
            .iter()
            .map(|a| format!("{} ({})", a.label(), count_range(a.min, a.max)))
            .collect();
        let _ = writeln!(out, "    systems: {}", members.join(", "));
        for c in &t.constraints {
            let _ = writeln!(out, "    rule: {}", constraint_text(c));
        }
        for a in &t.auto_enabled {
            let _ = writeln!(
                out,
                "    enables on {}: {}",
                a.system_type,
                a.communication_scenarios.join(", ")
            );
        }
        out.push('\n');
    }
    out
}

pub fn count_range(min: usize, max: Option<usize>) -> String {
    match (min, max) {
        (0, None) => "any number".into(),
        (min, None) => format!("{min} or more"),
        (min, Some(max)) if min == max => format!("exactly {min}"),
        (0, Some(max)) => format!("at most {max}"),
        (min, Some(max)) => format!("{min} to {max}"),
    }
}

fn constraint_text(c: &crate::catalog::Constraint) -> String {
    use crate::catalog::Constraint::*;
    match c {
        IsNotAssignedToAnyFormationOfType {
            system_types,
            except_system_types,
        } => {
            let who = if system_types.iter().any(|t| t == crate::catalog::ANY_TYPE) {
                "any system".to_owned()
            } else {
                format!("a system of type {}", rules::join_or(system_types, "or"))
            };
            let except = if except_system_types.is_empty() {
                String::new()
            } else {
                format!(" (except {})", except_system_types.join(", "))
            };
            format!("{who} may be in only one formation of this type{except}")
        }
        ContainsScenarioGroups {
            system_type,
            required_scenario_groups,
        } => format!(
            "{} must be registered with the group {}",
            if system_type == crate::catalog::ANY_TYPE {
                "every system"
            } else {
                system_type.as_str()
            },
            rules::join_or(required_scenario_groups, "or")
        ),
        RequiresRegistrationStatus {
            system_type,
            status,
        } => {
            format!("{system_type} must have the status {status}")
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SystemRow<'a> {
    pub id: &'a str,
    pub name: &'a str,
    #[serde(rename = "type")]
    pub system_type: &'a str,
    pub status: &'a str,
    pub scenario_groups: &'a [Name],
    pub formations: Vec<&'a str>,
}

pub fn system_rows(landscape: &Landscape) -> Vec<SystemRow<'_>> {
    landscape
        .systems
        .iter()
        .enumerate()
        .map(|(pos, s)| SystemRow {
            id: &s.id,
            name: &s.name,
            system_type: &s.system_type,
            status: s.status_str(),
            scenario_groups: &s.scenario_groups,
            formations: landscape
                .formations_of(pos)
                .map(|f| f.name.as_str())
                .collect(),
        })
        .collect()
}

pub fn systems_text(rows: &[SystemRow<'_>]) -> String {
    let mut out = String::new();
    for r in rows {
        let _ = writeln!(out, "{}  {}", neutralise(r.id), neutralise(r.name));
        let status = if r.status.is_empty() {
            "no status"
        } else {
            r.status
        };
        let _ = writeln!(
            out,
            "    type: {}; status: {}",
            neutralise(r.system_type),
            neutralise(status)
        );
        if !r.scenario_groups.is_empty() {
            let _ = writeln!(
                out,
                "    scenario groups: {}",
                neutralise(&r.scenario_groups.join(", "))
            );
        }
        if !r.formations.is_empty() {
            let _ = writeln!(
                out,
                "    in formations: {}",
                neutralise(&r.formations.join(", "))
            );
        }
    }
    out
}

#[derive(Debug, Serialize)]
pub struct Excluded<'a> {
    pub id: &'a str,
    pub name: &'a str,
    #[serde(rename = "type")]
    pub system_type: &'a str,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct TypeCandidates<'a> {
    #[serde(rename = "type")]
    pub type_name: &'a str,
    pub type_id: &'a str,
    pub candidates: &'a [Candidate],
    pub excluded: Vec<Excluded<'a>>,
}

pub fn excluded<'a>(ftype: &'a FormationType, landscape: &'a Landscape) -> Vec<Excluded<'a>> {
    rules::excluded_systems(ftype, landscape)
        .map(|(s, reason): (&System, String)| Excluded {
            id: &s.id,
            name: &s.name,
            system_type: &s.system_type,
            reason,
        })
        .collect()
}

pub fn candidates_text(tc: &TypeCandidates<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Systems for a formation of type {}:", tc.type_name);
    for c in tc.candidates {
        let mark = if c.selectable { "ok" } else { "no" };
        let _ = writeln!(
            out,
            "  [{mark}] {}  {} ({})",
            neutralise(&c.id),
            neutralise(&c.name),
            neutralise(&c.system_type)
        );
        if let Some(reason) = &c.reason {
            let _ = writeln!(out, "       why: {}", neutralise(reason));
        }
        if let Some(fix) = c.blockers.first().and_then(crate::cli_words::fix) {
            let _ = writeln!(out, "       fix: {}", neutralise(&fix));
        }
    }
    if !tc.excluded.is_empty() {
        let _ = writeln!(out, "\nNot taken by this type:");
        for e in &tc.excluded {
            let _ = writeln!(
                out,
                "  {}  {}: {}",
                neutralise(e.id),
                neutralise(e.name),
                neutralise(&e.reason)
            );
        }
    }
    out
}
