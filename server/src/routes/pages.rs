//! The pages in `web/`, embedded into the binary at build time so one file is the whole site
//! (the venue network may have no internet): `/` the contestant pages, `/admin` the console,
//! `/screen/{id}` the projector, `/final` and `/final/{id}/screen` the live final's phones and
//! projector (routed in `routes::finals`), and their files under `/static/`.
//!
//! Caching: HTML is `no-cache` (a new release shows at once); other files carry an ETag made
//! from their bytes and may be reused for five minutes, then are revalidated with a cheap 304.

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use include_dir::{Dir, include_dir};

use crate::state::AppState;

static WEB: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../web");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(contestant_page))
        .route("/admin", get(admin_page))
        .route("/admin/", get(admin_page))
        .route("/static/{*path}", get(asset))
}

/// The content type a file is served with, by its extension; `None` for files that are not
/// part of the site (READMEs, notes).
fn content_type(path: &str) -> Option<&'static str> {
    let extension = path.rsplit_once('.').map(|(_, e)| e)?;
    Some(match extension {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "woff2" => "font/woff2",
        _ => return None,
    })
}

/// A strong ETag per embedded file, computed once (FNV-1a over the bytes).
fn etag_of(path: &str, bytes: &[u8]) -> String {
    static TAGS: OnceLock<std::collections::HashMap<String, String>> = OnceLock::new();
    let tags = TAGS.get_or_init(|| {
        let mut tags = std::collections::HashMap::new();
        collect_tags(&WEB, &mut tags);
        tags
    });
    tags.get(path).cloned().unwrap_or_else(|| fnv_tag(bytes))
}

fn collect_tags(dir: &Dir<'static>, tags: &mut std::collections::HashMap<String, String>) {
    for file in dir.files() {
        tags.insert(
            file.path().to_string_lossy().into_owned(),
            fnv_tag(file.contents()),
        );
    }
    for sub in dir.dirs() {
        collect_tags(sub, tags);
    }
}

fn fnv_tag(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{hash:016x}\"")
}

async fn asset(
    axum::extract::Path(path): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let (Some(file), Some(content_type)) = (WEB.get_file(&path), content_type(&path)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = etag_of(&path, file.contents());
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let common = [
        (header::CACHE_CONTROL, "public, max-age=300".to_owned()),
        (header::ETAG, etag),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
    ];
    if cached {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(header::CONTENT_TYPE, content_type)],
        file.contents(),
    )
        .into_response()
}

/// An HTML page of `web/`, never cached.
fn page(path: &str) -> Response {
    match WEB.get_file(path) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            file.contents(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `/`: registration, login, competitions, the exam, the result and the review.
async fn contestant_page() -> Response {
    page("app/index.html")
}

/// `/admin`: the organizers' console.
async fn admin_page() -> Response {
    page("admin/index.html")
}

/// `/screen/{competition}`: the projector page (it reads the id from its own address).
pub async fn screen_page() -> Response {
    page("screen/index.html")
}

/// `/final`: the finalists' and the audience's phones.
pub async fn final_page() -> Response {
    page("final/index.html")
}

/// `/final/{id}/screen`: the live final's projector (it reads the id from its own address).
pub async fn final_screen_page() -> Response {
    page("final/screen.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_and_its_files_are_embedded() {
        for path in [
            "screen/index.html",
            "screen/screen.js",
            "screen/screen.css",
            "app/index.html",
            "app/app.js",
            "app/app.css",
            "admin/index.html",
            "admin/admin.js",
            "admin/admin.css",
            "final/index.html",
            "final/final.js",
            "final/screen.html",
            "final/screen.js",
        ] {
            assert!(WEB.get_file(path).is_some(), "{path} is not embedded");
        }
    }

    #[test]
    fn notes_beside_the_pages_are_not_served() {
        assert_eq!(content_type("README.md"), None);
        assert_eq!(
            content_type("app/app.js"),
            Some("text/javascript; charset=utf-8")
        );
    }
}
