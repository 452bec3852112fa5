//! The models a server holds, by name, each swappable as a whole: a reload builds the new
//! model beside the old one and swaps a pointer, so a request in flight finishes on the model
//! it started with, and a file that fails to load leaves the old model serving.

use crate::model::file::ModelFileError;
use crate::model::{AnyModel, Scorer, Session};
use arc_swap::ArcSwap;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

/// Terms per label in a model's description (`GET /v1/models`).
const DESCRIBE_TOP: usize = 10;

/// A model to serve: its name in URLs, and its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    /// Name in URLs (`/v1/models/{name}/classify`).
    pub name: String,
    /// The model file.
    pub path: PathBuf,
}

impl ModelSpec {
    /// Parse `NAME=PATH`, or `PATH` alone (the name is then the file's stem).
    pub fn parse(s: &str) -> Result<ModelSpec, SpecError> {
        let (name, path) = match s.split_once('=') {
            Some((n, p)) if !n.is_empty() && !n.contains('/') => (n.to_string(), PathBuf::from(p)),
            _ => {
                let path = PathBuf::from(s);
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .ok_or_else(|| {
                        SpecError(format!("{s}: no model name in this path; give NAME={s}"))
                    })?
                    .to_string();
                (stem, path)
            }
        };
        let ok = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
        if name.is_empty() || !name.chars().all(ok) {
            return Err(SpecError(format!(
                "model name \"{name}\" must be letters, digits, '-', '_' or '.' (give NAME=PATH)"
            )));
        }
        Ok(ModelSpec { name, path })
    }
}

/// A `--model` argument that names no usable model.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);

self_cell::self_cell!(
    /// A loaded model with its classify session (word caches kept across requests).
    struct ModelCell {
        owner: AnyModel,
        #[not_covariant]
        dependent: ModelSession,
    }
);

type ModelSession<'a> = Session<'a, dyn Scorer>;

/// One loaded version of a model file.
pub struct Loaded {
    cell: ModelCell,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// When it was loaded.
    pub loaded_at: SystemTime,
    /// What `inspect --json` says of it.
    pub description: Value,
}

impl Loaded {
    /// Read and check a model file.
    pub fn load(path: &Path) -> Result<Loaded, ModelFileError> {
        let (model, sha256) = AnyModel::load_with_digest(path)?;
        let description = model.describe(DESCRIBE_TOP);
        Ok(Loaded {
            cell: ModelCell::new(model, |m| Session::new(m.scorer())),
            sha256,
            loaded_at: SystemTime::now(),
            description,
        })
    }

    /// The model.
    pub fn model(&self) -> &AnyModel {
        self.cell.borrow_owner()
    }

    /// Run `f` with the model's scorer and its session.
    pub fn with_session<R>(&self, f: impl FnOnce(&dyn Scorer, &Session<'_, dyn Scorer>) -> R) -> R {
        self.cell.with_dependent(|m, s| f(m.scorer(), s))
    }
}

/// A served model: its name and file, and the version serving now.
pub struct Slot {
    /// Name in URLs.
    pub name: String,
    /// The file it is (re)loaded from.
    pub path: PathBuf,
    /// `"classifier"` or `"clustering"` (a reload may not change it).
    pub kind: &'static str,
    current: ArcSwap<Loaded>,
    reloads: AtomicU64,
}

impl Slot {
    /// The version serving now; a request keeps it until it is done.
    pub fn current(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    /// Successful reloads since start.
    pub fn reloads(&self) -> u64 {
        self.reloads.load(Ordering::Relaxed)
    }
}

/// Why a reload kept the old model.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The new file does not load.
    #[error(transparent)]
    Load(#[from] ModelFileError),
    /// The new file is another kind of model.
    #[error("{path}: now holds a {found}, was a {expected}: kept the old model")]
    Kind {
        /// The file.
        path: PathBuf,
        /// Kind found.
        found: &'static str,
        /// Kind served.
        expected: &'static str,
    },
}

/// Every served model.
pub struct Registry {
    slots: Vec<Slot>,
    by_name: HashMap<String, usize>,
}

impl Registry {
    /// Load every model; the first failure stops.
    pub fn load(specs: &[ModelSpec]) -> Result<Registry, RegistryError> {
        let mut slots = Vec::with_capacity(specs.len());
        let mut by_name = HashMap::new();
        for spec in specs {
            if by_name.insert(spec.name.clone(), slots.len()).is_some() {
                return Err(RegistryError::Spec(SpecError(format!(
                    "two models are named \"{}\": give NAME=PATH",
                    spec.name
                ))));
            }
            let loaded = Loaded::load(&spec.path)?;
            slots.push(Slot {
                name: spec.name.clone(),
                path: spec.path.clone(),
                kind: loaded.model().kind(),
                current: ArcSwap::from_pointee(loaded),
                reloads: AtomicU64::new(0),
            });
        }
        if slots.is_empty() {
            return Err(RegistryError::Spec(SpecError(
                "no model to serve: give --model".into(),
            )));
        }
        Ok(Registry { slots, by_name })
    }

    /// Every model, in the order given.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The model of this name.
    pub fn get(&self, name: &str) -> Option<&Slot> {
        self.by_name.get(name).map(|&i| &self.slots[i])
    }

    /// The first model of this kind (what `/v1/classify` and `/v1/assign` use).
    pub fn first_of(&self, kind: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.kind == kind)
    }

    /// Reload one model from its file; on failure the old one keeps serving.
    pub fn reload(&self, slot: &Slot) -> Result<Arc<Loaded>, ReloadError> {
        let loaded = Loaded::load(&slot.path)?;
        let found = loaded.model().kind();
        if found != slot.kind {
            return Err(ReloadError::Kind {
                path: slot.path.clone(),
                found,
                expected: slot.kind,
            });
        }
        let loaded = Arc::new(loaded);
        slot.current.store(Arc::clone(&loaded));
        slot.reloads.fetch_add(1, Ordering::Relaxed);
        Ok(loaded)
    }
}

/// Why the models could not be loaded at start.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A model file.
    #[error(transparent)]
    Model(#[from] ModelFileError),
    /// The `--model` arguments.
    #[error(transparent)]
    Spec(#[from] SpecError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_is_name_and_path_or_a_path() {
        let s = ModelSpec::parse("models/themes.veille").unwrap();
        assert_eq!(
            (s.name.as_str(), s.path.as_path()),
            ("themes", Path::new("models/themes.veille"))
        );
        let s = ModelSpec::parse("t=/x/y.veille").unwrap();
        assert_eq!(s.name, "t");
        assert!(ModelSpec::parse("a b=x.veille").is_err());
    }

    #[test]
    fn a_bad_reload_keeps_the_old_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.veille");
        crate::model::tiny_model().save(&path).unwrap();
        let reg = Registry::load(&[ModelSpec::parse(path.to_str().unwrap()).unwrap()]).unwrap();
        let slot = reg.get("m").unwrap();
        let before = slot.current();
        std::fs::write(&path, b"not a model").unwrap();
        assert!(reg.reload(slot).is_err());
        assert!(Arc::ptr_eq(&before, &slot.current()));
        crate::model::tiny_model().save(&path).unwrap();
        let after = reg.reload(slot).unwrap();
        assert!(!Arc::ptr_eq(&before, &after));
        assert_eq!(slot.reloads(), 1);
        // The old version is still whole for whoever holds it.
        assert_eq!(before.sha256, after.sha256);
    }
}
