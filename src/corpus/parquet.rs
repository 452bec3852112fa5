//! Reading articles from Apache Parquet files (`.parquet`): one article per row, the columns
//! named as JSON Lines fields are (`--text-field` and the like). The other columns become the
//! record's extra fields, as JSON values (numbers, strings, lists, structs; timestamps as
//! ISO 8601 text), so that every output format passes them through. In errors, a "line" is a
//! row of the file, from 1.

use super::fields::document_from_object;
use super::{CorpusError, Document, Documents, Fields, LabelUse};
use arrow_array::{Array, RecordBatch, StringArray};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// Rows decoded at a time.
const ROWS: usize = 4096;

/// Open a Parquet file of articles.
pub(crate) fn open(
    path: &Path,
    fields: &Fields,
    use_labels: LabelUse,
) -> Result<Documents, CorpusError> {
    let file = super::open_file(path)?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(ROWS).build())
        .map_err(|e| not_parquet(path, e))?;
    Ok(Box::new(Rows {
        path: path.to_path_buf(),
        fields: fields.clone(),
        use_labels,
        reader: Some(reader),
        ready: VecDeque::new(),
        row: 0,
    }))
}

fn not_parquet(path: &Path, e: impl std::fmt::Display) -> CorpusError {
    CorpusError::Unsupported {
        path: path.to_path_buf(),
        message: format!("not a readable Parquet file: {e}"),
    }
}

struct Rows {
    path: PathBuf,
    fields: Fields,
    use_labels: LabelUse,
    reader: Option<ParquetRecordBatchReader>,
    ready: VecDeque<Result<Document, CorpusError>>,
    /// Rows read before the current batch.
    row: u64,
}

impl Iterator for Rows {
    type Item = Result<Document, CorpusError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(d) = self.ready.pop_front() {
                return Some(d);
            }
            let batch = match self.reader.as_mut()?.next()? {
                Ok(b) => b,
                Err(e) => {
                    // A corrupt page ends the file.
                    self.reader = None;
                    return Some(Err(not_parquet(&self.path, e)));
                }
            };
            match documents(&batch, &self.fields, &self.path, self.row, self.use_labels) {
                Ok(docs) => self.ready.extend(docs),
                Err(e) => {
                    self.reader = None;
                    return Some(Err(e));
                }
            }
            self.row += batch.num_rows() as u64;
        }
    }
}

/// The documents of one batch whose first row is row `first` (from 0) of the file.
fn documents(
    batch: &RecordBatch,
    fields: &Fields,
    path: &Path,
    first: u64,
    use_labels: LabelUse,
) -> Result<Vec<Result<Document, CorpusError>>, CorpusError> {
    // The text is taken from its column as it is; the other columns go through JSON, which
    // gives the record's fields the same values a JSON Lines record would have.
    let text: Option<StringArray> = batch.column_by_name(&fields.text).and_then(|a| {
        let stringy = matches!(
            a.data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        );
        stringy
            .then(|| arrow_cast::cast(a, &DataType::Utf8).ok())
            .flatten()
            .and_then(|a| a.as_any().downcast_ref::<StringArray>().cloned())
    });
    let others: Vec<usize> = batch
        .schema()
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| text.is_none() || f.name() != &fields.text)
        .map(|(i, _)| i)
        .collect();
    let rest = batch.project(&others).map_err(|e| not_parquet(path, e))?;
    let mut objects = json_objects(&rest).map_err(|e| not_parquet(path, e))?;
    objects.resize_with(batch.num_rows(), Map::new);
    Ok(objects
        .into_iter()
        .enumerate()
        .map(|(i, mut obj)| {
            if let Some(text) = &text {
                if !text.is_null(i) {
                    obj.insert(
                        fields.text.clone(),
                        Value::String(text.value(i).to_string()),
                    );
                }
            }
            let line = first + i as u64 + 1;
            document_from_object(obj, fields, path, line, false, use_labels)
        })
        .collect())
}

/// Each row of `batch` as a JSON object (null values left out, as a JSON Lines record
/// would).
fn json_objects(batch: &RecordBatch) -> Result<Vec<Map<String, Value>>, String> {
    if batch.num_columns() == 0 {
        return Ok(Vec::new());
    }
    let mut bytes = Vec::new();
    {
        let mut w = arrow_json::LineDelimitedWriter::new(&mut bytes);
        w.write(batch).map_err(|e| e.to_string())?;
        w.finish().map_err(|e| e.to_string())?;
    }
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).map_err(|e| e.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, Int64Array, ListArray};
    use parquet::arrow::ArrowWriter;
    use std::sync::Arc;

    fn write(path: &Path, columns: Vec<(&str, ArrayRef)>) {
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let mut w =
            ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None)
                .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }

    #[test]
    fn rows_become_documents_with_their_other_columns() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.parquet");
        write(
            &p,
            vec![
                ("id", Arc::new(Int64Array::from(vec![7, 8])) as ArrayRef),
                (
                    "text",
                    Arc::new(StringArray::from(vec!["Chips export ban.", "Ransomware."])),
                ),
                (
                    "label",
                    Arc::new(StringArray::from(vec![Some("sanctions"), None])),
                ),
                (
                    "tags",
                    Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
                        Some(vec![Some(1), Some(2)]),
                        None,
                    ])),
                ),
            ],
        );
        let docs: Vec<Document> = open(&p, &Fields::default(), LabelUse::Optional)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(
            (docs[0].id.as_str(), docs[0].text.as_str()),
            ("7", "Chips export ban.")
        );
        assert_eq!(
            docs[0].labels,
            Some(crate::corpus::Labels::Single("sanctions".into()))
        );
        assert_eq!(docs[0].extra["tags"], serde_json::json!([1, 2]));
        assert_eq!(docs[1].labels, None);
        assert!(!docs[1].extra.contains_key("tags"));
        // Labels required: the second row is named.
        let e = open(&p, &Fields::default(), LabelUse::Required)
            .unwrap()
            .nth(1)
            .unwrap()
            .unwrap_err();
        assert!(e.to_string().contains("a.parquet:2: missing field"), "{e}");
    }

    #[test]
    fn a_file_that_is_not_parquet_or_lacks_text_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.parquet");
        std::fs::write(&p, b"{\"text\": \"not parquet\"}\n").unwrap();
        let e = open(&p, &Fields::default(), LabelUse::Ignored)
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .contains("b.parquet: not a readable Parquet file"),
            "{e}"
        );
        let p = dir.path().join("c.parquet");
        write(
            &p,
            vec![("body", Arc::new(StringArray::from(vec!["x"])) as ArrayRef)],
        );
        let e = open(&p, &Fields::default(), LabelUse::Ignored)
            .unwrap()
            .next()
            .unwrap()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{}:1: missing field \"text\"", p.display())
        );
        assert!(e.is_record_error());
        let p = dir.path().join("d.parquet");
        write(
            &p,
            vec![("text", Arc::new(Int64Array::from(vec![1])) as ArrayRef)],
        );
        let e = open(&p, &Fields::default(), LabelUse::Ignored)
            .unwrap()
            .next()
            .unwrap()
            .unwrap_err();
        assert!(
            e.to_string()
                .contains(":1: field \"text\" must be a string"),
            "{e}"
        );
    }
}
