//! Every client call and every error class, against the local Zoom simulator.
//!
//! Each test starts its own simulator (random port) so tests are independent and can run
//! in parallel.

use std::time::Duration;

use zoom::api::{CreateMeeting, Deleted, MeetingListType, MeetingRef, WebinarListType};
use zoom::{
    ErrorKind, Origin, Pkce, RateLimitScope, RetryPolicy, Secret, TokenSet, ZoomClient, ZoomConfig,
    ZoomError,
};
use zoom_sim::{AppSpec, Fault, FaultKind, Plan, UserType, ZoomSim};

const CLIENT_ID: &str = "lectern-test-client";
const CLIENT_SECRET: &str = "lectern-test-secret";
const REDIRECT: &str = "https://lectern.test/zoom/callback";

fn all_scopes() -> Vec<String> {
    [
        "user:read:user",
        "user:read:token",
        "user:read:zak",
        "user:read:user:admin",
        "user:read:list_users:admin",
        "meeting:write:meeting",
        "meeting:read:meeting",
        "meeting:read:list_meetings",
        "meeting:update:meeting",
        "meeting:delete:meeting",
        "webinar:write:webinar",
        "webinar:read:webinar",
        "webinar:read:list_webinars",
        "webinar:delete:webinar",
        "meeting:read:list_past_participants",
        "report:read:list_meeting_participants:admin",
        "cloud_recording:read:list_recording_files",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

struct Env {
    sim: ZoomSim,
    client: ZoomClient,
    user_id: String,
    tokens: TokenSet,
}

fn config_for(sim: &ZoomSim, secret: &str) -> ZoomConfig {
    let mut c =
        ZoomConfig::new(CLIENT_ID, secret, REDIRECT).with_bases(sim.base_url(), sim.api_base());
    c.retry = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        ..RetryPolicy::default()
    };
    c.request_timeout = Duration::from_secs(2);
    c
}

fn client_for(sim: &ZoomSim) -> ZoomClient {
    ZoomClient::new(config_for(sim, CLIENT_SECRET)).unwrap()
}

async fn env_with(plan: Plan, webinar_addon: bool, kind: UserType, scopes: Vec<String>) -> Env {
    let sim = ZoomSim::start().await.unwrap();
    let account = sim.create_account(plan, webinar_addon);
    let user_id = sim.create_user(&account, "teacher@lectern.test", "Ada", "Lovelace", kind);
    sim.create_app(AppSpec {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        redirect_uris: vec![REDIRECT.into()],
        scopes,
        owner_account_id: account.clone(),
        webhook_url: None,
        webhook_secret: "whsec".into(),
        sdk_key: None,
        sdk_secret: None,
    });
    let client = client_for(&sim);
    let pkce = Pkce::generate();
    let code = sim.issue_code(CLIENT_ID, &user_id, REDIRECT, Some(&pkce.challenge));
    let tokens = client
        .exchange_code(&code, Some(&pkce.verifier))
        .await
        .expect("code exchange");
    Env {
        sim,
        client,
        user_id,
        tokens,
    }
}

async fn env() -> Env {
    env_with(Plan::Business, true, UserType::Licensed, all_scopes()).await
}

fn soon() -> jiff::Timestamp {
    jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24)
}

fn assert_kind(err: &ZoomError, kind: &ErrorKind) {
    assert_eq!(&err.kind(), kind, "unexpected error: {err} ({err:?})");
}

// ---------------------------------------------------------------- OAuth

#[tokio::test]
async fn code_exchange_gives_absolute_expiry_and_api_url() {
    let e = env().await;
    let t = &e.tokens;
    let life = t.expires_at.duration_since(t.obtained_at).as_secs();
    assert!((3590..=3600).contains(&life), "lifetime {life}");
    assert!(t.api_url.is_some());
    let api = e.client.api(t);
    assert_eq!(api.base(), e.sim.api_base());
    assert!(!t.scopes.is_empty());
    let me = api.me().await.unwrap();
    assert_eq!(me.id, e.user_id);
    assert_eq!(me.email, "teacher@lectern.test");
    let same = api.user(&e.user_id).await.unwrap();
    assert_eq!(same.id, me.id);
    let by_mail = api.user("teacher@lectern.test").await.unwrap();
    assert_eq!(by_mail.id, me.id);
}

#[tokio::test]
async fn authorize_url_with_auto_approve_then_exchange() {
    let e = env().await;
    e.sim.set_auto_approve(true);
    e.sim.set_login_user(&e.user_id);
    let req = e.client.authorize_url();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = browser.get(&req.url).send().await.unwrap();
    assert!(resp.status().is_redirection(), "status {}", resp.status());
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    let url = url::Url::parse(&location).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["state"], req.state);
    let code = q["code"].clone();

    // A wrong PKCE verifier is refused as invalid_grant.
    let wrong = Pkce::generate().verifier;
    let err = e
        .client
        .exchange_code(&code, Some(&wrong))
        .await
        .unwrap_err();
    assert_eq!(err.origin(), Origin::TokenEndpoint);
    assert_kind(&err, &ErrorKind::InvalidGrant);

    // A fresh code with the right verifier works; the code is single use.
    let resp = browser.get(&req.url).send().await.unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let url = url::Url::parse(&location).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let tokens = e
        .client
        .exchange_code(&code, Some(&req.pkce_verifier))
        .await
        .unwrap();
    e.client.api(&tokens).me().await.unwrap();
    let err = e
        .client
        .exchange_code(&code, Some(&req.pkce_verifier))
        .await
        .unwrap_err();
    assert_kind(&err, &ErrorKind::InvalidGrant);
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client() {
    let e = env().await;
    let bad = ZoomClient::new(config_for(&e.sim, "not-the-secret")).unwrap();
    let code = e.sim.issue_code(CLIENT_ID, &e.user_id, REDIRECT, None);
    let err = bad.exchange_code(&code, None).await.unwrap_err();
    assert_kind(&err, &ErrorKind::InvalidClient);
    assert!(!err.to_string().contains("not-the-secret"));
}

