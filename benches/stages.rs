//! Stage benchmarks: analysis, TF-IDF fit and transform, training, classification, model
//! load. They run on the passages the project ships (`data/themes/`), so `cargo bench` works
//! anywhere; set `VEILLE_BENCH_CORPUS=path/to/corpus.jsonl` (records with `text` and
//! `label`/`labels`) to measure on a real corpus instead.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::path::{Path, PathBuf};
use veille::corpus::{self, Document, Fields};
use veille::features::{TfidfConfig, Vectorizer};
use veille::model::{ClassifyOptions, Model, TrainSettings};
use veille::text::{Analyzer, AnalyzerConfig, Interner};

fn corpus_paths() -> Vec<PathBuf> {
    if let Some(p) = std::env::var_os("VEILLE_BENCH_CORPUS") {
        return vec![PathBuf::from(p)];
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/themes");
    vec![root.join("train.en.jsonl"), root.join("train.fr.jsonl")]
}

fn load() -> Vec<Document> {
    let mut docs = Vec::new();
    for p in corpus_paths() {
        let stream = corpus::open_labelled(&p, &Fields::default()).expect("readable corpus");
        corpus::collect(stream, true, |_| {}, &mut docs).expect("corpus reads");
    }
    docs
}

fn stages(c: &mut Criterion) {
    let docs = load();
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();
    let analyzer = Analyzer::new(AnalyzerConfig::default()).expect("default analyzer");

    let mut g = c.benchmark_group("stages");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("analyse (tokenise + stem, cold cache)", |b| {
        b.iter(|| {
            let mut cache = analyzer.cache(Interner::default());
            let mut out = veille::text::Analyzed::default();
            let mut n = 0;
            for t in &texts {
                analyzer.analyze(t, &mut cache, &mut out);
                n += out.terms.len();
            }
            n
        })
    });
    g.bench_function("tf-idf fit_transform", |b| {
        b.iter_batched(
            || analyzer.clone(),
            |a| Vectorizer::fit_transform(a, TfidfConfig::default(), &texts, &|_| {}).expect("fit"),
            BatchSize::LargeInput,
        )
    });
    let (vectorizer, _) =
        Vectorizer::fit_transform(analyzer.clone(), TfidfConfig::default(), &texts, &|_| {})
            .expect("fit");
    g.bench_function("tf-idf transform", |b| {
        b.iter(|| vectorizer.transform(&texts))
    });
    g.bench_function("train (defaults)", |b| {
        b.iter(|| Model::train(&docs, &TrainSettings::default(), &|_| {}).expect("train"))
    });
    let model = Model::train(&docs, &TrainSettings::default(), &|_| {}).expect("train");
    let opts = ClassifyOptions {
        n_terms: 5,
        ..Default::default()
    };
    g.bench_function("classify (scores + terms)", |b| {
        b.iter(|| model.classify_batch(&texts, &opts))
    });
    g.finish();

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.veille");
    model.save(&path).expect("save");
    c.bench_function("model load", |b| {
        b.iter(|| Model::load(&path).expect("load"))
    });
}

criterion_group!(benches, stages);
criterion_main!(benches);
