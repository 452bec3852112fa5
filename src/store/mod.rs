//! The article store of the watch: one SQLite file (bundled SQLite, WAL mode), with each
//! article's source, URL, dates, text and metadata, the digest of its raw input, its
//! near-duplicate group, and its classifications by named models (model digest, labels,
//! scores), so that re-classifying with a new model does not fetch again.
//!
//! Writes go in one transaction per batch: an interrupted ingest keeps every batch committed
//! before it and no part of the one in flight. Another process can read while one writes (WAL).
//! The same URL, or the same text, is stored once.

pub mod ingest;
pub mod schema;

use crate::corpus::{Document, Labels};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// An article to store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewArticle {
    /// The id the source gave it, if any.
    pub ext_id: Option<String>,
    /// Its URL (canonical when the page says so).
    pub url: Option<String>,
    /// Where it came from: a feed's URL, a file's path.
    pub source: String,
    /// Title.
    pub title: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// Publication date as given (ISO 8601 when known).
    pub published: Option<String>,
    /// Language code, when known.
    pub language: Option<String>,
    /// The article's text.
    pub text: String,
    /// Labels the input carried (kept for `export`).
    pub labels: Option<Labels>,
    /// Other metadata, passed through to `export`.
    pub extra: Map<String, Value>,
    /// SHA-256 (hex) of the raw input this article was read from.
    pub raw_sha256: String,
}

impl NewArticle {
    /// An article from a document read by one of veille's readers (`source`: its file).
    pub fn from_document(doc: Document, source: &str) -> NewArticle {
        let mut extra = doc.extra;
        let take = |extra: &mut Map<String, Value>, k: &str| match extra.shift_remove(k) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
            Some(other) if !other.is_null() => {
                extra.insert(k.to_string(), other);
                None
            }
            _ => None,
        };
        let url = take(&mut extra, "url").or_else(|| take(&mut extra, "link"));
        let title = take(&mut extra, "title");
        let author = take(&mut extra, "author");
        let published = take(&mut extra, "published").or_else(|| take(&mut extra, "date"));
        let language = take(&mut extra, "language");
        let raw = format!("{}\u{0}{}", doc.id, doc.text);
        NewArticle {
            ext_id: Some(doc.id),
            url,
            source: source.to_string(),
            title,
            author,
            published,
            language,
            raw_sha256: sha256_hex(raw.as_bytes()),
            text: doc.text,
            labels: doc.labels,
            extra,
        }
    }
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The digest that says two texts are the same content: whitespace runs count as one space.
pub fn text_digest(text: &str) -> String {
    let mut h = Sha256::new();
    for (i, w) in text.split_whitespace().enumerate() {
        if i > 0 {
            h.update(b" ");
        }
        h.update(w.as_bytes());
    }
    format!("{:x}", h.finalize())
}

/// A stored article.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredArticle {
    /// Row id in the store.
    pub id: i64,
    /// The article as given.
    pub article: NewArticle,
    /// When it was stored (UTC, RFC 3339).
    pub ingested_at: String,
    /// The id of its group's canonical article (itself when it heads its group).
    pub dup_group: Option<i64>,
}

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InsertReport {
    /// Row ids of the new articles, in input order.
    pub added: Vec<i64>,
    /// Articles already stored (same URL or same text).
    pub duplicates: usize,
}

/// A classification to record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredClassification {
    /// The article's row id.
    pub article_id: i64,
    /// Predicted labels: one for a single-label model, a set for a multi-label one (so that
    /// `export` writes them in the shape `veille train` reads).
    pub labels: Labels,
    /// Label → score.
    pub scores: Vec<(String, f64)>,
}

