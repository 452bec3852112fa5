//! Feeds (RSS 0.9x / 1.0 / 2.0, Atom, JSON Feed) read into articles.
//!
//! [`parse_feed`] takes the bytes of a feed as they came from a file or a server and returns a
//! [`Feed`] whose [`FeedItem`]s become [`Document`]s with [`FeedItem::to_document`], so the rest
//! of veille classifies them like any other article.
//!
//! The XML and JSON parsing and the mapping of the feed formats onto one model is done by the
//! `feed-rs` crate. Around it, this module deals with what real feeds get wrong:
//!
//! - **compression**: a gzip stream (recognised by its magic bytes, whatever the file name) is
//!   inflated first, up to [`MAX_FEED_BYTES`];
//! - **encodings**: a byte-order mark wins, then the encoding the XML declaration names, then
//!   UTF-8 when the bytes are valid UTF-8, and windows-1252 (the superset of Latin-1 that
//!   browsers use for it) otherwise. The text is decoded once here (`encoding_rs`) and handed
//!   to `feed-rs` as UTF-8; [`Feed::encoding`] says what was used and [`Feed::notes`] says when
//!   it was a guess or when the declaration was wrong;
//! - **whitespace before the XML declaration** is allowed, and characters XML 1.0 forbids
//!   (control characters) are replaced by spaces and counted in [`Feed::invalid_chars`];
//! - **malformed XML** is refused with a [`FeedError::Xml`] naming the source, the line and the
//!   column (a `quick-xml` well-formedness pass, since `feed-rs` reports no position);
//! - **dates**: RFC 3339 / ISO 8601 and RFC 822 dates, with the usual faults (2-digit years,
//!   named time zones, `AM`/`PM`, month before day, a missing zone read as UTC) and with day
//!   and month names in English, French, Portuguese, Spanish, Italian and German. A date that
//!   cannot be read is `None`, never a guess, and its text is kept in [`Feed::bad_dates`];
//! - **HTML** in summaries and contents is reduced to text (`html2text`).
//!
//! Fetching (HTTP, `ETag`, `Last-Modified`) is not done here: this module only reads bytes.

use std::io::Read;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use super::Document;

/// The largest feed read, after decompression (64 MiB).
pub const MAX_FEED_BYTES: u64 = 64 << 20;

/// An error reading a feed. Every variant names the source it was read from.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Nothing but whitespace.
    #[error("{origin}: empty feed")]
    Empty {
        /// The source (file name or URL).
        origin: String,
    },
    /// A gzip stream that does not inflate.
    #[error("{origin}: gzip-compressed feed that does not decompress: {message}")]
    Gzip {
        /// The source (file name or URL).
        origin: String,
        /// What the decoder said.
        message: String,
    },
    /// More than [`MAX_FEED_BYTES`] once decompressed.
    #[error("{origin}: more than {limit} bytes: not read as a feed")]
    TooLarge {
        /// The source (file name or URL).
        origin: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// XML that is not well-formed.
    #[error("{origin}:{line}:{column}: malformed XML: {message}")]
    Xml {
        /// The source (file name or URL).
        origin: String,
        /// 1-based line in the decoded text.
        line: u64,
        /// 1-based column (in characters) in the decoded text.
        column: u64,
        /// What is wrong.
        message: String,
    },
    /// JSON that does not parse, or is not a JSON Feed.
    #[error("{origin}:{line}:{column}: malformed JSON Feed: {message}")]
    Json {
        /// The source (file name or URL).
        origin: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// What the parser said.
        message: String,
    },
    /// A well-formed document that is not a feed (an HTML page, another XML vocabulary).
    #[error("{origin}: not a feed: {reason}")]
    NotAFeed {
        /// The source (file name or URL).
        origin: String,
        /// What was found instead.
        reason: String,
    },
    /// Any other refusal of the feed parser.
    #[error("{origin}: cannot read the feed: {message}")]
    Parse {
        /// The source (file name or URL).
        origin: String,
        /// What the parser said.
        message: String,
    },
}

/// The format a feed was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedFormat {
    /// RSS 0.91 / 0.92.
    Rss0,
    /// RSS 1.0 (RDF).
    Rss1,
    /// RSS 2.0.
    Rss2,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.x.
    JsonFeed,
}

