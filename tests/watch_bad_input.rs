//! Bad input through the real `veille ingest`, each against a store that already holds articles:
//! malformed feeds and pages with no article (local and over HTTP), hosts that cannot be
//! reached or answer 404 / 500 / nothing, a response without end (2 GB announced or chunked
//! forever), redirect loops and chains, feeds with dates nobody can read, and stores that are
//! not stores (newer schema, not a database, another program's database, a folder, a missing
//! folder, a read-only file or folder), and pages that fail under `--fetch-pages` (the feed's
//! text is kept, with a warning). Each failure is one line naming the source with its reason;
//! the run goes on
//! with the other sources, exits 2, keeps every article stored before, never panics, and a store
//! it refuses is left byte for byte as it was. HTTP servers are local, started by the test.

use axum::extract::Path as UrlPath;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// URLs of the articles `seed.jsonl` stores before each bad run.
const SEEDED: [&str; 3] = [
    "https://seed.example.org/puces",
    "https://seed.example.org/ransomware",
    "https://seed.example.org/cables",
];
/// The article of `good.rss`, the good local source given beside each bad one.
const GOOD_LOCAL: &str = "https://good.example.org/debris-code";
/// The article of the server's `/good.xml`, the good URL given beside each bad URL.
const GOOD_HTTP: &str = "https://good.example.org/over-http";
/// The article at the end of the server's redirect chain `/hop/N`.
const AFTER_HOPS: &str = "https://good.example.org/after-redirects";
/// The fetcher's size cap (`FetchConfig::max_bytes`).
const CAP: u64 = 16 << 20;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/watch/bad")
        .join(name)
}

fn rss(link: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Served</title>\
         <item><title>Served over HTTP</title><link>{link}</link>\
         <description>An item served by the test's own server, at {link}.</description>\
         </item></channel></rss>"
    )
}

/// What one run of veille did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Peak resident memory of the process (VmHWM), in KiB, as last seen while it ran.
    peak_kib: u64,
    elapsed: Duration,
}

/// VmHWM of a live process, in KiB.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Run veille with these arguments (as the user `uid` when given), watching its memory; fails
/// the test when it takes more than a minute.
fn run_as(args: &[OsString], uid: Option<u32>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_veille"));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(uid) = uid {
        use std::os::unix::process::CommandExt;
        cmd.uid(uid).gid(uid);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            r.read_to_string(&mut s).unwrap();
            s
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let mut peak_kib = 0;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(child.id()) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("veille {args:?} still running after 60 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        peak_kib,
        elapsed: start.elapsed(),
    }
}

fn run(args: &[OsString]) -> Run {
    run_as(args, None)
}

fn ingest_args(db: &Path, sources: &[OsString]) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["ingest".into(), "--store".into(), db.into()];
    args.extend(sources.iter().cloned());
    args
}

fn ingest(db: &Path, sources: &[OsString]) -> Run {
    run(&ingest_args(db, sources))
}

