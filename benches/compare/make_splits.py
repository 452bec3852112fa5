#!/usr/bin/env python3
"""Make the train/test splits shared by veille and the scikit-learn baselines.

Each split is decided once, deterministically, and stored as id lists
(``<corpus>.train.ids`` / ``<corpus>.test.ids``, one id per line).  The JSON
Lines files both tools read (``<corpus>.{train,test}.jsonl``) are then
materialised from the id lists and the source files.  When the id lists
already exist they are reused as they are (``--force`` recomputes them), so
every later run reads exactly the same documents.

Corpora (source files in --data, see shared/data/README.md):

* ``20ng``    20news_bydate.{train,test}.jsonl as is (single label).
* ``agnews``  ag_news.test.jsonl, stratified 80/20 split, random_state=42.
* ``lemonde`` lemonde_2017.jsonl (multi-label), 80/20 split, random_state=42.
* ``reuters`` reuters21578_modapte.{train,test}.jsonl restricted to the 90
  topics with at least one train and one test document ("ApteMod 90"):
  other topics are dropped from each record's labels and documents left
  without a label are dropped.
"""

import argparse
import hashlib
import json
import os
import sys
import time

from sklearn.model_selection import train_test_split

from common import CORPORA, ROOT, SPLITS_DIR, parse_only

SEED = 42
TEST_SIZE = 0.2

# Characters the shared data files always write as JSON escapes, so that no
# record spans two lines for splitters that treat them as line breaks.
_LINE_BREAK_ESCAPES = {"\u2028": "\\u2028", "\u2029": "\\u2029",
                       "\u0085": "\\u0085"}


