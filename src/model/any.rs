//! Either kind of saved model behind one loader: what `classify`, `inspect` and the server
//! open when the user names a model file.

use super::clusters::{self, ClusterModel};
use super::file::{self, ModelFileError};
use super::{Model, Scorer};
use std::path::Path;

/// A saved classifier or clustering, as the file's header says.
#[derive(Debug, Clone)]
pub enum AnyModel {
    /// A classifier from `veille train`.
    Classifier(Model),
    /// A clustering from `veille cluster`: articles are assigned to its clusters.
    Clustering(ClusterModel),
}

impl AnyModel {
    /// Load a model file of either kind, reading it once.
    pub fn load(path: impl AsRef<Path>) -> Result<AnyModel, ModelFileError> {
        let path = path.as_ref();
        AnyModel::from_bytes(path, &file::read(path)?)
    }

    /// Load a model file of either kind, with the SHA-256 (hex) of its bytes: what identifies
    /// the model that classified an article in a store, or serves in `veille serve`.
    pub fn load_with_digest(path: impl AsRef<Path>) -> Result<(AnyModel, String), ModelFileError> {
        use sha2::{Digest, Sha256};
        let path = path.as_ref();
        let bytes = file::read(path)?;
        let model = AnyModel::from_bytes(path, &bytes)?;
        Ok((model, format!("{:x}", Sha256::digest(&bytes[..]))))
    }

    /// Decode the bytes of a model file of either kind; `name` stands for the file in errors.
    pub fn from_bytes(name: impl AsRef<Path>, bytes: &[u8]) -> Result<AnyModel, ModelFileError> {
        let name = name.as_ref();
        let (header, body) = file::decode_any(name, bytes)?;
        match header.kind.as_str() {
            super::KIND => Ok(AnyModel::Classifier(file::checked_body(
                name,
                header.format_version,
                body,
            )?)),
            clusters::KIND => Ok(AnyModel::Clustering(file::checked_body(
                name,
                header.format_version,
                body,
            )?)),
            other => Err(ModelFileError::Kind {
                path: name.to_path_buf(),
                found: other.to_string(),
                expected: format!("{} or {}", super::KIND, clusters::KIND),
            }),
        }
    }

    /// What the file holds: `"classifier"` or `"clustering"`.
    pub fn kind(&self) -> &'static str {
        match self {
            AnyModel::Classifier(_) => super::KIND,
            AnyModel::Clustering(_) => clusters::KIND,
        }
    }

    /// The model as a scorer of articles (labels for a classifier, clusters for a
    /// clustering).
    pub fn scorer(&self) -> &(dyn Scorer + 'static) {
        match self {
            AnyModel::Classifier(m) => m,
            AnyModel::Clustering(m) => m,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn either_kind_loads_and_a_foreign_kind_is_named() {
        let m = crate::model::tiny_model();
        let any = AnyModel::from_bytes("m.veille", &m.to_bytes().unwrap()).unwrap();
        assert_eq!(any.kind(), "classifier");
        assert_eq!(any.scorer().output_name(0), m.label(0));
        let foreign = file::encode("dictionary", &0u8).unwrap();
        let e = AnyModel::from_bytes("d.veille", &foreign).unwrap_err();
        assert!(
            e.to_string()
                .contains("this is a dictionary model, expected a classifier or clustering"),
            "{e}"
        );
    }
}
