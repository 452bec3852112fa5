//! Our own sparse TF-IDF (see DESIGN.md for why not linfa-preprocessing's): a vocabulary of
//! stem n-grams fixed at fit time with its document frequencies, smooth idf, sublinear tf and
//! L2-normalised CSR rows. Transforming one article gives exactly its row of a batch transform.

use super::csr::CsrMatrix;
use crate::model::file::InvalidModel;
use crate::settings::SettingsError;
use crate::text::strtable::{StrTable, Strs};
use crate::text::{Analyzed, Analyzer, Interner, OOV};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// A document-frequency bound: an absolute count of documents or a fraction of them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum DfBound {
    /// At least / at most this many documents.
    Count(u32),
    /// At least / at most this fraction of documents (0–1).
    Fraction(f64),
    /// As a minimum: 1 document under 50 documents, 2 under 1,000, 3 from 1,000 on. Terms
    /// seen in only two documents of a large corpus add features (memory, time) without
    /// evidence that generalises; on a small corpus they are much of what there is. Measured:
    /// see BENCHMARKS.md.
    Auto,
}

impl DfBound {
    /// The bound in documents for a corpus of `n_docs`.
    pub fn resolve(self, n_docs: usize) -> f64 {
        match self {
            DfBound::Count(c) => f64::from(c),
            DfBound::Fraction(f) => f * n_docs as f64,
            DfBound::Auto => match n_docs {
                0..=49 => 1.0,
                50..=999 => 2.0,
                _ => 3.0,
            },
        }
    }
}

impl std::str::FromStr for DfBound {
    type Err = SettingsError;
    /// `"2"` is a count, `"0.5"` a fraction, `"auto"` the size-dependent default.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "auto" {
            return Ok(DfBound::Auto);
        }
        if let Ok(c) = s.parse::<u32>() {
            return Ok(DfBound::Count(c));
        }
        match s.parse::<f64>() {
            Ok(f) if (0.0..=1.0).contains(&f) => Ok(DfBound::Fraction(f)),
            _ => Err(SettingsError::DfBound(s.to_string())),
        }
    }
}

impl std::fmt::Display for DfBound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DfBound::Count(c) => write!(f, "{c}"),
            // Always with a decimal point: a fraction of 1.0 is not a count of 1.
            DfBound::Fraction(x) => write!(f, "{x:?}"),
            DfBound::Auto => f.write_str("auto"),
        }
    }
}

/// TF-IDF settings, saved in the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfidfConfig {
    /// Drop terms in fewer documents than this.
    pub min_df: DfBound,
    /// Drop terms in more documents than this.
    pub max_df: DfBound,
    /// Keep only the most frequent terms (by corpus frequency).
    pub max_features: Option<usize>,
    /// Use `1 + ln(tf)` instead of raw counts.
    pub sublinear_tf: bool,
}

impl Default for TfidfConfig {
    fn default() -> Self {
        TfidfConfig {
            min_df: DfBound::Auto,
            max_df: DfBound::Fraction(1.0),
            max_features: None,
            sublinear_tf: true,
        }
    }
}

/// Errors fitting the vectorizer.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TfidfError {
    /// Nothing to fit on.
    #[error("no documents to learn a vocabulary from")]
    NoDocuments,
    /// Every term was filtered out.
    #[error("the vocabulary is empty after filtering (min_df={min_df}, max_df={max_df}): the texts have no usable words, or the bounds are too strict")]
    EmptyVocabulary {
        /// The min_df bound used.
        min_df: DfBound,
        /// The max_df bound used.
        max_df: DfBound,
    },
    /// min_df above max_df.
    #[error("min_df {0} ({min} documents) is above max_df {1} ({max} of the {n} documents): no word can pass both", min = .2, max = .3, n = .4)]
    Bounds(DfBound, DfBound, f64, f64, usize),
    /// The distinct words of the training texts need more memory than the budget allows.
    #[error("the training texts have too many distinct words for the vocabulary memory budget: their tables passed {limit_mib} MiB (twice the {budget_mib} MiB budget) after {words} distinct words; raise it with {VOCAB_MEMORY_ENV}=MiB, or train on fewer or cleaner texts (random tokens, encoded blobs)")]
    TooManyWords {
        /// The budget in MiB.
        budget_mib: usize,
        /// The analysis limit in MiB (twice the budget).
        limit_mib: usize,
        /// Distinct words (surface forms) seen when the limit was passed.
        words: usize,
    },
    /// Every feature was below the document count the budget forced.
    #[error("no feature fits the vocabulary memory budget ({budget_mib} MiB, at most {max_features} features): {before} features are in fewer than {min_df} documents each; raise it with {VOCAB_MEMORY_ENV}=MiB")]
    BudgetEmptiesVocabulary {
        /// The budget in MiB.
        budget_mib: usize,
        /// Most features allowed.
        max_features: usize,
        /// Features the df bounds alone kept.
        before: u64,
        /// The min_df the budget forced.
        min_df: u32,
    },
    /// The vocabulary memory budget in the environment is not a number of MiB.
    #[error("{VOCAB_MEMORY_ENV}='{0}' is not a whole number of MiB (at least 1)")]
    BadBudget(String),
}

/// Default vocabulary memory budget: 256 MiB (see [`vocab_memory`]).
pub const DEFAULT_VOCAB_MEMORY: usize = 256 << 20;

/// Environment variable that sets the vocabulary memory budget, in MiB, for every fit of the
/// process (unless [`set_vocab_memory`] was called): `VEILLE_VOCAB_MEMORY_MB=1024 veille train
/// ...`.
pub const VOCAB_MEMORY_ENV: &str = "VEILLE_VOCAB_MEMORY_MB";

/// Bytes of counting table the budget assumes per distinct n-gram (key, counts, hash-table
/// slack), and held by the per-thread tables and their merge at once.
const COUNT_ENTRY_BYTES: u64 = 2 * 80;

/// Bytes the budget assumes per kept feature over a whole training run: the vectorizer's own
/// tables (n-gram, df, idf, lookup) and what scales with features after it (an estimator's
/// weights for a few dozen labels, the rows' non-zeros). Measured on 20 Newsgroups train
/// (20 labels) with `--min-df 1 --ngrams 1-4`: see BENCHMARKS.md ("Issue 9: memory bounds").
pub const BYTES_PER_FEATURE: usize = 256;

