//! Articles, not only rows: an article is scored as a whole and by its passages, and its
//! calibrated scores account for how much evidence it carries.
//!
//! - **Passages.** With [`ArticleRule::passage_margins`] `δ_c`, the raw score of label `c` is
//!   the larger of the whole article's and its best passage's less `δ_c` (both rows are
//!   L2-normalised, so their scores share a scale). A long article about sanctions in three
//!   paragraphs out of ten keeps its sanctions score instead of having it diluted by the
//!   other seven; `δ_c` (chosen by held-out F1 among a few multiples of the scores' spread,
//!   per label for multi-label models) keeps one loosely related paragraph from deciding for
//!   the whole article.
//! - **Evidence.** A row with few features says little, whatever its direction: calibrated
//!   scores shrink towards the label's prior by `m / (m + m0)`, where `m` is the number of
//!   distinct known words of the article and `m0` is fitted on held-out fragments of
//!   training documents (one to twenty words long) by log loss, and never below
//!   [`MIN_EVIDENCE_M0`]: one or two words then take a score at most half way from the prior
//!   to certainty, whatever they are.
//!
//! Both are learned at training time on held-out scores of rows derived from the training
//! documents ([`Derived`]): their passages and fragments of them.

use crate::features::{CsrMatrix, RowView};
use crate::model::file::InvalidModel;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Rows derived from training documents, each with the held-out fold of its source: a fold
/// model that did not see the source scores it.
#[derive(Debug, Clone)]
pub struct Derived {
    /// The rows.
    pub x: CsrMatrix,
    /// The fold of each row's source document.
    pub fold: Vec<u8>,
    /// The evidence of each row (its known words).
    pub evidence: Vec<u32>,
}

impl Derived {
    /// No derived rows.
    pub fn none(n_features: usize) -> Self {
        Derived {
            x: CsrMatrix::new(n_features),
            fold: Vec::new(),
            evidence: Vec::new(),
        }
    }

    /// Add a row with `evidence` known words, held out with `fold`; returns its index.
    pub fn push(&mut self, row: RowView<'_>, evidence: usize, fold: u8) -> u32 {
        self.x.push_row(row.indices, row.data);
        self.fold.push(fold);
        self.evidence.push(evidence as u32);
        (self.fold.len() - 1) as u32
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.fold.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fold.is_empty()
    }
}

/// How the derived rows relate to the training documents (built by the model layer).
#[derive(Debug, Clone)]
pub struct ArticlePlan {
    /// The derived rows.
    pub derived: Derived,
    /// Training documents with two passages or more: (document, its passages' derived rows).
    pub doc_passages: Vec<(u32, Range<u32>)>,
    /// Fragments: (source document, derived row).
    pub fragments: Vec<(u32, u32)>,
    /// The evidence of each training document (known words; empty: its features).
    pub doc_evidence: Vec<u32>,
}

impl ArticlePlan {
    /// A plan without derived rows: plain row classification.
    pub fn none(n_features: usize) -> Self {
        ArticlePlan {
            derived: Derived::none(n_features),
            doc_passages: Vec::new(),
            fragments: Vec::new(),
            doc_evidence: Vec::new(),
        }
    }
}

/// What a classifier learned about articles; saved in the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleRule {
    /// When set, an article's raw score for label `c` is the larger of its whole score and
    /// its best passage's less `margins[c]` (chosen by held-out F1 at training time;
    /// [`PASSAGES_OFF`] for a label the whole article alone decides; `None`: passages unused).
    pub passage_margins: Option<Vec<f64>>,
    /// Evidence constant `m0` of the shrinkage (0: none).
    pub evidence_m0: f64,
    /// What each label's score shrinks towards: its prevalence (multi-label) or 1/k
    /// (single-label, which keeps the ranking).
    pub prior: Vec<f64>,
}

impl ArticleRule {
    /// No passages, no shrinkage.
    pub fn plain(k: usize) -> Self {
        ArticleRule {
            passage_margins: None,
            evidence_m0: 0.0,
            prior: vec![0.0; k],
        }
    }

    /// Shrink calibrated probabilities towards the prior for a row with `evidence` features.
    pub fn shrink(&self, probs: &mut [f64], evidence: usize) {
        if self.evidence_m0 <= 0.0 {
            return;
        }
        let f = shrink_factor(evidence as f64, self.evidence_m0);
        for (p, &q) in probs.iter_mut().zip(&self.prior) {
            *p = q + (*p - q) * f;
        }
    }

