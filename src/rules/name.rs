//! The name rules: syntax, length, uniqueness, and the similar-case warning.

use super::{Finding, RuleKind};
use crate::catalog::Catalog;
use crate::landscape::Landscape;

/// Checks a formation name; returns (violations, warnings).
pub fn check_name(
    name: &str,
    landscape: &Landscape,
    catalog: &Catalog,
) -> (Vec<Finding>, Vec<Finding>) {
    let mut violations = Vec::new();
    let mut warnings = Vec::new();
    if let Some(problem) = syntax_problem(name) {
        violations.push(Finding::new(
            RuleKind::NameSyntax,
            Vec::new(),
            problem,
            Some("Use Latin letters, digits, spaces, '-' and '_', starting and ending with a letter or digit.".into()),
        ));
    }
    let max = catalog.name_rules.max_length;
    let length = name.chars().count();
    if length > max {
        violations.push(Finding::new(
            RuleKind::NameLength,
            Vec::new(),
            format!("The name is {length} characters long; at most {max} are allowed."),
            Some(format!("Shorten the name by {} characters.", length - max)),
        ));
    }
    if !name.is_empty() {
        if let Some(f) = landscape.formation_named(name) {
            violations.push(Finding::new(
                RuleKind::NameUnique,
                Vec::new(),
                format!(
                    "A formation named \"{}\" already exists ({}).",
                    f.name, f.id
                ),
                Some("Choose another name.".into()),
            ));
        } else if let Some(f) = landscape
            .formations_named_ignoring_case(name)
            .next()
            .or_else(|| landscape.formations.iter().find(|f| similar(&f.name, name)))
        {
            warnings.push(Finding::new(
                RuleKind::NameSimilar,
                Vec::new(),
                format!(
                    "A formation named \"{}\" exists; this name differs only in letter case, spacing or '-'/'_'.",
                    f.name
                ),
                Some("Make sure you mean a new formation, or pick a more distinct name.".into()),
            ));
        }
    }
    (violations, warnings)
}

/// Whether two names read the same to a person: equal once letter case, white space, '-'
/// and '_' are ignored ("Task Center EU" and "TaskCenter-eu"). Allocates nothing: it runs
/// over every formation on each keystroke.
fn similar(a: &str, b: &str) -> bool {
    fn squashed(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '_')))
            .flat_map(char::to_lowercase)
    }
    squashed(a).eq(squashed(b))
}

fn syntax_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("The name is empty.".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_')))
    {
        let shown = if c.is_control() || c.is_whitespace() {
            format!("U+{:04X}", c as u32)
        } else {
            format!("'{c}'")
        };
        return Some(format!("The name contains {shown}, which is not allowed."));
    }
    let first = name.chars().next()?;
    let last = name.chars().next_back()?;
    if !first.is_ascii_alphanumeric() {
        return Some(format!(
            "The name starts with '{first}'; it must start with a letter or digit."
        ));
    }
    if !last.is_ascii_alphanumeric() {
        return Some(format!(
            "The name ends with '{last}'; it must end with a letter or digit."
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::similar;

    #[test]
    fn similar_names_differ_only_in_case_spacing_or_separators() {
        let table = [
            ("Task Center EU", "task center eu", true),
            ("Task Center EU", "TaskCenter EU", true),
            ("Task Center EU", "Task  Center  EU", true),
            ("Task Center EU", "Task-Center_EU", true),
            ("Task Center EU", "Task Center US", false),
            ("Task Center EU", "Task Center EU2", false),
            ("Task Center EU", "Task Centre EU", false),
            ("", "", true),
        ];
        for (a, b, want) in table {
            assert_eq!(similar(a, b), want, "{a:?} vs {b:?}");
        }
    }
}
