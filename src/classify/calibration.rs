//! Turning raw scores into probabilities in [0, 1] that are comparable across labels, fitted
//! on held-out scores of the training rows (never on the rows' own fitted scores, which
//! are over-confident):
//! - single-label: temperature-scaled softmax (one parameter, keeps the argmax);
//! - multi-label: one Platt sigmoid per label (Lin, Lin & Weng 2007), then a per-label
//!   decision threshold that maximises the label's F1.

use serde::{Deserialize, Serialize};

/// How scores become probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Calibration {
    /// `p = softmax(score / temperature)`.
    Softmax {
        /// The temperature.
        temperature: f64,
    },
    /// `p_c = 1 / (1 + exp(a_c · score_c + b_c))`.
    Sigmoid {
        /// `(a, b)` per label.
        params: Vec<(f64, f64)>,
    },
}

impl Calibration {
    /// Probabilities of one row of raw scores, in place.
    pub fn apply(&self, scores: &mut [f64]) {
        match self {
            Calibration::Softmax { temperature } => softmax(scores, *temperature),
            Calibration::Sigmoid { params } => {
                for (s, &(a, b)) in scores.iter_mut().zip(params) {
                    *s = sigmoid(-(a * *s + b));
                }
            }
        }
    }
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `softmax(s / t)` in place.
pub fn softmax(s: &mut [f64], t: f64) {
    let max = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut z = 0.0;
    for v in s.iter_mut() {
        *v = ((*v - max) / t).exp();
        z += *v;
    }
    for v in s.iter_mut() {
        *v /= z;
    }
}

/// The temperature minimising the log loss of `softmax(scores / t)` against `truth`
/// (`scores` row-major `n × k`).
pub fn fit_temperature(scores: &[f64], truth: &[u32], k: usize) -> f64 {
    use rayon::prelude::*;
    let rows = 1024;
    let nll = |log_t: f64| -> f64 {
        let t = log_t.exp();
        // Fixed chunks summed in order: the same result whatever the number of threads.
        let parts: Vec<f64> = scores
            .par_chunks(k * rows)
            .zip(truth.par_chunks(rows))
            .map(|(block, ys)| {
                let mut total = 0.0;
                for (row, &y) in block.chunks(k).zip(ys) {
                    let max = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let z: f64 = row.iter().map(|&v| ((v - max) / t).exp()).sum();
                    total += z.ln() - (row[y as usize] - max) / t;
                }
                total
            })
            .collect();
        parts.iter().sum()
    };
    // The loss is unimodal in log t.
    golden_min(nll, -12.0, 12.0, 48).exp()
}

/// The minimum of a unimodal `f` on `[a, b]` by golden-section search, `iters` steps.
pub fn golden_min(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64, iters: usize) -> f64 {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..iters {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    (a + b) / 2.0
}

/// Platt's sigmoid `(a, b)` fitted to decision values `f` with binary targets `y`, by the
/// Newton method with backtracking of Lin, Lin & Weng (2007).
pub fn fit_platt(f: &[f64], y: &[bool]) -> (f64, f64) {
    let prior1 = y.iter().filter(|&&t| t).count() as f64;
    let prior0 = y.len() as f64 - prior1;
    let hi = (prior1 + 1.0) / (prior1 + 2.0);
    let lo = 1.0 / (prior0 + 2.0);
    let t: Vec<f64> = y.iter().map(|&p| if p { hi } else { lo }).collect();
    let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
    let objective = |a: f64, b: f64| -> f64 {
        f.iter()
            .zip(&t)
            .map(|(&fi, &ti)| {
                let z = fi * a + b;
                if z >= 0.0 {
                    ti * z + (1.0 + (-z).exp()).ln()
                } else {
                    (ti - 1.0) * z + (1.0 + z.exp()).ln()
                }
            })
            .sum()
    };
    let mut fval = objective(a, b);
    for _ in 0..100 {
        let (mut h11, mut h22, mut h21, mut g1, mut g2) = (1e-12, 1e-12, 0.0, 0.0, 0.0);
        for (&fi, &ti) in f.iter().zip(&t) {
            let z = fi * a + b;
            let (p, q) = if z >= 0.0 {
                let e = (-z).exp();
                (e / (1.0 + e), 1.0 / (1.0 + e))
            } else {
                let e = z.exp();
                (1.0 / (1.0 + e), e / (1.0 + e))
            };
            let d2 = p * q;
            h11 += fi * fi * d2;
            h22 += d2;
            h21 += fi * d2;
            let d1 = ti - p;
            g1 += fi * d1;
            g2 += d1;
        }
        if g1.abs() < 1e-5 && g2.abs() < 1e-5 {
            break;
        }
        let det = h11 * h22 - h21 * h21;
        let da = -(h22 * g1 - h21 * g2) / det;
        let db = -(-h21 * g1 + h11 * g2) / det;
        let gd = g1 * da + g2 * db;
        let mut step = 1.0;
        let mut moved = false;
        while step >= 1e-10 {
            let (na, nb) = (a + step * da, b + step * db);
            let nf = objective(na, nb);
            if nf < fval + 1e-4 * step * gd {
                a = na;
                b = nb;
                fval = nf;
                moved = true;
                break;
            }
            step /= 2.0;
        }
        if !moved {
            break;
        }
    }
    (a, b)
}

/// Where to cut one label's scores to maximise its F1, and the counts at that cut.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cut {
    /// Scores at or above this are positive (midway between the last kept and the next).
    pub threshold: f64,
    /// True positives at the cut.
    pub tp: usize,
    /// False positives at the cut.
    pub fp: usize,
    /// False negatives at the cut.
    pub fneg: usize,
}

/// The F1-maximising cut of one label's scores (ties in score are never split).
pub fn best_cut(scores: &[f64], y: &[bool]) -> Cut {
    let positives = y.iter().filter(|&&t| t).count();
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&i, &j| scores[j].total_cmp(&scores[i]).then(i.cmp(&j)));
    let mut best = Cut {
        threshold: f64::INFINITY,
        tp: 0,
        fp: 0,
        fneg: positives,
    };
    let (mut tp, mut best_f1) = (0usize, 0.0);
    for (rank, &i) in order.iter().enumerate() {
        if y[i] {
            tp += 1;
        }
        // Predict positive for the first rank+1 rows; only cut between distinct values.
        if rank + 1 < order.len() && scores[order[rank + 1]] == scores[i] {
            continue;
        }
        let f1 = 2.0 * tp as f64 / ((rank + 1) as f64 + positives as f64);
        if f1 > best_f1 {
            best_f1 = f1;
            best = Cut {
                threshold: match order.get(rank + 1) {
                    Some(&next) => (scores[i] + scores[next]) / 2.0,
                    // Every row is positive: any threshold below the lowest score.
                    None => f64::NEG_INFINITY,
                },
                tp,
                fp: rank + 1 - tp,
                fneg: positives - tp,
            };
        }
    }
    best
}

