//! Registration and login for participants, login for organizers.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::Role;
use crate::error::{AppError, AppJson};
use crate::identity::{CreditCode, Phone};
use crate::store::accounts::NewParticipant;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/admin/login", post(admin_login))
}

#[derive(Deserialize)]
struct Registration {
    name: String,
    phone: String,
    password: String,
    company_name: String,
    credit_code: String,
    subdistrict: String,
}

/// A trimmed text of 1 to `max` characters, or the field's problem.
fn text_field<'a>(
    value: &'a str,
    field: &str,
    label: &str,
    max: usize,
    problems: &mut BTreeMap<String, String>,
) -> &'a str {
    let value = value.trim();
    if value.is_empty() {
        problems.insert(field.into(), format!("请填写{label}"));
    } else if value.chars().count() > max {
        problems.insert(field.into(), format!("{label}不能超过 {max} 个字"));
    }
    value
}

async fn register(
    State(state): State<AppState>,
    AppJson(body): AppJson<Registration>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let mut problems = BTreeMap::new();
    let name = text_field(&body.name, "name", "姓名", 30, &mut problems);
    let company_name = text_field(
        &body.company_name,
        "company_name",
        "企业名称",
        100,
        &mut problems,
    );
    let subdistrict = text_field(
        &body.subdistrict,
        "subdistrict",
        "所属街道",
        50,
        &mut problems,
    );
    let phone = Phone::parse(&body.phone)
        .map_err(|m| problems.insert("phone".into(), m.into()))
        .ok();
    let credit_code = CreditCode::parse(&body.credit_code)
        .map_err(|m| problems.insert("credit_code".into(), m.into()))
        .ok();
    let password_length = body.password.chars().count();
    if !(8..=128).contains(&password_length) {
        problems.insert("password".into(), "密码需要 8 到 128 个字符".into());
    }
    let (Some(phone), Some(credit_code), true) = (phone, credit_code, problems.is_empty()) else {
        return Err(AppError::invalid_fields(problems));
    };
    let password_hash = state.hasher.hash(&body.password).await?;
    let new = NewParticipant {
        name,
        phone: phone.as_str(),
        password_hash: &password_hash,
        company_name,
        credit_code: credit_code.as_str(),
        subdistrict,
    };
    let participant = match state
        .store
        .create_participant(&new, state.clock.now())
        .await
    {
        Ok(participant) => participant,
        Err(e) if e.is_unique_violation() => {
            return Err(AppError::conflict(
                "phone_taken",
                "该手机号已注册,请直接登录",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    state.boards.participant_registered().await;
    let token = state
        .keys
        .issue(Role::Participant, participant.id, state.clock.now());
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": token, "participant": participant })),
    ))
}

#[derive(Deserialize)]
struct Login {
    phone: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    AppJson(body): AppJson<Login>,
) -> Result<Json<Value>, AppError> {
    let account = Phone::parse(&body.phone)
        .map(|p| p.as_str().to_owned())
        .unwrap_or(body.phone);
    state.throttle.begin_attempt(&account, &state.clock)?;
    let participant = state.store.participant_by_phone(&account).await?;
    let found = participant
        .as_ref()
        .map(|p| (p.id, p.password_hash.as_str()));
    check_password(&state, &account, &body.password, found, Role::Participant)
        .await
        .map_err(|wrong| {
            wrong.unwrap_or_else(|| AppError::Unauthorized("手机号或密码不正确".into()))
        })
}

/// `{"token"}` when `password` matches the account found. `Err(None)` for a wrong password
/// or no account (checked against a dummy hash then, so both take as long); `Err(Some(_))`
/// when hashing itself failed.
async fn check_password(
    state: &AppState,
    account: &str,
    password: &str,
    found: Option<(i64, &str)>,
    role: Role,
) -> Result<Json<Value>, Option<AppError>> {
    let verified = state
        .hasher
        .verify(password, found.map(|(_, hash)| hash))
        .await
        .map_err(Some)?;
    match found {
        Some((id, _)) if verified => {
            state.throttle.succeeded(account);
            Ok(Json(
                json!({ "token": state.keys.issue(role, id, state.clock.now()) }),
            ))
        }
        _ => Err(None),
    }
}

#[derive(Deserialize)]
struct AdminLogin {
    username: String,
    password: String,
}

async fn admin_login(
    State(state): State<AppState>,
    AppJson(body): AppJson<AdminLogin>,
) -> Result<Json<Value>, AppError> {
    let account = format!("organizer:{}", body.username);
    state.throttle.begin_attempt(&account, &state.clock)?;
    let organizer = state.store.organizer_by_username(&body.username).await?;
    let found = organizer.as_ref().map(|o| (o.id, o.password_hash.as_str()));
    check_password(&state, &account, &body.password, found, Role::Organizer)
        .await
        .map_err(|wrong| {
            wrong.unwrap_or_else(|| AppError::Unauthorized("用户名或密码不正确".into()))
        })
}
