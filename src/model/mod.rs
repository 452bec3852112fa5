//! The saved classifier: everything from raw text to a decision — analyzer settings and
//! stopword lists, vocabulary and idf, the fitted estimator, label names and training
//! metadata — in one file (see [`file`](mod@file) for the format).

pub mod any;
pub mod arrow;
pub mod articles;
pub mod clusters;
pub mod cv;
pub mod describe;
pub mod file;
pub mod record;
pub mod scoring;
pub mod select;
pub mod stream;

pub use any::AnyModel;
pub use clusters::ClusterModel;
pub use cv::{cross_validate, cross_validate_with_progress, CvError};
pub use record::{write_jsonl, Record};
pub use scoring::{
    Classification, ClassifyOptions, LabelEvidence, PassageHit, RowBuf, Scorer, Session,
};
pub use stream::{classify_stream, OnBad, Sources, StreamError, StreamReport};

use crate::classify::{self, Classifier, ClassifierParams, ClassifyError, Prediction, Targets};
use crate::corpus::{Document, Labels};
use crate::eval::ClassificationReport;
use crate::features::{CsrMatrix, RowView, Scratch, TfidfConfig, TfidfError, Vectorizer};
use crate::text::{Analyzer, AnalyzerConfig, AnalyzerError};
use file::{InvalidModel, ModelFileError};
use linfa::ParamGuard;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The kind string of classifier model files.
pub const KIND: &str = "classifier";

/// Everything that configures a training run.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    /// Text analysis.
    pub analyzer: AnalyzerConfig,
    /// TF-IDF.
    pub tfidf: TfidfConfig,
    /// Estimator and its hyperparameters.
    pub classifier: ClassifierParams,
    /// Try the compact set of configurations of [`select`] and keep the best by held-out F1
    /// (only with the `auto` estimator, and only on training sets of at most
    /// [`select::SEARCH_MAX_BYTES`] of text; otherwise these settings are used as they are).
    pub search: bool,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            analyzer: AnalyzerConfig::default(),
            tfidf: TfidfConfig::default(),
            classifier: ClassifierParams::default(),
            search: true,
        }
    }
}

/// Errors of training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Bad analyzer settings.
    #[error(transparent)]
    Analyzer(#[from] AnalyzerError),
    /// Vocabulary problems.
    #[error(transparent)]
    Tfidf(#[from] TfidfError),
    /// Estimator problems.
    #[error(transparent)]
    Classify(#[from] ClassifyError),
    /// Training data without labels.
    #[error("document \"{0}\" has no label")]
    Unlabelled(String),
    /// Nothing to train on.
    #[error("no training documents")]
    NoDocuments,
}

/// Cross-validated scores, mean and standard deviation over folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvScores {
    /// Number of folds.
    pub folds: usize,
    /// Mean accuracy (subset accuracy for multi-label data).
    pub accuracy: f64,
    /// Standard deviation of accuracy.
    pub accuracy_std: f64,
    /// Mean macro F1.
    pub macro_f1: f64,
    /// Standard deviation of macro F1.
    pub macro_f1_std: f64,
    /// Mean micro F1.
    pub micro_f1: f64,
    /// Standard deviation of micro F1.
    pub micro_f1_std: f64,
}

impl std::fmt::Display for CvScores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-fold cross-validation: accuracy {:.3} ± {:.3}, macro-F1 {:.3} ± {:.3}, micro-F1 {:.3} ± {:.3}",
            self.folds,
            self.accuracy,
            self.accuracy_std,
            self.macro_f1,
            self.macro_f1_std,
            self.micro_f1,
            self.micro_f1_std
        )
    }
}

/// What a model remembers of its training run (no wall-clock time, no paths: the same
/// inputs give the same bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingMeta {
    /// veille version that trained it.
    pub crate_version: String,
    /// Documents trained on.
    pub n_documents: usize,
    /// SHA-256 of the training data (ids, texts and labels, in order).
    pub data_digest: String,
    /// Documents per label (same order as the labels).
    pub label_counts: Vec<u64>,
    /// Documents per detected language (ISO code, count).
    pub languages: Vec<(String, u64)>,
    /// The classifier hyperparameters.
    pub params: classify::ValidClassifierParams,
    /// Cross-validated scores, when asked for.
    pub cv: Option<CvScores>,
    /// What the configuration search tried and chose, when it ran.
    pub selection: Option<select::Selection>,
}

