//! Parquet through the command line: read as articles and as training data, written with
//! `--format parquet`, and the errors of both (the Python tests compare with pyarrow too).

mod common;

use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use common::{fails_with, fixture, jsonl, repo, stdout_text, veille};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// The records of a JSON Lines fixture as a Parquet file (id, text, label, source, n).
fn to_parquet(records: &[Value], path: &Path) {
    let col = |k: &str| -> ArrayRef {
        Arc::new(StringArray::from(
            records
                .iter()
                .map(|r| r[k].as_str().map(String::from))
                .collect::<Vec<_>>(),
        ))
    };
    let n: ArrayRef = Arc::new(Int64Array::from_iter_values(0..records.len() as i64));
    let batch = RecordBatch::try_from_iter(vec![
        ("id", col("id")),
        ("text", col("text")),
        ("label", col("label")),
        ("source", col("source")),
        ("n", n),
    ])
    .unwrap();
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn read_parquet(path: &Path) -> RecordBatch {
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    assert_eq!(batches.len(), 1, "one batch expected in these small files");
    batches.remove(0)
}

#[test]
fn parquet_trains_and_classifies_as_json_lines_do() {
    let dir = tempfile::tempdir().unwrap();
    let records = jsonl(&std::fs::read_to_string(fixture("single.jsonl")).unwrap());
    let pq = dir.path().join("single.parquet");
    to_parquet(&records, &pq);
    // Training on either gives the same model file.
    let (a, b) = (dir.path().join("a.veille"), dir.path().join("b.veille"));
    for (data, out) in [(&pq, &a), (&fixture("single.jsonl"), &b)] {
        veille()
            .args(["--quiet", "train", "--data"])
            .arg(data)
            .arg("--out")
            .arg(out)
            .assert()
            .success();
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // Classifying either gives the same records, extra fields in their order.
    let classify = |input: &Path| {
        stdout_text(
            veille()
                .args(["--quiet", "classify", "--format", "jsonl", "--model"])
                .arg(&a)
                .arg(input),
        )
    };
    let from_parquet = jsonl(&classify(&pq));
    let from_jsonl = jsonl(&classify(&fixture("single.jsonl")));
    assert_eq!(from_parquet.len(), 15);
    for (p, j) in from_parquet.iter().zip(&from_jsonl) {
        let mut j = j.clone();
        j["n"] = p["n"].clone();
        assert_eq!(p, &j);
        let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
        assert_eq!(keys[keys.len() - 2..], ["source", "n"]);
    }
}

#[test]
fn format_parquet_writes_the_records_as_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.parquet");
    let model = repo("models/themes.veille");
    veille()
        .args(["--quiet", "classify", "--format", "parquet", "--model"])
        .arg(&model)
        .arg(fixture("single.jsonl"))
        .arg("--output")
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let batch = read_parquet(&out);
    let names: Vec<&str> = batch
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    let mut expected = veille::model::record::RESERVED_FIELDS.to_vec();
    expected.push("source");
    assert_eq!(names, expected);
    let records = jsonl(&stdout_text(
        veille()
            .args(["--quiet", "classify", "--format", "jsonl", "--model"])
            .arg(&model)
            .arg(fixture("single.jsonl")),
    ));
    let ids = batch.column(0).as_string::<i32>();
    let labels = batch.column(1).as_list::<i32>();
    for (i, r) in records.iter().enumerate() {
        assert_eq!(ids.value(i), r["id"].as_str().unwrap());
        let got: Vec<String> = labels
            .value(i)
            .as_string::<i32>()
            .iter()
            .map(|s| s.unwrap().to_string())
            .collect();
        let want: Vec<String> = r["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want);
    }
    // Same bytes on every run.
    let again = dir.path().join("again.parquet");
    veille()
        .args([
            "--quiet",
            "classify",
            "--format",
            "parquet",
            "--threads",
            "1",
            "--model",
        ])
        .arg(&model)
        .arg(fixture("single.jsonl"))
        .arg("-o")
        .arg(&again)
        .assert()
        .success();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn bad_parquet_and_bad_outputs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake.parquet");
    std::fs::write(&fake, "{\"text\": \"hello\"}\n").unwrap();
    let model = repo("models/themes.veille");
    fails_with(
        veille()
            .args(["--quiet", "classify", "--model"])
            .arg(&model)
            .arg(&fake),
        "fake.parquet: not a readable Parquet file",
    );
    // A bad record: no output file at all.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"text\": \"chips\"}\n{\"text\": \" \"}\n").unwrap();
    let out = dir.path().join("out.parquet");
    veille()
        .args(["--quiet", "classify", "--format", "parquet", "--model"])
        .arg(&model)
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    assert!(!out.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 2, "a temporary file was left behind");
    // The output may not be an input.
    fails_with(
        veille()
            .args(["--quiet", "classify", "--format", "parquet", "--model"])
            .arg(&model)
            .arg(&bad)
            .arg("-o")
            .arg(&bad),
        "refusing to overwrite it",
    );
}
