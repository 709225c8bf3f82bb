//! `POST /sandbox/pair/{system id}`: uses the system's latest registration token at once,
//! as SAP S/4HANA Cloud does when the token is entered there, so the registration loop can
//! be rehearsed without one. Not part of the Director's API; answers 204, 404 for an
//! unknown system, 409 for a system without a token. It changes the landscape, so it needs
//! the sandbox's bearer token like `/graphql` (a page in a browser cannot send it), and it
//! pairs at most one system per `PACE`: each pairing takes the landscape's lock, and a
//! loop of them must not starve the writers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::http::App;

/// The least time between two pairings.
pub const PACE: Duration = Duration::from_millis(100);

pub async fn pair(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(system): Path<String>,
) -> Response {
    if !app.access.admits(&headers) {
        return super::guard::refusal(
            StatusCode::UNAUTHORIZED,
            "pairing needs this sandbox's bearer token",
        );
    }
    if !take_turn(&app) {
        let mut r = super::guard::refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "one pairing at a time; try again in a moment",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    }
    let store = app.store.clone();
    let paired = tokio::task::spawn_blocking(move || {
        super::schema::locked(&store, |s| super::registry::pair(s, &system))
    })
    .await;
    let Ok(paired) = paired else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the pairing did not finish",
        )
            .into_response();
    };
    match paired {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) if e.code == super::errors::NOT_FOUND => {
            (StatusCode::NOT_FOUND, "no such system").into_response()
        }
        Err(e) => (StatusCode::CONFLICT, e.message).into_response(),
    }
}

/// Whether a pairing may start now; if so, the next may start `PACE` later.
fn take_turn(app: &App) -> bool {
    let mut next = app
        .pair_pace
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let now = Instant::now();
    if next.is_some_and(|at| now < at) {
        return false;
    }
    *next = Some(now + PACE);
    true
}
