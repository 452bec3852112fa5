//! Near-duplicate grouping: wire copies and light rewrites of one story are grouped, with one
//! canonical member per group.
//!
//! Texts are tokenised as everywhere in veille (NFC, case folding, French elisions, Unicode
//! words), cut into shingles of [`DedupConfig::shingle`] consecutive words, and summarised by
//! MinHash signatures ([`minhash`]). LSH banding ([`lsh`]) proposes candidate pairs; a pair
//! whose estimated Jaccard similarity of shingle sets is at least
//! [`DedupConfig::threshold`] is kept, and the groups are the connected components of the
//! kept pairs (so duplicates of duplicates are one group).
//!
//! **Canonical member:** the earliest text of its group in the order given (the first
//! inserted, for [`DedupIndex`]). Give texts oldest first, as a store does, and the canonical
//! copy is the first one published.
//!
//! ```
//! use veille::dedup::{DedupConfig, Deduper};
//!
//! let deduper = Deduper::new(DedupConfig::default())?;
//! let docs = [
//!     "L'Union européenne adopte de nouvelles règles sur l'exportation des puces avancées vers la Chine.",
//!     "Ransomware attack hits a regional hospital; patient records were leaked online.",
//!     "L’Union européenne adopte de nouvelles règles sur l’exportation des puces avancées vers la Chine. Lire aussi",
//! ];
//! let groups = deduper.groups(&docs);
//! assert_eq!(groups.len(), 2);
//! assert_eq!(groups.group_of(2).canonical, 0);
//! assert_eq!(groups.group_of(2).members, [0, 2]);
//! # Ok::<(), veille::dedup::DedupError>(())
//! ```

pub mod lsh;
pub mod minhash;

pub use lsh::{DedupIndex, Inserted};
pub use minhash::{MinHasher, Signature, SIGNATURE_VERSION};

use crate::error::ErrorClass;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Settings of near-duplicate grouping. The defaults are the measured choice (see
/// BENCHMARKS.md, "Issue 11: near-duplicates").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DedupConfig {
    /// Words per shingle (1 to 16).
    pub shingle: usize,
    /// Hash functions, so values per signature (1 to 1024).
    pub num_perm: usize,
    /// LSH bands (at least 1; `bands × rows ≤ num_perm`).
    pub bands: usize,
    /// Values per LSH band (at least 1).
    pub rows: usize,
    /// Least estimated Jaccard similarity of shingle sets for two texts to be duplicates,
    /// in (0, 1].
    pub threshold: f64,
    /// Seed of the hash family. Signatures made with different seeds do not compare.
    pub seed: u64,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            shingle: 3,
            num_perm: 128,
            bands: 32,
            rows: 4,
            threshold: 0.5,
            seed: 0,
        }
    }
}

impl DedupConfig {
    /// Check that the settings can work.
    ///
    /// # Errors
    /// [`DedupError::InvalidConfig`] naming the first setting out of range.
    pub fn check(&self) -> Result<(), DedupError> {
        let bad = |field: &'static str, value: String, reason: &'static str| {
            Err(DedupError::InvalidConfig {
                field,
                value,
                reason,
            })
        };
        if !(1..=16).contains(&self.shingle) {
            return bad("shingle", self.shingle.to_string(), "must be 1 to 16 words");
        }
        if !(1..=1024).contains(&self.num_perm) {
            return bad("num_perm", self.num_perm.to_string(), "must be 1 to 1024");
        }
        if self.bands == 0 {
            return bad("bands", "0".into(), "must be at least 1");
        }
        if self.rows == 0 {
            return bad("rows", "0".into(), "must be at least 1");
        }
        if self.bands.saturating_mul(self.rows) > self.num_perm {
            return bad(
                "bands",
                format!("{} × rows {}", self.bands, self.rows),
                "bands × rows must not exceed num_perm",
            );
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return bad("threshold", self.threshold.to_string(), "must be in (0, 1]");
        }
        Ok(())
    }
}

