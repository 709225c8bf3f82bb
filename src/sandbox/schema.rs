//! The GraphQL types and resolvers the sandbox serves: the same names, fields and arguments
//! as `assets/director-schema.graphql` (the director backend's queries are checked against
//! that file; the tests run those queries against this server).

use std::sync::{Arc, Mutex};

use async_graphql::{
    Context, EmptySubscription, Enum, ErrorExtensions, ID, InputObject, Object, Schema,
    SimpleObject,
};
use serde::{Deserialize, Serialize};

use super::store::{self, Condition, DirectorError, FormationView, Store};
use crate::catalog::{ANY_OTHER_TYPE, Constraint};

pub type DirectorSchema = Schema<Query, Mutation, EmptySubscription>;
pub type Shared = Arc<Mutex<Store>>;

#[derive(Serialize, Deserialize, Clone)]
pub struct PageCursor(pub String);
async_graphql::scalar!(PageCursor, "PageCursor");

#[derive(Serialize, Deserialize, Clone)]
pub struct Labels(pub serde_json::Value);
async_graphql::scalar!(Labels, "Labels");

impl From<DirectorError> for async_graphql::Error {
    fn from(e: DirectorError) -> Self {
        async_graphql::Error::new(e.message).extend_with(|_, ext| {
            ext.set("error_code", e.code);
            if let Some(rule) = e.rule {
                ext.set("rule", rule.as_str());
            }
        })
    }
}

fn lock<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<std::sync::MutexGuard<'a, Store>> {
    ctx.data_unchecked::<Shared>()
        .lock()
        .map_err(|_| DirectorError::new(store::INTERNAL, "the sandbox's state is poisoned").into())
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
        Some(c) => c.parse::<usize>().map_err(|_| {
            DirectorError::new(store::INVALID_DATA, format!("invalid page cursor \"{c}\""))
        })?,
    };
    let size = first.unwrap_or(200).clamp(1, max.max(1) as i32) as usize;
    let start = start.min(len);
    let end = (start + size).min(len);
    Ok((
        start,
        end,
        PageInfo {
            start_cursor: PageCursor(start.to_string()),
            end_cursor: PageCursor(end.to_string()),
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
pub struct Formation {
    id: ID,
    name: String,
    formation_template_id: ID,
    state: String,
    error: Option<FormationError>,
    status: FormationStatus,
}

impl From<FormationView> for Formation {
    fn from(v: FormationView) -> Self {
        let condition = match v.condition {
            Condition::InProgress => FormationStatusCondition::InProgress,
            Condition::Error => FormationStatusCondition::Error,
            Condition::Ready => FormationStatusCondition::Ready,
            Condition::Draft => FormationStatusCondition::Draft,
        };
        let errors = (v.condition == Condition::Error).then(|| {
            vec![FormationStatusError {
                assignment_id: None,
                message: "a participant did not confirm the assignment; resynchronize".into(),
                error_code: 2,
            }]
        });
        Formation {
            id: ID(v.formation.id),
            name: v.formation.name,
            formation_template_id: ID(v.formation.type_id),
            state: v.state.to_owned(),
            error: None,
            status: FormationStatus { condition, errors },
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
}

#[derive(Clone)]
pub struct Application {
    id: String,
    name: String,
    system_number: Option<String>,
    base_url: Option<String>,
    labels: serde_json::Value,
    registered: bool,
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
            condition: if self.registered {
                ApplicationStatusCondition::Connected
            } else {
                ApplicationStatusCondition::Initial
            },
        }
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

#[derive(InputObject)]
pub struct FormationInput {
    name: String,
    template_name: Option<String>,
    state: Option<String>,
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
    if !s.scenario_groups.is_empty() {
        labels["scenarioGroups"] = serde_json::json!(s.scenario_groups);
    }
    if let Some(d) = &s.discovery {
        labels["discovery"] = serde_json::json!(d);
    }
    Application {
        id: s.id.clone(),
        name: s.name.clone(),
        system_number: s.system_number.clone(),
        base_url: s.url.clone(),
        labels,
        registered: s.status.as_deref() == Some("Registered"),
        system_status: s.status.clone(),
    }
}

fn template(t: &crate::catalog::FormationType) -> FormationTemplate {
    let constraints = t
        .constraints
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (operator, subtype, input) = match c {
                Constraint::IsNotAssignedToAnyFormationOfType {
                    system_types,
                    except_system_types,
                } => (
                    "IsNotAssignedToAnyFormationOfType",
                    system_types.join(","),
                    serde_json::json!({ "exceptSystemTypes": except_system_types }),
                ),
                Constraint::ContainsScenarioGroups {
                    system_type,
                    required_scenario_groups,
                } => (
                    "ContainsScenarioGroups",
                    system_type.clone(),
                    serde_json::json!({ "requiredScenarioGroups": required_scenario_groups }),
                ),
                Constraint::RequiresRegistrationStatus {
                    system_type,
                    status,
                } => (
                    "RequiresRegistrationStatus",
                    system_type.clone(),
                    serde_json::json!({ "status": status }),
                ),
            };
            FormationConstraint {
                id: ID(format!("{}-{i}", t.id)),
                name: format!("{}-{operator}", t.id),
                description: String::new(),
                constraint_type: "PRE".into(),
                target_operation: "ASSIGN_FORMATION".into(),
                operator: operator.into(),
                resource_type: "APPLICATION".into(),
                resource_subtype: subtype,
                input_template: input.to_string(),
                constraint_scope: "FORMATION_TYPE".into(),
                priority: 1,
            }
        })
        .collect();
    FormationTemplate {
        id: ID(t.id.clone()),
        name: t.name.clone(),
        application_types: t
            .system_types
            .iter()
            .filter(|a| a.system_type != ANY_OTHER_TYPE)
            .map(|a| a.system_type.clone())
            .collect(),
        formation_constraints: Some(constraints),
        supports_reset: t.id.contains("kyma"),
    }
}

pub struct Query;

#[Object]
impl Query {
    async fn applications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<PageCursor>,
    ) -> async_graphql::Result<ApplicationPage> {
        let store = lock(ctx)?;
        let len = store.landscape.systems.len();
        let (start, end, page_info) = window(len, first, after.as_ref(), max_page(ctx))?;
        Ok(ApplicationPage {
            data: (start..end).map(|i| application(&store, i)).collect(),
            page_info,
            total_count: len as i32,
        })
    }

    async fn formation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Formation>> {
        Ok(lock(ctx)?.by_id(&id).map(Formation::from))
    }

    async fn formation_by_name(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Option<Formation>> {
        Ok(lock(ctx)?.by_name(&name).map(Formation::from))
    }

    async fn formations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<PageCursor>,
    ) -> async_graphql::Result<FormationPage> {
        let store = lock(ctx)?;
        let list = &store.landscape.formations;
        let (start, end, page_info) = window(list.len(), first, after.as_ref(), max_page(ctx))?;
        Ok(FormationPage {
            data: list[start..end]
                .iter()
                .map(|f| store.view(f).into())
                .collect(),
            page_info,
            total_count: list.len() as i32,
        })
    }

    async fn formations_for_object(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "objectID")] object_id: String,
    ) -> async_graphql::Result<Vec<Formation>> {
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
        first: Option<i32>,
        after: Option<PageCursor>,
    ) -> async_graphql::Result<FormationTemplatePage> {
        let store = lock(ctx)?;
        let types = &store.catalog().formation_types;
        let (start, end, page_info) = window(types.len(), first, after.as_ref(), max_page(ctx))?;
        Ok(FormationTemplatePage {
            data: types[start..end].iter().map(template).collect(),
            page_info,
            total_count: types.len() as i32,
        })
    }
}

