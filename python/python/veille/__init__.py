"""veille: topic classification of French and English news articles, from Python.

The engine is veille's Rust crate (the same code as the ``veille`` command line), called
without a subprocess; the GIL is released while it works, so threads classify in parallel.

>>> import veille
>>> model = veille.train(
...     ["New export controls on advanced chips.", "Sanctions target banks evading controls.",
...      "Ransomware attack hits hospital servers.", "State hackers breach the grid operator."],
...     ["sanctions", "sanctions", "cyber", "cyber"])
>>> model.classify(["Hackers used ransomware against the hospital."])[0]["labels"]
['cyber']

- :class:`Model` loads a model file (``Model.load``) and classifies texts (``classify``,
  records as ``veille classify --format jsonl`` writes them) or Arrow batches
  (``classify_arrow``, ``pyarrow.RecordBatch`` in and out without copying the input);
- :func:`train` trains a classifier with the options of ``veille train``;
- :class:`veille.sklearn.VeilleClassifier` is a scikit-learn estimator (``fit``,
  ``predict``, ``predict_proba``) for ``Pipeline`` and ``cross_val_score``;
- :func:`cv_folds` gives the folds of ``veille train --cv K --seed S``.

Errors are :class:`InputError` (the caller's data, options or files; exit code 2 of the
command line) or :class:`InternalError` (veille's; exit code 1), both :class:`VeilleError`,
with the command line's message.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
from typing import Any, Iterable, Sequence

from . import _veille
from ._veille import InputError, InternalError, VeilleError

__version__: str = _veille.__version__

__all__ = [
    "Model",
    "train",
    "cv_folds",
    "cross_validate",
    "VeilleError",
    "InputError",
    "InternalError",
    "__version__",
]


def _as_list(texts: Iterable[str]) -> Sequence[str]:
    """A sequence the engine can hold while it works (any iterable is read once)."""
    return texts if isinstance(texts, (list, tuple)) else list(texts)


@contextlib.contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while a call builds many objects.

    ``classify`` builds some 40 dicts and lists per text; every 700 of them start a
    collection, and the older generations' collections walk the objects built so far: on the
    7,532 texts of the 20 Newsgroups test split the call took 14-20% less without them
    (``benches/scale/throughput.py``, records path). The records hold no cycles. The
    collector's earlier state is restored (another thread's call may have paused it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _options_json(options: dict[str, Any]) -> str:
    """The options of ``veille train`` as the JSON object the engine reads (unset ones left
    out, so that they keep their defaults)."""
    return json.dumps({k: v for k, v in options.items() if v is not None})


class Model:
    """A saved veille model: a classifier (``veille train``) or a clustering
    (``veille cluster``, whose outputs are its clusters).

    Load one with :meth:`Model.load` or :meth:`Model.from_bytes`, or train one with
    :func:`train`. A model is safe to share between threads.
    """

    __slots__ = ("_native",)

    def __init__(self, native: _veille.NativeModel) -> None:
        self._native = native

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Model":
        """Load a model file of either kind."""
        return cls(_veille.NativeModel.load(os.fspath(path)))

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "<bytes>") -> "Model":
        """Decode the bytes of a model file (``name`` stands for it in errors)."""
        return cls(_veille.NativeModel.from_bytes(data, name))

    def to_bytes(self) -> bytes:
        """The model file's bytes."""
        return self._native.to_bytes()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the model file (written whole, then renamed into place)."""
        self._native.save(os.fspath(path))

    def __reduce__(self):
        # Pickled as its file's bytes: what Spark and Ray ship to their workers.
        return (Model.from_bytes, (self.to_bytes(), "<pickle>"))

    @property
    def kind(self) -> str:
        """``"classifier"`` or ``"clustering"``."""
        return self._native.kind

    @property
    def labels(self) -> list[str]:
        """Names of the outputs (labels or clusters), in the model's order."""
        return self._native.labels

    @property
    def multilabel(self) -> bool:
        """Whether an article may get several labels, or none."""
        return self._native.multilabel

    def describe(self, top: int = 10) -> dict[str, Any]:
        """What ``veille inspect --json`` says of the model (``top`` terms per label)."""
        return json.loads(self._native.describe_json(top))

    def classify(
        self,
        texts: Iterable[str],
        *,
        ids: Sequence[str] | None = None,
        top: int | None = None,
        threshold: float | None = None,
        terms: int = 5,
        passages: bool = True,
        n_passages: int = 3,
    ) -> list[dict[str, Any]]:
        """Classify texts: one record per text, the objects ``veille classify --format
        jsonl`` writes (``id``, ``labels``, ``scores``, ``language``, ``language_supported``,
        ``terms``, ``evidence``, ``passages``).

        ``ids`` name the texts (else their positions, ``"0"``, ``"1"``, ...); ``top`` keeps
        the best scores only; ``threshold`` overrides the model's decision thresholds;
        ``terms`` explaining words per label; ``passages=False`` scores each text as one
        block; ``n_passages`` passages reported per label.
        """
        if ids is not None:
            ids = [str(i) for i in ids]
        texts = _as_list(texts)
        with _collector_paused():
            return self._native.classify(
                texts,
                ids,
                top,
                threshold,
                terms,
                passages,
                n_passages,
            )

    def classify_arrow(
        self,
        batch: Any,
        *,
        text_field: str = "text",
        id_field: str = "id",
        top: int | None = None,
        threshold: float | None = None,
        terms: int = 5,
        passages: bool = True,
        n_passages: int = 3,
    ) -> Any:
        """Classify the rows of a ``pyarrow.RecordBatch`` (text in ``text_field``, id in
        ``id_field`` when the batch has it, else the row number).

        Returns a ``pyarrow.RecordBatch``: the record's columns (as ``veille classify
        --format parquet`` writes them), then the batch's other columns, the same arrays
        (through the Arrow C data interface: the input is not copied)."""
        return self._native.classify_arrow(
            batch, text_field, id_field, top, threshold, terms, passages, n_passages
        )

    def predict(
        self, texts: Iterable[str], *, threshold: float | None = None, passages: bool = True
    ) -> list[list[str]]:
        """The labels decided for each text (one for a single-label model; any number,
        possibly none, for a multi-label model)."""
        labels, _ = self.decide(texts, threshold=threshold, passages=passages)
        names = self.labels
        return [[names[i] for i in row] for row in labels]

    def scores(
        self, texts: Iterable[str], *, passages: bool = True
    ) -> "numpy.ndarray":  # noqa: F821
        """Every output's calibrated score for each text: an array of shape
        ``(len(texts), len(labels))``, columns in the order of :attr:`labels`."""
        return self.decide(texts, passages=passages)[1]

    def decide(
        self, texts: Iterable[str], *, threshold: float | None = None, passages: bool = True
    ) -> "tuple[list[list[int]], numpy.ndarray]":  # noqa: F821
        """Both in one pass: the decided outputs of each text (indices into :attr:`labels`)
        and the scores of :meth:`scores`."""
        import numpy as np

        labels, flat = self._native.decide(_as_list(texts), threshold, passages)
        return labels, np.asarray(flat, dtype=np.float64).reshape(-1, len(self.labels))

    def __repr__(self) -> str:
        return f"<veille.Model {self.kind}, {len(self.labels)} outputs>"


