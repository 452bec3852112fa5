//! The configurations `veille bench` compares, described in a small TOML file.
//!
//! ```toml
//! [defaults]                 # applied to every configuration below
//! seed = 42
//!
//! [[config]]                 # one configuration
//! name = "default"
//!
//! [[product]]                # one configuration per combination of the listed values
//! name = "svm {ngrams} C={c}"
//! algo = "svm"
//! ngrams = ["1-1", "1-2"]
//! c = [0.5, 1.0]
//!
//! [[config]]                 # a clusterer, scored by NMI / ARI against the labels
//! task = "cluster"
//! algo = "spherical-kmeans"  # k defaults to the number of labels
//! ```
//!
//! Besides `name` and `task`, the keys are the fields of [`TrainOptions`] (classifiers) and
//! [`ClusterOptions`] (clusterers), read by serde: the options of `veille train` and `veille
//! cluster` with underscores, values in the command line's spellings, switches by what they
//! turn on (`stem = false` for `--no-stem`). A classifier entry that sets any key but `seed`
//! and `languages` is measured as written (no configuration search, unless `search = true`).

use super::keyed::{self, KeyedError};
use crate::cluster::lsa::LsaMethod;
use crate::cluster::KChoice;
use crate::model::clusters::{ClusterAlgo, ClusterSettings};
use crate::model::TrainSettings;
use crate::settings::{ClusterOptions, SettingsError, TrainOptions};
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// The grid run when no file is given: veille's default and the alternatives a user would
/// try first. `veille bench --print-grid` shows it.
pub const DEFAULT_GRID: &str = include_str!("default_grid.toml");

/// Most configurations one grid may expand to (a typo in a product should not start a
/// week-long run).
pub const MAX_CONFIGS: usize = 256;

/// What one configuration fits.
#[derive(Debug, Clone)]
pub enum Task {
    /// A classifier, scored on held-out articles.
    Classify(TrainSettings),
    /// A clusterer, scored against the labels; `k: None` means one cluster per label.
    Cluster {
        /// Everything but k.
        settings: ClusterSettings,
        /// Number of clusters, when set.
        k: Option<KChoice>,
    },
}

/// One named configuration of a grid.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// Unique name, shown in tables and plots.
    pub name: String,
    /// What to fit.
    pub task: Task,
    /// The settings as the grid wrote them (`key=value`, space-separated; empty for veille's
    /// defaults).
    pub written: String,
}

impl BenchConfig {
    /// A configuration of veille's default classifier pipeline.
    pub fn default_classifier(name: &str) -> BenchConfig {
        BenchConfig {
            name: name.to_string(),
            task: Task::Classify(TrainSettings::default()),
            written: String::new(),
        }
    }

    /// The estimator's short name (`auto`, `svm`, `spherical-kmeans`, ...).
    pub fn algo_name(&self) -> &'static str {
        match &self.task {
            Task::Classify(s) => s.classifier.get().algo.name(),
            Task::Cluster { settings, .. } => settings.algo.name(),
        }
    }
}

/// A grid file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct GridError {
    /// The grid file (`<default grid>` for the built-in one).
    pub path: PathBuf,
    /// What is wrong.
    pub problem: GridProblem,
}

