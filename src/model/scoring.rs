//! From text to ranked outputs with explanations, for any model that scores TF-IDF rows: a
//! classifier's labels or a clustering's clusters. Batches run in parallel with per-worker
//! caches kept across batches.

use super::Model;
use crate::features::tfidf::MAX_KEPT_BUFFER_BYTES;
use crate::features::{CsrMatrix, RowView, Scratch, Vectorizer};
use crate::text::detect_any;
use crate::text::passages::passages;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::Mutex;

/// A model that turns TF-IDF rows into scores over named outputs.
pub trait Scorer: Sync {
    /// The text → row pipeline.
    fn vectorizer(&self) -> &Vectorizer;
    /// Scores in [0, 1] of every output into `scores`; returns the decided outputs.
    fn score(&self, row: RowView<'_>, threshold: Option<f64>, scores: &mut Vec<f64>) -> Vec<u32>;
    /// Scores of an article from its whole row and its passages' rows (more than one), like
    /// [`Scorer::score`]; by default the whole row alone decides.
    fn score_article(
        &self,
        whole: RowView<'_>,
        passages: &CsrMatrix,
        threshold: Option<f64>,
        scores: &mut Vec<f64>,
    ) -> Vec<u32> {
        let _ = passages;
        self.score(whole, threshold, scores)
    }
    /// Whether [`Scorer::score_article`] uses the passages (else the whole row decides, and
    /// passage rows are built only to report evidence).
    fn uses_passages(&self) -> bool {
        false
    }
    /// Weight of a feature for an output (what explanations rank terms by).
    fn weight(&self, feature: usize, output: usize) -> f32;
    /// Name of an output.
    fn output_name(&self, id: u32) -> &str;
    /// Number of outputs (labels, or clusters): ids run from 0 below it.
    fn n_outputs(&self) -> usize;
}

/// One article's classification.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// Predicted label ids, best score first (possibly none: the model abstains); names via
    /// [`Model::label`].
    pub labels: Vec<u32>,
    /// Label ids with their calibrated scores, best first.
    pub scores: Vec<(u32, f64)>,
    /// Language of the article: detected ISO code, or the model language used.
    pub language: &'static str,
    /// Whether that language is one the model was trained with.
    pub language_supported: bool,
    /// Words that pushed the top label most, with their contribution.
    pub terms: Vec<(String, f64)>,
    /// Why each predicted label was given, in the order of `labels`.
    pub evidence: Vec<LabelEvidence>,
    /// How many passages the article was cut into (see [`crate::text::passages`]).
    pub n_passages: usize,
}

/// What supports one predicted label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelEvidence {
    /// The label.
    pub label: u32,
    /// Its calibrated score.
    pub score: f64,
    /// The words of the article that push it most, with their contribution.
    pub terms: Vec<(String, f64)>,
    /// The passages that carry it, best first (empty for a one-passage article).
    pub passages: Vec<PassageHit>,
}

/// A passage that carries a label.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageHit {
    /// Index of the passage in the article (from 0).
    pub index: usize,
    /// Character offsets (Unicode scalar values) of the passage in the text: `start..end`.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// The label's score on the passage alone.
    pub score: f64,
    /// The passage's first words.
    pub snippet: String,
}

/// Options of classification.
#[derive(Debug, Clone)]
pub struct ClassifyOptions {
    /// Keep only the best K scores (all when `None`).
    pub top: Option<usize>,
    /// Override the decision threshold (see [`Classifier::predict_row`](crate::classify::Classifier::predict_row)).
    pub threshold: Option<f64>,
    /// How many explaining terms to return per predicted label.
    pub n_terms: usize,
    /// Score articles by passages too (as the model learned to), and say which passages
    /// carry each label. Off: the whole text alone, as one row.
    pub passages: bool,
    /// Passages reported per label.
    pub n_passages: usize,
}

impl Default for ClassifyOptions {
    fn default() -> Self {
        ClassifyOptions {
            top: None,
            threshold: None,
            n_terms: 5,
            passages: true,
            n_passages: 3,
        }
    }
}

/// Characters of a passage snippet.
const SNIPPET_CHARS: usize = 100;

/// Explanations of up to this many terms keep their best terms by insertion; longer ones
/// select among all.
const SMALL_TOP: usize = 16;

