//! The default configuration search: `veille train` with no tuning flags tries a compact set
//! of text pipelines and keeps the one with the best held-out F1 on the training set, when the
//! training set is small enough for that to be cheap.
//!
//! Why: no single setting wins everywhere. Measured against the best scikit-learn pipeline
//! on 21 corpora and variants (`benches/compare/quality.py`), `min_df` 1 and unigrams win on
//! short texts and small sets, the default 1–2-grams with `min_df` auto on long articles, raw
//! term counts on single sentences. Each candidate's held-out F1 comes from the 3-fold
//! cross-fitting that every training run does anyway, so a candidate costs one training.

use super::{Model, TrainError, TrainSettings};
use crate::corpus::Document;
use crate::features::DfBound;
use serde::{Deserialize, Serialize};

/// Training texts above this many bytes take the default configuration directly (the fast
/// path: 20 Newsgroups, 22 MB, trains in about a second).
pub const SEARCH_MAX_BYTES: usize = 10_000_000;

/// A candidate: a name and how it changes the default settings.
struct Candidate {
    name: &'static str,
    apply: fn(&mut TrainSettings),
}

/// The changes the candidates are made of.
fn min_df_1(s: &mut TrainSettings) {
    s.tfidf.min_df = DfBound::Count(1);
}

fn unigrams_min_df_1(s: &mut TrainSettings) {
    s.analyzer.ngram_range = (1, 1);
    min_df_1(s);
}

const CANDIDATES: [Candidate; 5] = [
    Candidate {
        name: "default (1-2-grams, min_df auto, sublinear tf)",
        apply: |_| {},
    },
    Candidate {
        name: "1-2-grams, min_df 1",
        apply: min_df_1,
    },
    Candidate {
        name: "unigrams, min_df 1",
        apply: unigrams_min_df_1,
    },
    Candidate {
        name: "unigrams, min_df 1, raw tf",
        apply: |s| {
            unigrams_min_df_1(s);
            s.tfidf.sublinear_tf = false;
        },
    },
    Candidate {
        name: "1-2-grams, min_df auto, C 2",
        apply: |s| s.classifier = s.classifier.clone().c(2.0),
    },
];

/// Training sets whose median text has at most this many words (single sentences,
/// headlines, feed titles) also try the short-text candidates (`SHORT_CANDIDATES`).
pub const SHORT_TEXT_WORDS: usize = 20;

/// Candidates for short texts: the two `min_df` 1 ones with stopwords kept. In a sentence of
/// ten words, "you", "your" or "free" can be most of the evidence (scikit-learn keeps them by
/// default, and won on the first sentences of SpamAssassin and 20 Newsgroups); in articles
/// they are noise. Short texts train in a fraction of a second, so these cost little.
const SHORT_CANDIDATES: [Candidate; 2] = [
    Candidate {
        name: "1-2-grams, min_df 1, stopwords kept",
        apply: |s| {
            min_df_1(s);
            s.analyzer.stopwords = false;
        },
    },
    Candidate {
        name: "unigrams, min_df 1, stopwords kept",
        apply: |s| {
            unigrams_min_df_1(s);
            s.analyzer.stopwords = false;
        },
    },
];

/// Whether the median text of `docs` has at most [`SHORT_TEXT_WORDS`] words.
fn short_texts(docs: &[Document]) -> bool {
    let mut words: Vec<usize> = docs
        .iter()
        .map(|d| d.text.split_whitespace().count())
        .collect();
    if words.is_empty() {
        return false;
    }
    let mid = words.len() / 2;
    *words.select_nth_unstable(mid).1 <= SHORT_TEXT_WORDS
}

/// What the search tried and chose; saved in the model's training metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// Each candidate with its held-out F1 on the training set, in the order tried.
    pub candidates: Vec<(String, f64)>,
    /// Index of the chosen one (the best; ties go to the earlier).
    pub chosen: usize,
}

/// Whether `docs` are small enough for the search.
pub fn searchable(docs: &[Document]) -> bool {
    docs.iter().map(|d| d.text.len()).sum::<usize>() <= SEARCH_MAX_BYTES
}

/// Train every candidate on `docs` and keep the best by held-out F1 (search off inside).
pub(super) fn train_searched(
    docs: &[Document],
    settings: &TrainSettings,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Model, TrainError> {
    let mut best: Option<Model> = None;
    let short: &[Candidate] = if short_texts(docs) {
        &SHORT_CANDIDATES
    } else {
        &[]
    };
    let mut tried = Vec::with_capacity(CANDIDATES.len() + short.len());
    let mut chosen = 0;
    for (i, c) in CANDIDATES.iter().chain(short).enumerate() {
        let mut s = settings.clone();
        s.search = false;
        (c.apply)(&mut s);
        // Only the first candidate reports progress: the others read the same documents.
        let model = if i == 0 {
            Model::train_with_progress(docs, &s, progress)?
        } else {
            match Model::train(docs, &s) {
                Ok(m) => m,
                // A candidate that cannot train here (an empty vocabulary, say) is skipped.
                Err(_) => continue,
            }
        };
        let f1 = model.classifier.heldout_f1;
        tried.push((c.name.to_string(), f1));
        if best
            .as_ref()
            .is_none_or(|b| f1 > b.classifier.heldout_f1 + 1e-9)
        {
            chosen = tried.len() - 1;
            best = Some(model);
        }
    }
    let mut model = best.ok_or(TrainError::NoDocuments)?;
    model.meta.selection = Some(Selection {
        candidates: tried,
        chosen,
    });
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_by_the_median_word_count() {
        let docs = |lens: &[usize]| -> Vec<Document> {
            lens.iter()
                .map(|&n| Document::new("d", vec!["word"; n].join(" ")))
                .collect()
        };
        assert!(short_texts(&docs(&[3, 20, 500])));
        assert!(!short_texts(&docs(&[3, 21, 500])));
        assert!(short_texts(&docs(&[1, 2, 300, 400, 20])));
        assert!(!short_texts(&[]));
    }
}
