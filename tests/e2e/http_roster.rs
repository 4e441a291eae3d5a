//! The enterprise roster over HTTP: the import (dry run, all or nothing, line-numbered errors,
//! GB18030, re-import by credit code) and registration restricted to the roster.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{TestApp, body, credit_code_for, registration};

on_both_backends!(
    a_roster_imports_in_gb18030_and_lists_its_companies,
    a_dry_run_reports_what_an_import_would_do_and_stores_nothing,
    a_roster_with_a_wrong_check_digit_a_duplicate_and_a_missing_subdistrict_imports_nothing,
    re_importing_updates_companies_by_credit_code_and_keeps_the_others,
    with_a_roster_registration_takes_the_company_and_subdistrict_from_it,
    with_a_roster_a_company_not_on_it_cannot_register,
    with_a_roster_a_mismatched_company_name_or_subdistrict_is_told_what_the_roster_holds,
    without_a_roster_registration_works_as_before,
    only_organizers_import_a_roster,
);

fn roster_csv(rows: &[(&str, &str, &str)]) -> String {
    let mut csv = String::from("企业名称,统一社会信用代码,所属街道\n");
    for (name, code, subdistrict) in rows {
        csv.push_str(&format!("{name},{code},{subdistrict}\n"));
    }
    csv
}

fn district() -> String {
    roster_csv(&[
        (
            "绿源环保科技有限公司",
            &credit_code_for("绿源环保科技有限公司"),
            "沙头街道",
        ),
        (
            "清流水务有限公司",
            &credit_code_for("清流水务有限公司"),
            "福田街道",
        ),
        (
            "蓝天化工有限公司",
            &credit_code_for("蓝天化工有限公司"),
            "福田街道",
        ),
    ])
}

async fn import(app: &TestApp, admin: &str, csv: Vec<u8>, dry_run: bool) -> (StatusCode, Value) {
    let path = if dry_run {
        "/api/admin/companies/import?dry_run=true"
    } else {
        "/api/admin/companies/import"
    };
    let response = app.post_bytes(path, Some(admin), csv).await;
    let status = response.status();
    (status, body(response).await)
}

async fn roster(app: &TestApp, admin: &str) -> Value {
    let response = app.get("/api/admin/companies", Some(admin)).await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

async fn a_roster_imports_in_gb18030_and_lists_its_companies(app: TestApp) {
    let admin = app.admin_token().await;
    let text = district();
    let (gb18030, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable && std::str::from_utf8(&gb18030).is_err());
    let (status, report) = import(&app, &admin, gb18030.into_owned(), false).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["imported"], 3);
    assert_eq!(report["errors"], json!([]));

    let listed = roster(&app, &admin).await;
    assert_eq!(listed["total"], 3);
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "清流水务有限公司", "credit_code": credit_code_for("清流水务有限公司"), "subdistrict": "福田街道"})),
        "{listed}"
    );
    let public = body(app.get("/api/companies", None).await).await;
    assert_eq!(public["roster_loaded"], true);
    assert_eq!(public["companies"].as_array().unwrap().len(), 3);
}

async fn a_dry_run_reports_what_an_import_would_do_and_stores_nothing(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, report) = import(&app, &admin, district().into_bytes(), true).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["imported"], 3);
    assert_eq!(report["dry_run"], true);
    assert_eq!(roster(&app, &admin).await["total"], 0);
    let public = body(app.get("/api/companies", None).await).await;
    assert_eq!(public["roster_loaded"], false);
}

async fn a_roster_with_a_wrong_check_digit_a_duplicate_and_a_missing_subdistrict_imports_nothing(
    app: TestApp,
) {
    let admin = app.admin_token().await;
    let good = credit_code_for("绿源环保科技有限公司");
    let mut wrong_check_digit = good.clone();
    let last = if good.ends_with('1') { "2" } else { "1" };
    wrong_check_digit.replace_range(17.., last);
    let csv = roster_csv(&[
        ("绿源环保科技有限公司", &good, "沙头街道"),
        ("清流水务有限公司", &wrong_check_digit, "福田街道"),
        ("绿源环保科技有限公司(重复)", &good, "沙头街道"),
        ("蓝天化工有限公司", &credit_code_for("蓝天化工有限公司"), ""),
    ]);
    let (status, report) = import(&app, &admin, csv.into_bytes(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    let errors: Vec<(u64, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (3, "统一社会信用代码".to_owned()),
            (4, "统一社会信用代码".to_owned()),
            (5, "所属街道".to_owned()),
        ]
    );
    let messages = report["errors"].to_string();
    assert!(messages.contains("校验位"), "{messages}");
    assert!(messages.contains("与第2行重复"), "{messages}");
    assert!(messages.contains("所属街道不能为空"), "{messages}");
    assert_eq!(
        roster(&app, &admin).await["total"],
        0,
        "the good row was not imported either"
    );
}

async fn re_importing_updates_companies_by_credit_code_and_keeps_the_others(app: TestApp) {
    let admin = app.admin_token().await;
    import(&app, &admin, district().into_bytes(), false).await;
    let moved = roster_csv(&[
        (
            "绿源环保科技有限公司",
            &credit_code_for("绿源环保科技有限公司"),
            "沙头街道",
        ),
        (
            "清流水务集团有限公司",
            &credit_code_for("清流水务有限公司"),
            "南园街道",
        ),
        (
            "新港物流有限公司",
            &credit_code_for("新港物流有限公司"),
            "南园街道",
        ),
    ]);
    let (status, report) = import(&app, &admin, moved.into_bytes(), false).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            &report["imported"],
            &report["updated"],
            &report["unchanged"]
        ),
        (&json!(1), &json!(1), &json!(1))
    );
    let listed = roster(&app, &admin).await;
    assert_eq!(listed["total"], 4, "蓝天化工 stays: {listed}");
    let renamed = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["credit_code"] == credit_code_for("清流水务有限公司"))
        .unwrap();
    assert_eq!(renamed["name"], "清流水务集团有限公司");
    assert_eq!(renamed["subdistrict"], "南园街道");
}

