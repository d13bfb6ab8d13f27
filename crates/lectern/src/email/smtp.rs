//! SMTP delivery over sockets we open ourselves, with `TCP_NODELAY`.
//!
//! lettre 0.11.23 (the newest release) never sets `TCP_NODELAY` on its sockets, and it
//! writes a message's body and the closing `\r\n.\r\n` as two writes: Nagle's algorithm
//! holds the second until the server's delayed ACK of the first (~40 ms on Linux), so
//! every message took ~58 ms and campaign delivery topped out near 65 messages/s per
//! worker. Fixed upstream in lettre PR #1159 (<https://github.com/lettre/lettre/pull/1159>),
//! not released yet. Until a release sets it, lettre still speaks SMTP (greeting, EHLO,
//! STARTTLS, AUTH, MAIL/RCPT/DATA) through `AsyncSmtpConnection`, but over a
//! `tokio::net::TcpStream` opened here with `set_nodelay(true)`, kept in a small pool.
//! Go back to `AsyncSmtpTransport` once lettre releases the fix (see docs/email.md).
//!
//! `SMTP_URL` means what lettre's `AsyncSmtpTransport::from_url` makes of it
//! ([`SmtpTarget::from_url`] follows its rules).

use std::borrow::Cow;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// Each step (connecting, one message's whole exchange, checking an idle connection) must
/// finish within this, as lettre's transport was configured before.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(15);
/// At most this many connections to the relay per process: the worker runs 4 jobs at once
/// (`jobs::worker::CONCURRENCY`), the rest is headroom for mail sent outside it (tests).
pub(crate) const MAX_CONNECTIONS: usize = 8;
/// A connection parked longer than this is asked `NOOP` before it carries a message
/// (the relay may have closed it); one in steady use is not.
const CHECK_AFTER: Duration = Duration::from_secs(1);
/// A connection parked longer than this is closed instead of reused (lettre's pool
/// default; relays drop idle clients after a few minutes).
const IDLE_MAX: Duration = Duration::from_secs(60);

const SMTP_PORT: u16 = 25;
const SUBMISSION_PORT: u16 = 587;
const SUBMISSIONS_PORT: u16 = 465;

/// How the connection is secured, as lettre's `Tls`.
#[derive(Clone)]
enum Security {
    /// `smtp://`: plain text.
    None,
    /// `smtp://…?tls=opportunistic`: STARTTLS when the server offers it.
    Opportunistic(TlsParameters),
    /// `smtp://…?tls=required`: STARTTLS or fail.
    Required(TlsParameters),
    /// `smtps://`: TLS from the first byte (implicit TLS).
    Wrapper(TlsParameters),
}

/// Where and how to deliver, read from `SMTP_URL`.
#[derive(Clone)]
pub(crate) struct SmtpTarget {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
}

impl std::fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No credentials.
        let security = match &self.security {
            Security::None => "none",
            Security::Opportunistic(_) => "opportunistic",
            Security::Required(_) => "required",
            Security::Wrapper(_) => "wrapper",
        };
        f.debug_struct("SmtpTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &security)
            .field("auth", &self.credentials.is_some())
            .field("hello", &self.hello.to_string())
            .finish()
    }
}

impl SmtpTarget {
    /// lettre 0.11.23's `from_url` rules (`transport/smtp/connection_url.rs`): `smtp://`
    /// is plain text on port 25, or STARTTLS on 587 with `?tls=required` /
    /// `?tls=opportunistic` (any other `tls` value is an error); `smtps://` is implicit TLS
    /// on 465 (the `tls` parameter ignored); an explicit port wins; the path (less its
    /// slashes) is the EHLO name, else this host's name; `user:password@` (percent-decoded)
    /// are the AUTH credentials, used only when a password is given.
    pub(crate) fn from_url(url: &str) -> Result<SmtpTarget, String> {
        let url = url::Url::parse(url).map_err(|e| e.to_string())?;
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.to_string());
        let host = url
            .host_str()
            .ok_or_else(|| "smtp host undefined".to_string())?
            .to_string();
        let params = || TlsParameters::new(host.clone()).map_err(|e| e.to_string());
        let (port, security) = match (url.scheme(), tls.as_deref()) {
            ("smtp", None) => (SMTP_PORT, Security::None),
            ("smtp", Some("required")) => (SUBMISSION_PORT, Security::Required(params()?)),
            ("smtp", Some("opportunistic")) => {
                (SUBMISSION_PORT, Security::Opportunistic(params()?))
            }
            ("smtps", _) => (SUBMISSIONS_PORT, Security::Wrapper(params()?)),
            (scheme, tls) => {
                return Err(format!(
                    "unknown scheme '{scheme}' or tls parameter '{tls:?}'"
                ));
            }
        };
        let hello = if url.path().len() > 1 {
            ClientId::Domain(url.path().trim_matches('/').to_owned())
        } else {
            ClientId::default()
        };
        let credentials = match url.password() {
            Some(password) => {
                let decode = |s: &str| {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8()
                        .map(Cow::into_owned)
                        .map_err(|e| e.to_string())
                };
                Some(Credentials::new(decode(url.username())?, decode(password)?))
            }
            None => None,
        };
        Ok(SmtpTarget {
            port: url.port().unwrap_or(port),
            host,
            security,
            credentials,
            hello,
        })
    }
}