/// A store in `dir` holding the three articles of `seed.jsonl`.
fn seeded(dir: &Path) -> PathBuf {
    let db = dir.join("watch.db");
    let r = ingest(&db, &[fixture("seed.jsonl").into()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    db
}

/// The stored articles, through `veille export`.
fn stored(db: &Path) -> Vec<Value> {
    let r = run(&["export".into(), "--store".into(), db.into()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    r.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every seeded article is still stored, and each of `added` too.
fn assert_stored(db: &Path, added: &[&str]) {
    let urls: Vec<String> = stored(db)
        .iter()
        .filter_map(|a| a["url"].as_str().map(str::to_string))
        .collect();
    for u in SEEDED.iter().chain(added) {
        assert!(urls.iter().any(|x| x == u), "{u} not stored: {urls:?}");
    }
}

fn assert_no_panic(r: &Run) {
    for needle in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(!r.stderr.contains(needle), "{}", r.stderr);
    }
}

/// The run exited 2, reported `source` as failed on one line with `reason`, went on with
/// the others and said so.
fn assert_failed(r: &Run, source: &str, reason: &str) {
    assert_no_panic(r);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("{source}: failed: ")))
        .unwrap_or_else(|| panic!("no failure line for {source}: {}", r.stderr));
    assert!(line.contains(reason), "expected {reason:?} in {line:?}");
    assert!(
        r.stderr
            .contains("source(s) failed; everything else is stored"),
        "{}",
        r.stderr
    );
}

/// A bad source given between two good ones (a local feed before, a URL after when there is a
/// server): it fails with `reason`, the good ones are stored, the seeded articles kept.
fn bad_source(bad: &str, reason: &str, base: Option<&str>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let mut sources: Vec<OsString> = vec![fixture("good.rss").into(), bad.into()];
    let mut added = vec![GOOD_LOCAL];
    if let Some(base) = base {
        sources.push(format!("{base}/good.xml").into());
        added.push(GOOD_HTTP);
    }
    let r = ingest(&db, &sources);
    assert_failed(&r, bad, reason);
    assert_stored(&db, &added);
    r
}

/// The test's HTTP server (axum on a free port of 127.0.0.1, on its own thread): the bad
/// fixtures, a good feed, a 500, a redirect loop and a redirect chain; anything else is a 404.
fn server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let serve = |name: &'static str, content_type: &'static str| {
        let body = std::fs::read(fixture(name)).unwrap();
        get(move || async move { ([(header::CONTENT_TYPE, content_type)], body) })
    };
    let app = Router::new()
        .route(
            "/malformed.xml",
            serve("malformed.rss", "application/rss+xml"),
        )
        .route("/no-article.html", serve("no-article.html", "text/html"))
        .route(
            "/good.xml",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/rss+xml")],
                    rss(GOOD_HTTP),
                )
            }),
        )
        .route(
            "/error",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "database down") }),
        )
        .route("/a", get(|| async { Redirect::temporary("/b") }))
        .route("/b", get(|| async { Redirect::temporary("/a") }))
        .route(
            "/hop/{n}",
            get(|UrlPath(n): UrlPath<u32>| async move {
                let r: Response = match n {
                    0 => rss(AFTER_HOPS).into_response(),
                    n => Redirect::temporary(&format!("/hop/{}", n - 1)).into_response(),
                };
                r
            }),
        );
    std::thread::spawn(move || {
        let serve =
            async move { axum::serve(tokio::net::TcpListener::from_std(listener)?, app).await };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        rt.and_then(|rt| rt.block_on(serve)).unwrap();
    });
    base
}

/// A server of raw TCP on a free port of 127.0.0.1 that hands each connection to `answer`
/// (for what a well-behaved server never does); returns the base URL.
fn raw_server(answer: fn(TcpStream)) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || answer(s));
        }
    });
    base
}

/// Read the request's head (up to the blank line).
fn read_request(s: &mut TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
}

/// 64 KiB of feed items, again and again.
fn items_block() -> Vec<u8> {
    b"<item><title>again</title></item>"
        .iter()
        .copied()
        .cycle()
        .take(64 << 10)
        .collect()
}

const FEED_HEAD: &[u8] = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>";

/// A feed of 2 GB, announced by its Content-Length, written until the client hangs up.
fn two_gigabytes(mut s: TcpStream) {
    read_request(&mut s);
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\
                Content-Length: 2147483648\r\n\r\n";
    let block = items_block();
    let mut sent = FEED_HEAD.len() as u64;
    if s.write_all(head.as_bytes()).is_err() || s.write_all(FEED_HEAD).is_err() {
        return;
    }
    while sent < 2 << 30 && s.write_all(&block).is_ok() {
        sent += block.len() as u64;
    }
}

/// A chunked feed that never ends.
fn chunked_forever(mut s: TcpStream) {
    read_request(&mut s);
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\
                Transfer-Encoding: chunked\r\n\r\n";
    let block = items_block();
    let mut chunk = format!("{:x}\r\n", block.len()).into_bytes();
    chunk.extend_from_slice(&block);
    chunk.extend_from_slice(b"\r\n");
    let first = [
        format!("{:x}\r\n", FEED_HEAD.len()).as_bytes(),
        FEED_HEAD,
        b"\r\n",
    ]
    .concat();
    if s.write_all(head.as_bytes()).is_err() || s.write_all(&first).is_err() {
        return;
    }
    while s.write_all(&chunk).is_ok() {}
}

/// Reads the request and hangs up without a word.
fn hang_up(mut s: TcpStream) {
    read_request(&mut s);
}

/// Announces 100 kB of feed, sends a few bytes of it and hangs up.
fn cut_short(mut s: TcpStream) {
    read_request(&mut s);
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\
                Content-Length: 100000\r\n\r\n";
    let _ = s
        .write_all(head.as_bytes())
        .and_then(|_| s.write_all(FEED_HEAD));
}

