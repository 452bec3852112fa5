#!/usr/bin/env python3
"""Article extraction: veille's extractor beside trafilatura (and, with
``--candidates``, the Rust extraction crates veille chose between).

Data: ``../shared/data/extraction`` (see its README):

* ``expected.jsonl`` + ``html/``: the 181 English pages of the Zyte
  article-extraction benchmark. Scored as that benchmark scores: tokens are
  ``\\w+`` (Unicode), each page's 4-token shingle counts give tp / fp / fn,
  normalised by their sum on that page; precision and recall are the means
  over pages (pages with no predicted shingle are left out of the precision
  mean, as upstream), F1 is their harmonic mean; "accuracy" is the share of
  pages whose token sequence is identical. A 95 % interval (1.96 × the
  bootstrap standard deviation, 1,000 resamples, seed 0) is given for F1.
* ``fr/expected.jsonl`` + ``fr/html/``: 26 French pages with ``with``
  segments (must be in the text) and ``without`` segments (must not). Both
  the text and the segment have their whitespace runs collapsed to one space
  before the substring test.

Speed: pages per second of extraction alone (time measured inside each tool
around the call, from the page's bytes to the text, summed over pages; no
process start-up, no file reading), one thread.

Usage::

    benches/watch/extraction.py [--data ../shared/data/extraction]
                                [--candidates] [--no-trafilatura]

Builds ``cargo build --release --example extract`` itself. trafilatura 2.0.0
comes from PyPI into a venv under ``target/extract-venv`` (made when
missing). ``--candidates`` writes a scratch crate under
``target/extract-candidates`` that runs rs-trafilatura, dom_smoothie and
three readability ports on the same pages. Writes
``target/extraction/results.json`` and prints a Markdown table.
"""

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "target"
VENV = TARGET / "extract-venv"
OUT = TARGET / "extraction"
TRAFILATURA = "trafilatura==2.0.0"
# lxml 6 moved its cleaner out; trafilatura 2.0.0 imports it.
EXTRA = ["lxml_html_clean"]

TOKEN = re.compile(r"\w+", re.UNICODE)


# --------------------------------------------------------------------------
# Scoring


def shingles(text, n=4):
    tokens = TOKEN.findall(text or "")
    grams = Counter()
    for i in range(max(1, len(tokens) - n + 1)):
        gram = tuple(tokens[i : i + n])
        if gram:
            grams[gram] += 1
    return grams


def page_counts(expected, predicted):
    """(tp, fp, fn) over 4-token shingles, normalised to sum to 1."""
    want, got = shingles(expected), shingles(predicted)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    if total:
        return tp / total, fp / total, fn / total
    return 0.0, 0.0, 0.0


def share(tp, fp, fn, wrong):
    """tp / (tp + wrong), where `wrong` is fp (precision) or fn (recall); 1 for a page
    with nothing wrong, 0 when nothing matched, as the benchmark's evaluate.py does."""
    if fp == 0 and fn == 0:
        return 1.0
    if tp == 0 and wrong == 0:
        return 0.0
    return tp / (tp + wrong)


def summary(counts):
    precisions = [share(tp, fp, fn, fp) for tp, fp, fn in counts if tp + fp > 0]
    recalls = [share(tp, fp, fn, fn) for tp, fp, fn in counts if tp + fn > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1}


def score_zyte(expected, predicted):
    counts = [page_counts(e["text"], predicted.get(e["id"], "")) for e in expected]
    result = summary(counts)
    rng = random.Random(0)
    f1s = []
    for _ in range(1000):
        sample = [counts[rng.randrange(len(counts))] for _ in counts]
        f1s.append(summary(sample)["f1"])
    result["f1_ci"] = 1.96 * statistics.stdev(f1s)
    result["accuracy"] = statistics.mean(
        TOKEN.findall(e["text"]) == TOKEN.findall(predicted.get(e["id"], "")) for e in expected
    )
    result["empty"] = sum(1 for e in expected if not predicted.get(e["id"], "").strip())
    return result


def squash(text):
    return " ".join((text or "").split())


