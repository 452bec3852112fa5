//! The output record as Apache Arrow columns, and classifying an Arrow record batch: what
//! `veille classify --format parquet` writes, and what the Python package's
//! `classify_arrow` returns (through the Arrow C data interface, without copying).
//!
//! The columns carry the fields of [`Record`](super::Record) with the same names, in the same
//! order, with scores and weights rounded to 4 decimals as in JSON Lines, so that a row and a
//! JSON Lines record of the same article say the same thing:
//!
//! | column | type |
//! |---|---|
//! | `id` | utf8 |
//! | `labels` | list\<utf8\> |
//! | `scores` | list\<struct\<label: utf8, score: float64\>\> |
//! | `language` | utf8 |
//! | `language_supported` | bool |
//! | `terms` | list\<struct\<term: utf8, weight: float64\>\> |
//! | `evidence` | list\<struct\<label: utf8, score: float64, terms: list\<struct\<term, weight\>\>, passages: list\<struct\<index: int64, start: int64, end: int64, score: float64, snippet: utf8\>\>\>\> |
//! | `passages` | int64 |
//!
//! Integers are signed (Spark has no unsigned types). The input's other columns follow,
//! unchanged: in [`classify_record_batch`] the very arrays of the input batch.

use super::record::{round4, PassThrough, RESERVED_FIELDS};
use super::{Classification, ClassifyOptions, Scorer, Session};
use crate::corpus::Fields;
use arrow_array::builder::{BooleanBuilder, Int64Builder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, Float64Array, ListArray, RecordBatch, StringArray, StructArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{ArrowError, DataType, Field, FieldRef, Fields as ArrowFields, Schema};
use std::sync::{Arc, LazyLock};

/// Errors of classifying an Arrow batch: the batch does not hold what an article needs.
#[derive(Debug, thiserror::Error)]
pub enum ArrowInputError {
    /// No column of the text field's name.
    #[error("no column \"{column}\" (the text field) in the batch; its columns are: {found}")]
    NoTextColumn {
        /// The text field.
        column: String,
        /// The batch's column names.
        found: String,
    },
    /// A column that cannot be read as text.
    #[error("column \"{column}\" must hold strings, found {found}")]
    NotText {
        /// The column.
        column: String,
        /// Its Arrow type.
        found: String,
    },
    /// An article without text.
    #[error("row {row}: column \"{column}\" is null or blank")]
    EmptyText {
        /// 0-based row of the batch.
        row: usize,
        /// The text column.
        column: String,
    },
    /// Arrow refused to build the output (a bug, or input arrays it cannot combine).
    #[error("cannot build the output batch: {0}")]
    Arrow(#[from] ArrowError),
}

fn term_fields(name: &str) -> ArrowFields {
    ArrowFields::from(vec![
        Field::new(name, DataType::Utf8, false),
        Field::new("weight", DataType::Float64, false),
    ])
}

fn list_of(fields: ArrowFields) -> DataType {
    DataType::List(Arc::new(Field::new(
        "item",
        DataType::Struct(fields),
        false,
    )))
}

fn passage_fields() -> ArrowFields {
    ArrowFields::from(vec![
        Field::new("index", DataType::Int64, false),
        Field::new("start", DataType::Int64, false),
        Field::new("end", DataType::Int64, false),
        Field::new("score", DataType::Float64, false),
        Field::new("snippet", DataType::Utf8, false),
    ])
}

fn score_fields() -> ArrowFields {
    ArrowFields::from(vec![
        Field::new("label", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
    ])
}

fn evidence_fields() -> ArrowFields {
    ArrowFields::from(vec![
        Field::new("label", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("terms", list_of(term_fields("term")), false),
        Field::new("passages", list_of(passage_fields()), false),
    ])
}

static RECORD_FIELDS: LazyLock<Vec<FieldRef>> = LazyLock::new(|| {
    vec![
        Arc::new(Field::new("id", DataType::Utf8, false)),
        Arc::new(Field::new(
            "labels",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, false))),
            false,
        )),
        Arc::new(Field::new("scores", list_of(score_fields()), false)),
        Arc::new(Field::new("language", DataType::Utf8, false)),
        Arc::new(Field::new("language_supported", DataType::Boolean, false)),
        Arc::new(Field::new("terms", list_of(term_fields("term")), false)),
        Arc::new(Field::new("evidence", list_of(evidence_fields()), false)),
        Arc::new(Field::new("passages", DataType::Int64, false)),
    ]
});

/// The columns a record writes itself, in order (see the module documentation).
pub fn record_fields() -> &'static [FieldRef] {
    &RECORD_FIELDS
}

