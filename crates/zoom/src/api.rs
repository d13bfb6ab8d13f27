//! REST v2 calls Lectern needs, with typed requests and lenient typed responses.
//!
//! Response types keep every field Lectern reads and tolerate absent or mistyped extras
//! (Zoom adds fields often). GETs and DELETEs are retried on transient errors; POSTs are
//! not: Zoom has no idempotency key, and a retried create would make a second meeting.

use crate::client::ZoomClient;
use crate::error::{Origin, ZoomError};
use crate::http::Retry;
use crate::oauth::{TokenSet, query_escape};
use crate::path::encode_meeting_id;
use crate::secret::Secret;
use jiff::Timestamp;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// A meeting or webinar addressed by numeric id (latest instance) or by instance UUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingRef {
    /// Numeric id (int64; 10–11 digits).
    Id(i64),
    /// Instance UUID (base64, may contain `/`).
    Uuid(String),
}

impl MeetingRef {
    fn segment(&self) -> String {
        match self {
            Self::Id(id) => id.to_string(),
            Self::Uuid(u) => encode_meeting_id(u),
        }
    }
}

impl From<i64> for MeetingRef {
    fn from(id: i64) -> Self {
        Self::Id(id)
    }
}
impl From<&str> for MeetingRef {
    fn from(uuid: &str) -> Self {
        Self::Uuid(uuid.to_owned())
    }
}
impl From<String> for MeetingRef {
    fn from(uuid: String) -> Self {
        Self::Uuid(uuid)
    }
}

/// Result of a DELETE: Zoom answers a repeated DELETE with 404/3001, which means the
/// resource is gone either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// This call deleted it.
    Now,
    /// It did not exist (any more).
    AlreadyGone,
}

/// A Zoom user (`GET /users/{userId}`, `GET /users`).
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// Zoom user id.
    #[serde(deserialize_with = "crate::de::string_lenient")]
    pub id: String,
    /// Account id.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub account_id: String,
    /// E-mail address.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub email: String,
    /// First name.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub first_name: String,
    /// Last name.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub last_name: String,
    /// Display name.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub display_name: Option<String>,
    /// 1 Basic, 2 Licensed, 4 Unassigned.
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::de::opt_i64_lenient"
    )]
    pub user_type: Option<i64>,
    /// IANA time zone.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub timezone: Option<String>,
    /// `pending`, `active`, `inactive`.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub status: Option<String>,
    /// Personal meeting id.
    #[serde(default, deserialize_with = "crate::de::opt_i64_lenient")]
    pub pmi: Option<i64>,
    /// Preferred language.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub language: Option<String>,
    /// Role name (`Owner`, `Admin`, `Member`).
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub role_name: Option<String>,
}

/// A meeting (`POST /users/{id}/meetings` 201, `GET /meetings/{id}`, list items).
#[derive(Debug, Clone, Deserialize)]
pub struct Meeting {
    /// Numeric meeting id (int64).
    #[serde(deserialize_with = "crate::de::i64_lenient")]
    pub id: i64,
    /// Instance UUID.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub uuid: String,
    /// Host user id.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub host_id: String,
    /// Host e-mail.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub host_email: Option<String>,
    /// Topic.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub topic: String,
    /// 1 instant, 2 scheduled, 3/8 recurring, 4 PMI; webinars 5/6/9.
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::de::opt_i64_lenient"
    )]
    pub kind: Option<i64>,
    /// `waiting` or `started`.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub status: Option<String>,
    /// Start instant (UTC).
    #[serde(default, deserialize_with = "crate::de::opt_timestamp_lenient")]
    pub start_time: Option<Timestamp>,
    /// Scheduled duration in minutes.
    #[serde(default, deserialize_with = "crate::de::opt_i64_lenient")]
    pub duration: Option<i64>,
    /// Time zone.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub timezone: Option<String>,
    /// Agenda.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub agenda: Option<String>,
    /// Creation instant.
    #[serde(default, deserialize_with = "crate::de::opt_timestamp_lenient")]
    pub created_at: Option<Timestamp>,
    /// Join link for participants.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub join_url: String,
    /// Host start link; embeds a ZAK, so it is a secret (expires after 2 h).
    #[serde(default, deserialize_with = "crate::de::opt_secret")]
    pub start_url: Option<Secret>,
    /// Passcode (meetings say `password`, webinars `passcode` in some places).
    #[serde(
        default,
        alias = "passcode",
        deserialize_with = "crate::de::opt_string_lenient"
    )]
    pub password: Option<String>,
    /// Encrypted passcode (as embedded in `join_url`).
    #[serde(
        default,
        alias = "encrypted_passcode",
        deserialize_with = "crate::de::opt_string_lenient"
    )]
    pub encrypted_password: Option<String>,
    /// Settings object as sent by Zoom (large and evolving; read what you need).
    #[serde(default)]
    pub settings: Option<Value>,
}

