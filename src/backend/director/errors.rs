//! The Director's error codes (`extensions.error_code`, director-behaviour.md §6) as
//! sentences, and its constraint refusals as the rule that failed. A real Director sends a
//! refusal as code 10 (`InternalError`) whose text names the constraint and the operator
//! (§6.3); nothing but that text tells it from a passing internal error.

use crate::rules::RuleKind;

pub const INTERNAL: i64 = 10;
pub const NOT_FOUND: i64 = 20;
pub const NOT_UNIQUE: i64 = 21;
pub const INVALID_DATA: i64 = 22;
pub const INSUFFICIENT_SCOPES: i64 = 23;
pub const TENANT_REQUIRED: i64 = 24;
pub const TENANT_NOT_FOUND: i64 = 25;
pub const UNAUTHORIZED: i64 = 26;
pub const INVALID_OPERATION: i64 = 27;
pub const NOT_UNIQUE_NAME: i64 = 31;
pub const CONCURRENT_OPERATION: i64 = 32;
pub const CONCURRENT_UPDATE: i64 = 35;

/// Whether the code means "another change got there first; try again" (fact 13): the
/// Director rolled the transaction back, so sending the same request again is safe.
pub fn is_try_again(code: i64) -> bool {
    code == CONCURRENT_UPDATE || code == CONCURRENT_OPERATION
}

/// The marker of a constraint refusal inside a code-10 message.
const ENFORCING: &str = "while enforcing constraints";
/// The marker of a refused system type (code 27).
const UNSUPPORTED_TYPE: &str = "unsupported applicationType";
/// The marker of `deleteFormation` on a formation that still has assignments.
const NOT_EMPTY: &str = "because it is not empty";

/// A refusal by the Director's rules: which rule and the server's reason, one line per
/// line of its message (each neutralised by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: RuleKind,
    pub lines: Vec<String>,
}

/// The server's message prefixed with what the code means.
pub fn sentence(code: Option<i64>, message: &str) -> String {
    let meaning = match code {
        Some(INTERNAL) if is_refusal_text(message) => "the Director refused it by a constraint",
        Some(INTERNAL) if message.contains(NOT_EMPTY) => "the Director refused to delete it",
        Some(INTERNAL) => "the Director had an internal error",
        Some(NOT_FOUND) => "not found",
        Some(NOT_UNIQUE) | Some(NOT_UNIQUE_NAME) => "not unique",
        Some(INVALID_DATA) => "the Director refused the data as invalid",
        Some(INSUFFICIENT_SCOPES) => "the credentials lack the scopes (roles) for this",
        Some(TENANT_REQUIRED) => "the Director needs a tenant: pass --tenant",
        Some(TENANT_NOT_FOUND) => "the Director does not know the tenant given with --tenant",
        Some(UNAUTHORIZED) => "the Director refused the credentials",
        Some(INVALID_OPERATION) => "the Director does not allow this operation",
        Some(CONCURRENT_UPDATE) | Some(CONCURRENT_OPERATION) => {
            "another change to the same object got there first, and it stayed so after retrying"
        }
        _ => "the Director answered with an error",
    };
    format!("{meaning}: {message}")
}

fn is_refusal_text(message: &str) -> bool {
    message.contains(ENFORCING) && message.contains("Formation constraint \"")
}

/// Whether a code-10 message is a definite answer (a refusal, a non-empty delete) rather
/// than an internal error that may pass.
pub fn is_definite(code: Option<i64>, message: &str) -> bool {
    code != Some(INTERNAL) || is_refusal_text(message) || message.contains(NOT_EMPTY)
}

/// The refusal a raw server message stands for, if it is one: a constraint refusal (code
/// 10, §6.3), a system type the template does not take (code 27), or the sandbox's `rule`
/// extension.
pub fn refusal(code: Option<i64>, message: &str, hint: Option<&str>) -> Option<Refusal> {
    if is_refusal_text(message) {
        return Some(Refusal {
            rule: constraint_rule(message),
            lines: reason_lines(message),
        });
    }
    if code == Some(INVALID_OPERATION) && message.contains(UNSUPPORTED_TYPE) {
        return Some(Refusal {
            rule: RuleKind::SystemTypeNotAllowed,
            lines: reason_lines(message),
        });
    }
    let rule = hint.and_then(RuleKind::from_name)?;
    Some(Refusal {
        rule,
        lines: reason_lines(message),
    })
}