/// A parsed feed: its own metadata and its items, in the order of the document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Feed {
    /// Where the feed was read from, as given to [`parse_feed`].
    pub source: String,
    /// The format.
    pub format: FeedFormat,
    /// The feed's title, as text.
    pub title: Option<String>,
    /// The site the feed belongs to (its first alternate link).
    pub link: Option<String>,
    /// The language the feed declares (`en-us`, `fr`, ...).
    pub language: Option<String>,
    /// The character encoding the bytes were decoded from (`UTF-8`, `windows-1252`, ...).
    pub encoding: String,
    /// The items.
    pub items: Vec<FeedItem>,
    /// Date texts (of items or of the feed) that could not be read: the dates are `None`.
    pub bad_dates: Vec<String>,
    /// Characters replaced by spaces because XML forbids them.
    pub invalid_chars: usize,
    /// What was repaired or guessed on the way (compression, encoding, leading whitespace).
    pub notes: Vec<String>,
}

/// One item (RSS) or entry (Atom, JSON Feed).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FeedItem {
    /// The item's own identifier (RSS `guid`, Atom `id`, JSON Feed `id`), when it has one.
    pub id: Option<String>,
    /// The title, as text.
    pub title: Option<String>,
    /// The link to the article (the first alternate link).
    pub link: Option<String>,
    /// When it was published, when the feed says and the date can be read.
    pub published: Option<DateTime<Utc>>,
    /// When it was last updated, when the feed says, the date can be read and it is not the
    /// publication date again (feed-rs copies an RSS `pubDate` there).
    pub updated: Option<DateTime<Utc>>,
    /// The authors' names (or e-mail addresses), joined with `", "`.
    pub author: Option<String>,
    /// The summary (RSS `description`, Atom `summary`), HTML reduced to text.
    pub summary: Option<String>,
    /// The full text (RSS `content:encoded`, Atom `content`), HTML reduced to text.
    pub content: Option<String>,
    /// Where the feed was read from, as given to [`parse_feed`].
    pub source: String,
}

/// An instant as veille writes dates: RFC 3339 in UTC, e.g. `2024-03-27T10:05:00Z`
/// (fractions of a second only when there are some).
pub fn iso8601(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl FeedItem {
    /// The identifier an article made from this item gets: the item's id, else its link, else a
    /// digest of the source, title and text (so the same item always gets the same id).
    pub fn document_id(&self) -> String {
        if let Some(id) = self.id.as_deref().filter(|s| !s.is_empty()) {
            return id.to_string();
        }
        if let Some(link) = self.link.as_deref().filter(|s| !s.is_empty()) {
            return link.to_string();
        }
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for part in [
            Some(self.source.as_str()),
            self.title.as_deref(),
            self.summary.as_deref(),
            self.content.as_deref(),
        ] {
            h.update(part.unwrap_or("").as_bytes());
            h.update([0u8]);
        }
        let digest = h.finalize();
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("{}#{hex}", self.source)
    }

    /// The article text: the title, a blank line, then the content (or the summary when the
    /// feed carries no full text).
    pub fn text(&self) -> String {
        let body = self
            .content
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(self.summary.as_deref())
            .unwrap_or("");
        match self.title.as_deref().filter(|s| !s.is_empty()) {
            Some(t) if !body.is_empty() => format!("{t}\n\n{body}"),
            Some(t) => t.to_string(),
            None => body.to_string(),
        }
    }

    /// The item as an article for the rest of veille: id from [`FeedItem::document_id`], text
    /// from [`FeedItem::text`], and the extra fields `title`, `url`, `published` and `updated`
    /// (RFC 3339, UTC), `author`, `source` and `summary`, each only when present.
    pub fn to_document(&self) -> Document {
        let mut extra = Map::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                extra.insert(k.to_string(), Value::String(v));
            }
        };
        put("title", self.title.clone());
        put("url", self.link.clone());
        put("published", self.published.as_ref().map(iso8601));
        put("updated", self.updated.as_ref().map(iso8601));
        put("author", self.author.clone());
        put("source", Some(self.source.clone()));
        put("summary", self.summary.clone());
        Document {
            id: self.document_id(),
            text: self.text(),
            labels: None,
            extra,
        }
    }
}

impl Feed {
    /// Every item as an article ([`FeedItem::to_document`]).
    pub fn documents(&self) -> Vec<Document> {
        self.items.iter().map(FeedItem::to_document).collect()
    }
}

