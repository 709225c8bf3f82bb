//! Registering a system (`registerApplication`, §5.1) and requesting its registration
//! token (`requestOneTimeTokenForApplication` with the `scenario_groups` header, §5.2).

use cynic::{MutationBuilder, QueryBuilder};
use secrecy::SecretString;

use super::client::{CALL_HEADERS, Kind};
use super::{DirectorBackend, convert, queries as q};
use crate::backend::registration::{self as reg, IssuedToken, NewSystem};
use crate::backend::{BackendError, no_such_system};
use crate::catalog::Catalog;
use crate::landscape::System;

impl DirectorBackend {
    pub(super) async fn register_new(
        &self,
        new: &NewSystem,
        catalog: &Catalog,
    ) -> Result<System, BackendError> {
        new.check(catalog).map_err(BackendError::Failed)?;
        let labels = serde_json::json!({ convert::TYPE_LABEL: new.system_type });
        let op = q::RegisterApplication::build(q::RegisterVars {
            input: q::ApplicationRegisterInput {
                name: new.name.trim().to_owned(),
                description: new.description.clone(),
                labels: Some(q::Labels(labels)),
            },
        });
        let data = self
            .client
            .run("registerApplication", &op, Kind::Write, None)
            .await
            .map_err(|e| self.failed("registering the system", &e))?;
        Ok(convert::system(&data.register_application, catalog))
    }

    pub(super) async fn issue_token(
        &self,
        system: &str,
        groups: &[String],
        catalog: &Catalog,
    ) -> Result<IssuedToken, BackendError> {
        let found = self.find_system(system, catalog).await?;
        let mut headers = reqwest::header::HeaderMap::new();
        // Ask for the token in the form the system pastes (fact 14).
        headers.insert(
            "suggest_token",
            reqwest::header::HeaderValue::from_static("true"),
        );
        if !groups.is_empty() {
            let value = reg::scenario_groups_header(catalog, groups);
            let value = reqwest::header::HeaderValue::from_str(&value).map_err(|_| {
                BackendError::Failed("a scenario group name cannot be sent in a header".into())
            })?;
            headers.insert("scenario_groups", value);
        }
        let op = q::RequestToken::build(q::TokenVars {
            id: cynic::Id::new(&found.id),
        });
        let call = self
            .client
            .run("requestOneTimeTokenForApplication", &op, Kind::Write, None);
        let data = CALL_HEADERS
            .scope(headers, call)
            .await
            .map_err(|e| self.failed("requesting a registration token", &e))?;
        let t = data.request_one_time_token_for_application;
        let pieces: Vec<String> = t
            .scenario_groups
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect();
        let mut shown = found.clone();
        shown.latest_token = Some(crate::landscape::TokenInfo {
            scenario_groups: pieces,
            ..Default::default()
        });
        Ok(IssuedToken {
            system_id: found.id,
            // The pasteable form when the server gives it, else the token as it is.
            token: SecretString::from(t.raw_encoded.filter(|r| !r.is_empty()).unwrap_or(t.token)),
            connector_url: t.connector_url,
            expires_at: t.expires_at.0,
            scenario_groups: crate::rules::registration::display_groups(catalog, &shown),
        })
    }

    /// One system, by id or name, read from the applications pages.
    pub(super) async fn find_system(
        &self,
        system: &str,
        catalog: &Catalog,
    ) -> Result<System, BackendError> {
        let apps = self
            .pages(
                "applications",
                q::ApplicationsQuery::build,
                |d| {
                    let p = d.applications;
                    (p.data, p.page_info, p.total_count)
                },
                |_, _, _, _| {},
            )
            .await?;
        apps.iter()
            .find(|a| a.id.inner() == system)
            .or_else(|| apps.iter().find(|a| a.name == system))
            .map(|a| convert::system(a, catalog))
            .ok_or_else(|| no_such_system(system))
    }
}
