//! Classifiers over TF-IDF rows: a linear SVM trained by dual coordinate descent, complement
//! and multinomial naive Bayes, L2 logistic regression, logistic regression from linfa on an
//! LSA projection, and the default that combines the SVM with naive Bayes. All end as a
//! [`LinearModel`] with calibrated scores and a decision rule (argmax for single-label data,
//! per-label thresholds for multi-label data).
//!
//! Training goes: the held-out folds and the rows their models score (`heldout`), each
//! estimator's final model and held-out scores (its module), the mix of `auto`, then what is
//! fitted on held-out scores (`decision`: calibration, article rule, thresholds).
//!
//! The hyperparameters follow linfa's `ParamGuard` pattern ([`ClassifierParams`] checks into
//! [`ValidClassifierParams`]), and the fitted [`Classifier`] implements linfa's `Fit` and
//! `PredictInplace` on sparse rows.

pub mod article;
pub mod calibration;
mod decision;
mod heldout;
pub mod linear;
pub mod logistic;
pub mod lsa_logistic;
pub mod naive_bayes;
pub mod svm;
pub mod targets;

pub use article::{ArticlePlan, ArticleRule, Derived};
pub use calibration::Calibration;
pub use heldout::heldout_folds_of;
pub use linear::LinearModel;
pub use targets::Targets;

use crate::features::{CsrMatrix, RowView};
use crate::model::file::InvalidModel;
use crate::settings::SettingsError;
use decision::{calibrate, heldout_f1, row_spread};
use heldout::HeldOut;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which estimator to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Algo {
    /// The default: a linear SVM and naive Bayes trained side by side, their scores mixed with
    /// the weight that maximises the held-out F1 on the training set (pure SVM and pure
    /// naive Bayes are both candidates).
    Auto,
    /// One-vs-rest linear SVM (L2-regularised squared hinge, LIBLINEAR's dual solver).
    Svm,
    /// Complement naive Bayes.
    ComplementNb,
    /// Multinomial naive Bayes.
    MultinomialNb,
    /// linfa logistic regression on an LSA projection of the TF-IDF rows.
    LsaLogreg,
    /// L2-regularised logistic regression on the TF-IDF rows (multinomial for single-label
    /// targets, one-vs-rest for multi-label ones), solved by L-BFGS. Best on a few hundred
    /// short texts; slow on large corpora (20 Newsgroups: about 100 s against 2 s for `auto`).
    Logreg,
}

/// Every algorithm name accepted by `--algo`.
pub const ALGO_NAMES: [&str; 6] = ["auto", "svm", "cnb", "mnb", "logreg", "lsa-logreg"];

impl Algo {
    /// Short name (as on the command line).
    pub fn name(self) -> &'static str {
        match self {
            Algo::Auto => "auto",
            Algo::Svm => "svm",
            Algo::ComplementNb => "cnb",
            Algo::MultinomialNb => "mnb",
            Algo::LsaLogreg => "lsa-logreg",
            Algo::Logreg => "logreg",
        }
    }
}

impl fmt::Display for Algo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algo {
    type Err = SettingsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "auto" => Algo::Auto,
            "svm" | "linear-svm" => Algo::Svm,
            "cnb" | "complement-nb" => Algo::ComplementNb,
            "mnb" | "multinomial-nb" => Algo::MultinomialNb,
            "lsa-logreg" | "lsa" => Algo::LsaLogreg,
            "logreg" | "logistic-regression" => Algo::Logreg,
            _ => {
                return Err(SettingsError::unknown(
                    "algorithm",
                    s,
                    format!("one of {}", ALGO_NAMES.join(", ")),
                ))
            }
        })
    }
}

/// Class weighting for unbalanced corpora.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClassWeight {
    /// Every document counts the same.
    Uniform,
    /// Positives and negatives of each label weigh inversely to their frequency.
    Balanced,
}

impl ClassWeight {
    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ClassWeight::Uniform => "none",
            ClassWeight::Balanced => "balanced",
        }
    }
}

