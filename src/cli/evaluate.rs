//! `veille evaluate`: score a saved model on labelled data.

use super::output::{f3, table};
use super::{progress, read_labelled, FieldArgs, Global};
use crate::eval::ClassificationReport;
use crate::model::Model;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL")]
    model: PathBuf,
    /// Labelled data: JSON Lines, CSV, or a folder with one sub-folder per label.
    #[arg(long, value_name = "PATH")]
    data: PathBuf,
    /// Skip malformed records with a warning instead of stopping.
    #[arg(long)]
    skip_bad: bool,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    fields: FieldArgs,
}

pub fn run(args: EvaluateArgs, g: &Global) -> anyhow::Result<()> {
    let model = Model::load(&args.model)?;
    let docs = read_labelled(
        std::slice::from_ref(&args.data),
        &args.fields.fields(),
        args.skip_bad,
        g.quiet,
    )?;
    let spin = progress::spinner("evaluating", g.quiet);
    let report = model.evaluate(&docs)?;
    spin.finish_and_clear();
    let unknown: Vec<&String> = report.labels[model.labels().len()..].iter().collect();
    if !unknown.is_empty() {
        super::warn(
            g.quiet,
            &format!(
                "{} label(s) in the data are unknown to the model and count as misses: {}",
                unknown.len(),
                unknown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    if args.json {
        sayln!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&report)?;
    }
    Ok(())
}

/// The report as tables.
pub fn print_report(r: &ClassificationReport) -> anyhow::Result<()> {
    // Multi-label accuracy is the subset accuracy: one line, named for what it is.
    let mut head = match (r.subset_accuracy, r.hamming_loss) {
        (Some(s), Some(h)) => format!(
            "{} documents: subset accuracy (exact label set) {}, Hamming loss {:.4}, micro-F1 {}",
            r.n_documents,
            f3(s),
            h,
            f3(r.micro_f1)
        ),
        _ => format!(
            "{} documents: accuracy {}, micro-F1 {}",
            r.n_documents,
            f3(r.accuracy),
            f3(r.micro_f1)
        ),
    };
    let n_labels = r.per_label.len();
    if r.labels_present < n_labels {
        head.push_str(&format!(
            "\nmacro-F1 {} over the {} labels in the data; {} over all {n_labels} labels{}",
            f3(r.macro_f1_present),
            r.labels_present,
            f3(r.macro_f1),
            if r.subset_accuracy.is_some() {
                " (labels absent from the data count as 0)"
            } else {
                " (as scikit-learn: labels never predicted nor present are left out)"
            }
        ));
    } else {
        head.push_str(&format!(
            ", macro-F1 {} (every label occurs in the data)",
            f3(r.macro_f1)
        ));
    }
    sayln!("{head}\n");
    let rows: Vec<Vec<String>> = r
        .per_label
        .iter()
        .map(|l| {
            vec![
                l.label.clone(),
                f3(l.precision),
                f3(l.recall),
                f3(l.f1),
                l.support.to_string(),
            ]
        })
        .collect();
    say!(
        "{}",
        table(&["label", "precision", "recall", "f1", "support"], &rows)
    );
    if let Some(cm) = &r.confusion_matrix {
        if cm.len() <= 12 {
            sayln!(
                "\nconfusion matrix (rows: true label, columns: predicted, in label order above)"
            );
            let mut header = vec!["true \\ predicted".to_string()];
            header.extend((0..cm.len()).map(|i| format!("{}", i + 1)));
            let rows: Vec<Vec<String>> = cm
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    let mut v = vec![format!("{} {}", i + 1, r.labels[i])];
                    v.extend(row.iter().map(|c| c.to_string()));
                    v
                })
                .collect();
            let h: Vec<&str> = header.iter().map(String::as_str).collect();
            say!("{}", table(&h, &rows));
        } else {
            sayln!("\n(confusion matrix of {} labels: see --json)", cm.len());
        }
    }
    Ok(())
}