/// Reads the request and never answers (holds the connection two minutes).
fn never_answer(mut s: TcpStream) {
    read_request(&mut s);
    std::thread::sleep(Duration::from_secs(120));
}

/// The fixture `name` fails with `reason` (after its name), as a local file and as the
/// server's `route`.
fn local_and_served(name: &str, route: &str, reason: &str) {
    // The failure line names the source once: "SOURCE: failed: why", or with a position,
    // "SOURCE: failed: SOURCE:6:51: why".
    let expected = |src: &str| match reason.strip_prefix(": ") {
        Some(why) => format!("{src}: failed: {why}"),
        None => format!("{src}{reason}"),
    };
    let local = fixture(name).display().to_string();
    bad_source(&local, &expected(&local), None);
    let base = server();
    let url = format!("{base}{route}");
    bad_source(&url, &expected(&url), Some(&base));
}

#[test]
fn a_malformed_feed_is_named_with_where_it_breaks() {
    local_and_served(
        "malformed.rss",
        "/malformed.xml",
        ":6:51: malformed XML: ill-formed document: expected `</title>`",
    );
}

#[test]
fn a_page_with_no_article_is_named() {
    local_and_served(
        "no-article.html",
        "/no-article.html",
        ": no article text found in the page",
    );
}

#[test]
fn unreachable_hosts_and_http_errors_are_named() {
    let base = server();
    // A port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    bad_source(
        &format!("http://{closed}/feed.xml"),
        "cannot connect",
        Some(&base),
    );
    // A name no resolver knows (RFC 6761).
    bad_source(
        "http://no-such-host.invalid/feed.xml",
        "cannot connect: host not found",
        Some(&base),
    );
    bad_source(
        &format!("{base}/missing.xml"),
        "HTTP 404 Not Found",
        Some(&base),
    );
    bad_source(
        &format!("{base}/error"),
        "HTTP 500 Internal Server Error",
        Some(&base),
    );
    let hangs_up = raw_server(hang_up);
    bad_source(
        &format!("{hangs_up}/feed.xml"),
        "the server closed the connection without answering",
        Some(&base),
    );
    let cuts_short = raw_server(cut_short);
    bad_source(
        &format!("{cuts_short}/feed.xml"),
        "the server closed the connection before the end of the body",
        Some(&base),
    );
}

/// A body without end stops at the cap (said with `how`), soon, with memory bounded.
fn endless(answer: fn(TcpStream), how: &str) {
    let base = server();
    let endless = raw_server(answer);
    let r = bad_source(
        &format!("{endless}/feed.xml"),
        &format!("larger than {CAP} bytes: {how}"),
        Some(&base),
    );
    eprintln!(
        "{}\n{:.1} s, peak {} MiB",
        r.stderr.trim_end(),
        r.elapsed.as_secs_f64(),
        r.peak_kib / 1024
    );
    assert!(r.elapsed < Duration::from_secs(30), "{:?}", r.elapsed);
    assert!(r.peak_kib > 0, "memory not seen");
    assert!(
        r.peak_kib < 200 * 1024,
        "peak memory {} MiB",
        r.peak_kib / 1024
    );
}

#[test]
fn a_2_gb_response_stops_at_the_size_cap() {
    endless(two_gigabytes, "its Content-Length is 2147483648, not read");
}

#[test]
fn a_chunked_response_without_end_stops_at_the_size_cap() {
    endless(chunked_forever, "stopped reading at the size cap");
}

