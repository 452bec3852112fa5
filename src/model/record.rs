//! The output record of one classified article: one line of `veille classify --format jsonl`,
//! and what the HTTP service returns. Its JSON shape is a contract (documented in DESIGN.md,
//! described by `docs/record.schema.json`, pinned by a test below).
//!
//! ```text
//! {"id": "a1", "labels": ["sanctions"], "scores": [{"label": "sanctions", "score": 0.93}, ...],
//!  "language": "en", "language_supported": true, "terms": [{"term": "export", "weight": 0.07}, ...],
//!  "evidence": [{"label": "sanctions", "score": 0.93, "terms": [...],
//!                "passages": [{"index": 2, "start": 410, "end": 980, "score": 0.97, "snippet": "..."}]}],
//!  "passages": 5, ...the input record's other fields, unchanged}
//! ```

use super::{Classification, LabelEvidence, Scorer};
use crate::corpus::Document;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// The record of one article: the input document, what the model said of it, and the model
/// (for label names). Serialises straight from borrowed data, since output is the hot path of
/// a classify run.
#[derive(Clone, Copy)]
pub struct Record<'a> {
    /// The article as read (its id and pass-through fields).
    pub doc: &'a Document,
    /// Its classification.
    pub result: &'a Classification,
    /// The model that classified it.
    pub model: &'a dyn Scorer,
}

/// Articles per chunk when a batch is encoded in parallel.
const ENCODE_CHUNK: usize = 256;

/// Write the JSON Lines of a batch of classified articles (one [`Record`] a line) to `out`.
/// Chunks of the batch are encoded in parallel and written in order: encoding is a tenth of
/// a classify run, and done by the thread that writes it was the largest serial part left at
/// two threads. Same bytes as encoding the records one after the other with serde
/// ([`Record`]'s `Serialize`), which [`LineEncoder`] writes directly.
pub fn write_jsonl<W: std::io::Write + ?Sized>(
    docs: &[Document],
    results: &[Classification],
    model: &dyn Scorer,
    out: &mut W,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let encoder = LineEncoder::new(model);
    let parts: Vec<Vec<u8>> = docs
        .par_chunks(ENCODE_CHUNK)
        .zip(results.par_chunks(ENCODE_CHUNK))
        .map(|(d, r)| {
            let mut buf = Vec::new();
            for (doc, result) in d.iter().zip(r) {
                encoder.encode(doc, result, &mut buf)?;
            }
            Ok::<_, serde_json::Error>(buf)
        })
        .collect::<Result<_, _>>()?;
    parts.iter().try_for_each(|p| out.write_all(p))
}

/// Encodes records as JSON lines by writing the fixed parts of the shape as bytes, with the
/// model's label names escaped once (a 20-label model writes 20 scores an article): the
/// same bytes as `serde_json::to_writer(&Record)` plus a line feed, at a fraction of the
/// cost of serde's map and struct machinery, which was most of the encoding time.
pub struct LineEncoder<'m> {
    /// `"name"` of each label (its output name as a JSON string), by label id.
    names: Vec<Vec<u8>>,
    model: &'m dyn Scorer,
}

impl<'m> LineEncoder<'m> {
    /// An encoder for records of `model`.
    pub fn new(model: &'m dyn Scorer) -> Self {
        let names = (0..model.n_outputs())
            .map(|l| serde_json::to_vec(model.output_name(l as u32)).unwrap_or_default())
            .collect();
        LineEncoder { names, model }
    }

    fn name(&self, label: u32, buf: &mut Vec<u8>) -> serde_json::Result<()> {
        match self.names.get(label as usize) {
            Some(n) => buf.extend_from_slice(n),
            None => serde_json::to_writer(&mut *buf, self.model.output_name(label))?,
        }
        Ok(())
    }

