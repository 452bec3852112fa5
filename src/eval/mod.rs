//! Evaluation: classification and clustering metrics, and splits. Nothing here depends on
//! the model: cross-validation, which trains models, is [`crate::model::cv`].

pub mod cluster_metrics;
pub mod metrics;
pub mod split;

pub use cluster_metrics::{adjusted_mutual_info, cluster_scores, ClusterScores};
pub use metrics::{macro_f1_single, ClassificationReport, LabelScores};
pub use split::{folds, train_test_split};
