//! The two calls that take things away on the Director: `unassignFormation` and
//! `deleteFormation`, each safe to repeat after an unknown outcome (it looks first). The
//! order the Director needs (§4.6, §4.7: members gone before the formation) is kept by
//! `crate::ops`, which alone takes a formation apart.

use cynic::{Id, MutationBuilder};

use super::DirectorBackend;
use super::client::{CallError, Kind};
use super::queries as q;

impl DirectorBackend {
    /// `unassignFormation` for one system. A system that is not a member is not an error
    /// (the Director returns the formation unchanged). Following it until its assignments
    /// are gone is the operations layer's.
    pub(super) async fn send_unassign(
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
        Ok(())
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
