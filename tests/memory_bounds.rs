//! Issue 9, item 4: memory bounds, checked with a counting allocator on small inputs (limits
//! lowered where a limit can be, so that each test runs in a second or two).
//!
//! Every test takes one lock: the allocator's peak and the process-wide vocabulary budget are
//! shared by the tests of this binary.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use veille::cluster::spherical_kmeans::{fit, KMeansParams};
use veille::features::{set_vocab_memory, CsrMatrix, DfBound, TfidfConfig, TfidfError, Vectorizer};
use veille::text::{
    analysed_prefix, Analyzer, AnalyzerConfig, MAX_ANALYSED_BYTES, MAX_TOKEN_BYTES,
};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Bytes allocated at the peak of `f` above what was allocated when it started.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

fn analyzer(ngrams: (usize, usize)) -> Analyzer {
    Analyzer::new(AnalyzerConfig {
        ngram_range: ngrams,
        ..AnalyzerConfig::default()
    })
    .unwrap()
}

fn random_words(rng: &mut ChaCha8Rng, n: usize) -> String {
    let mut s = String::new();
    for _ in 0..n {
        for _ in 0..rng.gen_range(5..10) {
            s.push(char::from(b'a' + rng.gen_range(0..26u8)));
        }
        s.push(' ');
    }
    s
}

const TEXTS: [&str; 4] = [
    "Export controls on advanced chips tighten again.",
    "New export controls target chip equipment makers.",
    "La souveraineté numérique de l'Europe passe par le cloud.",
    "Le cloud souverain européen attire les administrations.",
];

/// A single very long "word" is no feature, at fit and at classify time.
#[test]
fn issue9_a_word_longer_than_the_token_cap_is_not_a_feature() {
    let _g = lock();
    let long = "a".repeat(1 << 20);
    let at_cap = "b".repeat(MAX_TOKEN_BYTES);
    let texts: Vec<String> = TEXTS
        .iter()
        .map(|t| format!("{t} {long} {at_cap}"))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let cfg = TfidfConfig {
        min_df: DfBound::Count(1),
        ..TfidfConfig::default()
    };
    let (v, x) = Vectorizer::fit_transform(analyzer((1, 1)), cfg, &refs, &|_| {}).unwrap();
    let names: Vec<String> = (0..v.n_features()).map(|f| v.feature_name(f)).collect();
    assert!(
        names.iter().all(|n| n.len() <= MAX_TOKEN_BYTES),
        "a feature over the cap"
    );
    assert!(names.contains(&at_cap), "a word of exactly the cap is kept");
    // Classify time: the long word changes nothing.
    for (i, t) in TEXTS.iter().enumerate() {
        let (idx, val) = v.transform_one(&format!("{t} {at_cap}"));
        assert_eq!((x.row(i).indices, x.row(i).data), (&idx[..], &val[..]));
    }
    // A model file stays small: its vocabulary holds no megabyte word.
    let bytes = postcard::to_stdvec(&v).unwrap();
    assert!(bytes.len() < 64 * 1024, "{} bytes", bytes.len());
}

