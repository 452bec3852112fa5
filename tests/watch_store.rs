//! `veille ingest` and `veille export` on a real SQLite store: articles stored once, classified
//! by named models, exported in the shape `veille train` reads; batches are atomic, another
//! process reads while one writes, a killed ingest loses nothing committed; bad stores refused.

use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{fails_with, jsonl, repo, stdout_json, stdout_text, veille};

const THEMES: &str = "models/themes.veille";

fn export(store: &std::path::Path, labels_from: Option<&str>) -> Vec<Value> {
    let mut cmd = veille();
    cmd.args(["export", "--store"]).arg(store);
    if let Some(m) = labels_from {
        cmd.args(["--labels-from", m]);
    }
    jsonl(&stdout_text(&mut cmd))
}

#[test]
fn ingest_stores_once_classifies_and_exports_the_train_shape() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("watch.db");
    let run = |extra: &[&str]| {
        stdout_json(
            veille()
                .current_dir(repo("."))
                .args(["ingest", "--json", "--store"])
                .arg(&db)
                .args([
                    "--model",
                    THEMES,
                    "data/themes/test.articles.jsonl",
                    "data/samples",
                ])
                .args(extra),
        )
    };
    let first = run(&[]);
    assert_eq!(first["added"], 97, "{first}");
    assert_eq!(first["classified"][0]["classified"], 97);
    // Again: nothing new, nothing to classify.
    let again = run(&[]);
    assert_eq!(
        (again["added"].clone(), again["duplicates"].clone()),
        (Value::from(0), Value::from(97))
    );
    assert_eq!(again["classified"][0]["classified"], 0);
    assert_eq!(again["articles"], 97);
    // Export: the input's labels, or the model's; ids and metadata kept.
    let own = export(&db, None);
    assert_eq!(own.len(), 97);
    let input = jsonl(&std::fs::read_to_string(repo("data/themes/test.articles.jsonl")).unwrap());
    assert_eq!(own[0]["id"], input[0]["id"]);
    assert_eq!(own[0]["text"], input[0]["text"]);
    let sorted = |v: &Value| {
        let mut l: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        l.sort();
        l
    };
    assert_eq!(sorted(&own[0]["labels"]), sorted(&input[0]["labels"]));
    let by_model = export(&db, Some("themes"));
    let classified = jsonl(&stdout_text(veille().current_dir(repo(".")).args([
        "classify",
        "--quiet",
        "--format",
        "jsonl",
        "--model",
        THEMES,
        "data/themes/test.articles.jsonl",
    ])));
    for (e, c) in by_model.iter().zip(&classified) {
        assert_eq!(e["labels"], c["labels"], "{}", e["id"]);
    }
    // What export wrote trains a model.
    let exported = dir.path().join("exported.jsonl");
    let lines: String = own
        .iter()
        .filter(|r| r.get("labels").is_some())
        .map(|r| format!("{r}\n"))
        .collect();
    std::fs::write(&exported, lines).unwrap();
    veille()
        .args(["train", "--quiet", "--data"])
        .arg(&exported)
        .arg("--out")
        .arg(dir.path().join("m.veille"))
        .assert()
        .success();
}

#[test]
fn a_failed_source_is_reported_and_the_others_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("watch.db");
    let out = veille()
        .current_dir(repo("."))
        .args(["ingest", "--store"])
        .arg(&db)
        .args([
            "data/samples",
            "missing.jsonl",
            "data/themes/test.articles.jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("missing.jsonl: failed:"), "{err}");
    assert!(err.contains("1 of 3 source(s) failed"), "{err}");
    assert_eq!(export(&db, None).len(), 97);
}

#[test]
fn a_folder_of_pages_and_feeds_is_read_as_pages_and_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().join("web");
    std::fs::create_dir(&web).unwrap();
    for f in [
        "pages/en-chip-controls.html",
        "pages/fr-cloud-souverain.html",
        "feeds/rss2.xml",
    ] {
        let from = repo("tests/fixtures/watch").join(f);
        std::fs::copy(&from, web.join(from.file_name().unwrap())).unwrap();
    }
    std::fs::copy(
        repo("data/samples/fr-viginum-campagne-ingerence.txt"),
        web.join("note.txt"),
    )
    .unwrap();
    let db = dir.path().join("watch.db");
    let ingest = |extra: &[&str]| {
        let mut cmd = veille();
        cmd.args(["ingest", "--json", "--store"])
            .arg(&db)
            .arg(&web)
            .args(extra);
        cmd
    };
    let r = stdout_json(&mut ingest(&[]));
    // Read again: the pages and feeds whose bytes have not changed are not parsed again.
    let again = stdout_json(&mut ingest(&[]));
    assert_eq!(again["sources"][0]["unchanged"], 3, "{again}");
    assert_eq!(again["added"], 0, "{again}");
    let page = web.join("en-chip-controls.html");
    let html = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        html.replace("took effect on Wednesday", "took effect on Thursday"),
    )
    .unwrap();
    let changed = stdout_json(&mut ingest(&[]));
    // The edited page is read again (its URL is stored already: nothing added), with the text
    // file (other files are always read).
    assert_eq!(changed["sources"][0]["unchanged"], 2, "{changed}");
    assert_eq!(changed["sources"][0]["read"], 2, "{changed}");
    assert_eq!(changed["added"], 0, "{changed}");
    let articles = export(&db, None);
    // The local French page's canonical link is relative: its id is its file.
    assert!(
        articles.iter().any(|a| a["id"]
            .as_str()
            .unwrap()
            .ends_with("fr-cloud-souverain.html")),
        "{articles:?}"
    );
    let rss_items = articles
        .iter()
        .filter(|a| a.get("summary").is_some())
        .count();
    assert!(rss_items >= 2, "{articles:?}");
    assert_eq!(r["added"], Value::from(rss_items + 3), "{r}");
    // A page is its main text, not its markup or its furniture.
    let chip = articles
        .iter()
        .find(|a| a["title"] == "New export controls on chipmaking tools take effect")
        .expect("the page is stored");
    let text = chip["text"].as_str().unwrap();
    assert!(
        !text.contains("<p>") && !text.contains("Newsletter"),
        "{text}"
    );
    // A page with no article in a folder is a bad record: it fails the folder, or is skipped.
    std::fs::copy(
        repo("tests/fixtures/watch/pages/no-article.html"),
        web.join("zz-index.html"),
    )
    .unwrap();
    let out = ingest(&[]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("zz-index.html"), "{err}");
    let out = ingest(&["--skip-bad"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("skipped") && err.contains("zz-index.html"),
        "{err}"
    );
    assert_eq!(export(&db, None).len(), articles.len());
}

