//! K-fold cross-validation of the whole pipeline: analyzer, vocabulary and estimator are
//! refitted on each training fold, so no test text leaks into the idf.

use super::{CvScores, Model, TrainError, TrainSettings};
use crate::corpus::Document;
use crate::eval::folds;

/// Errors of cross-validation.
#[derive(Debug, thiserror::Error)]
pub enum CvError {
    /// Fewer documents than folds, or fewer than 2 folds.
    #[error("cannot make {k} folds from {n} documents (need 2 <= k <= documents)")]
    Folds {
        /// Folds asked.
        k: usize,
        /// Documents.
        n: usize,
    },
    /// Training a fold failed.
    #[error("fold {fold}: {source}")]
    Train {
        /// 1-based fold.
        fold: usize,
        /// Why.
        source: TrainError,
    },
}

/// K-fold cross-validated accuracy, macro and micro F1 of a training configuration (folds
/// stratified for single-label data, drawn with `seed`).
pub fn cross_validate(
    docs: &[Document],
    settings: &TrainSettings,
    k: usize,
    seed: u64,
) -> Result<CvScores, CvError> {
    cross_validate_with_progress(docs, settings, k, seed, &|_| {})
}

/// [`cross_validate`], calling `on_fold` after each fold with its number (1-based).
pub fn cross_validate_with_progress(
    docs: &[Document],
    settings: &TrainSettings,
    k: usize,
    seed: u64,
    on_fold: &dyn Fn(usize),
) -> Result<CvScores, CvError> {
    if k < 2 || k > docs.len() {
        return Err(CvError::Folds { k, n: docs.len() });
    }
    let (_, targets) =
        super::targets_of(docs).map_err(|source| CvError::Train { fold: 0, source })?;
    let fs = folds(&targets, k, seed);
    let mut scores = Vec::with_capacity(k);
    for (f, test_idx) in fs.iter().enumerate() {
        let train: Vec<Document> = fs
            .iter()
            .enumerate()
            .filter(|(g, _)| *g != f)
            .flat_map(|(_, idx)| idx.iter().map(|&i| docs[i].clone()))
            .collect();
        let test: Vec<Document> = test_idx.iter().map(|&i| docs[i].clone()).collect();
        let err = |source| CvError::Train {
            fold: f + 1,
            source,
        };
        let model = Model::train(&train, settings).map_err(err)?;
        let r = model.evaluate(&test).map_err(err)?;
        scores.push((r.accuracy, r.macro_f1, r.micro_f1));
        on_fold(f + 1);
    }
    let stat = |sel: fn(&(f64, f64, f64)) -> f64| {
        let v: Vec<f64> = scores.iter().map(sel).collect();
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64;
        (m, var.sqrt())
    };
    let (a, a_sd) = stat(|s| s.0);
    let (ma, ma_sd) = stat(|s| s.1);
    let (mi, mi_sd) = stat(|s| s.2);
    Ok(CvScores {
        folds: k,
        accuracy: a,
        accuracy_std: a_sd,
        macro_f1: ma,
        macro_f1_std: ma_sd,
        micro_f1: mi,
        micro_f1_std: mi_sd,
    })
}
