//! The formations file (TOML): which formations a global account should have, with their
//! systems chosen by selectors that survive a move between global accounts. Parsing checks
//! the shape of the file; whether a selector finds its system is `resolve`'s question.

use std::ops::Range;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The whole file: optional defaults and the formations, each a `[[formation]]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "formation-wizard formations file")]
pub struct FormationsFile {
    /// Values a formation takes when it does not give its own.
    #[serde(default)]
    pub defaults: Defaults,
    /// The formations the global account should have.
    #[serde(default, rename = "formation")]
    #[schemars(with = "Vec<DeclaredFormation>")]
    pub formations: Vec<Spanned<DeclaredFormation>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// The formation type of every formation that names none: a catalog id, display name or
    /// former display name (see `formation-wizard types`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub formation_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclaredFormation {
    /// The formation's name, exactly (names are unique in a global account).
    pub name: String,
    /// The formation type: a catalog id, display name or former display name. Falls back to
    /// `defaults.type`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub formation_type: Option<String>,
    /// The systems that should be in the formation, and no others.
    #[serde(default)]
    #[schemars(with = "Vec<Selector>")]
    pub systems: Vec<Spanned<Selector>>,
}

/// Picks systems by what stays the same from one global account to the next. A system
/// matches when it matches every field given. Without `name_pattern` a selector must match
/// exactly one system; with it, it matches every system whose name fits the pattern (and
/// at least one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// The system id (ids differ between global accounts: prefer the name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The system's name, exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The system number, as the cockpit shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_number: Option<String>,
    /// The system type's display name, e.g. "SAP S/4HANA Cloud".
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub system_type: Option<String>,
    /// A glob over the system name: `*` any run of characters, `?` one character, `[abc]`
    /// one of a set, `{a,b}` alternatives; case-sensitive. Needs `type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_pattern: Option<String>,
}

impl Selector {
    /// The selector as written, for messages: `name = "X", system_number = "1"`.
    pub fn describe(&self) -> String {
        let fields = [
            ("id", &self.id),
            ("name", &self.name),
            ("system_number", &self.system_number),
            ("type", &self.system_type),
            ("name_pattern", &self.name_pattern),
        ];
        let parts: Vec<String> = fields
            .iter()
            // A value is cut by width: a pattern may be kilobytes long.
            .filter_map(|(k, v)| {
                v.as_ref()
                    .map(|v| format!("{k} = {:?}", crate::text::fit(v, 200)))
            })
            .collect();
        format!("{{ {} }}", parts.join(", "))
    }
}

/// A place in the file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A parsed formations file with what is needed to point back into its text.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub file: FormationsFile,
    /// Where the text came from (a path), for messages.
    pub origin: String,
    line_starts: Vec<usize>,
}

/// Why a formations file cannot be used; the message names the place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}, {location}: {problem}")]
pub struct FileError {
    pub origin: String,
    pub location: Location,
    pub problem: String,
}