async fn with_a_roster_registration_takes_the_company_and_subdistrict_from_it(app: TestApp) {
    let admin = app.admin_token().await;
    import(&app, &admin, district().into_bytes(), false).await;
    let mut form = registration("李四", "13800000001", "清流水务有限公司");
    form["company_name"] = json!("");
    form["subdistrict"] = json!("");
    let response = app.post("/api/auth/register", None, &form).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let participant = body(response).await["participant"].clone();
    assert_eq!(participant["company_name"], "清流水务有限公司");
    assert_eq!(participant["subdistrict"], "福田街道");

    // Typed the same, give or take spaces and full-width brackets: accepted, roster kept.
    let mut form = registration("王五", "13800000002", "绿源环保科技有限公司");
    form["company_name"] = json!(" 绿源环保科技有限公司 ");
    form["subdistrict"] = json!("沙头街道");
    let response = app.post("/api/auth/register", None, &form).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        body(response).await["participant"]["company_name"],
        "绿源环保科技有限公司"
    );
}

async fn with_a_roster_a_company_not_on_it_cannot_register(app: TestApp) {
    let admin = app.admin_token().await;
    import(&app, &admin, district().into_bytes(), false).await;
    let response = app
        .post(
            "/api/auth/register",
            None,
            &registration("李四", "13800000001", "不在名录的公司"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = body(response).await["error"].clone();
    let message = error["fields"]["credit_code"].as_str().unwrap();
    assert!(message.contains("不在本区企业名录中"), "{message}");
    let login = app
        .post(
            "/api/auth/login",
            None,
            &json!({"phone": "13800000001", "password": "环保知识竞赛2026"}),
        )
        .await;
    assert_eq!(
        login.status(),
        StatusCode::UNAUTHORIZED,
        "no account was made"
    );
}

async fn with_a_roster_a_mismatched_company_name_or_subdistrict_is_told_what_the_roster_holds(
    app: TestApp,
) {
    let admin = app.admin_token().await;
    import(&app, &admin, district().into_bytes(), false).await;
    let mut form = registration("李四", "13800000001", "清流水务有限公司");
    form["company_name"] = json!("蓝天化工有限公司");
    form["subdistrict"] = json!("沙头街道");
    let response = app.post("/api/auth/register", None, &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = body(response).await["error"]["fields"].clone();
    let company = fields["company_name"].as_str().unwrap();
    assert!(
        company.contains("「清流水务有限公司」") && company.contains("「蓝天化工有限公司」"),
        "{company}"
    );
    let subdistrict = fields["subdistrict"].as_str().unwrap();
    assert!(subdistrict.contains("「福田街道」"), "{subdistrict}");
}

async fn without_a_roster_registration_works_as_before(app: TestApp) {
    let token = app.register("李四", "13800000001", "不在名录的公司").await;
    assert!(!token.is_empty());
    let public = body(app.get("/api/companies", None).await).await;
    assert_eq!(public, json!({"roster_loaded": false, "companies": []}));
    let mut form = registration("王五", "13800000002", "另一家公司");
    form["subdistrict"] = json!("");
    let response = app.post("/api/auth/register", None, &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(response).await["error"]["fields"]["subdistrict"]
            .as_str()
            .unwrap()
            .contains("所属街道")
    );
}

async fn only_organizers_import_a_roster(app: TestApp) {
    let participant = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let as_participant = app
        .post_bytes(
            "/api/admin/companies/import",
            Some(&participant),
            district().into_bytes(),
        )
        .await;
    assert_eq!(as_participant.status(), StatusCode::FORBIDDEN);
    let anonymous = app
        .post_bytes("/api/admin/companies/import", None, district().into_bytes())
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let admin = app.admin_token().await;
    assert_eq!(roster(&app, &admin).await["total"], 0);
}
