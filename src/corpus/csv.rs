//! CSV reader: a header row, then one record per row, streamed.

use super::fields::{document_from_object, Fields};
use super::{CorpusError, Document};
use serde_json::{Map, Value};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Streams documents from CSV with a header row. A `labels` column holds labels separated
/// by `|`; all other columns beyond id, text and label(s) pass through as extra fields.
pub struct CsvReader<R: Read> {
    reader: csv::Reader<R>,
    path: PathBuf,
    fields: Fields,
    headers: Vec<String>,
    record: csv::ByteRecord,
    failed: bool,
    require_labels: bool,
}

impl<R: Read> CsvReader<R> {
    /// Read CSV from `reader`; `path` names it in errors. Fails if the header row is
    /// unreadable or has no text column.
    pub fn new(reader: R, path: &Path, fields: Fields) -> Result<Self, CorpusError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(reader);
        let headers = reader
            .byte_headers()
            .map_err(|e| csv_error(path, 1, &e))?
            .clone();
        let mut names = Vec::with_capacity(headers.len());
        for h in headers.iter() {
            let mut h = h;
            if names.is_empty() && h.starts_with(b"\xEF\xBB\xBF") {
                h = &h[3..];
            }
            let name = std::str::from_utf8(h).map_err(|e| CorpusError::Utf8 {
                path: path.to_path_buf(),
                line: 1,
                offset: e.valid_up_to(),
            })?;
            names.push(name.trim().to_string());
        }
        if let Some(dup) = names
            .iter()
            .enumerate()
            .find(|(i, n)| names[..*i].contains(n))
            .map(|(_, n)| n)
        {
            return Err(CorpusError::Invalid {
                path: path.to_path_buf(),
                line: 1,
                message: format!("column \"{dup}\" appears twice in the header"),
            });
        }
        if names.is_empty() || (names.len() == 1 && names[0].is_empty()) {
            return Err(CorpusError::Empty {
                path: path.to_path_buf(),
            });
        }
        if !names.contains(&fields.text) {
            return Err(CorpusError::MissingField {
                path: path.to_path_buf(),
                line: 1,
                field: format!(
                    "{} (no such column in the header: {})",
                    fields.text,
                    names.join(", ")
                ),
            });
        }
        Ok(CsvReader {
            reader,
            path: path.to_path_buf(),
            fields,
            headers: names,
            record: csv::ByteRecord::new(),
            failed: false,
            require_labels: false,
        })
    }

    /// Make a row without a label an error (for training and evaluation).
    pub fn require_labels(mut self, yes: bool) -> Self {
        self.require_labels = yes;
        self
    }
}

fn csv_error(path: &Path, fallback_line: u64, e: &csv::Error) -> CorpusError {
    let line = e.position().map_or(fallback_line, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} fields, found {len}")
        }
        _ => e.to_string(),
    };
    CorpusError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    }
}

impl<R: Read> Iterator for CsvReader<R> {
    type Item = Result<Document, CorpusError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Err(e) => {
                // An I/O error ends the stream; a malformed row can be skipped.
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    self.failed = true;
                }
                Some(Err(csv_error(&self.path, 0, &e)))
            }
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line());
                let mut obj = Map::new();
                for (name, field) in self.headers.iter().zip(self.record.iter()) {
                    match std::str::from_utf8(field) {
                        Ok(s) => obj.insert(name.clone(), Value::String(s.to_string())),
                        Err(e) => {
                            return Some(Err(CorpusError::Utf8 {
                                path: self.path.clone(),
                                line,
                                offset: e.valid_up_to(),
                            }))
                        }
                    };
                }
                Some(document_from_object(
                    obj,
                    &self.fields,
                    &self.path,
                    line,
                    true,
                    self.require_labels,
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Labels;

    #[test]
    fn reads_rows_with_labels_column() {
        let input = "id,text,labels,source\n1,\"Hello, world\",a|b,wire\n2,second,,blog\n";
        let docs: Vec<_> = CsvReader::new(input.as_bytes(), Path::new("t.csv"), Fields::default())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(docs[0].text, "Hello, world");
        assert_eq!(
            docs[0].labels,
            Some(Labels::Multi(vec!["a".into(), "b".into()]))
        );
        assert_eq!(docs[1].labels, Some(Labels::Multi(vec![])));
        assert_eq!(docs[0].extra["source"], "wire");
    }

    #[test]
    fn missing_text_column_and_ragged_rows_are_errors() {
        let err = CsvReader::new(
            "id,body\n1,x\n".as_bytes(),
            Path::new("t.csv"),
            Fields::default(),
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().starts_with("t.csv:1: missing field \"text"),
            "{err}"
        );
        let rows: Vec<_> = CsvReader::new(
            "text,label\nx,a\ny\n".as_bytes(),
            Path::new("t.csv"),
            Fields::default(),
        )
        .unwrap()
        .collect();
        let e = rows[1].as_ref().unwrap_err().to_string();
        assert!(e.starts_with("t.csv:3: malformed CSV"), "{e}");
    }
}
