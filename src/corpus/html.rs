//! HTML pages reduced to the article's main text and its metadata.
//!
//! [`extract`] takes a page's bytes as they came (from a file or an HTTP body):
//!
//! 1. **Charset.** A byte-order mark wins; then a declaration in the first 4 KiB
//!    (`<meta charset>`, `<meta http-equiv="Content-Type" content="…; charset=…">`, an
//!    XML declaration's `encoding`); without one, UTF-8 when the bytes are valid UTF-8 and
//!    Windows-1252 (the superset of Latin-1 browsers use) otherwise. Decoding is
//!    [`encoding_rs`]'s, so a declared `iso-8859-1` is read as Windows-1252, as browsers do.
//! 2. **Main text.** [`dom_smoothie`] (a port of Mozilla's Readability.js) finds the
//!    article's body and drops navigation, share buttons, cookie and newsletter boxes,
//!    bylines and "related" lists. It was chosen by measurement against rs-trafilatura and
//!    three readability ports (`benches/watch/extraction.py`, figures in BENCHMARKS.md,
//!    "Issue 11: article extraction"): as good as trafilatura, ten times faster.
//! 3. **Cleanup** on top, only rules measured to help there: each line of the extracted
//!    text becomes a paragraph (blocks are separated by one blank line, as veille's passage
//!    scoring expects), whitespace inside a paragraph is collapsed, and teaser paragraphs
//!    ("Lire aussi …", "Next Post", "Related articles", "Advertisement", …) are dropped.
//! 4. **Metadata** from the page's head: JSON-LD (`NewsArticle`, `Article`, `BlogPosting`,
//!    … also inside `@graph`), Open Graph and `article:` properties, `<meta name=author>`,
//!    `<link rel=canonical>`, the `lang` attribute of `<html>`; what is missing there is
//!    taken from dom_smoothie's own metadata. The page is parsed once for both.
//!
//! The same bytes always give the same [`Page`].

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat};
use dom_query::Document;
use encoding_rs::Encoding;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Fewer letters and digits than this is not an article (a login form, a cookie wall, an
/// error page); the shortest article of the extraction benchmark has 369 characters.
const MIN_LETTERS: usize = 100;

/// The part of a page that is searched for a charset declaration.
const SNIFF_BYTES: usize = 4096;

/// An article page: its main text and what its metadata says about it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// The article's headline (JSON-LD `headline`, `og:title`, then `<title>`).
    pub title: Option<String>,
    /// The main text: paragraphs separated by one blank line (`"\n\n"`), no trailing newline.
    pub text: String,
    /// The publication date as the page gives it, rewritten as ISO 8601 (RFC 3339 when it has
    /// a time) when it parses, as written otherwise.
    pub date: Option<String>,
    /// The author or authors (comma-separated), as the page names them.
    pub author: Option<String>,
    /// The page's own address (`<link rel=canonical>`, `og:url`, JSON-LD `url`), made
    /// absolute against the page's URL when that is known.
    pub canonical_url: Option<String>,
    /// The declared language's primary subtag, lower-cased (`"fr"` for `lang="fr-FR"`).
    pub language: Option<String>,
    /// The site's name (`og:site_name`, JSON-LD `publisher.name`).
    pub site_name: Option<String>,
    /// The page's summary (`og:description`, `<meta name=description>`).
    pub description: Option<String>,
}

/// Why a page gave no article.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    /// The page has no article text (an index, a form, an empty or script-only page): no
    /// main text was found, or fewer than 100 letters and digits of it.
    #[error("{page}: no article text found in the page")]
    NoArticle {
        /// The page: its URL, or `HTML page` when none was given.
        page: String,
    },
    /// The extractor refused the page.
    #[error("{page}: cannot extract the article: {message}")]
    Extraction {
        /// The page: its URL, or `HTML page` when none was given.
        page: String,
        /// What the extractor said.
        message: String,
    },
}

