//! Errors reading corpora: every one names the file, and the line where there is one.

use std::path::PathBuf;

/// An error reading a corpus.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// The file or folder could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Bytes that are not UTF-8.
    #[error("{}:{line}: not valid UTF-8 (at byte {offset} of the line); convert the file to UTF-8", path.display())]
    Utf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line (or record) number.
        line: u64,
        /// Byte offset of the first invalid byte in the line.
        offset: usize,
    },
    /// A JSON line that does not parse, or is not an object.
    #[error("{}:{line}: malformed JSON line: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What the parser said.
        message: String,
    },
    /// A CSV record that does not parse.
    #[error("{}:{line}: malformed CSV: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What the parser said.
        message: String,
    },
    /// A required field (or CSV column) is absent.
    #[error("{}:{line}: missing field \"{field}\"", path.display())]
    MissingField {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The field name.
        field: String,
    },
    /// A field has the wrong type.
    #[error("{}:{line}: field \"{field}\" must be {expected}", path.display())]
    FieldType {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The field name.
        field: String,
        /// What it should be.
        expected: &'static str,
    },
    /// A record that contradicts itself (e.g. both `label` and `labels`).
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The text is empty or only whitespace.
    #[error("{}:{line}: empty text", path.display())]
    EmptyText {
        /// The file.
        path: PathBuf,
        /// 1-based line number (1 for a one-article file).
        line: u64,
    },
    /// A line longer than the reader accepts.
    #[error("{}:{line}: line longer than {limit} bytes; is this really JSON Lines?", path.display())]
    LineTooLong {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The limit in bytes.
        limit: usize,
    },
    /// The input holds no document at all.
    #[error("{}: no documents found", path.display())]
    Empty {
        /// The file or folder.
        path: PathBuf,
    },
    /// A format that cannot provide what is asked (e.g. labels from plain text).
    #[error("{}: {message}", path.display())]
    Unsupported {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

impl CorpusError {
    /// Whether this error concerns one record only, so that `--skip-bad` may skip it and go on.
    pub fn is_record_error(&self) -> bool {
        matches!(
            self,
            CorpusError::Utf8 { .. }
                | CorpusError::Json { .. }
                | CorpusError::Csv { .. }
                | CorpusError::MissingField { .. }
                | CorpusError::FieldType { .. }
                | CorpusError::Invalid { .. }
                | CorpusError::EmptyText { .. }
        )
    }
}
