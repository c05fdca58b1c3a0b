//! The CRM integrations against stand-ins that behave as amoCRM, Zoho and Zendesk document
//! (`common::crm_vendors`): the authorization code exchanged once, an expired access token
//! renewed and the call made again, amoCRM's rotated refresh token kept, a refused refresh
//! token or API token shown as a failing connection in the admin panel, and the secrets never
//! shown back.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_server::{ApiUrls, ServerConfig};
use common::crm_vendors::*;
use common::mock_http::Recorded;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

async fn server_at(vendors: &Vendors) -> TestServer {
    server_retrying(vendors, &[100]).await
}

/// A server whose CRM calls are retried after these delays (ms).
async fn server_retrying(vendors: &Vendors, delays_ms: &[u64]) -> TestServer {
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        api_urls: ApiUrls::all_at(&vendors.url),
        crm_retry_delays: delays_ms.iter().map(|ms| Duration::from_millis(*ms)).collect(),
        ..ServerConfig::default()
    };
    TestServer::start_with(config).await
}

fn query(r: &Recorded) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x{}", r.uri)).expect("uri").query_pairs().into_owned().collect()
}

/// The admin panel's view of one integration.
async fn state_of(admin: &Operator, service: &str) -> Value {
    let (code, body) = admin.get("/api/admin/v1/integrations/crm").await;
    assert_eq!(code, 200, "{body}");
    let all = body["integrations"].as_array().expect("integrations").clone();
    all.into_iter().find(|i| i["service"] == service).expect("the service")
}

async fn check(admin: &Operator, service: &str) -> Value {
    let (code, body) = admin.post(&format!("/api/admin/v1/integrations/crm/{service}/check"), json!({})).await;
    assert_eq!(code, 200, "{body}");
    body
}

async fn patch(admin: &Operator, settings: Value) {
    let (code, body) = admin.call(Method::PATCH, "/api/admin/v1/settings", Some(settings)).await;
    assert_eq!(code, 200, "{body}");
}

/// amoCRM set up for OAuth 2.0 with an authorization code (not yet exchanged).
async fn amocrm_oauth(admin: &Operator) {
    patch(
        admin,
        json!({"amocrm_account": "sila", "amocrm_client_id": AMO_CLIENT, "amocrm_client_secret": AMO_SECRET,
               "amocrm_redirect_uri": AMO_REDIRECT, "amocrm_auth_code": AMO_CODE}),
    )
    .await;
}

/// A server whose CRM calls are retried after `delays_ms`, with an administrator, amoCRM set
/// up for OAuth 2.0 and its connection checked (the code exchanged for the first tokens).
async fn amocrm_connected(delays_ms: &[u64]) -> (Vendors, TestServer, Operator) {
    let vendors = Vendors::start().await;
    let server = server_retrying(&vendors, delays_ms).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    amocrm_oauth(&admin).await;
    assert_eq!(check(&admin, "amocrm").await["state"], "ok");
    (vendors, server, admin)
}

async fn new_chat(server: &TestServer, question: &str) {
    let v = server.visitor().await;
    let fields = json!({"name": "Иван Петров", "email": "ivan@mail.ru"}).to_string();
    v.ok("chat.start", &[("first-question", question), ("visitor-fields", &fields)]).await;
}

fn bearer(r: &Recorded) -> String {
    r.header("authorization").unwrap_or_default().to_owned()
}

