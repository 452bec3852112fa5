//! Clustering quality against reference labels: normalised mutual information (arithmetic
//! normalisation, scikit-learn's default), adjusted Rand index, homogeneity, completeness and
//! V-measure.

use serde::Serialize;

/// Scores of a clustering against reference labels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClusterScores {
    /// Normalised mutual information.
    pub nmi: f64,
    /// Adjusted Rand index.
    pub ari: f64,
    /// Homogeneity: each cluster holds one class.
    pub homogeneity: f64,
    /// Completeness: each class sits in one cluster.
    pub completeness: f64,
    /// Harmonic mean of homogeneity and completeness.
    pub v_measure: f64,
}

fn entropy(counts: &[f64], n: f64) -> f64 {
    counts
        .iter()
        .filter(|&&c| c > 0.0)
        .map(|&c| -(c / n) * (c / n).ln())
        .sum()
}

fn comb2(x: f64) -> f64 {
    x * (x - 1.0) / 2.0
}

/// Compare predicted clusters with true classes (ids are arbitrary; both of length n).
pub fn cluster_scores(truth: &[usize], pred: &[usize]) -> ClusterScores {
    let n = truth.len();
    let nc = truth.iter().max().map_or(0, |m| m + 1);
    let nk = pred.iter().max().map_or(0, |m| m + 1);
    let mut table = vec![0f64; nc * nk];
    for (&t, &p) in truth.iter().zip(pred) {
        table[t * nk + p] += 1.0;
    }
    let nf = n as f64;
    let a: Vec<f64> = (0..nc)
        .map(|t| (0..nk).map(|p| table[t * nk + p]).sum())
        .collect();
    let b: Vec<f64> = (0..nk)
        .map(|p| (0..nc).map(|t| table[t * nk + p]).sum())
        .collect();
    let (hc, hk) = (entropy(&a, nf), entropy(&b, nf));
    let mut mi = 0.0;
    for t in 0..nc {
        for p in 0..nk {
            let v = table[t * nk + p];
            if v > 0.0 {
                mi += (v / nf) * ((v * nf) / (a[t] * b[p])).ln();
            }
        }
    }
    // Conventions follow scikit-learn: a single class and a single cluster agree perfectly.
    let nmi = if hc == 0.0 && hk == 0.0 {
        1.0
    } else {
        let denom = (hc + hk) / 2.0;
        if denom > 0.0 {
            (mi / denom).max(0.0)
        } else {
            0.0
        }
    };
    let homogeneity = if hc == 0.0 { 1.0 } else { mi / hc };
    let completeness = if hk == 0.0 { 1.0 } else { mi / hk };
    let v_measure = if homogeneity + completeness == 0.0 {
        0.0
    } else {
        2.0 * homogeneity * completeness / (homogeneity + completeness)
    };
    let sum_comb: f64 = table.iter().map(|&v| comb2(v)).sum();
    let sum_a: f64 = a.iter().map(|&v| comb2(v)).sum();
    let sum_b: f64 = b.iter().map(|&v| comb2(v)).sum();
    let total = comb2(nf);
    let expected = if total > 0.0 {
        sum_a * sum_b / total
    } else {
        0.0
    };
    let max = (sum_a + sum_b) / 2.0;
    let ari = if (max - expected).abs() < 1e-12 {
        1.0
    } else {
        (sum_comb - expected) / (max - expected)
    };
    ClusterScores {
        nmi,
        ari,
        homogeneity,
        completeness,
        v_measure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_permuted_clusterings_score_one() {
        let s = cluster_scores(&[0, 0, 1, 1, 2, 2], &[2, 2, 0, 0, 1, 1]);
        assert!((s.nmi - 1.0).abs() < 1e-12 && (s.ari - 1.0).abs() < 1e-12);
        assert!((s.v_measure - 1.0).abs() < 1e-12);
    }

    #[test]
    fn matches_scikit_learn_on_a_small_case() {
        // sklearn: nmi 0.5158037429793889, ari 0.24242424242424243,
        // homogeneity 0.6666666666666669, completeness 0.420619835714305
        let s = cluster_scores(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]);
        assert!((s.nmi - 0.5158037429793889).abs() < 1e-9, "{s:?}");
        assert!((s.ari - 0.24242424242424243).abs() < 1e-9, "{s:?}");
        assert!((s.homogeneity - 0.6666666666666669).abs() < 1e-9, "{s:?}");
        assert!((s.completeness - 0.420619835714305).abs() < 1e-9, "{s:?}");
    }

    #[test]
    fn one_cluster_for_two_classes_scores_zero() {
        let s = cluster_scores(&[0, 0, 1, 1], &[0, 0, 0, 0]);
        assert!(s.nmi.abs() < 1e-12 && s.ari.abs() < 1e-12);
    }
}
