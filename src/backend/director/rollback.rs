//! Taking systems out and formations away in the order the real Director needs (§4.6, §4.7):
//! unassign each member, wait until its assignments are gone, and only then delete: a
//! formation that still has assignments is refused. When it cannot finish, the error says
//! exactly what is left and how to finish by hand.

use std::time::Instant;

use cynic::{Id, MutationBuilder};

use super::DirectorBackend;
use super::client::{CallError, Kind};
use super::queries as q;
use crate::backend::{CallState, Progress};

impl DirectorBackend {
    /// Empties the formation and deletes it. `step` numbers the first progress line. The
    /// error is the state left behind and how to finish, as one sentence.
    pub(super) async fn roll_back(
        &self,
        name: &str,
        id: &str,
        step: usize,
        progress: &Progress,
    ) -> Result<(), String> {
        let members: Vec<String> = match self.full(id).await {
            Ok(Some(f)) => f.members().into_keys().collect(),
            Ok(None) => return Ok(()),
            Err(e) => {
                return Err(self.left(
                    name,
                    id,
                    None,
                    &format!("reading its assignments failed: {e}"),
                ));
            }
        };
        for (i, sid) in members.iter().enumerate() {
            let label = format!("Roll back: unassign the system {sid}");
            progress.call(step + i, &label, CallState::Started);
            if let Err(why) = self.unassign_and_wait(name, id, sid).await {
                progress.call(step + i, &label, CallState::Failed(why.clone()));
                // This system and every one after it are still in.
                return Err(self.left(name, id, Some(&members[i..]), &why));
            }
            progress.call(step + i, &label, CallState::Done);
        }
        let label = format!("Roll back: delete the formation \"{name}\"");
        let at = step + members.len();
        progress.call(at, &label, CallState::Started);
        match self.delete_named(id, name).await {
            Ok(()) => {
                progress.call(at, &label, CallState::Done);
                Ok(())
            }
            Err(e) => {
                progress.call(at, &label, CallState::Failed(e.to_string()));
                Err(self.left(name, id, Some(&[]), &format!("deleting it failed: {e}")))
            }
        }
    }

    /// What is left and how to finish: `members` still in it (None: unknown).
    fn left(&self, name: &str, id: &str, members: Option<&[String]>, why: &str) -> String {
        let host = self.client.url();
        match members {
            Some([]) => format!(
                "{why}; the formation \"{name}\" ({id}) is left empty at {host}: delete it in the cockpit (System Landscape › Formations) or with deleteFormation"
            ),
            Some(list) => format!(
                "{why}; the formation \"{name}\" ({id}) is left at {host} with the system{} {}: unassign {} in the cockpit (System Landscape › Formations) or with unassignFormation, wait until {} gone, then delete the formation",
                if list.len() == 1 { "" } else { "s" },
                list.join(", "),
                if list.len() == 1 { "it" } else { "them" },
                if list.len() == 1 {
                    "its assignments are"
                } else {
                    "their assignments are"
                },
            ),
            None => format!(
                "{why}; the formation \"{name}\" ({id}) may still exist at {host} with some systems: unassign each, then delete it"
            ),
        }
    }

    /// `unassignFormation` for one system, then waits until none of its assignments is
    /// left. A system that is not a member is not an error (the Director returns the
    /// formation unchanged).
    pub(super) async fn unassign_and_wait(
        &self,
        name: &str,
        id: &str,
        system_id: &str,
    ) -> Result<(), String> {
        let op = q::UnassignFormation::build(q::AssignVars {
            object_id: Id::new(system_id),
            object_type: q::FormationObjectType::Application,
            formation: q::FormationInput::named(name),
        });
        let mut sent = false;
        let mut last = String::new();
        for _ in 0..2 {
            match self
                .client
                .run("unassignFormation", &op, Kind::Write, None)
                .await
            {
                Ok(_) => {
                    sent = true;
                    break;
                }
                // Unknown outcome: repeating an unassign is harmless, but look first.
                Err(CallError::Unknown(why)) => {
                    last = why;
                    match self.is_member(id, system_id).await {
                        Ok(false) => return Ok(()),
                        Ok(true) => {}
                        Err(e) => return Err(format!("unassigning {system_id} failed: {e}")),
                    }
                }
                Err(e) => return Err(format!("unassigning {system_id} failed: {e}")),
            }
        }
        if !sent {
            return Err(format!("unassigning {system_id} failed: {last}"));
        }
        self.wait_gone(id, system_id).await
    }

    /// Polls the formation until no assignment of the system is left, or an assignment
    /// ends in `DELETE_ERROR`, or the time is up.
    async fn wait_gone(&self, id: &str, system_id: &str) -> Result<(), String> {
        let deadline = Instant::now() + self.poll.timeout;
        let mut wait = self.poll.min_interval;
        loop {
            let full = match self.full(id).await {
                Ok(Some(f)) => f,
                Ok(None) => return Ok(()),
                Err(e) => {
                    return Err(format!(
                        "reading the assignments of {system_id} failed: {e}"
                    ));
                }
            };
            match full.members().get(system_id) {
                None => return Ok(()),
                Some(a) if a.is_error() => {
                    return Err(format!(
                        "the assignment of {system_id} ended in {}{}",
                        a.state,
                        a.error
                            .as_ref()
                            .map(|e| format!(": {e}"))
                            .unwrap_or_default()
                    ));
                }
                Some(a) if Instant::now() + wait > deadline => {
                    return Err(format!(
                        "the assignments of {system_id} were still {} after {} s",
                        a.state,
                        self.poll.timeout.as_secs()
                    ));
                }
                Some(_) => {}
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(self.poll.max_interval);
        }
    }

    /// Deletes by name; after an unknown outcome, checks whether it is gone (NotFound).
    pub(super) async fn delete_named(&self, id: &str, name: &str) -> Result<(), CallError> {
        let op = q::DeleteFormation::build(q::FormationVars {
            formation: q::FormationInput::named(name),
        });
        let mut last = String::new();
        for _ in 0..2 {
            match self
                .client
                .run("deleteFormation", &op, Kind::Write, None)
                .await
            {
                Ok(_) => return Ok(()),
                Err(CallError::Unknown(why)) => {
                    if self.formation(id).await?.is_none() {
                        return Ok(());
                    }
                    last = why;
                }
                Err(e) => return Err(e),
            }
        }
        Err(CallError::Unknown(last))
    }
}
