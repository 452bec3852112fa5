//! `veille._veille`: the Rust half of the Python package. The Python half
//! (`python/python/veille/`) wraps it in the API a scikit-learn user expects; everything here
//! releases the GIL while veille works, and turns veille's errors into `InputError` (the
//! caller's data, options or files) or `InternalError` (veille's), with veille's own message.

use arrow_array::RecordBatch;
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use std::path::PathBuf;
use veille::corpus::{Document, Fields};
use veille::model::arrow::classify_record_batch;
use veille::model::record::{round4, RESERVED_FIELDS};
use veille::model::{AnyModel, Classification, ClassifyOptions, Model, Scorer, Session};
use veille::settings::TrainOptions;
use veille::ErrorClass;

create_exception!(
    _veille,
    VeilleError,
    PyException,
    "Any error of veille (the same message as the command line's)."
);
create_exception!(
    _veille,
    InputError,
    VeilleError,
    "The caller's data, options or files cannot be used (exit code 2 on the command line)."
);
create_exception!(
    _veille,
    InternalError,
    VeilleError,
    "veille failed (exit code 1 on the command line)."
);

/// A Python exception of the class of `e`, with its message.
fn py_err(e: impl Into<veille::Error>) -> PyErr {
    let e: veille::Error = e.into();
    let message = e.to_string();
    match e.class() {
        ErrorClass::Usage | ErrorClass::Input => InputError::new_err(message),
        ErrorClass::Internal => InternalError::new_err(message),
    }
}

fn input_err(message: impl Into<String>) -> PyErr {
    InputError::new_err(message.into())
}

self_cell::self_cell!(
    /// A loaded model with its classify session (word caches kept from call to call).
    struct Loaded {
        owner: AnyModel,
        #[not_covariant]
        dependent: ModelSession,
    }
);

type ModelSession<'a> = Session<'a, dyn Scorer>;

/// A saved veille model: a classifier (`veille train`) or a clustering (`veille cluster`).
#[pyclass(frozen, module = "veille._veille")]
struct NativeModel {
    cell: Loaded,
}

fn loaded(model: AnyModel) -> NativeModel {
    NativeModel {
        cell: Loaded::new(model, |m| Session::new(m.scorer())),
    }
}

/// Options of a classify call, from Python's keyword arguments.
fn options(
    top: Option<usize>,
    threshold: Option<f64>,
    terms: usize,
    passages: bool,
    n_passages: usize,
) -> PyResult<ClassifyOptions> {
    if let Some(t) = threshold {
        if !(0.0..=1.0).contains(&t) {
            return Err(input_err(format!(
                "threshold must be between 0 and 1, got {t}"
            )));
        }
    }
    if top == Some(0) {
        return Err(input_err("top must be at least 1"));
    }
    Ok(ClassifyOptions {
        top,
        threshold,
        n_terms: terms,
        passages,
        n_passages,
    })
}