/// Offsets and a flat child, the parts of a list column.
struct Lists {
    offsets: Vec<usize>,
}

impl Lists {
    fn new() -> Self {
        Lists { offsets: vec![0] }
    }
    fn close(&mut self, child_len: usize) {
        self.offsets.push(child_len);
    }
    fn finish(self, item: DataType, child: ArrayRef) -> ArrayRef {
        let lengths = self.offsets.windows(2).map(|w| w[1] - w[0]);
        Arc::new(ListArray::new(
            Arc::new(Field::new("item", item, false)),
            OffsetBuffer::from_lengths(lengths),
            child,
            None,
        ))
    }
}

/// `(name, weight)` pairs of a list of terms.
struct TermColumns {
    lists: Lists,
    term: StringBuilder,
    weight: Vec<f64>,
}

impl TermColumns {
    fn new() -> Self {
        TermColumns {
            lists: Lists::new(),
            term: StringBuilder::new(),
            weight: Vec::new(),
        }
    }
    fn push(&mut self, terms: &[(String, f64)]) {
        for (t, w) in terms {
            self.term.append_value(t);
            self.weight.push(round4(*w));
        }
        self.lists.close(self.weight.len());
    }
    fn finish(mut self) -> ArrayRef {
        let fields = term_fields("term");
        let child = StructArray::new(
            fields.clone(),
            vec![
                Arc::new(self.term.finish()),
                Arc::new(Float64Array::from(self.weight)),
            ],
            None,
        );
        self.lists.finish(DataType::Struct(fields), Arc::new(child))
    }
}

/// Builds the record columns of classified articles, row by row.
pub struct RecordColumns {
    rows: usize,
    id: StringBuilder,
    labels: Lists,
    label_names: StringBuilder,
    n_label_names: usize,
    scores: Lists,
    score_label: StringBuilder,
    score_value: Vec<f64>,
    language: StringBuilder,
    supported: BooleanBuilder,
    terms: TermColumns,
    evidence: Lists,
    ev_label: StringBuilder,
    ev_score: Vec<f64>,
    ev_terms: TermColumns,
    ev_passages: Lists,
    p_index: Int64Builder,
    p_start: Int64Builder,
    p_end: Int64Builder,
    p_score: Vec<f64>,
    p_snippet: StringBuilder,
    n_passages: Int64Builder,
}

impl Default for RecordColumns {
    fn default() -> Self {
        Self::new()
    }
}

fn int(x: usize) -> i64 {
    i64::try_from(x).unwrap_or(i64::MAX)
}

impl RecordColumns {
    /// No rows yet.
    pub fn new() -> Self {
        RecordColumns {
            rows: 0,
            id: StringBuilder::new(),
            labels: Lists::new(),
            label_names: StringBuilder::new(),
            n_label_names: 0,
            scores: Lists::new(),
            score_label: StringBuilder::new(),
            score_value: Vec::new(),
            language: StringBuilder::new(),
            supported: BooleanBuilder::new(),
            terms: TermColumns::new(),
            evidence: Lists::new(),
            ev_label: StringBuilder::new(),
            ev_score: Vec::new(),
            ev_terms: TermColumns::new(),
            ev_passages: Lists::new(),
            p_index: Int64Builder::new(),
            p_start: Int64Builder::new(),
            p_end: Int64Builder::new(),
            p_score: Vec::new(),
            p_snippet: StringBuilder::new(),
            n_passages: Int64Builder::new(),
        }
    }

