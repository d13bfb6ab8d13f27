mod common;

use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use zoom_sim::{AppSpec, Plan, UserType};

fn jwt(secret: &str, claims: Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn claims(key: &str, mn: i64, role: i64, iat: i64, exp: i64) -> Value {
    json!({"appKey": key, "sdkKey": key, "mn": mn.to_string(), "role": role, "iat": iat, "exp": exp, "tokenExp": exp})
}

async fn join(w: &World, body: Value) -> (u16, Value) {
    let r = w
        .http
        .post(format!("{}/_sim/sdk/join", w.sim.base_url()))
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

const VECTOR: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBLZXkiOiJhYmMxMjMiLCJzZGtLZXkiOiJhYmMxMjMiLCJtbiI6IjEyMzQ1Njc4OSIsInJvbGUiOjAsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDA3MjAwLCJ0b2tlbkV4cCI6MTcwMDAwNzIwMH0.SdrAp8MkgME9uHAXDhiWG7Q41Hd8NsLKVGMvueEoKs8";

#[tokio::test]
async fn sdk_jwt_vector_from_zoom_md_verifies() {
    let w = world().await;
    w.sim.create_app(AppSpec {
        client_id: "abc123".into(),
        client_secret: "sdk-secret".into(),
        owner_account_id: w.account.clone(),
        ..Default::default()
    });
    let r = zoom_sim::room::verify_signature(w.sim.shared(), VECTOR, 1_700_000_100).unwrap();
    assert_eq!(r, ("abc123".to_string(), 0, "123456789".to_string()));
    // Expired at the simulator's real-ish clock; tampered signature fails.
    assert_eq!(
        zoom_sim::room::verify_signature(w.sim.shared(), VECTOR, 1_700_007_300)
            .unwrap_err()
            .code,
        3712
    );
    let tampered = format!("{}A", &VECTOR[..VECTOR.len() - 1]);
    assert!(zoom_sim::room::verify_signature(w.sim.shared(), &tampered, 1_700_000_100).is_err());
}

#[tokio::test]
async fn join_checks_signature_claims_passcode_and_host_presence() {
    let w = world().await;
    let tok = w.token().await;
    let m = w.create_meeting(&tok, json!({"topic": "SDK class"})).await;
    let id = m["id"].as_i64().unwrap();
    let pwd = m["password"].as_str().unwrap().to_string();
    let now = w.sim.now().as_second();
    let good = jwt(
        CLIENT_SECRET,
        claims(CLIENT_ID, id, 0, now - 60, now + 7200),
    );
    let base = json!({"signature": good, "meetingNumber": id, "password": pwd, "userName": "Stu",
                      "userEmail": "stu@example.com", "customerKey": "enr-1"});

    // Not started and no join-before-host.
    let (s, v) = join(&w, base.clone()).await;
    assert_eq!((s, v["errorCode"].clone()), (400, json!(3008)));
    assert_eq!(v["type"], "JOIN_MEETING_FAILED");
    w.sim.host_joins(id);

    let mut bad = base.clone();
    bad["signature"] = json!(jwt(
        "wrong-secret",
        claims(CLIENT_ID, id, 0, now - 60, now + 7200)
    ));
    assert_eq!(join(&w, bad).await.1["errorCode"], 3712);
    let mut bad = base.clone();
    bad["signature"] = json!(jwt(
        CLIENT_SECRET,
        claims(CLIENT_ID, id, 0, now - 60, now + 1000)
    ));
    assert_eq!(
        join(&w, bad).await.1["errorCode"],
        3712,
        "exp - iat < 30 min"
    );
    let mut bad = base.clone();
    bad["signature"] = json!(jwt(
        CLIENT_SECRET,
        claims(CLIENT_ID, id, 0, now - 60, now + 49 * 3600)
    ));
    assert_eq!(join(&w, bad).await.1["errorCode"], 3712, "exp - iat > 48 h");
    let mut bad = base.clone();
    bad["signature"] = json!(jwt(
        CLIENT_SECRET,
        claims(CLIENT_ID, id, 0, now + 600, now + 7200)
    ));
    assert_eq!(
        join(&w, bad).await.1["errorCode"],
        3712,
        "iat in the future"
    );
    let mut bad = base.clone();
    bad["signature"] = json!(jwt(
        CLIENT_SECRET,
        json!({"appKey": CLIENT_ID, "mn": id.to_string(), "role": 0, "iat": (now - 60).to_string(), "exp": now + 7200})
    ));
    assert_eq!(join(&w, bad).await.1["errorCode"], 3712, "iat as a string");
    let mut bad = base.clone();
    bad["signature"] = json!(jwt(
        CLIENT_SECRET,
        claims("unknown-key", id, 0, now - 60, now + 7200)
    ));
    assert_eq!(join(&w, bad).await.1["errorCode"], 3712);
    let mut bad = base.clone();
    bad["signature"] = json!(jwt(
        CLIENT_SECRET,
        claims(CLIENT_ID, id + 1, 0, now - 60, now + 7200)
    ));
    assert_eq!(
        join(&w, bad).await.1["errorCode"],
        3706,
        "mn must equal meetingNumber"
    );
    let mut bad = base.clone();
    bad["password"] = json!("nope");
    assert_eq!(join(&w, bad).await.1["errorCode"], 3004);
    // Role 1 needs the host's ZAK.
    let mut host = base.clone();
    host["signature"] = json!(jwt(
        CLIENT_SECRET,
        claims(CLIENT_ID, id, 1, now - 60, now + 7200)
    ));
    assert_eq!(join(&w, host.clone()).await.1["errorCode"], 3000);
    let zak = w.get(&tok, "/users/me/token?type=zak").await.2["token"]
        .as_str()
        .unwrap()
        .to_string();
    host["zak"] = json!(zak);
    let (s, v) = join(&w, host).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["isHost"], true);

    let (s, v) = join(&w, base).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["topic"], "SDK class");
    let sm = w.sim.meeting(id).unwrap();
    let p = sm
        .participants
        .iter()
        .find(|p| p.customer_key == "enr-1")
        .unwrap();
    assert_eq!(
        (p.name.as_str(), p.email.as_str()),
        ("Stu", "stu@example.com")
    );

    // Leave via the stand-in's endpoint.
    let r = w
        .http
        .post(format!("{}/_sim/sdk/leave", w.sim.base_url()))
        .body(
            json!({"meetingNumber": id.to_string(), "participantId": v["participantId"]})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        w.sim
            .meeting(id)
            .unwrap()
            .participants
            .iter()
            .all(|p| p.customer_key != "enr-1")
    );
}

