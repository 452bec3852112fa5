//! Article extraction from HTML pages (issue 11): main text without page furniture,
//! metadata from the page, charsets, and a clear error for a page without an article.

use std::path::PathBuf;

use veille::corpus::html::{extract, HtmlError, Page};

fn fixture(name: &str) -> Vec<u8> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests/fixtures/watch/pages",
        name,
    ]
    .iter()
    .collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn page(name: &str, url: Option<&str>) -> Page {
    extract(&fixture(name), url).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_absent(text: &str, furniture: &[&str]) {
    for f in furniture {
        assert!(!text.contains(f), "{f:?} in {text:?}");
    }
}

fn s(text: &str) -> Option<String> {
    Some(text.to_string())
}

/// Every field but the text.
fn assert_metadata(page: &Page, expected: Page) {
    let metadata = Page {
        text: String::new(),
        ..page.clone()
    };
    assert_eq!(metadata, expected);
}

fn paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n").collect()
}

#[test]
fn french_article_without_furniture() {
    let url = "https://leveilleur.example/tech/cloud-souverain-liste.html?utm=x";
    let p = page("fr-cloud-souverain.html", Some(url));
    let paras = paragraphs(&p.text);
    assert!(
        paras[0].starts_with("Le gouvernement a publié mardi"),
        "{:?}",
        paras[0]
    );
    assert!(paras
        .last()
        .unwrap()
        .contains("accompagnement financier de l'État"));
    assert!(p
        .text
        .contains("Les fournisseurs américains restent donc exclus"));
    assert_absent(
        &p.text,
        &[
            "cookies",
            "Accueil",
            "Lire aussi",
            "Le marché européen du cloud",
            "Partager sur",
            "Newsletter",
            "Inscrivez-vous",
            "Articles similaires",
            "Câbles sous-marins",
            "Mentions légales",
            "Par Claire Dubois",
        ],
    );
    assert_eq!(paras.len(), 5, "{paras:#?}");
    assert!(paras
        .iter()
        .all(|para| !para.contains('\n') && para.trim() == *para));

    let description = "Les administrations devront héberger leurs données sensibles chez des \
                       prestataires qualifiés.";
    assert_metadata(
        &p,
        Page {
            title: s("Cloud souverain : l'État publie la liste des offres qualifiées"),
            date: s("2025-03-04T09:30:00+01:00"),
            author: s("Claire Dubois"),
            canonical_url: s("https://leveilleur.example/tech/cloud-souverain-liste.html"),
            language: s("fr"),
            site_name: s("Le Veilleur"),
            description: s(description),
            text: String::new(),
        },
    );
}

#[test]
fn english_post_without_share_and_next_post() {
    let p = page("en-chip-controls.html", None);
    assert!(
        p.text.starts_with("New restrictions on the export"),
        "{:?}",
        p.text
    );
    assert!(p.text.ends_with("in the coming months."), "{:?}", p.text);
    assert_absent(
        &p.text,
        &[
            "Next Post",
            "Previous Post",
            "Memory prices climb",
            "Share this",
            "LinkedIn",
            "Popular",
            "Subscribe",
            "By Sam Porter",
            "Copyright",
        ],
    );
    assert_eq!(paragraphs(&p.text).len(), 4);
    assert_metadata(
        &p,
        Page {
            title: s("New export controls on chipmaking tools take effect"),
            date: s("2025-01-15T14:05:00Z"),
            author: s("Sam Porter"),
            canonical_url: s("https://signaldesk.example/2025/01/15/chip-tool-controls/"),
            language: s("en"),
            site_name: s("The Signal Desk"),
            description: None,
            text: String::new(),
        },
    );
}

#[test]
fn undeclared_latin1_page_is_read_as_latin1() {
    let bytes = fixture("fr-latin1-sans-declaration.html");
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture must stay Latin-1"
    );
    let p = page("fr-latin1-sans-declaration.html", None);
    assert!(
        p.text
            .starts_with("Près de quatre-vingt-dix-neuf pour cent"),
        "{:?}",
        p.text
    );
    assert!(p.text.contains("états-majors"));
    assert!(!p.text.contains('\u{FFFD}'));
    assert!(!p.text.contains("Dossiers"));
    assert_eq!(
        p.title.as_deref(),
        Some("Les câbles sous-marins, enjeu stratégique")
    );
    assert_eq!(p.language, None);
}

#[test]
fn page_without_article_is_a_clear_error() {
    let url = "https://app.example/login";
    match extract(&fixture("no-article.html"), Some(url)) {
        Err(e @ HtmlError::NoArticle { .. }) => {
            assert_eq!(
                e.to_string(),
                format!("{url}: no article text found in the page")
            );
        }
        other => panic!("expected NoArticle, got {other:?}"),
    }
    for junk in [
        &b""[..],
        b"\x00\x01\x02",
        b"<html><body></body></html>",
        b"<<<>>>&&&",
    ] {
        assert!(
            matches!(extract(junk, None), Err(HtmlError::NoArticle { .. })),
            "{junk:?}"
        );
    }
}

#[test]
fn same_bytes_same_page() {
    let bytes = fixture("fr-cloud-souverain.html");
    let a = serde_json::to_string(&extract(&bytes, None).unwrap()).unwrap();
    let b = serde_json::to_string(&extract(&bytes, None).unwrap()).unwrap();
    assert_eq!(a, b);
    assert!(
        a.contains(r#""canonical_url":"/tech/cloud-souverain-liste.html""#),
        "{a}"
    );
}
