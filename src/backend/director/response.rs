//! Reading a Director answer body: GraphQL data, or the first error as one neutralised
//! sentence. Pure (serde and cynic only, no HTTP), so that `fuzz/` can compile it without
//! the transport and feed it arbitrary bytes.

use cynic::GraphQlResponse;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::errors::{self, Refusal};
use crate::text::neutralise;

#[derive(Debug, Deserialize)]
pub struct ErrorExtensions {
    error_code: Option<i64>,
    /// The sandbox adds the rule kind; a real Director does not.
    rule: Option<String>,
}

/// Why an answer body gave no data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undecoded {
    /// Not the GraphQL JSON expected, or neither data nor errors: the outcome is unknown.
    Unreadable(String),
    /// The Director answered with an error; `message` is one sentence, neutralised.
    /// `refusal` is set when the error is a refusal by a rule (its lines neutralised).
    Answered {
        code: Option<i64>,
        message: String,
        refusal: Option<Refusal>,
    },
}

/// Reads a GraphQL answer from `url`: its data, or its first error mapped to a sentence.
pub fn decode<T: DeserializeOwned>(body: &[u8], url: &str) -> Result<T, Undecoded> {
    let url = neutralise(url);
    let answer: GraphQlResponse<T, ErrorExtensions> =
        serde_json::from_slice(body).map_err(|e| {
            Undecoded::Unreadable(format!(
                "the answer from {url} is not the GraphQL JSON expected ({})",
                neutralise(&e.to_string())
            ))
        })?;
    if let Some(error) = answer.errors.and_then(|e| e.into_iter().next()) {
        let (code, rule) = error
            .extensions
            .map(|x| (x.error_code, x.rule))
            .unwrap_or((None, None));
        let refusal = errors::refusal(code, &error.message, rule.as_deref()).map(|r| Refusal {
            rule: r.rule,
            lines: r.lines.iter().map(|l| neutralise(l).into_owned()).collect(),
        });
        let one_line = error
            .message
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        return Err(Undecoded::Answered {
            code,
            message: errors::sentence(code, &crate::text::message(&one_line)),
            refusal,
        });
    }
    answer.data.ok_or_else(|| {
        Undecoded::Unreadable(format!("the answer from {url} has neither data nor errors"))
    })
}
