//! Running a grid: fit every configuration on the training articles, score it on the held-out
//! ones, and measure what it costs (fit time, predict throughput, peak heap, model size).

use super::grid::{BenchConfig, Task};
use super::memory::Scope;
use crate::cluster::KChoice;
use crate::corpus::Document;
use crate::eval::{folds, train_test_split, ClassificationReport};
use crate::model::clusters::{ClusterError, ClusterModel};
use crate::model::file::ModelFileError;
use crate::model::{targets_of, ClassifyOptions, Model, TrainError};
use crate::settings::SettingsError;
use serde::Serialize;
use std::time::Instant;

/// What runs on each round: fit on the first articles, score on the second.
type RoundFn<'a> = dyn FnMut(&[Document], &[Document]) -> Result<(), RunError> + 'a;

/// Why a configuration could not be measured (the grid goes on without it).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A classifier did not train, or the articles are not labelled.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// A clusterer did not fit.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// The model could not be encoded (to measure its size).
    #[error(transparent)]
    ModelFile(#[from] ModelFileError),
    /// A clusterer with nothing to be scored against.
    #[error("clustering is scored against single labels, and no article has one")]
    NoSingleLabels,
    /// A protocol without rounds.
    #[error("no round ran")]
    NoRound,
}

/// How articles are split between fitting and scoring.
#[derive(Debug, Clone)]
pub enum Protocol {
    /// Fit on the first set, score on the second.
    Holdout {
        /// Training articles.
        train: Vec<Document>,
        /// Test articles.
        test: Vec<Document>,
    },
    /// K-fold cross-validation (stratified for single-label data): every configuration is
    /// fitted K times; figures are means over folds (peak heap: the largest fold).
    CrossValidation {
        /// All articles.
        docs: Vec<Document>,
        /// Folds.
        k: usize,
        /// Seed of the fold assignment.
        seed: u64,
    },
}

impl Protocol {
    /// A seeded stratified split of one labelled set, holding out `test_fraction`.
    pub fn split(
        docs: Vec<Document>,
        test_fraction: f64,
        seed: u64,
    ) -> Result<Protocol, TrainError> {
        let (_, targets) = targets_of(&docs)?;
        let (train_idx, test_idx) = train_test_split(&targets, test_fraction, seed);
        let mut slots: Vec<Option<Document>> = docs.into_iter().map(Some).collect();
        let mut take = |idx: &[usize]| -> Vec<Document> {
            idx.iter().filter_map(|&i| slots[i].take()).collect()
        };
        let test = take(&test_idx);
        let train = take(&train_idx);
        Ok(Protocol::Holdout { train, test })
    }

    /// The (train, test) articles of each round, gathered as the rounds are reached: a
    /// holdout lends its two sets; a cross-validation fold is copied only while it runs.
    fn for_each_round(&self, f: &mut RoundFn<'_>) -> Result<(), RunError> {
        match self {
            Protocol::Holdout { train, test } => f(train, test),
            Protocol::CrossValidation { docs, k, seed } => {
                let (_, targets) = targets_of(docs)?;
                let fs = folds(&targets, *k, *seed);
                for held in 0..fs.len() {
                    let train: Vec<Document> = fs
                        .iter()
                        .enumerate()
                        .filter(|(g, _)| *g != held)
                        .flat_map(|(_, idx)| idx.iter().map(|&i| docs[i].clone()))
                        .collect();
                    let test: Vec<Document> = fs[held].iter().map(|&i| docs[i].clone()).collect();
                    f(&train, &test)?;
                }
                Ok(())
            }
        }
    }

    /// A line for people: "holdout: 11,314 train / 7,532 test" or "5-fold cross-validation
    /// of 18,846".
    pub fn describe(&self) -> String {
        match self {
            Protocol::Holdout { train, test } => {
                format!(
                    "holdout: {} train / {} test articles",
                    train.len(),
                    test.len()
                )
            }
            Protocol::CrossValidation { docs, k, .. } => {
                format!("{k}-fold cross-validation of {} articles", docs.len())
            }
        }
    }
}

/// Quality of one configuration: classifiers fill the first three, clusterers the last three.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Quality {
    /// Accuracy (subset accuracy for multi-label data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// Macro-averaged F1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub macro_f1: Option<f64>,
    /// Micro-averaged F1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub micro_f1: Option<f64>,
    /// Normalised mutual information with the labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nmi: Option<f64>,
    /// Adjusted Rand index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ari: Option<f64>,
    /// V-measure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v_measure: Option<f64>,
}

