//! `AppError`, the HTTP layer's one error enum: every failure — the services' errors mapped
//! here — becomes the JSON body docs/API.md describes, `{"error": {"code", "message",
//! "fields"?}}`, with the right status. 5xx causes are logged;
//! the client gets a generic message (never SQL, paths or stack traces).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::accounts::AccountError;
use crate::auth::AuthError;
use crate::competitions::CompetitionError;
use crate::exam::ExamError;
use crate::export::ExportError;
use crate::live_final::FinalError;
use crate::live_final::show::ShowError;
use crate::rehearsal::RehearsalError;
use crate::store::StoreError;
use crate::store::health::StorageFault;

/// Seconds a client is asked to wait before repeating a request the storage refused.
const RETRY_AFTER_SECONDS: &str = "5";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the body is not valid JSON (or not JSON at all).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no token, or a token that is expired, tampered with or not HS256.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: a valid token of the wrong role.
    #[error("{0}")]
    Forbidden(String),
    /// 404: does not exist, or is not yours.
    #[error("{0}")]
    NotFound(String),
    /// 409: the current state forbids it (window closed, already submitted, reused phone).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// 409 with the state the request should have acted on (a live final's host action on a
    /// stale `seq`, or one the phase forbids), in `error.state`.
    #[error("{message}")]
    ConflictWithState {
        code: &'static str,
        message: String,
        state: serde_json::Value,
    },
    /// 413: the body is over the route's limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 422: well-formed, but values are invalid; `fields` names each one.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: BTreeMap<String, String>,
    },
    /// 429: too many failed logins for one account.
    #[error("{0}")]
    TooManyRequests(String),
    /// 503: the storage refused the request (disk full, read-only, busy, unreachable) and
    /// nothing was stored; the same request succeeds once the fault clears. `unsaved` says
    /// what was not kept ("答案未保存") where the route knows. Not logged per request: the
    /// store's health logs the fault once.
    #[error("{}", .fault.message(*.unsaved))]
    StorageUnavailable {
        fault: StorageFault,
        unsaved: Option<&'static str>,
    },
    /// 503: too many registrations and logins at once; nothing was done, and the same request
    /// is taken after `retry_after_seconds` (also in `Retry-After`). `ahead`: how many wait.
    #[error("{message}")]
    Queued {
        message: String,
        ahead: usize,
        retry_after_seconds: u64,
    },
    /// 500: logged with its cause, shown to the client as a generic message.
    #[error(transparent)]
    Store(StoreError),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Conflict {
            code,
            message: message.into(),
        }
    }

    /// 422 for one field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> AppError {
        let message = message.into();
        AppError::Invalid {
            message: message.clone(),
            fields: BTreeMap::from([(field.into(), message)]),
        }
    }

    /// 422 for several fields at once; the message joins them.
    pub fn invalid_fields(fields: BTreeMap<String, String>) -> AppError {
        let message = fields.values().cloned().collect::<Vec<_>>().join(";");
        AppError::Invalid { message, fields }
    }

    /// Names what a refused write did not keep ("答案未保存"), for the message a 503 shows.
    pub fn unsaved(self, what: &'static str) -> AppError {
        match self {
            AppError::StorageUnavailable { fault, .. } => AppError::StorageUnavailable {
                fault,
                unsaved: Some(what),
            },
            other => other,
        }
    }

    pub fn not_found(what: &str) -> AppError {
        AppError::NotFound(format!("{what}不存在"))
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Conflict { code, .. } | AppError::ConflictWithState { code, .. } => {
                (StatusCode::CONFLICT, code)
            }
            AppError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            AppError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            AppError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            AppError::StorageUnavailable { fault, .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, fault.code())
            }
            AppError::Queued { .. } => (StatusCode::SERVICE_UNAVAILABLE, "queued"),
            AppError::Store(_) | AppError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let AppError::Queued {
            message,
            ahead,
            retry_after_seconds,
        } = &self
        {
            let body = json!({ "error": { "code": code, "message": message, "ahead": ahead,
                                           "retry_after": retry_after_seconds } });
            return (
                status,
                [(
                    axum::http::header::RETRY_AFTER,
                    retry_after_seconds.to_string(),
                )],
                Json(body),
            )
                .into_response();
        }
        if let AppError::StorageUnavailable { .. } = &self {
            let body = json!({ "error": { "code": code, "message": self.to_string() } });
            return (
                status,
                [(axum::http::header::RETRY_AFTER, RETRY_AFTER_SECONDS)],
                Json(body),
            )
                .into_response();
        }
        let message = if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
            "服务器内部错误,请稍后重试".to_owned()
        } else {
            self.to_string()
        };
        let mut body = json!({ "error": { "code": code, "message": message } });
        if let AppError::Invalid { fields, .. } = &self {
            body["error"]["fields"] = json!(fields);
        }
        if let AppError::ConflictWithState { state, .. } = &self {
            body["error"]["state"] = state.clone();
        }
        (status, Json(body)).into_response()
    }
}

