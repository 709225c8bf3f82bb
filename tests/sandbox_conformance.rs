//! The sandbox's conformance with the real Director: one test per point of issue 9's
//! deliverable 6, each naming the section of /work/shared/reference/director-behaviour.md
//! it pins. They talk GraphQL over HTTP to the sandbox directly, not through our client.

use std::path::{Path, PathBuf};
use std::time::Duration;

use formation_wizard::catalog::Catalog;
use formation_wizard::sandbox::{self, SandboxConfig, SandboxHandle};
use reqwest::StatusCode;
use serde_json::{Value, json};

const TOKEN: &str = "ordinary-token";
const ADMIN: &str = "admin-token";
const TC: &str = "Integration with Customer-Managed SAP Task Center";
const ORDINARY: &str =
    "application:read;formation:read;formation:write;formation_template:read;application:write";
const ALL_GROUPS: &str = r#"{"key":"All Communication Scenarios","description":"All"}"#;

fn s4(id: &str, extra: Value) -> Value {
    let mut s = json!({"id": id, "name": id, "type": "SAP S/4HANA Cloud"});
    if let (Some(s), Some(extra)) = (s.as_object_mut(), extra.as_object()) {
        s.extend(extra.clone());
    }
    s
}

fn landscape(dir: &Path) -> PathBuf {
    let value = json!({
        "global_account": {"id": "ga", "name": "GA"},
        "user": {"name": "admin", "roles": ["Global Account Administrator"]},
        "systems": [
            {"id": "tc-0", "name": "Task Center 0", "type": "SAP Task Center"},
            {"id": "tc-1", "name": "Task Center 1", "type": "SAP Task Center"},
            {"id": "ariba", "name": "Ariba", "type": "SAP Ariba Buying"},
            s4("s4-ok", json!({"condition": "CONNECTED", "latest_token": {"scenario_groups": [ALL_GROUPS], "requested_at": "2026-01-02T03:04:05Z", "used": true}})),
            s4("s4-legacy", json!({"condition": "CONNECTED", "latest_token": {"scenario_groups": []}})),
            s4("s4-notoken", json!({"condition": "CONNECTED"})),
            s4("s4-initial", json!({"condition": "INITIAL", "latest_token": {"scenario_groups": [ALL_GROUPS]}})),
            s4("s4-wrong", json!({"condition": "CONNECTED", "latest_token": {"scenario_groups": [r#"{"key":"Integration with SAP Start","description":"Start"}"#]}})),
            s4("s4-old", json!({"status": "Registered", "scenario_groups": ["All Communication Scenarios"]})),
        ],
        "formations": [{"id": "f-0", "name": "TC Zero", "type": "sap-task-center", "systems": ["tc-0", "s4-ok"], "status": "Ready"}]
    });
    let path = dir.join("landscape.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&value).expect("json")).expect("write");
    path
}

struct Sandbox {
    handle: SandboxHandle,
    http: reqwest::Client,
    _dir: tempfile_dir::Dir,
}

mod tempfile_dir {
    /// A scratch directory removed on drop (std only, no extra crate).
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    pub fn new() -> Dir {
        let p = std::env::temp_dir().join(format!("sb-conf-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&p).expect("scratch dir");
        Dir(p)
    }
}

async fn start(tweak: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
    let dir = tempfile_dir::new();
    let mut config = SandboxConfig::new(landscape(&dir.0));
    config.token = Some(TOKEN.into());
    config.admin_token = Some(ADMIN.into());
    config.tenant = Some("t-1".into());
    config.ready_after = Duration::ZERO;
    tweak(&mut config);
    let handle = sandbox::start(config, Catalog::embedded().expect("catalog"))
        .await
        .expect("sandbox starts");
    Sandbox {
        handle,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

impl Sandbox {
    async fn raw(&self, token: Option<&str>, tenant: &str, body: Value) -> (StatusCode, Value) {
        let mut req = self
            .http
            .post(self.handle.url())
            .header("content-type", "application/json")
            .header("Tenant", tenant)
            .body(body.to_string());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn gql_as(&self, token: &str, query: &str, variables: Value) -> (StatusCode, Value) {
        self.raw(
            Some(token),
            "t-1",
            json!({"query": query, "variables": variables}),
        )
        .await
    }

    async fn gql(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.gql_as(TOKEN, query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn create(&self, name: &str, template: &str) -> String {
        let b = self
            .gql(
                CREATE,
                json!({"f": {"name": name, "templateName": template}}),
            )
            .await;
        b["data"]["createFormation"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("created: {b}"))
            .to_owned()
    }

    async fn assign(&self, name: &str, system: &str) -> Value {
        self.gql(ASSIGN, json!({"id": system, "f": {"name": name}}))
            .await
    }
}

const CREATE: &str = "mutation($f: FormationInput!) { createFormation(formation: $f) { id name state status { condition } } }";
const ASSIGN: &str = "mutation($id: ID!, $f: FormationInput!) { assignFormation(objectID: $id, objectType: APPLICATION, formation: $f) { id state } }";
const UNASSIGN: &str = "mutation($id: ID!, $f: FormationInput!) { unassignFormation(objectID: $id, objectType: APPLICATION, formation: $f) { id } }";
const DELETE: &str = "mutation($f: FormationInput!) { deleteFormation(formation: $f) { id } }";
const STATUS: &str = "query($id: ID!) { formation(id: $id) { state status { condition errors { assignmentID message errorCode } } formationAssignments { totalCount data { id source target state error } } } }";

/// The one error of an answer, checked against the envelope of §6.1.
fn only_error(body: &Value) -> (i64, String) {
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors: {body}"));
    assert_eq!(errors.len(), 1, "{body}");
    let e = &errors[0];
    assert!(e.get("locations").is_none(), "no locations: {e}");
    let ext = e["extensions"].as_object().expect("extensions");
    assert!(ext.get("rule").is_none(), "no rule extension: {e}");
    let code = ext["error_code"].as_i64().expect("error_code");
    assert!(ext["error"].is_string(), "{e}");
    (code, e["message"].as_str().expect("message").to_owned())
}

/// `Internal Server Error [errorID=<uuid>, reason: <reason>]` → the reason.
fn internal_reason(message: &str) -> String {
    let rest = message
        .strip_prefix("Internal Server Error [errorID=")
        .unwrap_or_else(|| panic!("internal shape: {message:?}"));
    let (id, reason) = rest.split_once(", reason: ").expect("reason");
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "error id is a uuid: {id}"
    );
    reason
        .strip_suffix(']')
        .expect("closing bracket")
        .to_owned()
}

fn constraint(operator: &str, subtype: &str) -> String {
    format!("sap-task-center:{operator}:{subtype}")
}

#[tokio::test]
async fn constraint_refusal_is_code_10_with_multierror_text_s6_3() {
    let sb = start(|_| {}).await;
    sb.create("TC One", TC).await;
    let b = sb.assign("TC One", "tc-0").await;
    assert!(b["data"].is_null(), "non-null root field nulls data: {b}");
    assert_eq!(b["errors"][0]["path"], json!(["assignFormation"]));
    let (code, message) = only_error(&b);
    assert_eq!(code, 10);
    assert_eq!(
        internal_reason(&message),
        format!(
            "while enforcing constraints for target operation \"ASSIGN_FORMATION\" and constraint type \"PRE\": 1 error occurred:\n\t* Formation constraint \"{}\" is not satisfied due to: Operator \"IsNotAssignedToAnyFormationOfType\" is not satisfied\n\n",
            constraint("IsNotAssignedToAnyFormationOfType", "SAP Task Center")
        )
    );
}

#[tokio::test]
async fn wrong_system_type_is_code_27_unsupported_application_type_s4_5() {
    let sb = start(|_| {}).await;
    sb.create("TC One", TC).await;
    let (code, message) = only_error(&sb.assign("TC One", "ariba").await);
    assert_eq!(code, 27);
    assert_eq!(
        message,
        format!(
            "The operation is not allowed [reason=unsupported applicationType \"SAP Ariba Buying\" for formation template \"{TC}\", allowing only [\"SAP Task Center\" \"SAP S/4HANA Cloud\"]]"
        )
    );
}

#[tokio::test]
async fn reassigning_a_task_center_is_refused_but_an_s4_is_not_s4_5() {
    let sb = start(|_| {}).await;
    let (code, message) = only_error(&sb.assign("TC Zero", "tc-0").await);
    assert_eq!(code, 10);
    // Both operators count the system itself: it is in a formation of the type, and the
    // formation already holds a system of its subtype.
    let reason = internal_reason(&message);
    assert!(reason.contains("2 errors occurred"), "{reason}");
    for operator in [
        "IsNotAssignedToAnyFormationOfType",
        "DoesNotContainResourceOfSubtype",
    ] {
        assert!(
            reason.contains(&format!("Operator \"{operator}\" is not satisfied")),
            "{operator}: {reason}"
        );
    }
    let b = sb.assign("TC Zero", "s4-ok").await;
    assert!(b.get("errors").is_none(), "{b}");
    assert_eq!(b["data"]["assignFormation"]["id"], "f-0");
}

#[tokio::test]
async fn missing_objects_are_code_20_not_found_s4_3_s4_4_s4_5() {
    let sb = start(|_| {}).await;
    let b = sb
        .gql("query { formation(id: \"nope\") { id } }", json!({}))
        .await;
    assert_eq!(b["data"], json!({"formation": null}), "nullable root: {b}");
    assert_eq!(
        only_error(&b),
        (20, "Object not found [object=formations]".into())
    );
    let b = sb
        .gql(
            "query { formationByName(name: \"nope\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        only_error(&b),
        (20, "Object not found [object=formations]".into())
    );
    for (query, vars) in [
        (ASSIGN, json!({"id": "s4-ok", "f": {"name": "nope"}})),
        (UNASSIGN, json!({"id": "s4-ok", "f": {"name": "nope"}})),
        (DELETE, json!({"f": {"name": "nope"}})),
    ] {
        let b = sb.gql(query, vars).await;
        assert!(b["data"].is_null(), "{b}");
        assert_eq!(
            only_error(&b),
            (20, "Object not found [object=formations]".into())
        );
    }
    let b = sb.assign("TC Zero", "no-such-system").await;
    assert_eq!(
        only_error(&b),
        (20, "Object not found [object=application]".into())
    );
    let b = sb
        .gql(
            CREATE,
            json!({"f": {"name": "X1", "templateName": "No Such Template"}}),
        )
        .await;
    assert_eq!(
        only_error(&b),
        (20, "Object not found [object=formationTemplate]".into())
    );
}

#[tokio::test]
async fn deleting_a_non_empty_formation_is_code_10_and_unassigning_a_stranger_is_fine_s4_6_s4_7() {
    let sb = start(|_| {}).await;
    let (code, message) = only_error(&sb.gql(DELETE, json!({"f": {"name": "TC Zero"}})).await);
    assert_eq!(code, 10);
    assert_eq!(
        internal_reason(&message),
        "cannot delete formation with ID \"f-0\", because it is not empty"
    );
    let b = sb
        .gql(UNASSIGN, json!({"id": "s4-old", "f": {"name": "TC Zero"}}))
        .await;
    assert!(b.get("errors").is_none(), "a non-member is no error: {b}");
    for system in ["s4-ok", "tc-0"] {
        let b = sb
            .gql(UNASSIGN, json!({"id": system, "f": {"name": "TC Zero"}}))
            .await;
        assert!(b.get("errors").is_none(), "{b}");
    }
    let b = sb.gql(DELETE, json!({"f": {"name": "TC Zero"}})).await;
    assert_eq!(b["data"]["deleteFormation"]["id"], "f-0", "{b}");
}

#[tokio::test]
async fn scopes_are_per_token_and_the_state_key_needs_its_own_s2_3() {
    let sb = start(|_| {}).await;
    let missing = |required: &str| {
        format!("insufficient scopes provided [actual={ORDINARY}; required={required}]")
    };
    // The key alone, even null, triggers the check.
    let b = sb
        .gql(
            CREATE,
            json!({"f": {"name": "S1", "templateName": TC, "state": null}}),
        )
        .await;
    assert_eq!(only_error(&b), (23, missing("formation.state:write")));
    let b = sb
        .gql(
            "query { formationsForObject(objectID: \"tc-0\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(only_error(&b), (23, missing("formation:global_read")));
    // Sanitised: auth is null without an error.
    let auths = "query { applications(first: 20) { data { id auths { id auth { oneTimeToken { ... on OneTimeTokenForApplication { scenarioGroups } } } } } } }";
    let b = sb.gql(auths, json!({})).await;
    assert!(b.get("errors").is_none(), "{b}");
    let ok = |b: &Value| {
        b["data"]["applications"]["data"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["id"] == "s4-ok").cloned())
            .expect("s4-ok")
    };
    assert!(ok(&b)["auths"][0]["auth"].is_null(), "{b}");
    let (_, b) = sb.gql_as(ADMIN, auths, json!({})).await;
    assert_eq!(
        ok(&b)["auths"][0]["auth"]["oneTimeToken"]["scenarioGroups"],
        json!([ALL_GROUPS])
    );
    let (_, b) = sb
        .gql_as(
            ADMIN,
            CREATE,
            json!({"f": {"name": "S2", "templateName": TC, "state": "DRAFT"}}),
        )
        .await;
    assert_eq!(b["data"]["createFormation"]["state"], "DRAFT", "{b}");
}

#[tokio::test]
async fn template_names_match_exactly_and_templates_carry_the_rules_s4_4_s1_2() {
    let sb = start(|_| {}).await;
    let b = sb
        .gql(
            CREATE,
            json!({"f": {"name": "Old", "templateName": "Integration with SAP Task Center"}}),
        )
        .await;
    assert_eq!(
        only_error(&b),
        (20, "Object not found [object=formationTemplate]".into())
    );
    // Omitted: the Kyma default.
    let b = sb.gql(CREATE, json!({"f": {"name": "Default"}})).await;
    assert!(b.get("errors").is_none(), "{b}");
    let b = sb
        .gql("query { formationTemplates(first: 50) { data { name applicationTypes formationConstraints { name operator resourceSubtype inputTemplate constraintType targetOperation } } } }", json!({}))
        .await;
    let tc = b["data"]["formationTemplates"]["data"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == TC).cloned())
        .expect("the Task Center template by its current name");
    assert_eq!(
        tc["applicationTypes"],
        json!(["SAP Task Center", "SAP S/4HANA Cloud"])
    );
    let constraints = tc["formationConstraints"].as_array().expect("constraints");
    let operators: Vec<&str> = constraints
        .iter()
        .filter_map(|c| c["operator"].as_str())
        .collect();
    assert_eq!(
        operators,
        [
            "IsNotAssignedToAnyFormationOfType",
            "ContainsScenarioGroups",
            "DoesNotContainResourceOfSubtype"
        ]
    );
    let groups = constraints
        .iter()
        .find(|c| c["operator"] == "ContainsScenarioGroups")
        .expect("ContainsScenarioGroups");
    let input = groups["inputTemplate"]
        .as_str()
        .expect("input")
        .replace("{{", "")
        .replace("}}", "");
    let input: Value = serde_json::from_str(&input).expect("the input template is JSON");
    assert_eq!(
        input["requiredScenarioGroups"],
        json!(["All Communication Scenarios"])
    );
}

#[tokio::test]
async fn scenario_groups_come_from_the_latest_token_of_a_connected_system_s5_3() {
    let sb = start(|_| {}).await;
    sb.create("Reg", TC).await;
    let groups = constraint("ContainsScenarioGroups", "SAP S/4HANA Cloud");
    for accepted in ["s4-ok", "s4-legacy", "s4-old"] {
        let b = sb.assign("Reg", accepted).await;
        assert!(b.get("errors").is_none(), "{accepted}: {b}");
    }
    for refused in ["s4-notoken", "s4-wrong"] {
        let (code, message) = only_error(&sb.assign("Reg", refused).await);
        assert_eq!(code, 10, "{refused}");
        assert!(
            internal_reason(&message).ends_with(&format!(
                "1 error occurred:\n\t* Formation constraint \"{groups}\" is not satisfied due to: Operator \"ContainsScenarioGroups\" is not satisfied\n\n"
            )),
            "{refused}: {message}"
        );
    }
    let (_, message) = only_error(&sb.assign("Reg", "s4-initial").await);
    assert!(internal_reason(&message).ends_with(&format!(
        "2 errors occurred:\n\t* Formation constraint \"{groups}\" is not satisfied due to: An error occurred while executing operator \"ContainsScenarioGroups\" for formation constraint \"{groups}\": Application with ID \"s4-initial\" is not in status CONNECTED\n\t* Formation constraint \"{groups}\" is not satisfied due to: Operator \"ContainsScenarioGroups\" is not satisfied\n\n"
    )), "{message}");
    let b = sb
        .gql(
            "query { applications { data { id status { condition timestamp } } } }",
            json!({}),
        )
        .await;
    let status = |id: &str| {
        b["data"]["applications"]["data"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["id"] == id).cloned())
            .map(|s| s["status"].clone())
            .expect("system")
    };
    assert_eq!(
        status("s4-ok"),
        json!({"condition": "CONNECTED", "timestamp": "2026-01-02T03:04:05Z"})
    );
    assert_eq!(status("s4-old")["condition"], "CONNECTED");
    assert_eq!(status("s4-initial")["condition"], "INITIAL");
}

#[tokio::test]
async fn assignments_go_initial_to_ready_in_pairs_and_drafts_wait_s1_3_s4_2_s4_8() {
    let sb = start(|c| c.ready_after = Duration::from_millis(300)).await;
    let id = sb.create("Pairs", TC).await;
    sb.assign("Pairs", "tc-1").await;
    let b = sb.gql(STATUS, json!({"id": id})).await;
    assert_eq!(
        b["data"]["formation"]["formationAssignments"]["totalCount"], 1,
        "{b}"
    );
    sb.assign("Pairs", "s4-old").await;
    let b = sb.gql(STATUS, json!({"id": id})).await;
    let f = &b["data"]["formation"];
    assert_eq!(
        f["formationAssignments"]["totalCount"], 4,
        "n² assignments: {b}"
    );
    assert_eq!(f["status"]["condition"], "IN_PROGRESS");
    assert!(f["status"]["errors"].is_null());
    tokio::time::sleep(Duration::from_millis(450)).await;
    let b = sb.gql(STATUS, json!({"id": id})).await;
    assert_eq!(
        b["data"]["formation"]["status"]["condition"], "READY",
        "{b}"
    );
    // A draft keeps its assignments INITIAL until it is finalised.
    let (_, b) = sb
        .gql_as(
            ADMIN,
            CREATE,
            json!({"f": {"name": "Draft", "templateName": TC, "state": "DRAFT"}}),
        )
        .await;
    let draft = b["data"]["createFormation"]["id"]
        .as_str()
        .expect("draft id")
        .to_owned();
    let b = sb.assign("Draft", "s4-legacy").await;
    assert!(b.get("errors").is_none(), "{b}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let b = sb.gql(STATUS, json!({"id": draft})).await;
    assert_eq!(b["data"]["formation"]["status"]["condition"], "DRAFT");
    assert_eq!(
        b["data"]["formation"]["formationAssignments"]["data"][0]["state"],
        "INITIAL"
    );
    let resync =
        "mutation($id: ID!) { resynchronizeFormationNotifications(formationID: $id) { state } }";
    let (code, message) = only_error(&sb.gql(resync, json!({"id": draft})).await);
    assert_eq!(code, 10);
    assert!(
        internal_reason(&message).ends_with("Formations in state DRAFT can not be resynchronized")
    );
    let finalize = "mutation($id: ID!) { finalizeDraftFormation(formationID: $id) { state status { condition } } }";
    let b = sb.gql(finalize, json!({"id": draft})).await;
    assert_eq!(
        b["data"]["finalizeDraftFormation"],
        json!({"state": "READY", "status": {"condition": "IN_PROGRESS"}})
    );
    let (code, message) = only_error(&sb.gql(finalize, json!({"id": draft})).await);
    assert_eq!(code, 10);
    assert!(internal_reason(&message).ends_with("is not in DRAFT state"));
}

#[tokio::test]
async fn a_failing_system_ends_in_create_error_and_resync_recovers_it_s4_2_s4_8() {
    let sb = start(|c| {
        c.ready_after = Duration::from_millis(100);
        c.fail_assignments = vec![("s4-old".into(), "receiver down".into())];
    })
    .await;
    let id = sb.create("Fails", TC).await;
    sb.assign("Fails", "s4-old").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let b = sb.gql(STATUS, json!({"id": id})).await;
    let f = &b["data"]["formation"];
    assert_eq!(f["status"]["condition"], "ERROR", "{b}");
    let e = &f["status"]["errors"][0];
    assert_eq!(e["message"], "receiver down");
    assert_eq!(e["errorCode"], 2);
    assert_eq!(
        e["assignmentID"],
        f["formationAssignments"]["data"][0]["id"]
    );
    let a = &f["formationAssignments"]["data"][0];
    assert_eq!(a["state"], "CREATE_ERROR");
    let detail: Value =
        serde_json::from_str(a["error"].as_str().expect("error json")).expect("json");
    assert_eq!(
        detail,
        json!({"error": {"message": "receiver down", "errorCode": 2}})
    );
    sb.handle.fail_assignment("s4-old", None);
    let resync = "mutation($id: ID!) { resynchronizeFormationNotifications(formationID: $id) { status { condition } } }";
    let b = sb.gql(resync, json!({"id": id})).await;
    assert_eq!(
        b["data"]["resynchronizeFormationNotifications"]["status"]["condition"], "IN_PROGRESS",
        "{b}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let b = sb.gql(STATUS, json!({"id": id})).await;
    assert_eq!(
        b["data"]["formation"]["status"]["condition"], "READY",
        "{b}"
    );
}

#[tokio::test]
async fn drop_after_commit_commits_and_then_breaks_the_connection_s2_1() {
    let sb = start(|c| c.drop_after_commit = 1).await;
    let sent = sb
        .http
        .post(sb.handle.url())
        .bearer_auth(TOKEN)
        .header("Tenant", "t-1")
        .header("content-type", "application/json")
        .body(
            json!({"query": CREATE, "variables": {"f": {"name": "Dropped", "templateName": TC}}})
                .to_string(),
        )
        .send()
        .await;
    let broken = match sent {
        Err(_) => true,
        Ok(resp) => resp.text().await.is_err(),
    };
    assert!(broken, "the answer is lost");
    let b = sb
        .gql(
            "query { formationByName(name: \"Dropped\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(
        b["data"]["formationByName"]["name"], "Dropped",
        "committed: {b}"
    );
    let b = sb
        .gql(CREATE, json!({"f": {"name": "Kept", "templateName": TC}}))
        .await;
    assert!(b.get("errors").is_none(), "only one answer dropped: {b}");
}

/// §2.2 (XSUAA note): `/oauth/token` is the XSUAA-style issuer of an SAP BTP service key's
/// base URL: Basic or form credentials, and without `scope` every scope of the client.
#[tokio::test]
async fn oauth_xsuaa_issuer_grants_the_clients_scopes_s2_2() {
    let sb = start(|c| c.oauth_client = Some(("cid".into(), "csecret".into()))).await;
    let base = sb.handle.oauth_url();
    let token_at = |path: &str, basic: bool, secret: &str| {
        let mut req = sb
            .http
            .post(format!("{base}{path}"))
            .header("content-type", "application/x-www-form-urlencoded");
        req = if basic {
            req.basic_auth("cid", Some(secret))
                .body("grant_type=client_credentials")
        } else {
            req.body(format!(
                "grant_type=client_credentials&client_id=cid&client_secret={secret}"
            ))
        };
        req.send()
    };
    let resp = token_at("/oauth/token", true, "csecret")
        .await
        .expect("token");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    let access = body["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();
    let (status, b) = sb
        .gql_as(&access, "query { formations { totalCount } }", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(b["data"]["formations"]["totalCount"], 1, "{b}");
    let (_, b) = sb
        .gql_as(
            &access,
            CREATE,
            json!({"f": {"name": "S", "templateName": TC, "state": "READY"}}),
        )
        .await;
    assert_eq!(
        only_error(&b).0,
        23,
        "issued tokens carry only the ordinary scopes"
    );
    let resp = token_at("/oauth/token", false, "csecret")
        .await
        .expect("token");
    assert_eq!(resp.status(), StatusCode::OK, "form credentials at XSUAA");
    let resp = token_at("/oauth/token", true, "wrong")
        .await
        .expect("token");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

/// Facts 10 and 11, §2.2: Compass's issuer (`/oauth2/token`, the whole `url` of its
/// credential `{clientId, clientSecret, url}`) takes HTTP Basic only and grants only the
/// scopes asked for: no `scope`, a token without rights (code 23 on every call); a scope
/// the client does not have is `invalid_scope`.
#[tokio::test]
async fn oauth_compass_issuer_grants_only_requested_scopes_with_basic_auth_facts_10_11() {
    let sb = start(|c| c.oauth_client = Some(("cid".into(), "csecret".into()))).await;
    let key: Value =
        serde_json::from_str(&sandbox::service_key(&sb.handle, "cid", "csecret")).expect("key");
    let url = sb.handle.compass_token_url();
    assert!(url.ends_with("/oauth2/token"), "{url}");
    assert_eq!(
        key,
        json!({"clientId": "cid", "clientSecret": "csecret", "url": url}),
        "the printed key is in Compass form"
    );
    let ask = |basic: bool, form: &str| {
        let mut req = sb
            .http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned());
        if basic {
            req = req.basic_auth("cid", Some("csecret"));
        }
        req.send()
    };
    let resp = ask(
        false,
        "grant_type=client_credentials&client_id=cid&client_secret=csecret&scope=formation%3Aread",
    )
    .await
    .expect("token");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "form credentials");
    let access = |v: Value| v["access_token"].as_str().expect("token").to_owned();
    let resp = ask(true, "grant_type=client_credentials")
        .await
        .expect("token");
    assert_eq!(resp.status(), StatusCode::OK);
    let bare = access(resp.json().await.expect("json"));
    let (_, b) = sb
        .gql_as(&bare, "query { formations { totalCount } }", json!({}))
        .await;
    assert_eq!(only_error(&b).0, 23, "no scope asked, no rights: {b}");
    let resp = ask(true, "grant_type=client_credentials&scope=formation%3Aread")
        .await
        .expect("token");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["scope"], "formation:read");
    let read = access(body);
    let (_, b) = sb
        .gql_as(&read, "query { formations { totalCount } }", json!({}))
        .await;
    assert_eq!(b["data"]["formations"]["totalCount"], 1, "{b}");
    let (_, b) = sb
        .gql_as(
            &read,
            CREATE,
            json!({"f": {"name": "S", "templateName": TC}}),
        )
        .await;
    assert_eq!(only_error(&b).0, 23, "only the scope asked for: {b}");
    let resp = ask(
        true,
        "grant_type=client_credentials&scope=formation%3Aread+formation.state%3Awrite",
    )
    .await
    .expect("token");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"], "invalid_scope");
    // The client may read tokens when it asks to (`token` and `wait` do): `auths[].auth`
    // is sanitised to null without `application.auths:read`, shown with it (§1.1, §2.3).
    const AUTHS: &str = "query { applications(first: 50) { data { id auths { auth { oneTimeToken { ... on OneTimeTokenForApplication { used } } } } } } }";
    let token_auth = |b: &Value| -> Value {
        b["data"]["applications"]["data"]
            .as_array()
            .and_then(|list| list.iter().find(|a| a["id"] == "s4-ok").cloned())
            .map(|a| a["auths"][0]["auth"].clone())
            .unwrap_or_else(|| panic!("s4-ok: {b}"))
    };
    let (_, b) = sb.gql_as(&read, AUTHS, json!({})).await;
    assert_eq!(
        only_error(&b).0,
        23,
        "formation:read alone cannot list: {b}"
    );
    let resp = ask(
        true,
        "grant_type=client_credentials&scope=application%3Aread",
    )
    .await
    .expect("token");
    let plain = access(resp.json().await.expect("json"));
    let (_, b) = sb.gql_as(&plain, AUTHS, json!({})).await;
    assert!(token_auth(&b).is_null(), "sanitised, without an error: {b}");
    assert!(b.get("errors").is_none(), "{b}");
    let resp = ask(
        true,
        "grant_type=client_credentials&scope=application%3Aread+application.auths%3Aread",
    )
    .await
    .expect("token");
    assert_eq!(resp.status(), StatusCode::OK);
    let auths = access(resp.json().await.expect("json"));
    let (_, b) = sb.gql_as(&auths, AUTHS, json!({})).await;
    assert_eq!(token_auth(&b)["oneTimeToken"]["used"], true, "{b}");
}

#[tokio::test]
async fn http_layer_answers_as_the_director_s2_2_s2_3_s6_2() {
    let sb = start(|_| {}).await;
    let (status, b) = sb.gql_as(TOKEN, "query { noSuchField }", json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["data"].is_null());
    let (code, message) = only_error(&b);
    assert_eq!(code, 10);
    assert!(
        internal_reason(&message).starts_with("input:1: "),
        "{message}"
    );
    let query = json!({"query": "query { formations { totalCount } }"});
    let (status, b) = sb.raw(None, "t-1", query.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(only_error(&b).0, 26);
    let (status, b) = sb.raw(Some("bad"), "t-1", query.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (code, message) = only_error(&b);
    assert_eq!(code, 26);
    assert!(message.starts_with("Unauthorized [reason="), "{message}");
    let (status, b) = sb.raw(Some(TOKEN), "other", query.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        only_error(&b),
        (25, "Tenant not found [externalTenant=other]".into())
    );
    // The header name is case-insensitive.
    let resp = sb
        .http
        .post(sb.handle.url())
        .bearer_auth(TOKEN)
        .header("TENANT", "t-1")
        .header("content-type", "application/json")
        .body(query.to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    let b: Value = resp.json().await.expect("json");
    assert_eq!(b["data"]["formations"]["totalCount"], 1, "{b}");
}

/// Fact 13 (§6.1 codes): `--conflict-once createFormation` answers the first create with
/// `error_code` 35 "Could not update object due to concurrent update" and runs nothing;
/// the same request sent again is carried out.
#[tokio::test]
async fn conflict_once_answers_code_35_once_without_running_fact_13() {
    let sb = start(|c| c.conflict_once = vec!["createFormation".into()]).await;
    let vars = json!({"f": {"name": "Raced", "templateName": TC}});
    let b = sb.gql(CREATE, vars.clone()).await;
    assert_eq!(
        only_error(&b),
        (
            35,
            "Could not update object due to concurrent update".into()
        )
    );
    let (_, b) = sb
        .gql_as(
            TOKEN,
            "query { formationByName(name: \"Raced\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(only_error(&b).0, 20, "nothing was created: {b}");
    let b = sb.gql(CREATE, vars).await;
    assert!(b.get("errors").is_none(), "{b}");
}

/// Fact 12, §4.5 step 7: `--slow-assign SYSTEM=SECONDS[:fail]` stores the assignment at
/// once (a read during the call sees it INITIAL), the notifications take SECONDS inside
/// the call, then the assignment is READY, or with `:fail` deleted again and the call
/// fails with the reason (code 10).
#[tokio::test]
async fn slow_assign_is_visible_at_once_then_ready_or_failed_and_deleted_fact_12() {
    let slow = |spec: &str| sandbox::parse_slow(spec).expect("spec");
    let sb = start(|c| {
        c.slow_assign = vec![slow("s4-legacy=0.6:fail"), slow("tc-1=0.6")];
    })
    .await;
    let b = sb
        .gql(CREATE, json!({"f": {"name": "TC Two", "templateName": TC}}))
        .await;
    assert!(b.get("errors").is_none(), "{b}");
    let members = |b: &Value| -> Vec<(String, String)> {
        b["data"]["formationByName"]["formationAssignments"]["data"]
            .as_array()
            .expect("assignments")
            .iter()
            .filter(|a| a["source"] == a["target"])
            .map(|a| {
                (
                    a["source"].as_str().unwrap_or_default().to_owned(),
                    a["state"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    const READ: &str = "query($n: String!) { formationByName(name: $n) { formationAssignments { data { source target state } } } }";
    for (system, formation, fails) in [("s4-legacy", "TC Zero", true), ("tc-1", "TC Two", false)] {
        let assign = sb.gql(ASSIGN, json!({"id": system, "f": {"name": formation}}));
        let look = async {
            tokio::time::sleep(Duration::from_millis(250)).await;
            sb.gql(READ, json!({"n": formation})).await
        };
        let (answer, during) = tokio::join!(assign, look);
        assert!(
            members(&during).contains(&(system.to_owned(), "INITIAL".to_owned())),
            "{system} visible at once: {during}"
        );
        let after = members(&sb.gql(READ, json!({"n": formation})).await);
        if fails {
            let (code, message) = only_error(&answer);
            assert_eq!(code, 10, "{answer}");
            assert!(message.contains("notifications"), "{message}");
            assert!(
                !after.iter().any(|(s, _)| s == system),
                "deleted again: {after:?}"
            );
        } else {
            assert!(answer.get("errors").is_none(), "{answer}");
            assert!(
                after.contains(&(system.to_owned(), "READY".to_owned())),
                "{after:?}"
            );
        }
    }
}

fn base64_json(text: &str) -> Value {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_else(|e| panic!("{text:?} is not base64: {e}"));
    serde_json::from_slice(&bytes).expect("JSON inside")
}

/// Fact 14 (`onetimetoken/service.go:344-388`): with the header `suggest_token: true` the
/// `token` is the form a system pastes, base64 of JSON with the token and the connector
/// URL; `rawEncoded` always is. Without the header `token` is the plain token.
#[tokio::test]
async fn suggest_token_answers_the_pasteable_token_fact_14() {
    let sb = start(|_| {}).await;
    const REQUEST: &str = "mutation { requestOneTimeTokenForApplication(id: \"s4-ok\") { token rawEncoded connectorURL } }";
    let ask = |suggest: bool| {
        let mut req = sb
            .http
            .post(sb.handle.url())
            .bearer_auth(TOKEN)
            .header("Tenant", "t-1")
            .header("content-type", "application/json")
            .body(json!({"query": REQUEST}).to_string());
        if suggest {
            req = req.header("suggest_token", "true");
        }
        req.send()
    };
    let b: Value = ask(true).await.expect("answer").json().await.expect("json");
    let t = &b["data"]["requestOneTimeTokenForApplication"];
    let connector = t["connectorURL"].as_str().expect("connector URL");
    let inside = base64_json(t["token"].as_str().expect("token"));
    assert_eq!(inside["connectorURL"], connector, "{inside}");
    assert!(inside["token"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(t["rawEncoded"], t["token"]);

    let b: Value = ask(false)
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    let t = &b["data"]["requestOneTimeTokenForApplication"];
    let plain = t["token"].as_str().expect("token");
    assert_eq!(
        base64_json(t["rawEncoded"].as_str().expect("raw"))["token"],
        plain
    );
}

/// §1.1 (`application/resolver.go:884-914`): a system without any auth answers `auths: []`,
/// not null.
#[tokio::test]
async fn auths_of_a_system_without_a_token_is_an_empty_list_s1_1() {
    let sb = start(|_| {}).await;
    let b = sb
        .gql_as(
            ADMIN,
            "query { applications(first: 100) { data { id auths { id } } } }",
            json!({}),
        )
        .await
        .1;
    let apps = b["data"]["applications"]["data"].as_array().expect("apps");
    let tc = apps.iter().find(|a| a["id"] == "tc-0").expect("tc-0");
    assert_eq!(tc["auths"], json!([]), "{tc}");
}

/// §1.1 (normaliser `normalizer.go:31-56`) and §5.1: names that normalise alike (`mp-`
/// once, lower case, other characters to `-`, runs collapsed, no trailing `-`) are one
/// name to the Director: the second registration is code 31.
#[tokio::test]
async fn names_that_normalise_alike_are_not_unique_s1_1_s5_1() {
    let sb = start(|_| {}).await;
    const REGISTER: &str =
        "mutation($in: ApplicationRegisterInput!) { registerApplication(in: $in) { id name } }";
    let register = |name: &str| {
        sb.gql(
            REGISTER,
            json!({"in": {"name": name, "labels": {"applicationType": "SAP S/4HANA Cloud"}}}),
        )
    };
    let b = register("Sales EU (North)").await;
    assert!(b.get("errors").is_none(), "{b}");
    for same in ["mp-sales-eu-north", "SALES--EU  NORTH-", "sales eu north!"] {
        let b = register(same).await;
        assert_eq!(
            only_error(&b),
            (31, "Object name is not unique [object=application]".into()),
            "{same}"
        );
    }
}

/// §4.6 (`formationassignment/service.go:769-793`), §7: unassigning from a READY formation
/// sets the assignments `DELETING` first; they are gone once the receivers answered (here
/// after the assignment delay). Meanwhile the formation is not empty (§4.7).
#[tokio::test]
async fn unassign_goes_through_deleting_s4_6() {
    let sb = start(|c| c.ready_after = Duration::from_millis(400)).await;
    const READ: &str = "query { formationByName(name: \"TC Zero\") { formationAssignments { data { source target state } } } }";
    let states = |b: &Value| -> Vec<(String, String)> {
        b["data"]["formationByName"]["formationAssignments"]["data"]
            .as_array()
            .expect("assignments")
            .iter()
            .filter(|a| a["source"] == a["target"])
            .map(|a| {
                (
                    a["source"].as_str().unwrap_or_default().to_owned(),
                    a["state"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let b = sb
        .gql(UNASSIGN, json!({"id": "s4-ok", "f": {"name": "TC Zero"}}))
        .await;
    assert!(b.get("errors").is_none(), "{b}");
    let during = states(&sb.gql(READ, json!({})).await);
    assert!(
        during.contains(&("s4-ok".to_owned(), "DELETING".to_owned())),
        "{during:?}"
    );
    tokio::time::sleep(Duration::from_millis(900)).await;
    let after = states(&sb.gql(READ, json!({})).await);
    assert!(!after.iter().any(|(s, _)| s == "s4-ok"), "{after:?}");
}

/// §1.3 (each assignment has its own `state` and `error`, the error a JSON string
/// `{"error":{"message":…,"errorCode":N}}`) and §4.5 step 8 (a receiver that reports an
/// error leaves that assignment in CREATE_ERROR and the mutation still succeeds):
/// `--fail-pair SOURCE=TARGET[:MESSAGE]` fails the one pair while the loops and the reverse
/// pair are READY; the status (§4.2) is ERROR with that one assignment; a resync (§4.8)
/// sends it again.
#[tokio::test]
async fn one_pair_fails_on_its_own_while_the_loops_are_ready_s1_3_s4_5() {
    let spec = sandbox::parse_pair("s4-legacy=tc-1:tc-1 refused the destination").expect("spec");
    assert_eq!(
        spec,
        (
            ("s4-legacy".to_owned(), "tc-1".to_owned()),
            "tc-1 refused the destination".to_owned()
        )
    );
    assert!(sandbox::parse_pair("s4-legacy").is_err());
    assert!(sandbox::parse_pair("=tc-1").is_err());
    let sb = start(|c| {
        c.ready_after = Duration::from_millis(100);
        c.fail_pairs = vec![spec];
    })
    .await;
    let id = sb.create("Pairs", TC).await;
    assert!(sb.assign("Pairs", "tc-1").await.get("errors").is_none());
    let answer = sb.assign("Pairs", "s4-legacy").await;
    assert!(
        answer.get("errors").is_none(),
        "the mutation succeeds: {answer}"
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    let b = sb.gql(STATUS, json!({"id": id})).await;
    let f = &b["data"]["formation"];
    let list = f["formationAssignments"]["data"].as_array().expect("list");
    assert_eq!(list.len(), 4, "{b}");
    let failed: Vec<&Value> = list.iter().filter(|a| a["state"] != "READY").collect();
    assert_eq!(failed.len(), 1, "only the one pair: {b}");
    let pair = failed[0];
    assert_eq!(
        (&pair["source"], &pair["target"]),
        (&json!("s4-legacy"), &json!("tc-1"))
    );
    assert_eq!(pair["state"], "CREATE_ERROR");
    let detail: Value = serde_json::from_str(pair["error"].as_str().expect("error")).expect("json");
    assert_eq!(
        detail,
        json!({"error": {"message": "tc-1 refused the destination", "errorCode": 2}})
    );
    assert_eq!(f["status"]["condition"], "ERROR", "{b}");
    let errors = f["status"]["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{b}");
    assert_eq!(errors[0]["assignmentID"], pair["id"]);
    assert_eq!(errors[0]["message"], "tc-1 refused the destination");
    let condition = |b: &Value| b["data"]["formation"]["status"]["condition"].clone();
    // The receiver accepts it now: a re-assign re-processes the one assignment that is not
    // READY (§4.5, idempotency).
    sb.handle.fail_pair("s4-legacy", "tc-1", None);
    assert!(
        sb.assign("Pairs", "s4-legacy")
            .await
            .get("errors")
            .is_none()
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    let b = sb.gql(STATUS, json!({"id": id})).await;
    assert_eq!(condition(&b), "READY", "{b}");
    // A resync re-sends failed assignments only (§4.8): READY ones stay READY even though
    // the receiver would now refuse.
    sb.handle
        .fail_pair("s4-legacy", "tc-1", Some("refused again"));
    let resync =
        "mutation($id: ID!) { resynchronizeFormationNotifications(formationID: $id) { state } }";
    assert!(
        sb.gql(resync, json!({"id": id}))
            .await
            .get("errors")
            .is_none()
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(condition(&sb.gql(STATUS, json!({"id": id})).await), "READY");
    // Out and in again, it fails; with the receiver fixed, a resync sends it again.
    let out = sb
        .gql(UNASSIGN, json!({"id": "s4-legacy", "f": {"name": "Pairs"}}))
        .await;
    assert!(out.get("errors").is_none(), "{out}");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(
        sb.assign("Pairs", "s4-legacy")
            .await
            .get("errors")
            .is_none()
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    let b = sb.gql(STATUS, json!({"id": id})).await;
    assert_eq!(condition(&b), "ERROR", "{b}");
    assert_eq!(
        b["data"]["formation"]["status"]["errors"][0]["message"],
        "refused again"
    );
    sb.handle.fail_pair("s4-legacy", "tc-1", None);
    assert!(
        sb.gql(resync, json!({"id": id}))
            .await
            .get("errors")
            .is_none()
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    let b = sb.gql(STATUS, json!({"id": id})).await;
    assert_eq!(condition(&b), "READY", "{b}");
}

/// Fact 15 (`formationconstraint/repository.go` ListMatchingFormationConstraints) and §1.2
/// (`formationConstraints` = the template's own plus every GLOBAL one): a GLOBAL constraint
/// on subtype `ANY` (`--global-constraint`) is listed by every template, by the
/// `formationConstraints` queries (director-api.md §1, scope `formation_constraint:read`,
/// §2.3), and enforced on assign for a system type no template constraint names (§4.5 step
/// 4), refused in the words of §6.3.
#[tokio::test]
async fn global_any_constraints_are_listed_everywhere_and_enforced_on_assign_fact_15() {
    let global = sandbox::parse_global_constraint(
        r#"{"operator":"IsNotAssignedToAnyFormationOfType","system_types":["ANY"]}"#,
    )
    .expect("spec");
    assert!(
        sandbox::parse_global_constraint(
            r#"{"operator":"RequiresRegistrationStatus","system_type":"ANY","status":"Registered"}"#
        )
        .is_err()
    );
    assert!(sandbox::parse_global_constraint("not json").is_err());
    let sb = start(|c| c.global_constraints = vec![global]).await;
    let name = "global:IsNotAssignedToAnyFormationOfType:ANY";
    let b = sb
        .gql("query { formationTemplates(first: 50) { data { id name formationConstraints { name operator resourceType resourceSubtype constraintScope constraintType targetOperation inputTemplate } } } }", json!({}))
        .await;
    let templates = b["data"]["formationTemplates"]["data"]
        .as_array()
        .expect("templates");
    assert!(templates.len() > 2, "{b}");
    for t in templates {
        let listed: Vec<&Value> = t["formationConstraints"]
            .as_array()
            .expect("constraints")
            .iter()
            .filter(|c| c["constraintScope"] == "GLOBAL")
            .collect();
        assert_eq!(listed.len(), 1, "{}: {listed:?}", t["name"]);
        let c = listed[0];
        assert_eq!(c["name"], name);
        assert_eq!(c["operator"], "IsNotAssignedToAnyFormationOfType");
        assert_eq!(c["resourceType"], "APPLICATION");
        assert_eq!(c["resourceSubtype"], "ANY");
        assert_eq!(c["constraintType"], "PRE");
        assert_eq!(c["targetOperation"], "ASSIGN_FORMATION");
    }
    // The root queries need formation_constraint:read, which ordinary credentials lack.
    const ALL: &str = "query { formationConstraints { name constraintScope } }";
    let (_, b) = sb.gql_as(TOKEN, ALL, json!({})).await;
    assert_eq!(only_error(&b).0, 23, "{b}");
    let (_, b) = sb.gql_as(ADMIN, ALL, json!({})).await;
    let all = b["data"]["formationConstraints"].as_array().expect("all");
    let globals = all
        .iter()
        .filter(|c| c["constraintScope"] == "GLOBAL")
        .count();
    assert_eq!(globals, 1, "the GLOBAL one once: {b}");
    assert!(
        all.iter().any(
            |c| c["name"] == constraint("IsNotAssignedToAnyFormationOfType", "SAP Task Center")
        )
    );
    const BY_TYPE: &str = "query($id: ID!) { formationConstraintsByFormationType(formationTemplateID: $id) { name constraintScope } }";
    let (_, b) = sb
        .gql_as(ADMIN, BY_TYPE, json!({"id": "sap-task-center"}))
        .await;
    let names: Vec<&str> = b["data"]["formationConstraintsByFormationType"]
        .as_array()
        .expect("by type")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.contains(&name) && names.len() == 4, "{names:?}");
    let (_, b) = sb
        .gql_as(ADMIN, BY_TYPE, json!({"id": "no-such-template"}))
        .await;
    assert_eq!(only_error(&b).0, 20, "{b}");
    // s4-ok is in TC Zero; the template exempts S/4HANA Cloud, the global ANY one does not.
    sb.create("TC Two", TC).await;
    let (code, message) = only_error(&sb.assign("TC Two", "s4-ok").await);
    assert_eq!(code, 10);
    assert_eq!(
        internal_reason(&message),
        format!(
            "while enforcing constraints for target operation \"ASSIGN_FORMATION\" and constraint type \"PRE\": 1 error occurred:\n\t* Formation constraint \"{name}\" is not satisfied due to: Operator \"IsNotAssignedToAnyFormationOfType\" is not satisfied\n\n"
        )
    );
    // A Task Center in another one breaks the template's constraint and the global one:
    // both are evaluated, both reported (§4.5 step 4, §6.3).
    let (code, message) = only_error(&sb.assign("TC Two", "tc-0").await);
    assert_eq!(code, 10);
    let reason = internal_reason(&message);
    assert!(reason.contains("2 errors occurred"), "{reason}");
    for c in [
        constraint("IsNotAssignedToAnyFormationOfType", "SAP Task Center"),
        name.to_owned(),
    ] {
        assert!(
            reason.contains(&format!("Formation constraint \"{c}\" is not satisfied")),
            "{c}: {reason}"
        );
    }
    // A system in no formation of the type still joins.
    let b = sb.assign("TC Two", "s4-legacy").await;
    assert!(b.get("errors").is_none(), "{b}");
}
