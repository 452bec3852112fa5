//! The document type every reader produces.

use serde_json::{Map, Value};

/// One article: its id, text, labels if any, and the extra fields of its record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// Identifier (from the record, or made from the file name and line).
    pub id: String,
    /// The article text.
    pub text: String,
    /// Labels, if the record carries any.
    pub labels: Option<Labels>,
    /// Other fields of the record (title, date, url, source, ...), passed through to output.
    pub extra: Map<String, Value>,
}

/// The labels of a record: one (`label`) or a set (`labels`, possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Labels {
    /// A single-label record.
    Single(String),
    /// A multi-label record; empty means "none of these labels".
    Multi(Vec<String>),
}

impl Labels {
    /// The labels as a slice.
    pub fn as_slice(&self) -> &[String] {
        match self {
            Labels::Single(l) => std::slice::from_ref(l),
            Labels::Multi(ls) => ls,
        }
    }

    /// Whether the record used the multi-label form.
    pub fn is_multi(&self) -> bool {
        matches!(self, Labels::Multi(_))
    }
}

impl Document {
    /// A document with only an id and a text.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Document {
            id: id.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    /// Builder: set a single label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.labels = Some(Labels::Single(label.into()));
        self
    }

    /// Builder: set a label set.
    pub fn with_labels<S: Into<String>>(mut self, labels: impl IntoIterator<Item = S>) -> Self {
        self.labels = Some(Labels::Multi(labels.into_iter().map(Into::into).collect()));
        self
    }
}
