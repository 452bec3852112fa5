//! `veille trends`: themes over time from a watch store (the library's `trends` does the work).

use super::output::table;
use super::paths::{check_outputs, Named};
use super::{progress, warn, Global, UsageError};
use crate::model::file::write_atomic;
use crate::model::AnyModel;
use crate::store::{ingest, Store};
use crate::trends::report::{self, ReportMeta};
use crate::trends::{self, Granularity};
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct TrendsArgs {
    /// The store.
    #[arg(long, value_name = "DB")]
    store: PathBuf,
    /// The model whose themes are counted, as [NAME=]PATH (articles it has not classified yet
    /// are classified first and the results stored).
    #[arg(long, value_name = "[NAME=]PATH")]
    model: String,
    /// Period: day, week (ISO) or month.
    #[arg(long, default_value = "month", value_name = "PERIOD")]
    by: Granularity,
    /// First day counted (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Last day counted (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// A story whose best theme score is under this counts as no theme's, for the emerging
    /// subjects (a single-label model gives every story a theme; e.g. 0.5).
    #[arg(long, value_name = "SCORE")]
    uncovered_below: Option<f64>,
    /// Seed of the clustering of emerging subjects.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML page (inline SVG, no script, nothing fetched): themes
    /// over time, rising terms, emerging subjects with their articles linked.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
}

pub fn run(args: TrendsArgs, g: &Global) -> anyhow::Result<()> {
    for (flag, d) in [("--since", &args.since), ("--until", &args.until)] {
        if let Some(d) = d {
            if trends::period_of(d, Granularity::Day).as_deref() != Some(d.as_str()) {
                return Err(
                    UsageError(format!("{flag} must be a date YYYY-MM-DD, got {d}")).into(),
                );
            }
        }
    }
    if let Some(x) = args.uncovered_below {
        if !(0.0..=1.0).contains(&x) {
            return Err(UsageError(format!(
                "--uncovered-below must be between 0 and 1, got {x}"
            ))
            .into());
        }
    }
    let spec = super::model_spec(&args.model)?;
    if !args.store.exists() {
        return Err(UsageError(format!("{}: no such store", args.store.display())).into());
    }
    if let Some(r) = &args.report {
        // The store is written too (classifications): the page must not replace it, nor the
        // model.
        check_outputs(
            &[Named {
                flag: "--report",
                path: r,
            }],
            &[
                Named {
                    flag: "--store",
                    path: &args.store,
                },
                Named {
                    flag: "--model",
                    path: &spec.path,
                },
            ],
        )?;
    }
    let (model, sha) = AnyModel::load_with_digest(&spec.path)?;
    let mut store = Store::open(&args.store)?;
    let spin = progress::spinner("classifying", g.quiet);
    ingest::classify_stored(&mut store, &spec.name, &model, &sha, |n| {
        spin.set_message(format!("classified {n}"))
    })?;
    spin.finish_and_clear();
    let analyzer = model.scorer().vectorizer().analyzer();
    let (stories, undated) = trends::stories_from_store(
        &store,
        &spec.name,
        analyzer,
        args.by,
        args.since.as_deref(),
        args.until.as_deref(),
        args.uncovered_below,
    )?;
    if undated > 0 {
        warn(
            g.quiet,
            &format!("{undated} article(s) without a publication date are not counted"),
        );
    }
    let mut t = trends::trends(&stories);
    let spin = progress::spinner("clustering the stories no theme covers", g.quiet);
    t.emerging = trends::emerging::subjects(&stories, &t, args.seed)?;
    spin.finish_and_clear();
    if let Some(path) = &args.report {
        let meta = ReportMeta {
            store: args.store.file_name().map_or_else(
                || args.store.display().to_string(),
                |n| n.to_string_lossy().into(),
            ),
            model: spec.name.clone(),
            model_sha256: sha.clone(),
            by: args.by,
            since: args.since.clone(),
            until: args.until.clone(),
            undated,
            veille_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        write_atomic(path, report::render(&t, &meta).as_bytes())
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    if args.json {
        let mut v = serde_json::to_value(&t)?;
        v["by"] = serde_json::to_value(args.by)?;
        v["undated"] = undated.into();
        sayln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let mut header: Vec<String> = vec!["period".into(), "stories".into()];
    header.extend(t.themes.iter().map(|s| s.theme.clone()));
    header.push("no theme".into());
    let rows: Vec<Vec<String>> = t
        .periods
        .iter()
        .enumerate()
        .map(|(p, name)| {
            let mut row = vec![name.clone(), t.totals[p].to_string()];
            for s in &t.themes {
                let mark = if s.rising[p] { " ↑" } else { "" };
                row.push(format!(
                    "{} ({:.0}%){mark}",
                    s.counts[p],
                    s.shares[p] * 100.0
                ));
            }
            row.push(t.unlabelled[p].to_string());
            row
        })
        .collect();
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    say!("{}", table(&h, &rows));
    if let Some(last) = t.periods.last() {
        sayln!();
        sayln!("rising terms in {last} (log-odds z against the periods before):");
        for s in &t.themes {
            if s.rising_terms.is_empty() {
                continue;
            }
            let terms: Vec<String> = s
                .rising_terms
                .iter()
                .map(|r| format!("{} ({:.1})", r.term, r.z))
                .collect();
            sayln!("  {}: {}", s.theme, terms.join(", "));
        }
    }
    if !t.emerging.is_empty() {
        sayln!();
        sayln!("emerging subjects (stories no theme covers, clustered; rising in the last period first):");
        let rows: Vec<Vec<String>> = t
            .emerging
            .iter()
            .map(|s| {
                let last = s.counts.last().copied().unwrap_or(0);
                let mark = match (s.new, s.rising) {
                    (true, _) => " new",
                    (false, true) => " ↑",
                    _ => "",
                };
                vec![
                    s.name.clone(),
                    s.stories.to_string(),
                    format!("{last}{mark}"),
                    s.examples
                        .first()
                        .map(|e| clip(&e.title, 60))
                        .unwrap_or_default(),
                ]
            })
            .collect();
        say!(
            "{}",
            table(&["subject", "stories", "last period", "example"], &rows)
        );
    }
    Ok(())
}

/// `s` cut to `n` characters, with an ellipsis when cut.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n - 1).collect();
    out.push('…');
    out
}
