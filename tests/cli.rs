//! The CLI as a user runs it: every command, the output shapes scripts rely on, and every
//! bad-input case (exit code 2, one line naming the file and line, nothing half-written).

use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

mod common;
use common::{fails_with, fixture, jsonl, repo, stdout_json, stdout_text, veille};

fn train(data: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut cmd = veille();
    cmd.args(["train", "--quiet", "--json", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(extra);
    stdout_json(&mut cmd)
}

/// Read a JSON Lines file.
fn read_jsonl(path: &Path) -> Vec<Value> {
    jsonl(&std::fs::read_to_string(path).unwrap())
}

/// `veille classify --format jsonl --model MODEL PATH`, which must succeed, as parsed lines.
fn classify_jsonl(model: &Path, path: &Path) -> Vec<Value> {
    let out = veille()
        .args(["classify", "--format", "jsonl", "--model"])
        .arg(model)
        .arg(path)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    jsonl(&String::from_utf8(out).unwrap())
}

#[test]
fn train_evaluate_classify_inspect_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.veille");
    let summary = train(
        &fixture("single.jsonl"),
        &model,
        &["--test", fixture("single.jsonl").to_str().unwrap()],
    );
    for key in ["accuracy", "macro_f1", "micro_f1", "n_features", "algo"] {
        assert!(summary.get(key).is_some(), "{key} missing: {summary}");
    }
    assert!(summary["accuracy"].as_f64().unwrap() > 0.9);

    let out = veille()
        .args(["evaluate", "--json", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(fixture("single.csv"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: Value = serde_json::from_slice(&out).unwrap();
    assert!(report["accuracy"].as_f64().unwrap() > 0.9);
    assert_eq!(report["per_label"].as_array().unwrap().len(), 3);
    assert!(report["confusion_matrix"].is_array());

    let lines = classify_jsonl(&model, &fixture("single.jsonl"));
    assert_eq!(lines.len(), 15);
    let first = &lines[0];
    assert_eq!(first["id"], "s1");
    assert_eq!(first["labels"], serde_json::json!(["sanctions"]));
    assert_eq!(first["source"], "fixture", "extra fields pass through");
    let scores = first["scores"].as_array().unwrap();
    assert_eq!(scores.len(), 3);
    let s: Vec<f64> = scores
        .iter()
        .map(|x| x["score"].as_f64().unwrap())
        .collect();
    assert!(s.windows(2).all(|w| w[0] >= w[1]) && s.iter().all(|&x| (0.0..=1.0).contains(&x)));
    assert!(!first["terms"].as_array().unwrap().is_empty());
    assert_eq!(first["language"], "en");

    veille()
        .args(["inspect", "--model"])
        .arg(&model)
        .assert()
        .success()
        .stdout(predicate::str::contains("sanctions").and(predicate::str::contains("vocabulary")));
}

#[test]
fn classify_reads_stdin_top_and_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.veille");
    train(&fixture("single.jsonl"), &model, &[]);
    let out = veille()
        .args(["classify", "--format", "jsonl", "--top", "1", "--model"])
        .arg(&model)
        .write_stdin("Ransomware hackers attacked the hospital and leaked patient data.")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["labels"], serde_json::json!(["cyber"]));
    assert_eq!(v["scores"].as_array().unwrap().len(), 1);
    // A threshold no score reaches: the model abstains.
    let out = veille()
        .args([
            "classify",
            "--format",
            "jsonl",
            "--threshold",
            "1.0",
            "--stdin-format",
            "jsonl",
            "--model",
        ])
        .arg(&model)
        .write_stdin(
            "{\"id\": \"a\", \"text\": \"hospital ransomware attack\", \"url\": \"http://x\"}\n",
        )
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["labels"], serde_json::json!([]));
    assert_eq!(v["url"], "http://x");
}

#[test]
fn multilabel_training_and_evaluation() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.veille");
    let s = train(
        &fixture("multi.jsonl"),
        &model,
        &["--test", fixture("multi.jsonl").to_str().unwrap()],
    );
    assert_eq!(s["multilabel"], true);
    for key in ["subset_accuracy", "hamming_loss", "micro_f1"] {
        assert!(s[key].is_number(), "{key}: {s}");
    }
}

#[test]
fn same_data_and_seed_give_identical_model_bytes_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.veille");
    let b = dir.path().join("b.veille");
    train(&repo("data/themes/train.en.jsonl"), &a, &["--threads", "1"]);
    train(&repo("data/themes/train.en.jsonl"), &b, &["--threads", "2"]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn malformed_json_line_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("bad.jsonl");
    let mut text = std::fs::read_to_string(fixture("single.jsonl")).unwrap();
    text.push_str("{\"label\": \"cyber\", \"text\": \"unterminated\n");
    std::fs::write(&data, &text).unwrap();
    fails_with(
        veille()
            .args(["train", "--out"])
            .arg(dir.path().join("m.veille"))
            .arg("--data")
            .arg(&data),
        "bad.jsonl:16: malformed JSON",
    );
    // --skip-bad goes on with a warning and a count.
    veille()
        .args(["train", "--skip-bad", "--out"])
        .arg(dir.path().join("m.veille"))
        .arg("--data")
        .arg(&data)
        .assert()
        .success()
        .stderr(predicate::str::contains("skipped 1 bad record"));
}

#[test]
fn bad_records_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.veille");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "utf8.jsonl",
            b"{\"label\": \"a\", \"text\": \"caf\xe9\"}\n".to_vec(),
            "utf8.jsonl:1: not valid UTF-8",
        ),
        (
            "notext.jsonl",
            b"{\"label\": \"a\", \"body\": \"x\"}\n".to_vec(),
            "notext.jsonl:1: missing field \"text\"",
        ),
        (
            "nolabel.jsonl",
            b"{\"text\": \"x y z\"}\n".to_vec(),
            "nolabel.jsonl:1: missing field \"label\"",
        ),
        (
            "emptytext.jsonl",
            b"{\"label\": \"a\", \"text\": \"   \"}\n".to_vec(),
            "emptytext.jsonl:1: empty text",
        ),
        ("empty.jsonl", b"".to_vec(), "empty.jsonl: no documents"),
        (
            "blank.jsonl",
            b"\n\n  \n".to_vec(),
            "blank.jsonl: no documents",
        ),
        (
            "ragged.csv",
            b"text,label\nx,a\ny\n".to_vec(),
            "ragged.csv:3: malformed CSV",
        ),
        (
            "nocol.csv",
            b"body,label\nx,a\n".to_vec(),
            "nocol.csv:1: missing field \"text",
        ),
        (
            "labels.jsonl",
            b"{\"labels\": \"a\", \"text\": \"x\"}\n".to_vec(),
            "labels.jsonl:1: field \"labels\" must be",
        ),
        (
            "notes.txt",
            b"just some text".to_vec(),
            "cannot read labels from this file",
        ),
    ];
    for (name, bytes, needle) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        fails_with(
            veille()
                .args(["train", "--out"])
                .arg(&out)
                .arg("--data")
                .arg(&p),
            needle,
        );
        assert!(!out.exists(), "{name}: no model may be written");
    }
    fails_with(
        veille()
            .args(["train", "--out"])
            .arg(&out)
            .arg("--data")
            .arg(dir.path().join("missing.jsonl")),
        "missing.jsonl",
    );
    // One label only: nothing to learn.
    let one = dir.path().join("one.jsonl");
    std::fs::write(&one, "{\"label\": \"a\", \"text\": \"export controls\"}\n{\"label\": \"a\", \"text\": \"export bans\"}\n").unwrap();
    fails_with(
        veille()
            .args(["train", "--out"])
            .arg(&out)
            .arg("--data")
            .arg(&one),
        "at least two distinct labels",
    );
}