impl fmt::Display for ClassWeight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ClassWeight {
    type Err = SettingsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" | "uniform" => Ok(ClassWeight::Uniform),
            "balanced" => Ok(ClassWeight::Balanced),
            _ => Err(SettingsError::unknown(
                "class weight",
                s,
                "none or balanced",
            )),
        }
    }
}

/// Unchecked classifier hyperparameters (linfa's `ParamGuard` pattern).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifierParams(ValidClassifierParams);

/// Checked classifier hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidClassifierParams {
    /// The estimator.
    pub algo: Algo,
    /// SVM cost parameter.
    pub c: f64,
    /// SVM stopping tolerance.
    pub tol: f64,
    /// SVM maximum passes.
    pub max_iter: usize,
    /// Naive Bayes smoothing.
    pub alpha: f64,
    /// Class weighting (SVM).
    pub class_weight: ClassWeight,
    /// Dimensions of the LSA projection (`lsa-logreg`).
    pub lsa_dims: usize,
    /// Seed of every random choice.
    pub seed: u64,
}

impl Default for ClassifierParams {
    fn default() -> Self {
        ClassifierParams(ValidClassifierParams {
            algo: Algo::Auto,
            c: 1.0,
            tol: 0.1,
            max_iter: 1000,
            alpha: 0.3,
            class_weight: ClassWeight::Uniform,
            lsa_dims: 200,
            seed: 42,
        })
    }
}

impl ClassifierParams {
    /// Default hyperparameters.
    pub fn new() -> Self {
        Self::default()
    }
    /// The hyperparameters as set, before checking.
    pub fn get(&self) -> &ValidClassifierParams {
        &self.0
    }
    /// Set the estimator.
    pub fn algo(mut self, algo: Algo) -> Self {
        self.0.algo = algo;
        self
    }
    /// Set the SVM cost.
    pub fn c(mut self, c: f64) -> Self {
        self.0.c = c;
        self
    }
    /// Set the naive Bayes smoothing.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }
    /// Set the class weighting.
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.0.class_weight = w;
        self
    }
    /// Set the LSA dimensions.
    pub fn lsa_dims(mut self, k: usize) -> Self {
        self.0.lsa_dims = k;
        self
    }
    /// Set the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
    /// Set the SVM tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }
}

/// Errors of classifier training.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// A hyperparameter out of range.
    #[error(transparent)]
    Param(#[from] SettingsError),
    /// Training data that cannot train a classifier.
    #[error("{0}")]
    Data(String),
    /// An error from linfa.
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
    /// An error from linfa's logistic regression.
    #[error("logistic regression failed: {0}")]
    Logistic(#[from] linfa_logistic::error::Error),
}

impl linfa::ParamGuard for ClassifierParams {
    type Checked = ValidClassifierParams;
    type Error = ClassifyError;

    fn check_ref(&self) -> Result<&Self::Checked, Self::Error> {
        self.validate()?;
        Ok(&self.0)
    }

    fn check(self) -> Result<Self::Checked, Self::Error> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl ClassifierParams {
    /// Why these hyperparameters cannot train, if they cannot (what `check` refuses).
    pub fn validate(&self) -> Result<(), SettingsError> {
        let p = &self.0;
        let bad = |m: &'static str| Err(SettingsError::Param(m));
        if !(p.c.is_finite() && p.c > 0.0) {
            return bad("C must be a positive number");
        }
        if !(p.alpha.is_finite() && p.alpha > 0.0) {
            return bad("alpha must be a positive number");
        }
        if !(p.tol.is_finite() && p.tol > 0.0) {
            return bad("tol must be a positive number");
        }
        if p.max_iter == 0 {
            return bad("max_iter must be at least 1");
        }
        if p.lsa_dims == 0 {
            return bad("LSA dimensions must be at least 1");
        }
        Ok(())
    }
}

/// A fitted classifier: linear scores, their calibration and the decision rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classifier {
    /// The estimator that was trained.
    pub algo: Algo,
    /// For `auto`: the weight of naive Bayes in the mix (0 = pure SVM, 1 = pure NB).
    pub nb_weight: Option<f64>,
    /// The scoring model.
    pub model: LinearModel,
    /// Raw scores → probabilities.
    pub calibration: Calibration,
    /// Per-label probability thresholds (multi-label models).
    pub thresholds: Option<Vec<f64>>,
    /// Whether a prediction may have no label (multi-label data with empty label sets).
    pub allow_empty: bool,
    /// Held-out (k-fold) estimate of the training F1 (macro for single-label, micro for
    /// multi-label), used to pick the estimator; an estimate, not a test score.
    pub heldout_f1: f64,
    /// How articles are scored: passages, and evidence-aware shrinkage.
    pub article: ArticleRule,
}

/// A ranked prediction for one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Predicted label ids (the top one for single-label; possibly several or none for
    /// multi-label).
    pub labels: Vec<u32>,
    /// Calibrated probability of every label (same order as the model's labels).
    pub probs: Vec<f64>,
}

