//! The sandbox's HTTP side: `/graphql` behind bearer-token and `Tenant` checks and the
//! fault injector, and `/oauth/token` for client-credentials rehearsals.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::http::GraphQLPlaygroundConfig;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};

use super::faults::{Fault, Faults};
use super::schema::DirectorSchema;

/// Who may call: a fixed token, OAuth clients' issued tokens, and the tenant.
pub struct Access {
    pub token: Mutex<Option<String>>,
    pub oauth: Option<(String, String)>,
    pub issued: Mutex<HashMap<String, Instant>>,
    pub token_lifetime: Duration,
    pub tenant: Option<String>,
}

impl Access {
    fn required(&self) -> bool {
        self.oauth.is_some() || self.token.lock().map(|t| t.is_some()).unwrap_or(true)
    }

    fn allows(&self, bearer: &str) -> bool {
        if !self.required() {
            return true;
        }
        let fixed = self
            .token
            .lock()
            .map(|t| t.as_deref() == Some(bearer))
            .unwrap_or(false);
        let issued = self
            .issued
            .lock()
            .map(|m| m.get(bearer).is_some_and(|exp| *exp > Instant::now()))
            .unwrap_or(false);
        fixed || issued
    }
}

pub struct App {
    pub schema: DirectorSchema,
    pub faults: Faults,
    pub access: Access,
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/graphql", post(graphql).get(playground))
        .route("/oauth/token", post(token))
        .with_state(app)
}

async fn playground() -> impl IntoResponse {
    axum::response::Html(async_graphql::http::playground_source(
        GraphQLPlaygroundConfig::new("/graphql"),
    ))
}

fn graphql_error(code: i64, message: &str) -> Response {
    let body = serde_json::json!({
        "data": null,
        "errors": [{ "message": message, "extensions": { "error_code": code } }]
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

async fn graphql(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let latency = app.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !app.access.allows(bearer) {
        return (StatusCode::UNAUTHORIZED, "invalid or expired bearer token").into_response();
    }
    let tenant = headers
        .get("Tenant")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if tenant.trim().is_empty() {
        return graphql_error(24, "Tenant is required");
    }
    if app.access.tenant.as_deref().is_some_and(|t| t != tenant) {
        return graphql_error(25, &format!("Tenant not found: {tenant}"));
    }
    let fault = app.faults.pick(&body);
    match fault {
        Some(Fault::ServerError) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "injected server error").into_response();
        }
        Some(Fault::Throttle { retry_after }) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after.to_string())],
                "slow down",
            )
                .into_response();
        }
        Some(Fault::GraphQlError) => return graphql_error(10, "injected internal error"),
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
    let answer = app.schema.execute(request).await;
    let json = serde_json::to_vec(&answer).unwrap_or_default();
    match fault {
        Some(Fault::Drop) => broken_body(),
        Some(Fault::Malformed) => {
            let cut = json.len() / 2;
            json_response(json[..cut].to_vec())
        }
        Some(Fault::SlowAnswer(d)) => {
            tokio::time::sleep(d).await;
            json_response(json)
        }
        _ => json_response(json),
    }
}

fn json_response(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
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
}

/// OAuth2 client credentials (RFC 6749 §4.4): HTTP Basic or form credentials.
async fn token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let Some((id, secret)) = &app.access.oauth else {
        return (StatusCode::NOT_FOUND, "this sandbox has no OAuth client").into_response();
    };
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(decode_basic);
    let (cid, csecret) = basic.unwrap_or((
        form.client_id.unwrap_or_default(),
        form.client_secret.unwrap_or_default(),
    ));
    if form.grant_type != "client_credentials" || &cid != id || &csecret != secret {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(serde_json::json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let lifetime = app.access.token_lifetime;
    if let Ok(mut issued) = app.access.issued.lock() {
        issued.insert(token.clone(), Instant::now() + lifetime);
    }
    axum::Json(serde_json::json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": lifetime.as_secs(),
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