#[test]
fn failed_training_leaves_an_existing_model_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.veille");
    train(&fixture("single.jsonl"), &model, &[]);
    let before = std::fs::read(&model).unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"label\": \"a\", \"text\": \"fine\"}\nnot json\n").unwrap();
    fails_with(
        veille()
            .args(["train", "--out"])
            .arg(&model)
            .arg("--data")
            .arg(&bad),
        "bad.jsonl:2",
    );
    assert_eq!(std::fs::read(&model).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn corrupt_truncated_and_foreign_model_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.veille");
    train(&fixture("single.jsonl"), &model, &[]);
    let bytes = std::fs::read(&model).unwrap();
    let classify = |p: &Path| {
        let mut c = veille();
        c.args(["classify", "--model"]).arg(p).write_stdin("text");
        c
    };
    let truncated = dir.path().join("truncated.veille");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    fails_with(&mut classify(&truncated), "truncated model file");

    let corrupt = dir.path().join("corrupt.veille");
    let mut c = bytes.clone();
    let n = c.len();
    c[n - 10] ^= 0x55;
    std::fs::write(&corrupt, &c).unwrap();
    fails_with(&mut classify(&corrupt), "checksum mismatch");

    let newer = dir.path().join("newer.veille");
    let mut c = bytes.clone();
    c[8] = 99;
    std::fs::write(&newer, &c).unwrap();
    fails_with(&mut classify(&newer), "newer than this veille");

    let stemmer = dir.path().join("stemmer.veille");
    let mut c = bytes.clone();
    let at = c.windows(13).position(|w| w == b"rust-stemmers").unwrap();
    c[at] = b'R';
    std::fs::write(&stemmer, &c).unwrap();
    fails_with(&mut classify(&stemmer), "built with stemmer");

    let text = dir.path().join("text.veille");
    std::fs::write(&text, "hello, I am not a model").unwrap();
    fails_with(&mut classify(&text), "not a veille model");

    fails_with(
        &mut classify(&dir.path().join("nope.veille")),
        "nope.veille",
    );
}