impl Classifier {
    /// Check that the parts of a deserialised classifier fit together.
    pub fn validate(&self) -> Result<(), InvalidModel> {
        self.model.validate()?;
        let k = self.model.n_classes();
        if k == 0 {
            return Err("a classifier without labels".into());
        }
        match &self.calibration {
            Calibration::Sigmoid { params } if params.len() != k => {
                return Err(InvalidModel(format!(
                    "{} calibrations for {k} labels",
                    params.len()
                )))
            }
            Calibration::Sigmoid { params }
                if !params.iter().all(|(a, b)| a.is_finite() && b.is_finite()) =>
            {
                return Err("a non-finite calibration".into())
            }
            Calibration::Softmax { temperature }
                if !(temperature.is_finite() && *temperature > 0.0) =>
            {
                return Err("a non-positive temperature".into())
            }
            _ => {}
        }
        if let Some(t) = &self.thresholds {
            if t.len() != k {
                return Err(InvalidModel(format!(
                    "{} thresholds for {k} labels",
                    t.len()
                )));
            }
            if t.iter().any(|x| x.is_nan()) {
                return Err("a threshold that is not a number".into());
            }
        }
        self.article.validate(k)
    }

    /// Whether the model predicts label sets.
    pub fn is_multilabel(&self) -> bool {
        self.thresholds.is_some()
    }

    /// Predict one row. `threshold` overrides the decision: for single-label models the top
    /// label must reach it (else no label); for multi-label models it replaces every label's
    /// own threshold.
    pub fn predict_row(
        &self,
        row: RowView<'_>,
        threshold: Option<f64>,
        scratch: &mut Vec<f64>,
    ) -> Prediction {
        let labels = self.predict_into(row, threshold, scratch);
        Prediction {
            labels,
            probs: scratch.clone(),
        }
    }

    /// Like [`Classifier::predict_row`], leaving the probabilities in `probs` (no copy: the
    /// classification hot path).
    pub fn predict_into(
        &self,
        row: RowView<'_>,
        threshold: Option<f64>,
        probs: &mut Vec<f64>,
    ) -> Vec<u32> {
        self.raw_into(row, probs);
        self.finish(probs, row.nnz(), threshold)
    }

    /// Raw (uncalibrated) scores of one row into `scores`.
    pub fn raw_into(&self, row: RowView<'_>, scores: &mut Vec<f64>) {
        scores.resize(self.model.n_classes(), 0.0);
        self.model.scores_into(row, scores);
    }

    /// From raw scores (of a row or of an article, see [`article`]) with `evidence` features
    /// to calibrated, evidence-shrunk probabilities in place, and the decision.
    pub fn finish(&self, probs: &mut [f64], evidence: usize, threshold: Option<f64>) -> Vec<u32> {
        self.calibration.apply(probs);
        self.article.shrink(probs, evidence);
        self.decide(probs, threshold)
    }

