//! Scaling figures: how the default pipeline's fit and predict time, memory and model size
//! grow with the number of training articles and with the vocabulary.

use super::run::{classify_round, Metric, Round};
use crate::corpus::Document;
use crate::model::TrainSettings;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;

/// One point of a scaling series.
#[derive(Debug, Clone, Serialize)]
pub struct ScalingPoint {
    /// `corpus` (training subsets of growing size) or `vocabulary` (all training articles,
    /// growing `max_features`).
    pub series: &'static str,
    /// Training articles.
    pub n_train: usize,
    /// Training text in MB.
    pub train_mb: f64,
    /// The vocabulary cap of this point, if any.
    pub max_features: Option<usize>,
    /// Features the model kept.
    pub n_features: usize,
    /// Seconds to fit.
    pub fit_seconds: f64,
    /// Seconds to predict the test articles.
    pub predict_seconds: f64,
    /// Test articles predicted per second.
    pub articles_per_second: f64,
    /// Highest heap growth during fit and predict, in bytes.
    pub peak_heap_bytes: Option<u64>,
    /// Model file size.
    pub model_bytes: u64,
    /// The ranking metric on the test articles.
    pub quality: f64,
}

/// Training-set sizes for `--scaling auto`: 1k, 2k, 5k, 10k, 20k, 50k, ... below `n`, then
/// `n` itself.
pub fn auto_sizes(n: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut decade = 1000;
    'outer: loop {
        for m in [1, 2, 5] {
            let s = m * decade;
            if s >= n {
                break 'outer;
            }
            sizes.push(s);
        }
        decade *= 10;
    }
    sizes.push(n);
    sizes
}

/// The points of the two series.
#[derive(Debug, Clone)]
pub struct ScalingPlan {
    /// Training-set sizes of the corpus series (nested seeded subsets).
    pub sizes: Vec<usize>,
    /// Vocabulary caps of the vocabulary series (on all training articles).
    pub caps: Vec<usize>,
    /// Seed of the subsets.
    pub seed: u64,
}

/// Training articles in an order whose every prefix keeps the label mix of the whole
/// (single-label data: each label's articles shuffled and spread evenly over the order), so
/// small subsets still hold every frequent label; a seeded shuffle for multi-label data.
fn stratified_order(train: &[Document], seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..train.len()).collect();
    order.shuffle(&mut rng);
    fn single(d: &Document) -> Option<&str> {
        match d.labels.as_ref().map(|l| l.as_slice()) {
            Some([one]) => Some(one.as_str()),
            _ => None,
        }
    }
    if train.iter().any(|d| single(d).is_none()) {
        return order;
    }
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in &order {
        groups
            .entry(single(&train[i]).unwrap_or(""))
            .or_default()
            .push(i);
    }
    // Position of the r-th of n articles of a label: (r + 0.5) / n; ties by label.
    let mut keyed: Vec<(f64, usize, usize)> = Vec::with_capacity(train.len());
    for (g, members) in groups.values().enumerate() {
        let n = members.len() as f64;
        for (r, &i) in members.iter().enumerate() {
            keyed.push(((r as f64 + 0.5) / n, g, i));
        }
    }
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|(_, _, i)| i).collect()
}

/// Run both series of `plan` with `settings`, scoring on `test` by `metric`. `on_point` is
/// called after each point; a point that cannot be fitted (say, a subset too small for two
/// labels) is passed to `on_skip` with the reason and left out.
pub fn run_scaling(
    settings: &TrainSettings,
    train: &[Document],
    test: &[Document],
    plan: &ScalingPlan,
    metric: Metric,
    on_point: &dyn Fn(&ScalingPoint),
    on_skip: &dyn Fn(String),
) -> Vec<ScalingPoint> {
    let order = stratified_order(train, plan.seed);
    let mut points = Vec::new();
    for &n in &plan.sizes {
        let mut idx = order[..n.min(train.len())].to_vec();
        idx.sort_unstable();
        let subset: Vec<Document> = idx.iter().map(|&i| train[i].clone()).collect();
        match classify_round(settings, &subset, test) {
            Ok(r) => {
                let p = point("corpus", &subset, None, &r, metric);
                on_point(&p);
                points.push(p);
            }
            Err(e) => on_skip(format!("scaling at {n} articles: {e}")),
        }
    }
    for &cap in &plan.caps {
        let mut s = settings.clone();
        s.tfidf.max_features = Some(cap);
        match classify_round(&s, train, test) {
            Ok(r) => {
                let p = point("vocabulary", train, Some(cap), &r, metric);
                on_point(&p);
                points.push(p);
            }
            Err(e) => on_skip(format!("scaling at {cap} features: {e}")),
        }
    }
    points
}

fn point(
    series: &'static str,
    train: &[Document],
    max_features: Option<usize>,
    r: &Round,
    metric: Metric,
) -> ScalingPoint {
    ScalingPoint {
        series,
        n_train: train.len(),
        train_mb: train.iter().map(|d| d.text.len()).sum::<usize>() as f64 / 1e6,
        max_features,
        n_features: r.n_features,
        fit_seconds: r.fit,
        predict_seconds: r.predict,
        articles_per_second: r.test_docs as f64 / r.predict.max(1e-9),
        peak_heap_bytes: r.peak,
        model_bytes: r.model_bytes,
        quality: metric.of(&r.quality).unwrap_or(f64::NAN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefix_of_the_order_keeps_the_label_mix() {
        let docs: Vec<Document> = (0..40)
            .map(|i| Document::new(i.to_string(), "x").with_label(if i < 30 { "a" } else { "b" }))
            .collect();
        let order = stratified_order(&docs, 3);
        let mut seen = order.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..40).collect::<Vec<_>>());
        let b_in = |n: usize| order[..n].iter().filter(|&&i| i >= 30).count();
        assert_eq!(b_in(4), 1);
        assert_eq!(b_in(8), 2);
        assert_eq!(b_in(20), 5);
        assert_eq!(order, stratified_order(&docs, 3));
    }

    #[test]
    fn auto_sizes_climb_in_1_2_5_steps_and_end_at_the_corpus() {
        assert_eq!(auto_sizes(11_314), [1000, 2000, 5000, 10_000, 11_314]);
        assert_eq!(auto_sizes(120_000)[6..], [100_000, 120_000]);
        assert_eq!(auto_sizes(500), [500]);
        assert_eq!(auto_sizes(1000), [1000]);
    }
}