#[test]
fn usage_errors_exit_2() {
    // Argument errors from the parser: exit 2, the first line says what is wrong.
    for (args, needle) in [
        (vec!["train", "--data", "x.jsonl"], "--out"),
        (
            vec![
                "train", "--data", "x.jsonl", "--out", "m", "--algo", "magic",
            ],
            "unknown algorithm",
        ),
        (
            vec!["train", "--data", "x.jsonl", "--out", "m", "--min-df=1.5"],
            "neither a document count nor a fraction",
        ),
    ] {
        let out = veille().args(&args).assert().code(2).get_output().clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.lines().next().unwrap().contains("error"), "{err}");
        assert!(err.contains(needle), "{needle}: {err}");
    }
    fails_with(
        veille().args(["classify", "--model", "m", "--threshold", "3"]),
        "--threshold",
    );
    fails_with(
        veille().args([
            "train", "--data", "x.jsonl", "--out", "m", "--ngrams", "2-1",
        ]),
        "n-gram range",
    );
}

#[test]
fn shipped_model_is_reproduced_by_the_documented_command() {
    // models/README.md gives this command; the shipped file must be its exact output.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("themes.veille");
    veille()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "train",
            "--quiet",
            "--data",
            "data/themes/train.en.jsonl",
            "--data",
            "data/themes/train.fr.jsonl",
            "--data",
            "data/themes/train.more-a.jsonl",
            "--data",
            "data/themes/train.more-b.jsonl",
            "--data",
            "data/themes/train.more-c.jsonl",
            "--data",
            "data/themes/train.articles.jsonl",
            "--data",
            "data/themes/train.none.jsonl",
            "--data",
            "data/themes/train.none-hard.jsonl",
            "--cv",
            "5",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let shipped = std::fs::read(repo("models/themes.veille")).unwrap();
    assert!(
        std::fs::read(&out).unwrap() == shipped,
        "models/themes.veille differs from what the documented command produces: rebuild it (see models/README.md)"
    );
}

