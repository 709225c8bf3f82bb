//! The transport: one GraphQL operation as an HTTP POST, with timeouts, bounded retries
//! with exponential backoff and jitter for what may be repeated, `Retry-After` on 429, and
//! one token refresh on 401. Every attempt is logged (operation, duration, outcome) and no
//! log line or error carries a token.

use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;

use super::auth::{Auth, AuthError};
use super::response::{self, Undecoded};
use crate::backend::{CallState, Progress};

/// Whether an operation may be sent again when its outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A query: repeating it changes nothing.
    Read,
    /// A mutation: repeated only when it certainly did not reach the server (connection
    /// refused, 429, 401); otherwise the caller finds out what happened first.
    Write,
}

/// Timeouts and retry bounds; the defaults suit a real Director, tests shorten them.
#[derive(Debug, Clone)]
pub struct Options {
    pub connect_timeout: Duration,
    /// For a read.
    pub request_timeout: Duration,
    /// For a mutation: longer than the Director's own 110 s (fact 12, §2.1), so its answer
    /// (or its 503) arrives rather than a guess.
    pub mutation_timeout: Duration,
    /// How often a mutation still waiting for its answer says so on the progress.
    pub waiting_notice: Duration,
    pub retries: usize,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// Longest `Retry-After` honoured; longer ones end the call.
    pub max_retry_after: Duration,
    pub page_size: i32,
    /// The most items one paged read takes: the largest landscape that is plausible. With
    /// `page_size` it sets how many pages a read may take, whatever `totalCount` says.
    pub max_items: usize,
}

/// The default `Options::max_items`: a global account with a hundred thousand systems is
/// already far past any seen; twice that leaves room.
pub const MAX_LANDSCAPE_ITEMS: usize = 200_000;

impl Default for Options {
    fn default() -> Self {
        Options {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            mutation_timeout: Duration::from_secs(120),
            waiting_notice: Duration::from_secs(10),
            retries: 4,
            min_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
            // The largest page the Director serves (§3): half the round trips of 100.
            page_size: 200,
            max_items: MAX_LANDSCAPE_ITEMS,
        }
    }
}

/// How a call failed, as far as the caller needs to know.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The Director answered with GraphQL errors: the operation ran and failed.
    #[error("{message}")]
    Answered {
        code: Option<i64>,
        message: String,
        /// Set when a rule of the Director refused it (a constraint, the system type).
        refusal: Option<super::errors::Refusal>,
    },
    /// The request may or may not have taken effect (timeout after sending, dropped
    /// connection, server error, unreadable answer).
    #[error("{0}")]
    Unknown(String),
    /// Certainly not executed: unreachable, refused credentials, rate-limited too long.
    #[error("{0}")]
    NotDone(String),
}

/// One attempt's failure, classified for the retry loop.
#[derive(Debug)]
enum Attempt {
    /// Worth retrying for any kind (nothing reached the server or it said "later").
    NotSent(String, Option<Duration>),
    /// Worth retrying for reads only.
    Unknown(String),
    Unauthorized(secrecy::SecretString),
    /// The Director says "try again" (`error_code` 35 concurrent update, 32 concurrent
    /// operation, fact 13): the transaction was rolled back, so reads and mutations alike
    /// may be sent again.
    Conflict(CallError),
    Final(CallError),
}

tokio::task_local! {
    /// Headers that the calls made inside `CALL_HEADERS.scope` send besides the usual
    /// ones: the `scenario_groups` of a token request (director-behaviour.md §5.2).
    pub static CALL_HEADERS: reqwest::header::HeaderMap;
}

pub struct Client {
    http: reqwest::Client,
    endpoint: String,
    /// `endpoint` without user name, password or query: the only form any message shows.
    shown: String,
    tenant: String,
    auth: Auth,
    pub options: Options,
}

impl Client {
    pub fn new(
        url: &str,
        tenant: &str,
        auth: Auth,
        http: reqwest::Client,
        options: Options,
    ) -> Client {
        Client {
            http,
            endpoint: url.to_owned(),
            shown: crate::text::neutralise(&super::url_policy::shown(url)).into_owned(),
            tenant: tenant.to_owned(),
            auth,
            options,
        }
    }

    /// A reqwest client with the timeouts and no redirects (a bearer token is never sent
    /// on to another host). Each request sets its own total timeout (read or mutation).
    pub fn http(options: &Options) -> Result<reqwest::Client, String> {
        reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout.max(options.mutation_timeout))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("formation-wizard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))
    }

