//! Latent semantic analysis: a truncated SVD of the TF-IDF matrix by randomized range finding
//! (Halko, Martinsson & Tropp 2011), in pure Rust on ndarray and linfa-linalg. It turns sparse
//! rows into a few hundred dense dimensions for linfa's dense estimators.

use super::CsrMatrix;
use linfa_linalg::eigh::Eigh;
use ndarray::{Array1, Array2, Axis};
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A fitted projection `z = x · components` (`n_features × k`), with singular values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lsa {
    /// Right singular vectors, `n_features × k`.
    pub components: Array2<f64>,
    /// Singular values, largest first.
    pub singular_values: Array1<f64>,
}

/// Errors of the decomposition.
#[derive(Debug, thiserror::Error)]
pub enum LsaError {
    /// The linear algebra failed.
    #[error("truncated SVD failed: {0}")]
    Linalg(#[from] linfa_linalg::LinalgError),
}

/// `X · D` for sparse `X` (`n × d`) and dense `D` (`d × l`), in parallel over rows.
pub fn sparse_dot(x: &CsrMatrix, dense: &Array2<f64>) -> Array2<f64> {
    let l = dense.ncols();
    let mut out = Array2::zeros((x.n_rows(), l));
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(i, mut o)| {
            let r = x.row(i);
            for (&j, &v) in r.indices.iter().zip(r.data) {
                o.scaled_add(f64::from(v), &dense.row(j as usize));
            }
        });
    out
}

/// `Xᵀ · D`, given the transpose `xt` of `X`: each output row is one feature's, so rows are
/// computed in parallel without shared accumulators (and the same whatever the threads).
fn sparse_t_dot(xt: &CsrMatrix, dense: &Array2<f64>) -> Array2<f64> {
    sparse_dot(xt, dense)
}

/// An orthonormal basis of the columns of a tall matrix `m` (n × l, l small): from the
/// eigen-decomposition of its l × l Gram matrix, applied twice for accuracy ("CholQR2" in
/// spirit). Two matrix products and a small eigenproblem instead of a Householder QR of the
/// whole n × l matrix, which is the slow part in pure Rust.
fn orthonormal(m: &Array2<f64>) -> Result<Array2<f64>, LsaError> {
    let mut q = m.clone();
    for _ in 0..2 {
        let gram = q.t().dot(&q);
        let (vals, vecs) = gram.eigh()?;
        let max = vals.iter().cloned().fold(0.0, f64::max);
        let keep: Vec<usize> = (0..vals.len())
            .filter(|&i| vals[i] > max * 1e-12 && vals[i] > 0.0)
            .collect();
        let mut basis = vecs.select(Axis(1), &keep);
        for (c, &i) in keep.iter().enumerate() {
            let inv = 1.0 / vals[i].sqrt();
            basis.column_mut(c).mapv_inplace(|v| v * inv);
        }
        q = q.dot(&basis);
    }
    Ok(q)
}

impl Lsa {
    /// Fit `k` components (capped by the matrix size) with `power_iters` power iterations.
    pub fn fit(x: &CsrMatrix, k: usize, power_iters: usize, seed: u64) -> Result<Lsa, LsaError> {
        let k = k.min(x.n_rows()).min(x.n_cols()).max(1);
        let l = (k + 10).min(x.n_rows()).min(x.n_cols());
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // Gaussian test matrix (Box–Muller keeps us on rand 0.8 without rand_distr).
        let omega = Array2::from_shape_simple_fn((x.n_cols(), l), || {
            let (u, v): (f64, f64) = (rng.gen::<f64>().max(1e-300), rng.gen());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        });
        let xt = x.transpose();
        let mut q = orthonormal(&sparse_dot(x, &omega))?;
        for _ in 0..power_iters {
            let z = orthonormal(&sparse_t_dot(&xt, &q))?;
            q = orthonormal(&sparse_dot(x, &z))?;
        }
        // B = Qᵀ X (l × d); its SVD from the eigen-decomposition of B Bᵀ (l × l).
        let bt = sparse_t_dot(&xt, &q); // d × l = Bᵀ
        let bbt = bt.t().dot(&bt);
        let (vals, vecs) = bbt.eigh()?;
        let mut order: Vec<usize> = (0..vals.len()).collect();
        order.sort_by(|&a, &b| vals[b].total_cmp(&vals[a]).then(a.cmp(&b)));
        let top: Vec<usize> = order.into_iter().take(k).collect();
        let u = vecs.select(Axis(1), &top);
        // V = Bᵀ U Σ⁻¹, one matrix product for all components.
        let mut components = bt.dot(&u);
        let mut singular_values = Array1::zeros(k);
        for (c, &idx) in top.iter().enumerate() {
            let s = vals[idx].max(0.0).sqrt();
            singular_values[c] = s;
            let mut v = components.column_mut(c);
            if s > 1e-12 {
                v /= s;
                // Fix the sign so the result does not depend on the eigen solver's choice.
                let pivot = v
                    .iter()
                    .cloned()
                    .fold(0.0, |m: f64, a| if a.abs() > m.abs() { a } else { m });
                if pivot < 0.0 {
                    v.mapv_inplace(|a| -a);
                }
            } else {
                v.fill(0.0);
            }
        }
        Ok(Lsa {
            components,
            singular_values,
        })
    }

    /// Number of dimensions.
    pub fn dims(&self) -> usize {
        self.components.ncols()
    }

    /// Project sparse rows: `X · components`.
    pub fn transform(&self, x: &CsrMatrix) -> Array2<f64> {
        sparse_dot(x, &self.components)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_the_leading_singular_values() {
        // Rank-2 matrix: rows are mixes of two orthogonal patterns.
        let mut x = CsrMatrix::new(4);
        for i in 0..20 {
            let a = 1.0 + (i % 3) as f32;
            let b = (i % 5) as f32;
            x.push_row(&[0, 1, 2, 3], &[a, a, b, b]);
        }
        let lsa = Lsa::fit(&x, 2, 2, 7).unwrap();
        let dense = x.to_dense().mapv(f64::from);
        let recon = lsa.transform(&x).dot(&lsa.components.t());
        let err = (&dense - &recon).mapv(|v| v * v).sum();
        assert!(err < 1e-6, "{err}");
        assert!(lsa.singular_values[0] >= lsa.singular_values[1]);
        assert_eq!(Lsa::fit(&x, 2, 2, 7).unwrap(), lsa);
    }
}
