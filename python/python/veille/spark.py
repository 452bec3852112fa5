"""Classify a Spark DataFrame of articles with veille, shuffle-free: ``mapInArrow`` hands each
partition's Arrow batches to :meth:`veille.Model.classify_arrow`, the model shipped once as a
broadcast of its file's bytes and loaded once per Python worker process.

>>> from veille.spark import classify_dataframe
>>> out = classify_dataframe(spark.read.parquet("articles.parquet"), "themes.veille")  # doctest: +SKIP
>>> out.write.parquet("classified.parquet")  # doctest: +SKIP

Needs pyspark (not a dependency of veille).
"""

from __future__ import annotations

import os
from typing import Any, Iterator

from . import Model

__all__ = ["RECORD_DDL", "classify_dataframe"]

#: The record's columns as a Spark schema (DDL), as ``classify_arrow`` returns them.
RECORD_DDL = (
    "id string, labels array<string>, scores array<struct<label:string,score:double>>, "
    "language string, language_supported boolean, terms array<struct<term:string,weight:double>>, "
    "evidence array<struct<label:string,score:double,terms:array<struct<term:string,weight:double>>,"
    "passages:array<struct<index:bigint,start:bigint,end:bigint,score:double,snippet:string>>>>, "
    "passages bigint"
)

#: Reserved by the record: input columns of these names are not passed through.
_RECORD_COLUMNS = {"id", "labels", "scores", "language", "language_supported", "terms", "evidence", "passages"}

# One model per Python worker process, by the SHA-256 of its file: Spark reuses its Python
# workers, so a model is decoded once per worker, not once per partition.
_LOADED: dict[str, Model] = {}


def _model(key: str, broadcast) -> Model:
    model = _LOADED.get(key)
    if model is None:
        model = Model.from_bytes(broadcast.value, "<spark broadcast>")
        _LOADED[key] = model
    return model


def classify_dataframe(
    df: Any,
    model: str | os.PathLike[str] | Model,
    *,
    text_col: str = "text",
    id_col: str = "id",
    **options: Any,
) -> Any:
    """Classify every row of ``df`` (text in ``text_col``, id in ``id_col``): a DataFrame of
    the record's columns (:data:`RECORD_DDL`) then ``df``'s other columns. ``options`` are
    :meth:`veille.Model.classify_arrow`'s (``top``, ``threshold``, ``terms``, ``passages``,
    ``n_passages``)."""
    from pyspark.sql.types import StructType

    if not isinstance(model, Model):
        model = Model.load(model)
    import hashlib

    spark = df.sparkSession
    data = model.to_bytes()
    key = hashlib.sha256(data).hexdigest()
    shipped = spark.sparkContext.broadcast(data)
    record = StructType.fromDDL(RECORD_DDL)
    passed = [
        f for f in df.schema.fields if f.name not in _RECORD_COLUMNS | {text_col, id_col, "label"}
    ]
    schema = StructType(record.fields + passed)

    def classify(batches: Iterator[Any]) -> Iterator[Any]:
        m = _model(key, shipped)
        for batch in batches:
            if batch.num_rows:
                yield m.classify_arrow(batch, text_field=text_col, id_field=id_col, **options)

    return df.mapInArrow(classify, schema)