    /// Append the record of `doc` and `result` and a line feed to `buf`.
    pub fn encode(
        &self,
        doc: &Document,
        result: &Classification,
        buf: &mut Vec<u8>,
    ) -> serde_json::Result<()> {
        let c = result;
        buf.extend_from_slice(b"{\"id\":");
        json(buf, &doc.id)?;
        buf.extend_from_slice(b",\"labels\":[");
        for (i, &l) in c.labels.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            self.name(l, buf)?;
        }
        buf.extend_from_slice(b"],\"scores\":[");
        for (i, &(l, p)) in c.scores.iter().enumerate() {
            open_object(i, "label", buf);
            self.name(l, buf)?;
            buf.extend_from_slice(b",\"score\":");
            json(buf, &round4(p))?;
            buf.push(b'}');
        }
        buf.extend_from_slice(b"],\"language\":");
        json(buf, c.language)?;
        buf.extend_from_slice(if c.language_supported {
            b",\"language_supported\":true,\"terms\":"
        } else {
            b",\"language_supported\":false,\"terms\":"
        });
        terms(&c.terms, buf)?;
        buf.extend_from_slice(b",\"evidence\":[");
        for (i, e) in c.evidence.iter().enumerate() {
            open_object(i, "label", buf);
            self.name(e.label, buf)?;
            buf.extend_from_slice(b",\"score\":");
            json(buf, &round4(e.score))?;
            buf.extend_from_slice(b",\"terms\":");
            terms(&e.terms, buf)?;
            buf.extend_from_slice(b",\"passages\":[");
            for (j, p) in e.passages.iter().enumerate() {
                open_object(j, "index", buf);
                json(buf, &p.index)?;
                buf.extend_from_slice(b",\"start\":");
                json(buf, &p.start)?;
                buf.extend_from_slice(b",\"end\":");
                json(buf, &p.end)?;
                buf.extend_from_slice(b",\"score\":");
                json(buf, &round4(p.score))?;
                buf.extend_from_slice(b",\"snippet\":");
                json(buf, &p.snippet)?;
                buf.push(b'}');
            }
            buf.extend_from_slice(b"]}");
        }
        buf.extend_from_slice(b"],\"passages\":");
        json(buf, &c.n_passages)?;
        for (k, v) in PassThrough(&doc.extra).fields() {
            buf.push(b',');
            json(buf, k)?;
            buf.push(b':');
            json(buf, v)?;
        }
        buf.extend_from_slice(b"}\n");
        Ok(())
    }
}

/// `{"key":` after a `,` unless the object is the first of its array (index 0).
fn open_object(index: usize, key: &str, buf: &mut Vec<u8>) {
    if index > 0 {
        buf.push(b',');
    }
    buf.extend_from_slice(b"{\"");
    buf.extend_from_slice(key.as_bytes());
    buf.extend_from_slice(b"\":");
}

/// `[{"term":…,"weight":…},…]`.
fn terms(terms: &[(String, f64)], buf: &mut Vec<u8>) -> serde_json::Result<()> {
    buf.push(b'[');
    for (i, (t, w)) in terms.iter().enumerate() {
        open_object(i, "term", buf);
        json(buf, t)?;
        buf.extend_from_slice(b",\"weight\":");
        json(buf, &round4(*w))?;
        buf.push(b'}');
    }
    buf.push(b']');
    Ok(())
}

/// Append a scalar of the record as serde_json writes it (string escapes, number formats:
/// exactly what `Serialize` gives).
fn json<T: Serialize + ?Sized>(buf: &mut Vec<u8>, v: &T) -> serde_json::Result<()> {
    serde_json::to_writer(buf, v)
}

/// Fields the record writes itself: an input field of one of these names is not passed
/// through.
pub const RESERVED_FIELDS: [&str; 8] = [
    "id",
    "labels",
    "scores",
    "language",
    "language_supported",
    "terms",
    "evidence",
    "passages",
];

/// Scores and weights are written with 4 decimals.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

impl Serialize for Record<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (d, c) = (self.doc, self.result);
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("id", &d.id)?;
        map.serialize_entry("labels", &Names(&c.labels, self.model))?;
        map.serialize_entry("scores", &Scores(&c.scores, self.model))?;
        map.serialize_entry("language", c.language)?;
        map.serialize_entry("language_supported", &c.language_supported)?;
        map.serialize_entry("terms", &Terms(&c.terms))?;
        map.serialize_entry("evidence", &Evidence(&c.evidence, self.model))?;
        map.serialize_entry("passages", &c.n_passages)?;
        for (k, v) in PassThrough(&d.extra).fields() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The input fields a record carries through: all but those it writes itself, in their
/// order. Serialises as a JSON object of them.
#[derive(Clone, Copy)]
pub struct PassThrough<'a>(pub &'a serde_json::Map<String, serde_json::Value>);

impl<'a> PassThrough<'a> {
    /// The fields, in order.
    pub fn fields(self) -> impl Iterator<Item = (&'a String, &'a serde_json::Value)> {
        self.0
            .iter()
            .filter(|(k, _)| !RESERVED_FIELDS.contains(&k.as_str()))
    }
}

impl Serialize for PassThrough<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.fields())
    }
}

struct Scores<'a>(&'a [(u32, f64)], &'a dyn Scorer);
struct Evidence<'a>(&'a [LabelEvidence], &'a dyn Scorer);
struct Terms<'a>(&'a [(String, f64)]);
struct Names<'a>(&'a [u32], &'a dyn Scorer);

impl Serialize for Names<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for &l in self.0 {
            seq.serialize_element(self.1.output_name(l))?;
        }
        seq.end()
    }
}

