//! Issue 14, the network side: each attack the adversarial run found against the sandbox
//! and the Director client, reproduced, with the fix asserted. Everything listens on
//! 127.0.0.1 only; connection counts and waits are bounded.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::*;
use formation_wizard::backend::LocalBackend;
use formation_wizard::backend::director::auth::{Auth, Credentials, ServiceKey};
use formation_wizard::backend::director::profile::DirectorArgs;
use formation_wizard::backend::{Backend, Progress};
use formation_wizard::catalog::Catalog;
use formation_wizard::ops::End;
use formation_wizard::plan::FormationPlan;
use formation_wizard::sandbox::{self, SandboxConfig, SandboxError};
use secrecy::{ExposeSecret, SecretString};
use tokio::io::AsyncWriteExt;

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Posts a GraphQL document with the test token and a tenant.
async fn gql(url: &str, query: &str) -> (u16, serde_json::Value) {
    let answer = http()
        .post(url)
        .bearer_auth(TOKEN)
        .header("Tenant", "t")
        .json(&serde_json::json!({ "query": query }))
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let body = answer.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or_default())
}

fn formations(path: &std::path::Path) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["formations"].as_array().unwrap().clone()
}

// Why 1: 30 sandbox creates beside 30 local creates on one file lose no write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn why1_sandbox_and_local_creates_at_once_lose_no_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(30));
    let sb = start(&path, |_| {}).await;
    let url = sb.url();
    let mut tasks = Vec::new();
    for i in 0..30 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let (status, body) = gql(
                &url,
                &format!(
                    r#"mutation {{ createFormation(formation: {{name: "Sandbox {i}"}}) {{ id }} }}"#
                ),
            )
            .await;
            status == 200 && body.get("errors").is_none()
        }));
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            let plan = FormationPlan {
                name: format!("Local {i}"),
                type_id: "kyma-side-by-side-extensibility".into(),
                systems: vec![format!("s4-{i}")],
            };
            let local = LocalBackend::new(path, false);
            let out = create(&local, &plan, &catalog(), &Progress::none()).await;
            matches!(out.end, End::Created)
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap(), "a create reported failure");
    }
    // The one formation the landscape started with, and all 60.
    assert_eq!(formations(&path).len(), 61);
}

// Why 1: a sandbox assign is checked against the file as it is under the lock, so a Task
// Center system a local create took meanwhile is not taken twice.
#[tokio::test]
async fn why1_a_sandbox_assign_sees_a_local_create_made_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(3));
    let sb = start(&path, |_| {}).await;
    let (_, created) = gql(
        &sb.url(),
        r#"mutation { createFormation(formation: {name: "TC Race", templateName: "Integration with Customer-Managed SAP Task Center"}) { id } }"#,
    )
    .await;
    assert!(created.get("errors").is_none(), "{created}");
    let plan = FormationPlan {
        name: "TC Local".into(),
        type_id: "sap-task-center".into(),
        systems: vec!["tc-1".into(), "s4-1".into()],
    };
    let local = LocalBackend::new(path.clone(), false);
    let out = create(&local, &plan, &catalog(), &Progress::none()).await;
    assert!(matches!(out.end, End::Created), "{out:?}");
    // Reads show the local create too, not the sandbox's old copy.
    let (_, read) = gql(
        &sb.url(),
        r#"{ formationByName(name: "TC Local") { name } }"#,
    )
    .await;
    assert_eq!(
        read["data"]["formationByName"]["name"], "TC Local",
        "{read}"
    );
    let (_, assigned) = gql(
        &sb.url(),
        r#"mutation { assignFormation(objectID: "tc-1", objectType: APPLICATION, formation: {name: "TC Race"}) { id } }"#,
    )
    .await;
    assert!(assigned.get("errors").is_some(), "{assigned}");
    let holders = formations(&path)
        .into_iter()
        .filter(|f| f["systems"].as_array().unwrap().iter().any(|s| s == "tc-1"))
        .count();
    assert_eq!(holders, 1);
}

