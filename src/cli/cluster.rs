//! `veille cluster`: discover the themes of a corpus.

use super::output::f3;
use super::paths::{check_outputs, named, Named};
use super::train::{parse_ngrams, Languages};
use super::{progress, FieldArgs, Global, UsageError};
use crate::cluster::choose_k::KAuto;
use crate::cluster::KChoice;
use crate::corpus::{self, Document};
use crate::features::DfBound;
use crate::model::clusters::{ClusterAlgo, ClusterModel, ClusterRun, ClusterSettings};
use crate::model::file::write_atomic;
use crate::settings::ClusterOptions;
use crate::text::ngram_range_text;
use anyhow::Context;
use clap::Args;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Articles: JSON Lines, CSV, a folder of files, or a text file. Repeat for several.
    /// Labels, when present, are never used for fitting, only to score the clustering.
    #[arg(long, required = true, value_name = "PATH")]
    data: Vec<PathBuf>,
    /// Number of clusters: a number, `auto` (3 to 30) or `auto:MIN-MAX`. auto keeps the most
    /// reproducible k: two disjoint halves of the articles, projected on 50 LSA dimensions,
    /// are clustered apart and their clusterings compared by adjusted mutual information (see
    /// --k-criterion). The curve is shown; a warning says when it is flat (no clear k: the best
    /// score is under 0.5, or less than 0.03 above the median). k = 2 is tried only when asked
    /// (auto:2-30): a two-way split is reproducible even without clusters.
    #[arg(long, default_value_t = defaults().k, value_name = "N|auto")]
    k: KChoice,
    /// How --k auto scores each k: stability (split halves, the default) or silhouette (mean
    /// cosine silhouette of a full fit on the TF-IDF rows; flat under 0.25). Under 60
    /// distinct articles, halves are too small and the silhouette decides.
    #[arg(long, default_value_t = defaults().k_criterion.name().to_string(), value_name = "NAME")]
    k_criterion: String,
    /// Clusterer: spherical-kmeans (on the sparse TF-IDF rows), or one of linfa's on an LSA
    /// projection: lsa-kmeans, lsa-gmm, lsa-dbscan (takes --eps and --min-points, not --k).
    #[arg(long, default_value_t = defaults().algo.name().to_string(), value_name = "NAME")]
    algo: String,
    /// Dimensions of the LSA projection (lsa-* clusterers).
    #[arg(long, default_value_t = defaults().lsa_dims, value_name = "N")]
    lsa_dims: usize,
    /// DBSCAN neighbourhood radius (Euclidean distance between normalised LSA vectors, 0–2).
    #[arg(long, default_value_t = ClusterAlgo::DEFAULT_EPS, value_name = "EPS")]
    eps: f64,
    /// DBSCAN: neighbours within eps (the article included) that make a core article (at
    /// least 2).
    #[arg(long, default_value_t = ClusterAlgo::DEFAULT_MIN_POINTS, value_name = "N")]
    min_points: usize,
    /// Seed of the seeding and restarts.
    #[arg(long, default_value_t = defaults().seed)]
    seed: u64,
    /// Restarts from different seedings (the best objective wins).
    #[arg(long, default_value_t = defaults().n_init, value_name = "N")]
    n_init: usize,
    /// Mini-batch k-means: update the centroids after each random batch of N articles
    /// instead of after full passes (approximate; up to 100k articles, full passes are
    /// faster).
    #[arg(long, value_name = "N")]
    batch_size: Option<usize>,
    /// Save the clustering here (then `veille classify --model` assigns new articles to it).
    #[arg(long, value_name = "MODEL")]
    out: Option<PathBuf>,
    /// Write one JSON line per article: id, cluster, name, score.
    #[arg(long, value_name = "FILE")]
    assignments: Option<PathBuf>,
    /// Write a labelled training set (id, text, the cluster's name as label) to edit and feed
    /// to `veille train`.
    #[arg(long, value_name = "FILE")]
    export_labels: Option<PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Terms shown per cluster.
    #[arg(long, default_value_t = defaults().n_terms, value_name = "N")]
    terms: usize,
    /// Languages of the articles, comma-separated ISO codes. A text with no more stopwords of
    /// one than of another is analysed in the one most of the articles are in.
    #[arg(long, default_value_t = Languages(defaults().analyzer.languages), value_name = "CODES")]
    languages: Languages,
    /// Word n-gram range, e.g. 1-2.
    #[arg(
        long,
        default_value_t = ngram_range_text(defaults().analyzer.ngram_range),
        value_name = "MIN-MAX"
    )]
    ngrams: String,
    /// Drop terms found in fewer documents (a count, a fraction, or auto).
    #[arg(long, default_value_t = defaults().tfidf.min_df, value_name = "N")]
    min_df: DfBound,
    /// Drop terms found in more documents (a count or a fraction).
    #[arg(long, default_value_t = defaults().tfidf.max_df, value_name = "N")]
    max_df: DfBound,
    /// Skip malformed records with a warning instead of stopping.
    #[arg(long)]
    skip_bad: bool,
    #[command(flatten)]
    fields: FieldArgs,
}