/// The quality figure configurations are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// Accuracy.
    Accuracy,
    /// Macro-F1 (the default for single-label data).
    MacroF1,
    /// Micro-F1 (the default for multi-label data).
    MicroF1,
}

impl std::str::FromStr for Metric {
    type Err = SettingsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "accuracy" => Ok(Metric::Accuracy),
            "macro-f1" => Ok(Metric::MacroF1),
            "micro-f1" => Ok(Metric::MicroF1),
            _ => Err(SettingsError::unknown(
                "metric",
                s,
                "accuracy, macro-f1 or micro-f1",
            )),
        }
    }
}

impl Metric {
    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::MacroF1 => "macro-f1",
            Metric::MicroF1 => "micro-f1",
        }
    }

    /// This metric of a classifier's quality.
    pub fn of(self, q: &Quality) -> Option<f64> {
        match self {
            Metric::Accuracy => q.accuracy,
            Metric::MacroF1 => q.macro_f1,
            Metric::MicroF1 => q.micro_f1,
        }
    }
}

/// What one configuration measured.
#[derive(Debug, Clone, Serialize)]
pub struct Measures {
    /// Quality on the held-out articles (clusterers: of the clustering of the training
    /// articles).
    pub quality: Quality,
    /// Standard deviation over folds (population, as `veille train --cv` reports it) of the
    /// ranking metric for classifiers and of NMI for clusterers; cross-validation only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality_std: Option<f64>,
    /// Seconds to fit on the training articles, analysis included.
    pub fit_seconds: f64,
    /// Seconds to predict the held-out articles, analysis included (the fastest of runs
    /// repeated until 0.2 s have passed, at most 5).
    pub predict_seconds: f64,
    /// Held-out articles predicted per second.
    pub articles_per_second: f64,
    /// Held-out text predicted per second, in MB (10^6 bytes of UTF-8).
    pub mb_per_second: f64,
    /// Highest heap growth during fit and predict, in bytes (`None` when the binary does not
    /// track its allocations).
    pub peak_heap_bytes: Option<u64>,
    /// Size of the saved model file.
    pub model_bytes: u64,
    /// Features (vocabulary size).
    pub n_features: usize,
    /// For `auto`: the complement naive Bayes share of the SVM + NB mix it chose (mean over
    /// folds), 0 for pure SVM, 1 for pure NB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nb_weight: Option<f64>,
    /// The held-out report (classifiers; per-label scores and confusion matrix): on the test
    /// set of a holdout; under cross-validation, on every article, each predicted by the
    /// model of the fold that held it out.
    #[serde(skip)]
    pub report: Option<ClassificationReport>,
}

/// One row of the bench table.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigResult {
    /// The configuration's name.
    pub name: String,
    /// `classify` or `cluster`.
    pub task: &'static str,
    /// Estimator.
    pub algo: &'static str,
    /// The settings that differ from veille's defaults, as written in a grid.
    pub settings: String,
    /// The measures, or why the configuration failed.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A configuration's measures, or its error.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    /// It ran.
    Done(Box<Measures>),
    /// It failed (the grid goes on).
    Failed {
        /// Why.
        error: String,
    },
}

impl ConfigResult {
    /// The measures, if the configuration ran.
    pub fn measures(&self) -> Option<&Measures> {
        match &self.outcome {
            Outcome::Done(m) => Some(m),
            Outcome::Failed { .. } => None,
        }
    }
}

/// Fit and score one configuration under `protocol`. `on_round` is called after each fit.
pub fn run_config(
    config: &BenchConfig,
    protocol: &Protocol,
    metric: Metric,
    on_round: &dyn Fn(),
) -> ConfigResult {
    let outcome = match measure(config, protocol, metric, on_round) {
        Ok(m) => Outcome::Done(Box::new(m)),
        Err(e) => Outcome::Failed {
            error: e.to_string(),
        },
    };
    ConfigResult {
        name: config.name.clone(),
        task: match config.task {
            Task::Classify(_) => "classify",
            Task::Cluster { .. } => "cluster",
        },
        algo: config.algo_name(),
        settings: config.written.clone(),
        outcome,
    }
}

/// Rounds of a protocol: how many fits each configuration makes.
pub fn rounds_of(protocol: &Protocol) -> usize {
    match protocol {
        Protocol::Holdout { .. } => 1,
        Protocol::CrossValidation { k, .. } => *k,
    }
}