/// Score one text with any [`Scorer`], reusing `scratch` (from [`Vectorizer::scratch`]).
pub fn classify_with<S: Scorer + ?Sized>(
    scorer: &S,
    text: &str,
    opts: &ClassifyOptions,
    scratch: &mut Scratch<'_>,
    buf: &mut RowBuf,
) -> Classification {
    let vectorizer = scorer.vectorizer();
    // Passages are cut from the part of the text that is analysed.
    let ranges = if opts.passages {
        passages(crate::text::analysed_prefix(text))
    } else {
        Vec::new()
    };
    let n_passages = ranges.len().max(1);
    let multi = ranges.len() >= 2;
    if multi {
        vectorizer.transform_passages_into(text, &ranges, scratch, &mut buf.indices, &mut buf.data);
    } else {
        vectorizer.transform_into(text, scratch, &mut buf.indices, &mut buf.data);
    }
    let row = RowView {
        indices: &buf.indices,
        data: &buf.data,
    };
    // Passage rows are built when the score or the reported evidence needs them, once.
    buf.passages.built = false;
    let mut labels = if multi && scorer.uses_passages() {
        let rows = buf.passages.ensure(vectorizer, scratch, ranges.len());
        scorer.score_article(row, rows, opts.threshold, &mut buf.scores)
    } else {
        scorer.score(row, opts.threshold, &mut buf.scores)
    };
    let probs = &buf.scores;
    labels.sort_by(|&a, &b| {
        probs[b as usize]
            .total_cmp(&probs[a as usize])
            .then(a.cmp(&b))
    });
    let mut ranked: Vec<(u32, f64)> = probs
        .iter()
        .enumerate()
        .map(|(c, &p)| (c as u32, p))
        .collect();
    ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let top = ranked.first().map_or(0, |r| r.0 as usize);
    let terms = explain(scorer, row, top, opts.n_terms, scratch);
    let mut evidence: Vec<LabelEvidence> = labels
        .iter()
        .map(|&l| LabelEvidence {
            label: l,
            score: probs[l as usize],
            terms: if l as usize == top {
                terms.clone()
            } else {
                explain(scorer, row, l as usize, opts.n_terms, scratch)
            },
            passages: Vec::new(),
        })
        .collect();
    if multi && !labels.is_empty() && opts.n_passages > 0 {
        let rows = buf.passages.ensure(vectorizer, scratch, ranges.len());
        // For each passage, each predicted label's score there and whether it decides it.
        let nl = labels.len();
        let mut per_passage: Vec<(f64, bool)> = Vec::with_capacity(ranges.len() * nl);
        for p in 0..ranges.len() {
            let decided = scorer.score(rows.row(p), opts.threshold, &mut buf.pscores);
            per_passage.extend(
                labels
                    .iter()
                    .map(|&l| (buf.pscores[l as usize], decided.contains(&l))),
            );
        }
        for (j, e) in evidence.iter_mut().enumerate() {
            let at = |p: usize| per_passage[p * nl + j];
            let mut hits: Vec<(usize, f64)> = (0..ranges.len())
                .filter(|&p| at(p).1)
                .map(|p| (p, at(p).0))
                .collect();
            if hits.is_empty() {
                // The whole article carries it: show its strongest passage.
                hits = (0..ranges.len()).map(|p| (p, at(p).0)).collect();
            }
            hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            if !per_passage.iter().skip(j).step_by(nl).any(|h| h.1) {
                hits.truncate(1);
            }
            hits.truncate(opts.n_passages);
            e.passages = hits
                .into_iter()
                .map(|(p, score)| passage_hit(text, &ranges, p, score))
                .collect();
        }
    }
    if let Some(k) = opts.top {
        ranked.truncate(k);
    }
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
        evidence,
        n_passages,
    }
}

/// The passage rows of the article being classified, built on first use.
#[derive(Debug)]
struct PassageRows {
    rows: CsrMatrix,
    built: bool,
}

impl PassageRows {
    /// The rows of the `n` passages of the document last analysed into `scratch`.
    fn ensure(
        &mut self,
        vectorizer: &Vectorizer,
        scratch: &mut Scratch<'_>,
        n: usize,
    ) -> &CsrMatrix {
        if !self.built {
            self.rows.clear(vectorizer.n_features());
            vectorizer.passage_rows_into(scratch, &mut self.rows);
            debug_assert_eq!(self.rows.n_rows(), n);
            self.built = true;
        }
        &self.rows
    }
}

