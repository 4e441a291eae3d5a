//! Registration, login and tokens over HTTP.
//!
//! Every refused request must get the JSON error of docs/API.md with a message in Chinese, and
//! must change nothing: a refused registration leaves its phone free, a refused token opens
//! nothing.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{TestApp, body, credit_code_for, registration};

on_both_backends!(
    a_participant_registers_and_the_token_opens_a_paper,
    a_body_that_is_not_json_is_refused_with_400_and_registers_nobody,
    a_phone_sent_as_a_number_is_refused_with_422_naming_the_phone,
    a_missing_field_is_refused_with_422_naming_it,
    a_body_over_64_kib_is_refused_with_413_and_registers_nobody,
    a_bad_phone_is_refused_with_422_naming_the_phone,
    a_wrong_credit_code_check_digit_is_refused_with_422_naming_the_credit_code,
    a_password_under_eight_characters_is_refused_with_422,
    an_empty_or_blank_name_is_refused_with_422,
    several_bad_fields_are_all_named_at_once,
    a_reused_phone_is_refused_with_409_and_the_first_account_is_kept,
    login_with_the_right_password_returns_a_working_token,
    login_with_a_wrong_password_is_refused_with_401,
    login_with_an_unknown_phone_is_refused_with_401_like_a_wrong_password,
    a_request_without_a_token_is_refused_with_401,
    a_garbage_token_is_refused_with_401,
    a_participant_token_lasts_a_week_so_registering_days_before_the_event_is_enough,
    a_tampered_token_is_refused_with_401,
    an_unsigned_alg_none_token_is_refused_with_401,
    a_token_signed_with_another_secret_is_refused_with_401,
    a_participant_token_is_refused_with_403_on_organizer_routes,
    an_organizer_token_is_refused_with_403_on_participant_routes,
    an_organizer_login_with_a_wrong_password_is_refused_with_401,
    ten_failed_logins_lock_the_account_for_15_minutes,
    a_locked_account_does_not_lock_other_accounts_on_the_same_client,
    wrong_passwords_sent_all_at_once_still_get_only_ten_tries,
);

/// The password `support::registration` gives every participant.
const PASSWORD: &str = "环保知识竞赛2026";
const COMPANY: &str = "绿源环保科技有限公司";

// ---------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------

async fn a_participant_registers_and_the_token_opens_a_paper(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;

    let response = app
        .post(
            "/api/auth/register",
            None,
            &registration("李四", "13800000001", COMPANY),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let text = response.text().await.unwrap();
    assert!(
        !text.contains("argon2") && !text.contains("password"),
        "the reply carries no password or hash: {text}"
    );
    let reply: Value = serde_json::from_str(&text).unwrap();
    let participant = &reply["participant"];
    let mut keys: Vec<&str> = participant
        .as_object()
        .expect("a participant object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "company_name",
            "credit_code",
            "id",
            "name",
            "phone",
            "subdistrict"
        ]
    );
    assert!(participant["id"].as_i64().is_some());
    assert_eq!(participant["name"], "李四");
    assert_eq!(participant["phone"], "13800000001");
    assert_eq!(participant["company_name"], COMPANY);
    assert_eq!(participant["credit_code"], credit_code_for(COMPANY));
    assert_eq!(participant["subdistrict"], "城关街道");

    let token = reply["token"].as_str().expect("a token");
    let started = start_attempt(&app, competition, token).await;
    assert_eq!(started.status(), StatusCode::CREATED);
}

async fn a_body_that_is_not_json_is_refused_with_400_and_registers_nobody(app: TestApp) {
    for broken in [
        r#"{"name": "李四", "phone": "13800000001""#,
        r#"{"name": "李四", "phone": "13800000001",}"#,
        "name=李四&phone=13800000001",
        "",
    ] {
        let response = post_raw_json(&app, "/api/auth/register", broken.as_bytes().to_vec()).await;
        error_of(response, StatusCode::BAD_REQUEST).await;
    }
    assert_phone_is_free(&app, "13800000001").await;
}

async fn a_phone_sent_as_a_number_is_refused_with_422_naming_the_phone(app: TestApp) {
    let mut wrong = registration("李四", "13800000001", COMPANY);
    wrong["phone"] = json!(13800000001_i64);
    let response = app.post("/api/auth/register", None, &wrong).await;
    let error = error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        error["fields"]["phone"].is_string(),
        "`fields` names the phone: {error}"
    );
    assert_phone_is_free(&app, "13800000001").await;
}

