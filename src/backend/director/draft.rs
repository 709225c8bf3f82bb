//! Day-two operations on the Director that `create` does not need: a formation created in
//! DRAFT (its systems assigned, no notifications sent until it is finalized, §4.8) and a
//! resynchronisation with `reset: true`.

use cynic::{Id, MutationBuilder};

use super::client::Kind;
use super::queries as q;
use super::{DirectorBackend, state_of};
use crate::backend::{BackendError, CreateOutcome, Created, FormationState, Progress};
use crate::catalog::Catalog;
use crate::plan::FormationPlan;

impl DirectorBackend {
    pub(super) async fn draft(
        &self,
        plan: &FormationPlan,
        catalog: &Catalog,
    ) -> Result<CreateOutcome, BackendError> {
        let ftype = catalog.by_id(&plan.type_id).ok_or_else(|| {
            BackendError::Failed(format!("unknown formation type {}", plan.type_id))
        })?;
        let template = self.template_name(ftype).await?;
        let op = q::CreateFormation::build(q::FormationVars {
            formation: q::FormationInput {
                name: plan.name.clone(),
                template_name: Some(template),
                state: Some("DRAFT".into()),
            },
        });
        let formation = self
            .client
            .run("createFormation", &op, Kind::Write, None)
            .await
            .map_err(|e| {
                self.failed(
                    &format!("creating the draft formation \"{}\"", plan.name),
                    &e,
                )
            })?
            .create_formation;
        self.remember(formation.id.inner(), &formation.name);
        if let Some(outcome) = self
            .assign_all(plan, catalog, &formation, &Progress::none())
            .await?
        {
            return Ok(outcome);
        }
        Ok(CreateOutcome::Created(Created {
            id: formation.id.inner().to_owned(),
            status: "Draft".into(),
        }))
    }

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