/// What is wrong with a grid file.
#[derive(Debug, thiserror::Error)]
pub enum GridProblem {
    /// Not TOML.
    #[error("{at}{message}")]
    Syntax {
        /// `line L, column C: `, when the parser says where.
        at: String,
        /// The parser's message.
        message: String,
    },
    /// A section other than the three.
    #[error("unknown section '{0}' (expected [defaults], [[config]] or [[product]])")]
    UnknownSection(String),
    /// `defaults = 1` or the like.
    #[error("[defaults] must be a table")]
    DefaultsNotTable,
    /// `[config]` instead of `[[config]]`.
    #[error("'{0}' must be written [[{0}]]")]
    NotAnArray(&'static str),
    /// More than [`MAX_CONFIGS`] configurations.
    #[error("more than {MAX_CONFIGS} configurations; split the grid")]
    TooMany,
    /// Nothing to run.
    #[error("no configuration (add a [[config]] or a [[product]])")]
    Empty,
    /// One entry is wrong.
    #[error("{entry}: {problem}")]
    Entry {
        /// `[[config]] #2`.
        entry: String,
        /// What is wrong with it.
        problem: EntryProblem,
    },
}

/// What is wrong with one `[[config]]` or `[[product]]` entry.
#[derive(Debug, thiserror::Error)]
pub enum EntryProblem {
    /// `[[config]]` followed by something that is not a table.
    #[error("must be a table")]
    NotATable,
    /// A product axis with no value.
    #[error("'{0}' lists no value")]
    EmptyAxis(String),
    /// A product of more than [`MAX_CONFIGS`] combinations.
    #[error("more than {MAX_CONFIGS} combinations")]
    TooManyCombinations,
    /// `task` that is not a string.
    #[error("'task' must be \"classify\" or \"cluster\"")]
    TaskNotAString,
    /// `task` that is neither.
    #[error("unknown task '{0}' (expected classify or cluster)")]
    UnknownTask(String),
    /// `name` that is not a string.
    #[error("'name' must be a string")]
    NameNotAString,
    /// Two entries with one name.
    #[error("two configurations are named '{0}'")]
    DuplicateName(String),
    /// A key that the task does not take.
    #[error("unknown key '{key}' for a {task} configuration (keys: {})", known.join(", "))]
    UnknownKey {
        /// The key.
        key: String,
        /// `classify` or `cluster`.
        task: &'static str,
        /// The keys it takes, sorted.
        known: Vec<&'static str>,
    },
    /// A value that does not read (the message names the key).
    #[error("{0}")]
    Value(String),
    /// DBSCAN settings on another clusterer.
    #[error("'eps' and 'min_points' are settings of algo = \"lsa-dbscan\"")]
    DbscanOnly,
    /// Settings that cannot be used together.
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

/// Parse a grid file's text. `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Vec<BenchConfig>, GridError> {
    configs(text).map_err(|problem| GridError {
        path: path.to_path_buf(),
        problem,
    })
}

fn configs(text: &str) -> Result<Vec<BenchConfig>, GridProblem> {
    let doc: Table = text.parse().map_err(|e: toml::de::Error| {
        let at = e.span().map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.chars().rev().take_while(|&c| c != '\n').count() + 1;
            format!("line {line}, column {column}: ")
        });
        GridProblem::Syntax {
            at: at.unwrap_or_default(),
            message: e.message().trim_end().to_string(),
        }
    })?;
    for key in doc.keys() {
        if !matches!(key.as_str(), "defaults" | "config" | "product") {
            return Err(GridProblem::UnknownSection(key.clone()));
        }
    }
    let defaults = match doc.get("defaults") {
        None => Table::new(),
        Some(Value::Table(t)) => t.clone(),
        Some(_) => return Err(GridProblem::DefaultsNotTable),
    };
    let in_entry = |entry: &str| {
        let entry = entry.to_string();
        move |problem| GridProblem::Entry { entry, problem }
    };
    // Entries in file order: TOML keeps [[config]] and [[product]] in separate arrays, so
    // configurations come first, then products, each in their own order.
    let mut entries: Vec<(String, Table)> = Vec::new();
    for section in ["config", "product"] {
        let Some(v) = doc.get(section) else { continue };
        let Value::Array(items) = v else {
            return Err(GridProblem::NotAnArray(section));
        };
        for (i, item) in items.iter().enumerate() {
            let at = format!("[[{section}]] #{}", i + 1);
            let Value::Table(t) = item else {
                return Err(in_entry(&at)(EntryProblem::NotATable));
            };
            let mut merged = defaults.clone();
            merged.extend(t.clone());
            if section == "product" {
                for combo in expand(&merged).map_err(in_entry(&at))? {
                    entries.push((at.clone(), combo));
                }
            } else {
                entries.push((at, merged));
            }
            if entries.len() > MAX_CONFIGS {
                return Err(GridProblem::TooMany);
            }
        }
    }
    if entries.is_empty() {
        return Err(GridProblem::Empty);
    }
    let mut out: Vec<BenchConfig> = Vec::with_capacity(entries.len());
    for (at, t) in &entries {
        let c = config(t).map_err(in_entry(at))?;
        if out.iter().any(|o| o.name == c.name) {
            return Err(in_entry(at)(EntryProblem::DuplicateName(c.name)));
        }
        out.push(c);
    }
    Ok(out)
}

