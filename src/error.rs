//! The crate's error type, and the rule that sorts every failure into the user's to fix
//! (bad usage, bad input) or veille's (an internal failure). The command line turns the class
//! into its exit code (2 or 1) and the HTTP service into a status (4xx or 5xx); neither
//! matches on the variants of deep errors itself.

use crate::classify::ClassifyError;
use crate::cluster::lsa::LsaClusterError;
use crate::corpus::feed::FeedError;
use crate::corpus::fetch::FetchError;
use crate::corpus::html::HtmlError;
use crate::corpus::CorpusError;
use crate::dedup::DedupError;
use crate::model::arrow::{ArrowInputError, ParquetOutputError};
use crate::model::clusters::ClusterError;
use crate::model::file::ModelFileError;
use crate::model::{CvError, TrainError};
use crate::serve::ServeError;
use crate::settings::SettingsError;
use crate::store::ingest::IngestError;
use crate::store::StoreError;

/// Whose failure it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Options or settings that cannot work together.
    Usage,
    /// Data, model files or paths the user gave.
    Input,
    /// Everything else: a failing disk or device, a numerical failure in an estimator.
    Internal,
}

impl ErrorClass {
    /// The command line's exit code: 2 for usage and input, 1 for an internal failure.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorClass::Usage | ErrorClass::Input => 2,
            ErrorClass::Internal => 1,
        }
    }
}