#[test]
fn redirect_loops_and_long_chains_are_refused() {
    let base = server();
    bad_source(&format!("{base}/a"), "a redirect loop", Some(&base));
    bad_source(
        &format!("{base}/hop/9"),
        "more than 5 redirects",
        Some(&base),
    );
    // Within the bound, the chain is followed.
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let r = ingest(&db, &[format!("{base}/hop/3").into()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_stored(&db, &[AFTER_HOPS]);
}

#[test]
fn a_server_that_never_answers_times_out() {
    let silent = raw_server(never_answer);
    let url = format!("{silent}/feed.xml");
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let mut args = ingest_args(&db, &[url.clone().into(), fixture("good.rss").into()]);
    args.extend(["--fetch-timeout".into(), "1".into()]);
    let r = run(&args);
    assert_failed(&r, &url, "timed out");
    assert!(r.elapsed < Duration::from_secs(10), "{:?}", r.elapsed);
    assert_stored(&db, &[GOOD_LOCAL]);
}

#[test]
fn items_with_unreadable_dates_are_stored_undated() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let r = ingest(&db, &[fixture("wrong-dates.rss").into()]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // (The warning naming each unreadable date is the ingest flow's; not asserted here.)
    let all = stored(&db);
    assert_eq!(all.len(), 6);
    let dated: Vec<(&str, Option<&str>)> = all
        .iter()
        .filter(|a| a["source"].as_str().unwrap().ends_with("wrong-dates.rss"))
        .map(|a| (a["url"].as_str().unwrap(), a["published"].as_str()))
        .collect();
    assert_eq!(
        dated,
        [
            ("https://dates.example.org/quantum-pilot", None),
            ("https://dates.example.org/water-use", None),
            (
                "https://dates.example.org/repair-ship",
                Some("2024-03-01T12:00:00Z")
            ),
        ]
    );
    assert_stored(&db, &[]);
}

/// The files of a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

/// The run exited 2 with one line of error that holds each of `needles`.
fn assert_refused(r: &Run, needles: &[&str]) {
    assert_no_panic(r);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected: {}", r.stderr);
    for n in needles {
        assert!(lines[0].contains(n), "{n:?} expected in {}", lines[0]);
    }
}

/// `veille ingest` and `veille export` refuse the store at `db` with exit 2, one line naming
/// it with `reason`; the file and its folder are left as they were.
fn refused_store(db: &Path, reason: &str) {
    let before = std::fs::read(db).unwrap();
    let files = listing(db.parent().unwrap());
    let name = db.display().to_string();
    for args in [
        ingest_args(db, &[fixture("good.rss").into()]),
        vec!["export".into(), "--store".into(), db.into()],
    ] {
        assert_refused(&run(&args), &[&name, reason]);
        assert_eq!(std::fs::read(db).unwrap(), before, "{name} changed");
        if args[0] == "ingest" {
            // (A reader of a WAL store keeps its -wal and -shm, as every export does.)
            assert_eq!(listing(db.parent().unwrap()), files, "files left behind");
        }
    }
}

/// Run SQL on the SQLite database at `db` (made when missing), as another program would.
fn sqlite(db: &Path, sql: &str) {
    rusqlite::Connection::open(db)
        .and_then(|c| c.execute_batch(sql))
        .unwrap();
}

#[test]
fn a_store_from_a_newer_schema_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let newer = veille::store::schema::VERSION + 1;
    sqlite(&db, &format!("PRAGMA user_version = {newer};"));
    refused_store(
        &db,
        &format!("schema version {newer} is newer than this veille's"),
    );
}

#[test]
fn a_file_that_is_not_a_store_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    // Bytes of no format (a fixed pseudo-random sequence), a text file.
    let mut x: u32 = 2_463_534_242;
    let noise: Vec<u8> = (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    for (name, bytes) in [
        ("noise.db", noise),
        ("notes.db", b"my notes, not a database\n".repeat(100)),
    ] {
        let sub = dir.path().join(name.trim_end_matches(".db"));
        std::fs::create_dir(&sub).unwrap();
        let db = sub.join(name);
        std::fs::write(&db, bytes).unwrap();
        refused_store(&db, "not a veille store");
    }
}

#[test]
fn an_empty_file_is_a_new_store_to_ingest_and_nothing_to_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    std::fs::write(&db, b"").unwrap();
    let r = run(&["export".into(), "--store".into(), db.clone().into()]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("empty.db") && r.stderr.contains("empty file"),
        "{}",
        r.stderr
    );
    let r = ingest(&db, &[fixture("good.rss").into()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!stored(&db).is_empty());
}

#[test]
fn another_programs_database_is_not_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("contacts.db");
    sqlite(
        &db,
        "CREATE TABLE contacts (name TEXT, phone TEXT);
         INSERT INTO contacts VALUES ('Ada', '0102030405');",
    );
    refused_store(
        &db,
        "not a veille store: an SQLite database of another program",
    );
}

#[test]
fn a_store_in_a_missing_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("no-such-folder").join("watch.db");
    let r = ingest(&db, &[fixture("good.rss").into()]);
    assert_refused(&r, &["no-such-folder", "does not exist"]);
    assert!(listing(dir.path()).is_empty());
}