/// Extracts the main text and metadata of an HTML page.
///
/// `url` is where the page came from, when known: it names the page in errors, makes a
/// relative canonical link absolute and helps the extractor. The charset is detected as the
/// [module documentation](self) says.
///
/// # Errors
///
/// [`HtmlError::NoArticle`] when nothing of the page is article text, and
/// [`HtmlError::Extraction`] when the extractor fails.
///
/// ```
/// let html = r#"<html lang="fr"><head><title>Cloud souverain</title></head><body>
///   <nav><a href="/">Accueil</a> <a href="/tech">Tech</a></nav>
///   <article><h1>Cloud souverain</h1>
///   <p>Le gouvernement a publié mardi la liste des offres qualifiées SecNumCloud, une étape
///   attendue par les administrations qui doivent héberger leurs données sensibles.</p>
///   <p>Lire aussi : Le marché du cloud en Europe</p>
///   <p>Les fournisseurs américains restent exclus de la qualification tant que leurs
///   services sont soumis à des lois extraterritoriales, a rappelé l'agence.</p>
///   </article></body></html>"#;
/// let page = veille::corpus::html::extract(html.as_bytes(), None)?;
/// assert!(page.text.starts_with("Le gouvernement a publié mardi"));
/// assert!(!page.text.contains("Lire aussi"));
/// assert_eq!(page.language.as_deref(), Some("fr"));
/// # Ok::<(), veille::corpus::html::HtmlError>(())
/// ```
pub fn extract(html: &[u8], url: Option<&str>) -> Result<Page, HtmlError> {
    let name = || url.unwrap_or("HTML page").to_string();
    let (source, _) = decode(html);
    let doc = Document::from(source.as_ref());
    let mut page = metadata(&doc, url);
    let config = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..dom_smoothie::Config::default()
    };
    // dom_smoothie refuses a relative document URL; it only uses it to resolve links.
    let base = url.filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let article = dom_smoothie::Readability::with_document(doc, base, Some(config))
        .and_then(|mut readability| readability.parse())
        .map_err(|e| match e {
            dom_smoothie::ReadabilityError::GrabFailed => HtmlError::NoArticle { page: name() },
            other => HtmlError::Extraction {
                page: name(),
                message: other.to_string(),
            },
        })?;
    page.text = clean_text(&article.text_content);
    // Letters and digits, not words: Chinese and Japanese put no spaces between words.
    if page.text.chars().filter(|c| c.is_alphanumeric()).count() < MIN_LETTERS {
        return Err(HtmlError::NoArticle { page: name() });
    }
    page.title = page.title.or_else(|| non_empty(Some(&article.title)));
    page.author = page.author.or_else(|| non_empty(article.byline.as_ref()));
    page.date = page
        .date
        .or_else(|| non_empty(article.published_time.as_ref()).map(|d| iso_date(&d)));
    page.site_name = page
        .site_name
        .or_else(|| non_empty(article.site_name.as_ref()));
    page.language = page
        .language
        .or_else(|| article.lang.as_deref().and_then(primary_tag));
    Ok(page)
}

/// Decodes a page's bytes to text, detecting the charset as the [module documentation](self)
/// says; returns the text and the name of the encoding used (`"UTF-8"`, `"windows-1252"`, …).
///
/// Bytes that are invalid in the detected encoding become U+FFFD.
pub fn decode(html: &[u8]) -> (Cow<'_, str>, &'static str) {
    let encoding = detect_charset(html);
    let (text, used, _) = encoding.decode(html);
    (text, used.name())
}

fn detect_charset(html: &[u8]) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(html) {
        return encoding;
    }
    static DECLARED: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
        regex::bytes::Regex::new(
            r#"(?i-u)<meta\b[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)|<\?xml\b[^>]*?encoding\s*=\s*["']([a-z0-9_:.\-]+)"#,
        )
        .expect("static regex")
    });
    let head = &html[..html.len().min(SNIFF_BYTES)];
    let declared = DECLARED.captures_iter(head).find_map(|c| {
        let label = c.get(1).or_else(|| c.get(2))?;
        Encoding::for_label(label.as_bytes())
    });
    match declared {
        // A UTF-16 declaration in bytes that had no UTF-16 byte-order mark is wrong by
        // construction (the declaration itself was readable as ASCII): HTML says UTF-8.
        Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => encoding_rs::UTF_8,
        // x-user-defined is only meaningful for XHR; treat as Windows-1252.
        Some(e) if e == encoding_rs::X_USER_DEFINED => encoding_rs::WINDOWS_1252,
        Some(e) => e,
        None if std::str::from_utf8(html).is_ok() => encoding_rs::UTF_8,
        None => encoding_rs::WINDOWS_1252,
    }
}