/// One fit-and-score of one configuration.
pub(super) struct Round {
    pub quality: Quality,
    pub fit: f64,
    pub predict: f64,
    pub test_docs: usize,
    pub test_bytes: usize,
    pub peak: Option<u64>,
    pub model_bytes: u64,
    pub n_features: usize,
    pub report: Option<ClassificationReport>,
    /// Predicted label names of the test articles (classifiers), for the pooled report.
    pub predicted: Option<Vec<Vec<String>>>,
    /// What `auto` chose: the complement-NB share of the mix.
    pub nb_weight: Option<f64>,
}

fn measure(
    config: &BenchConfig,
    protocol: &Protocol,
    metric: Metric,
    on_round: &dyn Fn(),
) -> Result<Measures, RunError> {
    let mut rounds = Vec::new();
    // Every held-out article with its prediction, for one report over all folds.
    let mut held: Vec<Document> = Vec::new();
    let mut predicted: Vec<Vec<String>> = Vec::new();
    protocol.for_each_round(&mut |train, test| {
        let mut r = match &config.task {
            Task::Classify(settings) => classify_round(settings, train, test),
            Task::Cluster { settings, k } => cluster_round(settings, *k, train, test),
        }?;
        if let (Some(p), true) = (r.predicted.take(), rounds_of(protocol) > 1) {
            held.extend_from_slice(test);
            predicted.extend(p);
        }
        rounds.push(r);
        on_round();
        Ok(())
    })?;
    let multilabel_model = rounds.iter().any(|r| {
        r.report
            .as_ref()
            .is_some_and(|rep| rep.subset_accuracy.is_some())
    });
    let pooled = if held.is_empty() {
        None
    } else {
        Some(report_of(&held, &predicted, multilabel_model)?)
    };
    let n = rounds.len() as f64;
    let mean = |f: &dyn Fn(&Round) -> Option<f64>| -> Option<f64> {
        let v: Option<Vec<f64>> = rounds.iter().map(f).collect();
        v.map(|v| v.iter().sum::<f64>() / n)
    };
    let quality = Quality {
        accuracy: mean(&|r| r.quality.accuracy),
        macro_f1: mean(&|r| r.quality.macro_f1),
        micro_f1: mean(&|r| r.quality.micro_f1),
        nmi: mean(&|r| r.quality.nmi),
        ari: mean(&|r| r.quality.ari),
        v_measure: mean(&|r| r.quality.v_measure),
    };
    let quality_std = (rounds.len() > 1).then(|| {
        let pick = |q: &Quality| metric.of(q).or(q.nmi).unwrap_or(0.0);
        let m = pick(&quality);
        let var = rounds
            .iter()
            .map(|r| (pick(&r.quality) - m).powi(2))
            .sum::<f64>()
            / n;
        var.sqrt()
    });
    let fit_seconds = rounds.iter().map(|r| r.fit).sum::<f64>() / n;
    let predict: f64 = rounds.iter().map(|r| r.predict).sum();
    let docs: usize = rounds.iter().map(|r| r.test_docs).sum();
    let bytes: usize = rounds.iter().map(|r| r.test_bytes).sum();
    let nb_weight = mean(&|r| r.nb_weight);
    let last = rounds.pop().ok_or(RunError::NoRound)?;
    Ok(Measures {
        quality,
        quality_std,
        fit_seconds,
        predict_seconds: predict / n,
        articles_per_second: docs as f64 / predict.max(1e-9),
        mb_per_second: bytes as f64 / 1e6 / predict.max(1e-9),
        peak_heap_bytes: rounds
            .iter()
            .chain(std::iter::once(&last))
            .map(|r| r.peak)
            .max()
            .flatten(),
        model_bytes: last.model_bytes,
        n_features: last.n_features,
        nb_weight,
        report: pooled.or(last.report),
    })
}

/// The result of `f` and its fastest time over runs repeated until 0.2 s have passed (at
/// most 5): one run of a small test set is at the mercy of a scheduler tick.
fn fastest<T>(mut f: impl FnMut() -> T) -> (T, f64) {
    let start = Instant::now();
    let mut best = f64::INFINITY;
    let mut runs = 0;
    loop {
        let t = Instant::now();
        let out = f();
        best = best.min(t.elapsed().as_secs_f64());
        runs += 1;
        if runs == 5 || start.elapsed().as_secs_f64() >= 0.2 {
            return (out, best);
        }
    }
}