fn passage_hit(text: &str, ranges: &[Range<usize>], p: usize, score: f64) -> PassageHit {
    let r = &ranges[p];
    let start = text[..r.start].chars().count();
    let body = &text[r.clone()];
    // Room for the snippet's characters, most of them one byte.
    let mut snippet = String::with_capacity(SNIPPET_CHARS + 8);
    let mut n = 0;
    // The words are `split_whitespace`'s, from the byte scan passages are cut with; the
    // scan stops at the snippet's end, not at the passage's.
    crate::text::passages::scan(text, r.clone(), |w| {
        let word = &text[w];
        let len = word.chars().count();
        if n > 0 && n + 1 + len > SNIPPET_CHARS {
            snippet.push('…');
            return false;
        }
        if n > 0 {
            snippet.push(' ');
            n += 1;
        }
        snippet.push_str(word);
        n += len;
        true
    });
    PassageHit {
        index: p,
        start,
        end: start + body.chars().count(),
        score,
        snippet,
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
    let order = |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    let positive = row
        .indices
        .iter()
        .zip(row.data)
        .map(|(&j, &x)| (j, f64::from(x) * f64::from(scorer.weight(j as usize, c))))
        .filter(|&(_, v)| v > 0.0);
    let contrib: Vec<(u32, f64)> = if n <= SMALL_TOP {
        // The best few kept in order as the row goes by: a selection over the whole row
        // cost more than the rest of an explanation.
        let mut top: Vec<(u32, f64)> = Vec::with_capacity(n + 1);
        for e in positive {
            if top.len() == n && top.last().is_some_and(|last| order(&e, last).is_ge()) {
                continue;
            }
            let at = top.partition_point(|t| order(t, &e).is_lt());
            top.insert(at, e);
            top.truncate(n);
        }
        top
    } else {
        let mut all: Vec<(u32, f64)> = positive.collect();
        if all.len() > n {
            all.select_nth_unstable_by(n, order);
            all.truncate(n);
        }
        all.sort_unstable_by(order);
        all
    };
    let a = &scratch.analyzed;
    // Collected from an iterator over `contrib` (not `into_iter`), which would reuse its
    // much larger buffer and shrink it by a realloc per article.
    contrib
        .iter()
        .map(|&(j, v)| {
            let stems = scorer.vectorizer().feature_stems(j as usize);
            // The words as written in this article, where the n-gram first occurs in it.
            let found = first_occurrence(&a.terms, stems);
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

/// Where `gram` first occurs in `terms`. Scans for its first stem with a bare search and
/// compares the rest only there: a slice comparison at every position cost more than the
/// rest of an explanation.
fn first_occurrence(terms: &[u32], gram: &[u32]) -> Option<usize> {
    let (&head, _) = gram.split_first()?;
    let mut from = 0;
    while let Some(off) = terms.get(from..)?.iter().position(|&t| t == head) {
        let p = from + off;
        if terms.get(p..p + gram.len()) == Some(gram) {
            return Some(p);
        }
        from = p + 1;
    }
    None
}

/// Classifies batches of articles with caches kept between batches (see [`Model::session`] and [`super::ClusterModel::session`]).
pub struct Session<'a, S: ?Sized = Model> {
    scorer: &'a S,
    pool: Mutex<Vec<(Scratch<'a>, RowBuf)>>,
}

impl<'a, S: Scorer + ?Sized> Session<'a, S> {
    /// A session over `scorer`.
    pub fn new(scorer: &'a S) -> Self {
        Session {
            scorer,
            pool: Mutex::new(Vec::new()),
        }
    }

    /// The model this session scores with.
    pub fn scorer(&self) -> &'a S {
        self.scorer
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
                // The word cache bounds itself (see `MAX_CACHE_BYTES`); buffers grown by one
                // very long article are not kept.
                if buf.heap_bytes() > MAX_KEPT_BUFFER_BYTES {
                    buf = RowBuf::default();
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

/// Reusable buffers for one article.
#[derive(Debug)]
pub struct RowBuf {
    indices: Vec<u32>,
    data: Vec<f32>,
    scores: Vec<f64>,
    passages: PassageRows,
    pscores: Vec<f64>,
}

impl RowBuf {
    /// Bytes of heap held by the buffers (they keep the capacity of the longest article).
    pub fn heap_bytes(&self) -> usize {
        let f = std::mem::size_of::<f32>();
        let d = std::mem::size_of::<f64>();
        self.indices.capacity() * f
            + self.data.capacity() * f
            + (self.scores.capacity() + self.pscores.capacity()) * d
            + self.passages.rows.heap_bytes()
    }
}

impl Default for RowBuf {
    fn default() -> Self {
        RowBuf {
            indices: Vec::new(),
            data: Vec::new(),
            scores: Vec::new(),
            passages: PassageRows {
                rows: CsrMatrix::new(0),
                built: false,
            },
            pscores: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_occurrence_finds_the_first_whole_gram() {
        let t = [1, 2, 1, 3, 1, 2, 4];
        assert_eq!(first_occurrence(&t, &[1]), Some(0));
        assert_eq!(first_occurrence(&t, &[1, 3]), Some(2));
        assert_eq!(first_occurrence(&t, &[2, 4]), Some(5));
        assert_eq!(first_occurrence(&t, &[4, 1]), None);
        assert_eq!(first_occurrence(&t, &[5]), None);
        assert_eq!(first_occurrence(&[], &[1]), None);
        assert_eq!(first_occurrence(&t, &[]), None);
    }
}
