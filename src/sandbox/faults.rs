//! Injected faults, to rehearse and test the director backend's failure handling. Rates are
//! drawn from a seeded generator, so a run can be repeated exactly; tests queue faults for
//! the next requests (optionally only those naming an operation) to be fully deterministic.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 without running the request.
    ServerError,
    /// HTTP 429 with `Retry-After` (seconds), without running the request.
    Throttle { retry_after: u64 },
    /// Runs the request, then breaks the connection instead of answering.
    Drop,
    /// Runs the request, then answers only after this long (for client timeouts).
    SlowAnswer(Duration),
    /// Runs the request, then answers with JSON that is cut off.
    Malformed,
    /// A GraphQL internal error (code 10) without running the request.
    GraphQlError,
    /// `error_code` 35, "Could not update object due to concurrent update", without running
    /// the request: what a versioned update that lost a race answers (fact 13).
    ConcurrentUpdate,
    /// HTTP 503 with the Director's timeout body, answered before the request runs (the
    /// real one may also answer it after committing: that is `drop_after_commit`).
    Unavailable,
}

#[derive(Debug, Clone, Default)]
pub struct Rates {
    pub latency: Duration,
    pub server_error: f64,
    pub drop: f64,
    pub throttle: f64,
    pub retry_after: u64,
    pub seed: u64,
}

struct Queued {
    fault: Fault,
    /// Only requests whose body contains this (e.g. "createFormation").
    only: Option<String>,
}

pub struct Faults {
    rates: Rates,
    /// How many more committed mutations lose their answer (`--drop-after-commit`).
    drop_after_commit: std::sync::atomic::AtomicUsize,
    queue: Mutex<VecDeque<Queued>>,
    rng: Mutex<u64>,
}

impl Faults {
    pub fn new(rates: Rates) -> Faults {
        let seed = rates.seed.max(1);
        Faults {
            rates,
            drop_after_commit: std::sync::atomic::AtomicUsize::new(0),
            queue: Mutex::new(VecDeque::new()),
            rng: Mutex::new(seed),
        }
    }

    /// The next `n` mutations that succeed are committed and then their connection drops.
    pub fn drop_after_commit(&self, n: usize) {
        self.drop_after_commit
            .store(n, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether this committed mutation's answer is to be dropped (and counts it).
    pub fn take_drop_after_commit(&self) -> bool {
        use std::sync::atomic::Ordering;
        self.drop_after_commit
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    pub fn latency(&self) -> Duration {
        self.rates.latency
    }

    /// Queues `fault` for the next `n` requests matching `only`.
    pub fn push(&self, fault: Fault, n: usize, only: Option<&str>) {
        if let Ok(mut q) = self.queue.lock() {
            for _ in 0..n {
                q.push_back(Queued {
                    fault: fault.clone(),
                    only: only.map(str::to_owned),
                });
            }
        }
    }

    /// The fault for a request with this body, if any: queued ones first, then the rates.
    pub fn pick(&self, body: &[u8]) -> Option<Fault> {
        if let Ok(mut q) = self.queue.lock() {
            let text = String::from_utf8_lossy(body);
            if let Some(i) = q
                .iter()
                .position(|f| f.only.as_deref().is_none_or(|o| text.contains(o)))
            {
                return q.remove(i).map(|f| f.fault);
            }
        }
        let roll = self.roll();
        let r = &self.rates;
        if roll < r.server_error {
            Some(Fault::ServerError)
        } else if roll < r.server_error + r.drop {
            Some(Fault::Drop)
        } else if roll < r.server_error + r.drop + r.throttle {
            Some(Fault::Throttle {
                retry_after: r.retry_after,
            })
        } else {
            None
        }
    }

    /// A number in [0, 1) from xorshift64*: enough for fault rates, and repeatable.
    fn roll(&self) -> f64 {
        let Ok(mut s) = self.rng.lock() else {
            return 1.0;
        };
        let mut x = *s;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *s = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}
