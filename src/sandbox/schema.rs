//! The GraphQL types and resolvers the sandbox serves: the names, fields and arguments of
//! `assets/director-schema.graphql`, with the real Director's answers (director-behaviour.md):
//! scopes per root field (§2.3), NotFound errors (§4.3), per-assignment states (§1.3, §4.2).

use std::sync::{Arc, Mutex};

use async_graphql::{
    Context, EmptySubscription, Enum, ID, InputObject, Interface, MaybeUndefined, Object, Schema,
    SimpleObject,
};
use serde::{Deserialize, Serialize};

use super::constraints;
use super::errors::DirectorError;
use super::registration;
use super::scopes::{self, require};
use super::status::{self, PairAssignment};
use super::store::{self, FormationView, Store};

pub type DirectorSchema = Schema<Query, Mutation, EmptySubscription>;
pub type Shared = Arc<Mutex<Store>>;

#[derive(Serialize, Deserialize, Clone)]
pub struct PageCursor(pub String);
async_graphql::scalar!(PageCursor, "PageCursor");

#[derive(Serialize, Deserialize, Clone)]
pub struct Labels(pub serde_json::Value);
async_graphql::scalar!(Labels, "Labels");

#[derive(Serialize, Deserialize, Clone)]
pub struct Timestamp(pub String);
async_graphql::scalar!(Timestamp, "Timestamp");

/// Shown where the landscape does not say when (a token's or status's time).
const EPOCH: &str = "1970-01-01T00:00:00Z";

/// The store for a read. A panic elsewhere never poisons it for later requests: every change
/// re-reads the file under the file lock, so the copy a panicking request left is not trusted.
fn lock<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<std::sync::MutexGuard<'a, Store>> {
    Ok(ctx
        .data_unchecked::<Shared>()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// Before a read: re-reads the file if another writer (a local command) replaced it since,
/// on a blocking thread, so reads show the file as it is and not this process's old copy.
async fn refresh(ctx: &Context<'_>) -> async_graphql::Result<()> {
    on_store(ctx, false, |store| store.reload_if_changed()).await
}

/// Runs a change under the landscape's file lock on a blocking thread: it waits for the
/// lock and writes the file, which must not stall the async runtime.
async fn change<T: Send + 'static>(
    ctx: &Context<'_>,
    f: impl FnOnce(&mut Store) -> Result<T, DirectorError> + Send + 'static,
) -> async_graphql::Result<T> {
    on_store(ctx, true, f).await
}

