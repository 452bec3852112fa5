//! Choosing k for `--k auto`.
//!
//! The default criterion is **split-half stability in an LSA projection**. A seeded sample of
//! the distinct articles (at most `2 × half_cap`) is projected on its first `dims` LSA
//! dimensions and L2-normalised; for each candidate k it is cut at random into two disjoint
//! halves, each half is clustered by spherical k-means on its own, every article of the sample
//! is assigned by each half's centroids, and the two assignments are compared by adjusted
//! mutual information (AMI). Where the corpus has structure at k, both halves find the same
//! partition. The score of k is the mean over `pairs` random cuts; the best score is kept
//! (ties: the smaller k). The final clustering is then fitted on every article at that k.
//!
//! Choices, as measured (BENCHMARKS.md, "Choosing k"):
//! - not the silhouette of the sparse TF-IDF rows (still there as [`KCriterion::Silhouette`]):
//!   in ~20,000 dimensions nearly every pair of articles is far apart, the silhouette stays
//!   under 0.025 and creeps up with k, and it picked k = 28 of 3–30 on 20 Newsgroups, AG News
//!   and The Hacker News;
//! - in an LSA projection, not on the sparse rows: there the stability of k-means at k ≥ 10 is
//!   mostly the optimiser's own noise (20 Newsgroups, NMI between halves: 0.43–0.45 from
//!   k = 10 to 28, best at 3–8), and the projection keeps the topical directions (AMI
//!   0.63–0.74 from k = 10 to 28, best at 17 or 22 for seeds 0–3);
//! - AMI, not NMI: NMI is not corrected for chance and grows with k when the halves agree by
//!   chance only (200 articles of 20 Newsgroups: NMI 0.04 at k = 3, 0.36 at k = 17);
//! - k = 2 left out of the default range (`auto` means 3 to 30; `auto:2-30` includes it): a
//!   two-way split follows the dominant direction of variation and is reproducible without
//!   any cluster. 20 Newsgroups' discussion / question split scores 0.74–0.79, above any
//!   k ≥ 3 (NMI 0.21 against the labels); on its LSA coordinates with each dimension shuffled
//!   apart (the variances kept, every cluster destroyed), halves still agreed at NMI 0.72 for
//!   k = 2.
//!
//! The curve is **flat** (no clear k) when its best score is under [`MIN_AGREEMENT`], or less
//! than [`FLAT_MARGIN`] above its median. The silhouette criterion calls its curve flat when
//! the best silhouette is under [`SILHOUETTE_STRUCTURE`], Kaufman and Rousseeuw's "no
//! substantial structure" (always the case on sparse TF-IDF rows).

use super::lsa::{dense_rows, normalise};
use super::spherical_kmeans::{self, first_distinct_rows, KMeansParams};
use crate::eval::adjusted_mutual_info;
use crate::features::lsa::{Lsa, LsaError};
use crate::features::CsrMatrix;
use crate::settings::SettingsError;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How `--k auto` scores a candidate k.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KCriterion {
    /// Split-half stability of spherical k-means in an LSA projection (mean AMI).
    Stability,
    /// Mean cosine silhouette of the full fit, on a sample of the sparse TF-IDF rows.
    Silhouette,
}

impl KCriterion {
    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            KCriterion::Stability => "stability",
            KCriterion::Silhouette => "silhouette",
        }
    }

    /// The criterion called `name`.
    pub fn from_name(name: &str) -> Result<KCriterion, SettingsError> {
        match name {
            "stability" => Ok(KCriterion::Stability),
            "silhouette" => Ok(KCriterion::Silhouette),
            other => Err(SettingsError::unknown(
                "k criterion",
                other,
                "stability or silhouette",
            )),
        }
    }

    /// What the score of a k means, for people.
    pub fn describe(self) -> &'static str {
        match self {
            KCriterion::Stability => {
                "mean AMI between the clusterings of two disjoint halves of the articles, in an LSA projection"
            }
            KCriterion::Silhouette => "mean cosine silhouette of a sample of the articles",
        }
    }
}

