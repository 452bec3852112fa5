//! `veille classify`: label new articles with a saved model, streaming.

use super::output::{f3, printable, StdoutError, StreamTable};
use super::paths::Named;
use super::{progress, warn, FieldArgs, Global, UsageError};
use crate::corpus::{self, Batches, Document};
use crate::model::arrow::{ParquetOutputError, ParquetRecordWriter};
use crate::model::file::AtomicFile;
use crate::model::{
    classify_stream, write_jsonl, AnyModel, Classification, ClassifyOptions, OnBad, Scorer,
    Sources, StreamError,
};
use clap::{Args, ValueEnum};
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A table on a terminal, JSON Lines otherwise.
    Auto,
    /// A readable table.
    Table,
    /// One JSON object per article.
    Jsonl,
    /// An Apache Parquet file, one row per article, the same fields as JSON Lines (needs
    /// --output, or standard output redirected to a file or a pipe).
    Parquet,
    /// `--explain`: a readable report per article.
    #[value(skip)]
    Explain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StdinFormat {
    /// Standard input is one article.
    Text,
    /// Standard input is JSON Lines, one article per line.
    Jsonl,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// The model file: a classifier from `veille train`, or a clustering from `veille cluster`
    /// (articles are then assigned to its clusters).
    #[arg(long, value_name = "MODEL")]
    model: PathBuf,
    /// Articles: .jsonl / .csv files (many articles each), folders (every file under them),
    /// other files (one article each). Standard input when none is given, or where `-` is.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Keep only the K best scores per article.
    #[arg(long, value_name = "K")]
    top: Option<usize>,
    /// Decision threshold on scores: a single-label model abstains below it; a multi-label
    /// model uses it for every label instead of its per-label thresholds.
    #[arg(long, value_name = "X")]
    threshold: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    format: Format,
    /// Write the output to FILE (put in place once complete) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// How standard input is read.
    #[arg(long, value_enum, default_value_t = StdinFormat::Text)]
    stdin_format: StdinFormat,
    /// Explaining terms per predicted label.
    #[arg(long, default_value_t = 5, value_name = "N")]
    terms: usize,
    /// Score each article as one block of text only, not also by its passages (paragraphs,
    /// long ones cut into windows, tiny ones merged), and report no passages.
    #[arg(long)]
    no_passages: bool,
    /// Passages reported per predicted label.
    #[arg(long, default_value_t = 3, value_name = "N")]
    passages: usize,
    /// For each article, show per predicted label its score, the words and the passages
    /// that carry it (a readable report instead of the table or JSON Lines).
    #[arg(long, conflicts_with = "format")]
    explain: bool,
    /// Skip malformed records with a warning instead of stopping.
    #[arg(long)]
    skip_bad: bool,
    #[command(flatten)]
    fields: FieldArgs,
}

