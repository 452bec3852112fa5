//! Linear SVM trained on sparse rows by dual coordinate descent (Hsieh et al. 2008, the
//! LIBLINEAR solver for L2-regularised L2-loss SVM), one binary problem at a time.

use crate::features::CsrMatrix;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Settings of one binary SVM problem.
#[derive(Debug, Clone, Copy)]
pub struct SvmParams {
    /// Cost of a margin violation for positives and negatives.
    pub c_pos: f64,
    /// Cost for negatives.
    pub c_neg: f64,
    /// Stopping tolerance on the projected gradient.
    pub tol: f64,
    /// Maximum passes over the data.
    pub max_iter: usize,
    /// Seed of the visiting order.
    pub seed: u64,
}

/// A trained binary SVM: `f(x) = w·x + b`, with approximate leave-one-out decision values.
#[derive(Debug, Clone)]
pub struct BinarySvm {
    /// Weights, one per feature.
    pub w: Vec<f64>,
    /// Bias (learned as the weight of a constant feature 1, regularised like LIBLINEAR's).
    pub b: f64,
    /// Approximate leave-one-out decision value of each training row.
    pub loo: Vec<f64>,
    /// Passes made.
    pub iterations: usize,
}

/// Train on rows `x` with targets `y` (true = positive).
pub fn train_binary(x: &CsrMatrix, y: &[bool], p: &SvmParams) -> BinarySvm {
    let n = x.n_rows();
    let d = x.n_cols();
    let mut w = vec![0f64; d + 1]; // last entry: bias weight
    let sign: Vec<f64> = y.iter().map(|&t| if t { 1.0 } else { -1.0 }).collect();
    let diag: Vec<f64> = y
        .iter()
        .map(|&t| 0.5 / if t { p.c_pos } else { p.c_neg })
        .collect();
    let qd: Vec<f64> = (0..n).map(|i| x.row(i).norm_sq() + 1.0 + diag[i]).collect();
    let mut alpha = vec![0f64; n];
    let mut index: Vec<usize> = (0..n).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let mut active = n;
    // L2-loss has no upper bound on α, so only the lower side shrinks.
    let mut pg_max_old = f64::INFINITY;
    let mut iter = 0;
    while iter < p.max_iter {
        let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
        index[..active].shuffle(&mut rng);
        let mut s = 0;
        while s < active {
            let i = index[s];
            let row = x.row(i);
            let yi = sign[i];
            let wx: f64 = row
                .indices
                .iter()
                .zip(row.data)
                .map(|(&j, &v)| w[j as usize] * f64::from(v))
                .sum::<f64>()
                + w[d];
            let g = yi * wx - 1.0 + alpha[i] * diag[i];
            let mut pg = 0.0;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    active -= 1;
                    index.swap(s, active);
                    continue;
                } else if g < 0.0 {
                    pg = g;
                }
            } else {
                pg = g;
            }
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).max(0.0);
                let delta = (alpha[i] - old) * yi;
                for (&j, &v) in row.indices.iter().zip(row.data) {
                    w[j as usize] += delta * f64::from(v);
                }
                w[d] += delta;
            }
            s += 1;
        }
        iter += 1;
        if pg_max - pg_min <= p.tol {
            if active == n {
                break;
            }
            active = n;
            pg_max_old = f64::INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
    }
    let b = w[d];
    w.truncate(d);
    // Leave-one-out estimate without refitting: removing row i takes its own term
    // α_i y_i (x_i·x_i + 1) out of its decision value (Jaakkola & Haussler 1999).
    let loo = (0..n)
        .map(|i| {
            let f = x.row(i).dot_f64(&w) + b;
            f - alpha[i] * sign[i] * (qd[i] - diag[i])
        })
        .collect();
    BinarySvm {
        w,
        b,
        loo,
        iterations: iter,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_a_separable_problem() {
        let mut x = CsrMatrix::new(3);
        let y = [true, true, false, false];
        x.push_row(&[0], &[1.0]);
        x.push_row(&[0, 2], &[0.8, 0.6]);
        x.push_row(&[1], &[1.0]);
        x.push_row(&[1, 2], &[0.8, 0.6]);
        let p = SvmParams {
            c_pos: 1.0,
            c_neg: 1.0,
            tol: 1e-4,
            max_iter: 1000,
            seed: 1,
        };
        let m = train_binary(&x, &y, &p);
        for (i, &t) in y.iter().enumerate() {
            let f = x.row(i).dot_f64(&m.w) + m.b;
            assert_eq!(f > 0.0, t, "row {i}: {f}");
            assert!(m.loo[i] <= f + 1e-12 || !t);
        }
        let again = train_binary(&x, &y, &p);
        assert_eq!(m.w, again.w);
    }
}
