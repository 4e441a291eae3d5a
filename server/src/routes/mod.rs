//! HTTP routes, one module per area; each exposes `router()` and stays thin: extract, call
//! `exam`, `leaderboard` or the store, map the result. `app::router` merges them.

pub mod accounts;
pub mod admin;
pub mod attempts;
pub mod companies;
pub mod competitions;
pub mod exports;
pub mod health;
pub mod live;
pub mod monitor;

use axum::extract::rejection::{PathRejection, QueryRejection};

use crate::error::AppError;

/// `Path<T>` whose rejection (e.g. `/api/attempts/abc`) is a JSON 404 like any other.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct AppPath<T>(pub T);

impl From<PathRejection> for AppError {
    fn from(_: PathRejection) -> AppError {
        AppError::NotFound("地址不存在".into())
    }
}

/// `Query<T>` whose rejection is a JSON 422 naming the problem.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct AppQuery<T>(pub T);

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> AppError {
        AppError::Invalid {
            message: format!("查询参数有误:{}", rejection.body_text()),
            fields: Default::default(),
        }
    }
}
