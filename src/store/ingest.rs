//! Articles into the store, stored articles through a model, and the store out as JSON Lines:
//! the library side of `veille ingest` and `veille export`.

use super::{NewArticle, Store, StoreError, StoredClassification};
use crate::corpus::{Batches, CorpusError, Document, Labels};
use crate::model::{AnyModel, ClassifyOptions, OnBad, Session};
use serde_json::{Map, Value};
use std::io::Write;

/// Articles stored per transaction.
pub const BATCH: usize = 1000;

/// What ingesting one source did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SourceReport {
    /// The source (a file, a folder, a URL).
    pub source: String,
    /// Articles read from it.
    pub read: usize,
    /// New articles stored.
    pub added: usize,
    /// Articles already in the store (same URL or same text).
    pub duplicates: usize,
    /// Bad records skipped.
    pub skipped: usize,
    /// Pages and feeds of a folder skipped unread: their bytes have not changed since the
    /// store read them.
    pub unchanged: usize,
    /// Why the source failed, when it did (what it gave before is stored).
    pub failed: Option<String>,
}

/// Why an ingest stopped.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bad record, and skipping was not asked for; what came before it is stored.
    #[error(transparent)]
    Input(#[from] CorpusError),
    /// Near-duplicate settings that cannot work.
    #[error(transparent)]
    Dedup(#[from] crate::dedup::DedupError),
    /// The output of `export` failed.
    #[error("cannot write: {0}")]
    Write(std::io::Error),
}

impl IngestError {
    /// Whose failure it is.
    pub fn class(&self) -> crate::ErrorClass {
        match self {
            IngestError::Store(e) => e.class(),
            IngestError::Input(e) => e.class(),
            IngestError::Dedup(e) => e.class(),
            IngestError::Write(_) => crate::ErrorClass::Internal,
        }
    }
}

/// Store the articles of one source, [`BATCH`] per transaction. Bad records are handled as
/// `on_bad` says (as in [`crate::model::classify_stream`]); one that stops the source does so
/// after every batch before it is committed.
pub fn ingest_documents(
    store: &mut Store,
    source: &str,
    mut batches: Batches,
    mut on_bad: OnBad<'_>,
    mut progress: impl FnMut(&SourceReport),
) -> Result<SourceReport, IngestError> {
    let mut report = SourceReport {
        source: source.to_string(),
        ..Default::default()
    };
    let mut read: Vec<Result<Document, CorpusError>> = Vec::with_capacity(BATCH);
    let mut pending: Vec<NewArticle> = Vec::with_capacity(BATCH);
    let mut flush = |pending: &mut Vec<NewArticle>, report: &mut SourceReport| {
        let r = store.insert_batch(pending)?;
        report.added += r.added.len();
        report.duplicates += r.duplicates;
        pending.clear();
        Ok::<_, StoreError>(())
    };
    loop {
        read.clear();
        let more = batches.next_batch(BATCH, &mut read);
        for d in read.drain(..) {
            match d {
                Ok(doc) => {
                    report.read += 1;
                    pending.push(NewArticle::from_document(doc, source));
                }
                Err(e) => match &mut on_bad {
                    OnBad::Skip(f) if e.is_record_error() => {
                        f(&e);
                        report.skipped += 1;
                    }
                    _ => {
                        flush(&mut pending, &mut report)?;
                        // The caller's last progress counts what is stored.
                        progress(&report);
                        return Err(e.into());
                    }
                },
            }
        }
        flush(&mut pending, &mut report)?;
        progress(&report);
        if !more {
            return Ok(report);
        }
    }
}

/// Classify every stored article this model file has not classified yet, page by page, and
/// record the results under `name`. Returns how many were classified.
pub fn classify_stored(
    store: &mut Store,
    name: &str,
    model: &AnyModel,
    model_sha256: &str,
    mut progress: impl FnMut(usize),
) -> Result<usize, StoreError> {
    let scorer = model.scorer();
    let session = Session::new(scorer);
    let multi = matches!(model, AnyModel::Classifier(m) if m.is_multilabel());
    let opts = ClassifyOptions {
        n_terms: 0,
        n_passages: 0,
        ..Default::default()
    };
    let mut after = 0;
    let mut done = 0;
    loop {
        let page = store.unclassified(model_sha256, after, crate::model::stream::BATCH)?;
        let Some(&(last, _)) = page.last() else {
            return Ok(done);
        };
        let texts: Vec<&str> = page.iter().map(|(_, t)| t.as_str()).collect();
        let results = session.classify_batch(&texts, &opts);
        let items: Vec<StoredClassification> = page
            .iter()
            .zip(&results)
            .map(|((id, _), c)| {
                let names: Vec<String> = c
                    .labels
                    .iter()
                    .map(|&l| scorer.output_name(l).to_string())
                    .collect();
                let labels = match (multi, names.first()) {
                    (false, Some(first)) => Labels::Single(first.clone()),
                    _ => Labels::Multi(names),
                };
                StoredClassification {
                    article_id: *id,
                    labels,
                    scores: c
                        .scores
                        .iter()
                        .map(|&(l, s)| {
                            (
                                scorer.output_name(l).to_string(),
                                crate::model::record::round4(s),
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        store.record_classifications(name, model_sha256, &items)?;
        done += items.len();
        progress(done);
        after = last;
    }
}

/// Write every stored article as one JSON line in the shape `veille train` reads: `id`,
/// `text`, the labels (those model `labels_from` gave, else those the input carried, else
/// none), then `title`, `url`, `published`, `author`, `source`, `language`, `duplicate_of` (the
/// id of its group's canonical article, for a copy) and the input's other fields.
pub fn export(
    store: &Store,
    labels_from: Option<&str>,
    out: &mut dyn Write,
) -> Result<usize, IngestError> {
    let mut n = 0;
    // A copy may come before its canonical article (rows are in ingest order, canonical is
    // the earliest published): their ids are read first.
    let canonical = store.canonical_ids()?;
    store.for_each_article(|a| {
        let id = a
            .article
            .ext_id
            .clone()
            .unwrap_or_else(|| format!("store:{}", a.id));
        let mut obj = Map::new();
        obj.insert("id".into(), Value::from(id.clone()));
        obj.insert("text".into(), Value::from(a.article.text.as_str()));
        let labels = match labels_from {
            Some(model) => store.labels_by(a.id, model)?,
            None => a.article.labels.clone(),
        };
        match labels {
            Some(Labels::Single(l)) => {
                obj.insert("label".into(), Value::from(l));
            }
            Some(Labels::Multi(ls)) => {
                obj.insert("labels".into(), Value::from(ls));
            }
            None => {}
        }
        let art = &a.article;
        for (k, v) in [
            ("title", &art.title),
            ("url", &art.url),
            ("published", &art.published),
            ("author", &art.author),
            ("language", &art.language),
        ] {
            if let Some(v) = v {
                obj.insert(k.into(), Value::from(v.as_str()));
            }
        }
        obj.insert("source".into(), Value::from(art.source.as_str()));
        if let Some(g) = a.dup_group.filter(|&g| g != a.id) {
            let of = canonical
                .get(&g)
                .cloned()
                .unwrap_or_else(|| format!("store:{g}"));
            obj.insert("duplicate_of".into(), Value::from(of));
        }
        for (k, v) in &art.extra {
            obj.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let line = Value::Object(obj).to_string();
        writeln!(out, "{line}").map_err(IngestError::Write)?;
        n += 1;
        Ok::<(), IngestError>(())
    })?;
    Ok(n)
}

/// Group the stored articles into near-duplicates (see [`crate::dedup`]) and record each
/// article's group (its canonical member: the earliest published). Returns the number of
/// groups and of articles that are copies.
pub fn group_duplicates(
    store: &mut Store,
    config: &crate::dedup::DedupConfig,
) -> Result<(usize, usize), IngestError> {
    let deduper = crate::dedup::Deduper::new(config.clone())?;
    let rows = store.texts_by_date()?;
    let texts: Vec<&str> = rows.iter().map(|(_, t)| t.as_str()).collect();
    let groups = deduper.groups(&texts);
    let canon = groups.canonicals();
    let pairs: Vec<(i64, i64)> = rows
        .iter()
        .zip(&canon)
        .map(|((id, _), &c)| (*id, rows[c].0))
        .collect();
    let copies = pairs.iter().filter(|(a, b)| a != b).count();
    store.set_groups(&pairs)?;
    Ok((groups.len(), copies))
}
