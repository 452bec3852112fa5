//! The output record's JSON Schema (`docs/record.schema.json`) against real output: every
//! line `veille classify --format jsonl` prints, for a multi-label classifier (the shipped
//! model, on articles with passages), a single-label one and a clustering, must validate; and
//! the schema must not accept what the record never is.

use serde_json::Value;

mod common;
use common::{jsonl, repo, stdout_text, veille};

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo("docs/record.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn every_classify_line_validates_against_the_checked_in_schema() {
    let v = validator();
    let runs: [(&str, &[&str]); 3] = [
        (
            "models/themes.veille",
            &["data/samples", "data/themes/test.articles.jsonl"],
        ),
        (
            "tests/fixtures/compat/v2/classifier.veille",
            &["tests/fixtures/single.jsonl"],
        ),
        (
            "tests/fixtures/compat/v2/spherical.veille",
            &["tests/fixtures/articles"],
        ),
    ];
    let mut checked = 0;
    for (model, inputs) in runs {
        let out = stdout_text(
            veille()
                .current_dir(repo("."))
                .args(["classify", "--quiet", "--format", "jsonl", "--model", model])
                .args(inputs),
        );
        for line in jsonl(&out) {
            let errors: Vec<String> = v.iter_errors(&line).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{model}: {errors:?} in {line}");
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked}");
    // Passage evidence is exercised, not only empty lists.
    let with_passages = stdout_text(
        veille()
            .current_dir(repo("."))
            .args([
                "classify",
                "--quiet",
                "--format",
                "jsonl",
                "--model",
                "models/themes.veille",
            ])
            .arg("data/themes/test.articles.jsonl"),
    );
    assert!(with_passages.contains("\"snippet\""));
    let bad: Value = serde_json::json!({"id": 3, "labels": "x"});
    assert!(!v.is_valid(&bad));
}
