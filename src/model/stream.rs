//! The streaming classify loop shared by `veille classify` and the HTTP service: sources of
//! articles in, batches of classified articles out to a sink, in input order, in bounded
//! memory.
//!
//! Reading is pipelined with classifying: the next batch is read and parsed while the
//! current one is classified and handed to the sink (`rayon::join`, so the pool's threads
//! share both and `--threads 1` runs them one after the other), and the first batch can be
//! read before the model is loaded ([`Sources::read_ahead`], and the second too while the
//! model is still loading). At most two batches are held at once.

use super::{Classification, ClassifyOptions, Scorer, Session};
use crate::corpus::{Batches, CorpusError, Document};
use std::collections::{BTreeMap, VecDeque};

/// Articles classified together (parallel within a batch).
pub const BATCH: usize = 4096;

/// What a classify run met.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StreamReport {
    /// Articles classified.
    pub articles: usize,
    /// Bad records skipped (only when asked to skip them).
    pub skipped: usize,
    /// Articles in a language the model was not trained on, by language code.
    pub other_languages: BTreeMap<&'static str, usize>,
}

/// Why a classify run stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError<E: std::error::Error + 'static> {
    /// A bad record or an unreadable source; every article before it was delivered.
    #[error(transparent)]
    Input(#[from] CorpusError),
    /// The sink failed.
    #[error(transparent)]
    Sink(E),
}

/// How bad records are handled.
pub enum OnBad<'f> {
    /// Stop at the first (after delivering every article before it).
    Stop,
    /// Skip record errors, telling this function (I/O errors still stop the run).
    Skip(&'f mut dyn FnMut(&CorpusError)),
}

/// One read of up to [`BATCH`] records, in input order.
struct Read {
    items: Vec<Result<Document, CorpusError>>,
    /// Whether the source may have more.
    more: bool,
}

/// The sources of a classify run, in order, with the next batches possibly read already.
pub struct Sources {
    queue: VecDeque<Batches>,
    /// Batches read ahead (at most [`AHEAD`]), in order.
    ahead: VecDeque<Read>,
}

/// Batches [`Sources::read_ahead_while`] reads before classifying starts: the two that
/// [`classify_stream`] holds at most.
const AHEAD: usize = 2;

impl From<Vec<Batches>> for Sources {
    fn from(sources: Vec<Batches>) -> Self {
        Sources {
            queue: sources.into(),
            ahead: VecDeque::new(),
        }
    }
}

impl Sources {
    /// Read (and parse) the first batch now, for instance on one thread while the model
    /// loads on another; [`classify_stream`] starts from it.
    pub fn read_ahead(&mut self) {
        self.read_ahead_while(|| false);
    }

    /// Like [`Sources::read_ahead`], then the second batch too if `busy()` still says so
    /// (the model is still loading: the core would otherwise wait). [`classify_stream`] then
    /// reads nothing beside the first batch, so that two batches at most are held.
    pub fn read_ahead_while(&mut self, busy: impl Fn() -> bool) {
        while self.ahead.len() < AHEAD && (self.ahead.is_empty() || busy()) {
            // Past the end, or after an error (which ends the run), there is nothing to read.
            if let Some(last) = self.ahead.back() {
                if !last.more || last.items.iter().any(Result::is_err) {
                    return;
                }
            }
            match self.read() {
                Some(r) => self.ahead.push_back(r),
                None => return,
            }
        }
    }

    /// The next batch: up to [`BATCH`] records from the current source and, when it ends
    /// short of that, from the ones after it (many small files make full batches); `None`
    /// when every source is done. A read stops early at an error, which ends a run unless
    /// it is a skipped record.
    fn read(&mut self) -> Option<Read> {
        self.queue.front()?;
        let mut items = Vec::with_capacity(BATCH);
        while let Some(source) = self.queue.front_mut() {
            let more = source.next_batch(BATCH - items.len(), &mut items);
            if !more {
                self.queue.pop_front();
            }
            if items.len() >= BATCH || items.iter().any(Result::is_err) {
                break;
            }
        }
        Some(Read {
            items,
            more: !self.queue.is_empty(),
        })
    }

    fn next(&mut self) -> Option<Read> {
        self.ahead.pop_front().or_else(|| self.read())
    }
}

