//! The reviewer's side in-process: bearer-token auth, listing and showing applications with
//! their documents, rejecting with structured reasons (SMS, reasons shown to the candidate),
//! resubmitting, approving, the admission ticket, and the refusals on the way.

mod common;

use baoming_contract::api::{AdminApplication, AdminApplicationList, ReviewTarget};
use baoming_contract::eligibility::Material;
use baoming_contract::status::ApplicationStatus;
use common::TestApp;
use common::journey::*;
use serde_json::json;

const PHONE_A: &str = "13800138000";
const PHONE_B: &str = "13900139000";

#[tokio::test]
async fn the_admin_api_needs_a_reviewer_token() {
    let (app, _) = dev_app();
    let (cookie, submitted) = submitted(&app, PHONE_A).await;
    let id = &submitted.id;
    let paths = [
        ("GET", "/api/v1/admin/applications".to_owned()),
        ("GET", format!("/api/v1/admin/applications/{id}")),
        ("POST", format!("/api/v1/admin/applications/{id}/decision")),
        (
            "POST",
            format!("/api/v1/admin/applications/{id}/admission-ticket"),
        ),
        (
            "GET",
            format!("/api/v1/admin/applications/{id}/documents/portrait"),
        ),
    ];
    for (method, path) in &paths {
        // No header, a wrong token, another scheme, and a candidate's session cookie.
        for call in [
            Call::new(method, path.clone()),
            Call::new(method, path.clone()).authorization("Bearer wrong-token-123456"),
            Call::new(method, path.clone()).authorization(&format!("Basic {DEV_TOKEN}")),
            Call::new(method, path.clone()).authorization("Bearer "),
            Call::new(method, path.clone()).cookie(&cookie),
        ] {
            let reply = call.json(&json!({"decision": "approve"})).send(&app).await;
            reply.assert_envelope(401, "unauthenticated");
        }
    }
    // Nothing changed.
    assert_eq!(
        get_app(&app, &cookie, id).await.status,
        ApplicationStatus::UnderReview
    );

    // Outside development mode the fixed token means nothing; configured tokens work.
    let prod = TestApp::build(baoming_server::clock::Clock::system(), |c| {
        c.reviewer_tokens = vec!["operator-token-0123456789".into()];
    });
    Call::new("GET", "/api/v1/admin/applications")
        .reviewer()
        .send(&prod)
        .await
        .assert_envelope(401, "unauthenticated");
    let reply = Call::new("GET", "/api/v1/admin/applications")
        .authorization("Bearer operator-token-0123456789")
        .send(&prod)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    // No tokens at all: nobody gets in.
    let closed = TestApp::new();
    Call::new("GET", "/api/v1/admin/applications")
        .reviewer()
        .send(&closed)
        .await
        .assert_envelope(401, "unauthenticated");
}

#[tokio::test]
async fn lists_by_status_oldest_first_and_shows_documents() {
    let (app, clock) = dev_app();
    let (_, first) = submitted(&app, PHONE_A).await;
    clock.advance(60);
    let (_, second) = submitted(&app, PHONE_B).await;

    let reply = Call::new("GET", "/api/v1/admin/applications?status=under_review")
        .reviewer()
        .send(&app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let list: AdminApplicationList = serde_json::from_slice(&reply.body).unwrap();
    let ids: Vec<_> = list
        .applications
        .iter()
        .map(|a| a.application.id.clone())
        .collect();
    assert_eq!(ids, [first.id.clone(), second.id.clone()]);
    assert_eq!(list.applications[0].candidate_phone, PHONE_A);
    assert_eq!(list.applications[1].candidate_phone, PHONE_B);

    let reply = Call::new("GET", "/api/v1/admin/applications?status=paid")
        .reviewer()
        .send(&app)
        .await;
    let list: AdminApplicationList = serde_json::from_slice(&reply.body).unwrap();
    assert!(list.applications.is_empty());
    Call::new("GET", "/api/v1/admin/applications?status=lost")
        .reviewer()
        .send(&app)
        .await
        .assert_envelope(422, "validation_failed");

    let reply = Call::new("GET", format!("/api/v1/admin/applications/{}", first.id))
        .reviewer()
        .send(&app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let shown: AdminApplication = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(shown.candidate_phone, PHONE_A);
    assert_eq!(shown.application, first);
    assert!(!shown.application.documents.is_empty());

    let reply = Call::new(
        "GET",
        format!("/api/v1/admin/applications/{}/documents/portrait", first.id),
    )
    .reviewer()
    .send(&app)
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("image/jpeg"));
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));
    assert_eq!(reply.body.len(), 50 * 1024);
    for path in [
        format!(
            "/api/v1/admin/applications/{}/documents/graduation_certificate",
            first.id
        ),
        format!("/api/v1/admin/applications/{}/documents/selfie", first.id),
        "/api/v1/admin/applications/nope/documents/portrait".to_owned(),
        "/api/v1/admin/applications/nope".to_owned(),
    ] {
        Call::new("GET", path)
            .reviewer()
            .send(&app)
            .await
            .assert_envelope(404, "not_found");
    }
}

