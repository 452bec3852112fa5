//! The rows a training run derives from its documents to learn how articles are scored (see
//! [`crate::classify::article`]): each document's passages and a fragment of it.
//!
//! Tried and not kept: pseudo-articles made of several training passages (labelled with the
//! union of their labels) as extra calibration items. On the project's article test set they
//! lowered micro-F1 from 0.930 to 0.880 (12 → 22 false positives): a label carried by one
//! passage of five pulls every threshold down. Real articles in the training data do better.

use crate::classify::article::{ArticlePlan, Derived};
use crate::features::{CsrMatrix, RowView, Vectorizer};
use crate::text::passages::passages;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Fragment lengths, in kept tokens: from a single word to a short paragraph, as headlines,
/// feed titles and snippets are.
const FRAGMENT_LENGTHS: [usize; 10] = [1, 2, 3, 4, 5, 6, 8, 10, 14, 20];
/// At most about this many documents (an evenly spread sample) give their passages and a
/// fragment: enough to choose a margin and fit the evidence constant, and it keeps the extra
/// cost of a large corpus to a fraction of its training time.
const MAX_DERIVED_DOCS: usize = 4_000;

/// What one document gives.
struct DocRows {
    passages: Vec<(Vec<u32>, Vec<f32>)>,
    fragment: Option<(Vec<u32>, Vec<f32>)>,
}

/// Derive the rows of `texts` (the training documents, whose rows by `vectorizer` are `x`),
/// held out with `folds`.
pub fn plan(
    vectorizer: &Vectorizer,
    texts: &[&str],
    x: &CsrMatrix,
    folds: &[u8],
    seed: u64,
) -> ArticlePlan {
    let n = texts.len();
    let step = n.div_ceil(MAX_DERIVED_DOCS).max(1);
    // The sampled documents, analysed again by passages (the training rows do not keep them).
    let sample: Vec<usize> = (0..n).step_by(step).collect();
    let per_doc: Vec<(usize, DocRows)> = sample
        .par_chunks(64)
        .flat_map_iter(|block| {
            let mut scratch = vectorizer.scratch();
            let (mut idx, mut val) = (Vec::new(), Vec::new());
            let mut part_rows = CsrMatrix::new(vectorizer.n_features());
            let mut out = Vec::with_capacity(block.len());
            for &i in block {
                let text = texts[i];
                let ranges = passages(crate::text::analysed_prefix(text));
                vectorizer.transform_passages_into(text, &ranges, &mut scratch, &mut idx, &mut val);
                let mut rows = DocRows {
                    passages: Vec::new(),
                    fragment: None,
                };
                if ranges.len() >= 2 {
                    part_rows.clear(vectorizer.n_features());
                    vectorizer.passage_rows_into(&mut scratch, &mut part_rows);
                    rows.passages.extend(
                        part_rows
                            .rows()
                            .map(|r| (r.indices.to_vec(), r.data.to_vec())),
                    );
                }
                let terms = &scratch.analyzed.terms;
                let mut rng =
                    ChaCha8Rng::seed_from_u64(seed ^ (i as u64).wrapping_mul(0x9e37_79b9));
                let len = FRAGMENT_LENGTHS[rng.gen_range(0..FRAGMENT_LENGTHS.len())];
                if terms.len() > len {
                    let start = rng.gen_range(0..=terms.len() - len);
                    let fragment = terms[start..start + len].to_vec();
                    vectorizer.terms_row_into(&fragment, &mut scratch, &mut idx, &mut val);
                    rows.fragment = Some((idx.clone(), val.clone()));
                }
                out.push((i, rows));
            }
            out
        })
        .collect();

    let mut derived = Derived::none(vectorizer.n_features());
    let mut doc_passages = Vec::new();
    for (i, d) in &per_doc {
        let i = *i;
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
    for (i, d) in &per_doc {
        let i = *i;
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
        doc_evidence: (0..n)
            .map(|i| vectorizer.evidence(x.row(i).indices) as u32)
            .collect(),
    }
}

fn row<'a>(indices: &'a [u32], data: &'a [f32]) -> RowView<'a> {
    RowView { indices, data }
}
