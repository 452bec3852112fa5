//! Field (column) names of records, and turning a parsed record into a [`Document`].

use super::{CorpusError, Document, Labels};
use serde_json::{Map, Value};
use std::path::Path;

/// Names of the fields (JSON Lines) or columns (CSV) that hold each part of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    /// Identifier field (optional in records).
    pub id: String,
    /// Text field.
    pub text: String,
    /// Single-label field.
    pub label: String,
    /// Multi-label field (a JSON list; in CSV, labels separated by `|`).
    pub labels: String,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            id: "id".into(),
            text: "text".into(),
            label: "label".into(),
            labels: "labels".into(),
        }
    }
}

/// What a reader does with the label fields of its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabelUse {
    /// Every record must carry labels (training, evaluation).
    Required,
    /// Labels are read when present (clustering scores itself against them).
    #[default]
    Optional,
    /// Labels are not read, and dropped (classification: its output has its own labels).
    Ignored,
}

/// Build a document from a JSON object (JSON Lines record, or a CSV row turned into one).
pub(crate) fn document_from_object(
    mut obj: Map<String, Value>,
    fields: &Fields,
    path: &Path,
    line: u64,
    labels_as_text: bool,
    use_labels: LabelUse,
) -> Result<Document, CorpusError> {
    let field_type = |field: &str, expected| CorpusError::FieldType {
        path: path.to_path_buf(),
        line,
        field: field.to_string(),
        expected,
    };
    let text = match obj.shift_remove(&fields.text) {
        Some(Value::String(s)) => s,
        Some(Value::Null) | None => {
            return Err(CorpusError::MissingField {
                path: path.to_path_buf(),
                line,
                field: fields.text.clone(),
            })
        }
        Some(_) => return Err(field_type(&fields.text, "a string")),
    };
    if text.trim().is_empty() {
        return Err(CorpusError::EmptyText {
            path: path.to_path_buf(),
            line,
        });
    }
    let id = match obj.shift_remove(&fields.id) {
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Null) | None => format!("{}:{line}", path.display()),
        Some(_) => return Err(field_type(&fields.id, "a string or a number")),
    };
    if use_labels == LabelUse::Ignored {
        // Not read, whatever they hold, and not passed through either (the output record has
        // its own `labels`).
        obj.shift_remove(&fields.label);
        obj.shift_remove(&fields.labels);
        return Ok(Document {
            id,
            text,
            labels: None,
            extra: obj,
        });
    }
    let labels = match obj.shift_remove(&fields.labels) {
        Some(Value::Array(items)) => {
            let mut ls = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) if !s.trim().is_empty() => ls.push(s.trim().to_string()),
                    _ => return Err(field_type(&fields.labels, "a list of non-empty strings")),
                }
            }
            ls.sort();
            ls.dedup();
            Some(Labels::Multi(ls))
        }
        Some(Value::String(s)) if labels_as_text => {
            let mut ls: Vec<String> = s
                .split('|')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect();
            ls.sort();
            ls.dedup();
            Some(Labels::Multi(ls))
        }
        Some(Value::Null) | None => None,
        Some(_) => return Err(field_type(&fields.labels, "a list of strings")),
    };
    let label = match obj.shift_remove(&fields.label) {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            Some(Labels::Single(s.trim().to_string()))
        }
        Some(Value::Number(n)) => Some(Labels::Single(n.to_string())),
        // An empty label is no label (a blank CSV cell, an unlabelled record).
        Some(Value::String(_) | Value::Null) | None => None,
        Some(_) => return Err(field_type(&fields.label, "a non-empty string")),
    };
    if labels.is_some() && label.is_some() {
        return Err(CorpusError::Invalid {
            path: path.to_path_buf(),
            line,
            message: format!(
                "both \"{}\" and \"{}\": give one or the other",
                fields.label, fields.labels
            ),
        });
    }
    let labels = labels.or(label);
    if use_labels == LabelUse::Required && labels.is_none() {
        return Err(CorpusError::MissingField {
            path: path.to_path_buf(),
            line,
            field: format!("{}\" or \"{}", fields.label, fields.labels),
        });
    }
    Ok(Document {
        id,
        text,
        labels,
        extra: obj,
    })
}