#[test]
fn shipped_model_classifies_the_samples() {
    let out = veille()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "classify",
            "--format",
            "jsonl",
            "--model",
            "models/themes.veille",
            "data/samples",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let lines = jsonl(&String::from_utf8(out.stdout).unwrap());
    let by_id = |needle: &str| {
        lines
            .iter()
            .find(|v| v["id"].as_str().unwrap().contains(needle))
            .unwrap()
    };
    assert!(by_id("en-hospital-ransomware")["labels"]
        .as_array()
        .unwrap()
        .contains(&"cyber-operations".into()));
    assert!(by_id("fr-viginum")["labels"]
        .as_array()
        .unwrap()
        .contains(&"disinformation".into()));
    assert_eq!(by_id("fr-viginum")["language"], "fr");
    let offtopic = veille()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["classify", "--format", "jsonl", "--model", "models/themes.veille"])
        .write_stdin("The home side won the cup final after extra time; their striker scored twice in front of a full stadium and the fans sang until midnight.")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&offtopic).unwrap();
    assert_eq!(
        v["labels"],
        serde_json::json!([]),
        "an off-topic article gets no theme: {v}"
    );
    let de = by_id("de-");
    assert_eq!(de["language"], "de");
    assert_eq!(de["language_supported"], false);
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("not trained on"));
}

#[test]
fn every_algorithm_trains_and_classifies() {
    let dir = tempfile::tempdir().unwrap();
    for algo in ["auto", "svm", "cnb", "mnb", "logreg", "lsa-logreg"] {
        let model = dir.path().join(format!("{algo}.veille"));
        let s = train(
            &fixture("single.jsonl"),
            &model,
            &[
                "--algo",
                algo,
                "--test",
                fixture("single.jsonl").to_str().unwrap(),
            ],
        );
        assert_eq!(s["algo"], algo);
        assert!(s["accuracy"].as_f64().unwrap() >= 0.8, "{algo}: {s}");
        let m = train(
            &fixture("multi.jsonl"),
            &dir.path().join("m.veille"),
            &["--algo", algo],
        );
        assert_eq!(m["multilabel"], true, "{algo}");
    }
}

#[test]
fn cross_validation_is_reported_and_stored() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.veille");
    let s = train(&fixture("single.jsonl"), &model, &["--cv", "3"]);
    let cv = &s["cv"];
    assert_eq!(cv["folds"], 3);
    assert!(cv["macro_f1"].as_f64().unwrap() > 0.5, "{s}");
    let out = veille()
        .args(["inspect", "--json", "--model"])
        .arg(&model)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["training"]["cv"]["folds"], 3);
    fails_with(
        veille()
            .args(["train", "--cv", "50", "--out"])
            .arg(&model)
            .arg("--data")
            .arg(fixture("single.jsonl")),
        "cannot make 50 folds",
    );
}

#[test]
fn trains_from_a_folder_per_label_and_classifies_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let text = std::fs::read_to_string(fixture("single.jsonl")).unwrap();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let sub = corpus.join(v["label"].as_str().unwrap());
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            sub.join(v["id"].as_str().unwrap()),
            v["text"].as_str().unwrap(),
        )
        .unwrap();
    }
    let model = dir.path().join("m.veille");
    let s = train(&corpus, &model, &["--class-weight", "balanced"]);
    assert_eq!(s["n_labels"], 3);
    // A stray file at the top of the folder is not a labelled article and is ignored.
    std::fs::write(corpus.join("README"), "not an article").unwrap();
    let lines = classify_jsonl(&model, &corpus.join("cyber"));
    assert_eq!(lines.len(), 5);
    assert!(lines.iter().filter(|v| v["labels"][0] == "cyber").count() >= 4);
}

#[test]
fn empty_stdin_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.veille");
    train(&fixture("single.jsonl"), &model, &[]);
    fails_with(
        veille()
            .args(["classify", "--model"])
            .arg(&model)
            .write_stdin("   \n"),
        "<stdin>:1: empty text",
    );
}

