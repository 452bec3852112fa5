//! The watch: sources read into the store, near-duplicates grouped, new articles classified.
//!
//! [`run_round`] is one round: `veille ingest` runs it once on the sources it is given,
//! `veille watch` runs it every period on the feeds of its list. A source is an `http(s)` URL
//! of a feed or page (fetched conditionally when the store has its validators), a local feed
//! (RSS, Atom, a JSON Feed's `.json`) or page, a folder of them (read in parallel; a file
//! unchanged since the store read it is skipped unparsed), or a file the corpus readers take.
//! Its articles are stored [`BATCH`](crate::store::ingest::BATCH) per transaction; a source
//! that fails is reported in the round's [`RoundReport`] and the round goes on with the next.
//! Then the store's near-duplicate groups are brought up to date and every article a model has
//! not classified yet is classified and the result stored.

mod sources;

use crate::corpus::fetch::Fetcher;
use crate::corpus::{CorpusError, Fields};
use crate::dedup::DedupConfig;
use crate::model::{AnyModel, OnBad};
use crate::store::ingest::{self, IngestError, SourceReport};
use crate::store::Store;
use serde::Serialize;

/// A model that classifies the stored articles, under the name the store records.
pub struct WatchModel {
    /// Its name in the store (`trends --model NAME=...` reads its classifications).
    pub name: String,
    /// SHA-256 of its file: an article is classified once per model file.
    pub sha256: String,
    /// The model.
    pub model: AnyModel,
}

/// How a round reads its sources.
#[derive(Debug, Clone)]
pub struct RoundOptions {
    /// Fields of JSON Lines and CSV sources.
    pub fields: Fields,
    /// Skip bad records (with a warning) instead of failing their source.
    pub skip_bad: bool,
    /// Replace a feed item's summary by the main text of the page it links to.
    pub fetch_pages: bool,
    /// Near-duplicate grouping.
    pub dedup: DedupConfig,
    /// The largest local feed or page read, in bytes (as the fetcher's cap for a response).
    pub max_bytes: u64,
}

impl Default for RoundOptions {
    fn default() -> Self {
        RoundOptions {
            fields: Fields::default(),
            skip_bad: false,
            fetch_pages: false,
            dedup: DedupConfig::default(),
            max_bytes: crate::corpus::fetch::FetchConfig::default().max_bytes,
        }
    }
}

/// What a round tells as it goes (for progress bars and warnings).
#[derive(Debug)]
pub enum Event<'a> {
    /// A source is being read.
    Source(&'a str),
    /// A batch of the current source is stored.
    Stored(&'a SourceReport),
    /// Something read with a fault, or a record skipped: one line naming its source.
    Warning(String),
    /// Near-duplicate groups are being brought up to date.
    Grouping,
    /// A model is classifying: its name and the articles done so far.
    Classifying(&'a str, usize),
    /// The round is over.
    Done,
}

/// What a model classified in a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classified {
    /// The model's name.
    pub model: String,
    /// SHA-256 of its file.
    pub sha256: String,
    /// Articles classified.
    pub classified: usize,
}

/// What a round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RoundReport {
    /// Per source, in the order given.
    pub sources: Vec<SourceReport>,
    /// Per model.
    pub classified: Vec<Classified>,
    /// Articles in the store after the round.
    pub articles: u64,
    /// Stories (near-duplicate groups, an article alone counting as one).
    pub stories: usize,
    /// Articles that are near-duplicate copies of an earlier one.
    pub copies: usize,
    /// Whether the round stopped early (asked to stop): the sources not read are not listed.
    pub interrupted: bool,
}

impl RoundReport {
    /// New articles stored.
    pub fn added(&self) -> usize {
        self.sources.iter().map(|s| s.added).sum()
    }
    /// Articles read.
    pub fn read(&self) -> usize {
        self.sources.iter().map(|s| s.read).sum()
    }
    /// Articles read that the store already had.
    pub fn duplicates(&self) -> usize {
        self.sources.iter().map(|s| s.duplicates).sum()
    }
    /// Sources that failed.
    pub fn failed(&self) -> usize {
        self.sources.iter().filter(|s| s.failed.is_some()).count()
    }
}

/// One round: read `sources` (paths or URLs) into `store`, group near-duplicates, classify
/// what `models` have not classified. `stop` is asked between sources: when it says so, the
/// round ends there (what was read is stored, grouped and classified). A source that fails is
/// in the report with its reason; errors of the store stop the round.
pub fn run_round(
    store: &mut Store,
    sources: &[String],
    models: &[WatchModel],
    opts: &RoundOptions,
    fetcher: &Fetcher,
    stop: &dyn Fn() -> bool,
    events: &mut dyn FnMut(Event<'_>),
) -> Result<RoundReport, IngestError> {
    let reading = sources::Reading {
        fields: &opts.fields,
        fetcher,
        fetch_pages: opts.fetch_pages,
        max_bytes: opts.max_bytes,
    };
    let mut report = RoundReport::default();
    for source in sources {
        if stop() {
            report.interrupted = true;
            break;
        }
        events(Event::Source(source));
        let mut warnings = Vec::new();
        let opened = sources::open(source, store, &reading, &mut |w| warnings.push(w));
        for w in warnings {
            events(Event::Warning(w));
        }
        let sources::Opened { batches, files } = match opened {
            Ok(o) => o,
            Err(why) => {
                report.sources.push(SourceReport {
                    source: source.clone(),
                    failed: Some(why),
                    ..Default::default()
                });
                continue;
            }
        };
        // Skipped records are warned about after the batch (the callback cannot borrow
        // `events` while the store's progress does).
        let mut skipped: Vec<String> = Vec::new();
        let mut skip = |e: &CorpusError| skipped.push(format!("skipped: {e}"));
        let on_bad = if opts.skip_bad {
            OnBad::Skip(&mut skip)
        } else {
            OnBad::Stop
        };
        let mut last = SourceReport {
            source: source.clone(),
            ..Default::default()
        };
        let mut r = ingest::ingest_documents(store, source, batches, on_bad, |r| {
            events(Event::Stored(r));
            last = r.clone();
        });
        for w in skipped {
            events(Event::Warning(w));
        }
        // A folder's files whose articles are now stored are remembered, to be skipped
        // while unchanged.
        if let (Some(files), false) = (files, matches!(r, Err(IngestError::Store(_)))) {
            let files = std::mem::take(&mut *files.lock().unwrap_or_else(|e| e.into_inner()));
            store.record_files(&files.read)?;
            match &mut r {
                Ok(rep) => rep.unchanged = files.unchanged,
                Err(_) => last.unchanged = files.unchanged,
            }
        }
        match r {
            Ok(r) => report.sources.push(r),
            // What the source gave before the bad record is stored (and counted); the round
            // goes on.
            Err(IngestError::Input(e)) => {
                last.failed = Some(e.to_string());
                report.sources.push(last);
            }
            Err(e) => return Err(e),
        }
    }
    events(Event::Grouping);
    let (stories, copies) = ingest::group_duplicates(store, &opts.dedup)?;
    for m in models {
        events(Event::Classifying(&m.name, 0));
        let n = ingest::classify_stored(store, &m.name, &m.model, &m.sha256, |n| {
            events(Event::Classifying(&m.name, n))
        })?;
        report.classified.push(Classified {
            model: m.name.clone(),
            sha256: m.sha256.clone(),
            classified: n,
        });
    }
    report.articles = store.count()?;
    report.stories = stories;
    report.copies = copies;
    events(Event::Done);
    Ok(report)
}