/// A webinar has the same shape as a meeting for what Lectern reads.
pub type Webinar = Meeting;

fn ser_opt_zoom_time<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        // Zoom wants `yyyy-MM-ddTHH:mm:ssZ` without fractional seconds.
        Some(t) => s.serialize_str(&t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
        None => s.serialize_none(),
    }
}

/// Meeting settings Lectern sets; anything else goes into `extra`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MeetingSettings {
    /// Let participants join before the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_before_host: Option<bool>,
    /// Waiting room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_room: Option<bool>,
    /// Mute participants on entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mute_upon_entry: Option<bool>,
    /// `local`, `cloud` or `none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_recording: Option<String>,
    /// 0 automatic, 1 manual, 2 no registration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_type: Option<u8>,
    /// Start with host video on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_video: Option<bool>,
    /// Start with participant video on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_video: Option<bool>,
    /// Only authenticated users may join.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_authentication: Option<bool>,
    /// Semicolon-separated e-mails or ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative_hosts: Option<String>,
    /// Pre-assigned breakout rooms (meetings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breakout_room: Option<BreakoutRooms>,
    /// A webinar's Q&A.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question_and_answer: Option<QuestionAndAnswer>,
    /// A webinar's practice session (panellists join before attendees).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practice_session: Option<bool>,
    /// Other settings, passed through.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// `settings.breakout_room`: rooms with their participants' e-mails, pre-assigned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BreakoutRooms {
    /// Turn pre-assignment on.
    pub enable: bool,
    /// The rooms.
    pub rooms: Vec<BreakoutRoom>,
}

/// One pre-assigned breakout room.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BreakoutRoom {
    /// The room's name.
    pub name: String,
    /// E-mail addresses of the participants assigned to it.
    pub participants: Vec<String>,
}

/// A webinar's `settings.question_and_answer` (only `enable` is set; the rest stays Zoom's default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QuestionAndAnswer {
    /// Q&A on or off.
    pub enable: bool,
}

/// A webinar panellist for `POST /webinars/{webinarId}/panelists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Panelist {
    /// E-mail address (Zoom sends the panellist's invitation there).
    pub email: String,
    /// Full name.
    pub name: String,
}

#[derive(Serialize)]
struct Panelists<'a> {
    panelists: &'a [Panelist],
}

/// Body of `POST /users/{userId}/meetings` (and `/webinars`: use type 5/6/9).
#[derive(Debug, Clone, Serialize)]
pub struct CreateMeeting {
    /// Topic (≤ 200 chars).
    pub topic: String,
    /// 2 scheduled (default), 1 instant, 3/8 recurring; webinars 5 (default for
    /// [`CreateMeeting::webinar`]), 6, 9.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Start instant; sent as UTC `…Z`. Past or missing means "now" to Zoom.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_zoom_time"
    )]
    pub start_time: Option<Timestamp>,
    /// Minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<u32>,
    /// IANA zone for display in Zoom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Agenda (≤ 2000 chars).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agenda: Option<String>,
    /// Passcode (≤ 10 chars; account rules apply).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<MeetingSettings>,
}