#[test]
fn special_paths_are_refused_early() {
    let dir = tempfile::tempdir().unwrap();
    let data = fixture("single.jsonl");
    // A device or other special file is never replaced by a model.
    fails_with(
        veille()
            .args(["train", "--out", "/dev/null", "--data"])
            .arg(&data),
        "not a regular file",
    );
    // A folder given as a model.
    fails_with(
        veille()
            .args(["classify", "--model"])
            .arg(dir.path())
            .write_stdin("x"),
        "not a regular file",
    );
    // Both label fields on one record; a CSV header with a column twice.
    let both = dir.path().join("both.jsonl");
    std::fs::write(
        &both,
        "{\"label\": \"a\", \"labels\": [\"a\"], \"text\": \"x\"}\n",
    )
    .unwrap();
    fails_with(
        veille()
            .args(["train", "--out"])
            .arg(dir.path().join("m.veille"))
            .arg("--data")
            .arg(&both),
        "both.jsonl:1: both \"label\" and \"labels\"",
    );
    let dup = dir.path().join("dup.csv");
    std::fs::write(&dup, "text,text,label\nx,y,a\n").unwrap();
    fails_with(
        veille()
            .args(["train", "--out"])
            .arg(dir.path().join("m.veille"))
            .arg("--data")
            .arg(&dup),
        "dup.csv:1: column \"text\" appears twice",
    );
    // A BOM before a blank first line is not a malformed record.
    let bom = dir.path().join("bom.jsonl");
    let mut text = b"\xEF\xBB\xBF\n".to_vec();
    text.extend(std::fs::read(&data).unwrap());
    std::fs::write(&bom, text).unwrap();
    veille()
        .args(["train", "--quiet", "--out"])
        .arg(dir.path().join("m.veille"))
        .arg("--data")
        .arg(&bom)
        .assert()
        .success();
}

#[cfg(unix)]
#[test]
fn folders_skip_fifos_and_symlink_loops() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.veille");
    train(&fixture("single.jsonl"), &model, &[]);
    let articles = dir.path().join("articles");
    std::fs::create_dir_all(articles.join("x")).unwrap();
    std::fs::write(
        articles.join("x/a.txt"),
        "Ransomware hit the hospital servers.",
    )
    .unwrap();
    std::os::unix::fs::symlink("..", articles.join("x/up1")).unwrap();
    std::os::unix::fs::symlink("..", articles.join("x/up2")).unwrap();
    let fifo = articles.join("pipe");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = veille()
        .args(["classify", "--format", "jsonl", "--model"])
        .arg(&model)
        .arg(&articles)
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 1);
}

fn cluster_json(args: &[&str]) -> Value {
    stdout_json(veille().args(["cluster", "--json", "--quiet"]).args(args))
}

#[test]
fn clustering_finds_the_themes_of_the_fixture_and_scores_them() {
    let data = fixture("single.jsonl");
    let v = cluster_json(&["--data", data.to_str().unwrap(), "--k", "3", "--seed", "1"]);
    assert_eq!(v["k"], 3);
    let clusters = v["clusters"].as_array().unwrap();
    assert_eq!(
        clusters
            .iter()
            .map(|c| c["size"].as_u64().unwrap())
            .sum::<u64>(),
        15
    );
    for c in clusters {
        assert!(!c["name"].as_str().unwrap().is_empty());
        assert!(!c["top_terms"].as_array().unwrap().is_empty());
        assert!(!c["central"].as_array().unwrap().is_empty());
    }
    for key in ["nmi", "ari", "v_measure"] {
        assert!(v[key].as_f64().unwrap() > 0.3, "{key}: {v}");
    }
    // Same seed, same clustering.
    let again = cluster_json(&["--data", data.to_str().unwrap(), "--k", "3", "--seed", "1"]);
    assert_eq!(v["clusters"], again["clusters"]);
    // k auto explains its choice; 15 articles are too few for split halves, so the
    // silhouette decides, and says so.
    let auto = cluster_json(&["--data", data.to_str().unwrap(), "--k", "auto:2-5"]);
    let k_auto = &auto["k_auto"];
    assert_eq!(k_auto["criterion"], "silhouette", "{auto}");
    assert!(k_auto["curve"].as_array().unwrap().len() >= 2, "{auto}");
    assert_eq!(k_auto["chosen"], auto["k"]);
    assert!(
        k_auto["note"].as_str().unwrap().contains("too few"),
        "{auto}"
    );
    assert!(v["k_auto"].is_null(), "a fixed k has no k_auto: {v}");
}

