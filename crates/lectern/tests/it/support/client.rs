//! An HTTP client that behaves like one browser: its own cookie jar, redirects NOT
//! followed (tests look at the status and `Location`), `_csrf` filled in automatically.

use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};

#[derive(Clone)]
pub struct TestClient {
    pub http: reqwest::Client,
    jar: Arc<Jar>,
    base: String,
    host: Option<String>,
    /// Sent with every request: `X-Forwarded-For` when behind a "proxy".
    forwarded_for: Option<String>,
}

/// A response, read completely.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    /// The body as sent (`text` is its UTF-8 reading).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }
    /// Panics with the body when the status differs.
    #[track_caller]
    pub fn assert_status(&self, want: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            want,
            "unexpected status; body:\n{}",
            &self.text[..self.text.len().min(3000)]
        );
        self
    }
    #[track_caller]
    pub fn assert_redirect_to(&self, prefix: &str) -> &Self {
        assert!(
            self.status.is_redirection(),
            "expected a redirect to {prefix}, got {}; body:\n{}",
            self.status,
            &self.text[..self.text.len().min(2000)]
        );
        let loc = self.location().unwrap_or_default();
        assert!(
            loc.starts_with(prefix),
            "redirected to {loc:?}, expected {prefix:?}"
        );
        self
    }
    pub fn doc(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.text)
    }
    /// Text content of every element matching `css`.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let sel = scraper::Selector::parse(css).expect("selector");
        self.doc()
            .select(&sel)
            .map(|e| e.text().collect::<String>().trim().to_string())
            .collect()
    }
    /// The `attr` attribute of the first element matching `css`.
    pub fn attr(&self, css: &str, attr: &str) -> Option<String> {
        let sel = scraper::Selector::parse(css).expect("selector");
        self.doc()
            .select(&sel)
            .next()
            .and_then(|e| e.value().attr(attr))
            .map(str::to_string)
    }
    /// The value of the input (or textarea) named `name`.
    pub fn input(&self, name: &str) -> Option<String> {
        self.attr(&format!("input[name=\"{name}\"]"), "value")
    }
    /// The hidden `_csrf` field of the page's first form.
    pub fn csrf(&self) -> Option<String> {
        self.input("_csrf")
    }
}

impl TestClient {
    pub fn new(base: &str) -> TestClient {
        Self::build(base, None)
    }

    /// A browser on a school's own domain: `http://<host>:<port>` with `host` resolving to
    /// the test server at `addr`, and cookies of its own, as a real browser keeps them per
    /// host (so the base URL's host gets none of them).
    pub fn on_host(addr: std::net::SocketAddr, host: &str) -> TestClient {
        Self::build(
            &format!("http://{host}:{}", addr.port()),
            Some((host, addr)),
        )
    }

    fn build(base: &str, resolve: Option<(&str, std::net::SocketAddr)>) -> TestClient {
        let jar = Arc::new(Jar::default());
        let mut builder = reqwest::Client::builder();
        if let Some((host, addr)) = resolve {
            builder = builder.resolve(host, addr);
        }
        let http = builder
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("client");
        TestClient {
            http,
            jar,
            base: base.trim_end_matches('/').to_string(),
            host: None,
            forwarded_for: None,
        }
    }

    /// The same client (same cookies) reaching the app through a reverse proxy on
    /// 127.0.0.1 that appends `X-Forwarded-For: <chain>` (the client's own address last,
    /// after whatever the client itself wrote).
    pub fn forwarded_for(&self, chain: &str) -> TestClient {
        TestClient {
            forwarded_for: Some(chain.to_string()),
            ..self.clone()
        }
    }

    /// The same client (same cookies) but sending `Host: host`, as a browser on a custom
    /// domain of another school would.
    pub fn with_host(&self, host: &str) -> TestClient {
        TestClient {
            host: Some(host.to_string()),
            ..self.clone()
        }
    }

    /// Another client holding a copy of this one's cookies, talking to `base` (another
    /// instance): what a replayed session cookie looks like. Later cookie changes (such as
    /// the removal at sign-out) stay with this client.
    pub fn copy_to(&self, base: &str) -> TestClient {
        let other = TestClient::new(base);
        let from = reqwest::Url::parse(&self.base).expect("base url");
        let to = reqwest::Url::parse(&other.base).expect("base url");
        if let Some(header) = self.jar.cookies(&from) {
            for kv in header.to_str().expect("ascii cookies").split(';') {
                other.jar.add_cookie_str(kv.trim(), &to);
            }
        }
        other
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// A request with our Host override; send it with [`TestClient::send`].
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut rb = self.http.request(method, self.url(path));
        if let Some(chain) = &self.forwarded_for {
            rb = rb.header("x-forwarded-for", chain);
        }
        match &self.host {
            Some(h) => rb.header(reqwest::header::HOST, h),
            None => rb,
        }
    }

    pub async fn send(&self, rb: RequestBuilder) -> Resp {
        let r = rb.send().await.expect("request failed");
        let status = r.status();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Resp {
            status,
            headers,
            text,
            bytes,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.request(Method::GET, path)).await
    }

    /// This client's cookies as a `Cookie` header (empty without any), for requests
    /// written by hand (`support::raw`).
    pub fn cookie_header(&self) -> String {
        let url = reqwest::Url::parse(&self.base).expect("base url");
        self.jar
            .cookies(&url)
            .and_then(|h| h.to_str().ok().map(str::to_string))
            .unwrap_or_default()
    }

    /// A cookie's current value in this client's jar.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = reqwest::Url::parse(&self.base).expect("base url");
        let header = self.jar.cookies(&url)?;
        header.to_str().ok()?.split(';').find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }

    /// Sets a cookie in this client's jar, as another site able to write our cookies
    /// (a sibling subdomain, a plain-http page) could.
    pub fn set_cookie(&self, name: &str, value: &str) {
        let url = reqwest::Url::parse(&self.base).expect("base url");
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), &url);
    }

    /// A `_csrf` token: from the form on `path` when it has one, else from `/signin`.
    pub async fn csrf_for(&self, path: &str) -> String {
        let page = self.get(path).await;
        if let Some(t) = page.csrf() {
            return t;
        }
        self.get("/signin")
            .await
            .csrf()
            .expect("the sign-in page has a _csrf field")
    }

    /// Posts a form like a browser that loaded `path` first: `_csrf` is added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf_for(path).await;
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all).await
    }

    /// Posts exactly these fields (no `_csrf` added).
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).expect("form");
        self.post_body(path, "application/x-www-form-urlencoded", body)
            .await
    }

    pub async fn post_body(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Resp {
        let rb = self
            .request(Method::POST, path)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        self.send(rb).await
    }

    /// Signs in and asserts that it worked (303 to `/`).
    pub async fn signin(&self, email: &str, password: &str) -> Resp {
        let r = self
            .post_form("/signin", &[("email", email), ("password", password)])
            .await;
        r.assert_redirect_to("/");
        assert!(
            self.cookie("lectern_session").is_some(),
            "no session cookie after sign-in"
        );
        r
    }

    pub async fn signout(&self) -> Resp {
        let token = self.csrf_for("/signin").await;
        self.post_form_raw("/signout", &[("_csrf", &token)]).await
    }

    /// The display name shown in the top bar, if signed in (the link to `/profile`).
    pub async fn whoami(&self) -> Option<String> {
        let r = self.get("/").await;
        r.texts("nav a[href=\"/profile\"]").into_iter().next()
    }
}