impl From<ExamError> for AppError {
    fn from(error: ExamError) -> AppError {
        match error {
            ExamError::Store(e) => e.into(),
            ExamError::CompetitionNotFound
            | ExamError::AttemptNotFound
            | ExamError::QuestionNotFound(_) => AppError::NotFound(error.to_string()),
            ExamError::NotOpen { .. } => AppError::conflict("not_open", error.to_string()),
            ExamError::Closed => AppError::conflict("closed", error.to_string()),
            ExamError::NoAttemptsLeft { .. } => {
                AppError::conflict("no_attempts_left", error.to_string())
            }
            ExamError::BankChanged => AppError::conflict("bank_changed", error.to_string()),
            ExamError::DeadlinePassed(_) => {
                AppError::conflict("deadline_passed", error.to_string())
            }
            ExamError::Submitted(_) => AppError::conflict("submitted", error.to_string()),
            ExamError::InvalidChoice(_) => AppError::invalid_field("choice", error.to_string()),
            ExamError::Internal(_) => AppError::Internal(error.to_string()),
        }
    }
}

impl From<AccountError> for AppError {
    fn from(error: AccountError) -> AppError {
        match error {
            AccountError::Invalid(fields) => AppError::invalid_fields(fields),
            AccountError::PhoneTaken => AppError::conflict("phone_taken", error.to_string()),
            AccountError::WrongPhoneOrPassword
            | AccountError::WrongUsernameOrPassword
            | AccountError::UnknownParticipant => AppError::Unauthorized(error.to_string()),
            AccountError::Auth(e) => e.into(),
            AccountError::Store(e) => e.into(),
        }
    }
}

impl From<CompetitionError> for AppError {
    fn from(error: CompetitionError) -> AppError {
        match error {
            CompetitionError::Invalid(fields) => AppError::invalid_fields(fields),
            CompetitionError::Store(e) => e.into(),
            CompetitionError::Internal(message) => AppError::Internal(message),
        }
    }
}

impl From<FinalError> for AppError {
    fn from(error: FinalError) -> AppError {
        match error {
            FinalError::NotFound | FinalError::UnknownCode => AppError::NotFound(error.to_string()),
            FinalError::Invalid(fields) => AppError::invalid_fields(fields),
            FinalError::Refused { error, state } => {
                let code = match &error {
                    ShowError::StakeNotOffered(_) => {
                        return AppError::invalid_field("stake", error.to_string());
                    }
                    ShowError::InvalidChoice(_) => {
                        return AppError::invalid_field("choice", error.to_string());
                    }
                    ShowError::NoSuchSeat(_) => {
                        return AppError::invalid_field("seat", error.to_string());
                    }
                    ShowError::InvalidAdjustment { field, .. } => {
                        return AppError::invalid_field(*field, error.to_string());
                    }
                    ShowError::Phase { .. } => "phase",
                    ShowError::StaleSeq => "stale_seq",
                    ShowError::TooEarly => "too_early",
                    ShowError::TooLate => "too_late",
                    ShowError::AlreadyAnswered => "already_answered",
                    ShowError::AlreadyBuzzed => "already_buzzed",
                    ShowError::NotYourTurn => "not_your_turn",
                    ShowError::Paused => "paused",
                    ShowError::NothingToUndo => "nothing_to_undo",
                    ShowError::InvalidAction(_) => "invalid_action",
                };
                match state {
                    Some(state) => AppError::ConflictWithState {
                        code,
                        message: error.to_string(),
                        state,
                    },
                    None => AppError::conflict(code, error.to_string()),
                }
            }
            FinalError::Replaced => AppError::Unauthorized(error.to_string()),
            FinalError::Contended => AppError::conflict("contended", error.to_string()),
            FinalError::Store(e) => e.into(),
            FinalError::Internal(message) => AppError::Internal(message),
        }
    }
}

