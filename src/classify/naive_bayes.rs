//! Naive Bayes on TF-IDF rows: Complement NB (Rennie et al. 2003) and multinomial NB, with
//! exact leave-one-out scores computed from the counts (no refits).
//!
//! Single-label data uses the multi-class forms. Multi-label data gives each label its own
//! binary problem (label vs. not label), where both variants reduce to the same log-odds.

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

/// A fitted naive Bayes as per-class weight columns and biases, with LOO scores.
pub struct NbFit {
    /// `(weights, bias)` per class.
    pub columns: Vec<(Vec<f64>, f64)>,
    /// Leave-one-out scores, row-major `n × n_classes`.
    pub loo: Vec<f64>,
}

/// Fit naive Bayes with additive smoothing `alpha`.
pub fn fit(x: &CsrMatrix, t: &Targets, kind: NbKind, alpha: f64) -> NbFit {
    let n = x.n_rows();
    let d = x.n_cols();
    let k = t.n_labels();
    // Feature mass per class and overall.
    let mut per_class = vec![vec![0f64; d]; k];
    let mut all = vec![0f64; d];
    let mut docs_in = vec![0usize; k];
    for i in 0..n {
        let r = x.row(i);
        for &c in t.labels_of(i) {
            docs_in[c as usize] += 1;
            let pc = &mut per_class[c as usize];
            for (&j, &v) in r.indices.iter().zip(r.data) {
                pc[j as usize] += f64::from(v);
            }
        }
        for (&j, &v) in r.indices.iter().zip(r.data) {
            all[j as usize] += f64::from(v);
        }
    }
    let row_mass: Vec<f64> = (0..n)
        .map(|i| x.row(i).data.iter().map(|&v| f64::from(v)).sum())
        .collect();
    let dalpha = alpha * d as f64;
    let complement =
        |c: usize| -> Vec<f64> { all.iter().zip(&per_class[c]).map(|(a, p)| a - p).collect() };
    let sum = |v: &[f64]| v.iter().sum::<f64>();

    if t.is_multilabel() {
        // Binary log-odds per label: log θ_c,j − log θ_¬c,j (+ log prior odds).
        type Fitted = ((Vec<f64>, f64), Vec<f64>);
        let fits: Vec<Fitted> = (0..k)
            .into_par_iter()
            .map(|c| {
                let pos = &per_class[c];
                let neg = complement(c);
                let (sp, sn) = (sum(pos), sum(&neg));
                let np = docs_in[c] as f64;
                let nn = (n - docs_in[c]) as f64;
                let w: Vec<f64> = (0..d)
                    .map(|j| {
                        ((alpha + pos[j]) / (dalpha + sp)).ln()
                            - ((alpha + neg[j]) / (dalpha + sn)).ln()
                    })
                    .collect();
                let prior = |a: f64, b: f64| ((a + 1.0) / (b + 1.0)).ln();
                let b = if kind == NbKind::Multinomial {
                    prior(np, nn)
                } else {
                    0.0
                };
                let loo: Vec<f64> = (0..n)
                    .map(|i| {
                        let r = x.row(i);
                        let is_pos = t.has(i, c);
                        let (cnt, tot) = if is_pos { (pos, sp) } else { (&neg, sn) };
                        let mut s = b;
                        if kind == NbKind::Multinomial {
                            s = if is_pos {
                                prior(np - 1.0, nn)
                            } else {
                                prior(np, nn - 1.0)
                            };
                        }
                        let m = row_mass[i];
                        let (mut own, mut shifted) = (0.0, 0.0);
                        for (&j, &v) in r.indices.iter().zip(r.data) {
                            let (j, v) = (j as usize, f64::from(v));
                            own += v * w[j];
                            let l_new = ((alpha + cnt[j] - v).max(1e-12) / (dalpha + tot - m)).ln();
                            let l_old = ((alpha + cnt[j]) / (dalpha + tot)).ln();
                            shifted += v * if is_pos { l_new - l_old } else { l_old - l_new };
                        }
                        s + own + shifted
                    })
                    .collect();
                ((w, b), loo)
            })
            .collect();
        let mut loo = vec![0f64; n * k];
        let mut columns = Vec::with_capacity(k);
        for (c, (col, l)) in fits.into_iter().enumerate() {
            for i in 0..n {
                loo[i * k + c] = l[i];
            }
            columns.push(col);
        }
        return NbFit { columns, loo };
    }

    // Single-label, multi-class.
    let counts: Vec<Vec<f64>> = match kind {
        NbKind::Complement => (0..k).map(complement).collect(),
        NbKind::Multinomial => per_class.clone(),
    };
    let totals: Vec<f64> = counts.iter().map(|c| sum(c)).collect();
    let sign = if kind == NbKind::Complement {
        -1.0
    } else {
        1.0
    };
    let log_prior = |nc: f64, n: f64| {
        if kind == NbKind::Multinomial {
            (nc.max(1e-12) / n).ln()
        } else {
            0.0
        }
    };
    let columns: Vec<(Vec<f64>, f64)> = (0..k)
        .map(|c| {
            let w = counts[c]
                .iter()
                .map(|&v| sign * ((alpha + v) / (dalpha + totals[c])).ln())
                .collect();
            (w, log_prior(docs_in[c] as f64, n as f64))
        })
        .collect();
    // LOO: row i's mass leaves the counts of the classes whose counts include it — its own
    // class for multinomial NB, every other class for complement NB.
    // Hot loop, feature-major so that one feature's classes sit side by side in memory. The
    // weights already hold ln(α + count) − ln(dα + total), so a touched class needs only
    // ln(1 − v / (α + count)) per feature and one ln per (row, class).
    let mut w_fm = vec![0f64; d * k];
    let mut inv_fm = vec![0f64; d * k];
    for c in 0..k {
        for j in 0..d {
            w_fm[j * k + c] = columns[c].0[j];
            inv_fm[j * k + c] = 1.0 / (alpha + counts[c][j]);
        }
    }
    let (totals, docs_in, row_mass) = (&totals, &docs_in, &row_mass);
    let (w_fm, inv_fm) = (&w_fm, &inv_fm);
    let loo: Vec<f64> = (0..n)
        .into_par_iter()
        .flat_map_iter(|i| {
            let r = x.row(i);
            let yi = t.labels_of(i)[0] as usize;
            let m = row_mass[i];
            let touched = move |c: usize| match kind {
                NbKind::Complement => c != yi,
                NbKind::Multinomial => c == yi,
            };
            let mut dot = vec![0f64; k];
            let mut shift = vec![0f64; k];
            for (&j, &v) in r.indices.iter().zip(r.data) {
                let (j, v) = (j as usize, f64::from(v));
                let ws = &w_fm[j * k..(j + 1) * k];
                let inv = &inv_fm[j * k..(j + 1) * k];
                for c in 0..k {
                    dot[c] += v * ws[c];
                    if touched(c) {
                        shift[c] += v * ln_1m((v * inv[c]).min(1.0 - 1e-12));
                    }
                }
            }
            (0..k).map(move |c| {
                let nc = docs_in[c] as f64 - if c == yi { 1.0 } else { 0.0 };
                let mut s = log_prior(nc, (n - 1).max(1) as f64) + dot[c];
                if touched(c) {
                    let log_tot = ((dalpha + totals[c]) / (dalpha + totals[c] - m).max(1e-12)).ln();
                    s += sign * (shift[c] + m * log_tot);
                }
                s
            })
        })
        .collect();
    NbFit { columns, loo }
}