#[tokio::test]
async fn amocrm_exchanges_the_code_once_renews_an_expired_token_and_keeps_the_rotated_one() {
    let vendors = Vendors::start().await;
    let server = server_at(&vendors).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    amocrm_oauth(&admin).await;
    let before = state_of(&admin, "amocrm").await;
    assert_eq!((before["configured"].as_bool(), before["state"].as_str()), (Some(true), Some("unknown")), "{before}");

    // «Check connection»: the code is exchanged as documented, then the account is read.
    let checked = check(&admin, "amocrm").await;
    assert_eq!(checked["state"], "ok", "{checked}");
    let grant = &vendors.to("/oauth2/access_token")[0];
    assert_eq!(
        grant.json(),
        json!({"client_id": AMO_CLIENT, "client_secret": AMO_SECRET, "grant_type": "authorization_code",
               "code": AMO_CODE, "redirect_uri": AMO_REDIRECT})
    );
    assert_eq!(bearer(&vendors.to("/api/v4/account")[0]), "Bearer amo-access-1");

    // A new chat: a contact with the kept token, the code not exchanged again.
    new_chat(&server, "Нужен счёт").await;
    vendors.wait_until(|r| r.iter().any(|x| x.path() == "/api/v4/contacts")).await;
    assert_eq!(bearer(&vendors.to("/api/v4/contacts")[0]), "Bearer amo-access-1");

    // The access token expires: 401, a refresh with the refresh token, the same call again.
    for round in 1..=2 {
        vendors.expire("amo-access");
        new_chat(&server, "Ещё вопрос").await;
        let n = 1 + 2 * round;
        vendors.wait_until(|r| r.iter().filter(|x| x.path() == "/api/v4/contacts").count() == n).await;
        let contacts = vendors.to("/api/v4/contacts");
        assert_eq!((contacts[n - 2].answered, contacts[n - 1].answered), (401, 200));
        assert_eq!(contacts[n - 2].body, contacts[n - 1].body, "the same contact again");
        assert_eq!(bearer(&contacts[n - 1]), format!("Bearer amo-access-{}", round + 1));
        let refresh = vendors.to("/oauth2/access_token").pop().expect("refresh").json();
        assert_eq!(refresh["grant_type"], "refresh_token");
        // The refresh token amoCRM rotated last time is the one used now.
        assert_eq!(refresh["refresh_token"], format!("amo-refresh-{round}"));
        assert_eq!(
            (refresh["client_secret"].as_str(), refresh["redirect_uri"].as_str()),
            (Some(AMO_SECRET), Some(AMO_REDIRECT))
        );
    }
    assert_eq!(vendors.to("/oauth2/access_token").iter().filter(|r| r.body.contains("authorization_code")).count(), 1);
    assert_eq!(state_of(&admin, "amocrm").await["state"], "ok");

    // Secrets and tokens are never shown back.
    let (_, settings) = admin.get("/api/admin/v1/settings").await;
    for key in ["amocrm_client_secret", "amocrm_auth_code"] {
        assert_eq!(settings["settings"][key], "***", "{key}");
    }
    assert_eq!(settings["settings"]["amocrm_client_id"], AMO_CLIENT);
    let shown = format!("{settings}{}", admin.get("/api/admin/v1/integrations/crm").await.1);
    for secret in [AMO_SECRET, AMO_CODE, "amo-access-", "amo-refresh-"] {
        assert!(!shown.contains(secret), "{secret} shown: {shown}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_revoked_amocrm_refresh_token_marks_the_integration_failing_until_a_new_code() {
    let (vendors, server, admin) = amocrm_connected(&[100]).await;

    // Both tokens revoked (the integration was switched off in amoCRM, or the refresh token
    // lapsed): the call and the refresh are refused. As another node may have been renewing
    // with the same refresh token, the call is tried again, then given up.
    vendors.expire("amo-access");
    vendors.expire("amo-refresh");
    new_chat(&server, "Вопрос").await;
    vendors.wait_until(|r| r.iter().filter(|x| x.path() == "/oauth2/access_token").count() == 3).await;
    let mut failing = Value::Null;
    for _ in 0..100 {
        failing = state_of(&admin, "amocrm").await;
        if failing["state"] == "failing" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(failing["state"], "failing", "{failing}");
    let why = failing["error"].as_str().expect("error");
    assert!(why.contains("refresh token") && why.contains("Token has been revoked"), "{why}");
    assert!(failing["checkedAt"].as_i64().is_some());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(vendors.to("/oauth2/access_token").len(), 3, "given up after the retries");
    assert_eq!(check(&admin, "amocrm").await["state"], "failing");

    // A new code from amoCRM: the state starts again and the check passes.
    vendors.allow("amo-code", "def50200-second-code");
    patch(&admin, json!({"amocrm_auth_code": "def50200-second-code"})).await;
    assert_eq!(state_of(&admin, "amocrm").await["state"], "unknown");
    assert_eq!(check(&admin, "amocrm").await["state"], "ok");

    // A long-lived token needs no exchange; a refused one fails the check at once.
    vendors.allow("amo-long-lived", "eyJ0eXAi.long.lived");
    patch(&admin, json!({"amocrm_long_lived_token": "eyJ0eXAi.long.lived"})).await;
    assert_eq!(check(&admin, "amocrm").await["state"], "ok");
    assert_eq!(bearer(&vendors.to("/api/v4/account").pop().expect("call")), "Bearer eyJ0eXAi.long.lived");
    vendors.expire("amo-long-lived");
    let refused = check(&admin, "amocrm").await;
    assert_eq!(refused["state"], "failing");
    assert!(refused["error"].as_str().expect("error").contains("long-lived token"), "{refused}");
    server.stop().await;
}

#[tokio::test]
async fn zoho_renews_an_invalid_token_and_shows_a_refused_refresh_token() {
    let vendors = Vendors::start().await;
    let server = server_at(&vendors).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let (code, body) =
        admin.call(Method::PATCH, "/api/admin/v1/settings", Some(json!({"zoho_data_center": "zoho.eu"}))).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")), "{body}");
    patch(
        &admin,
        json!({"zoho_data_center": "eu", "zoho_client_id": ZOHO_CLIENT, "zoho_client_secret": ZOHO_SECRET,
               "zoho_refresh_token": ZOHO_REFRESH, "zoho_lead_source": "Beseda"}),
    )
    .await;

    new_chat(&server, "Нужен счёт").await;
    vendors.wait_until(|r| r.iter().any(|x| x.path() == "/crm/v6/Leads")).await;
    let token = &vendors.to("/oauth/v2/token")[0];
    let q = query(token);
    assert_eq!(
        (q["grant_type"].as_str(), q["refresh_token"].as_str(), q["client_id"].as_str(), q["client_secret"].as_str()),
        ("refresh_token", ZOHO_REFRESH, ZOHO_CLIENT, ZOHO_SECRET)
    );
    assert_eq!(vendors.to("/crm/v6/Leads")[0].header("authorization"), Some("Zoho-oauthtoken zoho-access-1"));

    // The access token is no longer valid: INVALID_TOKEN, a new one, the lead again.
    vendors.expire("zoho-access");
    new_chat(&server, "Ещё вопрос").await;
    vendors.wait_until(|r| r.iter().filter(|x| x.path() == "/crm/v6/Leads").count() == 3).await;
    let leads = vendors.to("/crm/v6/Leads");
    assert_eq!((leads[1].answered, leads[2].answered), (401, 201));
    assert_eq!(leads[2].header("authorization"), Some("Zoho-oauthtoken zoho-access-2"));
    assert_eq!(leads[1].body, leads[2].body);
    assert_eq!(state_of(&admin, "zoho").await["state"], "ok");

    // The check reads with the kept access token while it is valid: no new token asked for.
    let issued = vendors.to("/oauth/v2/token").len();
    assert_eq!(check(&admin, "zoho").await["state"], "ok");
    assert_eq!(vendors.to("/oauth/v2/token").len(), issued);
    assert_eq!(
        vendors.to("/crm/v6/Leads").pop().expect("read").header("authorization"),
        Some("Zoho-oauthtoken zoho-access-2")
    );

    // Both tokens are revoked: the check says so, with Zoho's error.
    vendors.expire("zoho-access");
    vendors.expire("zoho-refresh");
    let failing = check(&admin, "zoho").await;
    assert_eq!(failing["state"], "failing", "{failing}");
    assert!(failing["error"].as_str().expect("error").contains("invalid_code"), "{failing}");
    assert_eq!(state_of(&admin, "zoho").await["state"], "failing");
    let (_, settings) = admin.get("/api/admin/v1/settings").await;
    assert_eq!(
        (settings["settings"]["zoho_refresh_token"].as_str(), settings["settings"]["zoho_client_secret"].as_str()),
        (Some("***"), Some("***"))
    );
    server.stop().await;
}

#[tokio::test]
async fn zendesk_checks_an_api_token_or_an_oauth_token_and_shows_a_refusal() {
    let vendors = Vendors::start().await;
    let server = server_at(&vendors).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    let (code, body) = admin.post("/api/admin/v1/integrations/crm/zendesk/check", json!({})).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("crm-not-configured")), "{body}");
    let (code, _) = admin.post("/api/admin/v1/integrations/crm/salesforce/check", json!({})).await;
    assert_eq!(code, 404);
    assert_eq!(op.get("/api/admin/v1/integrations/crm").await.0, 403);

    vendors.allow("zendesk-token", "1");
    patch(
        &admin,
        json!({"zendesk_subdomain": "sila", "zendesk_login": ZENDESK_EMAIL, "zendesk_api_token": ZENDESK_TOKEN}),
    )
    .await;
    assert_eq!(check(&admin, "zendesk").await["state"], "ok");
    assert_eq!(vendors.to("/api/v2/users/me.json")[0].method, "GET");

    // The token is revoked in Zendesk: the ticket is refused and the integration shows why.
    vendors.expire("zendesk-token");
    new_chat(&server, "Вопрос").await;
    vendors.wait_until(|r| r.iter().any(|x| x.path() == "/api/v2/tickets.json")).await;
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = state_of(&admin, "zendesk").await;
        if seen["state"] == "failing" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen["error"].as_str().unwrap_or_default().contains("Couldn't authenticate you"), "{seen}");

    // An OAuth access token is sent as a bearer token instead.
    patch(&admin, json!({"zendesk_oauth_token": ZENDESK_OAUTH})).await;
    assert_eq!(check(&admin, "zendesk").await["state"], "ok");
    assert_eq!(bearer(&vendors.to("/api/v2/users/me.json").pop().expect("call")), format!("Bearer {ZENDESK_OAUTH}"));
    server.stop().await;
}