    /// The endpoint as messages show it (no user name, password or query).
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// The tenant (global account id) sent as the Tenant header.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// Runs one GraphQL operation. `report` (progress, step, label) receives retry notices.
    pub async fn run<T, V>(
        &self,
        name: &'static str,
        operation: &cynic::Operation<T, V>,
        kind: Kind,
        report: Option<(&Progress, usize, &str)>,
    ) -> Result<T, CallError>
    where
        T: DeserializeOwned,
        V: serde::Serialize,
    {
        let mut refreshed = false;
        loop {
            match self.with_retries(name, operation, kind, report).await {
                Err(Attempt::Unauthorized(token)) if !refreshed => {
                    refreshed = true;
                    let again = self.auth.refresh(&token).await.map_err(auth_failed)?;
                    if !again {
                        return Err(self.unauthorized());
                    }
                    if let Some((p, step, label)) = report {
                        p.call(
                            step,
                            label,
                            CallState::Retrying {
                                attempt: 1,
                                reason: "the token was refused; using a new one".into(),
                            },
                        );
                    }
                }
                Err(Attempt::Unauthorized(_)) => return Err(self.unauthorized()),
                Err(Attempt::NotSent(msg, _)) => return Err(CallError::NotDone(msg)),
                Err(Attempt::Unknown(msg)) => return Err(CallError::Unknown(msg)),
                Err(Attempt::Final(e) | Attempt::Conflict(e)) => return Err(e),
                Ok(data) => return Ok(data),
            }
        }
    }

    fn unauthorized(&self) -> CallError {
        CallError::NotDone(format!(
            "the Director at {} refused {} (401 Unauthorized); check that it is valid and not expired",
            self.shown,
            self.auth.describe()
        ))
    }

    async fn with_retries<T, V>(
        &self,
        name: &'static str,
        operation: &cynic::Operation<T, V>,
        kind: Kind,
        report: Option<(&Progress, usize, &str)>,
    ) -> Result<T, Attempt>
    where
        T: DeserializeOwned,
        V: serde::Serialize,
    {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.options.min_backoff)
            .with_max_delay(self.options.max_backoff)
            .with_max_times(self.options.retries)
            .with_jitter();
        // Shared by the attempt and the notice, which backon holds at the same time.
        let attempts = std::sync::atomic::AtomicU32::new(0);
        let max_retry_after = self.options.max_retry_after;
        (|| {
            let attempt = attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            self.attempt(name, operation, kind, attempt, report)
        })
        .retry(backoff)
        .when(|e| match e {
            Attempt::NotSent(_, after) => after.is_none_or(|d| d <= max_retry_after),
            Attempt::Unknown(_) => kind == Kind::Read,
            Attempt::Conflict(_) => true,
            Attempt::Unauthorized(_) | Attempt::Final(_) => false,
        })
        .adjust(|e, planned| match (e, planned) {
            // Retry-After replaces the computed delay, but never revives an exhausted budget.
            (Attempt::NotSent(_, Some(after)), Some(_)) => Some(*after),
            _ => planned,
        })
        .notify(|e, wait| {
            if let Some((p, step, label)) = report {
                let reason = match e {
                    Attempt::NotSent(m, _) | Attempt::Unknown(m) => m.clone(),
                    Attempt::Conflict(e) => format!("the Director says to try again ({e})"),
                    _ => String::new(),
                };
                p.call(
                    step,
                    label,
                    CallState::Retrying {
                        // The attempt about to be made: the first retry is attempt 2.
                        attempt: attempts.load(std::sync::atomic::Ordering::Relaxed) + 1,
                        reason: format!("{reason}; trying again in {} ms", wait.as_millis()),
                    },
                );
            }
        })
        .await
    }

    /// One HTTP request, logged with its duration and outcome. A mutation still waiting
    /// for its answer says so on `report` every `waiting_notice`.
    async fn attempt<T, V>(
        &self,
        name: &'static str,
        operation: &cynic::Operation<T, V>,
        kind: Kind,
        attempt: u32,
        report: Option<(&Progress, usize, &str)>,
    ) -> Result<T, Attempt>
    where
        T: DeserializeOwned,
        V: serde::Serialize,
    {
        let started = Instant::now();
        let sending = self.send(operation, kind);
        let result = match report {
            Some((progress, step, label)) if kind == Kind::Write => {
                tokio::pin!(sending);
                let mut notice = tokio::time::interval_at(
                    tokio::time::Instant::now() + self.options.waiting_notice,
                    self.options.waiting_notice.max(Duration::from_millis(10)),
                );
                loop {
                    tokio::select! {
                        r = &mut sending => break r,
                        _ = notice.tick() => progress.call(
                            step,
                            label,
                            CallState::Waiting { elapsed: started.elapsed() },
                        ),
                    }
                }
            }
            _ => sending.await,
        };
        let outcome = match &result {
            Ok(_) => "ok".to_owned(),
            Err(Attempt::NotSent(m, _)) => format!("not sent: {m}"),
            Err(Attempt::Unknown(m)) => format!("unknown: {m}"),
            Err(Attempt::Unauthorized(_)) => "unauthorized".to_owned(),
            Err(Attempt::Conflict(e)) => format!("conflict: {e}"),
            Err(Attempt::Final(e)) => format!("error: {e}"),
        };
        tracing::info!(
            target: "formation_wizard::director",
            operation = name,
            attempt,
            duration_ms = started.elapsed().as_millis() as u64,
            outcome = %crate::text::neutralise(&outcome),
            "request"
        );
        result
    }

    async fn send<T, V>(&self, operation: &cynic::Operation<T, V>, kind: Kind) -> Result<T, Attempt>
    where
        T: DeserializeOwned,
        V: serde::Serialize,
    {
        let token = self
            .auth
            .token()
            .await
            .map_err(|e| Attempt::Final(auth_failed(e)))?;
        let sent = self
            .http
            .post(&self.endpoint)
            .bearer_auth(token.expose_secret())
            .timeout(match kind {
                Kind::Read => self.options.request_timeout,
                Kind::Write => self.options.mutation_timeout,
            })
            .header("Tenant", &self.tenant)
            .headers(CALL_HEADERS.try_with(Clone::clone).unwrap_or_default())
            .json(operation)
            .send()
            .await;
        let answer = match sent {
            Ok(a) => a,
            Err(e) if e.is_connect() => {
                return Err(Attempt::NotSent(
                    format!("cannot connect to {}: {}", self.shown, describe_reqwest(&e)),
                    None,
                ));
            }
            Err(e) => {
                return Err(Attempt::Unknown(format!(
                    "no answer from {}: {}",
                    self.shown,
                    describe_reqwest(&e)
                )));
            }
        };
        let status = answer.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(Attempt::Unauthorized(token));
        }
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let after = retry_after(answer.headers()).unwrap_or(self.options.min_backoff);
            return Err(Attempt::NotSent(
                format!(
                    "the Director at {} is rate-limiting requests (429)",
                    self.shown
                ),
                Some(after),
            ));
        }
        let body = self.read_capped(answer).await?;
        if status.is_server_error() {
            return Err(Attempt::Unknown(format!(
                "the Director at {} failed with HTTP {status}",
                self.shown
            )));
        }
        // A document the server cannot parse or validate (§6.2): never worth repeating.
        if status == reqwest::StatusCode::UNPROCESSABLE_ENTITY {
            return Err(match decode::<T>(&body, &self.shown, kind) {
                Err(Attempt::Unknown(message)) => Attempt::Final(CallError::Answered {
                    code: None,
                    message: format!(
                        "the Director could not run the request (HTTP 422): {message}"
                    ),
                    refusal: None,
                }),
                Err(other) => other,
                Ok(_) => Attempt::Final(CallError::NotDone(format!(
                    "the Director at {} answered HTTP 422",
                    self.shown
                ))),
            });
        }
        if !status.is_success() && status != reqwest::StatusCode::BAD_REQUEST {
            return Err(Attempt::Final(CallError::NotDone(format!(
                "the Director at {} answered HTTP {status}",
                self.shown
            ))));
        }
        decode(&body, &self.shown, kind)
    }
}

