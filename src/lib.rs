//! # veille
//!
//! Topic classification of French and English news articles on the geopolitics of
//! technology: articles are analysed (NFC, case folding, French elisions, Unicode words,
//! stopwords, Snowball stems, word n-grams), turned into sparse TF-IDF rows, and classified
//! into themes by estimators that speak linfa's traits; a trained [`model::Model`] is saved
//! as one file and reused.
//!
//! The data flow is visible in the modules: [`corpus`] → [`text`] → [`features`] →
//! [`classify`] → [`model`] (and [`cluster`] for unlabelled corpora), with [`eval`] for
//! metrics and splits. The command line (`cli`) and `veille bench` (`bench`) are
//! public for the `veille` binary only: hidden from the documentation, unstable.
//!
//! What other programs build on: [`model::AnyModel`] loads either kind of saved model,
//! [`model::classify_stream`] is the streaming classify loop of `veille classify`,
//! [`model::Record`] is its output record (one JSON Lines line; [`model::arrow`] gives the
//! same record as Arrow columns, classifies an Arrow batch and writes Parquet; the Python
//! package in `python/` is built on these), and every error converts
//! into [`Error`], whose [`ErrorClass`] says whether the caller's input or veille failed.
//! [`serve`] is the HTTP service of `veille serve` (its [`serve::router`] can be mounted in
//! another axum application).
//! The watch: [`watch::run_round`] is one round of `veille ingest` / `veille watch` (sources
//! read by [`corpus::feed`], [`corpus::html`] and [`corpus::fetch`] into a [`store::Store`],
//! near-duplicates grouped by [`dedup`], new articles classified), and [`trends`] counts the
//! stored stories per period and theme, the rising themes and terms, and the emerging subjects
//! ([`trends::emerging`]).
//! Training takes [`model::TrainSettings`] (its `Default` is the configuration `veille train`
//! runs with no option), or [`settings::TrainOptions`], the options of `veille train` as a
//! struct; [`model::Model::train_with_progress`] adds a progress callback.
//!
//! ```
//! use veille::corpus::Document;
//! use veille::model::{ClassifyOptions, Model, TrainSettings};
//! use veille::settings::TrainOptions;
//!
//! let docs = vec![
//!     Document::new("1", "New export controls on advanced chips and lithography tools.").with_label("sanctions"),
//!     Document::new("2", "Sanctions target banks that evade export controls.").with_label("sanctions"),
//!     Document::new("3", "Les sanctions renforcent le contrôle des exportations de puces.").with_label("sanctions"),
//!     Document::new("4", "Ransomware attack hits hospital servers, attackers leak data.").with_label("cyber"),
//!     Document::new("5", "State hackers breach the grid operator with malware.").with_label("cyber"),
//!     Document::new("6", "Une attaque par rançongiciel paralyse l'hôpital, les pirates publient les données.").with_label("cyber"),
//! ];
//! let model = Model::train(&docs, &TrainSettings::default())?;
//!
//! // The same with options, as `veille train --algo svm --ngrams 1-1` would set them.
//! let options = TrainOptions { algo: Some("svm".parse()?), ngrams: Some((1, 1)), ..Default::default() };
//! let unigrams = Model::train(&docs, &options.settings()?)?;
//! assert_eq!(unigrams.classifier().algo.name(), "svm");
//!
//! // Save, load, and classify one new article.
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("themes.veille");
//! model.save(&path)?;
//! let model = Model::load(&path)?;
//! let opts = ClassifyOptions { n_terms: 3, ..Default::default() };
//! let out = model.classify_batch(&["Hackers used ransomware against the hospital."], &opts);
//! let labels: Vec<&str> = out[0].labels.iter().map(|&l| model.label(l)).collect();
//! assert_eq!(labels, ["cyber"]);
//! assert_eq!(out[0].language, "en");
//! assert_eq!(model.label(out[0].scores[0].0), "cyber"); // scores are ranked, best first
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

// Unstable: serves the `veille` binary, may change in any release.
#[doc(hidden)]
pub mod bench;
pub mod classify;
// Unstable: the `veille` binary's command line.
#[doc(hidden)]
pub mod cli;
pub mod cluster;
pub mod corpus;
pub mod dedup;
pub mod error;
pub mod eval;
pub mod features;
pub mod model;
pub mod serve;
pub mod settings;
pub mod store;
pub mod text;
pub mod trends;
pub mod watch;

pub use error::{Error, ErrorClass};
