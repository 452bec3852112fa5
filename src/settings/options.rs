//! The flat options of each task, and how they lie over the defaults.

use super::{spelled, SettingsError};
use crate::classify::{Algo, ClassWeight};
use crate::cluster::choose_k::KCriterion;
use crate::cluster::KChoice;
use crate::features::{DfBound, TfidfConfig};
use crate::model::clusters::{ClusterAlgo, ClusterSettings};
use crate::model::TrainSettings;
use crate::text::{AnalyzerConfig, Language};
use serde::Deserialize;

/// Declares an options struct: the text-pipeline options every task shares, then the task's
/// own, with the methods that apply the shared part.
macro_rules! options {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* pub $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Languages of the articles (`"fr,en"` or `["fr", "en"]`). A text with no
            /// more stopwords of one than of another is analysed in the one most training
            /// texts are in.
            #[serde(default, deserialize_with = "spelled::languages")]
            pub languages: Option<Vec<Language>>,
            /// Word n-gram range: `"1-2"`, or `1` for unigrams.
            #[serde(default, deserialize_with = "spelled::ngrams")]
            pub ngrams: Option<(usize, usize)>,
            /// Drop terms found in fewer documents: a count (`2`), a fraction (`0.001`) or
            /// `"auto"`.
            #[serde(default, deserialize_with = "spelled::parsed")]
            pub min_df: Option<DfBound>,
            /// Drop terms found in more documents: a count, or a fraction with a decimal
            /// point (`1.0` is all documents).
            #[serde(default, deserialize_with = "spelled::parsed")]
            pub max_df: Option<DfBound>,
            /// Keep only this many of the most frequent terms.
            #[serde(default, deserialize_with = "spelled::count")]
            pub max_features: Option<usize>,
            /// Stem (`--no-stem` on the command line is `stem = false`).
            #[serde(default)]
            pub stem: Option<bool>,
            /// Drop stopwords (`--no-stopwords` is `stopwords = false`).
            #[serde(default)]
            pub stopwords: Option<bool>,
            /// `1 + ln(tf)` instead of raw counts (`--no-sublinear-tf` is
            /// `sublinear_tf = false`).
            #[serde(default)]
            pub sublinear_tf: Option<bool>,
            /// Dimensions of the LSA projection (the estimators and clusterers on LSA).
            #[serde(default, deserialize_with = "spelled::count")]
            pub lsa_dims: Option<usize>,
            /// Seed of every random choice.
            #[serde(default, deserialize_with = "spelled::count_or_zero")]
            pub seed: Option<u64>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $name {
            /// Lay the text-pipeline options over `analyzer` and `tfidf`, and check the
            /// analyzer's.
            fn apply_text(
                &self,
                analyzer: &mut AnalyzerConfig,
                tfidf: &mut TfidfConfig,
            ) -> Result<(), SettingsError> {
                if let Some(l) = &self.languages {
                    analyzer.languages = l.clone();
                }
                if let Some(n) = self.ngrams {
                    analyzer.ngram_range = n;
                }
                if let Some(b) = self.stem {
                    analyzer.stem = b;
                }
                if let Some(b) = self.stopwords {
                    analyzer.stopwords = b;
                }
                analyzer.check()?;
                if let Some(d) = self.min_df {
                    tfidf.min_df = d;
                }
                if let Some(d) = self.max_df {
                    tfidf.max_df = d;
                }
                if self.max_features.is_some() {
                    tfidf.max_features = self.max_features;
                }
                if let Some(b) = self.sublinear_tf {
                    tfidf.sublinear_tf = b;
                }
                Ok(())
            }

            /// Whether a text-pipeline option other than the languages is set.
            pub fn tunes_text(&self) -> bool {
                self.ngrams.is_some()
                    || self.min_df.is_some()
                    || self.max_df.is_some()
                    || self.max_features.is_some()
                    || self.stem.is_some()
                    || self.stopwords.is_some()
                    || self.sublinear_tf.is_some()
            }
        }
    };
}

options! {
    /// The options of a training run, as `veille train` and a `veille bench` grid take them;
    /// `None` is the default of [`TrainSettings::default`].
    ///
    /// ```
    /// use veille::settings::TrainOptions;
    ///
    /// let options: TrainOptions = toml::from_str("algo = \"svm\"\nngrams = \"1-1\"\nc = 0.5")?;
    /// let settings = options.settings()?;
    /// assert_eq!(settings.analyzer.ngram_range, (1, 1));
    /// assert_eq!(settings.classifier.get().c, 0.5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    TrainOptions {
        /// Estimator: `auto`, `svm`, `cnb`, `mnb`, `logreg` or `lsa-logreg`.
        #[serde(default, deserialize_with = "spelled::parsed")]
        pub algo: Option<Algo>,
        /// Whether `auto` tries a few text pipelines and keeps the best by held-out F1;
        /// unset, it does unless a tuning option (n-grams, df bounds, max features, stem,
        /// stopwords, tf, C, alpha, class weight) is set.
        #[serde(default)]
        pub search: Option<bool>,
        /// SVM cost parameter C.
        #[serde(default, deserialize_with = "spelled::number")]
        pub c: Option<f64>,
        /// Naive Bayes smoothing.
        #[serde(default, deserialize_with = "spelled::number")]
        pub alpha: Option<f64>,
        /// Class weights: `none` or `balanced`.
        #[serde(default, deserialize_with = "spelled::parsed")]
        pub class_weight: Option<ClassWeight>,
    }
}

