//! The rule engine: pure and synchronous. Given a landscape, the catalog and a plan it
//! returns the violations, the warnings, and for every candidate system whether it can be
//! selected and why not. The TUI, the commands and the sandbox server all call `evaluate`.

mod assignment;
mod checker;
mod describe;
mod name;
pub mod registration;
mod system;

use serde::Serialize;

use crate::catalog::{ANY_OTHER_TYPE, Catalog};
use crate::landscape::Landscape;
use crate::plan::FormationPlan;

pub use assignment::{check_assignment, check_assignments, check_unassignment, without_formation};
pub use checker::{Checker, TypeCount};
pub use describe::{Eligible, eligible_counts, enables_in_words, rules_in_words};
pub use name::check_name;
pub use system::{
    Availability, Problems, availability, excluded_systems, exclusion_reason, groups_unknown,
    problems, system_blockers,
};

/// The rule kinds of DESIGN.md §3; their snake_case names are the JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    NameSyntax,
    NameLength,
    NameUnique,
    NameSimilar,
    Role,
    SystemTypeNotAllowed,
    MinSystemsOfType,
    MaxSystemsOfType,
    SystemInOtherFormationOfType,
    ScenarioGroup,
    RegistrationStatus,
}

impl RuleKind {
    pub const ALL: [RuleKind; 11] = [
        RuleKind::NameSyntax,
        RuleKind::NameLength,
        RuleKind::NameUnique,
        RuleKind::NameSimilar,
        RuleKind::Role,
        RuleKind::SystemTypeNotAllowed,
        RuleKind::MinSystemsOfType,
        RuleKind::MaxSystemsOfType,
        RuleKind::SystemInOtherFormationOfType,
        RuleKind::ScenarioGroup,
        RuleKind::RegistrationStatus,
    ];

    /// The kind whose JSON name is `name`.
    pub fn from_name(name: &str) -> Option<RuleKind> {
        RuleKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::NameSyntax => "name_syntax",
            RuleKind::NameLength => "name_length",
            RuleKind::NameUnique => "name_unique",
            RuleKind::NameSimilar => "name_similar",
            RuleKind::Role => "role",
            RuleKind::SystemTypeNotAllowed => "system_type_not_allowed",
            RuleKind::MinSystemsOfType => "min_systems_of_type",
            RuleKind::MaxSystemsOfType => "max_systems_of_type",
            RuleKind::SystemInOtherFormationOfType => "system_in_other_formation_of_type",
            RuleKind::ScenarioGroup => "scenario_group",
            RuleKind::RegistrationStatus => "registration_status",
        }
    }
}

/// One broken rule (or a warning): which rule, the systems it concerns, what is wrong and,
/// where one exists, what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: RuleKind,
    pub systems: Vec<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The fix as an action, for a surface that words it its own way (the command line
    /// names flags); `fix` is the wording for people choosing on a screen.
    #[serde(skip)]
    pub action: Option<FixAction>,
}

/// What a fix asks for, without words: each surface phrases it (`cli_words` for the
/// commands; the wizard uses `Finding::fix`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixAction {
    /// Add a system of one of these types (labels as the catalog names them).
    AddSystemOf(Vec<String>),
    /// Keep at most `max` of these systems (ids).
    KeepAtMost { max: usize, systems: Vec<String> },
    /// Take these systems (ids) out of the selection to choose `add` instead.
    Replace { drop: Vec<String>, add: String },
}

impl Finding {
    pub fn new(rule: RuleKind, systems: Vec<String>, message: String, fix: Option<String>) -> Self {
        Finding {
            rule,
            systems,
            message,
            fix,
            action: None,
        }
    }

    pub fn with_action(mut self, action: FixAction) -> Self {
        self.action = Some(action);
        self
    }

    pub fn touches(&self, system_id: &str) -> bool {
        self.systems.iter().any(|s| s == system_id)
    }
}

/// A system of a type the formation type takes, and whether it can be (or stay) selected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub system_type: String,
    pub selected: bool,
    pub selectable: bool,
    /// Every rule that stops this system, first the most fundamental.
    #[serde(skip)]
    pub blockers: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// No rule stops it as far as the landscape says, but a fact a rule needs could not be
    /// read (its registration token, with credentials that may not read tokens): the
    /// Director decides when it is assigned. The warning says what and how to know first.
    #[serde(skip)]
    pub director_decides: Option<Finding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AutoEnabled {
    pub system: String,
    pub communication_scenarios: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub valid: bool,
    pub violations: Vec<Finding>,
    pub warnings: Vec<Finding>,
    pub candidates: Vec<Candidate>,
    pub auto_enabled: Vec<AutoEnabled>,
}

impl Report {
    pub fn candidate(&self, id: &str) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.id == id)
    }
}

/// A `Report` without its candidates: what a plan's verdict costs in O(selected), for
/// callers that ask about single candidates on demand (`Checker::candidate`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    pub valid: bool,
    pub violations: Vec<Finding>,
    pub warnings: Vec<Finding>,
    pub auto_enabled: Vec<AutoEnabled>,
}

impl From<Report> for Verdict {
    fn from(r: Report) -> Verdict {
        Verdict {
            valid: r.valid,
            violations: r.violations,
            warnings: r.warnings,
            auto_enabled: r.auto_enabled,
        }
    }
}