async fn a_missing_field_is_refused_with_422_naming_it(app: TestApp) {
    let mut incomplete = registration("李四", "13800000001", COMPANY);
    incomplete
        .as_object_mut()
        .unwrap()
        .remove("credit_code")
        .unwrap();
    let response = app.post("/api/auth/register", None, &incomplete).await;
    let error = error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        error["fields"]["credit_code"].is_string(),
        "`fields` names the missing credit code: {error}"
    );
    assert_phone_is_free(&app, "13800000001").await;
}

async fn a_body_over_64_kib_is_refused_with_413_and_registers_nobody(app: TestApp) {
    let mut huge = registration("李四", "13800000001", COMPANY);
    huge["subdistrict"] = json!("街".repeat(30 * 1024)); // 90 KiB of UTF-8.
    let bytes = serde_json::to_vec(&huge).unwrap();
    assert!(bytes.len() > 64 * 1024);
    let response = post_raw_json(&app, "/api/auth/register", bytes).await;
    error_of(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_phone_is_free(&app, "13800000001").await;
}

async fn a_bad_phone_is_refused_with_422_naming_the_phone(app: TestApp) {
    for bad in [
        "1380000000",   // 10 digits
        "138000000012", // 12 digits
        "12800000001",  // no mobile network starts 12
        "23800000001",
        "1380000000a",
        "",
    ] {
        let response = app
            .post(
                "/api/auth/register",
                None,
                &registration("李四", bad, COMPANY),
            )
            .await;
        let error = error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        let fields = error["fields"].as_object().expect("`fields`");
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            ["phone"],
            "only the phone is wrong in {bad:?}: {error}"
        );
        assert_tells_what_to_do(&error["fields"]["phone"], &["11 位", "手机号"]);
    }
    // The same person, with the number written correctly, is welcome.
    app.register("李四", "13800000001", COMPANY).await;
}

async fn a_wrong_credit_code_check_digit_is_refused_with_422_naming_the_credit_code(app: TestApp) {
    let good = credit_code_for(COMPANY);
    let last = good.chars().last().unwrap();
    let wrong = format!("{}{}", &good[..17], if last == '0' { '1' } else { '0' });
    assert_ne!(wrong, good);
    let mut body = registration("李四", "13800000001", COMPANY);
    body["credit_code"] = json!(wrong);

    let response = app.post("/api/auth/register", None, &body).await;
    let error = error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        error["fields"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["credit_code"]
    );
    assert_tells_what_to_do(&error["fields"]["credit_code"], &["校验位", "核对"]);
    assert_phone_is_free(&app, "13800000001").await;
}

async fn a_password_under_eight_characters_is_refused_with_422(app: TestApp) {
    let mut body = registration("李四", "13800000001", COMPANY);
    body["password"] = json!("1234567");
    let response = app.post("/api/auth/register", None, &body).await;
    let error = error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        error["fields"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["password"]
    );
    assert_tells_what_to_do(&error["fields"]["password"], &["8"]);
    // Nobody can log in with the short password: the account was not made.
    let login = login(&app, "13800000001", "1234567").await;
    error_of(login, StatusCode::UNAUTHORIZED).await;
    assert_phone_is_free(&app, "13800000001").await;
}

async fn an_empty_or_blank_name_is_refused_with_422(app: TestApp) {
    for name in ["", "   ", "\u{3000}"] {
        let response = app
            .post(
                "/api/auth/register",
                None,
                &registration(name, "13800000001", COMPANY),
            )
            .await;
        let error = error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            error["fields"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["name"],
            "the name {name:?} is refused: {error}"
        );
        assert_tells_what_to_do(&error["fields"]["name"], &["姓名"]);
    }
    assert_phone_is_free(&app, "13800000001").await;
}