/// Why a message was not handed over.
#[derive(Debug)]
pub(crate) enum SmtpError {
    Smtp(lettre::transport::smtp::Error),
    /// Reaching the relay failed (name lookup, connect): transient.
    Io(io::Error),
    Timeout(&'static str),
}

impl SmtpError {
    /// The relay refused it for good (5xx): trying again will not help.
    pub(crate) fn is_permanent(&self) -> bool {
        matches!(self, SmtpError::Smtp(e) if e.is_permanent())
    }
}

impl std::fmt::Display for SmtpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmtpError::Smtp(e) => write!(f, "{e}"),
            SmtpError::Io(e) => write!(f, "could not reach the mail server: {e}"),
            SmtpError::Timeout(what) => {
                write!(
                    f,
                    "the mail server did not answer within {TIMEOUT:?} ({what})"
                )
            }
        }
    }
}

impl From<lettre::transport::smtp::Error> for SmtpError {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        SmtpError::Smtp(e)
    }
}

struct Parked {
    conn: AsyncSmtpConnection,
    since: Instant,
}

/// Open connections to one relay, reused from message to message.
pub(crate) struct SmtpPool {
    target: SmtpTarget,
    idle: Mutex<Vec<Parked>>,
    /// One permit per connection in use: at most [`MAX_CONNECTIONS`] exist.
    slots: Semaphore,
    opened: AtomicUsize,
}

impl SmtpPool {
    pub(crate) fn new(target: SmtpTarget) -> SmtpPool {
        SmtpPool {
            target,
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(MAX_CONNECTIONS),
            opened: AtomicUsize::new(0),
        }
    }

    /// How many connections this pool has opened so far.
    #[cfg(test)]
    pub(crate) fn opened(&self) -> usize {
        self.opened.load(Ordering::Relaxed)
    }

    /// Hands one message to the relay. A connection that failed or timed out on the way
    /// is closed, never parked again.
    pub(crate) async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SmtpError> {
        let _slot = tokio::time::timeout(TIMEOUT, self.slots.acquire())
            .await
            .map_err(|_| SmtpError::Timeout("every connection stayed busy"))?
            .expect("the pool's semaphore is never closed");
        let mut conn = self.checkout().await?;
        match tokio::time::timeout(TIMEOUT, conn.send(envelope, message)).await {
            Ok(Ok(_)) => {
                self.park(conn);
                Ok(())
            }
            Ok(Err(e)) => {
                // lettre has already sent QUIT and closed it on most errors; make sure.
                if !conn.has_broken() {
                    let _ = tokio::time::timeout(Duration::from_secs(1), conn.abort()).await;
                }
                Err(e.into())
            }
            // Dropped: the socket closes mid-exchange, so nothing half-sent goes on.
            Err(_) => Err(SmtpError::Timeout("sending the message")),
        }
    }

