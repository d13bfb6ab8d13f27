//! The `upload` and `video-ranges` benchmarks: a lesson video streamed up to a storage
//! folder (throughput against a plain copy on the same filesystem, and the server's memory
//! while it streams), and students' players fetching byte ranges of it (against `/healthz`).

use std::convert::Infallible;
use std::io::{Read, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use hyper::body::{Frame, SizeHint};
use lectern::accounts;
use lectern::db::now_ms;

use crate::load::{self, Check, Options};
use crate::push::{FIRST_RUN, mib, rss};
use crate::setup::{self, App, Target, TempDir};

const PASSWORD: &str = "bench-password-123";
/// The file goes up, and is compared, in blocks of this size.
const BLOCK: usize = 1 << 20;
/// An MP4's `ftyp` box: what the upload's type check looks for.
const MP4_HEAD: &[u8] = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom";
/// The server's default video limit (`LECTERN_UPLOAD_MAX_VIDEO`).
const DEFAULT_VIDEO_LIMIT_MIB: u64 = 2048;

/// A published course with one video lesson, made by its instructor through the editor's
/// forms; the instructor's `Cookie` header and CSRF token for the upload.
struct World {
    app: App,
    /// Holds the storage folder (`objects/`) and the plain copy's files; removed at the end.
    dir: TempDir,
    authority: String,
    cookie: String,
    csrf: String,
    school: i64,
    course: i64,
    lesson: i64,
}

impl World {
    fn objects(&self) -> std::path::PathBuf {
        self.dir.path().join("objects")
    }

    fn upload_path(&self) -> String {
        format!(
            "/api/teach/courses/{}/lessons/{}/files?purpose=video",
            self.course, self.lesson
        )
    }
}

async fn prepare(target: &Target, size_mib: u64) -> anyhow::Result<World> {
    let dir = TempDir::new("lectern-bench-files")?;
    let mut extra = vec![(
        "LECTERN_STORAGE_URL",
        format!("file://{}", dir.path().join("objects").display()),
    )];
    // The default limit unless the file would not fit in it.
    if size_mib > DEFAULT_VIDEO_LIMIT_MIB {
        extra.push(("LECTERN_UPLOAD_MAX_VIDEO", format!("{size_mib}MiB")));
    }
    let app = setup::start_with(target, &extra, false).await?;
    let db = &app.state.db;
    let school = setup::bench_school(db).await?;
    setup::bench_teacher(db, school, PASSWORD).await?;
    let (client, cookie) =
        setup::sign_in_with_cookies(&app.base, "teacher@bench.test", PASSWORD).await?;
    let csrf_name = accounts::sessions::csrf_cookie_name(app.state.secure_cookies());
    let csrf = cookie
        .split("; ")
        .find_map(|c| c.strip_prefix(csrf_name)?.strip_prefix('='))
        .ok_or_else(|| anyhow::anyhow!("no {csrf_name} cookie after signing in"))?
        .to_string();

    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let (client, base, csrf) = (&client, &app.base, &csrf);
        async move {
            let mut form = vec![("_csrf", csrf.clone())];
            form.extend(fields);
            let r = client
                .post(format!("{base}{path}"))
                .form(&form)
                .send()
                .await?;
            anyhow::ensure!(
                r.status().is_redirection(),
                "POST {path} answered {}",
                r.status()
            );
            Ok::<_, anyhow::Error>(
                r.headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or_default()
                    .to_string(),
            )
        }
    };
    let location = post(
        "/teach/courses/new".into(),
        vec![
            ("title", "Video course".into()),
            ("description", String::new()),
            ("cover_url", String::new()),
        ],
    )
    .await?;
    let course: i64 = location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("new course redirected to {location:?}"))?;
    post(
        format!("/teach/courses/{course}/lessons/new?kind=video"),
        vec![("title", "The video".into()), ("body", String::new())],
    )
    .await?;
    post(format!("/teach/courses/{course}/publish"), vec![]).await?;
    let lesson: i64 = sqlx::query_scalar(
        "SELECT id FROM lessons WHERE course_id = $1 AND kind = 'video' ORDER BY id LIMIT 1",
    )
    .bind(course)
    .fetch_one(&db.pool)
    .await?;
    let authority = load::Target::parse(&app.base).authority;
    Ok(World {
        app,
        dir,
        authority,
        cookie,
        csrf,
        school,
        course,
        lesson,
    })
}

/// Block `index` of the file: a fixed pattern with the block's index at bytes 24..32 (so a
/// part written at the wrong offset shows), the first block starting with [`MP4_HEAD`].
fn block(pattern: &[u8], index: u64) -> Bytes {
    let mut b = BytesMut::from(pattern);
    if index == 0 {
        b[..MP4_HEAD.len()].copy_from_slice(MP4_HEAD);
    }
    b[24..32].copy_from_slice(&index.to_le_bytes());
    b.freeze()
}