#[test]
fn a_feed_date_that_cannot_be_read_is_warned_about_and_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("watch.db");
    let feed = repo("tests/fixtures/watch/feeds/wrong-date.rss");
    let out = veille()
        .args(["ingest", "--store"])
        .arg(&db)
        .arg(&feed)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("wrong-date.rss") && err.contains("cannot be read"),
        "{err}"
    );
    let stored = export(&db, None);
    assert!(
        stored.iter().any(|a| a.get("published").is_none()),
        "{stored:?}"
    );
}

#[test]
fn bad_stores_are_refused_with_exit_2_and_left_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let not_db = dir.path().join("notes.db");
    std::fs::write(&not_db, "these are my notes, not a database\n".repeat(200)).unwrap();
    let before = std::fs::read(&not_db).unwrap();
    fails_with(
        veille()
            .current_dir(repo("."))
            .args(["ingest", "--store"])
            .arg(&not_db)
            .arg("data/samples"),
        "notes.db",
    );
    assert_eq!(std::fs::read(&not_db).unwrap(), before);
    // A store from a newer veille.
    let db = dir.path().join("w.db");
    veille()
        .current_dir(repo("."))
        .args(["ingest", "--quiet", "--store"])
        .arg(&db)
        .arg("data/samples")
        .assert()
        .success();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 7).unwrap();
    drop(conn);
    fails_with(
        veille()
            .current_dir(repo("."))
            .args(["ingest", "--store"])
            .arg(&db)
            .arg("data/samples"),
        "schema version 7 is newer",
    );
    fails_with(
        veille().args(["export", "--store"]).arg(&db),
        "schema version 7 is newer",
    );
    fails_with(
        veille()
            .args(["export", "--store"])
            .arg(dir.path().join("none.db")),
        "no such store",
    );
    // The store given as an input too.
    fails_with(
        veille()
            .current_dir(repo("."))
            .args(["ingest", "--store"])
            .arg(&db)
            .arg(&db),
        "w.db",
    );
}

