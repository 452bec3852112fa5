//! Clustering: discovering the themes of an unlabelled corpus. Spherical k-means on the sparse
//! TF-IDF rows (our own, with a mini-batch mode), the choice of k by split-half stability
//! ([`choose_k`]), and the description of each cluster. The saved form is
//! [`crate::model::ClusterModel`].

pub mod choose_k;
pub mod describe;
pub mod lsa;
pub mod spherical_kmeans;

pub use describe::ClusterInfo;
pub use spherical_kmeans::{Centroids, KMeansError, KMeansFit, KMeansParams};

use crate::settings::SettingsError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How many clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KChoice {
    /// Exactly this many.
    Fixed(usize),
    /// The candidate between `min` and `max` whose clustering is the most reproducible (see
    /// [`choose_k`]).
    Auto {
        /// Smallest candidate.
        min: usize,
        /// Largest candidate.
        max: usize,
    },
}

impl FromStr for KChoice {
    type Err = SettingsError;
    /// `"20"`, `"auto"` (3 to 30) or `"auto:MIN-MAX"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SettingsError::KChoice(s.to_string());
        if s == "auto" {
            return Ok(KChoice::Auto { min: 3, max: 30 });
        }
        if let Some(range) = s.strip_prefix("auto:") {
            let (a, b) = range.split_once('-').ok_or_else(bad)?;
            let (min, max): (usize, usize) =
                (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
            if min < 2 || max < min {
                return Err(SettingsError::KRange(s.to_string()));
            }
            return Ok(KChoice::Auto { min, max });
        }
        match s.parse::<usize>() {
            Ok(0) => Err(SettingsError::NoClusters),
            Ok(k) => Ok(KChoice::Fixed(k)),
            Err(_) => Err(bad()),
        }
    }
}

impl fmt::Display for KChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KChoice::Fixed(k) => write!(f, "{k}"),
            KChoice::Auto { min, max } => write!(f, "auto:{min}-{max}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_choices_parse() {
        assert_eq!("20".parse(), Ok(KChoice::Fixed(20)));
        assert_eq!("auto".parse(), Ok(KChoice::Auto { min: 3, max: 30 }));
        assert_eq!("auto:3-8".parse(), Ok(KChoice::Auto { min: 3, max: 8 }));
        assert!("0".parse::<KChoice>().is_err());
        assert!("auto:9-3".parse::<KChoice>().is_err());
        assert!("many".parse::<KChoice>().is_err());
    }
}
