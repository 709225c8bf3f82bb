//! What `login` reads to check new credentials: the formation templates and one page of
//! systems; and, for a token that does not say its scopes, two probes that change nothing
//! (a mutation on an id or template that cannot exist: the Director checks the scope
//! before it looks the object up, director-behaviour.md §2.3).

use cynic::{Id, MutationBuilder, QueryBuilder};

use super::DirectorBackend;
use super::client::{CallError, Kind};
use super::errors;
use super::queries as q;

/// One page of systems, as far as `login` reports it.
#[derive(Debug, Clone)]
pub struct SystemsPage {
    /// Systems on the page read.
    pub shown: usize,
    /// The Director's `totalCount`.
    pub total: i64,
    /// Whether the systems' registration tokens could be read (`application.auths:read`,
    /// sanitised to `null` without it, §1.1): None when no system on the page has one to
    /// tell by.
    pub auths_visible: Option<bool>,
}

/// What the first reads found.
#[derive(Debug)]
pub struct FirstLook {
    pub templates: Result<usize, CallError>,
    pub systems: Result<SystemsPage, CallError>,
}

/// What a probe found out about one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    Allowed,
    /// Refused for lack of the scope (code 23).
    Missing,
    /// Could not tell; the reason, in words.
    Unknown(String),
}

/// The page size of the one page of systems read.
const PAGE: i32 = 100;

impl DirectorBackend {
    /// Reads the templates (one page) and one page of systems, at the same time.
    pub async fn first_look(&self) -> FirstLook {
        let templates = async {
            let op = q::FormationTemplatesQuery::build(q::PageVars {
                first: Some(PAGE),
                after: None,
            });
            self.client
                .run("formationTemplates", &op, Kind::Read, None)
                .await
                .map(|d| d.formation_templates.data.len())
        };
        let systems = async {
            let op = q::ApplicationsQuery::build(q::PageVars {
                first: Some(PAGE),
                after: None,
            });
            self.client
                .run("applications", &op, Kind::Read, None)
                .await
                .map(|d| page_of(&d.applications))
        };
        let (templates, systems) = tokio::join!(templates, systems);
        FirstLook { templates, systems }
    }

    /// `formation:write`: finalising a draft whose id is a fresh UUID (no such formation).
    pub async fn probe_formation_write(&self) -> Probe {
        let op = q::FinalizeDraftFormation::build(q::FormationIdVars {
            formation_id: Id::new(uuid::Uuid::new_v4().to_string()),
        });
        let answer = self
            .client
            .run("finalizeDraftFormation", &op, Kind::Write, None)
            .await
            .map(drop);
        judge(answer, "formation:write")
    }

    /// `formation.state:write`: creating a DRAFT formation of a template that does not
    /// exist (refused before anything is stored, §4.4 step 1).
    pub async fn probe_state_write(&self) -> Probe {
        let probe = format!("formation-wizard login probe {}", uuid::Uuid::new_v4());
        let op = q::CreateFormation::build(q::FormationVars {
            formation: q::FormationInput {
                name: probe.clone(),
                template_name: Some(probe),
                state: Some("DRAFT".into()),
            },
        });
        let answer = self
            .client
            .run("createFormation", &op, Kind::Write, None)
            .await
            .map(drop);
        match answer {
            // Cannot happen with a template of that name; say so rather than claim a scope.
            Ok(()) => Probe::Unknown("the probe was not refused".into()),
            other => judge(other, "formation.state:write"),
        }
    }
}

/// Code 23 naming `scope` means it is missing; any other definite answer (not found, not in
/// DRAFT) means the scope check passed.
fn judge(answer: Result<(), CallError>, scope: &str) -> Probe {
    match answer {
        Ok(()) => Probe::Allowed,
        Err(CallError::Answered {
            code: Some(errors::INSUFFICIENT_SCOPES),
            message,
            ..
        }) => {
            if required_part(&message).is_none_or(|r| r.contains(scope)) {
                Probe::Missing
            } else {
                Probe::Unknown(format!("another scope is missing first: {message}"))
            }
        }
        Err(CallError::Answered {
            code: Some(errors::NOT_FOUND | errors::INTERNAL | errors::INVALID_DATA),
            ..
        }) => Probe::Allowed,
        Err(e) => Probe::Unknown(e.to_string()),
    }
}

/// The `required=…` part of an insufficient-scopes message (§2.3).
fn required_part(message: &str) -> Option<&str> {
    message.find("required=").map(|at| &message[at..])
}

fn page_of(page: &q::ApplicationPage) -> SystemsPage {
    let mut seen = false;
    let mut visible = false;
    for app in &page.data {
        for auth in app.auths.iter().flatten() {
            seen = true;
            visible |= auth.auth.is_some();
        }
    }
    SystemsPage {
        shown: page.data.len(),
        total: i64::from(page.total_count),
        auths_visible: seen.then_some(visible),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(code: i64, message: &str) -> Result<(), CallError> {
        Err(CallError::Answered {
            code: Some(code),
            message: message.into(),
            refusal: None,
        })
    }

    #[test]
    fn a_probe_is_judged_by_the_code_and_the_scope_named() {
        let missing = answered(
            23,
            "insufficient scopes provided [actual=formation:read; required=formation:write]",
        );
        assert_eq!(judge(missing, "formation:write"), Probe::Missing);
        let other = answered(
            23,
            "insufficient scopes provided [actual=formation:read; required=formation:write]",
        );
        assert!(matches!(
            judge(other, "formation.state:write"),
            Probe::Unknown(_)
        ));
        assert_eq!(
            judge(answered(20, "Object not found"), "formation:write"),
            Probe::Allowed
        );
        assert!(matches!(
            judge(Err(CallError::NotDone("down".into())), "formation:write"),
            Probe::Unknown(_)
        ));
    }
}