/// Only the best restart so far is kept: memory does not grow with n_init.
#[test]
fn issue9_n_init_keeps_only_the_best_restart() {
    let _g = lock();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let d = 5_000;
    let mut x = CsrMatrix::new(d);
    for _ in 0..200 {
        let mut idx: Vec<u32> = (0..20).map(|_| rng.gen_range(0..d as u32)).collect();
        idx.sort_unstable();
        idx.dedup();
        let v = 1.0 / (idx.len() as f32).sqrt();
        x.push_row(&idx, &vec![v; idx.len()]);
    }
    let params = |n_init| KMeansParams {
        k: 8,
        n_init,
        max_iter: 2,
        tol: 0.0,
        batch_size: None,
        seed: 5,
    };
    let (one, peak_one) = peak_of(|| fit(&x, &params(1)).unwrap());
    let (many, peak_many) = peak_of(|| fit(&x, &params(12)).unwrap());
    // A restart's centroids are 8 × 5,000 f32 (160 KB): twelve kept would be 1.9 MB more.
    assert!(
        peak_many < 2 * peak_one + (256 << 10),
        "n_init 12 peaked at {peak_many} bytes, n_init 1 at {peak_one}"
    );
    assert!(many.objective >= one.objective - 1e-12);
    // Mini-batch restarts too.
    let mb = |n_init| KMeansParams {
        batch_size: Some(100),
        ..params(n_init)
    };
    let (_, peak_one) = peak_of(|| fit(&x, &mb(1)).unwrap());
    let (_, peak_many) = peak_of(|| fit(&x, &mb(12)).unwrap());
    assert!(
        peak_many < 2 * peak_one + (256 << 10),
        "mini-batch: n_init 12 peaked at {peak_many} bytes, n_init 1 at {peak_one}"
    );
}

/// Documents of words drawn from 300 made-up words: few unigrams, many n-grams.
fn corpus(n: usize) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let words: Vec<String> = (0..300)
        .map(|_| random_words(&mut rng, 1).trim().to_string())
        .collect();
    (0..n)
        .map(|i| {
            let mut t = TEXTS[i % 4].to_string();
            for _ in 0..40 {
                t.push(' ');
                t.push_str(&words[rng.gen_range(0..words.len())]);
            }
            t
        })
        .collect()
}

fn fit_with_threads(
    texts: &[&str],
    cfg: &TfidfConfig,
    threads: usize,
) -> Result<(Vectorizer, CsrMatrix), TfidfError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| Vectorizer::fit_transform(analyzer((1, 4)), cfg.clone(), texts, &|_| {}))
}

/// `--min-df 1 --ngrams 1-4` under a (lowered) budget: counted in several shards, min_df raised
/// until the vocabulary fits, what was cut reported, the same bytes whatever the threads.
#[test]
fn issue9_vocabulary_counting_is_pruned_to_the_budget_deterministically() {
    let _g = lock();
    let texts = corpus(400);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let cfg = TfidfConfig {
        min_df: DfBound::Count(1),
        ..TfidfConfig::default()
    };
    // 1 MiB: 4,096 features at most, and the ~64k n-gram windows need several count passes.
    set_vocab_memory(1 << 20);
    let result = std::panic::catch_unwind(|| {
        let ((v1, x1), peak) = peak_of(|| fit_with_threads(&refs, &cfg, 1).unwrap());
        let p = v1.pruning().expect("the budget cut features").clone();
        assert_eq!(p.max_features, 4096);
        assert!(v1.n_features() <= p.max_features);
        assert!(p.min_df_used >= 2 && p.features_cut > 0, "{p:?}");
        assert_eq!(p.features_before, v1.n_features() as u64 + p.features_cut);
        assert!(p.to_string().contains("VEILLE_VOCAB_MEMORY_MB"), "{p}");
        for threads in [2, 3] {
            let (v, x) = fit_with_threads(&refs, &cfg, threads).unwrap();
            assert_eq!(x, x1);
            assert_eq!(
                postcard::to_stdvec(&v).unwrap(),
                postcard::to_stdvec(&v1).unwrap()
            );
        }
        // The same vocabulary as asking for that min_df with room to spare.
        set_vocab_memory(1 << 30);
        let asked = TfidfConfig {
            min_df: DfBound::Count(p.min_df_used),
            ..cfg.clone()
        };
        let (v2, x2) = fit_with_threads(&refs, &asked, 2).unwrap();
        assert!(v2.pruning().is_none());
        assert_eq!(x2, x1);
        let names = |v: &Vectorizer| -> Vec<String> {
            (0..v.n_features()).map(|f| v.feature_name(f)).collect()
        };
        assert_eq!(names(&v2), names(&v1));
        peak
    });
    set_vocab_memory(0);
    let peak = result.unwrap();
    // Unpruned, 1-4-grams of 400 documents of new words are ~64k features and far more memory.
    assert!(peak < 24 << 20, "fit peaked at {peak} bytes");
}

