//! Accounts: registering participants (checked against the enterprise roster when one is
//! loaded), logging participants and organizers in, and a participant's own account with
//! their attempts. `Accounts` holds what that needs — the store, the clock, the password
//! hasher, the login throttle, the token keys and the boards (a registration changes their
//! counts) — and answers with `AccountError`; the HTTP layer maps it.

use std::collections::BTreeMap;
use std::sync::Arc;

use question_bank::Points;
use serde::{Deserialize, Serialize};

use crate::auth::{AuthError, JwtKeys, LoginThrottle, Role};
use crate::board::Boards;
use crate::clock::{Clock, rfc3339};
use crate::identity::{CreditCode, Phone};
use crate::passwords::PasswordHasher;
use crate::roster::{MAX_COMPANY_NAME_CHARS, MAX_SUBDISTRICT_CHARS, same_text};
use crate::store::accounts::{NewParticipant, Participant};
use crate::store::{Store, StoreError};

/// Longest name, in characters.
const MAX_NAME_CHARS: usize = 30;

/// What accounts refuse, and why. Messages are the person's, in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Fields that are missing or wrong, each with what to fix.
    #[error("{}", .0.values().cloned().collect::<Vec<_>>().join(";"))]
    Invalid(BTreeMap<String, String>),
    #[error("该手机号已注册,请直接登录")]
    PhoneTaken,
    #[error("手机号或密码不正确")]
    WrongPhoneOrPassword,
    #[error("用户名或密码不正确")]
    WrongUsernameOrPassword,
    /// A valid token of an account that is gone (a reset database).
    #[error("账号不存在,请重新注册或登录")]
    UnknownParticipant,
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A registration as the person filled it in.
#[derive(Debug, Deserialize)]
pub struct Registration {
    pub name: String,
    pub phone: String,
    pub password: String,
    /// May be left empty when a roster is loaded: the roster's name is stored.
    #[serde(default)]
    pub company_name: String,
    pub credit_code: String,
    /// May be left empty when a roster is loaded: the roster's subdistrict is stored.
    #[serde(default)]
    pub subdistrict: String,
}

/// A token for the person who logged in: `{"token"}`.
#[derive(Debug, Serialize)]
pub struct Token {
    pub token: String,
}

/// A new participant and their first token.
#[derive(Debug, Serialize)]
pub struct Registered {
    pub token: String,
    pub participant: Participant,
}

/// A participant's own account and attempts: what the pages need to offer "continue" or
/// "see the result" without starting anything.
#[derive(Debug, Serialize)]
pub struct Profile {
    pub participant: Participant,
    pub attempts: Vec<AttemptSummary>,
}

/// One attempt as the participant's own page lists it.
#[derive(Debug, Serialize)]
pub struct AttemptSummary {
    pub attempt_id: i64,
    pub competition_id: i64,
    pub attempt_no: i64,
    pub status: String,
    pub deadline: String,
    pub submitted_at: Option<String>,
    pub score: Option<Points>,
    pub max_score: Points,
}

/// Registration and login. Cheap to clone: everything is shared.
#[derive(Clone, Debug)]
pub struct Accounts {
    store: Store,
    clock: Clock,
    hasher: PasswordHasher,
    throttle: LoginThrottle,
    keys: Arc<JwtKeys>,
    boards: Arc<Boards>,
}

impl Accounts {
    pub fn new(
        store: Store,
        clock: Clock,
        hasher: PasswordHasher,
        keys: Arc<JwtKeys>,
        boards: Arc<Boards>,
    ) -> Accounts {
        Accounts {
            store,
            clock,
            hasher,
            throttle: LoginThrottle::default(),
            keys,
            boards,
        }
    }

    /// Registers a participant: every field checked at once (each problem named), the
    /// company taken from the roster when one is loaded, the password hashed.
    pub async fn register(&self, form: &Registration) -> Result<Registered, AccountError> {
        let mut problems = BTreeMap::new();
        let name = text_field(&form.name, "name", "姓名", MAX_NAME_CHARS, &mut problems);
        let phone = Phone::parse(&form.phone)
            .map_err(|m| problems.insert("phone".into(), m.into()))
            .ok();
        let credit_code = CreditCode::parse(&form.credit_code)
            .map_err(|m| problems.insert("credit_code".into(), m.into()))
            .ok();
        let password_length = form.password.chars().count();
        if !(8..=128).contains(&password_length) {
            problems.insert("password".into(), "密码需要 8 到 128 个字符".into());
        }
        // A rehearsal's registration (`ecoquiz rehearse`) names one of its companies.
        let rehearsal_company = match &credit_code {
            Some(code) => self.store.rehearsal_company(code.as_str()).await?,
            None => None,
        };
        let rehearsal = rehearsal_company.is_some();
        let company = match rehearsal_company {
            Some(company) => Some((company.name, company.subdistrict)),
            None => {
                self.company_of(form, credit_code.as_ref(), &mut problems)
                    .await?
            }
        };
        let (Some(phone), Some(credit_code), Some((company_name, subdistrict)), true) =
            (phone, credit_code, company, problems.is_empty())
        else {
            return Err(AccountError::Invalid(problems));
        };
        let password_hash = self.hasher.hash(&form.password).await?;
        let new = NewParticipant {
            name,
            phone: phone.as_str(),
            password_hash: &password_hash,
            company_name: &company_name,
            credit_code: credit_code.as_str(),
            subdistrict: &subdistrict,
            rehearsal,
        };
        let participant = match self.store.create_participant(&new, self.clock.now()).await {
            Ok(participant) => participant,
            Err(e) if e.is_unique_violation() => return Err(AccountError::PhoneTaken),
            Err(e) => return Err(e.into()),
        };
        // The boards' "registered" counts real participants only.
        if !rehearsal {
            self.boards.participant_registered().await;
        }
        let token = self
            .keys
            .issue(Role::Participant, participant.id, self.clock.now());
        Ok(Registered { token, participant })
    }

