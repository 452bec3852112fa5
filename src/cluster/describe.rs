//! Describing clusters: class-based TF-IDF (c-TF-IDF, as in BERTopic) contrasts each
//! cluster's term mass with the whole corpus; terms are shown as readable words (the most
//! frequent surface form of each stem), the name is made of the top terms, and the most
//! central articles are those closest to the centroid.

use crate::features::{CsrMatrix, Vectorizer};
use serde::{Deserialize, Serialize};

/// What a person needs to recognise a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// Cluster id.
    pub id: usize,
    /// Short name made of the top terms (editable before exporting labels).
    pub name: String,
    /// Training articles in the cluster.
    pub size: usize,
    /// Most distinctive terms with their c-TF-IDF weight.
    pub top_terms: Vec<(String, f64)>,
    /// Ids of the most central training articles.
    pub central: Vec<String>,
}

/// Describe clusters: `assigned[i]` is row i's cluster and similarity to its centroid (`None`
/// for an article without any known term), `ids[i]` its article id.
pub fn describe(
    x: &CsrMatrix,
    vectorizer: &Vectorizer,
    assigned: &[Option<(usize, f64)>],
    ids: &[String],
    k: usize,
    n_terms: usize,
) -> Vec<ClusterInfo> {
    let d = x.n_cols();
    // Term mass per cluster (the TF-IDF rows summed), and per term overall.
    let mut mass = vec![0f64; d * k];
    for (i, r) in x.rows().enumerate() {
        let Some((c, _)) = assigned[i] else { continue };
        for (&j, &v) in r.indices.iter().zip(r.data) {
            mass[j as usize * k + c] += f64::from(v);
        }
    }
    let mut cluster_total = vec![0f64; k];
    let mut term_total = vec![0f64; d];
    for j in 0..d {
        for c in 0..k {
            let m = mass[j * k + c];
            cluster_total[c] += m;
            term_total[j] += m;
        }
    }
    let avg = cluster_total.iter().sum::<f64>() / k.max(1) as f64;
    let mut sizes = vec![0usize; k];
    for &(c, _) in assigned.iter().flatten() {
        sizes[c] += 1;
    }
    (0..k)
        .map(|c| {
            let mut scored: Vec<(usize, f64)> = (0..d)
                .filter(|&j| mass[j * k + c] > 0.0)
                .map(|j| {
                    let tf = mass[j * k + c] / cluster_total[c].max(1e-12);
                    (j, tf * (1.0 + avg / term_total[j]).ln())
                })
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut top_terms: Vec<(String, f64)> = Vec::new();
            for (j, w) in scored {
                let term = vectorizer.feature_display(j);
                // Skip a bigram whose words are already shown, and repeats.
                if top_terms.iter().any(|(t, _)| {
                    *t == term || term.split(' ').all(|p| t.split(' ').any(|q| q == p))
                }) {
                    continue;
                }
                top_terms.push((term, w));
                if top_terms.len() == n_terms {
                    break;
                }
            }
            let name = top_terms
                .iter()
                .take(3)
                .map(|(t, _)| t.as_str())
                .collect::<Vec<_>>()
                .join(" / ");
            let mut members: Vec<(usize, f64)> = assigned
                .iter()
                .enumerate()
                .filter_map(|(i, a)| match a {
                    Some((l, s)) if *l == c => Some((i, *s)),
                    _ => None,
                })
                .collect();
            members.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            ClusterInfo {
                id: c,
                name: if name.is_empty() {
                    format!("cluster {c}")
                } else {
                    name
                },
                size: sizes[c],
                top_terms,
                central: members
                    .iter()
                    .take(3)
                    .map(|&(i, _)| ids[i].clone())
                    .collect(),
            }
        })
        .collect()
}