/// Parse a feed from its bytes. `source` names it in errors and in every item (a file name or
/// a URL). Deterministic: the same bytes and source give the same feed.
///
/// ```
/// let xml = br#"<rss version="2.0"><channel><title>Veille</title>
///   <item><title>Cloud souverain</title><link>https://example.org/a</link>
///   <pubDate>mar., 13 sept. 2022 09:00:00 +0200</pubDate></item></channel></rss>"#;
/// let feed = veille::corpus::feed::parse_feed(xml, "example.rss").unwrap();
/// let item = &feed.items[0];
/// assert_eq!(item.title.as_deref(), Some("Cloud souverain"));
/// assert_eq!(veille::corpus::feed::iso8601(&item.published.unwrap()), "2022-09-13T07:00:00Z");
/// assert_eq!(item.to_document().id, "https://example.org/a");
/// ```
pub fn parse_feed(bytes: &[u8], source: &str) -> Result<Feed, FeedError> {
    let mut notes = Vec::new();
    let inflated;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        inflated = gunzip(bytes, source)?;
        notes.push("gzip-compressed".to_string());
        &inflated[..]
    } else {
        if bytes.len() as u64 > MAX_FEED_BYTES {
            return Err(FeedError::TooLarge {
                origin: source.into(),
                limit: MAX_FEED_BYTES,
            });
        }
        bytes
    };
    let (text, encoding) = decode(bytes, &mut notes);
    let (text, invalid_chars) = clean(&text, &mut notes);
    let body = text.as_str();
    if body.trim().is_empty() {
        return Err(FeedError::Empty {
            origin: source.into(),
        });
    }
    let repaired;
    let body = if body.trim_start().starts_with('{') {
        body
    } else {
        check_xml(body, source)?;
        repaired = repair(body, &mut notes);
        repaired.as_deref().unwrap_or(body)
    };

    let bad_dates = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&bad_dates);
    let parser = feed_rs::parser::Builder::new()
        // Items without an id get none here (the default makes a random UUID): the document
        // id then falls back to the link, deterministically.
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .timestamp_parser(move |s| {
            let t = parse_date(s);
            if t.is_none() && !s.trim().is_empty() {
                if let Ok(mut bad) = seen.lock() {
                    bad.push(s.trim().to_string());
                }
            }
            t
        })
        .build();
    let parsed = parser
        .parse(body.as_bytes())
        .map_err(|e| parse_error(e, body, source))?;
    let bad_dates = match Arc::try_unwrap(bad_dates) {
        Ok(m) => m.into_inner().unwrap_or_default(),
        Err(shared) => shared.lock().map(|v| v.clone()).unwrap_or_default(),
    };

    let format = match parsed.feed_type {
        feed_rs::model::FeedType::Atom => FeedFormat::Atom,
        feed_rs::model::FeedType::JSON => FeedFormat::JsonFeed,
        feed_rs::model::FeedType::RSS0 => FeedFormat::Rss0,
        feed_rs::model::FeedType::RSS1 => FeedFormat::Rss1,
        feed_rs::model::FeedType::RSS2 => FeedFormat::Rss2,
    };
    let items = parsed
        .entries
        .iter()
        .map(|e| FeedItem {
            id: Some(e.id.trim().to_string()).filter(|s| !s.is_empty()),
            title: e.title.as_ref().map(text_of).filter(|s| !s.is_empty()),
            link: main_link(&e.links),
            published: e.published,
            updated: e.updated.filter(|u| Some(*u) != e.published),
            author: authors(&e.authors),
            summary: e.summary.as_ref().map(text_of).filter(|s| !s.is_empty()),
            content: e
                .content
                .as_ref()
                .and_then(|c| {
                    c.body
                        .as_deref()
                        .map(|b| strip(b, c.content_type.essence().to_string().as_str()))
                })
                .filter(|s| !s.is_empty()),
            source: source.to_string(),
        })
        .collect();
    Ok(Feed {
        source: source.to_string(),
        format,
        title: parsed.title.as_ref().map(text_of).filter(|s| !s.is_empty()),
        link: main_link(&parsed.links),
        language: parsed.language.clone().filter(|s| !s.trim().is_empty()),
        encoding: encoding.to_string(),
        items,
        bad_dates,
        invalid_chars,
        notes,
    })
}

fn gunzip(bytes: &[u8], source: &str) -> Result<Vec<u8>, FeedError> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(MAX_FEED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| FeedError::Gzip {
            origin: source.into(),
            message: e.to_string(),
        })?;
    if out.len() as u64 > MAX_FEED_BYTES {
        return Err(FeedError::TooLarge {
            origin: source.into(),
            limit: MAX_FEED_BYTES,
        });
    }
    Ok(out)
}

