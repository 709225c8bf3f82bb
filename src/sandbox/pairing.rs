//! `POST /sandbox/pair/{system id}`: uses the system's latest registration token at once,
//! as SAP S/4HANA Cloud does when the token is entered there, so the registration loop can
//! be rehearsed without one. Not part of the Director's API; answers 204, 404 for an
//! unknown system, 409 for a system without a token.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::schema::Shared;

pub fn router(store: Shared, port: u16) -> Router {
    Router::new()
        .route("/sandbox/pair/{system}", post(pair))
        .with_state((store, port))
}

async fn pair(
    State((store, port)): State<(Shared, u16)>,
    headers: HeaderMap,
    Path(system): Path<String>,
) -> Response {
    // As for /graphql: a page that points a DNS name of its own at 127.0.0.1 is refused.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !super::http::host_allowed(host, port) {
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "this server answers only its own address",
        )
            .into_response();
    }
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