    /// Rows added.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Add the row of one article.
    pub fn push<S: Scorer + ?Sized>(&mut self, id: &str, c: &Classification, model: &S) {
        self.rows += 1;
        self.id.append_value(id);
        for &l in &c.labels {
            self.label_names.append_value(model.output_name(l));
        }
        self.n_label_names += c.labels.len();
        self.labels.close(self.n_label_names);
        for &(l, p) in &c.scores {
            self.score_label.append_value(model.output_name(l));
            self.score_value.push(round4(p));
        }
        self.scores.close(self.score_value.len());
        self.language.append_value(c.language);
        self.supported.append_value(c.language_supported);
        self.terms.push(&c.terms);
        for e in &c.evidence {
            self.ev_label.append_value(model.output_name(e.label));
            self.ev_score.push(round4(e.score));
            self.ev_terms.push(&e.terms);
            for p in &e.passages {
                self.p_index.append_value(int(p.index));
                self.p_start.append_value(int(p.start));
                self.p_end.append_value(int(p.end));
                self.p_score.push(round4(p.score));
                self.p_snippet.append_value(&p.snippet);
            }
            self.ev_passages.close(self.p_score.len());
        }
        self.evidence.close(self.ev_score.len());
        self.n_passages.append_value(int(c.n_passages));
    }

    /// The columns, in the order of [`record_fields`].
    pub fn finish(mut self) -> Vec<ArrayRef> {
        let scores = StructArray::new(
            score_fields(),
            vec![
                Arc::new(self.score_label.finish()),
                Arc::new(Float64Array::from(self.score_value)),
            ],
            None,
        );
        let passages = StructArray::new(
            passage_fields(),
            vec![
                Arc::new(self.p_index.finish()),
                Arc::new(self.p_start.finish()),
                Arc::new(self.p_end.finish()),
                Arc::new(Float64Array::from(self.p_score)),
                Arc::new(self.p_snippet.finish()),
            ],
            None,
        );
        let evidence = StructArray::new(
            evidence_fields(),
            vec![
                Arc::new(self.ev_label.finish()),
                Arc::new(Float64Array::from(self.ev_score)),
                self.ev_terms.finish(),
                self.ev_passages
                    .finish(DataType::Struct(passage_fields()), Arc::new(passages)),
            ],
            None,
        );
        vec![
            Arc::new(self.id.finish()) as ArrayRef,
            self.labels
                .finish(DataType::Utf8, Arc::new(self.label_names.finish())),
            self.scores
                .finish(DataType::Struct(score_fields()), Arc::new(scores)),
            Arc::new(self.language.finish()),
            Arc::new(self.supported.finish()),
            self.terms.finish(),
            self.evidence
                .finish(DataType::Struct(evidence_fields()), Arc::new(evidence)),
            Arc::new(self.n_passages.finish()),
        ]
    }
}

/// A column of the batch as strings (dictionary-encoded, large, view and integer columns are
/// converted; a utf8 column is used as it is).
fn strings(batch: &RecordBatch, column: &str) -> Result<Option<StringArray>, ArrowInputError> {
    let Some(array) = batch.column_by_name(column) else {
        return Ok(None);
    };
    let not_text = || ArrowInputError::NotText {
        column: column.to_string(),
        found: array.data_type().to_string(),
    };
    let readable = matches!(
        array.data_type(),
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Dictionary(_, _)
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    );
    if !readable {
        return Err(not_text());
    }
    let cast = arrow_cast::cast(array, &DataType::Utf8).map_err(|_| not_text())?;
    cast.as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .map(Some)
        .ok_or_else(not_text)
}