/// `groups` themes of `per` articles each (`groups == 0`: every article draws from one
/// shared vocabulary, so there is no theme at all). Words are made-up, drawn by a fixed
/// linear congruential generator: 14 from the article's theme, 4 from words every theme uses.
fn themed_corpus(path: &Path, groups: usize, per: usize) {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) % n as u64) as usize
    };
    let word = |theme: usize, i: usize| format!("w{theme}x{i}q");
    let mut out = String::new();
    let n = if groups == 0 { 4 * per } else { groups * per };
    for a in 0..n {
        let theme = if groups == 0 { 0 } else { a / per };
        let theme_words = if groups == 0 { 240 } else { 25 };
        let mut words: Vec<String> = (0..14)
            .map(|_| word(theme + 1, next(theme_words)))
            .collect();
        words.extend((0..4).map(|_| word(0, next(10))));
        let label = if groups == 0 {
            "none".to_string()
        } else {
            format!("t{theme}")
        };
        out.push_str(&format!(
            "{{\"id\": \"a{a}\", \"label\": \"{label}\", \"text\": \"{}\"}}\n",
            words.join(" ")
        ));
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn k_auto_finds_the_themes_by_stability_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("themes.jsonl");
    themed_corpus(&data, 4, 40);
    let v = cluster_json(&["--data", data.to_str().unwrap()]);
    let a = &v["k_auto"];
    assert_eq!(a["criterion"], "stability", "{v}");
    assert_eq!(v["k"], 4, "{a}");
    assert_eq!(a["chosen"], 4);
    assert_eq!(a["flat"], false, "{a}");
    assert_eq!(a["sample"], 160);
    assert!(v["nmi"].as_f64().unwrap() > 0.9, "{v}");
    // 80 articles a half, at least 10 per cluster: the range is clamped to 3-8.
    let ks: Vec<u64> = a["curve"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["k"].as_u64().unwrap())
        .collect();
    assert_eq!(ks, vec![3, 4, 5, 6, 7, 8]);
    assert!(
        a["note"].as_str().unwrap().contains("clamped to 3-8"),
        "{a}"
    );
    for key in ["score", "flat_rule"] {
        assert!(a[key].as_str().is_some_and(|s| !s.is_empty()), "{key}: {a}");
    }
    // The table says the same, with the curve.
    let text = stdout_text(veille().args(["cluster", "--quiet", "--data"]).arg(&data));
    assert!(text.contains("k = 4 chosen by stability"), "{text}");
    assert!(text.contains("4* "), "{text}");
    // The silhouette criterion is there for comparison, and unknown ones are refused.
    let sil = cluster_json(&[
        "--data",
        data.to_str().unwrap(),
        "--k-criterion",
        "silhouette",
        "--k",
        "auto:2-6",
    ]);
    assert_eq!(sil["k_auto"]["criterion"], "silhouette");
    fails_with(
        veille()
            .args(["cluster", "--k-criterion", "gap", "--data"])
            .arg(&data),
        "unknown k criterion 'gap'",
    );
}

#[test]
fn k_auto_warns_when_no_k_stands_out() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("noise.jsonl");
    themed_corpus(&data, 0, 40);
    let v = cluster_json(&["--data", data.to_str().unwrap()]);
    assert_eq!(v["k_auto"]["flat"], true, "{v}");
    let out = veille()
        .args(["cluster", "--data"])
        .arg(&data)
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("warning: no clear k"), "{err}");
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("flat curve"));
    // --quiet keeps stderr quiet; the JSON still says it.
    let quiet = veille()
        .args(["cluster", "--quiet", "--data"])
        .arg(&data)
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    assert!(quiet.is_empty(), "{}", String::from_utf8_lossy(&quiet));
}

#[test]
fn k_auto_gives_the_same_clustering_whatever_the_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("themes.jsonl");
    themed_corpus(&data, 5, 30);
    let mut files = Vec::new();
    for threads in ["1", "2", "3"] {
        let model = dir.path().join(format!("c{threads}.veille"));
        veille()
            .env("RAYON_NUM_THREADS", threads)
            .args(["cluster", "--quiet", "--seed", "7", "--data"])
            .arg(&data)
            .arg("--out")
            .arg(&model)
            .assert()
            .success();
        files.push(std::fs::read(&model).unwrap());
    }
    assert_eq!(files[0], files[1]);
    assert_eq!(files[0], files[2]);
}