pub fn run(args: ClassifyArgs, g: &Global) -> anyhow::Result<()> {
    if let Some(t) = args.threshold {
        if !(0.0..=1.0).contains(&t) {
            return Err(UsageError(format!("--threshold must be between 0 and 1, got {t}")).into());
        }
    }
    if args.top == Some(0) {
        return Err(UsageError("--top must be at least 1".into()).into());
    }
    let mut inputs: Vec<Named> = super::paths::named("PATH", &args.paths)
        .filter(|n| n.path.as_os_str() != "-")
        .collect();
    inputs.push(Named {
        flag: "--model",
        path: &args.model,
    });
    match &args.output {
        Some(o) => super::paths::check_outputs(
            &[Named {
                flag: "--output",
                path: o,
            }],
            &inputs,
        )?,
        None => super::paths::check_stdout_not_input(&inputs)?,
    }
    if args.format == Format::Parquet && args.output.is_none() && std::io::stdout().is_terminal() {
        return Err(UsageError(
            "--format parquet writes a binary file: give --output FILE, or redirect standard output".into(),
        )
        .into());
    }
    if args.paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(UsageError("`-` (standard input) given more than once".into()).into());
    }
    let fields = args.fields.fields();
    // The first batch of articles is read from files while the model loads. Standard input
    // is opened only once the model has loaded: it may be a terminal or a slow pipe (and a
    // single article is read whole when opened), and a bad model must not wait for it. A bad
    // model is reported before a bad input, as when one came after the other.
    let files_only = !args.paths.is_empty() && args.paths.iter().all(|p| p.as_os_str() != "-");
    // A classifier labels articles; a clustering assigns them to its clusters.
    let (loaded, sources) = if files_only {
        // The second batch too while the model is still loading (its thread is busy).
        let loading = std::sync::atomic::AtomicBool::new(true);
        let (loaded, sources) = rayon::join(
            || {
                let m = AnyModel::load(&args.model);
                loading.store(false, std::sync::atomic::Ordering::Release);
                m
            },
            || {
                open_sources(&args, &fields).map(|s| {
                    let mut s = Sources::from(s);
                    s.read_ahead_while(|| loading.load(std::sync::atomic::Ordering::Acquire));
                    s
                })
            },
        );
        (loaded?, sources?)
    } else {
        let loaded = AnyModel::load(&args.model)?;
        (loaded, Sources::from(open_sources(&args, &fields)?))
    };
    let model = loaded.scorer();
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = match args.format {
        _ if args.explain => Format::Explain,
        Format::Auto if to_terminal => Format::Table,
        Format::Auto => Format::Jsonl,
        f => f,
    };
    let opts = ClassifyOptions {
        top: args.top,
        threshold: args.threshold,
        n_terms: args.terms,
        passages: !args.no_passages,
        n_passages: args.passages,
    };
    let target = match &args.output {
        Some(p) => Target::File(
            AtomicFile::create(p).map_err(|e| UsageError(format!("{}: {e}", p.display())))?,
        ),
        None => Target::Stdout(std::io::stdout()),
    };
    let out = BufWriter::with_capacity(1 << 16, target);
    let mut output = if format == Format::Parquet {
        Output::Parquet(Box::new(ParquetRecordWriter::new(out)))
    } else {
        Output::Text(out)
    };
    let spin = progress::spinner("classifying", g.quiet);
    let mut rows = StreamTable::new(&["article", "labels", "scores", "lang", "terms"]);
    let mut total = 0usize;
    let mut skip = |e: &corpus::CorpusError| warn(g.quiet, &format!("skipped: {e}"));
    let on_bad = if args.skip_bad {
        OnBad::Skip(&mut skip)
    } else {
        OnBad::Stop
    };
    let sink = |docs: &[Document], results: &[Classification]| -> Result<(), SinkError> {
        let out = match &mut output {
            Output::Parquet(w) => return Ok(w.write(docs, results, model)?),
            Output::Text(out) => out,
        };
        match format {
            Format::Jsonl => write_jsonl(docs, results, model, out)?,
            Format::Explain => {
                for (d, c) in docs.iter().zip(results) {
                    write_explanation(out, d, c, model)?;
                }
            }
            _ => {
                for (d, c) in docs.iter().zip(results) {
                    rows.push(table_row(d, c, model, opts.n_terms), out)?;
                }
            }
        }
        total += docs.len();
        spin.set_message(format!("classified {total} articles"));
        Ok(())
    };
    let run = classify_stream(model, sources, &opts, on_bad, sink);
    spin.finish_and_clear();
    let write_error = |e: std::io::Error| -> anyhow::Error {
        match &args.output {
            Some(p) => anyhow::anyhow!("cannot write {}: {e}", p.display()),
            None => StdoutError(e).into(),
        }
    };
    let rows = (format == Format::Table).then_some(rows);
    let report = match run {
        Ok(r) => r,
        Err(StreamError::Sink(SinkError::Io(e))) => return Err(write_error(e)),
        Err(StreamError::Sink(SinkError::Parquet(e))) => return Err(e.into()),
        Err(StreamError::Input(e)) => {
            // On standard output, what was classified before a bad record is written out
            // before the error is reported; an --output file is written whole or not at all.
            if args.output.is_none() {
                finish(output, rows).map_err(write_error)?;
            } else if let Some(p) = &args.output {
                warn(g.quiet, &format!("{} not written", p.display()));
            }
            return Err(e.into());
        }
    };
    let target = finish(output, rows).map_err(write_error)?;
    if let Target::File(f) = target {
        f.commit().map_err(write_error)?;
    }
    if report.skipped > 0 {
        warn(
            g.quiet,
            &format!("skipped {} bad record(s)", report.skipped),
        );
    }
    for (lang, n) in &report.other_languages {
        warn(
            g.quiet,
            &format!("{n} article(s) look like language '{lang}', which the model was not trained on: their scores are unreliable"),
        );
    }
    // The process ends after this command: freeing the model (a few hundred thousand
    // allocations for a large vocabulary) would only add serial time at its end.
    std::mem::forget(loaded);
    Ok(())
}

