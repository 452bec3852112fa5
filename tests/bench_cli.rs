//! `veille bench` as a user runs it: a grid from TOML under each protocol, the table, the
//! JSON, the HTML report, the scaling series, and the mistakes a grid file can hold.

use serde_json::Value;
use std::path::Path;

mod common;
use common::{fails_with, fixture, stdout_json, veille};

const GRID: &str = r#"
[defaults]
seed = 7

[[product]]
name = "{algo}"
algo = ["svm", "cnb"]

[[config]]
name = "clusters"
task = "cluster"
"#;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn bench_json(args: &[&str], grid: &Path) -> Value {
    stdout_json(
        veille()
            .args(["bench", "--quiet", "--json", "--grid"])
            .arg(grid)
            .args(args),
    )
}

/// `veille bench --data DATA`, to add arguments to.
fn bench_on(data: &Path) -> assert_cmd::Command {
    let mut cmd = veille();
    cmd.args(["bench", "--data"]).arg(data);
    cmd
}

#[test]
fn a_grid_is_compared_under_cross_validation_and_reported_as_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let grid = write(dir.path(), "grid.toml", GRID);
    let html = dir.path().join("bench.html");
    let data = fixture("single.jsonl");
    let v = bench_json(
        &[
            "--data",
            data.to_str().unwrap(),
            "--cv",
            "3",
            "--report",
            html.to_str().unwrap(),
        ],
        &grid,
    );
    assert_eq!(v["protocol"], "3-fold cross-validation of 15 articles");
    let results = v["results"].as_array().unwrap();
    let names: Vec<&str> = results
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["clusters", "svm", "cnb"]);
    for r in &results[1..] {
        assert_eq!(r["task"], "classify");
        let f1 = r["quality"]["macro_f1"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&f1), "{r}");
        assert!(r["quality_std"].as_f64().is_some(), "{r}");
        assert!(r["fit_seconds"].as_f64().unwrap() > 0.0);
        assert!(r["articles_per_second"].as_f64().unwrap() > 0.0);
        assert!(r["model_bytes"].as_u64().unwrap() > 100);
        // The binary runs on the tracking allocator: fitting allocates.
        assert!(r["peak_heap_bytes"].as_u64().unwrap() > 0, "{r}");
    }
    assert_eq!(results[0]["task"], "cluster");
    assert!(results[0]["quality"]["nmi"].as_f64().is_some());
    assert!(["svm", "cnb"].contains(&v["best"].as_str().unwrap()));
    assert_eq!(v["best_clusterer"], "clusters");
    assert_eq!(v["metric"], "macro-f1");

    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<svg") && page.contains("Confusion matrix"));
    // Under cross-validation the per-label table covers every article once.
    assert!(
        page.contains("all 15 articles, each predicted by the model of the cross-validation fold")
    );
    // Self-contained: no script, nothing fetched.
    assert!(!page.contains("<script") && !page.contains("src=") && !page.contains("href="));
}

#[test]
fn the_default_split_prints_a_table_and_same_seed_gives_same_quality() {
    let dir = tempfile::tempdir().unwrap();
    let grid = write(dir.path(), "grid.toml", GRID);
    let data = fixture("single.jsonl");
    let out = veille()
        .args(["bench", "--grid"])
        .arg(&grid)
        .arg("--data")
        .arg(&data)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("holdout: 12 train / 3 test articles"),
        "{text}"
    );
    assert!(
        text.contains("macro-F1") && text.contains("best classifier: "),
        "{text}"
    );

    let args = ["--data", data.to_str().unwrap(), "--seed", "3"];
    let quality = |v: &Value| -> Vec<Value> {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["quality"].clone())
            .collect()
    };
    assert_eq!(
        quality(&bench_json(&args, &grid)),
        quality(&bench_json(&args, &grid))
    );
}