#[tokio::test]
async fn external_meeting_needs_obf_of_present_user_and_ends_with_them() {
    // The SDK app belongs to the platform account; the meeting is in the instructor's account.
    let w = world().await;
    let inst_acct = w.sim.create_account(Plan::Pro, false);
    let instructor = w.sim.create_user(
        &inst_acct,
        "teach@example.com",
        "Tea",
        "Cher",
        UserType::Licensed,
    );
    let tok = w.token_for(&instructor).await;
    let m = w.create_meeting(&tok, json!({"topic": "External"})).await;
    let id = m["id"].as_i64().unwrap();
    let pwd = m["password"].as_str().unwrap().to_string();
    let now = w.sim.now().as_second();
    let sig = jwt(
        CLIENT_SECRET,
        claims(CLIENT_ID, id, 0, now - 60, now + 7200),
    );
    let body = json!({"signature": sig, "meetingNumber": id.to_string(), "password": pwd, "userName": "Stu", "customerKey": "k1"});
    w.sim.host_joins(id);
    let (s, v) = join(&w, body.clone()).await;
    assert_eq!(s, 400);
    assert!(v["reason"].as_str().unwrap().contains("OBF"), "{v}");
    let obf = w
        .get(
            &tok,
            &format!("/users/me/token?type=onbehalf&meeting_id={id}"),
        )
        .await
        .2["token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut with_obf = body.clone();
    with_obf["obfToken"] = json!(obf);
    let (s, v) = join(&w, with_obf.clone()).await;
    assert_eq!(s, 200, "{v}");
    // Host leaves → OBF participants are removed.
    let host_pid = w
        .sim
        .meeting(id)
        .unwrap()
        .participants
        .iter()
        .find(|p| p.is_host)
        .unwrap()
        .participant_id
        .clone();
    w.http
        .post(format!("{}/_sim/sdk/leave", w.sim.base_url()))
        .body(json!({"meetingNumber": id, "participantId": host_pid}).to_string())
        .send()
        .await
        .unwrap();
    let m = w.sim.meeting(id).unwrap();
    assert!(m.participants.is_empty(), "{m:?}");
    // And the OBF token no longer admits anyone (its user is absent).
    w.sim.participant_join(id, "Someone", "", "x"); // keeps the meeting running
    let (s, v) = join(&w, with_obf).await;
    assert_eq!(s, 400);
    assert_eq!(v["errorCode"], 3000);
}

#[tokio::test]
async fn separate_sdk_credentials_and_js_surface() {
    let w = world().await;
    w.sim.create_app(AppSpec {
        client_id: "c3".into(),
        client_secret: "s3".into(),
        redirect_uris: vec![],
        scopes: vec![],
        owner_account_id: w.account.clone(),
        sdk_key: Some("sdk-key-3".into()),
        sdk_secret: Some("sdk-secret-3".into()),
        ..Default::default()
    });
    let id = w.sim.create_meeting(&w.user, "t", "");
    w.sim.host_joins(id);
    let pwd = w.sim.meeting(id).unwrap().password;
    let now = w.sim.now().as_second();
    let sig = jwt("sdk-secret-3", claims("sdk-key-3", id, 0, now, now + 1800));
    let (s, v) = join(
        &w,
        json!({"signature": sig, "meetingNumber": id, "passWord": pwd, "userName": "A"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let js = w.http.get(w.sim.sdk_script_url()).send().await.unwrap();
    assert_eq!(js.headers()["access-control-allow-origin"], "*");
    let js = js.text().await.unwrap();
    for needle in [
        "ZoomMtgEmbedded",
        "createClient",
        "leaveMeeting",
        "endMeeting",
        "zoom-sim-meeting",
        "window.ZoomMtg",
    ] {
        assert!(js.contains(needle), "{needle}");
    }
    let page = w
        .http
        .get(w.sim.room_url(id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"participants\""));
}

#[tokio::test]
async fn web_endpoint_over_https_records_the_real_sdks_info_request_and_checks_it() {
    let w = world().await;
    let addr = w.sim.listen_https().await.unwrap();
    let id = w.sim.create_meeting(&w.user, "Info", "");
    let pwd = w.sim.meeting(id).unwrap().password;
    let now = w.sim.now().as_second();
    let sig = jwt(
        CLIENT_SECRET,
        claims(CLIENT_ID, id, 0, now - 60, now + 7200),
    );
    // The SDK always talks to port 443 of the endpoint's host; a client maps that here.
    let https = reqwest::Client::builder()
        .resolve(zoom_sim::tls::WEB_HOST, addr)
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let url = format!(
        "https://{}:{}/api/v1/wc/info",
        zoom_sim::tls::WEB_HOST,
        addr.port()
    );
    let form = |pass: &str| {
        format!(
            "apiKey={CLIENT_ID}&signatureType=sdk&signature={sig}&meetingNumber={id}&userName=Stu+D%C3%A9nt&lang=de-DE&passWord={pass}&userEmail=stu%40example.com&customerKey=ZW5yLTQy&cv=6.2.0"
        )
    };
    let post = |body: String| {
        https
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "http://lms.example")
            .body(body)
            .send()
    };
    let r: Value = post(form(&pwd)).await.unwrap().json().await.unwrap();
    assert_eq!(
        (r["status"].clone(), r["errorCode"].clone()),
        (json!(false), json!(3008)),
        "host not in: {r}"
    );
    w.sim.host_joins(id);
    let r: Value = post(form("wrong")).await.unwrap().json().await.unwrap();
    assert_eq!(r["errorCode"], 3004, "{r}");
    let r = post(form(&pwd)).await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let r: Value = r.json().await.unwrap();
    assert_eq!(
        r["errorCode"], 1,
        "passed every check, refused honestly: {r}"
    );
    let seen = w.sim.web_info_requests();
    assert_eq!(seen.len(), 3);
    let last = &seen[2];
    assert_eq!(last.origin.as_deref(), Some("http://lms.example"));
    assert_eq!(last.field("userName"), Some("Stu Dént"));
    assert_eq!(last.customer_key().as_deref(), Some("enr-42"));
    assert_eq!(last.field("meetingNumber"), Some(id.to_string().as_str()));
    // The participant was not admitted: info is a question, not a join.
    assert!(
        w.sim
            .meeting(id)
            .unwrap()
            .participants
            .iter()
            .all(|p| p.is_host)
    );
}