static VOCAB_MEMORY: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Set the vocabulary memory budget, in bytes, for the fits that follow in this process
/// (0 goes back to the default). See [`vocab_memory`].
pub fn set_vocab_memory(bytes: usize) {
    VOCAB_MEMORY.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// The vocabulary memory budget in bytes: the value given to [`set_vocab_memory`], else
/// [`VOCAB_MEMORY_ENV`] (MiB) when set, else [`DEFAULT_VOCAB_MEMORY`].
///
/// It bounds two things while fitting: the n-gram counting tables (counted in several passes
/// over shards of the n-gram key space when one pass would not fit; the result is the same),
/// and the number of features, `budget / BYTES_PER_FEATURE` (1,048,576 by default): when the
/// df bounds would keep more, min_df is raised to the smallest document count that fits and
/// [`Vectorizer::pruning`] says what was cut. With the default budget a training run stays
/// under about 1 GB; the default pipeline (min_df 3 from 1,000 documents) never reaches it on
/// the project's corpora.
pub fn vocab_memory() -> Result<usize, TfidfError> {
    match VOCAB_MEMORY.load(std::sync::atomic::Ordering::Relaxed) {
        0 => match std::env::var(VOCAB_MEMORY_ENV) {
            Ok(v) => match v.trim().parse::<usize>() {
                Ok(mb) if mb >= 1 => Ok(mb.saturating_mul(1 << 20)),
                _ => Err(TfidfError::BadBudget(v)),
            },
            Err(_) => Ok(DEFAULT_VOCAB_MEMORY),
        },
        b => Ok(b),
    }
}

/// What the vocabulary memory budget cut from a fit (see [`vocab_memory`]).
#[derive(Debug, Clone, PartialEq)]
pub struct VocabPruning {
    /// The budget in bytes.
    pub budget_bytes: usize,
    /// Most features the budget allows.
    pub max_features: usize,
    /// Features the df bounds alone would have kept.
    pub features_before: u64,
    /// Features removed by raising min_df (`features_before` minus what is kept).
    pub features_cut: u64,
    /// min_df in documents as asked (resolved for the corpus).
    pub min_df_asked: f64,
    /// The min_df in documents that was used instead.
    pub min_df_used: u32,
}

impl std::fmt::Display for VocabPruning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the vocabulary memory budget ({} MiB, at most {} features) cut {} of {} features: min_df raised from {} to {} documents; raise the budget with {VOCAB_MEMORY_ENV}=MiB to keep more",
            self.budget_bytes >> 20,
            self.max_features,
            self.features_cut,
            self.features_before,
            self.min_df_asked,
            self.min_df_used
        )
    }
}

/// Lookup tables rebuilt from the serialised vocabulary.
#[derive(Debug, Default, Clone)]
struct Lookup {
    /// Stem → stem id (the stems in id order, in one buffer: no allocation per stem).
    stem_ids: StrTable,
    /// Unigram feature column of each stem, or [`OOV`].
    unigram: Vec<u32>,
    /// Feature column of each bigram, keyed by its two stem ids (the common case, and a
    /// cheaper key than the general one).
    bigrams: FxHashMap<u64, u32>,
    /// Feature column of each n-gram (n >= 3), keyed by [`pack`].
    ngrams: FxHashMap<u128, u32>,
}

/// Pack the stem ids of an n-gram (n <= 4) into one key; ids are shifted by one so that
/// n-grams of different lengths never collide.
fn pack(ids: &[u32]) -> u128 {
    ids.iter()
        .enumerate()
        .fold(0u128, |k, (i, &id)| k | (u128::from(id + 1) << (32 * i)))
}

/// The fitted text → TF-IDF row pipeline: the analyzer plus the vocabulary and its idf.
#[derive(Serialize, Deserialize, Clone)]
#[serde(try_from = "VectorizerData", into = "VectorizerData")]
pub struct Vectorizer {
    analyzer: Analyzer,
    config: TfidfConfig,
    n_docs: u64,
    /// Stems used by at least one feature, sorted.
    stems: Strs,
    /// The most frequent surface form of each stem (for display).
    display: Strs,
    /// Feature n-grams as stem ids, flattened; `gram_len[f]` ids each.
    grams: Vec<u32>,
    gram_len: Vec<u8>,
    gram_start: Vec<u32>,
    df: Vec<u32>,
    idf: Vec<f32>,
    /// Training documents per analyzer language.
    doc_languages: Vec<u64>,
    lookup: Lookup,
    /// What the memory budget cut at fit time (not saved: a loaded model has `None`).
    pruning: Option<VocabPruning>,
}

#[derive(Serialize, Deserialize)]
struct VectorizerData {
    analyzer: Analyzer,
    config: TfidfConfig,
    n_docs: u64,
    stems: Strs,
    display: Strs,
    grams: Vec<u32>,
    gram_len: Vec<u8>,
    df: Vec<u32>,
    #[serde(with = "crate::model::file::f32_block")]
    idf: Vec<f32>,
    doc_languages: Vec<u64>,
}

/// Largest idf a saved vocabulary may hold.
const MAX_IDF: f32 = 64.0;

impl TryFrom<VectorizerData> for Vectorizer {
    type Error = InvalidModel;
    /// A saved vocabulary is checked before its lookup tables are built from it: a model file
    /// is input like any other, and a crafted one must not make indexing panic.
    fn try_from(d: VectorizerData) -> Result<Self, InvalidModel> {
        let n = d.idf.len();
        if d.df.len() != n || d.gram_len.len() != n {
            return Err(InvalidModel(format!(
                "vocabulary of {n} features with {} df and {} n-gram lengths",
                d.df.len(),
                d.gram_len.len()
            )));
        }
        if d.gram_len.iter().any(|&l| !(1..=4).contains(&l)) {
            return Err("an n-gram length outside 1..=4".into());
        }
        let total: usize = d.gram_len.iter().map(|&l| usize::from(l)).sum();
        if total != d.grams.len() {
            return Err(InvalidModel(format!(
                "n-grams hold {} stem ids, expected {total}",
                d.grams.len()
            )));
        }
        if d.grams.iter().any(|&g| g as usize >= d.stems.len()) {
            return Err("an n-gram refers to a stem that does not exist".into());
        }
        if d.display.len() != d.stems.len() {
            return Err("display forms and stems differ in number".into());
        }
        if d.doc_languages.len() != d.analyzer.config().languages.len() {
            return Err("language counts and analyzer languages differ in number".into());
        }
        // Smooth idf is 1 + ln((1 + n) / (1 + df)), below 46 for any document count: a larger
        // one can only be crafted, and makes tf × idf overflow f32 (infinite, then NaN, scores).
        if d.idf.iter().any(|v| !(0.0..=MAX_IDF).contains(v)) {
            return Err(InvalidModel(format!("an idf outside 0..={MAX_IDF}")));
        }
        let mut v = Vectorizer {
            analyzer: d.analyzer,
            config: d.config,
            n_docs: d.n_docs,
            stems: d.stems,
            display: d.display,
            grams: d.grams,
            gram_len: d.gram_len,
            gram_start: Vec::new(),
            df: d.df,
            idf: d.idf,
            doc_languages: d.doc_languages,
            lookup: Lookup::default(),
            pruning: None,
        };
        v.rebuild_lookup();
        Ok(v)
    }
}

impl From<Vectorizer> for VectorizerData {
    fn from(v: Vectorizer) -> Self {
        VectorizerData {
            analyzer: v.analyzer,
            config: v.config,
            n_docs: v.n_docs,
            stems: v.stems,
            display: v.display,
            grams: v.grams,
            gram_len: v.gram_len,
            df: v.df,
            idf: v.idf,
            doc_languages: v.doc_languages,
        }
    }
}