impl CreateMeeting {
    /// A scheduled meeting (type 2).
    pub fn scheduled(topic: impl Into<String>, start: Timestamp, duration_min: u32) -> Self {
        Self {
            topic: topic.into(),
            kind: 2,
            start_time: Some(start),
            duration: Some(duration_min),
            timezone: Some("UTC".into()),
            agenda: None,
            password: None,
            settings: None,
        }
    }

    /// A scheduled webinar (type 5).
    pub fn webinar(topic: impl Into<String>, start: Timestamp, duration_min: u32) -> Self {
        Self {
            kind: 5,
            ..Self::scheduled(topic, start, duration_min)
        }
    }
}

/// Which meetings `GET /users/{id}/meetings` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MeetingListType {
    /// All valid scheduled meetings (Zoom's default).
    #[default]
    Scheduled,
    /// Live meetings.
    Live,
    /// Upcoming meetings.
    Upcoming,
    /// Upcoming meetings including live ones.
    UpcomingMeetings,
    /// Previous meetings.
    PreviousMeetings,
}

impl MeetingListType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Live => "live",
            Self::Upcoming => "upcoming",
            Self::UpcomingMeetings => "upcoming_meetings",
            Self::PreviousMeetings => "previous_meetings",
        }
    }
}

/// Which webinars `GET /users/{id}/webinars` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WebinarListType {
    /// Unexpired previous, live and upcoming webinars (Zoom's default).
    #[default]
    Scheduled,
    /// Upcoming webinars including live ones.
    Upcoming,
}

impl WebinarListType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Upcoming => "upcoming",
        }
    }
}

/// A participant row from past-meeting or report participant lists. A person who
/// rejoined appears once per join segment.
#[derive(Debug, Clone, Deserialize)]
pub struct Participant {
    /// Zoom user id if signed in (empty for guests).
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub name: String,
    /// Per-meeting participant id.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub user_id: Option<String>,
    /// E-mail (often empty for external users).
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub user_email: Option<String>,
    /// Join instant.
    #[serde(default, deserialize_with = "crate::de::opt_timestamp_lenient")]
    pub join_time: Option<Timestamp>,
    /// Leave instant.
    #[serde(default, deserialize_with = "crate::de::opt_timestamp_lenient")]
    pub leave_time: Option<Timestamp>,
    /// Seconds in this segment (0 right after the meeting = not processed yet).
    #[serde(default, deserialize_with = "crate::de::opt_i64_lenient")]
    pub duration: Option<i64>,
    /// Report only: the `customerKey` passed to the Meeting SDK join.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub customer_key: Option<String>,
    /// Registrant id.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub registrant_id: Option<String>,
    /// Report only: Zoom user id of the participant.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub participant_user_id: Option<String>,
    /// `in_meeting` or `in_waiting_room`.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub status: Option<String>,
}

/// One page of a paginated list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// Items of this page.
    pub items: Vec<T>,
    /// Token for the next page; `None` on the last page (Zoom sends "").
    pub next_page_token: Option<String>,
    /// Total rows Zoom reports, if any.
    pub total_records: Option<i64>,
}

#[derive(Deserialize)]
struct RawPage {
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    next_page_token: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_i64_lenient")]
    total_records: Option<i64>,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

/// A recording file.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordingFile {
    /// File id.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub id: String,
    /// `MP4`, `M4A`, `CHAT`, `TRANSCRIPT`, ….
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub file_type: String,
    /// File extension.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub file_extension: Option<String>,
    /// Bytes.
    #[serde(default, deserialize_with = "crate::de::opt_i64_lenient")]
    pub file_size: Option<i64>,
    /// Browser play link.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub play_url: Option<String>,
    /// Download link (needs a bearer token).
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub download_url: Option<String>,
    /// `completed`.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub status: Option<String>,
    /// e.g. `shared_screen_with_speaker_view`.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub recording_type: Option<String>,
    /// Start.
    #[serde(default, deserialize_with = "crate::de::opt_timestamp_lenient")]
    pub recording_start: Option<Timestamp>,
    /// End.
    #[serde(default, deserialize_with = "crate::de::opt_timestamp_lenient")]
    pub recording_end: Option<Timestamp>,
}