/// A seeded store in a folder of its own, the store (or the folder) then made read-only;
/// returns the temporary folder, the store, and whom to run veille as: `nobody`, made owner
/// of it all, when the test runs as root (root writes through permissions).
fn read_only_store(lock_folder: bool) -> (tempfile::TempDir, PathBuf, Option<u32>) {
    use std::os::unix::fs::{chown, MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("ro");
    std::fs::create_dir(&sub).unwrap();
    let db = seeded(&sub);
    let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    let uid = root.then(|| {
        let nobody = 65534;
        for p in [dir.path(), &sub, &db] {
            chown(p, Some(nobody), Some(nobody)).unwrap();
        }
        nobody
    });
    let (locked, mode) = if lock_folder {
        (&sub, 0o555)
    } else {
        (&db, 0o444)
    };
    std::fs::set_permissions(locked, std::fs::Permissions::from_mode(mode)).unwrap();
    (dir, db, uid)
}

#[test]
fn a_read_only_store_is_refused_and_still_readable() {
    let (_dir, db, uid) = read_only_store(false);
    let sub = db.parent().unwrap();
    let before = std::fs::read(&db).unwrap();
    let files = listing(sub);
    let r = run_as(&ingest_args(&db, &[fixture("good.rss").into()]), uid);
    assert_refused(&r, &[&db.display().to_string(), "read-only"]);
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(listing(sub), files, "files left behind");
    // Reading it still works.
    let r = run_as(&["export".into(), "--store".into(), db.clone().into()], uid);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 3);
}

#[test]
fn a_folder_is_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("watch.db");
    std::fs::create_dir(&folder).unwrap();
    let r = ingest(&folder, &[fixture("good.rss").into()]);
    assert_refused(&r, &[&folder.display().to_string(), "is a folder"]);
    let r = run(&["export".into(), "--store".into(), folder.clone().into()]);
    assert_refused(
        &r,
        &[&folder.display().to_string(), "a folder, not a store file"],
    );
    assert!(listing(&folder).is_empty());
}

#[test]
fn a_store_in_a_read_only_folder_is_refused_to_write_and_still_read() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, db, uid) = read_only_store(true);
    let sub = db.parent().unwrap();
    let before = std::fs::read(&db).unwrap();
    let r = run_as(&ingest_args(&db, &[fixture("good.rss").into()]), uid);
    assert_refused(&r, &[&db.display().to_string(), "cannot write in"]);
    let r = run_as(&["export".into(), "--store".into(), db.clone().into()], uid);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 3);
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(listing(sub), ["watch.db"]);
    std::fs::set_permissions(sub, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn pages_that_fail_leave_the_feed_text_with_a_warning_naming_them() {
    let base = server();
    let endless = raw_server(chunked_forever);
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let pages = [
        format!("{base}/missing-page"),
        format!("{endless}/page"),
        format!("{base}/a"),
        format!("{base}/no-article.html"),
    ];
    let items: String = pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "<item><title>Item {i}</title><link>{p}</link>\
                 <description>The feed's own text of item {i}.</description></item>"
            )
        })
        .collect();
    let feed = dir.path().join("links.rss");
    std::fs::write(
        &feed,
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Links</title>{items}</channel></rss>"),
    )
    .unwrap();
    let mut args = ingest_args(&db, &[feed.into()]);
    args.push("--fetch-pages".into());
    let r = run(&args);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    for (p, why) in pages.iter().zip([
        "HTTP 404",
        "larger than",
        "redirects",
        "no article text found",
    ]) {
        let line = r
            .stderr
            .lines()
            .find(|l| l.contains(p.as_str()) && l.contains("kept the feed's text"))
            .unwrap_or_else(|| panic!("no warning for {p}: {}", r.stderr));
        assert!(line.contains(why), "{why:?} in {line}");
    }
    let all = stored(&db);
    assert_eq!(all.len(), 7);
    for (i, p) in pages.iter().enumerate() {
        let a = all.iter().find(|a| a["url"] == p.as_str()).unwrap();
        assert!(
            a["text"]
                .as_str()
                .unwrap()
                .contains(&format!("The feed's own text of item {i}.")),
            "{a}"
        );
    }
    assert_stored(&db, &[]);
}
