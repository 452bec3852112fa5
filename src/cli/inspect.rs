//! `veille inspect`: what a model is.

use super::output::{f3, table};
use super::Global;
use crate::classify::article::PASSAGES_OFF;
use crate::model::describe::top_terms;
use crate::model::{AnyModel, ClusterModel};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL")]
    model: PathBuf,
    /// Terms to show per label.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(args: InspectArgs, _g: &Global) -> anyhow::Result<()> {
    let model = match AnyModel::load(&args.model)? {
        AnyModel::Classifier(m) => m,
        AnyModel::Clustering(m) => return inspect_clustering(&args, &m),
    };
    let meta = model.meta();
    let v = model.vectorizer();
    let c = model.classifier();
    if args.json {
        let out = model.describe(args.top);
        sayln!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let terms = top_terms(&model, args.top);
    let a = v.analyzer().config();
    sayln!("veille classifier model {}", args.model.display());
    sayln!(
        "  algorithm      {}{}",
        c.algo.name(),
        c.nb_weight
            .map(|w| format!(
                " (SVM {:.0}% + complement NB {:.0}%)",
                (1.0 - w) * 100.0,
                w * 100.0
            ))
            .unwrap_or_default()
    );
    sayln!(
        "  labels         {}{}",
        model.labels().len(),
        if model.is_multilabel() {
            " (multi-label)"
        } else {
            ""
        }
    );
    sayln!(
        "  vocabulary     {} features from {} documents",
        v.n_features(),
        v.n_docs()
    );
    sayln!(
        "  analysis       languages {}, stopwords {}, stemming {}, n-grams {}-{}",
        a.languages
            .iter()
            .map(|l| l.code())
            .collect::<Vec<_>>()
            .join(","),
        if a.stopwords { "on" } else { "off" },
        if a.stem { "on (Snowball)" } else { "off" },
        a.ngram_range.0,
        a.ngram_range.1
    );
    sayln!(
        "  tf-idf         min_df {} ({} documents), max_df {}, max_features {}, sublinear tf {}",
        v.config().min_df,
        v.config().min_df.resolve(v.n_docs() as usize),
        v.config().max_df,
        v.config()
            .max_features
            .map_or("none".to_string(), |m| m.to_string()),
        if v.config().sublinear_tf { "on" } else { "off" }
    );
    sayln!(
        "  training       {} documents ({}), veille {}, data sha256 {}…",
        meta.n_documents,
        meta.languages
            .iter()
            .map(|(l, n)| format!("{l}: {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        meta.crate_version,
        &meta.data_digest[..12.min(meta.data_digest.len())]
    );
    sayln!(
        "  {}: {}",
        super::train::heldout_caption(c.algo),
        f3(c.heldout_f1)
    );
    sayln!(
        "  articles       {}; scores shrink with little evidence (m0 = {:.2} words)",
        match &c.article.passage_margins {
            Some(m) => {
                let on = m.iter().filter(|&&v| v < PASSAGES_OFF).count();
                format!("scored as a whole and by passages ({on} of {} labels use passages; margins by label below)", m.len())
            }
            None => "scored as a whole (passages did not help on held-out articles)".into(),
        },
        c.article.evidence_m0
    );
    if let Some(sel) = &meta.selection {
        sayln!("  configuration  chosen by held-out F1 on the training set:");
        for (i, (name, f1)) in sel.candidates.iter().enumerate() {
            let mark = if i == sel.chosen { "*" } else { " " };
            sayln!("               {mark} {} {name}", f3(*f1));
        }
    }
    if let Some(cv) = &meta.cv {
        sayln!("  {cv}");
    }
    sayln!();
    let rows: Vec<Vec<String>> = model
        .labels()
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                l.clone(),
                meta.label_counts
                    .get(i)
                    .map_or(String::new(), |n| n.to_string()),
                c.thresholds.as_ref().map_or("argmax".into(), |t| f3(t[i])),
                match &c.article.passage_margins {
                    Some(m) if m[i] < PASSAGES_OFF => f3(m[i]),
                    _ => "off".into(),
                },
                terms[i]
                    .iter()
                    .map(|(t, _)| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    say!(
        "{}",
        table(
            &["label", "docs", "threshold", "passage margin", "top terms"],
            &rows
        )
    );
    Ok(())
}

/// What a saved clustering is.
fn inspect_clustering(args: &InspectArgs, m: &ClusterModel) -> anyhow::Result<()> {
    let meta = m.meta();
    let v = m.vectorizer();
    if args.json {
        let out = m.describe(args.top);
        sayln!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    sayln!("veille clustering model {}", args.model.display());
    sayln!("  algorithm      {}", meta.algo.name());
    sayln!("  clusters       {} (k {})", m.k(), meta.k_choice);
    if let Some(a) = &meta.k_auto {
        let curve: Vec<String> = a
            .curve
            .iter()
            .map(|p| format!("{} {:.3}", p.k, p.score))
            .collect();
        sayln!(
            "  k auto         {} by {}{}: {}",
            a.chosen,
            a.criterion.name(),
            if a.flat { " (flat: no clear k)" } else { "" },
            curve.join(", ")
        );
    }
    sayln!(
        "  vocabulary     {} features from {} documents",
        v.n_features(),
        v.n_docs()
    );
    sayln!(
        "  run            seed {}, {} restart(s), mean similarity to centroid {}, veille {}",
        meta.seed,
        meta.n_init,
        f3(meta.objective),
        meta.crate_version
    );
    sayln!();
    say!(
        "{}",
        super::cluster_table(m.clusters(), 0, args.top, "top terms")
    );
    Ok(())
}
