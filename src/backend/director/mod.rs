//! The `director` backend: the Director (Unified Customer Landscape / Compass) GraphQL API
//! over HTTPS. Reads page through `applications`, `formations` and `formationTemplates`;
//! creating is `createFormation`, one `assignFormation` per system, then polling the
//! formation's status until it is READY or ERROR. The server enforces the constraints; a
//! refusal is rolled back and reported as the rule that failed.

pub mod auth;
pub mod client;
mod convert;
pub mod errors;
pub mod profile;
pub mod queries;
pub mod response;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cynic::{Id, MutationBuilder, QueryBuilder};

use self::client::{CallError, Client, Kind, Options};
use self::profile::{Connection, DirectorArgs};
use self::queries as q;
use super::{
    Backend, BackendError, BackendEvent, CallState, CreateOutcome, Created, FormationState,
    Progress,
};
use crate::catalog::{Catalog, FormationType};
use crate::landscape::Landscape;
use crate::plan::FormationPlan;
use crate::rules::{self, Finding, Report};

/// How long `create` waits for a new formation to settle, and how often it looks.
#[derive(Debug, Clone)]
pub struct PollOptions {
    pub timeout: Duration,
    pub min_interval: Duration,
    pub max_interval: Duration,
}

impl Default for PollOptions {
    fn default() -> Self {
        PollOptions {
            timeout: Duration::from_secs(120),
            min_interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(3),
        }
    }
}

pub struct DirectorBackend {
    client: Client,
    poll: PollOptions,
    /// Formation id → name: the mutations address formations by name.
    names: Mutex<HashMap<String, String>>,
}

/// Why one assignment did not happen.
enum AssignFailure {
    /// The Director refused it by a constraint: (message, rule hint).
    Rule(String, Option<String>),
    Other(String),
}

impl DirectorBackend {
    /// Resolves the command line's options (and profile) and sets up the client.
    pub fn from_args(args: &DirectorArgs) -> Result<DirectorBackend, String> {
        DirectorBackend::connect(args.resolve()?, Options::default(), PollOptions::default())
    }

    pub fn connect(
        connection: Connection,
        options: Options,
        poll: PollOptions,
    ) -> Result<DirectorBackend, String> {
        let http = Client::http(&options)?;
        let auth = auth::Auth::new(connection.credentials, http.clone());
        Ok(DirectorBackend {
            client: Client::new(&connection.url, &connection.tenant, auth, http, options),
            poll,
            names: Mutex::new(HashMap::new()),
        })
    }

    fn remember(&self, id: &str, name: &str) {
        if let Ok(mut names) = self.names.lock() {
            names.insert(id.to_owned(), name.to_owned());
        }
    }

    fn failed(&self, what: &str, e: &CallError) -> BackendError {
        BackendError::Failed(format!("{what} failed: {e}"))
    }

    /// Every page of a paged query, following `endCursor` while `hasNextPage`.
    async fn pages<T, P>(
        &self,
        name: &'static str,
        build: impl Fn(q::PageVars) -> cynic::Operation<T, q::PageVars>,
        split: impl Fn(T) -> (Vec<P>, q::PageInfo),
        mut on_page: impl FnMut(usize, usize),
    ) -> Result<Vec<P>, BackendError>
    where
        T: serde::de::DeserializeOwned,
    {
        let mut items = Vec::new();
        let mut after: Option<q::PageCursor> = None;
        for page in 1.. {
            let vars = q::PageVars {
                first: Some(self.client.options.page_size),
                after: after.clone(),
            };
            let data = self
                .client
                .run(name, &build(vars), Kind::Read, None)
                .await
                .map_err(|e| {
                    self.failed(&format!("reading {name} from {}", self.client.url()), &e)
                })?;
            let (mut got, info) = split(data);
            items.append(&mut got);
            on_page(page, items.len());
            if !info.has_next_page {
                break;
            }
            // A server that hands back the same cursor would loop for ever.
            if after.as_ref().map(|c| &c.0) == Some(&info.end_cursor.0) {
                return Err(BackendError::Failed(format!(
                    "reading {name} from {} failed: the server repeated the page cursor",
                    self.client.url()
                )));
            }
            after = Some(info.end_cursor);
        }
        Ok(items)
    }