/// Bytes of heap the word cache of one [`Scratch`] (surface form → term id, at transform and
/// classify time) may hold before it starts afresh, checked before each document. Memory of
/// a long stream of new words (random tokens, names, ids) stays flat: at most about twice this
/// per worker thread on top of the model (a table doubles its capacity when it grows). A cache refills in a few documents of real text, and
/// its results are the same either way (it only saves stemming again). Raise it (a constant)
/// only for throughput on streams with an unusually large working vocabulary.
pub const MAX_CACHE_BYTES: usize = 16 << 20;

/// Per-document buffers holding more than this many bytes after a document (one very long
/// article) are released before the next one instead of being kept for reuse.
pub const MAX_KEPT_BUFFER_BYTES: usize = 8 << 20;

/// Reusable per-worker state for transforming documents.
pub struct Scratch<'a> {
    cache: crate::text::TokenCache<&'a StrTable>,
    /// The last analysed document.
    pub analyzed: Analyzed,
    cols: Vec<u32>,
    /// The last document's n-grams by passages: `column << 32 | passage`, sorted.
    entries: Vec<u64>,
    part_starts: Vec<u32>,
    row_idx: Vec<u32>,
    row_val: Vec<f32>,
    cache_limit: usize,
}

/// Passage key of an n-gram that spans two passages (it counts in the article's row only).
const NO_PART: u32 = u32::MAX;

impl<'a> Scratch<'a> {
    /// Distinct surface forms cached so far.
    pub fn cached_surfaces(&self) -> usize {
        self.cache.surfaces.len()
    }

    /// The surface form of a surface id of the last analysed document.
    pub fn surface(&self, surface_id: u32) -> &str {
        self.cache.surfaces.get(surface_id)
    }

    /// Lower (or raise) the word cache's bound from [`MAX_CACHE_BYTES`] (tests, tuning).
    pub fn set_cache_limit(&mut self, bytes: usize) {
        self.cache_limit = bytes;
    }

    /// Bytes of heap held: the word cache and the per-document buffers.
    pub fn heap_bytes(&self) -> usize {
        self.cache.heap_bytes() + self.analyzed.heap_bytes() + self.buffer_bytes()
    }

    /// Bytes of heap the per-document row buffers hold.
    fn buffer_bytes(&self) -> usize {
        let u = std::mem::size_of::<u32>();
        (self.cols.capacity()
            + self.part_starts.capacity()
            + self.row_idx.capacity()
            + self.row_val.capacity())
            * u
            + self.entries.capacity() * std::mem::size_of::<u64>()
    }

    /// Keep memory within the cache limit and [`MAX_KEPT_BUFFER_BYTES`] (called before
    /// each document: the last document's surface ids are not needed any more).
    fn bound(&mut self) {
        if self.cache.heap_bytes() > self.cache_limit {
            self.cache.reset();
        }
        if self.analyzed.heap_bytes() > MAX_KEPT_BUFFER_BYTES {
            self.analyzed = Analyzed::default();
        }
        if self.buffer_bytes() > MAX_KEPT_BUFFER_BYTES {
            self.cols = Vec::new();
            self.entries = Vec::new();
            self.part_starts = Vec::new();
            self.row_idx = Vec::new();
            self.row_val = Vec::new();
        }
    }
}

/// Per-part output of the analysis pass while fitting.
struct PartTerms {
    stems: StrTable,
    offsets: Vec<usize>,
    terms: Vec<u32>,
    /// The part's surface forms.
    surface_forms: StrTable,
    /// (local term, surface, count) candidates for display forms.
    surfaces: Vec<(u32, u32, u32)>,
    /// Documents per analyzer language.
    languages: Vec<u64>,
}

