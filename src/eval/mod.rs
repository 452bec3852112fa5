//! Evaluation: classification metrics, splits and cross-validation.

pub mod metrics;

pub use metrics::{macro_f1_single, ClassificationReport, LabelScores};