/// `GET /meetings/{id}/recordings`.
#[derive(Debug, Clone, Deserialize)]
pub struct Recordings {
    /// Instance UUID.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub uuid: String,
    /// Meeting id.
    #[serde(default, deserialize_with = "crate::de::opt_i64_lenient")]
    pub id: Option<i64>,
    /// Host.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub host_id: String,
    /// Topic.
    #[serde(default, deserialize_with = "crate::de::string_lenient")]
    pub topic: String,
    /// Start.
    #[serde(default, deserialize_with = "crate::de::opt_timestamp_lenient")]
    pub start_time: Option<Timestamp>,
    /// Share link.
    #[serde(default, deserialize_with = "crate::de::opt_string_lenient")]
    pub share_url: Option<String>,
    /// Files.
    #[serde(default)]
    pub recording_files: Vec<RecordingFile>,
    /// Present with `include_fields=download_access_token`.
    #[serde(default, deserialize_with = "crate::de::opt_secret")]
    pub download_access_token: Option<Secret>,
}

#[derive(Deserialize)]
struct TokenBody {
    #[serde(default)]
    token: String,
}

/// Safety bound for "fetch all pages": a server that keeps returning tokens must not
/// keep us looping forever.
const MAX_PAGES: usize = 1000;

/// REST client bound to one access token and API base. Create with [`ZoomClient::api`].
#[derive(Clone)]
pub struct Api {
    client: ZoomClient,
    token: Secret,
    base: String,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl ZoomClient {
    /// REST client for a token set; uses the set's `api_url` (the user's data region) as
    /// base when present and allowed by config.
    pub fn api(&self, tokens: &TokenSet) -> Api {
        self.api_with_token(tokens.access_token.clone(), tokens.api_url.as_deref())
    }

    /// REST client for a bare access token and optional `api_url` from the token response.
    pub fn api_with_token(&self, access_token: Secret, api_url: Option<&str>) -> Api {
        let c = &self.inner.config;
        let base = match api_url {
            Some(u) if c.use_token_api_url && !u.trim().is_empty() => {
                let u = u.trim().trim_end_matches('/');
                if u.ends_with("/v2") {
                    u.to_owned()
                } else {
                    format!("{u}/v2")
                }
            }
            _ => c.api_base.trim_end_matches('/').to_owned(),
        };
        Api {
            client: self.clone(),
            token: access_token,
            base,
        }
    }
}

fn user_segment(user_id: &str) -> String {
    if user_id == "me" {
        "me".into()
    } else {
        encode_meeting_id(user_id)
    }
}

impl Api {
    /// The REST base this client sends to.
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        label: &str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ZoomError> {
        let url = self.url(path, query);
        let resp = self
            .client
            .execute(label, Origin::Api, Retry::Idempotent, || {
                self.client
                    .inner
                    .http
                    .get(&url)
                    .bearer_auth(self.token.expose())
            })
            .await?;
        self.client.decode(&resp)
    }

    async fn post_json<B: Serialize, T: serde::de::DeserializeOwned>(
        &self,
        label: &str,
        path: &str,
        body: &B,
    ) -> Result<T, ZoomError> {
        let url = self.url(path, &[]);
        let resp = self
            .client
            .execute(label, Origin::Api, Retry::UnsentOnly, || {
                self.client
                    .inner
                    .http
                    .post(&url)
                    .bearer_auth(self.token.expose())
                    .json(body)
            })
            .await?;
        self.client.decode(&resp)
    }