def train(
    texts: Sequence[str] | None = None,
    labels: Sequence[str | Sequence[str]] | None = None,
    *,
    data: str | os.PathLike[str] | None = None,
    ids: Sequence[str] | None = None,
    **options: Any,
) -> Model:
    """Train a classifier, as ``veille train`` does.

    Give ``texts`` and ``labels`` (a str per text for single-label data, a list of str per
    text for multi-label data, an empty list meaning none of the labels), or ``data``, a
    labelled corpus file or folder as ``veille train --data`` reads it. ``options`` are those
    of ``veille train`` by their names in a ``veille bench`` grid: ``algo`` (``"auto"``,
    ``"svm"``, ``"cnb"``, ``"mnb"``, ``"logreg"``, ``"lsa-logreg"``), ``ngrams`` (``"1-2"``), ``min_df``,
    ``max_df``, ``max_features``, ``stem``, ``stopwords``, ``sublinear_tf``, ``c``, ``alpha``,
    ``class_weight``, ``languages``, ``lsa_dims``, ``search``, ``seed``; unset, the defaults
    of ``veille train`` (which choose among a few pipelines on small training sets).
    """
    opts = _options_json(options)
    if data is not None:
        if texts is not None or labels is not None:
            raise InputError("give texts and labels, or data, not both")
        return Model(_veille.train_file(os.fspath(data), opts))
    if texts is None or labels is None:
        raise InputError("give texts and labels (or data=PATH)")
    texts = list(texts)
    ids = None if ids is None else [str(i) for i in ids]
    return Model(_veille.train(texts, list(labels), opts, ids))


def cv_folds(
    labels: Sequence[str | Sequence[str]], k: int = 5, seed: int = 42
) -> list[tuple[list[int], list[int]]]:
    """The folds of ``veille train --cv k --seed seed`` on these labels: ``(train, test)``
    index lists, the training indices in the order veille trains on them. Pass them as
    scikit-learn's ``cv=`` to score exactly the same folds."""
    return _veille.cv_folds(list(labels), k, seed)


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str | Sequence[str]],
    k: int = 5,
    seed: int = 42,
    **options: Any,
) -> dict[str, float]:
    """``veille train --cv k --seed seed``: mean and standard deviation over the folds of
    accuracy, macro-F1 and micro-F1 (``options`` as :func:`train` takes them)."""
    return json.loads(
        _veille.cross_validate(list(texts), list(labels), k, seed, _options_json(options))
    )
