//! A resynchronisation with `reset: true`: the template sends its notifications from the
//! start. (A formation created in DRAFT is `create_formation` with `draft`, §4.8.)

use cynic::{Id, MutationBuilder};

use super::client::Kind;
use super::queries as q;
use super::{DirectorBackend, state_of};
use crate::backend::{BackendError, FormationState};

impl DirectorBackend {
    pub(super) async fn resync_reset(
        &self,
        formation_id: &str,
    ) -> Result<FormationState, BackendError> {
        let op = q::ResynchronizeFormation::build(q::ResyncVars {
            formation_id: Id::new(formation_id),
            reset: Some(true),
        });
        match self
            .client
            .run(
                "resynchronizeFormationNotifications",
                &op,
                Kind::Write,
                None,
            )
            .await
        {
            Ok(data) => Ok(state_of(&data.resynchronize_formation_notifications)),
            Err(e) => Err(self.failed("resynchronizeFormationNotifications", &e)),
        }
    }
}