#[tokio::test]
async fn refresh_rotates_and_old_refresh_token_is_invalid_grant() {
    let e = env().await;
    let t2 = e.client.refresh(&e.tokens.refresh_token).await.unwrap();
    assert_ne!(t2.refresh_token, e.tokens.refresh_token);
    assert_ne!(t2.access_token, e.tokens.access_token);
    e.client.api(&t2).me().await.unwrap();
    let err = e.client.refresh(&e.tokens.refresh_token).await.unwrap_err();
    assert_kind(&err, &ErrorKind::InvalidGrant);
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.oauth_error(), Some("invalid_grant"));
    assert!(err.message().contains("Invalid Token!"));
    // Refresh calls are never retried: exactly two reached the token endpoint.
    assert_eq!(e.sim.count_requests("POST", "/oauth/token"), 3);
    // The latest refresh token still works.
    let t3 = e.client.refresh(&t2.refresh_token).await.unwrap();
    e.client.api(&t3).me().await.unwrap();
}

#[tokio::test]
async fn expired_access_token_is_token_invalid_then_refresh_works() {
    let e = env().await;
    e.sim.advance_time(Duration::from_secs(3600));
    let err = e.client.api(&e.tokens).me().await.unwrap_err();
    assert_kind(&err, &ErrorKind::TokenInvalid);
    assert_eq!(err.code(), Some(124));
    let fresh = e.client.refresh(&e.tokens.refresh_token).await.unwrap();
    e.client.api(&fresh).me().await.unwrap();
}

