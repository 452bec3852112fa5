//! Group the near-duplicates of a JSON Lines file and print the groups.
//!
//! ```sh
//! cargo run --release --example dedup -- articles.jsonl [--field text] [--id-field id]
//!     [--threshold 0.5] [--shingle 3] [--num-perm 128] [--bands 32] [--rows 4] [--seed 0]
//!     [--incremental] [--quiet]
//! ```
//!
//! Output: one JSON line per group (singletons included), in order of their canonical
//! member: `{"canonical": id, "size": n, "members": [id, ...]}`. On stderr, unless `--quiet`:
//! counts and the time taken by de-duplication alone (reading excluded), as one JSON object.

use clap::Parser;
use std::io::{BufRead, BufWriter, Write};
use std::time::Instant;
use veille::dedup::{DedupConfig, Deduper};

#[derive(Parser)]
struct Args {
    /// JSON Lines input (one article an object).
    path: std::path::PathBuf,
    /// Field holding the text.
    #[arg(long, default_value = "text")]
    field: String,
    /// Field holding the id (the line number when absent).
    #[arg(long, default_value = "id")]
    id_field: String,
    #[arg(long)]
    threshold: Option<f64>,
    #[arg(long)]
    shingle: Option<usize>,
    #[arg(long)]
    num_perm: Option<usize>,
    #[arg(long)]
    bands: Option<usize>,
    #[arg(long)]
    rows: Option<usize>,
    #[arg(long)]
    seed: Option<u64>,
    /// Insert articles one at a time into an index instead of grouping them in one batch.
    #[arg(long)]
    incremental: bool,
    /// No summary on stderr.
    #[arg(long)]
    quiet: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let d = DedupConfig::default();
    let config = DedupConfig {
        threshold: args.threshold.unwrap_or(d.threshold),
        shingle: args.shingle.unwrap_or(d.shingle),
        num_perm: args.num_perm.unwrap_or(d.num_perm),
        bands: args.bands.unwrap_or(d.bands),
        rows: args.rows.unwrap_or(d.rows),
        seed: args.seed.unwrap_or(d.seed),
    };
    let deduper = Deduper::new(config.clone())?;

    let t0 = Instant::now();
    let file = std::fs::File::open(&args.path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.path.display()))?;
    let (mut ids, mut texts) = (Vec::new(), Vec::new());
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let at = || format!("{}:{}", args.path.display(), n + 1);
        let line = line.map_err(|e| anyhow::anyhow!("{}: {e}", at()))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| anyhow::anyhow!("{}: {e}", at()))?;
        let text = v
            .get(&args.field)
            .and_then(|t| t.as_str())
            .ok_or_else(|| anyhow::anyhow!("{}: no string field `{}`", at(), args.field))?;
        let id = match v.get(&args.id_field) {
            Some(serde_json::Value::String(s)) => serde_json::Value::String(s.clone()),
            Some(other) if !other.is_null() => other.clone(),
            _ => serde_json::Value::from(n + 1),
        };
        ids.push(id);
        texts.push(text.to_string());
    }
    let read = t0.elapsed();

    let t1 = Instant::now();
    let groups = if args.incremental {
        let mut index = deduper.index::<usize>();
        for (i, t) in texts.iter().enumerate() {
            index.insert(i, t);
        }
        index.groups()
    } else {
        deduper.groups(&texts)
    };
    let dedup = t1.elapsed();

    let mut out = BufWriter::new(std::io::stdout().lock());
    for g in groups.iter() {
        let members: Vec<&serde_json::Value> = g.members.iter().map(|&m| &ids[m]).collect();
        let line = serde_json::json!({
            "canonical": ids[g.canonical],
            "size": g.members.len(),
            "members": members,
        });
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    if !args.quiet {
        let summary = serde_json::json!({
            "articles": texts.len(),
            "groups": groups.len(),
            "duplicate_groups": groups.duplicates().count(),
            "read_s": read.as_secs_f64(),
            "dedup_s": dedup.as_secs_f64(),
            "threads": rayon::current_num_threads(),
            "config": config,
        });
        eprintln!("{summary}");
    }
    Ok(())
}
