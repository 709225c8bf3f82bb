//! What every request passes before any route reads its body: the `Host` names this server
//! (DNS rebinding), an `Origin`, when a browser sends one, is this server's own, and beyond
//! loopback even the playground needs a token. And the bound on the one phase in which a
//! client holds a connection before it is known: reading an OAuth form whose credentials
//! are in the body, at most `PER_CLIENT` at once per address and `OVERALL` in all.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::http::{App, host_allowed};

/// The client's address, added to every request by the connection loop (`serve`).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub IpAddr);

/// At most this many unauthenticated bodies are read at once from one address.
pub const PER_CLIENT: usize = 8;
/// And at most this many from all addresses together.
pub const OVERALL: usize = 64;

/// The slots for reading a body before the caller is known.
pub struct PreAuth {
    overall: Arc<Semaphore>,
    per_client: Mutex<HashMap<IpAddr, usize>>,
}

impl Default for PreAuth {
    fn default() -> Self {
        PreAuth {
            overall: Arc::new(Semaphore::new(OVERALL)),
            per_client: Mutex::new(HashMap::new()),
        }
    }
}

/// One taken slot; given back on drop.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    ip: IpAddr,
    owner: Arc<PreAuth>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self
            .owner
            .per_client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = counts.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// A slot for `ip`, or None when it or everyone has used theirs: the caller is refused at
/// once rather than queued, so waiting clients hold no connection either.
pub fn enter(owner: &Arc<PreAuth>, ip: IpAddr) -> Option<Slot> {
    let permit = owner.overall.clone().try_acquire_owned().ok()?;
    let mut counts = owner
        .per_client
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let n = counts.entry(ip).or_insert(0);
    if *n >= PER_CLIENT {
        return None;
    }
    *n += 1;
    Some(Slot {
        _permit: permit,
        ip,
        owner: owner.clone(),
    })
}

/// Whether an `Origin` header names this server itself: `http://` + an address `Host`
/// would accept. A page elsewhere (`http://evil.example`, or `null` from a sandboxed
/// frame) may not make a browser send requests here.
pub fn origin_allowed(origin: &str, port: u16) -> bool {
    let Some(rest) = origin.trim().strip_prefix("http://") else {
        return false;
    };
    !rest.contains('/') && host_allowed(Some(rest), port)
}

/// A refusal that also closes the connection: a body that may follow is never read.
pub fn refusal(status: StatusCode, why: &'static str) -> Response {
    closing((status, why).into_response())
}

/// `r` with `Connection: close`, for an answer given before the body was read.
pub fn closing(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// The checks before any route; see the module's comment.
pub async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !host_allowed(host, app.port) {
        return refusal(
            StatusCode::MISDIRECTED_REQUEST,
            "the Host header does not name this sandbox (an IP address or localhost with its port)",
        );
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let own = origin.to_str().is_ok_and(|o| origin_allowed(o, app.port));
        if !own {
            return refusal(
                StatusCode::FORBIDDEN,
                "requests from a web page of another origin are refused",
            );
        }
    }
    if app.beyond_loopback && request.method() == Method::GET {
        let known = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(super::http::strip_bearer)
            .is_some_and(|t| app.access.valid(t.trim()));
        if !known {
            return refusal(
                StatusCode::UNAUTHORIZED,
                "this sandbox listens beyond loopback: every route needs its bearer token",
            );
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_servers_own_origin_is_allowed() {
        assert!(origin_allowed("http://127.0.0.1:4000", 4000));
        assert!(origin_allowed("http://localhost:4000", 4000));
        for foreign in [
            "http://evil.example",
            "http://evil.example:4000",
            "null",
            "http://127.0.0.1:4001",
            "https://127.0.0.1:4000",
            "http://127.0.0.1:4000/x",
        ] {
            assert!(!origin_allowed(foreign, 4000), "{foreign}");
        }
    }

    #[test]
    fn slots_are_bounded_per_client_and_given_back() {
        let owner = Arc::new(PreAuth::default());
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let taken: Vec<Slot> = (0..PER_CLIENT).filter_map(|_| enter(&owner, a)).collect();
        assert_eq!(taken.len(), PER_CLIENT);
        assert!(enter(&owner, a).is_none(), "one client's share is used up");
        assert!(enter(&owner, b).is_some(), "another client still gets one");
        drop(taken);
        assert!(enter(&owner, a).is_some(), "slots come back");
    }
}
