//! The sandbox's HTTP side: `/graphql` behind bearer-token and `Tenant` checks and the
//! fault injector, and two token issuers for client-credentials rehearsals: XSUAA-style
//! `/oauth/token` and Compass-style `/oauth2/token` (§2.2). Errors before the resolvers come in the Director's envelope (§2, §6).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::http::GraphQLPlaygroundConfig;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};

use super::errors::{
    CONCURRENT_UPDATE, DirectorError, TENANT_NOT_FOUND, TENANT_REQUIRED, UNAUTHORIZED, code_name,
};
use super::faults::{Fault, Faults};
use super::guard::{Peer, PreAuth};
use super::schema::DirectorSchema;
use super::scopes::Scopes;
use super::tokens::IssuedTokens;

/// Who may call, and with which scopes: a fixed token (ordinary scopes), an admin token
/// (every scope), OAuth clients' issued tokens (the scopes granted at issue), and the tenant.
pub struct Access {
    pub token: Mutex<Option<String>>,
    pub admin_token: Option<String>,
    pub oauth: Option<(String, String)>,
    pub issued: Mutex<IssuedTokens>,
    pub token_lifetime: Duration,
    pub tenant: Option<String>,
}

/// Whether `given` is `expected`, in time that does not depend on where they differ, so a
/// caller cannot guess a token byte by byte from how fast it is refused.
fn same_secret(given: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    given.as_bytes().ct_eq(expected.as_bytes()).into()
}

impl Access {
    fn required(&self) -> bool {
        self.oauth.is_some()
            || self.admin_token.is_some()
            || self.token.lock().map(|t| t.is_some()).unwrap_or(true)
    }

    /// The scopes of `bearer`, or None when it is not a valid token here.
    fn scopes(&self, bearer: &str) -> Option<Scopes> {
        if self
            .admin_token
            .as_deref()
            .is_some_and(|t| same_secret(bearer, t))
        {
            return Some(Scopes::all());
        }
        if !self.required() {
            return Some(Scopes::ordinary());
        }
        let fixed = self
            .token
            .lock()
            .map(|t| t.as_deref().is_some_and(|t| same_secret(bearer, t)))
            .unwrap_or(false);
        if fixed {
            return Some(Scopes::ordinary());
        }
        self.issued
            .lock()
            .ok()
            .and_then(|mut m| m.scopes(bearer, Instant::now()))
            .map(Scopes)
    }

    /// Whether `bearer` is a token this sandbox accepts (any, when it runs open).
    pub fn valid(&self, bearer: &str) -> bool {
        self.scopes(bearer).is_some()
    }

    /// Whether the request carries an accepted bearer token (or the sandbox runs open).
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        if !self.required() {
            return true;
        }
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(strip_bearer)
            .is_some_and(|t| self.valid(t.trim()))
    }
}

pub struct App {
    pub schema: DirectorSchema,
    pub faults: Faults,
    pub access: Access,
    /// The port the sandbox listens on: a `Host` header must name it (DNS rebinding).
    pub port: u16,
    /// Listening on an address other than loopback: every route needs a token.
    pub beyond_loopback: bool,
    /// The whole time a request body may take to arrive, however it trickles.
    pub body_timeout: Duration,
    /// Slots for reading a body before the caller is known (an OAuth form).
    pub pre_auth: Arc<PreAuth>,
    /// The store, for the pairing route.
    pub store: super::schema::Shared,
    /// When the pairing route may next pair (it takes the landscape's lock each time).
    pub pair_pace: Mutex<Option<Instant>>,
}

/// The largest GraphQL request read; larger ones are refused from `Content-Length` or as
/// soon as the body passes it, never buffered whole.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;
/// The largest answer sent; a larger one is replaced by an error.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// The largest `/oauth/token` form.
const MAX_FORM_BYTES: usize = 16 * 1024;

/// Every route, behind `guard::guard` (Host, Origin, and beyond loopback a token), which
/// runs before any of them reads a byte of the body. tower-http's body timeout ends a
/// stalled body; the routes add a deadline for the whole body, which a trickle of a byte
/// now and then cannot stretch.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/graphql", post(graphql).get(playground))
        .route("/oauth/token", post(token_xsuaa))
        .route("/oauth2/token", post(token_compass))
        .route("/sandbox/pair/{system}", post(super::pairing::pair))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            app.body_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            super::guard::guard,
        ))
        .with_state(app)
}

