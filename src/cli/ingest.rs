//! `veille ingest` and `veille export`: articles into the store and out of it (the library's
//! `store` module does the work).

use super::paths::Named;
use super::{progress, warn, FieldArgs, Global, UsageError};
use crate::corpus::fetch::{FetchConfig, Fetcher};
use crate::dedup::DedupConfig;
use crate::model::AnyModel;
use crate::store::ingest;
use crate::store::Store;
use crate::watch::{run_round, Event, RoundOptions, WatchModel};
use clap::Args;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Sources: http(s) URLs of feeds (RSS, Atom, JSON Feed) or pages; local feeds (.rss,
    /// .atom, .rdf, .xml, .gz, a JSON Feed's .json) and pages (.html); folders of them; .jsonl /
    /// .csv files; other files (one article each).
    #[arg(value_name = "SOURCE", required = true)]
    sources: Vec<PathBuf>,
    /// The store (an SQLite file, created when missing).
    #[arg(long, value_name = "DB")]
    store: PathBuf,
    /// Print one JSON object summing up the run on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    round: RoundArgs,
}

/// What `ingest` and `watch` share: the models, how sources are read and grouped.
#[derive(Debug, Args)]
pub struct RoundArgs {
    /// Classify the new articles (and any not yet classified) with this model, as [NAME=]PATH;
    /// repeat for several.
    #[arg(long = "model", value_name = "[NAME=]PATH")]
    models: Vec<String>,
    /// Skip malformed records with a warning instead of stopping.
    #[arg(long)]
    skip_bad: bool,
    /// For feed items with a link, fetch the page and store its main text instead of the
    /// feed's summary.
    #[arg(long)]
    fetch_pages: bool,
    /// Jaccard similarity (of word 3-shingles) from which two articles are one story.
    #[arg(long, default_value_t = DedupConfig::default().threshold, value_name = "X")]
    dedup_threshold: f64,
    /// Seconds a URL has to answer in full (connecting takes at most the smaller of this and
    /// 10 s).
    #[arg(long, value_name = "SECS",
          default_value_t = FetchConfig::default().read_timeout.as_secs_f64())]
    fetch_timeout: f64,
    #[command(flatten)]
    fields: FieldArgs,
}

/// A round's models, options and fetcher, checked.
pub(super) struct Round {
    pub models: Vec<WatchModel>,
    pub opts: RoundOptions,
    pub fetcher: Fetcher,
}

impl RoundArgs {
    /// The model files given (they are inputs, for the output checks).
    pub(super) fn specs(&self) -> Result<Vec<crate::serve::ModelSpec>, UsageError> {
        self.models.iter().map(|s| super::model_spec(s)).collect()
    }

    /// Refuse a store that would overwrite one of `inputs` or a model file.
    pub(super) fn check_store(&self, store: &Path, inputs: Vec<Named>) -> anyhow::Result<()> {
        let specs = self.specs()?;
        let mut inputs = inputs;
        inputs.extend(specs.iter().map(|s| Named {
            flag: "--model",
            path: &s.path,
        }));
        super::paths::check_outputs(
            &[Named {
                flag: "--store",
                path: store,
            }],
            &inputs,
        )
    }