impl std::str::FromStr for KCriterion {
    type Err = SettingsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KCriterion::from_name(s)
    }
}

/// The stability curve is flat when its best score is less than this above its median (AMI
/// units): no k is clearly more reproducible than a typical one. On the four labelled corpora
/// of BENCHMARKS.md (seeds 0–4) the margin is 0.045–0.20.
pub const FLAT_MARGIN: f64 = 0.03;

/// The stability curve is flat when even its best score is below this: at no k do the two
/// halves recover half of each other's partition beyond chance. The four labelled corpora
/// score 0.68–0.85 at their best (seeds 0–4); 2,000 articles of words drawn at random, 0.10;
/// 200 articles of 20 Newsgroups, 0.11.
pub const MIN_AGREEMENT: f64 = 0.5;

/// Kaufman and Rousseeuw's threshold below which a silhouette shows no substantial structure.
pub const SILHOUETTE_STRUCTURE: f64 = 0.25;

/// Settings of the stability criterion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StabilityParams {
    /// Dimensions of the LSA projection (capped by the sample).
    pub dims: usize,
    /// Articles per half, at most (the sample is twice this).
    pub half_cap: usize,
    /// Random splits per k (their NMIs are averaged).
    pub pairs: usize,
    /// Restarts of each half's k-means.
    pub n_init: usize,
    /// Smallest mean cluster size in a half: k is at most `half / min_cluster`.
    pub min_cluster: usize,
}

impl Default for StabilityParams {
    fn default() -> Self {
        StabilityParams {
            dims: 50,
            half_cap: 2000,
            pairs: 2,
            n_init: 2,
            min_cluster: 10,
        }
    }
}

/// The score of one candidate k.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KScore {
    /// Number of clusters.
    pub k: usize,
    /// Its score under the criterion (higher is better).
    pub score: f64,
}

/// What `--k auto` chose and why (saved with the clustering, printed by `veille cluster`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KAuto {
    /// The criterion that scored the candidates.
    pub criterion: KCriterion,
    /// Every candidate tried, with its score, in increasing k.
    pub curve: Vec<KScore>,
    /// The k kept.
    pub chosen: usize,
    /// No clear k: see the module documentation for the rule.
    pub flat: bool,
    /// Articles the scores were computed on.
    pub sample: usize,
    /// Anything the user should know about the choice (range clamped, fallback), or empty.
    pub note: String,
}

impl KAuto {
    /// Keep the best-scoring candidate (ties: the smaller k) and decide whether the curve is
    /// flat under `criterion`'s rule. `None` for an empty curve.
    pub fn from_curve(
        criterion: KCriterion,
        curve: Vec<KScore>,
        sample: usize,
        note: String,
    ) -> Option<KAuto> {
        let best = curve
            .iter()
            .copied()
            .reduce(|b, c| if c.score > b.score + 1e-12 { c } else { b })?;
        let flat = match criterion {
            KCriterion::Stability => {
                best.score < MIN_AGREEMENT || best.score - median(&curve) < FLAT_MARGIN
            }
            KCriterion::Silhouette => best.score < SILHOUETTE_STRUCTURE,
        };
        Some(KAuto {
            criterion,
            curve,
            chosen: best.k,
            flat,
            sample,
            note,
        })
    }

    /// The rule that decides whether the curve is flat.
    pub fn flat_rule(&self) -> String {
        match self.criterion {
            KCriterion::Stability => format!(
                "best score below {MIN_AGREEMENT}, or less than {FLAT_MARGIN} above the median of the curve"
            ),
            KCriterion::Silhouette => format!("best silhouette below {SILHOUETTE_STRUCTURE}"),
        }
    }