#[tokio::test]
async fn garbage_token_is_token_invalid() {
    let e = env().await;
    let api = e
        .client
        .api_with_token(Secret::new("not-a-token"), e.tokens.api_url.as_deref());
    let err = api.me().await.unwrap_err();
    assert_kind(&err, &ErrorKind::TokenInvalid);
    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn revoke_kills_the_grant() {
    let e = env().await;
    e.client.revoke(&e.tokens.access_token).await.unwrap();
    let err = e.client.api(&e.tokens).me().await.unwrap_err();
    assert_kind(&err, &ErrorKind::TokenInvalid);
}

// ---------------------------------------------------------------- users & tokens

#[tokio::test]
async fn users_list_and_pagination_walk() {
    let e = env().await;
    // Add more users to the same account so that page_size 2 needs several pages.
    let me = e.client.api(&e.tokens).me().await.unwrap();
    for i in 0..4 {
        e.sim.create_user(
            &me.account_id,
            &format!("s{i}@lectern.test"),
            "S",
            &i.to_string(),
            UserType::Basic,
        );
    }
    let api = e.client.api(&e.tokens);
    let first = api.list_users(Some(2), None).await.unwrap();
    assert_eq!(first.items.len(), 2);
    assert!(first.next_page_token.is_some());
    let all = api.list_all_users().await.unwrap();
    assert_eq!(all.len(), 5);
    let mut ids: Vec<_> = all.iter().map(|u| u.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

#[tokio::test]
async fn unknown_user_is_not_found() {
    let e = env().await;
    let err = e
        .client
        .api(&e.tokens)
        .user("nobody@nowhere.test")
        .await
        .unwrap_err();
    assert_kind(&err, &ErrorKind::NotFound);
    assert_eq!(err.code(), Some(1001));
}

#[tokio::test]
async fn zak_and_onbehalf_tokens() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    let zak = api.zak_token("me").await.unwrap();
    assert!(!zak.expose().is_empty());
    assert_eq!(format!("{zak:?}"), "[redacted]");
    let zak2 = api.zak_token(&e.user_id).await.unwrap();
    assert!(!zak2.expose().is_empty());
    let me_zak = api.me_zak().await.unwrap();
    assert!(!me_zak.expose().is_empty());

    let m = api
        .create_meeting("me", &CreateMeeting::scheduled("OBF", soon(), 30))
        .await
        .unwrap();
    // Zoom issues an OBF token only while its user is in the meeting.
    let err = api.onbehalf_token("me", m.id, 600).await.unwrap_err();
    assert_kind(&err, &ErrorKind::InvalidRequest);
    e.sim.host_joins(m.id);
    let obf = api.onbehalf_token("me", m.id, 600).await.unwrap();
    assert!(!obf.expose().is_empty());
    let sent = e
        .sim
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.query.as_deref().is_some_and(|q| q.contains("onbehalf")))
        .unwrap();
    assert!(sent.query.unwrap().contains("ttl=600"));
}

// ---------------------------------------------------------------- meetings

#[tokio::test]
async fn meeting_create_get_list_delete() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    let mut req = CreateMeeting::scheduled("Lecture 1", soon(), 90);
    req.agenda = Some("Intro".into());
    let m = api.create_meeting("me", &req).await.unwrap();
    assert_eq!(m.topic, "Lecture 1");
    assert!(m.id > 0);
    assert!(!m.uuid.is_empty());
    assert!(!m.join_url.is_empty());
    assert!(m.start_url.is_some());

    let got = api.meeting(m.id).await.unwrap();
    assert_eq!(got.id, m.id);
    assert_eq!(got.agenda.as_deref(), Some("Intro"));
    let by_uuid = api.meeting(m.uuid.as_str()).await.unwrap();
    assert_eq!(by_uuid.id, m.id);

    let m2 = api
        .create_meeting(
            &e.user_id,
            &CreateMeeting::scheduled("Lecture 2", soon(), 60),
        )
        .await
        .unwrap();
    let page = api
        .list_meetings("me", MeetingListType::Scheduled, Some(1), None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(page.next_page_token.is_some());
    let all = api
        .list_all_meetings("me", MeetingListType::Scheduled)
        .await
        .unwrap();
    let mut ids: Vec<i64> = all.iter().map(|m| m.id).collect();
    ids.sort();
    let mut want = vec![m.id, m2.id];
    want.sort();
    assert_eq!(ids, want);

    assert_eq!(api.delete_meeting(m.id, None).await.unwrap(), Deleted::Now);
    // Deleting again is not an error: the meeting is gone either way.
    assert_eq!(
        api.delete_meeting(m.id, None).await.unwrap(),
        Deleted::AlreadyGone
    );
    let err = api.meeting(m.id).await.unwrap_err();
    assert_kind(&err, &ErrorKind::NotFound);
    assert_eq!(err.code(), Some(3001));
    assert!(err.is_already_gone());
}

#[tokio::test]
async fn uuid_with_slashes_is_double_encoded() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    let mut found = None;
    for i in 0..8 {
        let m = api
            .create_meeting("me", &CreateMeeting::scheduled(format!("U{i}"), soon(), 30))
            .await
            .unwrap();
        if zoom::path::needs_double_encoding(&m.uuid) {
            found = Some(m);
            break;
        }
    }
    let m = found.expect("the simulator hands out UUIDs with '/' regularly");
    let got = api.meeting(m.uuid.as_str()).await.unwrap();
    assert_eq!(got.id, m.id);

    // Single encoding is what Zoom (and the simulator) refuse: proves the test bites.
    let single: String = url::form_urlencoded::byte_serialize(m.uuid.as_bytes()).collect();
    let resp = reqwest::Client::new()
        .get(format!("{}/meetings/{}", e.sim.api_base(), single))
        .bearer_auth(e.tokens.access_token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn missing_scopes_are_named() {
    let scopes = all_scopes()
        .into_iter()
        .filter(|s| !s.starts_with("meeting:write"))
        .collect();
    let e = env_with(Plan::Pro, false, UserType::Licensed, scopes).await;
    let api = e.client.api(&e.tokens);
    let err = api
        .create_meeting("me", &CreateMeeting::scheduled("x", soon(), 30))
        .await
        .unwrap_err();
    match err.kind() {
        ErrorKind::MissingScopes { scopes } => {
            assert_eq!(scopes, vec!["meeting:write:meeting".to_string()], "{err}")
        }
        k => panic!("expected MissingScopes, got {k:?}: {err}"),
    }
}

#[tokio::test]
async fn unassigned_user_cannot_host() {
    let e = env_with(Plan::Pro, false, UserType::Unassigned, all_scopes()).await;
    let err = e
        .client
        .api(&e.tokens)
        .create_meeting("me", &CreateMeeting::scheduled("x", soon(), 30))
        .await
        .unwrap_err();
    assert_kind(&err, &ErrorKind::NotEnabled);
    assert_eq!(err.code(), Some(3161));
}

#[tokio::test]
async fn invalid_page_token_is_invalid_request() {
    let e = env().await;
    let err = e
        .client
        .api(&e.tokens)
        .list_meetings("me", MeetingListType::Scheduled, None, Some("bogus-token"))
        .await
        .unwrap_err();
    assert_kind(&err, &ErrorKind::InvalidRequest);
}

#[tokio::test]
async fn validation_errors_carry_fields() {
    let e = env().await;
    let mut req = CreateMeeting::scheduled("x".repeat(300), soon(), 30);
    req.kind = 2;
    let err = e
        .client
        .api(&e.tokens)
        .create_meeting("me", &req)
        .await
        .unwrap_err();
    assert_kind(&err, &ErrorKind::InvalidRequest);
    assert_eq!(err.code(), Some(300), "{err}");
}

// ---------------------------------------------------------------- webinars

#[tokio::test]
async fn webinar_create_get_delete() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    let w = api
        .create_webinar("me", &CreateMeeting::webinar("Guest talk", soon(), 60))
        .await
        .unwrap();
    assert_eq!(w.kind, Some(5));
    let got = api.webinar(w.id).await.unwrap();
    assert_eq!(got.id, w.id);
    assert_eq!(api.delete_webinar(w.id).await.unwrap(), Deleted::Now);
    assert_eq!(
        api.delete_webinar(w.id).await.unwrap(),
        Deleted::AlreadyGone
    );
    let err = api.webinar(w.id).await.unwrap_err();
    assert_kind(&err, &ErrorKind::NotFound);
}

#[tokio::test]
async fn webinar_list_walks_every_page_and_the_get_has_what_the_list_cuts() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    let mut req = CreateMeeting::webinar("Guest talk", soon(), 60);
    req.agenda = Some(format!("[mark] {}", "long ".repeat(100)));
    let mut want = vec![];
    for _ in 0..3 {
        want.push(api.create_webinar("me", &req).await.unwrap().id);
    }
    api.create_meeting("me", &CreateMeeting::scheduled("Not a webinar", soon(), 30))
        .await
        .unwrap();
    let page = api
        .list_webinars("me", WebinarListType::Scheduled, Some(2), None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.total_records, Some(3));
    assert!(page.next_page_token.is_some());
    let all = api
        .list_all_webinars("me", WebinarListType::Upcoming)
        .await
        .unwrap();
    let mut ids: Vec<i64> = all.iter().map(|w| w.id).collect();
    ids.sort();
    want.sort();
    assert_eq!(ids, want);
    let listed = &all[0];
    assert_eq!(
        listed.agenda.as_deref().map(|a| a.chars().count()),
        Some(250)
    );
    assert_eq!(listed.password, None);
    let full = api.webinar(listed.id).await.unwrap();
    assert_eq!(full.agenda, req.agenda);
    assert!(full.password.is_some());
}

