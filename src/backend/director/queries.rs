//! The Director operations, typed with cynic against `assets/director-schema.graphql`, so a
//! misspelt field or a wrong argument type fails the build instead of a request.

#[cynic::schema("director")]
mod schema {}

pub use cynic::{MutationBuilder, QueryBuilder};

#[derive(cynic::Scalar, Debug, Clone)]
#[cynic(graphql_type = "PageCursor")]
pub struct PageCursor(pub String);

/// The `Labels` scalar: a JSON object of label keys to values.
#[derive(cynic::Scalar, Debug, Clone, Default)]
#[cynic(graphql_type = "Labels")]
pub struct Labels(pub serde_json::Value);

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct PageInfo {
    pub end_cursor: PageCursor,
    pub has_next_page: bool,
}

#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct PageVars {
    pub first: Option<i32>,
    pub after: Option<PageCursor>,
}

// ---- applications (systems) ----

#[derive(cynic::Enum, Debug, Clone, Copy, PartialEq, Eq)]
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

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct ApplicationStatus {
    pub condition: ApplicationStatusCondition,
}

#[derive(cynic::Scalar, Debug, Clone)]
#[cynic(graphql_type = "Timestamp")]
pub struct Timestamp(pub String);

/// A registration token: the scenario groups it was requested with decide what
/// `ContainsScenarioGroups` accepts (director-behaviour.md §5.3).
#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct OneTimeTokenForApplication {
    pub scenario_groups: Option<Vec<Option<String>>>,
    pub created_at: Option<Timestamp>,
    pub used: bool,
}

#[derive(cynic::InlineFragments, Debug, Clone)]
pub enum OneTimeToken {
    OneTimeTokenForApplication(OneTimeTokenForApplication),
    #[cynic(fallback)]
    Other,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct Auth {
    pub one_time_token: Option<OneTimeToken>,
}

/// `auth` is `null` when the credentials lack `application.auths:read` (§1.1).
#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct AppSystemAuth {
    pub auth: Option<Auth>,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct Application {
    pub id: cynic::Id,
    pub name: String,
    pub system_number: Option<String>,
    pub base_url: Option<String>,
    pub labels: Option<Labels>,
    pub status: ApplicationStatus,
    pub system_status: Option<String>,
    pub auths: Option<Vec<AppSystemAuth>>,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct ApplicationPage {
    pub data: Vec<Application>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "PageVars")]
pub struct ApplicationsQuery {
    #[arguments(first: $first, after: $after)]
    pub applications: ApplicationPage,
}

// ---- formations ----

#[derive(cynic::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormationStatusCondition {
    InProgress,
    Error,
    Ready,
    Draft,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct FormationStatusError {
    #[cynic(rename = "assignmentID")]
    pub assignment_id: Option<cynic::Id>,
    pub message: String,
    pub error_code: i32,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct FormationStatus {
    pub condition: FormationStatusCondition,
    pub errors: Option<Vec<FormationStatusError>>,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct FormationError {
    pub message: String,
    pub error_code: i32,
}

#[derive(cynic::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormationAssignmentType {
    Application,
    Runtime,
    RuntimeContext,
}

/// One direction of a pair of participants (§1.3): `target` is the system it concerns.
#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct FormationAssignment {
    pub id: cynic::Id,
    pub source: cynic::Id,
    pub source_type: FormationAssignmentType,
    pub target: cynic::Id,
    pub target_type: FormationAssignmentType,
    pub state: String,
    /// Configuration; a Director from before the `error` field kept the error here.
    pub value: Option<String>,
    pub error: Option<String>,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct FormationAssignmentPage {
    pub data: Vec<FormationAssignment>,
    pub page_info: PageInfo,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct Formation {
    pub id: cynic::Id,
    pub name: String,
    pub formation_template_id: cynic::Id,
    pub state: String,
    pub error: Option<FormationError>,
    #[arguments(first: 200)]
    pub formation_assignments: Option<FormationAssignmentPage>,
    pub status: FormationStatus,
}

#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct AssignmentPageVars {
    pub id: cynic::Id,
    pub after: Option<PageCursor>,
}

/// A formation with one further page of its assignments (a formation of n systems has n²).
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Formation", variables = "AssignmentPageVars")]
pub struct FormationAssignmentsOnly {
    #[arguments(first: 200, after: $after)]
    pub formation_assignments: Option<FormationAssignmentPage>,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "AssignmentPageVars")]
pub struct FormationAssignmentsQuery {
    #[arguments(id: $id)]
    pub formation: Option<FormationAssignmentsOnly>,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct FormationPage {
    pub data: Vec<Formation>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "PageVars")]
pub struct FormationsQuery {
    #[arguments(first: $first, after: $after)]
    pub formations: FormationPage,
}

#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct IdVars {
    pub id: cynic::Id,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "IdVars")]
