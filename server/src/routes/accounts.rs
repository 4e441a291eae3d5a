//! Registration and login for participants, login for organizers, and a participant's own
//! account and attempts (`/api/me`).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::{CurrentParticipant, Role};
use crate::clock::rfc3339;
use crate::error::{AppError, AppJson};
use crate::identity::{CreditCode, Phone};
use crate::roster::{MAX_COMPANY_NAME_CHARS, MAX_SUBDISTRICT_CHARS, same_text};
use crate::store::accounts::NewParticipant;
use question_bank::Points;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/admin/login", post(admin_login))
        .route("/api/me", get(me))
}

/// The participant's own account and attempts: what the pages need to offer "continue" or
/// "see the result" without starting anything.
async fn me(
    State(state): State<AppState>,
    CurrentParticipant(participant_id): CurrentParticipant,
) -> Result<Json<Value>, AppError> {
    let participant = state
        .store
        .participant(participant_id)
        .await?
        .ok_or_else(|| AppError::Unauthorized("账号不存在,请重新注册或登录".into()))?;
    let attempts: Vec<Value> = state
        .store
        .participant_attempts(participant_id)
        .await?
        .into_iter()
        .map(|a| {
            json!({
                "attempt_id": a.id,
                "competition_id": a.competition_id,
                "attempt_no": a.attempt_no,
                "status": a.status,
                "deadline": rfc3339(a.deadline),
                "submitted_at": a.submitted_at.map(rfc3339),
                "score": a.score.map(|s| Points::from_hundredths(u32::try_from(s).unwrap_or(0))),
                "max_score": Points::from_hundredths(u32::try_from(a.max_score).unwrap_or(0)),
            })
        })
        .collect();
    Ok(Json(
        json!({ "participant": participant, "attempts": attempts }),
    ))
}

#[derive(Deserialize)]
struct Registration {
    name: String,
    phone: String,
    password: String,
    /// May be left empty when a roster is loaded: the roster's name is stored.
    #[serde(default)]
    company_name: String,
    credit_code: String,
    /// May be left empty when a roster is loaded: the roster's subdistrict is stored.
    #[serde(default)]
    subdistrict: String,
}

/// The company name and subdistrict to store. Without a roster: what the person typed.
/// With one: the roster's entry for the credit code; typed values must name the same
/// company (a mismatch says what the roster holds, so the person can correct it).
async fn company_of(
    state: &AppState,
    body: &Registration,
    credit_code: Option<&CreditCode>,
    problems: &mut BTreeMap<String, String>,
) -> Result<Option<(String, String)>, AppError> {
    if state.store.roster_size().await? == 0 {
        let company_name = text_field(
            &body.company_name,
            "company_name",
            "企业名称",
            MAX_COMPANY_NAME_CHARS,
            problems,
        );
        let subdistrict = text_field(
            &body.subdistrict,
            "subdistrict",
            "所属街道",
            MAX_SUBDISTRICT_CHARS,
            problems,
        );
        return Ok(Some((company_name.to_owned(), subdistrict.to_owned())));
    }
    let Some(credit_code) = credit_code else {
        return Ok(None);
    };
    let Some(listed) = state.store.roster_company(credit_code.as_str()).await? else {
        problems.insert(
            "credit_code".into(),
            format!(
                "统一社会信用代码 {} 不在本区企业名录中。请从名录中选择本单位,或对照营业执照核对代码;确属本区企业的,请联系区生态环境局宣教科补录",
                credit_code.as_str()
            ),
        );
        return Ok(None);
    };
    let typed_name = body.company_name.trim();
    if !typed_name.is_empty() && !same_text(typed_name, &listed.name) {
        problems.insert(
            "company_name".into(),
            format!(
                "企业名录中统一社会信用代码 {} 对应的企业是「{}」,与填写的「{typed_name}」不一致;请选择名录中的企业,或核对信用代码",
                listed.credit_code, listed.name
            ),
        );
    }
    let typed_subdistrict = body.subdistrict.trim();
    if !typed_subdistrict.is_empty() && !same_text(typed_subdistrict, &listed.subdistrict) {
        problems.insert(
            "subdistrict".into(),
            format!(
                "企业名录中「{}」所属街道为「{}」,与填写的「{typed_subdistrict}」不一致;请改为「{}」",
                listed.name, listed.subdistrict, listed.subdistrict
            ),
        );
    }
    Ok(Some((listed.name, listed.subdistrict)))
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
    let company = company_of(&state, &body, credit_code.as_ref(), &mut problems).await?;
    let (Some(phone), Some(credit_code), Some((company_name, subdistrict)), true) =
        (phone, credit_code, company, problems.is_empty())
    else {
        return Err(AppError::invalid_fields(problems));
    };
    let password_hash = state.hasher.hash(&body.password).await?;
    let new = NewParticipant {
        name,
        phone: phone.as_str(),
        password_hash: &password_hash,
        company_name: &company_name,
        credit_code: credit_code.as_str(),
        subdistrict: &subdistrict,
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
        Err(e) => return Err(AppError::from(e).unsaved("注册未完成")),
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