/// Paragraph openings that mark a teaser, a link list or page furniture, not article text
/// (matched case-insensitively at the start of a paragraph, on whole words).
static TEASER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:
            [àa]\s+lire\s+(?:aussi|[ée]galement|ensuite)
          | lire\s+(?:aussi|[ée]galement|la\s+suite)
          | (?:[àa]\s+)?voir\s+aussi
          | sur\s+le\s+m[êe]me\s+sujet
          | articles?\s+(?:similaires|li[ée]s|recommand[ée]s)
          | next\s+(?:post|article|story)
          | previous\s+(?:post|article|story)
          | related\s+(?:articles?|stories|posts|coverage|content)
          | read\s+(?:more|also|next)\s*[:|»›>-]
          | see\s+also\s*[:|»›>-]
          | more\s+from\s
        )(?:\b|\s|$)",
    )
    .expect("static regex")
});

/// Whole paragraphs that are furniture when they stand alone (each one seen in the
/// benchmark's pages outside the expected text).
static FURNITURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:
            advertisement | advert | publicit[ée] | sponsored | annonce
          | share(?:\s+this(?:\s+(?:article|story|post))?)? | partager(?:\s+cet\s+article)?
          | sharing\s+is\s+caring!? | tweet | email | print | imprimer | close | caption
          | next\s+(?:post|article|story) | previous\s+(?:post|article|story)
          | home | news | comments? | subscribe | trending | latest | popular | highlights
          | read\s+more | more | don.t\s+miss | you\s+may\s+also\s+like | about\s+the\s+author
          | view\s+author\s+archive | email\s+the\s+author | recent\s+articles
          | popular\s+this\s+week | loading\s+content\s*\.* | image\s+\d+\s+of\s+\d+
          | media\s+playback\s+is\s+unsupported\s+on\s+your\s+device
          | vous\s+aimerez\s+aussi | [àa]\s+d[ée]couvrir | les\s+plus\s+lus
        )\s*[.:]?$",
    )
    .expect("static regex")
});

/// A photo credit or caption line: `Photo: …`, `Crédits photos : …`, `Getty Images`.
static CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:photos?|image|credit|cr[ée]dits?(?:\s+photos?)?|caption|getty(?:\s+images)?)(?:\s*[:.|/©–—-]|\s+(?:by|de|par)\s|$).{0,100}$",
    )
    .expect("static regex")
});

/// A short call to sign up for a newsletter, alerts or an app.
static SIGN_UP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:sign\s+up|subscribe|click\s+here|inscrivez-vous|abonnez-vous)\b.*\b(?:newsletter|lettre\s+d.information|alerts?|app|e-?mails?)\b",
    )
    .expect("static regex")
});

/// Paragraphs longer than this are article text whatever they say.
const SIGN_UP_MAX_CHARS: usize = 200;

/// The extracted text as paragraphs separated by blank lines, teasers dropped.
fn clean_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.lines() {
        let paragraph = squash(line);
        if paragraph.is_empty() || is_furniture(&paragraph) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&paragraph);
    }
    out
}

fn is_furniture(paragraph: &str) -> bool {
    TEASER.is_match(paragraph)
        || FURNITURE.is_match(paragraph)
        || CREDIT.is_match(paragraph)
        || (paragraph.len() <= SIGN_UP_MAX_CHARS && SIGN_UP.is_match(paragraph))
}

/// Whitespace runs (including no-break spaces) collapsed to one space, ends trimmed.
fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn non_empty(s: Option<impl AsRef<str>>) -> Option<String> {
    s.map(|s| squash(s.as_ref())).filter(|s| !s.is_empty())
}

