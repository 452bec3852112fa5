//! `veille watch`: the ingest round (the library's `watch::run_round`) on a list of feeds,
//! every period, until Ctrl-C or SIGTERM.

use super::ingest::{failed_line, round_events, RoundArgs};
use super::paths::Named;
use super::{Global, UsageError};
use crate::store::Store;
use crate::watch::{run_round, RoundReport};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The shortest period between rounds.
const MIN_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The list of feeds: one URL or file per line (files relative to the list's folder);
    /// blank lines and lines starting with # are ignored. Read again before every round.
    #[arg(long, value_name = "FILE")]
    feeds: PathBuf,
    /// The store (an SQLite file, created when missing).
    #[arg(long, value_name = "DB")]
    store: PathBuf,
    /// Time from the start of one round to the start of the next (30m, 1h, 90s, ...).
    #[arg(long, default_value = "30m", value_name = "DURATION", value_parser = parse_every)]
    every: Duration,
    /// Stop after this many rounds (default: run until stopped).
    #[arg(long, value_name = "N")]
    rounds: Option<u64>,
    /// One JSON object per round on stdout (JSON Lines) instead of the summary line.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    round: RoundArgs,
}

fn parse_every(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (e.g. 30m, 1h, 90s)"))?;
    if d < MIN_EVERY {
        return Err(format!("at least {}s", MIN_EVERY.as_secs()));
    }
    Ok(d)
}

/// The sources of a feeds list, or why the list cannot be used (naming file and line).
fn read_feeds(list: &Path) -> Result<Vec<String>, UsageError> {
    let text = std::fs::read_to_string(list)
        .map_err(|e| UsageError(format!("{}: {e}", list.display())))?;
    let base = list.parent().unwrap_or(Path::new(""));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("{}:{}", list.display(), i + 1);
        if line.contains(char::is_whitespace) {
            return Err(UsageError(format!(
                "{}: one URL or file per line, got \"{line}\"",
                at()
            )));
        }
        if line.contains("://") {
            if !crate::corpus::fetch::is_url(line) {
                return Err(UsageError(format!(
                    "{}: not an http(s) URL: \"{line}\"",
                    at()
                )));
            }
            out.push(line.to_string());
        } else {
            out.push(base.join(line).display().to_string());
        }
    }
    if out.is_empty() {
        return Err(UsageError(format!("{}: no feed listed", list.display())));
    }
    Ok(out)
}

pub fn run(args: WatchArgs, g: &Global) -> anyhow::Result<()> {
    args.round.check_store(
        &args.store,
        vec![Named {
            flag: "--feeds",
            path: &args.feeds,
        }],
    )?;
    let mut feeds = read_feeds(&args.feeds)?;
    let round = args.round.prepare()?;
    let mut store = Store::open(&args.store)?;
    // Ctrl-C or SIGTERM: finish the source being read, group, classify, stop. A second one
    // ends the process at once (every committed batch is safe in the store).
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&stop))
            .and_then(|_| signal_hook::flag::register(sig, Arc::clone(&stop)))
            .map_err(|e| anyhow::anyhow!("cannot handle signals: {e}"))?;
    }
    let stopped = || stop.load(Ordering::SeqCst);
    let mut n = 0u64;
    loop {
        n += 1;
        let started = Instant::now();
        let at = crate::store::now_rfc3339();
        // The list is read again each round: edit it without restarting; a list made invalid
        // keeps the previous one, with a warning.
        match read_feeds(&args.feeds) {
            Ok(f) => feeds = f,
            Err(e) => super::warn(g.quiet, &format!("{e}; the previous list is used")),
        }
        let report = run_round(
            &mut store,
            &feeds,
            &round.models,
            &round.opts,
            &round.fetcher,
            &stopped,
            &mut round_events(g),
        )?;
        let last = args.rounds.is_some_and(|r| n >= r) || stopped();
        let next =
            (!last).then(|| chrono::Utc::now() + args.every.saturating_sub(started.elapsed()));
        summary(&args, g, n, &at, &report, next)?;
        if last {
            break;
        }
        // Sleep until the next round, awake to a stop.
        loop {
            let left = args.every.saturating_sub(started.elapsed());
            if left.is_zero() || stopped() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
        if stopped() {
            break;
        }
    }
    if stopped() && !g.quiet {
        super::eprint_line(&format!(
            "stopped after {n} round(s); {} is up to date",
            args.store.display()
        ));
    }
    Ok(())
}

/// A round's summary: failed sources on stderr, then one line (or one JSON object).
fn summary(
    args: &WatchArgs,
    g: &Global,
    n: u64,
    at: &str,
    r: &RoundReport,
    next: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<()> {
    let next = next.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    for s in &r.sources {
        if let Some(why) = &s.failed {
            super::warn(g.quiet, &failed_line(&s.source, why));
        }
    }
    if args.json {
        let mut v = serde_json::to_value(r)?;
        v["round"] = n.into();
        v["started"] = at.into();
        v["added"] = r.added().into();
        v["failed"] = r.failed().into();
        v["next"] = next.clone().into();
        sayln!("{}", serde_json::to_string(&v)?);
        std::io::Write::flush(&mut std::io::stdout()).map_err(super::StdoutError)?;
        return Ok(());
    }
    if g.quiet {
        return Ok(());
    }
    let classified: Vec<String> = r
        .classified
        .iter()
        .map(|c| format!("{} classified by {}", c.classified, c.model))
        .collect();
    let failed = match r.failed() {
        0 => String::new(),
        f => format!(" ({f} failed)"),
    };
    super::eprint_line(&format!(
        "round {n} at {at}: {} source(s){failed}, {} read, {} new{}{}; store: {} article(s), {} stories{}",
        r.sources.len(),
        r.read(),
        r.added(),
        if classified.is_empty() { String::new() } else { format!(", {}", classified.join(", ")) },
        if r.interrupted { ", stopped early" } else { "" },
        r.articles,
        r.stories,
        match &next {
            Some(t) => format!("; next round at {t}"),
            None => String::new(),
        }
    ));
    Ok(())
}
