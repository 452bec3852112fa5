//! Issue 9: nothing lost, nothing crashes. Each test pins one case found by trying harder than
//! a careful user would: outputs over inputs, write errors, CSV quoting, limits, crafted
//! inputs, exit codes and messages. None may end with a panic (101), an abort (134) or a
//! signal, and no command may change a file it reads.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{fails_with, fixture, jsonl, stdout_text, veille};

/// A trained model of the single-label fixture, in `dir`.
fn model_in(dir: &Path) -> PathBuf {
    let model = dir.join("m.veille");
    veille()
        .args(["train", "--quiet", "--no-search", "--data"])
        .arg(fixture("single.jsonl"))
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    model
}

/// Run a shell command line with `$VEILLE` set to the binary (for redirections a test
/// harness cannot make: `/dev/full`, `>&-`, `ulimit`).
fn sh(script: &str, dir: &Path) -> Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("VEILLE", assert_cmd::cargo::cargo_bin("veille"))
        .output()
        .unwrap()
}

fn no_panic(out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.code().is_some(), "ended by a signal: {out:?}");
    assert_ne!(out.status.code(), Some(101), "{err}");
}

#[test]
fn issue9_outputs_that_are_inputs_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    std::fs::copy(fixture("single.jsonl"), &data).unwrap();
    let before = std::fs::read(&data).unwrap();
    let link = dir.path().join("hard.jsonl");
    std::fs::hard_link(&data, &link).unwrap();
    let model = model_in(dir.path());
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["train", "--data", "d.jsonl", "--out", "d.jsonl"],
            "--out d.jsonl: is an input (--data d.jsonl)",
        ),
        (
            vec!["train", "--data", "d.jsonl", "--out", "./hard.jsonl"],
            "is an input (--data d.jsonl)",
        ),
        (
            vec![
                "train", "--data", "d.jsonl", "--test", "m.veille", "--out", "m.veille",
            ],
            "is an input (--test m.veille)",
        ),
        (
            vec![
                "cluster",
                "--data",
                "d.jsonl",
                "--k",
                "2",
                "--assignments",
                "d.jsonl",
            ],
            "--assignments d.jsonl: is an input",
        ),
        (
            vec![
                "cluster",
                "--data",
                "d.jsonl",
                "--k",
                "2",
                "--export-labels",
                "hard.jsonl",
            ],
            "--export-labels hard.jsonl: is an input",
        ),
        (
            vec![
                "cluster",
                "--data",
                "d.jsonl",
                "--k",
                "2",
                "--out",
                "c.veille",
                "--assignments",
                "./c.veille",
            ],
            "is another output (--out c.veille)",
        ),
        (
            vec!["bench", "--data", "d.jsonl", "--report", "d.jsonl"],
            "--report d.jsonl: is an input",
        ),
    ];
    for (args, needle) in cases {
        fails_with(veille().current_dir(dir.path()).args(&args), needle);
        assert_eq!(
            std::fs::read(&data).unwrap(),
            before,
            "{args:?} changed the input"
        );
    }
    // `classify d.jsonl >> d.jsonl` would read its own output without end.
    let out = sh(
        "\"$VEILLE\" classify --model m.veille d.jsonl >> d.jsonl",
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("standard output is the input file d.jsonl")
    );
    assert_eq!(std::fs::read(&data).unwrap(), before);
    assert!(model.exists());
}

#[cfg(target_os = "linux")]
#[test]
fn issue9_write_errors_exit_1_with_one_line_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    model_in(dir.path());
    std::fs::copy(fixture("single.jsonl"), dir.path().join("d.jsonl")).unwrap();
    let lines = [
        "\"$VEILLE\" inspect --model m.veille > /dev/full",
        "\"$VEILLE\" inspect --json --model m.veille > /dev/full",
        "\"$VEILLE\" evaluate --model m.veille --data d.jsonl > /dev/full",
        "\"$VEILLE\" evaluate --json --model m.veille --data d.jsonl > /dev/full",
        "\"$VEILLE\" classify --model m.veille d.jsonl > /dev/full",
        "\"$VEILLE\" classify --format table --model m.veille d.jsonl > /dev/full",
        "\"$VEILLE\" train --quiet --no-search --data d.jsonl --out m2.veille > /dev/full",
        "\"$VEILLE\" cluster --quiet --k 2 --data d.jsonl > /dev/full",
        "\"$VEILLE\" bench --print-grid > /dev/full",
    ];
    for line in lines {
        let out = sh(line, dir.path());
        no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{line}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{line}: {err}");
        assert!(
            err.contains("cannot write to standard output"),
            "{line}: {err}"
        );
    }
    // A warning to a full stderr: the work is done, the exit code says something was lost.
    std::fs::write(dir.path().join("bad.jsonl"), "{\"text\": \"Ransomware attack.\", \"label\": \"cyber\"}\nnot json\n{\"text\": \"Export controls.\", \"label\": \"sanctions\"}\n").unwrap();
    let out = sh(
        "\"$VEILLE\" classify --skip-bad --model m.veille bad.jsonl 2> /dev/full",
        dir.path(),
    );
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    // The error message itself to a full stderr: the exit code is all that is left.
    let out = sh(
        "\"$VEILLE\" classify --model missing.veille d.jsonl 2> /dev/full",
        dir.path(),
    );
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    // A closed stdout: Rust would drop the output silently; veille fails instead.
    let out = sh(
        "\"$VEILLE\" classify --model m.veille d.jsonl >&-",
        dir.path(),
    );
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard output"));
}

