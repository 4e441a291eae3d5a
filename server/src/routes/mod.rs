//! HTTP routes, one module per area; each exposes `router()` and stays thin: extract, call
//! `exam`, `leaderboard` or the store, map the result. `router` merges them with the pages,
//! the body limit, the storage guard and the request trace.

pub mod accounts;
pub mod attempts;
pub mod bank;
pub mod competitions;
pub mod error;
pub mod exports;
pub mod extract;
pub mod finals;
pub mod health;
pub mod live;
pub mod monitor;
pub mod pages;
pub mod rehearsals;
pub mod roster;
pub mod socket;
pub mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

/// Largest JSON body accepted anywhere.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(health::router())
        .merge(accounts::router())
        .merge(competitions::router())
        .merge(attempts::router())
        .merge(bank::router())
        .merge(roster::router())
        .merge(rehearsals::router())
        .merge(exports::router())
        .merge(monitor::router())
        .merge(live::router())
        .merge(finals::router())
        .merge(upload::router())
        .merge(pages::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            health::refuse_api_while_storage_unreliable,
        ))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        // No ERROR line per 5xx: a 500 is logged with its cause by `AppError`, and a 503 of
        // the storage once per fault by the store's health.
        .layer(TraceLayer::new_for_http().on_failure(()))
        .with_state(state)
}
