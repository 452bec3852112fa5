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

/// The contingency table of two labelings (`nc × nk`, row-major), its row and column sums,
/// and their mutual information in nats.
struct Contingency {
    table: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    mi: f64,
}

impl Contingency {
    fn new(truth: &[usize], pred: &[usize]) -> Contingency {
        let nc = truth.iter().max().map_or(0, |m| m + 1);
        let nk = pred.iter().max().map_or(0, |m| m + 1);
        let mut table = vec![0f64; nc * nk];
        for (&t, &p) in truth.iter().zip(pred) {
            table[t * nk + p] += 1.0;
        }
        let nf = truth.len() as f64;
        let a: Vec<f64> = (0..nc)
            .map(|t| (0..nk).map(|p| table[t * nk + p]).sum())
            .collect();
        let b: Vec<f64> = (0..nk)
            .map(|p| (0..nc).map(|t| table[t * nk + p]).sum())
            .collect();
        let mut mi = 0.0;
        for t in 0..nc {
            for p in 0..nk {
                let v = table[t * nk + p];
                if v > 0.0 {
                    mi += (v / nf) * ((v * nf) / (a[t] * b[p])).ln();
                }
            }
        }
        Contingency { table, a, b, mi }
    }
}

/// Adjusted mutual information (Vinh, Epps & Bailey 2010) with scikit-learn's default
/// arithmetic normalisation: `(MI − E[MI]) / (mean(H) − E[MI])`, where `E[MI]` is the mutual
/// information expected between two random labelings with the same cluster sizes. About 0 for
/// agreement by chance, 1 for the same partition. NMI is not corrected for chance: two
/// unrelated partitions of 200 articles into 17 groups share an NMI near 0.3.
pub fn adjusted_mutual_info(truth: &[usize], pred: &[usize]) -> f64 {
    let n = truth.len();
    let c = Contingency::new(truth, pred);
    let nf = n as f64;
    let occupied = |v: &[f64]| v.iter().filter(|&&x| x > 0.0).count();
    // scikit-learn: two labelings that are both a single cluster (or empty) agree.
    if occupied(&c.a) <= 1 && occupied(&c.b) <= 1 {
        return 1.0;
    }
    let (ha, hb) = (entropy(&c.a, nf), entropy(&c.b, nf));
    // ln(i!) for i = 0..=n.
    let mut lf = vec![0f64; n + 1];
    for i in 1..=n {
        lf[i] = lf[i - 1] + (i as f64).ln();
    }
    let mut emi = 0.0;
    for &ai in c.a.iter().filter(|&&v| v > 0.0) {
        for &bj in c.b.iter().filter(|&&v| v > 0.0) {
            let (au, bu) = (ai as usize, bj as usize);
            // Hypergeometric probability of each cell count, in logs.
            let fixed = lf[au] + lf[bu] + lf[n - au] + lf[n - bu] - lf[n];
            for nij in (au + bu).saturating_sub(n).max(1)..=au.min(bu) {
                let v = nij as f64;
                let log_p = fixed - lf[nij] - lf[au - nij] - lf[bu - nij] - lf[n + nij - au - bu];
                emi += (v / nf) * (nf * v / (ai * bj)).ln() * log_p.exp();
            }
        }
    }
    let denom = (ha + hb) / 2.0 - emi;
    if denom.abs() < 1e-15 {
        return 1.0;
    }
    (c.mi - emi) / denom
}

/// Compare predicted clusters with true classes (ids are arbitrary; both of length n).
pub fn cluster_scores(truth: &[usize], pred: &[usize]) -> ClusterScores {
    let nf = truth.len() as f64;
    let Contingency { table, a, b, mi } = Contingency::new(truth, pred);
    let (hc, hk) = (entropy(&a, nf), entropy(&b, nf));
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
    fn adjusted_mutual_info_matches_scikit_learn() {
        // sklearn.metrics.adjusted_mutual_info_score on the same labelings.
        let a = adjusted_mutual_info(&[0, 0, 1, 1, 2, 2, 2, 0], &[0, 1, 1, 1, 2, 2, 0, 0]);
        assert!((a - 0.31967265056964705).abs() < 1e-9, "{a}");
        let b = adjusted_mutual_info(
            &[0, 0, 0, 1, 1, 1, 2, 2, 2, 3],
            &[0, 0, 1, 1, 2, 2, 3, 3, 0, 1],
        );
        assert!((b - 0.266269356401016).abs() < 1e-9, "{b}");
        assert!((adjusted_mutual_info(&[0, 0, 1, 1], &[1, 1, 0, 0]) - 1.0).abs() < 1e-12);
        assert_eq!(adjusted_mutual_info(&[0, 0, 0], &[0, 0, 0]), 1.0);
    }

    #[test]
    fn one_cluster_for_two_classes_scores_zero() {
        let s = cluster_scores(&[0, 0, 1, 1], &[0, 0, 0, 0]);
        assert!(s.nmi.abs() < 1e-12 && s.ari.abs() < 1e-12);
    }
}
