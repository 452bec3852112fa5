//! The bench report as one self-contained HTML page: the table, quality against cost for
//! every configuration, the confusion matrix of the best classifier, and the scaling series.
//! Inline CSS and SVG only: it opens offline and can be mailed as one file.

use super::svg::{escape, heatmap, tick_label, Axis, Frame, PALETTE};
use super::{BenchReport, ScalingPoint, TABLE_HEADER};
use std::fmt::Write;

/// A cost read off a configuration's measures.
type Cost = fn(&super::Measures) -> Option<f64>;
/// A figure read off a scaling point.
type Figure = fn(&ScalingPoint) -> Option<f64>;

const STYLE: &str =
    "body{font-family:sans-serif;max-width:1280px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;font-size:13px;margin:1em 0}\
th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}\
th:nth-child(2),td:nth-child(2),th:nth-child(3),td:nth-child(3),td:last-child{text-align:left}\
tr.best{background:#e8f1fa;font-weight:bold}\
.meta{color:#555;font-size:13px}\
figure{display:inline-block;margin:0.5em 1em 1em 0;vertical-align:top}\
figcaption{font-size:13px;color:#444;max-width:600px}";

/// The page for `report`.
pub fn render(report: &BenchReport) -> String {
    let mut h = String::new();
    let title = format!("veille bench: {}", report.data.join(", "));
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>",
        escape(&title),
        escape(&title)
    );
    let m = &report.machine;
    let _ = write!(
        h,
        "<p class=\"meta\">{} · {} labels{} · ranked by {} · veille {} · {} · {} ({} cores, {} threads, {})</p>",
        escape(&report.protocol),
        report.n_labels,
        if report.multilabel { " (multi-label)" } else { "" },
        report.metric.name(),
        escape(&report.veille_version),
        escape(&report.date),
        escape(&m.cpu),
        m.cores,
        m.threads,
        escape(&m.os)
    );
    results_table(&mut h, report);
    quality_plots(&mut h, report);
    best_section(&mut h, report);
    if !report.scaling.is_empty() {
        scaling_section(&mut h, &report.scaling, report.metric.name());
    }
    h.push_str("</body></html>\n");
    h
}