def read_jsonl(path):
    """Return a list of (raw_line, record) pairs, in file order."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            try:
                out.append((line, json.loads(line)))
            except json.JSONDecodeError as exc:
                sys.exit(f"{path}:{lineno}: invalid JSON: {exc}")
    return out


def dump_record(record):
    """Serialise a record like the shared data files do."""
    line = json.dumps(record, ensure_ascii=False)
    for char, escape in _LINE_BREAK_ESCAPES.items():
        line = line.replace(char, escape)
    return line


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def index_by_id(rows, path):
    """Map id -> (raw_line, record); ids must be unique within a file."""
    index = {}
    for raw, rec in rows:
        rid = str(rec["id"])
        if rid in index:
            sys.exit(f"{path}: duplicate id {rid!r}")
        index[rid] = (raw, rec)
    return index


# --------------------------------------------------------------------------
# Split definitions: each returns (train_ids, test_ids).
# --------------------------------------------------------------------------

def split_20ng(data):
    train = read_jsonl(os.path.join(data, SOURCES["20ng"][0]))
    test = read_jsonl(os.path.join(data, SOURCES["20ng"][1]))
    return [str(r["id"]) for _, r in train], [str(r["id"]) for _, r in test]


def split_agnews(data):
    rows = read_jsonl(os.path.join(data, SOURCES["agnews"][0]))
    ids = [str(r["id"]) for _, r in rows]
    labels = [r["label"] for _, r in rows]
    train_ids, test_ids = train_test_split(
        ids, stratify=labels, random_state=SEED, test_size=TEST_SIZE)
    return list(train_ids), list(test_ids)


def split_lemonde(data):
    rows = read_jsonl(os.path.join(data, SOURCES["lemonde"][0]))
    ids = [str(r["id"]) for _, r in rows]
    train_ids, test_ids = train_test_split(
        ids, random_state=SEED, test_size=TEST_SIZE)
    return list(train_ids), list(test_ids)


def reuters_topics(data):
    """The topics that have at least one train and one test document."""
    train = read_jsonl(os.path.join(data, SOURCES["reuters"][0]))
    test = read_jsonl(os.path.join(data, SOURCES["reuters"][1]))
    in_train = {t for _, r in train for t in r["labels"]}
    in_test = {t for _, r in test for t in r["labels"]}
    topics = sorted(in_train & in_test)
    if len(topics) != 90:
        sys.exit(f"reuters: expected 90 topics with train and test "
                 f"documents, got {len(topics)}")
    return topics, train, test


def split_reuters(data):
    topics, train, test = reuters_topics(data)
    keep = set(topics)

    def kept(rows):
        return [str(r["id"]) for _, r in rows
                if any(t in keep for t in r["labels"])]

    return kept(train), kept(test)


def make_transform(name, data):
    """How a source record is rewritten in the materialised file.

    None means the source line is copied byte for byte; only Reuters is
    rewritten (its labels restricted to the 90 topics).
    """
    if name != "reuters":
        return None
    keep = set(reuters_topics(data)[0])

    def transform(record):
        out = dict(record)
        out["labels"] = [t for t in record["labels"] if t in keep]
        return out

    return transform


# Source files per corpus: (train source, test source).
SOURCES = {
    "20ng": ("20news_bydate.train.jsonl", "20news_bydate.test.jsonl"),
    "agnews": ("ag_news.test.jsonl", "ag_news.test.jsonl"),
    "lemonde": ("lemonde_2017.jsonl", "lemonde_2017.jsonl"),
    "reuters": ("reuters21578_modapte.train.jsonl",
                "reuters21578_modapte.test.jsonl"),
}
SPLITTERS = {
    "20ng": split_20ng,
    "agnews": split_agnews,
    "lemonde": split_lemonde,
    "reuters": split_reuters,
}


def write_lines(path, lines):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write(line)
            fh.write("\n")
    os.replace(tmp, path)


def read_ids(path):
    with open(path, encoding="utf-8") as fh:
        return [line.rstrip("\n") for line in fh if line.strip()]


def materialise(ids, source_index, transform, path):
    """Write the records named by ids (in that order) to path.

    Returns (sum of UTF-8 bytes of the texts, set of labels, set of texts)
    of the records as written.
    """
    missing = [i for i in ids if i not in source_index]
    if missing:
        sys.exit(f"{path}: {len(missing)} ids not in the source, "
                 f"e.g. {missing[:3]}")
    lines = []
    text_bytes = 0
    labels = set()
    texts = set()
    for rid in ids:
        raw, rec = source_index[rid]
        if transform is not None:
            rec = transform(rec)
            raw = dump_record(rec)
        text_bytes += len(rec["text"].encode("utf-8"))
        labels.update(rec["labels"] if "labels" in rec else [rec["label"]])
        texts.add(rec["text"])
        lines.append(raw)
    write_lines(path, lines)
    return text_bytes, labels, texts


def make_corpus(name, data, out_dir, force):
    ids_path = {s: os.path.join(out_dir, f"{name}.{s}.ids")
                for s in ("train", "test")}
    jsonl_path = {s: os.path.join(out_dir, f"{name}.{s}.jsonl")
                  for s in ("train", "test")}
    src_path = {s: os.path.join(data, f)
                for s, f in zip(("train", "test"), SOURCES[name])}
    for path in set(src_path.values()):
        if not os.path.isfile(path):
            sys.exit(f"{name}: missing source file {path}")

    reused = (not force and os.path.isfile(ids_path["train"])
              and os.path.isfile(ids_path["test"]))
    if reused:
        ids = {s: read_ids(ids_path[s]) for s in ("train", "test")}
    else:
        train_ids, test_ids = SPLITTERS[name](data)
        ids = {"train": train_ids, "test": test_ids}
        for s in ("train", "test"):
            write_lines(ids_path[s], ids[s])
    transform = make_transform(name, data)

    overlap = set(ids["train"]) & set(ids["test"])
    if overlap and src_path["train"] == src_path["test"]:
        sys.exit(f"{name}: {len(overlap)} ids are in both train and test")

    info = {"corpus": name, "reused_ids": reused}
    texts = {}
    for s in ("train", "test"):
        index = index_by_id(read_jsonl(src_path[s]), src_path[s])
        info[f"{s}_docs"] = len(ids[s])
        text_bytes, labels, texts[s] = materialise(
            ids[s], index, transform, jsonl_path[s])
        info[f"{s}_text_bytes"] = text_bytes
        info[f"{s}_labels"] = len(labels)
        info[f"{s}_source"] = os.path.basename(src_path[s])
        info[f"{s}_source_sha256"] = sha256_file(src_path[s])
    # Identical texts on both sides (duplicates in the source).
    info["texts_in_both"] = len(texts["train"] & texts["test"])
    return info


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data",
                        default=os.path.join(ROOT, "..", "shared", "data"),
                        help="folder of the shared JSON Lines corpora")
    parser.add_argument("--out",
                        default=SPLITS_DIR,
                        help="output folder for ids and JSON Lines files")
    parser.add_argument("--only", default=",".join(CORPORA),
                        help="comma-separated corpora (default: all)")
    parser.add_argument("--force", action="store_true",
                        help="recompute the id lists even if they exist")
    args = parser.parse_args(argv)

    names = parse_only(args.only, parser)
    os.makedirs(args.out, exist_ok=True)

    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = {}
    if os.path.isfile(manifest_path):
        with open(manifest_path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    for name in names:
        start = time.perf_counter()
        info = make_corpus(name, args.data, args.out, args.force)
        manifest[name] = info
        print(f"{name:8s} train {info['train_docs']:6d} docs "
              f"({info['train_labels']} labels), test {info['test_docs']:5d} "
              f"docs ({info['test_labels']} labels), identical texts on both "
              f"sides: {info['texts_in_both']}"
              f"{' [reused ids]' if info['reused_ids'] else ''} "
              f"({time.perf_counter() - start:.1f}s)")
    with open(manifest_path, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()