/// Checks a plan against every rule of its formation type. A plan whose type is not in the
/// catalog has no candidates and fails with `system_type_not_allowed` for each system.
pub fn evaluate(plan: &FormationPlan, landscape: &Landscape, catalog: &Catalog) -> Report {
    evaluate_with(plan, landscape, catalog, true)
}

/// [`evaluate`] without `candidates` (left empty): the verdict alone, for an answer that
/// does not list them, such as the text of `check`. Listing the candidates spells out a
/// reason for every system of an allowed type, which at 100,000 systems costs more than
/// the verdict itself.
pub fn evaluate_verdict(plan: &FormationPlan, landscape: &Landscape, catalog: &Catalog) -> Report {
    evaluate_with(plan, landscape, catalog, false)
}

fn evaluate_with(
    plan: &FormationPlan,
    landscape: &Landscape,
    catalog: &Catalog,
    candidates: bool,
) -> Report {
    let Some(mut checker) = Checker::new(&plan.type_id, landscape, catalog) else {
        let (mut violations, warnings) = check_name(&plan.name, landscape, catalog);
        violations.extend(check_role(landscape, catalog));
        violations.extend(plan.systems.iter().map(|id| {
            Finding::new(
                RuleKind::SystemTypeNotAllowed,
                vec![id.clone()],
                format!(
                    "the formation type \"{}\" is not in the catalog",
                    plan.type_id
                ),
                None,
            )
        }));
        return Report {
            valid: violations.is_empty(),
            violations,
            warnings,
            candidates: Vec::new(),
            auto_enabled: Vec::new(),
        };
    };
    for id in &plan.systems {
        checker.set(landscape, catalog, id, true);
    }
    if candidates {
        return checker.report(&plan.name, landscape, catalog);
    }
    let v = checker.verdict(&plan.name, landscape, catalog);
    Report {
        valid: v.valid,
        violations: v.violations,
        warnings: v.warnings,
        candidates: Vec::new(),
        auto_enabled: v.auto_enabled,
    }
}

/// The `role` rule: with a known user, creating needs an administrator role.
pub fn check_role(landscape: &Landscape, catalog: &Catalog) -> Option<Finding> {
    let user = landscape.user.as_ref()?;
    if catalog.is_admin(&user.roles) {
        return None;
    }
    let has = if user.roles.is_empty() {
        "no role".to_owned()
    } else {
        format!("only {}", join_or(&user.roles, "and"))
    };
    let who = if user.name.is_empty() {
        "The user"
    } else {
        &user.name
    };
    Some(Finding::new(
        RuleKind::Role,
        Vec::new(),
        format!(
            "{who} has {has}; creating a formation needs {}.",
            join_or(&catalog.admin_roles, "or")
        ),
        Some(format!(
            "Ask a global account administrator to assign you the role collection {}.",
            catalog.admin_roles.first().map_or("", String::as_str)
        )),
    ))
}

pub(crate) fn type_label(key: &str) -> &str {
    if key == ANY_OTHER_TYPE { "other" } else { key }
}

/// The system type as a noun before "system": "industry cloud solution system" would read
/// "… system system".
pub(crate) fn kind(key: &str) -> &str {
    let label = type_label(key);
    label.strip_suffix(" system").unwrap_or(label)
}

/// `phrase` with its indefinite article, as read aloud: "an SAP Task Center", "a Joule",
/// "an S/4HANA", "an other" becomes "another".
pub fn with_article(phrase: &str) -> String {
    if phrase == "other" || phrase.starts_with("other ") {
        return format!("an{phrase}");
    }
    let first = phrase.split(' ').next().unwrap_or_default();
    let initial = first.chars().next().map(|c| c.to_ascii_uppercase());
    // An abbreviation is spelled out letter by letter: "ess-ay-pee".
    let spelled = first.len() > 1 && first.chars().all(|c| !c.is_lowercase());
    let vowel_sound = match initial {
        Some('A' | 'E' | 'I' | 'O') => true,
        Some('F' | 'H' | 'L' | 'M' | 'N' | 'R' | 'S' | 'X') => spelled,
        _ => false,
    };
    format!("{} {phrase}", if vowel_sound { "an" } else { "a" })
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "A", "A or B", "A, B or C".
pub fn join_or<S: AsRef<str>>(items: &[S], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => format!(
            "{} {word} {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

#[cfg(test)]
mod wording_tests {
    use super::*;

    #[test]
    fn articles_and_nouns_read_as_spoken() {
        let table = [
            ("SAP Task Center", "an SAP Task Center"),
            ("Joule", "a Joule"),
            ("S/4HANA Cloud", "an S/4HANA Cloud"),
            ("SuccessFactors", "a SuccessFactors"),
            ("Ariba", "an Ariba"),
            ("other", "another"),
            ("industry cloud solution", "an industry cloud solution"),
        ];
        for (phrase, want) in table {
            assert_eq!(with_article(phrase), want);
        }
        assert_eq!(
            kind("industry cloud solution system"),
            "industry cloud solution"
        );
        assert_eq!(kind("SAP Task Center"), "SAP Task Center");
    }
}