#[test]
fn issue9_an_unterminated_csv_quote_is_an_error_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("text,label\n");
    for i in 0..20 {
        let quote = if i == 10 { "\"" } else { "" };
        csv.push_str(&format!(
            "{quote}Article {i} about export controls and chips,sanctions\n"
        ));
    }
    let path = dir.path().join("open.csv");
    std::fs::write(&path, csv).unwrap();
    fails_with(
        veille()
            .args(["train", "--no-search", "--out"])
            .arg(dir.path().join("m.veille"))
            .arg("--data")
            .arg(&path),
        "open.csv:12: malformed CSV: quoted field never closed",
    );
    // Under --skip-bad the swallowed record is skipped, and said so.
    let out = veille()
        .args(["train", "--no-search", "--skip-bad", "--out"])
        .arg(dir.path().join("m.veille"))
        .arg("--data")
        .arg(&path)
        .assert()
        .code(2) // one label left: nothing to learn, but no silent success either
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("skipped: ") && err.contains("quoted field never closed"),
        "{err}"
    );
}

#[test]
fn issue9_huge_stdin_and_csv_records_are_refused_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let model = model_in(dir.path());
    let big = vec![b'a'; (64 << 20) + 10];
    let out = veille()
        .args(["classify", "--model"])
        .arg(&model)
        .write_stdin(big.clone())
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<stdin>: more than 67108864 bytes"), "{err}");
    let mut csv = b"text,label\n\"".to_vec();
    csv.extend_from_slice(&big);
    csv.extend_from_slice(b"\",a\n");
    let path = dir.path().join("big.csv");
    std::fs::write(&path, csv).unwrap();
    fails_with(
        veille()
            .args(["classify", "--model"])
            .arg(&model)
            .arg(&path),
        "big.csv:2: malformed CSV: record longer than 67108864 bytes",
    );
}

#[test]
fn issue9_threads_are_bounded() {
    fails_with(
        veille().args(["inspect", "--threads", "100000", "--model", "x"]),
        "--threads must be between 1 and",
    );
    fails_with(
        veille().args(["inspect", "--threads", "0", "--model", "x"]),
        "--threads must be between 1 and",
    );
}

#[test]
fn issue9_silhouette_k_auto_is_the_same_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    let topics = [
        "export controls sanctions chips lithography entity list",
        "ransomware hospital attack malware hackers breach",
        "satellite launch orbit rocket space agency",
        "vaccine trial hospital patients doctors health",
    ];
    let mut text = String::new();
    for i in 0..160 {
        let t = topics[i % 4];
        text.push_str(&format!(
            "{{\"id\": \"{i}\", \"text\": \"{t} item{} word{}\"}}\n",
            i % 7,
            i % 11
        ));
    }
    std::fs::write(&data, text).unwrap();
    let mut files = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = dir.path().join(format!("c{threads}.veille"));
        veille()
            .args([
                "cluster",
                "--quiet",
                "--k-criterion",
                "silhouette",
                "--threads",
                threads,
                "--data",
            ])
            .arg(&data)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        files.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(files[0], files[1]);
    assert_eq!(files[0], files[2]);
}

#[cfg(unix)]
#[test]
fn issue9_messages_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let model = model_in(dir.path());
    // A symlink loop is a loop, not a missing file.
    std::os::unix::fs::symlink("loop", dir.path().join("loop")).unwrap();
    fails_with(
        veille()
            .args(["classify", "--model"])
            .arg(&model)
            .arg(dir.path().join("loop")),
        "symbolic links",
    );
    // `-` is standard input.
    let out = stdout_text(
        veille()
            .args(["classify", "--format", "jsonl", "--model"])
            .arg(&model)
            .arg("-")
            .write_stdin("Ransomware attack on the hospital servers."),
    );
    assert_eq!(jsonl(&out)[0]["id"], "stdin");
    // max_df as a fraction is shown as one.
    fails_with(
        veille()
            .args(["train", "--min-df", "50", "--max-df", "1.0", "--out"])
            .arg(dir.path().join("x.veille"))
            .arg("--data")
            .arg(fixture("single.jsonl")),
        "is above max_df 1.0 (15 of the 15 documents)",
    );
    // UTF-16 without a byte-order mark.
    let utf16: Vec<u8> = std::fs::read_to_string(fixture("single.jsonl"))
        .unwrap()
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let path = dir.path().join("u16.jsonl");
    std::fs::write(&path, utf16).unwrap();
    fails_with(
        veille()
            .args(["train", "--out"])
            .arg(dir.path().join("x.veille"))
            .arg("--data")
            .arg(&path),
        "u16.jsonl:1: looks like UTF-16",
    );
}