/// Whether `host` (a `Host` header) names this server: an IP address or `localhost`, with
/// the listening port. A DNS name is refused, since a page can point any name it controls
/// at 127.0.0.1 (DNS rebinding) and its requests would carry that name.
pub fn host_allowed(host: Option<&str>, port: u16) -> bool {
    let Some(host) = host.map(str::trim) else {
        return false;
    };
    let (name, given_port) = match host.rsplit_once(':') {
        Some((n, p)) if !n.is_empty() && (!n.contains(':') || n.ends_with(']')) => {
            (n, p.parse::<u16>().ok())
        }
        _ => (host, Some(80)),
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    let known = name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok();
    known && given_port == Some(port)
}

async fn playground() -> impl IntoResponse {
    axum::response::Html(async_graphql::http::playground_source(
        GraphQLPlaygroundConfig::new("/graphql"),
    ))
}

/// An error answered before any resolver ran, in the Director's envelope (§2.2, §6.1).
fn envelope_error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "error_code": code, "error": code_name(code) } }],
        "data": null
    });
    (status, axum::Json(body)).into_response()
}

async fn graphql(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let latency = app.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(strip_bearer)
    else {
        return envelope_error(
            StatusCode::BAD_REQUEST,
            UNAUTHORIZED,
            "Unauthorized [reason=invalid bearer token]",
        );
    };
    let Some(scopes) = app.access.scopes(bearer.trim()) else {
        return envelope_error(
            StatusCode::UNAUTHORIZED,
            UNAUTHORIZED,
            "Unauthorized [reason=the token is not valid or has expired]",
        );
    };
    // HeaderMap names are case-insensitive, as the hydrator's look-up is (§2.3).
    let tenant = headers
        .get("tenant")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if tenant.trim().is_empty() {
        return envelope_error(StatusCode::OK, TENANT_REQUIRED, "Tenant is required");
    }
    if app.access.tenant.as_deref().is_some_and(|t| t != tenant) {
        return envelope_error(
            StatusCode::BAD_REQUEST,
            TENANT_NOT_FOUND,
            &format!("Tenant not found [externalTenant={tenant}]"),
        );
    }
    // Only now, with the caller known, is the body read, and never more than the cap.
    let body = match read_body(&headers, body, MAX_REQUEST_BYTES, app.body_timeout).await {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let fault = app.faults.pick(&body);
    match fault {
        Some(Fault::ServerError) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "injected server error").into_response();
        }
        Some(Fault::Unavailable) => {
            // As the Director's http.TimeoutHandler answers (director-behaviour.md §2.1).
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                r#"{"Message":"operation has timed out"}"#,
            )
                .into_response();
        }
        Some(Fault::Throttle { retry_after }) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after.to_string())],
                "slow down",
            )
                .into_response();
        }
        Some(Fault::GraphQlError) => {
            let e = DirectorError::internal("injected internal error");
            return envelope_error(StatusCode::OK, e.code, &e.message);
        }
        Some(Fault::ConcurrentUpdate) => {
            // apperrors.NewConcurrentUpdate (fact 13): the transaction was rolled back.
            return envelope_error(
                StatusCode::OK,
                CONCURRENT_UPDATE,
                "Could not update object due to concurrent update",
            );
        }
        _ => {}
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("not a GraphQL request: {e}"),
            )
                .into_response();
        }
    };
    let mutation = is_mutation(&request.query);
    let groups = headers
        .get("scenario_groups")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let request = request.data(super::schema::ScenarioGroupsHeader(groups));
    // Exactly "true", as the Director's tokenSuggestionEnabled compares it (fact 14).
    let suggest = headers
        .get("suggest_token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "true");
    let request = request.data(super::schema::SuggestToken(suggest));
    let answer = app.schema.execute(request.data(scopes)).await;
    let committed = mutation && answer.errors.is_empty();
    let (status, value) = present(serde_json::to_value(&answer).unwrap_or_default());
    let mut json = serde_json::to_vec(&value).unwrap_or_default();
    if json.len() > MAX_ANSWER_BYTES {
        let e = DirectorError::internal(format!(
            "the answer would be larger than {MAX_ANSWER_BYTES} bytes; ask for fewer fields or a smaller page"
        ));
        json = serde_json::to_vec(&serde_json::json!({
            "errors": [{ "message": e.message, "extensions": { "error_code": e.code, "error": code_name(e.code) } }],
            "data": null
        }))
        .unwrap_or_default();
    }
    if committed && app.faults.take_drop_after_commit() {
        return broken_body();
    }
    match fault {
        Some(Fault::Drop) => broken_body(),
        Some(Fault::Malformed) => {
            let cut = json.len() / 2;
            json_response(status, json[..cut].to_vec())
        }
        Some(Fault::SlowAnswer(d)) => {
            tokio::time::sleep(d).await;
            json_response(status, json)
        }
        _ => json_response(status, json),
    }
}