impl Parsed {
    pub fn location(&self, span: Range<usize>) -> Location {
        locate(&self.line_starts, span.start)
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

fn locate(line_starts: &[usize], offset: usize) -> Location {
    let line = line_starts.partition_point(|&s| s <= offset).max(1);
    Location {
        line,
        column: offset - line_starts[line - 1] + 1,
    }
}

/// Parses and checks the shape of a formations file. `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Parsed, FileError> {
    let starts = line_starts(text);
    let error = |span: Option<Range<usize>>, problem: String| FileError {
        origin: origin.to_owned(),
        location: locate(&starts, span.map_or(0, |s| s.start)),
        problem,
    };
    let file: FormationsFile = toml::from_str(text).map_err(|e| {
        let context = e.span().and_then(|s| context_of(text, s.start));
        let message = e.message().trim_end().replace('\n', "; ");
        error(
            e.span(),
            format!("{}{message}", context.unwrap_or_default()),
        )
    })?;
    let parsed = Parsed {
        file,
        origin: origin.to_owned(),
        line_starts: starts.clone(),
    };
    check_shape(&parsed).map_err(|(span, problem)| error(Some(span), problem))?;
    Ok(parsed)
}

/// "formation "X", systems[2]: " for a place inside a formation, found in the file's syntax
/// tree, so that a misspelt field names the formation it is in.
fn context_of(text: &str, offset: usize) -> Option<String> {
    use toml::de::{DeTable, DeValue};
    let doc = DeTable::parse(text).ok()?;
    let list = doc.get_ref().get("formation")?;
    let DeValue::Array(items) = list.get_ref() else {
        return None;
    };
    // An `[[formation]]` table's span may cover only its header: take the last one that
    // starts before the error.
    let (index, item) = items
        .iter()
        .enumerate()
        .rfind(|(_, i)| i.span().start <= offset)?;
    let DeValue::Table(table) = item.get_ref() else {
        return None;
    };
    let name = match table.get("name").map(|n| n.get_ref()) {
        Some(DeValue::String(s)) => format!("formation {s:?}"),
        _ => format!("formation[{index}]"),
    };
    let selector = match table.get("systems").map(|s| s.get_ref()) {
        Some(DeValue::Array(systems)) => systems
            .iter()
            .position(|s| s.span().contains(&offset))
            .map(|i| format!(", systems[{i}]")),
        _ => None,
    };
    Some(format!("{name}{}: ", selector.unwrap_or_default()))
}

/// What serde cannot say: every selector names something to match, a pattern is a valid
/// glob and comes with a type, formation names are not repeated.
fn check_shape(parsed: &Parsed) -> Result<(), (Range<usize>, String)> {
    let mut seen: Vec<(String, Location)> = Vec::new();
    for f in &parsed.file.formations {
        let name = &f.get_ref().name;
        if name.trim().is_empty() {
            return Err((f.span(), "a formation has an empty name".into()));
        }
        let here = parsed.location(f.span());
        if let Some((_, at)) = seen.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err((
                f.span(),
                format!("formation {name:?} is declared again (first at {at})"),
            ));
        }
        seen.push((name.clone(), here));
        for (i, s) in f.get_ref().systems.iter().enumerate() {
            check_selector(s.get_ref()).map_err(|problem| {
                (
                    s.span(),
                    format!(
                        "formation {name:?}, systems[{i}] {}: {problem}",
                        s.get_ref().describe()
                    ),
                )
            })?;
        }
    }
    Ok(())
}

fn check_selector(s: &Selector) -> Result<(), String> {
    if s.id.is_none() && s.name.is_none() && s.system_number.is_none() && s.name_pattern.is_none() {
        return Err("a selector needs id, name, system_number or type with name_pattern".into());
    }
    if let Some(pattern) = &s.name_pattern {
        if s.system_type.is_none() {
            return Err(
                "name_pattern needs a type, so that a pattern cannot reach systems of every type"
                    .into(),
            );
        }
        glob(pattern)?;
    }
    Ok(())
}

/// The longest name pattern: a system name is at most a few hundred characters, and the
/// regex a pattern compiles to grows with it.
pub const MAX_PATTERN_CHARS: usize = 1024;
/// The most `{a,b}` alternatives (and `[…]` classes) one pattern may hold: thousands of them
/// make a regex larger than the regex crate compiles, and globset panics then.
pub const MAX_PATTERN_ALTERNATIVES: usize = 64;

/// The compiled name pattern; `*` also matches `/` (system names such as "S/4HANA").
/// Patterns over the bounds above are refused before they are compiled, and a regex that
/// still does not compile is an error, never a panic (globset's `compile_matcher` panics).
pub fn glob(pattern: &str) -> Result<globset::GlobSet, String> {
    let alternatives = pattern
        .chars()
        .filter(|c| matches!(c, ',' | '{' | '['))
        .count();
    if alternatives > MAX_PATTERN_ALTERNATIVES {
        return Err(format!(
            "the name_pattern has {alternatives} alternatives and classes ({{…,…}} and […]); at most {MAX_PATTERN_ALTERNATIVES} are allowed"
        ));
    }
    let chars = pattern.chars().count();
    if chars > MAX_PATTERN_CHARS {
        return Err(format!(
            "the name_pattern is {chars} characters long; at most {MAX_PATTERN_CHARS} are allowed"
        ));
    }
    let invalid = |e: globset::Error| {
        format!(
            "the name_pattern {} is not a valid glob: {}",
            crate::text::fit(&format!("{pattern:?}"), 80),
            e.kind()
        )
    };
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
        .map_err(invalid)?;
    globset::GlobSetBuilder::new()
        .add(glob)
        .build()
        .map_err(invalid)
}

