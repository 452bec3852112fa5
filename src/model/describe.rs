//! What a saved model is, as one JSON object: what `veille inspect --json` prints and what
//! the HTTP service's `GET /v1/models` returns for each model.

use super::{AnyModel, ClusterModel, Model};
use crate::classify::article::PASSAGES_OFF;
use serde_json::{json, Value};

/// The `n` features with the largest weight for each label, as readable words.
pub fn top_terms(model: &Model, n: usize) -> Vec<Vec<(String, f64)>> {
    let lm = &model.classifier().model;
    let v = model.vectorizer();
    (0..model.labels().len())
        .map(|c| {
            let mut w: Vec<(usize, f32)> =
                (0..v.n_features()).map(|j| (j, lm.weight(j, c))).collect();
            w.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            w.into_iter()
                .take(n)
                .map(|(j, x)| (v.feature_display(j), f64::from(x)))
                .collect()
        })
        .collect()
}

impl AnyModel {
    /// The model described as JSON, with `top` terms per label or cluster.
    pub fn describe(&self, top: usize) -> Value {
        match self {
            AnyModel::Classifier(m) => m.describe(top),
            AnyModel::Clustering(m) => m.describe(top),
        }
    }
}

impl Model {
    /// The classifier described as JSON (see [`AnyModel::describe`]).
    pub fn describe(&self, top: usize) -> Value {
        let model = self;
        let meta = model.meta();
        let v = model.vectorizer();
        let c = model.classifier();
        let terms = top_terms(model, top);
        // A margin at or beyond PASSAGES_OFF means the label does not use passages.
        let margin = |m: f64| (m < PASSAGES_OFF).then_some(m);
        let labels: Vec<Value> = model
            .labels()
            .iter()
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "label": l,
                    "documents": meta.label_counts.get(i),
                    "threshold": c.thresholds.as_ref().map(|t| t[i]),
                    "passage_margin": c.article.passage_margins.as_ref().and_then(|m| margin(m[i])),
                    "top_terms": term_list(&terms[i]),
                })
            })
            .collect();
        json!({
            "kind": super::KIND,
            "labels": labels,
            "multilabel": model.is_multilabel(),
            "n_features": v.n_features(),
            "algo": c.algo.name(),
            "nb_weight": c.nb_weight,
            "heldout_f1_estimate": c.heldout_f1,
            "articles": {
                "passage_margins": c.article.passage_margins.as_ref().map(|m| m.iter().map(|&v| margin(v)).collect::<Vec<_>>()),
                "evidence_m0": c.article.evidence_m0,
            },
            "analyzer": v.analyzer().config(),
            "stopwords": v.analyzer().stopword_lists().iter().map(|(l, w)| (l.code().to_string(), w.len())).collect::<std::collections::BTreeMap<_, _>>(),
            "tfidf": v.config(),
            "training": meta,
        })
    }
}

impl ClusterModel {
    /// The clustering described as JSON (see [`AnyModel::describe`]).
    pub fn describe(&self, top: usize) -> Value {
        let m = self;
        let meta = m.meta();
        let v = m.vectorizer();
        json!({
            "kind": super::clusters::KIND,
            "algo": meta.algo.name(),
            "k": m.k(),
            "clusters": m.clusters().iter().map(|c| json!({
                "id": c.id,
                "name": c.name,
                "size": c.size,
                "top_terms": term_list(&c.top_terms[..top.min(c.top_terms.len())]),
                "central": c.central,
            })).collect::<Vec<_>>(),
            "n_features": v.n_features(),
            "analyzer": v.analyzer().config(),
            "tfidf": v.config(),
            "run": meta,
        })
    }
}

fn term_list(terms: &[(String, f64)]) -> Vec<Value> {
    terms
        .iter()
        .map(|(t, w)| json!({"term": t, "weight": w}))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_classifier_describes_its_labels_and_settings() {
        let m = AnyModel::Classifier(crate::model::tiny_model());
        let d = m.describe(2);
        assert_eq!(d["kind"], "classifier");
        let labels = d["labels"].as_array().unwrap();
        assert!(!labels.is_empty());
        assert!(labels[0]["top_terms"].as_array().unwrap().len() <= 2);
        assert!(d["analyzer"].is_object() && d["tfidf"].is_object());
    }
}