/// Classify every article of `sources`, in order, handing each batch with its results to
/// `sink`. The sink gets a batch as soon as it is classified (the next batch may still be
/// being read), so a slow source delays nothing that was read before it.
pub fn classify_stream<E: std::error::Error + Send + 'static>(
    scorer: &dyn Scorer,
    sources: impl Into<Sources>,
    opts: &ClassifyOptions,
    mut on_bad: OnBad<'_>,
    mut sink: impl FnMut(&[Document], &[Classification]) -> Result<(), E> + Send,
) -> Result<StreamReport, StreamError<E>> {
    let mut sources = sources.into();
    let session = Session::new(scorer);
    let mut report = StreamReport::default();
    let mut next = sources.next();
    // The last batch and its results, freed on the reading side of the next join (freeing
    // thousands of small allocations is not free).
    let mut done: Option<(Vec<Document>, Vec<Classification>)> = None;
    while let Some(Read { items, more }) = next.take() {
        let mut batch: Vec<Document> = Vec::with_capacity(items.len());
        let mut failure = None;
        for d in items {
            match d {
                Ok(d) => batch.push(d),
                Err(e) => match &mut on_bad {
                    OnBad::Skip(f) if e.is_record_error() => {
                        f(&e);
                        report.skipped += 1;
                    }
                    _ => {
                        failure = Some(e);
                        break;
                    }
                },
            }
        }
        let texts: Vec<&str> = batch.iter().map(|d| d.text.as_str()).collect();
        let other_languages = &mut report.other_languages;
        let mut deliver = || -> Result<Vec<Classification>, E> {
            let results = session.classify_batch(&texts, opts);
            for c in &results {
                if !c.language_supported {
                    *other_languages.entry(c.language).or_default() += 1;
                }
            }
            if !batch.is_empty() {
                sink(&batch, &results)?;
            }
            Ok(results)
        };
        // The next batch is read while this one is classified and delivered, unless this one
        // ends the run.
        let results = if more && failure.is_none() {
            let last = done.take();
            let (results, read) = rayon::join(deliver, || {
                drop(last);
                sources.next()
            });
            next = read;
            results
        } else {
            deliver()
        }
        .map_err(StreamError::Sink)?;
        report.articles += batch.len();
        if let Some(e) = failure {
            return Err(StreamError::Input(e));
        }
        drop(texts);
        done = Some((batch, results));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Fields, JsonlReader};
    use std::path::Path;

    /// A JSON Lines source of `n` tiny records, and one that fails at record `bad`.
    fn source(n: usize, bad: Option<usize>) -> Batches {
        let mut text = String::new();
        for i in 0..n {
            if Some(i) == bad {
                text.push_str("not json\n");
            } else {
                text.push_str(&format!("{{\"text\": \"article {i}\"}}\n"));
            }
        }
        let reader: Box<dyn std::io::BufRead + Send> = Box::new(std::io::Cursor::new(text));
        Batches::Jsonl(JsonlReader::new(
            reader,
            Path::new("t.jsonl"),
            Fields::default(),
        ))
    }

    fn ahead(sources: Vec<Batches>, busy: bool) -> Vec<usize> {
        let mut s = Sources::from(sources);
        s.read_ahead_while(|| busy);
        s.ahead.iter().map(|r| r.items.len()).collect()
    }

    #[test]
    fn the_second_batch_is_read_ahead_only_while_busy_and_never_a_third() {
        let n = 2 * BATCH + 10;
        assert_eq!(ahead(vec![source(n, None)], false), [BATCH]);
        assert_eq!(ahead(vec![source(n, None)], true), [BATCH, BATCH]);
        // A short source, or two that end within the first batch: nothing more to read.
        assert_eq!(ahead(vec![source(10, None)], true), [10]);
        assert_eq!(ahead(vec![source(10, None), source(5, None)], true), [15]);
        // A bad record may end the run: nothing is read after the batch that holds it.
        assert_eq!(ahead(vec![source(n, Some(3))], true), [BATCH]);
        // What was read ahead comes out in order, then the rest.
        let mut s = Sources::from(vec![source(n, None)]);
        s.read_ahead_while(|| true);
        let sizes: Vec<usize> = std::iter::from_fn(|| s.next().map(|r| r.items.len())).collect();
        assert_eq!(sizes, [BATCH, BATCH, 10]);
    }
}