/// The texts of a Python sequence of str, held (so that the GIL can be released while their
/// UTF-8 is read) and checked: an empty text is refused as the command line refuses it.
fn held_texts<'py>(texts: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyString>>> {
    let mut out = Vec::new();
    for (i, t) in texts.try_iter()?.enumerate() {
        let t = t?;
        let s = t.cast_into::<PyString>().map_err(|e| {
            input_err(format!(
                "text {i}: expected a str, got {}",
                e.into_inner()
                    .get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })?;
        out.push(s);
    }
    Ok(out)
}

fn as_strs<'a>(held: &'a [Bound<'_, PyString>]) -> PyResult<Vec<&'a str>> {
    let mut out = Vec::with_capacity(held.len());
    for (i, s) in held.iter().enumerate() {
        let s = s.to_str()?;
        if s.trim().is_empty() {
            return Err(input_err(format!("text {i}: empty text")));
        }
        out.push(s);
    }
    Ok(out)
}

#[pymethods]
impl NativeModel {
    /// Load a model file (either kind).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<NativeModel> {
        let model = py.detach(|| AnyModel::load(&path)).map_err(py_err)?;
        Ok(loaded(model))
    }

    /// Decode the bytes of a model file; `name` stands for the file in errors.
    #[staticmethod]
    #[pyo3(signature = (data, name = "<bytes>"))]
    fn from_bytes(py: Python<'_>, data: &[u8], name: &str) -> PyResult<NativeModel> {
        let model = py
            .detach(|| AnyModel::from_bytes(name, data))
            .map_err(py_err)?;
        Ok(loaded(model))
    }

    /// The model file's bytes (a classifier; a clustering is saved by `veille cluster`).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = match self.cell.borrow_owner() {
            AnyModel::Classifier(m) => py.detach(|| m.to_bytes()).map_err(py_err)?,
            AnyModel::Clustering(m) => py.detach(|| m.to_bytes()).map_err(py_err)?,
        };
        Ok(PyBytes::new(py, &bytes))
    }

    /// Save the model to `path` (written whole, then renamed into place).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        match self.cell.borrow_owner() {
            AnyModel::Classifier(m) => py.detach(|| m.save(&path)).map_err(py_err),
            AnyModel::Clustering(m) => py.detach(|| m.save(&path)).map_err(py_err),
        }
    }

    /// `"classifier"` or `"clustering"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.cell.borrow_owner().kind()
    }

    /// The names of the outputs (labels, or clusters), in the model's order.
    #[getter]
    fn labels(&self) -> Vec<String> {
        let m = self.cell.borrow_owner();
        match m {
            AnyModel::Classifier(c) => c.labels().to_vec(),
            AnyModel::Clustering(_) => {
                let s = m.scorer();
                (0..n_outputs(m) as u32)
                    .map(|i| s.output_name(i).to_string())
                    .collect()
            }
        }
    }

    /// Whether an article may get several labels (or none).
    #[getter]
    fn multilabel(&self) -> bool {
        match self.cell.borrow_owner() {
            AnyModel::Classifier(c) => c.is_multilabel(),
            AnyModel::Clustering(_) => false,
        }
    }

    /// What `veille inspect --json` says of the model, as JSON text.
    #[pyo3(signature = (top = 10))]
    fn describe_json(&self, top: usize) -> PyResult<String> {
        serde_json::to_string(&self.cell.borrow_owner().describe(top))
            .map_err(|e| InternalError::new_err(e.to_string()))
    }

    /// Classify texts; returns the records `veille classify --format jsonl` writes, as
    /// Python objects (ids: `ids[i]`, or `i`).
    #[pyo3(signature = (texts, ids = None, top = None, threshold = None, terms = 5, passages = true, n_passages = 3))]
    #[allow(clippy::too_many_arguments)]
    fn classify<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        ids: Option<Vec<String>>,
        top: Option<usize>,
        threshold: Option<f64>,
        terms: usize,
        passages: bool,
        n_passages: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = options(top, threshold, terms, passages, n_passages)?;
        let held = held_texts(texts)?;
        let strs = as_strs(&held)?;
        let n = strs.len();
        if let Some(ids) = &ids {
            if ids.len() != n {
                return Err(input_err(format!("{} ids for {n} texts", ids.len())));
            }
        }
        self.cell.with_dependent(|m, session| {
            let results = py.detach(|| session.classify_batch(&strs, &opts));
            let build = RecordObjects::new(py, m.scorer(), n_outputs(m));
            let records = results
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let id = match &ids {
                        Some(ids) => PyString::new(py, &ids[i]),
                        None => PyString::new(py, &i.to_string()),
                    };
                    build.record(id, c)
                })
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyList::new(py, records)?.into_any())
        })
    }

    /// The decided outputs (indices into `labels`) and every output's score, row by row
    /// (`len(texts) * len(labels)` floats), for `predict` and `predict_proba`.
    #[pyo3(signature = (texts, threshold = None, passages = true))]
    fn decide(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        threshold: Option<f64>,
        passages: bool,
    ) -> PyResult<(Vec<Vec<u32>>, Vec<f64>)> {
        let opts = ClassifyOptions {
            n_terms: 0,
            n_passages: 0,
            ..options(None, threshold, 0, passages, 0)?
        };
        let held = held_texts(texts)?;
        let strs = as_strs(&held)?;
        Ok(py.detach(|| {
            self.cell.with_dependent(|m, session| {
                let n = n_outputs(m);
                let results = session.classify_batch(&strs, &opts);
                let mut scores = vec![0.0; n * results.len()];
                let mut labels = Vec::with_capacity(results.len());
                for (row, c) in results.into_iter().enumerate() {
                    for (l, s) in c.scores {
                        scores[row * n + l as usize] = s;
                    }
                    labels.push(c.labels);
                }
                (labels, scores)
            })
        }))
    }

    /// Classify the articles of a `pyarrow.RecordBatch` (text in column `text_field`, id in
    /// `id_field` when present); returns a `pyarrow.RecordBatch` of the record's columns then
    /// the batch's other columns, through the Arrow C data interface (no copy of the input).
    #[pyo3(signature = (batch, text_field = "text", id_field = "id", top = None, threshold = None, terms = 5, passages = true, n_passages = 3))]
    #[allow(clippy::too_many_arguments)]
    fn classify_arrow<'py>(
        &self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
        text_field: &str,
        id_field: &str,
        top: Option<usize>,
        threshold: Option<f64>,
        terms: usize,
        passages: bool,
        n_passages: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = options(top, threshold, terms, passages, n_passages)?;
        let batch = RecordBatch::from_pyarrow_bound(batch)?;
        let fields = Fields {
            text: text_field.to_string(),
            id: id_field.to_string(),
            ..Fields::default()
        };
        let out = py
            .detach(|| {
                self.cell.with_dependent(|_, session| {
                    classify_record_batch(session, &batch, &fields, &opts)
                })
            })
            .map_err(py_err)?;
        out.to_pyarrow(py)
    }
}