fn text_bytes(docs: &[Document]) -> usize {
    docs.iter().map(|d| d.text.len()).sum()
}

pub(super) fn classify_round(
    settings: &crate::model::TrainSettings,
    train: &[Document],
    test: &[Document],
) -> Result<Round, RunError> {
    let scope = Scope::open();
    let t = Instant::now();
    let model = Model::train(train, settings)?;
    let fit = t.elapsed().as_secs_f64();
    let texts: Vec<&str> = test.iter().map(|d| d.text.as_str()).collect();
    let (preds, predict) = fastest(|| model.predict(&texts, None));
    let peak = scope.peak();
    drop(scope);
    let model_bytes = model.to_bytes()?.len() as u64;
    let predicted: Vec<Vec<String>> = preds
        .iter()
        .map(|p| {
            p.labels
                .iter()
                .map(|&l| model.label(l).to_string())
                .collect()
        })
        .collect();
    let report = report_of(test, &predicted, model.is_multilabel())?;
    Ok(Round {
        quality: Quality {
            accuracy: Some(report.accuracy),
            macro_f1: Some(report.macro_f1),
            micro_f1: Some(report.micro_f1),
            ..Quality::default()
        },
        fit,
        predict,
        test_docs: test.len(),
        test_bytes: text_bytes(test),
        peak,
        model_bytes,
        n_features: model.vectorizer().n_features(),
        report: Some(report),
        predicted: Some(predicted),
        nb_weight: model.classifier().nb_weight,
    })
}

/// The report of predicted label names against the labels of `docs` (in order), over the
/// sorted union of both label sets.
fn report_of(
    docs: &[Document],
    predicted: &[Vec<String>],
    multilabel_model: bool,
) -> Result<ClassificationReport, TrainError> {
    let mut truth_names: Vec<&[String]> = Vec::with_capacity(docs.len());
    for d in docs {
        let l = d
            .labels
            .as_ref()
            .ok_or_else(|| TrainError::Unlabelled(d.id.clone()))?;
        truth_names.push(l.as_slice());
    }
    let mut names: Vec<String> = truth_names
        .iter()
        .flat_map(|l| l.iter())
        .chain(predicted.iter().flatten())
        .cloned()
        .collect();
    names.sort_unstable();
    names.dedup();
    let ids = |set: &[String]| -> Vec<u32> {
        set.iter()
            .filter_map(|s| names.binary_search(s).ok().map(|i| i as u32))
            .collect()
    };
    let truth: Vec<Vec<u32>> = truth_names.iter().map(|l| ids(l)).collect();
    let pred: Vec<Vec<u32>> = predicted.iter().map(|p| ids(p)).collect();
    let multilabel = multilabel_model || truth_names.iter().any(|l| l.len() != 1);
    Ok(ClassificationReport::new(&names, &truth, &pred, multilabel))
}

fn cluster_round(
    settings: &crate::model::clusters::ClusterSettings,
    k: Option<KChoice>,
    train: &[Document],
    test: &[Document],
) -> Result<Round, RunError> {
    let k = match k {
        Some(k) => k,
        None => {
            let (names, _) = targets_of(train)?;
            KChoice::Fixed(names.len())
        }
    };
    let settings = crate::model::clusters::ClusterSettings {
        k,
        ..settings.clone()
    };
    let scope = Scope::open();
    let t = Instant::now();
    let run = ClusterModel::fit(train, &settings)?;
    let fit = t.elapsed().as_secs_f64();
    let texts: Vec<&str> = test.iter().map(|d| d.text.as_str()).collect();
    let opts = ClassifyOptions {
        top: Some(1),
        n_terms: 0,
        ..ClassifyOptions::default()
    };
    let (assigned, predict) = fastest(|| run.model.classify_batch(&texts, &opts));
    let peak = scope.peak();
    drop(scope);
    drop(assigned);
    let (scores, _) = run
        .score_against_labels(train)
        .ok_or(RunError::NoSingleLabels)?;
    let model_bytes = run.model.to_bytes()?.len() as u64;
    Ok(Round {
        quality: Quality {
            nmi: Some(scores.nmi),
            ari: Some(scores.ari),
            v_measure: Some(scores.v_measure),
            ..Quality::default()
        },
        fit,
        predict,
        test_docs: test.len(),
        test_bytes: text_bytes(test),
        peak,
        model_bytes,
        n_features: run.model.vectorizer().n_features(),
        report: None,
        predicted: None,
        nb_weight: None,
    })
}