def score_fr(expected, predicted):
    found = total_with = avoided = total_without = 0
    misses = []
    for e in expected:
        text = squash(predicted.get(e["id"], ""))
        for seg in e["with"]:
            total_with += 1
            if squash(seg) in text:
                found += 1
            else:
                misses.append((e["id"], "with", seg))
        for seg in e["without"]:
            total_without += 1
            if squash(seg) not in text:
                avoided += 1
            else:
                misses.append((e["id"], "without", seg))
    return {
        "with_found": found,
        "with_total": total_with,
        "without_avoided": avoided,
        "without_total": total_without,
        "misses": misses,
    }


# --------------------------------------------------------------------------
# Running the tools. Each returns {id: text} and the summed extraction seconds.


def pages(data):
    zyte = [json.loads(line) for line in (data / "expected.jsonl").open(encoding="utf-8")]
    fr = [json.loads(line) for line in (data / "fr" / "expected.jsonl").open(encoding="utf-8")]
    jobs = [(e["id"], data / "html" / f"{e['id']}.html", e["url"]) for e in zyte]
    jobs += [(e["id"], data / "fr" / "html" / f"{e['id']}.html", e["url"]) for e in fr]
    return zyte, fr, jobs


def run_lines(cmd, jobs, cwd=None):
    """Feed `path<TAB>url` lines on stdin, read one JSON line per page."""
    stdin = "".join(f"{path}\t{url}\n" for _, path, url in jobs)
    proc = subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, cwd=cwd, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    by_path = {}
    for line in proc.stdout.split("\n"):
        if not line.strip():
            continue
        rec = json.loads(line)
        by_path[rec["path"]] = rec
    texts, secs, errors = {}, 0.0, []
    for pid, path, _ in jobs:
        rec = by_path.get(str(path), {})
        texts[pid] = rec.get("text") or ""
        secs += rec.get("secs", 0.0)
        if rec.get("error"):
            errors.append((pid, rec["error"]))
    return texts, secs, errors


def run_veille(jobs):
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--example", "extract"], cwd=ROOT, check=True
    )
    return run_lines([str(TARGET / "release" / "examples" / "extract")], jobs)


TRAFILATURA_RUNNER = r"""
import json, sys, time
import trafilatura
for line in sys.stdin:
    path, url = line.rstrip("\n").split("\t")
    data = open(path, "rb").read()
    t = time.perf_counter()
    text = trafilatura.extract(data, url=url) or ""
    secs = time.perf_counter() - t
    print(json.dumps({"path": path, "text": text, "secs": secs}))
"""