impl From<RehearsalError> for AppError {
    fn from(error: RehearsalError) -> AppError {
        match error {
            RehearsalError::InvalidMinutes => AppError::invalid_fields(BTreeMap::from([(
                "minutes".to_owned(),
                error.to_string(),
            )])),
            RehearsalError::EmptyBank => AppError::conflict("empty_bank", error.to_string()),
            RehearsalError::Store(e) => e.into(),
            RehearsalError::Internal(_) => AppError::Internal(error.to_string()),
        }
    }
}

impl From<ExportError> for AppError {
    fn from(error: ExportError) -> AppError {
        match error {
            ExportError::Store(e) => e.into(),
            ExportError::Rehearsal => AppError::conflict("rehearsal", error.to_string()),
            ExportError::Sheet(_) | ExportError::Io(_) | ExportError::Interrupted => {
                AppError::Internal(error.to_string())
            }
        }
    }
}

impl From<AuthError> for AppError {
    fn from(error: AuthError) -> AppError {
        match error {
            AuthError::Locked { .. } => AppError::TooManyRequests(error.to_string()),
            AuthError::Hashing(_) => AppError::Internal(error.to_string()),
            AuthError::Queued {
                ahead,
                retry_after_seconds,
            } => AppError::Queued {
                message: error.to_string(),
                ahead,
                retry_after_seconds,
            },
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error.fault() {
            Some(fault) => AppError::StorageUnavailable {
                fault,
                unsaved: None,
            },
            None => AppError::Store(error),
        }
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> AppError {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::PayloadTooLarge("请求内容太大,超过了允许的上限".into())
            }
            StatusCode::UNPROCESSABLE_ENTITY => json_data_error(&rejection.body_text()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                AppError::BadRequest("请求需要 JSON 格式(Content-Type: application/json)".into())
            }
            _ => AppError::BadRequest(format!("请求内容不是有效的 JSON:{}", rejection.body_text())),
        }
    }
}

/// A body of the wrong shape, told per field: serde's `missing field `x`` and
/// `x: invalid type: …` become `fields.x` with a Chinese message.
fn json_data_error(detail: &str) -> AppError {
    let detail = detail
        .split_once("target type: ")
        .map_or(detail, |(_, rest)| rest);
    let (field, message) = if let Some(rest) = detail.split_once("missing field `") {
        let field = rest.1.split('`').next().unwrap_or("").to_owned();
        let message = format!("缺少字段 {field},请补上");
        (field, message)
    } else if let Some((path, _)) = detail
        .split_once(": ")
        .filter(|(path, _)| !path.trim().is_empty() && !path.contains(' '))
    {
        let field = path.trim().to_owned();
        let message = format!("字段 {field} 的类型不正确,请检查填写的内容");
        (field, message)
    } else {
        return AppError::Invalid {
            message: "请求中的数据格式不正确".into(),
            fields: BTreeMap::new(),
        };
    };
    AppError::invalid_field(field, message)
}

/// `Json<T>` whose rejections use the same error shape as everything else.
#[derive(axum::extract::FromRequest)]
#[from_request(via(Json), rejection(AppError))]
pub struct AppJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_hashing_queue_is_a_503_that_says_how_many_wait_and_when_to_retry() {
        let response = AppError::from(AuthError::Queued {
            ahead: 12,
            retry_after_seconds: 9,
        })
        .into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[axum::http::header::RETRY_AFTER], "9");
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "queued");
        assert_eq!(body["error"]["ahead"], 12);
        assert_eq!(body["error"]["retry_after"], 9);
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("排队中")
                && message.contains("12 人")
                && message.contains("9 秒后自动重试"),
            "{message}"
        );
    }
}
