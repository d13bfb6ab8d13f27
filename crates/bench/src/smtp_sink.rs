//! A local SMTP sink for the `campaign` scenario: accepts every message (enough of RFC 5321
//! for lettre without STARTTLS or AUTH: greeting, EHLO/HELO, MAIL, RCPT, DATA up to the line
//! ".", RSET, NOOP, QUIT) and keeps only what the bench checks: how many messages, each
//! recipient's count, and when the first and the last arrived.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
pub struct Tally {
    pub messages: usize,
    /// Per `RCPT TO` address, how many accepted messages named it.
    pub recipients: HashMap<String, usize>,
    pub first: Option<Instant>,
    pub last: Option<Instant>,
}

pub struct Sink {
    pub port: u16,
    tally: Arc<Mutex<Tally>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sink {
    pub async fn start() -> anyhow::Result<Sink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let tally = Arc::new(Mutex::new(Tally::default()));
        let t = tally.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let t = t.clone();
                tokio::spawn(async move {
                    let _ = session(stream, t).await;
                });
            }
        });
        Ok(Sink { port, tally, task })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Reads the tally under its lock.
    pub fn with<R>(&self, f: impl FnOnce(&Tally) -> R) -> R {
        f(&self.tally.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

async fn session(stream: TcpStream, tally: Arc<Mutex<Tally>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 bench-sink ESMTP\r\n").await?;
    let mut rcpts: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if cmd.starts_with("EHLO") {
            b"250-bench-sink\r\n250 8BITMIME\r\n"
        } else if cmd.starts_with("HELO") || cmd.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if cmd.starts_with("MAIL") || cmd.starts_with("RSET") {
            rcpts.clear();
            b"250 OK\r\n"
        } else if cmd.starts_with("RCPT") {
            rcpts.push(address(line.trim_end()));
            b"250 OK\r\n"
        } else if cmd == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line.trim_end_matches(['\r', '\n']) == "." {
                    break;
                }
            }
            {
                let now = Instant::now();
                let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
                t.messages += 1;
                for r in rcpts.drain(..) {
                    *t.recipients.entry(r).or_default() += 1;
                }
                t.first.get_or_insert(now);
                t.last = Some(now);
            }
            b"250 OK queued\r\n"
        } else if cmd.starts_with("QUIT") {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// The address of `RCPT TO:<a@b>` (lowercased; parameters after it ignored).
fn address(line: &str) -> String {
    let rest = line.split_once(':').map_or("", |(_, r)| r).trim();
    let addr = match (rest.find('<'), rest.find('>')) {
        (Some(a), Some(b)) if a < b => &rest[a + 1..b],
        _ => rest.split_whitespace().next().unwrap_or(""),
    };
    addr.to_ascii_lowercase()
}
