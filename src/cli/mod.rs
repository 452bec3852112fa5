//! The command line: one file per command. `main.rs` only parses and reports; the library
//! does the work.

#[macro_use]
mod output;
mod bench;
mod classify;
mod cluster;
mod evaluate;
mod ingest;
mod inspect;
mod paths;
mod progress;
mod serve;
mod train;
mod trends;
mod watch;

pub use output::{eprint_line, stderr_failed, StdoutError};

use crate::corpus::{self, CorpusError, Document, Fields};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

/// Topic classification of French and English news articles on the geopolitics of technology.
#[derive(Debug, Parser)]
#[command(
    name = "veille",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "Examples:\n  \
        veille classify --model models/themes.veille data/samples\n  \
        veille train --data articles.jsonl --out themes.veille --cv 5\n  \
        veille evaluate --model themes.veille --data test.jsonl --json\n  \
        veille cluster --data pile.jsonl --k auto --out clusters.veille\n  \
        veille inspect --model themes.veille\n  \
        veille bench --data train.jsonl --test test.jsonl --report bench.html\n  \
        veille serve --model themes.veille --addr 127.0.0.1:8080\n\n\
        Exit codes: 0 success, 2 bad usage or bad input, 1 internal failure (a write error\n\
        included).\n\n\
        Limits (records, files, tokens, memory, threads, k): the README's \"Limits\" section."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
}

/// Options every command takes.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// No progress bars and no chatter on stderr (errors are still reported).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Worker threads (default: all cores; at most 4 per core).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a classifier on labelled articles and save it.
    Train(train::TrainArgs),
    /// Score a saved model on labelled articles.
    Evaluate(evaluate::EvaluateArgs),
    /// Label new articles with a saved model.
    Classify(classify::ClassifyArgs),
    /// Discover the themes of a corpus: cluster it, name the clusters, save the clustering.
    Cluster(cluster::ClusterArgs),
    /// Show what a saved model is: labels, vocabulary, settings, training run, top terms.
    Inspect(inspect::InspectArgs),
    /// Compare estimators and settings on a labelled corpus: quality, fit time, predict
    /// throughput, memory, model size; a table, JSON or an HTML report.
    Bench(bench::BenchArgs),
    /// Serve models over HTTP: classify and assign articles, list models, metrics.
    Serve(serve::ServeArgs),
    /// Store articles in a watch store (SQLite), once each, classified by the models given.
    Ingest(ingest::IngestArgs),
    /// Write the stored articles as JSON Lines, in the shape `veille train` reads.
    Export(ingest::ExportArgs),
    /// Themes over time in a watch store: stories per period and theme, rising themes and
    /// terms, emerging subjects; a table, JSON or an HTML report.
    Trends(trends::TrendsArgs),
    /// Watch feeds: every period, ingest what is new, group near-duplicates, classify;
    /// until Ctrl-C or SIGTERM.
    Watch(watch::WatchArgs),
}

/// Field names of input records.
#[derive(Debug, Args, Clone)]
pub struct FieldArgs {
    /// Field (JSON Lines) or column (CSV) holding the text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    text_field: String,
    /// Field holding the single label.
    #[arg(long, default_value = "label", value_name = "NAME")]
    label_field: String,
    /// Field holding the label list (CSV: labels separated by `|`).
    #[arg(long, default_value = "labels", value_name = "NAME")]
    labels_field: String,
    /// Field holding the article id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    id_field: String,
}

impl FieldArgs {
    fn fields(&self) -> Fields {
        Fields {
            id: self.id_field.clone(),
            text: self.text_field.clone(),
            label: self.label_field.clone(),
            labels: self.labels_field.clone(),
        }
    }
}

/// An error in what the user gave (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A `--model [NAME=]PATH` argument (serve, ingest, trends).
fn model_spec(s: &str) -> Result<crate::serve::ModelSpec, UsageError> {
    crate::serve::ModelSpec::parse(s).map_err(|e| UsageError(format!("--model {e}")))
}

/// `--threads` above this many per core is refused: the work is CPU-bound, so more threads
/// only cost memory, and thousands exhaust the process limits.
pub const MAX_THREADS_PER_CORE: usize = 4;