/// A trained classifier with its text pipeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    vectorizer: Vectorizer,
    labels: Vec<String>,
    classifier: Classifier,
    meta: TrainingMeta,
}

impl std::fmt::Debug for Vectorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vectorizer")
            .field("n_features", &self.n_features())
            .finish_non_exhaustive()
    }
}

/// The label names and targets of labelled documents.
pub fn targets_of(docs: &[Document]) -> Result<(Vec<String>, Targets), TrainError> {
    let mut names: Vec<String> = Vec::new();
    let mut multilabel = false;
    for d in docs {
        match &d.labels {
            None => return Err(TrainError::Unlabelled(d.id.clone())),
            Some(l) => {
                multilabel |= l.is_multi();
                names.extend(l.as_slice().iter().cloned());
            }
        }
    }
    names.sort();
    names.dedup();
    let ids = |l: &Labels| -> Vec<u32> {
        l.as_slice()
            .iter()
            .filter_map(|s| names.binary_search(s).ok().map(|i| i as u32))
            .collect()
    };
    let sets: Vec<Vec<u32>> = docs
        .iter()
        .map(|d| d.labels.as_ref().map(ids).unwrap_or_default())
        .collect();
    let k = names.len();
    let targets = if multilabel {
        Targets::multi(sets, k)
    } else {
        Targets::single(sets.into_iter().map(|s| s[0]).collect(), k)
    };
    Ok((names, targets))
}

