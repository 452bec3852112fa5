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
    /// Text in UTF-16 (NUL bytes between the characters, or a UTF-16 byte-order mark).
    #[error("{}:{line}: looks like UTF-16 text, not UTF-8: convert the file (for example `iconv -f UTF-16 -t UTF-8`)", path.display())]
    Utf16 {
        /// The file.
        path: PathBuf,
        /// 1-based line (or record) number.
        line: u64,
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
    /// A file inside a folder of articles that cannot be read.
    #[error("{}: cannot read: {reason}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
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

/// Whether bytes look like UTF-16: a UTF-16 byte-order mark, or NUL bytes in at least a
/// third of the odd (UTF-16LE) or even (UTF-16BE) positions and almost none in the others, as
/// UTF-16 of Latin text has (UTF-8 text has no NUL at all; a binary file has them anywhere).
pub(crate) fn looks_like_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    let sample = &bytes[..bytes.len().min(4096)];
    if sample.len() < 4 {
        return false;
    }
    let zeros_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let half = sample.len() / 2;
    let (even, odd) = (zeros_at(0), zeros_at(1));
    (odd * 3 >= half && even * 20 <= half) || (even * 3 >= half && odd * 20 <= half)
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
                | CorpusError::Unreadable { .. }
        )
    }
}
