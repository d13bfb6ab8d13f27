//! The simulated Zoom world: accounts, users, apps, grants, meetings.

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;
use jiff::Timestamp;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

/// Account plan (drives rate limits, webinar eligibility and meeting length).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    /// Free plan: 40-minute meetings, smallest rate limits, no past-participant APIs.
    Basic,
    Pro,
    Business,
}

/// Zoom user type: 1 Basic, 2 Licensed, 4 Unassigned (no meeting hosting; gives 3161).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserType {
    Basic,
    Licensed,
    /// "Unassigned without Meetings Basic": cannot host or schedule meetings (error 3161).
    Unassigned,
}

impl UserType {
    pub fn code(self) -> i64 {
        match self {
            UserType::Basic => 1,
            UserType::Licensed => 2,
            UserType::Unassigned => 4,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub number: i64,
    pub plan: Plan,
    pub webinar_addon: bool,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub kind: UserType,
    pub timezone: String,
    pub pmi: i64,
    pub created_at: Timestamp,
}

/// An OAuth app as registered in the Marketplace.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct App {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    pub owner_account_id: String,
    pub webhook_url: Option<String>,
    pub webhook_secret: String,
    pub sdk_key: String,
    pub sdk_secret: String,
    /// Result of the last endpoint.url_validation (None = not validated yet).
    pub webhook_validated: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct AccessToken {
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub expires_at: Timestamp,
    pub grant_id: u64,
}

#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub grant_id: u64,
}

/// ZAK or OBF token issued by `GET /users/{id}/token`.
#[derive(Debug, Clone)]
pub struct UserToken {
    pub user_id: String,
    pub meeting_id: Option<i64>,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MeetingStatus {
    Waiting,
    Started,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Participant {
    /// Per-meeting participant id (`participant.user_id` in webhooks).
    pub participant_id: String,
    pub participant_uuid: String,
    pub name: String,
    pub email: String,
    pub customer_key: String,
    /// Zoom user id when the participant is a signed-in Zoom user (host, ZAK joins).
    pub zoom_user_id: Option<String>,
    pub is_host: bool,
    /// The user whose OBF token admitted this participant.
    pub obf_user_id: Option<String>,
    pub join_time: Timestamp,
    pub leave_time: Option<Timestamp>,
    pub leave_reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub uuid: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub records: Vec<Participant>,
    pub recording: Option<Recording>,
}

#[derive(Debug, Clone)]
pub struct Recording {
    pub start: Timestamp,
    pub end: Timestamp,
    pub files: Vec<(String, String)>, // (file id, file type)
    /// `recording_play_passcode`: spliced into a play link as `?pwd=`.
    pub play_passcode: String,
}

#[derive(Debug, Clone)]
pub struct Meeting {
    pub id: i64,
    pub uuid: String,
    pub host_id: String,
    pub account_id: String,
    pub topic: String,
    pub agenda: String,
    pub kind: i64,
    pub start_time: Timestamp,
    pub duration: i64,
    pub timezone: String,
    pub password: String,
    pub created_at: Timestamp,
    pub is_webinar: bool,
    pub settings: serde_json::Value,
    pub status: MeetingStatus,
    pub started_at: Option<Timestamp>,
    /// Everyone currently in the meeting.
    pub live: Vec<Participant>,
    /// All join segments of the current instance (closed ones have leave_time).
    pub records: Vec<Participant>,
    pub past: Vec<Instance>,
    pub uuid_seq: u64,
    /// A webinar's panellists (e-mail, name), added with `POST /webinars/{id}/panelists`.
    pub panelists: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Light,
    Medium,
    Heavy,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Light => "Light",
            Category::Medium => "Medium",
            Category::Heavy => "Heavy",
        }
    }

