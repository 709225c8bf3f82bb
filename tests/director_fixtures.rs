//! The director client against recorded answers of exactly the shapes the real Director
//! gives (shared/reference/director-behaviour.md; fixtures in tests/fixtures/director/),
//! served by a small scripted loopback server: independent of the sandbox. Each test
//! names the reference section it depends on.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use formation_wizard::backend::director::DirectorBackend;
use formation_wizard::backend::director::auth::{Auth, Credentials, ServiceKey};
use formation_wizard::backend::director::client::Options;
use formation_wizard::backend::director::profile::Connection;
use formation_wizard::backend::{Backend, BackendError, Created, Progress};
use formation_wizard::catalog::Catalog;
use formation_wizard::ops;
use formation_wizard::plan::FormationPlan;
use formation_wizard::rules::RuleKind;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

const TC_TEMPLATE: &str = "Integration with SAP Task Center";

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/director/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// One scripted answer: HTTP status and body.
type Answer = (u16, String);

#[derive(Default)]
struct Script {
    /// Answers by root field; the last one of a queue is repeated once it is reached.
    answers: HashMap<String, VecDeque<Answer>>,
    /// Every request: (root field, request body).
    log: Vec<(String, Value)>,
    token_paths: Vec<String>,
    /// Every token request: (path, Authorization header, form body).
    token_requests: Vec<(String, String, String)>,
    /// What the token endpoint answers instead of a token.
    token_refusal: Option<(u16, String)>,
    /// The `suggest_token` header of every GraphQL request, by root field.
    suggest_token: Vec<(String, Option<String>)>,
}

#[derive(Clone, Default)]
struct Server(Arc<Mutex<Script>>);

impl Server {
    fn on(&self, field: &str, status: u16, body: impl Into<String>) -> &Self {
        self.0
            .lock()
            .unwrap()
            .answers
            .entry(field.to_owned())
            .or_default()
            .push_back((status, body.into()));
        self
    }

    fn data(&self, field: &str, value: Value) -> &Self {
        self.on(field, 200, json!({ "data": { field: value } }).to_string())
    }

    fn fields(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .log
            .iter()
            .map(|(f, _)| f.clone())
            .collect()
    }

    fn bodies(&self, field: &str) -> Vec<Value> {
        let s = self.0.lock().unwrap();
        s.log
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, b)| b.clone())
            .collect()
    }

    fn count(&self, field: &str) -> usize {
        self.bodies(field).len()
    }
}