async fn several_bad_fields_are_all_named_at_once(app: TestApp) {
    let response = app
        .post(
            "/api/auth/register",
            None,
            &json!({
                "name": "",
                "phone": "138",
                "password": "short",
                "company_name": COMPANY,
                "credit_code": "91310101XXXXXXXXXX",
                "subdistrict": "",
            }),
        )
        .await;
    let error = error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut named: Vec<&String> = error["fields"].as_object().unwrap().keys().collect();
    named.sort_unstable();
    assert_eq!(
        named,
        ["credit_code", "name", "password", "phone", "subdistrict"],
        "{error}"
    );
    for (field, message) in error["fields"].as_object().unwrap() {
        assert!(has_chinese(message.as_str().unwrap()), "{field}: {message}");
    }
    assert_phone_is_free(&app, "13800000001").await;
}

async fn a_reused_phone_is_refused_with_409_and_the_first_account_is_kept(app: TestApp) {
    app.register("李四", "13800000001", COMPANY).await;

    // The same number, however it is written.
    for phone in ["13800000001", "138-0000-0001", "１３８０００００００１"] {
        let mut again = registration("王五", phone, "蓝天化工有限公司");
        again["password"] = json!("另一个密码password");
        let response = app.post("/api/auth/register", None, &again).await;
        let error = error_of(response, StatusCode::CONFLICT).await;
        assert_tells_what_to_do(&error["message"], &["手机号", "登录"]);
    }

    // The second password opens nothing; the first account is as it was.
    let refused = login(&app, "13800000001", "另一个密码password").await;
    error_of(refused, StatusCode::UNAUTHORIZED).await;
    let accepted = login(&app, "13800000001", PASSWORD).await;
    assert_eq!(accepted.status(), StatusCode::OK);
}

// ---------------------------------------------------------------------------------------
// Login
// ---------------------------------------------------------------------------------------