/// The encoding named by an XML declaration at the start of `bytes` (after whitespace).
fn declared_encoding(bytes: &[u8]) -> Option<&[u8]> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &bytes[start..bytes.len().min(start + 512)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = &head[..end];
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let rest = &decl[at + 8..];
    let rest = &rest[rest.iter().position(|b| *b == b'=')? + 1..];
    let rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..];
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let len = rest[1..].iter().position(|b| *b == quote)?;
    Some(&rest[1..1 + len])
}

/// Decode to UTF-8: byte-order mark, else the declared encoding, else UTF-8 when valid, else
/// windows-1252.
fn decode(bytes: &[u8], notes: &mut Vec<String>) -> (String, &'static str) {
    use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        return (text.into_owned(), enc.name());
    }
    let is_utf8 = std::str::from_utf8(bytes).is_ok();
    let declared = declared_encoding(bytes);
    let enc = match declared.map(|l| (l, Encoding::for_label(l))) {
        Some((_, Some(enc))) if enc == UTF_8 && !is_utf8 => {
            notes.push("declared UTF-8 but the bytes are not: read as windows-1252".into());
            WINDOWS_1252
        }
        // UTF-16 named in a declaration of a document read as ASCII cannot be right.
        Some((_, Some(enc))) if enc.output_encoding() == UTF_8 && enc != UTF_8 => {
            if is_utf8 {
                UTF_8
            } else {
                WINDOWS_1252
            }
        }
        Some((_, Some(enc))) => enc,
        Some((label, None)) => {
            notes.push(format!(
                "unknown declared encoding {:?}: read as {}",
                String::from_utf8_lossy(label),
                if is_utf8 { "UTF-8" } else { "windows-1252" }
            ));
            if is_utf8 {
                UTF_8
            } else {
                WINDOWS_1252
            }
        }
        None if is_utf8 => UTF_8,
        None => {
            notes.push("no declared encoding and not UTF-8: read as windows-1252".into());
            WINDOWS_1252
        }
    };
    let (text, _) = enc.decode_without_bom_handling(bytes);
    (text.into_owned(), enc.name())
}

/// Whether XML 1.0 allows the character.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Blank out the XML declaration (the text is UTF-8 now, whatever it said; whitespace before
/// it is then legal) and characters XML forbids, each with spaces so that line and column
/// numbers stay those of the decoded text.
fn clean(text: &str, notes: &mut Vec<String>) -> (String, usize) {
    let mut out = text.to_string();
    let lead = text.len() - text.trim_start().len();
    if text[lead..].starts_with("<?xml") {
        if lead > 0 {
            notes.push("whitespace before the XML declaration removed".into());
        }
        if let Some(end) = text[lead..].find("?>") {
            out.replace_range(lead..lead + end + 2, &" ".repeat(end + 2));
        }
    }
    let invalid = out.chars().filter(|c| !xml_char(*c)).count();
    if invalid == 0 {
        return (out, 0);
    }
    notes.push(format!(
        "{invalid} characters not allowed in XML replaced by spaces"
    ));
    (
        out.chars()
            .map(|c| if xml_char(c) { c } else { ' ' })
            .collect(),
        invalid,
    )
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (u64, u64) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() as u64 + 1;
    (line, column)
}

/// A well-formedness pass, for the position of the first fault (feed-rs gives none) and for
/// elements left open at the end, which feed-rs would accept silently.
fn check_xml(text: &str, source: &str) -> Result<(), FeedError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut open: Vec<String> = Vec::new();
    let fail = |offset: u64, message: String| {
        let (line, column) = line_column(text, offset as usize);
        FeedError::Xml {
            origin: source.into(),
            line,
            column,
            message,
        }
    };
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => open.push(e.name().as_ref().to_string()),
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(fail(reader.error_position(), e.to_string())),
        }
    }
    match open.last() {
        Some(name) => Err(fail(
            text.len() as u64,
            format!("element <{name}> not closed before the end of the document"),
        )),
        None => Ok(()),
    }
}

/// Namespaces that old RSS 2.0 feeds declared as their default one: feed-rs would then see
/// no RSS element at all.
const RSS2_NAMESPACES: &[&str] = &[
    "http://backend.userland.com/rss2",
    "http://blogs.law.harvard.edu/tech/rss",
];