/// Too many distinct words for the (lowered) budget: refused with the limit named, before the
/// tables outgrow it.
#[test]
fn issue9_too_many_distinct_words_are_refused_within_the_budget() {
    let _g = lock();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let texts: Vec<String> = (0..200).map(|_| random_words(&mut rng, 500)).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    set_vocab_memory(1 << 20);
    let (result, peak) = peak_of(|| {
        fit_with_threads(&refs, &TfidfConfig::default(), 2).map(|(v, _)| v.n_features())
    });
    set_vocab_memory(0);
    match result {
        Err(e @ TfidfError::TooManyWords { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("VEILLE_VOCAB_MEMORY_MB") && msg.contains("1 MiB"),
                "{msg}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(peak < 16 << 20, "peaked at {peak} bytes");
}

/// An article beyond MAX_ANALYSED_BYTES is analysed up to there: its row is that of its
/// prefix, and the work (and memory) of one document is bounded.
#[test]
fn issue9_a_huge_document_is_analysed_up_to_the_limit() {
    let _g = lock();
    let head = "export controls on chips ".repeat(MAX_ANALYSED_BYTES / 25 + 10);
    // Words of the vocabulary after the limit: they must not count.
    let text = format!("{head} cloud souverain");
    assert!(text.len() > MAX_ANALYSED_BYTES);
    let prefix = analysed_prefix(&text);
    assert!(prefix.len() <= MAX_ANALYSED_BYTES && prefix.len() > MAX_ANALYSED_BYTES - 256);
    assert!(text[prefix.len()..].starts_with(char::is_whitespace));
    let cfg = TfidfConfig {
        min_df: DfBound::Count(1),
        ..TfidfConfig::default()
    };
    let (v, _) = Vectorizer::fit_transform(analyzer((1, 2)), cfg, &TEXTS, &|_| {}).unwrap();
    let (row, at_limit) = peak_of(|| v.transform_one(&text));
    assert_eq!(row, v.transform_one(prefix));
    let cloud = (0..v.n_features())
        .find(|&f| v.feature_name(f) == "cloud")
        .unwrap() as u32;
    assert!(!row.0.contains(&cloud));
    // Past the limit nothing is analysed: 12 MB more text costs no more memory.
    let longer = format!("{text}{}", " chips".repeat(2_000_000));
    let (_, peak) = peak_of(|| v.transform_one(&longer));
    assert!(
        peak <= at_limit + (1 << 20),
        "{peak} bytes, {at_limit} at the limit"
    );
}

/// The classify-time word cache stays within its (lowered) limit on a stream of new words,
/// and the rows are the same as with a fresh cache.
#[test]
fn issue9_classify_word_cache_is_bounded_on_random_tokens() {
    let _g = lock();
    let cfg = TfidfConfig {
        min_df: DfBound::Count(1),
        ..TfidfConfig::default()
    };
    let (v, _) = Vectorizer::fit_transform(analyzer((1, 2)), cfg, &TEXTS, &|_| {}).unwrap();
    let mut scratch = v.scratch();
    let limit = 128 << 10;
    scratch.set_cache_limit(limit);
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let (mut idx, mut val) = (Vec::new(), Vec::new());
    let mut most = 0;
    for i in 0..1_000 {
        let text = format!("{} {}", TEXTS[i % 4], random_words(&mut rng, 60));
        v.transform_into(&text, &mut scratch, &mut idx, &mut val);
        most = most.max(scratch.heap_bytes());
        if i % 97 == 0 {
            assert_eq!(v.transform_one(&text), (idx.clone(), val.clone()));
        }
    }
    // 60,000 new words would hold several MB; bounded: twice the limit (a table doubles its
    // capacity when it grows) plus one document's words.
    assert!(
        most < 2 * limit + (64 << 10),
        "the cache reached {most} bytes"
    );
}