/// Every input, opened (not read) in order, so that a missing file fails before any output.
fn open_sources(
    args: &ClassifyArgs,
    fields: &corpus::Fields,
) -> Result<Vec<Batches>, corpus::CorpusError> {
    let mut sources: Vec<Batches> = Vec::new();
    let stdin = || corpus::open_stdin_batched(args.stdin_format == StdinFormat::Jsonl, fields);
    if args.paths.is_empty() {
        sources.push(stdin()?);
    }
    for p in &args.paths {
        if p.as_os_str() == "-" {
            sources.push(stdin()?);
            continue;
        }
        // The system's own reason: a missing file, a forbidden folder, a symlink loop.
        if let Err(source) = std::fs::metadata(p) {
            return Err(corpus::CorpusError::Io {
                path: p.clone(),
                source,
            });
        }
        sources.push(corpus::open_articles_batched(p, fields)?);
    }
    Ok(sources)
}

/// Where the output goes.
enum Target {
    Stdout(std::io::Stdout),
    File(AtomicFile),
}

impl Write for Target {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Target::Stdout(s) => s.write(buf),
            Target::File(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Target::Stdout(s) => s.flush(),
            Target::File(f) => f.flush(),
        }
    }
}

/// The writer of the chosen format.
enum Output {
    Text(BufWriter<Target>),
    Parquet(Box<ParquetRecordWriter<BufWriter<Target>>>),
}

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
enum SinkError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Parquet(#[from] ParquetOutputError),
}

/// Write what is still held (the table's last rows, the Parquet footer) and flush.
fn finish(output: Output, rows: Option<StreamTable<'_>>) -> std::io::Result<Target> {
    let mut out = match output {
        Output::Text(mut out) => {
            if let Some(rows) = rows {
                rows.finish(&mut out)?;
            }
            out
        }
        Output::Parquet(w) => w.finish().map_err(std::io::Error::other)?,
    };
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())
}

fn table_row(d: &Document, c: &Classification, model: &dyn Scorer, n_terms: usize) -> Vec<String> {
    let scores: Vec<String> = c
        .scores
        .iter()
        .take(3)
        .map(|&(l, s)| format!("{} {}", model.output_name(l), f3(s)))
        .collect();
    let mut lang = c.language.to_string();
    if !c.language_supported {
        lang.push_str(" (!)");
    }
    // Each label with the passages that carry it (¶ numbers from 1, as a reader counts).
    let labels: Vec<String> = c
        .evidence
        .iter()
        .map(|e| {
            let name = model.output_name(e.label);
            if e.passages.is_empty() {
                name.to_string()
            } else {
                let ps: Vec<String> = e
                    .passages
                    .iter()
                    .map(|p| (p.index + 1).to_string())
                    .collect();
                format!("{name} ¶{}", ps.join(","))
            }
        })
        .collect();
    vec![
        d.id.clone(),
        if labels.is_empty() {
            "(none)".into()
        } else {
            labels.join(", ")
        },
        scores.join("; "),
        lang,
        c.terms
            .iter()
            .take(n_terms)
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    ]
}

/// The `--explain` report of one article.
fn write_explanation(
    out: &mut dyn Write,
    d: &Document,
    c: &Classification,
    model: &dyn Scorer,
) -> std::io::Result<()> {
    let lang = if c.language_supported {
        c.language.to_string()
    } else {
        format!("{} (not a model language: scores unreliable)", c.language)
    };
    writeln!(
        out,
        "{}  language {lang}, {} passage{}",
        d.id,
        c.n_passages,
        if c.n_passages == 1 { "" } else { "s" }
    )?;
    if c.evidence.is_empty() {
        let best: Vec<String> = c
            .scores
            .iter()
            .take(3)
            .map(|&(l, s)| format!("{} {}", model.output_name(l), f3(s)))
            .collect();
        writeln!(out, "  no label; best scores: {}", best.join("; "))?;
    }
    for e in &c.evidence {
        writeln!(
            out,
            "  {}  {}",
            printable(model.output_name(e.label)),
            f3(e.score)
        )?;
        let terms: Vec<String> = e
            .terms
            .iter()
            .map(|(t, w)| format!("{t} ({w:.3})"))
            .collect();
        writeln!(
            out,
            "    words: {}",
            if terms.is_empty() {
                "(none)".into()
            } else {
                terms.join(", ")
            }
        )?;
        for p in &e.passages {
            writeln!(
                out,
                "    ¶{} [chars {}..{}] {}  {}",
                p.index + 1,
                p.start,
                p.end,
                f3(p.score),
                p.snippet
            )?;
        }
    }
    writeln!(out)
}