#[tokio::test]
async fn webinar_plan_missing_and_no_permission() {
    let e = env_with(Plan::Pro, false, UserType::Licensed, all_scopes()).await;
    let err = e
        .client
        .api(&e.tokens)
        .create_webinar("me", &CreateMeeting::webinar("x", soon(), 60))
        .await
        .unwrap_err();
    assert_kind(&err, &ErrorKind::WebinarPlanMissing);
    assert_eq!(err.code(), Some(200));

    let e = env_with(Plan::Pro, true, UserType::Basic, all_scopes()).await;
    let err = e
        .client
        .api(&e.tokens)
        .create_webinar("me", &CreateMeeting::webinar("x", soon(), 60))
        .await
        .unwrap_err();
    assert_kind(&err, &ErrorKind::NoPermission);
}

// ---------------------------------------------------------------- attendance & recordings

#[tokio::test]
async fn past_and_report_participants_paginate() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    let m = api
        .create_meeting("me", &CreateMeeting::scheduled("Seminar", soon(), 60))
        .await
        .unwrap();
    e.sim.host_joins(m.id);
    for i in 0..5 {
        e.sim.participant_join(
            m.id,
            &format!("Student {i}"),
            &format!("s{i}@lectern.test"),
            &format!("key-{i}"),
        );
    }
    e.sim.advance_time(Duration::from_secs(600));
    e.sim.participant_leave(m.id, "key-0");
    e.sim.end_meeting(m.id);
    let sm = e.sim.meeting(m.id).unwrap();
    let instance = sm.past_uuids.last().expect("ended instance").clone();
    let r = MeetingRef::Uuid(instance);

    let page = api
        .past_meeting_participants(&r, Some(2), None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.next_page_token.is_some());
    let all = api.all_past_meeting_participants(&r).await.unwrap();
    assert_eq!(all.len(), 6, "{all:?}");
    assert!(all.iter().all(|p| p.join_time.is_some()));

    let all = api.all_report_meeting_participants(&r).await.unwrap();
    assert_eq!(all.len(), 6);
    let mut keys: Vec<_> = all.iter().filter_map(|p| p.customer_key.clone()).collect();
    keys.sort();
    assert_eq!(keys, vec!["key-0", "key-1", "key-2", "key-3", "key-4"]);
    let page = api
        .report_meeting_participants(&r, Some(4), None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 4);

    // By numeric id too (latest instance).
    let by_id = api
        .all_past_meeting_participants(&MeetingRef::Id(m.id))
        .await
        .unwrap();
    assert_eq!(by_id.len(), 6);
}

#[tokio::test]
async fn recordings_and_missing_recording() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    let m = api
        .create_meeting("me", &CreateMeeting::scheduled("Rec", soon(), 60))
        .await
        .unwrap();
    let err = api
        .meeting_recordings(&MeetingRef::Id(m.id))
        .await
        .unwrap_err();
    assert_kind(&err, &ErrorKind::NotFound);
    e.sim.host_joins(m.id);
    e.sim.end_meeting(m.id);
    e.sim.complete_recording(m.id);
    let rec = api.meeting_recordings(&MeetingRef::Id(m.id)).await.unwrap();
    assert!(!rec.recording_files.is_empty());
    assert!(rec.recording_files.iter().any(|f| f.download_url.is_some()));

    // Download: bearer on Zoom's link, redirect followed without it, bytes streamed.
    let f = &rec.recording_files[0];
    let url = f.download_url.as_deref().unwrap();
    let timeout = std::time::Duration::from_secs(30);
    let resp = api.download_recording(url, timeout).await.unwrap();
    let body = resp.bytes().await.unwrap();
    assert!(body.starts_with(format!("zoom-sim recording {}", f.id).as_bytes()));
    assert_eq!(body.len(), 1_048_576);
    let downloads = e.sim.count_requests("GET", "/rec/");
    // A link elsewhere never receives the token (no request is made at all).
    for foreign in [
        "https://attacker.example/rec/download/x",
        "http://zoom.us/rec/download/x",
        "http://zoom.us:443/rec/download/x",
        "https://zoom.us:8443/rec/download/x",
        "https://zoom.us@attacker.example/rec/download/x",
        "https://zoom.us./rec/download/x",
        "https://zoom.us.attacker.example/x",
        "not a url",
    ] {
        assert!(
            api.download_recording(foreign, timeout).await.is_err(),
            "{foreign}"
        );
    }
    assert_eq!(e.sim.count_requests("GET", "/rec/"), downloads);
    // A file Zoom does not have: its error, classified.
    let gone = url.replace(&f.id, "no-such-file");
    let err = api.download_recording(&gone, timeout).await.unwrap_err();
    assert_kind(&err, &ErrorKind::NotFound);
}

