//! The saved clustering: analyzer, vocabulary and idf, centroids and the description of each
//! cluster, in the same file format as a classifier (kind `clustering`). `veille classify`
//! assigns new articles to its clusters.

use super::file::{self, InvalidModel, ModelFileError};
use super::scoring::{Scorer, Session};
use super::{digest, Classification, ClassifyOptions};
use crate::cluster::choose_k::{
    candidates, KAuto, KCriterion, KScore, SilhouetteSample, StabilityParams, StabilitySample,
};
use crate::cluster::describe::describe;
use crate::cluster::lsa::{LsaClusterError, LsaClustering, LsaMethod};
use crate::cluster::spherical_kmeans::{self, Centroids, KMeansError, KMeansParams};
use crate::cluster::{ClusterInfo, KChoice};
use crate::corpus::Document;
use crate::eval::{cluster_scores, ClusterScores};
use crate::features::{DfBound, RowView, TfidfConfig, TfidfError, Vectorizer};
use crate::settings::SettingsError;
use crate::text::{Analyzer, AnalyzerConfig, AnalyzerError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The kind string of clustering model files.
pub const KIND: &str = "clustering";

/// Everything that configures a clustering run.
#[derive(Debug, Clone)]
pub struct ClusterSettings {
    /// Text analysis.
    pub analyzer: AnalyzerConfig,
    /// TF-IDF.
    pub tfidf: TfidfConfig,
    /// Number of clusters.
    pub k: KChoice,
    /// Restarts (the best objective wins).
    pub n_init: usize,
    /// Maximum iterations (epochs in mini-batch mode).
    pub max_iter: usize,
    /// Stop a restart when the mean similarity gains less than this in an iteration.
    pub tol: f64,
    /// Mini-batch size: centroids updated after each random batch of this many articles
    /// instead of after full passes (approximate; up to 100k articles, full passes are faster).
    pub batch_size: Option<usize>,
    /// Seed.
    pub seed: u64,
    /// Terms shown per cluster.
    pub n_terms: usize,
    /// How `--k auto` scores the candidates.
    pub k_criterion: KCriterion,
    /// Settings of the stability criterion.
    pub stability: StabilityParams,
    /// Articles sampled for the silhouette criterion.
    pub silhouette_sample: usize,
    /// The clusterer.
    pub algo: ClusterAlgo,
    /// Dimensions of the LSA projection (LSA clusterers).
    pub lsa_dims: usize,
}

/// Which clusterer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum ClusterAlgo {
    /// Spherical k-means on the sparse TF-IDF rows (the default).
    Spherical,
    /// One of linfa's clusterers on an LSA projection.
    Lsa(LsaMethod),
}

/// Every clusterer name accepted by `--algo`.
pub const CLUSTER_ALGO_NAMES: [&str; 4] =
    ["spherical-kmeans", "lsa-kmeans", "lsa-gmm", "lsa-dbscan"];

impl ClusterAlgo {
    /// DBSCAN's neighbourhood radius when none is given.
    pub const DEFAULT_EPS: f64 = 0.5;
    /// DBSCAN's neighbours that make a core article when none is given.
    pub const DEFAULT_MIN_POINTS: usize = 5;

    /// The clusterer called `name`; DBSCAN takes `eps` (in (0, 2]) and `min_points` (>= 2).
    pub fn from_name(
        name: &str,
        eps: f64,
        min_points: usize,
    ) -> Result<ClusterAlgo, SettingsError> {
        name.parse::<ClusterAlgo>()?.with_dbscan(eps, min_points)
    }

    /// This clusterer, with DBSCAN's `eps` and `min_points` when it is DBSCAN (checked: eps
    /// in (0, 2], min_points at least 2).
    pub fn with_dbscan(self, eps: f64, min_points: usize) -> Result<ClusterAlgo, SettingsError> {
        match self {
            ClusterAlgo::Lsa(LsaMethod::Dbscan { .. }) => {
                // linfa's DBSCAN refuses min_points < 2 (a lone article would be a cluster).
                if !(eps > 0.0 && eps <= 2.0) || min_points < 2 {
                    return Err(SettingsError::Dbscan);
                }
                Ok(ClusterAlgo::Lsa(LsaMethod::Dbscan { eps, min_points }))
            }
            other => Ok(other),
        }
    }

    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ClusterAlgo::Spherical => "spherical-kmeans",
            ClusterAlgo::Lsa(LsaMethod::KMeans) => "lsa-kmeans",
            ClusterAlgo::Lsa(LsaMethod::Gmm) => "lsa-gmm",
            ClusterAlgo::Lsa(LsaMethod::Dbscan { .. }) => "lsa-dbscan",
        }
    }
}