/// Work around what `feed-rs` 3.0 refuses or misreads in feeds that other readers accept:
/// `<rss>` without a `version` (read as RSS 2.0), an RSS 2.0 namespace declared as the default
/// one (removed), and empty Media RSS `title` / `description` elements (removed: feed-rs
/// refuses the whole feed over them). `None` when nothing needed repairing.
fn repair(text: &str, notes: &mut Vec<String>) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let (start, end, root) = loop {
        let pos = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Start(e)) => break (pos, reader.buffer_position() as usize, e),
            Ok(Event::Eof) | Err(_) | Ok(Event::Empty(_)) => return None,
            Ok(_) => {}
        }
    };
    let mut tag = text.get(start..end)?.to_string();
    let mut changed = false;
    let attrs: Vec<(String, String)> = root
        .attributes()
        .filter_map(Result::ok)
        .map(|a| (a.key.as_ref().to_string(), a.value.to_string()))
        .collect();
    let name = root.name().as_ref().to_string();
    if name == "rss" && !attrs.iter().any(|(k, _)| k == "version") {
        tag.insert_str(4, " version=\"2.0\"");
        notes.push("<rss> without a version read as RSS 2.0".into());
        changed = true;
    }
    for (k, v) in &attrs {
        if k == "xmlns" && RSS2_NAMESPACES.contains(&v.as_str()) {
            for q in ['"', '\''] {
                let decl = format!("xmlns={q}{v}{q}");
                if let Some(at) = tag.find(&decl) {
                    tag.replace_range(at..at + decl.len(), "");
                    notes.push(format!("default namespace {v} read as RSS 2.0"));
                    changed = true;
                    break;
                }
            }
        }
    }
    let media = attrs
        .iter()
        .find(|(k, v)| k.starts_with("xmlns:") && v == "http://search.yahoo.com/mrss/")
        .map(|(k, _)| k["xmlns:".len()..].to_string());
    let mut rest = text[end..].to_string();
    if let Some(p) = media {
        let mut removed = 0;
        for el in ["title", "description"] {
            let open = format!("<{p}:{el}");
            let close = format!("</{p}:{el}>");
            let mut out = String::with_capacity(rest.len());
            let mut tail = rest.as_str();
            while let Some(at) = tail.find(&open) {
                let after = &tail[at + open.len()..];
                let Some(gt) = after.find('>') else { break };
                let next = after.as_bytes().first().copied();
                if !matches!(next, Some(b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/')) {
                    out.push_str(&tail[..at + open.len()]);
                    tail = after;
                    continue;
                }
                let self_closing = after[..gt].ends_with('/');
                let empty_end = after[gt + 1..].trim_start().starts_with(&close);
                if self_closing || empty_end {
                    out.push_str(&tail[..at]);
                    removed += 1;
                    tail = if self_closing {
                        &after[gt + 1..]
                    } else {
                        let body = after[gt + 1..].trim_start();
                        &body[close.len()..]
                    };
                } else {
                    out.push_str(&tail[..at + open.len()]);
                    tail = after;
                }
            }
            out.push_str(tail);
            rest = out;
        }
        if removed > 0 {
            notes.push(format!(
                "{removed} empty Media RSS title/description elements removed"
            ));
            changed = true;
        }
    }
    changed.then(|| format!("{}{tag}{rest}", &text[..start]))
}

fn parse_error(e: feed_rs::parser::ParseFeedError, text: &str, source: &str) -> FeedError {
    use feed_rs::parser::{ParseErrorKind, ParseFeedError};
    match e {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => FeedError::NotAFeed {
            origin: source.into(),
            reason: root_name(text).map_or_else(
                || "no root element".to_string(),
                |n| format!("root element <{n}> is not rss, RDF or feed"),
            ),
        },
        ParseFeedError::JsonSerde(j) => FeedError::Json {
            origin: source.into(),
            line: j.line() as u64,
            column: j.column() as u64,
            message: j.to_string(),
        },
        ParseFeedError::JsonUnsupportedVersion(v) => FeedError::NotAFeed {
            origin: source.into(),
            reason: format!("unsupported JSON Feed version {v:?}"),
        },
        other => FeedError::Parse {
            origin: source.into(),
            message: other.to_string(),
        },
    }
}

