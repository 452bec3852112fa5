//! `veille ingest` and `veille export`: articles into the store and out of it (the library's
//! `store` module does the work).

use super::paths::Named;
use super::{progress, warn, FieldArgs, Global, UsageError};
use crate::corpus::{self, CorpusError};
use crate::model::AnyModel;
use crate::serve::ModelSpec;
use crate::store::ingest::{self, SourceReport};
use crate::store::Store;
use clap::Args;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Sources: .jsonl / .csv files, folders, other files (one article each).
    #[arg(value_name = "SOURCE", required = true)]
    sources: Vec<PathBuf>,
    /// The store (an SQLite file, created when missing).
    #[arg(long, value_name = "DB")]
    store: PathBuf,
    /// Classify the new articles (and any not yet classified) with this model, as [NAME=]PATH;
    /// repeat for several.
    #[arg(long = "model", value_name = "[NAME=]PATH")]
    models: Vec<String>,
    /// Skip malformed records with a warning instead of stopping.
    #[arg(long)]
    skip_bad: bool,
    /// Print one JSON object summing up the run on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    fields: FieldArgs,
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
    let specs = args
        .models
        .iter()
        .map(|s| ModelSpec::parse(s).map_err(|e| UsageError(format!("--model {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let mut inputs: Vec<Named> = super::paths::named("SOURCE", &args.sources).collect();
    inputs.extend(specs.iter().map(|s| Named {
        flag: "--model",
        path: &s.path,
    }));
    super::paths::check_outputs(
        &[Named {
            flag: "--store",
            path: &args.store,
        }],
        &inputs,
    )?;
    // Models first: a bad model file fails before anything is stored.
    let mut models = Vec::new();
    for s in &specs {
        let (model, sha) = AnyModel::load_with_digest(&s.path)?;
        models.push((s.name.clone(), sha, model));
    }
    let fields = args.fields.fields();
    let mut store = Store::open(&args.store)?;
    let mut reports: Vec<SourceReport> = Vec::new();
    for p in &args.sources {
        let source = p.display().to_string();
        let spin = progress::spinner(&format!("ingesting {source}"), g.quiet);
        let batches = match corpus::open_batched(p, &fields, corpus::LabelUse::Optional) {
            Ok(b) => b,
            Err(e) => {
                // A source that cannot be opened is reported and the run goes on.
                if args.json {
                    warn(g.quiet, &format!("{e}"));
                }
                spin.finish_and_clear();
                reports.push(SourceReport {
                    source,
                    failed: Some(e.to_string()),
                    ..Default::default()
                });
                continue;
            }
        };
        let mut skip = |e: &CorpusError| warn(g.quiet, &format!("skipped: {e}"));
        let on_skip: Option<&mut dyn FnMut(&CorpusError)> =
            if args.skip_bad { Some(&mut skip) } else { None };
        let r = ingest::ingest_documents(&mut store, &source, batches, on_skip, |r| {
            spin.set_message(format!("{source}: {} read, {} new", r.read, r.added))
        });
        spin.finish_and_clear();
        match r {
            Ok(r) => reports.push(r),
            // What the source gave before is stored; the run goes on with the next source.
            Err(ingest::IngestError::Input(e)) => {
                if args.json {
                    warn(g.quiet, &format!("{e}"));
                }
                reports.push(SourceReport {
                    source,
                    failed: Some(e.to_string()),
                    ..Default::default()
                });
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut classified = Vec::new();
    for (name, sha, model) in &models {
        let spin = progress::spinner(&format!("classifying with {name}"), g.quiet);
        let n = ingest::classify_stored(&mut store, name, model, sha, |n| {
            spin.set_message(format!("classified {n} with {name}"))
        })?;
        spin.finish_and_clear();
        classified.push(serde_json::json!({"model": name, "sha256": sha, "classified": n}));
    }
    let total = store.count()?;
    if args.json {
        let out = serde_json::json!({
            "store": args.store.display().to_string(),
            "sources": reports,
            "added": reports.iter().map(|r| r.added).sum::<usize>(),
            "duplicates": reports.iter().map(|r| r.duplicates).sum::<usize>(),
            "failed": reports.iter().filter(|r| r.failed.is_some()).count(),
            "classified": classified,
            "articles": total,
        });
        sayln!("{}", serde_json::to_string_pretty(&out)?);
    } else if !g.quiet {
        for r in &reports {
            match &r.failed {
                Some(why) => super::eprint_line(&format!("{}: failed: {why}", r.source)),
                None => super::eprint_line(&format!(
                    "{}: {} read, {} new, {} already stored{}",
                    r.source,
                    r.read,
                    r.added,
                    r.duplicates,
                    if r.skipped > 0 {
                        format!(", {} skipped", r.skipped)
                    } else {
                        String::new()
                    }
                )),
            }
        }
        for c in &classified {
            super::eprint_line(&format!(
                "classified {} article(s) with {}",
                c["classified"],
                c["model"].as_str().unwrap_or_default()
            ));
        }
        super::eprint_line(&format!(
            "{}: {total} article(s) stored",
            args.store.display()
        ));
    }
    let failed = reports.iter().filter(|r| r.failed.is_some()).count();
    if failed > 0 {
        // Each was reported above; everything else is stored: exit 2.
        return Err(UsageError(format!(
            "{failed} of {} source(s) failed; everything else is stored",
            reports.len()
        ))
        .into());
    }
    Ok(())
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
