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
//! Classifier keys: `algo`, `ngrams`, `min_df`, `max_df`, `max_features`, `stem`,
//! `stopwords`, `sublinear_tf`, `c`, `alpha`, `class_weight`, `lsa_dims`, `seed`,
//! `languages`. Clusterer keys: `algo`, `k`, `n_init`, `batch_size`, `lsa_dims`, `eps`,
//! `min_points`, `ngrams`, `min_df`, `max_df`, `max_features`, `stem`, `stopwords`,
//! `sublinear_tf`, `seed`, `languages`. Values take the command line's spellings.

use crate::classify::{Algo, ClassWeight};
use crate::cluster::KChoice;
use crate::features::{DfBound, TfidfConfig};
use crate::model::clusters::{ClusterAlgo, ClusterSettings};
use crate::model::TrainSettings;
use crate::text::{parse_ngram_range, AnalyzerConfig, Language};
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
#[error("{}: {message}", path.display())]
pub struct GridError {
    /// The grid file (`<default grid>` for the built-in one).
    pub path: PathBuf,
    /// What is wrong, naming the entry and key.
    pub message: String,
}

/// Parse a grid file's text. `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Vec<BenchConfig>, GridError> {
    let err = |message: String| GridError {
        path: path.to_path_buf(),
        message,
    };
    let doc: Table = text.parse().map_err(|e: toml::de::Error| {
        let at = e.span().map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.chars().rev().take_while(|&c| c != '\n').count() + 1;
            format!("line {line}, column {column}: ")
        });
        err(format!(
            "{}{}",
            at.unwrap_or_default(),
            e.message().trim_end()
        ))
    })?;
    for key in doc.keys() {
        if !matches!(key.as_str(), "defaults" | "config" | "product") {
            return Err(err(format!(
                "unknown section '{key}' (expected [defaults], [[config]] or [[product]])"
            )));
        }
    }
    let defaults = match doc.get("defaults") {
        None => Table::new(),
        Some(Value::Table(t)) => t.clone(),
        Some(_) => return Err(err("[defaults] must be a table".into())),
    };
    // Entries in file order: TOML keeps [[config]] and [[product]] in separate arrays, so
    // configurations come first, then products, each in their own order.
    let mut entries: Vec<(String, Table)> = Vec::new();
    for section in ["config", "product"] {
        let Some(v) = doc.get(section) else { continue };
        let Value::Array(items) = v else {
            return Err(err(format!("'{section}' must be written [[{section}]]")));
        };
        for (i, item) in items.iter().enumerate() {
            let Value::Table(t) = item else {
                return Err(err(format!("[[{section}]] #{} must be a table", i + 1)));
            };
            let at = format!("[[{section}]] #{}", i + 1);
            let mut merged = defaults.clone();
            merged.extend(t.clone());
            if section == "product" {
                for combo in expand(&merged).map_err(|m| err(format!("{at}: {m}")))? {
                    entries.push((at.clone(), combo));
                }
            } else {
                entries.push((at, merged));
            }
            if entries.len() > MAX_CONFIGS {
                return Err(err(format!(
                    "more than {MAX_CONFIGS} configurations; split the grid"
                )));
            }
        }
    }
    if entries.is_empty() {
        return Err(err(
            "no configuration (add a [[config]] or a [[product]])".into()
        ));
    }
    let mut out: Vec<BenchConfig> = Vec::with_capacity(entries.len());
    for (at, t) in &entries {
        let c = config(t).map_err(|m| err(format!("{at}: {m}")))?;
        if out.iter().any(|o| o.name == c.name) {
            return Err(err(format!(
                "{at}: two configurations are named '{}'",
                c.name
            )));
        }
        out.push(c);
    }
    Ok(out)
}

