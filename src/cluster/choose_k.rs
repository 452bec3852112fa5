//! Choosing k: fit each candidate and score it by the mean silhouette (cosine distance) on a
//! seeded sample of the articles. The full silhouette is O(n²), so it is computed on at most
//! `sample` articles, from one pairwise similarity matrix shared by every candidate.

use crate::features::CsrMatrix;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Pairwise cosine similarities of sampled rows (rows are L2-normalised).
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
        let total: f64 = (0..m)
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
            .sum();
        total / m as f64
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
}