    /// Per-second limit by plan (docs/zoom.md, rate limits).
    pub fn per_second(self, plan: Plan) -> u32 {
        match (self, plan) {
            (Category::Light, Plan::Basic) => 4,
            (Category::Medium, Plan::Basic) => 2,
            (Category::Heavy, Plan::Basic) => 1,
            (Category::Light, Plan::Pro) => 30,
            (Category::Medium, Plan::Pro) => 20,
            (Category::Heavy, Plan::Pro) => 10,
            (Category::Light, Plan::Business) => 80,
            (Category::Medium, Plan::Business) => 60,
            (Category::Heavy, Plan::Business) => 40,
        }
    }
}

/// Everything the simulator knows, behind one lock (held only briefly, never across `.await`).
#[derive(Debug)]
pub struct World {
    pub accounts: HashMap<String, Account>,
    pub users: HashMap<String, User>,
    pub apps: HashMap<String, App>,
    pub codes: HashMap<String, AuthCode>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    /// (client_id, user_id) → scopes of the live authorization.
    pub grants: HashMap<(String, String), u64>,
    pub zaks: HashMap<String, UserToken>,
    pub obfs: HashMap<String, UserToken>,
    /// Signed file links issued by recording downloads: signature → file id.
    pub file_links: HashMap<String, String>,
    pub meetings: BTreeMap<i64, Meeting>,
    pub auto_approve: bool,
    pub login_user: Option<String>,
    pub rate_limits: bool,
    pub daily_limit: u32,
    /// (host user id, utc day) → create/update count.
    pub daily: HashMap<(String, i64), u32>,
    /// (account id, category) → (second, count).
    pub qps: HashMap<(String, Category), (i64, u32)>,
    pub next_meeting: i64,
    pub next_grant: u64,
    pub next_participant: u64,
    pub next_account_number: i64,
    /// What the real Web SDK sent to `POST /api/v1/wc/info`, oldest first.
    pub web_info_requests: Vec<WebInfoRequest>,
}

impl Default for World {
    fn default() -> Self {
        World {
            accounts: HashMap::new(),
            users: HashMap::new(),
            apps: HashMap::new(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            grants: HashMap::new(),
            zaks: HashMap::new(),
            obfs: HashMap::new(),
            file_links: HashMap::new(),
            meetings: BTreeMap::new(),
            auto_approve: false,
            login_user: None,
            rate_limits: true,
            daily_limit: 100,
            daily: HashMap::new(),
            qps: HashMap::new(),
            next_meeting: 0,
            next_grant: 1,
            next_participant: 16_778_240,
            next_account_number: 10_000_001,
            web_info_requests: Vec::new(),
        }
    }
}

/// A Zoom-style id: 22 url-safe base64 characters.
pub fn zoom_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An opaque random token with a prefix.
pub fn random_token(prefix: &str, len_bytes: usize) -> String {
    let mut rng = rand::rng();
    let bytes: Vec<u8> = (0..len_bytes).map(|_| rng.random()).collect();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// A meeting passcode: 6 alphanumeric characters.
pub fn passcode() -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..6)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// Meeting instance UUID (standard base64 of 16 bytes, like `aDYlohsHRtCd4ii1uC2+hA==`).
/// Deterministically, every third UUID needs double encoding: sequence numbers with
/// `seq % 6 == 0` start with `/`, those with `seq % 6 == 3` contain `//`.
pub fn meeting_uuid(seq: u64) -> String {
    let bytes: [u8; 16] = rand::rng().random();
    let mut s = base64::engine::general_purpose::STANDARD.encode(bytes);
    // replace_range keeps the string valid base64: only the first 21 chars are touched.
    if seq.is_multiple_of(6) {
        s.replace_range(0..1, "/");
    } else if seq % 6 == 3 {
        s.replace_range(5..7, "//");
    }
    s
}

impl Meeting {
    /// A copy without participants and history (cheap; enough to build event payloads).
    pub fn head(&self) -> Meeting {
        Meeting {
            id: self.id,
            uuid: self.uuid.clone(),
            host_id: self.host_id.clone(),
            account_id: self.account_id.clone(),
            topic: self.topic.clone(),
            agenda: self.agenda.clone(),
            kind: self.kind,
            start_time: self.start_time,
            duration: self.duration,
            timezone: self.timezone.clone(),
            password: self.password.clone(),
            created_at: self.created_at,
            is_webinar: self.is_webinar,
            settings: serde_json::Value::Null,
            status: self.status.clone(),
            started_at: self.started_at,
            live: vec![],
            records: vec![],
            past: vec![],
            uuid_seq: self.uuid_seq,
            panelists: vec![],
        }
    }
}

impl World {
    pub fn user_by_id_or_email(&self, key: &str) -> Option<&User> {
        self.users.get(key).or_else(|| {
            self.users
                .values()
                .find(|u| u.email.eq_ignore_ascii_case(key))
        })
    }

    pub fn new_meeting_id(&mut self) -> i64 {
        self.next_meeting += 1;
        // 11 digits, spread out so ids do not look sequential.
        81_000_000_000 + self.next_meeting * 104_729
    }

    pub fn new_participant_id(&mut self) -> String {
        self.next_participant += 1;
        self.next_participant.to_string()
    }

    /// Find a meeting by numeric id or by (current or past) instance UUID.
    pub fn meeting_by_id_or_uuid(&self, key: &str) -> Option<(&Meeting, Option<usize>)> {
        if let Ok(id) = key.parse::<i64>() {
            return self.meetings.get(&id).map(|m| (m, None));
        }
        for m in self.meetings.values() {
            if m.uuid == key {
                return Some((m, None));
            }
            if let Some(i) = m.past.iter().position(|p| p.uuid == key) {
                return Some((m, Some(i)));
            }
        }
        None
    }
}

/// One request of the real Web SDK to `https://{webEndpoint}/api/v1/wc/info`, the first
/// thing it sends to Zoom when a page calls `join()` (a form-encoded POST from the page's
/// origin). The fields are kept as sent; see docs/zoom-web-sdk.md for their meaning.
#[derive(Debug, Clone, Serialize)]
pub struct WebInfoRequest {
    /// `Host` header: the web endpoint's host name (the SDK drops any port).
    pub host: Option<String>,
    /// `Origin` header: the page that embeds the SDK.
    pub origin: Option<String>,
    pub fields: BTreeMap<String, String>,
}

impl WebInfoRequest {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// `customerKey` is sent base64-encoded (`btoa`).
    pub fn customer_key(&self) -> Option<String> {
        let raw = self.field("customerKey")?;
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(raw.trim_end_matches('='))
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
    }
}