    async fn formation(&self, id: &str) -> Result<Option<q::Formation>, CallError> {
        let op = q::FormationQuery::build(q::IdVars { id: Id::new(id) });
        Ok(self
            .client
            .run("formation", &op, Kind::Read, None)
            .await?
            .formation)
    }

    async fn formation_by_name(&self, name: &str) -> Result<Option<q::Formation>, CallError> {
        let op = q::FormationByNameQuery::build(q::NameVars {
            name: name.to_owned(),
        });
        Ok(self
            .client
            .run("formationByName", &op, Kind::Read, None)
            .await?
            .formation_by_name)
    }

    /// The formation's name, from memory or asked of the Director.
    async fn name_of(&self, id: &str) -> Result<String, BackendError> {
        if let Some(name) = self.names.lock().ok().and_then(|n| n.get(id).cloned()) {
            return Ok(name);
        }
        match self.formation(id).await {
            Ok(Some(f)) => {
                self.remember(id, &f.name);
                Ok(f.name)
            }
            Ok(None) => Err(BackendError::NoSuchFormation(id.to_owned())),
            Err(e) => Err(self.failed(&format!("looking up formation {id}"), &e)),
        }
    }

    /// `createFormation`, never blindly repeated: after an unknown outcome the formation is
    /// looked up by name, and only when it does not exist is the create sent again.
    async fn create_formation(
        &self,
        plan: &FormationPlan,
        ftype: &FormationType,
        report: (&Progress, usize, &str),
    ) -> Result<q::Formation, CallError> {
        let op = q::CreateFormation::build(q::FormationVars {
            formation: q::FormationInput {
                name: plan.name.clone(),
                template_name: Some(ftype.name.clone()),
                state: None,
            },
        });
        let mut unknown = None;
        for _ in 0..2 {
            match self
                .client
                .run("createFormation", &op, Kind::Write, Some(report))
                .await
            {
                Ok(data) => return Ok(data.create_formation),
                Err(CallError::Unknown(why)) => {
                    report.0.call(
                        report.1,
                        report.2,
                        CallState::Retrying {
                            attempt: 1,
                            reason: format!("{why}; looking the formation up by name first"),
                        },
                    );
                    if let Some(f) = self.formation_by_name(&plan.name).await? {
                        return Ok(f);
                    }
                    unknown = Some(why);
                }
                // Our earlier create may have landed after the look-up.
                Err(CallError::Answered {
                    code: Some(errors::NOT_UNIQUE),
                    ..
                }) if unknown.is_some() => {
                    if let Some(f) = self.formation_by_name(&plan.name).await? {
                        return Ok(f);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(CallError::Unknown(format!(
            "{}; no formation named \"{}\" exists, so nothing was left behind",
            unknown.unwrap_or_default(),
            plan.name
        )))
    }

    /// `assignFormation` for one system; after an unknown outcome, checks whether the
    /// system is in the formation before sending it again.
    async fn assign_one(
        &self,
        formation: &q::Formation,
        system_id: &str,
        report: Option<(&Progress, usize, &str)>,
    ) -> Result<(), AssignFailure> {
        let op = q::AssignFormation::build(q::AssignVars {
            object_id: Id::new(system_id),
            object_type: q::FormationObjectType::Application,
            formation: q::FormationInput::named(&formation.name),
        });
        let mut last = String::new();
        for _ in 0..2 {
            match self
                .client
                .run("assignFormation", &op, Kind::Write, report)
                .await
            {
                Ok(_) => return Ok(()),
                Err(CallError::Unknown(why)) => {
                    if self.is_member(formation, system_id).await.map_err(other)? {
                        return Ok(());
                    }
                    last = why;
                }
                Err(CallError::Answered { message, rule, .. })
                    if errors::constraint_part(&message).is_some() || rule.is_some() =>
                {
                    let part = errors::constraint_part(&message).unwrap_or(&message);
                    return Err(AssignFailure::Rule(part.to_owned(), rule));
                }
                Err(e) => return Err(other(e)),
            }
        }
        Err(AssignFailure::Other(last))
    }

    async fn is_member(
        &self,
        formation: &q::Formation,
        system_id: &str,
    ) -> Result<bool, CallError> {
        let op = q::FormationsForObjectQuery::build(q::ObjectVars {
            object_id: system_id.to_owned(),
        });
        let list = self
            .client
            .run("formationsForObject", &op, Kind::Read, None)
            .await?
            .formations_for_object;
        Ok(list.iter().any(|f| f.id == formation.id))
    }

    /// Deletes by name; after an unknown outcome, checks whether it is gone.
    async fn delete_named(&self, id: &str, name: &str) -> Result<(), CallError> {
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

    /// Polls the status with growing intervals until READY or ERROR or the time is up.
    async fn settle(
        &self,
        formation: &q::Formation,
        progress: &Progress,
    ) -> Result<q::Formation, BackendError> {
        let id = formation.id.inner();
        let deadline = Instant::now() + self.poll.timeout;
        let mut wait = self.poll.min_interval;
        let mut last = formation.clone();
        loop {
            progress.emit(BackendEvent::FormationStatus {
                formation_id: id.to_owned(),
                status: convert::status_name(last.status.condition).to_owned(),
            });
            if matches!(
                last.status.condition,
                q::FormationStatusCondition::Ready | q::FormationStatusCondition::Error
            ) || Instant::now() + wait > deadline
            {
                return Ok(last);
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(self.poll.max_interval);
            last = match self.formation(id).await {
                Ok(Some(f)) => f,
                Ok(None) => return Err(BackendError::NoSuchFormation(id.to_owned())),
                Err(e) => {
                    return Err(self.failed(&format!("reading the status of formation {id}"), &e));
                }
            };
        }
    }

    /// After the Director refused the plan: the fresh verdict of the rules, or, if the
    /// catalog's rules do not see the problem, the Director's message as the rule.
    async fn refusal(
        &self,
        plan: &FormationPlan,
        catalog: &Catalog,
        system: Option<&str>,
        message: &str,
        hint: Option<&str>,
    ) -> CreateOutcome {
        if let Ok(fresh) = self.load(catalog, &Progress::none()).await {
            let report = rules::evaluate(plan, &fresh, catalog);
            if !report.valid {
                return CreateOutcome::Refused(Box::new(report));
            }
        }
        let finding = Finding::new(
            errors::rule_of(message, hint),
            system.map(|s| vec![s.to_owned()]).unwrap_or_default(),
            message.to_owned(),
            None,
        );
        CreateOutcome::Refused(Box::new(Report {
            valid: false,
            violations: vec![finding],
            warnings: Vec::new(),
            candidates: Vec::new(),
            auto_enabled: Vec::new(),
        }))
    }

    async fn assign_all(
        &self,
        plan: &FormationPlan,
        catalog: &Catalog,
        formation: &q::Formation,
        progress: &Progress,
    ) -> Result<Option<CreateOutcome>, BackendError> {
        let created = Created {
            id: formation.id.inner().to_owned(),
            status: convert::status_name(formation.status.condition).to_owned(),
        };
        let mut assigned = Vec::new();
        let mut failed = Vec::new();
        for (i, sid) in plan.systems.iter().enumerate() {
            let label = format!("Assign the system {sid}");
            progress.call(i + 1, &label, CallState::Started);
            match self
                .assign_one(formation, sid, Some((progress, i + 1, &label)))
                .await
            {
                Ok(()) => {
                    progress.call(i + 1, &label, CallState::Done);
                    assigned.push(sid.clone());
                }
                Err(AssignFailure::Rule(message, hint)) => {
                    progress.call(i + 1, &label, CallState::Failed(message.clone()));
                    let rolled_back = self
                        .delete_named(&created.id, &formation.name)
                        .await
                        .is_ok();
                    if rolled_back {
                        return Ok(Some(
                            self.refusal(plan, catalog, Some(sid), &message, hint.as_deref())
                                .await,
                        ));
                    }
                    failed.push((sid.clone(), message));
                    failed.extend(
                        plan.systems[i + 1..]
                            .iter()
                            .map(|s| (s.clone(), "not tried after the refusal".to_owned())),
                    );
                    break;
                }
                Err(AssignFailure::Other(message)) => {
                    progress.call(i + 1, &label, CallState::Failed(message.clone()));
                    failed.push((sid.clone(), message));
                }
            }
        }
        Ok((!failed.is_empty()).then_some(CreateOutcome::Partial {
            formation: created,
            assigned,
            failed,
        }))
    }

    /// Sends a mutation on a formation id (finalize, resynchronize) and answers its state.
    async fn formation_mutation<T>(
        &self,
        name: &'static str,
        op: cynic::Operation<T, impl serde::Serialize>,
        pick: impl FnOnce(T) -> q::Formation,
    ) -> Result<FormationState, BackendError>
    where
        T: serde::de::DeserializeOwned,
    {
        match self.client.run(name, &op, Kind::Write, None).await {
            Ok(data) => {
                let f = pick(data);
                Ok(FormationState {
                    status: convert::status_name(f.status.condition).to_owned(),
                    errors: convert::errors(&f),
                })
            }
            Err(e) => Err(self.failed(name, &e)),
        }
    }
}

fn other(e: CallError) -> AssignFailure {
    AssignFailure::Other(e.to_string())
}

#[async_trait]
impl Backend for DirectorBackend {
    fn describe(&self) -> String {
        self.client.url().to_owned()
    }

    fn target(&self) -> crate::backend::Target {
        let url = self.client.url();
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| url.to_owned());
        crate::backend::Target::Director {
            host,
            tenant: self.client.tenant().to_owned(),
        }
    }

    async fn load(
        &self,
        catalog: &Catalog,
        progress: &Progress,
    ) -> Result<Landscape, BackendError> {
        let templates = self.pages(
            "formationTemplates",
            q::FormationTemplatesQuery::build,
            |d| (d.formation_templates.data, d.formation_templates.page_info),
            |_, _| {},
        );
        let applications = self.pages(
            "applications",
            q::ApplicationsQuery::build,
            |d| (d.applications.data, d.applications.page_info),
            |pages, systems| progress.emit(BackendEvent::Loading { pages, systems }),
        );
        let formations = self.pages(
            "formations",
            q::FormationsQuery::build,
            |d| (d.formations.data, d.formations.page_info),
            |_, _| {},
        );
        let (templates, apps, formations) = tokio::try_join!(templates, applications, formations)?;
        let template_names: HashMap<String, String> = templates
            .iter()
            .map(|t| (t.id.inner().to_owned(), t.name.clone()))
            .collect();
        for f in &formations {
            self.remember(f.id.inner(), &f.name);
        }
        let members = convert::memberships(&apps);
        let systems = apps.iter().map(convert::system).collect();
        let formations = convert::formations(&formations, &template_names, &members, catalog);
        Landscape::from_parts(None, None, systems, formations, catalog).map_err(|e| {
            BackendError::Failed(format!(
                "the Director at {} returned a landscape that cannot be used: {e}",
                self.client.url()
            ))
        })
    }

    async fn create(
        &self,
        plan: &FormationPlan,
        catalog: &Catalog,
        progress: &Progress,
    ) -> Result<CreateOutcome, BackendError> {
        let ftype = catalog.by_id(&plan.type_id).ok_or_else(|| {
            BackendError::Failed(format!("unknown formation type {}", plan.type_id))
        })?;
        let label = format!("Create the formation \"{}\" ({})", plan.name, ftype.name);
        progress.call(0, &label, CallState::Started);
        let formation = match self
            .create_formation(plan, ftype, (progress, 0, &label))
            .await
        {
            Ok(f) => f,
            Err(CallError::Answered {
                message,
                rule,
                code,
            }) if code == Some(errors::NOT_UNIQUE) || rule.is_some() => {
                progress.call(0, &label, CallState::Failed(message.clone()));
                return Ok(self
                    .refusal(plan, catalog, None, &message, rule.as_deref())
                    .await);
            }
            Err(e) => {
                progress.call(0, &label, CallState::Failed(e.to_string()));
                return Err(self.failed(&format!("creating the formation \"{}\"", plan.name), &e));
            }
        };
        progress.call(0, &label, CallState::Done);
        self.remember(formation.id.inner(), &formation.name);
        if let Some(outcome) = self.assign_all(plan, catalog, &formation, progress).await? {
            return Ok(outcome);
        }
        let step = plan.systems.len() + 1;
        let wait = "Wait for the formation to be Ready";
        progress.call(step, wait, CallState::Started);
        let settled = self.settle(&formation, progress).await?;
        let status = convert::status_name(settled.status.condition).to_owned();
        if settled.status.condition == q::FormationStatusCondition::Error {
            let why = convert::errors(&settled).join("; ");
            progress.call(step, wait, CallState::Failed(why.clone()));
            return Err(BackendError::Failed(format!(
                "the formation \"{}\" ({}) was created with every system, but the Director reports it in Error: {why}; resynchronize or delete it",
                plan.name,
                formation.id.inner()
            )));
        }
        progress.call(step, wait, CallState::Done);
        Ok(CreateOutcome::Created(Created {
            id: formation.id.inner().to_owned(),
            status,
        }))
    }

    async fn assign(
        &self,
        formation_id: &str,
        system_id: &str,
        _catalog: &Catalog,
    ) -> Result<(), BackendError> {
        let formation = match self.formation(formation_id).await {
            Ok(Some(f)) => f,
            Ok(None) => return Err(BackendError::NoSuchFormation(formation_id.to_owned())),
            Err(e) => return Err(self.failed(&format!("looking up formation {formation_id}"), &e)),
        };
        match self.assign_one(&formation, system_id, None).await {
            Ok(()) => Ok(()),
            Err(AssignFailure::Rule(m, _) | AssignFailure::Other(m)) => {
                Err(BackendError::Failed(format!(
                    "assigning the system {system_id} to \"{}\" failed: {m}",
                    formation.name
                )))
            }
        }
    }

    /// `unassignFormation` (harmless to repeat: the Director answers a non-member without
    /// error), then waits until the system's assignment is gone, as `deleteFormation`
    /// refuses a formation that still has any.
    async fn unassign(
        &self,
        formation_id: &str,
        system_id: &str,
        _catalog: &Catalog,
    ) -> Result<(), BackendError> {
        let formation = match self.formation(formation_id).await {
            Ok(Some(f)) => f,
            Ok(None) => return Err(BackendError::NoSuchFormation(formation_id.to_owned())),
            Err(e) => return Err(self.failed(&format!("looking up formation {formation_id}"), &e)),
        };
        let what = format!(
            "unassigning the system {system_id} from \"{}\"",
            formation.name
        );
        let op = q::UnassignFormation::build(q::AssignVars {
            object_id: Id::new(system_id),
            object_type: q::FormationObjectType::Application,
            formation: q::FormationInput::named(&formation.name),
        });
        let mut last = None;
        for _ in 0..2 {
            match self
                .client
                .run("unassignFormation", &op, Kind::Write, None)
                .await
            {
                Ok(_) => {
                    last = None;
                    break;
                }
                Err(e @ CallError::Unknown(_)) => last = Some(e),
                Err(e) => return Err(self.failed(&what, &e)),
            }
        }
        let deadline = Instant::now() + self.poll.timeout;
        let mut wait = self.poll.min_interval;
        loop {
            let member = self
                .is_member(&formation, system_id)
                .await
                .map_err(|e| self.failed(&what, &e))?;
            if !member {
                return Ok(());
            }
            if let Some(e) = &last {
                return Err(self.failed(&what, e));
            }
            if Instant::now() + wait > deadline {
                return Err(BackendError::Failed(format!(
                    "{what}: the system is still assigned after {} s",
                    self.poll.timeout.as_secs()
                )));
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(self.poll.max_interval);
        }
    }

    async fn status(&self, formation_id: &str) -> Result<FormationState, BackendError> {
        match self.formation(formation_id).await {
            Ok(Some(f)) => Ok(FormationState {
                status: convert::status_name(f.status.condition).to_owned(),
                errors: convert::errors(&f),
            }),
            Ok(None) => Err(BackendError::NoSuchFormation(formation_id.to_owned())),
            Err(e) => Err(self.failed(&format!("reading formation {formation_id}"), &e)),
        }
    }

    async fn delete(&self, formation_id: &str) -> Result<(), BackendError> {
        let name = self.name_of(formation_id).await?;
        self.delete_named(formation_id, &name)
            .await
            .map_err(|e| self.failed(&format!("deleting the formation \"{name}\""), &e))
    }

    async fn finalize(&self, formation_id: &str) -> Result<FormationState, BackendError> {
        let op = q::FinalizeDraftFormation::build(q::FormationIdVars {
            formation_id: Id::new(formation_id),
        });
        self.formation_mutation("finalizeDraftFormation", op, |d| d.finalize_draft_formation)
            .await
    }

    async fn resynchronize(&self, formation_id: &str) -> Result<FormationState, BackendError> {
        let op = q::ResynchronizeFormation::build(q::ResyncVars {
            formation_id: Id::new(formation_id),
            reset: None,
        });
        self.formation_mutation("resynchronizeFormationNotifications", op, |d| {
            d.resynchronize_formation_notifications
        })
        .await
    }
}