/// The defaults of `veille cluster`: those of the library.
fn defaults() -> ClusterSettings {
    ClusterSettings::default()
}

impl ClusterArgs {
    /// What the command line says, over the library's defaults. `--eps` and `--min-points`
    /// are read by DBSCAN only.
    fn options(&self) -> anyhow::Result<ClusterOptions> {
        if self.lsa_dims == 0 {
            return Err(UsageError("--lsa-dims must be at least 1".into()).into());
        }
        if self.batch_size == Some(0) {
            return Err(UsageError("--batch-size must be at least 1".into()).into());
        }
        Ok(ClusterOptions {
            languages: Some(self.languages.0.clone()),
            ngrams: Some(parse_ngrams(&self.ngrams)?),
            min_df: Some(self.min_df),
            max_df: Some(self.max_df),
            lsa_dims: Some(self.lsa_dims),
            seed: Some(self.seed),
            algo: Some(self.algo.parse()?),
            k: Some(self.k),
            k_criterion: Some(self.k_criterion.parse()?),
            n_init: Some(self.n_init.max(1)),
            batch_size: self.batch_size,
            eps: Some(self.eps),
            min_points: Some(self.min_points),
            terms: Some(self.terms),
            ..ClusterOptions::default()
        })
    }
}

pub fn run(args: ClusterArgs, g: &Global) -> anyhow::Result<()> {
    let settings = args.options()?.settings()?;
    let outputs: Vec<Named> = [
        ("--out", &args.out),
        ("--assignments", &args.assignments),
        ("--export-labels", &args.export_labels),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.as_deref().map(|path| Named { flag, path }))
    .collect();
    check_outputs(&outputs, &named("--data", &args.data).collect::<Vec<_>>())?;
    let fields = args.fields.fields();
    let t0 = Instant::now();
    let docs = super::read_all(
        &args.data,
        &fields,
        args.skip_bad,
        g.quiet,
        corpus::open_articles,
    )?;
    let read_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let bar = progress::bar(docs.len() as u64, "clustering", g.quiet);
    bar.set_message("analysing");
    let run = ClusterModel::fit_with_progress(&docs, &settings, &|n| {
        bar.inc(n as u64);
        if bar.position() >= docs.len() as u64 {
            bar.set_message("fitting");
        }
    })
    .context("clustering failed")?;
    bar.finish_and_clear();
    if let Some(cut) = run.model.vectorizer().pruning() {
        super::warn(g.quiet, &cut.to_string());
    }
    let fit_s = t1.elapsed().as_secs_f64();

    if let Some(p) = &args.out {
        run.model
            .save(p)
            .with_context(|| format!("cannot save the clustering to {}", p.display()))?;
    }
    if let Some(p) = &args.assignments {
        write_atomic(p, &assignments_jsonl(&docs, &run)?)?;
    }
    if let Some(p) = &args.export_labels {
        write_atomic(p, &export_jsonl(&docs, &run)?)?;
    }
    if let Some(auto) = &run.model.meta().k_auto {
        if auto.flat {
            super::warn(
                g.quiet,
                &format!("{}; kept k = {}", auto.flat_reason(), auto.chosen),
            );
        }
    }
    let quality = run.score_against_labels(&docs);
    let summary = summary_json(&run, quality.as_ref(), read_s, fit_s);
    if args.json {
        sayln!("{}", serde_json::to_string(&summary)?);
    } else {
        print_human(&run, quality.as_ref(), fit_s, &args)?;
    }
    Ok(())
}