/// The JSON Schema of the file, for editors (shipped as assets/formations.schema.json).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(FormationsFile);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[defaults]
type = "sap-task-center"

[[formation]]
name = "TC EU"
systems = [
  { name = "Task Center EU" },
  { name = "S/4HANA Production", system_number = "0001234" },
  { type = "SAP S/4HANA Cloud", name_pattern = "S/4HANA EU *" },
]

[[formation]]
name = "Start"
type = "Integration with SAP Start"
"#;

    fn problem(text: &str) -> String {
        parse(text, "f.toml").unwrap_err().to_string()
    }

    #[test]
    fn a_good_file_parses_with_defaults_and_places() {
        let p = parse(GOOD, "f.toml").unwrap();
        assert_eq!(
            p.file.defaults.formation_type.as_deref(),
            Some("sap-task-center")
        );
        assert_eq!(p.file.formations.len(), 2);
        let tc = &p.file.formations[0];
        assert_eq!(tc.get_ref().systems.len(), 3);
        assert_eq!(p.location(tc.get_ref().systems[1].span()).line, 9);
        assert_eq!(
            p.file.formations[1].get_ref().formation_type.as_deref(),
            Some("Integration with SAP Start")
        );
    }

    #[test]
    fn a_misspelt_field_names_the_formation_the_selector_and_the_place() {
        let e = problem(
            "[[formation]]\nname = \"X\"\nsystems = [\n  { name = \"a\" },\n  { nme = \"b\" },\n]\n",
        );
        assert!(e.starts_with("f.toml, line 5, column 5:"), "{e}");
        assert!(
            e.contains("formation \"X\", systems[1]") && e.contains("unknown field `nme`"),
            "{e}"
        );
        let e = problem("[[formation]]\nname = \"A\"\n[[formation]]\nname = \"B\"\ncolour = 1\n");
        assert!(
            e.contains("line 5") && e.contains("formation \"B\"") && e.contains("colour"),
            "{e}"
        );
        let e = problem("[defaults]\ntype = 3\n");
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn selectors_that_cannot_work_are_refused_with_the_reason() {
        let e =
            problem("[[formation]]\nname = \"X\"\nsystems = [{ type = \"SAP Task Center\" }]\n");
        assert!(
            e.contains("line 3")
                && e.contains("formation \"X\", systems[0]")
                && e.contains("needs id, name"),
            "{e}"
        );
        let e = problem("[[formation]]\nname = \"X\"\nsystems = [{ name_pattern = \"S*\" }]\n");
        assert!(e.contains("needs a type"), "{e}");
        let e = problem(
            "[[formation]]\nname = \"X\"\nsystems = [{ type = \"T\", name_pattern = \"S[\" }]\n",
        );
        assert!(e.contains("not a valid glob"), "{e}");
        let e = problem("[[formation]]\nname = \"X\"\n[[formation]]\nname = \"x\"\n");
        assert!(
            e.contains("line 3") && e.contains("declared again (first at line 1"),
            "{e}"
        );
        let e = problem("[[formation]]\nname = \" \"\n");
        assert!(e.contains("empty name"), "{e}");
    }

    #[test]
    fn glob_star_crosses_slashes_and_is_case_sensitive() {
        let g = glob("S/4HANA *").unwrap();
        assert!(g.is_match("S/4HANA EU Prod"));
        assert!(!g.is_match("s/4hana EU Prod"));
        assert!(glob("*/4*").unwrap().is_match("S/4HANA"));
    }

    /// The shipped schema is the one the types give; to update it after changing them:
    /// `FORMATION_WIZARD_WRITE_SCHEMA=1 cargo test --lib declare::file`.
    #[test]
    fn the_shipped_json_schema_is_generated_from_the_types() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/formations.schema.json");
        let generated = json_schema();
        if std::env::var_os("FORMATION_WIZARD_WRITE_SCHEMA").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let shipped = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(shipped, generated, "assets/formations.schema.json is stale");
        let schema: serde_json::Value = serde_json::from_str(&generated).unwrap();
        assert!(schema["properties"]["formation"].is_object(), "{schema}");
    }
}