/// `Bearer <token>` with the scheme in any case (RFC 9110 §11.1).
pub(super) fn strip_bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

/// The request body, refused with 413 when `Content-Length` or the bytes received pass
/// `max`, and with 408 when the whole of it has not arrived within `deadline` (however it
/// trickles) or it stalls (the body timeout layer).
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    max: usize,
    deadline: Duration,
) -> Result<Bytes, Response> {
    let too_large = || {
        super::guard::closing(
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a request body here may have at most {max} bytes"),
            )
                .into_response(),
        )
    };
    let late = || {
        super::guard::refusal(
            StatusCode::REQUEST_TIMEOUT,
            "the request body did not arrive in time",
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(deadline, axum::body::to_bytes(body, max)).await {
        Err(_) => Err(late()),
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            if std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            {
                Err(too_large())
            } else {
                Err(late())
            }
        }
    }
}

fn is_mutation(query: &str) -> bool {
    async_graphql::parser::parse_query(query).is_ok_and(|doc| {
        doc.operations
            .iter()
            .any(|(_, op)| op.node.ty == async_graphql::parser::types::OperationType::Mutation)
    })
}

/// The Director's presentation of an answer (§6.1, §6.2): no `locations`; a document that
/// did not parse or validate (errors without a path and no data) is HTTP 422 with each
/// error wrapped as code 10 `input:<line>: <message>`.
fn present(mut answer: serde_json::Value) -> (StatusCode, serde_json::Value) {
    let Some(errors) = answer.get_mut("errors").and_then(|e| e.as_array_mut()) else {
        return (StatusCode::OK, answer);
    };
    let rejected = errors.iter().all(|e| e.get("path").is_none());
    for e in errors.iter_mut() {
        let line = e
            .pointer("/locations/0/line")
            .and_then(|l| l.as_u64())
            .map(|l| format!(":{l}"))
            .unwrap_or_default();
        if let Some(map) = e.as_object_mut() {
            map.remove("locations");
            if rejected {
                let message = map
                    .get("message")
                    .and_then(|m| m.as_str())
                    .unwrap_or_default()
                    .to_owned();
                let wrapped = DirectorError::internal(format!("input{line}: {message}"));
                map.insert("message".into(), wrapped.message.into());
                map.insert(
                    "extensions".into(),
                    serde_json::json!({"error_code": wrapped.code, "error": code_name(wrapped.code)}),
                );
            }
        }
    }
    if rejected {
        answer["data"] = serde_json::Value::Null;
        return (StatusCode::UNPROCESSABLE_ENTITY, answer);
    }
    let nullable: Option<serde_json::Map<String, serde_json::Value>> = errors
        .iter()
        .map(
            |e| match e.get("path").and_then(|p| p.as_array()).map(Vec::as_slice) {
                Some([serde_json::Value::String(field)])
                    if NULLABLE_ROOTS.contains(&field.as_str()) =>
                {
                    Some((field.clone(), serde_json::Value::Null))
                }
                _ => None,
            },
        )
        .collect();
    if answer["data"].is_null()
        && let Some(fields) = nullable
    {
        answer["data"] = serde_json::Value::Object(fields);
    }
    (StatusCode::OK, answer)
}

/// Root fields whose type is nullable: an error there nulls only the field (§6.1), where
/// async-graphql nulls the whole `data` of a failed root resolver.
const NULLABLE_ROOTS: &[&str] = &["formation", "formationByName"];

fn json_response(status: StatusCode, bytes: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

/// A response whose body fails at once: hyper resets the connection, so the client sees
/// it drop after the request was carried out.
fn broken_body() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped by the sandbox"))
    });
    Response::new(Body::from_stream(stream))
}

#[derive(serde::Deserialize)]
struct TokenForm {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

/// Which issuer a token route imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Issuer {
    /// XSUAA (`/oauth/token`, the base URL of an SAP BTP service key): Basic or form
    /// credentials; without `scope` every scope of the client.
    Xsuaa,
    /// Compass's own issuer, Hydra (`/oauth2/token`, the complete `url` of a Compass
    /// credential, director-behaviour.md §2.2, fact 10): HTTP Basic only, and only the
    /// scopes asked for (fact 11): no `scope`, a token without rights.
    Compass,
}

