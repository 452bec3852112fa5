"""Classify a Ray Dataset of articles with veille: :class:`Classifier` is the callable class
for ``Dataset.map_batches`` (``batch_format="pyarrow"``), so each Ray actor loads the model
once and classifies its batches through the Arrow C data interface.

>>> import ray.data
>>> from veille.ray import Classifier
>>> ds = ray.data.read_parquet("articles.parquet")  # doctest: +SKIP
>>> out = ds.map_batches(Classifier, fn_constructor_args=("themes.veille",),
...                      batch_format="pyarrow", concurrency=2)  # doctest: +SKIP

Needs ray[data] (not a dependency of veille).
"""

from __future__ import annotations

import os
from typing import Any

from . import Model

__all__ = ["Classifier"]


class Classifier:
    """Classifies ``pyarrow.Table`` batches: the record's columns, then the batch's other
    columns. ``model`` is a model file's path (read by each actor) or its bytes; ``options``
    are :meth:`veille.Model.classify_arrow`'s."""

    def __init__(
        self,
        model: str | os.PathLike[str] | bytes,
        text_col: str = "text",
        id_col: str = "id",
        **options: Any,
    ) -> None:
        if isinstance(model, bytes):
            self.model = Model.from_bytes(model, "<ray>")
        else:
            self.model = Model.load(model)
        self.text_col = text_col
        self.id_col = id_col
        self.options = options

    def __call__(self, table: Any) -> Any:
        import pyarrow as pa

        # An empty table still gets the output's columns (every batch has the same schema).
        batches = table.to_batches() or [pa.RecordBatch.from_pylist([], schema=table.schema)]
        return pa.Table.from_batches(
            [
                self.model.classify_arrow(b, text_field=self.text_col, id_field=self.id_col, **self.options)
                for b in batches
            ]
        )
