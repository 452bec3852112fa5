//! Splits and k-fold cross-validation of the whole pipeline (analyzer, vocabulary and
//! estimator are refitted on each training fold, so no test text leaks into the idf).

use crate::classify::Targets;
use crate::corpus::Document;
use crate::model::{CvScores, Model, TrainError, TrainSettings};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Assign documents to `k` folds: stratified by label for single-label targets (each label's
/// documents dealt round-robin after a seeded shuffle), a seeded shuffle otherwise.
pub fn folds(targets: &Targets, k: usize, seed: u64) -> Vec<Vec<usize>> {
    let n = targets.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = vec![Vec::new(); k];
    if targets.is_multilabel() {
        let mut idx: Vec<usize> = (0..n).collect();
        idx.shuffle(&mut rng);
        for (pos, i) in idx.into_iter().enumerate() {
            out[pos % k].push(i);
        }
    } else {
        let mut by_label = vec![Vec::new(); targets.n_labels()];
        for i in 0..n {
            by_label[targets.labels_of(i)[0] as usize].push(i);
        }
        let mut next = 0;
        for mut docs in by_label {
            docs.shuffle(&mut rng);
            for i in docs {
                out[next % k].push(i);
                next += 1;
            }
        }
    }
    for f in &mut out {
        f.sort_unstable();
    }
    out
}

/// A seeded train/test split holding out `test_fraction` of the documents: stratified by
/// label for single-label targets (each label keeps at least one training document and,
/// from two documents on, gives at least one to the test set), a seeded shuffle otherwise.
/// Returns (train, test) indices, each sorted.
pub fn train_test_split(
    targets: &Targets,
    test_fraction: f64,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let n = targets.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let groups: Vec<Vec<usize>> = if targets.is_multilabel() {
        vec![(0..n).collect()]
    } else {
        let mut by_label = vec![Vec::new(); targets.n_labels()];
        for i in 0..n {
            by_label[targets.labels_of(i)[0] as usize].push(i);
        }
        by_label
    };
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for mut g in groups {
        g.shuffle(&mut rng);
        let len = g.len();
        let held = ((len as f64 * test_fraction).round() as usize)
            .clamp(usize::from(len >= 2), len.saturating_sub(1));
        test.extend_from_slice(&g[..held]);
        train.extend_from_slice(&g[held..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

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

/// K-fold cross-validated accuracy, macro and micro F1 of a training configuration.
/// `on_fold` is called after each fold with its number (1-based).
pub fn cross_validate(
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
        crate::model::targets_of(docs).map_err(|source| CvError::Train { fold: 0, source })?;
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
        let model = Model::train(&train, settings, &|_| {}).map_err(err)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_folds_partition_and_balance() {
        let t = Targets::single(vec![0, 0, 0, 0, 1, 1, 1, 1, 1, 1], 2);
        let fs = folds(&t, 2, 1);
        let mut all: Vec<usize> = fs.concat();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        for f in &fs {
            assert_eq!(f.iter().filter(|&&i| i < 4).count(), 2);
        }
        assert_eq!(folds(&t, 2, 1), fs);
    }

    #[test]
    fn stratified_split_holds_out_a_share_of_every_label() {
        let t = Targets::single(vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2], 3);
        let (train, test) = train_test_split(&t, 0.2, 7);
        let mut all = [train.clone(), test.clone()].concat();
        all.sort_unstable();
        assert_eq!(all, (0..13).collect::<Vec<_>>());
        let count = |idx: &[usize], l: u32| idx.iter().filter(|&&i| t.labels_of(i)[0] == l).count();
        assert_eq!(
            (count(&test, 0), count(&test, 1), count(&test, 2)),
            (2, 1, 0)
        );
        assert_eq!(count(&train, 2), 1);
        assert_eq!(train_test_split(&t, 0.2, 7), (train, test));
    }
}
