//! Helpers shared by the CLI test files.
#![allow(dead_code)] // each test file uses its own subset

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn veille() -> Command {
    Command::cargo_bin("veille").unwrap()
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Parse JSON Lines.
pub fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Run, expect exit code 2 and a one-line error containing `needle`.
pub fn fails_with(cmd: &mut Command, needle: &str) {
    let out = cmd.assert().code(2).get_output().clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert!(!err.contains("panicked"));
}

/// Run, expect success, parse the one JSON object printed on stdout.
pub fn stdout_json(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

/// Run, expect success, return stdout as text.
pub fn stdout_text(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

/// Serve the router `make` builds (given its address) on a free port of 127.0.0.1, on its own
/// thread; returns the base URL.
pub fn serve_app(
    make: impl FnOnce(std::net::SocketAddr) -> axum::Router + Send + 'static,
) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            tx.send(addr).unwrap();
            axum::serve(l, make(addr)).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}