fn results_table(h: &mut String, report: &BenchReport) {
    h.push_str("<h2>Configurations</h2><table><thead><tr><th>#</th>");
    for c in TABLE_HEADER {
        let _ = write!(h, "<th>{}</th>", escape(c));
    }
    h.push_str("</tr></thead><tbody>");
    for (i, (r, row)) in report.results.iter().zip(report.table_rows()).enumerate() {
        let best = report.best.as_deref() == Some(r.name.as_str());
        h.push_str(if best { "<tr class=\"best\">" } else { "<tr>" });
        let _ = write!(h, "<td>{}</td>", i + 1);
        for (i, cell) in row.iter().enumerate() {
            // The settings as the grid wrote them, on hover over the name.
            if i == 0 && !r.settings.is_empty() {
                let _ = write!(
                    h,
                    "<td title=\"{}\">{}</td>",
                    escape(&r.settings),
                    escape(cell)
                );
            } else {
                let _ = write!(h, "<td>{}</td>", escape(cell));
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table><p class=\"meta\">fit: seconds to analyse the training articles, build the vocabulary and fit (mean over folds under cross-validation); predict: held-out articles per second, analysis included; peak: highest heap growth during fit and predict; front: no other classifier is both as good and as fast to fit. Hover a name for its settings.</p>");
}

/// Colour of an estimator, stable across plots.
fn colour_of(algos: &[&str], algo: &str) -> &'static str {
    let i = algos.iter().position(|a| *a == algo).unwrap_or(0);
    PALETTE[i % PALETTE.len()]
}

fn quality_plots(h: &mut String, report: &BenchReport) {
    let mut algos: Vec<&str> = report.results.iter().map(|r| r.algo).collect();
    algos.sort_unstable();
    algos.dedup();
    let metric = report.metric;
    let classifiers: Vec<_> = report
        .results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.task == "classify")
        .filter_map(|(i, r)| {
            let m = r.measures()?;
            Some((i + 1, r, m, metric.of(&m.quality)?))
        })
        .collect();
    h.push_str("<h2>Quality against cost</h2>");
    let y = Axis::fit(classifiers.iter().map(|c| c.3), false);
    let costs: [(&str, &str, Cost); 3] = [
        ("fit time (s, log scale)", "fit s", |m| Some(m.fit_seconds)),
        (
            "predict time per 1,000 articles (s, log scale)",
            "predict",
            |m| Some(1000.0 / m.articles_per_second.max(1e-9)),
        ),
        ("peak heap (MiB, log scale)", "peak", |m| {
            m.peak_heap_bytes.map(|b| b as f64 / 1048576.0)
        }),
    ];
    let front = report.front();
    // One classifier is a row of the table, not a plot.
    let costs = if classifiers.len() >= 2 {
        &costs[..]
    } else {
        &[]
    };
    for &(label, short, cost) in costs {
        let pts: Vec<_> = classifiers
            .iter()
            .filter_map(|(n, r, m, q)| Some((*n, *r, cost(m)?, *q)))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let x = Axis::fit(pts.iter().map(|p| p.2), true);
        let mut f = Frame::new(x, y, label, metric.name(), label);
        if short == "fit s" {
            let mut line: Vec<(f64, f64)> = pts
                .iter()
                .filter(|p| front.contains(&p.1.name.as_str()))
                .map(|p| (p.2, p.3))
                .collect();
            line.sort_by(|a, b| a.0.total_cmp(&b.0));
            f.line(&line, "#999", true, false);
        }
        // Points carry their row number: names would pile up where configurations agree.
        for (n, r, c, q) in &pts {
            f.point(
                *c,
                *q,
                colour_of(&algos, r.algo),
                &n.to_string(),
                &format!(
                    "#{n} {}: {} {q:.4}, {short} {}",
                    r.name,
                    metric.name(),
                    tick_label(*c)
                ),
            );
        }
        let legend: Vec<(&str, &str)> = algos
            .iter()
            .filter(|a| pts.iter().any(|p| p.1.algo == **a))
            .map(|a| (*a, colour_of(&algos, a)))
            .collect();
        f.legend(&legend);
        let _ = write!(
            h,
            "<figure>{}<figcaption>{} against {}{}; numbers are rows of the table; up and to the left is better.</figcaption></figure>",
            f.finish(),
            metric.name(),
            label,
            if short == "fit s" { " (dashed: the front)" } else { "" }
        );
    }
    let clusterers: Vec<_> = report
        .results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.task == "cluster")
        .filter_map(|(i, r)| {
            let m = r.measures()?;
            Some((i + 1, r, m.fit_seconds, m.quality.nmi?))
        })
        .collect();
    // One clusterer is a row of the table, not a plot.
    if clusterers.len() >= 2 {
        let x = Axis::fit(clusterers.iter().map(|c| c.2), true);
        let y = Axis::fit(clusterers.iter().map(|c| c.3), false);
        let mut f = Frame::new(x, y, "fit time (s, log scale)", "NMI", "clusterers");
        for (n, r, t, q) in &clusterers {
            f.point(
                *t,
                *q,
                colour_of(&algos, r.algo),
                &n.to_string(),
                &format!("#{n} {}: NMI {q:.4}, fit {t:.2} s", r.name),
            );
        }
        let _ = write!(
            h,
            "<figure>{}<figcaption>Clusterers: NMI with the labels against fit time.</figcaption></figure>",
            f.finish()
        );
    }
}

/// Labels shown in the confusion matrix: all of them up to 40, else the 40 most frequent.
const MAX_HEATMAP_LABELS: usize = 40;

/// Which articles the best configuration's report covers.
fn held_out(report: &BenchReport, n: usize) -> String {
    if report.n_test == 0 {
        format!("all {n} articles, each predicted by the model of the cross-validation fold that held it out")
    } else {
        format!("the {n} held-out articles")
    }
}