#[test]
fn batches_are_atomic_readers_go_on_and_a_killed_ingest_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.jsonl");
    let base = jsonl(&std::fs::read_to_string(repo("data/themes/test.articles.jsonl")).unwrap());
    let n = 8_000;
    let mut lines = String::new();
    for i in 0..n {
        let b = &base[i % base.len()];
        let text = format!("{} (copy {i})", b["text"].as_str().unwrap());
        lines.push_str(&serde_json::json!({"id": format!("a{i}"), "text": text}).to_string());
        lines.push('\n');
    }
    std::fs::write(&big, lines).unwrap();
    let db = dir.path().join("w.db");
    let mut ingest = Command::new(env!("CARGO_BIN_EXE_veille"))
        .args(["ingest", "--quiet", "--store"])
        .arg(&db)
        .arg(&big)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // While it writes, another process reads whole batches only.
    let start = Instant::now();
    let mut seen = 0;
    while start.elapsed() < Duration::from_secs(60) {
        if db.exists() {
            let out = veille()
                .args(["export", "--store"])
                .arg(&db)
                .output()
                .unwrap();
            if out.status.success() {
                let count = out.stdout.iter().filter(|&&b| b == b'\n').count();
                assert_eq!(count % 1000, 0, "{count} articles: a batch half-written");
                seen = count;
                if count >= 2000 {
                    break;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(seen >= 1000, "no batch read while ingesting");
    ingest.kill().unwrap();
    ingest.wait().unwrap();
    let after_kill = export(&db, None).len();
    assert_eq!(after_kill % 1000, 0);
    // Ingest again: what was stored is kept, the rest added, nothing twice.
    veille()
        .args(["ingest", "--quiet", "--store"])
        .arg(&db)
        .arg(&big)
        .assert()
        .success();
    let all = export(&db, None);
    assert_eq!(all.len(), n);
    let mut ids: Vec<&str> = all.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), n);
}

#[test]
fn trends_count_stories_per_month_and_flag_a_theme_that_doubles() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let input = jsonl(&std::fs::read_to_string(repo("data/themes/test.articles.jsonl")).unwrap());
    let sanctions: Vec<&Value> = input
        .iter()
        .filter(|r| {
            r["labels"]
                .as_array()
                .is_some_and(|l| l.iter().any(|x| x == "sanctions-export-controls"))
        })
        .collect();
    let others: Vec<&Value> = input
        .iter()
        .filter(|r| r["labels"].as_array().is_some_and(|l| l.is_empty()))
        .collect();
    assert!(
        sanctions.len() >= 5 && others.len() >= 5,
        "{} {}",
        sanctions.len(),
        others.len()
    );
    // Four months: the same mix, then three times the sanctions stories in the last. Each copy
    // ends with words of its own (unknown to the model), and grouping is set to exact copies:
    // otherwise each article and its copies would be one story.
    let tail = |n: usize| {
        (0..80)
            .map(|k| format!("zq{n}x{k}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut lines = String::new();
    let mut n = 0;
    for (month, k) in [
        ("2024-01", 1),
        ("2024-02", 1),
        ("2024-03", 1),
        ("2024-04", 3),
    ] {
        for _ in 0..k {
            for r in sanctions.iter().take(5) {
                n += 1;
                let text = format!("{}\n\n{}", r["text"].as_str().unwrap(), tail(n));
                lines += &format!(
                    "{}\n",
                    serde_json::json!({"id": format!("s{n}"), "text": text, "date": format!("{month}-15")})
                );
            }
        }
        for r in others.iter().take(10) {
            n += 1;
            let text = format!("{}\n\n{}", r["text"].as_str().unwrap(), tail(n));
            lines += &format!(
                "{}\n",
                serde_json::json!({"id": format!("o{n}"), "text": text, "date": format!("{month}-10")})
            );
        }
    }
    let data = dir.path().join("dated.jsonl");
    std::fs::write(&data, lines).unwrap();
    veille()
        .args(["ingest", "--quiet", "--dedup-threshold", "1", "--store"])
        .arg(&db)
        .arg(&data)
        .assert()
        .success();
    let t = stdout_json(
        veille()
            .current_dir(repo("."))
            .args([
                "trends", "--quiet", "--json", "--by", "month", "--model", THEMES, "--store",
            ])
            .arg(&db),
    );
    assert_eq!(
        t["periods"],
        serde_json::json!(["2024-01", "2024-02", "2024-03", "2024-04"])
    );
    assert_eq!(t["totals"], serde_json::json!([15, 15, 15, 25]));
    let theme = |name: &str| {
        t["themes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["theme"] == name)
            .cloned()
    };
    let s = theme("sanctions-export-controls").unwrap();
    assert_eq!(s["rising"][3], true, "{s}");
    assert_eq!(s["rising"][1], false);
    // The mix before did not change: no rise there.
    for x in t["themes"].as_array().unwrap() {
        assert_eq!(x["rising"][2], false, "{x}");
    }
}

#[test]
fn a_copy_stored_before_its_original_names_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let text = "Regulators widened the licence requirements for advanced lithography tools on \
        Tuesday, adding servicing and spare parts to the export control list and closing a \
        loophole that let installed machines keep running at full capacity for years.";
    let copy = dir.path().join("copy.jsonl");
    std::fs::write(
        &copy,
        format!(
            "{}\n",
            serde_json::json!({"id": "wire-copy", "text": format!("{text} Reported by partners."), "date": "2024-02-02"})
        ),
    )
    .unwrap();
    let original = dir.path().join("original.jsonl");
    std::fs::write(
        &original,
        format!(
            "{}\n",
            serde_json::json!({"id": "outlet-original", "text": text, "date": "2024-02-01"})
        ),
    )
    .unwrap();
    for f in [&copy, &original] {
        veille()
            .args(["ingest", "--quiet", "--store"])
            .arg(&db)
            .arg(f)
            .assert()
            .success();
    }
    let out = export(&db, None);
    let c = out.iter().find(|a| a["id"] == "wire-copy").unwrap();
    assert_eq!(c["duplicate_of"], "outlet-original", "{out:?}");
    let o = out.iter().find(|a| a["id"] == "outlet-original").unwrap();
    assert!(o.get("duplicate_of").is_none());
}
