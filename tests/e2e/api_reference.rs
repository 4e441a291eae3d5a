//! docs/API.md is the API's reference; this keeps it true. Every route it lists (a list item
//! that begins ``- `METHOD /path` *access*``) is sent to a running server without a token and,
//! for routes that need one, with another role's token (an organizer's for a participant's or
//! a live final's phone's route, a participant's for an organizer's): the router must know it (no bare 404,
//! no 405), and the access must be the documented one (401 without a token, 403 with the other
//! role's). And every route the server's source declares (`.route("/path", get(…).post(…))`)
//! must be listed, so a new route cannot go undocumented.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::TestApp;

/// Who may call a route, as docs/API.md writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Access {
    Public,
    Participant,
    Organizer,
    /// A live final's seat or audience member (`*seat or audience*`).
    Player,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct DocumentedRoute {
    method: String,
    path: String,
    access: Access,
    line: usize,
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the server package sits in the workspace")
        .to_owned()
}

/// The routes docs/API.md lists, in its notation. A line that starts like a route but lacks
/// the access marker is an error, so the notation cannot drift.
fn documented_routes(text: &str) -> Vec<DocumentedRoute> {
    let mut routes = Vec::new();
    let mut in_code_block = false;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim_start().starts_with("```") {
            in_code_block = !in_code_block;
            continue;
        }
        if in_code_block {
            continue;
        }
        let Some(rest) = line.strip_prefix("- `") else {
            continue;
        };
        let Some((route, after)) = rest.split_once('`') else {
            continue;
        };
        let Some((method, path)) = route.split_once(' ') else {
            continue;
        };
        if !METHODS.contains(&method) {
            continue;
        }
        assert!(
            path.starts_with('/') && !path.contains(' ') && !path.contains('?'),
            "docs/API.md:{number}: `{route}` is not `METHOD /path` (the query goes in the text)"
        );
        let access = after
            .strip_prefix(" *")
            .and_then(|marker| marker.split_once('*'))
            .map(|(access, _)| access);
        let access = match access {
            Some("public") => Access::Public,
            Some("participant") => Access::Participant,
            Some("organizer") => Access::Organizer,
            Some("seat or audience") => Access::Player,
            other => panic!(
                "docs/API.md:{number}: `{route}` must be followed by *public*, *participant*, \
                 *organizer* or *seat or audience*, found {other:?}"
            ),
        };
        routes.push(DocumentedRoute {
            method: method.to_owned(),
            path: path.to_owned(),
            access,
            line: number,
        });
    }
    routes
}

/// Every `.route("/path", get(…).post(…))` in the server's source, as (METHOD, path).
fn declared_routes() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    collect_rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut routes = BTreeSet::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("a source file reads");
        // Comment lines may mention `.route(` without declaring anything.
        let code: String = source
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut rest = code.as_str();
        while let Some(at) = rest.find(".route(") {
            let call = call_arguments(&rest[at + ".route(".len()..]);
            let path = call
                .split('"')
                .nth(1)
                .unwrap_or_else(|| panic!("{}: a .route( without a path literal", file.display()));
            let methods: Vec<&str> = ["get", "post", "put", "delete", "patch"]
                .into_iter()
                .filter(|method| calls(call, method))
                .collect();
            assert!(
                !methods.is_empty(),
                "{}: cannot tell the methods of the route {path}",
                file.display()
            );
            for method in methods {
                routes.insert((method.to_ascii_uppercase(), path.to_owned()));
            }
            rest = &rest[at + ".route(".len() + call.len()..];
        }
    }
    routes
}

fn collect_rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the source folder reads") {
        let path = entry.expect("a source entry").path();
        if path.is_dir() {
            collect_rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The text of a call's arguments, up to its closing parenthesis (string literals skipped).
fn call_arguments(text: &str) -> &str {
    let mut depth = 1;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[..i];
                }
            }
            _ => {}
        }
    }
    text
}