fn pattern() -> Vec<u8> {
    (0..BLOCK).map(|i| (i % 251) as u8).collect()
}

/// A request body made block by block as hyper asks for it: the client never holds more
/// than the blocks hyper has queued for the socket.
struct Generated {
    pattern: Arc<Vec<u8>>,
    next: u64,
    blocks: u64,
}

impl hyper::body::Body for Generated {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.next == self.blocks {
            return Poll::Ready(None);
        }
        let b = block(&self.pattern, self.next);
        self.next += 1;
        Poll::Ready(Some(Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.next == self.blocks
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact((self.blocks - self.next) * BLOCK as u64)
    }
}

/// What the upload answered, and how long from sending the request to its last byte.
struct Uploaded {
    id: i64,
    size: u64,
    url: String,
    took: Duration,
}

/// Streams a `blocks` MiB video to the lesson on one plain HTTP/1.1 connection, as the
/// editor's widget does (CSRF header, file name header, raw body).
async fn upload_video(w: &World, blocks: u64, pattern: &Arc<Vec<u8>>) -> anyhow::Result<Uploaded> {
    use http_body_util::BodyExt;
    let stream = tokio::net::TcpStream::connect(&w.authority).await?;
    stream.set_nodelay(true)?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let req = hyper::Request::post(w.upload_path())
        .header(hyper::header::HOST, w.authority.as_str())
        .header(hyper::header::COOKIE, w.cookie.as_str())
        .header("x-csrf-token", w.csrf.as_str())
        .header("x-file-name", "bench-video.mp4")
        .header(hyper::header::CONTENT_TYPE, "application/octet-stream")
        .header(hyper::header::CONTENT_LENGTH, blocks * BLOCK as u64)
        .body(Generated {
            pattern: pattern.clone(),
            next: 0,
            blocks,
        })?;
    let t = Instant::now();
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    let took = t.elapsed();
    anyhow::ensure!(
        status == hyper::StatusCode::OK,
        "upload answered {status}: {}",
        String::from_utf8_lossy(&body)
    );
    let json: serde_json::Value = serde_json::from_slice(&body)?;
    let field = |k: &str| {
        json.get(k)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no {k:?} in the upload's answer: {json}"))
    };
    Ok(Uploaded {
        id: field("id")?.as_i64().ok_or_else(|| anyhow::anyhow!("id"))?,
        size: field("size")?
            .as_u64()
            .ok_or_else(|| anyhow::anyhow!("size"))?,
        url: field("url")?
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("url"))?
            .to_string(),
        took,
    })
}

/// The stored object of `file`: its row must be ready with `blocks` MiB, and the object on
/// disk must have that size; with `compare`, every block is read back and compared.
async fn verify(
    w: &World,
    file: i64,
    blocks: u64,
    pattern: &[u8],
    compare: bool,
) -> anyhow::Result<std::path::PathBuf> {
    let (key, size, state): (String, i64, String) = sqlx::query_as(
        "SELECT storage_key, size, state FROM files WHERE id = $1 AND school_id = $2",
    )
    .bind(file)
    .bind(w.school)
    .fetch_one(&w.app.state.db.pool)
    .await?;
    let expected = blocks * BLOCK as u64;
    anyhow::ensure!(state == "ready", "the file's row is {state:?}, not ready");
    anyhow::ensure!(
        size as u64 == expected,
        "the file's row says {size} bytes, sent {expected}"
    );
    let path = w.objects().join(&key);
    let on_disk = std::fs::metadata(&path)?.len();
    anyhow::ensure!(
        on_disk == expected,
        "{} holds {on_disk} bytes, sent {expected}",
        path.display()
    );
    if compare {
        let mut f = std::fs::File::open(&path)?;
        let mut buf = vec![0u8; BLOCK];
        for i in 0..blocks {
            f.read_exact(&mut buf)?;
            anyhow::ensure!(
                buf[..] == block(pattern, i)[..],
                "block {i} of the stored file differs from what was sent"
            );
        }
    }
    Ok(path)
}

/// Samples this process's resident memory every 50 ms on its own thread (the app runs in
/// this process, and its async threads are the busy ones) until stopped; gives the peak.
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    samples: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl RssSampler {
    fn start() -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(rss("self")));
        let samples = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, peak, samples) = (stop.clone(), peak.clone(), samples.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(rss("self"), Ordering::Relaxed);
                    samples.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        RssSampler {
            stop,
            peak,
            samples,
            thread,
        }
    }

    /// (peak bytes, samples taken)
    fn finish(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        let last = rss("self");
        (
            self.peak.load(Ordering::Relaxed).max(last),
            self.samples.load(Ordering::Relaxed) + 1,
        )
    }
}