/// The reason of a message, one entry per line: from `reason:` (or `reason=`) on, with the
/// multierror's bullets, tabs and the closing bracket taken off.
pub fn reason_lines(message: &str) -> Vec<String> {
    let reason = message
        .find("reason: ")
        .map(|at| &message[at + "reason: ".len()..])
        .or_else(|| {
            message
                .find("reason=")
                .map(|at| &message[at + "reason=".len()..])
        })
        .unwrap_or(message);
    reason
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches("* ")
                .trim_end_matches(']')
                .trim()
        })
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The rule of a constraint refusal, from the first operator the message names.
fn constraint_rule(message: &str) -> RuleKind {
    if message.contains("is not in status CONNECTED") {
        return RuleKind::RegistrationStatus;
    }
    let operator = message
        .split("Operator \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("");
    rule_of_operator(operator)
}

/// The rule kind that a Director constraint operator enforces.
pub fn rule_of_operator(operator: &str) -> RuleKind {
    match operator {
        "DoesNotContainResourceOfSubtype" => RuleKind::MaxSystemsOfType,
        "ContainsScenarioGroups" => RuleKind::ScenarioGroup,
        "IsNotAssignedToAnyFormationOfType" => RuleKind::SystemInOtherFormationOfType,
        _ => RuleKind::SystemInOtherFormationOfType,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFUSAL: &str = "Internal Server Error [errorID=7f0c, reason: while enforcing constraints for target operation \"ASSIGN_FORMATION\" and constraint type \"PRE\": 1 error occurred:\n\t* Formation constraint \"TaskCenterOnlyOnce\" is not satisfied due to: Operator \"IsNotAssignedToAnyFormationOfType\" is not satisfied\n\n]";

    #[test]
    fn a_code_10_constraint_message_is_a_refusal_with_its_lines() {
        let r = refusal(Some(INTERNAL), REFUSAL, None).unwrap();
        assert_eq!(r.rule, RuleKind::SystemInOtherFormationOfType);
        assert_eq!(
            r.lines,
            vec![
                "while enforcing constraints for target operation \"ASSIGN_FORMATION\" and constraint type \"PRE\": 1 error occurred:",
                "Formation constraint \"TaskCenterOnlyOnce\" is not satisfied due to: Operator \"IsNotAssignedToAnyFormationOfType\" is not satisfied",
            ]
        );
        assert!(is_definite(Some(INTERNAL), REFUSAL));
    }

    #[test]
    fn each_operator_maps_to_its_rule() {
        for (op, rule) in [
            (
                "DoesNotContainResourceOfSubtype",
                RuleKind::MaxSystemsOfType,
            ),
            ("ContainsScenarioGroups", RuleKind::ScenarioGroup),
            (
                "IsNotAssignedToAnyFormationOfType",
                RuleKind::SystemInOtherFormationOfType,
            ),
        ] {
            let m = REFUSAL.replace("IsNotAssignedToAnyFormationOfType", op);
            assert_eq!(
                refusal(Some(INTERNAL), &m, None).unwrap().rule,
                rule,
                "{op}"
            );
        }
    }

    #[test]
    fn not_connected_is_a_registration_refusal() {
        let m = "Internal Server Error [errorID=1, reason: while enforcing constraints for target operation \"ASSIGN_FORMATION\" and constraint type \"PRE\": 2 errors occurred:\n\t* Formation constraint \"S4Groups\" is not satisfied due to: An error occurred while executing operator \"ContainsScenarioGroups\" for formation constraint \"S4Groups\": Application with ID \"a\" is not in status CONNECTED\n\t* Formation constraint \"S4Groups\" is not satisfied due to: Operator \"ContainsScenarioGroups\" is not satisfied\n\n]";
        let r = refusal(Some(INTERNAL), m, None).unwrap();
        assert_eq!(r.rule, RuleKind::RegistrationStatus);
        assert_eq!(r.lines.len(), 3);
    }

    #[test]
    fn other_internal_errors_are_neither_refusals_nor_definite() {
        let m = "Internal Server Error [errorID=2, reason: while updating label: connection reset]";
        assert_eq!(refusal(Some(INTERNAL), m, None), None);
        assert!(!is_definite(Some(INTERNAL), m));
        let delete = "Internal Server Error [errorID=3, reason: cannot delete formation with ID \"f\", because it is not empty]";
        assert!(is_definite(Some(INTERNAL), delete));
        assert_eq!(refusal(Some(INTERNAL), delete, None), None);
    }
}
