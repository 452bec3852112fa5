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
* ``lemonde1`` the lemonde_2017.jsonl records with exactly one rubric, as a
  single ``label``; stratified 80/20 split, random_state=42, by groups: the
  articles scraped twice (same body, see the data README) stay on one side.
* ``reuters`` reuters21578_modapte.{train,test}.jsonl restricted to the 90
  topics with at least one train and one test document ("ApteMod 90"):
  other topics are dropped from each record's labels and documents left
  without a label are dropped.
* ``thn``     thehackernews.jsonl (single ``label``); stratified 80/20 split,
  random_state=42, by groups of identical texts: the sheet repeats 498
  articles with a different label each time, and all the rows of one text
  go to the same side (stratified on the text's set of labels).  Every row
  is kept, so a test text that carries two labels counts twice.
* ``spam``    spamassassin.jsonl as ham/spam (``label``: ``spam`` for the
  ``spam-*`` groups, ``ham`` for the ``*ham*`` ones; the source group is kept
  as ``group``); 80/20 split stratified by source group, random_state=42.

News headlines, added on 2026-12-03 (``uci`` is common.UNSEEN_CORPORA, never
used to choose a default), each a stratified 80/20 split, random_state=42:

* ``huffpost`` huffpost_2018_2022.jsonl, 29 HuffPost categories; the text
  is the headline, a line break and the short description (as AG News).
* ``reddit``  reddit_news_2021_2022.jsonl, headlines by the subreddit they
  were posted to (13 labels).
* ``uci``     uci_news_aggregator_2014_head.jsonl, headlines in 4 categories.
  Headlines of one story (the aggregator's cluster) fall on both sides, as
  they would for a user who labels a feed.

Variants of every corpus ``<c>`` (``reddit`` and ``uci``, whose texts are
one headline each, have no ``-short``):

* ``<c>-small`` the training split of ``<c>`` cut to at most SMALL_PER_LABEL
  (50) articles per label, test split unchanged.  The training ids are
  shuffled with ``random.Random("veille-small:<c>")``; single-label: the
  first 50 of each label in that order; multi-label: greedily, an article
  is taken when one of its labels still has fewer than 50 (so every label
  gets min(50, its count) articles, and a label can pass 50 through the
  articles it shares with others).  The kept ids stay in <c>'s order.
* ``<c>-short`` every article of ``<c>`` (train and test) reduced to its
  first sentence, by the rules of shorten.py; same ids and labels.
"""

import argparse
import collections
import json
import os
import random
import sys
import time

from sklearn.model_selection import train_test_split

from common import (CORPORA, KIND, ONLY_HELP, ROOT, SPLITS_DIR, base_of, parse_only,
                    sha256_file, variant_of)
from shorten import first_sentence

SEED = 42
TEST_SIZE = 0.2
SMALL_PER_LABEL = 50

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


def split_stratified(name, data, key="label"):
    """Stratified 80/20 split of a one-file corpus, on the record's `key`."""
    rows = read_jsonl(os.path.join(data, SOURCES[name][0]))
    ids = [str(r["id"]) for _, r in rows]
    labels = [r[key] for _, r in rows]
    train_ids, test_ids = train_test_split(
        ids, stratify=labels, random_state=SEED, test_size=TEST_SIZE)
    return list(train_ids), list(test_ids)


def split_grouped(records, group_of, label_of):
    """Stratified 80/20 split in which records with the same group_of(record)
    land on the same side.

    The groups are split (random_state=SEED), stratified on each group's set
    of labels; sets held by a single group are pooled, so that every stratum
    has two groups at least.  Returns (train ids, test ids), each group's
    records together, in the source order within a group.
    """
    groups = collections.OrderedDict()
    for rec in records:
        groups.setdefault(group_of(rec), []).append(rec)
    keys = list(groups)
    strata = ["+".join(sorted({label_of(r) for r in groups[k]}))
              for k in keys]
    counts = collections.Counter(strata)
    strata = [s if counts[s] > 1 else "(rare)" for s in strata]
    if strata.count("(rare)") == 1:  # a lone pooled group joins the largest
        largest = counts.most_common(1)[0][0]
        strata = [largest if s == "(rare)" else s for s in strata]
    train_keys, test_keys = train_test_split(
        keys, stratify=strata, random_state=SEED, test_size=TEST_SIZE)

    def expand(part):
        return [str(r["id"]) for k in part for r in groups[k]]

    return expand(train_keys), expand(test_keys)


def split_agnews(data):
    return split_stratified("agnews", data)


def split_lemonde(data):
    rows = read_jsonl(os.path.join(data, SOURCES["lemonde"][0]))
    ids = [str(r["id"]) for _, r in rows]
    train_ids, test_ids = train_test_split(
        ids, random_state=SEED, test_size=TEST_SIZE)
    return list(train_ids), list(test_ids)


def lemonde_body(text):
    """A Le Monde text without its title line and scraped comment count
    (the part two scrapes of one article share)."""
    title_end = text.find("\r\n\r\n\r\n")
    return text[title_end:].lstrip("\r\n0123456789").strip()


def split_lemonde1(data):
    rows = read_jsonl(os.path.join(data, SOURCES["lemonde1"][0]))
    single = [r for _, r in rows if len(r["labels"]) == 1]
    return split_grouped(single, lambda r: lemonde_body(r["text"]),
                         lambda r: r["labels"][0])


def split_thn(data):
    rows = read_jsonl(os.path.join(data, SOURCES["thn"][0]))
    return split_grouped([r for _, r in rows], lambda r: r["text"],
                         lambda r: r["label"])


def split_huffpost(data):
    return split_stratified("huffpost", data)


def split_reddit(data):
    return split_stratified("reddit", data)


def split_uci(data):
    return split_stratified("uci", data)


def split_spam(data):
    # Stratified on the source group (easy-ham-1, ..., spam-2), which
    # stratifies ham/spam too.
    return split_stratified("spam", data)


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

    None means the source line is copied byte for byte: only reuters (its
    labels restricted to the 90 topics), lemonde1 (its one rubric as
    `label`), spam (ham/spam), huffpost (headline and description as the
    text) and the -short variants are rewritten.
    """
    base = base_of(name)
    transform = None
    if base == "reuters":
        keep = set(reuters_topics(data)[0])

        def transform(record):
            out = dict(record)
            out["labels"] = [t for t in record["labels"] if t in keep]
            return out
    elif base == "lemonde1":
        def transform(record):
            out = {k: v for k, v in record.items() if k != "labels"}
            out["label"] = record["labels"][0]
            return out
    elif base == "spam":
        def transform(record):
            out = dict(record)
            out["label"] = ("spam" if record["label"].startswith("spam")
                            else "ham")
            out["group"] = record["label"]
            return out
    elif base == "huffpost":
        def transform(record):
            out = dict(record)
            out["text"] = record["title"] + "\n" + record["text"]
            return out
    if variant_of(name) != "short":
        return transform
    inner = transform

    def shorten(record):
        out = dict(inner(record) if inner else record)
        out["text"] = first_sentence(base, out["text"])
        return out

    return shorten


def small_train_ids(name, ids, records):
    """The -small training ids: at most SMALL_PER_LABEL per label (see the
    module docstring), in the order of `ids`."""
    order = list(ids)
    random.Random(f"veille-small:{base_of(name)}").shuffle(order)
    counts = collections.Counter()
    kept = set()
    for rid in order:
        rec = records[rid]
        labels = rec["labels"] if "labels" in rec else [rec["label"]]
        if any(counts[t] < SMALL_PER_LABEL for t in labels):
            kept.add(rid)
            counts.update(labels)
    return [rid for rid in ids if rid in kept]


# Source files per corpus: (train source, test source).
SOURCES = {
    "20ng": ("20news_bydate.train.jsonl", "20news_bydate.test.jsonl"),
    "agnews": ("ag_news.test.jsonl", "ag_news.test.jsonl"),
    "lemonde": ("lemonde_2017.jsonl", "lemonde_2017.jsonl"),
    "lemonde1": ("lemonde_2017.jsonl", "lemonde_2017.jsonl"),
    "reuters": ("reuters21578_modapte.train.jsonl",
                "reuters21578_modapte.test.jsonl"),
    "thn": ("thehackernews.jsonl", "thehackernews.jsonl"),
    "spam": ("spamassassin.jsonl", "spamassassin.jsonl"),
    "huffpost": ("huffpost_2018_2022.jsonl", "huffpost_2018_2022.jsonl"),
    "reddit": ("reddit_news_2021_2022.jsonl", "reddit_news_2021_2022.jsonl"),
    "uci": ("uci_news_aggregator_2014_head.jsonl",
            "uci_news_aggregator_2014_head.jsonl"),
}
SPLITTERS = {
    "20ng": split_20ng,
    "agnews": split_agnews,
    "lemonde": split_lemonde,
    "lemonde1": split_lemonde1,
    "reuters": split_reuters,
    "thn": split_thn,
    "spam": split_spam,
    "huffpost": split_huffpost,
    "reddit": split_reddit,
    "uci": split_uci,
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

    Returns the records as written.
    """
    missing = [i for i in ids if i not in source_index]
    if missing:
        sys.exit(f"{path}: {len(missing)} ids not in the source, "
                 f"e.g. {missing[:3]}")
    lines = []
    records = []
    for rid in ids:
        raw, rec = source_index[rid]
        if transform is not None:
            rec = transform(rec)
            raw = dump_record(rec)
        records.append(rec)
        lines.append(raw)
    write_lines(path, lines)
    return records


def labels_of(record):
    return record["labels"] if "labels" in record else [record["label"]]


def side_facts(records):
    """Manifest facts of one side: text bytes, labels, documents per label,
    and (single-label) the texts that carry more than one label, with the
    accuracy a classifier can reach at best because of them."""
    per_label = collections.Counter(t for r in records for t in labels_of(r))
    facts = {
        "docs": len(records),
        "text_bytes": sum(len(r["text"].encode("utf-8")) for r in records),
        "labels": len(per_label),
        "docs_per_label_min": min(per_label.values(), default=0),
        "docs_per_label_max": max(per_label.values(), default=0),
        "words_median": (sorted(len(r["text"].split()) for r in records)
                         [len(records) // 2] if records else 0),
    }
    if records and "label" in records[0]:
        by_text = collections.defaultdict(collections.Counter)
        for r in records:
            by_text[r["text"]][r["label"]] += 1
        facts["texts_with_several_labels"] = sum(
            len(c) > 1 for c in by_text.values())
        facts["max_accuracy"] = (sum(max(c.values())
                                     for c in by_text.values())
                                 / len(records))
    return facts


def ids_paths(out_dir, name):
    return {s: os.path.join(out_dir, f"{name}.{s}.ids")
            for s in ("train", "test")}


def make_corpus(name, data, out_dir, force):
    """Write the ids (base corpora) and JSON Lines files of one corpus or
    variant; a variant's ids are derived from its base's ids files, which
    must exist.  Returns its manifest entry."""
    base, variant = base_of(name), variant_of(name)
    ids_path = ids_paths(out_dir, name)
    jsonl_path = {s: os.path.join(out_dir, f"{name}.{s}.jsonl")
                  for s in ("train", "test")}
    src_path = {s: os.path.join(data, f)
                for s, f in zip(("train", "test"), SOURCES[base])}
    for path in set(src_path.values()):
        if not os.path.isfile(path):
            sys.exit(f"{name}: missing source file {path}")
    indexes = {p: index_by_id(read_jsonl(p), p) for p in set(src_path.values())}
    index = {s: indexes[src_path[s]] for s in ("train", "test")}

    if variant is None:
        reused = (not force and os.path.isfile(ids_path["train"])
                  and os.path.isfile(ids_path["test"]))
        if reused:
            ids = {s: read_ids(ids_path[s]) for s in ("train", "test")}
        else:
            train_ids, test_ids = SPLITTERS[name](data)
            ids = {"train": train_ids, "test": test_ids}
    else:
        # Derived from the base split every time (cheap, deterministic).
        reused = False
        ids = {s: read_ids(p) for s, p in ids_paths(out_dir, base).items()}
        if variant == "small":
            base_transform = make_transform(base, data)
            records = {}
            for rid in ids["train"]:
                rec = index["train"][rid][1]
                records[rid] = base_transform(rec) if base_transform else rec
            ids["train"] = small_train_ids(name, ids["train"], records)
    if not reused:
        for s in ("train", "test"):
            write_lines(ids_path[s], ids[s])
    transform = make_transform(name, data)

    overlap = set(ids["train"]) & set(ids["test"])
    if overlap and src_path["train"] == src_path["test"]:
        sys.exit(f"{name}: {len(overlap)} ids are in both train and test")

    info = {"corpus": name, "kind": KIND[name], "reused_ids": reused}
    texts = {}
    for s in ("train", "test"):
        records = materialise(ids[s], index[s], transform, jsonl_path[s])
        for key, value in side_facts(records).items():
            info[f"{s}_{key}"] = value
        texts[s] = {r["text"] for r in records}
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
    parser.add_argument("--only", default="all", help=ONLY_HELP)
    parser.add_argument("--force", action="store_true",
                        help="recompute the id lists even if they exist")
    args = parser.parse_args(argv)

    names = parse_only(args.only, parser)
    # A variant needs its base's ids: make the base first when they are
    # missing (or when it is recomputed anyway).
    for name in list(names):
        base = base_of(name)
        if base != name and base not in names and not all(
                os.path.isfile(p) for p in ids_paths(args.out, base).values()):
            names.append(base)
    # Each base before its variants.
    names.sort(key=CORPORA.index)
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
        several = info.get("test_texts_with_several_labels")
        print(f"{name:15s} train {info['train_docs']:6d} docs "
              f"({info['train_labels']} labels, "
              f"{info['train_docs_per_label_min']}-"
              f"{info['train_docs_per_label_max']} a label, median "
              f"{info['train_words_median']} words), test "
              f"{info['test_docs']:5d} docs ({info['test_labels']} labels), "
              f"identical texts on both sides: {info['texts_in_both']}"
              + (f", test texts with 2+ labels: {several} (max accuracy "
                 f"{info['test_max_accuracy']:.4f})" if several else "")
              + f"{' [reused ids]' if info['reused_ids'] else ''} "
              f"({time.perf_counter() - start:.1f}s)")
    with open(manifest_path, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()
