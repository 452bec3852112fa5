//! Classification metrics: accuracy, per-label precision / recall / F1 / support, macro and
//! micro F1, the confusion matrix; for multi-label data, subset accuracy and Hamming loss.
//!
//! Macro averages run over the labels present in the truth or the predictions, as
//! scikit-learn's do, so figures are comparable.

use serde::Serialize;

/// Scores of one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelScores {
    /// Label name.
    pub label: String,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Documents that truly carry the label.
    pub support: u64,
}

/// Everything `veille evaluate` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassificationReport {
    /// Documents evaluated.
    pub n_documents: usize,
    /// Accuracy (subset accuracy for multi-label data).
    pub accuracy: f64,
    /// Unweighted mean of per-label F1: over every label of the model and of the data for
    /// multi-label data (a label that never occurs and is never predicted scores 0), over the
    /// labels in the truth or the predictions for single-label data (scikit-learn's rules).
    pub macro_f1: f64,
    /// Unweighted mean of per-label F1 over the labels that occur in the evaluated data.
    pub macro_f1_present: f64,
    /// Labels that occur in the evaluated data.
    pub labels_present: usize,
    /// F1 of the pooled label decisions.
    pub micro_f1: f64,
    /// Subset (exact-match) accuracy, multi-label data only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subset_accuracy: Option<f64>,
    /// Fraction of wrong label decisions, multi-label data only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hamming_loss: Option<f64>,
    /// Per-label scores.
    pub per_label: Vec<LabelScores>,
    /// Label names, in confusion-matrix order.
    pub labels: Vec<String>,
    /// `confusion[true][predicted]` (single-label data; a predicted "no label" is not counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confusion_matrix: Option<Vec<Vec<u64>>>,
}

/// F1 from true positives, false positives and false negatives (0 when there is no true
/// positive).
pub fn f1_of(tp: u64, fp: u64, fneg: u64) -> f64 {
    f1(tp, fp, fneg).2
}

