//! Opening one source of the watch: an `http(s)` URL (fetched, conditionally when the store
//! has its validators), a local feed or page, a folder (its pages and feeds read in parallel,
//! any other file by the corpus readers), or a file the corpus readers take (JSON Lines, CSV,
//! text).

use crate::corpus::fetch::{self, Fetcher, Outcome, Validators};
use crate::corpus::web::{self, Kind};
use crate::corpus::{self, Batches, CorpusError, Document, Documents, Fields};
use crate::store::Store;
use rayon::prelude::*;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Pages of a folder extracted together (one parallel step).
const PAGE_CHUNK: usize = 64;

/// How sources are read.
pub(crate) struct Reading<'a> {
    pub fields: &'a Fields,
    pub fetcher: &'a Fetcher,
    pub fetch_pages: bool,
    /// The largest local feed or page read (the fetcher's cap).
    pub max_bytes: u64,
}

/// Pages and feeds of a folder read in a source, with their digests, to record once their
/// articles are stored; and how many were skipped as unchanged since the last time.
#[derive(Debug, Default)]
pub(crate) struct FolderFiles {
    pub read: Vec<(String, String)>,
    pub unchanged: usize,
}

/// An opened source: its articles, and for a folder what its files were.
pub(crate) struct Opened {
    pub batches: Batches,
    pub files: Option<Arc<Mutex<FolderFiles>>>,
}

/// Open one source. The error is the source's one-line reason; `warn` gets what is read with
/// a fault (an unreadable feed date, a linked page that failed).
pub(crate) fn open(
    source: &str,
    store: &mut Store,
    r: &Reading<'_>,
    warn: &mut dyn FnMut(String),
) -> Result<Opened, String> {
    let plain = |batches| Opened {
        batches,
        files: None,
    };
    let path = Path::new(source);
    let docs = if fetch::is_url(source) {
        let validators = store.validators(source).map_err(|e| e.to_string())?;
        match r.fetcher.fetch(source, validators.as_ref()) {
            Err(e) => {
                // The failure is the source's report; the store's note of it is best effort.
                let _ = store.record_fetch(source, None, &e.to_string());
                return Err(e.to_string());
            }
            Ok(Outcome::NotModified) => {
                store
                    .record_fetch(source, None, "304 not modified")
                    .map_err(|e| e.to_string())?;
                Vec::new()
            }
            Ok(Outcome::Fetched(f)) => {
                store
                    .record_fetch(source, Some(&f.validators), "200")
                    .map_err(|e| e.to_string())?;
                let kind = web::sniff(f.content_type.as_deref(), &f.body);
                documents(kind, &f.body, source, warn)?
            }
        }
    } else if let Some(kind) = web::kind_of_path(path).or_else(|| json_feed(path)) {
        let bytes = read_capped(path, r.max_bytes)?;
        documents(kind, &bytes, source, warn)?
    } else if path.is_dir() {
        let files = corpus::dir::files_under(path).map_err(|e| e.to_string())?;
        let seen = Arc::new(Mutex::new(FolderFiles::default()));
        return Ok(Opened {
            batches: Batches::Documents(Box::new(FolderDocs {
                files: files.into(),
                fields: r.fields.clone(),
                max_bytes: r.max_bytes,
                ready: VecDeque::new(),
                current: None,
                known: store.file_digests().map_err(|e| e.to_string())?,
                seen: Arc::clone(&seen),
            })),
            files: Some(seen),
        });
    } else {
        return corpus::open_batched(path, r.fields, corpus::LabelUse::Optional)
            .map(plain)
            .map_err(|e| e.to_string());
    };
    let docs = if r.fetch_pages {
        with_pages(docs, r.fetcher, warn)
    } else {
        docs
    };
    Ok(plain(Batches::Documents(Box::new(
        docs.into_iter().map(Ok),
    ))))
}

/// The articles of a feed or page body; a feed's unreadable dates are warned about (the items
/// are kept, undated: never a guessed date).
fn documents(
    kind: Kind,
    body: &[u8],
    source: &str,
    warn: &mut dyn FnMut(String),
) -> Result<Vec<Document>, String> {
    let read = web::documents(kind, body, source).map_err(|e| e.to_string())?;
    if let Some(first) = read.bad_dates.first() {
        warn(format!(
            "{source}: {} item date(s) that cannot be read (e.g. \"{first}\"): stored without \
             a date",
            read.bad_dates.len()
        ));
    }
    Ok(read.documents)
}

/// A `.json` file whose first bytes are a feed's (as [`web::sniff`] tells a fetched body: a
/// JSON Feed names its version), else `None`: JSON records, one per line, are a corpus as in
/// every other command.
fn json_feed(path: &Path) -> Option<Kind> {
    use std::io::Read;
    let ext = path.extension()?.to_str()?;
    if !ext.eq_ignore_ascii_case("json") {
        return None;
    }
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(4096)
        .read_to_end(&mut head)
        .ok()?;
    // What a fetched body without a Content-Type would be taken for.
    matches!(web::sniff(None, &head), Kind::Feed).then_some(Kind::Feed)
}

