//! Following a change until it is final: one schedule of looks (a backoff) and one
//! timeout, for every surface and every kind of change. A look that finds an assignment
//! gone that should be there ends the wait for it too: the Director deletes an assignment
//! whose notifications failed (director-behaviour.md fact 12), and waiting for it would be
//! waiting for ever.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::Interrupt;
use crate::backend::{Backend, BackendError, BackendEvent, Progress};
use crate::landscape::Assignment;

/// How often to look and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The first pause; each next one doubles, up to `max`.
    pub first: Duration,
    pub max: Duration,
    /// After this long, what is not final is reported as still in progress.
    pub timeout: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            first: Duration::from_millis(100),
            max: Duration::from_secs(2),
            timeout: Duration::from_secs(120),
        }
    }
}

impl Policy {
    /// The pause after `n` looks that changed nothing: the first doubled `n` times, at most
    /// the max. The one schedule of every backoff in the app.
    pub fn nth_pause(&self, n: u32) -> Duration {
        self.first
            .saturating_mul(2u32.saturating_pow(n.min(16)))
            .min(self.max)
    }

    pub fn backoff(&self) -> Backoff {
        Backoff {
            policy: self.clone(),
            looks: 0,
        }
    }
}

/// The pauses between two looks: the policy's schedule, one look after another.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: Policy,
    looks: u32,
}

impl Backoff {
    /// The pause before the next look.
    pub fn next_pause(&mut self) -> Duration {
        let pause = self.policy.nth_pause(self.looks);
        self.looks = self.looks.saturating_add(1);
        pause
    }

    /// Back to the first pause (something changed: look again soon).
    pub fn reset(&mut self) {
        self.looks = 0;
    }
}

/// What is awaited of one system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// In the formation and READY (or in error).
    Joined,
    /// No assignment left.
    Gone,
}

/// Where one followed system ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Final {
    Ready,
    /// `CREATE_ERROR`, `DELETE_ERROR`, …, with the server's reason when it gave one.
    Failed {
        state: String,
        error: Option<String>,
    },
    /// Taken out, as wanted.
    Gone,
    /// Wanted in, but its assignment is no longer there: the change did not happen. The
    /// reason is the last error its assignment showed while it was followed (the Director
    /// keeps none once it deleted the assignment, fact 12).
    Vanished {
        reason: Option<String>,
    },
    /// Still in progress when the wait ended (timeout or interrupt).
    Pending {
        state: String,
    },
}

impl Final {
    pub fn is_final(&self) -> bool {
        !matches!(self, Final::Pending { .. })
    }

    /// In words, for a line about the system.
    pub fn words(&self) -> String {
        match self {
            Final::Ready => "READY".into(),
            Final::Failed {
                state,
                error: Some(e),
            } => format!("{state}: {e}"),
            Final::Failed { state, error: None } => state.clone(),
            Final::Gone => "taken out".into(),
            Final::Vanished { reason: Some(r) } => format!(
                "its assignment disappeared: the Director removed it again, so the change did not happen (the last error its assignment showed: {r})"
            ),
            Final::Vanished { reason: None } => {
                "its assignment disappeared: the Director removed it again, so the change did not happen; the Director gave no reason"
                    .into()
            }
            Final::Pending { state } => format!("still {state}"),
        }
    }
}

/// Where each followed system ended, and the members as last seen.
#[derive(Debug, Clone, Default)]
pub struct Followed {
    pub systems: BTreeMap<String, Final>,
    pub members: BTreeMap<String, Assignment>,
    /// The formation itself was gone at the last look.
    pub formation_gone: bool,
    pub timed_out: bool,
    pub waited: Duration,
}

impl Followed {
    pub fn all_final(&self) -> bool {
        self.systems.values().all(Final::is_final)
    }
}

/// Where `system` is, for `want`, given the members seen (`None`: the formation is gone).
pub fn judge(want: Want, seen: Option<&Assignment>) -> Final {
    let Some(a) = seen else {
        return match want {
            Want::Joined => Final::Vanished { reason: None },
            Want::Gone => Final::Gone,
        };
    };
    if a.is_error() {
        return Final::Failed {
            state: a.state.clone(),
            error: a.error.clone(),
        };
    }
    match want {
        Want::Joined if a.in_progress() => Final::Pending {
            state: a.state.clone(),
        },
        // READY, or as far as it goes (DRAFT in a draft formation).
        Want::Joined => Final::Ready,
        Want::Gone => Final::Pending {
            state: a.state.clone(),
        },
    }
}