    /// Why the curve counts as flat, for warnings ("no clear k: ...").
    pub fn flat_reason(&self) -> String {
        let best = self.curve.iter().map(|p| p.score).fold(f64::MIN, f64::max);
        match self.criterion {
            KCriterion::Stability if best < MIN_AGREEMENT => format!(
                "no clear k: the halves' clusterings agree at AMI {best:.2} at best (under {MIN_AGREEMENT})"
            ),
            KCriterion::Stability => format!(
                "no clear k: the best stability ({best:.2}) is less than {FLAT_MARGIN} above the median of the curve"
            ),
            KCriterion::Silhouette if self.curve.is_empty() => {
                "no clear k: too few distinct articles to compare any".to_string()
            }
            KCriterion::Silhouette => format!(
                "no clear k: the best silhouette ({best:.3}) is below {SILHOUETTE_STRUCTURE} (no substantial structure)"
            ),
        }
    }
}

fn median(curve: &[KScore]) -> f64 {
    let mut s: Vec<f64> = curve.iter().map(|c| c.score).collect();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    }
}

/// Candidate values of k between `min` and `max`: every value up to 10, then a roughly
/// geometric grid (so that `auto` stays affordable on wide ranges).
pub fn candidates(min: usize, max: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut k = min.max(2);
    while k <= max {
        out.push(k);
        k = if k < 10 {
            k + 1
        } else {
            (k as f64 * 1.25).ceil() as usize
        };
    }
    out
}

/// The stability sample: normalised LSA rows of distinct articles, in a seeded order.
pub struct StabilitySample {
    z: CsrMatrix,
    half: usize,
}

impl StabilitySample {
    /// Sample up to `2 × p.half_cap` distinct non-empty rows of `x` (seeded) and project them.
    pub fn new(x: &CsrMatrix, p: &StabilityParams, seed: u64) -> Result<Self, LsaError> {
        let mut rows = first_distinct_rows(x, usize::MAX);
        rows.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x57ab_1e5e));
        let half = (rows.len() / 2).min(p.half_cap);
        rows.truncate(2 * half);
        let sub = x.select_rows(&rows);
        // A projection with as many dimensions as articles keeps their noise: at most a
        // quarter of the sample.
        let dims = p.dims.min((2 * half / 4).max(2));
        let z = if half == 0 {
            CsrMatrix::new(1)
        } else {
            let lsa = Lsa::fit(&sub, dims, 2, seed)?;
            dense_rows(&normalise(lsa.transform(&sub)))
        };
        Ok(StabilitySample { z, half })
    }

    /// Articles in each half.
    pub fn half(&self) -> usize {
        self.half
    }

    /// Articles in the sample.
    pub fn len(&self) -> usize {
        2 * self.half
    }

    /// Whether the sample is empty.
    pub fn is_empty(&self) -> bool {
        self.half == 0
    }

    /// Largest k the halves can support (`half / min_cluster`).
    pub fn max_k(&self, p: &StabilityParams) -> usize {
        self.half / p.min_cluster.max(1)
    }

    /// Mean AMI between the two halves' clusterings over `p.pairs` random splits; `None`
    /// when a half has fewer distinct rows than k.
    pub fn score(&self, k: usize, p: &StabilityParams, seed: u64) -> Option<f64> {
        let m = self.len();
        let pairs = p.pairs.max(1);
        let agreements: Vec<Option<f64>> = (0..pairs)
            .into_par_iter()
            .map(|r| {
                let mut order: Vec<usize> = (0..m).collect();
                order.shuffle(&mut ChaCha8Rng::seed_from_u64(
                    seed.wrapping_mul(0x9e37_79b9).wrapping_add(r as u64),
                ));
                let (a, b) = order.split_at(self.half);
                // Each half's clustering, extended to the whole sample by its centroids; `None`
                // when the half has fewer distinct rows than k.
                let labels = |rows: &[usize], side: u64| -> Option<Vec<usize>> {
                    let params = KMeansParams {
                        k,
                        n_init: p.n_init.max(1),
                        max_iter: 50,
                        tol: 1e-4,
                        batch_size: None,
                        seed: seed
                            .wrapping_add(1_000 * k as u64)
                            .wrapping_add(2 * r as u64 + side),
                    };
                    let fit = spherical_kmeans::fit(&self.z.select_rows(rows), &params).ok()?;
                    Some(
                        fit.centroids
                            .assign_all(&self.z)
                            .iter()
                            .map(|a| a.0)
                            .collect(),
                    )
                };
                Some(adjusted_mutual_info(&labels(a, 0)?, &labels(b, 1)?))
            })
            .collect();
        let agreements: Option<Vec<f64>> = agreements.into_iter().collect();
        agreements.map(|v| v.iter().sum::<f64>() / v.len() as f64)
    }
}