impl Vectorizer {
    /// Learn the vocabulary and idf from `texts` and return the fitted vectorizer with the
    /// TF-IDF matrix of the same texts. `progress` is called with the number of documents
    /// analysed since its last call. The analyzer's fallback language becomes the one most
    /// of `texts` are in ([`Analyzer::with_majority_first`]).
    pub fn fit_transform(
        analyzer: Analyzer,
        config: TfidfConfig,
        texts: &[&str],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<(Vectorizer, CsrMatrix), TfidfError> {
        let n = texts.len();
        if n == 0 {
            return Err(TfidfError::NoDocuments);
        }
        let analyzer = analyzer.with_majority_first(texts);
        let min_df = config.min_df.resolve(n);
        // A document-frequency ceiling means nothing on a handful of documents (half of 3 is
        // 1.5): below 20 documents, max_df is not applied.
        let max_df = if n < 20 {
            n as f64
        } else {
            config.max_df.resolve(n)
        };
        if min_df > max_df {
            return Err(TfidfError::Bounds(
                config.min_df,
                config.max_df,
                min_df,
                max_df,
                n,
            ));
        }

        // 1. Analyse, in contiguous parts balanced by bytes, one interner per part: one part
        // per thread, since each part stems its distinct words again (measured: 12% faster
        // training on 20 Newsgroups than two parts per thread).
        // The word tables of all parts together stay within twice the budget, else the fit is
        // refused (where exactly it stops can vary with the number of parts, the outcome not
        // unless the tables are within a part's share of the limit).
        let budget = vocab_memory()?;
        let limit = TableLimit {
            bytes: budget.saturating_mul(2),
            used: AtomicUsize::new(0),
            words: AtomicUsize::new(0),
            passed: AtomicBool::new(false),
        };
        let parts = split_by_bytes(texts, rayon::current_num_threads().max(1));
        let analysed: Vec<PartTerms> = parts
            .par_iter()
            .map(|range| analyse_part(&analyzer, &texts[range.clone()], progress, &limit))
            .collect();
        if limit.passed.load(Ordering::Relaxed) {
            return Err(TfidfError::TooManyWords {
                budget_mib: budget >> 20,
                limit_mib: limit.bytes >> 20,
                words: limit.words.load(Ordering::Relaxed),
            });
        }

        // 2. One sorted stem list (borrowed from the parts: only kept stems are copied, at
        // step 5), and each part's local ids mapped onto it: one sort of (stem, part, local
        // id) entries gives both.
        let mut entries: Vec<(u64, &str, u32, u32)> = analysed
            .iter()
            .enumerate()
            .flat_map(|(p, part)| {
                part.stems
                    .iter()
                    .enumerate()
                    .map(move |(i, s)| (order_key(s), s, p as u32, i as u32))
            })
            .collect();
        entries.par_sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let mut remaps: Vec<Vec<u32>> = analysed.iter().map(|p| vec![OOV; p.stems.len()]).collect();
        let mut all_stems: Vec<&str> = Vec::new();
        for (i, &(_, s, p, local)) in entries.iter().enumerate() {
            if i == 0 || entries[i - 1].1 != s {
                all_stems.push(s);
            }
            remaps[p as usize][local as usize] = (all_stems.len() - 1) as u32;
        }
        drop(entries);
        let seqs: Vec<(Vec<usize>, Vec<u32>)> = analysed
            .par_iter()
            .zip(&remaps)
            .map(|(p, map)| {
                (
                    p.offsets.clone(),
                    p.terms.iter().map(|&t| map[t as usize]).collect(),
                )
            })
            .collect();

        // 3. Document and term frequencies of every candidate n-gram, counted in shards of the
        // n-gram key space small enough for the memory budget, and 4. features selected by df
        // bounds (min_df raised when the vocabulary would not fit the budget), then by corpus
        // frequency if max_features is set.
        let (lo, hi) = analyzer.config().ngram_range;
        let n_stems = all_stems.len();
        let windows: u64 = seqs
            .iter()
            .flat_map(|(offsets, _)| offsets.windows(2))
            .map(|w| {
                let len = (w[1] - w[0]) as u64;
                (lo.max(2)..=hi)
                    .map(|n| len.saturating_sub(n as u64 - 1))
                    .sum::<u64>()
            })
            .sum();
        let (mut candidates, pruning) =
            count_and_select(&seqs, n_stems, (lo, hi), (min_df, max_df), windows, budget);
        if let Some(maxf) = config.max_features {
            if candidates.len() > maxf {
                candidates.sort_unstable_by(|a, b| b.tf.cmp(&a.tf).then_with(|| a.ids.cmp(&b.ids)));
                candidates.truncate(maxf);
            }
        }
        if let (true, Some(p)) = (candidates.is_empty(), &pruning) {
            return Err(TfidfError::BudgetEmptiesVocabulary {
                budget_mib: p.budget_bytes >> 20,
                max_features: p.max_features,
                before: p.features_before,
                min_df: p.min_df_used,
            });
        }
        if candidates.is_empty() {
            return Err(TfidfError::EmptyVocabulary {
                min_df: config.min_df,
                max_df: config.max_df,
            });
        }
        candidates.sort_unstable_by_key(|c| c.ids);

        // 5. Keep only the stems the features use, renumbered in the same (sorted) order.
        let mut used = vec![false; n_stems];
        for c in &candidates {
            for s in c.stems() {
                used[s as usize] = true;
            }
        }
        let mut renum = vec![OOV; n_stems];
        let mut stems = Strs::default();
        for (i, s) in all_stems.into_iter().enumerate() {
            if used[i] {
                renum[i] = stems.len() as u32;
                stems.push(s);
            }
        }
        let display = display_forms(&analysed, &remaps, &renum, &stems);

        let mut grams = Vec::new();
        let mut gram_len = Vec::new();
        let mut df = Vec::new();
        let mut idf = Vec::new();
        for c in &candidates {
            let g = c.stems();
            grams.extend(g.iter().map(|&s| renum[s as usize]));
            gram_len.push(g.len() as u8);
            df.push(c.df);
            idf.push((((1 + n) as f64 / (1 + c.df) as f64).ln() + 1.0) as f32);
        }
        drop(candidates);
        let mut doc_languages = vec![0u64; analyzer.config().languages.len()];
        for p in &analysed {
            for (a, b) in doc_languages.iter_mut().zip(&p.languages) {
                *a += b;
            }
        }
        let mut v = Vectorizer {
            analyzer,
            config,
            n_docs: n as u64,
            doc_languages,
            stems,
            display,
            grams,
            gram_len,
            gram_start: Vec::new(),
            df,
            idf,
            lookup: Lookup::default(),
            pruning,
        };
        v.rebuild_lookup();

        // 6. Rows of the training texts, from the sequences already analysed.
        let blocks: Vec<CsrMatrix> = seqs
            .par_iter()
            .map(|(offsets, terms)| {
                let mut m = CsrMatrix::new(v.n_features());
                let mut cols = Vec::new();
                let mut doc = Vec::new();
                let (mut idx, mut val) = (Vec::new(), Vec::new());
                for w in offsets.windows(2) {
                    doc.clear();
                    doc.extend(terms[w[0]..w[1]].iter().map(|&t| renum[t as usize]));
                    v.row_from_terms(&doc, &mut cols, &mut idx, &mut val);
                    m.push_row(&idx, &val);
                }
                m
            })
            .collect();
        let mut x = CsrMatrix::new(v.n_features());
        for b in &blocks {
            x.append(b);
        }
        Ok((v, x))
    }

    fn rebuild_lookup(&mut self) {
        // The stem table and the n-gram tables are independent: built side by side (model
        // loading is serial work before any article is read).
        let (stems, grams, gram_len) = (&self.stems, &self.grams, &self.gram_len);
        let intern_stems = || StrTable::indexed(stems);
        let index_grams = || {
            let n_bigrams = gram_len.iter().filter(|&&l| l == 2).count();
            let n_longer = gram_len.iter().filter(|&&l| l > 2).count();
            let mut unigram = vec![OOV; stems.len()];
            let mut bigrams = FxHashMap::with_capacity_and_hasher(n_bigrams, Default::default());
            let mut ngrams = FxHashMap::with_capacity_and_hasher(n_longer, Default::default());
            let mut gram_start = Vec::with_capacity(gram_len.len());
            let mut start = 0u32;
            for (f, &len) in gram_len.iter().enumerate() {
                gram_start.push(start);
                let g = &grams[start as usize..start as usize + len as usize];
                match len {
                    1 => unigram[g[0] as usize] = f as u32,
                    2 => {
                        bigrams.insert(pack2(g[0], g[1]), f as u32);
                    }
                    _ => {
                        ngrams.insert(pack(g), f as u32);
                    }
                }
                start += u32::from(len);
            }
            (unigram, bigrams, ngrams, gram_start)
        };
        let (stem_ids, (unigram, bigrams, ngrams, gram_start)) =
            rayon::join(intern_stems, index_grams);
        self.gram_start = gram_start;
        self.lookup = Lookup {
            stem_ids,
            unigram,
            bigrams,
            ngrams,
        };
    }

    /// What the vocabulary memory budget cut when this vectorizer was fitted (`None` when
    /// nothing was, and for a vectorizer loaded from a file: not saved).
    pub fn pruning(&self) -> Option<&VocabPruning> {
        self.pruning.as_ref()
    }

    /// Number of features (columns).
    pub fn n_features(&self) -> usize {
        self.idf.len()
    }

    /// The analyzer.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The TF-IDF settings.
    pub fn config(&self) -> &TfidfConfig {
        &self.config
    }

    /// Training documents per analyzer language (same order as the analyzer's languages).
    pub fn doc_languages(&self) -> &[u64] {
        &self.doc_languages
    }

    /// Number of training documents the idf was computed from.
    pub fn n_docs(&self) -> u64 {
        self.n_docs
    }

    /// Document frequency of a feature.
    pub fn df(&self, feature: usize) -> u32 {
        self.df[feature]
    }

    /// Inverse document frequency of a feature.
    pub fn idf(&self, feature: usize) -> f32 {
        self.idf[feature]
    }

    /// Stem ids of a feature's n-gram.
    pub fn feature_stems(&self, feature: usize) -> &[u32] {
        let s = self.gram_start[feature] as usize;
        &self.grams[s..s + self.gram_len[feature] as usize]
    }

    /// The feature as stems joined by spaces (e.g. `"export control"`).
    pub fn feature_name(&self, feature: usize) -> String {
        self.join(feature, &self.stems)
    }

    /// The feature as readable words: the most frequent surface form of each stem.
    pub fn feature_display(&self, feature: usize) -> String {
        self.join(feature, &self.display)
    }

    fn join(&self, feature: usize, words: &Strs) -> String {
        let ids = self.feature_stems(feature);
        let mut out = String::new();
        for (i, &s) in ids.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(words.get(s as usize));
        }
        out
    }

