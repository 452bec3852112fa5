//! CSV reader: a header row, then one record per row, streamed.

use super::fields::{document_from_object, Fields, LabelUse};
use super::{CorpusError, Document};
use serde_json::{Map, Value};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest CSV record accepted, as for a JSON Lines line: a stray quote or a binary file must
/// not be read into memory as one field.
pub const MAX_RECORD_BYTES: usize = super::MAX_LINE_BYTES;

/// Where the CSV grammar stands at the end of the bytes read so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Quote {
    /// At the start of a field.
    #[default]
    Start,
    /// In an unquoted field (a quote there is a literal character).
    Bare,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: the field's end or an escaped quote.
    Closing,
}

/// What [`Tracked`] has seen, shared with the reader that owns it.
#[derive(Debug, Default)]
struct Scan {
    state: Quote,
    line: u64,
    quote_line: u64,
    record_bytes: usize,
    eof: bool,
    too_long_at: Option<u64>,
}

/// The csv crate reads an unterminated quoted field to the end of the file without an error
/// (BurntSushi/rust-csv#252), and reads a record of any size. This wrapper follows the same
/// grammar over the raw bytes, so that the reader can say where a quote was left open, and
/// stops a record beyond [`MAX_RECORD_BYTES`]. The csv reader owns it; [`CsvReader`] reads
/// its state through `csv::Reader::get_ref`.
struct Tracked<R> {
    inner: R,
    scan: Scan,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let scan = &mut self.scan;
        if n == 0 {
            scan.eof = true;
        }
        for &b in &buf[..n] {
            let end_of_record = b == b'\n';
            scan.state = match (scan.state, b) {
                (Quote::Start, b'"') => {
                    scan.quote_line = scan.line + 1;
                    Quote::Quoted
                }
                (Quote::Quoted, b'"') => Quote::Closing,
                (Quote::Quoted, _) => Quote::Quoted,
                (Quote::Closing, b'"') => Quote::Quoted,
                (_, b',' | b'\n' | b'\r') => Quote::Start,
                _ => Quote::Bare,
            };
            if end_of_record {
                scan.line += 1;
            }
            if end_of_record && scan.state == Quote::Start {
                scan.record_bytes = 0;
            } else {
                scan.record_bytes += 1;
                if scan.record_bytes > MAX_RECORD_BYTES {
                    scan.too_long_at = Some(scan.line + 1);
                    return Err(std::io::Error::other("record too long"));
                }
            }
        }
        Ok(n)
    }
}

/// Streams documents from CSV with a header row. A `labels` column holds labels separated
/// by `|`; all other columns beyond id, text and label(s) pass through as extra fields.
pub struct CsvReader<R: Read> {
    reader: csv::Reader<Tracked<R>>,
    path: PathBuf,
    fields: Fields,
    headers: Vec<String>,
    record: csv::ByteRecord,
    failed: bool,
    labels: LabelUse,
}

impl<R: Read> CsvReader<R> {
    /// Read CSV from `reader`; `path` names it in errors. Fails if the header row is
    /// unreadable or has no text column.
    pub fn new(reader: R, path: &Path, fields: Fields) -> Result<Self, CorpusError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(Tracked {
                inner: reader,
                scan: Scan::default(),
            });
        let headers = match reader.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                let scanned = scan_error(&reader.get_ref().scan, path);
                return Err(scanned.unwrap_or_else(|| csv_error(path, 1, &e)));
            }
        };
        if super::error::looks_like_utf16(headers.as_slice()) {
            return Err(CorpusError::Utf16 {
                path: path.to_path_buf(),
                line: 1,
            });
        }
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
            labels: LabelUse::Optional,
        })
    }

    /// What to do with the label columns (by default, read them when present).
    pub fn labels(mut self, use_labels: LabelUse) -> Self {
        self.labels = use_labels;
        self
    }
}

/// The error [`Tracked`] found, if any: a record too long, or (at the end of the input) a
/// quoted field never closed.
fn scan_error(scan: &Scan, path: &Path) -> Option<CorpusError> {
    if let Some(line) = scan.too_long_at {
        return Some(CorpusError::Csv {
            path: path.to_path_buf(),
            line,
            message: format!(
                "record longer than {MAX_RECORD_BYTES} bytes (a quote left open, or not a CSV file?)"
            ),
        });
    }
    if scan.eof && scan.state == Quote::Quoted {
        return Some(CorpusError::Csv {
            path: path.to_path_buf(),
            line: scan.quote_line,
            message: "quoted field never closed: the quote opened on this line runs to the end of the file".into(),
        });
    }
    None
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
        let read = self.reader.read_byte_record(&mut self.record);
        // An open quote swallows everything after it: nothing can be read past it.
        if let Some(e) = scan_error(&self.reader.get_ref().scan, &self.path) {
            self.failed = true;
            return Some(Err(e));
        }
        match read {
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
                    self.labels,
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

    fn rows_of(input: &str) -> Vec<Result<Document, CorpusError>> {
        CsvReader::new(input.as_bytes(), Path::new("t.csv"), Fields::default())
            .unwrap()
            .collect()
    }

    #[test]
    fn an_unterminated_quote_names_its_line() {
        let rows = rows_of("text,label\nx,a\n\"open,b\ny,a\nz,a\n");
        assert!(rows[0].is_ok());
        assert_eq!(rows.len(), 2, "nothing is read past the open quote");
        let e = rows[1].as_ref().unwrap_err().to_string();
        assert!(
            e.starts_with("t.csv:3: malformed CSV: quoted field never closed"),
            "{e}"
        );
    }

    #[test]
    fn quotes_escaped_or_inside_bare_fields_are_not_open_quotes() {
        let rows =
            rows_of("text,label\n\"a \"\"quoted\"\" word\",x\n5\" screen,y\n\"multi\nline\",z\n");
        let docs: Vec<Document> = rows.into_iter().collect::<Result<_, _>>().unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].text, "a \"quoted\" word");
        assert_eq!(docs[1].text, "5\" screen");
        assert_eq!(docs[2].text, "multi\nline");
    }
}
