//! Splits: stratified folds and train/test splits of a corpus's targets (the
//! cross-validation that uses them is [`crate::model::cv`]).

use crate::classify::Targets;
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
