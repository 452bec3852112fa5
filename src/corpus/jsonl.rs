//! JSON Lines reader: one record per line, streamed.

use super::fields::{document_from_object, Fields, LabelUse};
use super::{CorpusError, Document};
use serde_json::{Map, Value};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// Longest line accepted (a guard against reading a non-JSONL file of gigabytes as one line).
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// Streams documents from JSON Lines. Blank lines are skipped.
pub struct JsonlReader<R> {
    reader: R,
    parser: JsonlParser,
    path: PathBuf,
    line: u64,
    buf: Vec<u8>,
    done: bool,
}

/// Turns raw JSON Lines records into documents; shareable between threads.
#[derive(Debug, Clone)]
pub struct JsonlParser {
    path: PathBuf,
    fields: Fields,
    labels: LabelUse,
}

impl<R: BufRead> JsonlReader<R> {
    /// Read from `reader`; `path` names it in errors.
    pub fn new(reader: R, path: &Path, fields: Fields) -> Self {
        JsonlReader {
            reader,
            parser: JsonlParser {
                path: path.to_path_buf(),
                fields,
                labels: LabelUse::Optional,
            },
            path: path.to_path_buf(),
            line: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    /// What to do with the label fields (by default, read them when present).
    pub fn labels(mut self, use_labels: LabelUse) -> Self {
        self.parser.labels = use_labels;
        self
    }

    /// The parser of this reader's records.
    pub fn parser(&self) -> &JsonlParser {
        &self.parser
    }
}

impl JsonlParser {
    /// Parse one raw line (as returned by [`JsonlReader::next_raw`]) into a document. Takes
    /// `&self` only, so a batch of lines can be parsed in parallel.
    pub fn parse(&self, raw: &RawLine) -> Result<Document, CorpusError> {
        let line = raw.line;
        let mut bytes = &raw.bytes[..];
        if bytes.last() == Some(&b'\n') {
            bytes = &bytes[..bytes.len() - 1];
        }
        if bytes.last() == Some(&b'\r') {
            bytes = &bytes[..bytes.len() - 1];
        }
        if line == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes = &bytes[3..];
        }
        // UTF-16 fails as UTF-8 (a byte-order mark) or as JSON (NUL bytes): looked for only
        // then, off the path of every good line.
        let utf16 = || {
            super::error::looks_like_utf16(bytes).then(|| CorpusError::Utf16 {
                path: self.path.clone(),
                line,
            })
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            utf16().unwrap_or_else(|| CorpusError::Utf8 {
                path: self.path.clone(),
                line,
                offset: e.valid_up_to(),
            })
        })?;
        let Record(obj) = serde_json::from_str(text).map_err(|e| {
            utf16().unwrap_or_else(|| CorpusError::Json {
                path: self.path.clone(),
                line,
                message: e.to_string(),
            })
        })?;
        document_from_object(obj, &self.fields, &self.path, line, false, self.labels)
    }
}

/// A record: a JSON object whose keys are all different. serde_json's own map keeps the last
/// of two equal keys without a word; a record that says `text` twice is refused instead.
pub(crate) struct Record(pub(crate) Map<String, Value>);

impl<'de> serde::Deserialize<'de> for Record {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = Record;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Record, A::Error> {
                let mut obj = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if obj.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!(
                            "key \"{key}\" appears twice in the record"
                        )));
                    }
                    let value: Value = map.next_value()?;
                    obj.insert(key, value);
                }
                Ok(Record(obj))
            }
        }
        d.deserialize_map(Keys)
    }
}

/// One non-blank line of a JSON Lines file, not yet parsed.
#[derive(Debug, Clone, Default)]
pub struct RawLine {
    /// 1-based line number.
    pub line: u64,
    /// The bytes, line ending included.
    pub bytes: Vec<u8>,
}

impl<R: BufRead> JsonlReader<R> {
    /// The next non-blank line, unparsed; `None` at the end. I/O errors and over-long lines
    /// end the stream.
    pub fn next_raw(&mut self) -> Option<Result<RawLine, CorpusError>> {
        while !self.done {
            self.buf.clear();
            self.line += 1;
            let limit = (MAX_LINE_BYTES + 1) as u64;
            let n = match (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut self.buf)
            {
                Ok(n) => n,
                Err(source) => {
                    self.done = true;
                    return Some(Err(CorpusError::Io {
                        path: self.path.clone(),
                        source,
                    }));
                }
            };
            if n == 0 {
                self.done = true;
                return None;
            }
            if n > MAX_LINE_BYTES {
                self.done = true;
                return Some(Err(CorpusError::LineTooLong {
                    path: self.path.clone(),
                    line: self.line,
                    limit: MAX_LINE_BYTES,
                }));
            }
            if self.line == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") {
                self.buf.drain(..3);
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(Ok(RawLine {
                line: self.line,
                bytes: std::mem::take(&mut self.buf),
            }));
        }
        None
    }
}