/// Errors of near-duplicate grouping.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DedupError {
    /// A setting out of range.
    #[error("dedup setting `{field}` = {value}: {reason}")]
    InvalidConfig {
        /// The setting.
        field: &'static str,
        /// Its value.
        value: String,
        /// What it must be.
        reason: &'static str,
    },
    /// A signature made by another hash family (seed, shingle size, number of permutations
    /// or signature version), for instance one stored by an older release.
    #[error(
        "signature {index} was made by another hash family ({found:#018x}, {found_len} values; \
         this deduper's is {expected:#018x}, {expected_len} values): recompute it from the text"
    )]
    SignatureMismatch {
        /// Position of the signature in the input (0 for a single one).
        index: usize,
        /// This deduper's family digest.
        expected: u64,
        /// The signature's.
        found: u64,
        /// Values this deduper's signatures have.
        expected_len: usize,
        /// Values the signature has.
        found_len: usize,
    },
}

impl DedupError {
    /// Whose failure it is: bad settings are usage, foreign signatures are input.
    pub fn class(&self) -> ErrorClass {
        match self {
            DedupError::InvalidConfig { .. } => ErrorClass::Usage,
            DedupError::SignatureMismatch { .. } => ErrorClass::Input,
        }
    }
}

/// Groups near-duplicate texts (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Deduper {
    config: DedupConfig,
    hasher: MinHasher,
    min_equal: usize,
}

impl Deduper {
    /// A deduper with these settings.
    ///
    /// # Errors
    /// [`DedupError::InvalidConfig`] when a setting is out of range.
    pub fn new(config: DedupConfig) -> Result<Self, DedupError> {
        config.check()?;
        let hasher = MinHasher::new(config.shingle, config.num_perm, config.seed);
        // Least number of equal minima for an estimated similarity ≥ threshold.
        let min_equal = ((config.threshold * config.num_perm as f64) - 1e-9).ceil() as usize;
        Ok(Deduper {
            config,
            hasher,
            min_equal: min_equal.max(1),
        })
    }

    /// The settings.
    pub fn config(&self) -> &DedupConfig {
        &self.config
    }

    pub(crate) fn min_equal(&self) -> usize {
        self.min_equal
    }

    /// The hash family (and its digest, which signatures carry).
    pub fn hasher(&self) -> &MinHasher {
        &self.hasher
    }

    /// The signature of one text.
    pub fn signature(&self, text: &str) -> Signature {
        self.hasher.signature(text)
    }

    /// The signatures of many texts, computed in parallel (the same whatever the thread
    /// count).
    pub fn signatures<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Vec<Signature> {
        docs.par_iter()
            .map(|d| self.hasher.signature(d.as_ref()))
            .collect()
    }

    /// Group `docs` (in the order given: the canonical member of a group is its earliest).
    pub fn groups<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Groups {
        lsh::group_signatures(self, &self.signatures(docs))
    }

    /// Group texts by signatures computed earlier.
    ///
    /// # Errors
    /// [`DedupError::SignatureMismatch`] naming the first signature of another family.
    pub fn groups_of_signatures(&self, signatures: &[Signature]) -> Result<Groups, DedupError> {
        for (i, s) in signatures.iter().enumerate() {
            self.check_signature(s).map_err(|e| match e {
                DedupError::SignatureMismatch {
                    expected,
                    found,
                    expected_len,
                    found_len,
                    ..
                } => DedupError::SignatureMismatch {
                    index: i,
                    expected,
                    found,
                    expected_len,
                    found_len,
                },
                other => other,
            })?;
        }
        Ok(lsh::group_signatures(self, signatures))
    }

    /// An empty incremental index with these settings.
    pub fn index<Id: Clone>(&self) -> DedupIndex<Id> {
        DedupIndex::new(self.clone())
    }

    pub(crate) fn check_signature(&self, s: &Signature) -> Result<(), DedupError> {
        let ok_len = s.values.is_empty() || s.values.len() == self.config.num_perm;
        if s.family != self.hasher.family() || !ok_len {
            return Err(DedupError::SignatureMismatch {
                index: 0,
                expected: self.hasher.family(),
                found: s.family,
                expected_len: self.config.num_perm,
                found_len: s.values.len(),
            });
        }
        Ok(())
    }
}

/// One group of near-duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Position of the canonical member (the group's earliest).
    pub canonical: usize,
    /// Positions of all members, ascending (the canonical first).
    pub members: Vec<usize>,
}

/// A partition of the texts into groups of near-duplicates (a text alone is a group of one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Groups {
    /// The groups, by canonical position ascending.
    groups: Vec<Group>,
    /// For each text, the index of its group in `groups`.
    group_index: Vec<usize>,
}

