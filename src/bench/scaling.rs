//! Scaling figures: how the default pipeline's fit and predict time, memory and model size
//! grow with the number of training articles and with the vocabulary.

use super::run::{classify_round, Metric, Round};
use crate::corpus::Document;
use crate::model::TrainSettings;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

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

/// Run both series of `plan` with `settings`, scoring on `test` by `metric`. `on_point` is
/// called after each point.
pub fn run_scaling(
    settings: &TrainSettings,
    train: &[Document],
    test: &[Document],
    plan: &ScalingPlan,
    metric: Metric,
    on_point: &dyn Fn(&ScalingPoint),
) -> Result<Vec<ScalingPoint>, String> {
    let mut order: Vec<usize> = (0..train.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(plan.seed));
    let mut points = Vec::new();
    for &n in &plan.sizes {
        let mut idx = order[..n.min(train.len())].to_vec();
        idx.sort_unstable();
        let subset: Vec<Document> = idx.iter().map(|&i| train[i].clone()).collect();
        let r = classify_round(settings, &subset, test)
            .map_err(|e| format!("scaling at {n} articles: {e}"))?;
        let p = point("corpus", &subset, None, &r, metric);
        on_point(&p);
        points.push(p);
    }
    for &cap in &plan.caps {
        let mut s = settings.clone();
        s.tfidf.max_features = Some(cap);
        let r = classify_round(&s, train, test)
            .map_err(|e| format!("scaling at {cap} features: {e}"))?;
        let p = point("vocabulary", train, Some(cap), &r, metric);
        on_point(&p);
        points.push(p);
    }
    Ok(points)
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
    fn auto_sizes_climb_in_1_2_5_steps_and_end_at_the_corpus() {
        assert_eq!(auto_sizes(11_314), [1000, 2000, 5000, 10_000, 11_314]);
        assert_eq!(auto_sizes(120_000)[6..], [100_000, 120_000]);
        assert_eq!(auto_sizes(500), [500]);
        assert_eq!(auto_sizes(1000), [1000]);
    }
}
