//! What a bearer token says about itself when it is a JWT: its scopes and when it expires.
//! The signature is not checked (the Director does that); these claims only tell `login`
//! what to report. Pure, never panics, and no message here contains the token.

use base64::Engine;

/// The claims `login` reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// `scope` (a space-separated string or a list) or `scp`; None when the token names none.
    pub scopes: Option<Vec<String>>,
    /// `exp`, seconds since 1970.
    pub expires: Option<i64>,
}

/// The claims of `token` if it is a JWT (three dot-separated base64url parts whose middle
/// one is a JSON object); None for an opaque token.
pub fn claims(token: &str) -> Option<Claims> {
    let mut parts = token.trim().split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || payload.is_empty() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let object = value.as_object()?;
    let list = |v: &serde_json::Value| -> Option<Vec<String>> {
        match v {
            serde_json::Value::String(s) => Some(s.split_whitespace().map(str::to_owned).collect()),
            serde_json::Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        }
    };
    let scopes = object
        .get("scope")
        .and_then(list)
        .or_else(|| object.get("scp").and_then(list));
    let expires = object.get("exp").and_then(|e| {
        e.as_i64()
            .or_else(|| e.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
    });
    Some(Claims { scopes, expires })
}

/// Whether `granted` holds `scope`, as the Director names it or as XSUAA prefixes it with
/// the application's name (`xsappname.formation:write`).
pub fn holds(granted: &[String], scope: &str) -> bool {
    granted
        .iter()
        .any(|g| g == scope || g.strip_suffix(scope).is_some_and(|p| p.ends_with('.')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            b.encode(r#"{"alg":"RS256"}"#),
            b.encode(payload)
        )
    }

    #[test]
    fn scopes_and_expiry_are_read_from_either_claim_form() {
        let c = claims(&jwt(
            r#"{"scope":"formation:read formation:write","exp":1700000000}"#,
        ))
        .expect("a JWT");
        assert_eq!(
            c.scopes,
            Some(vec!["formation:read".into(), "formation:write".into()])
        );
        assert_eq!(c.expires, Some(1_700_000_000));
        let c = claims(&jwt(r#"{"scp":["application:read"]}"#)).expect("a JWT");
        assert_eq!(c.scopes, Some(vec!["application:read".into()]));
        assert_eq!(c.expires, None);
        let c = claims(&jwt(r#"{"scope":["a.formation:write"]}"#)).expect("a JWT");
        assert_eq!(c.scopes, Some(vec!["a.formation:write".into()]));
    }

    #[test]
    fn an_opaque_token_has_no_claims() {
        assert_eq!(claims("tok-3a9f-not-for-logs"), None);
        assert_eq!(claims("a.b"), None);
        assert_eq!(claims("a.!!!.c"), None);
        assert_eq!(claims("a.b.c.d"), None);
    }

    #[test]
    fn a_prefixed_scope_counts_but_a_longer_name_does_not() {
        let granted = vec!["sb-app!t1.formation:write".to_owned()];
        assert!(holds(&granted, "formation:write"));
        assert!(!holds(&granted, "write"));
        assert!(!holds(&["xformation:write".to_owned()], "formation:write"));
        assert!(holds(&["formation:read".to_owned()], "formation:read"));
    }
}