/// Classify the articles of an Arrow batch: the text in column `fields.text`, the id in
/// `fields.id` when there is one (else the row number in the batch, from 0). The output holds
/// the [`record_fields`] columns, then the input's other columns as they are (the same
/// arrays, not copies), except the text and label columns and those named like a record
/// field.
pub fn classify_record_batch<S: Scorer + ?Sized>(
    session: &Session<'_, S>,
    batch: &RecordBatch,
    fields: &Fields,
    opts: &ClassifyOptions,
) -> Result<RecordBatch, ArrowInputError> {
    let text = strings(batch, &fields.text)?.ok_or_else(|| ArrowInputError::NoTextColumn {
        column: fields.text.clone(),
        found: batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    let ids = strings(batch, &fields.id)?;
    let mut texts: Vec<&str> = Vec::with_capacity(text.len());
    for row in 0..text.len() {
        if text.is_null(row) || text.value(row).trim().is_empty() {
            return Err(ArrowInputError::EmptyText {
                row,
                column: fields.text.clone(),
            });
        }
        texts.push(text.value(row));
    }
    let results = session.classify_batch(&texts, opts);
    let model = session.scorer();
    let mut columns = RecordColumns::new();
    let mut row_id = String::new();
    for (row, c) in results.iter().enumerate() {
        let id = match &ids {
            Some(ids) if !ids.is_null(row) => ids.value(row),
            _ => {
                row_id.clear();
                row_id.push_str(&row.to_string());
                &row_id
            }
        };
        columns.push(id, c, model);
    }
    let mut schema_fields: Vec<FieldRef> = record_fields().to_vec();
    let mut arrays = columns.finish();
    let schema = batch.schema();
    for (f, a) in schema.fields().iter().zip(batch.columns()) {
        let name = f.name().as_str();
        if passes_through(name, fields) {
            schema_fields.push(f.clone());
            arrays.push(a.clone());
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(schema_fields)),
        arrays,
    )?)
}

/// Whether an input field is copied to the output record (as in JSON Lines: not the text, not
/// the label fields, not a name the record writes itself).
pub fn passes_through(name: &str, fields: &Fields) -> bool {
    name != fields.text
        && name != fields.id
        && name != fields.label
        && name != fields.labels
        && !RESERVED_FIELDS.contains(&name)
}

/// Errors of writing records as Parquet.
#[derive(Debug, thiserror::Error)]
pub enum ParquetOutputError {
    /// An article carries a field the file's columns do not have: they are set by the first
    /// batch of articles.
    #[error("article \"{id}\": field \"{field}\" is not among the Parquet output's columns, which the first {first} articles set; give every article the same fields, or write JSON Lines")]
    NewField {
        /// The article.
        id: String,
        /// Its field.
        field: String,
        /// Articles in the first batch.
        first: usize,
    },
    /// A field whose values cannot share one column (a number, then a list).
    #[error("articles \"{first_id}\" to \"{last_id}\": {message}")]
    FieldValues {
        /// First article of the batch.
        first_id: String,
        /// Last article of the batch.
        last_id: String,
        /// What Arrow said.
        message: String,
    },
    /// Writing failed (a full disk, a closed pipe) or Arrow refused the columns.
    #[error("cannot write Parquet: {0}")]
    Write(#[from] parquet::errors::ParquetError),
    /// Arrow refused the columns.
    #[error("cannot build the Parquet columns: {0}")]
    Arrow(#[from] ArrowError),
}

/// Writes classified articles as one Parquet file (snappy-compressed): the
/// [`record_fields`] columns, then the articles' other fields. Those are typed from the first
/// batch of articles (numbers, strings, lists and objects as JSON would have them), in the
/// order they first appear.
pub struct ParquetRecordWriter<W: std::io::Write + Send> {
    state: State<W>,
    extras: Option<Arc<Schema>>,
    first: usize,
}

impl<W: std::io::Write + Send> ParquetRecordWriter<W> {
    /// A writer to `out`; nothing is written before the first batch.
    pub fn new(out: W) -> Self {
        ParquetRecordWriter {
            state: State::Waiting(out),
            extras: None,
            first: 0,
        }
    }

    /// Write the records of one batch of articles.
    pub fn write<S: Scorer + ?Sized>(
        &mut self,
        docs: &[crate::corpus::Document],
        results: &[Classification],
        model: &S,
    ) -> Result<(), ParquetOutputError> {
        if docs.is_empty() {
            return Ok(());
        }
        let schema = match &self.extras {
            Some(schema) => schema.clone(),
            None => {
                // Only the first batch is turned into JSON values, to type the columns.
                let objects = docs
                    .iter()
                    .map(|d| serde_json::to_value(PassThrough(&d.extra)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| ArrowError::JsonError(e.to_string()))?;
                let schema = extras_schema(&objects)?;
                self.extras = Some(schema.clone());
                self.first = docs.len();
                schema
            }
        };
        let mut lines = Vec::new();
        for d in docs {
            let fields = PassThrough(&d.extra);
            if let Some((k, _)) = fields
                .fields()
                .find(|(k, _)| schema.field_with_name(k).is_err())
            {
                return Err(ParquetOutputError::NewField {
                    id: d.id.clone(),
                    field: k.clone(),
                    first: self.first,
                });
            }
            serde_json::to_writer(&mut lines, &fields)
                .map_err(|e| ArrowError::JsonError(e.to_string()))?;
            lines.push(b'\n');
        }
        let values = |e: ArrowError| ParquetOutputError::FieldValues {
            first_id: docs[0].id.clone(),
            last_id: docs[docs.len() - 1].id.clone(),
            message: e.to_string(),
        };
        let mut extra_columns: Vec<ArrayRef> = Vec::new();
        if !schema.fields().is_empty() {
            let mut decoder = arrow_json::ReaderBuilder::new(schema.clone())
                .with_strict_mode(true)
                .with_batch_size(docs.len())
                .build_decoder()?;
            decoder.decode(&lines).map_err(values)?;
            if let Some(b) = decoder.flush().map_err(values)? {
                extra_columns = b.columns().to_vec();
            }
        }
        let mut columns = RecordColumns::new();
        for (d, c) in docs.iter().zip(results) {
            columns.push(&d.id, c, model);
        }
        let mut arrays = columns.finish();
        arrays.extend(extra_columns);
        let mut fields: Vec<FieldRef> = record_fields().to_vec();
        fields.extend(schema.fields().iter().cloned());
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?;
        self.state.start(batch.schema())?;
        if let State::Writing(w) = &mut self.state {
            w.write(&batch)?;
        }
        Ok(())
    }

    /// Finish the file (its footer) and give the output back; a file with no article holds the
    /// record columns and no row.
    pub fn finish(mut self) -> Result<W, ParquetOutputError> {
        self.state
            .start(Arc::new(Schema::new(record_fields().to_vec())))?;
        match std::mem::replace(&mut self.state, State::Done) {
            State::Writing(w) => Ok(w.into_inner()?),
            _ => Err(ParquetOutputError::Arrow(ArrowError::InvalidArgumentError(
                "the Parquet writer was already finished".into(),
            ))),
        }
    }
}

/// Rows per Parquet row group.
const ROW_GROUP: usize = 65_536;

/// Where the Parquet writer stands: its schema comes with the first batch.
enum State<W: std::io::Write + Send> {
    Waiting(W),
    Writing(Box<parquet::arrow::ArrowWriter<W>>),
    Done,
}

impl<W: std::io::Write + Send> State<W> {
    /// Start the file with `schema` unless it is started.
    fn start(&mut self, schema: Arc<Schema>) -> Result<(), ParquetOutputError> {
        if let State::Waiting(_) = self {
            let State::Waiting(out) = std::mem::replace(self, State::Done) else {
                return Ok(());
            };
            let props = parquet::file::properties::WriterProperties::builder()
                .set_compression(parquet::basic::Compression::SNAPPY)
                .set_created_by(format!("veille {}", env!("CARGO_PKG_VERSION")))
                // Row groups bound the memory of a long run.
                .set_max_row_group_row_count(Some(ROW_GROUP))
                .build();
            *self = State::Writing(Box::new(parquet::arrow::ArrowWriter::try_new(
                out,
                schema,
                Some(props),
            )?));
        }
        Ok(())
    }
}

/// The types of the extra fields, from the first batch, in the order they first appear.
fn extras_schema(objects: &[serde_json::Value]) -> Result<Arc<Schema>, ArrowError> {
    let inferred = arrow_json::reader::infer_json_schema_from_iterator(objects.iter().map(Ok))?;
    let mut order: Vec<&str> = Vec::new();
    for o in objects {
        if let serde_json::Value::Object(m) = o {
            for k in m.keys() {
                if !order.contains(&k.as_str()) {
                    order.push(k);
                }
            }
        }
    }
    let fields: Vec<FieldRef> = order
        .iter()
        .filter_map(|k| inferred.field_with_name(k).ok())
        .map(|f| Arc::new(f.clone().with_nullable(true)))
        .collect();
    Ok(Arc::new(Schema::new(fields)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tiny_model;
    use arrow_array::cast::AsArray;
    use arrow_array::Int64Array;

    fn batch(texts: Vec<Option<&str>>) -> RecordBatch {
        let n = texts.len();
        RecordBatch::try_from_iter(vec![
            (
                "id",
                Arc::new(Int64Array::from_iter_values(0..n as i64 + 10).slice(10, n)) as ArrayRef,
            ),
            ("text", Arc::new(StringArray::from(texts)) as ArrayRef),
            (
                "url",
                Arc::new(StringArray::from(vec!["https://example.org/"; n])) as ArrayRef,
            ),
            (
                "label",
                Arc::new(StringArray::from(vec!["x"; n])) as ArrayRef,
            ),
        ])
        .unwrap()
    }

    #[test]
    fn a_batch_gets_the_records_columns_and_keeps_its_own() {
        let m = tiny_model();
        let session = Session::new(&m);
        let input = batch(vec![
            Some("New export controls on chips."),
            Some("Ransomware hits a hospital."),
        ]);
        let opts = ClassifyOptions::default();
        let out = classify_record_batch(&session, &input, &Fields::default(), &opts).unwrap();
        let names: Vec<&str> = out
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        // The record's fields, as JSON Lines names them, then the input's own.
        let mut expected = RESERVED_FIELDS.to_vec();
        expected.push("url");
        assert_eq!(names, expected);
        // The pass-through column is the input's own array.
        let url_in = input.column_by_name("url").unwrap().to_data();
        let url_out = out.column_by_name("url").unwrap().to_data();
        assert_eq!(
            url_in.buffers()[1].as_ptr(),
            url_out.buffers()[1].as_ptr(),
            "copied, not passed through"
        );
        let ids = out.column(0).as_string::<i32>();
        assert_eq!((ids.value(0), ids.value(1)), ("10", "11"));
        // Same ranking and rounding as the JSON record.
        let c = m.classify_batch(&["New export controls on chips."], &opts);
        let scores = out.column(2).as_list::<i32>().value(0);
        let scores = scores.as_struct();
        let first = scores
            .column(1)
            .as_primitive::<arrow_array::types::Float64Type>();
        assert_eq!(first.value(0), round4(c[0].scores[0].1));
        assert_eq!(
            scores.column(0).as_string::<i32>().value(0),
            m.label(c[0].scores[0].0)
        );
    }

    #[test]
    fn a_null_text_or_a_missing_column_is_named() {
        let m = tiny_model();
        let session = Session::new(&m);
        let opts = ClassifyOptions::default();
        let e = classify_record_batch(
            &session,
            &batch(vec![Some("chips"), None]),
            &Fields::default(),
            &opts,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "row 1: column \"text\" is null or blank");
        let fields = Fields {
            text: "body".into(),
            ..Fields::default()
        };
        let e = classify_record_batch(&session, &batch(vec![Some("chips")]), &fields, &opts)
            .unwrap_err();
        assert!(e.to_string().starts_with("no column \"body\""), "{e}");
        assert_eq!(e.class(), crate::ErrorClass::Input);
    }
}
