//! Linear SVM trained on sparse rows by dual coordinate descent (Hsieh et al. 2008, the
//! LIBLINEAR solver for L2-regularised L2-loss SVM), one binary problem at a time.
//!
//! Held-out decision values for calibration and model selection come from k-fold
//! cross-fitting with *alpha seeding* (Lee, Chang & Lin): each fold's model starts from the
//! full solution with the fold's dual variables removed, so it converges in a few passes
//! instead of a full refit.

use super::Derived;
use crate::features::CsrMatrix;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Settings of one binary SVM problem.
#[derive(Debug, Clone, Copy)]
pub struct SvmParams {
    /// Cost of a margin violation for positives.
    pub c_pos: f64,
    /// Cost for negatives.
    pub c_neg: f64,
    /// Stopping tolerance on the projected gradient.
    pub tol: f64,
    /// Maximum passes over the data.
    pub max_iter: usize,
    /// Seed of the visiting order.
    pub seed: u64,
    /// Passes allowed to each alpha-seeded fold.
    pub fold_passes: usize,
}

/// A trained binary SVM: `f(x) = w·x + b`, with held-out decision values.
#[derive(Debug, Clone)]
pub struct BinarySvm {
    /// Weights, one per feature.
    pub w: Vec<f64>,
    /// Bias (learned as the weight of a constant feature 1, regularised like LIBLINEAR's).
    pub b: f64,
    /// Decision value of each training row from a model that did not see it (k-fold), or
    /// empty when no folds were asked for.
    pub heldout: Vec<f64>,
    /// Decision value of each derived row (see [`Derived`]) from the fold model that did not
    /// see its source.
    pub derived: Vec<f64>,
    /// Passes made by the full fit.
    pub iterations: usize,
}

struct Problem<'a> {
    x: &'a CsrMatrix,
    sign: Vec<f64>,
    diag: Vec<f64>,
    qd: Vec<f64>,
}

impl Problem<'_> {
    fn decision(&self, i: usize, w: &[f64]) -> f64 {
        let d = self.x.n_cols();
        self.x.row(i).dot_f64(&w[..d]) + w[d]
    }

    fn add_row(&self, i: usize, delta: f64, w: &mut [f64]) {
        let r = self.x.row(i);
        for (&j, &v) in r.indices.iter().zip(r.data) {
            w[j as usize] += delta * f64::from(v);
        }
        let d = self.x.n_cols();
        w[d] += delta;
    }

    /// Dual coordinate descent over `rows`, from the given `alpha` and matching `w`.
    fn solve(
        &self,
        rows: &[usize],
        alpha: &mut [f64],
        w: &mut [f64],
        tol: f64,
        max_iter: usize,
        rng: &mut ChaCha8Rng,
    ) -> usize {
        let mut index = rows.to_vec();
        let n = index.len();
        let mut active = n;
        // L2-loss has no upper bound on α, so only the lower side shrinks.
        let mut pg_max_old = f64::INFINITY;
        let mut iter = 0;
        while iter < max_iter {
            let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
            index[..active].shuffle(rng);
            let mut s = 0;
            while s < active {
                let i = index[s];
                let g = self.sign[i] * self.decision(i, w) - 1.0 + alpha[i] * self.diag[i];
                let mut pg = g;
                if alpha[i] == 0.0 {
                    if g > pg_max_old {
                        active -= 1;
                        index.swap(s, active);
                        continue;
                    }
                    pg = g.min(0.0);
                }
                pg_max = pg_max.max(pg);
                pg_min = pg_min.min(pg);
                if pg.abs() > 1e-12 {
                    let old = alpha[i];
                    alpha[i] = (old - g / self.qd[i]).max(0.0);
                    self.add_row(i, (alpha[i] - old) * self.sign[i], w);
                }
                s += 1;
            }
            iter += 1;
            if pg_max - pg_min <= tol {
                if active == n {
                    break;
                }
                active = n;
                pg_max_old = f64::INFINITY;
                continue;
            }
            pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
        }
        iter
    }
}