fn n_outputs(m: &AnyModel) -> usize {
    match m {
        AnyModel::Classifier(c) => c.labels().len(),
        AnyModel::Clustering(c) => c.k(),
    }
}

/// Builds the records of `veille classify --format jsonl` as Python objects, with the keys
/// and the output names made once per call (a record holds dozens of them). The shape is
/// `veille::model::Record`'s; the tests compare the two on every key.
struct RecordObjects<'py> {
    py: Python<'py>,
    names: Vec<Bound<'py, PyString>>,
    keys: Vec<Bound<'py, PyString>>,
}

/// The record's own fields (as JSON Lines names them), then the keys of its inner objects.
const INNER_KEYS: [&str; 8] = [
    "label", "score", "term", "weight", "index", "start", "end", "snippet",
];

// Positions in `RESERVED_FIELDS` then `INNER_KEYS`.
const K_ID: usize = 0;
const K_LABELS: usize = 1;
const K_SCORES: usize = 2;
const K_LANGUAGE: usize = 3;
const K_LANGUAGE_SUPPORTED: usize = 4;
const K_TERMS: usize = 5;
const K_EVIDENCE: usize = 6;
const K_PASSAGES: usize = 7;
const K_LABEL: usize = 8;
const K_SCORE: usize = 9;
const K_TERM: usize = 10;
const K_WEIGHT: usize = 11;
const K_INDEX: usize = 12;
const K_START: usize = 13;
const K_END: usize = 14;
const K_SNIPPET: usize = 15;

impl<'py> RecordObjects<'py> {
    fn new(py: Python<'py>, model: &dyn Scorer, n: usize) -> Self {
        RecordObjects {
            py,
            names: (0..n as u32)
                .map(|i| PyString::intern(py, model.output_name(i)))
                .collect(),
            keys: RESERVED_FIELDS
                .iter()
                .chain(&INNER_KEYS)
                .map(|k| PyString::intern(py, k))
                .collect(),
        }
    }

    /// A list made at its final size (appending grows it step by step).
    fn list<T, F>(&self, items: &[T], f: F) -> PyResult<Bound<'py, PyList>>
    where
        F: Fn(&T) -> PyResult<Bound<'py, PyDict>>,
    {
        let objects = items.iter().map(f).collect::<PyResult<Vec<_>>>()?;
        PyList::new(self.py, objects)
    }