fn best_section(h: &mut String, report: &BenchReport) {
    let Some(best) = report.best.as_deref().and_then(|b| report.result(b)) else {
        return;
    };
    let Some(rep) = best.measures().and_then(|m| m.report.as_ref()) else {
        return;
    };
    let _ = write!(h, "<h2>Best classifier: {}</h2>", escape(&best.name));
    if let Some(cm) = &rep.confusion_matrix {
        let mut keep: Vec<usize> = (0..cm.len()).collect();
        if keep.len() > MAX_HEATMAP_LABELS {
            keep.sort_by_key(|&i| std::cmp::Reverse(cm[i].iter().sum::<u64>()));
            keep.truncate(MAX_HEATMAP_LABELS);
            keep.sort_unstable();
        }
        let labels: Vec<String> = keep.iter().map(|&i| rep.labels[i].clone()).collect();
        let sub: Vec<Vec<u64>> = keep
            .iter()
            .map(|&i| keep.iter().map(|&j| cm[i][j]).collect())
            .collect();
        let _ = write!(
            h,
            "<figure>{}<figcaption>Confusion matrix on {}{}: rows are true labels, columns predictions, shaded by share of the row.</figcaption></figure>",
            heatmap(&labels, &sub, "confusion matrix"),
            held_out(report, rep.n_documents),
            if keep.len() < cm.len() {
                format!(" ({} most frequent of {} labels)", keep.len(), cm.len())
            } else {
                String::new()
            }
        );
    } else {
        h.push_str("<p class=\"meta\">No confusion matrix for multi-label data: see the per-label scores.</p>");
    }
    let _ = write!(
        h,
        "<p class=\"meta\">Per-label scores on {}.</p>",
        held_out(report, rep.n_documents)
    );
    h.push_str("<table><thead><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead><tbody>");
    for l in &rep.per_label {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>",
            escape(&l.label),
            l.precision,
            l.recall,
            l.f1,
            l.support
        );
    }
    h.push_str("</tbody></table>");
}

fn scaling_section(h: &mut String, points: &[ScalingPoint], metric: &str) {
    h.push_str("<h2>Scaling of the default pipeline</h2>");
    let corpus: Vec<&ScalingPoint> = points.iter().filter(|p| p.series == "corpus").collect();
    let vocab: Vec<&ScalingPoint> = points.iter().filter(|p| p.series == "vocabulary").collect();
    let series_plot = |pts: &[&ScalingPoint],
                       x_of: fn(&ScalingPoint) -> f64,
                       x_label: &str,
                       lines: &[(&str, Figure)],
                       y_label: &str|
     -> String {
        let x = Axis::fit(pts.iter().map(|p| x_of(p)), true);
        let y = Axis::fit(
            pts.iter()
                .flat_map(|p| lines.iter().filter_map(|(_, f)| f(p))),
            true,
        );
        let mut f = Frame::new(x, y, x_label, y_label, y_label);
        let mut legend = Vec::new();
        for (i, (name, get)) in lines.iter().enumerate() {
            let line: Vec<(f64, f64)> = pts
                .iter()
                .filter_map(|p| Some((x_of(p), get(p)?)))
                .collect();
            f.line(&line, PALETTE[i], false, true);
            legend.push((*name, PALETTE[i]));
        }
        f.legend(&legend);
        f.finish()
    };
    let times: [(&str, Figure); 2] = [
        ("fit", |p| Some(p.fit_seconds)),
        ("predict the test set", |p| Some(p.predict_seconds)),
    ];
    let sizes: [(&str, Figure); 2] = [
        ("peak heap", |p| {
            p.peak_heap_bytes.map(|b| b as f64 / 1048576.0)
        }),
        ("model file", |p| Some(p.model_bytes as f64 / 1048576.0)),
    ];
    if !corpus.is_empty() {
        let _ = write!(
            h,
            "<figure>{}<figcaption>Seconds against training articles (log–log).</figcaption></figure><figure>{}<figcaption>MiB against training articles (log–log).</figcaption></figure>",
            series_plot(&corpus, |p| p.n_train as f64, "training articles", &times, "seconds"),
            series_plot(&corpus, |p| p.n_train as f64, "training articles", &sizes, "MiB")
        );
    }
    if !vocab.is_empty() {
        let _ = write!(
            h,
            "<figure>{}<figcaption>Seconds against vocabulary size (max_features; all training articles).</figcaption></figure>",
            series_plot(&vocab, |p| p.n_features as f64, "features", &times, "seconds")
        );
    }
    let _ = write!(
        h,
        "<table><thead><tr><th>series</th><th>train articles</th><th>train MB</th><th>features</th><th>fit s</th><th>predict s</th><th>predict art/s</th><th>peak MiB</th><th>model MiB</th><th>{}</th></tr></thead><tbody>",
        escape(metric)
    );
    for p in points {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.0}</td><td>{}</td><td>{:.1}</td><td>{:.3}</td></tr>",
            p.series,
            p.n_train,
            p.train_mb,
            p.n_features,
            p.fit_seconds,
            p.predict_seconds,
            p.articles_per_second,
            p.peak_heap_bytes
                .map_or("-".into(), |b| format!("{:.1}", b as f64 / 1048576.0)),
            p.model_bytes as f64 / 1048576.0,
            p.quality
        );
    }
    h.push_str("</tbody></table>");
}
