//! Benchmark comparisons of configurations on a labelled corpus (`veille bench`): a grid of
//! estimators and settings ([`grid`]) is fitted and scored under one protocol ([`run`]), with
//! fit time, predict throughput, peak heap ([`memory`]) and model size; scaling series
//! ([`scaling`]); the results as a [`BenchReport`], printed as a table or JSON, or written as
//! a self-contained HTML page ([`html`], plots in [`svg`]).

pub mod grid;
pub mod html;
pub mod keyed;
pub mod memory;
pub mod run;
pub mod scaling;
pub mod svg;

pub use grid::{BenchConfig, GridError, Task, DEFAULT_GRID};
pub use memory::{Scope, TrackingAlloc};
pub use run::{run_config, ConfigResult, Measures, Metric, Outcome, Protocol, Quality};
pub use scaling::ScalingPoint;

use serde::Serialize;

/// The machine a bench ran on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// CPU model, from `/proc/cpuinfo` where there is one.
    pub cpu: String,
    /// Logical cores available to the process.
    pub cores: usize,
    /// Worker threads used.
    pub threads: usize,
    /// Operating system and architecture.
    pub os: String,
}

impl Machine {
    /// This machine.
    pub fn current() -> Machine {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            threads: rayon::current_num_threads(),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        }
    }
}

/// Everything a bench run produced.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// veille version.
    pub veille_version: String,
    /// When the run ended (UTC, RFC 3339).
    pub date: String,
    /// Where it ran.
    pub machine: Machine,
    /// The corpus files.
    pub data: Vec<String>,
    /// How articles were split.
    pub protocol: String,
    /// Training and test articles (cross-validation: all articles, and 0).
    pub n_train: usize,
    /// Test articles.
    pub n_test: usize,
    /// Distinct labels.
    pub n_labels: usize,
    /// Whether articles carry label sets.
    pub multilabel: bool,
    /// The metric classifiers are ranked by.
    pub metric: Metric,
    /// One result per configuration, in grid order.
    pub results: Vec<ConfigResult>,
    /// The best classifier by `metric` (ties: the first in grid order).
    pub best: Option<String>,
    /// The best clusterer by NMI.
    pub best_clusterer: Option<String>,
    /// Scaling series of the default pipeline, when asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scaling: Vec<ScalingPoint>,
}

impl BenchReport {
    /// Fill `best` and `best_clusterer` from the results.
    pub fn rank(&mut self) {
        let metric = self.metric;
        let pick = |task: &str, score: &dyn Fn(&Quality) -> Option<f64>| -> Option<String> {
            self.results
                .iter()
                .filter(|r| r.task == task)
                .filter_map(|r| r.measures().map(|m| (r, m)))
                .filter_map(|(r, m)| score(&m.quality).map(|s| (r, m, s)))
                // Equal quality: the first in grid order (fit times that close are noise).
                .fold(
                    None,
                    |best: Option<(&ConfigResult, f64)>, (r, _, q)| match best {
                        Some((_, b)) if b >= q => best,
                        _ => Some((r, q)),
                    },
                )
                .map(|(r, _)| r.name.clone())
        };
        self.best = pick("classify", &|q| metric.of(q));
        self.best_clusterer = pick("cluster", &|q| q.nmi);
    }

    /// The result called `name`.
    pub fn result(&self, name: &str) -> Option<&ConfigResult> {
        self.results.iter().find(|r| r.name == name)
    }

    /// Classifiers on the quality-per-cost front: no other classifier is at least as good
    /// and at most as slow to fit, and better or faster.
    pub fn front(&self) -> Vec<&str> {
        let pts: Vec<(&str, f64, f64)> = self
            .results
            .iter()
            .filter(|r| r.task == "classify")
            .filter_map(|r| {
                let m = r.measures()?;
                Some((r.name.as_str(), self.metric.of(&m.quality)?, m.fit_seconds))
            })
            .collect();
        pts.iter()
            .filter(|(_, q, t)| {
                !pts.iter()
                    .any(|(_, q2, t2)| q2 >= q && t2 <= t && (q2 > q || t2 < t))
            })
            .map(|(n, _, _)| *n)
            .collect()
    }
}

/// Columns of the bench table.
pub const TABLE_HEADER: [&str; 14] = [
    "config",
    "algo",
    "accuracy",
    "macro-F1",
    "micro-F1",
    "NMI",
    "ARI",
    "fit s",
    "predict art/s",
    "MB/s",
    "peak MiB",
    "model MiB",
    "features",
    "note",
];