/// Errors of the store: each names the store's file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file cannot be opened as a store.
    #[error("{}: {source}", path.display())]
    Open {
        /// The store.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The schema cannot be brought to this version.
    #[error("{}: {source}", path.display())]
    Schema {
        /// The store.
        path: PathBuf,
        /// Why.
        source: schema::SchemaError,
    },
    /// The file is not a veille store: not an SQLite database, or an empty file.
    #[error("{}: not a veille store: {reason}", path.display())]
    NotAStore {
        /// The file.
        path: PathBuf,
        /// What it is instead.
        reason: String,
    },
    /// The store cannot be written to (it can still be read, by `veille export`).
    #[error("{}: the store is read-only: {reason}", path.display())]
    ReadOnly {
        /// The store.
        path: PathBuf,
        /// Why it cannot be written.
        reason: String,
    },
    /// A read or write failed.
    #[error("{}: {source}", path.display())]
    Sqlite {
        /// The store.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// A stored value that this veille cannot read back.
    #[error("{}: article {id}: {message}", path.display())]
    Corrupt {
        /// The store.
        path: PathBuf,
        /// The article.
        id: i64,
        /// What is wrong.
        message: String,
    },
}

impl StoreError {
    /// A store that is not one, or one from a newer veille, is the user's to fix; a failing
    /// disk is not.
    pub fn class(&self) -> crate::ErrorClass {
        use rusqlite::ErrorCode::*;
        let code = |e: &rusqlite::Error| e.sqlite_error_code();
        match self {
            StoreError::Schema {
                source:
                    schema::SchemaError::Newer { .. }
                    | schema::SchemaError::Older { .. }
                    | schema::SchemaError::Foreign { .. },
                ..
            }
            | StoreError::NotAStore { .. }
            | StoreError::ReadOnly { .. }
            | StoreError::Corrupt { .. } => crate::ErrorClass::Input,
            StoreError::Open { source, .. }
            | StoreError::Schema {
                source: schema::SchemaError::Sqlite(source),
                ..
            }
            | StoreError::Sqlite { source, .. } => match code(source) {
                Some(NotADatabase | CannotOpen | ReadOnly | PermissionDenied | DatabaseCorrupt) => {
                    crate::ErrorClass::Input
                }
                _ => crate::ErrorClass::Internal,
            },
        }
    }
}

/// Time a writer waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Open a store, creating it or bringing its schema to this version. A file that is not
    /// a store this veille can write (not an SQLite database, an empty file, another
    /// program's database, a newer schema, a read-only file) is refused before anything is
    /// written to it.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        let open = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        check_file(&path)?;
        let mut conn = Connection::open(&path).map_err(open)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open)?;
        // Checked before the pragmas below, which would write to the file.
        schema::check(&conn).map_err(|e| schema_err(&path, e))?;
        // WAL: readers go on while a writer writes; NORMAL sync is durable at each commit's
        // checkpoint and never corrupts.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))
            .map_err(open)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open)?;
        schema::migrate(&mut conn).map_err(|e| schema_err(&path, e))?;
        Ok(Store { conn, path })
    }

    /// Open an existing store to read only (another process may be writing).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        if path.is_dir() {
            return Err(StoreError::NotAStore {
                path,
                reason: "a folder, not a store file".into(),
            });
        }
        if is_empty_store_file(&path) {
            return Err(empty_file(&path));
        }
        let conn = match read_only_connection(&path, false) {
            // A WAL store in a folder this process cannot write: SQLite cannot make its
            // shared-memory file there. With no write-ahead log beside it, no one is writing
            // and every commit is in the file itself: it is read as immutable.
            Err(schema::SchemaError::Sqlite(rusqlite::Error::SqliteFailure(e, _)))
                if e.extended_code == rusqlite::ffi::SQLITE_READONLY_DIRECTORY
                    && !sibling(&path, "-wal").exists() =>
            {
                read_only_connection(&path, true)
            }
            r => r,
        };
        let conn = conn.map_err(|e| schema_err(&path, e))?;
        Ok(Store { conn, path })
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        sqlite_err(&self.path)
    }

    /// Store a batch in one transaction; an article whose URL or text is already stored (or
    /// earlier in the batch) adds nothing.
    pub fn insert_batch(&mut self, articles: &[NewArticle]) -> Result<InsertReport, StoreError> {
        let err = sqlite_err(&self.path);
        let now = now_rfc3339();
        let tx = self.conn.transaction().map_err(err)?;
        let mut report = InsertReport::default();
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO articles (ext_id, url, source, title, author, published,
                     ingested_at, language, text, labels, extra, raw_sha256, text_sha256)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(err)?;
            for a in articles {
                let labels = a.labels.as_ref().map(labels_json);
                let extra = Value::Object(a.extra.clone()).to_string();
                let n = insert
                    .execute(params![
                        a.ext_id,
                        a.url,
                        a.source,
                        a.title,
                        a.author,
                        a.published,
                        now,
                        a.language,
                        a.text,
                        labels,
                        extra,
                        a.raw_sha256,
                        text_digest(&a.text),
                    ])
                    .map_err(err)?;
                if n == 1 {
                    report.added.push(tx.last_insert_rowid());
                } else {
                    report.duplicates += 1;
                }
            }
        }
        tx.commit().map_err(err)?;
        Ok(report)
    }

    /// How many articles are stored.
    pub fn count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM articles", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(self.err())
    }

    /// Every stored article, in row order, handed to `f` one at a time (bounded memory).
    pub fn for_each_article<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(StoredArticle) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, ext_id, url, source, title, author, published, ingested_at, language,
                 text, labels, extra, raw_sha256, dup_group FROM articles ORDER BY id",
            )
            .map_err(self.err())?;
        let mut rows = stmt.query([]).map_err(self.err())?;
        while let Some(r) = rows.next().map_err(self.err())? {
            let a = self.read_row(r).map_err(self.err())??;
            f(a)?;
        }
        Ok(())
    }

    fn read_row(
        &self,
        r: &rusqlite::Row<'_>,
    ) -> rusqlite::Result<Result<StoredArticle, StoreError>> {
        let id: i64 = r.get(0)?;
        let corrupt = |message: String| self.corrupt(id, message);
        let labels: Option<String> = r.get(10)?;
        let extra: String = r.get(11)?;
        let labels = match labels.map(|l| parse_labels(&l)) {
            None => None,
            Some(Ok(l)) => Some(l),
            Some(Err(m)) => return Ok(Err(corrupt(m))),
        };
        let extra = match serde_json::from_str::<Value>(&extra) {
            Ok(Value::Object(m)) => m,
            _ => return Ok(Err(corrupt("metadata is not a JSON object".into()))),
        };
        Ok(Ok(StoredArticle {
            id,
            article: NewArticle {
                ext_id: r.get(1)?,
                url: r.get(2)?,
                source: r.get(3)?,
                title: r.get(4)?,
                author: r.get(5)?,
                published: r.get(6)?,
                language: r.get(8)?,
                text: r.get(9)?,
                labels,
                extra,
                raw_sha256: r.get(12)?,
            },
            ingested_at: r.get(7)?,
            dup_group: r.get(13)?,
        }))
    }

    /// Record classifications by a model (named, and identified by its file's digest), in one
    /// transaction; a classification by the same model file replaces the previous one.
    pub fn record_classifications(
        &mut self,
        model: &str,
        model_sha256: &str,
        items: &[StoredClassification],
    ) -> Result<(), StoreError> {
        let err = sqlite_err(&self.path);
        let now = now_rfc3339();
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO classifications
                     (article_id, model, model_sha256, labels, scores, classified_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err)?;
            for c in items {
                let labels = labels_json(&c.labels);
                let scores: Map<String, Value> = c
                    .scores
                    .iter()
                    .map(|(l, s)| (l.clone(), Value::from(*s)))
                    .collect();
                stmt.execute(params![
                    c.article_id,
                    model,
                    model_sha256,
                    labels,
                    Value::Object(scores).to_string(),
                    now
                ])
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Ids and texts of at most `limit` articles after row `after` not yet classified by this
    /// model file, in row order (page through with the last id).
    pub fn unclassified(
        &self,
        model_sha256: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, text FROM articles a WHERE id > ?2 AND NOT EXISTS (SELECT 1 FROM
                 classifications c WHERE c.article_id = a.id AND c.model_sha256 = ?1)
                 ORDER BY id LIMIT ?3",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![model_sha256, after, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(self.err())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err())
    }

    /// The labels and scores (JSON, as stored) a model (by name, its latest file) gave an
    /// article, if it classified it.
    fn latest_classification(
        &self,
        article_id: i64,
        model: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT labels, scores FROM classifications WHERE article_id = ?1 AND model = ?2
                 ORDER BY classified_at DESC, rowid DESC LIMIT 1",
            )
            .and_then(|mut st| {
                st.query_row(params![article_id, model], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(self.err())
    }

    /// The store's article `article_id` holds what veille did not write.
    fn corrupt(&self, article_id: i64, message: String) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            id: article_id,
            message,
        }
    }

    /// The labels a model (by name, its latest file) gave an article, if it classified it.
    pub fn labels_by(&self, article_id: i64, model: &str) -> Result<Option<Labels>, StoreError> {
        match self.latest_classification(article_id, model)? {
            None => Ok(None),
            Some((labels, _)) => parse_labels(&labels)
                .map(Some)
                .map_err(|m| self.corrupt(article_id, m)),
        }
    }

    /// The labels a model (by name, its latest file) gave an article and its best score
    /// (`None` when it scored no label), if it classified it.
    pub fn classification_by(
        &self,
        article_id: i64,
        model: &str,
    ) -> Result<Option<(Labels, Option<f64>)>, StoreError> {
        let Some((labels, scores)) = self.latest_classification(article_id, model)? else {
            return Ok(None);
        };
        let labels = parse_labels(&labels).map_err(|m| self.corrupt(article_id, m))?;
        let best = match serde_json::from_str::<Value>(&scores) {
            Ok(Value::Object(m)) => m.values().filter_map(Value::as_f64).reduce(f64::max),
            Ok(_) => return Err(self.corrupt(article_id, "scores that are not an object".into())),
            Err(e) => {
                return Err(self.corrupt(article_id, format!("scores that are not JSON: {e}")))
            }
        };
        Ok(Some((labels, best)))
    }

    /// Ids and texts of every article, oldest publication first (undated last, then by
    /// row): the order in which the first of a group becomes its canonical member.
    pub fn texts_by_date(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, text FROM articles ORDER BY published IS NULL, published, id")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err())
    }

    /// Articles per near-duplicate group, by the group's canonical id (an article never
    /// grouped is its own group of one).
    pub fn group_sizes(&self) -> Result<HashMap<i64, usize>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT COALESCE(dup_group, id), COUNT(*) FROM articles GROUP BY 1")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as usize))
            })
            .map_err(self.err())?;
        rows.collect::<Result<HashMap<_, _>, _>>()
            .map_err(self.err())
    }

    /// The ids (`ext_id`, else `store:ROW`) of the canonical articles of near-duplicate
    /// groups of more than one article, by row.
    pub fn canonical_ids(&self) -> Result<HashMap<i64, String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, COALESCE(ext_id, 'store:' || id) FROM articles WHERE id IN
                 (SELECT dup_group FROM articles WHERE dup_group IS NOT NULL AND dup_group != id)",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.err())?;
        rows.collect::<Result<HashMap<_, _>, _>>()
            .map_err(self.err())
    }

    /// The validators of the last fetch of a URL (for a conditional request).
    pub fn validators(
        &self,
        url: &str,
    ) -> Result<Option<crate::corpus::fetch::Validators>, StoreError> {
        self.conn
            .query_row(
                "SELECT etag, last_modified FROM sources WHERE url = ?1",
                [url],
                |r| {
                    Ok(crate::corpus::fetch::Validators {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Remember a fetch of a URL: its validators and status.
    pub fn record_fetch(
        &mut self,
        url: &str,
        validators: Option<&crate::corpus::fetch::Validators>,
        status: &str,
    ) -> Result<(), StoreError> {
        let (etag, modified) =
            validators.map_or((None, None), |v| (v.etag.clone(), v.last_modified.clone()));
        self.conn
            .execute(
                "INSERT INTO sources (url, etag, last_modified, fetched_at, status)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(url) DO UPDATE SET
                   etag = COALESCE(excluded.etag, etag),
                   last_modified = COALESCE(excluded.last_modified, last_modified),
                   fetched_at = excluded.fetched_at, status = excluded.status",
                params![url, etag, modified, now_rfc3339(), status],
            )
            .map(|_| ())
            .map_err(self.err())
    }

    /// Remember the digest of local files read into the store (path, digest), in one
    /// transaction: a folder read again skips the files whose bytes have not changed.
    pub fn record_files(&mut self, files: &[(String, String)]) -> Result<(), StoreError> {
        let err = sqlite_err(&self.path);
        let now = now_rfc3339();
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO sources (url, etag, last_modified, fetched_at, status)
                     VALUES (?1, ?2, NULL, ?3, 'file')
                     ON CONFLICT(url) DO UPDATE SET etag = excluded.etag,
                       fetched_at = excluded.fetched_at, status = excluded.status",
                )
                .map_err(err)?;
            for (path, digest) in files {
                stmt.execute(params![path, digest, now]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// The digests of the local files recorded by [`Store::record_files`], by path.
    pub fn file_digests(&self) -> Result<HashMap<String, String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT url, etag FROM sources WHERE status = 'file' AND etag IS NOT NULL")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.err())?;
        rows.collect::<Result<HashMap<_, _>, _>>()
            .map_err(self.err())
    }

    /// Set the near-duplicate group (its canonical article's id) of articles, in one
    /// transaction.
    pub fn set_groups(&mut self, groups: &[(i64, i64)]) -> Result<(), StoreError> {
        let err = sqlite_err(&self.path);
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached("UPDATE articles SET dup_group = ?2 WHERE id = ?1")
                .map_err(err)?;
            for (id, group) in groups {
                stmt.execute(params![id, group]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }
}

/// A read-only connection to the store at `path` (as an immutable file: no locks, no -shm),
/// its schema checked: a store of this version.
fn read_only_connection(path: &Path, immutable: bool) -> Result<Connection, schema::SchemaError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match path.to_str().filter(|_| immutable) {
        Some(p) => {
            let p = p
                .replace('%', "%25")
                .replace('?', "%3f")
                .replace('#', "%23");
            Connection::open_with_flags(
                format!("file:{p}?immutable=1"),
                flags | OpenFlags::SQLITE_OPEN_URI,
            )?
        }
        None => Connection::open_with_flags(path, flags)?,
    };
    conn.busy_timeout(BUSY_TIMEOUT)?;
    match schema::check(&conn)? {
        // No veille table yet: an empty database, not a store.
        v if v < 1 => Err(schema::SchemaError::Foreign { tables: Vec::new() }),
        v if v < schema::VERSION => Err(schema::SchemaError::Older { found: v }),
        _ => Ok(conn),
    }
}

/// `path` with `suffix` after its name (`watch.db-wal`).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Refuse, before SQLite touches it, an existing file that cannot be a store to write: a file
/// this process cannot write. An empty file is a new store (as `touch watch.db` then
/// `veille ingest --store watch.db` expects, and as a crash right after SQLite created the
/// file leaves it); only readers refuse it, there being nothing to read.
fn check_file(path: &Path) -> Result<(), StoreError> {
    if !path.exists() {
        return Ok(());
    }
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            Err(StoreError::ReadOnly {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        }
        // Anything else (a folder, ...) is SQLite's to report.
        _ => Ok(()),
    }
}

/// An empty file with no write-ahead log beside it (a store whose first commit is still in
/// its log alone is not empty).
fn is_empty_store_file(path: &Path) -> bool {
    let len = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    };
    len(path) == Some(0) && len(&sibling(path, "-wal")).unwrap_or(0) == 0
}

fn empty_file(path: &Path) -> StoreError {
    StoreError::NotAStore {
        path: path.to_path_buf(),
        reason: "an empty file, not an SQLite database (remove it to start a new store)".into(),
    }
}

/// A schema error of the store at `path`; a file SQLite does not recognise is not a store.
fn schema_err(path: &Path, e: schema::SchemaError) -> StoreError {
    match e {
        schema::SchemaError::Sqlite(e)
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) =>
        {
            StoreError::NotAStore {
                path: path.to_path_buf(),
                reason: "the file is not an SQLite database".into(),
            }
        }
        schema::SchemaError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if e.extended_code == rusqlite::ffi::SQLITE_READONLY_DIRECTORY =>
        {
            StoreError::ReadOnly {
                path: path.to_path_buf(),
                reason: "its folder cannot be written, and SQLite needs to write the store's \
                         -shm file beside it"
                    .into(),
            }
        }
        source => StoreError::Schema {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// A read or write failure of the store at `path`.
fn sqlite_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + Copy + '_ {
    move |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

fn labels_json(l: &Labels) -> String {
    match l {
        Labels::Single(s) => Value::from(s.as_str()).to_string(),
        Labels::Multi(v) => serde_json::to_string(v).unwrap_or_default(),
    }
}

fn parse_labels(s: &str) -> Result<Labels, String> {
    match serde_json::from_str::<Value>(s) {
        Ok(Value::String(l)) => Ok(Labels::Single(l)),
        Ok(Value::Array(v)) => v
            .into_iter()
            .map(|x| match x {
                Value::String(s) => Ok(s),
                _ => Err("stored labels are not strings".to_string()),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Labels::Multi),
        _ => Err("stored labels are neither a label nor a list".into()),
    }
}

/// Now, UTC, RFC 3339 to the second.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().format(RFC3339_SECONDS).to_string()
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format(RFC3339_SECONDS)
        .to_string()
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub const RFC3339_SECONDS: &str = "%Y-%m-%dT%H:%M:%SZ";

#[cfg(test)]
mod tests {
    use super::*;

    fn article(i: usize, text: &str) -> NewArticle {
        NewArticle {
            ext_id: Some(format!("a{i}")),
            url: Some(format!("https://example.org/{i}")),
            source: "test".into(),
            text: text.into(),
            raw_sha256: sha256_hex(text.as_bytes()),
            ..Default::default()
        }
    }

    #[test]
    fn the_same_url_or_text_is_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path().join("w.db")).unwrap();
        let r = s
            .insert_batch(&[article(1, "Un texte."), article(2, "Another text.")])
            .unwrap();
        assert_eq!((r.added.len(), r.duplicates), (2, 0));
        let mut same_url = article(1, "Changed text.");
        same_url.ext_id = None;
        let mut same_text = article(9, "Un   texte.");
        same_text.ext_id = None;
        let r = s
            .insert_batch(&[same_url, same_text, article(3, "New.")])
            .unwrap();
        assert_eq!((r.added.len(), r.duplicates), (1, 2));
        assert_eq!(s.count().unwrap(), 3);
    }

    #[test]
    fn classifications_are_kept_per_model_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path().join("w.db")).unwrap();
        let ids = s
            .insert_batch(&[article(1, "x"), article(2, "y")])
            .unwrap()
            .added;
        assert_eq!(s.unclassified("m1", 0, 10).unwrap().len(), 2);
        let c = StoredClassification {
            article_id: ids[0],
            labels: Labels::Multi(vec!["cyber".into()]),
            scores: vec![("cyber".into(), 0.9)],
        };
        s.record_classifications("themes", "m1", &[c]).unwrap();
        assert_eq!(
            s.unclassified("m1", 0, 10).unwrap(),
            vec![(ids[1], "y".to_string())]
        );
        assert_eq!(s.unclassified("m2", 0, 10).unwrap().len(), 2);
        assert_eq!(s.unclassified("m2", ids[0], 10).unwrap().len(), 1);
        assert_eq!(
            s.labels_by(ids[0], "themes").unwrap(),
            Some(Labels::Multi(vec!["cyber".to_string()]))
        );
    }

    #[test]
    fn a_store_from_a_newer_schema_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let e = Store::open(&path).err().unwrap();
        assert!(e.to_string().contains("schema version 99 is newer"), "{e}");
        assert_eq!(e.class(), crate::ErrorClass::Input);
    }

    #[test]
    fn files_that_are_not_stores_are_refused_before_any_write() {
        let dir = tempfile::tempdir().unwrap();
        let foreign = dir.path().join("contacts.db");
        Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE contacts (name TEXT);")
            .unwrap();
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").unwrap();
        let text = dir.path().join("notes.db");
        std::fs::write(&text, "notes\n".repeat(200)).unwrap();
        for (path, says) in [
            (
                &foreign,
                "not a veille store: an SQLite database of another program",
            ),
            (
                &text,
                "not a veille store: the file is not an SQLite database",
            ),
        ] {
            let before = std::fs::read(path).unwrap();
            for e in [
                Store::open(path).err().unwrap(),
                Store::open_read_only(path).err().unwrap(),
            ] {
                assert!(e.to_string().contains(says), "{e}");
                assert_eq!(e.class(), crate::ErrorClass::Input);
            }
            assert_eq!(std::fs::read(path).unwrap(), before);
        }
        // An empty file is no store to read, but becomes one.
        let e = Store::open_read_only(&empty).err().unwrap();
        assert!(e.to_string().contains("an empty file"), "{e}");
        assert!(Store::open(&empty).is_ok());
        // An SQLite database with no tables is no store to read, but becomes one.
        let bare = dir.path().join("bare.db");
        Connection::open(&bare)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); DROP TABLE t;")
            .unwrap();
        let e = Store::open_read_only(&bare).err().unwrap();
        assert!(e.to_string().contains("an empty SQLite database"), "{e}");
        assert_eq!(Store::open(&bare).unwrap().count().unwrap(), 0);
    }

    #[test]
    fn dates_are_written_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_139_297), "2026-12-01T15:34:57Z");
    }
}