#[tokio::test]
async fn reject_resubmit_approve_ticket() {
    let (app, clock) = dev_app();
    let (cookie, submitted) = submitted(&app, PHONE_A).await;
    let id = submitted.id.clone();

    // A rejection needs reasons, each with a message and a real target.
    let reply = decide(&app, &id, json!({"decision": "reject"})).await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(reply.json()["error"]["fields"]["reasons"], "required");
    let reply = decide(
        &app,
        &id,
        json!({"decision": "reject", "reasons": [
            {"target": {"kind": "field", "name": "salary"}, "message": "x"},
            {"target": {"kind": "general"}, "message": " "},
            {"target": {"kind": "general"}, "message": "长".repeat(501)},
        ]}),
    )
    .await;
    reply.assert_envelope(422, "validation_failed");
    let fields = &reply.json()["error"]["fields"];
    assert_eq!(fields["reasons.0.target"], "unknown_field");
    assert_eq!(fields["reasons.1.message"], "required");
    assert_eq!(fields["reasons.2.message"], "too_long");
    decide(
        &app,
        &id,
        json!({"decision": "reject", "reasons": [
            {"target": {"kind": "document", "name": "selfie"}, "message": "x"}]}),
    )
    .await
    .assert_envelope(422, "validation_failed");
    assert_eq!(
        get_app(&app, &cookie, &id).await.status,
        ApplicationStatus::UnderReview
    );
    let sms_before = outbox(&app, PHONE_A).await.messages.len();

    // Reject with a reason on the portrait and one on a field.
    clock.advance(3600);
    let rejected_at = clock.now();
    let reply = decide(
        &app,
        &id,
        json!({"decision": "reject", "reasons": [
            {"target": {"kind": "document", "name": "portrait"}, "message": " 背景不是白色 "},
            {"target": {"kind": "field", "name": "id_number"}, "message": "身份证号有误"},
        ]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let rejected = application(&reply);
    assert_eq!(rejected.status, ApplicationStatus::Rejected);
    assert_eq!(rejected.version, submitted.version + 1);
    assert_eq!(
        rejected.events.last().map(|e| (e.status, e.at)),
        Some((ApplicationStatus::Rejected, rejected_at))
    );
    // The candidate sees the reasons (trimmed) and got an SMS.
    let seen = get_app(&app, &cookie, &id).await;
    assert_eq!(seen, rejected);
    assert_eq!(seen.review_reasons.len(), 2);
    assert_eq!(
        seen.review_reasons[0].target,
        ReviewTarget::Document(Material::Portrait)
    );
    assert_eq!(seen.review_reasons[0].message, "背景不是白色");
    assert_eq!(
        seen.review_reasons[1].target,
        ReviewTarget::Field("id_number".into())
    );
    let sms = outbox(&app, PHONE_A).await.messages;
    assert_eq!(sms.len(), sms_before + 1);
    assert_eq!(
        sms[0].text,
        "【职业技能等级认定】您的报名审核未通过，请登录查看原因并修改后重新提交。"
    );
    assert_eq!(sms[0].code, None);

    // Deciding again is not a transition from rejected; neither is a ticket.
    decide(&app, &id, json!({"decision": "approve"}))
        .await
        .assert_envelope(409, "invalid_transition");
    Call::new(
        "POST",
        format!("/api/v1/admin/applications/{id}/admission-ticket"),
    )
    .reviewer()
    .send(&app)
    .await
    .assert_envelope(409, "invalid_transition");

    // Resubmit: under review again, reasons gone from the view, the timeline keeps them.
    clock.advance(60);
    let reply = Call::new("POST", format!("/api/v1/applications/{id}/resubmit"))
        .cookie(&cookie)
        .key("resubmit-1")
        .send(&app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let resubmitted = application(&reply);
    assert_eq!(resubmitted.status, ApplicationStatus::UnderReview);
    assert!(resubmitted.review_reasons.is_empty());
    let statuses: Vec<_> = resubmitted.events.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [
            ApplicationStatus::Draft,
            ApplicationStatus::UnderReview,
            ApplicationStatus::Rejected,
            ApplicationStatus::UnderReview
        ]
    );

    // Approve with reasons is refused; plain approval works and sends an SMS.
    decide(
        &app,
        &id,
        json!({"decision": "approve", "reasons": [{"target": {"kind": "general"}, "message": "x"}]}),
    )
    .await
    .assert_envelope(422, "validation_failed");
    let reply = decide(&app, &id, json!({"decision": "approve"})).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let approved = application(&reply);
    assert_eq!(approved.status, ApplicationStatus::AwaitingPayment);
    assert!(approved.review_reasons.is_empty());
    assert_eq!(
        outbox(&app, PHONE_A).await.messages[0].text,
        "【职业技能等级认定】您的报名审核已通过，请登录缴费。"
    );
    decide(&app, &id, json!({"decision": "approve"}))
        .await
        .assert_envelope(409, "invalid_transition");
    // Not paid yet: no ticket.
    Call::new(
        "POST",
        format!("/api/v1/admin/applications/{id}/admission-ticket"),
    )
    .reviewer()
    .send(&app)
    .await
    .assert_envelope(409, "invalid_transition");
    decide(&app, "nope", json!({"decision": "approve"}))
        .await
        .assert_envelope(404, "not_found");
}
