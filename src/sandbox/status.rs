//! Formation assignments as pairs (§1.3) and the formation status aggregated from them on
//! every read (§4.2). Pure: the store says each member's assignment and each pair that
//! ended otherwise, this module derives what the server shows.

use std::collections::HashMap;

use crate::landscape::Assignment;

/// The pairs (source, target) whose own state differs from their member's: a pair whose
/// notification failed while the loop and the other pairs are READY (§1.3, §4.5 step 8).
pub type PairStates = HashMap<(String, String), Assignment>;

/// One direction of a pair. Assigning X to a formation with P1..Pk creates X→X, X→Pi and
/// Pi→X, all processed with X's notification, so a pair takes the state of the member that
/// joined later, unless its own notification ended otherwise (`own`).
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

/// Every pair of `members` (in joining order): n members give n² assignments. A pair in
/// `own` shows its own state once its member's notifications are through (READY).
pub fn pairs(
    formation_id: &str,
    members: &[(String, Assignment)],
    own: &PairStates,
) -> Vec<PairAssignment> {
    let mut out = Vec::with_capacity(members.len() * members.len());
    for (i, (source, a)) in members.iter().enumerate() {
        for (j, (target, b)) in members.iter().enumerate() {
            let decisive = if i >= j { a } else { b };
            let decisive = match own.get(&(source.clone(), target.clone())) {
                Some(pair) if decisive.state == "READY" => pair,
                _ => decisive,
            };
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
        let p = pairs("f", &members, &PairStates::new());
        assert_eq!(p.len(), 4);
        let errors: Vec<_> = p.iter().filter(|p| p.state == "CREATE_ERROR").collect();
        assert_eq!(errors.len(), 3, "y→y, x→y and y→x: {p:?}");
        let (c, e) = aggregate("READY", None, &p);
        assert_eq!(c, Condition::Error);
        assert_eq!(e.map(|e| e.len()), Some(3));
    }

    /// §1.3, §4.5 step 8: one pair's notification failed; the loops and the reverse pair
    /// are READY, the formation is in ERROR with that one assignment's error.
    #[test]
    fn a_pair_of_its_own_fails_while_the_loops_are_ready() {
        let members = vec![
            ("x".to_owned(), a("READY", None)),
            ("y".to_owned(), a("READY", None)),
        ];
        let mut own = PairStates::new();
        own.insert(
            ("y".to_owned(), "x".to_owned()),
            a("CREATE_ERROR", Some("x refused y")),
        );
        let p = pairs("f", &members, &own);
        let states: Vec<(&str, &str, &str)> = p
            .iter()
            .map(|p| (p.source.as_str(), p.target.as_str(), p.state.as_str()))
            .collect();
        assert_eq!(
            states,
            vec![
                ("x", "x", "READY"),
                ("x", "y", "READY"),
                ("y", "x", "CREATE_ERROR"),
                ("y", "y", "READY"),
            ]
        );
        let failed: Option<serde_json::Value> = p
            .iter()
            .find(|p| p.state == "CREATE_ERROR")
            .and_then(|p| p.error.as_deref())
            .and_then(|e| serde_json::from_str(e).ok());
        assert_eq!(
            failed,
            Some(serde_json::json!({"error": {"message": "x refused y", "errorCode": 2}}))
        );
        let (c, e) = aggregate("READY", None, &p);
        assert_eq!(c, Condition::Error);
        assert_eq!(e.map(|e| e.len()), Some(1));
        // While the member's notifications still run, the pair is INITIAL like the rest.
        let pending = vec![
            ("x".to_owned(), a("READY", None)),
            ("y".to_owned(), a("INITIAL", None)),
        ];
        assert!(
            pairs("f", &pending, &own)
                .iter()
                .all(|p| p.state != "CREATE_ERROR")
        );
    }

    #[test]
    fn draft_stays_draft_and_initial_is_in_progress() {
        let p = pairs(
            "f",
            &[("x".to_owned(), a("INITIAL", None))],
            &PairStates::new(),
        );
        assert_eq!(aggregate("DRAFT", None, &p), (Condition::Draft, None));
        assert_eq!(aggregate("READY", None, &p), (Condition::InProgress, None));
        assert_eq!(aggregate("READY", None, &[]), (Condition::Ready, None));
    }
}