fn rate(bytes: u64, took: Duration) -> f64 {
    mib(bytes) / took.as_secs_f64()
}

/// Writes the file's `blocks` to `path` and flushes them.
fn write_file(path: &std::path::Path, blocks: u64, pattern: &[u8]) -> anyhow::Result<()> {
    let mut f = std::fs::File::create(path)?;
    for i in 0..blocks {
        f.write_all(&block(pattern, i))?;
    }
    f.sync_all()?;
    Ok(())
}

/// Removes `path` after flushing what is still dirty of it, so that the next timed write
/// neither waits for its writeback nor gets pages it did not free.
fn flush_and_remove(path: &std::path::Path) -> anyhow::Result<()> {
    std::fs::File::open(path)?.sync_all()?;
    std::fs::remove_file(path)?;
    Ok(())
}

/// The filesystem under `path` as `/proc/mounts` names it (the longest mount point above).
fn filesystem(path: &std::path::Path) -> String {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (dev, at, kind) = (f.next()?, f.next()?, f.next()?);
            path.starts_with(at)
                .then(|| (at.len(), format!("{kind} on {dev}")))
        })
        .max_by_key(|(len, _)| *len)
        .map_or_else(|| "unknown".into(), |(_, fs)| fs)
}

pub async fn upload(target: Target, size_mib: u64) -> anyhow::Result<()> {
    anyhow::ensure!(size_mib > 0, "--size-mib must be at least 1");
    let w = prepare(&target, size_mib).await?;
    let pattern = Arc::new(pattern());
    let bytes = size_mib * BLOCK as u64;
    println!(
        "\n{} — upload of one {size_mib} MiB video by its instructor, one connection; storage {} ({})",
        w.app.label,
        w.objects().display(),
        filesystem(w.dir.path())
    );

    // The plain copy to compare with: the same bytes, from a file beside the storage folder
    // into it with `std::fs::copy` (like the upload, without an fsync). The machine's page
    // cache is full of others' files, and whether a write gets pages just freed or must
    // reclaim them changes its speed by 2-3×; so both the copy and the upload start right
    // after as many bytes were freed: a filler file before the copy, the copy before the
    // upload. Writing the source and the filler is not timed.
    let source = w.dir.path().join("copy-source.bin");
    let filler = w.dir.path().join("filler.bin");
    let dest = w.objects().join("copy-dest.bin");
    write_file(&source, size_mib, &pattern)?;
    write_file(&filler, size_mib, &pattern)?;
    flush_and_remove(&filler)?;
    let t = Instant::now();
    let copied = std::fs::copy(&source, &dest)?;
    let copy = t.elapsed();
    anyhow::ensure!(copied == bytes, "copied only {copied} bytes");
    flush_and_remove(&dest)?;

    let first_run = FIRST_RUN.swap(false, Ordering::Relaxed);
    let before = rss("self");
    let sampler = RssSampler::start();
    let up = upload_video(&w, size_mib, &pattern).await;
    let (peak, samples) = sampler.finish();
    let up = up?;
    anyhow::ensure!(
        up.size == bytes,
        "the upload's answer says {} bytes, sent {bytes}",
        up.size
    );
    let stored = verify(&w, up.id, size_mib, &pattern, true).await?;
    flush_and_remove(&stored)?;
    std::fs::remove_file(&source)?;

    let (up_rate, copy_rate) = (rate(bytes, up.took), rate(bytes, copy));
    let ratio = up_rate / copy_rate;
    let growth = peak.saturating_sub(before);
    println!(
        "  upload (sent → answered)  {size_mib} MiB in {:>6.2} s = {up_rate:>7.1} MiB/s",
        up.took.as_secs_f64()
    );
    println!(
        "  std::fs::copy, same fs    {size_mib} MiB in {:>6.2} s = {copy_rate:>7.1} MiB/s",
        copy.as_secs_f64()
    );
    println!(
        "  upload / copy = {ratio:.2} → target ≥ 0.5 {}",
        if ratio >= 0.5 { "met" } else { "NOT met" }
    );
    println!(
        "  process RSS: before {:.1} MiB, peak {:.1} MiB, growth {:.1} MiB ({samples} samples, every 50 ms) → target < 64 MiB {}{}",
        mib(before),
        mib(peak),
        mib(growth),
        if mib(growth) < 64.0 { "met" } else { "NOT met" },
        if first_run {
            ""
        } else {
            " (not the process's first run: the allocator reuses what earlier runs freed, so run --db one at a time for this figure)"
        }
    );
    println!("  stored: {bytes} bytes on disk, row ready, every block read back and compared");
    w.app.stop().await;
    Ok(())
}

/// Range requests of this many bytes.
const SEGMENT: u64 = 1 << 20;
const RANGE_VIDEO_MIB: u64 = 64;

/// SplitMix64: a cheap, well-spread random number per (worker, request).
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