pub struct Mutation;

fn application_only(t: FormationObjectType) -> async_graphql::Result<()> {
    if t == FormationObjectType::Application {
        Ok(())
    } else {
        Err(DirectorError::new(
            store::INVALID_OPERATION,
            "the sandbox assigns only objects of type APPLICATION",
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
        let draft = formation.state.as_deref() == Some("DRAFT");
        let view = lock(ctx)?.create(&formation.name, formation.template_name.as_deref(), draft)?;
        Ok(view.into())
    }

    async fn delete_formation(
        &self,
        ctx: &Context<'_>,
        formation: FormationInput,
    ) -> async_graphql::Result<Formation> {
        Ok(lock(ctx)?.delete(&formation.name)?.into())
    }

    async fn assign_formation(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "objectID")] object_id: ID,
        object_type: FormationObjectType,
        formation: FormationInput,
    ) -> async_graphql::Result<Formation> {
        application_only(object_type)?;
        Ok(lock(ctx)?.assign(&formation.name, &object_id)?.into())
    }

    async fn unassign_formation(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "objectID")] object_id: ID,
        object_type: FormationObjectType,
        formation: FormationInput,
    ) -> async_graphql::Result<Formation> {
        application_only(object_type)?;
        Ok(lock(ctx)?.unassign(&formation.name, &object_id)?.into())
    }

    async fn resynchronize_formation_notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "formationID")] formation_id: ID,
        reset: Option<bool>,
    ) -> async_graphql::Result<Formation> {
        let _ = reset;
        Ok(lock(ctx)?.resynchronize(&formation_id)?.into())
    }

    async fn finalize_draft_formation(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "formationID")] formation_id: ID,
    ) -> async_graphql::Result<Formation> {
        Ok(lock(ctx)?.finalize(&formation_id)?.into())
    }
}

pub fn build(shared: Shared, max_page: usize) -> DirectorSchema {
    Schema::build(Query, Mutation, EmptySubscription)
        .data(shared)
        .data(MaxPage(max_page))
        .finish()
}