impl TrainOptions {
    /// Whether a tuning option is set (then `auto` searches no pipeline unless `search`
    /// says so).
    pub fn tunes(&self) -> bool {
        self.tunes_text() || self.c.is_some() || self.alpha.is_some() || self.class_weight.is_some()
    }

    /// These options over [`TrainSettings::default`], checked.
    pub fn settings(&self) -> Result<TrainSettings, SettingsError> {
        let mut s = TrainSettings::default();
        self.apply_text(&mut s.analyzer, &mut s.tfidf)?;
        let mut p = s.classifier;
        if let Some(a) = self.algo {
            p = p.algo(a);
        }
        if let Some(c) = self.c {
            p = p.c(c);
        }
        if let Some(a) = self.alpha {
            p = p.alpha(a);
        }
        if let Some(w) = self.class_weight {
            p = p.class_weight(w);
        }
        if let Some(d) = self.lsa_dims {
            p = p.lsa_dims(d);
        }
        if let Some(seed) = self.seed {
            p = p.seed(seed);
        }
        p.validate()?;
        s.classifier = p;
        s.search = self.search.unwrap_or(!self.tunes());
        Ok(s)
    }
}

options! {
    /// The options of a clustering run, as `veille cluster` and a `veille bench` grid take
    /// them; `None` is the default of [`ClusterSettings::default`].
    ClusterOptions {
        /// Clusterer: `spherical-kmeans`, `lsa-kmeans`, `lsa-gmm` or `lsa-dbscan`.
        #[serde(default, deserialize_with = "spelled::parsed")]
        pub algo: Option<ClusterAlgo>,
        /// Number of clusters: a number, `"auto"` or `"auto:MIN-MAX"`.
        #[serde(default, deserialize_with = "spelled::parsed")]
        pub k: Option<KChoice>,
        /// How `auto` scores a k: `stability` or `silhouette`.
        #[serde(default, deserialize_with = "spelled::parsed")]
        pub k_criterion: Option<KCriterion>,
        /// Restarts (the best objective wins).
        #[serde(default, deserialize_with = "spelled::count")]
        pub n_init: Option<usize>,
        /// Mini-batch size: centroids updated after each random batch of this many articles
        /// instead of after full passes (approximate; up to 100k articles, full passes are
        /// faster).
        #[serde(default, deserialize_with = "spelled::count")]
        pub batch_size: Option<usize>,
        /// DBSCAN's neighbourhood radius (`lsa-dbscan` only).
        #[serde(default, deserialize_with = "spelled::number")]
        pub eps: Option<f64>,
        /// DBSCAN's neighbours that make a core article (`lsa-dbscan` only).
        #[serde(default, deserialize_with = "spelled::count")]
        pub min_points: Option<usize>,
        /// Terms that describe each cluster.
        #[serde(default, deserialize_with = "spelled::count")]
        pub terms: Option<usize>,
    }
}

impl ClusterOptions {
    /// These options over [`ClusterSettings::default`], checked. `eps` and `min_points` are
    /// read only when the clusterer is DBSCAN.
    pub fn settings(&self) -> Result<ClusterSettings, SettingsError> {
        let mut s = ClusterSettings::default();
        self.apply_text(&mut s.analyzer, &mut s.tfidf)?;
        if let Some(a) = self.algo {
            s.algo = a.with_dbscan(
                self.eps.unwrap_or(ClusterAlgo::DEFAULT_EPS),
                self.min_points.unwrap_or(ClusterAlgo::DEFAULT_MIN_POINTS),
            )?;
        }
        if let Some(k) = self.k {
            s.k = k;
        }
        if let Some(c) = self.k_criterion {
            s.k_criterion = c;
        }
        let at_least_one = |v: Option<usize>, what: &'static str| match v {
            Some(0) => Err(SettingsError::Param(what)),
            _ => Ok(v),
        };
        if let Some(n) = at_least_one(self.n_init, "n_init must be at least 1")? {
            s.n_init = n;
        }
        s.batch_size =
            at_least_one(self.batch_size, "the batch size must be at least 1")?.or(s.batch_size);
        if let Some(d) = at_least_one(self.lsa_dims, "LSA dimensions must be at least 1")? {
            s.lsa_dims = d;
        }
        if let Some(seed) = self.seed {
            s.seed = seed;
        }
        if let Some(n) = self.terms {
            s.n_terms = n;
        }
        Ok(s)
    }

    /// Whether DBSCAN's own options are set.
    pub fn sets_dbscan(&self) -> bool {
        self.eps.is_some() || self.min_points.is_some()
    }
}