pub async fn video_ranges(target: Target, opts: &Options) -> anyhow::Result<()> {
    let w = prepare(&target, RANGE_VIDEO_MIB).await?;
    let pattern = Arc::new(pattern());
    let up = upload_video(&w, RANGE_VIDEO_MIB, &pattern).await?;
    verify(&w, up.id, RANGE_VIDEO_MIB, &pattern, false).await?;

    // One enrolled student per connection, by SQL with the instructor's password hash, each
    // with a session row made the way sign-in does (keyed hash of a random token).
    let db = &w.app.state.db;
    let key = &w.app.state.config.secret_key;
    let secure = w.app.state.secure_cookies();
    let (sc, cc) = (
        accounts::sessions::cookie_name(secure),
        accounts::sessions::csrf_cookie_name(secure),
    );
    let students = opts.connections.max(1);
    let mut cookies = Vec::with_capacity(students);
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    for i in 0..students {
        let email = format!("student{i}@bench.test");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (school_id, email, email_norm, display_name, password_hash, role, timezone, language, created_at)
             SELECT school_id, $1, $1, $2, password_hash, 'student', 'America/New_York', NULL, $3 FROM users WHERE email = 'teacher@bench.test'
             RETURNING id",
        )
        .bind(&email)
        .bind(format!("Student {i}"))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO enrollments (school_id, course_id, user_id, enrolled_at) VALUES ($1, $2, $3, $4)")
            .bind(w.school)
            .bind(w.course)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let token = lectern::crypto::random_token();
        sqlx::query("INSERT INTO sessions (id, school_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(key.token_hash(&token))
            .bind(w.school)
            .bind(id)
            .bind(now)
            .bind(now + 86_400_000)
            .execute(&mut *tx)
            .await?;
        cookies.push(format!(
            "{sc}={token}; {cc}={}",
            lectern::crypto::random_token()
        ));
    }
    tx.commit().await?;

    let size = up.size;
    let ranged = move |w: usize, n: u64| {
        let start = splitmix(((w as u64) << 40) ^ n) % (size - SEGMENT + 1);
        format!("bytes={start}-{}", start + SEGMENT - 1)
    };
    // A student's range must be the video's bytes, not only a 206 of the right length.
    {
        use http_body_util::BodyExt;
        let range = ranged(0, u64::MAX);
        let start: u64 = range["bytes=".len()..]
            .split('-')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("range {range}"))?;
        let stream = tokio::net::TcpStream::connect(&w.authority).await?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        let resp = sender
            .send_request(
                hyper::Request::get(up.url.as_str())
                    .header(hyper::header::HOST, w.authority.as_str())
                    .header(hyper::header::COOKIE, cookies[0].as_str())
                    .header(hyper::header::RANGE, range.as_str())
                    .body(http_body_util::Empty::<Bytes>::new())?,
            )
            .await?;
        let status = resp.status();
        let got = resp.into_body().collect().await?.to_bytes();
        anyhow::ensure!(
            status == hyper::StatusCode::PARTIAL_CONTENT,
            "a student's range answered {status}"
        );
        let expected: Vec<u8> = (start..start + SEGMENT)
            .map(|p| block(&pattern, p / BLOCK as u64)[(p % BLOCK as u64) as usize])
            .collect();
        anyhow::ensure!(
            got[..] == expected[..],
            "a student's range {range} is not the video's bytes"
        );
    }

    println!(
        "\n{} — {RANGE_VIDEO_MIB} MiB video, {} enrolled students, random {} MiB ranges, {} connections, {:?} per endpoint",
        w.app.label,
        students,
        SEGMENT >> 20,
        opts.connections,
        opts.duration
    );
    let health = load::run(
        "GET /healthz",
        &cookies,
        &format!("{}/healthz", w.app.base),
        opts,
    )
    .await;
    health.print();
    let target = load::Target {
        authority: w.authority.clone(),
        path: up.url.clone(),
    };
    let path = up.url.clone();
    let file_cookies = cookies.clone();
    let ranges = load::run_checked(
        "GET video, Range 1 MiB (206)",
        &target,
        move |wk, n| {
            hyper::Request::get(path.as_str())
                .header(
                    hyper::header::COOKIE,
                    file_cookies[wk % file_cookies.len()].as_str(),
                )
                .header(hyper::header::RANGE, ranged(wk, n))
        },
        Check::Partial(SEGMENT as usize),
        opts,
    )
    .await;
    ranges.print();
    println!(
        "  {:.1} MiB/s served; ranges = {:.3} × /healthz; errors (not 206 with 1 MiB) {}",
        ranges.requests as f64 * mib(SEGMENT) / ranges.seconds,
        ranges.rps() / health.rps(),
        ranges.errors
    );
    w.app.stop().await;
    Ok(())
}