    fn terms(&self, terms: &[(String, f64)]) -> PyResult<Bound<'py, PyList>> {
        self.list(terms, |(t, w)| {
            let d = PyDict::new(self.py);
            d.set_item(&self.keys[K_TERM], t)?;
            d.set_item(&self.keys[K_WEIGHT], round4(*w))?;
            Ok(d)
        })
    }

    fn record(&self, id: Bound<'py, PyString>, c: &Classification) -> PyResult<Bound<'py, PyDict>> {
        let (py, k) = (self.py, &self.keys);
        let r = PyDict::new(py);
        r.set_item(&k[K_ID], id)?;
        let labels = PyList::new(py, c.labels.iter().map(|&l| &self.names[l as usize]))?;
        r.set_item(&k[K_LABELS], labels)?;
        let scores = self.list(&c.scores, |&(l, p)| {
            let d = PyDict::new(py);
            d.set_item(&k[K_LABEL], &self.names[l as usize])?;
            d.set_item(&k[K_SCORE], round4(p))?;
            Ok(d)
        })?;
        r.set_item(&k[K_SCORES], scores)?;
        r.set_item(&k[K_LANGUAGE], c.language)?;
        r.set_item(&k[K_LANGUAGE_SUPPORTED], c.language_supported)?;
        r.set_item(&k[K_TERMS], self.terms(&c.terms)?)?;
        let evidence = self.list(&c.evidence, |e| {
            let d = PyDict::new(py);
            d.set_item(&k[K_LABEL], &self.names[e.label as usize])?;
            d.set_item(&k[K_SCORE], round4(e.score))?;
            d.set_item(&k[K_TERMS], self.terms(&e.terms)?)?;
            let passages = self.list(&e.passages, |p| {
                let pd = PyDict::new(py);
                pd.set_item(&k[K_INDEX], p.index)?;
                pd.set_item(&k[K_START], p.start)?;
                pd.set_item(&k[K_END], p.end)?;
                pd.set_item(&k[K_SCORE], round4(p.score))?;
                pd.set_item(&k[K_SNIPPET], &p.snippet)?;
                Ok(pd)
            })?;
            d.set_item(&k[K_PASSAGES], passages)?;
            Ok(d)
        })?;
        r.set_item(&k[K_EVIDENCE], evidence)?;
        r.set_item(&k[K_PASSAGES], c.n_passages)?;
        Ok(r)
    }
}

/// The documents of texts and their labels: a str each (single-label), or a list of str
/// (multi-label; an empty list is "none of these labels").
fn documents(
    texts: Vec<String>,
    labels: &Bound<'_, PyAny>,
    ids: Option<Vec<String>>,
) -> PyResult<Vec<Document>> {
    let labels: Vec<Bound<'_, PyAny>> = labels.try_iter()?.collect::<PyResult<_>>()?;
    if labels.len() != texts.len() {
        return Err(input_err(format!(
            "{} labels for {} texts",
            labels.len(),
            texts.len()
        )));
    }
    if let Some(ids) = &ids {
        if ids.len() != texts.len() {
            return Err(input_err(format!(
                "{} ids for {} texts",
                ids.len(),
                texts.len()
            )));
        }
    }
    let mut docs = Vec::with_capacity(texts.len());
    for (i, (text, label)) in texts.into_iter().zip(labels).enumerate() {
        if text.trim().is_empty() {
            return Err(input_err(format!("text {i}: empty text")));
        }
        let id = ids
            .as_ref()
            .map_or_else(|| i.to_string(), |ids| ids[i].clone());
        let doc = Document::new(id, text);
        let doc = if let Ok(s) = label.extract::<String>() {
            doc.with_label(s)
        } else if let Ok(ls) = label.extract::<Vec<String>>() {
            doc.with_labels(ls)
        } else {
            return Err(input_err(format!(
                "label {i}: expected a str or a list of str"
            )));
        };
        docs.push(doc);
    }
    Ok(docs)
}