/// The combinations of a product entry: every array value is an axis.
fn expand(t: &Table) -> Result<Vec<Table>, String> {
    let mut combos = vec![Table::new()];
    for (key, value) in t {
        let values: Vec<Value> = match value {
            Value::Array(a) if a.is_empty() => return Err(format!("'{key}' lists no value")),
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
            return Err(format!("more than {MAX_CONFIGS} combinations"));
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

fn config(t: &Table) -> Result<BenchConfig, String> {
    let task = match t.get("task") {
        None => "classify".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("'task' must be \"classify\" or \"cluster\"".into()),
    };
    let task = match task.as_str() {
        "classify" => Task::Classify(classify_settings(t)?),
        "cluster" => cluster_settings(t)?,
        other => {
            return Err(format!(
                "unknown task '{other}' (expected classify or cluster)"
            ))
        }
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
        Some(_) => return Err("'name' must be a string".into()),
    };
    let written = t
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "name" | "task"))
        .map(|(k, v)| format!("{k}={}", plain(v)))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(BenchConfig {
        name,
        task,
        written,
    })
}

const SHARED_KEYS: [&str; 11] = [
    "name",
    "task",
    "ngrams",
    "min_df",
    "max_df",
    "max_features",
    "stem",
    "stopwords",
    "sublinear_tf",
    "seed",
    "languages",
];
const CLASSIFY_KEYS: [&str; 5] = ["algo", "c", "alpha", "class_weight", "lsa_dims"];
const CLUSTER_KEYS: [&str; 7] = [
    "algo",
    "k",
    "n_init",
    "batch_size",
    "lsa_dims",
    "eps",
    "min_points",
];

fn check_keys(t: &Table, own: &[&str], task: &str) -> Result<(), String> {
    for k in t.keys() {
        if !SHARED_KEYS.contains(&k.as_str()) && !own.contains(&k.as_str()) {
            let mut valid: Vec<&str> = SHARED_KEYS.iter().chain(own).copied().collect();
            valid.sort_unstable();
            valid.dedup();
            return Err(format!(
                "unknown key '{k}' for a {task} configuration (keys: {})",
                valid.join(", ")
            ));
        }
    }
    Ok(())
}

/// Typed access to a table's values, with errors naming the key.
struct Keys<'a>(&'a Table);

