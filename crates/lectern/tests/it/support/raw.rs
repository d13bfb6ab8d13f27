//! HTTP/1.1 written by hand over TCP, for requests no well-behaved client sends: bytes
//! that are not UTF-8 in the path, a Content-Length the body never reaches, headers of
//! 64 KiB, a body trickled byte by byte.
//!
//! The request is written while the answer is read: a server may answer (a 413, say) and
//! close before it has read the whole request, and a client that first finishes writing
//! meets a broken pipe or a reset instead of the answer it was sent.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What came back: the status of the answer, or `None` when the server closed the
/// connection without one (what hyper does with some requests it cannot parse).
#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub status: Option<u16>,
    /// The head of the answer (status line and headers), for failure messages.
    pub head: String,
}

/// Sends `request` (written as is) and reads the answer's head; `then_close` shuts our
/// side for writing after the request (the body ends there, whatever Content-Length said).
/// Panics when nothing at all happens within `wait`.
pub async fn send(
    addr: SocketAddr,
    request: Vec<u8>,
    then_close: bool,
    wait: Duration,
) -> RawAnswer {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        // A write that fails because the server already answered and closed is expected.
        let _ = wr.write_all(&request).await;
        if then_close {
            let _ = wr.shutdown().await;
        }
        // Keep our side open (unless told) until the reader is done with the answer.
        wr
    });
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let read = tokio::time::timeout(wait, async {
        loop {
            match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    writer.abort();
    let head = String::from_utf8_lossy(&buf).into_owned();
    if read.is_err() && buf.is_empty() {
        panic!("no answer and no close within {wait:?}");
    }
    let status = head
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| head.strip_prefix("HTTP/1.0 "))
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok());
    let head = head
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_string();
    RawAnswer { status, head }
}

/// A request: `method target`, the `headers` given (each `Name: value`), `Host`,
/// `Connection: close`, and `body` with its length unless a Content-Length is among
/// `headers`.
pub fn request(method: &str, target: &[u8], headers: &[String], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(target.len() + body.len() + 512);
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target);
    out.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    let mut has_length = false;
    for h in headers {
        has_length |= h.to_ascii_lowercase().starts_with("content-length:")
            || h.to_ascii_lowercase().starts_with("transfer-encoding:");
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !has_length && (!body.is_empty() || method != "GET") {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}