/// The combinations of a product entry: every array value is an axis.
fn expand(t: &Table) -> Result<Vec<Table>, EntryProblem> {
    let mut combos = vec![Table::new()];
    for (key, value) in t {
        let values: Vec<Value> = match value {
            Value::Array(a) if a.is_empty() => return Err(EntryProblem::EmptyAxis(key.clone())),
            // `languages` is a list by nature: a list of lists is its axis.
            Value::Array(a) if key == "languages" && !matches!(a[0], Value::Array(_)) => {
                vec![value.clone()]
            }
            Value::Array(a) => a.clone(),
            v => vec![v.clone()],
        };
        let mut next = Vec::with_capacity(combos.len() * values.len());
        for c in &combos {
            for v in &values {
                let mut c = c.clone();
                c.insert(key.clone(), v.clone());
                next.push(c);
            }
        }
        if next.len() > MAX_CONFIGS {
            return Err(EntryProblem::TooManyCombinations);
        }
        combos = next;
    }
    // Products name their members by the values of their axes.
    let axes: Vec<&String> = t
        .iter()
        .filter(|(k, v)| matches!(v, Value::Array(a) if a.len() > 1 && *k != "languages"))
        .map(|(k, _)| k)
        .collect();
    for c in &mut combos {
        let name = match c.get("name") {
            Some(Value::String(template)) => fill(template, c),
            _ => auto_name(c, &axes),
        };
        c.insert("name".into(), Value::String(name));
    }
    Ok(combos)
}

/// `{key}` in a name template replaced by the value of `key`.
fn fill(template: &str, t: &Table) -> String {
    let mut name = template.to_string();
    for (k, v) in t {
        name = name.replace(&format!("{{{k}}}"), &plain(v));
    }
    name
}

/// `algo key=value ...` for the keys that vary.
fn auto_name(t: &Table, axes: &[&String]) -> String {
    let algo = t.get("algo").map(plain).unwrap_or_else(|| "auto".into());
    let mut parts = vec![algo];
    for k in axes {
        if k.as_str() != "algo" {
            if let Some(v) = t.get(k.as_str()) {
                parts.push(format!("{k}={}", plain(v)));
            }
        }
    }
    parts.join(" ")
}

/// A value as a user writes it on the command line.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Float(f) => format!("{f:?}"),
        Value::Array(a) => a.iter().map(plain).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// Keys of an entry that are not settings.
const ENTRY_KEYS: [&str; 2] = ["name", "task"];

fn config(t: &Table) -> Result<BenchConfig, EntryProblem> {
    let task = match t.get("task") {
        None => "classify",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(EntryProblem::TaskNotAString),
    };
    let mut options = t.clone();
    options.retain(|k, _| !ENTRY_KEYS.contains(&k));
    let task = match task {
        "classify" => {
            let mut o: TrainOptions = read(&options, "classify")?;
            // A configuration that sets a key other than the seed and the languages is
            // measured as written; the plain default searches, as `veille train` without
            // tuning flags does.
            o.search.get_or_insert(
                options
                    .keys()
                    .all(|k| matches!(k.as_str(), "seed" | "languages")),
            );
            Task::Classify(o.settings()?)
        }
        "cluster" => {
            let o: ClusterOptions = read(&options, "cluster")?;
            let dbscan = matches!(o.algo, Some(ClusterAlgo::Lsa(LsaMethod::Dbscan { .. })));
            if o.sets_dbscan() && !dbscan {
                return Err(EntryProblem::DbscanOnly);
            }
            Task::Cluster {
                settings: o.settings()?,
                k: o.k,
            }
        }
        other => return Err(EntryProblem::UnknownTask(other.to_string())),
    };
    let name = match t.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::String(_)) | None => {
            let algo = t.get("algo").map(plain);
            algo.unwrap_or_else(|| match task {
                Task::Classify(_) => "auto".into(),
                Task::Cluster { .. } => "spherical-kmeans".into(),
            })
        }
        Some(_) => return Err(EntryProblem::NameNotAString),
    };
    let written = options
        .iter()
        .map(|(k, v)| format!("{k}={}", plain(v)))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(BenchConfig {
        name,
        task,
        written,
    })
}