    async fn delete(
        &self,
        label: &str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Deleted, ZoomError> {
        let url = self.url(path, query);
        let result = self
            .client
            .execute(label, Origin::Api, Retry::Idempotent, || {
                self.client
                    .inner
                    .http
                    .delete(&url)
                    .bearer_auth(self.token.expose())
            })
            .await;
        match result {
            Ok(_) => Ok(Deleted::Now),
            Err(e) if e.is_already_gone() => Ok(Deleted::AlreadyGone),
            Err(e) => Err(e),
        }
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> String {
        let mut url = format!("{}{}", self.base, path);
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(k);
            url.push('=');
            url.push_str(&query_escape(v));
        }
        url
    }

    async fn page<T: serde::de::DeserializeOwned>(
        &self,
        label: &str,
        path: &str,
        items_key: &str,
        mut query: Vec<(&str, String)>,
        page_size: Option<u32>,
        next_page_token: Option<&str>,
    ) -> Result<Page<T>, ZoomError> {
        if let Some(n) = page_size {
            query.push(("page_size", n.clamp(1, 300).to_string()));
        }
        if let Some(t) = next_page_token.filter(|t| !t.is_empty()) {
            query.push(("next_page_token", t.to_owned()));
        }
        let raw: RawPage = self.get_json(label, path, &query).await?;
        let items = match raw.rest.get(items_key) {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|e| ZoomError::decode(200, e, self.client.now()))?,
        };
        Ok(Page {
            items,
            next_page_token: raw.next_page_token,
            total_records: raw.total_records,
        })
    }