/// The largest `--threads` accepted on this machine.
pub fn max_threads() -> usize {
    MAX_THREADS_PER_CORE * std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(n) = cli.global.threads {
        let max = max_threads();
        if n == 0 || n > max {
            return Err(UsageError(format!(
                "--threads must be between 1 and {max} ({MAX_THREADS_PER_CORE} per core), got {n}"
            ))
            .into());
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start {n} threads: {e}"))?;
    }
    // classify, evaluate and inspect exist for what they print: with standard output closed it
    // would vanish. (train, cluster and bench write their product to files.)
    let prints = matches!(
        cli.command,
        Command::Classify(_) | Command::Evaluate(_) | Command::Inspect(_) | Command::Export(_)
    );
    if prints && paths::stdout_is_closed() {
        return Err(StdoutError(std::io::Error::from_raw_os_error(libc::EBADF)).into());
    }
    match cli.command {
        Command::Train(a) => train::run(a, &cli.global),
        Command::Evaluate(a) => evaluate::run(a, &cli.global),
        Command::Classify(a) => classify::run(a, &cli.global),
        Command::Cluster(a) => cluster::run(a, &cli.global),
        Command::Inspect(a) => inspect::run(a, &cli.global),
        Command::Bench(a) => bench::run(a, &cli.global),
        Command::Serve(a) => serve::run(a, &cli.global),
        Command::Ingest(a) => ingest::run_ingest(a, &cli.global),
        Command::Export(a) => ingest::run_export(a, &cli.global),
        Command::Trends(a) => trends::run(a, &cli.global),
        Command::Watch(a) => watch::run(a, &cli.global),
    }?;
    // `say!` output without a final newline is still buffered: a failure to write it counts.
    std::io::Write::flush(&mut std::io::stdout()).map_err(StdoutError)?;
    Ok(())
}

/// The error and its causes on one line.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let s = cause.to_string().replace('\n', " ");
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

/// Exit code of a failure: 2 for bad usage or bad input, 1 for anything else. The library
/// decides which its own errors are ([`crate::Error::class_of`]).
pub fn exit_code(e: &anyhow::Error) -> i32 {
    for cause in e.chain() {
        if cause.is::<UsageError>() {
            return 2;
        }
        if cause.is::<StdoutError>() {
            return 1;
        }
        if let Some(class) = crate::Error::class_of(cause) {
            return class.exit_code();
        }
    }
    1
}

/// Read labelled documents from each path (in order), honouring `--skip-bad`.
fn read_labelled(
    paths: &[PathBuf],
    fields: &Fields,
    skip_bad: bool,
    quiet: bool,
) -> anyhow::Result<Vec<Document>> {
    read_all(paths, fields, skip_bad, quiet, corpus::open_labelled)
}

/// The labelled training documents of `data` and, when given, the test documents of `test`,
/// behind one spinner.
fn read_train_test(
    data: &[PathBuf],
    test: Option<&Path>,
    fields: &Fields,
    skip_bad: bool,
    quiet: bool,
) -> anyhow::Result<(Vec<Document>, Option<Vec<Document>>)> {
    let spin = progress::spinner("reading", quiet);
    let docs = read_labelled(data, fields, skip_bad, quiet)?;
    let test = match test {
        Some(p) => Some(read_labelled(&[p.to_path_buf()], fields, skip_bad, quiet)?),
        None => None,
    };
    spin.finish_and_clear();
    Ok((docs, test))
}

/// Read documents from each path (in order) with `open`, honouring `--skip-bad`; a path that
/// yields no document is an error.
fn read_all(
    paths: &[PathBuf],
    fields: &Fields,
    skip_bad: bool,
    quiet: bool,
    open: fn(&Path, &Fields) -> Result<corpus::Documents, CorpusError>,
) -> anyhow::Result<Vec<Document>> {
    let mut docs = Vec::new();
    for path in paths {
        let before = docs.len();
        let stream = open(path, fields)?;
        let report = corpus::collect(
            stream,
            skip_bad,
            |e| warn(quiet, &format!("skipped: {e}")),
            &mut docs,
        )?;
        if report.skipped > 0 {
            warn(
                quiet,
                &format!(
                    "{}: skipped {} bad record(s)",
                    path.display(),
                    report.skipped
                ),
            );
        }
        if docs.len() == before {
            return Err(CorpusError::Empty { path: path.clone() }.into());
        }
    }
    Ok(docs)
}

/// The clusters of a clustering as a table: id, size, name, and terms `skip..skip + take`.
fn cluster_table(
    clusters: &[crate::cluster::ClusterInfo],
    skip: usize,
    take: usize,
    terms_header: &str,
) -> String {
    let rows: Vec<Vec<String>> = clusters
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.size.to_string(),
                c.name.clone(),
                c.top_terms
                    .iter()
                    .skip(skip)
                    .take(take)
                    .map(|(t, _)| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    output::table(&["id", "size", "name", terms_header], &rows)
}

/// A warning on stderr unless `--quiet`.
fn warn(quiet: bool, msg: &str) {
    if !quiet {
        eprint_line(&format!("veille: warning: {msg}"));
    }
}
