//! Article extraction on HTML files, one JSON line per page (used by
//! `benches/watch/extraction.py`).
//!
//! ```text
//! cargo run --release --example extract -- PAGE.html...   # one line per file
//! printf 'PAGE.html\thttps://example.org/a\n' | cargo run --release --example extract
//! ```
//!
//! With no argument, reads `path<TAB>url` lines on stdin (the URL may be missing). Each line
//! out is `{"path", "page": {...} | null, "text", "error": null | "...", "secs"}`, where
//! `secs` times the extraction alone (bytes in memory to [`veille::corpus::html::Page`]).

use std::io::{BufRead, Write};
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let jobs: Vec<(String, Option<String>)> = if args.is_empty() {
        let mut jobs = Vec::new();
        for line in std::io::stdin().lock().lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let (path, url) = match line.split_once('\t') {
                Some((p, u)) if !u.trim().is_empty() => (p.to_string(), Some(u.trim().to_string())),
                Some((p, _)) => (p.to_string(), None),
                None => (line.clone(), None),
            };
            jobs.push((path, url));
        }
        jobs
    } else {
        args.into_iter().map(|p| (p, None)).collect()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (path, url) in jobs {
        let record = match std::fs::read(&path) {
            Err(e) => {
                serde_json::json!({"path": path, "page": null, "text": "", "error": format!("{path}: {e}"), "secs": 0.0})
            }
            Ok(bytes) => {
                let start = Instant::now();
                let result = veille::corpus::html::extract(&bytes, url.as_deref());
                let secs = start.elapsed().as_secs_f64();
                match result {
                    Ok(page) => {
                        serde_json::json!({"path": path, "text": page.text, "page": page, "error": null, "secs": secs})
                    }
                    Err(e) => {
                        serde_json::json!({"path": path, "page": null, "text": "", "error": e.to_string(), "secs": secs})
                    }
                }
            }
        };
        writeln!(out, "{record}")?;
    }
    out.flush()
}