impl Serialize for Scores<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for &(l, p) in self.0 {
            seq.serialize_element(&LabelScore {
                label: self.1.output_name(l),
                score: round4(p),
            })?;
        }
        seq.end()
    }
}

impl Serialize for Terms<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for (t, w) in self.0 {
            seq.serialize_element(&TermWeight {
                term: t,
                weight: round4(*w),
            })?;
        }
        seq.end()
    }
}

impl Serialize for Evidence<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for e in self.0 {
            seq.serialize_element(&LabelEvidenceLine {
                label: self.1.output_name(e.label),
                score: round4(e.score),
                terms: Terms(&e.terms),
                passages: e
                    .passages
                    .iter()
                    .map(|p| PassageLine {
                        index: p.index,
                        start: p.start,
                        end: p.end,
                        score: round4(p.score),
                        snippet: &p.snippet,
                    })
                    .collect(),
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct LabelEvidenceLine<'a> {
    label: &'a str,
    score: f64,
    terms: Terms<'a>,
    passages: Vec<PassageLine<'a>>,
}

#[derive(Serialize)]
struct PassageLine<'a> {
    index: usize,
    start: usize,
    end: usize,
    score: f64,
    snippet: &'a str,
}

#[derive(Serialize)]
struct LabelScore<'a> {
    label: &'a str,
    score: f64,
}

#[derive(Serialize)]
struct TermWeight<'a> {
    term: &'a str,
    weight: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PassageHit;

    #[test]
    fn the_json_shape_is_pinned() {
        let model = crate::model::tiny_model();
        let mut doc = Document::new("a1", "text");
        doc.extra
            .insert("url".into(), "https://example.org/a".into());
        doc.extra.insert("labels".into(), "shadowed".into());
        let result = Classification {
            labels: vec![1],
            scores: vec![(1, 0.912_345), (0, 0.1)],
            language: "en",
            language_supported: true,
            terms: vec![("export".into(), 0.071_23)],
            evidence: vec![LabelEvidence {
                label: 1,
                score: 0.912_345,
                terms: vec![("export".into(), 0.071_23)],
                passages: vec![PassageHit {
                    index: 2,
                    start: 10,
                    end: 40,
                    score: 0.97,
                    snippet: "New export controls".into(),
                }],
            }],
            n_passages: 3,
        };
        let record = Record {
            doc: &doc,
            result: &result,
            model: &model,
        };
        let (first, second) = (model.label(0), model.label(1));
        let mut line = Vec::new();
        LineEncoder::new(&model)
            .encode(&doc, &result, &mut line)
            .unwrap();
        assert_eq!(
            line,
            format!("{}\n", serde_json::to_string(&record).unwrap()).as_bytes()
        );
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            format!(
                "{{\"id\":\"a1\",\"labels\":[\"{second}\"],\"scores\":[{{\"label\":\"{second}\",\"score\":0.9123}},{{\"label\":\"{first}\",\"score\":0.1}}],\"language\":\"en\",\"language_supported\":true,\"terms\":[{{\"term\":\"export\",\"weight\":0.0712}}],\"evidence\":[{{\"label\":\"{second}\",\"score\":0.9123,\"terms\":[{{\"term\":\"export\",\"weight\":0.0712}}],\"passages\":[{{\"index\":2,\"start\":10,\"end\":40,\"score\":0.97,\"snippet\":\"New export controls\"}}]}}],\"passages\":3,\"url\":\"https://example.org/a\"}}"
            )
        );
    }

    #[test]
    fn the_line_encoder_writes_what_serde_writes() {
        let model = crate::model::tiny_model();
        let texts = [
            "Export controls on chips tighten again.",
            "",
            "Des sanctions « ciblées » visent l'industrie des semi-conducteurs.\n\nUn second paragraphe, sans rapport.",
            "\u{1F600} \"quoted\" \\ back\tslash \u{7}",
        ];
        let opts = crate::model::ClassifyOptions::default();
        let results = model.classify_batch(&texts, &opts);
        let encoder = LineEncoder::new(&model);
        for (i, (text, result)) in texts.iter().zip(&results).enumerate() {
            let mut doc = Document::new(format!("a{i}\u{e9}\""), *text);
            doc.extra
                .insert("n".into(), serde_json::json!(12345678901234567890u64));
            doc.extra
                .insert("tags".into(), serde_json::json!(["x", {"y": null}]));
            doc.extra.insert("evidence".into(), "shadowed".into());
            let record = Record {
                doc: &doc,
                result,
                model: &model,
            };
            let mut line = Vec::new();
            encoder.encode(&doc, result, &mut line).unwrap();
            let expected = format!("{}\n", serde_json::to_string(&record).unwrap());
            assert_eq!(String::from_utf8(line).unwrap(), expected);
        }
    }
}
