//! Errors as the real Director presents them (director-behaviour.md §6): a message in the
//! server's shape and `extensions{error_code, error}`. Anything that is not one of the
//! Director's own typed errors is shown as code 10 `Internal Server Error [errorID=…,
//! reason: …]`, as its error presenter does (§6.1) — constraint refusals included (§6.3).

pub const INTERNAL: i64 = 10;
pub const NOT_FOUND: i64 = 20;
pub const NOT_UNIQUE: i64 = 21;
pub const INVALID_DATA: i64 = 22;
pub const INSUFFICIENT_SCOPES: i64 = 23;
pub const TENANT_REQUIRED: i64 = 24;
pub const TENANT_NOT_FOUND: i64 = 25;
pub const UNAUTHORIZED: i64 = 26;
pub const INVALID_OPERATION: i64 = 27;
pub const CONCURRENT_UPDATE: i64 = 35;

/// The name the Director's `ErrorType` stringer gives a code (`extensions.error`).
pub fn code_name(code: i64) -> &'static str {
    match code {
        INTERNAL => "InternalError",
        11 => "UnknownError",
        NOT_FOUND => "NotFound",
        NOT_UNIQUE => "NotUnique",
        INVALID_DATA => "InvalidData",
        INSUFFICIENT_SCOPES => "InsufficientScopes",
        TENANT_REQUIRED => "TenantRequired",
        TENANT_NOT_FOUND => "TenantNotFound",
        UNAUTHORIZED => "Unauthorized",
        INVALID_OPERATION => "InvalidOperation",
        32 => "ConcurrentOperation",
        CONCURRENT_UPDATE => "ConcurrentUpdate",
        _ => "UnknownError",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectorError {
    pub code: i64,
    pub message: String,
}

impl DirectorError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        DirectorError {
            code,
            message: message.into(),
        }
    }

    /// `Object not found [object=<object>]` (§4.3): `formations`, `formationTemplate`,
    /// `application`.
    pub fn not_found(object: &str) -> Self {
        DirectorError::new(NOT_FOUND, format!("Object not found [object={object}]"))
    }

    /// A plain (untyped) error as the presenter shows it: code 10 with a fresh error id.
    pub fn internal(reason: impl std::fmt::Display) -> Self {
        DirectorError::new(
            INTERNAL,
            format!(
                "Internal Server Error [errorID={}, reason: {reason}]",
                uuid::Uuid::new_v4()
            ),
        )
    }

    /// `The operation is not allowed [reason=…]`.
    pub fn invalid_operation(reason: impl std::fmt::Display) -> Self {
        DirectorError::new(
            INVALID_OPERATION,
            format!("The operation is not allowed [reason={reason}]"),
        )
    }

    /// `Invalid data [reason=…]`.
    pub fn invalid_data(reason: impl std::fmt::Display) -> Self {
        DirectorError::new(INVALID_DATA, format!("Invalid data [reason={reason}]"))
    }

    /// `insufficient scopes provided [actual=a;b; required=c]` (§2.3; keys sorted).
    pub fn insufficient_scopes(actual: &[String], required: &[&str]) -> Self {
        DirectorError::new(
            INSUFFICIENT_SCOPES,
            format!(
                "insufficient scopes provided [actual={}; required={}]",
                actual.join(";"),
                required.join(";")
            ),
        )
    }
}

/// One failed constraint in the engine's words (§6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintFailure {
    pub constraint: String,
    pub reason: String,
}

impl ConstraintFailure {
    pub fn not_satisfied(constraint: &str, operator: &str) -> Self {
        ConstraintFailure {
            constraint: constraint.to_owned(),
            reason: format!("Operator \"{operator}\" is not satisfied"),
        }
    }

    /// The operator itself failed (e.g. a system that is not CONNECTED, §5.3).
    pub fn operator_error(constraint: &str, operator: &str, error: &str) -> Self {
        ConstraintFailure {
            constraint: constraint.to_owned(),
            reason: format!(
                "An error occurred while executing operator \"{operator}\" for formation constraint \"{constraint}\": {error}"
            ),
        }
    }
}

/// The refusal of a PRE constraint check: go-multierror's list inside the presenter's
/// code-10 wrapping (§0.1, §6.3).
pub fn constraint_refusal(operation: &str, failures: &[ConstraintFailure]) -> DirectorError {
    let count = failures.len();
    let mut list = format!(
        "{count} error{} occurred:\n",
        if count == 1 { "" } else { "s" }
    );
    for f in failures {
        list.push_str(&format!(
            "\t* Formation constraint \"{}\" is not satisfied due to: {}\n",
            f.constraint, f.reason
        ));
    }
    list.push('\n');
    DirectorError::internal(format!(
        "while enforcing constraints for target operation \"{operation}\" and constraint type \"PRE\": {list}"
    ))
}

impl From<DirectorError> for async_graphql::Error {
    fn from(e: DirectorError) -> Self {
        use async_graphql::ErrorExtensions;
        async_graphql::Error::new(e.message).extend_with(|_, ext| {
            ext.set("error_code", e.code);
            ext.set("error", code_name(e.code));
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_failure_reads_like_go_multierror() {
        let e = constraint_refusal(
            "ASSIGN_FORMATION",
            &[ConstraintFailure::not_satisfied("C", "Op")],
        );
        assert_eq!(e.code, INTERNAL);
        assert!(e.message.starts_with("Internal Server Error [errorID="));
        assert!(e.message.ends_with(
            "reason: while enforcing constraints for target operation \"ASSIGN_FORMATION\" and constraint type \"PRE\": 1 error occurred:\n\t* Formation constraint \"C\" is not satisfied due to: Operator \"Op\" is not satisfied\n\n]"
        ));
    }

    #[test]
    fn two_failures_are_counted_in_the_plural() {
        let f = ConstraintFailure::not_satisfied("C", "Op");
        let e = constraint_refusal("ASSIGN_FORMATION", &[f.clone(), f]);
        assert!(e.message.contains("2 errors occurred:\n\t* "));
    }
}