/// `ln(1 − u)` for `0 <= u < 1`, by its series where `u` is small (the common case: one
/// document is a small part of a class's mass).
fn ln_1m(u: f64) -> f64 {
    if u < 0.05 {
        let u2 = u * u;
        -(u + u2 / 2.0 + u2 * u / 3.0 + u2 * u2 / 4.0 + u2 * u2 * u / 5.0)
    } else {
        (-u).ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (CsrMatrix, Targets) {
        let mut x = CsrMatrix::new(3);
        x.push_row(&[0], &[1.0]);
        x.push_row(&[0, 2], &[0.8, 0.6]);
        x.push_row(&[1], &[1.0]);
        x.push_row(&[1, 2], &[0.8, 0.6]);
        let t = Targets::single(vec![0, 0, 1, 1], 2);
        (x, t)
    }

    #[test]
    fn loo_matches_refit_without_the_row() {
        let (x, t) = toy();
        for kind in [NbKind::Complement, NbKind::Multinomial] {
            let full = fit(&x, &t, kind, 1.0);
            for i in 0..x.n_rows() {
                let rest: Vec<usize> = (0..x.n_rows()).filter(|&r| r != i).collect();
                let xr = x.select_rows(&rest);
                let tr = t.select(&rest);
                let part = fit(&xr, &tr, kind, 1.0);
                for c in 0..2 {
                    let (w, b) = &part.columns[c];
                    let direct = x.row(i).dot_f64(w) + b;
                    let loo = full.loo[i * 2 + c];
                    assert!(
                        (direct - loo).abs() < 1e-9,
                        "{kind:?} row {i} class {c}: {direct} vs {loo}"
                    );
                }
            }
        }
    }

    #[test]
    fn multilabel_loo_matches_refit() {
        let (x, _) = toy();
        let t = Targets::multi(vec![vec![0], vec![0, 1], vec![1], vec![]], 2);
        let full = fit(&x, &t, NbKind::Multinomial, 1.0);
        for i in 0..x.n_rows() {
            let rest: Vec<usize> = (0..x.n_rows()).filter(|&r| r != i).collect();
            let part = fit(
                &x.select_rows(&rest),
                &t.select(&rest),
                NbKind::Multinomial,
                1.0,
            );
            for c in 0..2 {
                let (w, b) = &part.columns[c];
                let direct = x.row(i).dot_f64(w) + b;
                assert!((direct - full.loo[i * 2 + c]).abs() < 1e-9);
            }
        }
    }
}