#[test]
fn issue9_a_gmm_that_loses_a_cluster_is_the_users_data() {
    let dir = tempfile::tempdir().unwrap();
    // 40 short articles, 16 distinct, written for this test: a 15-component mixture loses a
    // component on them (the old binary exited 1 with linfa's message).
    let data = fixture("gmm-collapse.jsonl");
    let out = veille()
        .args([
            "cluster",
            "--quiet",
            "--algo",
            "lsa-gmm",
            "--k",
            "15",
            "--lsa-dims",
            "20",
            "--data",
        ])
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("c.veille"))
        .output()
        .unwrap();
    no_panic(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("a cluster lost every article"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn issue9_a_save_stopped_by_a_file_size_limit_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let model = model_in(dir.path());
    let before = std::fs::read(&model).unwrap();
    std::fs::copy(fixture("single.jsonl"), dir.path().join("d.jsonl")).unwrap();
    // ulimit -f counts 512-byte blocks: 4 blocks is far below any model.
    let out = sh(
        "ulimit -f 4; \"$VEILLE\" train --quiet --no-search --data d.jsonl --out m.veille",
        dir.path(),
    );
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("m.veille"));
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(
        std::fs::read(&model).unwrap(),
        before,
        "the old model is intact"
    );
}

#[test]
fn issue9_records_keep_big_numbers_refuse_duplicate_keys_and_ignore_unused_labels() {
    let dir = tempfile::tempdir().unwrap();
    let model = model_in(dir.path());
    let path = dir.path().join("in.jsonl");
    std::fs::write(
        &path,
        "{\"id\": 123456789012345678901234567890, \"label\": \"\", \"text\": \"Ransomware attack on hospital servers.\", \"n\": 18446744073709551616}\n\
         {\"id\": 2, \"label\": {\"not\": \"used\"}, \"text\": \"Export controls on chips.\"}\n",
    )
    .unwrap();
    let out = stdout_text(
        veille()
            .args(["classify", "--format", "jsonl", "--model"])
            .arg(&model)
            .arg(&path),
    );
    assert!(
        out.contains("\"id\":\"123456789012345678901234567890\""),
        "{out}"
    );
    assert!(out.contains("\"n\":18446744073709551616"), "{out}");
    assert_eq!(jsonl(&out).len(), 2);
    let dup = dir.path().join("dup.jsonl");
    std::fs::write(
        &dup,
        "{\"text\": \"a\", \"label\": \"x\", \"text\": \"b\"}\n",
    )
    .unwrap();
    fails_with(
        veille().args(["classify", "--model"]).arg(&model).arg(&dup),
        "dup.jsonl:1: malformed JSON line: key \"text\" appears twice",
    );
}

#[test]
fn issue9_label_names_are_escaped_in_tables() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    let mut text = String::new();
    for (i, (label, words)) in [
        ("evil\u{1b}[2Jlabel", "ransomware attack hospital malware"),
        ("plain", "export controls chips sanctions"),
    ]
    .iter()
    .cycle()
    .take(8)
    .enumerate()
    {
        let row = serde_json::json!({"id": i.to_string(), "label": label, "text": format!("{words} {i}")});
        text.push_str(&format!("{row}\n"));
    }
    std::fs::write(&data, text).unwrap();
    let model = dir.path().join("m.veille");
    veille()
        .args(["train", "--quiet", "--no-search", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    let out = stdout_text(veille().args(["inspect", "--model"]).arg(&model));
    assert!(!out.contains('\u{1b}'), "{out}");
    assert!(out.contains("evil\\u{1b}[2Jlabel"), "{out}");
    let out = stdout_text(
        veille()
            .args(["classify", "--format", "table", "--model"])
            .arg(&model)
            .write_stdin("ransomware attack on the hospital"),
    );
    assert!(!out.contains('\u{1b}'), "{out}");
}

#[test]
fn issue9_skip_bad_skips_an_oversize_file_in_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let model = model_in(dir.path());
    let folder = dir.path().join("articles");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.txt"), "Ransomware attack on the hospital.").unwrap();
    std::fs::write(folder.join("b.txt"), vec![b'a'; (64 << 20) + 1]).unwrap();
    std::fs::write(folder.join("c.txt"), "New export controls on chips.").unwrap();
    fails_with(
        veille()
            .args(["classify", "--format", "jsonl", "--model"])
            .arg(&model)
            .arg(&folder),
        "b.txt: cannot read: larger than",
    );
    let out = veille()
        .args(["classify", "--skip-bad", "--format", "jsonl", "--model"])
        .arg(&model)
        .arg(&folder)
        .assert()
        .success()
        .get_output()
        .clone();
    let lines: Vec<Value> = jsonl(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(lines.len(), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped: "));
}
