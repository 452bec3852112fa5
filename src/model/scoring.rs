//! From text to ranked outputs with explanations, for any model that scores TF-IDF rows: a
//! classifier's labels or a clustering's clusters. Batches run in parallel with per-worker
//! caches kept across batches.

use super::Model;
use crate::features::{RowView, Scratch, Vectorizer};
use crate::text::detect_any;
use rayon::prelude::*;
use std::sync::Mutex;

/// A model that turns TF-IDF rows into scores over named outputs.
pub trait Scorer: Sync {
    /// The text → row pipeline.
    fn vectorizer(&self) -> &Vectorizer;
    /// Scores in [0, 1] of every output into `scores`; returns the decided outputs.
    fn score(&self, row: RowView<'_>, threshold: Option<f64>, scores: &mut Vec<f64>) -> Vec<u32>;
    /// Weight of a feature for an output (what explanations rank terms by).
    fn weight(&self, feature: usize, output: usize) -> f32;
    /// Name of an output.
    fn output_name(&self, id: u32) -> &str;
}

/// One article's classification.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// Predicted label ids (possibly none: the model abstains); names via [`Model::label`].
    pub labels: Vec<u32>,
    /// Label ids with their calibrated scores, best first.
    pub scores: Vec<(u32, f64)>,
    /// Language of the article: detected ISO code, or the model language used.
    pub language: &'static str,
    /// Whether that language is one the model was trained with.
    pub language_supported: bool,
    /// Words that pushed the top label most, with their contribution.
    pub terms: Vec<(String, f64)>,
}

/// Options of classification.
#[derive(Debug, Clone, Default)]
pub struct ClassifyOptions {
    /// Keep only the best K scores (all when `None`).
    pub top: Option<usize>,
    /// Override the decision threshold (see [`Classifier::predict_row`](crate::classify::Classifier::predict_row)).
    pub threshold: Option<f64>,
    /// How many explaining terms to return.
    pub n_terms: usize,
}

/// Score one text with any [`Scorer`], reusing `scratch` (from [`Vectorizer::scratch`]).
pub fn classify_with<S: Scorer + ?Sized>(
    scorer: &S,
    text: &str,
    opts: &ClassifyOptions,
    scratch: &mut Scratch<'_>,
    buf: &mut RowBuf,
) -> Classification {
    let vectorizer = scorer.vectorizer();
    vectorizer.transform_into(text, scratch, &mut buf.indices, &mut buf.data);
    let row = crate::features::RowView {
        indices: &buf.indices,
        data: &buf.data,
    };
    let labels = scorer.score(row, opts.threshold, &mut buf.scores);
    let mut ranked: Vec<(u32, f64)> = buf
        .scores
        .iter()
        .enumerate()
        .map(|(c, &p)| (c as u32, p))
        .collect();
    ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let top = ranked.first().map_or(0, |r| r.0 as usize);
    if let Some(k) = opts.top {
        ranked.truncate(k);
    }
    let terms = explain(scorer, row, top, opts.n_terms, scratch);
    let a = &scratch.analyzed;
    let languages = &vectorizer.analyzer().config().languages;
    let model_lang = languages[a.language].code();
    // Stopwords of a model language make up a good share of any text in that language;
    // when they are scarce, ask a general detector which language this is.
    let confident = a.n_tokens >= 8 && f64::from(a.stop_hits) >= 0.15 * a.n_tokens as f64;
    let (language, language_supported) = if confident {
        (model_lang, true)
    } else {
        match detect_any(text) {
            Some(code) => (code, languages.iter().any(|l| l.code() == code)),
            None => (model_lang, true),
        }
    };
    Classification {
        labels,
        scores: ranked,
        language,
        language_supported,
        terms,
    }
}

/// The surface words of the features that push output `c` most for this row.
fn explain<S: Scorer + ?Sized>(
    scorer: &S,
    row: crate::features::RowView<'_>,
    c: usize,
    n: usize,
    scratch: &Scratch<'_>,
) -> Vec<(String, f64)> {
    if n == 0 {
        return Vec::new();
    }
    let mut contrib: Vec<(u32, f64)> = row
        .indices
        .iter()
        .zip(row.data)
        .map(|(&j, &x)| (j, f64::from(x) * f64::from(scorer.weight(j as usize, c))))
        .filter(|&(_, v)| v > 0.0)
        .collect();
    let order = |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if contrib.len() > n {
        contrib.select_nth_unstable_by(n, order);
        contrib.truncate(n);
    }
    contrib.sort_unstable_by(order);
    let a = &scratch.analyzed;
    contrib
        .into_iter()
        .map(|(j, v)| {
            let stems = scorer.vectorizer().feature_stems(j as usize);
            // The words as written in this article, where the n-gram occurs in it.
            let found = (0..a.terms.len().saturating_sub(stems.len() - 1))
                .find(|&p| a.terms[p..p + stems.len()] == *stems);
            let word = match found {
                Some(p) => a.surfaces[p..p + stems.len()]
                    .iter()
                    .map(|&s| scratch.surface(s))
                    .collect::<Vec<_>>()
                    .join(" "),
                None => scorer.vectorizer().feature_display(j as usize),
            };
            (word, v)
        })
        .collect()
}

/// Classifies batches of articles with caches kept between batches (see [`Model::session`] and [`super::ClusterModel::session`]).
pub struct Session<'a, S: ?Sized = Model> {
    scorer: &'a S,
    pool: Mutex<Vec<(Scratch<'a>, RowBuf)>>,
}

/// Distinct surface forms a worker's cache may hold before it starts afresh (bounds memory on
/// endless streams; a cache refills in a few documents).
const MAX_CACHED_SURFACES: usize = 2_000_000;

impl<'a, S: Scorer + ?Sized> Session<'a, S> {
    /// A session over `scorer`.
    pub fn new(scorer: &'a S) -> Self {
        Session {
            scorer,
            pool: Mutex::new(Vec::new()),
        }
    }

    /// Classify many texts in parallel; item `i` is exactly [`classify_with`]`(texts[i])`.
    pub fn classify_batch(&self, texts: &[&str], opts: &ClassifyOptions) -> Vec<Classification> {
        let scorer = self.scorer;
        let vectorizer = scorer.vectorizer();
        texts
            .par_chunks(64)
            .flat_map_iter(|chunk| {
                let (mut scratch, mut buf) = self
                    .pool
                    .lock()
                    .ok()
                    .and_then(|mut p| p.pop())
                    .unwrap_or_else(|| (vectorizer.scratch(), RowBuf::default()));
                if scratch.cached_surfaces() > MAX_CACHED_SURFACES {
                    scratch = vectorizer.scratch();
                }
                let out: Vec<Classification> = chunk
                    .iter()
                    .map(|t| classify_with(scorer, t, opts, &mut scratch, &mut buf))
                    .collect();
                if let Ok(mut p) = self.pool.lock() {
                    p.push((scratch, buf));
                }
                out
            })
            .collect()
    }
}

/// Reusable buffers for one row.
#[derive(Debug, Default)]
pub struct RowBuf {
    indices: Vec<u32>,
    data: Vec<f32>,
    scores: Vec<f64>,
}
