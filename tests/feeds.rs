//! Feeds read into articles: RSS 2.0, Atom, JSON Feed, and the faults real feeds have, on
//! small feeds written for these tests (tests/fixtures/watch/feeds/).

use veille::corpus::feed::{iso8601, parse_feed, Feed, FeedError, FeedFormat};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/watch/feeds/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(name: &str) -> Feed {
    parse_feed(&fixture(name), name).unwrap_or_else(|e| panic!("{e}"))
}

fn refused(name: &str) -> FeedError {
    match parse_feed(&fixture(name), name) {
        Ok(f) => panic!("{name} was read: {} items", f.items.len()),
        Err(e) => e,
    }
}

fn published(feed: &Feed) -> Vec<Option<String>> {
    feed.items
        .iter()
        .map(|i| i.published.as_ref().map(iso8601))
        .collect()
}

#[test]
fn rss2_items_with_full_text_become_articles() {
    let feed = read("rss2.xml");
    assert_eq!(feed.format, FeedFormat::Rss2);
    assert_eq!(feed.title.as_deref(), Some("Veille numérique"));
    assert_eq!(feed.link.as_deref(), Some("https://veille.example.org/"));
    assert_eq!(feed.language.as_deref(), Some("fr-fr"));
    assert_eq!(feed.items.len(), 2);
    assert!(feed.bad_dates.is_empty());

    let first = &feed.items[0];
    assert_eq!(first.id.as_deref(), Some("veille-2024-0001"));
    assert_eq!(first.author.as_deref(), Some("Claire Martin"));
    assert_eq!(
        first.summary.as_deref(),
        Some("Trois hébergeurs qualifiés cette année.")
    );
    assert_eq!(
        first.content.as_deref(),
        Some("Trois hébergeurs ont obtenu la qualification.\n\nLe référentiel exige une immunité aux lois extraterritoriales.")
    );
    assert_eq!(first.updated, None, "an RSS pubDate is not an update");

    let doc = first.to_document();
    assert_eq!(doc.id, "veille-2024-0001");
    assert!(doc.text.starts_with(
        "Cloud souverain : la qualification SecNumCloud avance\n\nTrois hébergeurs ont obtenu"
    ));
    assert_eq!(doc.extra["published"], "2024-03-27T09:05:00Z");
    assert_eq!(
        doc.extra["url"],
        "https://veille.example.org/2024/03/cloud-souverain"
    );
    assert_eq!(doc.extra["source"], "rss2.xml");
    assert_eq!(doc.extra["author"], "Claire Martin");
    assert!(doc.labels.is_none());

    // No guid: the link is the id; no full text: the summary is the body.
    let second = feed.items[1].to_document();
    assert_eq!(
        second.id,
        "https://veille.example.org/2024/03/export-controls"
    );
    assert_eq!(
        second.text,
        "Export controls on lithography tools tightened\n\nNew licensing rules cover deep-ultraviolet scanners & their spare parts."
    );
    assert_eq!(second.extra["author"], "Trade desk");
}

#[test]
fn atom_entries() {
    let feed = read("atom.xml");
    assert_eq!(feed.format, FeedFormat::Atom);
    assert_eq!(feed.link.as_deref(), Some("https://norms.example.net/"));
    let e = &feed.items[0];
    assert_eq!(
        e.title.as_deref(),
        Some("UN working group adopts annual report")
    );
    assert_eq!(
        e.published.as_ref().map(iso8601).as_deref(),
        Some("2024-04-01T14:45:00Z")
    );
    assert_eq!(
        e.updated.as_ref().map(iso8601).as_deref(),
        Some("2024-04-02T08:00:00Z")
    );
    assert_eq!(e.author.as_deref(), Some("Sam Okafor"));
    let content = e.content.as_deref().unwrap_or_default();
    assert!(
        content.contains("confidence-building measures"),
        "{content}"
    );
    assert!(content.contains("points-of-contact directory") && !content.contains('<'));
    // Only <updated>: no publication date, and the update is kept.
    let e = &feed.items[1];
    assert_eq!(e.published, None);
    assert_eq!(e.to_document().extra["updated"], "2024-03-30T09:00:00Z");
}

#[test]
fn json_feed_items() {
    let feed = read("feed.json");
    assert_eq!(feed.format, FeedFormat::JsonFeed);
    assert_eq!(feed.title.as_deref(), Some("Semiconductor supply notes"));
    assert_eq!(
        published(&feed),
        [
            Some("2024-02-14T12:30:00Z".into()),
            Some("2024-02-15T09:00:00Z".into())
        ]
    );
    let doc = feed.items[0].to_document();
    assert_eq!(doc.id, "chips-17");
    assert_eq!(
        doc.text,
        "Fab subsidies: the second round\n\nThe second round of fab subsidies favours packaging plants."
    );
    assert_eq!(
        doc.extra["summary"],
        "Packaging plants get the larger share."
    );
    // No title: the text is the content alone.
    let doc = feed.items[1].to_document();
    assert_eq!(
        doc.text,
        "Gallium export licences were granted to two buyers."
    );
    assert!(!doc.extra.contains_key("title"));
}