fn f1(tp: u64, fp: u64, fneg: u64) -> (f64, f64, f64) {
    let p = if tp + fp == 0 {
        0.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let r = if tp + fneg == 0 {
        0.0
    } else {
        tp as f64 / (tp + fneg) as f64
    };
    let f = if tp == 0 {
        0.0
    } else {
        2.0 * tp as f64 / (2 * tp + fp + fneg) as f64
    };
    (p, r, f)
}

impl ClassificationReport {
    /// Score predictions against the truth; both are label-id sets per document, ids index
    /// `labels`.
    pub fn new(labels: &[String], truth: &[Vec<u32>], pred: &[Vec<u32>], multilabel: bool) -> Self {
        let k = labels.len();
        let n = truth.len();
        let (mut tp, mut fp, mut fneg) = (vec![0u64; k], vec![0u64; k], vec![0u64; k]);
        let mut exact = 0usize;
        let mut confusion = vec![vec![0u64; k]; k];
        for (t, p) in truth.iter().zip(pred) {
            if sorted(t) == sorted(p) {
                exact += 1;
            }
            for &l in t {
                if p.contains(&l) {
                    tp[l as usize] += 1;
                } else {
                    fneg[l as usize] += 1;
                }
            }
            for &l in p {
                if !t.contains(&l) {
                    fp[l as usize] += 1;
                }
            }
            if !multilabel {
                if let (Some(&a), Some(&b)) = (t.first(), p.first()) {
                    confusion[a as usize][b as usize] += 1;
                }
            }
        }
        let mut per_label = Vec::with_capacity(k);
        let (mut macro_sum, mut present) = (0.0, 0usize);
        for c in 0..k {
            let (p, r, f) = f1(tp[c], fp[c], fneg[c]);
            // As scikit-learn: single-label macro averages run over the labels present in the
            // truth or the predictions; multi-label ones over every label (an absent label
            // scores 0).
            if multilabel || tp[c] + fp[c] + fneg[c] > 0 {
                macro_sum += f;
                present += 1;
            }
            per_label.push(LabelScores {
                label: labels[c].clone(),
                precision: p,
                recall: r,
                f1: f,
                support: tp[c] + fneg[c],
            });
        }
        let present_f1: Vec<f64> = per_label
            .iter()
            .filter(|l| l.support > 0)
            .map(|l| l.f1)
            .collect();
        let (stp, sfp, sfn) = (tp.iter().sum(), fp.iter().sum(), fneg.iter().sum());
        let micro = f1(stp, sfp, sfn).2;
        let accuracy = if n == 0 { 0.0 } else { exact as f64 / n as f64 };
        ClassificationReport {
            n_documents: n,
            accuracy,
            macro_f1: if present == 0 {
                0.0
            } else {
                macro_sum / present as f64
            },
            macro_f1_present: if present_f1.is_empty() {
                0.0
            } else {
                present_f1.iter().sum::<f64>() / present_f1.len() as f64
            },
            labels_present: present_f1.len(),
            micro_f1: micro,
            subset_accuracy: multilabel.then_some(accuracy),
            hamming_loss: multilabel.then(|| {
                if n == 0 || k == 0 {
                    0.0
                } else {
                    (sfp + sfn) as f64 / (n * k) as f64
                }
            }),
            per_label,
            labels: labels.to_vec(),
            confusion_matrix: (!multilabel).then_some(confusion),
        }
    }
}

fn sorted(v: &[u32]) -> Vec<u32> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// Macro F1 of single-label predictions over `k` labels (labels absent from both sides are
/// left out of the mean).
pub fn macro_f1_single(truth: &[u32], pred: &[u32], k: usize) -> f64 {
    let (mut tp, mut fp, mut fneg) = (vec![0u64; k], vec![0u64; k], vec![0u64; k]);
    for (&t, &p) in truth.iter().zip(pred) {
        if t == p {
            tp[t as usize] += 1;
        } else {
            fp[p as usize] += 1;
            fneg[t as usize] += 1;
        }
    }
    let (mut sum, mut present) = (0.0, 0);
    for c in 0..k {
        if tp[c] + fp[c] + fneg[c] > 0 {
            sum += f1(tp[c], fp[c], fneg[c]).2;
            present += 1;
        }
    }
    if present == 0 {
        0.0
    } else {
        sum / f64::from(present)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::prelude::ToConfusionMatrix;
    use ndarray::Array1;

    fn names(k: usize) -> Vec<String> {
        (0..k).map(|i| format!("l{i}")).collect()
    }

    #[test]
    fn single_label_matches_hand_counts_and_linfa() {
        let truth = [0u32, 0, 1, 1, 2, 2];
        let pred = [0u32, 1, 1, 1, 2, 0];
        let t: Vec<Vec<u32>> = truth.iter().map(|&l| vec![l]).collect();
        let p: Vec<Vec<u32>> = pred.iter().map(|&l| vec![l]).collect();
        let r = ClassificationReport::new(&names(3), &t, &p, false);
        assert!((r.accuracy - 4.0 / 6.0).abs() < 1e-12);
        // label 0: tp1 fp1 fn1 → f1 .5; label 1: tp2 fp1 fn0 → .8; label 2: tp1 fp0 fn1 → 2/3
        let expected = (0.5 + 0.8 + 2.0 / 3.0) / 3.0;
        assert!((r.macro_f1 - expected).abs() < 1e-12);
        assert!((r.micro_f1 - r.accuracy).abs() < 1e-12);
        assert_eq!(r.confusion_matrix.as_ref().unwrap()[0], vec![1, 1, 0]);
        assert!((macro_f1_single(&truth, &pred, 3) - expected).abs() < 1e-12);
        // linfa's confusion matrix agrees on accuracy.
        let cm = Array1::from(pred.iter().map(|&l| l as usize).collect::<Vec<_>>())
            .confusion_matrix(Array1::from(
                truth.iter().map(|&l| l as usize).collect::<Vec<_>>(),
            ))
            .unwrap();
        assert!((f64::from(cm.accuracy()) - r.accuracy).abs() < 1e-6);
    }

    #[test]
    fn macro_f1_over_present_labels_leaves_out_labels_absent_from_the_data() {
        // Three model labels; l2 never occurs in the data and is never predicted.
        let t = vec![vec![0], vec![1], vec![0, 1]];
        let p = vec![vec![0], vec![1], vec![0, 1]];
        let r = ClassificationReport::new(&names(3), &t, &p, true);
        assert_eq!(r.labels_present, 2);
        assert!((r.macro_f1_present - 1.0).abs() < 1e-12);
        assert!((r.macro_f1 - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn multilabel_subset_accuracy_and_hamming() {
        let t = vec![vec![0, 1], vec![1], vec![]];
        let p = vec![vec![0, 1], vec![0], vec![]];
        let r = ClassificationReport::new(&names(2), &t, &p, true);
        assert!((r.subset_accuracy.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.hamming_loss.unwrap() - 2.0 / 6.0).abs() < 1e-12);
        // pooled: tp 2, fp 1, fn 1
        assert!((r.micro_f1 - 4.0 / 6.0).abs() < 1e-12);
        assert!(r.confusion_matrix.is_none());
    }
}
