//! The pages in `web/`, embedded into the binary at build time so one file is the whole site
//! (the venue network may have no internet). HTML is never cached; CSS and JS for a few
//! minutes.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;

/// `(path under /static, content type, bytes)`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "screen/screen.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web/screen/screen.css"),
    ),
    (
        "screen/screen.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/screen/screen.js"),
    ),
];

const SCREEN_HTML: &str = include_str!("../../web/screen/index.html");

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{*path}", get(asset))
}

async fn asset(axum::extract::Path(path): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=300"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `/screen/{competition}`: the projector page (it reads the id from its own address).
pub async fn screen_page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCREEN_HTML,
    )
        .into_response()
}
