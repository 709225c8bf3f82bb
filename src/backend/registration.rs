//! Registering a system and requesting its registration (one-time) token, the same for
//! every backend (director-behaviour.md §5). A registration token is a credential: it is
//! held in a `SecretString`, never in `Debug`, never written to a landscape file.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::catalog::Catalog;
use crate::landscape::System;

/// Where the token goes in SAP S/4HANA Cloud, step by step.
pub const PASTE_STEPS: &[&str] = &[
    "Sign in to SAP S/4HANA Cloud as an administrator.",
    "Open the app Maintain Extensions on SAP BTP and choose New.",
    "Paste the registration token, add a description, and save.",
    "The system then shows as connected here (this can take a few minutes).",
];

/// The scenario groups a token for `system_type` should carry when nobody says otherwise:
/// for each formation type that requires groups of it, the first of that type's accepted
/// groups (display names, each once; the catalog lists the broadest first).
pub fn needed_groups(catalog: &Catalog, system_type: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in &catalog.formation_types {
        let first = t.required_groups(system_type).and_then(<[String]>::first);
        if let Some(g) = first.filter(|g| !out.contains(g)) {
            out.push(g.clone());
        }
    }
    out
}

/// A scenario group given by display name or key, as its display name.
pub fn group_named(catalog: &Catalog, given: &str) -> Result<String, String> {
    let display = catalog.group_display(given);
    catalog
        .scenario_groups
        .iter()
        .find(|g| g.eq_ignore_ascii_case(&display))
        .cloned()
        .ok_or_else(|| {
            format!(
                "\"{}\" is not a scenario group; the groups are: {}",
                crate::text::neutralise(given),
                catalog.scenario_groups.join(", ")
            )
        })
}

/// How long a token issued by the local backend or the sandbox stays valid.
pub const TOKEN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(3600);

/// The Director's limit on an application's name (§5.1).
const MAX_NAME: usize = 100;

/// A system to register: checked with `check` before anything is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSystem {
    pub name: String,
    pub system_type: String,
    pub description: Option<String>,
}

impl NewSystem {
    /// One sentence on what is wrong with the input, if anything: a name of 1..100
    /// characters without control characters, a system type the catalog knows.
    pub fn check(&self, catalog: &Catalog) -> Result<(), String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("the system needs a name".into());
        }
        if name.chars().count() > MAX_NAME {
            return Err(format!("a system name has at most {MAX_NAME} characters"));
        }
        if name.chars().any(char::is_control) {
            return Err("a system name cannot contain control characters".into());
        }
        if !known_type(catalog, &self.system_type) {
            return Err(format!(
                "\"{}\" is not a system type of the catalog",
                crate::text::neutralise(&self.system_type)
            ));
        }
        Ok(())
    }
}

/// A system type the catalog names: registered with a token, or allowed by a formation type.
pub fn known_type(catalog: &Catalog, system_type: &str) -> bool {
    catalog.needs_token(system_type)
        || catalog.formation_types.iter().any(|f| {
            f.system_types.iter().any(|a| {
                a.system_type == system_type && a.system_type != crate::catalog::ANY_OTHER_TYPE
            })
        })
}

/// A registration token as issued. `Debug` shows everything but the token.
#[derive(Clone, Serialize)]
pub struct IssuedToken {
    pub system_id: String,
    #[serde(serialize_with = "expose")]
    pub token: SecretString,
    pub connector_url: String,
    /// RFC 3339.
    pub expires_at: String,
    /// The scenario groups, as display names.
    pub scenario_groups: Vec<String>,
}

fn expose<S: serde::Serializer>(token: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(token.expose_secret())
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("system_id", &self.system_id)
            .field("token", &"[redacted]")
            .field("connector_url", &self.connector_url)
            .field("expires_at", &self.expires_at)
            .field("scenario_groups", &self.scenario_groups)
            .finish()
    }
}

impl IssuedToken {
    /// Seconds until it expires (negative once expired); `None` if the time is unreadable.
    pub fn seconds_left(&self, now: OffsetDateTime) -> Option<i64> {
        let at = OffsetDateTime::parse(&self.expires_at, &Rfc3339).ok()?;
        Some((at - now).whole_seconds())
    }
}

/// One scenario group as the Director stores it in a token: `{"key","description"}`.
pub fn group_piece(catalog: &Catalog, display: &str) -> String {
    serde_json::json!({ "key": catalog.group_key(display), "description": display }).to_string()
}

/// The `scenario_groups` header of §5.2: one JSON object per group, no space inside an
/// object (a space after an inner comma would split it), joined by `", "`.
pub fn scenario_groups_header(catalog: &Catalog, groups: &[String]) -> String {
    groups
        .iter()
        .map(|g| group_piece(catalog, g))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The header's pieces, as the Director splits them (§5.2).
pub fn header_pieces(header: &str) -> Vec<String> {
    header
        .split(", ")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `s` is connected with a used token that carries one of `groups` (display
/// names): what `wait --connected` and the Register panel wait for.
pub fn connected_with(s: &System, groups: &[String], catalog: &Catalog) -> bool {
    let connected = match s.condition.as_deref() {
        Some(c) => c == "CONNECTED",
        None => s.status.as_deref() == Some("Registered"),
    };
    let Some(token) = &s.latest_token else {
        // Credentials that cannot read tokens see only the condition (§1.1).
        return connected && (groups.is_empty() || s.token_unreadable);
    };
    let has_group = groups.is_empty()
        || token.scenario_groups.is_empty()
        || crate::rules::registration::display_groups(catalog, s)
            .iter()
            .any(|g| groups.contains(g));
    connected && token.used && has_group
}

/// Now, as RFC 3339 (seconds).
pub fn now_rfc3339() -> String {
    rfc3339(OffsetDateTime::now_utc())
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// A fresh random token (the local backend's and the sandbox's).
pub fn new_token() -> SecretString {
    let raw = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    SecretString::from(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_joins_compact_objects_with_comma_space() {
        let catalog = crate::catalog::Catalog::embedded().expect("embedded catalog");
        let groups = vec![
            "All Communication Scenarios".to_owned(),
            "Integration with SAP Start".to_owned(),
        ];
        let header = scenario_groups_header(&catalog, &groups);
        assert_eq!(
            header,
            "{\"key\":\"ALL_COMMUNICATION_SCENARIOS\",\"description\":\"All Communication Scenarios\"}, \
             {\"key\":\"INTEGRATION_WITH_SAP_START\",\"description\":\"Integration with SAP Start\"}"
        );
        assert_eq!(header_pieces(&header).len(), 2);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let t = IssuedToken {
            system_id: "s".into(),
            token: SecretString::from("very-secret-token"),
            connector_url: "u".into(),
            expires_at: now_rfc3339(),
            scenario_groups: vec![],
        };
        assert!(!format!("{t:?}").contains("very-secret-token"));
    }

    #[test]
    fn a_new_system_is_checked_before_sending() {
        let catalog = crate::catalog::Catalog::embedded().expect("embedded catalog");
        let ok = NewSystem {
            name: "Sales".into(),
            system_type: "SAP S/4HANA Cloud".into(),
            description: None,
        };
        assert!(ok.check(&catalog).is_ok());
        let blank = NewSystem {
            name: " ".into(),
            ..ok.clone()
        };
        assert!(blank.check(&catalog).is_err());
        let long = NewSystem {
            name: "x".repeat(101),
            ..ok.clone()
        };
        assert!(long.check(&catalog).is_err());
        let odd = NewSystem {
            system_type: "Nope".into(),
            ..ok
        };
        assert!(odd.check(&catalog).is_err());
    }
}