/// A local feed or page, read whole up to `cap` bytes.
fn read_capped(p: &Path, cap: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
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

/// The articles of a folder, in file order: runs of pages and feeds are read [`PAGE_CHUNK`]
/// at a time on the thread pool; other files go through the corpus readers. A page or feed
/// that cannot be read is one bad record of the folder (`--skip-bad` skips it).
///
/// A page or feed whose bytes hash as when the store last read it (`known`) is skipped
/// without being parsed: a folder polled again costs a read and a hash per unchanged file.
struct FolderDocs {
    files: VecDeque<PathBuf>,
    fields: Fields,
    max_bytes: u64,
    ready: VecDeque<Result<Document, CorpusError>>,
    current: Option<Documents>,
    known: HashMap<String, String>,
    seen: Arc<Mutex<FolderFiles>>,
}

/// What reading one page or feed of a folder gave.
enum WebFile {
    Unchanged,
    Read(Vec<Result<Document, CorpusError>>, Option<String>),
}

impl FolderDocs {
    fn read_web(path: &Path, kind: Kind, cap: u64, known: Option<&String>) -> WebFile {
        let name = path.display().to_string();
        // The error names the file already: the reason is what follows.
        let bad = |reason: String| {
            let prefix = format!("{name}: ");
            vec![Err(CorpusError::Unreadable {
                path: path.to_path_buf(),
                reason: reason.strip_prefix(&prefix).unwrap_or(&reason).to_string(),
            })]
        };
        let bytes = match read_capped(path, cap) {
            Ok(b) => b,
            Err(e) => return WebFile::Read(bad(e), None),
        };
        let digest = format!("xxh3:{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes));
        if known == Some(&digest) {
            return WebFile::Unchanged;
        }
        // Feed date faults inside a folder are not warned one by one: the items are kept
        // undated, as for a single feed.
        match documents(kind, &bytes, &name, &mut |_| {}) {
            Ok(docs) => WebFile::Read(docs.into_iter().map(Ok).collect(), Some(digest)),
            Err(e) => WebFile::Read(bad(e), None),
        }
    }
}

impl Iterator for FolderDocs {
    type Item = Result<Document, CorpusError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(d) = self.ready.pop_front() {
                return Some(d);
            }
            if let Some(cur) = &mut self.current {
                match cur.next() {
                    Some(d) => return Some(corpus::in_folder(d)),
                    None => self.current = None,
                }
            }
            let first = self.files.pop_front()?;
            match web::kind_of_path(&first).or_else(|| json_feed(&first)) {
                None => {
                    self.current = Some(match corpus::open_articles(&first, &self.fields) {
                        Ok(d) => d,
                        Err(e) => Box::new(std::iter::once(Err(e))),
                    });
                }
                Some(kind) => {
                    let mut run = vec![(first, kind)];
                    while run.len() < PAGE_CHUNK {
                        match self
                            .files
                            .front()
                            .and_then(|f| web::kind_of_path(f).or_else(|| json_feed(f)))
                        {
                            Some(k) => {
                                let f = self.files.pop_front()?;
                                run.push((f, k));
                            }
                            None => break,
                        }
                    }
                    let cap = self.max_bytes;
                    let known = &self.known;
                    let read: Vec<WebFile> = run
                        .par_iter()
                        .map(|(p, k)| {
                            let key = p.display().to_string();
                            FolderDocs::read_web(p, *k, cap, known.get(&key))
                        })
                        .collect();
                    let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
                    for ((p, _), r) in run.iter().zip(read) {
                        match r {
                            WebFile::Unchanged => seen.unchanged += 1,
                            WebFile::Read(docs, digest) => {
                                if let Some(d) = digest {
                                    seen.read.push((p.display().to_string(), d));
                                }
                                self.ready.extend(docs);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Feed items with the main text of the page each links to (fetched politely); an item whose
/// page fails keeps the feed's text, with a warning naming the page.
fn with_pages(
    docs: Vec<Document>,
    fetcher: &Fetcher,
    warn: &mut dyn FnMut(String),
) -> Vec<Document> {
    let url_of = |d: &Document| {
        d.extra
            .get("url")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let urls: Vec<(String, Option<Validators>)> = docs.iter().map(|d| (url_of(d), None)).collect();
    let pages = fetcher.fetch_all(&urls);
    docs.into_iter()
        .zip(pages)
        .map(|(mut d, page)| {
            let url = url_of(&d);
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
                    let title = d.extra.get("title").and_then(|v| v.as_str());
                    d.text = match title {
                        Some(t) => format!("{t}\n\n{}", p.text),
                        None => p.text,
                    };
                }
                Err(e) => warn(format!("{e}: kept the feed's text")),
            }
            d
        })
        .collect()
}
