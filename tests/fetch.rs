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
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(l.local_addr().unwrap()).unwrap();
            axum::serve(l, app).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
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