/// SHA-256 of documents' ids, texts and labels.
pub fn digest(docs: &[Document]) -> String {
    let mut h = Sha256::new();
    for d in docs {
        h.update(d.id.as_bytes());
        h.update([0]);
        h.update(d.text.as_bytes());
        h.update([0]);
        if let Some(l) = &d.labels {
            for s in l.as_slice() {
                h.update(s.as_bytes());
                h.update([0x1f]);
            }
        }
        h.update([b'\n']);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Model {
    /// Train a model on labelled documents (a `label` each, or a `labels` set each for a
    /// multi-label model). [`TrainSettings::default`] is the configuration veille stands
    /// behind; [`TrainOptions`](crate::settings::TrainOptions) builds settings the way
    /// `veille train`'s options do.
    pub fn train(docs: &[Document], settings: &TrainSettings) -> Result<Model, TrainError> {
        Model::train_with_progress(docs, settings, &|_| {})
    }

    /// [`Model::train`], calling `progress` with the number of documents analysed since its
    /// last call (from several threads: it must be `Sync`), for a progress bar.
    pub fn train_with_progress(
        docs: &[Document],
        settings: &TrainSettings,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Model, TrainError> {
        if docs.is_empty() {
            return Err(TrainError::NoDocuments);
        }
        let params = settings.classifier.clone().check()?;
        if settings.search && params.algo == classify::Algo::Auto && select::searchable(docs) {
            return select::train_searched(docs, settings, progress);
        }
        let (labels, targets) = targets_of(docs)?;
        let analyzer = Analyzer::new(settings.analyzer.clone())?;
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        let (vectorizer, x) =
            Vectorizer::fit_transform(analyzer, settings.tfidf.clone(), &texts, progress)?;
        let folds = classify::heldout_folds_of(&x, &targets, params.seed);
        let plan = articles::plan(&vectorizer, &texts, &x, &folds, params.seed);
        let classifier = classify::fit_articles(&params, &x, &targets, &plan)?;
        let languages = vectorizer
            .analyzer()
            .config()
            .languages
            .iter()
            .zip(vectorizer.doc_languages())
            .map(|(l, &c)| (l.code().to_string(), c))
            .collect();
        let meta = TrainingMeta {
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            n_documents: docs.len(),
            data_digest: digest(docs),
            label_counts: targets
                .label_counts()
                .into_iter()
                .map(|c| c as u64)
                .collect(),
            languages,
            params,
            cv: None,
            selection: None,
        };
        Ok(Model {
            vectorizer,
            labels,
            classifier,
            meta,
        })
    }

    /// Label names, in id order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The name of label `id`.
    pub fn label(&self, id: u32) -> &str {
        &self.labels[id as usize]
    }

    /// The text → features pipeline.
    pub fn vectorizer(&self) -> &Vectorizer {
        &self.vectorizer
    }

    /// The fitted classifier.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// Training metadata.
    pub fn meta(&self) -> &TrainingMeta {
        &self.meta
    }

    /// Record cross-validated scores in the metadata.
    pub fn set_cv(&mut self, cv: CvScores) {
        self.meta.cv = Some(cv);
    }

    /// Whether the model predicts label sets.
    pub fn is_multilabel(&self) -> bool {
        self.classifier.is_multilabel()
    }

    /// The file bytes of this model.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelFileError> {
        file::encode(KIND, self)
    }

    /// Save atomically to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelFileError> {
        file::write_atomic(path.as_ref(), &self.to_bytes()?)
    }

    /// Load from `path`, checking format, checksum and stemmer.
    pub fn load(path: impl AsRef<Path>) -> Result<Model, ModelFileError> {
        file::load(path.as_ref(), KIND).map(|(_, m)| m)
    }

    /// Decode the bytes of a model file (as [`Model::to_bytes`] writes them); `name` stands
    /// for the file in errors.
    pub fn from_bytes(name: impl AsRef<Path>, bytes: &[u8]) -> Result<Model, ModelFileError> {
        file::from_bytes(name.as_ref(), bytes, KIND).map(|(_, m)| m)
    }

    /// TF-IDF rows of texts.
    pub fn transform(&self, texts: &[&str]) -> CsrMatrix {
        self.vectorizer.transform(texts)
    }

    /// Predict label ids of texts (batch path): the decisions of [`Model::classify_batch`]
    /// (articles scored with their passages as the model learned), without explanations.
    pub fn predict(&self, texts: &[&str], threshold: Option<f64>) -> Vec<Prediction> {
        let opts = ClassifyOptions {
            threshold,
            n_terms: 0,
            n_passages: 0,
            ..ClassifyOptions::default()
        };
        let k = self.labels.len();
        self.classify_batch(texts, &opts)
            .into_iter()
            .map(|c| {
                let mut probs = vec![0.0; k];
                for (l, p) in c.scores {
                    probs[l as usize] = p;
                }
                Prediction {
                    labels: c.labels,
                    probs,
                }
            })
            .collect()
    }

    /// Score the model on labelled documents. Labels the model does not know count as
    /// misses.
    pub fn evaluate(&self, docs: &[Document]) -> Result<ClassificationReport, TrainError> {
        let mut names = self.labels.clone();
        let mut truth = Vec::with_capacity(docs.len());
        for d in docs {
            let l = d
                .labels
                .as_ref()
                .ok_or_else(|| TrainError::Unlabelled(d.id.clone()))?;
            let mut ids = Vec::new();
            for s in l.as_slice() {
                let id = match names.iter().position(|n| n == s) {
                    Some(i) => i,
                    None => {
                        names.push(s.clone());
                        names.len() - 1
                    }
                };
                ids.push(id as u32);
            }
            truth.push(ids);
        }
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        let pred: Vec<Vec<u32>> = self
            .predict(&texts, None)
            .into_iter()
            .map(|p| p.labels)
            .collect();
        let multilabel = self.is_multilabel()
            || docs
                .iter()
                .any(|d| d.labels.as_ref().is_some_and(Labels::is_multi));
        Ok(ClassificationReport::new(&names, &truth, &pred, multilabel))
    }

    /// Classify many texts in parallel; item `i` is exactly `classify_with(texts[i])`.
    pub fn classify_batch(&self, texts: &[&str], opts: &ClassifyOptions) -> Vec<Classification> {
        self.session().classify_batch(texts, opts)
    }

    /// A classification session: per-worker caches (surface forms, stems) that live across
    /// batches, for streams of articles.
    pub fn session(&self) -> Session<'_> {
        Session::new(self)
    }

    /// Classify one text, reusing `scratch` (from [`Vectorizer::scratch`]).
    pub fn classify_with(
        &self,
        text: &str,
        opts: &ClassifyOptions,
        scratch: &mut Scratch<'_>,
        buf: &mut RowBuf,
    ) -> Classification {
        scoring::classify_with(self, text, opts, scratch, buf)
    }
}

