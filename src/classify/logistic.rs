//! L2-regularised logistic regression on the sparse TF-IDF rows, solved by L-BFGS (argmin):
//! multinomial (softmax) for single-label targets, one binary problem per label for
//! multi-label ones. The objective is scikit-learn's `LogisticRegression`: `C · Σ log loss +
//! ½‖W‖²`, the bias unpenalised.
//!
//! Why: on small sets of short texts (a few hundred headlines or posts over a dozen labels)
//! logistic regression is the best of scikit-learn's pipelines, ahead of the linear SVM and
//! naive Bayes that `auto` mixes (see BENCHMARKS.md, issue 8).
//!
//! Held-out scores come from the same folds as the other estimators: each fold model starts
//! from the full solution and runs to the same tolerance (the objective is strictly convex,
//! so where it starts changes the iterations, not the optimum).

use super::{ClassWeight, Derived, Scored, Targets, ValidClassifierParams};
use crate::features::CsrMatrix;
use argmin::core::{CostFunction, Error as ArgminError, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;
use rayon::prelude::*;
use std::cell::RefCell;

/// Stop when the gradient's L2 norm is below this (relative to the number of rows).
const GRAD_TOL: f64 = 1e-4;
/// Most L-BFGS iterations of one fit.
const MAX_ITERS: u64 = 300;
/// Correction pairs L-BFGS keeps.
const HISTORY: usize = 10;

/// What the outputs predict: a class per row (softmax over `k`) or one label (a sigmoid).
enum Task<'a> {
    Multinomial { class: &'a [u32], k: usize },
    Binary { y: &'a [bool] },
}

impl Task<'_> {
    fn outputs(&self) -> usize {
        match self {
            Task::Multinomial { k, .. } => *k,
            Task::Binary { .. } => 1,
        }
    }
}

/// The objective over the rows `rows` of `x`; parameters feature-major (`j * k + c`) with
/// the `k` biases last.
struct Problem<'a> {
    x: &'a CsrMatrix,
    rows: &'a [usize],
    task: &'a Task<'a>,
    /// `C` times the class weight of each row.
    cost: &'a [f64],
}

impl Problem<'_> {
    /// Cost and, when `grad` is given, its gradient.
    fn eval(&self, w: &[f64], mut grad: Option<&mut [f64]>) -> f64 {
        let k = self.task.outputs();
        let d = self.x.n_cols();
        let mut z = vec![0.0; k];
        let mut total = 0.0;
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        for &i in self.rows {
            scores_of(self.x, i, w, k, &mut z);
            let row = self.x.row(i);
            let ci = self.cost[i];
            // Loss, and z turned into d loss / d z.
            match &self.task {
                Task::Multinomial { class, .. } => {
                    let y = class[i] as usize;
                    let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    // log Σ e^z − z_y, with no log of an underflowed exponential.
                    let zy = z[y] - max;
                    let mut sum = 0.0;
                    for zc in z.iter_mut() {
                        *zc = (*zc - max).exp();
                        sum += *zc;
                    }
                    total += ci * (sum.ln() - zy);
                    for zc in z.iter_mut() {
                        *zc /= sum;
                    }
                    z[y] -= 1.0;
                }
                Task::Binary { y } => {
                    let s = if y[i] { 1.0 } else { -1.0 };
                    let m = s * z[0];
                    // log(1 + e^-m), stable both ways.
                    total += ci
                        * if m > 0.0 {
                            (-m).exp().ln_1p()
                        } else {
                            -m + m.exp().ln_1p()
                        };
                    z[0] = -s / (1.0 + m.exp());
                }
            }
            if let Some(g) = grad.as_deref_mut() {
                for (&j, &v) in row.indices.iter().zip(row.data) {
                    let gj = &mut g[j as usize * k..(j as usize + 1) * k];
                    for (gc, &dz) in gj.iter_mut().zip(&z) {
                        *gc += ci * f64::from(v) * dz;
                    }
                }
                for (gb, &dz) in g[d * k..].iter_mut().zip(&z) {
                    *gb += ci * dz;
                }
            }
        }
        let weights = &w[..d * k];
        total += 0.5 * weights.iter().map(|v| v * v).sum::<f64>();
        if let Some(g) = grad {
            for (gj, &wj) in g[..d * k].iter_mut().zip(weights) {
                *gj += wj;
            }
        }
        total
    }
}

/// The objective as argmin sees it. The line search asks for the cost and then the gradient
/// at the same point: one pass over the rows computes both, and the gradient waits in
/// `last` for its call.
struct Objective<'a> {
    problem: Problem<'a>,
    last: RefCell<Option<(Array1<f64>, Array1<f64>)>>,
}

