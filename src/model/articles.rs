//! The rows a training run derives from its documents to learn how articles are scored (see
//! [`crate::classify::article`]): each document's passages and a fragment of it.
//!
//! Tried and not kept: pseudo-articles made of several training passages (labelled with the
//! union of their labels) as extra calibration items. On the project's article test set they
//! lowered micro-F1 from 0.930 to 0.880 (12 → 22 false positives): a label carried by one
//! passage of five pulls every threshold down. Real articles in the training data do better.

use crate::classify::article::{ArticlePlan, Derived};
use crate::features::{RowView, Vectorizer};
use crate::text::passages::passages;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Fragment lengths, in kept tokens: from a single word to a short paragraph, as headlines,
/// feed titles and snippets are.
const FRAGMENT_LENGTHS: [usize; 10] = [1, 2, 3, 4, 5, 6, 8, 10, 14, 20];
/// At most this many documents give a fragment.
const MAX_FRAGMENTS: usize = 6_000;

/// What one document gives.
struct DocRows {
    passages: Vec<(Vec<u32>, Vec<f32>)>,
    fragment: Option<(Vec<u32>, Vec<f32>)>,
    evidence: u32,
}

/// Derive the rows of `texts` (the training documents, analysed by `vectorizer`), held out
/// with `folds`.
pub fn plan(vectorizer: &Vectorizer, texts: &[&str], folds: &[u8], seed: u64) -> ArticlePlan {
    let n = texts.len();
    let step = n.div_ceil(MAX_FRAGMENTS).max(1);
    let per_doc: Vec<DocRows> = texts
        .par_chunks(64)
        .enumerate()
        .flat_map_iter(|(chunk, block)| {
            let mut scratch = vectorizer.scratch();
            let (mut idx, mut val) = (Vec::new(), Vec::new());
            let mut out = Vec::with_capacity(block.len());
            for (j, text) in block.iter().enumerate() {
                let i = chunk * 64 + j;
                let ranges = passages(text);
                vectorizer.transform_passages_into(text, &ranges, &mut scratch, &mut idx, &mut val);
                let mut rows = DocRows {
                    passages: Vec::new(),
                    fragment: None,
                    evidence: vectorizer.evidence(&idx) as u32,
                };
                if ranges.len() >= 2 {
                    for p in 0..ranges.len() {
                        vectorizer.passage_row_into(&mut scratch, p, &mut idx, &mut val);
                        rows.passages.push((idx.clone(), val.clone()));
                    }
                }
                let terms = scratch.analyzed.terms.clone();
                if i % step == 0 {
                    let mut rng =
                        ChaCha8Rng::seed_from_u64(seed ^ (i as u64).wrapping_mul(0x9e37_79b9));
                    let len = FRAGMENT_LENGTHS[rng.gen_range(0..FRAGMENT_LENGTHS.len())];
                    if terms.len() > len {
                        let start = rng.gen_range(0..=terms.len() - len);
                        vectorizer.terms_row_into(
                            &terms[start..start + len],
                            &mut scratch,
                            &mut idx,
                            &mut val,
                        );
                        rows.fragment = Some((idx.clone(), val.clone()));
                    }
                }
                out.push(rows);
            }
            out
        })
        .collect();

    let mut derived = Derived::none(vectorizer.n_features());
    let mut doc_passages = Vec::new();
    for (i, d) in per_doc.iter().enumerate() {
        if d.passages.is_empty() {
            continue;
        }
        let start = derived.len() as u32;
        for (idx, val) in &d.passages {
            derived.push(row(idx, val), vectorizer.evidence(idx), folds[i]);
        }
        doc_passages.push((i as u32, start..derived.len() as u32));
    }

    let mut fragments = Vec::new();
    for (i, d) in per_doc.iter().enumerate() {
        if let Some((idx, val)) = &d.fragment {
            fragments.push((
                i as u32,
                derived.push(row(idx, val), vectorizer.evidence(idx), folds[i]),
            ));
        }
    }
    ArticlePlan {
        derived,
        doc_passages,
        fragments,
        doc_evidence: per_doc.iter().map(|d| d.evidence).collect(),
    }
}

fn row<'a>(indices: &'a [u32], data: &'a [f32]) -> RowView<'a> {
    RowView { indices, data }
}
