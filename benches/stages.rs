//! Stage benchmarks: analysis (tokenise + stem) of French and English text, TF-IDF fit and
//! transform, each estimator's fit and predict, clustering, model load.
//!
//! They run on the passages the project ships (`data/themes/`), so `cargo bench` works
//! anywhere; set `VEILLE_BENCH_CORPUS=path/to/corpus.jsonl` (records with `text` and
//! `label`/`labels`) to measure the language-independent stages on a real corpus instead
//! (the French/English analysis groups always use the shipped passages of each language).
//! Throughputs are in bytes of UTF-8 text per second (criterion prints MiB/s).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use linfa::ParamGuard;
use std::path::{Path, PathBuf};
use veille::classify::{self, Algo, ClassifierParams};
use veille::cluster::lsa::LsaMethod;
use veille::cluster::{spherical_kmeans, KChoice, KMeansParams};
use veille::corpus::{self, Document, Fields};
use veille::features::{CsrMatrix, TfidfConfig, Vectorizer};
use veille::model::clusters::{ClusterAlgo, ClusterModel, ClusterSettings};
use veille::model::{targets_of, ClassifyOptions, Model, TrainSettings};
use veille::text::{Analyzed, Analyzer, AnalyzerConfig, Interner};

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/themes")
        .join(name)
}

fn load(paths: &[PathBuf]) -> Vec<Document> {
    let mut docs = Vec::new();
    for p in paths {
        let stream = corpus::open_labelled(p, &Fields::default()).expect("readable corpus");
        corpus::collect(stream, true, |_| {}, &mut docs).expect("corpus reads");
    }
    docs
}

/// The corpus of the language-independent stages.
fn corpus() -> Vec<Document> {
    match std::env::var_os("VEILLE_BENCH_CORPUS") {
        Some(p) => load(&[PathBuf::from(p)]),
        None => load(&[shipped("train.en.jsonl"), shipped("train.fr.jsonl")]),
    }
}

fn bytes(texts: &[&str]) -> u64 {
    texts.iter().map(|t| t.len() as u64).sum()
}

fn analysis(c: &mut Criterion) {
    let analyzer = Analyzer::new(AnalyzerConfig::default()).expect("default analyzer");
    let mut g = c.benchmark_group("analyse (tokenise + stem)");
    g.sample_size(20);
    for (lang, file) in [("en", "train.en.jsonl"), ("fr", "train.fr.jsonl")] {
        let docs = load(&[shipped(file)]);
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        g.throughput(Throughput::Bytes(bytes(&texts)));
        g.bench_function(format!("{lang}, cold cache"), |b| {
            b.iter(|| {
                let mut cache = analyzer.cache(Interner::default());
                let mut out = Analyzed::default();
                let mut n = 0;
                for t in &texts {
                    analyzer.analyze(t, &mut cache, &mut out);
                    n += out.terms.len();
                }
                n
            })
        });
        let mut cache = analyzer.cache(Interner::default());
        let mut out = Analyzed::default();
        for t in &texts {
            analyzer.analyze(t, &mut cache, &mut out);
        }
        g.bench_function(format!("{lang}, warm cache"), |b| {
            b.iter(|| {
                let mut n = 0;
                for t in &texts {
                    analyzer.analyze(t, &mut cache, &mut out);
                    n += out.terms.len();
                }
                n
            })
        });
    }
    g.finish();
}

fn tfidf(c: &mut Criterion) {
    let docs = corpus();
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let analyzer = Analyzer::new(AnalyzerConfig::default()).expect("default analyzer");
    let mut g = c.benchmark_group("tf-idf");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes(&texts)));
    g.bench_function("fit_transform", |b| {
        b.iter_batched(
            || analyzer.clone(),
            |a| Vectorizer::fit_transform(a, TfidfConfig::default(), &texts, &|_| {}).expect("fit"),
            BatchSize::LargeInput,
        )
    });
    let (vectorizer, _) =
        Vectorizer::fit_transform(analyzer, TfidfConfig::default(), &texts, &|_| {}).expect("fit");
    g.bench_function("transform", |b| b.iter(|| vectorizer.transform(&texts)));
    g.finish();
}

/// TF-IDF rows of the corpus with the default settings, and its targets.
fn features(docs: &[Document]) -> (CsrMatrix, classify::Targets) {
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let analyzer = Analyzer::new(AnalyzerConfig::default()).expect("default analyzer");
    let (_, x) =
        Vectorizer::fit_transform(analyzer, TfidfConfig::default(), &texts, &|_| {}).expect("fit");
    let (_, targets) = targets_of(docs).expect("labelled corpus");
    (x, targets)
}

fn estimators(c: &mut Criterion) {
    let docs = corpus();
    let (x, targets) = features(&docs);
    let mut g = c.benchmark_group("estimator (on TF-IDF rows)");
    g.sample_size(10);
    g.throughput(Throughput::Elements(x.n_rows() as u64));
    for algo in [
        Algo::Auto,
        Algo::Svm,
        Algo::ComplementNb,
        Algo::MultinomialNb,
        Algo::LsaLogreg,
    ] {
        let params = ClassifierParams::new()
            .algo(algo)
            .check()
            .expect("valid params");
        g.bench_function(format!("{} fit", algo.name()), |b| {
            b.iter(|| classify::fit(&params, &x, &targets).expect("fit"))
        });
        let model = classify::fit(&params, &x, &targets).expect("fit");
        g.bench_function(format!("{} predict", algo.name()), |b| {
            b.iter(|| model.predict(&x, None))
        });
    }
    g.finish();
}

fn pipeline(c: &mut Criterion) {
    let docs = corpus();
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes(&texts)));
    g.bench_function("train (defaults)", |b| {
        b.iter(|| Model::train(&docs, &TrainSettings::default()).expect("train"))
    });
    let model = Model::train(&docs, &TrainSettings::default()).expect("train");
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

fn clustering(c: &mut Criterion) {
    let docs = corpus();
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let (names, _) = targets_of(&docs).expect("labelled corpus");
    let k = names.len().max(2);
    let (x, _) = features(&docs);
    let mut g = c.benchmark_group("clustering");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes(&texts)));
    let params = KMeansParams {
        k,
        n_init: 5,
        max_iter: 50,
        tol: 1e-4,
        batch_size: None,
        seed: 0,
    };
    g.bench_function(
        format!("spherical k-means k={k} (on the 1-2-gram training rows)"),
        |b| b.iter(|| spherical_kmeans::fit(&x, &params).expect("k-means")),
    );
    for algo in [ClusterAlgo::Spherical, ClusterAlgo::Lsa(LsaMethod::KMeans)] {
        let settings = ClusterSettings {
            k: KChoice::Fixed(k),
            algo,
            ..ClusterSettings::default()
        };
        g.bench_function(format!("veille cluster {} k={k}", algo.name()), |b| {
            b.iter(|| ClusterModel::fit(&docs, &settings).expect("cluster"))
        });
    }
    g.finish();
}

criterion_group!(benches, analysis, tfidf, estimators, pipeline, clustering);
criterion_main!(benches);
