//! `veille trends --report FILE.html` (issue 11): the page made from the demo watch sources the
//! project ships (data/watch, see make.py: sanctions and export controls rise in 2025-04, a
//! drought no theme covers appears in April), looked at in headless Chromium: its DOM and a
//! screenshot.

mod common;

use common::{fails_with, jsonl, repo, stdout_text, veille};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const THEMES: &str = "models/themes.veille";

/// The demo store: the feeds and pages of data/watch, ingested and classified.
fn demo_store(dir: &Path) -> PathBuf {
    let db = dir.join("watch.db");
    veille()
        .current_dir(repo("."))
        .args(["ingest", "--quiet", "--model", THEMES, "--store"])
        .arg(&db)
        .args([
            "data/watch/feeds/signal-desk.rss",
            "data/watch/feeds/le-veilleur.atom",
            "data/watch/feeds/wire.json",
            "data/watch/pages",
        ])
        .assert()
        .success();
    db
}

fn trends(db: &Path) -> assert_cmd::Command {
    let mut c = veille();
    c.current_dir(repo("."))
        .args([
            "trends", "--quiet", "--by", "month", "--model", THEMES, "--store",
        ])
        .arg(db);
    c
}

/// Headless Chromium, which CI installs; its absence is a failure, not a skip.
fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "headless Chromium is needed to check the report page and is not on the PATH: \
         apt-get install chromium"
    );
}

/// Run Chromium headless on `page` with `args`, at most two minutes; its standard output.
fn headless(page: &Path, profile: &Path, args: &[String]) -> Vec<u8> {
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut buf).map(|_| buf)
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium {args:?} failed: {status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {args:?} took more than two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap().unwrap()
}