    /// Check the settings and load the models (a bad model file fails before anything is
    /// stored).
    pub(super) fn prepare(&self) -> anyhow::Result<Round> {
        let dedup = DedupConfig {
            threshold: self.dedup_threshold,
            ..DedupConfig::default()
        };
        dedup
            .check()
            .map_err(|e| UsageError(format!("--dedup-threshold: {e}")))?;
        if !(self.fetch_timeout.is_finite()
            && self.fetch_timeout > 0.0
            && self.fetch_timeout <= 3600.0)
        {
            return Err(UsageError(format!(
                "--fetch-timeout must be between 0 and 3600 seconds, got {}",
                self.fetch_timeout
            ))
            .into());
        }
        let mut models = Vec::new();
        for s in self.specs()? {
            let (model, sha256) = AnyModel::load_with_digest(&s.path)?;
            models.push(WatchModel {
                name: s.name.clone(),
                sha256,
                model,
            });
        }
        let read_timeout = std::time::Duration::from_secs_f64(self.fetch_timeout);
        let defaults = FetchConfig::default();
        let fetch = FetchConfig {
            read_timeout,
            connect_timeout: defaults.connect_timeout.min(read_timeout),
            ..defaults
        };
        let opts = RoundOptions {
            fields: self.fields.fields(),
            skip_bad: self.skip_bad,
            fetch_pages: self.fetch_pages,
            dedup,
            max_bytes: fetch.max_bytes,
        };
        Ok(Round {
            models,
            opts,
            fetcher: Fetcher::new(fetch),
        })
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The store.
    #[arg(long, value_name = "DB")]
    store: PathBuf,
    /// Labels from this model's classifications (its NAME) instead of the input's own labels.
    #[arg(long = "labels-from", value_name = "NAME")]
    labels_from: Option<String>,
}

pub fn run_ingest(args: IngestArgs, g: &Global) -> anyhow::Result<()> {
    args.round.check_store(
        &args.store,
        super::paths::named("SOURCE", &args.sources).collect(),
    )?;
    let round = args.round.prepare()?;
    let mut store = Store::open(&args.store)?;
    let sources: Vec<String> = args
        .sources
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let report = run_round(
        &mut store,
        &sources,
        &round.models,
        &round.opts,
        &round.fetcher,
        &|| false,
        &mut round_events(g),
    )?;
    if args.json {
        // The failures are in the JSON, and said on stderr too.
        for r in &report.sources {
            if let Some(why) = &r.failed {
                warn(g.quiet, &failed_line(&r.source, why));
            }
        }
        let mut out = serde_json::to_value(&report)?;
        out["store"] = args.store.display().to_string().into();
        out["added"] = report.added().into();
        out["duplicates"] = report.duplicates().into();
        out["failed"] = report.failed().into();
        sayln!("{}", serde_json::to_string_pretty(&out)?);
    } else if !g.quiet {
        for r in &report.sources {
            match &r.failed {
                Some(why) => super::eprint_line(&failed_line(&r.source, why)),
                None => super::eprint_line(&format!(
                    "{}: {} read, {} new, {} already stored{}{}",
                    r.source,
                    r.read,
                    r.added,
                    r.duplicates,
                    if r.skipped > 0 {
                        format!(", {} skipped", r.skipped)
                    } else {
                        String::new()
                    },
                    if r.unchanged > 0 {
                        format!(", {} file(s) unchanged since last read", r.unchanged)
                    } else {
                        String::new()
                    }
                )),
            }
        }
        for c in &report.classified {
            super::eprint_line(&format!(
                "classified {} article(s) with {}",
                c.classified, c.model
            ));
        }
        super::eprint_line(&format!(
            "{}: {} article(s) stored, {} stories ({} near-duplicate copies)",
            args.store.display(),
            report.articles,
            report.stories,
            report.copies
        ));
    }
    let failed = report.failed();
    if failed > 0 {
        // Each was reported above; everything else is stored: exit 2.
        return Err(UsageError(format!(
            "{failed} of {} source(s) failed; everything else is stored",
            report.sources.len()
        ))
        .into());
    }
    Ok(())
}

/// "SOURCE: failed: why", the source said once when the reason names it already.
pub(super) fn failed_line(source: &str, why: &str) -> String {
    let why = why
        .strip_prefix(source)
        .and_then(|w| w.strip_prefix(": "))
        .unwrap_or(why);
    format!("{source}: failed: {why}")
}

/// A round's events as the terminal shows them: a spinner per stage, warnings on stderr.
pub(super) fn round_events(g: &Global) -> impl FnMut(Event<'_>) + '_ {
    let mut spin: Option<indicatif::ProgressBar> = None;
    // A new stage ends the spinner of the one before (`None`: the round is over).
    let stage = move |spin: &mut Option<indicatif::ProgressBar>, what: Option<String>| {
        let next = what.map(|w| progress::spinner(&w, g.quiet));
        if let Some(old) = std::mem::replace(spin, next) {
            old.finish_and_clear();
        }
    };
    move |e| match e {
        Event::Source(s) => stage(&mut spin, Some(format!("ingesting {s}"))),
        Event::Grouping => stage(&mut spin, Some("grouping near-duplicates".into())),
        Event::Classifying(name, 0) => stage(&mut spin, Some(format!("classifying with {name}"))),
        Event::Done => stage(&mut spin, None),
        Event::Stored(r) => {
            if let Some(sp) = &spin {
                sp.set_message(format!("{}: {} read, {} new", r.source, r.read, r.added));
            }
        }
        Event::Classifying(name, n) => {
            if let Some(sp) = &spin {
                sp.set_message(format!("classified {n} with {name}"));
            }
        }
        Event::Warning(w) => match &spin {
            Some(sp) => sp.suspend(|| warn(g.quiet, &w)),
            None => warn(g.quiet, &w),
        },
    }
}

pub fn run_export(args: ExportArgs, _g: &Global) -> anyhow::Result<()> {
    if !args.store.exists() {
        return Err(UsageError(format!("{}: no such store", args.store.display())).into());
    }
    super::paths::check_stdout_not_input(&[Named {
        flag: "--store",
        path: &args.store,
    }])?;
    let store = Store::open_read_only(&args.store)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let r = ingest::export(&store, args.labels_from.as_deref(), &mut out);
    out.flush().map_err(super::StdoutError)?;
    match r {
        Ok(_) => Ok(()),
        Err(ingest::IngestError::Write(e)) => Err(super::StdoutError(e).into()),
        Err(e) => Err(e.into()),
    }
}