/// The probability threshold that maximises F1 of one label, from calibrated held-out
/// probabilities, kept within [0.02, 0.98]. Labels with fewer than two examples keep 0.5.
pub fn best_threshold(p: &[f64], y: &[bool]) -> f64 {
    if y.iter().filter(|&&t| t).count() < 2 {
        return 0.5;
    }
    let cut = best_cut(p, y);
    if cut.tp == 0 {
        return 0.5;
    }
    cut.threshold.clamp(0.02, 0.98)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperature_sharpens_separable_scores() {
        let scores = [2.0, 0.0, 0.0, 2.0, 2.0, 0.0, 0.0, 2.0];
        let t = fit_temperature(&scores, &[0, 1, 0, 1], 2);
        assert!(t < 0.1, "{t}");
        let mut row = [1.0, 0.0];
        softmax(&mut row, 1.0);
        assert!((row[0] + row[1] - 1.0).abs() < 1e-12 && row[0] > row[1]);
    }

    #[test]
    fn platt_is_increasing_in_the_score() {
        let f = [-2.0, -1.5, -1.0, -0.2, 0.3, 0.8, 1.5, 2.0];
        let y = [false, false, false, true, false, true, true, true];
        let (a, b) = fit_platt(&f, &y);
        assert!(a < 0.0, "{a} {b}");
        let c = Calibration::Sigmoid {
            params: vec![(a, b)],
        };
        let (mut lo, mut hi) = ([-2.0], [2.0]);
        c.apply(&mut lo);
        c.apply(&mut hi);
        assert!(lo[0] < 0.2 && hi[0] > 0.8);
    }

    #[test]
    fn threshold_separates_when_possible() {
        let p = [0.9, 0.8, 0.4, 0.3, 0.1];
        let y = [true, true, false, false, false];
        let t = best_threshold(&p, &y);
        assert!(t > 0.4 && t < 0.8, "{t}");
    }
}