impl Client {
    /// The answer body, at most [`MAX_ANSWER_BYTES`]: refused from `Content-Length` or as
    /// soon as the bytes received pass it, never buffered whole.
    async fn read_capped(&self, mut answer: reqwest::Response) -> Result<Vec<u8>, Attempt> {
        let too_large = || {
            Attempt::Final(CallError::NotDone(format!(
                "the answer from {} is larger than {} MB, more than any Director answer needs",
                self.shown,
                MAX_ANSWER_BYTES / (1024 * 1024)
            )))
        };
        if answer
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = answer.chunk().await.map_err(|e| {
            Attempt::Unknown(format!(
                "the answer from {} broke off: {}",
                self.shown,
                describe_reqwest(&e)
            ))
        })? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// The largest answer read from the Director; a page of 200 systems is far below it.
pub const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;

/// Reads a GraphQL answer (see `response::decode`), classified for the retry loop.
fn decode<T: DeserializeOwned>(body: &[u8], url: &str, kind: Kind) -> Result<T, Attempt> {
    response::decode(body, url).map_err(|e| match e {
        Undecoded::Unreadable(message) => Attempt::Unknown(message),
        // An internal error of a read may be passing; it is retried like an unknown outcome.
        // A refusal also comes as code 10 but is an answer: repeating it would only be
        // refused again. A mutation that answers code 10 ran and failed (the Director undoes
        // what it stored, fact 12): the caller looks at the state, with the server's reason.
        Undecoded::Answered {
            code,
            message,
            refusal: None,
        } if kind == Kind::Read && !super::errors::is_definite(code, &message) => {
            Attempt::Unknown(message)
        }
        Undecoded::Answered {
            code: Some(c),
            message,
            refusal: None,
        } if super::errors::is_try_again(c) => Attempt::Conflict(CallError::Answered {
            code: Some(c),
            message,
            refusal: None,
        }),
        Undecoded::Answered {
            code,
            message,
            refusal,
        } => Attempt::Final(CallError::Answered {
            code,
            message,
            refusal,
        }),
    })
}

/// `Retry-After` in seconds (the HTTP-date form is not used by the Director).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn auth_failed(e: AuthError) -> CallError {
    CallError::NotDone(e.to_string())
}

/// A reqwest error as a short phrase, without the URL's query (reqwest's Display adds it).
pub fn describe_reqwest(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the connection broke off"
    } else if e.is_request() {
        "the request failed"
    } else {
        "error"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} ({cause})")
    }
}