#[test]
fn french_dates_are_read() {
    let feed = read("french-dates.rss");
    assert!(feed.bad_dates.is_empty(), "{:?}", feed.bad_dates);
    assert_eq!(
        published(&feed),
        [
            Some("2022-09-13T14:41:30Z".into()),
            Some("2019-12-05T07:00:00Z".into()),
            Some("2022-02-22T20:04:25Z".into()),
        ]
    );
}

#[test]
fn undeclared_latin1_is_decoded() {
    let feed = read("latin1-undeclared.rss");
    assert_eq!(feed.encoding, "windows-1252");
    assert!(feed.notes.iter().any(|n| n.contains("windows-1252")));
    assert_eq!(feed.title.as_deref(), Some("Réseaux et sécurité"));
    let item = &feed.items[0];
    let fields = (item.title.as_deref(), item.summary.as_deref());
    let want = (
        "Câbles sous-marins : la façade atlantique",
        "Notícias da região, coração da rede.",
    );
    assert_eq!(fields, (Some(want.0), Some(want.1)));
    // And a Portuguese date.
    assert_eq!(published(&feed), [Some("2018-09-24T22:42:40Z".into())]);
}

#[test]
fn gzip_is_recognised_by_its_magic_bytes() {
    let plain = read("rss2.xml");
    let gz = parse_feed(&fixture("rss2.xml.gz"), "rss2.xml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(gz.notes, ["gzip-compressed"]);
    assert_eq!(gz.items, plain.items);
    match refused("truncated.gz") {
        FeedError::Gzip { origin, .. } => assert_eq!(origin, "truncated.gz"),
        e => panic!("{e}"),
    }
}

#[test]
fn whitespace_before_the_declaration_and_control_characters() {
    let feed = read("whitespace-control-chars.rss");
    assert_eq!(feed.invalid_chars, 2);
    assert_eq!(
        feed.items[0].title.as_deref(),
        Some("Vertical tab and bell inside")
    );
}

#[test]
fn malformed_xml_names_the_source_and_the_position() {
    let e = refused("malformed.xml");
    match &e {
        FeedError::Xml {
            origin,
            line,
            column,
            ..
        } => assert_eq!((origin.as_str(), *line, *column), ("malformed.xml", 6, 60)),
        e => panic!("{e}"),
    }
    let message = e.to_string();
    assert!(
        message.starts_with("malformed.xml:6:60: malformed XML:") && message.contains("</link>"),
        "{message}"
    );
    // A document cut short is refused too, not read as far as it goes.
    let e = refused("unclosed.xml");
    assert!(
        matches!(e, FeedError::Xml { line: 7, .. }) && e.to_string().contains("<item>"),
        "{e}"
    );
}

#[test]
fn a_wrong_date_is_none_and_reported() {
    let feed = read("wrong-date.rss");
    assert_eq!(
        published(&feed),
        [None, None, Some("2024-03-01T12:00:00Z".into())]
    );
    assert_eq!(
        feed.bad_dates,
        ["Sat, 31 Feb 2024 10:00:00 GMT", "next Tuesday, probably"]
    );
    assert!(!feed.items[0].to_document().extra.contains_key("published"));
}

#[test]
fn not_a_feed_empty_and_bad_json_are_refused() {
    let e = refused("not-a-feed.html");
    assert!(
        matches!(&e, FeedError::NotAFeed { reason, .. } if reason.contains("<html>")),
        "{e}"
    );
    assert!(matches!(
        parse_feed(b"  \n", "blank"),
        Err(FeedError::Empty { .. })
    ));
    let e = parse_feed(
        b"{\"version\": \"https://jsonfeed.org/version/1\",\n \"items\": [}",
        "x.json",
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(e.starts_with("x.json:2:"), "{e}");
}

#[test]
fn same_bytes_same_feed() {
    for name in ["rss2.xml", "atom.xml", "feed.json", "wrong-date.rss"] {
        let a = read(name);
        let b = read(name);
        assert_eq!(a, b, "{name}");
        let ids: Vec<_> = a.documents().into_iter().map(|d| d.id).collect();
        let again: Vec<_> = b.documents().into_iter().map(|d| d.id).collect();
        assert_eq!(ids, again);
    }
    // An item with neither guid nor link gets an id made from its content, every time.
    let xml = b"<rss version=\"2.0\"><channel><title>t</title><item><title>Only a title</title></item></channel></rss>";
    let a = parse_feed(xml, "bare.rss").map(|f| f.items[0].document_id());
    let b = parse_feed(xml, "bare.rss").map(|f| f.items[0].document_id());
    let a = a.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(Some(&a), b.as_ref().ok());
    assert!(a.starts_with("bare.rss#"), "{a}");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let base = fixture("rss2.xml");
    for cut in (0..base.len()).step_by(7) {
        let _ = parse_feed(&base[..cut], "cut");
    }
    for bytes in [
        &b"\x1f\x8b"[..],
        b"\xff\xfe<\x00",
        b"{",
        b"<",
        b"<?xml",
        b"\xef\xbb\xbf",
    ] {
        let _ = parse_feed(bytes, "odd");
    }
}