/// Whether `call` calls `name(` as a word (`get(` or `.post(`, not `target(`).
fn calls(call: &str, name: &str) -> bool {
    let needle = format!("{name}(");
    call.match_indices(&needle).any(|(at, _)| {
        call[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

/// The path with its parameters filled with values the router accepts.
fn concrete(route: &DocumentedRoute) -> String {
    route
        .path
        .split('/')
        .map(|segment| match segment {
            "{id}" | "{no}" => "1",
            "{file}" => "companies.csv",
            "{*path}" => "app/app.js",
            s if s.contains('{') => panic!(
                "docs/API.md:{}: no test value for the parameter {s}; add one in \
                 tests/e2e/api_reference.rs",
                route.line
            ),
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Sends the route (no body) and returns the status and body text.
async fn send(app: &TestApp, route: &DocumentedRoute, token: Option<&str>) -> (StatusCode, String) {
    let method = Method::from_bytes(route.method.as_bytes()).expect("a method");
    let mut request = app.client.request(method, app.url(&concrete(route)));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// The router's own refusals carry no body: 404 for a path no route matches, 405 for a method
/// the path does not take. The application's 404 carries `{"error": …}`.
fn assert_the_router_knows(route: &DocumentedRoute, status: StatusCode, body: &str) {
    let what = format!(
        "docs/API.md:{}: {} {}",
        route.line, route.method, route.path
    );
    assert_ne!(
        status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{what}: the server does not take this method"
    );
    if status == StatusCode::NOT_FOUND {
        let json: Option<Value> = serde_json::from_str(body).ok();
        assert!(
            json.as_ref()
                .is_some_and(|j| j["error"]["code"].is_string()),
            "{what}: the router does not know this route (a bare 404: {body:?})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_is_served_with_its_documented_access_and_every_route_is_documented()
{
    let text = std::fs::read_to_string(repository().join("docs/API.md")).expect("docs/API.md");
    let documented = documented_routes(&text);
    assert!(
        documented.len() >= 20,
        "docs/API.md lists only {} routes: has the notation changed?",
        documented.len()
    );
    let mut seen = BTreeSet::new();
    for route in &documented {
        assert!(
            seen.insert((route.method.clone(), route.path.clone())),
            "docs/API.md:{}: {} {} is listed twice",
            route.line,
            route.method,
            route.path
        );
    }

    // Both directions against the source: nothing undocumented, nothing documented that the
    // source does not declare.
    let declared = declared_routes();
    let undocumented: Vec<_> = declared.difference(&seen).collect();
    assert!(
        undocumented.is_empty(),
        "routes the server declares but docs/API.md does not list: {undocumented:?}"
    );
    let undeclared: Vec<_> = seen.difference(&declared).collect();
    assert!(
        undeclared.is_empty(),
        "routes docs/API.md lists but the server's source does not declare: {undeclared:?}"
    );

    // And against the running server.
    let app = TestApp::sqlite().await;
    let organizer = app.admin_token().await;
    let participant = app
        .register("路由核对", "13900009999", "核对科技有限公司")
        .await;
    for route in &documented {
        let (status, body) = send(&app, route, None).await;
        assert_the_router_knows(route, status, &body);
        let what = format!(
            "docs/API.md:{}: {} {} ({:?})",
            route.line, route.method, route.path, route.access
        );
        match route.access {
            Access::Public => assert!(
                status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                "{what}: documented as public but answers {status} without a token: {body}"
            ),
            Access::Participant | Access::Organizer | Access::Player => {
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{what}: answers without a token: {body}"
                );
                let other_role = match route.access {
                    Access::Participant | Access::Player => &organizer,
                    _ => &participant,
                };
                let (status, body) = send(&app, route, Some(other_role)).await;
                assert_the_router_knows(route, status, &body);
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{what}: answers the other role's token: {body}"
                );
            }
        }
    }
    app.stop().await;
}

#[test]
fn the_notation_is_read_as_documented() {
    let text = "\
intro
- `GET /api/competitions/{id}` *public* — one competition
- `POST /api/attempts/{id}/submit` *participant* — no body
```
- `GET /not/a/route` *public*
```
- `Content-Type` is not a route
";
    let routes = documented_routes(text);
    assert_eq!(routes.len(), 2);
    assert_eq!(routes[0].path, "/api/competitions/{id}");
    assert_eq!(routes[1].access, Access::Participant);
    assert!(calls("get(list).post(create)", "post"));
    assert!(!calls("target(x)", "get"));
    assert_eq!(
        call_arguments("\"/a\", get(f).layer(g(1)))\n.route("),
        "\"/a\", get(f).layer(g(1))"
    );
}
