//! `veille train`: fit analyzer + vectorizer + estimator and save the model.

use super::output::f3;
use super::paths::{check_outputs, named, Named};
use super::{progress, read_train_test, FieldArgs, Global, UsageError};
use crate::classify::{Algo, ClassWeight};
use crate::eval::ClassificationReport;
use crate::features::DfBound;
use crate::model::{cross_validate_with_progress, Model, TrainSettings};
use crate::settings::{SettingsError, TrainOptions};
use crate::text::{ngram_range_text, Language};
use anyhow::Context;
use clap::Args;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Labelled training data: JSON Lines, CSV, or a folder with one sub-folder per label.
    /// Repeat to train on several files.
    #[arg(long, required = true, value_name = "PATH")]
    data: Vec<PathBuf>,
    /// Labelled test data: evaluate the trained model on it.
    #[arg(long, value_name = "PATH")]
    test: Option<PathBuf>,
    /// Where to save the model (written atomically; an existing file is replaced only on success).
    #[arg(long, value_name = "MODEL")]
    out: PathBuf,
    /// Estimator: auto (SVM and complement NB mixed by held-out F1), svm, cnb, mnb, logreg
    /// (logistic regression), lsa-logreg.
    /// With auto and none of the tuning options below, veille also tries a few text
    /// pipelines (n-grams, min_df, tf) and keeps the best by held-out F1, on training sets of
    /// up to 10 MB of text (`veille inspect` shows what it chose).
    #[arg(long, default_value_t = defaults().classifier.get().algo, value_name = "NAME")]
    algo: Algo,
    /// Use the default pipeline as it is: no configuration search.
    #[arg(long)]
    no_search: bool,
    /// Also report K-fold cross-validated scores (stored in the model).
    #[arg(long, value_name = "K")]
    cv: Option<usize>,
    /// Skip malformed records with a warning instead of stopping.
    #[arg(long)]
    skip_bad: bool,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Languages of the articles, comma-separated ISO codes. A text with no more stopwords of
    /// one than of another is analysed in the one most training texts are in.
    #[arg(long, default_value_t = Languages(defaults().analyzer.languages), value_name = "CODES")]
    languages: Languages,
    // The options below are tuning options: given, they turn the configuration search off.
    // Unset, they are `None` and the settings' defaults apply, which the help shows.
    #[arg(long, value_name = "MIN-MAX", help = with_default(
        "Word n-gram range, e.g. 1-2",
        ngram_range_text(defaults().analyzer.ngram_range),
    ))]
    ngrams: Option<String>,
    #[arg(long, value_name = "N", help = with_default(
        "Drop terms found in fewer documents: a count, a fraction like 0.001, or auto (1 under \
         50 training documents, 2 under 1,000, 3 from 1,000 on)",
        defaults().tfidf.min_df,
    ))]
    min_df: Option<DfBound>,
    #[arg(long, value_name = "N", help = with_default(
        "Drop terms found in more documents: a count (`1` is one document), or a fraction with \
         a decimal point (`1.0` is all documents, `0.5` half)",
        defaults().tfidf.max_df,
    ))]
    max_df: Option<DfBound>,
    /// Keep only the N most frequent terms.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_features: Option<u64>,
    /// Do not stem (`stem = false` in a grid).
    #[arg(long)]
    no_stem: bool,
    /// Keep stopwords (`stopwords = false` in a grid).
    #[arg(long)]
    no_stopwords: bool,
    /// Use raw term counts instead of 1 + ln(tf) (`sublinear_tf = false` in a grid).
    #[arg(long)]
    no_sublinear_tf: bool,
    #[arg(long, value_name = "C", help = with_default(
        "SVM cost parameter C",
        defaults().classifier.get().c,
    ))]
    c: Option<f64>,
    #[arg(long, value_name = "A", help = with_default(
        "Naive Bayes smoothing",
        defaults().classifier.get().alpha,
    ))]
    alpha: Option<f64>,
    #[arg(long, value_name = "W", help = with_default(
        "Class weights for unbalanced corpora: none or balanced",
        defaults().classifier.get().class_weight,
    ))]
    class_weight: Option<ClassWeight>,
    /// Dimensions of the LSA projection (lsa-logreg).
    #[arg(long, default_value_t = defaults().classifier.get().lsa_dims, value_name = "K")]
    lsa_dims: usize,
    /// Seed of every random choice.
    #[arg(long, default_value_t = defaults().classifier.get().seed)]
    seed: u64,
    #[command(flatten)]
    fields: FieldArgs,
}

