//! A linear scoring model over sparse rows: every estimator veille trains ends as one.

use crate::features::{CsrMatrix, RowView};
use crate::model::file::InvalidModel;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// `score[c] = bias[c] + Σ_j x_j · weights[j * n_classes + c]` (feature-major, so one sparse
/// row touches contiguous memory).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LinearModel {
    n_features: usize,
    n_classes: usize,
    #[serde(with = "crate::model::file::f32_block")]
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl LinearModel {
    /// A zero model.
    pub fn zeros(n_features: usize, n_classes: usize) -> Self {
        LinearModel {
            n_features,
            n_classes,
            weights: vec![0.0; n_features * n_classes],
            bias: vec![0.0; n_classes],
        }
    }

    /// Build from one weight vector (length `n_features`) and bias per class.
    pub fn from_columns(n_features: usize, columns: &[(Vec<f64>, f64)]) -> Self {
        let n_classes = columns.len();
        let mut m = LinearModel::zeros(n_features, n_classes);
        for (c, (w, b)) in columns.iter().enumerate() {
            for (j, &v) in w.iter().enumerate().take(n_features) {
                m.weights[j * n_classes + c] = v as f32;
            }
            m.bias[c] = *b as f32;
        }
        m
    }

    /// Build from feature-major weights (`j * n_classes + c`) and a bias per class.
    pub fn from_feature_major(
        n_features: usize,
        n_classes: usize,
        weights: &[f64],
        bias: &[f64],
    ) -> Self {
        LinearModel {
            n_features,
            n_classes,
            weights: weights.iter().map(|&w| w as f32).collect(),
            bias: bias.iter().map(|&b| b as f32).collect(),
        }
    }

    /// Check the shape of a deserialised model.
    pub fn validate(&self) -> Result<(), InvalidModel> {
        if self.n_features.checked_mul(self.n_classes) != Some(self.weights.len())
            || self.bias.len() != self.n_classes
        {
            return Err(InvalidModel(format!(
                "linear model of {} × {} with {} weights and {} biases",
                self.n_features,
                self.n_classes,
                self.weights.len(),
                self.bias.len()
            )));
        }
        // A branch-free fold over blocks vectorises (a model has millions of weights, checked
        // on every load); `all` stops at each element.
        let finite = |ws: &[f32]| {
            ws.chunks(4096)
                .all(|b| b.iter().fold(true, |ok, w| ok & w.is_finite()))
        };
        if !(finite(&self.weights) && finite(&self.bias)) {
            return Err("a non-finite weight or bias".into());
        }
        Ok(())
    }

    /// Number of classes (labels).
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Weight of feature `j` for class `c`.
    pub fn weight(&self, j: usize, c: usize) -> f32 {
        self.weights[j * self.n_classes + c]
    }

    /// Bias of class `c`.
    pub fn bias(&self, c: usize) -> f32 {
        self.bias[c]
    }

    /// Scores of one row into `out` (length `n_classes`).
    pub fn scores_into(&self, row: RowView<'_>, out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { self.scores_into_avx2(row, out) };
            return;
        }
        self.scores_into_portable(row, out);
    }

    /// [`LinearModel::scores_into`] compiled for AVX2: four lanes of `f64` instead of two.
    /// Each sum is still one multiply and one add per term in the same order (no fused
    /// multiply-add), so the scores are bit for bit those of the portable code.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn scores_into_avx2(&self, row: RowView<'_>, out: &mut [f64]) {
        self.scores_into_portable(row, out);
    }

    /// Blocks of 16, then 4, then single labels, each summed in registers over the row's
    /// terms: the sums are the plain ones (bias, then the terms in row order).
    #[inline(always)]
    fn scores_into_portable(&self, row: RowView<'_>, out: &mut [f64]) {
        let k = self.n_classes;
        let mut c = 0;
        while c + 16 <= k {
            self.block_scores::<16>(row, c, out);
            c += 16;
        }
        while c + 4 <= k {
            self.block_scores::<4>(row, c, out);
            c += 4;
        }
        while c < k {
            self.block_scores::<1>(row, c, out);
            c += 1;
        }
    }

    /// Scores of labels `c..c + B` into `out[c..c + B]`.
    #[inline(always)]
    fn block_scores<const B: usize>(&self, row: RowView<'_>, c: usize, out: &mut [f64]) {
        let k = self.n_classes;
        let mut acc = [0.0f64; B];
        for (a, &b) in acc.iter_mut().zip(&self.bias[c..c + B]) {
            *a = f64::from(b);
        }
        for (&j, &x) in row.indices.iter().zip(row.data) {
            let at = j as usize * k + c;
            let w = &self.weights[at..at + B];
            let x = f64::from(x);
            for (a, &wc) in acc.iter_mut().zip(w) {
                *a += x * f64::from(wc);
            }
        }
        out[c..c + B].copy_from_slice(&acc);
    }

    /// Scores of every row, row-major `n_rows × n_classes`, in parallel.
    pub fn scores(&self, x: &CsrMatrix) -> Vec<f64> {
        let k = self.n_classes;
        let mut out = vec![0.0; x.n_rows() * k];
        out.par_chunks_mut(k.max(1))
            .enumerate()
            .for_each(|(i, o)| self.scores_into(x.row(i), o));
        out
    }

    /// `a * self + b * other` (same shape), used to combine estimators.
    pub fn combine(&self, a: f64, other: &LinearModel, b: f64) -> LinearModel {
        assert_eq!(self.weights.len(), other.weights.len());
        let mix = |x: &[f32], y: &[f32]| -> Vec<f32> {
            x.iter()
                .zip(y)
                .map(|(&p, &q)| (a * f64::from(p) + b * f64::from(q)) as f32)
                .collect()
        };
        LinearModel {
            n_features: self.n_features,
            n_classes: self.n_classes,
            weights: mix(&self.weights, &other.weights),
            bias: mix(&self.bias, &other.bias),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every label count the blocks split differently (16s, 4s, singles): the scores of the
    /// portable code and of the AVX2 code are bit for bit the plain sums.
    #[test]
    fn block_scores_are_the_plain_sums_bit_for_bit() {
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as f64 / (1u64 << 31) as f64 - 0.5) as f32
        };
        for k in [1, 2, 3, 4, 5, 15, 16, 17, 20, 21, 36, 90] {
            let nf = 50;
            let weights: Vec<f64> = (0..nf * k).map(|_| f64::from(next()) * 3.0).collect();
            let bias: Vec<f64> = (0..k).map(|_| f64::from(next())).collect();
            let m = LinearModel::from_feature_major(nf, k, &weights, &bias);
            let indices: Vec<u32> = (0..nf as u32).filter(|j| j % 3 != 1).collect();
            let data: Vec<f32> = indices.iter().map(|_| next()).collect();
            let row = RowView {
                indices: &indices,
                data: &data,
            };
            let mut want = vec![0.0; k];
            for (c, w) in want.iter_mut().enumerate() {
                *w = f64::from(m.bias(c));
                for (&j, &x) in indices.iter().zip(&data) {
                    *w += f64::from(x) * f64::from(m.weight(j as usize, c));
                }
            }
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let mut got = vec![0.0; k];
            m.scores_into_portable(row, &mut got);
            assert_eq!(bits(&got), bits(&want), "portable, {k} labels");
            let mut got = vec![0.0; k];
            m.scores_into(row, &mut got);
            assert_eq!(bits(&got), bits(&want), "dispatched, {k} labels");
        }
    }

    #[test]
    fn issue9_a_crafted_shape_that_overflows_is_refused_not_a_panic() {
        let crafted = LinearModel {
            n_features: usize::MAX / 2 + 1,
            n_classes: 2,
            weights: vec![],
            bias: vec![0.0, 0.0],
        };
        assert!(crafted.validate().is_err());
        assert!(LinearModel::zeros(3, 2).validate().is_ok());
    }
}