async fn login_with_the_right_password_returns_a_working_token(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    app.register("李四", "13800000001", COMPANY).await;

    // People type their number with spaces or dashes; it is the same account.
    for phone in ["13800000001", "138 0000 0001"] {
        let response = login(&app, phone, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
        let token = body(response).await["token"]
            .as_str()
            .expect("a token")
            .to_owned();
        let started = start_attempt(&app, competition, &token).await;
        assert!(
            [StatusCode::CREATED, StatusCode::OK].contains(&started.status()),
            "{}",
            started.status()
        );
    }
}

async fn login_with_a_wrong_password_is_refused_with_401(app: TestApp) {
    app.register("李四", "13800000001", COMPANY).await;
    let response = login(&app, "13800000001", "环保知识竞赛2025").await;
    let error = error_of(response, StatusCode::UNAUTHORIZED).await;
    assert!(error.get("token").is_none());
    assert_tells_what_to_do(&error["message"], &["手机号", "密码"]);
}

async fn login_with_an_unknown_phone_is_refused_with_401_like_a_wrong_password(app: TestApp) {
    app.register("李四", "13800000001", COMPANY).await;
    let unknown = error_of(
        login(&app, "13900000009", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let wrong = error_of(
        login(&app, "13800000001", "not-the-password").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // The reply must not tell a stranger which numbers have accounts.
    assert_eq!(unknown, wrong);
}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------

async fn a_request_without_a_token_is_refused_with_401(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let response = app
        .post(
            &format!("/api/competitions/{competition}/attempts"),
            None,
            &json!({}),
        )
        .await;
    let error = error_of(response, StatusCode::UNAUTHORIZED).await;
    assert_tells_what_to_do(&error["message"], &["登录"]);

    // A header with another scheme is no token either.
    let response = app
        .client
        .post(app.url(&format!("/api/competitions/{competition}/attempts")))
        .header(AUTHORIZATION, "Basic MTM4MDAwMDAwMDE6cGFzc3dvcmQ=")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    error_of(response, StatusCode::UNAUTHORIZED).await;

    let admin = app.get("/api/admin/questions", None).await;
    error_of(admin, StatusCode::UNAUTHORIZED).await;
}

async fn a_garbage_token_is_refused_with_401(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    for garbage in ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "..."] {
        let response = start_attempt(&app, competition, garbage).await;
        let error = error_of(response, StatusCode::UNAUTHORIZED).await;
        assert_tells_what_to_do(&error["message"], &["登录"]);
        let admin = app.get("/api/admin/questions", Some(garbage)).await;
        error_of(admin, StatusCode::UNAUTHORIZED).await;
    }
}

async fn a_participant_token_lasts_a_week_so_registering_days_before_the_event_is_enough(
    app: TestApp,
) {
    let old = app.register("李四", "13800000001", COMPANY).await;
    // Six days later, the morning of the event: the token of the registration still works.
    app.advance_minutes(6 * 24 * 60);
    let me = app.get("/api/me", Some(&old)).await;
    assert_eq!(me.status(), StatusCode::OK, "six days after registering");

    // Past seven days it no longer does. The competition opens now, so only the token's age
    // can refuse the old one.
    app.advance_minutes(24 * 60 + 1);
    let (_, competition) = app.with_small_competition().await;

    let response = start_attempt(&app, competition, &old).await;
    let error = error_of(response, StatusCode::UNAUTHORIZED).await;
    assert_tells_what_to_do(&error["message"], &["登录"]);

    // Logging in again gives a token that works.
    let fresh = body(login(&app, "13800000001", PASSWORD).await).await["token"]
        .as_str()
        .expect("a fresh token")
        .to_owned();
    let started = start_attempt(&app, competition, &fresh).await;
    assert_eq!(started.status(), StatusCode::CREATED);
}

async fn a_tampered_token_is_refused_with_401(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app.register("李四", "13800000001", COMPANY).await;
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts: {token}");

    // One character of the payload changed.
    let mut payload: Vec<char> = parts[1].chars().collect();
    let middle = payload.len() / 2;
    payload[middle] = if payload[middle] == 'A' { 'B' } else { 'A' };
    let payload: String = payload.into_iter().collect();
    let one_character = format!("{}.{payload}.{}", parts[0], parts[2]);
    assert_ne!(one_character, token);
    let response = start_attempt(&app, competition, &one_character).await;
    error_of(response, StatusCode::UNAUTHORIZED).await;

    // The claims rewritten to make the participant an organizer, the signature kept.
    assert_eq!(base64url_encode(&base64url_decode(parts[1])), parts[1]);
    let mut claims: Value =
        serde_json::from_slice(&base64url_decode(parts[1])).expect("the payload is JSON");
    assert_eq!(claims["role"], "participant");
    claims["role"] = json!("organizer");
    let promoted = format!(
        "{}.{}.{}",
        parts[0],
        base64url_encode(claims.to_string().as_bytes()),
        parts[2]
    );
    let response = app.get("/api/admin/questions", Some(&promoted)).await;
    error_of(response, StatusCode::UNAUTHORIZED).await;

    // The untouched token still works: the refusals were about the changes.
    let started = start_attempt(&app, competition, &token).await;
    assert_eq!(started.status(), StatusCode::CREATED);
}

async fn an_unsigned_alg_none_token_is_refused_with_401(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let registered = body(
        app.post(
            "/api/auth/register",
            None,
            &registration("李四", "13800000001", COMPANY),
        )
        .await,
    )
    .await;
    let id = registered["participant"]["id"].as_i64().unwrap();
    let now = app.clock.now() / 1000;
    assert_eq!(
        base64url_encode(br#"{"alg":"none","typ":"JWT"}"#),
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"
    );

    for (role, header) in [
        ("participant", r#"{"alg":"none","typ":"JWT"}"#),
        ("participant", r#"{"alg":"None","typ":"JWT"}"#),
        ("organizer", r#"{"alg":"none","typ":"JWT"}"#),
    ] {
        let claims = json!({"sub": id.to_string(), "role": role, "iat": now, "exp": now + 3600});
        let unsigned = format!(
            "{}.{}.",
            base64url_encode(header.as_bytes()),
            base64url_encode(claims.to_string().as_bytes())
        );
        let response = if role == "participant" {
            start_attempt(&app, competition, &unsigned).await
        } else {
            app.get("/api/admin/questions", Some(&unsigned)).await
        };
        error_of(response, StatusCode::UNAUTHORIZED).await;
    }
    // The participant started nothing: a real token still gets a new paper.
    let token = registered["token"].as_str().unwrap();
    let started = start_attempt(&app, competition, token).await;
    assert_eq!(started.status(), StatusCode::CREATED);
}

async fn a_token_signed_with_another_secret_is_refused_with_401(app: TestApp) {
    use ecoquiz::auth::{JwtKeys, Role};
    use ecoquiz::settings::Secret;

    let (_, competition) = app.with_small_competition().await;
    let registered = body(
        app.post(
            "/api/auth/register",
            None,
            &registration("李四", "13800000001", COMPANY),
        )
        .await,
    )
    .await;
    let id = registered["participant"]["id"].as_i64().unwrap();
    let elsewhere = JwtKeys::new(&Secret(b"another server's secret, 32+ bytes long".to_vec()));

    let participant = elsewhere.issue(Role::Participant, id, app.clock.now());
    let response = start_attempt(&app, competition, &participant).await;
    error_of(response, StatusCode::UNAUTHORIZED).await;

    let organizer = elsewhere.issue(Role::Organizer, 1, app.clock.now());
    let response = app.get("/api/admin/questions", Some(&organizer)).await;
    error_of(response, StatusCode::UNAUTHORIZED).await;
}

// ---------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------

async fn a_participant_token_is_refused_with_403_on_organizer_routes(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app.register("李四", "13800000001", COMPANY).await;

    let response = app.get("/api/admin/questions", Some(&token)).await;
    let error = error_of(response, StatusCode::FORBIDDEN).await;
    assert!(error.get("items").is_none());

    let now = app.clock.now();
    let response = app
        .post(
            "/api/admin/competitions",
            Some(&token),
            &json!({
                "title": "参赛者自建的竞赛",
                "opens_at": ecoquiz::clock::rfc3339(now),
                "closes_at": ecoquiz::clock::rfc3339(now + 3_600_000),
                "duration_minutes": 30,
                "blueprint": crate::support::small_blueprint(),
            }),
        )
        .await;
    error_of(response, StatusCode::FORBIDDEN).await;

    // Only the organizer's competition exists.
    let listed = body(app.get("/api/competitions", None).await).await;
    let ids: Vec<i64> = listed
        .as_array()
        .expect("a list of competitions")
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [competition]);
}

async fn an_organizer_token_is_refused_with_403_on_participant_routes(app: TestApp) {
    let (admin, competition) = app.with_small_competition().await;
    let response = start_attempt(&app, competition, &admin).await;
    error_of(response, StatusCode::FORBIDDEN).await;

    // The organizer started nothing: the leaderboard counts no one.
    let board = body(
        app.get(
            &format!("/api/competitions/{competition}/leaderboard"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(board["stats"]["started"], 0, "{board}");
}

async fn an_organizer_login_with_a_wrong_password_is_refused_with_401(app: TestApp) {
    for (username, password) in [
        ("admin", "not-the-password".to_owned()),
        ("admin", format!("{} ", app.admin_password)),
        ("nobody", app.admin_password.clone()),
    ] {
        let response = app
            .post(
                "/api/admin/login",
                None,
                &json!({"username": username, "password": password}),
            )
            .await;
        let error = error_of(response, StatusCode::UNAUTHORIZED).await;
        assert_tells_what_to_do(&error["message"], &["密码"]);
    }
    // The right password still works.
    app.admin_token().await;
}

// ---------------------------------------------------------------------------------------
// Failed logins are limited per account
// ---------------------------------------------------------------------------------------

async fn ten_failed_logins_lock_the_account_for_15_minutes(app: TestApp) {
    app.register("李四", "13800000001", COMPANY).await;
    for attempt in 1..=10 {
        let response = login(&app, "13800000001", &format!("wrong-password-{attempt}")).await;
        error_of(response, StatusCode::UNAUTHORIZED).await;
    }

    // Even the right password is refused now, with a message saying when to come back.
    let response = login(&app, "13800000001", PASSWORD).await;
    let error = error_of(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_tells_what_to_do(&error["message"], &["分钟后再试"]);
    // However the number is written.
    let response = login(&app, "138 0000 0001", PASSWORD).await;
    error_of(response, StatusCode::TOO_MANY_REQUESTS).await;

    app.advance_minutes(14);
    let response = login(&app, "13800000001", PASSWORD).await;
    error_of(response, StatusCode::TOO_MANY_REQUESTS).await;

    app.advance_minutes(2);
    let response = login(&app, "13800000001", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(body(response).await["token"].is_string());
}

async fn a_locked_account_does_not_lock_other_accounts_on_the_same_client(app: TestApp) {
    app.register("李四", "13800000001", COMPANY).await;
    app.register("王五", "13800000002", COMPANY).await;
    for attempt in 1..=10 {
        let response = login(&app, "13800000001", &format!("wrong-password-{attempt}")).await;
        error_of(response, StatusCode::UNAUTHORIZED).await;
    }
    let locked = login(&app, "13800000001", PASSWORD).await;
    error_of(locked, StatusCode::TOO_MANY_REQUESTS).await;

    // A colleague behind the same address logs in, and a typo of theirs is only a typo.
    let typo = login(&app, "13800000002", "wrong-password").await;
    error_of(typo, StatusCode::UNAUTHORIZED).await;
    let colleague = login(&app, "13800000002", PASSWORD).await;
    assert_eq!(colleague.status(), StatusCode::OK);
    // And a newcomer registers.
    app.register("赵六", "13800000003", COMPANY).await;
}

async fn wrong_passwords_sent_all_at_once_still_get_only_ten_tries(app: TestApp) {
    app.register("李四", "13800000001", COMPANY).await;
    // A script guessing in parallel must not get more guesses than one guessing in turn.
    let guesses: Vec<String> = (1..=40).map(|i| format!("guess-{i:02}")).collect();
    let replies = futures_util::future::join_all(
        guesses
            .iter()
            .map(|guess| login(&app, "13800000001", guess)),
    )
    .await;
    let statuses: Vec<StatusCode> = replies.iter().map(Response::status).collect();
    let checked = statuses
        .iter()
        .filter(|&&s| s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|&&s| s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        checked + refused,
        guesses.len(),
        "every guess is a 401 or a 429: {statuses:?}"
    );
    assert!(
        checked <= 10,
        "{checked} of {} parallel guesses were checked against the password; at most 10 may be",
        guesses.len()
    );
    let locked = login(&app, "13800000001", PASSWORD).await;
    error_of(locked, StatusCode::TOO_MANY_REQUESTS).await;
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

async fn login(app: &TestApp, phone: &str, password: &str) -> Response {
    app.post(
        "/api/auth/login",
        None,
        &json!({"phone": phone, "password": password}),
    )
    .await
}

async fn start_attempt(app: &TestApp, competition: i64, token: &str) -> Response {
    app.post(
        &format!("/api/competitions/{competition}/attempts"),
        Some(token),
        &json!({}),
    )
    .await
}

/// Posts `bytes` as `application/json`, whatever they are.
async fn post_raw_json(app: &TestApp, path: &str, bytes: Vec<u8>) -> Response {
    app.client
        .post(app.url(path))
        .header(CONTENT_TYPE, "application/json")
        .body(bytes)
        .send()
        .await
        .expect("the server answers")
}

/// Asserts the response is `status` with the API's error body (docs/API.md) and a Chinese
/// message, and returns the `error` object.
async fn error_of(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(actual, status, "{text}");
    let reply: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the {status} error is not JSON ({e}): {text}"));
    let error = &reply["error"];
    assert!(
        error["code"].as_str().is_some_and(|c| !c.is_empty()),
        "`error.code`: {text}"
    );
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        has_chinese(message),
        "`error.message` is for people, in Chinese: {text}"
    );
    if let Some(fields) = error.get("fields") {
        assert!(fields.is_object(), "`error.fields` is an object: {text}");
    }
    error.clone()
}

/// Asserts a message is Chinese and mentions each of `words`.
fn assert_tells_what_to_do(message: &Value, words: &[&str]) {
    let message = message.as_str().expect("a message");
    assert!(has_chinese(message), "{message}");
    for word in words {
        assert!(message.contains(word), "{message:?} mentions {word:?}");
    }
}

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Asserts no account has `phone`: logging in with it fails, and registering it succeeds.
async fn assert_phone_is_free(app: &TestApp, phone: &str) {
    let response = login(app, phone, PASSWORD).await;
    error_of(response, StatusCode::UNAUTHORIZED).await;
    app.register("李四", phone, COMPANY).await;
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding, as JWTs write their parts.
fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(BASE64URL[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn base64url_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut bits, mut count) = (0u32, 0);
    for c in text.bytes() {
        let value = BASE64URL
            .iter()
            .position(|&a| a == c)
            .unwrap_or_else(|| panic!("{:?} is not base64url", c as char));
        bits = bits << 6 | value as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}