fn train_options(options_json: &str) -> PyResult<TrainOptions> {
    serde_json::from_str(options_json).map_err(|e| input_err(format!("training options: {e}")))
}

/// Train a classifier on texts and labels with the options of `veille train` (JSON object).
#[pyfunction]
#[pyo3(signature = (texts, labels, options_json = "{}", ids = None))]
fn train(
    py: Python<'_>,
    texts: Vec<String>,
    labels: &Bound<'_, PyAny>,
    options_json: &str,
    ids: Option<Vec<String>>,
) -> PyResult<NativeModel> {
    let settings = train_options(options_json)?.settings().map_err(py_err)?;
    let docs = documents(texts, labels, ids)?;
    let model = py
        .detach(|| Model::train(&docs, &settings))
        .map_err(py_err)?;
    Ok(loaded(AnyModel::Classifier(model)))
}

/// Train a classifier on a labelled corpus file or folder, as `veille train --data PATH`
/// reads it.
#[pyfunction]
#[pyo3(signature = (path, options_json = "{}"))]
fn train_file(py: Python<'_>, path: PathBuf, options_json: &str) -> PyResult<NativeModel> {
    let settings = train_options(options_json)?.settings().map_err(py_err)?;
    let model = py
        .detach(|| -> Result<Model, veille::Error> {
            let docs = veille::corpus::open_labelled(&path, &Fields::default())?;
            let mut out = Vec::new();
            veille::corpus::collect(docs, false, |_| {}, &mut out)?;
            Ok(Model::train(&out, &settings)?)
        })
        .map_err(py_err)?;
    Ok(loaded(AnyModel::Classifier(model)))
}

/// The folds of `veille train --cv K --seed SEED` on these labels, as `(train, test)` index
/// lists in the order veille trains and tests on them (for scikit-learn's `cv=`).
#[pyfunction]
fn cv_folds(
    labels: &Bound<'_, PyAny>,
    k: usize,
    seed: u64,
) -> PyResult<Vec<(Vec<usize>, Vec<usize>)>> {
    let n = labels.len()?;
    let docs = documents(vec!["x".to_string(); n], labels, None)?;
    if k < 2 || k > n {
        return Err(input_err(format!(
            "cannot make {k} folds from {n} documents (need 2 <= k <= documents)"
        )));
    }
    let (_, targets) = veille::model::targets_of(&docs).map_err(py_err)?;
    let folds = veille::eval::folds(&targets, k, seed);
    Ok((0..k)
        .map(|f| {
            let train: Vec<usize> = folds
                .iter()
                .enumerate()
                .filter(|(g, _)| *g != f)
                .flat_map(|(_, idx)| idx.iter().copied())
                .collect();
            (train, folds[f].clone())
        })
        .collect())
}

/// `veille train --cv K`: mean and standard deviation of accuracy, macro-F1 and micro-F1
/// over the folds, as JSON text.
#[pyfunction]
#[pyo3(signature = (texts, labels, k, seed, options_json = "{}"))]
fn cross_validate(
    py: Python<'_>,
    texts: Vec<String>,
    labels: &Bound<'_, PyAny>,
    k: usize,
    seed: u64,
    options_json: &str,
) -> PyResult<String> {
    let settings = train_options(options_json)?.settings().map_err(py_err)?;
    let docs = documents(texts, labels, None)?;
    let cv = py
        .detach(|| veille::model::cross_validate(&docs, &settings, k, seed))
        .map_err(py_err)?;
    serde_json::to_string(&cv).map_err(|e| InternalError::new_err(e.to_string()))
}

/// The Rust half of the `veille` Python package.
#[pymodule]
fn _veille(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeModel>()?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(train_file, m)?)?;
    m.add_function(wrap_pyfunction!(cv_folds, m)?)?;
    m.add_function(wrap_pyfunction!(cross_validate, m)?)?;
    m.add("VeilleError", m.py().get_type::<VeilleError>())?;
    m.add("InputError", m.py().get_type::<InputError>())?;
    m.add("InternalError", m.py().get_type::<InternalError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