#[test]
fn scaling_series_and_explicit_test_files() {
    let dir = tempfile::tempdir().unwrap();
    let grid = write(dir.path(), "grid.toml", "[[config]]\nname = \"default\"\n");
    let data = fixture("single.jsonl");
    let v = bench_json(
        &[
            "--data",
            data.to_str().unwrap(),
            "--test",
            data.to_str().unwrap(),
            "--scaling",
            "6,15",
            "--scaling-vocab",
            "10",
        ],
        &grid,
    );
    assert_eq!(v["n_train"], 15);
    let points = v["scaling"].as_array().unwrap();
    let shape: Vec<(&str, u64)> = points
        .iter()
        .map(|p| {
            (
                p["series"].as_str().unwrap(),
                p["n_train"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(shape, [("corpus", 6), ("corpus", 15), ("vocabulary", 15)]);
    assert_eq!(points[2]["n_features"], 10);
    assert!(points[0]["n_features"].as_u64() < points[1]["n_features"].as_u64());
}

#[test]
fn grid_and_usage_mistakes_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = fixture("single.jsonl");
    let html = dir.path().join("r.html");
    let bad = write(dir.path(), "bad.toml", "[[config]]\nngram = \"1-2\"\n");
    fails_with(
        bench_on(&data)
            .arg("--grid")
            .arg(&bad)
            .arg("--report")
            .arg(&html),
        "bad.toml: [[config]] #1: unknown key 'ngram'",
    );
    assert!(!html.exists(), "no report after a failure");
    let typed = write(
        dir.path(),
        "typed.toml",
        "[[config]]\nname = \"a\"\n[[product]]\nc = [0.5, 1]\nstem = \"no\"\n",
    );
    fails_with(
        bench_on(&data).arg("--grid").arg(&typed),
        "typed.toml: [[product]] #1: 'stem': expected a boolean, got \"no\"",
    );
    let broken = write(dir.path(), "broken.toml", "[[config]\n");
    fails_with(bench_on(&data).arg("--grid").arg(&broken), "broken.toml: ");
    fails_with(
        bench_on(&data).args(["--grid", "missing.toml"]),
        "missing.toml: cannot read",
    );
    fails_with(
        bench_on(&data).args(["--cv", "3", "--scaling", "auto"]),
        "--scaling needs a held-out test set",
    );
    fails_with(
        bench_on(&data).args(["--scaling", "100"]),
        "--scaling: 100 articles asked, the training set has 12",
    );
    fails_with(
        bench_on(&data).args(["--test-fraction", "1.5"]),
        "--test-fraction must be between 0 and 1",
    );
    fails_with(&mut bench_on(&fixture("nope.jsonl")), "nope.jsonl");
    // A clap usage error (exit 2, with clap's usage lines).
    bench_on(&data)
        .args(["--test", "x.jsonl", "--test-fraction", "0.3"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot be used with"));
    // Data that cannot score the grid is refused before any fitting.
    let one = write(
        dir.path(),
        "one.jsonl",
        "{\"label\": \"a\", \"text\": \"export controls on chips\"}\n{\"label\": \"a\", \"text\": \"sanctions on banks\"}\n",
    );
    fails_with(&mut bench_on(&one), "one.jsonl: one label (a) in the data");
    let none = write(
        dir.path(),
        "none.jsonl",
        "{\"labels\": [], \"text\": \"export controls on chips\"}\n{\"labels\": [], \"text\": \"sanctions on banks\"}\n",
    );
    fails_with(
        &mut bench_on(&none),
        "none.jsonl: no article carries a label",
    );
}

#[test]
fn the_printed_default_grid_is_a_grid_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = veille()
        .args(["bench", "--print-grid"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("[[config]]"));
    let grid = write(dir.path(), "default.toml", &text);
    // A copy of it is accepted as a grid (parsing is checked before any data is read).
    fails_with(
        bench_on(&fixture("nope.jsonl")).arg("--grid").arg(&grid),
        "nope.jsonl",
    );
}