impl std::str::FromStr for ClusterAlgo {
    type Err = SettingsError;
    /// The clusterer called `s`, DBSCAN with [`ClusterAlgo::DEFAULT_EPS`] and
    /// [`ClusterAlgo::DEFAULT_MIN_POINTS`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "spherical-kmeans" | "spherical" | "kmeans" => ClusterAlgo::Spherical,
            "lsa-kmeans" => ClusterAlgo::Lsa(LsaMethod::KMeans),
            "lsa-gmm" => ClusterAlgo::Lsa(LsaMethod::Gmm),
            "lsa-dbscan" => ClusterAlgo::Lsa(LsaMethod::Dbscan {
                eps: ClusterAlgo::DEFAULT_EPS,
                min_points: ClusterAlgo::DEFAULT_MIN_POINTS,
            }),
            other => {
                return Err(SettingsError::unknown(
                    "clusterer",
                    other,
                    CLUSTER_ALGO_NAMES.join(", "),
                ))
            }
        })
    }
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            analyzer: AnalyzerConfig {
                ngram_range: (1, 1),
                ..AnalyzerConfig::default()
            },
            tfidf: TfidfConfig {
                min_df: DfBound::Auto,
                max_df: DfBound::Fraction(0.5),
                ..TfidfConfig::default()
            },
            k: KChoice::Auto { min: 3, max: 30 },
            n_init: 5,
            max_iter: 50,
            // Measured on 20 Newsgroups: 1e-4 instead of 1e-6 saves a third of the
            // iterations and changes NMI by < 0.004.
            tol: 1e-4,
            batch_size: None,
            seed: 0,
            n_terms: 10,
            k_criterion: KCriterion::Stability,
            stability: StabilityParams::default(),
            silhouette_sample: 1000,
            algo: ClusterAlgo::Spherical,
            lsa_dims: 100,
        }
    }
}