fn summary_json(
    run: &ClusterRun,
    quality: Option<&(crate::eval::ClusterScores, usize)>,
    read_s: f64,
    fit_s: f64,
) -> Value {
    let m = &run.model;
    let clusters: Vec<Value> = m
        .clusters()
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.name,
                "size": c.size,
                "top_terms": c.top_terms.iter().map(|(t, w)| json!({"term": t, "weight": w})).collect::<Vec<_>>(),
                "central": c.central,
            })
        })
        .collect();
    let mut out = json!({
        "k": m.k(),
        "algo": m.meta().algo.name(),
        "clusters": clusters,
        "n_documents": m.meta().n_documents,
        "n_features": m.vectorizer().n_features(),
        "objective": m.meta().objective,
        "k_auto": m.meta().k_auto.as_ref().map(k_auto_json),
        "seconds": {"read": read_s, "fit": fit_s},
    });
    if let (Some((q, n)), Value::Object(o)) = (quality, &mut out) {
        o.insert("nmi".into(), json!(q.nmi));
        o.insert("ari".into(), json!(q.ari));
        o.insert("v_measure".into(), json!(q.v_measure));
        o.insert("homogeneity".into(), json!(q.homogeneity));
        o.insert("completeness".into(), json!(q.completeness));
        o.insert("n_labelled".into(), json!(n));
    }
    out
}

/// The `k_auto` object of `cluster --json`.
fn k_auto_json(a: &KAuto) -> Value {
    json!({
        "criterion": a.criterion.name(),
        "score": a.criterion.describe(),
        "curve": a.curve.iter().map(|p| json!({"k": p.k, "score": p.score})).collect::<Vec<_>>(),
        "chosen": a.chosen,
        "flat": a.flat,
        "flat_rule": a.flat_rule(),
        "sample": a.sample,
        "note": a.note,
    })
}

fn assignments_jsonl(docs: &[Document], run: &ClusterRun) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    for (d, a) in docs.iter().zip(&run.assignments) {
        let line = match a {
            Some((c, s)) => {
                json!({"id": d.id, "cluster": c, "name": run.model.clusters()[*c].name, "score": (s * 10_000.0).round() / 10_000.0})
            }
            None => json!({"id": d.id, "cluster": null, "name": null, "score": 0.0}),
        };
        serde_json::to_writer(&mut out, &line)?;
        out.push(b'\n');
    }
    Ok(out)
}

fn export_jsonl(docs: &[Document], run: &ClusterRun) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    // Articles without a cluster are left out: they would need a label of their own.
    for (d, a) in docs.iter().zip(&run.assignments) {
        let Some((c, _)) = a else { continue };
        let line = json!({"id": d.id, "label": run.model.clusters()[*c].name, "text": d.text});
        serde_json::to_writer(&mut out, &line)?;
        out.push(b'\n');
    }
    Ok(out)
}

fn print_human(
    run: &ClusterRun,
    quality: Option<&(crate::eval::ClusterScores, usize)>,
    fit_s: f64,
    args: &ClusterArgs,
) -> anyhow::Result<()> {
    let m = &run.model;
    sayln!(
        "clustered {} articles into {} clusters ({}, {} features) in {:.2}s",
        m.meta().n_documents,
        m.k(),
        m.meta().algo.name(),
        m.vectorizer().n_features(),
        fit_s
    );
    if let Some(a) = &m.meta().k_auto {
        say!("{}", k_auto_text(a));
    }
    if let Some((q, n)) = quality {
        sayln!(
            "against the labels of {n} single-label articles: NMI {}, ARI {}, V-measure {}",
            f3(q.nmi),
            f3(q.ari),
            f3(q.v_measure)
        );
    }
    sayln!();
    say!("{}", super::cluster_table(m.clusters(), 3, 7, "more terms"));
    for (what, p) in [
        ("clustering", &args.out),
        ("assignments", &args.assignments),
        ("labelled export", &args.export_labels),
    ] {
        if let Some(p) = p {
            sayln!("{what} written to {}", p.display());
        }
    }
    Ok(())
}

/// How `--k auto` chose, for people: the criterion, the curve (the chosen k marked), and
/// whether it is flat.
fn k_auto_text(a: &KAuto) -> String {
    let curve: Vec<String> = a
        .curve
        .iter()
        .map(|p| {
            let mark = if p.k == a.chosen { "*" } else { "" };
            format!("{}{mark} {:.3}", p.k, p.score)
        })
        .collect();
    let mut out = format!(
        "k = {} chosen by {} ({}, {} articles): {}\n",
        a.chosen,
        a.criterion.name(),
        a.criterion.describe(),
        a.sample,
        if curve.is_empty() {
            "no candidate".to_string()
        } else {
            curve.join(", ")
        }
    );
    if a.flat {
        out.push_str(&format!("flat curve, {}\n", a.flat_reason()));
    }
    if !a.note.is_empty() {
        out.push_str(&format!("note: {}\n", a.note));
    }
    out
}
