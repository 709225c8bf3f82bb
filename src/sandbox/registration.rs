//! What the Director knows of a system's registration (§1.1, §5.3): its `status.condition`
//! and its latest one-time token with the scenario groups it was requested with. A landscape
//! file may say it the new way (`condition`, `latest_token`) or the old way (`status`
//! "Registered" ⇒ CONNECTED, `scenario_groups` ⇒ a token with those groups).

use crate::catalog::Catalog;
use crate::landscape::{Name, System};

/// The token as the server serves it under `Application.auths`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub scenario_groups: Vec<String>,
    pub created_at: Option<String>,
    pub used: bool,
}

/// The system's `status.condition`.
pub fn condition(s: &System) -> &str {
    match s.condition.as_deref() {
        Some(c) => c,
        None if s.status.as_deref() == Some("Registered") => "CONNECTED",
        None => "INITIAL",
    }
}

/// The latest one-time token, if the system has one.
pub fn latest_token(s: &System) -> Option<Token> {
    match &s.latest_token {
        Some(t) => Some(Token {
            scenario_groups: t.scenario_groups.clone(),
            created_at: t.requested_at.clone(),
            used: t.used,
        }),
        None if !s.scenario_groups.is_empty() => Some(Token {
            scenario_groups: s
                .scenario_groups
                .iter()
                .map(|g| g.as_str().to_owned())
                .collect(),
            created_at: None,
            used: true,
        }),
        None => None,
    }
}

/// The group keys of a token's pieces: each parsed as `{"key","description"}`; if any piece
/// does not parse, the raw strings are compared instead, as the operator does (§5.3).
pub fn group_keys(pieces: &[String]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Group {
        key: String,
    }
    let parsed: Option<Vec<String>> = pieces
        .iter()
        .map(|p| serde_json::from_str::<Group>(p).ok().map(|g| g.key))
        .collect();
    parsed.unwrap_or_else(|| pieces.to_vec())
}

/// The system as the shared rule engine should see it to decide as the Director does:
/// registered when CONNECTED, and carrying its latest token's groups (every group for a
/// legacy token without groups, none without a token).
pub fn as_director_sees(s: &System, catalog: &Catalog) -> System {
    let mut out = s.clone();
    if s.condition.is_some() {
        out.status = (condition(s) == "CONNECTED").then(|| "Registered".into());
    }
    out.scenario_groups = match latest_token(s) {
        Some(t) if t.scenario_groups.is_empty() => {
            catalog.scenario_groups.iter().map(Name::from).collect()
        }
        Some(t) => group_keys(&t.scenario_groups)
            .into_iter()
            .map(Name::from)
            .collect(),
        None => Vec::new(),
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::TokenInfo;

    fn s4() -> System {
        System {
            id: "s".into(),
            name: "S".into(),
            system_type: "SAP S/4HANA Cloud".into(),
            ..System::default()
        }
    }

    #[test]
    fn json_pieces_match_by_key_and_a_bad_piece_falls_back_to_raw() {
        let pieces = vec![r#"{"key":"K1","description":"D1"}"#.to_owned()];
        assert_eq!(group_keys(&pieces), vec!["K1"]);
        let mixed = vec![pieces[0].clone(), "plain".to_owned()];
        assert_eq!(group_keys(&mixed), mixed);
    }

    #[test]
    fn old_files_keep_their_meaning() {
        let mut s = s4();
        s.status = Some("Registered".into());
        s.scenario_groups = vec!["G".into()];
        assert_eq!(condition(&s), "CONNECTED");
        assert_eq!(
            latest_token(&s).map(|t| t.scenario_groups),
            Some(vec!["G".into()])
        );
    }

    #[test]
    fn a_token_without_groups_is_unrestricted() {
        let catalog = Catalog::embedded().expect("the embedded catalog is valid");
        let mut s = s4();
        s.condition = Some("CONNECTED".into());
        s.latest_token = Some(TokenInfo::default());
        let seen = as_director_sees(&s, &catalog);
        assert_eq!(seen.status.as_deref(), Some("Registered"));
        assert_eq!(seen.scenario_groups, catalog.scenario_groups);
    }
}
