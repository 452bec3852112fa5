//! Feeds and web pages as articles: what `veille ingest` does with a fetched body or a local
//! `.rss` / `.atom` / `.xml` / `.html` file — a feed gives one article per item
//! ([`super::feed`]), a page gives its main text ([`super::html`]).

use super::feed::{self, FeedError};
use super::html::{self, HtmlError};
use super::Document;
use serde_json::{Map, Value};

/// What a body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// RSS, Atom or JSON Feed.
    Feed,
    /// An HTML page.
    Page,
}

/// Why a body gave no article.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// A feed that does not parse.
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// A page with no article.
    #[error(transparent)]
    Page(#[from] HtmlError),
}

/// Whether a local file is read as a feed or page (by its extension), rather than by the
/// corpus readers.
pub fn kind_of_path(path: &std::path::Path) -> Option<Kind> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "rss" | "atom" | "rdf" | "xml" | "gz" => Some(Kind::Feed),
        "html" | "htm" | "xhtml" => Some(Kind::Page),
        _ => None,
    }
}

/// What a fetched body is, by its Content-Type, else by its first bytes.
pub fn sniff(content_type: Option<&str>, body: &[u8]) -> Kind {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    if ct.contains("rss") || ct.contains("atom") || ct.contains("feed+json") || ct.contains("/xml")
    {
        return Kind::Feed;
    }
    if ct.contains("html") {
        return Kind::Page;
    }
    let head: String = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with(&[0x1f, 0x8b])
        || head.starts_with("<?xml")
        || head.starts_with("<rss")
        || head.starts_with("<feed")
        || head.starts_with("<rdf")
        || head.contains("jsonfeed.org")
    {
        Kind::Feed
    } else {
        Kind::Page
    }
}

/// What a body gave: its articles, and for a feed the dates of items that could not be read
/// (those items are kept undated: never a guessed date).
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// A feed's items, or a page's article.
    pub documents: Vec<Document>,
    /// The texts of a feed's item dates that could not be read (see [`feed::Feed::bad_dates`]).
    pub bad_dates: Vec<String>,
}

/// The articles of a body: a feed's items, or a page's article. `name` is the URL or file.
pub fn documents(kind: Kind, body: &[u8], name: &str) -> Result<Read, WebError> {
    match kind {
        Kind::Feed => {
            let f = feed::parse_feed(body, name)?;
            Ok(Read {
                documents: f.documents(),
                bad_dates: f.bad_dates,
            })
        }
        Kind::Page => {
            let url = super::fetch::is_url(name).then_some(name);
            let page = html::extract(body, url).map_err(|e| match e {
                // A local page is named by its file.
                HtmlError::NoArticle { .. } if url.is_none() => HtmlError::NoArticle {
                    page: name.to_string(),
                },
                e => e,
            })?;
            Ok(Read {
                documents: vec![page_document(page, name)],
                bad_dates: Vec::new(),
            })
        }
    }
}

/// A page as an article: its title and text, its canonical URL (else `name`) as id and url.
/// A canonical link left relative (a local page has no address to resolve it against) is not
/// an address: the file's name is kept.
pub fn page_document(page: html::Page, name: &str) -> Document {
    let url = page
        .canonical_url
        .clone()
        .filter(|u| super::fetch::is_url(u))
        .unwrap_or_else(|| name.to_string());
    let mut extra = Map::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            extra.insert(k.to_string(), Value::String(v));
        }
    };
    put("title", page.title.clone());
    put("url", Some(url.clone()));
    put("published", page.date);
    put("author", page.author);
    put("language", page.language);
    put("site_name", page.site_name);
    put("description", page.description);
    let text = match &page.title {
        Some(t) if !page.text.starts_with(t.as_str()) => format!("{t}\n\n{}", page.text),
        _ => page.text,
    };
    Document {
        id: url,
        text,
        labels: None,
        extra,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_told_apart() {
        assert_eq!(
            sniff(Some("application/rss+xml; charset=utf-8"), b""),
            Kind::Feed
        );
        assert_eq!(sniff(Some("text/html"), b"<?xml"), Kind::Page);
        assert_eq!(sniff(None, b"  <?xml version=\"1.0\"?><rss>"), Kind::Feed);
        assert_eq!(sniff(None, b"<!doctype html><html>"), Kind::Page);
        assert_eq!(kind_of_path("a/b.RSS".as_ref()), Some(Kind::Feed));
        assert_eq!(kind_of_path("a/b.jsonl".as_ref()), None);
    }
}