/// Train on rows `x` with targets `y` (true = positive). `folds[i]` assigns row `i` to a
/// held-out fold; with `n_folds >= 2` every row also gets a held-out decision value (of its
/// row in `scored`: `x`, or `x` as the fold's pipeline would vectorise it, see
/// `classify::heldout::HeldOut`), and so does every row of `derived`.
pub fn train_binary(
    x: &CsrMatrix,
    y: &[bool],
    p: &SvmParams,
    folds: &[u8],
    n_folds: usize,
    derived: &Derived,
    scored: &CsrMatrix,
) -> BinarySvm {
    let n = x.n_rows();
    let d = x.n_cols();
    let diag: Vec<f64> = y
        .iter()
        .map(|&t| 0.5 / if t { p.c_pos } else { p.c_neg })
        .collect();
    let problem = Problem {
        x,
        sign: y.iter().map(|&t| if t { 1.0 } else { -1.0 }).collect(),
        qd: (0..n).map(|i| x.row(i).norm_sq() + 1.0 + diag[i]).collect(),
        diag,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let mut w = vec![0f64; d + 1]; // last entry: bias weight
    let mut alpha = vec![0f64; n];
    let all: Vec<usize> = (0..n).collect();
    let iterations = problem.solve(&all, &mut alpha, &mut w, p.tol, p.max_iter, &mut rng);

    let mut heldout = Vec::new();
    let mut derived_scores = Vec::new();
    if n_folds >= 2 {
        heldout = vec![0f64; n];
        derived_scores = vec![0f64; derived.x.n_rows()];
        let (mut wf, mut af) = (w.clone(), alpha.clone());
        for f in 0..n_folds as u8 {
            let (out, keep): (Vec<usize>, Vec<usize>) = all.iter().partition(|&&i| folds[i] == f);
            if out.is_empty() || keep.is_empty() {
                continue;
            }
            wf.copy_from_slice(&w);
            af.copy_from_slice(&alpha);
            for &i in &out {
                problem.add_row(i, -af[i] * problem.sign[i], &mut wf);
                af[i] = 0.0;
            }
            problem.solve(
                &keep,
                &mut af,
                &mut wf,
                p.tol * 2.0,
                p.fold_passes,
                &mut rng,
            );
            for &i in &out {
                heldout[i] = scored.row(i).dot_f64(&wf[..d]) + wf[d];
            }
            for (e, s) in derived_scores.iter_mut().enumerate() {
                if derived.fold[e] == f {
                    *s = derived.x.row(e).dot_f64(&wf[..d]) + wf[d];
                }
            }
        }
    }
    let b = w[d];
    w.truncate(d);
    BinarySvm {
        w,
        b,
        heldout,
        derived: derived_scores,
        iterations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (CsrMatrix, Vec<bool>) {
        let mut x = CsrMatrix::new(3);
        let y = vec![true, true, false, false, true, false];
        x.push_row(&[0], &[1.0]);
        x.push_row(&[0, 2], &[0.8, 0.6]);
        x.push_row(&[1], &[1.0]);
        x.push_row(&[1, 2], &[0.8, 0.6]);
        x.push_row(&[0, 1], &[0.9, 0.1]);
        x.push_row(&[0, 1], &[0.1, 0.9]);
        (x, y)
    }

    const P: SvmParams = SvmParams {
        c_pos: 1.0,
        c_neg: 1.0,
        tol: 1e-6,
        max_iter: 1000,
        seed: 1,
        fold_passes: 1000,
    };

    /// `train_binary` with no derived rows, the rows held out as they are.
    fn train(x: &CsrMatrix, y: &[bool], folds: &[u8], n_folds: usize) -> BinarySvm {
        let none = crate::classify::Derived::none(x.n_cols());
        train_binary(x, y, &P, folds, n_folds, &none, x)
    }

    #[test]
    fn separates_a_separable_problem_deterministically() {
        let (x, y) = toy();
        let m = train(&x, &y, &[0; 6], 0);
        for (i, &t) in y.iter().enumerate() {
            let f = x.row(i).dot_f64(&m.w) + m.b;
            assert_eq!(f > 0.0, t, "row {i}: {f}");
        }
        assert_eq!(m.w, train(&x, &y, &[0; 6], 0).w);
    }

    #[test]
    fn heldout_values_match_a_refit_without_the_fold() {
        let (x, y) = toy();
        let folds = [0u8, 1, 0, 1, 0, 1];
        let m = train(&x, &y, &folds, 2);
        for f in 0..2u8 {
            let keep: Vec<usize> = (0..6).filter(|&i| folds[i] != f).collect();
            let xs = x.select_rows(&keep);
            let ys: Vec<bool> = keep.iter().map(|&i| y[i]).collect();
            let refit = train(&xs, &ys, &[0; 3], 0);
            for i in (0..6).filter(|&i| folds[i] == f) {
                let direct = x.row(i).dot_f64(&refit.w) + refit.b;
                assert!(
                    (direct - m.heldout[i]).abs() < 1e-3,
                    "row {i}: {direct} vs {}",
                    m.heldout[i]
                );
            }
        }
    }
}