/// The options of a `task` entry, read from its keys.
fn read<T: serde::de::DeserializeOwned>(
    options: &Table,
    task: &'static str,
) -> Result<T, EntryProblem> {
    keyed::from_table(options).map_err(|e| match e {
        KeyedError::UnknownKey { key, known } => {
            let mut known: Vec<&'static str> = known.iter().chain(&ENTRY_KEYS).copied().collect();
            known.sort_unstable();
            EntryProblem::UnknownKey { key, task, known }
        }
        other => EntryProblem::Value(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(text: &str) -> Result<Vec<BenchConfig>, String> {
        parse(text, Path::new("g.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn the_default_grid_parses_to_at_least_eight_distinct_configurations() {
        let g = grid(DEFAULT_GRID).unwrap();
        assert!(g.len() >= 8, "{}", g.len());
        assert_eq!(g[0].name, "default");
        assert_eq!(g[0].algo_name(), "auto");
    }

    #[test]
    fn products_multiply_and_name_their_members() {
        let g = grid(
            "[defaults]\nseed = 1\n[[product]]\nalgo = \"svm\"\nngrams = [\"1-1\", \"1-2\"]\nc = [0.5, 1.0]\n",
        )
        .unwrap();
        let names: Vec<&str> = g.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "svm ngrams=1-1 c=0.5",
                "svm ngrams=1-1 c=1.0",
                "svm ngrams=1-2 c=0.5",
                "svm ngrams=1-2 c=1.0"
            ]
        );
        let Task::Classify(s) = &g[2].task else {
            panic!("a classifier")
        };
        assert_eq!(s.analyzer.ngram_range, (1, 2));
        assert_eq!(s.classifier.get().c, 0.5);
        assert_eq!(s.classifier.get().seed, 1);
    }

    #[test]
    fn templates_fill_names() {
        let g = grid("[[product]]\nname = \"nb a={alpha}\"\nalgo = \"cnb\"\nalpha = [0.1, 1]\n")
            .unwrap();
        assert_eq!(g[0].name, "nb a=0.1");
        assert_eq!(g[1].name, "nb a=1");
    }

    #[test]
    fn cluster_configurations() {
        let g =
            grid("[[config]]\ntask = \"cluster\"\nalgo = \"lsa-kmeans\"\nk = 5\nlsa_dims = 50\n")
                .unwrap();
        let Task::Cluster { settings, k } = &g[0].task else {
            panic!("a clusterer")
        };
        assert_eq!(settings.algo.name(), "lsa-kmeans");
        assert_eq!(settings.lsa_dims, 50);
        assert_eq!(*k, Some(KChoice::Fixed(5)));
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_file_entry_and_key() {
        let e = grid("[[config]]\nname = \"a\"\n[[config]]\nngram = \"1-2\"\n").unwrap_err();
        assert!(
            e.starts_with("g.toml: [[config]] #2: unknown key 'ngram' for a classify configuration (keys: algo, alpha, c, class_weight, languages, lsa_dims, max_df, max_features, min_df, name, ngrams, search, seed, stem, stopwords, sublinear_tf, task)"),
            "{e}"
        );
        let e = grid("[[product]]\ntask = \"cluster\"\nk = [2, 3]\nalpha = 1\n").unwrap_err();
        assert!(
            e.starts_with(
                "g.toml: [[product]] #1: unknown key 'alpha' for a cluster configuration"
            ),
            "{e}"
        );
        let e = grid("[[config]]\nstem = \"no\"\n").unwrap_err();
        assert_eq!(
            e,
            "g.toml: [[config]] #1: 'stem': expected a boolean, got \"no\""
        );
        let e =
            grid("[defaults]\nlsa_dims = 1.5\n[[config]]\nalgo = \"lsa-logreg\"\n").unwrap_err();
        assert_eq!(
            e,
            "g.toml: [[config]] #1: 'lsa_dims': expected a whole number >= 1, got 1.5"
        );
        let e = grid("[[config]]\nmax_df = true\n").unwrap_err();
        assert_eq!(
            e,
            "g.toml: [[config]] #1: 'max_df': expected a string or a number, got true"
        );
        let e = grid("[[config]]\nmin_df = \"often\"\n").unwrap_err();
        assert!(
            e.ends_with(
                "'min_df': 'often' is neither a document count nor a fraction between 0 and 1"
            ),
            "{e}"
        );
    }

    #[test]
    fn values_take_the_command_line_spellings() {
        let g = grid(
            "[[config]]\nngrams = \"1-3\"\nstem = false\nmax_df = 0.9\nmin_df = 2\nclass_weight = \"balanced\"\nlanguages = \"en\"\n[[config]]\nname = \"counts\"\nmax_df = 100\nngrams = 1\n",
        )
        .unwrap();
        let Task::Classify(s) = &g[0].task else {
            panic!("a classifier")
        };
        assert_eq!(s.analyzer.ngram_range, (1, 3));
        assert!(!s.analyzer.stem && s.analyzer.stopwords);
        assert_eq!(s.tfidf.max_df, crate::features::DfBound::Fraction(0.9));
        assert_eq!(s.tfidf.min_df, crate::features::DfBound::Count(2));
        assert_eq!(
            s.classifier.get().class_weight,
            crate::classify::ClassWeight::Balanced
        );
        assert_eq!(s.analyzer.languages, [crate::text::Language::English]);
        assert!(!s.search, "tuned: measured as written");
        let Task::Classify(s) = &g[1].task else {
            panic!("a classifier")
        };
        assert_eq!(s.tfidf.max_df, crate::features::DfBound::Count(100));
        assert_eq!(s.analyzer.ngram_range, (1, 1));
    }

    #[test]
    fn the_default_configuration_is_the_library_default() {
        let g = grid("[[config]]\nname = \"default\"\n[[config]]\ntask = \"cluster\"\n").unwrap();
        let Task::Classify(s) = &g[0].task else {
            panic!("a classifier")
        };
        assert_eq!(format!("{s:?}"), format!("{:?}", TrainSettings::default()));
        let Task::Cluster { settings, k: None } = &g[1].task else {
            panic!("a clusterer, k from the labels")
        };
        assert_eq!(
            format!("{settings:?}"),
            format!("{:?}", ClusterSettings::default())
        );
    }

    #[test]
    fn mistakes_name_the_entry_and_key() {
        let e = grid("[[config]]\nalgo = \"forest\"\n").unwrap_err();
        assert!(
            e.contains("g.toml: [[config]] #1: 'algo': unknown algorithm"),
            "{e}"
        );
        let e = grid("[[config]]\nngram = \"1-2\"\n").unwrap_err();
        assert!(e.contains("unknown key 'ngram'"), "{e}");
        let e = grid("[[config]]\nc = -1\n").unwrap_err();
        assert!(e.contains("C must be a positive number"), "{e}");
        let e = grid("[[config]]\nname = \"a\"\n[[config]]\nname = \"a\"\n").unwrap_err();
        assert!(e.contains("two configurations are named 'a'"), "{e}");
        let e = grid("").unwrap_err();
        assert!(e.contains("no configuration"), "{e}");
        let e = grid("[[config]\n").unwrap_err();
        assert!(e.starts_with("g.toml: line 1, column "), "{e}");
        assert!(
            e.len() > "g.toml: line 1, column 9: ".len(),
            "a reason: {e}"
        );
        let e = grid("[[config]]\ntask = \"cluster\"\neps = 0.3\n").unwrap_err();
        assert!(e.contains("settings of algo = \"lsa-dbscan\""), "{e}");
        let e = grid("[[config]]\ntask = \"cluster\"\nk = 0\n").unwrap_err();
        assert!(e.contains("'k'"), "{e}");
        let e = grid("[[product]]\nc = []\n").unwrap_err();
        assert!(e.contains("'c' lists no value"), "{e}");
    }
}