/// Errors of clustering.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Nothing to cluster.
    #[error("no articles to cluster")]
    NoDocuments,
    /// Bad analyzer settings.
    #[error(transparent)]
    Analyzer(#[from] AnalyzerError),
    /// Vocabulary problems.
    #[error(transparent)]
    Tfidf(#[from] TfidfError),
    /// k-means problems.
    #[error(transparent)]
    KMeans(#[from] KMeansError),
    /// LSA clusterer problems.
    #[error(transparent)]
    Lsa(#[from] LsaClusterError),
}

/// What a clustering remembers of its run (no time, no paths).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterMeta {
    /// veille version.
    pub crate_version: String,
    /// Articles clustered.
    pub n_documents: usize,
    /// SHA-256 of the articles (ids and texts, in order).
    pub data_digest: String,
    /// How k was asked for.
    pub k_choice: KChoice,
    /// For `--k auto`: what was chosen and why.
    pub k_auto: Option<KAuto>,
    /// Mean cosine similarity of the articles to their centroid.
    pub objective: f64,
    /// Seed, restarts and mini-batch size.
    pub seed: u64,
    /// Restarts.
    pub n_init: usize,
    /// Mini-batch size, if any.
    pub batch_size: Option<usize>,
    /// The clusterer.
    pub algo: ClusterAlgo,
}

/// How articles are assigned to clusters.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Assigner {
    /// Cosine similarity to spherical k-means centroids.
    Spherical(Centroids),
    /// An LSA clusterer, with the feature-space direction of each group for explanations.
    Lsa {
        model: Box<LsaClustering>,
        directions: Centroids,
    },
}

/// One fit at a given k: the assigner, each row's group and similarity, the objective.
type Fit = (Assigner, Vec<usize>, Vec<f64>, f64);

/// `--k auto`: score the candidates between `min` and `max` with `s.k_criterion` and return
/// the choice, with the fit at the chosen k when scoring needed it anyway (the silhouette
/// criterion fits every candidate; stability fits halves of a projection, so the caller fits
/// the chosen k). Split halves need at least [`StabilityParams::min_cluster`] articles per
/// cluster: the range is clamped to what the corpus supports, and a corpus too small for the
/// smallest k falls back to the silhouette of full fits (the note says so).
fn choose_k(
    x: &crate::features::CsrMatrix,
    min: usize,
    max: usize,
    s: &ClusterSettings,
    fit_k: &dyn Fn(usize) -> Result<Fit, ClusterError>,
) -> Result<(KAuto, Option<Fit>), ClusterError> {
    let mut note = String::new();
    if s.k_criterion == KCriterion::Stability {
        let sample =
            StabilitySample::new(x, &s.stability, s.seed).map_err(LsaClusterError::from)?;
        let top = max.min(sample.max_k(&s.stability));
        if top >= min {
            if top < max {
                note = format!(
                    "range clamped to {min}-{top}: halves of {} distinct articles hold at least {} per cluster",
                    sample.half(),
                    s.stability.min_cluster
                );
            }
            // Candidates in parallel (each fit is small); the curve stops at the first k a half
            // cannot support.
            let ks = candidates(min, top);
            let scores: Vec<Option<f64>> = ks
                .par_iter()
                .map(|&k| sample.score(k, &s.stability, s.seed))
                .collect();
            let curve: Vec<KScore> = ks
                .iter()
                .zip(scores)
                .map_while(|(&k, score)| score.map(|score| KScore { k, score }))
                .collect();
            let complete = curve.len() == ks.len();
            if let Some(mut auto) =
                KAuto::from_curve(KCriterion::Stability, curve, sample.len(), note.clone())
            {
                // The best k at the top of the range asked for: larger ones may do better.
                if top == max && complete && ks.len() > 1 && ks.last() == Some(&auto.chosen) {
                    auto.note = format!(
                        "the best k is the largest tried: auto:{min}-{} may find a better one",
                        2 * max
                    );
                }
                return Ok((auto, None));
            }
        }
        note = format!(
            "{} distinct articles are too few to compare halves at k = {min} (at least {} needed): chosen by silhouette instead",
            sample.len(),
            2 * s.stability.min_cluster * min
        );
    }
    let sample = SilhouetteSample::new(x, s.silhouette_sample, s.seed);
    let mut curve = Vec::new();
    let mut best: Option<(f64, Fit)> = None;
    for k in candidates(min, max) {
        let f = match fit_k(k) {
            Ok(f) => f,
            // Fewer distinct articles than k: larger k cannot work either.
            Err(ClusterError::KMeans(KMeansError::TooManyClusters { .. })) => break,
            Err(e) => return Err(e),
        };
        let score = sample.score(&f.1, k);
        curve.push(KScore { k, score });
        if best.as_ref().is_none_or(|(b, _)| score > *b + 1e-12) {
            best = Some((score, f));
        }
    }
    match KAuto::from_curve(KCriterion::Silhouette, curve, sample.len(), note) {
        Some(auto) => Ok((auto, best.map(|b| b.1))),
        // Not even `min` distinct articles: one cluster.
        None => Ok((
            KAuto {
                criterion: KCriterion::Silhouette,
                curve: Vec::new(),
                chosen: 1,
                flat: true,
                sample: sample.len(),
                note: format!("fewer than {min} distinct articles: one cluster"),
            },
            None,
        )),
    }
}

/// A clustering with its text pipeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterModel {
    vectorizer: Vectorizer,
    assigner: Assigner,
    clusters: Vec<ClusterInfo>,
    meta: ClusterMeta,
}

/// The result of clustering a corpus: the model and where each article went.
#[derive(Debug, Clone)]
pub struct ClusterRun {
    /// The fitted clustering.
    pub model: ClusterModel,
    /// (cluster, similarity to its centroid) of each article, in input order; `None` for an
    /// article with no term of the vocabulary (as `classify` does with it).
    pub assignments: Vec<Option<(usize, f64)>>,
}

impl ClusterRun {
    /// Scores against the labels of the single-label articles (`docs` are the clustered ones,
    /// in order) and how many articles were scored; `None` when no article carries one label.
    /// Articles without any known term have no cluster and are left out, as are multi-label
    /// ones.
    pub fn score_against_labels(&self, docs: &[Document]) -> Option<(ClusterScores, usize)> {
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        let (mut truth, mut pred) = (Vec::new(), Vec::new());
        for (d, a) in docs.iter().zip(&self.assignments) {
            if let (Some(l), Some((c, _))) = (&d.labels, a) {
                if let [one] = l.as_slice() {
                    let n = names.len();
                    truth.push(*names.entry(one.as_str()).or_insert(n));
                    pred.push(*c);
                }
            }
        }
        if truth.is_empty() {
            return None;
        }
        Some((cluster_scores(&truth, &pred), truth.len()))
    }
}

