//! The saved clustering: analyzer, vocabulary and idf, centroids and the description of each
//! cluster, in the same file format as a classifier (kind `clustering`). `veille classify`
//! assigns new articles to its clusters.

use super::file::{self, ModelFileError};
use super::scoring::{Scorer, Session};
use super::{digest, Classification, ClassifyOptions};
use crate::cluster::choose_k::{candidates, SilhouetteSample};
use crate::cluster::describe::describe;
use crate::cluster::spherical_kmeans::{self, Centroids, KMeansError, KMeansParams};
use crate::cluster::{ClusterInfo, KChoice};
use crate::corpus::Document;
use crate::features::{DfBound, RowView, TfidfConfig, TfidfError, Vectorizer};
use crate::text::{Analyzer, AnalyzerConfig, AnalyzerError};
use serde::{Deserialize, Serialize};
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
    /// Mini-batch size, for corpora too large for full passes.
    pub batch_size: Option<usize>,
    /// Seed.
    pub seed: u64,
    /// Terms shown per cluster.
    pub n_terms: usize,
    /// Articles sampled for the silhouette of `--k auto`.
    pub silhouette_sample: usize,
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
            k: KChoice::Auto { min: 2, max: 30 },
            n_init: 5,
            max_iter: 50,
            // Measured on 20 Newsgroups: 1e-4 instead of 1e-6 saves a third of the
            // iterations and changes NMI by < 0.004.
            tol: 1e-4,
            batch_size: None,
            seed: 0,
            n_terms: 10,
            silhouette_sample: 1000,
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
    /// For `--k auto`: (k, sampled silhouette) of every candidate.
    pub k_curve: Vec<(usize, f64)>,
    /// Mean cosine similarity of the articles to their centroid.
    pub objective: f64,
    /// Seed, restarts and mini-batch size.
    pub seed: u64,
    /// Restarts.
    pub n_init: usize,
    /// Mini-batch size, if any.
    pub batch_size: Option<usize>,
}

/// A clustering with its text pipeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterModel {
    vectorizer: Vectorizer,
    centroids: Centroids,
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

impl ClusterModel {
    /// Cluster `docs`. `progress` is called with the number of documents analysed.
    pub fn fit(
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
        let mut k_curve = Vec::new();
        let fit = match s.k {
            KChoice::Fixed(k) => spherical_kmeans::fit(&x, &params(k))?,
            KChoice::Auto { min, max } => {
                let sample = SilhouetteSample::new(&x, s.silhouette_sample, s.seed);
                let mut best: Option<(f64, spherical_kmeans::KMeansFit)> = None;
                for k in candidates(min, max) {
                    let f = match spherical_kmeans::fit(&x, &params(k)) {
                        Ok(f) => f,
                        // Fewer distinct articles than k: larger k cannot work either.
                        Err(KMeansError::TooManyClusters { .. }) => break,
                        Err(e) => return Err(e.into()),
                    };
                    let score = sample.score(&f.labels, k);
                    k_curve.push((k, score));
                    if best.as_ref().is_none_or(|(b, _)| score > *b + 1e-12) {
                        best = Some((score, f));
                    }
                }
                match best {
                    Some((_, f)) => f,
                    // Not even two distinct articles: one cluster.
                    None => spherical_kmeans::fit(&x, &params(1))?,
                }
            }
        };
        let k = fit.centroids.k();
        let ids: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
        let assignments: Vec<Option<(usize, f64)>> = (0..x.n_rows())
            .map(|i| (x.row(i).nnz() > 0).then(|| (fit.labels[i], fit.similarity[i])))
            .collect();
        let clusters = describe(&x, &vectorizer, &assignments, &ids, k, s.n_terms);
        let meta = ClusterMeta {
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            n_documents: docs.len(),
            data_digest: digest(docs),
            k_choice: s.k,
            k_curve,
            objective: fit.objective,
            seed: s.seed,
            n_init: s.n_init,
            batch_size: s.batch_size,
        };
        Ok(ClusterRun {
            model: ClusterModel {
                vectorizer,
                centroids: fit.centroids,
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
        self.centroids.k()
    }

    /// Save atomically to `path`.
    pub fn save(&self, path: &Path) -> Result<(), ModelFileError> {
        file::write_atomic(path, &file::encode(KIND, self)?)
    }

    /// Load from `path`, checking format, checksum and stemmer.
    pub fn load(path: &Path) -> Result<ClusterModel, ModelFileError> {
        file::load(path, KIND).map(|(_, m)| m)
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
    fn validate(&self) -> Result<(), String> {
        self.centroids.validate()?;
        if self.centroids.k() != self.clusters.len() {
            return Err(format!(
                "{} cluster descriptions for {} centroids",
                self.clusters.len(),
                self.centroids.k()
            ));
        }
        if self.centroids.n_features() != self.vectorizer.n_features() {
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
        self.centroids.similarities(row, scores);
        // TF-IDF weights are non-negative, so similarities already lie in [0, 1].
        scores.iter_mut().for_each(|s| *s = s.clamp(0.0, 1.0));
        let mut best = 0;
        for c in 1..scores.len() {
            if scores[c] > scores[best] {
                best = c;
            }
        }
        match threshold {
            Some(t) if scores[best] < t => vec![],
            _ if row.nnz() == 0 => vec![],
            _ => vec![best as u32],
        }
    }

    fn weight(&self, feature: usize, output: usize) -> f32 {
        self.centroids.value(feature, output)
    }

    fn output_name(&self, id: u32) -> &str {
        &self.clusters[id as usize].name
    }
}