/// The first field selected by the operation: the word after the first `{`.
fn root_field(query: &str) -> String {
    let after = query.split_once('{').map_or("", |(_, rest)| rest);
    after
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

async fn graphql(
    State(server): State<Server>,
    headers: axum::http::HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let field = root_field(request["query"].as_str().unwrap_or(""));
    let mut s = server.0.lock().unwrap();
    let suggest = headers
        .get("suggest_token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    s.suggest_token.push((field.clone(), suggest));
    s.log.push((field.clone(), request));
    let answer = match s.answers.get_mut(&field) {
        Some(q) if q.len() > 1 => q.pop_front(),
        Some(q) => q.front().cloned(),
        None => None,
    };
    let (status, body) = answer.unwrap_or((500, format!("no scripted answer for {field}")));
    (StatusCode::from_u16(status).unwrap(), body)
}

async fn token(
    State(server): State<Server>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let mut s = server.0.lock().unwrap();
    s.token_paths.push(uri.path().to_owned());
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    s.token_requests.push((uri.path().to_owned(), auth, body));
    if let Some((status, body)) = s.token_refusal.clone() {
        return (StatusCode::from_u16(status).unwrap(), body);
    }
    (
        StatusCode::OK,
        json!({"access_token": "fixture-access-token", "expires_in": 3600}).to_string(),
    )
}

async fn serve(server: &Server) -> SocketAddr {
    let app = Router::new()
        .route("/graphql", post(graphql))
        .route("/oauth/token", post(token))
        .route("/uaa/oauth/token", post(token))
        .route("/oauth2/token", post(token))
        .with_state(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn options() -> Options {
    Options {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        retries: 2,
        min_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(1),
        page_size: 100,
        ..Options::default()
    }
}

async fn backend(server: &Server) -> DirectorBackend {
    let addr = serve(server).await;
    DirectorBackend::connect(
        Connection {
            url: format!("http://{addr}/graphql"),
            tenant: "tenant-1".into(),
            credentials: Credentials::Token {
                token: SecretString::from("fixture-token".to_owned()),
                file: None,
            },
        },
        options(),
    )
    .unwrap()
}

/// How a create through the operations layer ended, in the words these tests check.
#[derive(Debug)]
enum CreateOutcome {
    Created(Created),
    Refused(Box<formation_wizard::rules::Report>),
    /// Anything else: failed and undone, or left (see the outcome).
    Other(Box<ops::CreateOutcome>),
}

/// Creates as every surface does: through `ops::create`, following quickly.
async fn create(b: &DirectorBackend, plan: &FormationPlan) -> Result<CreateOutcome, BackendError> {
    let catalog = catalog();
    let mut ctx = ops::Ctx::new(b, &catalog);
    ctx.journal = ops::Journal::off();
    ctx.follow = ops::Policy {
        first: Duration::from_millis(5),
        max: Duration::from_millis(20),
        timeout: Duration::from_secs(3),
    };
    let out = ops::create::create(&ctx, plan, ops::create::Options::default()).await?;
    Ok(match (out.end.clone(), out.formation.clone(), &out.left) {
        (ops::End::Created, Some(c), None) if out.not_ready().is_empty() => {
            CreateOutcome::Created(c)
        }
        (ops::End::Refused(r), _, None) => CreateOutcome::Refused(r),
        _ => CreateOutcome::Other(Box::new(out)),
    })
}

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

fn plan(systems: &[&str]) -> FormationPlan {
    FormationPlan {
        name: "TC New".into(),
        type_id: "sap-task-center".into(),
        systems: systems.iter().map(|s| s.to_string()).collect(),
    }
}

fn page(data: Value) -> Value {
    json!({"data": data, "pageInfo": {"startCursor": "", "endCursor": "", "hasNextPage": false}, "totalCount": data.as_array().map_or(0, Vec::len)})
}

fn app(id: &str, app_type: &str) -> Value {
    json!({
        "id": id, "name": format!("System {id}"), "systemNumber": null, "baseUrl": null,
        "labels": {"applicationType": app_type, "scenarios": []},
        "status": {"condition": "CONNECTED"}, "systemStatus": null,
        "auths": [{"auth": {"oneTimeToken": {"__typename": "OneTimeTokenForApplication",
            "scenarioGroups": ["{\"key\":\"ALL_COMMUNICATION_SCENARIOS\",\"description\":\"All\"}"],
            "createdAt": "2026-01-01T00:00:00Z", "used": true}}}]
    })
}

/// Assignments of `members` as the Director makes them: every ordered pair, in the state
/// of its target.
fn assignments(members: &[(&str, &str)]) -> Value {
    pairs(members, |_, (_, target)| target)
}

/// Every ordered pair, in the state `decide(source, target)` picks.
fn pairs<'a>(
    members: &'a [(&'a str, &'a str)],
    decide: impl Fn((usize, &'a str), (usize, &'a str)) -> &'a str,
) -> Value {
    let mut out = Vec::new();
    for (i, (src, src_state)) in members.iter().enumerate() {
        for (j, (tgt, tgt_state)) in members.iter().enumerate() {
            let state = decide((i, src_state), (j, tgt_state));
            out.push(json!({
                "id": format!("a-{src}-{tgt}"), "source": src, "sourceType": "APPLICATION",
                "target": tgt, "targetType": "APPLICATION", "state": state, "value": null,
                "error": if state.ends_with("_ERROR") { json!(format!("{{\"error\":{{\"message\":\"the receiver of {tgt} failed\",\"errorCode\":2}}}}")) } else { Value::Null }
            }));
        }
    }
    Value::Array(out)
}

fn formation(members: &[(&str, &str)], condition: &str, errors: Value) -> Value {
    json!({
        "id": "f-new", "name": "TC New", "formationTemplateId": "t-tc", "state": "READY",
        "error": {"message": "", "errorCode": 0},
        "formationAssignments": page(assignments(members)),
        "status": {"condition": condition, "errors": errors}
    })
}

/// A Director with the Task Center template under its former name, three systems and no
/// formation yet.
fn director() -> Server {
    director_with(json!([]))
}

fn director_with(formations: Value) -> Server {
    let s = Server::default();
    s.data(
        "formationTemplates",
        page(json!([{"id": "t-tc", "name": TC_TEMPLATE,
            "applicationTypes": ["SAP Task Center", "SAP S/4HANA Cloud"], "formationConstraints": null}])),
    )
    .data(
        "applications",
        page(json!([app("tc-1", "SAP Task Center"), app("s4-1", "SAP S/4HANA Cloud"), app("s4-2", "SAP S/4HANA Cloud")])),
    )
    .data("formations", page(formations));
    s
}

#[tokio::test]
async fn create_sends_the_servers_exact_template_name_and_no_state_key() {
    // §2.3 (the key `state`, even null, needs formation.state:write), §4.4 (exact name).
    let s = director();
    s.data("createFormation", formation(&[], "READY", Value::Null))
        .data("assignFormation", formation(&[], "READY", Value::Null))
        .data(
            "formation",
            formation(
                &[("tc-1", "READY"), ("s4-1", "READY")],
                "READY",
                Value::Null,
            ),
        );
    let b = backend(&s).await;
    let out = create(&b, &plan(&["tc-1", "s4-1"])).await.unwrap();
    assert!(
        matches!(out, CreateOutcome::Created(ref c) if c.status == "Ready"),
        "{out:?}"
    );
    let create = &s.bodies("createFormation")[0]["variables"]["formation"];
    assert_eq!(
        create,
        &json!({"name": "TC New", "templateName": TC_TEMPLATE})
    );
    for field in ["assignFormation", "createFormation"] {
        for body in s.bodies(field) {
            let text = body["variables"].to_string();
            assert!(!text.contains("\"state\""), "{field} carried state: {text}");
            assert!(!text.contains("null"), "{field} carried a null key: {text}");
        }
    }
    assert_eq!(
        s.bodies("assignFormation")[0]["variables"]["formation"],
        json!({"name": "TC New"})
    );
}

#[tokio::test]
async fn a_constraint_refusal_is_a_rule_failure_rolled_back_unassign_wait_delete() {
    // §0.1/§6.3 (refusal = code 10 with the multierror text), §4.7 (delete refuses a
    // non-empty formation: unassign, wait until gone, then delete).
    let s = director();
    s.data("createFormation", formation(&[], "READY", Value::Null))
        .data(
            "assignFormation",
            formation(&[("s4-1", "READY")], "READY", Value::Null),
        )
        .on("assignFormation", 200, fixture("constraint_refusal.json"))
        // Each assignFormation looks the formation up first (its name is what is sent).
        .data("formation", formation(&[], "READY", Value::Null))
        .data(
            "formation",
            formation(&[("s4-1", "READY")], "READY", Value::Null),
        )
        .data(
            "formation",
            formation(&[("s4-1", "READY")], "READY", Value::Null),
        )
        .data(
            "formation",
            formation(&[("s4-1", "DELETING")], "READY", Value::Null),
        )
        .data("formation", formation(&[], "READY", Value::Null))
        .data(
            "unassignFormation",
            formation(&[("s4-1", "DELETING")], "READY", Value::Null),
        )
        .data("deleteFormation", formation(&[], "READY", Value::Null));
    let b = backend(&s).await;
    let out = create(&b, &plan(&["s4-1", "tc-1"])).await.unwrap();
    let CreateOutcome::Refused(report) = out else {
        panic!("expected a refusal, got {out:?}");
    };
    let first = &report.violations[0];
    assert_eq!(first.rule, RuleKind::SystemInOtherFormationOfType);
    assert_eq!(first.systems, vec!["tc-1"]);
    let lines: Vec<&str> = first.message.lines().collect();
    assert_eq!(lines.len(), 3, "{:?}", first.message);
    assert!(lines[2].starts_with("Formation constraint \"TaskCenterOnlyInOneFormation\""));
    assert_eq!(
        s.count("assignFormation"),
        2,
        "a refusal is never sent again"
    );
    let fields = s.fields();
    let unassign = fields
        .iter()
        .position(|f| f == "unassignFormation")
        .unwrap_or_else(|| panic!("unassigned: {fields:?}"));
    let delete = fields
        .iter()
        .position(|f| f == "deleteFormation")
        .expect("deleted");
    let waited = fields[unassign..delete]
        .iter()
        .filter(|f| *f == "formation")
        .count();
    assert!(
        waited >= 2,
        "waits until the assignments are gone: {fields:?}"
    );
    assert_eq!(
        s.bodies("unassignFormation")[0]["variables"]["objectId"],
        "s4-1"
    );
}

#[tokio::test]
async fn a_rollback_that_cannot_finish_says_what_is_left_and_how_to_finish() {
    // §4.7: the delete of a non-empty formation is refused.
    let s = director();
    s.data("createFormation", formation(&[], "READY", Value::Null))
        .data(
            "assignFormation",
            formation(&[("s4-1", "READY")], "READY", Value::Null),
        )
        .on("assignFormation", 200, fixture("constraint_refusal.json"))
        .data(
            "formation",
            formation(&[("s4-1", "READY")], "READY", Value::Null),
        )
        .on(
            "unassignFormation",
            200,
            fixture("insufficient_scopes.json"),
        );
    let b = backend(&s).await;
    let CreateOutcome::Other(out) = create(&b, &plan(&["s4-1", "tc-1"])).await.unwrap() else {
        panic!("the undo did not finish")
    };
    assert_eq!(out.exit_code(), 3);
    let text = out.left.clone().expect("what is left");
    assert!(text.contains("still holds s4-1"), "{text}");
    assert!(text.contains("recover"), "{text}");
    assert_eq!(s.count("deleteFormation"), 0);
}

#[tokio::test]
async fn not_found_in_the_look_up_after_an_unknown_outcome_resends_the_create_once() {
    // §2.1 (503 proves nothing), §4.3 (missing = code 20), §4.4 step 4.
    let s = director();
    s.on("createFormation", 503, fixture("timeout_503.json"))
        .data("createFormation", formation(&[], "READY", Value::Null))
        .on("formationByName", 200, fixture("not_found.json"))
        .data("assignFormation", formation(&[], "READY", Value::Null))
        .data(
            "formation",
            formation(
                &[("tc-1", "READY"), ("s4-1", "READY")],
                "READY",
                Value::Null,
            ),
        );
    let b = backend(&s).await;
    let out = create(&b, &plan(&["tc-1", "s4-1"])).await.unwrap();
    assert!(matches!(out, CreateOutcome::Created(_)), "{out:?}");
    assert_eq!(s.count("createFormation"), 2, "sent again exactly once");
    assert_eq!(s.count("formationByName"), 1);
}

#[tokio::test]
async fn two_unknown_outcomes_never_send_a_third_create() {
    let s = director();
    s.on("createFormation", 503, fixture("timeout_503.json"))
        .on("formationByName", 200, fixture("not_found.json"));
    let b = backend(&s).await;
    let err = create(&b, &plan(&["tc-1", "s4-1"])).await.unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("nothing was left behind"), "{err}");
    assert_eq!(s.count("createFormation"), 2);
}

#[tokio::test]
async fn a_found_formation_after_an_unknown_outcome_is_not_created_again() {
    let s = director();
    s.on("createFormation", 503, fixture("timeout_503.json"))
        .data("formationByName", formation(&[], "READY", Value::Null))
        .data("assignFormation", formation(&[], "READY", Value::Null))
        .data(
            "formation",
            formation(
                &[("tc-1", "READY"), ("s4-1", "READY")],
                "READY",
                Value::Null,
            ),
        );
    let b = backend(&s).await;
    let out = create(&b, &plan(&["tc-1", "s4-1"])).await.unwrap();
    assert!(matches!(out, CreateOutcome::Created(_)), "{out:?}");
    assert_eq!(s.count("createFormation"), 1);
}

#[tokio::test]
async fn not_found_in_a_status_look_up_is_no_such_formation() {
    let s = director();
    s.on("formation", 200, fixture("not_found_formation.json"));
    let b = backend(&s).await;
    let err = b.status("f-gone").await.unwrap_err();
    assert!(
        matches!(err, BackendError::NoSuchFormation(ref id) if id == "f-gone"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_duplicate_name_is_the_name_unique_rule() {
    // §4.4 step 4: code 21.
    let s = director();
    s.on("createFormation", 200, fixture("not_unique.json"));
    let b = backend(&s).await;
    let out = create(&b, &plan(&["tc-1", "s4-1"])).await.unwrap();
    let CreateOutcome::Refused(report) = out else {
        panic!("expected a refusal, got {out:?}");
    };
    assert_eq!(report.violations[0].rule, RuleKind::NameUnique);
    assert_eq!(s.count("createFormation"), 1);
}

#[tokio::test]
async fn insufficient_scopes_fail_at_once_and_say_so() {
    // §2.3: code 23 is an answer, not worth repeating.
    let s = director();
    s.on("createFormation", 200, fixture("insufficient_scopes.json"));
    let b = backend(&s).await;
    let err = create(&b, &plan(&["tc-1", "s4-1"])).await.unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("lack the scopes"), "{err}");
    assert!(err.to_string().contains("formation.state:write"), "{err}");
    assert_eq!(s.count("createFormation"), 1);
}

#[tokio::test]
async fn a_validation_failure_http_422_is_not_repeated() {
    // §6.2: HTTP 422, code 10 `input:`.
    let s = director();
    s.on("formation", 422, fixture("validation.json"));
    let b = backend(&s).await;
    let err = b.status("f-1").await.unwrap_err();
    assert!(err.to_string().contains("input:3"), "{err}");
    assert!(err.to_string().contains("HTTP 422"), "{err}");
    assert_eq!(s.count("formation"), 1);
}

#[tokio::test]
async fn an_internal_error_on_a_read_is_retried() {
    // §6.1: code 10 without a refusal may pass.
    let s = director();
    s.on("formation", 200, fixture("internal.json"))
        .data("formation", formation(&[], "READY", Value::Null));
    let b = backend(&s).await;
    let state = b.status("f-new").await.unwrap();
    assert_eq!(state.status, "Ready");
    assert_eq!(s.count("formation"), 2);
}

#[tokio::test]
async fn an_unsupported_application_type_is_system_type_not_allowed() {
    // §4.5 step 6: code 27.
    let s = director();
    s.data("createFormation", formation(&[], "READY", Value::Null))
        .on("assignFormation", 200, fixture("unsupported_type.json"))
        .data("formation", formation(&[], "READY", Value::Null))
        .data("deleteFormation", formation(&[], "READY", Value::Null));
    let b = backend(&s).await;
    let out = create(&b, &plan(&["tc-1", "s4-1"])).await.unwrap();
    let CreateOutcome::Refused(report) = out else {
        panic!("expected a refusal, got {out:?}");
    };
    assert_eq!(report.violations[0].rule, RuleKind::SystemTypeNotAllowed);
    assert_eq!(
        s.count("deleteFormation"),
        1,
        "the empty formation is deleted"
    );
}

#[tokio::test]
async fn a_create_error_assignment_exits_3_naming_the_system_and_the_message() {
    // §4.2: status.errors name the assignment; the assignment's target is the system.
    let s = director();
    let errors = json!([{"assignmentID": "a-tc-1-s4-2", "message": "the receiver of s4-2 failed", "errorCode": 2}]);
    s.data("createFormation", formation(&[], "READY", Value::Null))
        .data("assignFormation", formation(&[], "READY", Value::Null))
        .data(
            "formation",
            formation(
                &[("tc-1", "INITIAL"), ("s4-2", "INITIAL")],
                "IN_PROGRESS",
                Value::Null,
            ),
        )
        .data(
            "formation",
            formation(
                &[("tc-1", "READY"), ("s4-2", "CREATE_ERROR")],
                "ERROR",
                errors,
            ),
        );
    let b = backend(&s).await;
    let CreateOutcome::Other(out) = create(&b, &plan(&["tc-1", "s4-2"])).await.unwrap() else {
        panic!("an assignment in error is not a success")
    };
    assert_eq!(out.exit_code(), 3);
    assert_eq!(out.systems["tc-1"], ops::Final::Ready);
    assert_eq!(
        out.systems["s4-2"],
        ops::Final::Failed {
            state: "CREATE_ERROR".into(),
            error: Some("the receiver of s4-2 failed".into())
        }
    );
    assert_eq!(out.not_ready().len(), 1, "tc-1 is not said to have failed");
}

#[tokio::test]
async fn load_reads_membership_and_states_from_formation_assignments() {
    // §1.3, §4.1: membership from formationAssignments, not formationsForObject.
    let s = director_with(json!([formation(
        &[("tc-1", "READY"), ("s4-1", "CONFIG_PENDING")],
        "IN_PROGRESS",
        Value::Null
    )]));
    let b = backend(&s).await;
    let l = b.load(&catalog(), &Progress::none()).await.unwrap();
    let f = &l.formations[0];
    assert_eq!(
        f.systems,
        vec!["tc-1", "s4-1"],
        "in the order the server lists them"
    );
    assert_eq!(f.assignments["s4-1"].state, "CONFIG_PENDING");
    assert_eq!(f.assignments["tc-1"].state, "READY");
    let s4 = l.system("s4-1").unwrap();
    assert_eq!(s4.condition.as_deref(), Some("CONNECTED"));
    assert_eq!(s4.latest_token.as_ref().unwrap().scenario_groups.len(), 1);
    assert!(!s.fields().iter().any(|f| f == "formationsForObject"));
}

#[tokio::test]
async fn server_templates_overrule_the_catalog_and_say_so() {
    // §1.2, §8: rules from formationConstraints + applicationTypes.
    let s = Server::default();
    s.data(
        "formationTemplates",
        page(json!([{"id": "t-tc", "name": TC_TEMPLATE,
            "applicationTypes": ["SAP Task Center", "SAP S/4HANA Cloud", "SAP SuccessFactors"],
            "formationConstraints": [
                {"name": "OneTC", "operator": "DoesNotContainResourceOfSubtype", "resourceType": "APPLICATION", "constraintScope": "FORMATION_TYPE", "resourceSubtype": "SAP Task Center",
                 "targetOperation": "ASSIGN_FORMATION", "constraintType": "PRE",
                 "inputTemplate": "{\"formation_name\": \"{{.FormationName}}\",\"resource_subtype\": \"{{.ResourceSubtype}}\"}"},
                {"name": "S4Groups", "operator": "ContainsScenarioGroups", "resourceType": "APPLICATION", "constraintScope": "FORMATION_TYPE", "resourceSubtype": "SAP S/4HANA Cloud",
                 "targetOperation": "ASSIGN_FORMATION", "constraintType": "PRE",
                 "inputTemplate": "{\"resource_id\": \"{{.ResourceID}}\",\"requiredScenarioGroups\": [\"INTEGRATION_WITH_SAP_START\"]}"}
            ]}])),
    );
    let b = backend(&s).await;
    let (rules, notes) = b.rules(&catalog()).await.unwrap();
    let t = rules.by_id("sap-task-center").unwrap();
    assert!(t.allowed("SAP SuccessFactors").is_some());
    assert_eq!(
        t.required_groups("SAP S/4HANA Cloud"),
        Some(&["Integration with SAP Start".to_string()][..])
    );
    assert!(
        !t.single_membership("SAP Task Center"),
        "the server has no such constraint"
    );
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].message.contains("SAP SuccessFactors"), "{notes:?}");
}

#[tokio::test]
async fn a_service_key_url_is_taken_whole_when_it_ends_in_the_token_path() {
    // §2.2: Compass puts the complete token endpoint in `url`; XSUAA gives the base.
    let s = Server::default();
    let addr = serve(&s).await;
    let http = reqwest::Client::new();
    for (url, path) in [
        (format!("http://{addr}/uaa/oauth/token"), "/uaa/oauth/token"),
        (
            format!("http://{addr}/uaa/oauth/token/"),
            "/uaa/oauth/token",
        ),
        (format!("http://{addr}"), "/oauth/token"),
        (format!("http://{addr}/uaa"), "/uaa/oauth/token"),
    ] {
        let key = ServiceKey {
            client_id: "client-1".into(),
            client_secret: SecretString::from("shh".to_owned()),
            url: url.clone(),
            origin: "a test key".into(),
            scopes: Vec::new(),
        };
        assert_eq!(
            key.token_endpoint(),
            format!("http://{addr}{path}"),
            "{url}"
        );
        let auth = Auth::new(Credentials::ClientCredentials(key), http.clone());
        let token = auth.token().await.unwrap();
        assert_eq!(token.expose_secret(), "fixture-access-token");
        assert_eq!(
            s.0.lock().unwrap().token_paths.pop().as_deref(),
            Some(path),
            "{url}"
        );
    }
}

#[test]
fn a_pair_in_the_joining_systems_state_is_that_systems() {
    // §1.3: X→X, X→P and P→X are processed when X joins; the sandbox gives the pairs the
    // state of the member that joined later. The error is X's, not P's.
    use formation_wizard::backend::director::convert::{assignment_target, member_states};
    use formation_wizard::backend::director::queries::FormationAssignment;
    let members = [("tc-1", "READY"), ("s4-2", "CREATE_ERROR")];
    let later = pairs(&members, |(i, a), (j, b)| if i >= j { a } else { b });
    let list: Vec<FormationAssignment> = serde_json::from_value(later).unwrap();
    let states = member_states(&list);
    assert_eq!(states["tc-1"].state, "READY");
    assert_eq!(states["s4-2"].state, "CREATE_ERROR");
    assert_eq!(
        states["s4-2"].error.as_deref(),
        Some("the receiver of s4-2 failed")
    );
    assert_eq!(assignment_target(&list, "a-s4-2-tc-1"), Some("s4-2"));
    assert_eq!(assignment_target(&list, "a-tc-1-s4-2"), Some("s4-2"));
}

/// §1.3, §4.5 step 8: each assignment has its own state. One pair fails (its receiver
/// refused that one notification, the error JSON in its `error`) while both loops and the
/// reverse pair are READY: neither system is fully in, so both read as failed, each with
/// the server's reason and which pair it is. A Director from before the `error` field kept
/// the error object in `value`: read there too.
#[test]
fn a_pair_that_fails_alone_fails_both_its_systems_with_the_servers_reason_s1_3() {
    use formation_wizard::backend::director::convert::member_states;
    use formation_wizard::backend::director::queries::FormationAssignment;
    let members = [("tc-1", "READY"), ("s4-2", "READY")];
    let mut list = pairs(&members, |_, _| "READY");
    list[1]["state"] = json!("CREATE_ERROR");
    list[1]["error"] =
        json!(r#"{"error":{"message":"s4-2 refused the destination","errorCode":2}}"#);
    assert_eq!(
        (list[1]["source"].as_str(), list[1]["target"].as_str()),
        (Some("tc-1"), Some("s4-2"))
    );
    let parsed: Vec<FormationAssignment> = serde_json::from_value(list.clone()).unwrap();
    let states = member_states(&parsed);
    for system in ["tc-1", "s4-2"] {
        assert_eq!(states[system].state, "CREATE_ERROR", "{system}: {states:?}");
        assert_eq!(
            states[system].error.as_deref(),
            Some("s4-2 refused the destination (the assignment from tc-1 to s4-2)"),
            "{system}"
        );
    }
    list[1]["error"] = Value::Null;
    list[1]["value"] = json!(r#"{"error":{"message":"kept in value","errorCode":1}}"#);
    let parsed: Vec<FormationAssignment> = serde_json::from_value(list).unwrap();
    let states = member_states(&parsed);
    assert_eq!(
        states["s4-2"].error.as_deref(),
        Some("kept in value (the assignment from tc-1 to s4-2)")
    );
}

fn private_file(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// Facts 10 and 11, §2.2: a Compass credential (`clientId`, `clientSecret`, `url` the whole
/// `/oauth2/token` endpoint), an SAP BTP key (`clientid`, base `url`) and one nested under
/// `uaa` each ask their issuer with HTTP Basic, `grant_type=client_credentials` and the
/// scopes named, space-separated; the secret is never in the form.
#[tokio::test]
async fn the_token_request_of_each_key_shape_names_its_scopes_with_basic_auth_s2_2() {
    let s = Server::default();
    let addr = serve(&s).await;
    let dir = tempfile::tempdir().unwrap();
    let keys = [
        (
            json!({"clientId": "compass-1", "clientSecret": "shh-1", "url": format!("http://{addr}/oauth2/token")}),
            "/oauth2/token",
            "compass-1:shh-1",
        ),
        (
            json!({"clientid": "btp-2", "clientsecret": "shh-2", "url": format!("http://{addr}")}),
            "/oauth/token",
            "btp-2:shh-2",
        ),
        (
            json!({"uaa": {"clientid": "uaa-3", "clientsecret": "shh-3", "url": format!("http://{addr}/uaa")}}),
            "/uaa/oauth/token",
            "uaa-3:shh-3",
        ),
        (
            json!({"uaa": {"clientId": "uaa-4", "clientSecret": "shh-4", "url": format!("http://{addr}/oauth2/token")}}),
            "/oauth2/token",
            "uaa-4:shh-4",
        ),
    ];
    let scopes = vec!["formation:read".to_owned(), "formation:write".to_owned()];
    for (i, (key, path, basic)) in keys.into_iter().enumerate() {
        let file = private_file(dir.path(), &format!("key-{i}.json"), &key.to_string());
        let creds = Credentials::from_service_key(&file, &scopes).unwrap();
        let auth = Auth::new(creds, reqwest::Client::new());
        assert_eq!(
            auth.token().await.unwrap().expose_secret(),
            "fixture-access-token"
        );
        let (got_path, got_auth, body) = s.0.lock().unwrap().token_requests.pop().unwrap();
        assert_eq!(got_path, path, "{key}");
        use base64::Engine as _;
        let expected = base64::engine::general_purpose::STANDARD.encode(basic);
        assert_eq!(got_auth, format!("Basic {expected}"), "{key}");
        let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap();
        assert_eq!(form["grant_type"], "client_credentials", "{body}");
        assert_eq!(form["scope"], "formation:read formation:write", "{body}");
        assert!(!body.contains("shh"), "no secret in the form: {body}");
    }
}

/// RFC 6749 §5.2 as Hydra answers (fact 11): the refusal names which part was refused and
/// what to check, without the secret.
#[tokio::test]
async fn an_issuer_refusal_says_which_and_what_to_check_s2_2() {
    let s = Server::default();
    let addr = serve(&s).await;
    let dir = tempfile::tempdir().unwrap();
    let file = private_file(
        dir.path(),
        "key.json",
        &json!({"clientId": "c", "clientSecret": "shh-secret", "url": format!("http://{addr}/oauth2/token")}).to_string(),
    );
    for (answer, said, advice) in [
        (r#"{"error":"invalid_scope"}"#, "invalid_scope", "--scopes"),
        (
            r#"{"error":"invalid_client"}"#,
            "invalid_client",
            "client id and secret",
        ),
    ] {
        s.0.lock().unwrap().token_refusal = Some((400, answer.to_owned()));
        let creds = Credentials::from_service_key(&file, &["formation:read".to_owned()]).unwrap();
        let auth = Auth::new(creds, reqwest::Client::new());
        let err = auth.token().await.unwrap_err().to_string();
        assert!(err.contains(said) && err.contains(advice), "{err}");
        assert!(!err.contains("shh-secret"), "{err}");
    }
}

const CONCURRENT_UPDATE: &str = r#"{"errors":[{"message":"Could not update object due to concurrent update","path":["createFormation"],"extensions":{"error_code":35,"error":"ConcurrentUpdate"}}],"data":null}"#;

/// Fact 13: `error_code` 35 (a versioned update lost a race; the transaction was rolled
/// back) says "try again": a mutation and a read are each sent again, with backoff, and
/// succeed; a bounded number of times only.
#[tokio::test]
async fn code_35_is_retried_for_mutations_and_reads_fact_13() {
    let s = director();
    s.on("createFormation", 200, CONCURRENT_UPDATE)
        .data("createFormation", formation(&[], "READY", Value::Null))
        .data("assignFormation", formation(&[], "READY", Value::Null))
        .data(
            "formation",
            formation(
                &[("tc-1", "READY"), ("s4-1", "READY")],
                "READY",
                Value::Null,
            ),
        );
    // The first read of the applications too.
    let apps = s.0.lock().unwrap().answers.remove("applications").unwrap();
    s.on(
        "applications",
        200,
        CONCURRENT_UPDATE.replace("createFormation", "applications"),
    );
    for a in apps {
        s.on("applications", a.0, a.1);
    }
    let b = backend(&s).await;
    let out = create(&b, &plan(&["tc-1", "s4-1"])).await.unwrap();
    assert!(matches!(out, CreateOutcome::Created(_)), "{out:?}");
    assert_eq!(s.count("createFormation"), 2, "{:?}", s.fields());
    assert!(s.count("applications") >= 2, "{:?}", s.fields());

    // Bounded: a 35 that never passes ends after the retries (2 here), as the server said.
    let s = director();
    s.on("createFormation", 200, CONCURRENT_UPDATE);
    let b = backend(&s).await;
    let err = b
        .create_formation(&plan(&["tc-1"]), &catalog(), false, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("concurrent update"), "{err}");
    assert_eq!(s.count("createFormation"), 3, "{:?}", s.fields());
}

const NOTIFICATIONS_FAILED: &str = r#"{"errors":[{"message":"Internal Server Error [errorID=5e1c, reason: while assigning application with ID \"s4-1\": while sending notifications: the receiver of s4-1 did not answer]","path":["assignFormation"],"extensions":{"error_code":10,"error":"InternalError"}}],"data":null}"#;

/// A formation `f-new` with these members, for the follow-up reads.
fn with_members(members: &[(&str, &str)]) -> Value {
    formation(members, "IN_PROGRESS", Value::Null)
}

/// Fact 12, §4.5 step 7: an assign whose notifications fail late answers code 10 after the
/// Director deleted the assignments it had stored. The client does not send it again: it
/// looks, finds the system not in, and says the change did not happen, with the reason.
#[tokio::test]
async fn a_late_failing_assign_says_it_did_not_happen_with_the_servers_reason_fact_12() {
    let s = director();
    s.data("formation", with_members(&[("tc-1", "READY")])).on(
        "assignFormation",
        200,
        NOTIFICATIONS_FAILED,
    );
    let b = backend(&s).await;
    let err = b
        .assign("f-new", "s4-1", &catalog(), None)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("the receiver of s4-1 did not answer") && text.contains("did not happen"),
        "{text}"
    );
    assert!(matches!(err, BackendError::Failed(_)), "{err:?}");
    assert_eq!(s.count("assignFormation"), 1, "not sent again");
}

/// Fact 12, §2.1: a 503 after the assignments were stored is no success even though the
/// system is in the formation: the client follows its assignment, which the Director then
/// deletes, and ends with "it did not join".
#[tokio::test]
async fn an_assign_whose_answer_is_lost_is_followed_until_its_assignment_is_gone_fact_12() {
    let s = director();
    let initial = with_members(&[("tc-1", "READY"), ("s4-1", "INITIAL")]);
    s.data("formation", initial.clone())
        .data("formation", initial)
        .data("formation", with_members(&[("tc-1", "READY")]))
        .on("assignFormation", 503, fixture("timeout_503.json"));
    let b = backend(&s).await;
    b.assign("f-new", "s4-1", &catalog(), None)
        .await
        .expect("in the formation for now: followed, not yet judged");
    assert_eq!(s.count("assignFormation"), 1, "not sent again");
    let followed = ops::follow::assignments(
        &b,
        "f-new",
        &[("s4-1".to_owned(), ops::follow::Want::Joined)],
        &ops::Policy {
            first: Duration::from_millis(5),
            max: Duration::from_millis(20),
            timeout: Duration::from_secs(3),
        },
        &Progress::none(),
        &ops::Interrupt::new(),
    )
    .await
    .unwrap();
    assert_eq!(
        followed.systems["s4-1"],
        ops::Final::Vanished { reason: None },
        "{followed:?}"
    );
    assert!(
        followed.systems["s4-1"]
            .words()
            .ends_with("so the change did not happen; the Director gave no reason"),
        "{followed:?}"
    );
}

/// Fact 12 with a reason: while followed after a lost answer, the assignment still being
/// processed carried an error from its receiver (§1.3: `error` is a field of its own, kept
/// until a resync clears it) before the Director deleted it. The error goes with the
/// assignment, so the last one seen is the reason the outcome gives.
#[tokio::test]
async fn a_vanished_assignment_keeps_the_last_error_it_showed_fact_12() {
    let s = director();
    let mut erring = with_members(&[("tc-1", "READY"), ("s4-1", "INITIAL")]);
    for a in erring["formationAssignments"]["data"]
        .as_array_mut()
        .unwrap()
    {
        if a["target"] == "s4-1" {
            a["error"] = json!(r#"{"error":{"message":"s4-1 answered 500","errorCode":1}}"#);
        }
    }
    s.data(
        "formation",
        with_members(&[("tc-1", "READY"), ("s4-1", "INITIAL")]),
    )
    .data("formation", erring)
    .data(
        "formation",
        with_members(&[("tc-1", "READY"), ("s4-1", "INITIAL")]),
    )
    .data("formation", with_members(&[("tc-1", "READY")]));
    let b = backend(&s).await;
    let followed = ops::follow::assignments(
        &b,
        "f-new",
        &[("s4-1".to_owned(), ops::follow::Want::Joined)],
        &ops::Policy {
            first: Duration::from_millis(5),
            max: Duration::from_millis(20),
            timeout: Duration::from_secs(3),
        },
        &Progress::none(),
        &ops::Interrupt::new(),
    )
    .await
    .unwrap();
    let end = &followed.systems["s4-1"];
    assert_eq!(
        *end,
        ops::Final::Vanished {
            reason: Some("s4-1 answered 500".into())
        },
        "{followed:?}"
    );
    assert!(
        end.words().contains(
            "the change did not happen (the last error its assignment showed: s4-1 answered 500)"
        ),
        "{}",
        end.words()
    );
}

/// An application whose auths hold these tokens: (scenario groups, createdAt).
fn app_with_tokens(id: &str, tokens: &[(&str, &str)]) -> Value {
    let auths: Vec<Value> = tokens
        .iter()
        .map(|(groups, at)| {
            json!({"auth": {"oneTimeToken": {"__typename": "OneTimeTokenForApplication",
                "scenarioGroups": [groups], "createdAt": at, "used": true}}})
        })
        .collect();
    let mut a = app(id, "SAP S/4HANA Cloud");
    a["auths"] = Value::Array(auths);
    a
}

/// §5.3: `createdAt` has whole seconds while the Director orders tokens exactly. Two
/// tokens of the newest second, one with the required group and one without, in either
/// order: the weaker is assumed and the finding says why. An older token does not count.
#[tokio::test]
async fn two_tokens_in_one_second_assume_the_weaker_and_say_why_s5_3() {
    let all = r#"{"key":"ALL_COMMUNICATION_SCENARIOS","description":"All"}"#;
    let start = r#"{"key":"INTEGRATION_WITH_SAP_START","description":"Start"}"#;
    for tokens in [
        [
            (all, "2026-01-01T00:00:07Z"),
            (start, "2026-01-01T00:00:07Z"),
        ],
        [
            (start, "2026-01-01T00:00:07Z"),
            (all, "2026-01-01T00:00:07Z"),
        ],
    ] {
        let s = Server::default();
        s.data(
            "formationTemplates",
            page(json!([{"id": "t-tc", "name": TC_TEMPLATE,
                "applicationTypes": ["SAP Task Center", "SAP S/4HANA Cloud"], "formationConstraints": null}])),
        )
        .data(
            "applications",
            page(json!([
                app("tc-1", "SAP Task Center"),
                app_with_tokens("s4-1", &tokens),
                app_with_tokens("s4-2", &[(start, "2026-01-01T00:00:06Z"), (all, "2026-01-01T00:00:07Z")]),
            ])),
        )
        .data("formations", page(json!([])));
        let b = backend(&s).await;
        let catalog = catalog();
        let landscape = b.load(&catalog, &Progress::none()).await.unwrap();
        let report = formation_wizard::rules::evaluate(
            &plan(&["tc-1", "s4-1", "s4-2"]),
            &landscape,
            &catalog,
        );
        let groups: Vec<_> = report
            .violations
            .iter()
            .filter(|f| f.rule == RuleKind::ScenarioGroup)
            .collect();
        assert_eq!(groups.len(), 1, "{:?}", report.violations);
        assert_eq!(groups[0].systems, vec!["s4-1".to_owned()]);
        assert!(
            groups[0].message.contains("same second")
                && groups[0].message.contains("cannot be asked"),
            "{}",
            groups[0].message
        );
    }
}

/// Fact 15, §1.2, §4.5 step 4: a constraint whose `resourceSubtype` is `ANY` applies to
/// every system type, a GLOBAL one counts like the template's own, and one about another
/// `resourceType` (here TENANT) is no rule for assigning systems. The rule checker then
/// refuses a Task Center without the group, as the server would; `types --director`'s
/// words say "every system".
#[tokio::test]
async fn an_any_constraint_applies_to_every_system_type_fact_15() {
    let constraint = |operator: &str, rtype: &str, subtype: &str, scope: &str, input: &str| {
        json!({"name": format!("{operator}-{subtype}-{scope}"), "operator": operator,
            "resourceType": rtype, "resourceSubtype": subtype, "constraintScope": scope,
            "targetOperation": "ASSIGN_FORMATION", "constraintType": "PRE", "inputTemplate": input})
    };
    let groups = r#"{"resource_id": "{{.ResourceID}}", "requiredScenarioGroups": ["ALL_COMMUNICATION_SCENARIOS"]}"#;
    let s = Server::default();
    s.data(
        "formationTemplates",
        page(json!([{"id": "t-tc", "name": TC_TEMPLATE,
            "applicationTypes": ["SAP Task Center", "SAP S/4HANA Cloud"],
            "formationConstraints": [
                constraint("ContainsScenarioGroups", "APPLICATION", "ANY", "GLOBAL", groups),
                constraint("IsNotAssignedToAnyFormationOfType", "TENANT", "ANY", "GLOBAL", "{}"),
                constraint("DoesNotContainResourceOfSubtype", "APPLICATION", "SAP Task Center", "FORMATION_TYPE", "{}"),
            ]}])),
    )
    .data(
        "applications",
        page(json!([
            {"id": "tc-1", "name": "System tc-1", "systemNumber": null, "baseUrl": null,
             "labels": {"applicationType": "SAP Task Center", "scenarios": []},
             "status": {"condition": "CONNECTED"}, "systemStatus": null, "auths": []},
            app("s4-1", "SAP S/4HANA Cloud"),
        ])),
    )
    .data("formations", page(json!([])));
    let b = backend(&s).await;
    let catalog = catalog();
    let (ruled, _notes) = b.rules(&catalog).await.unwrap();
    let t = ruled.by_id("sap-task-center").unwrap();
    assert!(
        t.required_groups("SAP Task Center").is_some(),
        "ANY applies to the Task Center"
    );
    assert!(t.required_groups("SAP S/4HANA Cloud").is_some());
    assert!(
        !t.single_membership("SAP Task Center"),
        "a TENANT constraint is no rule for systems"
    );
    let words = formation_wizard::rules::rules_in_words(t).join(" ");
    assert!(words.contains("All systems must be registered"), "{words}");
    let landscape = b.load(&catalog, &Progress::none()).await.unwrap();
    let report = formation_wizard::rules::evaluate(&plan(&["tc-1", "s4-1"]), &landscape, &ruled);
    assert!(
        report
            .violations
            .iter()
            .any(|f| f.rule == RuleKind::ScenarioGroup && f.systems == vec!["tc-1".to_owned()]),
        "{:?}",
        report.violations
    );
}

/// Fact 14: the token request carries `suggest_token: true`, and the token handed out is
/// `rawEncoded` (what a system pastes) when the server gives it; the connector URL and the
/// expiry are kept.
#[tokio::test]
async fn a_token_is_requested_with_suggest_token_and_raw_encoded_is_handed_out_fact_14() {
    let s = director();
    s.data(
        "requestOneTimeTokenForApplication",
        json!({"token": "plain-token", "rawEncoded": "eyJ0b2tlbiI6InBsYWluLXRva2VuIn0=",
            "connectorURL": "https://connector.example/graphql", "expiresAt": "2026-01-01T00:05:00Z",
            "scenarioGroups": []}),
    );
    let b = backend(&s).await;
    let issued = b.request_token("s4-1", &[], &catalog()).await.unwrap();
    assert_eq!(
        issued.token.expose_secret(),
        "eyJ0b2tlbiI6InBsYWluLXRva2VuIn0="
    );
    assert_eq!(issued.connector_url, "https://connector.example/graphql");
    assert_eq!(issued.expires_at, "2026-01-01T00:05:00Z");
    let sent = s.0.lock().unwrap().suggest_token.clone();
    assert!(
        sent.contains(&(
            "requestOneTimeTokenForApplication".to_owned(),
            Some("true".to_owned())
        )),
        "{sent:?}"
    );
}