impl ClusterModel {
    /// Cluster `docs` (their labels, if any, are not read).
    pub fn fit(docs: &[Document], settings: &ClusterSettings) -> Result<ClusterRun, ClusterError> {
        ClusterModel::fit_with_progress(docs, settings, &|_| {})
    }

    /// [`ClusterModel::fit`], calling `progress` with the number of documents analysed since
    /// its last call (from several threads: it must be `Sync`), for a progress bar.
    pub fn fit_with_progress(
        docs: &[Document],
        s: &ClusterSettings,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<ClusterRun, ClusterError> {
        if docs.is_empty() {
            return Err(ClusterError::NoDocuments);
        }
        let analyzer = Analyzer::new(s.analyzer.clone())?;
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        let (vectorizer, x) =
            Vectorizer::fit_transform(analyzer, s.tfidf.clone(), &texts, progress)?;
        let params = |k| KMeansParams {
            k,
            n_init: s.n_init,
            max_iter: s.max_iter,
            tol: s.tol,
            batch_size: s.batch_size,
            seed: s.seed,
        };
        // One fit at a given k: the assigner, each row's group and similarity, the objective.
        let fit_k = |k: usize| -> Result<Fit, ClusterError> {
            match s.algo {
                ClusterAlgo::Spherical => {
                    let f = spherical_kmeans::fit(&x, &params(k))?;
                    Ok((
                        Assigner::Spherical(f.centroids),
                        f.labels,
                        f.similarity,
                        f.objective,
                    ))
                }
                ClusterAlgo::Lsa(method) => {
                    let distinct = spherical_kmeans::distinct_rows(&x, k);
                    if !matches!(method, LsaMethod::Dbscan { .. }) && distinct < k {
                        return Err(KMeansError::TooManyClusters { k, distinct }.into());
                    }
                    let (model, labels) =
                        LsaClustering::fit(&x, method, k, s.lsa_dims, s.n_init, s.seed)?;
                    let directions = Centroids::from_feature_major(
                        model.k(),
                        x.n_cols(),
                        &model.feature_directions(),
                    );
                    let mut buf = vec![0.0; model.k()];
                    let sims: Vec<f64> = (0..x.n_rows())
                        .map(|i| {
                            model.scores(x.row(i), &mut buf);
                            buf[labels[i]]
                        })
                        .collect();
                    let objective = sims.iter().sum::<f64>() / sims.len().max(1) as f64;
                    Ok((
                        Assigner::Lsa {
                            model: Box::new(model),
                            directions,
                        },
                        labels,
                        sims,
                        objective,
                    ))
                }
            }
        };
        let k_choice = match s.algo {
            // DBSCAN finds its own number of clusters.
            ClusterAlgo::Lsa(LsaMethod::Dbscan { .. }) => KChoice::Fixed(1),
            _ => s.k,
        };
        let (k_auto, (assigner, labels, sims, objective)) = match k_choice {
            KChoice::Fixed(k) => (None, fit_k(k)?),
            KChoice::Auto { min, max } => {
                let (auto, fit) = choose_k(&x, min, max, s, &fit_k)?;
                let fit = match fit {
                    Some(f) => f,
                    None => fit_k(auto.chosen)?,
                };
                (Some(auto), fit)
            }
        };
        let k = match &assigner {
            Assigner::Spherical(c) => c.k(),
            Assigner::Lsa { model, .. } => model.k(),
        };
        let ids: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
        let assignments: Vec<Option<(usize, f64)>> = (0..x.n_rows())
            .map(|i| (x.row(i).nnz() > 0).then(|| (labels[i], sims[i])))
            .collect();
        let mut clusters = describe(&x, &vectorizer, &assignments, &ids, k, s.n_terms);
        if let ClusterAlgo::Lsa(LsaMethod::Dbscan { .. }) = s.algo {
            if let Some(noise) = clusters.last_mut() {
                noise.name = format!("noise ({})", noise.name);
            }
        }
        let meta = ClusterMeta {
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            n_documents: docs.len(),
            data_digest: digest(docs),
            k_choice: s.k,
            k_auto,
            objective,
            seed: s.seed,
            n_init: s.n_init,
            batch_size: s.batch_size,
            algo: s.algo,
        };
        Ok(ClusterRun {
            model: ClusterModel {
                vectorizer,
                assigner,
                clusters,
                meta,
            },
            assignments,
        })
    }

    /// The clusters, by id.
    pub fn clusters(&self) -> &[ClusterInfo] {
        &self.clusters
    }

    /// Run metadata.
    pub fn meta(&self) -> &ClusterMeta {
        &self.meta
    }

    /// The text → features pipeline.
    pub fn vectorizer(&self) -> &Vectorizer {
        &self.vectorizer
    }

    /// Number of clusters.
    pub fn k(&self) -> usize {
        self.clusters.len()
    }

    /// Save atomically to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelFileError> {
        file::write_atomic(path.as_ref(), &self.to_bytes()?)
    }