    /// An idle connection that still answers, else a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, SmtpError> {
        loop {
            let parked = self.idle.lock().expect("smtp pool lock").pop();
            let Some(Parked { mut conn, since }) = parked else {
                break;
            };
            let idle = since.elapsed();
            if idle > IDLE_MAX || conn.has_broken() {
                continue; // dropped: its socket closes
            }
            if idle <= CHECK_AFTER {
                return Ok(conn);
            }
            if let Ok(true) = tokio::time::timeout(TIMEOUT, conn.test_connected()).await {
                return Ok(conn);
            }
        }
        let conn = tokio::time::timeout(TIMEOUT, self.connect())
            .await
            .map_err(|_| SmtpError::Timeout("connecting"))??;
        self.opened.fetch_add(1, Ordering::Relaxed);
        Ok(conn)
    }

    fn park(&self, conn: AsyncSmtpConnection) {
        if conn.has_broken() {
            return;
        }
        let mut idle = self.idle.lock().expect("smtp pool lock");
        idle.retain(|p| p.since.elapsed() <= IDLE_MAX);
        if idle.len() < MAX_CONNECTIONS {
            idle.push(Parked {
                conn,
                since: Instant::now(),
            });
        }
    }

    /// Greeting, EHLO, then TLS and AUTH as `SMTP_URL` says (what lettre's transport does
    /// in `Tokio1Executor::connect` and `AsyncSmtpClient::connection`).
    async fn connect(&self) -> Result<AsyncSmtpConnection, SmtpError> {
        let t = &self.target;
        let tcp = open_socket(&t.host, t.port).await?;
        let mut conn = match &t.security {
            Security::Wrapper(params) => {
                let peer = tcp.peer_addr().map_err(net_error)?;
                #[allow(deprecated)]
                let mut stream =
                    lettre::transport::smtp::client::AsyncNetworkStream::use_existing_tokio1(
                        Box::new(tcp),
                    );
                #[allow(deprecated)]
                stream.upgrade_tls(params.clone()).await?;
                let tls = ImplicitTls {
                    inner: stream,
                    peer,
                };
                AsyncSmtpConnection::connect_with_transport(Box::new(tls), &t.hello).await?
            }
            _ => AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &t.hello).await?,
        };
        match &t.security {
            Security::Opportunistic(params) if conn.can_starttls() => {
                conn.starttls(params.clone(), &t.hello).await?;
            }
            Security::Required(params) => conn.starttls(params.clone(), &t.hello).await?,
            _ => {}
        }
        if let Some(credentials) = &t.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).await?;
        }
        Ok(conn)
    }
}

/// A connected socket to `host:port` with `TCP_NODELAY` set: each address the name
/// resolves to in turn, [`TIMEOUT`] each, as lettre does.
pub(crate) async fn open_socket(host: &str, port: u16) -> Result<TcpStream, SmtpError> {
    let addrs = tokio::net::lookup_host((host, port))
        .await
        .map_err(net_error)?;
    let mut last = None;
    for addr in addrs {
        match tokio::time::timeout(TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(tcp)) => {
                tcp.set_nodelay(true).map_err(net_error)?;
                return Ok(tcp);
            }
            Ok(Err(e)) => last = Some(net_error(e)),
            Err(_) => last = Some(SmtpError::Timeout("connecting")),
        }
    }
    Err(last.unwrap_or_else(|| {
        net_error(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host} resolves to no address"),
        ))
    }))
}

fn net_error(e: io::Error) -> SmtpError {
    SmtpError::Io(e)
}

/// `smtps://`: lettre's TLS stream (the same `TlsParameters`, so the same certificate
/// checks as its own transport) over our socket, seen by `connect_with_transport` as the
/// plain stream it expects. lettre names `AsyncNetworkStream` deprecated ("not meant to be
/// public"), but it is the one way to put its TLS under the greeting without taking
/// `tokio-rustls` and the platform verifier as direct dependencies; this goes when lettre's
/// own transport sets `TCP_NODELAY`.
#[allow(deprecated)]
struct ImplicitTls {
    inner: lettre::transport::smtp::client::AsyncNetworkStream,
    peer: SocketAddr,
}

impl std::fmt::Debug for ImplicitTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImplicitTls")
            .field("peer", &self.peer)
            .finish()
    }
}

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.peer)
    }
}

