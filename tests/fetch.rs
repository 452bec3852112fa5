//! The fetcher against a real HTTP server on 127.0.0.1 (axum, started by the test): bodies and
//! validators, conditional requests (304), politeness delay per host, and each failure named
//! with its URL — 404, an unreachable port, a redirect loop, a response beyond the cap, a
//! server too slow.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use std::time::{Duration, Instant};
use veille::corpus::fetch::{FetchConfig, FetchError, Fetcher, Outcome, Validators};

mod common;
use common::serve_app;

/// Serve the test routes on a free port; returns the base URL.
fn server() -> String {
    let app = Router::new()
        .route(
            "/feed",
            get(|h: HeaderMap| async move {
                if h.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some("\"v1\"") {
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                (
                    [
                        (header::ETAG, "\"v1\""),
                        (header::CONTENT_TYPE, "application/rss+xml"),
                    ],
                    "<rss version=\"2.0\"><channel><title>t</title></channel></rss>",
                )
                    .into_response()
            }),
        )
        .route("/moved", get(|| async { Redirect::temporary("/feed") }))
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route("/big", get(|| async { "x".repeat(3 << 20) }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        );
    serve_app(move |_| app)
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchConfig {
        read_timeout: Duration::from_secs(1),
        max_bytes: 1 << 20,
        max_redirects: 3,
        per_host_delay: Duration::from_millis(200),
        ..Default::default()
    })
}

#[test]
fn bodies_validators_and_conditional_requests() {
    let base = server();
    let f = fetcher();
    let Outcome::Fetched(got) = f.fetch(&format!("{base}/feed"), None).unwrap() else {
        panic!("expected a body");
    };
    assert!(got.body.starts_with(b"<rss"));
    assert_eq!(got.validators.etag.as_deref(), Some("\"v1\""));
    assert_eq!(got.content_type.as_deref(), Some("application/rss+xml"));
    assert_eq!(
        f.fetch(&format!("{base}/feed"), Some(&got.validators))
            .unwrap(),
        Outcome::NotModified
    );
    let Outcome::Fetched(moved) = f
        .fetch(&format!("{base}/moved"), Some(&Validators::default()))
        .unwrap()
    else {
        panic!("expected a body");
    };
    assert!(moved.final_url.ends_with("/feed"), "{}", moved.final_url);
}

#[test]
fn each_failure_names_its_url() {
    let base = server();
    let f = fetcher();
    let e = f.fetch(&format!("{base}/nothing"), None).unwrap_err();
    assert!(matches!(e, FetchError::Status { status: 404, .. }), "{e}");
    assert!(e.to_string().contains("/nothing: HTTP 404"));
    let e = f.fetch(&format!("{base}/loop"), None).unwrap_err();
    assert!(matches!(e, FetchError::TooManyRedirects { .. }), "{e}");
    let e = f.fetch(&format!("{base}/big"), None).unwrap_err();
    assert!(matches!(e, FetchError::TooLarge { .. }), "{e}");
    let e = f.fetch(&format!("{base}/slow"), None).unwrap_err();
    assert!(matches!(e, FetchError::Timeout { .. }), "{e}");
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{closed}/feed");
    let e = f.fetch(&url, None).unwrap_err();
    assert!(matches!(e, FetchError::Connect { .. }), "{e}");
    assert_eq!(e.url(), url);
}

#[test]
fn one_host_is_asked_politely_and_results_keep_their_order() {
    let base = server();
    let f = fetcher();
    let urls: Vec<(String, Option<Validators>)> = ["/feed", "/nothing", "/feed", "/moved"]
        .iter()
        .map(|p| (format!("{base}{p}"), None))
        .collect();
    let start = Instant::now();
    let out = f.fetch_all(&urls);
    // Four requests to one host, 200 ms apart at least.
    assert!(
        start.elapsed() >= Duration::from_millis(600),
        "{:?}",
        start.elapsed()
    );
    assert!(matches!(out[0], Ok(Outcome::Fetched(_))));
    assert!(matches!(
        out[1],
        Err(FetchError::Status { status: 404, .. })
    ));
    assert!(matches!(out[3], Ok(Outcome::Fetched(_))));
}

/// A feed whose item links to a page of the same server, served with an ETag.
fn news_server() -> String {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/watch/pages/fr-cloud-souverain.html"),
    )
    .unwrap();
    serve_app(move |addr| {
        let feed = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Veille</title>\
             <item><title>Cloud souverain</title><link>http://{addr}/article</link>\
             <pubDate>Tue, 13 Sep 2022 09:00:00 +0200</pubDate><description>Court résumé.</description></item>\
             </channel></rss>"
        );
        Router::new()
            .route(
                "/feed.xml",
                get(move |h: HeaderMap| {
                    let feed = feed.clone();
                    async move {
                        if h.get(header::IF_NONE_MATCH).is_some_and(|v| v == "\"f1\"") {
                            return StatusCode::NOT_MODIFIED.into_response();
                        }
                        (
                            [
                                (header::ETAG, "\"f1\""),
                                (header::CONTENT_TYPE, "application/rss+xml"),
                            ],
                            feed,
                        )
                            .into_response()
                    }
                }),
            )
            .route(
                "/article",
                get(move || {
                    let page = page.clone();
                    async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page) }
                }),
            )
    })
}

#[test]
fn ingest_reads_feeds_and_pages_over_http_and_asks_again_conditionally() {
    let base = news_server();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let run = || {
        let out = assert_cmd::Command::cargo_bin("veille")
            .unwrap()
            .args(["ingest", "--json", "--fetch-pages", "--store"])
            .arg(&db)
            .arg(format!("{base}/feed.xml"))
            .arg(format!("{base}/missing.xml"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v
    };
    let first = run();
    assert_eq!(first["added"], 1, "{first}");
    assert!(first["sources"][1]["failed"]
        .as_str()
        .unwrap()
        .contains("missing.xml: HTTP 404"));
    // The page's text was stored, not the feed's summary.
    let out = assert_cmd::Command::cargo_bin("veille")
        .unwrap()
        .args(["export", "--store"])
        .arg(&db)
        .output()
        .unwrap();
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = line["text"].as_str().unwrap();
    assert!(text.starts_with("Cloud souverain\n\n"), "{text}");
    assert!(text.len() > 300 && !text.contains("Court résumé"), "{text}");
    assert_eq!(line["published"], "2022-09-13T07:00:00Z");
    // Again: the server says 304, nothing is read or added.
    let again = run();
    assert_eq!(
        (again["added"].clone(), again["sources"][0]["read"].clone()),
        (0.into(), 0.into())
    );
}