impl CostFunction for Objective<'_> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, p: &Self::Param) -> Result<f64, ArgminError> {
        let mut g = Array1::zeros(p.len());
        let cost = self.problem.eval(slice(p), g.as_slice_mut());
        *self.last.borrow_mut() = Some((p.clone(), g));
        Ok(cost)
    }
}

impl Gradient for Objective<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, p: &Self::Param) -> Result<Array1<f64>, ArgminError> {
        if let Some((at, g)) = self.last.borrow_mut().take() {
            if at == *p {
                return Ok(g);
            }
        }
        let mut g = Array1::zeros(p.len());
        self.problem.eval(slice(p), g.as_slice_mut());
        Ok(g)
    }
}

fn slice(p: &Array1<f64>) -> &[f64] {
    p.as_slice().unwrap_or(&[])
}

/// Minimise `problem` from `start`. A failed line search (flat or non-finite steps on a
/// degenerate problem) keeps the best point reached.
fn solve(problem: Problem<'_>, start: Array1<f64>) -> Array1<f64> {
    let n = problem.rows.len().max(1) as f64;
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), HISTORY)
        .with_tolerance_grad(GRAD_TOL * n)
        .and_then(|s| s.with_tolerance_cost(1e-12));
    let Ok(solver) = solver else {
        return start;
    };
    let objective = Objective {
        problem,
        last: RefCell::new(None),
    };
    match Executor::new(objective, solver)
        .configure(|state| state.param(start.clone()).max_iters(MAX_ITERS))
        .run()
    {
        Ok(result) => result.state().get_best_param().cloned().unwrap_or(start),
        Err(_) => start,
    }
}

/// Scores of row `row` of `x` under parameters `w` with `k` outputs.
fn scores_of(x: &CsrMatrix, row: usize, w: &[f64], k: usize, out: &mut [f64]) {
    let d = x.n_cols();
    out.copy_from_slice(&w[d * k..]);
    let r = x.row(row);
    for (&j, &v) in r.indices.iter().zip(r.data) {
        for (o, &wc) in out.iter_mut().zip(&w[j as usize * k..(j as usize + 1) * k]) {
            *o += f64::from(v) * wc;
        }
    }
}

/// One task fitted on every row, then once per fold on the other rows: the parameters, the
/// held-out scores of the rows (their rows in `scored`, `n × k`) and of the derived rows
/// (`m × k`).
fn fit_task(
    x: &CsrMatrix,
    task: &Task<'_>,
    cost: &[f64],
    folds: &[u8],
    n_folds: usize,
    derived: &Derived,
    scored: &CsrMatrix,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = x.n_rows();
    let k = task.outputs();
    let size = (x.n_cols() + 1) * k;
    let all: Vec<usize> = (0..n).collect();
    let full = solve(
        Problem {
            x,
            rows: &all,
            task,
            cost,
        },
        Array1::zeros(size),
    );
    let mut heldout = vec![0.0; n * k];
    let mut dheld = vec![0.0; derived.len() * k];
    if n_folds >= 2 {
        let fold_fits: Vec<(u8, Array1<f64>)> = (0..n_folds as u8)
            .into_par_iter()
            .filter_map(|f| {
                let keep: Vec<usize> = all.iter().copied().filter(|&i| folds[i] != f).collect();
                if keep.len() == n || keep.is_empty() {
                    return None;
                }
                let problem = Problem {
                    x,
                    rows: &keep,
                    task,
                    cost,
                };
                Some((f, solve(problem, full.clone())))
            })
            .collect();
        for (f, wf) in &fold_fits {
            let wf = slice(wf);
            for i in (0..n).filter(|&i| folds[i] == *f) {
                scores_of(scored, i, wf, k, &mut heldout[i * k..(i + 1) * k]);
            }
            for e in (0..derived.len()).filter(|&e| derived.fold[e] == *f) {
                scores_of(&derived.x, e, wf, k, &mut dheld[e * k..(e + 1) * k]);
            }
        }
    }
    (full.to_vec(), heldout, dheld)
}