impl tokio::io::AsyncRead for ImplicitTls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let unfilled = buf.initialize_unfilled();
        match futures_util::io::AsyncRead::poll_read(Pin::new(&mut self.inner), cx, unfilled) {
            Poll::Ready(Ok(n)) => {
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl tokio::io::AsyncWrite for ImplicitTls {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_util::io::AsyncWrite::poll_write(Pin::new(&mut self.inner), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_util::io::AsyncWrite::poll_flush(Pin::new(&mut self.inner), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_util::io::AsyncWrite::poll_close(Pin::new(&mut self.inner), cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    fn mode(t: &SmtpTarget) -> &'static str {
        match t.security {
            Security::None => "none",
            Security::Opportunistic(_) => "opportunistic",
            Security::Required(_) => "required",
            Security::Wrapper(_) => "wrapper",
        }
    }

    #[test]
    fn smtp_url_means_what_lettres_from_url_makes_of_it() {
        let t = SmtpTarget::from_url("smtp://mail.example.org").unwrap();
        assert_eq!((t.port, mode(&t)), (25, "none"));
        assert!(t.credentials.is_none());
        assert_eq!(t.hello, ClientId::default());
        let t = SmtpTarget::from_url("smtp://mail.example.org:2525").unwrap();
        assert_eq!((t.port, mode(&t)), (2525, "none"));
        let t = SmtpTarget::from_url("smtp://mail.example.org?tls=required").unwrap();
        assert_eq!((t.port, mode(&t)), (587, "required"));
        let t = SmtpTarget::from_url("smtp://mail.example.org:26?tls=opportunistic").unwrap();
        assert_eq!((t.port, mode(&t)), (26, "opportunistic"));
        let t =
            SmtpTarget::from_url("smtps://u%40x:p%2Fw@mail.example.org/lectern.example").unwrap();
        assert_eq!((t.port, mode(&t)), (465, "wrapper"));
        assert_eq!(t.hello, ClientId::Domain("lectern.example".into()));
        assert!(t.credentials == Some(Credentials::new("u@x".into(), "p/w".into())));
        // smtps ignores tls=, as lettre does.
        let t = SmtpTarget::from_url("smtps://mail.example.org?tls=whatever").unwrap();
        assert_eq!((t.port, mode(&t)), (465, "wrapper"));
        // A user name without a password is no AUTH.
        let t = SmtpTarget::from_url("smtp://user@mail.example.org").unwrap();
        assert!(t.credentials.is_none());
        assert!(SmtpTarget::from_url("smtp://mail.example.org?tls=maybe").is_err());
        assert!(SmtpTarget::from_url("http://mail.example.org").is_err());
        assert!(SmtpTarget::from_url("smtp:///nohost").is_err());
        // Never shows the password.
        let t = SmtpTarget::from_url("smtp://u:secretpw@mail.example.org").unwrap();
        assert!(!format!("{t:?}").contains("secretpw"));
    }

    // The stall this module exists to avoid: with Nagle on, each message's last write
    // waited for the server's delayed ACK (measured: lettre 0.11.23's transport 44 ms a
    // message, this pool 0.2 ms, debug build, same server). Asserted on the socket, not by
    // a timing that a busy machine would make flaky.
    #[tokio::test]
    async fn the_socket_the_pool_opens_has_nodelay() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tcp = open_socket("127.0.0.1", port).await.unwrap();
        assert!(tcp.nodelay().unwrap(), "TCP_NODELAY is set");
        // A plain tokio socket has it off: the assertion above is about open_socket.
        let plain = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        assert!(!plain.nodelay().unwrap());
    }

    /// A minimal SMTP server: counts connections, accepts everything.
    async fn tiny_server() -> (u16, std::sync::Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = std::sync::Arc::new(AtomicUsize::new(0));
        let a = accepted.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                a.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let (r, mut w) = stream.into_split();
                    let mut r = BufReader::new(r);
                    w.write_all(b"220 tiny\r\n").await?;
                    let mut line = String::new();
                    let mut in_data = false;
                    loop {
                        line.clear();
                        if r.read_line(&mut line).await? == 0 {
                            return Ok::<_, io::Error>(());
                        }
                        let l = line.trim_end();
                        let reply: &[u8] = if in_data {
                            if l != "." {
                                continue;
                            }
                            in_data = false;
                            b"250 queued\r\n"
                        } else if l == "DATA" {
                            in_data = true;
                            b"354 go\r\n"
                        } else if l == "QUIT" {
                            w.write_all(b"221 bye\r\n").await?;
                            return Ok(());
                        } else {
                            b"250 ok\r\n"
                        };
                        w.write_all(reply).await?;
                    }
                });
            }
        });
        (port, accepted)
    }

    fn envelope() -> Envelope {
        Envelope::new(
            Some("from@example.org".parse().unwrap()),
            vec!["to@example.org".parse().unwrap()],
        )
        .unwrap()
    }

    #[tokio::test]
    async fn one_connection_carries_message_after_message() {
        let (port, accepted) = tiny_server().await;
        let pool =
            SmtpPool::new(SmtpTarget::from_url(&format!("smtp://127.0.0.1:{port}")).unwrap());
        for _ in 0..5 {
            pool.send(&envelope(), b"Subject: x\r\n\r\nbody\r\n")
                .await
                .unwrap();
        }
        assert_eq!(pool.opened(), 1);
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }
}