    /// A fresh scratch space for [`Vectorizer::transform_into`].
    pub fn scratch(&self) -> Scratch<'_> {
        Scratch {
            cache: self.analyzer.cache(&self.lookup.stem_ids),
            analyzed: Analyzed::default(),
            cols: Vec::new(),
            entries: Vec::new(),
            part_starts: Vec::new(),
            row_idx: Vec::new(),
            row_val: Vec::new(),
            cache_limit: MAX_CACHE_BYTES,
        }
    }

    /// Transform one text into its TF-IDF row (`indices` sorted, `data` L2-normalised).
    /// The analysed tokens stay in `scratch.analyzed` for explanations.
    pub fn transform_into(
        &self,
        text: &str,
        scratch: &mut Scratch<'_>,
        indices: &mut Vec<u32>,
        data: &mut Vec<f32>,
    ) {
        scratch.bound();
        self.analyzer
            .analyze(text, &mut scratch.cache, &mut scratch.analyzed);
        self.row_from_terms(&scratch.analyzed.terms, &mut scratch.cols, indices, data);
    }

    /// Like [`Vectorizer::transform_into`] (the same row), analysing `text` by the passages
    /// `ranges` (from [`passages`](crate::text::passages::passages)) so that
    /// [`Vectorizer::passage_rows_into`] can then give each passage's own row.
    pub fn transform_passages_into(
        &self,
        text: &str,
        ranges: &[std::ops::Range<usize>],
        scratch: &mut Scratch<'_>,
        indices: &mut Vec<u32>,
        data: &mut Vec<f32>,
    ) {
        scratch.bound();
        self.analyzer
            .analyze_passages(text, ranges, &mut scratch.cache, &mut scratch.analyzed);
        // Each n-gram is looked up once, keyed by its column and its passage (or none, when
        // it spans two), and sorted once: the article's row reads the columns in order, and
        // each passage's row is its share of the same order (see `passage_rows_into`).
        let a = &scratch.analyzed;
        let entries = &mut scratch.entries;
        entries.clear();
        let ends = &a.part_ends;
        let (mut part, mut length) = (0usize, 0usize);
        self.for_each_gram(&a.terms, |start, n, c| {
            // Starts rise within each n-gram length: rewind when a new length begins.
            if n != length {
                (part, length) = (0, n);
            }
            while ends[part] as usize <= start {
                part += 1;
            }
            let key = if start + n <= ends[part] as usize {
                part as u32
            } else {
                NO_PART
            };
            entries.push(u64::from(c) << 32 | u64::from(key));
        });
        entries.sort_unstable();
        self.emit_row(entries.iter().map(|&k| (k >> 32) as u32), indices, data);
    }

    /// Append to `rows` the TF-IDF row of each passage of the document last analysed by
    /// [`Vectorizer::transform_passages_into`], in order: the row
    /// [`Vectorizer::transform_into`] gives the passage's text alone, n-grams across its
    /// edges left out.
    pub fn passage_rows_into(&self, scratch: &mut Scratch<'_>, rows: &mut CsrMatrix) {
        let n_parts = scratch.analyzed.part_ends.len();
        // A counting sort by passage keeps each passage's columns in their sorted order.
        // Passage p's count goes to starts[p + 2]; after the prefix sum starts[p + 1] is where
        // p begins, and placing advances it to where p ends, so that p ends up spanning
        // starts[p]..starts[p + 1].
        let starts = &mut scratch.part_starts;
        starts.clear();
        starts.resize(n_parts + 2, 0);
        let passage = |k: u64| Some((k & 0xFFFF_FFFF) as u32).filter(|&p| p != NO_PART);
        for &k in &scratch.entries {
            if let Some(p) = passage(k) {
                starts[p as usize + 2] += 1;
            }
        }
        for p in 2..starts.len() {
            starts[p] += starts[p - 1];
        }
        let cols = &mut scratch.cols;
        cols.clear();
        cols.resize(starts[n_parts + 1] as usize, 0);
        for &k in &scratch.entries {
            if let Some(p) = passage(k) {
                let at = &mut starts[p as usize + 1];
                cols[*at as usize] = (k >> 32) as u32;
                *at += 1;
            }
        }
        let (idx, val) = (&mut scratch.row_idx, &mut scratch.row_val);
        for p in 0..n_parts {
            let part = &cols[starts[p] as usize..starts[p + 1] as usize];
            self.emit_row(part.iter().copied(), idx, val);
            rows.push_row(idx, val);
        }
    }

    /// The TF-IDF row of a sequence of term ids (as in [`Analyzed::terms`]): a fragment of
    /// a document, or several documents read as one.
    pub fn terms_row_into(
        &self,
        terms: &[u32],
        scratch: &mut Scratch<'_>,
        indices: &mut Vec<u32>,
        data: &mut Vec<f32>,
    ) {
        self.row_from_terms(terms, &mut scratch.cols, indices, data);
    }

    /// How much evidence a row carries: its distinct known words (unigram features; every
    /// feature for a model without unigrams).
    pub fn evidence(&self, indices: &[u32]) -> usize {
        if self.analyzer.config().ngram_range.0 > 1 {
            return indices.len();
        }
        indices
            .iter()
            .filter(|&&c| self.gram_len[c as usize] == 1)
            .count()
    }

    /// Transform one text (convenience; batch work should reuse a [`Scratch`]).
    pub fn transform_one(&self, text: &str) -> (Vec<u32>, Vec<f32>) {
        let mut scratch = self.scratch();
        let (mut i, mut d) = (Vec::new(), Vec::new());
        self.transform_into(text, &mut scratch, &mut i, &mut d);
        (i, d)
    }

    /// Transform many texts in parallel; row `i` is exactly `transform_one(texts[i])`.
    pub fn transform(&self, texts: &[&str]) -> CsrMatrix {
        let pool: Mutex<Vec<Scratch<'_>>> = Mutex::new(Vec::new());
        let blocks: Vec<CsrMatrix> = texts
            .par_chunks(256)
            .map(|chunk| {
                let mut scratch = pool
                    .lock()
                    .ok()
                    .and_then(|mut p| p.pop())
                    .unwrap_or_else(|| self.scratch());
                let mut m = CsrMatrix::new(self.n_features());
                let (mut idx, mut val) = (Vec::new(), Vec::new());
                for t in chunk {
                    self.transform_into(t, &mut scratch, &mut idx, &mut val);
                    m.push_row(&idx, &val);
                }
                if let Ok(mut p) = pool.lock() {
                    p.push(scratch);
                }
                m
            })
            .collect();
        let mut x = CsrMatrix::new(self.n_features());
        for b in &blocks {
            x.append(b);
        }
        x
    }

    /// Build a TF-IDF row from a sequence of stem ids (OOV allowed).
    fn row_from_terms(
        &self,
        terms: &[u32],
        cols: &mut Vec<u32>,
        indices: &mut Vec<u32>,
        data: &mut Vec<f32>,
    ) {
        cols.clear();
        self.for_each_gram(terms, |_, _, c| cols.push(c));
        cols.sort_unstable();
        self.emit_row(cols.iter().copied(), indices, data);
    }

    /// Call `f(start, n, column)` for each n-gram of `terms` that is a feature, n-gram
    /// lengths in turn, each in text order.
    #[inline]
    fn for_each_gram(&self, terms: &[u32], mut f: impl FnMut(usize, usize, u32)) {
        let (lo, hi) = self.analyzer.config().ngram_range;
        for n in lo..=hi {
            if n == 1 {
                for (i, &t) in terms.iter().enumerate() {
                    if t != OOV {
                        let c = self.lookup.unigram[t as usize];
                        if c != OOV {
                            f(i, 1, c);
                        }
                    }
                }
            } else if n == 2 {
                for (i, w) in terms.windows(2).enumerate() {
                    if w[0] == OOV || w[1] == OOV {
                        continue;
                    }
                    if let Some(&c) = self.lookup.bigrams.get(&pack2(w[0], w[1])) {
                        f(i, 2, c);
                    }
                }
            } else {
                for (i, w) in terms.windows(n).enumerate() {
                    if w.contains(&OOV) {
                        continue;
                    }
                    if let Some(&c) = self.lookup.ngrams.get(&pack(w)) {
                        f(i, n, c);
                    }
                }
            }
        }
    }

    /// The TF-IDF row of the feature columns `cols` (sorted, a column once per occurrence).
    fn emit_row(
        &self,
        cols: impl Iterator<Item = u32>,
        indices: &mut Vec<u32>,
        data: &mut Vec<f32>,
    ) {
        indices.clear();
        data.clear();
        let mut norm = 0f64;
        let mut push = |c: u32, count: usize| {
            let tf = count as f64;
            // Most terms occur once in a document, and ln(1) is exactly 0: skip the call.
            let tf = if self.config.sublinear_tf && count > 1 {
                1.0 + tf.ln()
            } else {
                tf
            };
            let v = tf * f64::from(self.idf[c as usize]);
            norm += v * v;
            indices.push(c);
            data.push(v as f32);
        };
        let mut run: Option<(u32, usize)> = None;
        for c in cols {
            match &mut run {
                Some((r, k)) if *r == c => *k += 1,
                _ => {
                    if let Some((r, k)) = run {
                        push(r, k);
                    }
                    run = Some((c, 1));
                }
            }
        }
        if let Some((r, k)) = run {
            push(r, k);
        }
        if norm > 0.0 {
            let inv = 1.0 / norm.sqrt();
            for d in data.iter_mut() {
                *d = (f64::from(*d) * inv) as f32;
            }
        }
    }
}

