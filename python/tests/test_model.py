"""The Python package against the command line: the same records, the same errors."""

from __future__ import annotations

import gc
import json
import pickle
import threading
import time

import pytest

import veille
from conftest import THEMES_MODEL, TEST_ARTICLES, read_jsonl, run_cli

RECORD_KEYS = ["id", "labels", "scores", "language", "language_supported", "terms", "evidence", "passages"]


@pytest.fixture(scope="module")
def model() -> veille.Model:
    return veille.Model.load(THEMES_MODEL)


def cli_records(*args) -> list[dict]:
    out = run_cli("classify", "--model", THEMES_MODEL, "--format", "jsonl", *args)
    assert out.returncode == 0, out.stderr.decode()
    return [json.loads(line) for line in out.stdout.decode().splitlines()]


def test_the_model_says_what_it_is(model):
    assert model.kind == "classifier"
    assert model.multilabel
    assert "sanctions-export-controls" in model.labels
    d = model.describe(top=3)
    assert d["labels"] and len(model.labels) == len(d["labels"])
    assert repr(model).startswith("<veille.Model classifier")


def test_classify_gives_the_records_of_the_command_line(model, articles):
    expected = cli_records(TEST_ARTICLES)
    got = model.classify([a["text"] for a in articles], ids=[a["id"] for a in articles])
    assert len(got) == len(expected) == len(articles)
    for g, e in zip(got, expected):
        assert list(g) == RECORD_KEYS
        assert g == {k: e[k] for k in RECORD_KEYS}


def test_options_are_the_command_lines(model, articles):
    texts = [a["text"] for a in articles[:10]]
    expected = cli_records(TEST_ARTICLES, "--top", "2", "--terms", "1", "--no-passages")[:10]
    got = model.classify(texts, ids=[a["id"] for a in articles[:10]], top=2, terms=1, passages=False)
    assert got == [{k: e[k] for k in RECORD_KEYS} for e in expected]
    assert all(len(r["scores"]) == 2 for r in got)


def test_ids_default_to_positions_and_texts_may_be_any_iterable(model):
    got = model.classify(t for t in ["New export controls on chips.", "Ransomware hits a hospital."])
    assert [r["id"] for r in got] == ["0", "1"]


def test_predict_and_scores_agree_with_classify(model, articles):
    texts = [a["text"] for a in articles[:20]]
    records = model.classify(texts)
    predicted = model.predict(texts)
    scores = model.scores(texts)
    assert scores.shape == (20, len(model.labels))
    for r, p, row in zip(records, predicted, scores):
        assert r["labels"] == p
        for s in r["scores"]:
            assert abs(row[model.labels.index(s["label"])] - s["score"]) < 6e-5


def test_classify_leaves_the_garbage_collector_as_it_found_it(model):
    # classify pauses the collector while it builds the records (collections took 14-20% of
    # the call), and must restore it, also when it raises.
    assert gc.isenabled()
    model.classify(["New export controls on chips."])
    assert gc.isenabled()
    with pytest.raises(veille.InputError):
        model.classify(["fine", "   "])
    assert gc.isenabled()
    gc.disable()
    try:
        model.classify(["Ransomware hits a hospital."])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_bad_input_raises_with_the_command_lines_message(model, tmp_path):
    with pytest.raises(veille.InputError, match="text 1: empty text"):
        model.classify(["fine", "   "])
    with pytest.raises(veille.InputError, match="text 0: expected a str, got int"):
        model.classify([3])
    with pytest.raises(veille.InputError, match="threshold must be between 0 and 1"):
        model.classify(["x"], threshold=2)
    with pytest.raises(veille.InputError, match="2 ids for 1 texts"):
        model.classify(["x"], ids=["a", "b"])
    bad = tmp_path / "bad.veille"
    bad.write_text("not a model\n")
    cli = run_cli("classify", "--model", bad, input=b"text")
    assert cli.returncode == 2
    message = cli.stderr.decode().strip().removeprefix("veille: error: ")
    with pytest.raises(veille.InputError) as e:
        veille.Model.load(bad)
    assert str(e.value) == message
    assert isinstance(e.value, veille.VeilleError)
    with pytest.raises(veille.InputError, match="No such file"):
        veille.Model.load(tmp_path / "missing.veille")


def test_a_model_round_trips_through_bytes_files_and_pickle(model, tmp_path):
    texts = ["New export controls on chips.", "Le gouvernement lance une identité numérique."]
    expected = model.classify(texts)
    again = veille.Model.from_bytes(model.to_bytes())
    assert again.classify(texts) == expected
    path = tmp_path / "copy.veille"
    model.save(path)
    assert path.read_bytes() == THEMES_MODEL.read_bytes()
    assert veille.Model.load(path).classify(texts) == expected
    assert pickle.loads(pickle.dumps(model)).classify(texts) == expected


def test_the_gil_is_released_while_veille_classifies(model, articles):
    texts = [a["text"] for a in articles] * 20
    ticks = 0
    done = threading.Event()

    def count():
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0)

    t = threading.Thread(target=count)
    t.start()
    time.sleep(0.05)
    before = ticks
    start = time.perf_counter()
    model.classify(texts, passages=True)
    elapsed = time.perf_counter() - start
    during = ticks - before
    done.set()
    t.join()
    # Holding the GIL for the whole call, the other thread could not have counted at all.
    assert elapsed > 0.02 and during > 100, (elapsed, during)


def test_two_threads_share_one_model(model, articles):
    texts = [a["text"] for a in articles]
    expected = model.classify(texts)
    results = [None, None]

    def work(i):
        results[i] = model.classify(texts)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected, expected]


def test_train_gives_the_model_of_the_command_line(single_label, tmp_path):
    path, texts, labels = single_label
    out = tmp_path / "cli.veille"
    cli = run_cli("train", "--data", path, "--out", out, "--algo", "svm", "--ngrams", "1-1")
    assert cli.returncode == 0, cli.stderr.decode()
    from_texts = veille.train(texts, labels, ids=[r["id"] for r in read_jsonl(path)], algo="svm", ngrams="1-1")
    from_file = veille.train(data=path, algo="svm", ngrams="1-1")
    probe = ["Export controls on lithography tools tighten.", "Une campagne de désinformation vise les élections."]
    expected = veille.Model.load(out).classify(probe)
    assert from_texts.classify(probe) == expected
    assert from_file.classify(probe) == expected


def test_train_refuses_what_veille_train_refuses(single_label):
    _, texts, labels = single_label
    with pytest.raises(veille.InputError, match="unknown field `colour`"):
        veille.train(texts, labels, colour="blue")
    with pytest.raises(veille.InputError, match="3 labels for 2 texts"):
        veille.train(["a", "b"], ["x", "y", "z"])
    with pytest.raises(veille.InputError, match="label 1: expected a str or a list of str"):
        veille.train(["a", "b"], ["x", 3])
    with pytest.raises(veille.InputError):
        veille.train(texts, labels, algo="forest")


def test_multi_label_training(articles):
    texts = [a["text"] for a in articles]
    labels = [a["labels"] for a in articles]
    m = veille.train(texts, labels, algo="svm", ngrams="1-1")
    assert m.multilabel
    assert all(isinstance(r["labels"], list) for r in m.classify(texts[:5]))