impl Keys<'_> {
    fn text(&self, key: &str) -> Result<Option<String>, String> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Integer(i)) => Ok(Some(i.to_string())),
            Some(Value::Float(f)) => Ok(Some(format!("{f:?}"))),
            Some(v) => Err(format!("'{key}': expected a string or a number, got {v}")),
        }
    }

    fn parsed<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, String>
    where
        T::Err: std::fmt::Display,
    {
        match self.text(key)? {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|e| format!("'{key}': {e}")),
        }
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, String> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(v) => Err(format!("'{key}': expected true or false, got {v}")),
        }
    }

    fn number(&self, key: &str) -> Result<Option<f64>, String> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Float(f)) => Ok(Some(*f)),
            Some(Value::Integer(i)) => Ok(Some(*i as f64)),
            Some(v) => Err(format!("'{key}': expected a number, got {v}")),
        }
    }

    fn count(&self, key: &str) -> Result<Option<usize>, String> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Integer(i)) if *i >= 1 => Ok(Some(*i as usize)),
            Some(v) => Err(format!("'{key}': expected a whole number >= 1, got {v}")),
        }
    }

    fn count_or_zero(&self, key: &str) -> Result<Option<u64>, String> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Integer(i)) if *i >= 0 => Ok(Some(*i as u64)),
            Some(v) => Err(format!("'{key}': expected a whole number >= 0, got {v}")),
        }
    }

    fn languages(&self) -> Result<Option<Vec<Language>>, String> {
        let codes: Vec<String> = match self.0.get("languages") {
            None => return Ok(None),
            Some(Value::String(s)) => s.split(',').map(|c| c.trim().to_string()).collect(),
            Some(Value::Array(a)) => a.iter().map(plain).collect(),
            Some(v) => Err(format!(
                "'languages': expected codes like \"fr,en\", got {v}"
            ))?,
        };
        codes
            .iter()
            .map(|c| {
                c.parse::<Language>()
                    .map_err(|e| format!("'languages': {e}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// Analyzer and TF-IDF settings over `analyzer` and `tfidf`.
    fn text_pipeline(
        &self,
        analyzer: &mut AnalyzerConfig,
        tfidf: &mut TfidfConfig,
    ) -> Result<(), String> {
        if let Some(l) = self.languages()? {
            analyzer.languages = l;
        }
        if let Some(n) = self.text("ngrams")? {
            analyzer.ngram_range = parse_ngram_range(&n).map_err(|e| format!("'ngrams': {e}"))?;
        }
        if let Some(b) = self.boolean("stem")? {
            analyzer.stem = b;
        }
        if let Some(b) = self.boolean("stopwords")? {
            analyzer.stopwords = b;
        }
        analyzer.check().map_err(|e| e.to_string())?;
        if let Some(d) = self.parsed::<DfBound>("min_df")? {
            tfidf.min_df = d;
        }
        if let Some(d) = self.parsed::<DfBound>("max_df")? {
            tfidf.max_df = d;
        }
        if let Some(m) = self.count("max_features")? {
            tfidf.max_features = Some(m);
        }
        if let Some(b) = self.boolean("sublinear_tf")? {
            tfidf.sublinear_tf = b;
        }
        Ok(())
    }
}

fn classify_settings(t: &Table) -> Result<TrainSettings, String> {
    check_keys(t, &CLASSIFY_KEYS, "classify")?;
    let k = Keys(t);
    let mut s = TrainSettings::default();
    k.text_pipeline(&mut s.analyzer, &mut s.tfidf)?;
    let mut p = s.classifier.clone();
    if let Some(a) = k.parsed::<Algo>("algo")? {
        p = p.algo(a);
    }
    if let Some(c) = k.number("c")? {
        p = p.c(c);
    }
    if let Some(a) = k.number("alpha")? {
        p = p.alpha(a);
    }
    if let Some(w) = k.parsed::<ClassWeight>("class_weight")? {
        p = p.class_weight(w);
    }
    if let Some(d) = k.count("lsa_dims")? {
        p = p.lsa_dims(d);
    }
    if let Some(seed) = k.count_or_zero("seed")? {
        p = p.seed(seed);
    }
    linfa::ParamGuard::check_ref(&p).map_err(|e| e.to_string())?;
    s.classifier = p;
    // A configuration that sets a tuning key is measured as written; the plain default
    // searches, as `veille train` without tuning flags does.
    s.search = t
        .keys()
        .all(|k| matches!(k.as_str(), "name" | "task" | "seed" | "languages"));
    Ok(s)
}

fn cluster_settings(t: &Table) -> Result<Task, String> {
    check_keys(t, &CLUSTER_KEYS, "cluster")?;
    let keys = Keys(t);
    let mut s = ClusterSettings::default();
    keys.text_pipeline(&mut s.analyzer, &mut s.tfidf)?;
    let eps = keys.number("eps")?.unwrap_or(0.5);
    let min_points = keys.count("min_points")?.unwrap_or(5);
    let dbscan = keys.text("algo")?.as_deref() == Some("lsa-dbscan");
    if !dbscan && (t.contains_key("eps") || t.contains_key("min_points")) {
        return Err("'eps' and 'min_points' are settings of algo = \"lsa-dbscan\"".into());
    }
    if let Some(a) = keys.text("algo")? {
        s.algo = ClusterAlgo::from_name(&a, eps, min_points).map_err(|e| format!("'algo': {e}"))?;
    }
    if let Some(n) = keys.count("n_init")? {
        s.n_init = n;
    }
    s.batch_size = keys.count("batch_size")?.or(s.batch_size);
    if let Some(d) = keys.count("lsa_dims")? {
        s.lsa_dims = d;
    }
    if let Some(seed) = keys.count_or_zero("seed")? {
        s.seed = seed;
    }
    let k = keys.parsed::<KChoice>("k")?;
    Ok(Task::Cluster { settings: s, k })
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
