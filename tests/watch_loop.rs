//! `veille watch`: rounds over a list of feeds served by a real HTTP server on 127.0.0.1
//! (conditional requests between rounds, new items stored once), a clean stop on SIGTERM, and
//! feeds lists or periods that cannot be used refused with the file and line named.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::{repo, serve_app};

/// State of the served feed: its version (items 1..=version+1) and the conditional requests
/// seen.
#[derive(Default)]
struct Feed {
    version: AtomicUsize,
    conditional: AtomicUsize,
}

fn rss(version: usize) -> String {
    let items: String = (1..=version + 1)
        .map(|i| {
            format!(
                "<item><title>Export controls on lithography tools, part {i}</title>\
                 <link>https://news.example/{i}</link>\
                 <pubDate>Tue, 0{i} Apr 2025 09:00:00 GMT</pubDate>\
                 <description>Regulators widened licence requirements for chipmaking tools, \
                 step {i} of the new export control regime on semiconductors.</description></item>"
            )
        })
        .collect();
    format!("<rss version=\"2.0\"><channel><title>News</title>{items}</channel></rss>")
}

/// Serve the feed on a free port of 127.0.0.1; returns its URL.
fn serve(feed: Arc<Feed>) -> String {
    let app = Router::new().route(
        "/feed.rss",
        get(move |h: HeaderMap| {
            let feed = Arc::clone(&feed);
            async move {
                let v = feed.version.load(Ordering::SeqCst);
                let etag = format!("\"v{v}\"");
                if h.get(header::IF_NONE_MATCH).is_some() {
                    feed.conditional.fetch_add(1, Ordering::SeqCst);
                }
                if h.get(header::IF_NONE_MATCH).and_then(|x| x.to_str().ok()) == Some(&etag) {
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                (
                    [
                        (header::ETAG, etag),
                        (header::CONTENT_TYPE, "application/rss+xml".to_string()),
                    ],
                    rss(v),
                )
                    .into_response()
            }
        }),
    );
    format!("{}/feed.rss", serve_app(move |_| app))
}

fn watch(dir: &std::path::Path, list: &str, extra: &[&str]) -> Child {
    let feeds = dir.join("feeds.txt");
    std::fs::write(&feeds, list).unwrap();
    Command::new(env!("CARGO_BIN_EXE_veille"))
        .args(["watch", "--json", "--store"])
        .arg(dir.join("watch.db"))
        .arg("--feeds")
        .arg(&feeds)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn rounds_store_what_is_new_once_and_ask_conditionally() {
    let dir = tempfile::tempdir().unwrap();
    let feed = Arc::new(Feed::default());
    let url = serve(Arc::clone(&feed));
    // A local feed beside the list, named relative to it, and a comment.
    std::fs::copy(
        repo("tests/fixtures/watch/feeds/rss2.xml"),
        dir.path().join("local.xml"),
    )
    .unwrap();
    let model = repo("models/themes.veille");
    let mut child = watch(
        dir.path(),
        &format!("# the watch\n{url}\n\nlocal.xml\n"),
        &[
            "--every",
            "1s",
            "--rounds",
            "3",
            "--model",
            &format!("themes={}", model.display()),
        ],
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut round = || -> Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };
    let first = round();
    // The next version of the feed has one item more.
    feed.version.store(1, Ordering::SeqCst);
    let second = round();
    let third = round();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");
    assert_eq!(first["round"], 1);
    assert_eq!(first["sources"][0]["added"], 1, "{first}");
    assert!(
        first["sources"][1]["added"].as_u64().unwrap() >= 2,
        "{first}"
    );
    assert_eq!(first["classified"][0]["model"], "themes");
    assert_eq!(second["sources"][0]["added"], 1, "{second}");
    assert_eq!(second["sources"][1]["added"], 0, "{second}");
    assert_eq!(second["classified"][0]["classified"], 1, "{second}");
    // Unchanged since: 304, nothing read.
    assert_eq!(third["sources"][0]["read"], 0, "{third}");
    assert_eq!(third["added"], 0);
    assert_eq!(third["next"], Value::Null);
    assert_eq!(feed.conditional.load(Ordering::SeqCst), 2);
    assert_eq!(
        third["articles"],
        first["articles"].as_u64().unwrap() + 1,
        "{third}"
    );
}

#[test]
fn sigterm_between_rounds_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let url = serve(Arc::new(Feed::default()));
    let mut child = watch(dir.path(), &format!("{url}\n"), &["--every", "1h"]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["added"], 1);
    let t = Instant::now();
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    assert!(t.elapsed() < Duration::from_secs(5));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");
    assert!(err.contains("stopped after 1 round(s)"), "{err}");
}

#[test]
fn unusable_lists_and_periods_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (list, extra, said) in [
        ("# nothing\n\n", &[][..], "no feed listed"),
        (
            "a.rss\nhttp://x.example/a b\n",
            &[][..],
            "feeds.txt:2: one URL or file per line",
        ),
        (
            "ftp://x.example/feed\n",
            &[][..],
            "feeds.txt:1: not an http(s) URL",
        ),
        ("a.rss\n", &["--every", "10ms"][..], "at least 1s"),
        ("a.rss\n", &["--every", "soon"][..], "--every"),
    ] {
        let out = watch(dir.path(), list, extra).wait_with_output().unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{list}: {err}");
        assert!(err.contains(said), "{list}: {err}");
    }
}
