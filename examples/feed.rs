//! Parse feed files and print one JSON object per feed on stdout (used by
//! `benches/watch/feeds.py` to compare veille's reading of feeds with feedparser's).
//!
//! ```sh
//! cargo run --example feed -- FEED...
//! ```
//!
//! Each line is `{"file": ..., "ok": true, "feed": {...}, "seconds": ...}` for a feed read, or
//! `{"file": ..., "ok": false, "error": "..."}` for a feed refused. Exit code 0 unless a file
//! cannot be read at all.

use std::time::Instant;

use veille::corpus::feed::{iso8601, parse_feed};

fn main() {
    let mut status = 0;
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{path}: {e}");
                status = 1;
                continue;
            }
        };
        let name = std::path::Path::new(&path)
            .file_name()
            .map_or(path.clone(), |n| n.to_string_lossy().into_owned());
        let start = Instant::now();
        let result = parse_feed(&bytes, &name);
        let seconds = start.elapsed().as_secs_f64();
        let line = match result {
            Ok(feed) => {
                let items: Vec<_> = feed
                    .items
                    .iter()
                    .map(|i| {
                        serde_json::json!({
                            "id": i.id,
                            "document_id": i.document_id(),
                            "title": i.title,
                            "link": i.link,
                            "published": i.published.as_ref().map(iso8601),
                            "updated": i.updated.as_ref().map(iso8601),
                            "author": i.author,
                            "summary_chars": i.summary.as_ref().map(|s| s.chars().count()),
                            "content_chars": i.content.as_ref().map(|s| s.chars().count()),
                        })
                    })
                    .collect();
                serde_json::json!({
                    "file": name,
                    "ok": true,
                    "seconds": seconds,
                    "feed": {
                        "format": feed.format,
                        "title": feed.title,
                        "link": feed.link,
                        "language": feed.language,
                        "encoding": feed.encoding,
                        "bad_dates": feed.bad_dates,
                        "invalid_chars": feed.invalid_chars,
                        "notes": feed.notes,
                        "items": items,
                    }
                })
            }
            Err(e) => {
                serde_json::json!({"file": name, "ok": false, "seconds": seconds, "error": e.to_string()})
            }
        };
        println!("{line}");
    }
    std::process::exit(status);
}
