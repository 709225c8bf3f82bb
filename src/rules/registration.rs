//! A system's registration and scenario groups, read the way the Director reads them
//! (director-behaviour.md §5.3) when the landscape carries the Director's facts
//! (`condition`, `latest_token`), and from the older fields (`status`, `scenario_groups`)
//! otherwise, so that every landscape file keeps its meaning.
//!
//! The Director's `ContainsScenarioGroups`: not `CONNECTED` → refused; no token → refused;
//! a token without groups (legacy) → accepted; groups given as `{"key","description"}` →
//! accepted when a key is one the rule requires. Where the credentials could not read the
//! token, neither a pass nor a refusal is honest: the answer is `Unknown`.

use serde_json::Value;

use crate::catalog::{Catalog, FormationType};
use crate::landscape::System;

/// The verdict on a system's scenario groups for a formation type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Groups {
    /// The type requires no group of this system.
    NotRequired,
    Satisfied,
    /// Registered, but with none of the required groups.
    Missing,
    /// Connected, but no registration token was ever requested.
    NoToken,
    /// The token cannot be read with these credentials: the Director will decide.
    Unknown,
}

/// Whether the system carries the Director's registration facts.
pub fn director_facts(s: &System) -> bool {
    s.condition.is_some()
}

/// Whether the system's registration satisfies what `ftype` needs of its type: on the
/// Director, `ContainsScenarioGroups` needs `CONNECTED`; in a file, the catalog's
/// registration status.
pub fn registered(ftype: &FormationType, catalog: &Catalog, s: &System) -> bool {
    if let Some(condition) = s.condition.as_deref() {
        return ftype.required_groups(&s.system_type).is_none() || condition == "CONNECTED";
    }
    match ftype.required_status(&s.system_type) {
        None => true,
        Some(required) => effective_status(catalog, s, required) == required,
    }
}

/// Types registered without a token show no status once they are registered.
pub fn effective_status<'a>(catalog: &Catalog, s: &'a System, required: &'a str) -> &'a str {
    let status = s.status_str();
    if status.is_empty() && !catalog.needs_token(&s.system_type) {
        required
    } else {
        status
    }
}

pub fn groups(ftype: &FormationType, catalog: &Catalog, s: &System) -> Groups {
    let Some(required) = ftype.required_groups(&s.system_type) else {
        return Groups::NotRequired;
    };
    if let Some(token) = &s.latest_token {
        // Several tokens of the newest second: assume the weaker (§5.3).
        return if std::iter::once(&token.scenario_groups)
            .chain(&token.tied)
            .all(|pieces| pieces.is_empty() || token_matches(pieces, required, catalog))
        {
            Groups::Satisfied
        } else {
            Groups::Missing
        };
    }
    if s.token_unreadable {
        return Groups::Unknown;
    }
    if director_facts(s) {
        return Groups::NoToken;
    }
    if s.scenario_groups
        .iter()
        .any(|g| required.iter().any(|r| r == g))
    {
        Groups::Satisfied
    } else {
        Groups::Missing
    }
}

/// Whether the verdict on `s` was decided by a tie: of its tokens of the newest second one
/// would do and another would not, and the Director cannot be asked which came last.
pub fn decided_by_tie(ftype: &FormationType, catalog: &Catalog, s: &System) -> bool {
    let (Some(required), Some(token)) = (ftype.required_groups(&s.system_type), &s.latest_token)
    else {
        return false;
    };
    let fits = |pieces: &Vec<String>| pieces.is_empty() || token_matches(pieces, required, catalog);
    let mut all = std::iter::once(&token.scenario_groups).chain(&token.tied);
    !token.tied.is_empty() && all.clone().any(fits) && !all.all(fits)
}

/// The Director's comparison: every piece parses as `{"key": …}` → keys against the
/// required keys; otherwise the raw strings (§5.3). A display name also matches, for
/// landscape files written by people and for keys that are the display name.
fn token_matches(pieces: &[String], required: &[String], catalog: &Catalog) -> bool {
    let wanted: Vec<&str> = required.iter().map(|d| catalog.group_key(d)).collect();
    let keys: Option<Vec<String>> = pieces.iter().map(|p| piece_key(p)).collect();
    // The hosted keys are not public (director-behaviour.md §1.2): a key equal to the
    // group's display name is accepted too.
    match keys {
        Some(keys) => keys
            .iter()
            .any(|k| wanted.contains(&k.as_str()) || required.contains(k)),
        None => pieces
            .iter()
            .any(|p| wanted.contains(&p.as_str()) || required.contains(p)),
    }
}

fn piece_key(piece: &str) -> Option<String> {
    let v: Value = serde_json::from_str(piece).ok()?;
    v.get("key")?.as_str().map(str::to_owned)
}

/// The scenario groups a system is registered with, as display names: from its latest
/// token when known, else from the file's `scenario_groups`.
pub fn display_groups(catalog: &Catalog, s: &System) -> Vec<String> {
    match &s.latest_token {
        Some(token) => token
            .scenario_groups
            .iter()
            .map(|p| catalog.group_display(&piece_key(p).unwrap_or_else(|| p.clone())))
            .collect(),
        None => s
            .scenario_groups
            .iter()
            .map(|g| g.as_str().to_owned())
            .collect(),
    }
}