    /// The decision rule on calibrated probabilities.
    pub fn decide(&self, probs: &[f64], threshold: Option<f64>) -> Vec<u32> {
        let top = argmax(probs);
        match &self.thresholds {
            None => match threshold {
                Some(t) if probs[top] < t => vec![],
                _ => vec![top as u32],
            },
            Some(ts) => {
                let mut out: Vec<u32> = probs
                    .iter()
                    .zip(ts)
                    .enumerate()
                    .filter(|(_, (&p, &t))| p >= threshold.unwrap_or(t))
                    .map(|(c, _)| c as u32)
                    .collect();
                if out.is_empty() && !self.allow_empty && threshold.is_none() {
                    out.push(top as u32);
                }
                out
            }
        }
    }

    /// Predict every row, in parallel.
    pub fn predict(&self, x: &CsrMatrix, threshold: Option<f64>) -> Vec<Prediction> {
        (0..x.n_rows())
            .into_par_iter()
            .map_init(Vec::new, |s, i| self.predict_row(x.row(i), threshold, s))
            .collect()
    }
}

fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

impl linfa::traits::Fit<CsrMatrix, Targets, ClassifyError> for ValidClassifierParams {
    type Object = Classifier;

    fn fit(
        &self,
        data: &linfa::DatasetBase<CsrMatrix, Targets>,
    ) -> Result<Classifier, ClassifyError> {
        fit(self, &data.records, &data.targets)
    }
}

impl linfa::traits::PredictInplace<CsrMatrix, Vec<Vec<u32>>> for Classifier {
    fn predict_inplace(&self, x: &CsrMatrix, y: &mut Vec<Vec<u32>>) {
        *y = self
            .predict(x, None)
            .into_iter()
            .map(|p| p.labels)
            .collect();
    }

    fn default_target(&self, x: &CsrMatrix) -> Vec<Vec<u32>> {
        vec![Vec::new(); x.n_rows()]
    }
}

/// Passes allowed to each alpha-seeded fold: it starts next to its optimum, and its scores only
/// feed calibration and model choice (3 passes instead of convergence changed test F1 by less
/// than 0.002 on 20 Newsgroups, AG News, Le Monde and Reuters).
const FOLD_PASSES: usize = 3;

/// A scoring model with held-out scores (row-major `n × k`): k-fold for the SVM, naive
/// Bayes and logistic regression (the same folds), training scores for LSA + logistic
/// regression.
pub(crate) struct Scored {
    pub(crate) model: LinearModel,
    pub(crate) loo: Vec<f64>,
    /// Held-out scores of the derived rows (row-major `n_derived × k`).
    pub(crate) derived: Vec<f64>,
}

/// The cost `C` of a positive and of a negative row of a one-vs-rest problem over `n` rows
/// with `positives` of them: `C` both, or weighted so that both sides weigh `C · n / 2`.
fn binary_costs(p: &ValidClassifierParams, n: usize, positives: usize) -> (f64, f64) {
    match p.class_weight {
        ClassWeight::Uniform => (p.c, p.c),
        ClassWeight::Balanced => {
            let pos = positives.max(1) as f64;
            let neg = (n - positives).max(1) as f64;
            (p.c * n as f64 / (2.0 * pos), p.c * n as f64 / (2.0 * neg))
        }
    }
}

fn fit_svm(p: &ValidClassifierParams, x: &CsrMatrix, t: &Targets, h: &HeldOut<'_>) -> Scored {
    let (folds, derived) = (&h.folds[..], &*h.derived);
    let n = x.n_rows();
    let k = t.n_labels();
    let counts = t.label_counts();
    let n_folds = h.n_folds();
    let fits: Vec<svm::BinarySvm> = (0..k)
        .into_par_iter()
        .map(|c| {
            let y = t.binary(c);
            let (c_pos, c_neg) = binary_costs(p, n, counts[c]);
            let params = svm::SvmParams {
                c_pos,
                c_neg,
                tol: p.tol,
                max_iter: p.max_iter,
                seed: p.seed.wrapping_add(c as u64),
                fold_passes: FOLD_PASSES,
            };
            svm::train_binary(x, &y, &params, folds, n_folds, derived, &h.rows)
        })
        .collect();
    let m = derived.len();
    let mut loo = vec![0.0; n * k];
    let mut dloo = vec![0.0; m * k];
    let mut columns = Vec::with_capacity(k);
    for (c, f) in fits.into_iter().enumerate() {
        for i in 0..n {
            loo[i * k + c] = f.heldout[i];
        }
        for (e, &v) in f.derived.iter().enumerate() {
            dloo[e * k + c] = v;
        }
        columns.push((f.w, f.b));
    }
    Scored {
        model: LinearModel::from_columns(x.n_cols(), &columns),
        loo,
        derived: dloo,
    }
}

