"""Arrow and Parquet: classify_arrow against the records, and the command line's Parquet in
and out against both."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import veille
from conftest import THEMES_MODEL, TEST_ARTICLES, run_cli

RECORD_COLUMNS = ["id", "labels", "scores", "language", "language_supported", "terms", "evidence", "passages"]


@pytest.fixture(scope="module")
def model() -> veille.Model:
    return veille.Model.load(THEMES_MODEL)


@pytest.fixture(scope="module")
def batch(articles) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist(
        [{"id": a["id"], "text": a["text"], "lang": a["lang"], "n": i} for i, a in enumerate(articles)]
    )


def test_classify_arrow_rows_are_the_records(model, batch, articles):
    out = model.classify_arrow(batch)
    assert isinstance(out, pa.RecordBatch)
    assert out.schema.names == RECORD_COLUMNS + ["lang", "n"]
    records = model.classify([a["text"] for a in articles], ids=[a["id"] for a in articles])
    for row, rec in zip(out.to_pylist(), records):
        assert {k: row[k] for k in RECORD_COLUMNS} == rec
    assert out.column("n").to_pylist() == list(range(len(articles)))


def test_the_input_columns_are_passed_through_without_a_copy(model, batch):
    out = model.classify_arrow(batch)
    for name in ("lang", "n"):
        src = batch.column(name).buffers()
        dst = out.column(name).buffers()
        assert [b.address for b in src if b is not None] == [b.address for b in dst if b is not None]


def test_other_column_names_and_types(model):
    texts = pa.array(["New export controls on chips.", "Ransomware hits a hospital."], pa.large_string())
    b = pa.RecordBatch.from_arrays([pa.array([7, 8]), texts], names=["doc", "body"])
    out = model.classify_arrow(b, text_field="body", id_field="doc", top=1)
    assert out.column("id").to_pylist() == ["7", "8"]
    assert all(len(s) == 1 for s in out.column("scores").to_pylist())
    dict_text = pa.RecordBatch.from_arrays([texts.dictionary_encode()], names=["text"])
    assert model.classify_arrow(dict_text).column("id").to_pylist() == ["0", "1"]


def test_bad_batches_are_named(model):
    with pytest.raises(veille.InputError, match='no column "text"'):
        model.classify_arrow(pa.RecordBatch.from_pylist([{"body": "x"}]))
    with pytest.raises(veille.InputError, match='row 1: column "text" is null or blank'):
        model.classify_arrow(pa.RecordBatch.from_pylist([{"text": "chips"}, {"text": None}]))
    with pytest.raises(veille.InputError, match='column "text" must hold strings, found Float64'):
        model.classify_arrow(pa.RecordBatch.from_pylist([{"text": 1.5}]))


def test_the_command_lines_parquet_is_classify_arrow(model, batch, tmp_path):
    src = tmp_path / "articles.parquet"
    pq.write_table(pa.Table.from_batches([batch]), src)
    out = tmp_path / "out.parquet"
    cli = run_cli("classify", "--model", THEMES_MODEL, src, "--format", "parquet", "--output", out)
    assert cli.returncode == 0, cli.stderr.decode()
    table = pq.read_table(out)
    expected = pa.Table.from_batches([model.classify_arrow(batch)])
    assert table.schema.names == expected.schema.names
    assert table.to_pylist() == expected.to_pylist()


def test_parquet_input_gives_the_records_of_json_lines(tmp_path, articles):
    src = tmp_path / "articles.parquet"
    pq.write_table(pa.Table.from_pylist(articles), src)
    via_parquet = run_cli("classify", "--model", THEMES_MODEL, src, "--format", "jsonl")
    via_jsonl = run_cli("classify", "--model", THEMES_MODEL, TEST_ARTICLES, "--format", "jsonl")
    assert via_parquet.returncode == 0, via_parquet.stderr.decode()
    assert via_parquet.stdout == via_jsonl.stdout


def test_json_lines_to_parquet_keeps_the_extra_fields(tmp_path):
    out = tmp_path / "out.parquet"
    cli = run_cli("classify", "--model", THEMES_MODEL, TEST_ARTICLES, "--format", "parquet", "-o", out)
    assert cli.returncode == 0, cli.stderr.decode()
    table = pq.read_table(out)
    jsonl = run_cli("classify", "--model", THEMES_MODEL, TEST_ARTICLES, "--format", "jsonl")
    records = [json.loads(l) for l in jsonl.stdout.decode().splitlines()]
    assert table.to_pylist() == records


def test_a_bad_record_leaves_no_output_file(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "New export controls on chips."}\n{"text": ""}\n')
    out = tmp_path / "out.parquet"
    cli = run_cli("classify", "--model", THEMES_MODEL, src, "--format", "parquet", "-o", out)
    assert cli.returncode == 2
    assert f"{src}:2: empty text" in cli.stderr.decode()
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.jsonl"]


def test_a_field_the_first_articles_lack_is_refused_by_name(tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": f"a{i}", "text": "New export controls on chips."}) for i in range(5000)]
    lines.append(json.dumps({"id": "late", "text": "Ransomware.", "source": "x"}))
    src.write_text("\n".join(lines) + "\n")
    cli = run_cli("classify", "--model", THEMES_MODEL, src, "--format", "parquet", "-o", tmp_path / "o.parquet")
    assert cli.returncode == 2
    assert 'article "late": field "source" is not among the Parquet output\'s columns' in cli.stderr.decode()


def test_a_file_that_is_not_parquet_is_named(tmp_path):
    src = tmp_path / "fake.parquet"
    src.write_text('{"text": "hello"}\n')
    cli = run_cli("classify", "--model", THEMES_MODEL, src, "--format", "jsonl")
    assert cli.returncode == 2
    assert cli.stderr.decode().startswith(f"veille: error: {src}: not a readable Parquet file")


def test_the_output_may_not_be_an_input(tmp_path, articles):
    src = tmp_path / "articles.parquet"
    pq.write_table(pa.Table.from_pylist(articles[:3]), src)
    cli = run_cli("classify", "--model", THEMES_MODEL, src, "--format", "parquet", "-o", src)
    assert cli.returncode == 2
    assert "refusing to overwrite it" in cli.stderr.decode()
    assert pq.read_table(src).num_rows == 3