#[test]
fn identical_articles_share_a_cluster_and_too_many_clusters_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("same.jsonl");
    let mut text = String::new();
    for i in 0..4 {
        text.push_str(&format!(
            "{{\"id\": \"a{i}\", \"text\": \"Export controls on chips tighten again.\"}}\n"
        ));
    }
    text.push_str("{\"id\": \"b\", \"text\": \"Ransomware attack hits the hospital network.\"}\n");
    std::fs::write(&data, text).unwrap();
    let assignments = dir.path().join("assign.jsonl");
    veille()
        .args(["cluster", "--quiet", "--k", "2", "--data"])
        .arg(&data)
        .arg("--assignments")
        .arg(&assignments)
        .assert()
        .success();
    let lines = read_jsonl(&assignments);
    assert!(lines[..4]
        .iter()
        .all(|l| l["cluster"] == lines[0]["cluster"]));
    assert_ne!(lines[4]["cluster"], lines[0]["cluster"]);
    fails_with(
        veille().args(["cluster", "--k", "3", "--data"]).arg(&data),
        "cannot make 3 clusters from 2 distinct article(s)",
    );
}

#[test]
fn empty_and_one_document_corpora() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    fails_with(
        veille().args(["cluster", "--data"]).arg(&empty),
        "empty.jsonl: no documents found",
    );
    let one = dir.path().join("one.jsonl");
    std::fs::write(
        &one,
        "{\"id\": \"x\", \"text\": \"Export controls on chips tighten again.\"}\n",
    )
    .unwrap();
    let v = cluster_json(&["--data", one.to_str().unwrap()]);
    assert_eq!(v["k"], 1);
    assert_eq!(v["k_auto"]["chosen"], 1, "{v}");
    fails_with(
        veille().args(["cluster", "--k", "2", "--data"]).arg(&one),
        "cannot make 2 clusters",
    );
}