impl Groups {
    /// Groups from each text's root (the earliest member of its group).
    pub(crate) fn from_roots(roots: &[u32]) -> Groups {
        let mut group_index = vec![usize::MAX; roots.len()];
        let mut groups: Vec<Group> = Vec::new();
        for (i, &r) in roots.iter().enumerate() {
            let r = r as usize;
            // Roots are the earliest members, so a root is met before the rest of its group.
            if r == i {
                group_index[i] = groups.len();
                groups.push(Group {
                    canonical: i,
                    members: vec![i],
                });
            } else {
                let g = group_index[r];
                group_index[i] = g;
                groups[g].members.push(i);
            }
        }
        Groups {
            groups,
            group_index,
        }
    }

    /// Number of groups (stories), singletons included.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there were no texts.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// All groups, by canonical position ascending.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Group> + '_ {
        self.groups.iter()
    }

    /// The groups of two texts or more.
    pub fn duplicates(&self) -> impl Iterator<Item = &Group> + '_ {
        self.groups.iter().filter(|g| g.members.len() > 1)
    }

    /// The group of the `i`-th text.
    ///
    /// # Panics
    /// When `i` is not the position of a grouped text.
    pub fn group_of(&self, i: usize) -> &Group {
        &self.groups[self.group_index[i]]
    }

    /// The canonical position of each text's group, in text order.
    pub fn canonicals(&self) -> Vec<usize> {
        self.group_index
            .iter()
            .map(|&g| self.groups[g].canonical)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_checks_name_the_setting() {
        let err = |c: DedupConfig| match c.check() {
            Err(DedupError::InvalidConfig { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert!(DedupConfig::default().check().is_ok());
        let d = DedupConfig::default;
        assert_eq!(err(DedupConfig { shingle: 0, ..d() }), "shingle");
        assert_eq!(err(DedupConfig { num_perm: 0, ..d() }), "num_perm");
        assert_eq!(
            err(DedupConfig {
                bands: 40,
                rows: 4,
                ..d()
            }),
            "bands"
        );
        assert_eq!(err(DedupConfig { rows: 0, ..d() }), "rows");
        assert_eq!(
            err(DedupConfig {
                threshold: 0.0,
                ..d()
            }),
            "threshold"
        );
        assert_eq!(
            err(DedupConfig {
                threshold: f64::NAN,
                ..d()
            }),
            "threshold"
        );
        assert!(Deduper::new(DedupConfig { shingle: 99, ..d() }).is_err());
    }

    #[test]
    fn config_reads_from_toml_with_defaults() {
        let c: DedupConfig = toml::from_str("threshold = 0.6\nseed = 3").expect("valid");
        assert_eq!(c.threshold, 0.6);
        assert_eq!(c.num_perm, 128);
        assert!(toml::from_str::<DedupConfig>("thresold = 0.6").is_err());
    }

    #[test]
    fn groups_from_roots() {
        let g = Groups::from_roots(&[0, 1, 0, 3, 1, 0]);
        assert_eq!(g.len(), 3);
        assert_eq!(g.group_of(5).members, [0, 2, 5]);
        assert_eq!(g.group_of(4).canonical, 1);
        assert_eq!(g.canonicals(), [0, 1, 0, 3, 1, 0]);
        assert_eq!(g.duplicates().count(), 2);
    }

    #[test]
    fn empty_texts_group_with_nothing() {
        let d = Deduper::new(DedupConfig::default()).expect("valid");
        let g = d.groups(&["", "  ...  ", "", "words here"]);
        assert_eq!(g.len(), 4);
        assert!(d.groups::<&str>(&[]).is_empty());
    }

    #[test]
    fn foreign_signatures_are_refused() {
        let d = Deduper::new(DedupConfig::default()).expect("valid");
        let other = Deduper::new(DedupConfig {
            seed: 9,
            ..DedupConfig::default()
        })
        .expect("valid");
        let sigs = vec![d.signature("a b c d"), other.signature("a b c d")];
        match d.groups_of_signatures(&sigs) {
            Err(e @ DedupError::SignatureMismatch { index: 1, .. }) => {
                assert_eq!(e.class(), ErrorClass::Input)
            }
            other => panic!("{other:?}"),
        }
        let mut index = d.index::<u32>();
        assert!(index.insert_signature(0, sigs[1].clone()).is_err());
        assert!(index.insert_signature(0, sigs[0].clone()).is_ok());
    }
}