// ---------------------------------------------------------------- rate limits

#[tokio::test]
async fn per_second_rate_limit_is_classified_and_not_retried_when_told_not_to() {
    let e = env_with(Plan::Basic, false, UserType::Licensed, all_scopes()).await;
    let mut cfg = config_for(&e.sim, CLIENT_SECRET);
    cfg.retry.retry_rate_limited = false;
    let client = ZoomClient::new(cfg).unwrap();
    let api = client.api(&e.tokens);
    let before = e.sim.count_requests("GET", "/v2/users/me");
    let results = futures_join_all((0..12).map(|_| api.me())).await;
    let limited: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        !limited.is_empty(),
        "Basic plan allows 4 Light calls per second"
    );
    for err in &limited {
        match err.kind() {
            ErrorKind::RateLimited {
                scope: RateLimitScope::PerSecond,
                retry_at,
            } => assert!(retry_at > jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1)),
            k => panic!("expected per-second RateLimited, got {k:?}: {err}"),
        }
    }
    // 429 is not retried by this client.
    assert_eq!(e.sim.count_requests("GET", "/v2/users/me") - before, 12);

    // Injected 429 on a route.
    e.sim.clear_faults();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    e.sim.inject_fault(Fault {
        method: Some("GET".into()),
        path_prefix: "/v2/users/me".into(),
        kind: FaultKind::RateLimited,
        times: Some(1),
    });
    let err = api.me().await.unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::RateLimited {
            scope: RateLimitScope::PerSecond,
            ..
        }
    ));
}

async fn futures_join_all<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    // Drive all futures concurrently on this task without extra dependencies.
    let futs: Vec<_> = futs.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    let mut futs: Vec<_> = futs.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, slot) in futs.iter_mut().enumerate() {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        out[i] = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|o| o.unwrap()).collect()
}

#[tokio::test]
async fn daily_host_limit_retries_at_utc_midnight() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    let mut created = 0;
    let err = loop {
        match api
            .create_meeting(
                "me",
                &CreateMeeting::scheduled(format!("M{created}"), soon(), 30),
            )
            .await
        {
            Ok(_) => created += 1,
            Err(err)
                if matches!(
                    err.kind(),
                    ErrorKind::RateLimited {
                        scope: RateLimitScope::PerSecond,
                        ..
                    }
                ) =>
            {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            Err(err) => break err,
        }
        assert!(created <= 100, "no daily limit after 101 creates");
    };
    assert_eq!(created, 100);
    match err.kind() {
        ErrorKind::RateLimited {
            scope: RateLimitScope::DailyHost,
            retry_at,
        } => {
            let z = retry_at.to_zoned(jiff::tz::TimeZone::UTC);
            assert_eq!((z.hour(), z.minute(), z.second()), (0, 0, 0), "{retry_at}");
            assert!(retry_at > e.sim.now());
        }
        k => panic!("expected DailyHost, got {k:?}: {err}"),
    }
    // After the UTC day rolls over in the simulator, creating works again.
    let now = e.sim.now();
    let to_midnight = zoom::error::next_utc_midnight(now).duration_since(now);
    e.sim
        .advance_time(Duration::from_secs(to_midnight.as_secs() as u64 + 1));
    let fresh = e.client.refresh(&e.tokens.refresh_token).await.unwrap();
    e.client
        .api(&fresh)
        .create_meeting("me", &CreateMeeting::scheduled("next day", soon(), 30))
        .await
        .unwrap();
}

// ---------------------------------------------------------------- transient faults & retries

fn fault(method: &str, prefix: &str, kind: FaultKind, times: u32) -> Fault {
    Fault {
        method: Some(method.into()),
        path_prefix: prefix.into(),
        kind,
        times: Some(times),
    }
}

#[tokio::test]
async fn get_is_retried_on_5xx_within_bound() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    e.sim
        .inject_fault(fault("GET", "/v2/users/me", FaultKind::Status(503), 2));
    api.me().await.unwrap();
    assert_eq!(e.sim.count_requests("GET", "/v2/users/me"), 3);

    e.sim
        .inject_fault(fault("GET", "/v2/users/me", FaultKind::Status(502), 10));
    let err = api.me().await.unwrap_err();
    assert_kind(&err, &ErrorKind::Transient);
    assert_eq!(err.status(), Some(502));
    assert_eq!(e.sim.count_requests("GET", "/v2/users/me"), 6);
}

#[tokio::test]
async fn post_create_meeting_is_never_retried() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    let path = "/v2/users/me/meetings";
    e.sim
        .inject_fault(fault("POST", path, FaultKind::Status(500), 1));
    let err = api
        .create_meeting("me", &CreateMeeting::scheduled("x", soon(), 30))
        .await
        .unwrap_err();
    assert_kind(&err, &ErrorKind::Transient);
    assert_eq!(e.sim.count_requests("POST", path), 1);
    assert!(e.sim.meetings().is_empty());

    // The dangerous case: Zoom committed, the response was lost. No retry, so no
    // duplicate meeting; the app reconciles by listing.
    e.sim
        .inject_fault(fault("POST", path, FaultKind::CommitThenDrop, 1));
    let err = api
        .create_meeting("me", &CreateMeeting::scheduled("y", soon(), 30))
        .await
        .unwrap_err();
    assert_kind(&err, &ErrorKind::Transient);
    assert_eq!(e.sim.count_requests("POST", path), 2);
    assert_eq!(e.sim.meetings().len(), 1);
    let listed = api
        .list_all_meetings("me", MeetingListType::Scheduled)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].topic, "y");
}

