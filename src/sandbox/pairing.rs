//! `POST /sandbox/pair/{system id}`: uses the system's latest registration token at once,
//! as SAP S/4HANA Cloud does when the token is entered there, so the registration loop can
//! be rehearsed without one. Not part of the Director's API; answers 204, 404 for an
//! unknown system, 409 for a system without a token.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::schema::Shared;

pub fn router(store: Shared) -> Router {
    Router::new()
        .route("/sandbox/pair/{system}", post(pair))
        .with_state(store)
}

async fn pair(State(store): State<Shared>, Path(system): Path<String>) -> Response {
    let Ok(mut store) = store.lock() else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the sandbox's state is poisoned",
        )
            .into_response();
    };
    match super::registry::pair(&mut store, &system) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) if e.code == super::errors::NOT_FOUND => {
            (StatusCode::NOT_FOUND, "no such system").into_response()
        }
        Err(e) => (StatusCode::CONFLICT, e.message).into_response(),
    }
}