/// Any error of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading a corpus.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// Reading or writing a model file.
    #[error(transparent)]
    ModelFile(#[from] ModelFileError),
    /// Training a classifier.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// Clustering.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// Cross-validation.
    #[error(transparent)]
    Cv(#[from] CvError),
    /// The HTTP service.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// Settings that cannot be used.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The article store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Ingesting or exporting articles.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// A feed that does not parse.
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// A page with no article.
    #[error(transparent)]
    Html(#[from] HtmlError),
    /// A URL that could not be fetched.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// Near-duplicate settings or signatures.
    #[error(transparent)]
    Dedup(#[from] DedupError),
    /// An Arrow batch of articles that cannot be classified.
    #[error(transparent)]
    ArrowInput(#[from] ArrowInputError),
    /// Records that cannot be written as Parquet.
    #[error(transparent)]
    ParquetOutput(#[from] ParquetOutputError),
}

impl Error {
    /// Whose failure it is.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Corpus(e) => e.class(),
            Error::ModelFile(e) => e.class(),
            Error::Train(e) => e.class(),
            Error::Cluster(e) => e.class(),
            Error::Cv(e) => e.class(),
            Error::Serve(e) => e.class(),
            Error::Settings(e) => e.class(),
            Error::Store(e) => e.class(),
            Error::Ingest(e) => e.class(),
            Error::Dedup(e) => e.class(),
            Error::ArrowInput(e) => e.class(),
            Error::ParquetOutput(e) => e.class(),
            // Feeds, pages and URLs are what the user gave.
            Error::Feed(_) | Error::Html(_) | Error::Fetch(_) => ErrorClass::Input,
        }
    }

    /// The class of the first error of the library found in `e` or its sources, if any.
    pub fn class_of(e: &(dyn std::error::Error + 'static)) -> Option<ErrorClass> {
        let mut cur = Some(e);
        while let Some(e) = cur {
            if let Some(x) = e.downcast_ref::<Error>() {
                return Some(x.class());
            }
            if let Some(x) = e.downcast_ref::<CorpusError>() {
                return Some(x.class());
            }
            if let Some(x) = e.downcast_ref::<ModelFileError>() {
                return Some(x.class());
            }
            if let Some(x) = e.downcast_ref::<TrainError>() {
                return Some(x.class());
            }
            if let Some(x) = e.downcast_ref::<ClusterError>() {
                return Some(x.class());
            }
            if let Some(x) = e.downcast_ref::<CvError>() {
                return Some(x.class());
            }
            if let Some(x) = e.downcast_ref::<ServeError>() {
                return Some(x.class());
            }
            if let Some(x) = e.downcast_ref::<SettingsError>() {
                return Some(x.class());
            }
            if let Some(x) = e.downcast_ref::<StoreError>() {
                return Some(x.class());
            }
            if let Some(x) = e.downcast_ref::<IngestError>() {
                return Some(x.class());
            }
            if let Some(x) = e.downcast_ref::<DedupError>() {
                return Some(x.class());
            }
            if let Some(x) = e.downcast_ref::<ArrowInputError>() {
                return Some(x.class());
            }
            if let Some(x) = e.downcast_ref::<ParquetOutputError>() {
                return Some(x.class());
            }
            if e.is::<FeedError>() || e.is::<HtmlError>() || e.is::<FetchError>() {
                return Some(ErrorClass::Input);
            }
            cur = e.source();
        }
        None
    }
}

impl CorpusError {
    /// Every corpus error is about the data or paths given.
    pub fn class(&self) -> ErrorClass {
        ErrorClass::Input
    }
}

impl ModelFileError {
    /// A path that is missing, forbidden or not a file is the user's to fix; a full disk or
    /// a failing device while writing, or a model that cannot be encoded, is not.
    pub fn class(&self) -> ErrorClass {
        match self {
            ModelFileError::Encode(_) => ErrorClass::Internal,
            ModelFileError::Io { source, .. } => {
                use std::io::ErrorKind::*;
                match source.kind() {
                    NotFound | PermissionDenied | InvalidInput | IsADirectory | NotADirectory
                    | ReadOnlyFilesystem => ErrorClass::Input,
                    _ => ErrorClass::Internal,
                }
            }
            _ => ErrorClass::Input,
        }
    }
}

impl ArrowInputError {
    /// The batch's columns are the caller's; Arrow refusing to combine arrays is veille's.
    pub fn class(&self) -> ErrorClass {
        match self {
            ArrowInputError::Arrow(_) => ErrorClass::Internal,
            _ => ErrorClass::Input,
        }
    }
}

impl ParquetOutputError {
    /// Fields the articles carry are the user's; a failing write is not.
    pub fn class(&self) -> ErrorClass {
        match self {
            ParquetOutputError::NewField { .. } | ParquetOutputError::FieldValues { .. } => {
                ErrorClass::Input
            }
            ParquetOutputError::Write(_) | ParquetOutputError::Arrow(_) => ErrorClass::Internal,
        }
    }
}

impl SettingsError {
    /// Settings are always the user's to fix.
    pub fn class(&self) -> ErrorClass {
        ErrorClass::Usage
    }
}

impl TrainError {
    /// Bad settings or data, except when an estimator's numerics fail.
    pub fn class(&self) -> ErrorClass {
        match self {
            TrainError::Classify(ClassifyError::Linfa(_) | ClassifyError::Logistic(_)) => {
                ErrorClass::Internal
            }
            TrainError::Classify(ClassifyError::Param(_)) => ErrorClass::Usage,
            _ => ErrorClass::Input,
        }
    }
}

impl ClusterError {
    /// The data and k the user chose, except when the linear algebra of LSA fails.
    pub fn class(&self) -> ErrorClass {
        match self {
            ClusterError::Lsa(
                LsaClusterError::Lsa(_)
                | LsaClusterError::KMeans(_)
                | LsaClusterError::Gmm(_)
                | LsaClusterError::Dbscan(_),
            ) => ErrorClass::Internal,
            _ => ErrorClass::Input,
        }
    }
}

impl CvError {
    /// Folds that cannot be made are a usage error; a fold that fails to train says why.
    pub fn class(&self) -> ErrorClass {
        match self {
            CvError::Folds { .. } => ErrorClass::Usage,
            CvError::Train { source, .. } => source.class(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn the_class_is_found_through_wrappers() {
        let io = |kind| ModelFileError::Io {
            path: PathBuf::from("m"),
            source: std::io::Error::from(kind),
        };
        assert_eq!(io(std::io::ErrorKind::NotFound).class(), ErrorClass::Input);
        assert_eq!(
            Error::from(io(std::io::ErrorKind::StorageFull)).class(),
            ErrorClass::Internal
        );
        let cv = CvError::Train {
            fold: 1,
            source: TrainError::NoDocuments,
        };
        assert_eq!(Error::class_of(&cv), Some(ErrorClass::Input));
        assert_eq!(ErrorClass::Internal.exit_code(), 1);
        assert_eq!(ErrorClass::Usage.exit_code(), 2);
        assert_eq!(Error::class_of(&std::fmt::Error), None);
    }
}
