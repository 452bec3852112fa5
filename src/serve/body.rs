//! Request bodies into articles: one JSON object, a JSON array of them, JSON Lines, or plain
//! text (one article), with the records of `veille classify` (same fields, pass-through
//! included). Positions in messages and default ids count from 1: the line of JSON Lines, the
//! place in an array.

use super::problem::ApiError;
use crate::corpus::fields::document_from_object;
use crate::corpus::jsonl::Record;
use crate::corpus::{CorpusError, Document, Fields, JsonlReader, LabelUse};
use std::path::Path;

/// What a request body holds, and so what the answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One JSON object (or plain text): one record back.
    One,
    /// A JSON array: an array of records back.
    Array,
    /// JSON Lines: JSON Lines back.
    Lines,
}

/// Media types of JSON Lines bodies.
pub const JSONL_TYPES: [&str; 3] = [
    "application/x-ndjson",
    "application/jsonl",
    "application/json-lines",
];

/// How the body is read, from its `Content-Type` (parameters such as `charset` ignored).
pub fn shape_of(content_type: Option<&str>) -> Result<(Shape, bool), ApiError> {
    let unsupported = |what: &str| {
        ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "{what}: send application/json (one article or an array), application/x-ndjson (JSON Lines) or text/plain (one article)"
            ),
        )
    };
    let Some(ct) = content_type else {
        return Err(unsupported("no Content-Type"));
    };
    let mut parts = ct.split(';');
    let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            let v = v.trim().trim_matches('"');
            if k.trim().eq_ignore_ascii_case("charset") && !v.eq_ignore_ascii_case("utf-8") {
                return Err(unsupported(&format!("charset {v}")));
            }
        }
    }
    match media.as_str() {
        "application/json" => Ok((Shape::One, true)),
        "text/plain" => Ok((Shape::One, false)),
        m if JSONL_TYPES.contains(&m) => Ok((Shape::Lines, true)),
        m => Err(unsupported(&format!("Content-Type {m}"))),
    }
}

/// Limits on what one request may carry.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Articles per request.
    pub max_articles: usize,
    /// Bytes of one article's text.
    pub max_article_bytes: usize,
}

/// The articles of a body. `json` is false for plain text.
pub fn articles(
    bytes: &[u8],
    shape: Shape,
    json: bool,
    fields: &Fields,
    limits: BodyLimits,
) -> Result<(Shape, Vec<Document>), ApiError> {
    let name = Path::new("request");
    let (shape, docs) = if !json {
        let text = utf8(bytes)?;
        if text.trim().is_empty() {
            return Err(ApiError::unprocessable("request: empty text"));
        }
        (Shape::One, vec![Document::new("request:1", text)])
    } else if shape == Shape::Lines {
        let mut docs = Vec::new();
        for d in JsonlReader::new(bytes, name, fields.clone()).labels(LabelUse::Ignored) {
            docs.push(d.map_err(corpus_error)?);
            if docs.len() > limits.max_articles {
                return Err(too_many(limits.max_articles));
            }
        }
        (Shape::Lines, docs)
    } else {
        json_articles(bytes, fields, limits)?
    };
    for (i, d) in docs.iter().enumerate() {
        if d.text.len() > limits.max_article_bytes {
            return Err(ApiError::too_large(
                "article_too_large",
                format!(
                    "request:{}: the article's text is {} bytes, more than the limit of {} (--max-article-bytes)",
                    i + 1,
                    d.text.len(),
                    limits.max_article_bytes
                ),
            ));
        }
    }
    Ok((shape, docs))
}

/// One JSON object, or an array of them.
fn json_articles(
    bytes: &[u8],
    fields: &Fields,
    limits: BodyLimits,
) -> Result<(Shape, Vec<Document>), ApiError> {
    let name = Path::new("request");
    let text = utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))?;
    let first = text.bytes().find(|b| !b.is_ascii_whitespace());
    let json_error = |e: serde_json::Error| {
        let msg = format!("request: {e}");
        if e.is_data() {
            ApiError::unprocessable(msg)
        } else {
            ApiError::bad_request("bad_json", msg)
        }
    };
    let doc = |i: usize, Record(obj)| {
        document_from_object(obj, fields, name, i as u64 + 1, false, LabelUse::Ignored)
            .map_err(corpus_error)
    };
    match first {
        Some(b'[') => {
            let records: Vec<Record> = serde_json::from_str(text).map_err(json_error)?;
            if records.len() > limits.max_articles {
                return Err(too_many(limits.max_articles));
            }
            let docs = records
                .into_iter()
                .enumerate()
                .map(|(i, r)| doc(i, r))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((Shape::Array, docs))
        }
        Some(b'{') => {
            let r: Record = serde_json::from_str(text).map_err(json_error)?;
            Ok((Shape::One, vec![doc(0, r)?]))
        }
        Some(_) => match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Err(e) => Err(json_error(e)),
            Ok(_) => Err(ApiError::unprocessable(
                "request: expected an article (a JSON object) or an array of articles",
            )),
        },
        None => Err(ApiError::bad_request("bad_json", "request: empty body")),
    }
}

