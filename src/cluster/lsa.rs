//! linfa's clusterers on a reduced dense representation: an LSA projection (truncated SVD of
//! the TF-IDF rows, L2-normalised afterwards, as in scikit-learn's documented pipeline)
//! feeding linfa-clustering's KMeans, Gaussian mixture or DBSCAN.
//!
//! DBSCAN takes `eps` and `min_points` instead of k; its noise is a group of its own, and a
//! new article joins the cluster of its nearest core article when that one is within `eps`.

use crate::features::lsa::{sparse_dot, Lsa};
use crate::features::{CsrMatrix, RowView};
use crate::model::file::InvalidModel;
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
    /// A mixture component lost every article: the data cannot support k components.
    #[error("Gaussian mixture failed: a cluster lost every article (too few articles for k full-covariance components): lower --k or --lsa-dims, or use --algo spherical-kmeans")]
    GmmEmptyCluster(String),
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
                    .map_err(|e| match e {
                        linfa_clustering::GmmError::EmptyCluster(m) => {
                            LsaClusterError::GmmEmptyCluster(m)
                        }
                        e => LsaClusterError::Gmm(e.to_string()),
                    })?;
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

    /// Check the shape of a deserialised clustering: every array, since ndarray panics on a
    /// product of mismatched shapes.
    pub fn validate(&self, n_features: usize) -> Result<(), InvalidModel> {
        if self.lsa.components.nrows() != n_features {
            return Err("LSA projection and vocabulary differ in size".into());
        }
        if self.lsa.singular_values.len() != self.lsa.dims() {
            return Err("LSA singular values and projection differ in size".into());
        }
        let dims = self.lsa.dims();
        let ok = match &self.fitted {
            Fitted::KMeans { centers } => centers.ncols() == dims && centers.nrows() > 0,
            Fitted::Gmm { gmm } => gmm_shape_ok(gmm, dims),
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

/// The parts of linfa's Gaussian mixture, field for field as its serde derive writes them: the
/// model exposes no getter for its Cholesky factors, so their shapes are read back this way.
#[derive(Deserialize)]
struct GmmParts {
    _covar_type: linfa_clustering::GmmCovarType,
    weights: Array1<f64>,
    means: Array2<f64>,
    covariances: ndarray::Array3<f64>,
    precisions: ndarray::Array3<f64>,
    precisions_chol: ndarray::Array3<f64>,
}

/// Whether every array of a decoded mixture fits `dims` LSA dimensions and one k.
fn gmm_shape_ok(gmm: &GaussianMixtureModel<f64>, dims: usize) -> bool {
    let Some(parts) = postcard::to_stdvec(gmm)
        .ok()
        .and_then(|b| postcard::from_bytes::<GmmParts>(&b).ok())
    else {
        return false;
    };
    let k = parts.means.nrows();
    k > 0
        && parts.means.ncols() == dims
        && parts.weights.len() == k
        && [
            &parts.covariances,
            &parts.precisions,
            &parts.precisions_chol,
        ]
        .iter()
        .all(|a| a.shape() == [k, dims, dims])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;
    use serde::Serialize;

    /// A Gaussian mixture decoded from parts of the given shapes, as a crafted file would hold.
    fn crafted_gmm(k: usize, dims: usize, cov_k: usize) -> GaussianMixtureModel<f64> {
        #[derive(Serialize)]
        struct Parts {
            covar_type: linfa_clustering::GmmCovarType,
            weights: Array1<f64>,
            means: Array2<f64>,
            covariances: Array3<f64>,
            precisions: Array3<f64>,
            precisions_chol: Array3<f64>,
        }
        let eye = |n: usize| {
            Array3::from_shape_fn((n, dims, dims), |(_, i, j)| if i == j { 1.0 } else { 0.0 })
        };
        let parts = Parts {
            covar_type: linfa_clustering::GmmCovarType::Full,
            weights: Array1::from_elem(k, 1.0 / k as f64),
            means: Array2::zeros((k, dims)),
            covariances: eye(cov_k),
            precisions: eye(k),
            precisions_chol: eye(k),
        };
        postcard::from_bytes(&postcard::to_stdvec(&parts).unwrap()).unwrap()
    }

    fn clustering(gmm: GaussianMixtureModel<f64>, dims: usize) -> LsaClustering {
        LsaClustering {
            lsa: Lsa {
                components: Array2::zeros((5, dims)),
                singular_values: Array1::ones(dims),
            },
            fitted: Fitted::Gmm { gmm: Box::new(gmm) },
        }
    }

    #[test]
    fn issue9_every_array_of_a_gmm_is_shape_checked_at_load() {
        assert!(clustering(crafted_gmm(3, 4, 3), 4).validate(5).is_ok());
        // Covariances for 2 components where the means have 3: ndarray would panic later.
        let e = clustering(crafted_gmm(3, 4, 2), 4).validate(5).unwrap_err();
        assert!(e.0.contains("inconsistent shape"), "{e}");
        // Singular values that disagree with the projection.
        let mut c = clustering(crafted_gmm(3, 4, 3), 4);
        c.lsa.singular_values = Array1::ones(2);
        assert!(c.validate(5).is_err());
    }
}