#[test]
fn the_demo_report_renders_in_chromium_with_its_themes_rises_and_the_drought() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let page = dir.path().join("out.html");
    let table = stdout_text(&mut trends(&db));
    // The table still prints, the same, and the page is written beside it.
    let with_report = stdout_text(trends(&db).arg("--report").arg(&page));
    assert_eq!(table, with_report);
    let html = std::fs::read_to_string(&page).unwrap();
    // Same input, same bytes.
    let again = dir.path().join("again.html");
    trends(&db).arg("--report").arg(&again).assert().success();
    assert_eq!(html, std::fs::read_to_string(&again).unwrap());
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(html.contains("default-src 'none'"));

    // Every article URL the store knows: the only addresses the page may name.
    let export = stdout_text(veille().args(["export", "--quiet", "--store"]).arg(&db));
    let articles = jsonl(&export);
    let urls: BTreeSet<String> = articles
        .iter()
        .filter_map(|r| r["url"].as_str().map(String::from))
        .collect();
    assert!(urls.len() > 100, "{} URLs", urls.len());
    let text_of = |url: &str| {
        articles
            .iter()
            .find(|r| r["url"] == url)
            .and_then(|r| r["text"].as_str())
            .unwrap_or("")
            .to_lowercase()
    };

    let profile = tempfile::tempdir().unwrap();
    let dom = headless(&page, profile.path(), &["--dump-dom".into()]);
    let dom = String::from_utf8(dom).unwrap();
    let doc = dom_query::Document::from(dom.as_str());
    assert_eq!(
        doc.select("head > title").text().to_string(),
        "veille trends: watch.db"
    );

    // One chart per theme, under its name.
    let json: serde_json::Value =
        serde_json::from_str(&stdout_text(trends(&db).arg("--json"))).unwrap();
    let names: Vec<&str> = json["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["theme"].as_str().unwrap())
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    let cards = doc.select("section.theme");
    assert_eq!(cards.length(), names.len());
    for (card, name) in cards.iter().zip(&names) {
        assert_eq!(card.attr("data-theme").as_deref(), Some(*name));
        assert!(card.select("h3").text().starts_with(*name), "{name}");
        assert_eq!(card.select("svg").length(), 1, "{name}");
    }
    assert_eq!(doc.select("section.unthemed svg").length(), 1);

    // The rise of sanctions and export controls in April is marked on its chart.
    let sanctions = doc.select("section.theme[data-theme=\"sanctions-export-controls\"]");
    assert!(sanctions.exists());
    assert!(sanctions
        .select("path.rise-mark[data-period=\"2025-04\"]")
        .exists());
    assert!(sanctions
        .select("rect.bar.rising[data-period=\"2025-04\"]")
        .exists());
    assert!(!sanctions
        .select("path.rise-mark[data-period=\"2025-01\"]")
        .exists());

    // A subject about the drought, emerging outside the themes, its articles linked to their
    // pages.
    let named = ["drought", "reservoir", "water"];
    let drought_words = [
        "drought",
        "reservoir",
        "water",
        "rainfall",
        "hosepipe",
        "river",
    ];
    let drought = doc
        .select("section.subject")
        .iter()
        .find(|s| {
            let name = s.attr("data-subject").unwrap_or_default().to_lowercase();
            named.iter().any(|w| name.contains(w))
        })
        .expect("a subject about the drought");
    assert!(drought.select(".badge.new, .badge.rising").exists());
    assert_eq!(drought.select("svg").length(), 1);
    let links: Vec<String> = drought
        .select("a")
        .iter()
        .filter_map(|a| a.attr("href").map(|h| h.to_string()))
        .collect();
    assert!(links.len() >= 3, "{links:?}");
    for href in &links {
        assert!(urls.contains(href), "{href} is not an article URL");
    }
    // Its articles are about the drought (a clustering may stray on one).
    let about = links
        .iter()
        .filter(|h| {
            let text = text_of(h);
            drought_words.iter().any(|w| text.contains(w))
        })
        .count();
    assert!(about * 4 >= links.len() * 3, "{about} of {links:?}");

    // No address in the page but article links: nothing to load, nowhere else to go.
    for el in doc.select("[src], [href], [srcset]").iter() {
        let href = el.attr("href").map(|h| h.to_string());
        assert!(
            el.is("a") && href.as_ref().is_some_and(|h| urls.contains(h)),
            "unexpected address in {}",
            el.html()
        );
    }
    assert!(doc.select("a").length() >= 30);
    assert!(doc.select("table.counts tbody tr").length() == 4);

    // It paints: a screenshot of non-trivial size, in many colours, with the charts' blue
    // and the rising marks' vermillion in it.
    let shot = dir.path().join("shot.png");
    headless(
        &page,
        profile.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1200,3000".into(),
        ],
    );
    let bytes = std::fs::read(&shot).unwrap();
    assert!(bytes.len() > 50_000, "{} bytes", bytes.len());
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1200, 3000));
    let channels = info.color_type.samples();
    assert!(channels >= 3);
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    let near = |c: [u8; 3], to: [u8; 3]| (0..3).all(|i| c[i].abs_diff(to[i]) <= 12);
    let colours: BTreeSet<[u8; 3]> = pixels.iter().copied().collect();
    let white = pixels.iter().filter(|&&p| near(p, [255, 255, 255])).count();
    let blue = pixels.iter().filter(|&&p| near(p, [0, 0x72, 0xB2])).count();
    let vermillion = pixels.iter().filter(|&&p| near(p, [0xD5, 0x5E, 0])).count();
    assert!(colours.len() > 100, "{} colours", colours.len());
    assert!(white < pixels.len() * 97 / 100, "{white} white pixels");
    assert!(blue > 5_000, "{blue} blue pixels");
    assert!(vermillion > 1_000, "{vermillion} vermillion pixels");
}

#[test]
fn a_report_that_cannot_be_written_or_would_replace_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let missing = dir.path().join("no-such-folder").join("out.html");
    fails_with(trends(&db).arg("--report").arg(&missing), "out.html");
    fails_with(trends(&db).arg("--report").arg(&missing), "does not exist");
    assert!(!missing.exists());
    fails_with(
        trends(&db).arg("--report").arg(&db),
        "refusing to overwrite",
    );
    fails_with(
        trends(&db).arg("--report").arg(repo(THEMES)),
        "refusing to overwrite",
    );
    // The store is still whole.
    trends(&db).arg("--json").assert().success();
}
