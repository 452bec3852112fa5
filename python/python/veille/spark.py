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

__all__ = ["classify_dataframe"]

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
    the record's columns (those of ``veille classify --format parquet``) then ``df``'s other
    columns. ``options`` are :meth:`veille.Model.classify_arrow`'s (``top``, ``threshold``,
    ``terms``, ``passages``, ``n_passages``)."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    if not isinstance(model, Model):
        model = Model.load(model)
    import hashlib

    spark = df.sparkSession
    data = model.to_bytes()
    key = hashlib.sha256(data).hexdigest()
    shipped = spark.sparkContext.broadcast(data)
    # The output's schema is the engine's own: what it returns for no row of df (this also
    # names a missing text column here, on the driver, rather than in every task).
    empty = pa.RecordBatch.from_pylist([], schema=to_arrow_schema(df.schema))
    out = model.classify_arrow(empty, text_field=text_col, id_field=id_col, **options)
    schema = from_arrow_schema(out.schema)

    def classify(batches: Iterator[Any]) -> Iterator[Any]:
        m = _model(key, shipped)
        for batch in batches:
            if batch.num_rows:
                yield m.classify_arrow(batch, text_field=text_col, id_field=id_col, **options)

    return df.mapInArrow(classify, schema)