/// The name of the first element, if any.
fn root_name(text: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                return Some(e.name().as_ref().to_string())
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

fn main_link(links: &[feed_rs::model::Link]) -> Option<String> {
    links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| links.first())
        .map(|l| l.href.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn authors(people: &[feed_rs::model::Person]) -> Option<String> {
    let names: Vec<&str> = people
        .iter()
        .filter_map(|p| p.name.as_deref().or(p.email.as_deref()))
        // `desk@example.org (Trade desk)` leaves feed-rs with the name `(Trade desk)`.
        .map(|n| {
            n.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim()
        })
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        None
    } else {
        Some(names.join(", "))
    }
}

fn text_of(t: &feed_rs::model::Text) -> String {
    strip(&t.content, t.content_type.essence().to_string().as_str())
}

/// Text of an HTML fragment (or plain text, whitespace tidied): paragraphs kept apart by a
/// blank line, spaces inside a line collapsed, no markup, links or image names.
pub fn strip(body: &str, mime: &str) -> String {
    let rendered;
    let text = if mime == "text/plain" && !body.contains('<') {
        body
    } else {
        let config = html2text::config::with_decorator(html2text::render::TrivialDecorator::new())
            .allow_width_overflow()
            .no_table_borders();
        rendered = config
            .string_from_read(body.as_bytes(), 100_000)
            .unwrap_or_else(|_| body.to_string());
        &rendered
    };
    tidy(text)
}

/// Collapse runs of spaces inside lines, drop empty lines beyond one.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        blank = false;
        for (i, w) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

/// Read a feed date: RFC 3339 / ISO 8601 (`2024-03-27T10:05:00+01:00`, `2024-03-27 10:05`,
/// `2024-03-27`) or RFC 822 (`Wed, 27 Mar 2024 10:05:00 GMT`) with its common faults: named
/// zones (`EST`, `CEST`, ...), 2-digit years (00–49 → 20xx, 50–99 → 19xx, as RFC 2822 says),
/// `AM`/`PM`, the month before the day, no zone (read as UTC), and day and month names in
/// English, French, Portuguese, Spanish, Italian and German (`mar., 13 sept. 2022`,
/// `Seg, 24 Set 2018`). `None` when the text is not one of these: never a guessed instant.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    parse_iso(t).or_else(|| parse_rfc822(t))
}

fn parse_iso(t: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    // ISO 8601 variants: space for `T`, no seconds, offset without colon, no offset (UTC),
    // a date alone (midnight UTC).
    if t.len() < 10 || !t.as_bytes()[..4].iter().all(u8::is_ascii_digit) || t.as_bytes()[4] != b'-'
    {
        return None;
    }
    let s = t.replacen(' ', "T", 1);
    let s = s
        .strip_suffix('Z')
        .map_or(s.clone(), |x| format!("{x}+00:00"));
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%dT%H:%M:%S%.f%#z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(&s, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(&s, f) {
            return Some(d.and_utc());
        }
    }
    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

/// Month number of a month name or abbreviation (lowercase, no trailing dot).
fn month(w: &str) -> Option<u32> {
    let m = match w {
        "jan" | "january" | "janv" | "janvier" | "janeiro" | "ene" | "enero" | "gen"
        | "gennaio" | "januar" | "jän" | "jänner" => 1,
        "feb" | "february" | "févr" | "fevr" | "fév" | "fev" | "février" | "fevrier"
        | "fevereiro" | "febrero" | "febbraio" | "februar" => 2,
        "mar" | "march" | "mars" | "março" | "marco" | "marzo" | "märz" | "mär" | "marz" => 3,
        "apr" | "april" | "avr" | "avril" | "abr" | "abril" | "aprile" => 4,
        "may" | "mai" | "maio" | "mayo" | "mag" | "maggio" => 5,
        "jun" | "june" | "juin" | "junho" | "junio" | "giu" | "giugno" | "juni" => 6,
        "jul" | "july" | "juil" | "juillet" | "julho" | "julio" | "lug" | "luglio" | "juli" => 7,
        "aug" | "august" | "août" | "aout" | "ago" | "agosto" => 8,
        "sep" | "sept" | "september" | "septembre" | "set" | "setembro" | "septiembre"
        | "settembre" => 9,
        "oct" | "october" | "octobre" | "out" | "outubro" | "octubre" | "ott" | "ottobre"
        | "okt" | "oktober" => 10,
        "nov" | "november" | "novembre" | "novembro" | "noviembre" => 11,
        "dec" | "december" | "déc" | "décembre" | "decembre" | "dez" | "dezembro" | "dic"
        | "diciembre" | "dicembre" | "dezember" => 12,
        _ => return None,
    };
    Some(m)
}

