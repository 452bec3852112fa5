//! Inputs found by the fuzz targets in `fuzz/` (issue 9, "Fuzzing that stays"), kept here so
//! the ordinary `cargo test` holds them fixed. Each test names the target that found it.
//!
//! Model bodies are patched the way `model_*_fixed` patches them: the header's `body_len` and
//! `body_crc32` recomputed, so that only the body's contents are wrong.

use std::path::Path;
use veille::classify::Calibration;
use veille::corpus::Document;
use veille::model::file::{Header, MAGIC};
use veille::model::scoring::{classify_with, ClassifyOptions, RowBuf};
use veille::model::{Model, TrainSettings};

fn docs(multi: bool) -> Vec<Document> {
    let rows = [
        (
            "New export controls on advanced chips and lithography tools.",
            "sanctions",
        ),
        (
            "Sanctions target banks that evade export controls.",
            "sanctions",
        ),
        (
            "Les sanctions renforcent le contrôle des exportations de puces.",
            "sanctions",
        ),
        (
            "Ransomware attack hits hospital servers, attackers leak data.",
            "cyber",
        ),
        (
            "State hackers breach the grid operator with malware.",
            "cyber",
        ),
        (
            "Une attaque par rançongiciel paralyse l'hôpital, les pirates publient les données.",
            "cyber",
        ),
    ];
    rows.iter()
        .enumerate()
        .map(|(i, (text, label))| {
            let d = Document::new(i.to_string(), *text);
            if multi {
                d.with_labels([*label])
            } else {
                d.with_label(*label)
            }
        })
        .collect()
}

fn model(multi: bool) -> Model {
    Model::train(&docs(multi), &TrainSettings::default()).unwrap()
}

/// The body of a model file and where it starts.
fn body_of(bytes: &[u8]) -> (usize, Header) {
    let hlen = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]) as usize;
    let header: Header = serde_json::from_slice(&bytes[16..16 + hlen]).unwrap();
    (16 + hlen, header)
}

/// `bytes` with the first occurrence of `find` in the body replaced by `with` (same length),
/// and the header's length and checksum made to match the new body.
fn patch_body(bytes: &[u8], find: &[u8], with: &[u8]) -> Vec<u8> {
    assert_eq!(find.len(), with.len());
    let (start, mut header) = body_of(bytes);
    let mut body = bytes[start..].to_vec();
    let at = body
        .windows(find.len())
        .position(|w| w == find)
        .expect("the values are in the body");
    body[at..at + with.len()].copy_from_slice(with);
    header.body_len = body.len() as u64;
    header.body_crc32 = crc32fast::hash(&body);
    let h = serde_json::to_vec(&header).unwrap();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&bytes[8..12]);
    out.extend_from_slice(&(h.len() as u32).to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(&body);
    out
}

fn f32s(v: impl IntoIterator<Item = f32>) -> Vec<u8> {
    v.into_iter().flat_map(f32::to_le_bytes).collect()
}

fn f64s(v: impl IntoIterator<Item = f64>) -> Vec<u8> {
    v.into_iter().flat_map(f64::to_le_bytes).collect()
}

fn refused(bytes: &[u8], needle: &str) {
    match Model::from_bytes(Path::new("m.veille"), bytes) {
        Ok(m) => {
            // What the fuzz target saw: scores that are not numbers.
            let mut scratch = m.vectorizer().scratch();
            let mut buf = RowBuf::default();
            let c = classify_with(
                &m,
                "Sanctions on chips, sanctions on export controls",
                &ClassifyOptions::default(),
                &mut scratch,
                &mut buf,
            );
            panic!("loaded (scores {:?}), expected \"{needle}\"", c.scores);
        }
        Err(e) => {
            let e = e.to_string();
            assert!(
                e.contains("corrupt model file") && e.contains(needle),
                "{e}"
            );
        }
    }
}

/// Found while fixing what model_classifier_fixed found (below): an idf near f32's limit
/// passed the finite check, tf × idf overflowed f32 in the row, and the model scored NaN
/// (printed as `null`) for any article with a known word twice.
#[test]
fn fuzz_an_idf_too_large_for_any_corpus_is_refused() {
    let m = model(false);
    let bytes = m.to_bytes().unwrap();
    let v = m.vectorizer();
    let idf: Vec<f32> = (0..v.n_features()).map(|j| v.idf(j)).collect();
    // Finite, so it passed the old check; a word twice in an article made tf × idf infinite.
    let crafted = vec![f32::MAX; idf.len()];
    // The vocabulary is checked while decoding, where postcard keeps no message of its own.
    refused(
        &patch_body(&bytes, &f32s(idf), &f32s(crafted)),
        "undecodable body",
    );
}

/// model_classifier_fixed: weights, biases and calibrations are read as raw floats, so a
/// mutated body (checksum fixed) made a weight non-finite; the model loaded and scored NaN.
#[test]
fn fuzz_non_finite_weights_and_calibrations_are_refused() {
    let m = model(false);
    let bytes = m.to_bytes().unwrap();
    let lm = &m.classifier().model;
    let (n, k) = (lm.n_features(), lm.n_classes());
    let weights: Vec<f32> = (0..n)
        .flat_map(|j| (0..k).map(move |c| (j, c)))
        .map(|(j, c)| lm.weight(j, c))
        .collect();
    for bad in [f32::NAN, f32::INFINITY] {
        let mut crafted = weights.clone();
        crafted[1] = bad;
        refused(
            &patch_body(&bytes, &f32s(weights.clone()), &f32s(crafted)),
            "non-finite weight",
        );
    }

    let m = model(true);
    let bytes = m.to_bytes().unwrap();
    let Calibration::Sigmoid { params } = &m.classifier().calibration else {
        panic!("a multi-label model calibrates by sigmoids");
    };
    let flat: Vec<f64> = params.iter().flat_map(|&(a, b)| [a, b]).collect();
    let mut crafted = flat.clone();
    crafted[0] = f64::NAN;
    refused(
        &patch_body(&bytes, &f64s(flat), &f64s(crafted)),
        "non-finite calibration",
    );
    let t = m.classifier().thresholds.clone().unwrap();
    let mut crafted = t.clone();
    crafted[0] = f64::NAN;
    refused(
        &patch_body(&bytes, &f64s(t), &f64s(crafted)),
        "threshold that is not a number",
    );
}