// Why 2: 100 aliases of a fragment with 1,000 `labels` aliases is refused before it runs.
#[tokio::test]
async fn why2_an_amplifying_query_is_refused_cheaply() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(50));
    let sb = start(&path, |_| {}).await;
    let labels: String = (0..1000).map(|i| format!("l{i}: labels ")).collect();
    let roots: String = (0..100)
        .map(|i| format!("a{i}: applications {{ data {{ ...F }} }} "))
        .collect();
    let query = format!("query {{ {roots} }} fragment F on Application {{ {labels} }}");
    assert!(query.len() < 32 * 1024);
    let started = Instant::now();
    let (status, body) = gql(&sb.url(), &query).await;
    eprintln!("refused in {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(10));
    let text = body.to_string();
    assert!(text.len() < 4096, "answer of {} bytes", text.len());
    assert!(status >= 400, "{status}");
    assert!(text.to_lowercase().contains("complex"), "{text}");
    // 50,000 plain aliases (2 MB) are refused by size before they are parsed.
    let aliases: String = (0..50_000).map(|i| format!("x{i}: __typename ")).collect();
    let (status, _) = gql(&sb.url(), &format!("{{ {aliases} }}")).await;
    assert_eq!(status, 413);
}

// Why 3: a DNS-rebinding page cannot reach the sandbox under its own name.
#[tokio::test]
async fn why3_a_foreign_host_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(1));
    let sb = start(&path, |c| c.token = None).await;
    let before = std::fs::read(&path).unwrap();
    let answer = http()
        .post(sb.url())
        .header("Host", "rebind.attacker.example")
        .bearer_auth("anything")
        .header("Tenant", "x")
        .json(&serde_json::json!({ "query": r#"mutation { deleteFormation(formation: {name: "TC Zero"}) { id } }"# }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 421);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(sandbox::host_allowed(
        Some(&format!("localhost:{}", sb.addr.port())),
        sb.addr.port()
    ));
    assert!(!sandbox::host_allowed(Some("localhost:1"), sb.addr.port()));
}

// Why 3: an open sandbox never listens beyond loopback.
#[tokio::test]
async fn why3_an_open_sandbox_refuses_to_listen_beyond_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(1));
    let mut config = SandboxConfig::new(path);
    config.listen = "0.0.0.0:0".parse().unwrap();
    let refused = sandbox::start(config, catalog()).await;
    assert!(matches!(refused, Err(SandboxError::OpenBeyondLoopback(_))));
}

// Why 3: the `sandbox` command without --token generates one and requires it.
#[test]
fn why3_the_sandbox_command_without_a_token_generates_one() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(1));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_formation-wizard"))
        .env("FORMATION_WIZARD_DATA_DIR", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("FORMATION_WIZARD_PROFILE")
        .args(["sandbox", "--listen", "127.0.0.1:0", "--landscape"])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines: Vec<String> = std::io::BufReader::new(stdout)
        .lines()
        .take(3)
        .map(|l| l.unwrap())
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    let text = lines.join("\n");
    assert!(text.contains("a bearer token is required"), "{text}");
    assert!(text.contains("Bearer token for this run"), "{text}");
}