async fn token_xsuaa(
    state: State<Arc<App>>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    token(state, peer, headers, body, Issuer::Xsuaa).await
}

async fn token_compass(
    state: State<Arc<App>>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    token(state, peer, headers, body, Issuer::Compass).await
}

/// The scopes granted for `asked` (a `scope` parameter), or None when one of them is not
/// the client's (`invalid_scope`, RFC 6749 §5.2).
fn granted(issuer: Issuer, asked: Option<&str>) -> Option<Vec<String>> {
    let client = Scopes::oauth_client();
    let asked: Vec<String> = asked
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if asked.iter().any(|s| !client.has(s)) {
        return None;
    }
    if asked.is_empty() && issuer == Issuer::Xsuaa {
        return Some(client.0);
    }
    Some(asked)
}

/// How long an OAuth form may take to arrive before the caller is known: a form is a
/// hundred bytes, so a few seconds is plenty, and a slot is held no longer.
const PRE_AUTH_BODY_DEADLINE: Duration = Duration::from_secs(5);

/// OAuth2 client credentials (RFC 6749 §4.4): HTTP Basic or form credentials. Without an
/// OAuth client, or with wrong Basic credentials, the answer comes from the headers alone;
/// a form that carries the credentials is read in one of the few pre-authentication slots
/// (`guard::enter`) within a short deadline, or refused at once.
async fn token(
    State(app): State<Arc<App>>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
    body: Body,
    issuer: Issuer,
) -> Response {
    let Some((id, secret)) = &app.access.oauth else {
        return super::guard::refusal(StatusCode::NOT_FOUND, "this sandbox has no OAuth client");
    };
    let invalid_client = || {
        super::guard::closing(
            (
                StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({ "error": "invalid_client" })),
            )
                .into_response(),
        )
    };
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(decode_basic);
    let known = basic
        .as_ref()
        .map(|(cid, csecret)| same_secret(cid, id) & same_secret(csecret, secret));
    // Hydra authenticates the client by HTTP Basic only: without it the answer comes from
    // the headers alone, before a byte of the body is read.
    if known == Some(false) || (known.is_none() && issuer == Issuer::Compass) {
        return invalid_client();
    }
    let _slot = match known {
        Some(_) => None,
        None => {
            let ip = peer.map_or(std::net::IpAddr::from([0, 0, 0, 0]), |Extension(p)| p.0);
            match super::guard::enter(&app.pre_auth, ip) {
                Some(slot) => Some(slot),
                None => {
                    let mut r = super::guard::refusal(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "too many token requests are being read; try again",
                    );
                    r.headers_mut()
                        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
                    return r;
                }
            }
        }
    };
    let deadline = if known.is_some() {
        app.body_timeout
    } else {
        app.body_timeout.min(PRE_AUTH_BODY_DEADLINE)
    };
    let body = match read_body(&headers, body, MAX_FORM_BYTES, deadline).await {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let Ok(form) = serde_urlencoded::from_bytes::<TokenForm>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({ "error": "invalid_request" })),
        )
            .into_response();
    };
    let (cid, csecret) = basic.unwrap_or((
        form.client_id.unwrap_or_default(),
        form.client_secret.unwrap_or_default(),
    ));
    if form.grant_type != "client_credentials" {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({ "error": "unsupported_grant_type" })),
        )
            .into_response();
    }
    if !(same_secret(&cid, id) & same_secret(&csecret, secret)) {
        return invalid_client();
    }
    let Some(scopes) = granted(issuer, form.scope.as_deref()) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({ "error": "invalid_scope" })),
        )
            .into_response();
    };
    let token = uuid::Uuid::new_v4().simple().to_string();
    let lifetime = app.access.token_lifetime;
    let scope = scopes.join(" ");
    if let Ok(mut issued) = app.access.issued.lock() {
        let now = Instant::now();
        issued.issue(&token, now + lifetime, now, scopes);
    }
    axum::Json(serde_json::json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": lifetime.as_secs(),
        "scope": scope,
    }))
    .into_response()
}

fn decode_basic(b64: &str) -> Option<(String, String)> {
    let bytes = base64_decode(b64.trim())?;
    let text = String::from_utf8(bytes).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Standard base64 (with padding), enough for an Authorization header.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}
