//! linfa's clusterers on a reduced dense representation: an LSA projection (truncated SVD of
//! the TF-IDF rows, L2-normalised afterwards, as in scikit-learn's documented pipeline)
//! feeding linfa-clustering's KMeans, Gaussian mixture or DBSCAN.
//!
//! DBSCAN takes `eps` and `min_points` instead of k; its noise is a group of its own, and a
//! new article joins the cluster of its nearest core article when that one is within `eps`.

use crate::features::lsa::{sparse_dot, Lsa};
use crate::features::{CsrMatrix, RowView};
use linfa::prelude::*;
use linfa_clustering::{Dbscan, GaussianMixtureModel, KMeans};
use ndarray::{Array1, Array2, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Which linfa clusterer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum LsaMethod {
    /// k-means (Euclidean on normalised LSA vectors, i.e. cosine).
    KMeans,
    /// Gaussian mixture with full covariances.
    Gmm,
    /// DBSCAN: `eps` (Euclidean on normalised LSA vectors) and the minimum neighbours of a
    /// core article.
    Dbscan {
        /// Neighbourhood radius.
        eps: f64,
        /// Neighbours (the article included) that make a core article.
        min_points: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Fitted {
    KMeans {
        centers: Array2<f64>,
    },
    Gmm {
        gmm: Box<GaussianMixtureModel<f64>>,
    },
    Dbscan {
        cores: Array2<f64>,
        labels: Vec<usize>,
        eps: f64,
        n_clusters: usize,
    },
}

/// A fitted LSA clustering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LsaClustering {
    lsa: Lsa,
    fitted: Fitted,
}

/// Errors of LSA clustering.
#[derive(Debug, thiserror::Error)]
pub enum LsaClusterError {
    /// The projection failed.
    #[error(transparent)]
    Lsa(#[from] crate::features::lsa::LsaError),
    /// linfa's k-means failed.
    #[error("k-means failed: {0}")]
    KMeans(String),
    /// linfa's Gaussian mixture failed.
    #[error("Gaussian mixture failed: {0}")]
    Gmm(String),
    /// linfa's DBSCAN failed.
    #[error("DBSCAN failed: {0}")]
    Dbscan(String),
    /// DBSCAN found no cluster at all.
    #[error("DBSCAN found no cluster (every article is noise): raise --eps or lower --min-points")]
    AllNoise,
}

/// Rows scaled to unit length (zero rows stay zero).
pub(crate) fn normalise(mut z: Array2<f64>) -> Array2<f64> {
    for mut r in z.axis_iter_mut(Axis(0)) {
        let n = r.dot(&r).sqrt();
        if n > 0.0 {
            r /= n;
        }
    }
    z
}

/// Dense rows as a CSR matrix with every entry stored (so that spherical k-means, which works
/// on CSR rows, clusters them as they are).
pub(crate) fn dense_rows(z: &Array2<f64>) -> CsrMatrix {
    let idx: Vec<u32> = (0..z.ncols() as u32).collect();
    let mut out = CsrMatrix::new(z.ncols());
    let mut v = Vec::with_capacity(z.ncols());
    for r in z.rows() {
        v.clear();
        v.extend(r.iter().map(|&a| a as f32));
        out.push_row(&idx, &v);
    }
    out
}

impl LsaClustering {
    /// Fit: returns the clustering and each row's group (`k()` groups; for DBSCAN the last one
    /// is the noise).
    pub fn fit(
        x: &CsrMatrix,
        method: LsaMethod,
        k: usize,
        dims: usize,
        n_init: usize,
        seed: u64,
    ) -> Result<(LsaClustering, Vec<usize>), LsaClusterError> {
        let lsa = Lsa::fit(x, dims, 2, seed)?;
        let z = normalise(lsa.transform(x));
        let rng = ChaCha8Rng::seed_from_u64(seed);
        let data = DatasetBase::from(z.clone());
        let (fitted, labels) = match method {
            LsaMethod::KMeans => {
                let m = KMeans::params_with_rng(k, rng)
                    .n_runs(n_init.max(1))
                    .max_n_iterations(300)
                    .tolerance(1e-4)
                    .fit(&data)
                    .map_err(|e| LsaClusterError::KMeans(e.to_string()))?;
                let labels: Array1<usize> = m.predict(&z);
                (
                    Fitted::KMeans {
                        centers: m.centroids().clone(),
                    },
                    labels.to_vec(),
                )
            }
            LsaMethod::Gmm => {
                let m = GaussianMixtureModel::params_with_rng(k, rng)
                    .n_runs(n_init.max(1) as u64)
                    .max_n_iterations(100)
                    .reg_covariance(1e-3)
                    .fit(&data)
                    .map_err(|e| LsaClusterError::Gmm(e.to_string()))?;
                let labels: Array1<usize> = m.predict(&z);
                (Fitted::Gmm { gmm: Box::new(m) }, labels.to_vec())
            }
            LsaMethod::Dbscan { eps, min_points } => {
                let groups: Array1<Option<usize>> = Dbscan::params(min_points)
                    .tolerance(eps)
                    .transform(&z)
                    .map_err(|e| LsaClusterError::Dbscan(e.to_string()))?;
                let n_clusters = groups.iter().flatten().max().map_or(0, |m| m + 1);
                if n_clusters == 0 {
                    return Err(LsaClusterError::AllNoise);
                }
                // Core articles: at least `min_points` articles (itself included) within eps.
                let sims = z.dot(&z.t());
                let min_sim = 1.0 - eps * eps / 2.0;
                let mut core_rows = Vec::new();
                let mut core_labels = Vec::new();
                for (i, g) in groups.iter().enumerate() {
                    if let Some(c) = g {
                        let neighbours = sims.row(i).iter().filter(|&&s| s >= min_sim).count();
                        if neighbours >= min_points {
                            core_rows.push(i);
                            core_labels.push(*c);
                        }
                    }
                }
                let labels = groups.iter().map(|g| g.unwrap_or(n_clusters)).collect();
                (
                    Fitted::Dbscan {
                        cores: z.select(Axis(0), &core_rows),
                        labels: core_labels,
                        eps,
                        n_clusters,
                    },
                    labels,
                )
            }
        };
        Ok((LsaClustering { lsa, fitted }, labels))
    }

    /// Groups (clusters, plus the noise group for DBSCAN).
    pub fn k(&self) -> usize {
        match &self.fitted {
            Fitted::KMeans { centers } => centers.nrows(),
            Fitted::Gmm { gmm } => gmm.means().nrows(),
            Fitted::Dbscan { n_clusters, .. } => n_clusters + 1,
        }
    }

    /// The normalised LSA vector of a row.
    fn project(&self, row: RowView<'_>) -> Array1<f64> {
        let mut one = CsrMatrix::new(self.lsa.components.nrows());
        one.push_row(row.indices, row.data);
        normalise(sparse_dot(&one, &self.lsa.components))
            .row(0)
            .to_owned()
    }

    /// Scores in [0, 1] of one row for every group, and its group (None for an empty row).
    pub fn scores(&self, row: RowView<'_>, out: &mut [f64]) -> Option<usize> {
        out.iter_mut().for_each(|o| *o = 0.0);
        if row.nnz() == 0 {
            return None;
        }
        let z = self.project(row);
        match &self.fitted {
            Fitted::KMeans { centers } => {
                // Cosine similarity to each center; the group is the nearest center.
                let mut best = (0, f64::INFINITY);
                for (c, center) in centers.axis_iter(Axis(0)).enumerate() {
                    let d = (&z - &center).mapv(|v| v * v).sum();
                    if d < best.1 {
                        best = (c, d);
                    }
                    let n = center.dot(&center).sqrt();
                    out[c] = if n > 0.0 {
                        (z.dot(&center) / n).clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                }
                Some(best.0)
            }
            Fitted::Gmm { gmm } => {
                let zz = z.insert_axis(Axis(0));
                let p = gmm.predict_proba(&zz);
                let mut best = 0;
                for (c, &v) in p.row(0).iter().enumerate() {
                    out[c] = v;
                    if v > out[best] {
                        best = c;
                    }
                }
                Some(best)
            }
            Fitted::Dbscan {
                cores,
                labels,
                eps,
                n_clusters,
            } => {
                // Best similarity to a core article of each cluster; noise when the nearest
                // core article is farther than eps.
                for (core, &c) in cores.axis_iter(Axis(0)).zip(labels) {
                    let s = z.dot(&core).clamp(0.0, 1.0);
                    if s > out[c] {
                        out[c] = s;
                    }
                }
                let (best, &s) = out[..*n_clusters]
                    .iter()
                    .enumerate()
                    .fold((0, &0.0), |a, b| if b.1 > a.1 { b } else { a });
                let min_sim = 1.0 - eps * eps / 2.0;
                if s >= min_sim {
                    Some(best)
                } else {
                    out[*n_clusters] = 1.0 - s;
                    Some(*n_clusters)
                }
            }
        }
    }

    /// Feature-space direction of each group (for descriptions and explanations):
    /// `components · center`, feature-major `n_features × k`.
    pub fn feature_directions(&self) -> Vec<f64> {
        let k = self.k();
        let d = self.lsa.components.nrows();
        let centers: Array2<f64> = match &self.fitted {
            Fitted::KMeans { centers } => centers.clone(),
            Fitted::Gmm { gmm } => gmm.means().clone(),
            Fitted::Dbscan {
                cores,
                labels,
                n_clusters,
                ..
            } => {
                let mut c = Array2::zeros((n_clusters + 1, cores.ncols()));
                for (row, &l) in cores.axis_iter(Axis(0)).zip(labels) {
                    let mut target = c.row_mut(l);
                    target += &row;
                }
                c
            }
        };
        let back = self.lsa.components.dot(&centers.t()); // d × k
        let mut out = vec![0f64; d * k];
        for j in 0..d {
            for c in 0..k {
                out[j * k + c] = back[[j, c]];
            }
        }
        out
    }

    /// Dimensions of the projection.
    pub fn dims(&self) -> usize {
        self.lsa.dims()
    }

    /// Check the shape of a deserialised clustering.
    pub fn validate(&self, n_features: usize) -> Result<(), String> {
        if self.lsa.components.nrows() != n_features {
            return Err("LSA projection and vocabulary differ in size".into());
        }
        let dims = self.lsa.dims();
        let ok = match &self.fitted {
            Fitted::KMeans { centers } => centers.ncols() == dims && centers.nrows() > 0,
            Fitted::Gmm { gmm } => gmm.means().ncols() == dims && gmm.means().nrows() > 0,
            Fitted::Dbscan {
                cores,
                labels,
                n_clusters,
                ..
            } => {
                cores.ncols() == dims
                    && cores.nrows() == labels.len()
                    && labels.iter().all(|&l| l < *n_clusters)
            }
        };
        if ok {
            Ok(())
        } else {
            Err("LSA clustering of inconsistent shape".into())
        }
    }
}