#[tokio::test]
async fn delete_retried_after_lost_response_counts_as_success() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    let m = api
        .create_meeting("me", &CreateMeeting::scheduled("d", soon(), 30))
        .await
        .unwrap();
    let path = format!("/v2/meetings/{}", m.id);
    e.sim
        .inject_fault(fault("DELETE", &path, FaultKind::CommitThenDrop, 1));
    assert_eq!(
        api.delete_meeting(m.id, None).await.unwrap(),
        Deleted::AlreadyGone
    );
    assert_eq!(e.sim.count_requests("DELETE", &path), 2);
}

#[tokio::test]
async fn timeouts_are_transient_and_retried_only_for_get() {
    let e = env().await;
    let mut cfg = config_for(&e.sim, CLIENT_SECRET);
    cfg.request_timeout = Duration::from_millis(300);
    let client = ZoomClient::new(cfg).unwrap();
    let api = client.api(&e.tokens);

    e.sim
        .inject_fault(fault("GET", "/v2/users/me", FaultKind::Timeout, 1));
    api.me().await.unwrap();
    assert_eq!(e.sim.count_requests("GET", "/v2/users/me"), 2);

    e.sim
        .inject_fault(fault("GET", "/v2/users/me", FaultKind::Timeout, 5));
    let err = api.me().await.unwrap_err();
    assert_eq!(err.origin(), Origin::Timeout);
    assert_kind(&err, &ErrorKind::Transient);
    e.sim.clear_faults();

    let path = "/v2/users/me/meetings";
    e.sim
        .inject_fault(fault("POST", path, FaultKind::Timeout, 1));
    let err = api
        .create_meeting("me", &CreateMeeting::scheduled("t", soon(), 30))
        .await
        .unwrap_err();
    assert_eq!(err.origin(), Origin::Timeout);
    assert_eq!(e.sim.count_requests("POST", path), 1);
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let e = env().await;
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let api = e.client.api_with_token(
        e.tokens.access_token.clone(),
        Some(&format!("http://127.0.0.1:{port}")),
    );
    let err = api.me().await.unwrap_err();
    assert_eq!(err.origin(), Origin::Connect);
    assert_kind(&err, &ErrorKind::Transient);
}

#[tokio::test]
async fn token_endpoint_5xx_is_transient_and_not_retried() {
    let e = env().await;
    e.sim
        .inject_fault(fault("POST", "/oauth/token", FaultKind::Status(503), 1));
    let before = e.sim.count_requests("POST", "/oauth/token");
    let err = e.client.refresh(&e.tokens.refresh_token).await.unwrap_err();
    assert_kind(&err, &ErrorKind::Transient);
    assert_eq!(e.sim.count_requests("POST", "/oauth/token") - before, 1);
    // The refresh token was not consumed by the failed call.
    e.client.refresh(&e.tokens.refresh_token).await.unwrap();
}

// ---------------------------------------------------------------- Meeting SDK

#[tokio::test]
async fn sdk_signature_is_accepted_by_the_simulated_sdk() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    let m = api
        .create_meeting("me", &CreateMeeting::scheduled("SDK", soon(), 60))
        .await
        .unwrap();
    let join = |body: serde_json::Value| {
        let url = format!("{}/_sim/sdk/join", e.sim.base_url());
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Host: role 1 with a fresh ZAK.
    let host_sig = e
        .client
        .sdk_signature(m.id, zoom::sdk::Role::Host, 7200)
        .unwrap();
    let zak = api.zak_token("me").await.unwrap();
    let status = join(serde_json::json!({
        "signature": host_sig,
        "meetingNumber": m.id.to_string(),
        "password": m.password.clone().unwrap_or_default(),
        "userName": "Ada Lovelace",
        "userEmail": "teacher@lectern.test",
        "zak": zak.expose(),
    }))
    .await;
    assert_eq!(status, 200);
    // Attendee: role 0, recognised later by customerKey.
    let sig = e
        .client
        .sdk_signature(m.id, zoom::sdk::Role::Attendee, 3600)
        .unwrap();
    let status = join(serde_json::json!({
        "signature": sig,
        "meetingNumber": m.id,
        "password": m.password.clone().unwrap_or_default(),
        "userName": "Stu Dent",
        "userEmail": "stu@lectern.test",
        "customerKey": "stu-1",
    }))
    .await;
    assert_eq!(status, 200);
    // A signature made with the wrong secret is refused.
    let claims = zoom::sdk::SdkClaims::new(
        m.id,
        zoom::sdk::Role::Attendee,
        jiff::Timestamp::now(),
        3600,
    );
    let forged = zoom::sdk::sign(CLIENT_ID, &Secret::new("wrong"), &claims).unwrap();
    let _ = join(serde_json::json!({
        "signature": forged,
        "meetingNumber": m.id,
        "password": m.password.clone().unwrap_or_default(),
        "userName": "Mallory",
        "userEmail": "m@evil.test",
        "customerKey": "mallory",
    }))
    .await;
    let sm = e.sim.meeting(m.id).unwrap();
    let keys: Vec<_> = sm
        .participants
        .iter()
        .map(|p| p.customer_key.as_str())
        .collect();
    assert!(keys.contains(&"stu-1"), "{keys:?}");
    assert!(!keys.contains(&"mallory"), "{keys:?}");
    assert!(sm.participants.iter().any(|p| p.is_host));
}