/// The defaults of `veille train`: those of the library.
fn defaults() -> TrainSettings {
    TrainSettings::default()
}

/// A help line that ends with its default, as clap writes it.
pub(super) fn with_default(help: &str, default: impl std::fmt::Display) -> String {
    format!("{help} [default: {default}]")
}

/// Comma-separated language codes (`fr,en`), as `--languages` takes them.
#[derive(Debug, Clone)]
pub(super) struct Languages(pub Vec<Language>);

impl std::str::FromStr for Languages {
    type Err = SettingsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(',')
            .map(|c| c.trim().parse())
            .collect::<Result<_, _>>()
            .map(Languages)
    }
}

impl std::fmt::Display for Languages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let codes: Vec<&str> = self.0.iter().map(|l| l.code()).collect();
        f.write_str(&codes.join(","))
    }
}

pub(super) fn parse_ngrams(s: &str) -> Result<(usize, usize), UsageError> {
    crate::text::parse_ngram_range(s).map_err(|e| UsageError(format!("--ngrams: {e}")))
}

impl TrainArgs {
    /// What the command line says, over the library's defaults.
    fn options(&self) -> Result<TrainOptions, UsageError> {
        let off = |flag: bool| flag.then_some(false);
        Ok(TrainOptions {
            languages: Some(self.languages.0.clone()),
            ngrams: self.ngrams.as_deref().map(parse_ngrams).transpose()?,
            min_df: self.min_df,
            max_df: self.max_df,
            max_features: self.max_features.map(|m| m as usize),
            stem: off(self.no_stem),
            stopwords: off(self.no_stopwords),
            sublinear_tf: off(self.no_sublinear_tf),
            lsa_dims: Some(self.lsa_dims),
            seed: Some(self.seed),
            algo: Some(self.algo),
            search: off(self.no_search),
            c: self.c,
            alpha: self.alpha,
            class_weight: self.class_weight,
        })
    }
}

pub fn run(args: TrainArgs, g: &Global) -> anyhow::Result<()> {
    let settings = args.options()?.settings()?;
    let inputs: Vec<Named> = named("--data", &args.data)
        .chain(args.test.iter().map(|p| Named {
            flag: "--test",
            path: p,
        }))
        .collect();
    check_outputs(
        &[Named {
            flag: "--out",
            path: &args.out,
        }],
        &inputs,
    )?;
    let fields = args.fields.fields();
    let t0 = Instant::now();
    let (docs, test) = read_train_test(
        &args.data,
        args.test.as_deref(),
        &fields,
        args.skip_bad,
        g.quiet,
    )?;
    let read_s = t0.elapsed().as_secs_f64();
    if let Some(k) = args.cv {
        if k < 2 || k > docs.len() {
            return Err(UsageError(format!(
                "--cv {k}: cannot make {k} folds from {} documents (need 2 <= K <= documents)",
                docs.len()
            ))
            .into());
        }
    }

    let t1 = Instant::now();
    let bar = progress::bar(docs.len() as u64, "analysing", g.quiet);
    let mut model = Model::train_with_progress(&docs, &settings, &|n| bar.inc(n as u64))
        .context("training failed")?;
    bar.finish_and_clear();
    if let Some(cut) = model.vectorizer().pruning() {
        super::warn(g.quiet, &cut.to_string());
    }
    let train_s = t1.elapsed().as_secs_f64();

    let mut cv_s = 0.0;
    if let Some(k) = args.cv {
        let t = Instant::now();
        let bar = progress::bar(k as u64, "cv folds", g.quiet);
        let cv = cross_validate_with_progress(&docs, &settings, k, args.seed, &|_| bar.inc(1))?;
        bar.finish_and_clear();
        model.set_cv(cv);
        cv_s = t.elapsed().as_secs_f64();
    }

    let mut eval_s = 0.0;
    let report = match &test {
        Some(test) => {
            let t = Instant::now();
            let r = model.evaluate(test)?;
            eval_s = t.elapsed().as_secs_f64();
            Some(r)
        }
        None => None,
    };
    model
        .save(&args.out)
        .with_context(|| format!("cannot save the model to {}", args.out.display()))?;

    let c = model.classifier();
    let summary = json!({
        "model": args.out.display().to_string(),
        "n_train_documents": docs.len(),
        "n_labels": model.labels().len(),
        "multilabel": model.is_multilabel(),
        "n_features": model.vectorizer().n_features(),
        "algo": c.algo.name(),
        "nb_weight": c.nb_weight,
        "heldout_f1_estimate": c.heldout_f1,
        "cv": model.meta().cv,
        "seconds": {"read": read_s, "train": train_s, "cv": cv_s, "evaluate": eval_s},
    });
    if args.json {
        // The test report's fields (accuracy, macro_f1, ..., n_documents of the test set) at
        // the top level, then the training summary.
        let mut obj = serde_json::Map::new();
        if let Some(r) = &report {
            if let Value::Object(m) = serde_json::to_value(r)? {
                obj.extend(m);
            }
        }
        if let Value::Object(m) = summary {
            obj.extend(m);
        }
        sayln!("{}", serde_json::to_string(&Value::Object(obj))?);
        return Ok(());
    }
    print_human(&model, &args, report.as_ref(), train_s)?;
    Ok(())
}