#[test]
fn a_saved_clustering_assigns_articles_as_it_did_and_exports_labels() {
    let dir = tempfile::tempdir().unwrap();
    let data = fixture("single.jsonl");
    let model = dir.path().join("clusters.veille");
    let assignments = dir.path().join("assign.jsonl");
    let export = dir.path().join("labelled.jsonl");
    veille()
        .args(["cluster", "--quiet", "--k", "3", "--seed", "2", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&model)
        .arg("--assignments")
        .arg(&assignments)
        .arg("--export-labels")
        .arg(&export)
        .assert()
        .success();
    let first = read_jsonl(&assignments);
    let again = classify_jsonl(&model, &data);
    assert_eq!(first.len(), again.len());
    for (a, b) in first.iter().zip(&again) {
        assert_eq!(a["id"], b["id"]);
        assert_eq!(
            b["labels"],
            serde_json::json!([a["name"]]),
            "reload gives the same cluster"
        );
        let s = b["scores"][0]["score"].as_f64().unwrap();
        assert!((s - a["score"].as_f64().unwrap()).abs() < 1e-3);
    }
    // The exported file trains a classifier as it is.
    let clf = dir.path().join("from-clusters.veille");
    veille()
        .args(["train", "--quiet", "--out"])
        .arg(&clf)
        .arg("--data")
        .arg(&export)
        .assert()
        .success();
    veille()
        .args(["inspect", "--model"])
        .arg(&clf)
        .assert()
        .success();
}

#[test]
fn linfa_clusterers_run_save_and_reload() {
    let dir = tempfile::tempdir().unwrap();
    let data = fixture("single.jsonl");
    // linfa's DBSCAN needs two points to a neighbourhood: said up front, not as "all noise".
    fails_with(
        veille()
            .args([
                "cluster",
                "--algo",
                "lsa-dbscan",
                "--min-points",
                "1",
                "--data",
            ])
            .arg(&data),
        "min-points at least 2",
    );
    for algo in ["lsa-kmeans", "lsa-gmm", "lsa-dbscan"] {
        let model = dir.path().join(format!("{algo}.veille"));
        let assignments = dir.path().join(format!("{algo}.jsonl"));
        let mut cmd = veille();
        cmd.args([
            "cluster",
            "--json",
            "--quiet",
            "--k",
            "3",
            "--lsa-dims",
            "5",
            "--algo",
            algo,
        ])
        .args(["--eps", "0.8", "--min-points", "2"])
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&model)
        .arg("--assignments")
        .arg(&assignments);
        let out = cmd.assert().success().get_output().stdout.clone();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["algo"], algo);
        assert!(v["nmi"].as_f64().unwrap() >= 0.0, "{algo}: {v}");
        let first = read_jsonl(&assignments);
        for (a, b) in first.iter().zip(&classify_jsonl(&model, &data)) {
            assert_eq!(
                b["labels"],
                serde_json::json!([a["name"]]),
                "{algo}: reload agrees"
            );
        }
        veille()
            .args(["inspect", "--model"])
            .arg(&model)
            .assert()
            .success()
            .stdout(predicate::str::contains(algo));
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    use std::process::{Command, Stdio};
    // `veille inspect ... | head -1`: the reader closes the pipe before veille is done.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("veille"))
        .args(["inspect", "--model"])
        .arg(repo("models/themes.veille"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

/// The `[default: X]` that `veille <command> --help` shows for `flag`.
fn help_default(command: &str, flag: &str) -> String {
    let help = stdout_text(veille().args([command, "--help"]));
    // An option's help runs from its flag to the next option; option lines are indented a
    // little, their wrapped help a lot.
    let option_line = |l: &str| l.len() - l.trim_start().len() < 10;
    let mut lines = help
        .lines()
        .skip_while(|l| !(option_line(l) && l.trim_start().starts_with(&format!("{flag} "))));
    let mut text: Vec<&str> = lines.next().into_iter().collect();
    text.extend(lines.take_while(|l| !option_line(l) && !l.trim().is_empty()));
    let text = text
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let (_, default) = text
        .rsplit_once("[default: ")
        .unwrap_or_else(|| panic!("{flag}: no default in {text:?}"));
    default.trim_end_matches(']').to_string()
}

#[test]
fn help_shows_the_library_defaults() {
    // One definition of each default: the settings' `Default` impls, which the help, the
    // command line and a bench grid all read.
    use veille::model::clusters::{ClusterAlgo, ClusterSettings};
    use veille::model::TrainSettings;
    let t = TrainSettings::default();
    let p = t.classifier.get();
    let (lo, hi) = t.analyzer.ngram_range;
    for (flag, want) in [
        ("--algo", p.algo.to_string()),
        ("--ngrams", format!("{lo}-{hi}")),
        ("--min-df", t.tfidf.min_df.to_string()),
        ("--max-df", t.tfidf.max_df.to_string()),
        ("--c", p.c.to_string()),
        ("--alpha", p.alpha.to_string()),
        ("--class-weight", p.class_weight.to_string()),
        ("--lsa-dims", p.lsa_dims.to_string()),
        ("--seed", p.seed.to_string()),
        ("--languages", "fr,en".to_string()),
    ] {
        assert_eq!(help_default("train", flag), want, "train {flag}");
    }
    let c = ClusterSettings::default();
    let (lo, hi) = c.analyzer.ngram_range;
    for (flag, want) in [
        ("--k", c.k.to_string()),
        ("--algo", c.algo.name().to_string()),
        ("--ngrams", format!("{lo}-{hi}")),
        ("--max-df", c.tfidf.max_df.to_string()),
        ("--lsa-dims", c.lsa_dims.to_string()),
        ("--n-init", c.n_init.to_string()),
        ("--seed", c.seed.to_string()),
        ("--terms", c.n_terms.to_string()),
        ("--eps", ClusterAlgo::DEFAULT_EPS.to_string()),
        ("--min-points", ClusterAlgo::DEFAULT_MIN_POINTS.to_string()),
    ] {
        assert_eq!(help_default("cluster", flag), want, "cluster {flag}");
    }
}

#[test]
fn a_bad_model_is_reported_without_waiting_for_standard_input() {
    // Standard input left open (a terminal, a slow pipe): the model error must not wait for
    // it, as the first batch of a file input is read while the model loads.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("veille"))
        .args(["classify", "--model", "no-such-model.veille"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > std::time::Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("veille classify waited for standard input before reporting a missing model");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(2));
}
