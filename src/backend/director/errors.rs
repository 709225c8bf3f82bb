//! The Director's error codes (`extensions.error_code`, docs/director/03-error-handling.md)
//! as sentences, and its constraint messages as the rule that failed.

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

/// The server's message prefixed with what the code means.
pub fn sentence(code: Option<i64>, message: &str) -> String {
    let meaning = match code {
        Some(INTERNAL) => "the Director had an internal error",
        Some(NOT_FOUND) => "not found",
        Some(NOT_UNIQUE) => "not unique",
        Some(INVALID_DATA) => "the Director refused the data as invalid",
        Some(INSUFFICIENT_SCOPES) => "the credentials lack the scopes (roles) for this",
        Some(TENANT_REQUIRED) => "the Director needs a tenant: pass --tenant",
        Some(TENANT_NOT_FOUND) => "the Director does not know the tenant given with --tenant",
        Some(UNAUTHORIZED) => "the Director refused the credentials",
        Some(INVALID_OPERATION) => "the Director does not allow this operation",
        _ => "the Director answered with an error",
    };
    format!("{meaning}: {message}")
}

/// The part of a message from `Formation constraint "…"` on, when it is a constraint
/// violation (the Director wraps it in "while enforcing constraints …").
pub fn constraint_part(message: &str) -> Option<&str> {
    message
        .find("Formation constraint \"")
        .map(|at| &message[at..])
        .or_else(|| {
            message
                .find("unsupported applicationType")
                .map(|at| &message[at..])
        })
}

/// The rule a Director constraint message stands for, by the operator it names.
pub fn rule_of(message: &str, hint: Option<&str>) -> RuleKind {
    if let Some(kind) = hint.and_then(RuleKind::from_name) {
        return kind;
    }
    if message.contains("unsupported applicationType") {
        RuleKind::SystemTypeNotAllowed
    } else if message.contains("DoesNotContainResourceOfSubtype") {
        RuleKind::MaxSystemsOfType
    } else if message.contains("ContainsScenarioGroups") {
        RuleKind::ScenarioGroup
    } else if message.contains("RequiresRegistrationStatus") || message.contains("is not ready") {
        RuleKind::RegistrationStatus
    } else {
        RuleKind::SystemInOtherFormationOfType
    }
}