/// Follows `wanted` in the formation until each is final, the policy's time is up, or
/// `stop` is raised. Each look reports the members on `progress`.
pub async fn assignments(
    backend: &dyn Backend,
    formation_id: &str,
    wanted: &[(String, Want)],
    policy: &Policy,
    progress: &Progress,
    stop: &Interrupt,
) -> Result<Followed, BackendError> {
    let started = Instant::now();
    let mut backoff = policy.backoff();
    // The last error each followed system's assignment showed: the only reason there may be
    // once the Director deleted it again.
    let mut last_error: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let (members, formation_gone) = match backend.members(formation_id).await {
            Ok(m) => (m, false),
            Err(BackendError::NoSuchFormation(_)) => (BTreeMap::new(), true),
            Err(e) => return Err(e),
        };
        progress.emit(BackendEvent::Assignments {
            formation_id: formation_id.to_owned(),
            systems: members.clone(),
            elapsed: started.elapsed(),
        });
        for (id, _) in wanted {
            if let Some(e) = members
                .get(id)
                .and_then(|a| a.error.as_deref())
                .filter(|e| !e.trim().is_empty())
            {
                last_error.insert(id.clone(), e.to_owned());
            }
        }
        let systems: BTreeMap<String, Final> = wanted
            .iter()
            .map(|(id, want)| {
                let end = match judge(*want, members.get(id)) {
                    Final::Vanished { .. } => Final::Vanished {
                        reason: last_error.get(id).cloned(),
                    },
                    end => end,
                };
                (id.clone(), end)
            })
            .collect();
        let waited = started.elapsed();
        let mut followed = Followed {
            systems,
            members,
            formation_gone,
            timed_out: false,
            waited,
        };
        if followed.all_final() || stop.requested() {
            return Ok(followed);
        }
        let pause = backoff.next_pause();
        if waited + pause > policy.timeout {
            followed.timed_out = true;
            return Ok(followed);
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = stop.raised() => {}
        }
    }
}

/// Looks with the policy's backoff until `look` answers `Some` (final), the time is up or
/// `stop` is raised; answers the last value seen and whether it was final. For what is not
/// an assignment: a formation's status, a system's connection.
pub async fn until<T, F, Fut>(
    policy: &Policy,
    stop: &Interrupt,
    mut look: F,
) -> Result<(T, bool), BackendError>
where
    F: FnMut(Duration) -> Fut,
    Fut: std::future::Future<Output = Result<(T, bool), BackendError>>,
{
    let started = Instant::now();
    let mut backoff = policy.backoff();
    loop {
        let (value, done) = look(started.elapsed()).await?;
        let pause = backoff.next_pause();
        if done || stop.requested() || started.elapsed() + pause > policy.timeout {
            return Ok((value, done));
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = stop.raised() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(state: &str) -> Assignment {
        Assignment {
            state: state.into(),
            error: None,
        }
    }

    #[test]
    fn the_backoff_doubles_up_to_its_max() {
        let p = Policy {
            first: Duration::from_millis(100),
            max: Duration::from_millis(350),
            timeout: Duration::from_secs(1),
        };
        let mut b = p.backoff();
        let pauses: Vec<u128> = (0..5).map(|_| b.next_pause().as_millis()).collect();
        assert_eq!(pauses, vec![100, 200, 350, 350, 350]);
        b.reset();
        assert_eq!(b.next_pause().as_millis(), 100);
    }

    #[test]
    fn the_nth_pause_follows_the_same_schedule() {
        let p = Policy {
            first: Duration::from_secs(1),
            max: Duration::from_secs(30),
            timeout: Duration::from_secs(1),
        };
        let pauses: Vec<u64> = (0..7).map(|n| p.nth_pause(n).as_secs()).collect();
        assert_eq!(pauses, vec![1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(p.nth_pause(u32::MAX).as_secs(), 30);
    }

    #[test]
    fn judging_a_joining_system() {
        assert_eq!(judge(Want::Joined, Some(&a("READY"))), Final::Ready);
        assert_eq!(
            judge(Want::Joined, Some(&a("INITIAL"))),
            Final::Pending {
                state: "INITIAL".into()
            }
        );
        assert!(matches!(
            judge(Want::Joined, Some(&a("CREATE_ERROR"))),
            Final::Failed { .. }
        ));
        assert_eq!(judge(Want::Joined, None), Final::Vanished { reason: None });
    }

    #[test]
    fn judging_a_leaving_system() {
        assert_eq!(judge(Want::Gone, None), Final::Gone);
        assert_eq!(
            judge(Want::Gone, Some(&a("READY"))),
            Final::Pending {
                state: "READY".into()
            }
        );
        assert_eq!(
            judge(Want::Gone, Some(&a("DELETING"))),
            Final::Pending {
                state: "DELETING".into()
            }
        );
        assert!(matches!(
            judge(Want::Gone, Some(&a("DELETE_ERROR"))),
            Final::Failed { .. }
        ));
    }
}