    /// Check a deserialised rule.
    pub fn validate(&self, k: usize) -> Result<(), InvalidModel> {
        if self.prior.len() != k {
            return Err(InvalidModel(format!(
                "{} priors for {k} labels",
                self.prior.len()
            )));
        }
        if !(self.evidence_m0.is_finite() && self.evidence_m0 >= 0.0)
            || self
                .passage_margins
                .as_ref()
                .is_some_and(|m| m.len() != k || m.iter().any(|v| !v.is_finite() || *v < 0.0))
            || self.prior.iter().any(|p| !(0.0..=1.0).contains(p))
        {
            return Err("an evidence rule out of range".into());
        }
        Ok(())
    }
}

/// The least evidence constant: with it, two known words weigh 2 / (2 + 3) = 0.4 of the way
/// from the prior to the calibrated score.
pub const MIN_EVIDENCE_M0: f64 = 3.0;

fn shrink_factor(m: f64, m0: f64) -> f64 {
    m / (m + m0)
}

/// The margin of a label whose passages never decide.
pub const PASSAGES_OFF: f64 = f64::MAX;

/// Element-wise maximum of `into` and `other - margins` (combining a whole score with a
/// passage's).
pub fn max_into(into: &mut [f64], other: &[f64], margins: &[f64]) {
    for ((a, &b), &m) in into.iter_mut().zip(other).zip(margins) {
        if m < PASSAGES_OFF && b - m > *a {
            *a = b - m;
        }
    }
}

/// The `m0` that minimises the log loss of shrunk probabilities `probs` (row-major, `k` a
/// row) with evidence `m` per row against targets given by `truth(row, label)`.
/// `multilabel`: a binary loss per label; otherwise the loss of the true label.
pub fn fit_evidence(
    probs: &[f64],
    evidence: &[usize],
    k: usize,
    prior: &[f64],
    truth: &dyn Fn(usize, usize) -> bool,
    multilabel: bool,
) -> f64 {
    let n = evidence.len();
    if n == 0 {
        return 0.0;
    }
    let eps = 1e-6;
    let loss = |m0: f64| -> f64 {
        let mut total = 0.0;
        for i in 0..n {
            let f = shrink_factor(evidence[i] as f64, m0);
            let row = &probs[i * k..(i + 1) * k];
            for c in 0..k {
                let p = (prior[c] + (row[c] - prior[c]) * f).clamp(eps, 1.0 - eps);
                let y = truth(i, c);
                if multilabel {
                    total -= if y { p.ln() } else { (1.0 - p).ln() };
                } else if y {
                    total -= p.ln();
                }
            }
        }
        total
    };
    // On ln m0, from almost no shrinkage to a lot.
    let ln_m0 = super::calibration::golden_min(|l| loss(l.exp()), 0.01f64.ln(), 200f64.ln(), 40);
    ln_m0.exp().max(MIN_EVIDENCE_M0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinkage_pulls_thin_rows_to_the_prior_and_spares_rich_ones() {
        let r = ArticleRule {
            passage_margins: None,
            evidence_m0: 4.0,
            prior: vec![0.1, 0.1],
        };
        let mut thin = [0.97, 0.03];
        r.shrink(&mut thin, 1);
        assert!(thin[0] < 0.5, "{thin:?}");
        let mut rich = [0.97, 0.03];
        r.shrink(&mut rich, 200);
        assert!(rich[0] > 0.95, "{rich:?}");
    }

    #[test]
    fn evidence_fit_shrinks_when_thin_rows_are_wrong() {
        // Thin rows (1 feature) are confidently wrong half the time; rich rows are right.
        let mut probs = Vec::new();
        let mut ev = Vec::new();
        let mut truth = Vec::new();
        for i in 0..200 {
            probs.extend([0.95, 0.05]);
            ev.push(if i % 2 == 0 { 1 } else { 100 });
            truth.push(i % 4 != 0);
        }
        let t = |i: usize, c: usize| if c == 0 { truth[i] } else { !truth[i] };
        let m0 = fit_evidence(&probs, &ev, 2, &[0.5, 0.5], &t, false);
        assert!(m0 > MIN_EVIDENCE_M0, "{m0}");
        // When thin rows are right too, little shrinkage.
        let t = |_: usize, c: usize| c == 0;
        let m0 = fit_evidence(&probs, &ev, 2, &[0.5, 0.5], &t, false);
        assert_eq!(m0, MIN_EVIDENCE_M0);
    }
}