/// Pairwise cosine similarities of sampled rows (rows are L2-normalised), for the silhouette
/// criterion. The full silhouette is O(n²), so it is computed on at most `sample` articles,
/// from one pairwise similarity matrix shared by every candidate.
pub struct SilhouetteSample {
    rows: Vec<usize>,
    sim: Vec<f32>,
}

impl SilhouetteSample {
    /// Draw up to `size` rows (seeded) and compute their similarities.
    pub fn new(x: &CsrMatrix, size: usize, seed: u64) -> Self {
        let mut rows: Vec<usize> = (0..x.n_rows()).filter(|&i| x.row(i).nnz() > 0).collect();
        rows.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x5111_7e77));
        rows.truncate(size);
        rows.sort_unstable();
        let m = rows.len();
        let sub = x.select_rows(&rows);
        let t = sub.transpose();
        // sim = sub · subᵀ, row by row through the transpose (a sparse × sparse product).
        let sim: Vec<f32> = (0..m)
            .into_par_iter()
            .flat_map_iter(|a| {
                let mut acc = vec![0f32; m];
                let r = sub.row(a);
                for (&j, &v) in r.indices.iter().zip(r.data) {
                    let col = t.row(j as usize);
                    for (&b, &w) in col.indices.iter().zip(col.data) {
                        acc[b as usize] += v * w;
                    }
                }
                acc
            })
            .collect();
        SilhouetteSample { rows, sim }
    }

    /// Articles in the sample.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the sample is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Mean silhouette of the sampled rows under `labels` (of all rows), with cosine
    /// distance `1 − similarity`; rows alone in their cluster score 0, as in scikit-learn.
    pub fn score(&self, labels: &[usize], k: usize) -> f64 {
        let m = self.rows.len();
        if m < 2 || k < 2 {
            return 0.0;
        }
        let lab: Vec<usize> = self.rows.iter().map(|&i| labels[i]).collect();
        let mut sizes = vec![0usize; k];
        for &l in &lab {
            sizes[l] += 1;
        }
        // Collected, then summed in row order: a parallel sum of f64 would depend on how
        // rayon splits the rows, so on the thread count.
        let per_row: Vec<f64> = (0..m)
            .into_par_iter()
            .map(|a| {
                let mut dist = vec![0f64; k];
                for b in 0..m {
                    if a != b {
                        dist[lab[b]] += 1.0 - f64::from(self.sim[a * m + b]);
                    }
                }
                let own = lab[a];
                if sizes[own] <= 1 {
                    return 0.0;
                }
                let ai = dist[own] / (sizes[own] - 1) as f64;
                let bi = (0..k)
                    .filter(|&c| c != own && sizes[c] > 0)
                    .map(|c| dist[c] / sizes[c] as f64)
                    .fold(f64::INFINITY, f64::min);
                if !bi.is_finite() {
                    return 0.0;
                }
                let denom = ai.max(bi);
                if denom > 0.0 {
                    (bi - ai) / denom
                } else {
                    0.0
                }
            })
            .collect();
        per_row.iter().sum::<f64>() / m as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_grow_geometrically_after_ten() {
        assert_eq!(candidates(2, 5), vec![2, 3, 4, 5]);
        assert_eq!(candidates(8, 30), vec![8, 9, 10, 13, 17, 22, 28]);
    }

    #[test]
    fn silhouette_prefers_the_true_split() {
        let mut x = CsrMatrix::new(2);
        for _ in 0..5 {
            x.push_row(&[0], &[1.0]);
        }
        for _ in 0..5 {
            x.push_row(&[1], &[1.0]);
        }
        let s = SilhouetteSample::new(&x, 100, 1);
        let good = s.score(&[0, 0, 0, 0, 0, 1, 1, 1, 1, 1], 2);
        let bad = s.score(&[0, 1, 0, 1, 0, 1, 0, 1, 0, 1], 2);
        assert!((good - 1.0).abs() < 1e-9 && bad < 0.0, "{good} {bad}");
    }

    /// `groups` topics of `per` articles; each article uses its topic's 8 words and 2 words
    /// shared by every topic, with weights that vary from article to article.
    fn topics(groups: usize, per: usize) -> CsrMatrix {
        use rand::Rng;
        let mut rng = ChaCha8Rng::seed_from_u64(groups as u64);
        let d = groups * 8 + 2;
        let mut x = CsrMatrix::new(d);
        for g in 0..groups {
            for _ in 0..per {
                let mut idx: Vec<u32> = (0..8).map(|w| (g * 8 + w) as u32).collect();
                idx.extend([(d - 2) as u32, (d - 1) as u32]);
                let mut v: Vec<f32> = (0..10).map(|_| rng.gen_range(0.5f32..2.0)).collect();
                let n = v.iter().map(|a| a * a).sum::<f32>().sqrt();
                v.iter_mut().for_each(|a| *a /= n);
                x.push_row(&idx, &v);
            }
        }
        x
    }

    #[test]
    fn stability_finds_the_number_of_topics_and_is_deterministic() {
        let x = topics(4, 30);
        let p = StabilityParams::default();
        let s = StabilitySample::new(&x, &p, 3).unwrap();
        assert_eq!(s.len(), 120);
        let curve: Vec<KScore> = (2..=8)
            .map(|k| KScore {
                k,
                score: s.score(k, &p, 3).unwrap(),
            })
            .collect();
        let auto = KAuto::from_curve(KCriterion::Stability, curve.clone(), s.len(), String::new())
            .unwrap();
        assert_eq!(auto.chosen, 4, "{curve:?}");
        assert!(!auto.flat, "{curve:?}");
        assert!((auto.curve[2].score - 1.0).abs() < 1e-9, "{curve:?}");
        let again = StabilitySample::new(&x, &p, 3).unwrap();
        assert_eq!(again.score(6, &p, 3), s.score(6, &p, 3));
    }

    #[test]
    fn stability_knows_when_halves_are_too_small() {
        let x = topics(2, 3);
        let p = StabilityParams::default();
        let s = StabilitySample::new(&x, &p, 0).unwrap();
        assert_eq!((s.half(), s.max_k(&p)), (3, 0));
        assert_eq!(s.score(4, &p, 0), None);
        let empty = StabilitySample::new(&CsrMatrix::new(3), &p, 0).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn flat_curves_are_called_flat() {
        // The scores of k = 3, 4, ... under `criterion`.
        let auto = |criterion, s: &[f64]| {
            let curve = s
                .iter()
                .enumerate()
                .map(|(i, &score)| KScore { k: i + 3, score })
                .collect();
            KAuto::from_curve(criterion, curve, 100, String::new()).unwrap()
        };
        let peaked = auto(KCriterion::Stability, &[0.5, 0.8, 0.55, 0.5]);
        assert_eq!((peaked.chosen, peaked.flat), (4, false));
        let flat = auto(KCriterion::Stability, &[0.31, 0.33, 0.32, 0.3]);
        assert_eq!((flat.chosen, flat.flat), (4, true));
        assert!(flat.flat_reason().contains("agree at AMI 0.33"));
        // Reproducible at every k alike: no k stands out either.
        let plateau = auto(KCriterion::Stability, &[0.8, 0.81, 0.8, 0.79]);
        assert!(plateau.flat && plateau.flat_reason().contains("median"));
        // Ties go to the smaller k.
        assert_eq!(auto(KCriterion::Stability, &[0.9, 0.9]).chosen, 3);
        let sil = auto(KCriterion::Silhouette, &[0.01, 0.02]);
        assert!(sil.flat && sil.flat_reason().contains("silhouette"));
        assert!(KAuto::from_curve(KCriterion::Stability, vec![], 0, String::new()).is_none());
    }
}