/// `"fr"` for `"fr-FR"`, `"en"` for `"EN_us"`; `None` for an empty or malformed tag.
fn primary_tag(lang: &str) -> Option<String> {
    let primary = lang.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    let ok = (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
    ok.then_some(primary)
}

/// The page's metadata from its `<head>`, JSON-LD and `<html lang>`; `text` left empty.
fn metadata(doc: &Document, url: Option<&str>) -> Page {
    // The `<meta>` elements with a content, read in one pass over the page: looking each key
    // up with its own selector walked the whole page some twenty times.
    let metas: Vec<([Option<String>; 3], String)> = doc
        .select("meta")
        .iter()
        .filter_map(|m| {
            let content = non_empty(m.attr("content"))?;
            let key = |a: &str| m.attr(a).map(|v| v.to_string());
            Some(([key("property"), key("name"), key("itemprop")], content))
        })
        .collect();
    // The first non-empty content of a `<meta>` whose property, name or itemprop is the
    // key, for the first key that has one.
    let meta = |keys: &[&str]| {
        keys.iter().find_map(|key| {
            metas
                .iter()
                .find(|(names, _)| names.iter().any(|n| n.as_deref() == Some(*key)))
                .map(|(_, content)| content.clone())
        })
    };
    let ld = json_ld(doc);
    let title = ld
        .as_ref()
        .and_then(|a| non_empty(a.get("headline").and_then(|v| v.as_str())))
        .or_else(|| meta(&["og:title", "twitter:title"]))
        .or_else(|| non_empty(Some(doc.select("head title").text())));
    let date = ld
        .as_ref()
        .and_then(|a| non_empty(a.get("datePublished").and_then(|v| v.as_str())))
        .or_else(|| {
            meta(&[
                "article:published_time",
                "og:published_time",
                "datePublished",
                "date",
                "pubdate",
                "publishdate",
                "DC.date.issued",
                "dc.date",
                "DC.date",
            ])
        })
        .or_else(|| non_empty(doc.select("time[datetime]").attr("datetime")))
        .map(|d| iso_date(&d));
    let author = ld
        .as_ref()
        .and_then(|a| a.get("author"))
        .and_then(names)
        .or_else(|| meta(&["author", "article:author", "dc.creator", "DC.creator"]))
        .filter(|a| !a.starts_with("http://") && !a.starts_with("https://"));
    let canonical = non_empty(doc.select(r#"link[rel~="canonical"]"#).attr("href"))
        .or_else(|| meta(&["og:url"]))
        .or_else(|| {
            ld.as_ref()
                .and_then(|a| non_empty(a.get("url").and_then(|v| v.as_str())))
        })
        .map(|c| absolute(&c, url));
    let language = doc
        .select("html")
        .attr("lang")
        .and_then(|l| primary_tag(&l))
        .or_else(|| {
            meta(&["og:locale", "language", "content-language"]).and_then(|l| primary_tag(&l))
        })
        .or_else(|| {
            let selector =
                r#"meta[http-equiv="content-language"], meta[http-equiv="Content-Language"]"#;
            doc.select(selector)
                .attr("content")
                .and_then(|l| primary_tag(&l))
        });
    let site_name = meta(&["og:site_name", "application-name"]).or_else(|| {
        ld.as_ref()
            .and_then(|a| a.get("publisher"))
            .and_then(|p| non_empty(p.get("name").and_then(|v| v.as_str())))
    });
    let description = meta(&["og:description", "description", "twitter:description"]);
    Page {
        title,
        text: String::new(),
        date,
        author,
        canonical_url: canonical,
        language,
        site_name,
        description,
    }
}

/// The first JSON-LD object of an article type (searched in arrays and `@graph`).
fn json_ld(doc: &Document) -> Option<serde_json::Value> {
    const ARTICLE_TYPES: &[&str] = &[
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
        "ScholarlyArticle",
        "TechArticle",
        "SocialMediaPosting",
    ];
    fn is_article(v: &serde_json::Value) -> bool {
        match v.get("@type") {
            Some(serde_json::Value::String(t)) => ARTICLE_TYPES.contains(&t.as_str()),
            Some(serde_json::Value::Array(ts)) => ts
                .iter()
                .any(|t| t.as_str().is_some_and(|t| ARTICLE_TYPES.contains(&t))),
            _ => false,
        }
    }
    fn find(v: serde_json::Value, depth: usize) -> Option<serde_json::Value> {
        if depth > 4 {
            return None;
        }
        match v {
            serde_json::Value::Array(items) => items.into_iter().find_map(|i| find(i, depth + 1)),
            serde_json::Value::Object(mut map) => {
                let as_value = |m| serde_json::Value::Object(m);
                if let Some(graph) = map.remove("@graph") {
                    if let Some(found) = find(graph, depth + 1) {
                        return Some(found);
                    }
                }
                let v = as_value(map);
                is_article(&v).then_some(v)
            }
            _ => None,
        }
    }
    doc.select(r#"script[type="application/ld+json"]"#)
        .iter()
        .find_map(|script| {
            let text = script.text();
            let value = serde_json::from_str::<serde_json::Value>(text.trim()).ok()?;
            find(value, 0)
        })
}

/// A JSON-LD `author` (a string, a Person or Organization, or a list of them) as names.
fn names(v: &serde_json::Value) -> Option<String> {
    let one = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => non_empty(Some(s)),
        serde_json::Value::Object(o) => non_empty(o.get("name").and_then(|n| n.as_str())),
        _ => None,
    };
    match v {
        serde_json::Value::Array(items) => {
            let all: Vec<String> = items.iter().filter_map(one).collect();
            (!all.is_empty()).then(|| all.join(", "))
        }
        other => one(other),
    }
}

/// `href` made absolute against the page's URL when it is relative and a URL is known.
fn absolute(href: &str, base: Option<&str>) -> String {
    if href.contains("://") {
        return href.to_string();
    }
    let Some(base) = base else {
        return href.to_string();
    };
    let Some(scheme_end) = base.find("://") else {
        return href.to_string();
    };
    if let Some(rest) = href.strip_prefix("//") {
        return format!("{}://{rest}", &base[..scheme_end]);
    }
    let after_scheme = scheme_end + 3;
    let host_end = base[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(base.len(), |i| after_scheme + i);
    if href.starts_with('/') {
        return format!("{}{href}", &base[..host_end]);
    }
    let dir_end = base[host_end..]
        .find(['?', '#'])
        .map_or(base.len(), |i| host_end + i);
    let path = &base[..dir_end];
    let dir = path
        .rfind('/')
        .filter(|&i| i >= host_end)
        .map_or(path, |i| &path[..=i]);
    if dir.len() == host_end {
        format!("{dir}/{href}")
    } else {
        format!("{dir}{href}")
    }
}

/// A published date as ISO 8601 when it parses (offset kept), as written otherwise.
fn iso_date(raw: &str) -> String {
    const WITH_OFFSET: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
    ];
    const LOCAL_TIME: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ];
    const DAY: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d/%m/%Y", "%d.%m.%Y"];
    let s = raw.trim();
    let aware = DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_rfc2822(s))
        .ok()
        .or_else(|| {
            WITH_OFFSET
                .iter()
                .find_map(|f| DateTime::parse_from_str(s, f).ok())
        });
    if let Some(d) = aware {
        return d.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    }
    if let Some(d) = LOCAL_TIME
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    {
        return d.format("%Y-%m-%dT%H:%M:%S").to_string();
    }
    if let Some(d) = DAY
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
    {
        return d.format("%Y-%m-%d").to_string();
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_from_bom_meta_xml_and_bytes() {
        assert_eq!(decode(b"\xEF\xBB\xBF<p>caf\xC3\xA9</p>").1, "UTF-8");
        assert_eq!(decode(b"\xFF\xFE<\x00p\x00>\x00").1, "UTF-16LE");
        let meta = b"<head><meta charset=\"iso-8859-1\"></head><p>caf\xE9</p>";
        assert_eq!(
            decode(meta),
            (
                Cow::from("<head><meta charset=\"iso-8859-1\"></head><p>café</p>"),
                "windows-1252"
            )
        );
        let http =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">\xE4";
        assert_eq!(decode(http).1, "windows-1251");
        assert_eq!(
            decode(b"<?xml version=\"1.0\" encoding='ISO-8859-15'?><p/>").1,
            "ISO-8859-15"
        );
        assert_eq!(decode(b"<p>caf\xC3\xA9</p>").1, "UTF-8");
        let latin1 = decode(b"<p>Le caf\xE9 fran\xE7ais</p>");
        assert_eq!(
            latin1,
            (Cow::from("<p>Le café français</p>"), "windows-1252")
        );
        // A UTF-16 label without a BOM cannot be right.
        assert_eq!(decode(b"<meta charset=utf-16><p>x</p>").1, "UTF-8");
    }

    #[test]
    fn teasers_and_furniture_dropped_article_text_kept() {
        for teaser in [
            "Lire aussi : Le cloud en Europe",
            "À lire aussi | La souveraineté numérique",
            "A LIRE EGALEMENT Les puces",
            "Next Post",
            "Previous post: Why chips matter",
            "Related articles",
            "Read more: the sanctions",
            "Advertisement",
            "Publicité",
            "Share this article",
            "Photo: Jane Roe, AP",
            "Crédits photos : Bestimage",
            "Sign up to our newsletter for exclusive updates",
            "You may also like",
        ] {
            assert!(is_furniture(teaser), "{teaser}");
        }
        for text in [
            "Lire la presse étrangère est devenu un métier.",
            "Next year the rules change.",
            "Related parties were named in the filing.",
            "Advertisement budgets fell by a third.",
            "Share prices rose on Tuesday.",
            "Photographers were kept away from the site for three days after the blast.",
            "Image is everything in this campaign.",
            "More than half of the servers were hosted abroad.",
        ] {
            assert!(!is_furniture(text), "{text}");
        }
    }

    #[test]
    fn clean_text_makes_blank_line_paragraphs() {
        let raw =
            "  First   paragraph.\n\n\nSecond\u{a0}one.\nLire aussi : autre chose\nThird.  \n";
        assert_eq!(clean_text(raw), "First paragraph.\n\nSecond one.\n\nThird.");
        assert_eq!(clean_text(""), "");
    }

    #[test]
    fn dates_in_iso_8601_as_published() {
        assert_eq!(
            iso_date("2019-11-19T10:05:00-05:00"),
            "2019-11-19T10:05:00-05:00"
        );
        assert_eq!(iso_date("2019-11-19T10:05:00Z"), "2019-11-19T10:05:00Z");
        assert_eq!(
            iso_date("2019-11-19T10:05:00+0100"),
            "2019-11-19T10:05:00+01:00"
        );
        assert_eq!(
            iso_date("Tue, 19 Nov 2019 10:05:00 GMT"),
            "2019-11-19T10:05:00Z"
        );
        assert_eq!(iso_date("2019-11-19 10:05:00"), "2019-11-19T10:05:00");
        assert_eq!(iso_date(" 2019-11-19 "), "2019-11-19");
        assert_eq!(iso_date("19/11/2019"), "2019-11-19");
        assert_eq!(iso_date("mardi 19 novembre"), "mardi 19 novembre");
    }

    #[test]
    fn language_tags_and_urls() {
        assert_eq!(primary_tag("fr-FR").as_deref(), Some("fr"));
        assert_eq!(primary_tag("EN_us").as_deref(), Some("en"));
        assert_eq!(primary_tag(""), None);
        assert_eq!(primary_tag("x"), None);
        let base = Some("https://ex.org/a/b.html?q=1");
        assert_eq!(absolute("/c", base), "https://ex.org/c");
        assert_eq!(absolute("c.html", base), "https://ex.org/a/c.html");
        assert_eq!(absolute("//cdn.org/x", base), "https://cdn.org/x");
        assert_eq!(absolute("https://o.org/", base), "https://o.org/");
        assert_eq!(absolute("c", Some("https://ex.org")), "https://ex.org/c");
        assert_eq!(absolute("/c", None), "/c");
    }

    #[test]
    fn json_ld_article_in_graph() {
        let html = r#"<html><head><script type="application/ld+json">
            {"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Site"},
             {"@type":["NewsArticle"],"headline":"Le titre","datePublished":"2024-03-05T08:00:00+01:00",
              "author":[{"@type":"Person","name":"Anne Martin"},{"name":"Paul Roy"}],
              "publisher":{"@type":"Organization","name":"Le Journal"}}]}
            </script></head><body></body></html>"#;
        let page = metadata(&Document::from(html), None);
        assert_eq!(page.title.as_deref(), Some("Le titre"));
        assert_eq!(page.date.as_deref(), Some("2024-03-05T08:00:00+01:00"));
        assert_eq!(page.author.as_deref(), Some("Anne Martin, Paul Roy"));
        assert_eq!(page.site_name.as_deref(), Some("Le Journal"));
    }

    #[test]
    fn bad_json_ld_is_ignored() {
        let html = r#"<html lang="en"><head><script type="application/ld+json">{not json</script>
            <meta property="og:title" content="From OG"></head></html>"#;
        let page = metadata(&Document::from(html), None);
        assert_eq!(page.title.as_deref(), Some("From OG"));
        assert_eq!(page.language.as_deref(), Some("en"));
    }
}