/// The body as text, or a 400 that says what the bytes are instead.
fn utf8(bytes: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let what = if crate::corpus::error::looks_like_utf16(bytes) {
            "looks like UTF-16, not UTF-8".to_string()
        } else {
            format!("not valid UTF-8 (at byte {})", e.valid_up_to())
        };
        ApiError::bad_request("bad_encoding", format!("request: {what}"))
    })
}

fn too_many(max: usize) -> ApiError {
    ApiError::too_large(
        "too_many_articles",
        format!("request: more than {max} articles (--max-articles); split the batch"),
    )
}

/// A record that is not an article: bad JSON and bad bytes are 400, wrong fields 422.
fn corpus_error(e: CorpusError) -> ApiError {
    match e {
        CorpusError::Json { .. } => ApiError::bad_request("bad_json", e.to_string()),
        CorpusError::Utf8 { .. } | CorpusError::Utf16 { .. } => {
            ApiError::bad_request("bad_encoding", e.to_string())
        }
        CorpusError::LineTooLong { .. } => ApiError::too_large("article_too_large", e.to_string()),
        e => ApiError::unprocessable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: BodyLimits = BodyLimits {
        max_articles: 2,
        max_article_bytes: 100,
    };

    fn parse(body: &str, ct: &str) -> Result<(Shape, Vec<Document>), ApiError> {
        let (shape, json) = shape_of(Some(ct))?;
        articles(body.as_bytes(), shape, json, &Fields::default(), LIMITS)
    }

    #[test]
    fn each_shape_reads_its_articles() {
        let (s, d) = parse(
            r#"{"id": "a", "text": "x", "source": "afp"}"#,
            "application/json",
        )
        .unwrap();
        assert_eq!((s, d.len(), d[0].id.as_str()), (Shape::One, 1, "a"));
        assert_eq!(d[0].extra["source"], "afp");
        let (s, d) = parse(
            r#"[{"text": "x"}, {"text": "y"}]"#,
            "application/json; charset=utf-8",
        )
        .unwrap();
        assert_eq!((s, d[1].id.as_str()), (Shape::Array, "request:2"));
        let (s, d) = parse(
            "{\"text\": \"x\"}\n\n{\"text\": \"y\"}\n",
            "application/x-ndjson",
        )
        .unwrap();
        assert_eq!((s, d.len()), (Shape::Lines, 2));
        let (s, d) = parse("Un article.", "text/plain").unwrap();
        assert_eq!((s, d[0].text.as_str()), (Shape::One, "Un article."));
    }

    #[test]
    fn each_refusal_has_its_code() {
        let code = |body: &str, ct: &str| parse(body, ct).unwrap_err().code;
        assert_eq!(code("{", "application/json"), "bad_json");
        assert_eq!(
            code(r#"{"text": 3}"#, "application/json"),
            "invalid_article"
        );
        assert_eq!(
            code(r#"{"title": "x"}"#, "application/json"),
            "invalid_article"
        );
        assert_eq!(
            code(r#"[{"text": "x"}, 3]"#, "application/json"),
            "invalid_article"
        );
        assert_eq!(
            code(r#"{"text": "x", "text": "y"}"#, "application/json"),
            "invalid_article"
        );
        assert_eq!(code("3", "application/json"), "invalid_article");
        assert_eq!(code("", "application/json"), "bad_json");
        assert_eq!(
            code(
                r#"[{"text": "x"}, {"text": "x"}, {"text": "x"}]"#,
                "application/json"
            ),
            "too_many_articles"
        );
        let long = format!(r#"{{"text": "{}"}}"#, "a".repeat(101));
        assert_eq!(code(&long, "application/json"), "article_too_large");
        assert_eq!(
            code("{\"text\": \"x\"}\n{x\n", "application/x-ndjson"),
            "bad_json"
        );
        assert_eq!(code("x", "application/xml"), "unsupported_media_type");
        assert_eq!(
            code("x", "text/plain; charset=latin1"),
            "unsupported_media_type"
        );
        assert_eq!(shape_of(None).unwrap_err().status.as_u16(), 415);
        let e = parse("{\"text\": \"x\"}\n{\"id\": 1}\n", "application/x-ndjson").unwrap_err();
        assert!(
            e.message.starts_with("request:2: missing field \"text\""),
            "{}",
            e.message
        );
    }
}