// ---------------------------------------------------------------- outages: retries within a bound

#[tokio::test]
async fn per_second_429_with_retry_after_waits_and_succeeds() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    e.sim
        .inject_fault(fault("GET", "/v2/users/me", FaultKind::RetryAfter(1), 1));
    let t0 = std::time::Instant::now();
    api.me().await.unwrap();
    assert!(t0.elapsed() >= Duration::from_secs(1), "{:?}", t0.elapsed());
    assert_eq!(e.sim.count_requests("GET", "/v2/users/me"), 2);

    // A 429 means Zoom did nothing, so even a create is sent again: one meeting.
    let path = "/v2/users/me/meetings";
    e.sim
        .inject_fault(fault("POST", path, FaultKind::RetryAfter(1), 1));
    api.create_meeting("me", &CreateMeeting::scheduled("after 429", soon(), 30))
        .await
        .unwrap();
    assert_eq!(e.sim.count_requests("POST", path), 2);
    assert_eq!(e.sim.meetings().len(), 1);
}

#[tokio::test]
async fn a_retry_after_beyond_the_bound_fails_at_once() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    e.sim
        .inject_fault(fault("GET", "/v2/users/me", FaultKind::RetryAfter(30), 1));
    let t0 = std::time::Instant::now();
    let err = api.me().await.unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    match err.kind() {
        ErrorKind::RateLimited {
            scope: RateLimitScope::PerSecond,
            retry_at,
        } => assert!(retry_at > jiff::Timestamp::now() + jiff::SignedDuration::from_secs(25)),
        k => panic!("expected RateLimited, got {k:?}"),
    }
    assert_eq!(e.sim.count_requests("GET", "/v2/users/me"), 1);
}

#[tokio::test]
async fn retries_stop_at_the_time_bound() {
    let e = env().await;
    let mut cfg = config_for(&e.sim, CLIENT_SECRET);
    cfg.retry = RetryPolicy {
        max_attempts: 10,
        initial_backoff: Duration::from_millis(200),
        max_backoff: Duration::from_millis(200),
        max_elapsed: Duration::from_millis(700),
        retry_rate_limited: true,
    };
    let client = ZoomClient::new(cfg).unwrap();
    let api = client.api(&e.tokens);
    e.sim.inject_fault(Fault {
        method: Some("GET".into()),
        path_prefix: "/v2/users/me".into(),
        kind: FaultKind::Status(503),
        times: None,
    });
    let t0 = std::time::Instant::now();
    let err = api.me().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(
        t0.elapsed() < Duration::from_millis(900),
        "{:?}",
        t0.elapsed()
    );
    let sent = e.sim.count_requests("GET", "/v2/users/me");
    assert!((2..=4).contains(&sent), "{sent} tries within 700 ms");
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_a_post() {
    let e = env().await;
    // Nothing listens on the port at first; Zoom "comes back" on it during the backoff.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut cfg = config_for(&e.sim, CLIENT_SECRET);
    cfg.retry.initial_backoff = Duration::from_millis(300);
    cfg.retry.max_backoff = Duration::from_millis(300);
    let client = ZoomClient::new(cfg).unwrap();
    let api = client.api_with_token(
        e.tokens.access_token.clone(),
        Some(&format!("http://127.0.0.1:{port}")),
    );
    let sim_addr = e.sim.api_base().replace("http://", "").replace("/v2", "");
    let relay = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        loop {
            let (mut inbound, _) = l.accept().await.unwrap();
            let mut outbound = tokio::net::TcpStream::connect(&sim_addr).await.unwrap();
            tokio::spawn(async move {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            });
        }
    });
    api.create_meeting("me", &CreateMeeting::scheduled("reconnected", soon(), 30))
        .await
        .unwrap();
    relay.abort();
    assert_eq!(e.sim.count_requests("POST", "/v2/users/me/meetings"), 1);
    assert_eq!(e.sim.meetings().len(), 1);
}

// ---------------------------------------------------------------- outages: the circuit breaker

fn circuit_client(sim: &ZoomSim, cooldown: Duration) -> ZoomClient {
    let mut cfg = config_for(sim, CLIENT_SECRET);
    cfg.circuit = zoom::CircuitConfig {
        failure_threshold: 5,
        window: Duration::from_secs(60),
        cooldown,
    };
    ZoomClient::new(cfg).unwrap()
}

