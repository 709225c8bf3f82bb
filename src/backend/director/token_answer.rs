//! Reading an OAuth2 token answer (RFC 6749 §5.1) from an untrusted token endpoint. Pure
//! (serde_json and std only), so that `fuzz/` compiles it without the HTTP stack. Never
//! panics on any value, and no message it makes contains the token.

use std::time::{Duration, Instant};

/// The longest lifetime believed; a larger `expires_in` (up to 2^64-1) is cut to this, so
/// that adding it to the clock can never overflow.
pub const MAX_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

/// The largest token answer read.
pub const MAX_TOKEN_ANSWER_BYTES: usize = 64 * 1024;

/// A token answer's useful part. `access_token` is a secret: callers wrap it at once.
pub struct TokenAnswer {
    pub access_token: String,
    /// The lifetime, already capped at [`MAX_LIFETIME`]; None when the answer gives none
    /// (or gives something that is not a number of seconds).
    pub lifetime: Option<Duration>,
    /// The scopes granted, space-separated (`scope`, RFC 6749 §5.1), when the answer says.
    pub scope: Option<String>,
}

/// Why a token answer cannot be used; the text names fields, never their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unusable(pub String);

/// Reads a token answer: a JSON object with a non-empty `access_token`, a `token_type` of
/// `bearer` in any case (RFC 6749 §7.1 says it is case-insensitive) when present, and an
/// optional `expires_in`.
pub fn parse(body: &[u8]) -> Result<TokenAnswer, Unusable> {
    if body.len() > MAX_TOKEN_ANSWER_BYTES {
        return Err(Unusable(format!(
            "the answer is larger than {MAX_TOKEN_ANSWER_BYTES} bytes"
        )));
    }
    // Through `Value`, so that no serde message can quote a value (the token among them).
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| Unusable("the answer is not JSON".into()))?;
    let object = value
        .as_object()
        .ok_or_else(|| Unusable("the answer is not a JSON object".into()))?;
    let access_token = object
        .get("access_token")
        .and_then(|t| t.as_str())
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| Unusable("the answer has no access_token".into()))?;
    match object.get("token_type") {
        None => {}
        Some(serde_json::Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {}
        Some(_) => {
            return Err(Unusable("the answer's token_type is not \"bearer\"".into()));
        }
    }
    Ok(TokenAnswer {
        access_token: access_token.trim().to_owned(),
        lifetime: object.get("expires_in").and_then(lifetime),
        scope: object
            .get("scope")
            .and_then(|s| s.as_str())
            .map(str::to_owned),
    })
}

/// `expires_in` as seconds: a number (integer or not, however large) or a string of one;
/// negative or unreadable values give None.
fn lifetime(value: &serde_json::Value) -> Option<Duration> {
    let seconds = match value {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    let capped = seconds.min(MAX_LIFETIME.as_secs_f64());
    Some(Duration::from_secs_f64(capped))
}

/// When a token of `lifetime` received at `now` expires; saturating, never panicking.
pub fn expires_at(now: Instant, lifetime: Option<Duration>) -> Option<Instant> {
    lifetime.and_then(|l| now.checked_add(l.min(MAX_LIFETIME)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_expires_in_is_capped_not_a_panic() {
        let answer = parse(
            br#"{"access_token":"t","token_type":"bearer","expires_in":18446744073709551615}"#,
        )
        .unwrap();
        assert_eq!(answer.lifetime, Some(MAX_LIFETIME));
        let now = Instant::now();
        assert!(expires_at(now, answer.lifetime).is_some_and(|at| at > now));
        let huge = parse(br#"{"access_token":"t","expires_in":1e308}"#).unwrap();
        assert_eq!(huge.lifetime, Some(MAX_LIFETIME));
        let negative = parse(br#"{"access_token":"t","expires_in":-5}"#).unwrap();
        assert_eq!(negative.lifetime, None);
    }

    #[test]
    fn bearer_is_accepted_in_any_case_and_other_types_are_refused() {
        for t in ["bearer", "Bearer", "BEARER", "bEaReR"] {
            let body = format!(r#"{{"access_token":"t","token_type":"{t}"}}"#);
            assert!(parse(body.as_bytes()).is_ok(), "{t}");
        }
        let mac = parse(br#"{"access_token":"t","token_type":"mac"}"#);
        assert!(mac.is_err());
    }

    #[test]
    fn no_message_quotes_the_token() {
        for body in [
            &br#"{"access_token":"s3cr3t","token_type":"s3cr3t"}"#[..],
            br#"{"access_token":["s3cr3t"]}"#,
            br#"{"access_token":"s3cr3t""#,
        ] {
            let Err(Unusable(message)) = parse(body) else {
                panic!("accepted {}", String::from_utf8_lossy(body));
            };
            assert!(!message.contains("s3cr3t"), "{message}");
        }
    }
}
