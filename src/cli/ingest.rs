//! `veille ingest` and `veille export`: articles into the store and out of it (the library's
//! `store` module does the work).

use super::paths::Named;
use super::{progress, warn, FieldArgs, Global, UsageError};
use crate::corpus::fetch::{FetchConfig, Fetcher, Outcome};
use crate::corpus::web;
use crate::corpus::{self, Batches, CorpusError, Document, Fields};
use crate::dedup::DedupConfig;
use crate::model::{AnyModel, OnBad};
use crate::store::ingest::{self, SourceReport};
use crate::store::Store;
use clap::Args;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Sources: http(s) URLs of feeds (RSS, Atom, JSON Feed) or pages; local feeds (.rss,
    /// .atom, .rdf, .xml, .gz) and pages (.html); .jsonl / .csv files, folders, other files (one
    /// article each).
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
    /// For feed items with a link, fetch the page and store its main text instead of the
    /// feed's summary.
    #[arg(long)]
    fetch_pages: bool,
    /// Jaccard similarity (of word 3-shingles) from which two articles are one story.
    #[arg(long, default_value_t = DedupConfig::default().threshold, value_name = "X")]
    dedup_threshold: f64,
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
        .map(|s| super::model_spec(s))
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
    let dedup = DedupConfig {
        threshold: args.dedup_threshold,
        ..DedupConfig::default()
    };
    dedup
        .check()
        .map_err(|e| UsageError(format!("--dedup-threshold: {e}")))?;
    // Models first: a bad model file fails before anything is stored.
    let mut models = Vec::new();
    for s in &specs {
        let (model, sha) = AnyModel::load_with_digest(&s.path)?;
        models.push((s.name.clone(), sha, model));
    }
    let fields = args.fields.fields();
    let mut store = Store::open(&args.store)?;
    let fetcher = Fetcher::new(FetchConfig::default());
    let mut reports: Vec<SourceReport> = Vec::new();
    for p in &args.sources {
        let source = p.display().to_string();
        let spin = progress::spinner(&format!("ingesting {source}"), g.quiet);
        let batches = match open_source(p, &fields, &fetcher, &mut store, args.fetch_pages, g) {
            Ok(b) => b,
            Err(e) => {
                // A source that cannot be opened is reported and the run goes on.
                if args.json {
                    warn(g.quiet, &e);
                }
                spin.finish_and_clear();
                reports.push(SourceReport {
                    source,
                    failed: Some(e),
                    ..Default::default()
                });
                continue;
            }
        };
        let mut skip = |e: &CorpusError| warn(g.quiet, &format!("skipped: {e}"));
        let on_bad = if args.skip_bad {
            OnBad::Skip(&mut skip)
        } else {
            OnBad::Stop
        };
        let r = ingest::ingest_documents(&mut store, &source, batches, on_bad, |r| {
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
    let spin = progress::spinner("grouping near-duplicates", g.quiet);
    let (groups, copies) = ingest::group_duplicates(&mut store, &dedup)?;
    spin.finish_and_clear();
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
            "stories": groups,
            "copies": copies,
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
            "{}: {total} article(s) stored, {groups} stories ({copies} near-duplicate copies)",
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

/// Open one source: a URL is fetched (conditionally, with the validators of its last fetch)
/// and read as a feed or a page; a local feed or page is read as one; anything else goes to
/// the corpus readers. The error is the source's one-line reason.
fn open_source(
    p: &std::path::Path,
    fields: &Fields,
    fetcher: &Fetcher,
    store: &mut Store,
    fetch_pages: bool,
    g: &Global,
) -> Result<Batches, String> {
    let name = p.to_string_lossy().to_string();
    let docs = if corpus::fetch::is_url(&name) {
        let validators = store.validators(&name).map_err(|e| e.to_string())?;
        match fetcher.fetch(&name, validators.as_ref()) {
            Err(e) => {
                let _ = store.record_fetch(&name, None, &e.to_string());
                return Err(e.to_string());
            }
            Ok(Outcome::NotModified) => {
                store
                    .record_fetch(&name, None, "304 not modified")
                    .map_err(|e| e.to_string())?;
                Vec::new()
            }
            Ok(Outcome::Fetched(f)) => {
                store
                    .record_fetch(&name, Some(&f.validators), "200")
                    .map_err(|e| e.to_string())?;
                let kind = web::sniff(f.content_type.as_deref(), &f.body);
                web::documents(kind, &f.body, &name).map_err(|e| e.to_string())?
            }
        }
    } else if let Some(kind) = web::kind_of_path(p) {
        let bytes = read_capped(p)?;
        web::documents(kind, &bytes, &name).map_err(|e| e.to_string())?
    } else {
        return corpus::open_batched(p, fields, corpus::LabelUse::Optional)
            .map_err(|e| e.to_string());
    };
    let docs = if fetch_pages {
        with_pages(docs, fetcher, g)
    } else {
        docs
    };
    Ok(Batches::Documents(Box::new(docs.into_iter().map(Ok))))
}

/// A local feed or page, read whole up to the fetcher's cap.
fn read_capped(p: &std::path::Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let cap = FetchConfig::default().max_bytes;
    let f = std::fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let mut bytes = Vec::new();
    f.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", p.display()))?;
    if bytes.len() as u64 > cap {
        return Err(format!("{}: larger than {cap} bytes", p.display()));
    }
    Ok(bytes)
}

/// Feed items with the main text of the page each links to (fetched politely); an item whose
/// page fails keeps the feed's text, with a warning naming the page.
fn with_pages(docs: Vec<Document>, fetcher: &Fetcher, g: &Global) -> Vec<Document> {
    let urls: Vec<(String, Option<corpus::fetch::Validators>)> = docs
        .iter()
        .map(|d| {
            let url = d.extra.get("url").and_then(|v| v.as_str()).unwrap_or("");
            (url.to_string(), None)
        })
        .collect();
    let pages = fetcher.fetch_all(&urls);
    docs.into_iter()
        .zip(pages)
        .map(|(mut d, page)| {
            let url = d
                .extra
                .get("url")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            if url.is_empty() {
                return d;
            }
            let page = match page {
                Ok(Outcome::Fetched(f)) => {
                    crate::corpus::html::extract(&f.body, Some(&url)).map_err(|e| e.to_string())
                }
                Ok(Outcome::NotModified) => return d,
                Err(e) => Err(e.to_string()),
            };
            match page {
                Ok(p) => {
                    let title = d
                        .extra
                        .get("title")
                        .and_then(|v| v.as_str())
                        .map(str::to_string);
                    d.text = match title {
                        Some(t) => format!("{t}\n\n{}", p.text),
                        None => p.text,
                    };
                }
                Err(e) => warn(g.quiet, &format!("{e}: kept the feed's text")),
            }
            d
        })
        .collect()
}