/// Runs `f` on the store while holding the landscape file's lock, as every mutation does:
/// blocking, so async callers run it on a blocking thread.
pub(super) fn locked<T>(
    shared: &Shared,
    f: impl FnOnce(&mut Store) -> Result<T, DirectorError>,
) -> Result<T, DirectorError> {
    let store = || {
        shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    let path = store().path().to_owned();
    let _lock = super::store::lock_file(&path)?;
    f(&mut store())
}

async fn on_store<T: Send + 'static>(
    ctx: &Context<'_>,
    file_lock: bool,
    f: impl FnOnce(&mut Store) -> Result<T, DirectorError> + Send + 'static,
) -> async_graphql::Result<T> {
    let shared = ctx.data_unchecked::<Shared>().clone();
    let done = tokio::task::spawn_blocking(move || {
        let store = || {
            shared
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let _lock = if file_lock {
            let path = store().path().to_owned();
            Some(super::store::lock_file(&path)?)
        } else {
            None
        };
        f(&mut store())
    })
    .await
    .map_err(|e| DirectorError::internal(format!("the sandbox's change did not finish: {e}")))?;
    Ok(done?)
}

#[derive(SimpleObject, Clone)]
pub struct PageInfo {
    start_cursor: PageCursor,
    end_cursor: PageCursor,
    has_next_page: bool,
}

/// The window `[start, end)` of `len` items for `first`/`after`, and its page info.
fn window(
    len: usize,
    first: Option<i32>,
    after: Option<&PageCursor>,
    max: usize,
) -> async_graphql::Result<(usize, usize, PageInfo)> {
    let start = match after.map(|c| c.0.as_str()).filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| DirectorError::invalid_data(format!("invalid page cursor \"{c}\"")))?,
    };
    let size = first.unwrap_or(200);
    if !(1..=200).contains(&size) {
        return Err(DirectorError::invalid_data("page size must be between 1 and 200").into());
    }
    let size = (size as usize).min(max.max(1));
    let start = start.min(len);
    let end = (start + size).min(len);
    Ok((
        start,
        end,
        PageInfo {
            start_cursor: PageCursor(start.to_string()),
            end_cursor: PageCursor(if end < len {
                end.to_string()
            } else {
                String::new()
            }),
            has_next_page: end < len,
        },
    ))
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum FormationStatusCondition {
    InProgress,
    Error,
    Ready,
    Draft,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum FormationObjectType {
    Application,
    Tenant,
    Runtime,
    RuntimeContext,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum FormationAssignmentType {
    Application,
    Runtime,
    RuntimeContext,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum OneTimeTokenType {
    #[graphql(name = "Runtime")]
    Runtime,
    #[graphql(name = "Application")]
    Application,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ApplicationStatusCondition {
    Initial,
    Connected,
    Failed,
    Creating,
    CreateFailed,
    CreateSucceeded,
    Updating,
    UpdateFailed,
    UpdateSucceeded,
    Deleting,
    DeleteFailed,
    DeleteSucceeded,
    Unpairing,
    UnpairFailed,
}

impl ApplicationStatusCondition {
    fn parse(s: &str) -> ApplicationStatusCondition {
        use ApplicationStatusCondition::*;
        match s {
            "CONNECTED" => Connected,
            "FAILED" => Failed,
            "CREATING" => Creating,
            "CREATE_FAILED" => CreateFailed,
            "CREATE_SUCCEEDED" => CreateSucceeded,
            "UPDATING" => Updating,
            "UPDATE_FAILED" => UpdateFailed,
            "UPDATE_SUCCEEDED" => UpdateSucceeded,
            "DELETING" => Deleting,
            "DELETE_FAILED" => DeleteFailed,
            "DELETE_SUCCEEDED" => DeleteSucceeded,
            "UNPAIRING" => Unpairing,
            "UNPAIR_FAILED" => UnpairFailed,
            _ => Initial,
        }
    }
}

/// Always an object, empty when there is no error (§1.3).
#[derive(SimpleObject, Clone)]
pub struct FormationError {
    message: String,
    error_code: i32,
}

#[derive(SimpleObject, Clone)]
pub struct FormationStatusError {
    #[graphql(name = "assignmentID")]
    assignment_id: Option<ID>,
    message: String,
    error_code: i32,
}

#[derive(SimpleObject, Clone)]
pub struct FormationStatus {
    condition: FormationStatusCondition,
    errors: Option<Vec<FormationStatusError>>,
}

#[derive(SimpleObject, Clone)]
pub struct FormationAssignment {
    id: ID,
    source: ID,
    source_type: FormationAssignmentType,
    target: ID,
    target_type: FormationAssignmentType,
    state: String,
    value: Option<String>,
    configuration: Option<String>,
    error: Option<String>,
}

impl From<&PairAssignment> for FormationAssignment {
    fn from(p: &PairAssignment) -> Self {
        FormationAssignment {
            id: ID(p.id.clone()),
            source: ID(p.source.clone()),
            source_type: FormationAssignmentType::Application,
            target: ID(p.target.clone()),
            target_type: FormationAssignmentType::Application,
            state: p.state.clone(),
            value: None,
            configuration: None,
            error: p.error.clone(),
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct FormationAssignmentPage {
    data: Vec<FormationAssignment>,
    page_info: PageInfo,
    total_count: i32,
}

#[derive(Clone)]
pub struct Formation {
    id: String,
    name: String,
    template_id: String,
    state: String,
    pairs: Vec<PairAssignment>,
}

impl From<FormationView> for Formation {
    fn from(v: FormationView) -> Self {
        let pairs = status::pairs(&v.formation.id, &v.members, &v.own);
        Formation {
            id: v.formation.id,
            name: v.formation.name,
            template_id: v.formation.type_id,
            state: v.state,
            pairs,
        }
    }
}

#[Object]
impl Formation {
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    async fn name(&self) -> &str {
        &self.name
    }
    async fn formation_template_id(&self) -> ID {
        ID(self.template_id.clone())
    }
    async fn state(&self) -> &str {
        &self.state
    }
    async fn error(&self) -> FormationError {
        FormationError {
            message: String::new(),
            error_code: 0,
        }
    }
    async fn formation_assignments(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 200)] first: i32,
        after: Option<PageCursor>,
    ) -> async_graphql::Result<FormationAssignmentPage> {
        let (start, end, page_info) =
            window(self.pairs.len(), Some(first), after.as_ref(), max_page(ctx))?;
        Ok(FormationAssignmentPage {
            data: self.pairs[start..end].iter().map(Into::into).collect(),
            page_info,
            total_count: self.pairs.len() as i32,
        })
    }
    /// Aggregated on every read (§4.2).
    async fn status(&self) -> FormationStatus {
        let (condition, errors) = status::aggregate(&self.state, None, &self.pairs);
        FormationStatus {
            condition: match condition {
                status::Condition::InProgress => FormationStatusCondition::InProgress,
                status::Condition::Error => FormationStatusCondition::Error,
                status::Condition::Ready => FormationStatusCondition::Ready,
                status::Condition::Draft => FormationStatusCondition::Draft,
            },
            errors: errors.map(|list| {
                list.into_iter()
                    .map(|e| FormationStatusError {
                        assignment_id: e.assignment_id.map(ID),
                        message: e.message,
                        error_code: e.error_code,
                    })
                    .collect()
            }),
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct FormationPage {
    data: Vec<Formation>,
    page_info: PageInfo,
    total_count: i32,
}

#[derive(SimpleObject, Clone)]
pub struct FormationConstraint {
    id: ID,
    name: String,
    description: String,
    constraint_type: String,
    target_operation: String,
    operator: String,
    resource_type: String,
    resource_subtype: String,
    input_template: String,
    constraint_scope: String,
    priority: i32,
}

#[derive(SimpleObject, Clone)]
pub struct FormationTemplate {
    id: ID,
    name: String,
    application_types: Vec<String>,
    formation_constraints: Option<Vec<FormationConstraint>>,
    supports_reset: bool,
}

#[derive(SimpleObject, Clone)]
pub struct FormationTemplatePage {
    data: Vec<FormationTemplate>,
    page_info: PageInfo,
    total_count: i32,
}

#[derive(SimpleObject, Clone)]
pub struct ApplicationStatus {
    condition: ApplicationStatusCondition,
    timestamp: Timestamp,
}

#[derive(SimpleObject, Clone)]
pub struct OneTimeTokenForApplication {
    token: String,
    #[graphql(name = "connectorURL")]
    connector_url: String,
    #[graphql(name = "legacyConnectorURL")]
    legacy_connector_url: String,
    used: bool,
    expires_at: Timestamp,
    created_at: Option<Timestamp>,
    used_at: Option<Timestamp>,
    raw: Option<String>,
    raw_encoded: Option<String>,
    #[graphql(name = "type")]
    token_type: Option<OneTimeTokenType>,
    scenario_groups: Option<Vec<Option<String>>>,
}

// The interface's fields share types, which clippy takes for repeated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface, Clone)]
#[graphql(
    field(name = "token", ty = "&String"),
    field(name = "connector_url", method = "connector_url", ty = "&String"),
    field(name = "used", ty = "&bool"),
    field(name = "expires_at", ty = "&Timestamp"),
    field(name = "created_at", ty = "&Option<Timestamp>"),
    field(name = "used_at", ty = "&Option<Timestamp>"),
    field(name = "raw", ty = "&Option<String>"),
    field(name = "raw_encoded", ty = "&Option<String>"),
    field(name = "type", method = "token_type", ty = "&Option<OneTimeTokenType>")
)]
pub enum OneTimeToken {
    ForApplication(OneTimeTokenForApplication),
}

#[derive(SimpleObject, Clone)]
pub struct Auth {
    one_time_token: Option<OneTimeToken>,
}

#[derive(Clone)]
pub struct AppSystemAuth {
    id: String,
    auth: Auth,
}

#[Object]
impl AppSystemAuth {
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    /// `@sanitize`: null, without an error, unless the token may read auths (§1.1).
    async fn auth(&self, ctx: &Context<'_>) -> Option<Auth> {
        scopes::allows(ctx, scopes::AUTHS_READ).then(|| self.auth.clone())
    }
}

#[derive(Clone)]
pub struct Application {
    id: String,
    name: String,
    system_number: Option<String>,
    base_url: Option<String>,
    labels: serde_json::Value,
    condition: String,
    timestamp: String,
    token: Option<registration::Token>,
    system_status: Option<String>,
}

#[Object]
impl Application {
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    async fn name(&self) -> &str {
        &self.name
    }
    async fn system_number(&self) -> Option<&str> {
        self.system_number.as_deref()
    }
    async fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        None
    }
    /// All labels, or only `key`.
    async fn labels(&self, key: Option<String>) -> Option<Labels> {
        match key {
            None => Some(Labels(self.labels.clone())),
            Some(k) => self
                .labels
                .get(&k)
                .map(|v| Labels(serde_json::json!({ k: v }))),
        }
    }
    async fn status(&self) -> ApplicationStatus {
        ApplicationStatus {
            condition: ApplicationStatusCondition::parse(&self.condition),
            timestamp: Timestamp(self.timestamp.clone()),
        }
    }
    /// The system's one-time token, if it has one (§1.1, §5.2); `[]`, not null, without.
    async fn auths(&self) -> Option<Vec<AppSystemAuth>> {
        let Some(t) = self.token.as_ref() else {
            return Some(Vec::new());
        };
        let created = t.created_at.clone().map(Timestamp);
        let token = OneTimeTokenForApplication {
            token: String::new(),
            connector_url: String::new(),
            legacy_connector_url: String::new(),
            used: t.used,
            expires_at: Timestamp(EPOCH.into()),
            created_at: Some(created.unwrap_or_else(|| Timestamp(EPOCH.into()))),
            used_at: None,
            raw: None,
            raw_encoded: None,
            token_type: Some(OneTimeTokenType::Application),
            scenario_groups: Some(t.scenario_groups.iter().cloned().map(Some).collect()),
        };
        Some(vec![AppSystemAuth {
            id: format!("auth-{}", self.id),
            auth: Auth {
                one_time_token: Some(OneTimeToken::ForApplication(token)),
            },
        }])
    }
    async fn system_status(&self) -> Option<&str> {
        self.system_status.as_deref()
    }
}

#[derive(SimpleObject, Clone)]
pub struct ApplicationPage {
    data: Vec<Application>,
    page_info: PageInfo,
    total_count: i32,
}

/// `state` is `MaybeUndefined`: the key alone, even `null`, needs a scope (§2.3).
#[derive(InputObject)]
pub struct FormationInput {
    name: String,
    template_name: Option<String>,
    state: MaybeUndefined<String>,
}

impl FormationInput {
    fn check_scopes(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        require(ctx, scopes::FORMATION_WRITE)?;
        if !self.state.is_undefined() {
            require(ctx, scopes::STATE_WRITE)?;
        }
        Ok(())
    }
}

/// Largest page the sandbox serves.
pub struct MaxPage(pub usize);

fn max_page(ctx: &Context<'_>) -> usize {
    ctx.data_opt::<MaxPage>().map(|m| m.0).unwrap_or(100)
}

fn application(store: &Store, pos: usize) -> Application {
    let s = &store.landscape.systems[pos];
    let scenarios: Vec<&str> = store
        .landscape
        .formations_of(pos)
        .map(|f| f.name.as_str())
        .collect();
    let mut labels = serde_json::json!({
        "applicationType": s.system_type,
        "scenarios": scenarios,
    });
    if let Some(d) = &s.discovery {
        labels["discovery"] = serde_json::json!(d);
    }
    let token = registration::latest_token(s);
    Application {
        id: s.id.clone(),
        name: s.name.clone(),
        system_number: s.system_number.clone(),
        base_url: s.url.clone(),
        labels,
        condition: registration::condition(s).to_owned(),
        timestamp: token
            .as_ref()
            .and_then(|t| t.created_at.clone())
            .unwrap_or_else(|| EPOCH.to_owned()),
        token,
        system_status: s.status.as_deref().map(str::to_owned),
    }
}

impl From<constraints::ServerConstraint> for FormationConstraint {
    fn from(c: constraints::ServerConstraint) -> Self {
        FormationConstraint {
            id: ID(c.name.clone()),
            name: c.name,
            description: String::new(),
            constraint_type: "PRE".into(),
            target_operation: "ASSIGN_FORMATION".into(),
            operator: c.operator.into(),
            resource_type: "APPLICATION".into(),
            resource_subtype: c.resource_subtype,
            input_template: c.input_template,
            constraint_scope: c.scope.into(),
            priority: 1,
        }
    }
}

/// A template with its own constraints and every GLOBAL one (§1.2).
fn template(
    t: &crate::catalog::FormationType,
    globals: &[crate::catalog::Constraint],
) -> FormationTemplate {
    let constraints = constraints::server_constraints(t, globals)
        .into_iter()
        .map(Into::into)
        .collect();
    FormationTemplate {
        id: ID(t.id.clone()),
        name: t.name.clone(),
        application_types: constraints::application_types(t),
        formation_constraints: Some(constraints),
        supports_reset: store::supports_reset(t),
    }
}

pub struct Query;

#[Object]
impl Query {
    /// Every constraint: each template's own, then the GLOBAL ones once
    /// (`formationConstraints`, director-api.md §1; scope `formation_constraint:read`, §2.3).
    async fn formation_constraints(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<FormationConstraint>> {
        require(ctx, scopes::CONSTRAINT_READ)?;
        refresh(ctx).await?;
        let store = lock(ctx)?;
        let mut all: Vec<FormationConstraint> = store
            .catalog()
            .formation_types
            .iter()
            .flat_map(constraints::own_constraints)
            .map(Into::into)
            .collect();
        all.extend(
            constraints::global_constraints(&store.global_constraints)
                .into_iter()
                .map(Into::into),
        );
        Ok(all)
    }

    /// The constraints that apply to a template: its own plus every GLOBAL one, as its
    /// `formationConstraints` field lists them (§1.2); an unknown template is code 20.
    async fn formation_constraints_by_formation_type(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "formationTemplateID")] formation_template_id: ID,
    ) -> async_graphql::Result<Vec<FormationConstraint>> {
        require(ctx, scopes::CONSTRAINT_READ)?;
        refresh(ctx).await?;
        let store = lock(ctx)?;
        let t = store
            .catalog()
            .by_id(&formation_template_id)
            .ok_or_else(|| DirectorError::not_found("formationTemplate"))?;
        Ok(
            constraints::server_constraints(t, &store.global_constraints)
                .into_iter()
                .map(Into::into)
                .collect(),
        )
    }

    async fn applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 200)] first: i32,
        after: Option<PageCursor>,
    ) -> async_graphql::Result<ApplicationPage> {
        require(ctx, scopes::APPLICATION_READ)?;
        refresh(ctx).await?;
        let store = lock(ctx)?;
        let len = store.landscape.systems.len();
        let (start, end, page_info) = window(len, Some(first), after.as_ref(), max_page(ctx))?;
        Ok(ApplicationPage {
            data: (start..end).map(|i| application(&store, i)).collect(),
            page_info,
            total_count: len as i32,
        })
    }

    /// A missing formation is an error, not null (§4.3).
    async fn formation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Formation>> {
        require(ctx, scopes::FORMATION_READ)?;
        refresh(ctx).await?;
        Ok(Some(lock(ctx)?.by_id(&id)?.into()))
    }

    async fn formation_by_name(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Option<Formation>> {
        require(ctx, scopes::FORMATION_READ)?;
        refresh(ctx).await?;
        Ok(Some(lock(ctx)?.by_name(&name)?.into()))
    }

    async fn formations(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 200)] first: i32,
        after: Option<PageCursor>,
    ) -> async_graphql::Result<FormationPage> {
        require(ctx, scopes::FORMATION_READ)?;
        refresh(ctx).await?;
        let store = lock(ctx)?;
        let list = &store.landscape.formations;
        let (start, end, page_info) =
            window(list.len(), Some(first), after.as_ref(), max_page(ctx))?;
        Ok(FormationPage {
            data: list[start..end]
                .iter()
                .map(|f| store.view(f).into())
                .collect(),
            page_info,
            total_count: list.len() as i32,
        })
    }

    /// Needs `formation:global_read`, which ordinary credentials lack (§4.3).
    async fn formations_for_object(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "objectID")] object_id: String,
    ) -> async_graphql::Result<Vec<Formation>> {
        require(ctx, scopes::GLOBAL_READ)?;
        refresh(ctx).await?;
        let store = lock(ctx)?;
        let Some(pos) = store.landscape.position(&object_id) else {
            return Ok(Vec::new());
        };
        Ok(store
            .landscape
            .formations_of(pos)
            .map(|f| store.view(f).into())
            .collect())
    }

    async fn formation_templates(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 200)] first: i32,
        after: Option<PageCursor>,
    ) -> async_graphql::Result<FormationTemplatePage> {
        require(ctx, scopes::TEMPLATE_READ)?;
        refresh(ctx).await?;
        let store = lock(ctx)?;
        let types = &store.catalog().formation_types;
        let (start, end, page_info) =
            window(types.len(), Some(first), after.as_ref(), max_page(ctx))?;
        Ok(FormationTemplatePage {
            data: types[start..end]
                .iter()
                .map(|t| template(t, &store.global_constraints))
                .collect(),
            page_info,
            total_count: types.len() as i32,
        })
    }
}

