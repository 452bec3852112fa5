//! Settings as people write them: on the command line (`veille train --c 0.5 --no-stem`) and
//! in a `veille bench` grid (`c = 0.5`, `stem = false`).
//!
//! The defaults live in one place, the `Default` impls of the settings types
//! ([`TrainSettings`](crate::model::TrainSettings),
//! [`ClusterSettings`](crate::model::clusters::ClusterSettings) and the analyzer, TF-IDF and
//! estimator settings they hold). [`TrainOptions`] and [`ClusterOptions`] are flat, one field
//! per user-facing setting, every field an `Option`: `None` means "the default", so a front
//! end says only what the user said, and `settings()` lays it over the defaults. Both derive
//! serde's `Deserialize` with `deny_unknown_fields`, in the command line's spellings
//! (`ngrams = "1-2"`, `min_df = 2` or `0.001` or `"auto"`, `class_weight = "balanced"`,
//! `languages = "fr,en"` or `["fr", "en"]`).
//!
//! Switches are named by what they turn on, and default to on: `stem`, `stopwords`,
//! `sublinear_tf`. The command line spells turning them off `--no-stem`, `--no-stopwords`,
//! `--no-sublinear-tf`; a grid writes `stem = false`.

mod options;
pub mod spelled;

pub use options::{ClusterOptions, TrainOptions};

use crate::text::AnalyzerError;

/// A setting that cannot be used: a value that does not parse, a name that is not known, or
/// values that cannot work together. Always the user's to fix ([`crate::ErrorClass::Usage`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    /// A name that is not one of those accepted (an estimator, a class weight, a language,
    /// ...).
    #[error("unknown {what} '{name}' (expected {expected})")]
    Unknown {
        /// What was named: `algorithm`, `class weight`, `language`, ...
        what: &'static str,
        /// The name given.
        name: String,
        /// The names accepted, for people.
        expected: String,
    },
    /// A word n-gram range that does not parse.
    #[error("expected MIN-MAX like 1-2, got '{0}'")]
    NgramRange(String),
    /// A document-frequency bound that does not parse.
    #[error("'{0}' is neither a document count nor a fraction between 0 and 1")]
    DfBound(String),
    /// A number of clusters that does not parse.
    #[error("'{0}': expected a number of clusters, 'auto' or 'auto:MIN-MAX'")]
    KChoice(String),
    /// An `auto:MIN-MAX` range that is empty or starts below 2.
    #[error("'{0}': need 2 <= MIN <= MAX")]
    KRange(String),
    /// Zero clusters.
    #[error("the number of clusters must be at least 1")]
    NoClusters,
    /// DBSCAN settings out of range.
    #[error("DBSCAN needs eps in (0, 2] and min-points at least 2")]
    Dbscan,
    /// An estimator hyperparameter out of range.
    #[error("invalid setting: {0}")]
    Param(&'static str),
    /// Analyzer settings that cannot work.
    #[error(transparent)]
    Analyzer(#[from] AnalyzerError),
}

impl SettingsError {
    /// An unknown name, with the accepted ones listed.
    pub fn unknown(what: &'static str, name: &str, expected: impl Into<String>) -> Self {
        SettingsError::Unknown {
            what,
            name: name.to_string(),
            expected: expected.into(),
        }
    }
}