def ensure_venv():
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run(
        [str(python), "-c", "import lxml_html_clean, trafilatura; print(trafilatura.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.stdout.strip() != TRAFILATURA.split("==")[1]:
        subprocess.run([str(python), "-m", "pip", "install", "-q", TRAFILATURA, *EXTRA], check=True)
    return python


def run_trafilatura(jobs):
    python = ensure_venv()
    return run_lines([str(python), "-c", TRAFILATURA_RUNNER], jobs)


CANDIDATES = [
    "rs-trafilatura",
    "rs-trafilatura-precision",
    "dom_smoothie",
    "readability",
    "llm_readability",
    "readable-readability",
]

CANDIDATE_TOML = """[package]
name = "extract-candidates"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
rs-trafilatura = "=0.2.2"
dom_smoothie = "=0.19.0"
readability = { version = "=0.3.0", default-features = false }
llm_readability = "=0.0.17"
readable-readability = "=0.4.0"
encoding_rs = "0.8"
serde_json = "1"
url = "2"
"""

CANDIDATE_MAIN = r"""//! Scratch harness written by benches/watch/extraction.py: one candidate
//! extraction crate over `path<TAB>url` lines on stdin, one JSON line a page.
use std::io::BufRead;
use std::time::Instant;

fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

fn run(candidate: &str, bytes: &[u8], url: &str) -> Result<String, String> {
    let u = url::Url::parse(url).map_err(|e| e.to_string())?;
    match candidate {
        "rs-trafilatura" | "rs-trafilatura-precision" => {
            let opts = rs_trafilatura::Options {
                url: Some(url.to_string()),
                favor_precision: candidate.ends_with("precision"),
                ..Default::default()
            };
            rs_trafilatura::extract_bytes_with_options(bytes, &opts)
                .map(|r| r.content_text)
                .map_err(|e| e.to_string())
        }
        "dom_smoothie" => {
            let cfg = dom_smoothie::Config {
                text_mode: dom_smoothie::TextMode::Formatted,
                ..Default::default()
            };
            let mut r = dom_smoothie::Readability::new(decode(bytes), Some(url), Some(cfg))
                .map_err(|e| e.to_string())?;
            r.parse().map(|a| a.text_content.to_string()).map_err(|e| e.to_string())
        }
        "readability" => readability::extractor::extract(&mut decode(bytes).as_bytes(), &u)
            .map(|p| p.text)
            .map_err(|e| e.to_string()),
        "llm_readability" => llm_readability::extractor::extract(&mut decode(bytes).as_bytes(), &u)
            .map(|p| p.text)
            .map_err(|e| e.to_string()),
        "readable-readability" => {
            let (node, _) = readable_readability::Readability::new().base_url(u).parse(&decode(bytes));
            Ok(node.text_contents())
        }
        other => Err(format!("unknown candidate {other}")),
    }
}

fn main() {
    let candidate = std::env::args().nth(1).expect("candidate name");
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let (path, url) = line.split_once('\t').unwrap_or((&line, ""));
        let bytes = std::fs::read(path).expect("read page");
        let t = Instant::now();
        let out = run(&candidate, &bytes, url);
        let secs = t.elapsed().as_secs_f64();
        let (text, error) = match out {
            Ok(t) => (t, None),
            Err(e) => (String::new(), Some(e)),
        };
        println!("{}", serde_json::json!({"path": path, "text": text, "error": error, "secs": secs}));
    }
}
"""


def run_candidates(jobs):
    crate = TARGET / "extract-candidates"
    (crate / "src").mkdir(parents=True, exist_ok=True)
    for name, body in (("Cargo.toml", CANDIDATE_TOML), ("src/main.rs", CANDIDATE_MAIN)):
        path = crate / name
        if not path.exists() or path.read_text() != body:
            path.write_text(body)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=crate, check=True)
    binary = crate / "target" / "release" / "extract-candidates"
    return {name: run_lines([str(binary), name], jobs) for name in CANDIDATES}


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "extraction")
    ap.add_argument("--candidates", action="store_true", help="also run the candidate crates")
    ap.add_argument("--no-trafilatura", action="store_true")
    ap.add_argument("--no-veille", action="store_true", help="skip veille (to compare the others)")
    args = ap.parse_args()

    zyte, fr, jobs = pages(args.data)
    runs = {}
    if not args.no_veille:
        runs["veille"] = run_veille(jobs)
    if not args.no_trafilatura:
        runs["trafilatura 2.0.0 (Python)"] = run_trafilatura(jobs)
    if args.candidates:
        runs.update(run_candidates(jobs))

    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    print("| extractor | F1 (± 95 %) | precision | recall | accuracy | empty | FR `with` found | FR `without` avoided | pages/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (texts, secs, errors) in runs.items():
        z = score_zyte(zyte, texts)
        f = score_fr(fr, texts)
        speed = len(jobs) / secs if secs else float("nan")
        results[name] = {"zyte": z, "fr": f, "seconds": secs, "pages_per_s": speed, "errors": errors}
        print(
            f"| {name} | {z['f1']:.3f} ± {z['f1_ci']:.3f} | {z['precision']:.3f} | {z['recall']:.3f} "
            f"| {z['accuracy']:.3f} | {z['empty']} | {f['with_found']}/{f['with_total']} "
            f"| {f['without_avoided']}/{f['without_total']} | {speed:.1f} |"
        )
        with (OUT / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.jsonl").open("w", encoding="utf-8") as out:
            for pid, _, _ in jobs:
                out.write(json.dumps({"id": pid, "text": texts[pid]}, ensure_ascii=False) + "\n")
    (OUT / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    for name, r in results.items():
        for miss in r["fr"]["misses"]:
            print(f"  {name}: {miss[0]} {miss[1]} {miss[2]!r}", file=sys.stderr)
        for err in r["errors"]:
            print(f"  {name}: error {err[0]}: {err[1]}", file=sys.stderr)


if __name__ == "__main__":
    main()