#[tokio::test]
async fn crm_secrets_read_as_a_mask_that_keeps_them_when_sent_back() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    patch(
        &admin,
        json!({"zendesk_api_token": ZENDESK_TOKEN, "zoho_client_secret": ZOHO_SECRET, "amocrm_client_id": AMO_CLIENT}),
    )
    .await;
    let (_, body) = admin.get("/api/admin/v1/settings").await;
    let doc = body["settings"].clone();
    assert_eq!((doc["zendesk_api_token"].as_str(), doc["zoho_client_secret"].as_str()), (Some("***"), Some("***")));
    assert_eq!((doc["zoho_refresh_token"].as_str(), doc["amocrm_client_id"].as_str()), (Some(""), Some(AMO_CLIENT)));

    // The whole document sent back (PUT), and a section with the mask (PATCH), keep them.
    assert_eq!(admin.call(Method::PUT, "/api/admin/v1/settings", Some(doc)).await.0, 200);
    patch(&admin, json!({"zendesk_api_token": "***", "zoho_lead_source": "Сайт"})).await;
    let s = server.store.settings().await.expect("settings");
    assert_eq!((s.zendesk_api_token.as_str(), s.zoho_client_secret.as_str()), (ZENDESK_TOKEN, ZOHO_SECRET));
    // An emptied field clears it.
    patch(&admin, json!({"zendesk_api_token": ""})).await;
    assert_eq!(server.store.settings().await.expect("settings").zendesk_api_token, "");
    let (code, body) =
        admin.call(Method::PATCH, "/api/admin/v1/settings", Some(json!({"amocrm_redirect_uri": "not a url"}))).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn tokens_past_their_lifetime_are_renewed_before_the_call() {
    let vendors = Vendors::start().await;
    let clock = std::sync::Arc::new(beseda_core::time::ManualClock::new());
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        api_urls: ApiUrls::all_at(&vendors.url),
        crm_retry_delays: vec![Duration::from_millis(100)],
        ..ServerConfig::default()
    };
    let server = TestServer::start_full(config, clock.clone()).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    patch(
        &admin,
        json!({"amocrm_account": "sila", "amocrm_client_id": AMO_CLIENT, "amocrm_client_secret": AMO_SECRET,
               "amocrm_redirect_uri": AMO_REDIRECT, "amocrm_auth_code": AMO_CODE, "zoho_client_id": ZOHO_CLIENT,
               "zoho_client_secret": ZOHO_SECRET, "zoho_refresh_token": ZOHO_REFRESH}),
    )
    .await;
    new_chat(&server, "Первый").await;
    let both = |n: usize| {
        move |r: &[Recorded]| {
            ["/api/v4/contacts", "/crm/v6/Leads"].iter().all(|p| r.iter().filter(|x| x.path() == *p).count() == n)
        }
    };
    vendors.wait_until(both(1)).await;
    let first = bearer(&vendors.to("/api/v4/contacts")[0]);

    // A day later both access tokens are past `expires_in` (amoCRM 86 400 s, Zoho 3 600 s):
    // renewed first, so no call is refused.
    clock.advance(Duration::from_secs(86_400));
    new_chat(&server, "Второй").await;
    vendors.wait_until(both(2)).await;
    let contacts = vendors.to("/api/v4/contacts");
    assert!(contacts.iter().all(|r| r.answered == 200), "{contacts:#?}");
    assert_ne!(bearer(&contacts[1]), first);
    assert_eq!(bearer(&contacts[1]), format!("Bearer {}", vendors.valid("amo-access").expect("token")));
    let grants: Vec<Value> = vendors.to("/oauth2/access_token").iter().map(Recorded::json).collect();
    assert_eq!(
        grants.iter().map(|g| g["grant_type"].as_str()).collect::<Vec<_>>(),
        [Some("authorization_code"), Some("refresh_token")]
    );
    assert!(vendors.to("/crm/v6/Leads").iter().all(|r| r.answered == 201));
    assert_eq!(vendors.to("/oauth/v2/token").len(), 2, "one Zoho token an hour");
    server.stop().await;
}