    async fn all_pages<T, F, Fut>(&self, mut fetch: F) -> Result<Vec<T>, ZoomError>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, ZoomError>>,
    {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = fetch(token.take()).await?;
            all.extend(page.items);
            match page.next_page_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(all),
            }
        }
        Err(ZoomError::local(format!(
            "pagination did not end after {MAX_PAGES} pages"
        )))
    }

    // ---- users -------------------------------------------------------------------

    /// `GET /users/me` — the authorizing user. LIGHT.
    pub async fn me(&self) -> Result<User, ZoomError> {
        self.get_json("users.me", "/users/me", &[]).await
    }

    /// `GET /users/{userId}` (id or e-mail). LIGHT.
    pub async fn user(&self, user_id: &str) -> Result<User, ZoomError> {
        let path = format!("/users/{}", user_segment(user_id));
        self.get_json("users.get", &path, &[]).await
    }

    /// `GET /users` — one page of the account's active users (admin scope). MEDIUM.
    pub async fn list_users(
        &self,
        page_size: Option<u32>,
        next_page_token: Option<&str>,
    ) -> Result<Page<User>, ZoomError> {
        let q = vec![("status", "active".to_owned())];
        self.page(
            "users.list",
            "/users",
            "users",
            q,
            page_size,
            next_page_token,
        )
        .await
    }

    /// All active users, walking every page.
    pub async fn list_all_users(&self) -> Result<Vec<User>, ZoomError> {
        self.all_pages(|t| async move { self.list_users(Some(300), t.as_deref()).await })
            .await
    }

    /// `GET /users/{userId}/token?type=zak` — a ZAK to start/join as that user (2 h).
    /// Fetch right before the join; never cache long.
    pub async fn zak_token(&self, user_id: &str) -> Result<Secret, ZoomError> {
        let path = format!("/users/{}/token", user_segment(user_id));
        let t: TokenBody = self
            .get_json("users.token.zak", &path, &[("type", "zak".into())])
            .await?;
        Ok(Secret::new(t.token))
    }

    /// `GET /users/me/zak` — a ZAK for the authorizing user, valid only 5 minutes.
    pub async fn me_zak(&self) -> Result<Secret, ZoomError> {
        let t: TokenBody = self.get_json("users.me.zak", "/users/me/zak", &[]).await?;
        Ok(Secret::new(t.token))
    }

    /// `GET /users/{userId}/token?type=onbehalf&meeting_id=…` — an OBF token letting a
    /// Meeting SDK app join a meeting outside its account while that user is present.
    pub async fn onbehalf_token(
        &self,
        user_id: &str,
        meeting_id: i64,
        ttl_secs: u32,
    ) -> Result<Secret, ZoomError> {
        let path = format!("/users/{}/token", user_segment(user_id));
        let t: TokenBody = self
            .get_json(
                "users.token.onbehalf",
                &path,
                &[
                    ("type", "onbehalf".into()),
                    ("meeting_id", meeting_id.to_string()),
                    ("ttl", ttl_secs.to_string()),
                ],
            )
            .await?;
        Ok(Secret::new(t.token))
    }

    // ---- recording files ----------------------------------------------------------

    /// Opens a cloud recording file (`download_url` of a recording file) for streaming.
    /// Zoom wants the bearer token on `download_url` and answers with a redirect to a
    /// short-lived file link, which is followed once *without* the token. The token goes
    /// only to Zoom's hosts (`zoom.us` and its subdomains over https, or the configured
    /// OAuth/REST hosts), whatever URL a payload names. `timeout` bounds the whole
    /// transfer (files are large; the client's per-call timeout does not apply).
    pub async fn download_recording(
        &self,
        download_url: &str,
        timeout: std::time::Duration,
    ) -> Result<reqwest::Response, ZoomError> {
        let url = url::Url::parse(download_url)
            .map_err(|e| ZoomError::local(format!("recording download URL: {e}")))?;
        if !self.is_zoom_host(&url) {
            return Err(ZoomError::local(
                "recording download URL is not on a Zoom host; the token is not sent",
            ));
        }
        let http = &self.client.inner.http;
        let now = || self.client.now();
        let resp = http
            .get(url.clone())
            .bearer_auth(self.token.expose())
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| ZoomError::from_transport(e, now()))?;
        let resp = if resp.status().is_redirection() {
            let to = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok())
                .ok_or_else(|| {
                    ZoomError::local("recording download redirect without a location")
                })?;
            // Zoom's file links are https (the simulator's stay on its configured origin).
            if to.scheme() != "https" && to.origin() != url.origin() {
                return Err(ZoomError::local(
                    "recording download redirected to a non-https link",
                ));
            }
            http.get(to)
                .timeout(timeout)
                .send()
                .await
                .map_err(|e| ZoomError::from_transport(e, now()))?
        } else {
            resp
        };
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(resp);
        }
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap_or_default();
        Err(ZoomError::from_api_response(status, &headers, &body, now()))
    }

    fn is_zoom_host(&self, url: &url::Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        // The whole origin (scheme, host, port) must match: `http://zoom.us:443` is not
        // `https://zoom.us`.
        let configured = [self.base.as_str(), self.client.config().oauth_base.as_str()]
            .into_iter()
            .filter_map(|b| url::Url::parse(b).ok())
            .any(|b| b.origin() == url.origin());
        let zoom = url.scheme() == "https"
            && url.port().is_none()
            && (host == "zoom.us" || host.ends_with(".zoom.us"));
        configured || zoom
    }

    // ---- meetings ----------------------------------------------------------------

    /// `POST /users/{userId}/meetings`. Never retried (no idempotency key exists): on a
    /// transient error, reconcile with [`Api::list_meetings`] before creating again.
    /// Counts against the host's 100 create/update per UTC day.
    pub async fn create_meeting(
        &self,
        user_id: &str,
        req: &CreateMeeting,
    ) -> Result<Meeting, ZoomError> {
        let path = format!("/users/{}/meetings", user_segment(user_id));
        self.post_json("meetings.create", &path, req).await
    }

    /// `GET /meetings/{meetingId}` (id or UUID). LIGHT.
    pub async fn meeting(&self, meeting: impl Into<MeetingRef>) -> Result<Meeting, ZoomError> {
        let path = format!("/meetings/{}", meeting.into().segment());
        self.get_json("meetings.get", &path, &[]).await
    }

    /// `DELETE /meetings/{meetingId}`; 404/3001 counts as success (`AlreadyGone`).
    pub async fn delete_meeting(
        &self,
        meeting_id: i64,
        occurrence_id: Option<&str>,
    ) -> Result<Deleted, ZoomError> {
        let path = format!("/meetings/{meeting_id}");
        let q: Vec<_> = occurrence_id
            .map(|o| ("occurrence_id", o.to_owned()))
            .into_iter()
            .collect();
        self.delete("meetings.delete", &path, &q).await
    }

    /// `GET /users/{userId}/meetings` — one page. MEDIUM. Items carry no passcode or start
    /// link and their agenda is cut to 250 characters: [`Api::meeting`] has the rest.
    pub async fn list_meetings(
        &self,
        user_id: &str,
        list_type: MeetingListType,
        page_size: Option<u32>,
        next_page_token: Option<&str>,
    ) -> Result<Page<Meeting>, ZoomError> {
        let path = format!("/users/{}/meetings", user_segment(user_id));
        let q = vec![("type", list_type.as_str().to_owned())];
        self.page(
            "meetings.list",
            &path,
            "meetings",
            q,
            page_size,
            next_page_token,
        )
        .await
    }

    /// All of a user's meetings of `list_type`, walking every page.
    pub async fn list_all_meetings(
        &self,
        user_id: &str,
        list_type: MeetingListType,
    ) -> Result<Vec<Meeting>, ZoomError> {
        self.all_pages(|t| async move {
            self.list_meetings(user_id, list_type, Some(300), t.as_deref())
                .await
        })
        .await
    }

    // ---- webinars ----------------------------------------------------------------

    /// `POST /users/{userId}/webinars` (needs Pro + webinar add-on). Never retried: on a
    /// transient error, reconcile with [`Api::list_webinars`] before creating again.
    pub async fn create_webinar(
        &self,
        user_id: &str,
        req: &CreateMeeting,
    ) -> Result<Webinar, ZoomError> {
        let path = format!("/users/{}/webinars", user_segment(user_id));
        self.post_json("webinars.create", &path, req).await
    }

    /// `GET /webinars/{webinarId}`.
    pub async fn webinar(&self, webinar: impl Into<MeetingRef>) -> Result<Webinar, ZoomError> {
        let path = format!("/webinars/{}", webinar.into().segment());
        self.get_json("webinars.get", &path, &[]).await
    }

    /// `GET /users/{userId}/webinars` — one page (needs the webinar plan). MEDIUM. Items
    /// carry no passcode or start link and their agenda is cut to 250 characters:
    /// [`Api::webinar`] has the rest.
    pub async fn list_webinars(
        &self,
        user_id: &str,
        list_type: WebinarListType,
        page_size: Option<u32>,
        next_page_token: Option<&str>,
    ) -> Result<Page<Webinar>, ZoomError> {
        let path = format!("/users/{}/webinars", user_segment(user_id));
        let q = vec![("type", list_type.as_str().to_owned())];
        self.page(
            "webinars.list",
            &path,
            "webinars",
            q,
            page_size,
            next_page_token,
        )
        .await
    }

    /// All of a user's webinars of `list_type`, walking every page.
    pub async fn list_all_webinars(
        &self,
        user_id: &str,
        list_type: WebinarListType,
    ) -> Result<Vec<Webinar>, ZoomError> {
        self.all_pages(|t| async move {
            self.list_webinars(user_id, list_type, Some(300), t.as_deref())
                .await
        })
        .await
    }

    /// `POST /webinars/{webinarId}/panelists` (at most 30 per request; an e-mail already
    /// listed is updated). MEDIUM.
    pub async fn add_panelists(
        &self,
        webinar_id: i64,
        panelists: &[Panelist],
    ) -> Result<(), ZoomError> {
        let path = format!("/webinars/{webinar_id}/panelists");
        let _: Value = self
            .post_json("webinars.panelists.add", &path, &Panelists { panelists })
            .await?;
        Ok(())
    }

    /// `DELETE /webinars/{webinarId}`; 404/3001 counts as success.
    pub async fn delete_webinar(&self, webinar_id: i64) -> Result<Deleted, ZoomError> {
        let path = format!("/webinars/{webinar_id}");
        self.delete("webinars.delete", &path, &[]).await
    }

    // ---- attendance & recordings -------------------------------------------------

    /// `GET /past_meetings/{meetingId}/participants` — one page. MEDIUM, paid plans.
    pub async fn past_meeting_participants(
        &self,
        meeting: &MeetingRef,
        page_size: Option<u32>,
        next_page_token: Option<&str>,
    ) -> Result<Page<Participant>, ZoomError> {
        let path = format!("/past_meetings/{}/participants", meeting.segment());
        self.page(
            "past_meetings.participants",
            &path,
            "participants",
            Vec::new(),
            page_size,
            next_page_token,
        )
        .await
    }

    /// All past-meeting participants, walking every page.
    pub async fn all_past_meeting_participants(
        &self,
        meeting: &MeetingRef,
    ) -> Result<Vec<Participant>, ZoomError> {
        self.all_pages(|t| async move {
            self.past_meeting_participants(meeting, Some(300), t.as_deref())
                .await
        })
        .await
    }

    /// `GET /report/meetings/{meetingId}/participants` — one page. HEAVY, admin scope;
    /// rows carry `customer_key`.
    pub async fn report_meeting_participants(
        &self,
        meeting: &MeetingRef,
        page_size: Option<u32>,
        next_page_token: Option<&str>,
    ) -> Result<Page<Participant>, ZoomError> {
        let path = format!("/report/meetings/{}/participants", meeting.segment());
        self.page(
            "report.meeting_participants",
            &path,
            "participants",
            Vec::new(),
            page_size,
            next_page_token,
        )
        .await
    }

    /// All report participants, walking every page.
    pub async fn all_report_meeting_participants(
        &self,
        meeting: &MeetingRef,
    ) -> Result<Vec<Participant>, ZoomError> {
        self.all_pages(|t| async move {
            self.report_meeting_participants(meeting, Some(300), t.as_deref())
                .await
        })
        .await
    }

    /// `GET /meetings/{meetingId}/recordings` (404/3301 when there is none).
    pub async fn meeting_recordings(&self, meeting: &MeetingRef) -> Result<Recordings, ZoomError> {
        let path = format!("/meetings/{}/recordings", meeting.segment());
        self.get_json("meetings.recordings", &path, &[]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_decodes_zoom_shape() {
        let body = r#"{"uuid":"aDYlohsHRtCd4ii1uC2+hA==","id":92674392836,"host_id":"h","host_email":"h@x","topic":"T","type":2,"status":"waiting","start_time":"2025-02-19T00:05:27Z","duration":60,"timezone":"UTC","created_at":"2025-02-18T00:00:00Z","start_url":"https://zoom.us/s/1?zak=secret","join_url":"https://zoom.us/j/1?pwd=x","password":"abc","settings":{"waiting_room":true},"unknown":[1,2]}"#;
        let m: Meeting = serde_json::from_str(body).unwrap();
        assert_eq!(m.id, 92674392836);
        assert_eq!(m.kind, Some(2));
        assert!(m.start_time.is_some());
        assert!(!format!("{m:?}").contains("zak=secret"));
        let m: Meeting = serde_json::from_str(r#"{"id":"85746065432","start_time":""}"#).unwrap();
        assert_eq!(m.id, 85746065432);
        assert!(m.start_time.is_none());
    }

    #[test]
    fn create_meeting_serializes_zoom_time() {
        let req =
            CreateMeeting::scheduled("Lecture 1", "2025-03-01T09:00:00.123Z".parse().unwrap(), 90);
        let v = serde_json::to_value(&req).unwrap();
        assert_eq!(v["start_time"], "2025-03-01T09:00:00Z");
        assert_eq!(v["type"], 2);
        assert!(v.get("agenda").is_none());
    }

    #[test]
    fn base_from_api_url() {
        let c = ZoomClient::new(crate::ZoomConfig::new("a", "b", "c")).unwrap();
        assert_eq!(
            c.api_with_token("t".into(), Some("https://api-eu.zoom.us"))
                .base(),
            "https://api-eu.zoom.us/v2"
        );
        assert_eq!(
            c.api_with_token("t".into(), None).base(),
            "https://api.zoom.us/v2"
        );
        let api = c.api_with_token("t".into(), None);
        assert_eq!(
            api.url("/x", &[("next_page_token", "a b+c".into())]),
            "https://api.zoom.us/v2/x?next_page_token=a+b%2Bc"
        );
    }
}
