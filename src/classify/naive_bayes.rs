//! Naive Bayes on TF-IDF rows: Complement NB (Rennie et al. 2003) and multinomial NB.
//!
//! Single-label data uses the multi-class forms. Multi-label data gives each label its own
//! binary problem (label vs. not label), where both variants reduce to the same log-odds.
//!
//! Held-out scores come from the same k folds as the SVM's, so that the two estimators are
//! compared on equal terms; for naive Bayes they are exact and cheap (subtract the fold's
//! counts, recompute the weights). Everything is stored feature-major (`j * k + c`), the
//! layout of [`super::LinearModel`].

use super::targets::Targets;
use crate::features::CsrMatrix;
use rayon::prelude::*;

/// Which naive Bayes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NbKind {
    /// Complement NB: weights from the documents *not* in each class.
    Complement,
    /// Multinomial NB.
    Multinomial,
}

/// A fitted naive Bayes with held-out scores.
pub struct NbFit {
    /// Weights, feature-major `n_features × n_classes`.
    pub weights: Vec<f64>,
    /// Bias per class.
    pub bias: Vec<f64>,
    /// Held-out scores, row-major `n × n_classes` (empty without folds).
    pub heldout: Vec<f64>,
    /// Held-out scores of the derived rows, row-major (empty without folds).
    pub derived: Vec<f64>,
}

/// Feature mass per class and overall, and documents per class, of some rows.
struct Counts {
    per_class: Vec<f64>,
    all: Vec<f64>,
    docs_in: Vec<f64>,
    n: f64,
}

impl Counts {
    fn zeros(d: usize, k: usize) -> Counts {
        Counts {
            per_class: vec![0.0; d * k],
            all: vec![0.0; d],
            docs_in: vec![0.0; k],
            n: 0.0,
        }
    }

    fn of(x: &CsrMatrix, t: &Targets, rows: impl Iterator<Item = usize>) -> Counts {
        let mut c = Counts::zeros(x.n_cols(), t.n_labels());
        c.add(x, t, rows, 1.0);
        c
    }

    /// Add (`sign` 1) or remove (`sign` -1) the given rows.
    fn add(&mut self, x: &CsrMatrix, t: &Targets, rows: impl Iterator<Item = usize>, sign: f64) {
        let k = t.n_labels();
        let c = self;
        for i in rows {
            let r = x.row(i);
            c.n += sign;
            for &l in t.labels_of(i) {
                c.docs_in[l as usize] += sign;
            }
            for (&j, &v) in r.indices.iter().zip(r.data) {
                let (j, v) = (j as usize, sign * f64::from(v));
                c.all[j] += v;
                for &l in t.labels_of(i) {
                    c.per_class[j * k + l as usize] += v;
                }
            }
        }
    }

    /// Feature-major weights and biases.
    fn weights(&self, kind: NbKind, multilabel: bool, alpha: f64) -> (Vec<f64>, Vec<f64>) {
        let mut w = vec![0f64; self.per_class.len()];
        let bias = self.weights_into(kind, multilabel, alpha, &mut w);
        (w, bias)
    }

    /// Feature-major weights into `w`; returns the biases.
    fn weights_into(&self, kind: NbKind, multilabel: bool, alpha: f64, w: &mut [f64]) -> Vec<f64> {
        let k = self.docs_in.len();
        let d = self.all.len();
        let dalpha = alpha * d as f64;
        // Class mass and complement mass, per class.
        let mut mass = vec![0f64; k];
        for row in self.per_class.chunks(k) {
            for (m, v) in mass.iter_mut().zip(row) {
                *m += v;
            }
        }
        let total: f64 = self.all.iter().sum();
        let comp_mass: Vec<f64> = mass.iter().map(|m| total - m).collect();
        // One logarithm per entry: the class terms ln(dα + mass) are shared by a class.
        let log_mass: Vec<f64> = mass.iter().map(|m| (dalpha + m).ln()).collect();
        let log_comp: Vec<f64> = comp_mass.iter().map(|m| (dalpha + m).ln()).collect();
        w.par_chunks_mut(k).enumerate().for_each(|(j, wj)| {
            for c in 0..k {
                let pos = self.per_class[j * k + c];
                let neg = (self.all[j] - pos).max(0.0);
                wj[c] = match (multilabel, kind) {
                    (true, _) => ((alpha + pos) / (alpha + neg)).ln() - log_mass[c] + log_comp[c],
                    (false, NbKind::Multinomial) => (alpha + pos).ln() - log_mass[c],
                    (false, NbKind::Complement) => log_comp[c] - (alpha + neg).ln(),
                };
            }
        });
        (0..k)
            .map(|c| {
                let (np, nn) = (self.docs_in[c], self.n - self.docs_in[c]);
                match (multilabel, kind) {
                    (_, NbKind::Complement) => 0.0,
                    (true, NbKind::Multinomial) => ((np + 1.0) / (nn + 1.0)).ln(),
                    (false, NbKind::Multinomial) => (np.max(1e-12) / self.n.max(1.0)).ln(),
                }
            })
            .collect()
    }
}

