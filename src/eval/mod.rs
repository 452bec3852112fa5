//! Evaluation: classification metrics, splits and cross-validation.

pub mod metrics;
pub mod split;

pub use metrics::{macro_f1_single, ClassificationReport, LabelScores};
pub use split::{cross_validate, folds, CvError};