impl file::Validate for Model {
    fn validate(&self) -> Result<(), InvalidModel> {
        self.classifier.validate()?;
        let m = &self.classifier.model;
        if m.n_classes() != self.labels.len() {
            return Err(InvalidModel(format!(
                "{} labels for {} classifier outputs",
                self.labels.len(),
                m.n_classes()
            )));
        }
        if m.n_features() != self.vectorizer.n_features() {
            return Err(InvalidModel(format!(
                "{} classifier features for a vocabulary of {}",
                m.n_features(),
                self.vectorizer.n_features()
            )));
        }
        if self.meta.label_counts.len() != self.labels.len() {
            return Err("label counts and labels differ in number".into());
        }
        Ok(())
    }
}

impl Scorer for Model {
    fn vectorizer(&self) -> &Vectorizer {
        &self.vectorizer
    }

    fn score(&self, row: RowView<'_>, threshold: Option<f64>, scores: &mut Vec<f64>) -> Vec<u32> {
        let c = &self.classifier;
        c.raw_into(row, scores);
        c.finish(scores, self.vectorizer.evidence(row.indices), threshold)
    }

    fn uses_passages(&self) -> bool {
        self.classifier.article.passage_margins.is_some()
    }

    fn score_article(
        &self,
        whole: RowView<'_>,
        passages: &CsrMatrix,
        threshold: Option<f64>,
        scores: &mut Vec<f64>,
    ) -> Vec<u32> {
        let c = &self.classifier;
        c.raw_into(whole, scores);
        if let Some(margins) = &c.article.passage_margins {
            let mut passage = Vec::with_capacity(scores.len());
            for row in passages.rows() {
                c.raw_into(row, &mut passage);
                crate::classify::article::max_into(scores, &passage, margins);
            }
        }
        c.finish(scores, self.vectorizer.evidence(whole.indices), threshold)
    }

    fn weight(&self, feature: usize, output: usize) -> f32 {
        self.classifier.model.weight(feature, output)
    }

    fn output_name(&self, id: u32) -> &str {
        &self.labels[id as usize]
    }

    fn n_outputs(&self) -> usize {
        self.labels.len()
    }
}

/// A two-label model trained in milliseconds, for unit tests.
#[cfg(test)]
pub(crate) fn tiny_model() -> Model {
    let docs: Vec<Document> = (0..6)
        .map(|i| {
            let (label, text) = if i % 2 == 0 {
                ("cyber", "ransomware attack hospital servers")
            } else {
                ("sanctions", "export controls chips entity list")
            };
            Document::new(i.to_string(), format!("{text} {i}")).with_label(label)
        })
        .collect();
    let settings = TrainSettings {
        search: false,
        ..TrainSettings::default()
    };
    Model::train(&docs, &settings).expect("a tiny model trains")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Model {
        let docs = vec![
            Document::new("1", "export controls on chips and sanctions").with_label("a"),
            Document::new("2", "sanctions and export bans on chips").with_label("a"),
            Document::new("3", "ransomware attack on the hospital network").with_label("b"),
            Document::new("4", "hackers attack the hospital with ransomware").with_label("b"),
        ];
        Model::train(&docs, &TrainSettings::default()).unwrap()
    }

    #[test]
    fn inconsistent_model_files_are_refused_not_panicked_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.veille");
        let mut m = tiny();
        m.labels.pop();
        std::fs::write(&path, file::encode(KIND, &m).unwrap()).unwrap();
        let e = Model::load(&path).unwrap_err().to_string();
        assert!(e.contains("inconsistent contents"), "{e}");

        let mut m = tiny();
        if let Some(t) = m.classifier.thresholds.as_mut() {
            t.pop();
        }
        m.classifier.model = crate::classify::LinearModel::zeros(3, 2);
        std::fs::write(&path, file::encode(KIND, &m).unwrap()).unwrap();
        assert!(Model::load(&path).is_err());

        std::fs::create_dir(dir.path().join("d")).unwrap();
        let e = Model::load(dir.path().join("d")).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }
}