/// Fit naive Bayes with additive smoothing `alpha`; with two folds or more in `folds`, also
/// score each row (its row in `scored`, see [`super::svm::train_binary`]) with the model
/// fitted without its fold (`folds[i]`).
pub fn fit(
    x: &CsrMatrix,
    t: &Targets,
    kind: NbKind,
    alpha: f64,
    folds: &[u8],
    derived: &super::Derived,
    scored: &CsrMatrix,
) -> NbFit {
    // The folds are numbered from 0; none (an empty `folds`) means no held-out scores.
    let n_folds = folds.iter().map(|&f| usize::from(f) + 1).max().unwrap_or(0);
    let n = x.n_rows();
    let k = t.n_labels();
    let full = Counts::of(x, t, 0..n);
    let (weights, bias) = full.weights(kind, t.is_multilabel(), alpha);
    let mut heldout = Vec::new();
    let mut derived_scores = Vec::new();
    if n_folds >= 2 {
        heldout = vec![0f64; n * k];
        derived_scores = vec![0f64; derived.x.n_rows() * k];
        // One set of buffers for every fold: these are n_features × n_classes each.
        let mut rest = full;
        let mut wf = vec![0f64; weights.len()];
        for f in 0..n_folds as u8 {
            let rows: Vec<usize> = (0..n).filter(|&i| folds[i] == f).collect();
            if rows.is_empty() || rows.len() == n {
                continue;
            }
            rest.add(x, t, rows.iter().copied(), -1.0);
            let bf = rest.weights_into(kind, t.is_multilabel(), alpha, &mut wf);
            rest.add(x, t, rows.iter().copied(), 1.0);
            let score = |r: crate::features::RowView<'_>| {
                let mut s = bf.clone();
                for (&j, &v) in r.indices.iter().zip(r.data) {
                    let wj = &wf[j as usize * k..(j as usize + 1) * k];
                    for (sc, &w) in s.iter_mut().zip(wj) {
                        *sc += f64::from(v) * w;
                    }
                }
                s
            };
            let scores: Vec<Vec<f64>> = rows.par_iter().map(|&i| score(scored.row(i))).collect();
            for (&i, s) in rows.iter().zip(scores) {
                heldout[i * k..(i + 1) * k].copy_from_slice(&s);
            }
            let drows: Vec<usize> = (0..derived.x.n_rows())
                .filter(|&e| derived.fold[e] == f)
                .collect();
            let scores: Vec<Vec<f64>> =
                drows.par_iter().map(|&e| score(derived.x.row(e))).collect();
            for (&e, s) in drows.iter().zip(scores) {
                derived_scores[e * k..(e + 1) * k].copy_from_slice(&s);
            }
        }
    }
    NbFit {
        weights,
        bias,
        heldout,
        derived: derived_scores,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> CsrMatrix {
        let mut x = CsrMatrix::new(3);
        x.push_row(&[0], &[1.0]);
        x.push_row(&[0, 2], &[0.8, 0.6]);
        x.push_row(&[1], &[1.0]);
        x.push_row(&[1, 2], &[0.8, 0.6]);
        x.push_row(&[0, 1], &[0.5, 0.5]);
        x.push_row(&[2], &[1.0]);
        x
    }

    fn score(fit: &NbFit, x: &CsrMatrix, i: usize, c: usize, k: usize) -> f64 {
        let r = x.row(i);
        fit.bias[c]
            + r.indices
                .iter()
                .zip(r.data)
                .map(|(&j, &v)| f64::from(v) * fit.weights[j as usize * k + c])
                .sum::<f64>()
    }

    #[test]
    fn heldout_scores_match_a_refit_without_the_fold() {
        let x = toy();
        let folds = [0u8, 1, 2, 0, 1, 2];
        let targets = [
            Targets::single(vec![0, 0, 1, 1, 0, 1], 2),
            Targets::multi(
                vec![vec![0], vec![0, 1], vec![1], vec![], vec![0], vec![1]],
                2,
            ),
        ];
        for t in &targets {
            for kind in [NbKind::Complement, NbKind::Multinomial] {
                let full = fit(
                    &x,
                    t,
                    kind,
                    1.0,
                    &folds,
                    &crate::classify::Derived::none(x.n_cols()),
                    &x,
                );
                for f in 0..3u8 {
                    let keep: Vec<usize> = (0..6).filter(|&i| folds[i] != f).collect();
                    let part = fit(
                        &x.select_rows(&keep),
                        &t.select(&keep),
                        kind,
                        1.0,
                        &[],
                        &crate::classify::Derived::none(x.n_cols()),
                        &x.select_rows(&keep),
                    );
                    for i in (0..6).filter(|&i| folds[i] == f) {
                        for c in 0..2 {
                            let direct = score(&part, &x, i, c, 2);
                            let held = full.heldout[i * 2 + c];
                            assert!(
                                (direct - held).abs() < 1e-9,
                                "{kind:?} row {i} class {c}: {direct} vs {held}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn complement_nb_prefers_the_right_class() {
        let x = toy();
        let t = Targets::single(vec![0, 0, 1, 1, 0, 1], 2);
        let m = fit(
            &x,
            &t,
            NbKind::Complement,
            1.0,
            &[],
            &crate::classify::Derived::none(x.n_cols()),
            &x,
        );
        assert!(score(&m, &x, 0, 0, 2) > score(&m, &x, 0, 1, 2));
        assert!(score(&m, &x, 2, 1, 2) > score(&m, &x, 2, 0, 2));
    }
}
