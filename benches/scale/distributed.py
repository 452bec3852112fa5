"""Classify a Parquet dataset of articles with Spark (local mode) and Ray Data, and check
that both give exactly the records of `veille classify` on the same articles.

    python benches/scale/distributed.py --model M.veille --data ARTICLES.parquet \
        --veille target/release/veille [--engines spark,ray] [--workers 2] [--json OUT]

Spark: `veille.spark.classify_dataframe` (mapInArrow, the model broadcast once and loaded
once per Python worker), `local[W]`. Ray: `ds.map_batches(veille.ray.Classifier,
batch_format="pyarrow")` on an actor pool of W. Each writes Parquet; the rows, sorted by id, must
equal the CLI's JSON Lines records. Prints the wall time of each (engine start-up apart).
Needs pyspark (Java 17) and ray[data] in the environment, and the veille package
(`pip install ./python`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq


def digest(record: dict) -> bytes:
    """A record's fingerprint: its canonical JSON, hashed (a million records as Python
    objects, twice, would not fit in memory)."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def cli_records(veille: str, model: str, data: str, work: Path) -> tuple[dict[str, bytes], float]:
    out = work / "cli.jsonl"
    t = time.perf_counter()
    with open(out, "wb") as f:
        subprocess.run(
            [veille, "--quiet", "classify", "--model", model, data, "--format", "jsonl"],
            check=True,
            stdout=f,
        )
    seconds = time.perf_counter() - t
    records = {}
    with open(out, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            records[r["id"]] = digest(r)
    out.unlink()
    return records, seconds


def rows_by_id(path: Path) -> dict[str, bytes]:
    rows = {}
    for batch in pq.ParquetDataset(path).read().to_batches(max_chunksize=4096):
        for r in batch.to_pylist():
            rows[r["id"]] = digest(r)
    return rows


def compare(name: str, got: dict[str, bytes], expected: dict[str, bytes]) -> int:
    if got.keys() != expected.keys():
        missing = len(expected.keys() - got.keys())
        extra = len(got.keys() - expected.keys())
        print(f"{name}: {missing} articles missing, {extra} unexpected", file=sys.stderr)
        return 1
    bad = [i for i, r in expected.items() if got[i] != r]
    if bad:
        print(f"{name}: {len(bad)} records differ from the CLI's, e.g. {bad[0]}", file=sys.stderr)
        return 1
    print(f"{name}: {len(got)} records, equal to the CLI's")
    return 0


def run_spark(model: str, data: str, out: Path, workers: int) -> float:
    from pyspark.sql import SparkSession

    from veille.spark import classify_dataframe

    # The workers run this interpreter (the one with veille installed).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master(f"local[{workers}]")
        .appName("veille")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "4096")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        t = time.perf_counter()
        df = spark.read.parquet(data)
        classify_dataframe(df, model).write.mode("overwrite").parquet(str(out))
        return time.perf_counter() - t
    finally:
        spark.stop()


def run_ray(model: str, data: str, out: Path, workers: int) -> float:
    import ray

    from veille.ray import Classifier

    # One CPU slot more than classify workers: the Parquet reads need one, or the actors,
    # holding every slot, wait for blocks that can never be read.
    ray.init(num_cpus=workers + 1, include_dashboard=False, log_to_driver=False)
    try:
        t = time.perf_counter()
        ds = ray.data.read_parquet(data)
        ds.map_batches(
            Classifier,
            fn_constructor_args=(model,),
            batch_format="pyarrow",
            batch_size=4096,
            num_cpus=1,
            compute=ray.data.ActorPoolStrategy(size=workers),
        ).write_parquet(str(out))
        return time.perf_counter() - t
    finally:
        ray.shutdown()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True, help="a Parquet file of articles (id, text, ...)")
    ap.add_argument("--veille", default="target/release/veille")
    ap.add_argument("--engines", default="spark,ray")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", help="write the timings here")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="veille-dist-"))
    expected, cli_s = cli_records(args.veille, args.model, args.data, work)
    mb = sum(
        len(t.encode())
        for b in pq.ParquetFile(args.data).iter_batches(columns=["text"])
        for t in b.column(0).to_pylist()
    ) / 1e6
    print(f"CLI: {len(expected)} articles, {mb:.1f} MB of text, {cli_s:.2f} s ({mb / cli_s:.1f} MB/s)")
    timings = {"articles": len(expected), "mb": mb, "cli_s": cli_s}
    failed = 0
    try:
        for engine in args.engines.split(","):
            out = work / engine
            run = {"spark": run_spark, "ray": run_ray}[engine]
            seconds = run(args.model, os.path.abspath(args.data), out, args.workers)
            print(f"{engine}: {seconds:.2f} s ({mb / seconds:.1f} MB/s), {args.workers} workers")
            timings[f"{engine}_s"] = seconds
            failed |= compare(engine, rows_by_id(out), expected)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(timings, indent=1) + "\n")
    return failed


if __name__ == "__main__":
    sys.exit(main())
