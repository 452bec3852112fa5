//! Reading corpora: JSON Lines, CSV, a folder per label, plain text files and stdin, all
//! streamed as [`Document`]s, with errors that name the file and line.

mod csv;
pub mod dir;
mod document;
pub(crate) mod error;
pub mod feed;
pub mod fetch;
pub(crate) mod fields;
pub mod html;
pub(crate) mod jsonl;
mod parquet;
pub mod web;

pub use self::csv::CsvReader;
pub use document::{Document, Labels};
pub use error::CorpusError;
pub use fields::{Fields, LabelUse};
pub use jsonl::{JsonlParser, JsonlReader, RawLine, MAX_LINE_BYTES};

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

/// A stream of documents.
pub type Documents = Box<dyn Iterator<Item = Result<Document, CorpusError>> + Send>;

/// How a path is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines (`.jsonl`, `.ndjson`, `.json`).
    Jsonl,
    /// CSV with a header row (`.csv`, `.tsv` is not supported).
    Csv,
    /// Apache Parquet (`.parquet`), one article per row.
    Parquet,
    /// A folder.
    Folder,
    /// Any other file: one article.
    Text,
}

impl Format {
    /// The format of `path`, from whether it is a folder and its extension.
    pub fn of(path: &Path) -> Format {
        if path.is_dir() {
            return Format::Folder;
        }
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("jsonl" | "ndjson" | "json") => Format::Jsonl,
            Some("csv") => Format::Csv,
            Some("parquet") => Format::Parquet,
            _ => Format::Text,
        }
    }
}

