//! What the fuzz targets share: the checksum-fixing rewrite of a model file, the use of a
//! model that loaded (a model that loads must also be usable without panicking), and reading
//! every record of a corpus reader.

use std::path::Path;
use veille::corpus::{CorpusError, Document};
use veille::model::file::{Header, MAGIC};
use veille::model::scoring::{classify_with, ClassifyOptions, RowBuf, Scorer};
use veille::model::{ClusterModel, Model};

/// Read every record of a corpus reader, rendering errors (errors are fine, panics are not).
pub fn drain(records: impl IntoIterator<Item = Result<Document, CorpusError>>) {
    for r in records {
        match r {
            Ok(doc) => {
                std::hint::black_box(&doc);
            }
            Err(e) => {
                std::hint::black_box(e.to_string());
            }
        }
    }
}

/// The name model files are given in errors.
pub const NAME: &str = "fuzz";

/// Texts every loaded model classifies: English, French, German, empty, punctuation only,
/// and an article long enough to be cut into passages.
pub fn texts() -> Vec<String> {
    let mut long = String::new();
    for i in 0..8 {
        long.push_str(
            "The Commerce Department added chip firms to the entity list and tightened export \
             controls on lithography tools; sanctions target banks that evade them. ",
        );
        long.push_str(
            "Une attaque par rançongiciel paralyse l'hôpital, les pirates publient les données \
             et l'ANSSI enquête sur le cloud souverain. ",
        );
        if i % 2 == 1 {
            long.push_str("\n\n");
        }
    }
    vec![
        "Ransomware attack hits hospital servers; sanctions on chip exports.".to_string(),
        "Les sanctions renforcent le contrôle des exportations de puces.".to_string(),
        "Die Bundesregierung fördert Quantencomputer.".to_string(),
        String::new(),
        "?!… — 42".to_string(),
        long,
    ]
}

/// Option sets tried on every text.
fn options() -> [ClassifyOptions; 3] {
    [
        ClassifyOptions::default(),
        ClassifyOptions {
            top: Some(1),
            threshold: Some(0.0),
            n_terms: 50,
            passages: false,
            n_passages: 0,
        },
        ClassifyOptions {
            top: Some(0),
            threshold: Some(1.5),
            n_terms: 0,
            passages: true,
            n_passages: 100,
        },
    ]
}

/// The byte offset where the body starts and the parsed header, when `data` is laid out as a
/// model file (magic, version, header length, JSON header).
fn split(data: &[u8]) -> Option<(usize, Header)> {
    if data.len() < 16 || &data[..8] != MAGIC {
        return None;
    }
    let hlen = u32::from_le_bytes([data[12], data[13], data[14], data[15]]) as usize;
    let end = 16usize.checked_add(hlen)?;
    let header: Header = serde_json::from_slice(data.get(16..end)?).ok()?;
    Some((end, header))
}

/// `data` with the header's `body_len` and `body_crc32` recomputed from the bytes after the
/// header, so that the body decoder and validation are reached; `None` when `data` has no
/// readable header (it is then used as it is).
pub fn fix_checksum(data: &[u8]) -> Option<Vec<u8>> {
    let (end, mut header) = split(data)?;
    let body = &data[end..];
    header.body_len = body.len() as u64;
    header.body_crc32 = crc32fast::hash(body);
    let h = serde_json::to_vec(&header).ok()?;
    let mut out = Vec::with_capacity(16 + h.len() + body.len());
    out.extend_from_slice(&data[..12]);
    out.extend_from_slice(&u32::try_from(h.len()).ok()?.to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(body);
    Some(out)
}

/// Classify the shared texts with every option set, sequentially (no thread pool), and touch
/// what front ends print: output names, explaining terms, evidence.
fn use_scorer<S: Scorer>(scorer: &S, n_outputs: usize) {
    let v = scorer.vectorizer();
    let mut scratch = v.scratch();
    let mut buf = RowBuf::default();
    for text in texts() {
        for opts in options() {
            let c = classify_with(scorer, &text, &opts, &mut scratch, &mut buf);
            for &l in &c.labels {
                assert!((l as usize) < n_outputs, "label id {l} of {n_outputs}");
                let _ = scorer.output_name(l);
            }
            for &(l, s) in &c.scores {
                assert!((l as usize) < n_outputs, "score id {l} of {n_outputs}");
                let _ = scorer.output_name(l);
                // NaN is a finding too: scores are documented to lie in [0, 1].
                assert!((0.0..=1.0).contains(&s), "score {s} out of [0, 1]");
            }
            std::hint::black_box(&c);
        }
    }
    // What `inspect` ranks: weights of features for each output, and feature names.
    let n = v.n_features();
    let mut pairs = 0usize;
    'outer: for o in 0..n_outputs {
        for j in 0..n {
            std::hint::black_box(scorer.weight(j, o));
            pairs += 1;
            if pairs > 200_000 {
                break 'outer;
            }
        }
    }
    for j in 0..n.min(2_000) {
        std::hint::black_box(v.feature_display(j));
        std::hint::black_box(v.feature_name(j));
        std::hint::black_box(v.idf(j));
        std::hint::black_box(v.df(j));
    }
}

/// Load `data` as a classifier; when it loads, use it, and check it saves to bytes that load
/// again.
pub fn classifier(data: &[u8]) {
    let Ok(model) = Model::from_bytes(Path::new(NAME), data) else {
        return;
    };
    let k = model.labels().len();
    for i in 0..k {
        std::hint::black_box(model.label(i as u32));
    }
    std::hint::black_box(model.is_multilabel());
    std::hint::black_box(format!("{:?}", model.meta()));
    use_scorer(&model, k);
    let bytes = model.to_bytes().expect("a loaded model encodes");
    Model::from_bytes(Path::new(NAME), &bytes).expect("a loaded model, saved, loads again");
}

/// Load `data` as a clustering (any kind); when it loads, use it, and check it saves to bytes
/// that load again.
pub fn clustering(data: &[u8]) {
    let Ok(model) = ClusterModel::from_bytes(Path::new(NAME), data) else {
        return;
    };
    let k = model.k();
    for c in model.clusters() {
        std::hint::black_box(&c.name);
    }
    std::hint::black_box(model.meta().algo.name());
    std::hint::black_box(format!("{:?}", model.meta()));
    use_scorer(&model, k);
    let bytes = model.to_bytes().expect("a loaded clustering encodes");
    ClusterModel::from_bytes(Path::new(NAME), &bytes)
        .expect("a loaded clustering, saved, loads again");
}