/// Fit on `x`, `t`, held out as `h` says.
pub(super) fn fit(
    p: &ValidClassifierParams,
    x: &CsrMatrix,
    t: &Targets,
    h: &super::heldout::HeldOut<'_>,
) -> Scored {
    let (folds, n_folds, derived, scored) = (&h.folds[..], h.n_folds(), &*h.derived, &*h.rows);
    let n = x.n_rows();
    let d = x.n_cols();
    let k = t.n_labels();
    let counts = t.label_counts();
    let balanced = matches!(p.class_weight, ClassWeight::Balanced);
    if !t.is_multilabel() {
        let class: Vec<u32> = (0..n).map(|i| t.labels_of(i)[0]).collect();
        let cost: Vec<f64> = class
            .iter()
            .map(|&c| {
                if balanced {
                    p.c * n as f64 / (k as f64 * counts[c as usize].max(1) as f64)
                } else {
                    p.c
                }
            })
            .collect();
        let task = Task::Multinomial { class: &class, k };
        let (w, heldout, dheld) = fit_task(x, &task, &cost, folds, n_folds, derived, scored);
        return Scored {
            model: super::LinearModel::from_feature_major(d, k, &w[..d * k], &w[d * k..]),
            loo: heldout,
            derived: dheld,
        };
    }
    let per_label: Vec<(Vec<f64>, Vec<f64>, Vec<f64>)> = (0..k)
        .into_par_iter()
        .map(|c| {
            let y = t.binary(c);
            let (c_pos, c_neg) = super::binary_costs(p, n, counts[c]);
            let cost: Vec<f64> = y.iter().map(|&yi| if yi { c_pos } else { c_neg }).collect();
            fit_task(
                x,
                &Task::Binary { y: &y },
                &cost,
                folds,
                n_folds,
                derived,
                scored,
            )
        })
        .collect();
    let mut loo = vec![0.0; n * k];
    let mut dloo = vec![0.0; derived.len() * k];
    let mut columns = Vec::with_capacity(k);
    for (c, (w, heldout, dheld)) in per_label.into_iter().enumerate() {
        for i in 0..n {
            loo[i * k + c] = heldout[i];
        }
        for (e, &v) in dheld.iter().enumerate() {
            dloo[e * k + c] = v;
        }
        columns.push((w[..d].to_vec(), w[d]));
    }
    Scored {
        model: super::LinearModel::from_columns(d, &columns),
        loo,
        derived: dloo,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (CsrMatrix, Vec<u32>) {
        let mut x = CsrMatrix::new(3);
        x.push_row(&[0], &[1.0]);
        x.push_row(&[0, 2], &[0.8, 0.6]);
        x.push_row(&[1], &[1.0]);
        x.push_row(&[1, 2], &[0.8, 0.6]);
        x.push_row(&[2], &[1.0]);
        x.push_row(&[0, 2], &[0.1, 0.9]);
        (x, vec![0, 0, 1, 1, 2, 2])
    }

    #[test]
    fn the_gradient_is_the_derivative_of_the_cost() {
        let (x, class) = toy();
        let rows: Vec<usize> = (0..6).collect();
        let cost = vec![1.5; 6];
        let y: Vec<bool> = class.iter().map(|&c| c == 1).collect();
        for task in [
            Task::Multinomial {
                class: &class,
                k: 3,
            },
            Task::Binary { y: &y },
        ] {
            let k = task.outputs();
            let pb = Problem {
                x: &x,
                rows: &rows,
                task: &task,
                cost: &cost,
            };
            let w: Vec<f64> = (0..4 * k).map(|i| (i as f64 * 0.37).sin()).collect();
            let mut g = vec![0.0; w.len()];
            pb.eval(&w, Some(&mut g));
            for i in 0..w.len() {
                let (mut up, mut down) = (w.clone(), w.clone());
                up[i] += 1e-6;
                down[i] -= 1e-6;
                let numeric = (pb.eval(&up, None) - pb.eval(&down, None)) / 2e-6;
                assert!((numeric - g[i]).abs() < 1e-5, "{i}: {numeric} vs {}", g[i]);
            }
        }
    }

    #[test]
    fn fits_separable_classes_and_holds_out_folds() {
        let (x, class) = toy();
        let cost = vec![10.0; 6];
        let task = Task::Multinomial {
            class: &class,
            k: 3,
        };
        let folds = [0u8, 1, 0, 1, 0, 1];
        let derived = Derived::none(3);
        let (w, heldout, _) = fit_task(&x, &task, &cost, &folds, 2, &derived, &x);
        let mut s = vec![0.0; 3];
        for (i, &c) in class.iter().enumerate() {
            scores_of(&x, i, &w, 3, &mut s);
            let top = (0..3).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap_or(0);
            assert_eq!(top, c as usize, "row {i}: {s:?}");
        }
        assert!(heldout.iter().all(|v| v.is_finite()));
        assert_eq!(w, fit_task(&x, &task, &cost, &folds, 2, &derived, &x).0);
    }
}