impl BenchReport {
    /// The results as table cells, one row per configuration (`-` where a figure does not
    /// apply; the note marks the best configurations, the quality front and failures).
    pub fn table_rows(&self) -> Vec<Vec<String>> {
        let front = self.front();
        let q = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.3}"));
        let mib = |b: u64| format!("{:.1}", b as f64 / (1024.0 * 1024.0));
        self.results
            .iter()
            .map(|r| {
                // What `auto` chose, e.g. "auto (svm+cnb 30%)".
                let algo = match r.measures().and_then(|m| m.nb_weight) {
                    Some(w) if w <= 0.0 => format!("{} (svm)", r.algo),
                    Some(w) if w >= 1.0 => format!("{} (cnb)", r.algo),
                    Some(w) => format!("{} (svm+cnb {:.0}%)", r.algo, w * 100.0),
                    None => r.algo.to_string(),
                };
                let mut row = vec![r.name.clone(), algo];
                match &r.outcome {
                    Outcome::Done(m) => {
                        let qu = &m.quality;
                        let with_std = |metric: Metric, v: Option<f64>| match (v, m.quality_std) {
                            (Some(x), Some(sd)) if self.metric == metric => {
                                format!("{x:.3} ± {sd:.3}")
                            }
                            _ => q(v),
                        };
                        row.extend([
                            with_std(Metric::Accuracy, qu.accuracy),
                            with_std(Metric::MacroF1, qu.macro_f1),
                            with_std(Metric::MicroF1, qu.micro_f1),
                            match (qu.nmi, m.quality_std) {
                                (Some(x), Some(sd)) => format!("{x:.3} ± {sd:.3}"),
                                (v, _) => q(v),
                            },
                            q(qu.ari),
                            format!("{:.2}", m.fit_seconds),
                            format!("{:.0}", m.articles_per_second),
                            format!("{:.1}", m.mb_per_second),
                            m.peak_heap_bytes.map_or("-".into(), mib),
                            mib(m.model_bytes),
                            m.n_features.to_string(),
                        ]);
                        let mut notes = Vec::new();
                        if self.best.as_deref() == Some(r.name.as_str())
                            || self.best_clusterer.as_deref() == Some(r.name.as_str())
                        {
                            notes.push("best");
                        }
                        if front.contains(&r.name.as_str()) {
                            notes.push("front");
                        }
                        row.push(notes.join(", "));
                    }
                    Outcome::Failed { error } => {
                        row.extend(std::iter::repeat_n("-".to_string(), 11));
                        row.push(format!("failed: {error}"));
                    }
                }
                row
            })
            .collect()
    }
}

/// Now as an RFC 3339 UTC timestamp, to the second.
pub fn utc_now() -> String {
    crate::store::now_rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, f1: f64, fit: f64) -> ConfigResult {
        ConfigResult {
            name: name.into(),
            task: "classify",
            algo: "svm",
            settings: String::new(),
            outcome: Outcome::Done(Box::new(Measures {
                quality: Quality {
                    macro_f1: Some(f1),
                    ..Quality::default()
                },
                quality_std: None,
                fit_seconds: fit,
                predict_seconds: 0.1,
                articles_per_second: 1.0,
                mb_per_second: 1.0,
                peak_heap_bytes: None,
                model_bytes: 1,
                n_features: 1,
                nb_weight: None,
                report: None,
            })),
        }
    }

    #[test]
    fn ranking_and_the_front() {
        let mut r = BenchReport {
            veille_version: String::new(),
            date: utc_now(),
            machine: Machine::current(),
            data: vec![],
            protocol: String::new(),
            n_train: 0,
            n_test: 0,
            n_labels: 2,
            multilabel: false,
            metric: Metric::MacroF1,
            results: vec![
                result("slow best", 0.9, 5.0),
                result("fast", 0.85, 1.0),
                result("dominated", 0.8, 2.0),
                result("tie faster", 0.9, 4.0),
            ],
            best: None,
            best_clusterer: None,
            scaling: vec![],
        };
        r.rank();
        assert_eq!(r.best.as_deref(), Some("slow best"));
        assert_eq!(r.best_clusterer, None);
        assert_eq!(r.front(), ["fast", "tie faster"]);
    }

    #[test]
    fn dates_are_rfc3339() {
        let d = utc_now();
        assert_eq!(d.len(), 20, "{d}");
        assert!(d.starts_with("20") && d.ends_with('Z'));
    }
}