    /// The company name and subdistrict to store. Without a roster: what the person typed.
    /// With one: the roster's entry for the credit code; typed values must name the same
    /// company (a mismatch says what the roster holds, so the person can correct it).
    async fn company_of(
        &self,
        form: &Registration,
        credit_code: Option<&CreditCode>,
        problems: &mut BTreeMap<String, String>,
    ) -> Result<Option<(String, String)>, StoreError> {
        if self.store.roster_size().await? == 0 {
            let company_name = text_field(
                &form.company_name,
                "company_name",
                "企业名称",
                MAX_COMPANY_NAME_CHARS,
                problems,
            );
            let subdistrict = text_field(
                &form.subdistrict,
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
        let Some(listed) = self.store.roster_company(credit_code.as_str()).await? else {
            problems.insert(
                "credit_code".into(),
                format!(
                    "统一社会信用代码 {} 不在本区企业名录中。请从名录中选择本单位,或对照营业执照核对代码;确属本区企业的,请联系区生态环境局宣教科补录",
                    credit_code.as_str()
                ),
            );
            return Ok(None);
        };
        let typed_name = form.company_name.trim();
        if !typed_name.is_empty() && !same_text(typed_name, &listed.name) {
            problems.insert(
                "company_name".into(),
                format!(
                    "企业名录中统一社会信用代码 {} 对应的企业是「{}」,与填写的「{typed_name}」不一致;请选择名录中的企业,或核对信用代码",
                    listed.credit_code, listed.name
                ),
            );
        }
        let typed_subdistrict = form.subdistrict.trim();
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

    /// A participant's token for the right phone and password.
    pub async fn login(&self, phone: &str, password: &str) -> Result<Token, AccountError> {
        let account = Phone::parse(phone)
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|_| phone.to_owned());
        self.throttle.begin_attempt(&account, &self.clock)?;
        let participant = self.store.participant_by_phone(&account).await?;
        let found = participant
            .as_ref()
            .map(|p| (p.id, p.password_hash.as_str()));
        self.token_for(&account, password, found, Role::Participant)
            .await?
            .ok_or(AccountError::WrongPhoneOrPassword)
            .map(|token| Token { token })
    }

    /// An organizer's token for the right username and password.
    pub async fn organizer_login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Token, AccountError> {
        let account = format!("organizer:{username}");
        self.throttle.begin_attempt(&account, &self.clock)?;
        let organizer = self.store.organizer_by_username(username).await?;
        let found = organizer.as_ref().map(|o| (o.id, o.password_hash.as_str()));
        self.token_for(&account, password, found, Role::Organizer)
            .await?
            .ok_or(AccountError::WrongUsernameOrPassword)
            .map(|token| Token { token })
    }

    /// A token when `password` matches the account found; `None` for a wrong password or no
    /// account (checked against a dummy hash then, so both take as long).
    async fn token_for(
        &self,
        account: &str,
        password: &str,
        found: Option<(i64, &str)>,
        role: Role,
    ) -> Result<Option<String>, AccountError> {
        let verified = match self
            .hasher
            .verify(password, found.map(|(_, hash)| hash))
            .await
        {
            Ok(verified) => verified,
            Err(e) => {
                self.throttle.not_checked(account);
                return Err(e.into());
            }
        };
        match found {
            Some((id, _)) if verified => {
                self.throttle.succeeded(account);
                Ok(Some(self.keys.issue(role, id, self.clock.now())))
            }
            _ => Ok(None),
        }
    }

    /// The participant's own account and attempts, newest first.
    pub async fn profile(&self, participant_id: i64) -> Result<Profile, AccountError> {
        let participant = self
            .store
            .participant(participant_id)
            .await?
            .ok_or(AccountError::UnknownParticipant)?;
        let points =
            |hundredths: i64| Points::from_hundredths(u32::try_from(hundredths).unwrap_or(0));
        let attempts = self
            .store
            .participant_attempts(participant_id)
            .await?
            .into_iter()
            .map(|a| AttemptSummary {
                attempt_id: a.id,
                competition_id: a.competition_id,
                attempt_no: a.attempt_no,
                status: a.status,
                deadline: rfc3339(a.deadline),
                submitted_at: a.submitted_at.map(rfc3339),
                score: a.score.map(points),
                max_score: points(a.max_score),
            })
            .collect();
        Ok(Profile {
            participant,
            attempts,
        })
    }
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
