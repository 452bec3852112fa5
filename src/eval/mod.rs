//! Evaluation: classification and clustering metrics, splits and cross-validation.

pub mod cluster_metrics;
pub mod metrics;
pub mod split;

pub use cluster_metrics::{adjusted_mutual_info, cluster_scores, ClusterScores};
pub use metrics::{macro_f1_single, ClassificationReport, LabelScores};
pub use split::{cross_validate, folds, train_test_split, CvError};
