//! Arbitrary text (bytes read as UTF-8, invalid sequences replaced) through the passage
//! splitter, analyzers built from several settings, and the shipped model's whole pipeline
//! (analyzer, TF-IDF rows of the text and of each passage, classification).
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;
use veille::model::scoring::{ClassifyOptions, RowBuf};
use veille::model::Model;
use veille::text::passages::passages;
use veille::text::{Analyzed, Analyzer, AnalyzerConfig, Interner, ALL_LANGUAGES};

/// The shipped theme model (a real trained analyzer and vocabulary).
static SHIPPED: &[u8] = include_bytes!("../../models/themes.veille");

fn model() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| Model::from_bytes(Path::new("themes.veille"), SHIPPED).expect("shipped model"))
}

fn analyzers() -> &'static [Analyzer] {
    static A: OnceLock<Vec<Analyzer>> = OnceLock::new();
    A.get_or_init(|| {
        let configs = [
            AnalyzerConfig::default(),
            // Eight languages (the most at once), 4-grams, one-character tokens.
            AnalyzerConfig {
                languages: ALL_LANGUAGES[..8].to_vec(),
                ngram_range: (1, 4),
                min_token_chars: 1,
                ..AnalyzerConfig::default()
            },
            // Neither stopwords nor stemming, the other languages.
            AnalyzerConfig {
                languages: ALL_LANGUAGES[8..16].to_vec(),
                stopwords: false,
                stem: false,
                ngram_range: (2, 3),
                min_token_chars: 3,
            },
        ];
        configs
            .into_iter()
            .map(|c| Analyzer::new(c).expect("valid settings"))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;

    // Passages: in bounds, on character boundaries, in order, not overlapping.
    let ranges = passages(text);
    let mut last = 0;
    for r in &ranges {
        assert!(r.start >= last && r.start <= r.end, "{ranges:?}");
        assert!(
            text.get(r.clone()).is_some(),
            "{r:?} not on char boundaries"
        );
        last = r.end;
    }

    for (i, a) in analyzers().iter().enumerate() {
        if i == 0 {
            // The inspection helpers (one analysis each): for one analyzer only, for speed.
            std::hint::black_box(a.stems(text));
            std::hint::black_box(a.language_of(text));
        }
        let mut cache = a.cache(Interner::default());
        let mut out = Analyzed::default();
        a.analyze_passages(text, &ranges, &mut cache, &mut out);
        assert_eq!(out.part_ends.len(), ranges.len());
        assert_eq!(out.terms.len(), out.surfaces.len());
    }

    let m = model();
    let v = m.vectorizer();
    let mut scratch = v.scratch();
    let (mut idx, mut val) = (Vec::new(), Vec::new());
    v.transform_into(text, &mut scratch, &mut idx, &mut val);
    let whole = (idx.clone(), val.clone());
    v.transform_passages_into(text, &ranges, &mut scratch, &mut idx, &mut val);
    assert_eq!(
        whole,
        (idx.clone(), val.clone()),
        "passages change the whole row"
    );
    for (i, &j) in idx.iter().enumerate() {
        assert!((j as usize) < v.n_features());
        assert!(i == 0 || idx[i - 1] < j, "indices not sorted");
    }
    assert!(val.iter().all(|x| x.is_finite()));
    for p in 0..ranges.len() {
        v.passage_row_into(&mut scratch, p, &mut idx, &mut val);
    }
    let mut buf = RowBuf::default();
    let c = m.classify_with(text, &ClassifyOptions::default(), &mut scratch, &mut buf);
    for &(l, s) in &c.scores {
        std::hint::black_box(m.label(l));
        assert!((0.0..=1.0).contains(&s), "score {s}");
    }
});