#[tokio::test]
async fn permanent_5xx_opens_the_circuit_which_fails_fast_then_closes_after_recovery() {
    let e = env().await;
    let client = circuit_client(&e.sim, Duration::from_millis(500));
    let conn = client.in_circuit("connection:1");
    let api = conn.api(&e.tokens);
    e.sim.inject_fault(Fault {
        method: None,
        path_prefix: "/v2/".into(),
        kind: FaultKind::Status(500),
        times: None,
    });
    // 3 tries, then 2 more: the fifth consecutive failure opens the circuit.
    assert_eq!(api.me().await.unwrap_err().status(), Some(500));
    assert_eq!(e.sim.count_requests("GET", "/v2/users/me"), 3);
    let err = api.me().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::CircuitOpen { .. }),
        "{err:?}"
    );
    assert_eq!(e.sim.count_requests("GET", "/v2/users/me"), 5);
    assert!(matches!(
        client.circuits().state("connection:1"),
        zoom::CircuitState::Open { .. }
    ));
    assert_eq!(client.circuits().open_count(), 1);

    // Open: every call, REST or token, fails at once without reaching Zoom.
    let sent = e.sim.requests().len();
    for _ in 0..50 {
        let t0 = std::time::Instant::now();
        let err = api.me().await.unwrap_err();
        assert!(
            t0.elapsed() < Duration::from_millis(50),
            "{:?}",
            t0.elapsed()
        );
        match err.kind() {
            ErrorKind::CircuitOpen { retry_at } => {
                assert!(retry_at <= jiff::Timestamp::now() + jiff::SignedDuration::from_secs(1))
            }
            k => panic!("expected CircuitOpen, got {k:?}"),
        }
        assert!(!err.is_transient(), "nothing was sent: not ambiguous");
        assert_eq!(err.origin(), Origin::CircuitOpen);
    }
    let err = conn.refresh(&e.tokens.refresh_token).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::CircuitOpen { .. }));
    assert_eq!(
        e.sim.requests().len(),
        sent,
        "nothing reached the simulator"
    );
    assert!(client.circuits().short_circuited_total() >= 51);

    // Another connection's circuit is its own.
    let other = client.in_circuit("connection:2").api(&e.tokens);
    assert_eq!(other.me().await.unwrap_err().status(), Some(500));

    // Still failing after the cool-down: the one trial fails and the circuit opens again.
    tokio::time::sleep(Duration::from_millis(550)).await;
    let before = e.sim.count_requests("GET", "/v2/users/me");
    assert!(api.me().await.is_err());
    assert_eq!(e.sim.count_requests("GET", "/v2/users/me") - before, 1);
    assert!(matches!(
        api.me().await.unwrap_err().kind(),
        ErrorKind::CircuitOpen { .. }
    ));

    // Zoom answers again: after the cool-down the trial succeeds and the circuit closes.
    e.sim.clear_faults();
    tokio::time::sleep(Duration::from_millis(550)).await;
    api.me().await.unwrap();
    assert_eq!(
        client.circuits().state("connection:1"),
        zoom::CircuitState::Closed
    );
    api.me().await.unwrap();
    assert_eq!(client.circuits().open_count(), 0);
}

#[tokio::test]
async fn answers_that_are_4xx_or_429_do_not_open_the_circuit() {
    let e = env().await;
    let client = circuit_client(&e.sim, Duration::from_secs(30));
    let api = client.in_circuit("c").api(&e.tokens);
    e.sim
        .inject_fault(fault("GET", "/v2/users/me", FaultKind::Status(404), 8));
    for _ in 0..8 {
        assert_kind(&api.me().await.unwrap_err(), &ErrorKind::NotFound);
    }
    // A Retry-After beyond the bound is not waited for: each call fails at once.
    e.sim
        .inject_fault(fault("GET", "/v2/users/me", FaultKind::RetryAfter(60), 8));
    for _ in 0..8 {
        assert!(matches!(
            api.me().await.unwrap_err().kind(),
            ErrorKind::RateLimited { .. }
        ));
    }
    assert_eq!(client.circuits().state("c"), zoom::CircuitState::Closed);
    api.me().await.unwrap();
}

// ---------------------------------------------------------------- clock skew (T25)

/// Our clock set `offset` seconds away from the simulator's (Zoom's).
struct Skewed(i64);
impl zoom::Clock for Skewed {
    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now() + jiff::SignedDuration::from_secs(self.0)
    }
}

#[tokio::test]
async fn sdk_signatures_work_with_our_clock_two_minutes_early_or_late() {
    let e = env().await;
    let api = e.client.api(&e.tokens);
    let m = api
        .create_meeting("me", &CreateMeeting::scheduled("Skew", soon(), 60))
        .await
        .unwrap();
    e.sim.host_joins(m.id);
    let url = format!("{}/_sim/sdk/join", e.sim.base_url());
    for (i, offset) in [-120i64, 120].into_iter().enumerate() {
        let mut cfg = config_for(&e.sim, CLIENT_SECRET);
        cfg.clock = std::sync::Arc::new(Skewed(offset));
        let client = ZoomClient::new(cfg).unwrap();
        let sig = client
            .sdk_signature(m.id, zoom::sdk::Role::Attendee, 7200)
            .unwrap();
        let claims = decode_claims(&sig);
        let real_now = jiff::Timestamp::now().as_second();
        let (iat, exp) = (
            claims["iat"].as_i64().unwrap(),
            claims["exp"].as_i64().unwrap(),
        );
        assert!(
            iat <= real_now - 60,
            "iat {iat} vs now {real_now} (offset {offset})"
        );
        assert!((1800..=172_800).contains(&(exp - iat)));
        assert!(exp > real_now + 3600);
        let status = reqwest::Client::new()
            .post(&url)
            .json(&serde_json::json!({
                "signature": sig,
                "meetingNumber": m.id,
                "password": m.password.clone().unwrap_or_default(),
                "userName": "Stu Dent",
                "userEmail": "stu@lectern.test",
                "customerKey": format!("skew-{i}"),
            }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(status, 200, "offset {offset}");
    }
}

fn decode_claims(sig: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sig.split('.').nth(1).unwrap())
        .unwrap();
    serde_json::from_slice(&payload).unwrap()
}
