//! The streaming classify loop shared by `veille classify` and the HTTP service: sources of
//! articles in, batches of classified articles out to a sink, in input order, in bounded
//! memory.

use super::{Classification, ClassifyOptions, Scorer, Session};
use crate::corpus::{Batches, CorpusError, Document};
use std::collections::BTreeMap;

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

/// Classify every article of `sources`, in order, handing each batch with its results to
/// `sink`.
pub fn classify_stream<E: std::error::Error + 'static>(
    scorer: &dyn Scorer,
    sources: Vec<Batches>,
    opts: &ClassifyOptions,
    mut on_bad: OnBad<'_>,
    mut sink: impl FnMut(&[Document], &[Classification]) -> Result<(), E>,
) -> Result<StreamReport, StreamError<E>> {
    let session = Session::new(scorer);
    let mut report = StreamReport::default();
    let mut batch: Vec<Document> = Vec::with_capacity(BATCH);
    let mut read: Vec<Result<Document, CorpusError>> = Vec::with_capacity(BATCH);
    let mut flush =
        |batch: &mut Vec<Document>, report: &mut StreamReport| -> Result<(), StreamError<E>> {
            let texts: Vec<&str> = batch.iter().map(|d| d.text.as_str()).collect();
            let results = session.classify_batch(&texts, opts);
            for c in &results {
                if !c.language_supported {
                    *report.other_languages.entry(c.language).or_default() += 1;
                }
            }
            sink(batch, &results).map_err(StreamError::Sink)?;
            report.articles += batch.len();
            batch.clear();
            Ok(())
        };
    let mut failure: Option<CorpusError> = None;
    'sources: for mut source in sources {
        loop {
            read.clear();
            let more = source.next_batch(BATCH, &mut read);
            for d in read.drain(..) {
                match d {
                    Ok(d) => batch.push(d),
                    Err(e) => match &mut on_bad {
                        OnBad::Skip(f) if e.is_record_error() => {
                            f(&e);
                            report.skipped += 1;
                        }
                        _ => {
                            failure = Some(e);
                            break 'sources;
                        }
                    },
                }
            }
            if batch.len() >= BATCH {
                flush(&mut batch, &mut report)?;
            }
            if !more {
                break;
            }
        }
    }
    if !batch.is_empty() {
        flush(&mut batch, &mut report)?;
    }
    match failure {
        Some(e) => Err(StreamError::Input(e)),
        None => Ok(report),
    }
}
