//! Saved-format compatibility (issue 9): model files written by earlier formats, checked in
//! under `tests/fixtures/compat/vN/`, either load and classify exactly as they did when they
//! were written, or are refused with a message that names their format and how to rebuild.

mod common;
use common::{repo, veille};

const KINDS: [&str; 6] = [
    "classifier",
    "multilabel",
    "spherical",
    "lsa-kmeans",
    "lsa-gmm",
    "lsa-dbscan",
];

#[test]
fn issue9_models_of_every_format_load_with_identical_outputs_or_are_refused_clearly() {
    let root = repo("tests/fixtures/compat");
    let mut versions: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    versions.sort();
    assert!(!versions.is_empty());
    for dir in versions {
        let version = dir.file_name().unwrap().to_string_lossy().into_owned();
        for kind in KINDS {
            let model = dir.join(format!("{kind}.veille"));
            let expected = std::fs::read(dir.join(format!("{kind}.expected.jsonl"))).unwrap();
            let out = veille()
                .current_dir(repo("."))
                .args(["classify", "--quiet", "--format", "jsonl", "--model"])
                .arg(&model)
                .args([
                    "tests/fixtures/single.jsonl",
                    "tests/fixtures/multi.jsonl",
                    "tests/fixtures/articles",
                ])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            if out.status.success() {
                assert!(
                    out.stdout == expected,
                    "{version}/{kind}: output differs from the one written with the model"
                );
            } else {
                // Refused: exit 2, naming the format and how to rebuild, never "corrupt".
                assert_eq!(out.status.code(), Some(2), "{version}/{kind}: {err}");
                assert!(
                    err.contains(&format!("format {version}")) && err.contains("rebuild"),
                    "{version}/{kind}: {err}"
                );
            }
            // inspect reads every kind too.
            let out = veille()
                .args(["inspect", "--json", "--model"])
                .arg(&model)
                .output()
                .unwrap();
            assert!(
                out.status.success() || out.status.code() == Some(2),
                "{version}/{kind}: {out:?}"
            );
        }
    }
}
