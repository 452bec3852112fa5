"""Shared fixtures: the project's own corpora (data/themes, models/themes.veille) and the
`veille` binary, whose output the package must equal."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THEMES_MODEL = ROOT / "models" / "themes.veille"
TEST_ARTICLES = ROOT / "data" / "themes" / "test.articles.jsonl"


def veille_bin() -> str:
    """The command line to compare with: $VEILLE_BIN, else the release or debug build, else
    the PATH."""
    env = os.environ.get("VEILLE_BIN")
    if env:
        return env
    for profile in ("release", "debug"):
        p = ROOT / "target" / profile / "veille"
        if p.exists():
            return str(p)
    found = shutil.which("veille")
    if not found:
        pytest.skip("no veille binary: build it (cargo build) or set VEILLE_BIN")
    return found


def run_cli(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [veille_bin(), "--quiet", *map(str, args)], capture_output=True, input=input
    )


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def articles() -> list[dict]:
    return read_jsonl(TEST_ARTICLES)


@pytest.fixture(scope="session")
def single_label(tmp_path_factory) -> tuple[Path, list[str], list[str]]:
    """A single-label corpus made from the project's theme passages: each English or French
    passage with exactly one theme (371 passages, 10 themes). Returns its file, texts and
    labels."""
    rows = []
    for name in ("train.en.jsonl", "train.fr.jsonl"):
        for r in read_jsonl(ROOT / "data" / "themes" / name):
            if len(r.get("labels", [])) == 1:
                rows.append({"id": r["id"], "text": r["text"], "label": r["labels"][0]})
    path = tmp_path_factory.mktemp("corpus") / "single.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path, [r["text"] for r in rows], [r["label"] for r in rows]