// Why 4: 1,100 connections that never finish their headers do not stop a normal request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn why4_half_sent_headers_do_not_starve_a_normal_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(1));
    let sb = start(&path, |c| {
        c.header_timeout = Duration::from_secs(1);
        c.max_connections = 256;
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..1100 {
        if let Ok(Ok(mut s)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(sb.addr),
        )
        .await
        {
            let _ = s
                .write_all(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .await;
            idle.push(s);
        }
    }
    assert!(idle.len() >= 1000, "only {} connections opened", idle.len());
    let started = Instant::now();
    let (status, body) = gql(&sb.url(), "{ formations(first: 10) { totalCount } }").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    // The server, not the client, ended the half-sent ones: reading one finds it closed.
    let mut first = idle.swap_remove(0);
    let mut buf = [0u8; 256];
    let closed = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::io::AsyncReadExt::read(&mut first, &mut buf),
    )
    .await;
    assert!(closed.is_ok(), "a half-sent connection was still open");
    drop(idle);
}

// Why 4: a large body without a valid token is refused from its headers, never buffered.
#[tokio::test]
async fn why4_unauthenticated_bodies_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(1));
    let sb = start(&path, |_| {}).await;
    for auth in ["Bearer wrong-token", ""] {
        let mut s = tokio::net::TcpStream::connect(sb.addr).await.unwrap();
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: {}\r\n{}Tenant: t\r\nContent-Type: application/json\r\nContent-Length: 1990000\r\n\r\n{{\"query\":\"",
            sb.addr,
            if auth.is_empty() {
                String::new()
            } else {
                format!("Authorization: {auth}\r\n")
            }
        );
        s.write_all(head.as_bytes()).await.unwrap();
        // The body is never sent: an answer can only come from the headers.
        let mut answer = vec![0u8; 64];
        let n = tokio::time::timeout(
            Duration::from_secs(3),
            tokio::io::AsyncReadExt::read(&mut s, &mut answer),
        )
        .await
        .expect("no answer before the body")
        .unwrap();
        let head = String::from_utf8_lossy(&answer[..n]);
        assert!(head.starts_with("HTTP/1.1 40"), "{head}");
    }
    // An authenticated one that declares more than the cap is refused the same way.
    let answer = http()
        .post(sb.url())
        .bearer_auth(TOKEN)
        .header("Tenant", "t")
        .body(vec![b' '; 300 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 413);
}

/// A token endpoint on 127.0.0.1 that answers `body` to every request.
async fn token_endpoint(body: &'static str) -> String {
    let app = axum::Router::new().route(
        "/oauth/token",
        axum::routing::post(move || async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn service_key(url: String) -> Credentials {
    Credentials::ClientCredentials(ServiceKey {
        client_id: "id".into(),
        client_secret: SecretString::from("secret".to_owned()),
        url,
        origin: "test".into(),
        scopes: Vec::new(),
    })
}

// Why 5: an `expires_in` of 2^64-1 is no panic; `BEARER` in capitals is a bearer token.
#[tokio::test]
async fn why5_a_hostile_expires_in_is_no_panic() {
    let url = token_endpoint(
        r#"{"access_token":"tok","token_type":"BEARER","expires_in":18446744073709551615}"#,
    )
    .await;
    let auth = Auth::new(service_key(url), reqwest::Client::new());
    let token = auth.token().await.unwrap();
    assert_eq!(token.expose_secret(), "tok");
    // Cached: the lifetime was believed (capped), not taken as already expired.
    assert_eq!(auth.token().await.unwrap().expose_secret(), "tok");
}

fn private_token_file(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("token");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(b"t0ken\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

fn director_args(url: &str, token_file: Option<std::path::PathBuf>) -> DirectorArgs {
    DirectorArgs {
        url: Some(url.into()),
        tenant: Some("t".into()),
        token_file,
        ..DirectorArgs::default()
    }
}

// Why 6: no bearer token over plain HTTP to another machine, no URL userinfo sent or shown.
#[test]
fn why6_credentials_never_travel_in_clear_or_from_userinfo() {
    let dir = tempfile::tempdir().unwrap();
    let token = private_token_file(dir.path());
    let e = director_args("http://192.0.2.2:4607/graphql", Some(token.clone()))
        .resolve()
        .unwrap_err();
    assert!(
        e.contains("plain HTTP") && e.contains("--insecure-http"),
        "{e}"
    );
    let mut lab = director_args("http://192.0.2.2:4607/graphql", Some(token.clone()));
    lab.insecure_http = true;
    assert!(lab.resolve().is_ok());
    let e = director_args(
        "https://alice:hunter2@director.example/graphql?token=abc",
        Some(token),
    )
    .resolve()
    .unwrap_err();
    assert!(e.contains("user name or password"), "{e}");
    assert!(!e.contains("hunter2") && !e.contains("token=abc"), "{e}");
    // A service key whose url is plain HTTP to another machine.
    let key = dir.path().join("key.json");
    std::fs::write(
        &key,
        r#"{"clientid":"c","clientsecret":"s","url":"http://192.0.2.2/uaa"}"#,
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut args = director_args("https://director.example/graphql", None);
    args.service_key = Some(key);
    let e = args.resolve().unwrap_err();
    assert!(e.contains("service key") && e.contains("plain HTTP"), "{e}");
}

/// A fake Director whose `applications` pages never end: `cursor(n)` is the n-th cursor.
async fn endless_director(cursor: fn(usize) -> String) -> String {
    lying_director(cursor, 3, Default::default()).await
}

/// `endless_director` that claims `total` in all and counts the calls in `calls`.
async fn lying_director(
    cursor: fn(usize) -> String,
    total: i64,
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> String {
    use std::sync::atomic::Ordering;
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(move |body: String| {
            let calls = calls.clone();
            async move {
                let empty = |field: &str| {
                    serde_json::json!({ "data": { field: {
                        "data": [], "pageInfo": { "endCursor": "", "hasNextPage": false }, "totalCount": 0
                    }}})
                };
                let answer = if body.contains("applications") {
                    let n = calls.fetch_add(1, Ordering::SeqCst);
                    serde_json::json!({ "data": { "applications": {
                        "data": [], "pageInfo": { "endCursor": cursor(n), "hasNextPage": true }, "totalCount": total
                    }}})
                } else if body.contains("formationTemplates") {
                    empty("formationTemplates")
                } else {
                    empty("formations")
                };
                axum::Json(answer)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/graphql")
}

async fn load_from(url: String) -> Result<(), String> {
    load_with(url, fast_options()).await
}

async fn load_with(
    url: String,
    options: formation_wizard::backend::director::client::Options,
) -> Result<(), String> {
    let backend = formation_wizard::backend::director::DirectorBackend::connect(
        formation_wizard::backend::director::profile::Connection {
            url,
            tenant: "t".into(),
            credentials: token(TOKEN),
        },
        options,
    )
    .unwrap();
    tokio::time::timeout(
        Duration::from_secs(10),
        backend.load(&catalog(), &Progress::none()),
    )
    .await
    .map_err(|_| "still paging after 10 s".to_owned())?
    .map(|_| ())
    .map_err(|e| e.to_string())
}

// Why 7: alternating cursors and ever-new cursors both end the read with an error.
#[tokio::test]
async fn why7_endless_pagination_ends() {
    let alternating = load_from(endless_director(|n| ["a", "b"][n % 2].into()).await).await;
    let e = alternating.unwrap_err();
    assert!(e.contains("cursor it had given before"), "{e}");
    let increasing = load_from(endless_director(|n| n.to_string()).await).await;
    let e = increasing.unwrap_err();
    assert!(e.contains("counted 3 in all"), "{e}");
}

/// Issue 23, Why 2: a Director that claims `totalCount` 2147483647 and hands out a new
/// cursor with every page is stopped by what the client has seen: a 100 KB cursor at
/// once; short fresh ones after the pages the largest plausible landscape needs (here
/// `max_items` 1,000 in pages of 100: 20 pages). Memory stays bounded because the pages
/// asked for are, and no cursor is kept.
#[tokio::test]
async fn why23_2_a_lying_total_count_does_not_keep_the_client_paging() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let calls = Arc::new(AtomicUsize::new(0));
    let url = lying_director(
        |n| format!("{n:08}").repeat(12_800),
        2_147_483_647,
        calls.clone(),
    )
    .await;
    let e = load_from(url).await.unwrap_err();
    assert!(
        e.contains("Director's fault") && e.contains("102400 bytes"),
        "{e}"
    );
    assert!(
        calls.load(Ordering::SeqCst) <= 2,
        "{calls:?} pages asked for"
    );

    let calls = Arc::new(AtomicUsize::new(0));
    let url = lying_director(|n| format!("cursor-{n:08}"), 2_147_483_647, calls.clone()).await;
    let options = formation_wizard::backend::director::client::Options {
        max_items: 1_000,
        ..fast_options()
    };
    let e = load_with(url, options).await.unwrap_err();
    assert!(
        e.contains("Director's fault") && e.contains("landscape of 1000 items"),
        "{e}"
    );
    let asked = calls.load(Ordering::SeqCst);
    assert!((20..=22).contains(&asked), "{asked} pages asked for");
}

// Why 9: an answer larger than the cap is refused, not buffered.
#[tokio::test]
async fn why9_an_oversized_answer_is_refused() {
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(|| async {
            let size = formation_wizard::backend::director::client::MAX_ANSWER_BYTES + 1;
            vec![b' '; size]
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let e = load_from(format!("http://{addr}/graphql"))
        .await
        .unwrap_err();
    assert!(e.contains("larger than"), "{e}");
}

// Why 9: a 1 MB server error message is cut with a note.
#[test]
fn why9_a_huge_server_error_is_cut_with_a_note() {
    let message = "x".repeat(1024 * 1024);
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "error_code": 10 } }], "data": null });
    let e = formation_wizard::backend::director::response::decode::<serde_json::Value>(
        &serde_json::to_vec(&body).unwrap(),
        "https://director.example/graphql",
    )
    .unwrap_err();
    let text = format!("{e:?}");
    assert!(text.len() < 3000, "{} bytes", text.len());
    assert!(text.contains("more characters cut"), "{text}");
}

// Why 9: --max-page 4294967296 is a usage error, not a panic under the store lock.
#[tokio::test]
async fn why9_an_out_of_range_max_page_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(1));
    let mut config = SandboxConfig::new(path.clone());
    config.max_page = 4_294_967_296;
    assert!(matches!(
        sandbox::start(config, catalog()).await,
        Err(SandboxError::MaxPage(4_294_967_296))
    ));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_formation-wizard"))
        .env("FORMATION_WIZARD_DATA_DIR", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("FORMATION_WIZARD_PROFILE")
        .args([
            "sandbox",
            "--no-auth",
            "--listen",
            "127.0.0.1:0",
            "--max-page",
            "4294967296",
            "--landscape",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Sends the headers of `POST path` with `Content-Length: 16000`, then one byte every 4 s,
/// as the attack did; ends when the server closes the connection or after 40 s.
async fn trickle(addr: std::net::SocketAddr, path: &'static str) {
    use tokio::io::AsyncReadExt;
    let Ok(Ok(mut s)) =
        tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(addr)).await
    else {
        return;
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 16000\r\n\r\ng"
    );
    if s.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let (mut read, mut write) = s.split();
    let mut answer = Vec::new();
    let closed = async {
        // The answer, then the end of the stream when the server closes it.
        let _ = read.read_to_end(&mut answer).await;
    };
    let trickling = async {
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_secs(4)).await;
            if write.write_all(b"r").await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        _ = closed => {}
        _ = trickling => {}
    }
}

/// Issue 23, Why 1: 530 connections trickle bodies a byte every 4 s (half to
/// `/oauth/token`, half unauthenticated to `/graphql`), on a sandbox with an OAuth client
/// and on one without. A normal `POST /graphql` is answered
/// meanwhile: no OAuth client, or wrong Basic credentials, answer from the headers; a form
/// with the credentials in it gets one of a few pre-authentication slots per client and a
/// deadline for the whole body, and the rest are refused at once, closing their connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn why23_1_trickling_token_bodies_do_not_lock_anyone_out() {
    for oauth in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let path = write_landscape(dir.path(), &landscape(1));
        let sb = start(&path, |c| {
            if oauth {
                c.oauth_client = Some(("client".into(), "secret".into()));
            }
        })
        .await;
        let attackers: Vec<_> = (0..530)
            .map(|i| {
                tokio::spawn(trickle(
                    sb.addr,
                    if i % 2 == 0 {
                        "/oauth/token"
                    } else {
                        "/graphql"
                    },
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let started = Instant::now();
        let (status, body) = gql(&sb.url(), "{ formations(first: 10) { totalCount } }").await;
        assert_eq!(status, 200, "oauth {oauth}: {body}");
        eprintln!(
            "oauth {oauth}: a normal request answered in {:?} beside 530 trickling bodies",
            started.elapsed()
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "oauth {oauth}: answered after {:?}",
            started.elapsed()
        );
        // The attack's connections were ended by the server, not left to trickle on.
        tokio::time::sleep(Duration::from_secs(7)).await;
        let still = attackers.iter().filter(|a| !a.is_finished()).count();
        assert_eq!(
            still, 0,
            "oauth {oauth}: {still} trickling connections still open"
        );
        for a in attackers {
            a.abort();
        }
    }
}

/// Issue 23, Why 9: the pairing route needs the sandbox's token, refuses a page of another
/// origin, and pairs at most one system per moment; beyond loopback every route, the
/// playground too, needs the token.
#[tokio::test]
async fn why23_9_pairing_needs_the_token_refuses_other_origins_and_is_paced() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(1));
    let sb = start(&path, |_| {}).await;
    let pair = |bearer: Option<&str>, origin: Option<&str>| {
        let mut r = http().post(format!("http://{}/sandbox/pair/s4-0", sb.addr));
        if let Some(b) = bearer {
            r = r.bearer_auth(b);
        }
        if let Some(o) = origin {
            r = r.header("Origin", o);
        }
        r.send()
    };
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(status(pair(None, None).await.unwrap()), 401, "no token");
    assert_eq!(status(pair(Some("wrong"), None).await.unwrap()), 401);
    assert_eq!(
        status(
            pair(Some(TOKEN), Some("http://evil.example"))
                .await
                .unwrap()
        ),
        403,
        "a web page of another origin"
    );
    let own = format!("http://{}", sb.addr);
    // s4-0 has no token to pair with: 409 says the request got past every check.
    assert_eq!(status(pair(Some(TOKEN), Some(&own)).await.unwrap()), 409);
    assert_eq!(
        status(pair(Some(TOKEN), None).await.unwrap()),
        429,
        "a second pairing at once waits its turn"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(status(pair(Some(TOKEN), None).await.unwrap()), 409);
    // A cross-origin POST /graphql is refused too, before the body.
    let answer = http()
        .post(sb.url())
        .header("Origin", "http://evil.example")
        .bearer_auth(TOKEN)
        .header("Tenant", "t")
        .json(&serde_json::json!({ "query": "{ formations(first: 1) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 403);

    // Listening on every address (reached here through loopback only): the playground
    // and the pairing route need the token as /graphql does.
    let mut config = SandboxConfig::new(path.clone());
    config.listen = "0.0.0.0:0".parse().unwrap();
    config.token = Some(TOKEN.into());
    let wide = sandbox::start(config, catalog()).await.unwrap();
    let local = format!("127.0.0.1:{}", wide.addr.port());
    let playground = http()
        .get(format!("http://{local}/graphql"))
        .send()
        .await
        .unwrap();
    assert_eq!(playground.status().as_u16(), 401);
    let playground = http()
        .get(format!("http://{local}/graphql"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(playground.status().as_u16(), 200);
    let paired = http()
        .post(format!("http://{local}/sandbox/pair/s4-0"))
        .send()
        .await
        .unwrap();
    assert_eq!(paired.status().as_u16(), 401);
}

/// Issue 23, Why 10: a foreign Host is refused with 421 on every route, before anything
/// else (a token is not issued, the playground not served, nothing paired).
#[tokio::test]
async fn why23_10_a_foreign_host_is_refused_on_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_landscape(dir.path(), &landscape(1));
    let sb = start(&path, |c| {
        c.oauth_client = Some(("client".into(), "secret".into()));
    })
    .await;
    let foreign = format!("attacker.example:{}", sb.addr.port());
    let base = format!("http://{}", sb.addr);
    let routes = [
        (reqwest::Method::POST, "/graphql"),
        (reqwest::Method::GET, "/graphql"),
        (reqwest::Method::POST, "/oauth/token"),
        (reqwest::Method::POST, "/oauth2/token"),
        (reqwest::Method::POST, "/sandbox/pair/s4-0"),
    ];
    for (method, route) in routes {
        let answer = http()
            .request(method.clone(), format!("{base}{route}"))
            .header("Host", &foreign)
            .basic_auth("client", Some("secret"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 421, "{method} {route}");
    }
    // The same token request naming this server is answered.
    let issued = http()
        .post(format!("{base}/oauth/token"))
        .basic_auth("client", Some("secret"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status().as_u16(), 200);
}