fn fit_nb(
    p: &ValidClassifierParams,
    x: &CsrMatrix,
    t: &Targets,
    kind: naive_bayes::NbKind,
    h: &HeldOut<'_>,
) -> Scored {
    let (folds, derived) = (&h.folds[..], &*h.derived);
    let f = naive_bayes::fit(x, t, kind, p.alpha, folds, derived, &h.rows);
    Scored {
        model: LinearModel::from_feature_major(x.n_cols(), t.n_labels(), &f.weights, &f.bias),
        loo: f.heldout,
        derived: f.derived,
    }
}

/// Train a classifier on TF-IDF rows `x` with targets `t` (rows only: no passages, no
/// evidence fitting; see [`fit_articles`]).
pub fn fit(
    p: &ValidClassifierParams,
    x: &CsrMatrix,
    t: &Targets,
) -> Result<Classifier, ClassifyError> {
    fit_articles(p, x, t, &ArticlePlan::none(x.n_cols()))
}

/// Train a classifier on TF-IDF rows `x` with targets `t`, learning the article rule from
/// the rows derived from them in `plan` (held out with the folds of
/// [`heldout_folds_of`]).
pub fn fit_articles(
    p: &ValidClassifierParams,
    x: &CsrMatrix,
    t: &Targets,
    plan: &ArticlePlan,
) -> Result<Classifier, ClassifyError> {
    if x.n_rows() != t.len() {
        return Err(ClassifyError::Data(format!(
            "{} rows but {} targets",
            x.n_rows(),
            t.len()
        )));
    }
    let counts = t.label_counts();
    if t.n_labels() < 2 && !t.is_multilabel() {
        return Err(ClassifyError::Data(
            "single-label training needs at least two distinct labels".into(),
        ));
    }
    if t.n_labels() == 0 {
        return Err(ClassifyError::Data(
            "the training data has no labels".into(),
        ));
    }
    if t.is_multilabel() && counts.iter().all(|&c| c == x.n_rows()) {
        return Err(ClassifyError::Data(
            "every label is on every document: nothing to learn".into(),
        ));
    }
    let derived = &plan.derived;
    let held = || HeldOut::of(x, t, p.seed, derived);
    let scored = match p.algo {
        Algo::Svm => vec![fit_svm(p, x, t, &held())],
        Algo::ComplementNb => {
            let kind = naive_bayes::NbKind::Complement;
            vec![fit_nb(p, x, t, kind, &held())]
        }
        Algo::MultinomialNb => {
            let kind = naive_bayes::NbKind::Multinomial;
            vec![fit_nb(p, x, t, kind, &held())]
        }
        Algo::Logreg => vec![logistic::fit(p, x, t, &held())],
        Algo::LsaLogreg => {
            let mut s = lsa_logistic::fit(p, x, t)?;
            // No folds: derived rows get the training model's scores, like its own rows.
            s.derived = s.model.scores(&derived.x);
            vec![s]
        }
        Algo::Auto => {
            let h = &held();
            let (svm, nb) = rayon::join(
                || fit_svm(p, x, t, h),
                || fit_nb(p, x, t, naive_bayes::NbKind::Complement, h),
            );
            vec![svm, nb]
        }
    };
    if scored.len() == 1 {
        let s = &scored[0];
        let f = calibrate(&s.loo, &s.derived, x, t, plan);
        return Ok(Classifier {
            algo: p.algo,
            nb_weight: None,
            model: s.model.clone(),
            calibration: f.calibration,
            thresholds: f.thresholds,
            allow_empty: t.has_empty_sets(),
            heldout_f1: f.f1,
            article: f.article,
        });
    }
    // auto: put both score scales on a par, then pick the mix by held-out F1.
    // Scale of a score matrix for the mix: the spread of scores within a row (what decides
    // between labels), not between rows.
    let k = t.n_labels();
    let scale = |v: &[f64]| {
        let sd = row_spread(v, k);
        if sd > 0.0 {
            1.0 / sd
        } else {
            1.0
        }
    };
    let (svm, nb) = (&scored[0], &scored[1]);
    let (s1, s2) = (scale(&svm.loo), scale(&nb.loo));
    let mix = |beta: f64, a: &[f64], b: &[f64]| -> Vec<f64> {
        a.iter()
            .zip(b)
            .map(|(a, b)| (1.0 - beta) * s1 * a + beta * s2 * b)
            .collect()
    };
    let candidates: Vec<f64> = (0..=10).map(|i| f64::from(i) / 10.0).collect();
    let f1s: Vec<f64> = candidates
        .iter()
        .map(|&beta| heldout_f1(&mix(beta, &svm.loo, &nb.loo), t))
        .collect();
    let mut best = 0;
    for (i, &f) in f1s.iter().enumerate() {
        if f > f1s[best] + 1e-12 {
            best = i;
        }
    }
    let beta = candidates[best];
    let f = calibrate(
        &mix(beta, &svm.loo, &nb.loo),
        &mix(beta, &svm.derived, &nb.derived),
        x,
        t,
        plan,
    );
    let (m1, m2) = (&svm.model, &nb.model);
    Ok(Classifier {
        algo: Algo::Auto,
        nb_weight: Some(beta),
        model: m1.combine((1.0 - beta) * s1, m2, beta * s2),
        calibration: f.calibration,
        thresholds: f.thresholds,
        allow_empty: t.has_empty_sets(),
        heldout_f1: f.f1,
        article: f.article,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::traits::{Fit, PredictInplace};
    use linfa::ParamGuard;

    fn toy() -> (CsrMatrix, Targets) {
        let mut x = CsrMatrix::new(4);
        let rows: [(&[u32], &[f32]); 6] = [
            (&[0, 1], &[0.8, 0.6]),
            (&[0], &[1.0]),
            (&[0, 3], &[0.9, 0.43]),
            (&[2, 3], &[0.6, 0.8]),
            (&[2], &[1.0]),
            (&[1, 2], &[0.3, 0.95]),
        ];
        for (i, d) in rows {
            x.push_row(i, d);
        }
        (x, Targets::single(vec![0, 0, 0, 1, 1, 1], 2))
    }

    #[test]
    fn speaks_linfa_fit_and_predict() {
        let (x, t) = toy();
        let data = linfa::DatasetBase::new(x.clone(), t);
        for algo in [
            Algo::Svm,
            Algo::ComplementNb,
            Algo::MultinomialNb,
            Algo::Auto,
        ] {
            let model = ClassifierParams::new().algo(algo).fit(&data).unwrap();
            let mut pred = model.default_target(&x);
            model.predict_inplace(&x, &mut pred);
            assert_eq!(
                pred,
                vec![vec![0], vec![0], vec![0], vec![1], vec![1], vec![1]],
                "{algo}"
            );
        }
    }

    #[test]
    fn invalid_hyperparameters_are_refused() {
        assert!(ClassifierParams::new().c(0.0).check().is_err());
        assert!(ClassifierParams::new().alpha(-1.0).check().is_err());
        assert!(ClassifierParams::new().lsa_dims(0).check().is_err());
    }

    #[test]
    fn probabilities_are_in_range_and_single_label_sums_to_one() {
        let (x, t) = toy();
        let p = ClassifierParams::new().check_unwrap();
        let m = fit(&p, &x, &t).unwrap();
        for pred in m.predict(&x, None) {
            assert!(pred.probs.iter().all(|&q| (0.0..=1.0).contains(&q)));
            assert!((pred.probs.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }
}