/// The `scenario_groups` request header of a token request (§5.2), as sent.
pub struct ScenarioGroupsHeader(pub Option<String>);

/// The request header `suggest_token: true` (fact 14).
pub struct SuggestToken(pub bool);

/// The token in the form a system pastes (fact 14, `onetimetoken/service.go:344-388`): base64
/// of a JSON object holding the token and the connector URL.
fn pasteable(token: &str, connector_url: &str) -> String {
    use base64::Engine as _;
    let json = serde_json::json!({ "token": token, "connectorURL": connector_url });
    base64::engine::general_purpose::STANDARD.encode(json.to_string())
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum OperationMode {
    Sync,
    Async,
}

#[derive(InputObject)]
pub struct ApplicationRegisterInput {
    name: String,
    provider_name: Option<String>,
    description: Option<String>,
    labels: Option<Labels>,
    base_url: Option<String>,
    status_condition: Option<ApplicationStatusCondition>,
}

pub struct Mutation;

fn application_only(t: FormationObjectType) -> async_graphql::Result<()> {
    if t == FormationObjectType::Application {
        Ok(())
    } else {
        Err(DirectorError::internal(
            "the sandbox's templates support only resources of type APPLICATION",
        )
        .into())
    }
}

#[Object]
impl Mutation {
    async fn create_formation(
        &self,
        ctx: &Context<'_>,
        formation: FormationInput,
    ) -> async_graphql::Result<Formation> {
        formation.check_scopes(ctx)?;
        let state = formation.state.value().map(String::as_str);
        let (name, template) = (formation.name.clone(), formation.template_name.clone());
        let state = state.map(str::to_owned);
        let view = change(ctx, move |s| {
            s.create(&name, template.as_deref(), state.as_deref())
        })
        .await?;
        Ok(view.into())
    }

    /// §5.1: validated, unique by normalised name, `INITIAL` unless told otherwise.
    async fn register_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "in")] input: ApplicationRegisterInput,
        mode: Option<OperationMode>,
    ) -> async_graphql::Result<Application> {
        require(ctx, scopes::APPLICATION_WRITE)?;
        let _ = (mode, &input.provider_name, &input.base_url);
        let condition = input
            .status_condition
            .map(|c| async_graphql::InputType::to_value(&c).to_string());
        let registration = super::registry::Registration {
            name: input.name,
            description: input.description,
            labels: input.labels.map(|l| l.0).unwrap_or_default(),
            condition,
        };
        change(ctx, move |store| {
            let system = super::registry::register(store, registration)?;
            let pos = store
                .landscape
                .systems
                .iter()
                .position(|s| s.id == system.id)
                .ok_or_else(|| DirectorError::internal("the new application is missing"))?;
            Ok(application(store, pos))
        })
        .await
    }

    /// §5.2: a fresh token whose groups are the `scenario_groups` header's pieces.
    async fn request_one_time_token_for_application(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(name = "systemAuthID")] system_auth_id: Option<ID>,
    ) -> async_graphql::Result<OneTimeTokenForApplication> {
        require(ctx, scopes::APPLICATION_WRITE)?;
        let _ = system_auth_id;
        let header = ctx
            .data_opt::<ScenarioGroupsHeader>()
            .and_then(|h| h.0.clone())
            .unwrap_or_default();
        let pieces = crate::backend::registration::header_pieces(&header);
        let (system, issued) = (id.to_string(), pieces.clone());
        let (created, auto_pair, connector_url) = change(ctx, move |store| {
            let created = super::registry::issue(store, &system, &issued)?;
            Ok((created, store.auto_pair, store.connector_url.clone()))
        })
        .await?;
        if let Some(delay) = auto_pair {
            let shared = ctx.data_unchecked::<Shared>().clone();
            let system = id.to_string();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = tokio::task::spawn_blocking(move || {
                    locked(&shared, |store| super::registry::pair(store, &system))
                })
                .await;
            });
        }
        let expires =
            time::OffsetDateTime::now_utc() + crate::backend::registration::TOKEN_LIFETIME;
        let token = crate::backend::registration::new_token();
        let raw = secrecy::ExposeSecret::expose_secret(&token).to_owned();
        let suggest = ctx.data_opt::<SuggestToken>().is_some_and(|s| s.0);
        // `rawEncoded` always carries the pasteable form; with `suggest_token: true` the
        // `token` field does too, for an application of no integration system (fact 14).
        let encoded = pasteable(&raw, &connector_url);
        Ok(OneTimeTokenForApplication {
            token: if suggest { encoded.clone() } else { raw },
            connector_url,
            legacy_connector_url: String::new(),
            used: false,
            expires_at: Timestamp(crate::backend::registration::rfc3339(expires)),
            created_at: Some(Timestamp(created)),
            used_at: None,
            raw: None,
            raw_encoded: Some(encoded),
            token_type: Some(OneTimeTokenType::Application),
            scenario_groups: Some(pieces.into_iter().map(Some).collect()),
        })
    }

    async fn delete_formation(
        &self,
        ctx: &Context<'_>,
        formation: FormationInput,
    ) -> async_graphql::Result<Formation> {
        formation.check_scopes(ctx)?;
        let name = formation.name.clone();
        Ok(change(ctx, move |s| s.delete(&name)).await?.into())
    }

    async fn assign_formation(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "objectID")] object_id: ID,
        object_type: FormationObjectType,
        formation: FormationInput,
    ) -> async_graphql::Result<Formation> {
        formation.check_scopes(ctx)?;
        application_only(object_type)?;
        let (name, system) = (formation.name.clone(), object_id.to_string());
        let (n, sys) = (name.clone(), system.clone());
        let (view, slow) = change(ctx, move |s| s.assign(&n, &sys)).await?;
        let Some(slow) = slow else {
            return Ok(view.into());
        };
        // The notifications run inside the request (fact 12), without holding the store:
        // meanwhile every read sees the assignment INITIAL.
        tokio::time::sleep(slow.wait).await;
        Ok(
            change(ctx, move |s| s.finish_slow(&name, &system, slow.fail))
                .await?
                .into(),
        )
    }

    async fn unassign_formation(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "objectID")] object_id: ID,
        object_type: FormationObjectType,
        formation: FormationInput,
    ) -> async_graphql::Result<Formation> {
        formation.check_scopes(ctx)?;
        application_only(object_type)?;
        let (name, system) = (formation.name.clone(), object_id.to_string());
        let sys = system.clone();
        let (view, deleting) = change(ctx, move |s| s.unassign(&name, &sys)).await?;
        if let Some(delay) = deleting {
            // The receivers' answers come after the call (§4.6): DELETING until then.
            let shared = ctx.data_unchecked::<Shared>().clone();
            let id = view.formation.id.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = tokio::task::spawn_blocking(move || {
                    locked(&shared, |store| store.finish_unassign(&id, &system))
                })
                .await;
            });
        }
        Ok(view.into())
    }

    async fn resynchronize_formation_notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "formationID")] formation_id: ID,
        reset: Option<bool>,
    ) -> async_graphql::Result<Formation> {
        require(ctx, scopes::FORMATION_WRITE)?;
        let reset = reset.unwrap_or(false);
        let id = formation_id.to_string();
        Ok(change(ctx, move |s| s.resynchronize(&id, reset))
            .await?
            .into())
    }

    async fn finalize_draft_formation(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "formationID")] formation_id: ID,
    ) -> async_graphql::Result<Formation> {
        require(ctx, scopes::FORMATION_WRITE)?;
        let id = formation_id.to_string();
        Ok(change(ctx, move |s| s.finalize(&id)).await?.into())
    }
}

/// Bounds on one request, checked before anything is resolved: each selected field counts
/// (every alias and every field a fragment spread brings in), so 100 aliases of a fragment
/// with 1,000 `labels` aliases is refused at once instead of building a 235 MB answer.
pub const MAX_COMPLEXITY: usize = 2_000;
pub const MAX_DEPTH: usize = 16;
const MAX_RECURSIVE_DEPTH: usize = 32;
const MAX_DIRECTIVES: usize = 16;

pub fn build(shared: Shared, max_page: usize) -> DirectorSchema {
    Schema::build(Query, Mutation, EmptySubscription)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_depth(MAX_DEPTH)
        .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
        .limit_directives(MAX_DIRECTIVES)
        .data(shared)
        .data(MaxPage(max_page))
        .finish()
}