impl<R: BufRead> JsonlReader<R> {
    /// Read up to `max` records and parse them in parallel into `out`, in order (a read
    /// error last, after the records before it); returns whether more may follow.
    pub fn read_parsed(
        &mut self,
        max: usize,
        out: &mut Vec<Result<Document, CorpusError>>,
    ) -> bool {
        use rayon::prelude::*;
        let mut raw = Vec::with_capacity(max);
        let mut more = true;
        let mut failure = None;
        while raw.len() < max {
            match self.next_raw() {
                Some(Ok(r)) => raw.push(r),
                Some(Err(e)) => {
                    failure = Some(e);
                    break;
                }
                None => {
                    more = false;
                    break;
                }
            }
        }
        let parser = &self.parser;
        out.par_extend(raw.par_iter().map(|r| parser.parse(r)));
        out.extend(failure.map(Err));
        more
    }
}

/// Records read ahead by [`ReadAhead`] and parsed together.
const READ_AHEAD: usize = 1024;

/// A [`JsonlReader`] that reads [`READ_AHEAD`] lines at a time and parses them in parallel
/// ([`JsonlReader::read_parsed`]): the same documents and errors, in the same order, for
/// readers of whole files (training and clustering corpora), whose parsing was otherwise
/// serial. Not for interactive input: it waits for a block of lines (or the end) before
/// yielding the first.
pub struct ReadAhead<R> {
    reader: JsonlReader<R>,
    ready: std::vec::IntoIter<Result<Document, CorpusError>>,
}

impl<R: BufRead> ReadAhead<R> {
    /// Read `reader` ahead.
    pub fn new(reader: JsonlReader<R>) -> Self {
        ReadAhead {
            reader,
            ready: Vec::new().into_iter(),
        }
    }
}

impl<R: BufRead> Iterator for ReadAhead<R> {
    type Item = Result<Document, CorpusError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(d) = self.ready.next() {
            return Some(d);
        }
        let mut parsed = Vec::with_capacity(READ_AHEAD);
        self.reader.read_parsed(READ_AHEAD, &mut parsed);
        self.ready = parsed.into_iter();
        self.ready.next()
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Document, CorpusError>;

    fn next(&mut self) -> Option<Self::Item> {
        let raw = self.next_raw()?;
        Some(raw.and_then(|r| self.parser.parse(&r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Labels;

    fn read(input: &str) -> Vec<Result<Document, CorpusError>> {
        JsonlReader::new(input.as_bytes(), Path::new("t.jsonl"), Fields::default()).collect()
    }

    #[test]
    fn reads_records_and_keeps_extra_fields() {
        let docs = read("{\"id\": 7, \"label\": \"a\", \"text\": \"x y\", \"title\": \"T\"}\n\n{\"labels\": [\"b\", \"a\"], \"text\": \"z\"}\r\n");
        let d0 = docs[0].as_ref().unwrap();
        assert_eq!(d0.id, "7");
        assert_eq!(d0.labels, Some(Labels::Single("a".into())));
        assert_eq!(d0.extra["title"], "T");
        let d1 = docs[1].as_ref().unwrap();
        assert_eq!(d1.id, "t.jsonl:3");
        assert_eq!(d1.labels, Some(Labels::Multi(vec!["a".into(), "b".into()])));
    }

    #[test]
    fn errors_name_the_line() {
        let docs = read(
            "{\"text\": \"ok\"}\n{not json}\n{\"title\": \"no text\"}\n{\"text\": \"  \"}\n[1]\n",
        );
        let msgs: Vec<String> = docs
            .iter()
            .skip(1)
            .map(|d| d.as_ref().unwrap_err().to_string())
            .collect();
        assert!(
            msgs[0].starts_with("t.jsonl:2: malformed JSON"),
            "{}",
            msgs[0]
        );
        assert_eq!(msgs[1], "t.jsonl:3: missing field \"text\"");
        assert_eq!(msgs[2], "t.jsonl:4: empty text");
        assert!(msgs[3].contains("expected a JSON object"));
    }

    #[test]
    fn duplicate_keys_are_refused_and_big_numbers_kept_as_written() {
        let docs = read("{\"text\": \"a\", \"text\": \"b\"}\n{\"id\": 123456789012345678901234567890, \"label\": 98765432109876543210987, \"text\": \"x\", \"n\": 1.50}\n");
        let e = docs[0].as_ref().unwrap_err().to_string();
        assert!(e.contains("key \"text\" appears twice"), "{e}");
        let d = docs[1].as_ref().unwrap();
        assert_eq!(d.id, "123456789012345678901234567890");
        assert_eq!(
            d.labels,
            Some(Labels::Single("98765432109876543210987".into()))
        );
        assert_eq!(serde_json::to_string(&d.extra["n"]).unwrap(), "1.50");
    }

    #[test]
    fn invalid_utf8_is_reported() {
        let bytes = b"{\"text\": \"caf\xe9\"}\n".to_vec();
        let docs: Vec<_> =
            JsonlReader::new(&bytes[..], Path::new("t.jsonl"), Fields::default()).collect();
        let e = docs[0].as_ref().unwrap_err();
        assert!(
            matches!(
                e,
                CorpusError::Utf8 {
                    line: 1,
                    offset: 13,
                    ..
                }
            ),
            "{e}"
        );
    }
}