/// Whether `w` is a day name or abbreviation (lowercase, no trailing dot).
fn weekday(w: &str) -> bool {
    const DAYS: &[&str] = &[
        // English
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        // French
        "lun",
        "mar",
        "mer",
        "jeu",
        "ven",
        "sam",
        "dim",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        // Portuguese
        "seg",
        "ter",
        "qua",
        "qui",
        "sex",
        "sáb",
        "sab",
        "dom",
        "segunda",
        "terça",
        "terca",
        "quarta",
        "quinta",
        "sexta",
        "sábado",
        "sabado",
        "domingo",
        // Spanish
        "mié",
        "mie",
        "jue",
        "vie",
        "lunes",
        "martes",
        "miércoles",
        "miercoles",
        "jueves",
        "viernes",
        // Italian
        "gio",
        "lunedì",
        "martedì",
        "mercoledì",
        "giovedì",
        "venerdì",
        "sabato",
        // German
        "mo",
        "di",
        "mi",
        "do",
        "fr",
        "sa",
        "so",
        "montag",
        "dienstag",
        "mittwoch",
        "donnerstag",
        "freitag",
        "samstag",
        "sonntag",
    ];
    DAYS.contains(&w)
}

/// Offset in seconds east of UTC of a named zone (RFC 822's, and the common European ones).
fn zone(w: &str) -> Option<i32> {
    let h = match w {
        "gmt" | "ut" | "utc" | "z" | "wet" => 0,
        "est" => -5,
        "edt" => -4,
        "cst" => -6,
        "cdt" => -5,
        "mst" => -7,
        "mdt" => -6,
        "pst" => -8,
        "pdt" => -7,
        "bst" | "cet" | "west" | "met" => 1,
        "cest" | "eet" | "mest" => 2,
        "eest" | "msk" => 3,
        _ => return None,
    };
    Some(h * 3600)
}