#[tokio::test]
async fn a_refresh_token_another_node_rotated_first_is_not_a_failure() {
    let (vendors, server, admin) = amocrm_connected(&[100]).await;

    // The access token expires; another node renews first (amo-refresh-1 → amo-refresh-2), so
    // amoCRM refuses this node's renewal with amo-refresh-1: the tokens the other node kept
    // are used, and the contact is made.
    vendors.expire("amo-access");
    vendors.race_with_another_node(server.store.clone(), Duration::ZERO);
    new_chat(&server, "Вопрос").await;
    vendors.wait_until(|r| r.iter().filter(|x| x.path() == "/api/v4/contacts").count() == 2).await;
    let contacts = vendors.to("/api/v4/contacts");
    assert_eq!((contacts[0].answered, contacts[1].answered), (401, 200));
    assert_eq!(bearer(&contacts[1]), "Bearer amo-access-2");
    let refused = vendors.to("/oauth2/access_token").pop().expect("renewal");
    assert_eq!((refused.json()["refresh_token"].as_str(), refused.answered), (Some("amo-refresh-1"), 400));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(state_of(&admin, "amocrm").await["state"], "ok");
    server.stop().await;
}

#[tokio::test]
async fn a_renewal_refused_while_another_node_has_not_kept_its_tokens_yet_is_retried() {
    let (vendors, server, admin) = amocrm_connected(&[600]).await;

    // Another node renews with amo-refresh-1 first and keeps its tokens only 300 ms later:
    // this node's renewal is refused while the kept refresh token is still the one it sent,
    // so the contact is tried again, then made with the other node's tokens.
    vendors.expire("amo-access");
    vendors.race_with_another_node(server.store.clone(), Duration::from_millis(300));
    new_chat(&server, "Вопрос").await;
    vendors.wait_until(|r| r.iter().filter(|x| x.path() == "/api/v4/contacts").count() == 2).await;
    let contacts = vendors.to("/api/v4/contacts");
    assert_eq!((contacts[0].answered, contacts[1].answered), (401, 200));
    assert_eq!(bearer(&contacts[1]), "Bearer amo-access-2");
    let grants = vendors.to("/oauth2/access_token");
    assert_eq!(grants.iter().map(|g| g.answered).collect::<Vec<_>>(), [200, 400]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(state_of(&admin, "amocrm").await["state"], "ok");
    server.stop().await;
}

#[tokio::test]
async fn zoho_token_requests_refused_as_too_many_are_retried_later() {
    let vendors = Vendors::start().await;
    let server = server_retrying(&vendors, &[500, 500]).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    patch(
        &admin,
        json!({"zoho_data_center": "eu", "zoho_client_id": ZOHO_CLIENT, "zoho_client_secret": ZOHO_SECRET,
               "zoho_refresh_token": ZOHO_REFRESH}),
    )
    .await;

    // Zoho Accounts blocks token requests for a while (400 "Access Denied"): the check shows
    // it, and the lead waits instead of being dropped.
    vendors.throttle_zoho_tokens(true);
    let blocked = check(&admin, "zoho").await;
    assert_eq!(blocked["state"], "failing", "{blocked}");
    let why = blocked["error"].as_str().expect("error");
    assert!(why.contains("Access Denied") && !why.contains("refused the refresh token"), "{why}");
    new_chat(&server, "Нужен счёт").await;
    vendors.wait_until(|r| r.iter().filter(|x| x.path() == "/oauth/v2/token").count() == 2).await;
    vendors.throttle_zoho_tokens(false);
    vendors.wait_until(|r| r.iter().any(|x| x.path() == "/crm/v6/Leads")).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let leads = vendors.to("/crm/v6/Leads");
    assert_eq!(leads.iter().map(|r| r.answered).collect::<Vec<_>>(), [201], "one lead");
    assert_eq!(state_of(&admin, "zoho").await["state"], "ok");
    server.stop().await;
}

#[tokio::test]
async fn a_contact_made_is_not_made_again_when_its_connection_state_cannot_be_saved() {
    let (vendors, server, _admin) = amocrm_connected(&[100]).await;
    server.refuse_setting_writes("crm.status.amocrm", true).await;
    new_chat(&server, "Вопрос").await;
    vendors.wait_until(|r| r.iter().any(|x| x.path() == "/api/v4/contacts")).await;
    // The outbox row is finished all the same.
    let mut unfinished = -1;
    for _ in 0..50 {
        let backlog = server.store.outbox_backlog().await.expect("backlog");
        unfinished = backlog.iter().filter(|(k, _)| k == "crm.amocrm").map(|(_, n)| *n).sum();
        if unfinished == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(unfinished, 0, "the call is done");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(vendors.to("/api/v4/contacts").len(), 1, "amoCRM has no idempotency key: one call only");
    server.refuse_setting_writes("crm.status.amocrm", false).await;
    server.stop().await;
}

#[tokio::test]
async fn rotated_amocrm_tokens_the_store_refuses_are_kept_in_memory_until_it_takes_them() {
    let (vendors, server, admin) = amocrm_connected(&[100]).await;

    // The store refuses the tokens amoCRM rotated (amo-refresh-1 is spent): the new ones are
    // used at once, and for the next renewal.
    server.refuse_setting_writes("crm.tokens.amocrm", true).await;
    for round in 1..=2 {
        vendors.expire("amo-access");
        new_chat(&server, "Вопрос").await;
        vendors
            .wait_until(|r| r.iter().filter(|x| x.path() == "/api/v4/contacts" && x.answered == 200).count() == round)
            .await;
        let refresh = vendors.to("/oauth2/access_token").pop().expect("renewal");
        assert_eq!(
            (refresh.json()["refresh_token"].as_str(), refresh.answered),
            (Some(format!("amo-refresh-{round}").as_str()), 200)
        );
        assert_eq!(
            bearer(&vendors.to("/api/v4/contacts").pop().expect("contact")),
            format!("Bearer amo-access-{}", round + 1)
        );
    }
    let kept = server.store.setting_doc("crm.tokens.amocrm").await.expect("doc").expect("tokens");
    assert_eq!(kept["refresh_token"], "amo-refresh-1");

    // The store takes writes again: the next call saves them.
    server.refuse_setting_writes("crm.tokens.amocrm", false).await;
    new_chat(&server, "Ещё").await;
    vendors.wait_until(|r| r.iter().filter(|x| x.path() == "/api/v4/contacts").count() == 5).await;
    let kept = server.store.setting_doc("crm.tokens.amocrm").await.expect("doc").expect("tokens");
    assert_eq!(
        (kept["access_token"].as_str(), kept["refresh_token"].as_str()),
        (Some("amo-access-3"), Some("amo-refresh-3"))
    );
    assert_eq!(state_of(&admin, "amocrm").await["state"], "ok");
    server.stop().await;
}