pub struct FormationQuery {
    #[arguments(id: $id)]
    pub formation: Option<Formation>,
}

#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct NameVars {
    pub name: String,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "NameVars")]
pub struct FormationByNameQuery {
    #[arguments(name: $name)]
    pub formation_by_name: Option<Formation>,
}

// ---- formation templates (types) ----

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct FormationConstraint {
    pub name: String,
    pub operator: String,
    /// What the constraint is about: only `APPLICATION` ones decide an assignment of a
    /// system (fact 15).
    pub resource_type: String,
    /// A system type, or `ANY` for every one (fact 15).
    pub resource_subtype: String,
    /// `GLOBAL` (attached to no template, applies to all) or `FORMATION_TYPE` (§1.2).
    pub constraint_scope: String,
    pub target_operation: String,
    pub constraint_type: String,
    pub input_template: String,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct FormationTemplate {
    pub id: cynic::Id,
    pub name: String,
    pub application_types: Vec<String>,
    pub formation_constraints: Option<Vec<FormationConstraint>>,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct FormationTemplatePage {
    pub data: Vec<FormationTemplate>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "PageVars")]
pub struct FormationTemplatesQuery {
    #[arguments(first: $first, after: $after)]
    pub formation_templates: FormationTemplatePage,
}

// ---- mutations ----

/// Unset keys are left out of the request, not sent as `null`: the key `state` alone, even
/// `null`, makes the Director demand the scope `formation.state:write` (§2.3).
#[derive(cynic::InputObject, Debug, Clone)]
pub struct FormationInput {
    pub name: String,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub template_name: Option<String>,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl FormationInput {
    pub fn named(name: &str) -> Self {
        FormationInput {
            name: name.to_owned(),
            template_name: None,
            state: None,
        }
    }
}

#[derive(cynic::Enum, Debug, Clone, Copy)]
pub enum FormationObjectType {
    Application,
    Tenant,
    Runtime,
    RuntimeContext,
}

#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct FormationVars {
    pub formation: FormationInput,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "FormationVars")]
pub struct CreateFormation {
    #[arguments(formation: $formation)]
    pub create_formation: Formation,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "FormationVars")]
pub struct DeleteFormation {
    #[arguments(formation: $formation)]
    pub delete_formation: Formation,
}

#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct AssignVars {
    pub object_id: cynic::Id,
    pub object_type: FormationObjectType,
    pub formation: FormationInput,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "AssignVars")]
pub struct AssignFormation {
    #[arguments(objectID: $object_id, objectType: $object_type, formation: $formation)]
    pub assign_formation: Formation,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "AssignVars")]
pub struct UnassignFormation {
    #[arguments(objectID: $object_id, objectType: $object_type, formation: $formation)]
    pub unassign_formation: Formation,
}

#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct FormationIdVars {
    pub formation_id: cynic::Id,
}

#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct ResyncVars {
    pub formation_id: cynic::Id,
    pub reset: Option<bool>,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "FormationIdVars")]
pub struct FinalizeDraftFormation {
    #[arguments(formationID: $formation_id)]
    pub finalize_draft_formation: Formation,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "ResyncVars")]
pub struct ResynchronizeFormation {
    #[arguments(formationID: $formation_id, reset: $reset)]
    pub resynchronize_formation_notifications: Formation,
}

// ---- registration (director-behaviour.md §5) ----

#[derive(cynic::InputObject, Debug, Clone)]
pub struct ApplicationRegisterInput {
    pub name: String,
    pub description: Option<String>,
    pub labels: Option<Labels>,
}

#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct RegisterVars {
    pub input: ApplicationRegisterInput,
}

#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "RegisterVars")]
pub struct RegisterApplication {
    #[arguments(in: $input)]
    pub register_application: Application,
}

/// A token as issued. No `Debug`: the token is a credential.
#[derive(cynic::QueryFragment, Clone)]
#[cynic(graphql_type = "OneTimeTokenForApplication")]
pub struct IssuedToken {
    pub token: String,
    /// The token as a system pastes it (fact 14), when the server gives it.
    pub raw_encoded: Option<String>,
    #[cynic(rename = "connectorURL")]
    pub connector_url: String,
    pub expires_at: Timestamp,
    pub scenario_groups: Option<Vec<Option<String>>>,
}

#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct TokenVars {
    pub id: cynic::Id,
}

#[derive(cynic::QueryFragment, Clone)]
#[cynic(graphql_type = "Mutation", variables = "TokenVars")]
pub struct RequestToken {
    #[arguments(id: $id)]
    pub request_one_time_token_for_application: IssuedToken,
}