fn print_human(
    model: &Model,
    args: &TrainArgs,
    report: Option<&ClassificationReport>,
    train_s: f64,
) -> anyhow::Result<()> {
    let c = model.classifier();
    let meta = model.meta();
    let algo = match c.nb_weight {
        Some(w) => format!(
            "auto (SVM {:.0}% + complement NB {:.0}%)",
            (1.0 - w) * 100.0,
            w * 100.0
        ),
        None => c.algo.name().to_string(),
    };
    sayln!(
        "trained {} on {} documents, {} labels{}, {} features in {:.2}s",
        algo,
        meta.n_documents,
        model.labels().len(),
        if model.is_multilabel() {
            " (multi-label)"
        } else {
            ""
        },
        model.vectorizer().n_features(),
        train_s
    );
    sayln!("{}: {}", heldout_caption(c.algo), f3(c.heldout_f1));
    if let Some(sel) = &meta.selection {
        let (name, _) = &sel.candidates[sel.chosen];
        sayln!(
            "configuration: {name} (best of {} tried by held-out F1; `veille inspect` lists them)",
            sel.candidates.len()
        );
    }
    if let Some(cv) = &meta.cv {
        sayln!("{cv}");
    }
    if let Some(r) = report {
        sayln!();
        super::evaluate::print_report(r)?;
    }
    sayln!("model saved to {}", args.out.display());
    Ok(())
}

/// What the classifier's training F1 estimate is, for people.
pub(super) fn heldout_caption(algo: Algo) -> &'static str {
    match algo {
        Algo::LsaLogreg => "F1 on the training set (lsa-logreg has no held-out estimate)",
        _ => "held-out F1 on the training set (3-fold, used to choose the estimator)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_of(args: &[&str]) -> TrainSettings {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            train: TrainArgs,
        }
        let base = ["train", "--data", "d.jsonl", "--out", "m.veille"];
        let cli = Cli::try_parse_from(base.iter().chain(args)).unwrap();
        cli.train.options().unwrap().settings().unwrap()
    }

    #[test]
    fn no_option_is_the_library_default_and_the_grid_default() {
        let cli = format!("{:?}", settings_of(&[]));
        assert_eq!(cli, format!("{:?}", TrainSettings::default()));
        let grid = crate::bench::grid::parse("[[config]]\nname = \"d\"\n", "g".as_ref()).unwrap();
        let crate::bench::Task::Classify(g) = &grid[0].task else {
            panic!("a classifier")
        };
        assert_eq!(cli, format!("{g:?}"));
    }

    #[test]
    fn a_flag_and_its_grid_key_give_the_same_settings() {
        let grid = crate::bench::grid::parse(
            "[[config]]\nngrams = \"1-1\"\nstem = false\nsublinear_tf = false\nmin_df = 1\nmax_df = 0.9\nc = 2\nclass_weight = \"balanced\"\n",
            "g".as_ref(),
        )
        .unwrap();
        let crate::bench::Task::Classify(g) = &grid[0].task else {
            panic!("a classifier")
        };
        let cli = settings_of(&[
            "--ngrams",
            "1-1",
            "--no-stem",
            "--no-sublinear-tf",
            "--min-df",
            "1",
            "--max-df",
            "0.9",
            "--c",
            "2",
            "--class-weight",
            "balanced",
        ]);
        assert_eq!(format!("{cli:?}"), format!("{g:?}"));
        assert!(!cli.search, "a tuning option turns the search off");
        assert!(!settings_of(&["--no-search"]).search);
    }

    #[test]
    fn ngram_ranges() {
        assert_eq!(parse_ngrams("1-2").unwrap(), (1, 2));
        assert_eq!(parse_ngrams("1").unwrap(), (1, 1));
        assert!(parse_ngrams("a-b").is_err());
    }
}
