//! The Director answer parser and what it needs, compiled from the main crate's files.

#[path = "../../../../src/backend/director/convert.rs"]
pub mod convert;
#[path = "../../../../src/backend/director/errors.rs"]
pub mod errors;
#[path = "../../../../src/backend/director/queries.rs"]
pub mod queries;
#[path = "../../../../src/backend/director/response.rs"]
pub mod response;
#[path = "../../../../src/backend/director/token_answer.rs"]
pub mod token_answer;
