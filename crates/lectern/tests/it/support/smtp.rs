//! A tiny SMTP server that accepts everything and keeps the raw messages: enough of
//! RFC 5321 for lettre (greeting, EHLO/HELO without STARTTLS or AUTH, MAIL, RCPT, DATA with
//! dot-unstuffing, RSET, NOOP, QUIT). An optional delay before the final `250` after DATA
//! lets tests hold a delivery job "in hand"; it counts the connections it accepted (to see
//! them reused) and can refuse chosen recipients at `RCPT TO` with a reply of the test's
//! choosing (a `550` for good, a `451` for now).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::mail::Mail;

#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub raw: String,
}

impl Received {
    pub fn parse(&self) -> Mail {
        Mail::parse(&self.raw)
    }
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<Received>>,
    delay_ms: std::sync::atomic::AtomicU64,
    data_started: AtomicUsize,
    connections: AtomicUsize,
    /// Recipient address (lower case) → the reply its `RCPT TO` gets.
    refused: Mutex<HashMap<String, String>>,
    notify: tokio::sync::Notify,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    shared: Arc<Shared>,
    task: Arc<tokio::task::JoinHandle<()>>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if Arc::strong_count(&self.task) == 1 {
            self.task.abort();
        }
    }
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind smtp sink");
        let port = listener.local_addr().expect("addr").port();
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                s.connections.fetch_add(1, Ordering::SeqCst);
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = session(stream, s).await;
                });
            }
        });
        SmtpSink {
            port,
            shared,
            task: Arc::new(task),
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits this long before acknowledging each message's DATA.
    pub fn set_delay(&self, d: Duration) {
        self.shared
            .delay_ms
            .store(d.as_millis() as u64, Ordering::SeqCst);
    }

    /// How many connections the sink has accepted.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Answers `RCPT TO:<address>` with `reply` (e.g. `550 5.1.1 no such user`) from now on.
    pub fn refuse(&self, address: &str, reply: &str) {
        self.shared
            .refused
            .lock()
            .expect("lock")
            .insert(address.to_ascii_lowercase(), reply.to_string());
    }

    /// How many DATA transfers have begun (including ones not yet acknowledged).
    pub fn data_started(&self) -> usize {
        self.shared.data_started.load(Ordering::SeqCst)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.shared.messages.lock().expect("lock").clone()
    }

    /// Waits until at least `n` messages arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.notify.notified();
            let msgs = self.messages();
            if msgs.len() >= n {
                return msgs;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "SMTP sink: expected {n} message(s) within {timeout:?}, got {}",
                    self.messages().len()
                );
            }
        }
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 sink.test ESMTP test sink\r\n").await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            w.write_all(b"250 sink.test\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = cmd[10..].trim().to_string();
            to.clear();
            w.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            let rcpt = cmd[8..].trim().to_string();
            let address = rcpt.trim_matches(['<', '>']).to_ascii_lowercase();
            let refused = shared.refused.lock().expect("lock").get(&address).cloned();
            if let Some(reply) = refused {
                w.write_all(format!("{reply}\r\n").as_bytes()).await?;
                continue;
            }
            to.push(rcpt);
            w.write_all(b"250 OK\r\n").await?;
        } else if upper == "DATA" {
            w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            shared.data_started.fetch_add(1, Ordering::SeqCst);
            let mut raw = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                let l = line.trim_end_matches(['\r', '\n']);
                if l == "." {
                    break;
                }
                // Dot-unstuffing (RFC 5321 4.5.2).
                raw.push_str(l.strip_prefix('.').unwrap_or(l));
                raw.push_str("\r\n");
            }
            let delay = shared.delay_ms.load(Ordering::SeqCst);
            if delay > 0 {
                tokio::time::sleep(Duration::from_millis(delay)).await;
            }
            shared.messages.lock().expect("lock").push(Received {
                from: from.clone(),
                to: to.clone(),
                raw,
            });
            shared.notify.notify_waiters();
            w.write_all(b"250 OK: queued\r\n").await?;
        } else if upper == "RSET" || upper == "NOOP" {
            w.write_all(b"250 OK\r\n").await?;
        } else if upper == "QUIT" {
            w.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            w.write_all(b"502 Command not implemented\r\n").await?;
        }
    }
}
