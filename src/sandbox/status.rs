//! Formation assignments as pairs (§1.3) and the formation status aggregated from them on
//! every read (§4.2). Pure: the store says each member's assignment, this module derives
//! what the server shows.

use crate::landscape::Assignment;

/// One direction of a pair. Assigning X to a formation with P1..Pk creates X→X, X→Pi and
/// Pi→X, all processed with X's notification, so a pair takes the state of the member that
/// joined later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairAssignment {
    pub id: String,
    pub source: String,
    pub target: String,
    pub state: String,
    /// `{"error":{"message":…,"errorCode":2}}` when the state is an error.
    pub error: Option<String>,
    pub message: Option<String>,
}

/// Every pair of `members` (in joining order): n members give n² assignments.
pub fn pairs(formation_id: &str, members: &[(String, Assignment)]) -> Vec<PairAssignment> {
    let mut out = Vec::with_capacity(members.len() * members.len());
    for (i, (source, a)) in members.iter().enumerate() {
        for (j, (target, b)) in members.iter().enumerate() {
            let decisive = if i >= j { a } else { b };
            let message = decisive.is_error().then(|| {
                decisive
                    .error
                    .clone()
                    .unwrap_or_else(|| "the notification failed".to_owned())
            });
            out.push(PairAssignment {
                id: format!("{formation_id}/{source}/{target}"),
                source: source.clone(),
                target: target.clone(),
                state: decisive.state.clone(),
                error: message.as_ref().map(|m| {
                    serde_json::json!({"error": {"message": m, "errorCode": 2}}).to_string()
                }),
                message,
            });
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    InProgress,
    Error,
    Ready,
    Draft,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusError {
    pub assignment_id: Option<String>,
    pub message: String,
    pub error_code: i32,
}

/// The status of a formation in `state` with these assignments (§4.2). A formation in an
/// error state of its own reports `own_error`.
pub fn aggregate(
    state: &str,
    own_error: Option<&str>,
    assignments: &[PairAssignment],
) -> (Condition, Option<Vec<StatusError>>) {
    let mut condition = match state {
        "DRAFT" => return (Condition::Draft, None),
        "READY" => Condition::Ready,
        "CREATE_ERROR" | "DELETE_ERROR" => Condition::Error,
        _ => Condition::InProgress,
    };
    let mut errors = Vec::new();
    if condition == Condition::Error {
        errors.push(StatusError {
            assignment_id: None,
            message: own_error.unwrap_or_default().to_owned(),
            error_code: 2,
        });
    }
    for a in assignments {
        if a.state == "CREATE_ERROR" || a.state.ends_with("DELETE_ERROR") {
            condition = Condition::Error;
            errors.push(StatusError {
                assignment_id: Some(a.id.clone()),
                message: a.message.clone().unwrap_or_default(),
                error_code: 2,
            });
        }
    }
    if condition == Condition::Ready
        && assignments.iter().any(|a| {
            matches!(a.state.as_str(), "INITIAL" | "CONFIG_PENDING")
                || a.state.ends_with("DELETING")
        })
    {
        condition = Condition::InProgress;
    }
    (condition, (!errors.is_empty()).then_some(errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(state: &str, error: Option<&str>) -> Assignment {
        Assignment {
            state: state.into(),
            error: error.map(str::to_owned),
        }
    }

    #[test]
    fn two_members_make_four_assignments_and_the_later_one_decides() {
        let members = vec![
            ("x".to_owned(), a("READY", None)),
            ("y".to_owned(), a("CREATE_ERROR", Some("down"))),
        ];
        let p = pairs("f", &members);
        assert_eq!(p.len(), 4);
        let errors: Vec<_> = p.iter().filter(|p| p.state == "CREATE_ERROR").collect();
        assert_eq!(errors.len(), 3, "y→y, x→y and y→x: {p:?}");
        let (c, e) = aggregate("READY", None, &p);
        assert_eq!(c, Condition::Error);
        assert_eq!(e.map(|e| e.len()), Some(3));
    }

    #[test]
    fn draft_stays_draft_and_initial_is_in_progress() {
        let p = pairs("f", &[("x".to_owned(), a("INITIAL", None))]);
        assert_eq!(aggregate("DRAFT", None, &p), (Condition::Draft, None));
        assert_eq!(aggregate("READY", None, &p), (Condition::InProgress, None));
        assert_eq!(aggregate("READY", None, &[]), (Condition::Ready, None));
    }
}
