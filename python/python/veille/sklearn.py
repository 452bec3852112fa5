"""A scikit-learn estimator over veille: ``VeilleClassifier`` takes raw texts (it does its
own analysis, TF-IDF and estimator choice), so it is the whole pipeline, or the last step of
a ``Pipeline`` whose earlier steps produce texts.

>>> from sklearn.model_selection import cross_val_score
>>> from veille.sklearn import VeilleClassifier
>>> scores = cross_val_score(VeilleClassifier(), texts, labels, cv=5, scoring="f1_macro")  # doctest: +SKIP

Single-label ``y`` is a sequence of labels; multi-label ``y`` is a 0/1 indicator matrix
(as ``MultiLabelBinarizer`` makes), and ``predict`` then returns one too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from . import Model, train

__all__ = ["VeilleClassifier"]


def _texts(X) -> list[str]:
    if hasattr(X, "tolist"):
        X = X.tolist()
    texts = list(X)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"VeilleClassifier takes raw texts: item {i} is a {type(t).__name__}")
    return texts


class VeilleClassifier(ClassifierMixin, BaseEstimator):
    """veille's classifier as a scikit-learn estimator. Every parameter is an option of
    ``veille train``; ``None`` keeps veille's default (the configuration ``veille train``
    runs with no option).

    Parameters
    ----------
    algo : {"auto", "svm", "cnb", "mnb", "logreg", "lsa-logreg"}, optional
    ngrams : str, optional
        Word n-gram range, e.g. ``"1-2"``.
    min_df, max_df : int, float or "auto", optional
    max_features : int, optional
    stem, stopwords, sublinear_tf : bool, optional
    c : float, optional
        SVM cost.
    alpha : float, optional
        Naive Bayes smoothing.
    class_weight : {"none", "balanced"}, optional
    languages : str, optional
        e.g. ``"fr,en"``.
    search : bool, optional
        Whether ``auto`` tries a few pipelines on small training sets.
    seed : int, optional
    threshold : float, optional
        Decision threshold for ``predict`` (else the model's own).
    passages : bool, default True
        Score long texts by their passages too, as ``veille classify`` does.
    """

    def __init__(
        self,
        algo: str | None = None,
        ngrams: str | None = None,
        min_df: Any = None,
        max_df: Any = None,
        max_features: int | None = None,
        stem: bool | None = None,
        stopwords: bool | None = None,
        sublinear_tf: bool | None = None,
        c: float | None = None,
        alpha: float | None = None,
        class_weight: str | None = None,
        languages: str | None = None,
        search: bool | None = None,
        seed: int | None = None,
        threshold: float | None = None,
        passages: bool = True,
    ) -> None:
        self.algo = algo
        self.ngrams = ngrams
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.stem = stem
        self.stopwords = stopwords
        self.sublinear_tf = sublinear_tf
        self.c = c
        self.alpha = alpha
        self.class_weight = class_weight
        self.languages = languages
        self.search = search
        self.seed = seed
        self.threshold = threshold
        self.passages = passages

    def _train_options(self) -> dict[str, Any]:
        params = self.get_params()
        params.pop("threshold")
        params.pop("passages")
        return params

    def fit(self, X, y) -> "VeilleClassifier":
        """Train on raw texts ``X`` and labels ``y`` (labels, or an indicator matrix)."""
        texts = _texts(X)
        y_arr = np.asarray(y)
        self.multilabel_ = y_arr.ndim == 2
        if self.multilabel_:
            # Columns are the labels; veille names them by their index.
            self.classes_ = np.arange(y_arr.shape[1])
            labels = [[str(j) for j in np.flatnonzero(row)] for row in y_arr]
        else:
            labels = [str(v) for v in y_arr.tolist()]
            self._label_of = {str(v): v for v in y_arr.tolist()}
        self.model_ = train(texts, labels, **self._train_options())
        names = self.model_.labels
        if self.multilabel_:
            self._columns = [names.index(str(j)) if str(j) in names else -1 for j in self.classes_]
        else:
            # scikit-learn orders classes_ by value; the model's columns follow its own order.
            self.classes_ = np.array(sorted(self._label_of.values()))
            self._columns = [names.index(str(v)) for v in self.classes_]
        self.n_features_in_ = 1
        return self

    def _columns_of(self, scores: np.ndarray) -> np.ndarray:
        """The model's scores with their columns in the order of ``classes_``."""
        out = scores[:, np.array([max(c, 0) for c in self._columns])]
        if self.multilabel_:
            # A label never seen in training has no column: it scores 0.
            out[:, [i for i, c in enumerate(self._columns) if c < 0]] = 0.0
        return out

    def predict(self, X):
        """The decided label of each text (an indicator matrix for multi-label data)."""
        check_is_fitted(self, "model_")
        texts = _texts(X)
        # One pass gives both the decisions and the scores.
        decided, scores = self.model_.decide(texts, threshold=self.threshold, passages=self.passages)
        if self.multilabel_:
            names = self.model_.labels
            out = np.zeros((len(texts), len(self.classes_)), dtype=int)
            for i, row in enumerate(decided):
                for j in row:
                    out[i, int(names[j])] = 1
            return out
        # A single-label model always decides (with threshold, it may abstain: the best
        # score's label is then given, as scikit-learn's classifiers always answer).
        best = self._columns_of(scores).argmax(axis=1)
        names = self.model_.labels
        return np.array(
            [self._label_of[names[row[0]]] if row else self.classes_[best[i]] for i, row in enumerate(decided)],
            dtype=self.classes_.dtype,
        )

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated scores, columns in the order of ``classes_`` (for a single-label model
        they are normalised to sum to 1, as scikit-learn expects of probabilities)."""
        out = self.decision_function(X)
        if self.multilabel_:
            return out
        total = out.sum(axis=1, keepdims=True)
        return np.divide(out, total, out=np.full_like(out, 1.0 / out.shape[1]), where=total > 0)

    def decision_function(self, X) -> np.ndarray:
        """The calibrated scores, unnormalised, columns in the order of ``classes_``."""
        check_is_fitted(self, "model_")
        return self._columns_of(self.model_.scores(_texts(X), passages=self.passages))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