/// The first 8 bytes of `s` as a big-endian integer, zero-padded: it orders strings as their
/// bytes do, except for ties, so a sort on (key, string) compares integers most of the time.
fn order_key(s: &str) -> u64 {
    let mut b = [0u8; 8];
    let n = s.len().min(8);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    u64::from_be_bytes(b)
}

/// Key of a bigram.
fn pack2(a: u32, b: u32) -> u64 {
    u64::from(a) | (u64::from(b) << 32)
}

fn unpack(key: u128) -> Vec<u32> {
    (0..4)
        .map(|i| ((key >> (32 * i)) & 0xFFFF_FFFF) as u32)
        .take_while(|&v| v != 0)
        .map(|v| v - 1)
        .collect()
}

/// Contiguous ranges of `texts` with roughly equal byte counts.
fn split_by_bytes(texts: &[&str], parts: usize) -> Vec<std::ops::Range<usize>> {
    let total: usize = texts.iter().map(|t| t.len()).sum();
    let target = total / parts.max(1) + 1;
    let mut out = Vec::new();
    let (mut start, mut acc) = (0, 0);
    for (i, t) in texts.iter().enumerate() {
        acc += t.len();
        if acc >= target {
            out.push(start..i + 1);
            start = i + 1;
            acc = 0;
        }
    }
    if start < texts.len() || out.is_empty() {
        out.push(start..texts.len());
    }
    out
}

/// The limit on the word tables of the analysis parts together.
struct TableLimit {
    bytes: usize,
    used: AtomicUsize,
    words: AtomicUsize,
    passed: AtomicBool,
}

fn analyse_part(
    analyzer: &Analyzer,
    texts: &[&str],
    progress: &(dyn Fn(usize) + Sync),
    limit: &TableLimit,
) -> PartTerms {
    let mut cache = analyzer.cache(Interner::default());
    let mut out = Analyzed::default();
    let mut offsets = Vec::with_capacity(texts.len() + 1);
    offsets.push(0);
    let mut terms = Vec::new();
    let mut languages = vec![0u64; analyzer.config().languages.len()];
    let (mut counted, mut counted_words) = (0usize, 0usize);
    for (i, t) in texts.iter().enumerate() {
        analyzer.analyze(t, &mut cache, &mut out);
        // Each document adds at most MAX_ANALYSED_BYTES of new words: checked between them.
        let bytes = cache.heap_bytes() + cache.term_map.stems.heap_bytes();
        let words = cache.surfaces.len();
        let used = limit.used.fetch_add(bytes - counted, Ordering::Relaxed) + bytes - counted;
        let all_words = limit
            .words
            .fetch_add(words - counted_words, Ordering::Relaxed)
            + words
            - counted_words;
        (counted, counted_words) = (bytes, words);
        if used > limit.bytes {
            limit.passed.store(true, Ordering::Relaxed);
            limit.words.store(all_words, Ordering::Relaxed);
        }
        if limit.passed.load(Ordering::Relaxed) {
            break;
        }
        languages[out.language] += 1;
        terms.extend_from_slice(&out.terms);
        offsets.push(terms.len());
        if i % 512 == 511 {
            progress(512);
        }
    }
    progress(texts.len() % 512);
    let n_lang = analyzer.config().languages.len();
    let mut surfaces = Vec::new();
    for s in 0..cache.surfaces.len() {
        for l in 0..n_lang {
            let count = cache.counts[s * n_lang + l];
            let t = cache.term_for(s as u32, l);
            if count > 0 && t != OOV {
                surfaces.push((t, s as u32, count));
            }
        }
    }
    PartTerms {
        stems: cache.term_map.stems,
        offsets,
        terms,
        surface_forms: cache.surfaces,
        surfaces,
        languages,
    }
}

/// A candidate feature: its stem ids (each plus one, zero-padded, so that the array orders
/// as the id sequences do, shorter first), document and corpus frequency.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    ids: [u32; 4],
    df: u32,
    tf: u64,
}

