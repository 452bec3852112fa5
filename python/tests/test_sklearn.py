"""The scikit-learn estimator: a Pipeline step, cross_val_score on veille's own folds gives
the scores of `veille train --cv`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MultiLabelBinarizer

import veille
from veille.sklearn import VeilleClassifier
from conftest import TEST_ARTICLES, read_jsonl, run_cli


def test_fit_predict_predict_proba(single_label):
    _, texts, labels = single_label
    clf = VeilleClassifier(algo="svm").fit(texts, labels)
    assert list(clf.classes_) == sorted(set(labels))
    pred = clf.predict(texts[:30])
    assert pred.shape == (30,) and set(pred) <= set(labels)
    proba = clf.predict_proba(texts[:30])
    assert proba.shape == (30, len(clf.classes_))
    assert np.allclose(proba.sum(axis=1), 1.0)
    # The most probable class is the prediction.
    assert (clf.classes_[proba.argmax(axis=1)] == pred).all()
    assert clf.score(texts, labels) > 0.9


def test_a_pipeline_step_and_clone(single_label):
    _, texts, labels = single_label
    pipe = Pipeline(
        [
            ("strip", FunctionTransformer(lambda xs: [x.strip() for x in xs])),
            ("veille", VeilleClassifier(ngrams="1-1", algo="svm")),
        ]
    )
    pipe.fit(texts, labels)
    assert (pipe.predict(texts[:10]) == np.asarray(labels[:10])).mean() >= 0.8
    copy = clone(pipe)
    assert copy.get_params()["veille__ngrams"] == "1-1"


def test_integer_labels_come_back_as_integers(single_label):
    _, texts, labels = single_label
    names = sorted(set(labels))
    y = np.array([names.index(l) for l in labels])
    clf = VeilleClassifier(algo="cnb").fit(texts, y)
    assert clf.classes_.dtype.kind == "i"
    assert clf.predict(texts[:5]).dtype.kind == "i"


@pytest.mark.parametrize("options", [{}, {"algo": "svm", "ngrams": "1-2"}])
def test_cross_val_score_on_veilles_folds_is_veille_train_cv(single_label, tmp_path, options):
    path, texts, labels = single_label
    folds = veille.cv_folds(labels, k=5, seed=42)
    assert sorted(i for _, test in folds for i in test) == list(range(len(texts)))
    scores = cross_validate(
        VeilleClassifier(**options),
        np.array(texts, dtype=object),
        np.array(labels, dtype=object),
        cv=folds,
        scoring=["accuracy", "f1_macro", "f1_micro"],
    )
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
    cli = run_cli("train", "--data", path, "--out", tmp_path / "m.veille", "--cv", "5", "--seed", "42", "--json", *flags)
    assert cli.returncode == 0, cli.stderr.decode()
    cv = json.loads(cli.stdout)["cv"]
    assert scores["test_accuracy"].mean() == pytest.approx(cv["accuracy"], abs=1e-12)
    assert scores["test_f1_macro"].mean() == pytest.approx(cv["macro_f1"], abs=1e-12)
    assert scores["test_f1_micro"].mean() == pytest.approx(cv["micro_f1"], abs=1e-12)
    assert veille.cross_validate(texts, labels, 5, 42, **options)["macro_f1"] == pytest.approx(cv["macro_f1"], abs=1e-12)
    # And cross_val_score, the usual spelling.
    macro = cross_val_score(VeilleClassifier(**options), texts, labels, cv=folds, scoring="f1_macro")
    assert macro.mean() == pytest.approx(cv["macro_f1"], abs=1e-12)


def test_multi_label_indicator_matrices():
    rows = read_jsonl(TEST_ARTICLES)
    texts = [r["text"] for r in rows]
    mlb = MultiLabelBinarizer()
    y = mlb.fit_transform([r["labels"] for r in rows])
    clf = VeilleClassifier(algo="svm", ngrams="1-1").fit(texts, y)
    pred = clf.predict(texts)
    assert pred.shape == y.shape
    assert ((pred == y).all(axis=1)).mean() > 0.5
    assert clf.predict_proba(texts).shape == y.shape