pub(crate) fn open_file(path: &Path) -> Result<File, CorpusError> {
    File::open(path).map_err(|source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Open a labelled corpus for training or evaluation: JSON Lines, CSV, or a folder with one
/// sub-folder per label. A record without labels is an error.
pub fn open_labelled(path: &Path, fields: &Fields) -> Result<Documents, CorpusError> {
    open_records(path, fields, LabelUse::Required)
}

fn open_records(
    path: &Path,
    fields: &Fields,
    use_labels: LabelUse,
) -> Result<Documents, CorpusError> {
    match Format::of(path) {
        Format::Jsonl => Ok(Box::new(jsonl::ReadAhead::new(
            JsonlReader::new(
                BufReader::with_capacity(1 << 16, open_file(path)?),
                path,
                fields.clone(),
            )
            .labels(use_labels),
        ))),
        Format::Csv => Ok(Box::new(
            CsvReader::new(open_file(path)?, path, fields.clone())?.labels(use_labels),
        )),
        Format::Parquet => parquet::open(path, fields, use_labels),
        Format::Folder => Ok(Box::new(dir::labelled_folder(path)?)),
        Format::Text => Err(CorpusError::Unsupported {
            path: path.to_path_buf(),
            message: "cannot read labels from this file: use JSON Lines (.jsonl), CSV (.csv), Parquet (.parquet) or a folder with one sub-folder per label".into(),
        }),
    }
}

/// Open articles (to cluster: labels are read when present): a `.jsonl` or `.csv` file holds
/// many, a folder holds every file under it (each read by its own extension), any other file
/// is one article.
pub fn open_articles(path: &Path, fields: &Fields) -> Result<Documents, CorpusError> {
    open_articles_with(path, fields, LabelUse::Optional)
}

fn open_articles_with(
    path: &Path,
    fields: &Fields,
    use_labels: LabelUse,
) -> Result<Documents, CorpusError> {
    match Format::of(path) {
        Format::Jsonl | Format::Csv | Format::Parquet => open_records(path, fields, use_labels),
        Format::Text => Ok(Box::new(std::iter::once(dir::read_text_file(path)))),
        Format::Folder => {
            let files = dir::files_under(path)?;
            let fields = fields.clone();
            Ok(Box::new(files.into_iter().flat_map(
                move |f| -> Documents {
                    match open_articles_with(&f, &fields, use_labels) {
                        Ok(docs) => Box::new(docs.map(in_folder)),
                        Err(e) => Box::new(std::iter::once(in_folder(Err(e)))),
                    }
                },
            )))
        }
    }
}

/// A file of a folder that cannot be read (a permission, an oversize file) is one bad record
/// of the folder: `--skip-bad` skips it with a warning.
pub(crate) fn in_folder(d: Result<Document, CorpusError>) -> Result<Document, CorpusError> {
    d.map_err(|e| match e {
        CorpusError::Io { path, source } => CorpusError::Unreadable {
            path,
            reason: source.to_string(),
        },
        CorpusError::Unsupported { path, message } => CorpusError::Unreadable {
            path,
            reason: message,
        },
        e => e,
    })
}

/// Read standard input as one article (`jsonl == false`, at most
/// [`dir::MAX_ARTICLE_BYTES`]) or as JSON Lines.
pub fn open_stdin(jsonl: bool, fields: &Fields) -> Result<Documents, CorpusError> {
    let name = Path::new("<stdin>");
    if jsonl {
        return Ok(Box::new(
            JsonlReader::new(BufReader::new(std::io::stdin()), name, fields.clone())
                .labels(LabelUse::Ignored),
        ));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::io::stdin(), dir::MAX_ARTICLE_BYTES + 1),
        &mut bytes,
    )
    .map_err(|source| CorpusError::Io {
        path: name.to_path_buf(),
        source,
    })?;
    if bytes.len() as u64 > dir::MAX_ARTICLE_BYTES {
        return Err(CorpusError::Unsupported {
            path: name.to_path_buf(),
            message: format!(
                "more than {} bytes: not read as one article (for many articles, use --stdin-format jsonl)",
                dir::MAX_ARTICLE_BYTES
            ),
        });
    }
    Ok(Box::new(std::iter::once(dir::text_document(
        "stdin".into(),
        bytes,
        name,
    ))))
}

/// Articles read in batches. JSON Lines records are parsed in parallel within a batch (the
/// order of records is kept); other sources are read one document at a time.
pub enum Batches {
    /// A JSON Lines stream.
    Jsonl(JsonlReader<Box<dyn std::io::BufRead + Send>>),
    /// Any other stream of documents.
    Documents(Documents),
}

impl Batches {
    /// Append up to `max` results to `out`; `false` once the source is exhausted.
    pub fn next_batch(&mut self, max: usize, out: &mut Vec<Result<Document, CorpusError>>) -> bool {
        match self {
            Batches::Documents(docs) => {
                for _ in 0..max {
                    match docs.next() {
                        Some(d) => out.push(d),
                        None => return false,
                    }
                }
                true
            }
            Batches::Jsonl(reader) => reader.read_parsed(max, out),
        }
    }
}

/// Open articles to classify in batches, label fields not read (see [`open_articles`] for
/// what each path means).
pub fn open_articles_batched(path: &Path, fields: &Fields) -> Result<Batches, CorpusError> {
    open_batched(path, fields, LabelUse::Ignored)
}

/// Open articles in batches, with label fields used as `use_labels` says (`veille ingest`
/// keeps them when present, for `export`).
pub fn open_batched(
    path: &Path,
    fields: &Fields,
    use_labels: LabelUse,
) -> Result<Batches, CorpusError> {
    if Format::of(path) == Format::Jsonl {
        let reader: Box<dyn std::io::BufRead + Send> =
            Box::new(BufReader::with_capacity(1 << 16, open_file(path)?));
        return Ok(Batches::Jsonl(
            JsonlReader::new(reader, path, fields.clone()).labels(use_labels),
        ));
    }
    open_articles_with(path, fields, use_labels).map(Batches::Documents)
}

/// Standard input in batches: one article, or JSON Lines.
pub fn open_stdin_batched(jsonl: bool, fields: &Fields) -> Result<Batches, CorpusError> {
    if jsonl {
        let reader: Box<dyn std::io::BufRead + Send> = Box::new(BufReader::new(std::io::stdin()));
        return Ok(Batches::Jsonl(
            JsonlReader::new(reader, Path::new("<stdin>"), fields.clone())
                .labels(LabelUse::Ignored),
        ));
    }
    open_stdin(false, fields).map(Batches::Documents)
}

/// What happened to bad records while collecting a corpus.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReadReport {
    /// Documents read.
    pub read: usize,
    /// Records skipped (only with `skip_bad`).
    pub skipped: usize,
}

/// Collect documents from a stream. A bad record is an error, or with `skip_bad` is passed to
/// `on_skip` and counted. Errors that are not about one record (I/O) always stop the read.
pub fn collect(
    docs: Documents,
    skip_bad: bool,
    mut on_skip: impl FnMut(&CorpusError),
    out: &mut Vec<Document>,
) -> Result<ReadReport, CorpusError> {
    let mut report = ReadReport::default();
    for d in docs {
        match d {
            Ok(d) => {
                out.push(d);
                report.read += 1;
            }
            Err(e) if skip_bad && e.is_record_error() => {
                on_skip(&e);
                report.skipped += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}