impl Candidate {
    fn new(stems: &[u32], df: u32, tf: u64) -> Self {
        let mut ids = [0; 4];
        for (o, &s) in ids.iter_mut().zip(stems) {
            *o = s + 1;
        }
        Candidate { ids, df, tf }
    }

    /// The stem ids.
    fn stems(&self) -> Vec<u32> {
        self.ids
            .iter()
            .take_while(|&&v| v != 0)
            .map(|&v| v - 1)
            .collect()
    }
}

/// Which of `shards` shards an n-gram key falls in (a fixed multiplicative hash: the same
/// split on every run and thread count).
fn shard_of(key: u128, shards: u64) -> u64 {
    if shards == 1 {
        return 0;
    }
    let h = (key as u64 ^ (key >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> 32) % shards
}

/// Count the n-grams of `seqs` and select the candidates within the df bounds, within the
/// memory `budget` (see [`vocab_memory`]); `windows` is the number of n-gram windows (n >= 2),
/// an upper bound on the distinct n-grams.
fn count_and_select(
    seqs: &[(Vec<usize>, Vec<u32>)],
    n_stems: usize,
    (lo, hi): (usize, usize),
    (min_df, max_df): (f64, f64),
    windows: u64,
    budget: usize,
) -> (Vec<Candidate>, Option<VocabPruning>) {
    let shards = (windows.saturating_mul(COUNT_ENTRY_BYTES) / budget.max(1) as u64 + 1).max(1);
    let max_features = (budget / BYTES_PER_FEATURE).max(1);
    let count = |shard: u64| {
        let counts: Vec<Counts> = seqs
            .par_iter()
            .map(|(offsets, terms)| count_part(offsets, terms, n_stems, lo, hi, (shard, shards)))
            .collect();
        let mut total = Counts::new(if shard == 0 { n_stems } else { 0 });
        for c in counts {
            total.merge(c);
        }
        total
    };
    let keep = |df: u32| f64::from(df) >= min_df && f64::from(df) <= max_df;
    // Candidates of one shard with df >= floor (unigrams with shard 0).
    let select = |total: &Counts, floor: f64, out: &mut Vec<Candidate>| {
        let pass = |df: u32| keep(df) && f64::from(df) >= floor;
        if lo == 1 {
            for (id, (&df, &tf)) in total.uni_df.iter().zip(&total.uni_tf).enumerate() {
                if df > 0 && pass(df) {
                    out.push(Candidate::new(&[id as u32], df, tf));
                }
            }
        }
        for (&key, &(df, tf, _)) in &total.bigrams {
            if pass(df) {
                out.push(Candidate::new(&[key as u32, (key >> 32) as u32], df, tf));
            }
        }
        for (&key, &(df, tf, _)) in &total.ngrams {
            if pass(df) {
                out.push(Candidate::new(&unpack(key), df, tf));
            }
        }
    };
    // Features per df within the bounds, to find the min_df that fits.
    let histogram = |total: &Counts, h: &mut std::collections::BTreeMap<u32, u64>| {
        let dfs = total
            .uni_df
            .iter()
            .filter(|_| lo == 1)
            .copied()
            .chain(total.bigrams.values().map(|e| e.0))
            .chain(total.ngrams.values().map(|e| e.0));
        for df in dfs {
            if df > 0 && keep(df) {
                *h.entry(df).or_insert(0) += 1;
            }
        }
    };
    let mut hist = std::collections::BTreeMap::new();
    let mut candidates = Vec::new();
    let one_pass = if shards == 1 {
        let total = count(0);
        histogram(&total, &mut hist);
        Some(total)
    } else {
        for shard in 0..shards {
            histogram(&count(shard), &mut hist);
        }
        None
    };
    let before: u64 = hist.values().sum();
    // The smallest df floor that keeps at most max_features.
    let mut floor = min_df;
    let mut kept = before;
    for (&df, &c) in &hist {
        if kept <= max_features as u64 {
            break;
        }
        kept -= c;
        floor = f64::from(df) + 1.0;
    }
    match one_pass {
        Some(total) => select(&total, floor, &mut candidates),
        None => {
            for shard in 0..shards {
                select(&count(shard), floor, &mut candidates);
            }
        }
    }
    let pruning = (floor > min_df).then(|| VocabPruning {
        budget_bytes: budget,
        max_features,
        features_before: before,
        features_cut: before - candidates.len() as u64,
        min_df_asked: min_df,
        min_df_used: floor as u32,
    });
    (candidates, pruning)
}

/// Document and corpus frequencies of unigrams and n-grams.
struct Counts {
    uni_df: Vec<u32>,
    uni_tf: Vec<u64>,
    uni_last: Vec<u32>,
    /// bigram key → (df, tf, last doc seen + 1)
    bigrams: FxHashMap<u64, (u32, u64, u32)>,
    /// n-gram key (n >= 3) → (df, tf, last doc seen + 1)
    ngrams: FxHashMap<u128, (u32, u64, u32)>,
}

impl Counts {
    fn new(n_stems: usize) -> Self {
        Counts {
            uni_df: vec![0; n_stems],
            uni_tf: vec![0; n_stems],
            uni_last: vec![0; n_stems],
            bigrams: FxHashMap::default(),
            ngrams: FxHashMap::default(),
        }
    }

    fn merge(&mut self, other: Counts) {
        for (a, b) in self.uni_df.iter_mut().zip(&other.uni_df) {
            *a += b;
        }
        for (a, b) in self.uni_tf.iter_mut().zip(&other.uni_tf) {
            *a += b;
        }
        merge_map(&mut self.bigrams, other.bigrams);
        merge_map(&mut self.ngrams, other.ngrams);
    }
}

fn merge_map<K: std::hash::Hash + Eq>(
    into: &mut FxHashMap<K, (u32, u64, u32)>,
    from: FxHashMap<K, (u32, u64, u32)>,
) {
    if into.is_empty() {
        *into = from;
        return;
    }
    for (k, (df, tf, _)) in from {
        let e = into.entry(k).or_insert((0, 0, 0));
        e.0 += df;
        e.1 += tf;
    }
}

/// Count one n-gram occurrence in document `mark`.
fn bump(e: &mut (u32, u64, u32), mark: u32) {
    e.1 += 1;
    if e.2 != mark {
        e.2 = mark;
        e.0 += 1;
    }
}

/// Counts of one part's documents: unigrams with shard 0 only, n-grams of shard `shard` of
/// `shards`.
fn count_part(
    offsets: &[usize],
    terms: &[u32],
    n_stems: usize,
    lo: usize,
    hi: usize,
    (shard, shards): (u64, u64),
) -> Counts {
    let unigrams = lo == 1 && shard == 0;
    let mut c = Counts::new(if unigrams { n_stems } else { 0 });
    for (d, w) in offsets.windows(2).enumerate() {
        let doc = &terms[w[0]..w[1]];
        let mark = d as u32 + 1;
        if unigrams {
            for &t in doc {
                let t = t as usize;
                c.uni_tf[t] += 1;
                if c.uni_last[t] != mark {
                    c.uni_last[t] = mark;
                    c.uni_df[t] += 1;
                }
            }
        }
        for n in lo.max(2)..=hi {
            if n == 2 {
                for g in doc.windows(2) {
                    let key = pack2(g[0], g[1]);
                    if shard_of(u128::from(key), shards) == shard {
                        bump(c.bigrams.entry(key).or_insert((0, 0, 0)), mark);
                    }
                }
            } else {
                for g in doc.windows(n) {
                    let key = pack(g);
                    if shard_of(key, shards) == shard {
                        bump(c.ngrams.entry(key).or_insert((0, 0, 0)), mark);
                    }
                }
            }
        }
    }
    c
}

/// The most frequent surface form of each kept stem (ties: the smallest string).
fn display_forms(parts: &[PartTerms], remaps: &[Vec<u32>], renum: &[u32], stems: &Strs) -> Strs {
    let mut all: Vec<(u32, u64, &str, u32)> = Vec::new();
    for (p, map) in parts.iter().zip(remaps) {
        for (t, s, c) in &p.surfaces {
            let g = renum[map[*t as usize] as usize];
            if g != OOV {
                let s = p.surface_forms.get(*s);
                all.push((g, order_key(s), s, *c));
            }
        }
    }
    all.par_sort_unstable_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    let mut best: Vec<(u64, &str)> = vec![(0, ""); stems.len()];
    let mut i = 0;
    while i < all.len() {
        let (g, s) = (all[i].0, all[i].2);
        let mut total = 0u64;
        while i < all.len() && all[i].0 == g && all[i].2 == s {
            total += u64::from(all[i].3);
            i += 1;
        }
        if total > best[g as usize].0 {
            best[g as usize] = (total, s);
        }
    }
    best.iter()
        .zip(stems.iter())
        .map(|(&(_, s), stem)| if s.is_empty() { stem } else { s })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::AnalyzerConfig;

    fn fit(texts: &[&str], config: TfidfConfig) -> (Vectorizer, CsrMatrix) {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        Vectorizer::fit_transform(a, config, texts, &|_| {}).unwrap()
    }

    const TEXTS: [&str; 4] = [
        "Export controls on advanced chips tighten again.",
        "New export controls target chip equipment makers.",
        "La souveraineté numérique de l'Europe passe par le cloud.",
        "Le cloud souverain européen attire les administrations.",
    ];

    #[test]
    fn passage_rows_are_the_rows_of_each_passage_alone() {
        let (v, _) = fit(
            &TEXTS,
            TfidfConfig {
                min_df: DfBound::Count(1),
                ..Default::default()
            },
        );
        // Bigrams inside each paragraph and one across the break ("export" / "controls":
        // in the article's row, in neither passage's), repeated terms, and a passage with no
        // known word.
        let text = "The chips tighten again under the export\n\ncontrols that target the chip makers, and the export controls again.\n\nzzz qqq";
        let second = text.find("controls that").unwrap();
        let third = text.find("zzz").unwrap();
        let ranges = [0..second - 2, second..third - 2, third..text.len()];
        let mut scratch = v.scratch();
        let (mut idx, mut val) = (Vec::new(), Vec::new());
        v.transform_passages_into(text, &ranges, &mut scratch, &mut idx, &mut val);
        assert_eq!((idx.clone(), val.clone()), v.transform_one(text));
        let mut rows = CsrMatrix::new(v.n_features());
        v.passage_rows_into(&mut scratch, &mut rows);
        assert_eq!(rows.n_rows(), 3);
        for (p, r) in ranges.iter().enumerate() {
            let alone = v.transform_one(&text[r.clone()]);
            assert_eq!(
                (rows.row(p).indices.to_vec(), rows.row(p).data.to_vec()),
                alone,
                "passage {p}"
            );
        }
        assert!(rows.row(2).indices.is_empty());
    }

    #[test]
    fn vocabulary_is_sorted_and_bigrams_present() {
        let (v, x) = fit(
            &TEXTS,
            TfidfConfig {
                min_df: DfBound::Count(1),
                ..Default::default()
            },
        );
        assert_eq!(x.n_rows(), 4);
        let names: Vec<String> = (0..v.n_features()).map(|f| v.feature_name(f)).collect();
        assert!(names.contains(&"export control".to_string()), "{names:?}");
        let stems: Vec<&[u32]> = (0..v.n_features()).map(|f| v.feature_stems(f)).collect();
        assert!(stems.windows(2).all(|w| w[0] < w[1]));
        for r in x.rows() {
            assert!((r.norm_sq() - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn min_df_filters_and_one_row_matches_batch() {
        let config = TfidfConfig {
            min_df: DfBound::Count(2),
            ..Default::default()
        };
        let (v, x) = fit(&TEXTS, config);
        for f in 0..v.n_features() {
            assert!(v.df(f) >= 2);
        }
        for (i, t) in TEXTS.iter().enumerate() {
            let (idx, val) = v.transform_one(t);
            assert_eq!(x.row(i).indices, &idx[..]);
            assert_eq!(x.row(i).data, &val[..]);
        }
        assert_eq!(v.transform(&TEXTS), x);
    }

    #[test]
    fn display_forms_are_surface_words() {
        let (v, _) = fit(
            &TEXTS,
            TfidfConfig {
                min_df: DfBound::Count(1),
                ..Default::default()
            },
        );
        let shown: Vec<String> = (0..v.n_features()).map(|f| v.feature_display(f)).collect();
        assert!(shown.contains(&"controls".to_string()), "{shown:?}");
    }

    #[test]
    fn empty_vocabulary_is_an_error() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let err =
            Vectorizer::fit_transform(a, TfidfConfig::default(), &["the and of", "..."], &|_| {});
        assert!(matches!(err, Err(TfidfError::EmptyVocabulary { .. })));
    }

    #[test]
    fn fit_is_the_same_whatever_the_number_of_threads() {
        let texts: Vec<String> = (0..300)
            .map(|i| {
                format!(
                    "{} doc {} sanctions export chips does doe {}",
                    TEXTS[i % 4],
                    i % 7,
                    i % 13
                )
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let fit_with = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| fit(&refs, TfidfConfig::default()))
        };
        let (v1, x1) = fit_with(1);
        for threads in [2, 3] {
            let (v, x) = fit_with(threads);
            assert_eq!(x, x1);
            assert_eq!(
                postcard::to_stdvec(&v).unwrap(),
                postcard::to_stdvec(&v1).unwrap()
            );
        }
    }

    #[test]
    fn auto_min_df_grows_with_the_corpus() {
        assert_eq!(DfBound::Auto.resolve(10), 1.0);
        assert_eq!(DfBound::Auto.resolve(500), 2.0);
        assert_eq!(DfBound::Auto.resolve(5000), 3.0);
    }

    #[test]
    fn pack_unpack() {
        assert_eq!(unpack(pack(&[0, 5])), vec![0, 5]);
        assert_ne!(pack(&[1, 2]), pack(&[1, 2, 0]));
    }
}