    /// The file bytes of this clustering.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelFileError> {
        file::encode(KIND, self)
    }

    /// Load from `path`, checking format, checksum and stemmer.
    pub fn load(path: impl AsRef<Path>) -> Result<ClusterModel, ModelFileError> {
        file::load(path.as_ref(), KIND).map(|(_, m)| m)
    }

    /// Decode the bytes of a clustering file (as [`ClusterModel::to_bytes`] writes them);
    /// `name` stands for the file in errors.
    pub fn from_bytes(
        name: impl AsRef<Path>,
        bytes: &[u8],
    ) -> Result<ClusterModel, ModelFileError> {
        file::from_bytes(name.as_ref(), bytes, KIND).map(|(_, m)| m)
    }

    /// A session for assigning streams of articles.
    pub fn session(&self) -> Session<'_, ClusterModel> {
        Session::new(self)
    }

    /// Assign texts to clusters (labels: the nearest cluster; scores: cosine similarity to
    /// every centroid, best first).
    pub fn classify_batch(&self, texts: &[&str], opts: &ClassifyOptions) -> Vec<Classification> {
        self.session().classify_batch(texts, opts)
    }
}

impl file::Validate for ClusterModel {
    fn validate(&self) -> Result<(), InvalidModel> {
        let n_features = self.vectorizer.n_features();
        let (k, directions) = match &self.assigner {
            Assigner::Spherical(c) => (c.k(), c),
            Assigner::Lsa { model, directions } => {
                model.validate(n_features)?;
                (model.k(), directions)
            }
        };
        directions.validate()?;
        if directions.k() != k || k != self.clusters.len() {
            return Err(InvalidModel(format!(
                "{} cluster descriptions for {k} clusters",
                self.clusters.len()
            )));
        }
        if directions.n_features() != n_features {
            return Err("centroids and vocabulary differ in size".into());
        }
        if self.clusters.iter().enumerate().any(|(i, c)| c.id != i) {
            return Err("cluster ids out of order".into());
        }
        Ok(())
    }
}

impl Scorer for ClusterModel {
    fn vectorizer(&self) -> &Vectorizer {
        &self.vectorizer
    }

    fn score(&self, row: RowView<'_>, threshold: Option<f64>, scores: &mut Vec<f64>) -> Vec<u32> {
        scores.resize(self.k(), 0.0);
        let best = match &self.assigner {
            Assigner::Spherical(c) => {
                c.similarities(row, scores);
                // TF-IDF weights are non-negative, so similarities already lie in [0, 1].
                scores.iter_mut().for_each(|s| *s = s.clamp(0.0, 1.0));
                (row.nnz() > 0).then(|| {
                    (1..scores.len()).fold(0, |b, c| if scores[c] > scores[b] { c } else { b })
                })
            }
            Assigner::Lsa { model, .. } => model.scores(row, scores),
        };
        match (best, threshold) {
            (None, _) => vec![],
            (Some(b), Some(t)) if scores[b] < t => vec![],
            (Some(b), _) => vec![b as u32],
        }
    }

    fn weight(&self, feature: usize, output: usize) -> f32 {
        match &self.assigner {
            Assigner::Spherical(c) => c.value(feature, output),
            Assigner::Lsa { directions, .. } => directions.value(feature, output),
        }
    }

    fn output_name(&self, id: u32) -> &str {
        &self.clusters[id as usize].name
    }

    fn n_outputs(&self) -> usize {
        self.clusters.len()
    }
}
