//! `veille bench`: compare configurations on a labelled corpus.

use super::output::table;
use super::paths::{check_outputs, named, Named};
use super::{progress, read_train_test, FieldArgs, Global, UsageError};
use crate::bench::scaling::{auto_sizes, run_scaling, ScalingPlan};
use crate::bench::{
    grid, run_config, BenchConfig, BenchReport, Machine, Metric, Protocol, Task, DEFAULT_GRID,
    TABLE_HEADER,
};
use crate::model::file::write_atomic;
use crate::model::targets_of;
use anyhow::Context;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    veille bench --data articles.jsonl\n  \
    veille bench --data train.jsonl --test test.jsonl --report bench.html --scaling auto\n  \
    veille bench --data articles.jsonl --cv 5 --grid my-grid.toml --json\n  \
    veille bench --print-grid > my-grid.toml")]
pub struct BenchArgs {
    /// Labelled articles: JSON Lines, CSV, or a folder with one sub-folder per label. Repeat
    /// for several files. Without --test or --cv, a seeded stratified share is held out.
    #[arg(long, value_name = "PATH", required_unless_present = "print_grid")]
    data: Vec<PathBuf>,
    /// Labelled test articles: fit on --data, score on these.
    #[arg(long, value_name = "PATH", conflicts_with = "cv")]
    test: Option<PathBuf>,
    /// K-fold cross-validation instead of one held-out set.
    #[arg(long, value_name = "K")]
    cv: Option<usize>,
    /// Share of --data held out for testing when neither --test nor --cv is given.
    #[arg(long, default_value_t = 0.2, value_name = "F", conflicts_with_all = ["test", "cv"])]
    test_fraction: f64,
    /// Seed of the split or of the folds.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The configurations to compare, as a TOML file (see --print-grid for the default one
    /// and the format).
    #[arg(long, value_name = "FILE")]
    grid: Option<PathBuf>,
    /// Print the default grid (a commented TOML file to copy and edit) and exit.
    #[arg(long)]
    print_grid: bool,
    /// The metric classifiers are ranked by: accuracy, macro-f1 or micro-f1 (default:
    /// macro-f1, micro-f1 for multi-label data).
    #[arg(long, value_name = "NAME")]
    metric: Option<Metric>,
    /// Also measure how the default pipeline scales: training subsets of these sizes
    /// (comma-separated, or `auto` for 1k, 2k, 5k, 10k, ... up to all of them), then
    /// vocabulary caps of --scaling-vocab on all of them. Needs a held-out test set.
    #[arg(long, value_name = "SIZES|auto")]
    scaling: Option<String>,
    /// Vocabulary caps (max_features) of the scaling series.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1000,10000,100000",
        value_name = "N,...",
        requires = "scaling",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    scaling_vocab: Vec<u64>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML page: the table, quality against cost, the confusion
    /// matrix of the best classifier, the scaling plots.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// Skip malformed records with a warning instead of stopping.
    #[arg(long)]
    skip_bad: bool,
    #[command(flatten)]
    fields: FieldArgs,
}

fn load_grid(path: Option<&Path>) -> anyhow::Result<Vec<BenchConfig>> {
    let configs = match path {
        None => grid::parse(DEFAULT_GRID, Path::new("<default grid>")),
        Some(p) => {
            let text = std::fs::read(p)
                .map_err(|e| UsageError(format!("{}: cannot read: {e}", p.display())))?;
            let text = String::from_utf8(text)
                .map_err(|_| UsageError(format!("{}: not UTF-8 text", p.display())))?;
            grid::parse(&text, p)
        }
    };
    configs.map_err(|e| UsageError(e.to_string()).into())
}

/// Refuse, before any fitting, data that cannot score the grid's configurations.
fn check_labels(
    data: &[PathBuf],
    docs: &[crate::corpus::Document],
    labels: &[String],
    multilabel: bool,
    configs: &[BenchConfig],
) -> Result<(), UsageError> {
    let files = data
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let classifiers = configs.iter().any(|c| matches!(c.task, Task::Classify(_)));
    let clusterers = configs
        .iter()
        .any(|c| matches!(c.task, Task::Cluster { .. }));
    if labels.is_empty() {
        return Err(UsageError(format!(
            "{files}: no article carries a label; bench scores configurations against labels"
        )));
    }
    if classifiers && !multilabel && labels.len() < 2 {
        return Err(UsageError(format!(
            "{files}: one label ({}) in the data; a classifier needs at least two",
            labels[0]
        )));
    }
    let single =
        |d: &crate::corpus::Document| d.labels.as_ref().is_some_and(|l| l.as_slice().len() == 1);
    if clusterers && !docs.iter().any(single) {
        return Err(UsageError(format!(
            "{files}: no article has exactly one label, which clusterers are scored against"
        )));
    }
    Ok(())
}