/// A numeric offset: `+0100`, `-05:00`, `+01`.
fn offset(w: &str) -> Option<i32> {
    let sign = match w.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = w[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn parse_rfc822(t: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc2822(t) {
        return Some(d.with_timezone(&Utc));
    }
    let lower = t.to_lowercase();
    let mut words: Vec<(&str, bool)> = Vec::new(); // (word, followed by a comma)
    for raw in lower.split_whitespace() {
        for (i, part) in raw.split(',').enumerate() {
            if i > 0 {
                if let Some(last) = words.last_mut() {
                    last.1 = true;
                }
            }
            if !part.is_empty() {
                words.push((part, false));
            }
        }
    }
    let (mut day, mut mon, mut year) = (None::<u32>, None::<u32>, None::<i32>);
    let (mut time, mut pm, mut off) = (None::<NaiveTime>, None::<bool>, None::<i32>);
    let months = words
        .iter()
        .filter(|(w, _)| month(w.trim_end_matches('.')).is_some())
        .count();
    for (i, &(w, comma)) in words.iter().enumerate() {
        let bare = w.trim_end_matches('.');
        if i == 0 && (comma || weekday(bare)) && (months > 1 || month(bare).is_none()) {
            if bare.chars().all(char::is_alphabetic) {
                continue;
            }
            return None;
        }
        if let Some(m) = month(bare) {
            if mon.is_some() {
                return None;
            }
            mon = Some(m);
        } else if bare.contains(':') && time.is_none() {
            let (clock, rest) = split_clock(bare);
            time = Some(parse_clock(clock)?);
            if !rest.is_empty() {
                off = Some(offset(rest).or_else(|| zone(rest))?);
            }
        } else if bare == "am" || bare == "pm" {
            pm = Some(bare == "pm");
        } else if bare.starts_with('+') || (bare.starts_with('-') && bare.len() > 1) {
            off = Some(offset(bare)?);
        } else if let Some(z) = zone(bare) {
            off = Some(z);
        } else if bare.bytes().all(|b| b.is_ascii_digit()) && !bare.is_empty() {
            let n: i32 = bare.parse().ok()?;
            match bare.len() {
                1 | 2 if day.is_none() => day = Some(n as u32),
                2 if year.is_none() => year = Some(if n < 50 { 2000 + n } else { 1900 + n }),
                4 if year.is_none() => year = Some(n),
                _ => return None,
            }
        } else if bare.is_empty() || bare == "-" {
            continue;
        } else {
            return None;
        }
    }
    let mut time = time.unwrap_or(NaiveTime::MIN);
    if let Some(pm) = pm {
        use chrono::Timelike;
        let h = time.hour();
        if !(1..=12).contains(&h) {
            return None;
        }
        let h24 = match (pm, h) {
            (false, 12) => 0,
            (false, h) => h,
            (true, 12) => 12,
            (true, h) => h + 12,
        };
        time = time.with_hour(h24)?;
    }
    let date = NaiveDate::from_ymd_opt(year?, mon?, day?)?;
    let zone = FixedOffset::east_opt(off.unwrap_or(0))?;
    date.and_time(time)
        .and_local_timezone(zone)
        .single()
        .map(|d| d.with_timezone(&Utc))
}

/// Split `10:05:00+0100` into the clock and what follows it.
fn split_clock(w: &str) -> (&str, &str) {
    let end = w
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(w.len());
    (&w[..end], &w[end..])
}

fn parse_clock(c: &str) -> Option<NaiveTime> {
    let mut parts = c.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let (s, nanos) = match parts.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let s: u32 = whole.parse().ok()?;
            let nanos = if frac.is_empty() {
                0
            } else {
                let digits: String = frac.chars().take(9).collect();
                let n: u32 = digits.parse().ok()?;
                n * 10u32.pow(9 - digits.len() as u32)
            };
            (s, nanos)
        }
    };
    if parts.next().is_some() {
        return None;
    }
    NaiveTime::from_hms_nano_opt(h, m, s, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<String> {
        parse_date(s).map(|t| iso8601(&t))
    }

    #[test]
    fn dates_iso_rfc822_and_localised() {
        for (text, want) in [
            ("2024-03-27T10:05:00+01:00", "2024-03-27T09:05:00Z"),
            ("2021-03-01T12:00:00.123Z", "2021-03-01T12:00:00.123Z"),
            ("2024-03-27 10:05:00", "2024-03-27T10:05:00Z"),
            ("2024-03-27T10:05+0200", "2024-03-27T08:05:00Z"),
            ("2024-03-27", "2024-03-27T00:00:00Z"),
            ("Wed, 27 Mar 2024 10:05:00 GMT", "2024-03-27T10:05:00Z"),
            ("Sat, 20 Jul 24 10:00:00 +0000", "2024-07-20T10:00:00Z"),
            ("Tue, 14 Aug 2012 12:00:00 EST", "2012-08-14T17:00:00Z"),
            ("Sat, Dec 16 2023 02:02:33 PM", "2023-12-16T14:02:33Z"),
            ("Thurs, 13 July 2011 07:38:00 GMT", "2011-07-13T07:38:00Z"),
            ("mar., 13 sept. 2022 09:00:00 +0200", "2022-09-13T07:00:00Z"),
            ("Seg, 24 Set 2018 18:42:00 -0300", "2018-09-24T21:42:00Z"),
            ("jeu., 5 déc. 2019 08:00:00 +0100", "2019-12-05T07:00:00Z"),
            ("Sáb, 1 Fev 2020 00:00:00 GMT", "2020-02-01T00:00:00Z"),
        ] {
            assert_eq!(d(text).as_deref(), Some(want), "{text:?}");
        }
    }

    #[test]
    fn unreadable_dates_are_none() {
        for bad in [
            "",
            "yesterday",
            "32 Jan 2020",
            "Mon, 12 Foo 2020 10:00 GMT",
            "2020-13-01",
            "10:00 +0100 XYZ 2020",
        ] {
            assert_eq!(d(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn strip_html_keeps_paragraphs() {
        let t = strip(
            "<p>Le <b>cloud</b>  souverain.</p><p>Second <a href=\"x\">lien</a>.</p>",
            "text/html",
        );
        assert_eq!(t, "Le cloud souverain.\n\nSecond lien.");
        assert_eq!(strip("  plain   text \n", "text/plain"), "plain text");
    }

    #[test]
    fn encoding_detection() {
        let mut notes = Vec::new();
        let (t, e) = decode(b"<rss>caf\xe9</rss>", &mut notes);
        assert_eq!((t.as_str(), e), ("<rss>café</rss>", "windows-1252"));
        let (t, e) = decode(
            "<?xml version='1.0' encoding='utf-8'?><a>é</a>".as_bytes(),
            &mut notes,
        );
        assert_eq!((t.contains('é'), e), (true, "UTF-8"));
        assert_eq!(
            declared_encoding(b"  <?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"),
            Some(&b"ISO-8859-1"[..])
        );
    }

    #[test]
    fn positions_are_one_based() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("é", 1), (1, 1));
    }
}