fn parse_sizes(spec: &str, n_train: usize) -> Result<Vec<usize>, UsageError> {
    if spec == "auto" {
        return Ok(auto_sizes(n_train));
    }
    let mut sizes = Vec::new();
    for part in spec.split(',') {
        let n: usize = part
            .trim()
            .parse()
            .ok()
            .filter(|&n| n >= 2)
            .ok_or_else(|| {
                UsageError(format!(
                    "--scaling: expected sizes like 1000,10000 or auto, got '{part}'"
                ))
            })?;
        if n > n_train {
            return Err(UsageError(format!(
                "--scaling: {n} articles asked, the training set has {n_train}"
            )));
        }
        sizes.push(n);
    }
    Ok(sizes)
}

pub fn run(args: BenchArgs, g: &Global) -> anyhow::Result<()> {
    if args.print_grid {
        say!("{DEFAULT_GRID}");
        return Ok(());
    }
    let configs = load_grid(args.grid.as_deref())?;
    if !(args.test_fraction > 0.0 && args.test_fraction < 1.0) {
        return Err(UsageError("--test-fraction must be between 0 and 1".into()).into());
    }
    if let Some(r) = &args.report {
        let inputs: Vec<Named> = named("--data", &args.data)
            .chain(args.test.iter().map(|p| Named {
                flag: "--test",
                path: p,
            }))
            .chain(args.grid.iter().map(|p| Named {
                flag: "--grid",
                path: p,
            }))
            .collect();
        check_outputs(
            &[Named {
                flag: "--report",
                path: r,
            }],
            &inputs,
        )?;
    }
    let fields = args.fields.fields();
    let (docs, test) = read_train_test(
        &args.data,
        args.test.as_deref(),
        &fields,
        args.skip_bad,
        g.quiet,
    )?;
    let (labels, targets) = targets_of(&docs).map_err(|e| UsageError(e.to_string()))?;
    let multilabel = targets.is_multilabel();
    check_labels(&args.data, &docs, &labels, multilabel, &configs)?;
    let metric = args.metric.unwrap_or(if multilabel {
        Metric::MicroF1
    } else {
        Metric::MacroF1
    });
    let protocol = match (test, args.cv) {
        (Some(test), _) => Protocol::Holdout { train: docs, test },
        (None, Some(k)) => {
            if k < 2 || k > docs.len() {
                return Err(UsageError(format!(
                    "--cv {k}: cannot make {k} folds from {} articles",
                    docs.len()
                ))
                .into());
            }
            Protocol::CrossValidation {
                docs,
                k,
                seed: args.seed,
            }
        }
        (None, None) => {
            if docs.len() < 2 {
                return Err(
                    UsageError("cannot hold out a test set from one article".into()).into(),
                );
            }
            Protocol::split(docs, args.test_fraction, args.seed)?
        }
    };
    let (n_train, n_test) = match &protocol {
        Protocol::Holdout { train, test } => (train.len(), test.len()),
        Protocol::CrossValidation { docs, .. } => (docs.len(), 0),
    };
    let sizes = match (&args.scaling, &protocol) {
        (None, _) => None,
        (Some(_), Protocol::CrossValidation { .. }) => {
            return Err(UsageError(
                "--scaling needs a held-out test set (--test or --test-fraction), not --cv".into(),
            )
            .into())
        }
        (Some(spec), Protocol::Holdout { train, .. }) => Some(parse_sizes(spec, train.len())?),
    };
    if multilabel
        && configs
            .iter()
            .any(|c| matches!(c.task, Task::Cluster { .. }))
    {
        super::warn(
            g.quiet,
            "clusterers are scored against single labels only; multi-label articles are left out of NMI/ARI",
        );
    }

    let rounds = crate::bench::run::rounds_of(&protocol);
    let bar = progress::bar((configs.len() * rounds) as u64, "bench", g.quiet);
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let mut results = Vec::with_capacity(configs.len());
    for c in &configs {
        bar.set_message(c.name.clone());
        let r = run_config(c, &protocol, metric, &|| bar.inc(1));
        if let crate::bench::Outcome::Failed { error } = &r.outcome {
            bar.suspend(|| super::warn(g.quiet, &format!("{}: failed: {error}", c.name)));
        }
        results.push(r);
    }
    bar.finish_and_clear();

    let mut scaling = Vec::new();
    if let (Some(sizes), Protocol::Holdout { train, test }) = (&sizes, &protocol) {
        let caps: Vec<usize> = args.scaling_vocab.iter().map(|&c| c as usize).collect();
        let bar = progress::bar((sizes.len() + caps.len()) as u64, "scaling", g.quiet);
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        let settings = crate::model::TrainSettings::default();
        let plan = ScalingPlan {
            sizes: sizes.clone(),
            caps,
            seed: args.seed,
        };
        scaling = run_scaling(
            &settings,
            train,
            test,
            &plan,
            metric,
            &|_| bar.inc(1),
            &|why| {
                bar.inc(1);
                bar.suspend(|| super::warn(g.quiet, &format!("skipped: {why}")));
            },
        );
        bar.finish_and_clear();
    }

    let mut report = BenchReport {
        veille_version: env!("CARGO_PKG_VERSION").to_string(),
        date: crate::bench::utc_now(),
        machine: Machine::current(),
        data: args.data.iter().map(|p| p.display().to_string()).collect(),
        protocol: protocol.describe(),
        n_train,
        n_test,
        n_labels: labels.len(),
        multilabel,
        metric,
        results,
        best: None,
        best_clusterer: None,
        scaling,
    };
    report.rank();
    if let Some(path) = &args.report {
        write_atomic(path, crate::bench::html::render(&report).as_bytes())
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    if args.json {
        sayln!("{}", serde_json::to_string(&report)?);
    } else {
        print_human(&report, args.report.as_deref())?;
    }
    if report.results.iter().all(|r| r.measures().is_none()) {
        anyhow::bail!("every configuration failed (see the table)");
    }
    Ok(())
}

fn print_human(report: &BenchReport, html: Option<&Path>) -> anyhow::Result<()> {
    sayln!(
        "{} · {} label{}{} · ranked by {}",
        report.protocol,
        report.n_labels,
        if report.n_labels == 1 { "" } else { "s" },
        if report.multilabel {
            " (multi-label)"
        } else {
            ""
        },
        report.metric.name()
    );
    sayln!();
    say!("{}", table(&TABLE_HEADER, &report.table_rows()));
    sayln!(
        "fit s: analysis + vocabulary + estimator on the training articles{}; predict: held-out \
         articles (and MB of their text) per second, analysis included; peak MiB: heap growth \
         during fit and predict; front: no other classifier is both as good and as fast to fit.",
        if report.n_test == 0 {
            " (mean over folds)"
        } else {
            ""
        }
    );
    if let Some(best) = &report.best {
        sayln!("\nbest classifier: {best}");
    }
    if let Some(best) = &report.best_clusterer {
        sayln!("best clusterer: {best}");
    }
    if !report.scaling.is_empty() {
        sayln!("\nscaling of the default pipeline:");
        let rows: Vec<Vec<String>> = report
            .scaling
            .iter()
            .map(|p| {
                vec![
                    p.series.to_string(),
                    p.n_train.to_string(),
                    p.n_features.to_string(),
                    format!("{:.2}", p.fit_seconds),
                    format!("{:.0}", p.articles_per_second),
                    p.peak_heap_bytes
                        .map_or("-".into(), |b| format!("{:.1}", b as f64 / 1048576.0)),
                    format!("{:.1}", p.model_bytes as f64 / 1048576.0),
                    format!("{:.3}", p.quality),
                ]
            })
            .collect();
        say!(
            "{}",
            table(
                &[
                    "series",
                    "train articles",
                    "features",
                    "fit s",
                    "predict art/s",
                    "peak MiB",
                    "model MiB",
                    report.metric.name(),
                ],
                &rows
            )
        );
    }
    sayln!(
        "\n{} · {} cores, {} threads",
        report.machine.cpu,
        report.machine.cores,
        report.machine.threads
    );
    if let Some(p) = html {
        sayln!("report written to {}", p.display());
    }
    Ok(())
}
