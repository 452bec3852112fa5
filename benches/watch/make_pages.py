#!/usr/bin/env python3
"""Pages for the ingest-speed benchmark (issue 11, "Ingest speed"): N local HTML pages made from
the real pages of ../shared/data/extraction/ (the 181 Zyte benchmark pages and the 26 French
ones), "repeated with changes". Standard library only. Run from the project root:

    python3 benches/watch/make_pages.py [--data ../shared/data] [--out target/ingest-bench/pages]
                                        [--pages 10000] [--seed 11]

The real pages are read, never copied into the project: the pages are written under target/.
Page k is made from source page k mod S (S = the source pages that give an article), copy
c = k div S:

- c = 0: the source page as it is, with a canonical link of its own (`?veille-copy=0`) put first
  in its <head>, so that no two pages share a URL.
- c % NEAR_EVERY == NEAR_AT ("near" copies): a light rewrite of copy 0: 3 % of the words of the
  page's text dropped and two paragraphs swapped. Its word-shingle Jaccard with copy 0 stays far
  above the 0.5 threshold: each is a near-duplicate BY CONSTRUCTION (the run's `copies` should be
  about their number, printed at the end and written to `expected.json`; `pages.tsv` beside it
  gives each page's source, copy and kind).
- every other c ("distinct" copies): paragraphs (runs of sibling <p> elements) shuffled, 40 % of the words of
  the page's text nodes replaced by words of the other pages, 5 % dropped; a distinct article
  (Jaccard with its source about 0.1, well under the threshold).

Every copy > 0 gets its own title (`<title>`, og:title, JSON-LD headline: " · copy c" added)
and canonical URL. Pages are written as bytes in their own encoding: a page that is not UTF-8
(some French ones are Latin-1) is edited in Latin-1 with ASCII replacement words only.
"""
import argparse
import hashlib
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEAR_EVERY = 10
NEAR_AT = 5

# Markup that holds no article words: script, style, comments, and tags themselves.
SKIP = re.compile(
    r"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]*>)",
    re.S | re.I,
)
WORD = re.compile(r"\w+")
PARA = re.compile(r"<p\b[^>]*>.*?</p\s*>", re.S | re.I)
HEAD = re.compile(r"<head\b[^>]*>", re.I)
TITLE = re.compile(r"(<title\b[^>]*>)(.*?)(</title\s*>)", re.S | re.I)
OG_TITLE = re.compile(
    r"""(<meta\b[^>]*\bproperty=["']og:title["'][^>]*\bcontent=["'])([^"']*)""", re.I
)
LD_HEADLINE = re.compile(r'("headline"\s*:\s*")')


def decode(raw):
    """The page as text and its encoding for writing back (UTF-8, else Latin-1: bijective)."""
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def text_words(html):
    """Words of the page's text nodes (outside tags, scripts, styles and comments)."""
    words = []
    for i, part in enumerate(SKIP.split(html)):
        if i % 2 == 0:
            words.extend(WORD.findall(part))
    return words


def edit_words(html, rng, replace, drop, pool):
    """Replace or drop words of the text nodes (markup left as it is)."""

    def one(m):
        r = rng.random()
        if r < drop:
            return ""
        if r < drop + replace:
            return rng.choice(pool)
        return m.group(0)

    parts = SKIP.split(html)
    for i in range(0, len(parts), 2):
        if parts[i].strip():
            parts[i] = WORD.sub(one, parts[i])
    return "".join(parts)


def move_paragraphs(html, rng, swap_only):
    """Shuffle the <p> elements within each run of sibling paragraphs (separated by white
    space only), or swap two of the longest run: paragraphs never leave their container, so
    the page keeps its article (shuffling across the page moved article paragraphs into the
    footer and left some pages with no article)."""
    runs, run = [], []
    for m in PARA.finditer(html):
        if run and html[run[-1][1] : m.start()].strip() == "":
            run.append(m.span())
        else:
            if len(run) > 1:
                runs.append(run)
            run = [m.span()]
    if len(run) > 1:
        runs.append(run)
    if not runs:
        return html
    if swap_only:
        runs = [max(runs, key=len)]
    moved = {}
    for run in runs:
        paras = [html[a:b] for a, b in run]
        if swap_only:
            i, j = rng.sample(range(len(paras)), 2)
            paras[i], paras[j] = paras[j], paras[i]
        else:
            rng.shuffle(paras)
        moved.update(zip(run, paras))
    out, last = [], 0
    for (a, b) in sorted(moved):
        out.append(html[last:a])
        out.append(moved[(a, b)])
        last = b
    out.append(html[last:])
    return "".join(out)


def retitle(html, copy):
    tag = f" · copy {copy}"
    html = TITLE.sub(lambda m: m.group(1) + m.group(2) + tag + m.group(3), html, count=1)
    html = OG_TITLE.sub(lambda m: m.group(1) + m.group(2) + tag, html, count=1)
    return LD_HEADLINE.sub(lambda m: m.group(1) + f"Copy {copy} · ", html)


def with_canonical(html, url, copy):
    sep = "&" if "?" in url else "?"
    link = f'<link rel="canonical" href="{url}{sep}veille-copy={copy}">'
    m = HEAD.search(html)
    if m:
        return html[: m.end()] + link + html[m.end() :]
    return link + html


def sources(data):
    """(id, url, bytes) of every benchmark page, in the expected files' order."""
    out = []
    for sub in ["extraction", "extraction/fr"]:
        base = data / sub
        for line in (base / "expected.jsonl").read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            path = base / "html" / f"{rec['id']}.html"
            out.append((rec["id"], rec.get("url") or f"https://bench.invalid/{rec['id']}",
                        path.read_bytes()))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "target" / "ingest-bench" / "pages")
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    pages = sources(args.data)
    decoded = [(i, u, *decode(r)) for i, u, r in pages]
    pool_all, pool_ascii = [], []
    for _, _, html, _ in decoded:
        for w in text_words(html):
            if len(w) >= 3 and not w.isdigit():
                pool_all.append(w)
                if w.isascii():
                    pool_ascii.append(w)
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.html"):
        old.unlink()
    n_src = len(decoded)
    near = distinct = 0
    total_bytes = 0
    manifest = []
    for k in range(args.pages):
        sid, url, html, enc = decoded[k % n_src]
        copy = k // n_src
        rng = random.Random(f"{args.seed}:{sid}:{copy}")
        pool = pool_all if enc == "utf-8" else pool_ascii
        kind = "original"
        if copy > 0:
            kind = "near" if copy % NEAR_EVERY == NEAR_AT else "distinct"
            if kind == "near":
                near += 1
                html = move_paragraphs(html, rng, swap_only=True)
                html = edit_words(html, rng, replace=0.0, drop=0.03, pool=pool)
            else:
                distinct += 1
                html = move_paragraphs(html, rng, swap_only=False)
                html = edit_words(html, rng, replace=0.40, drop=0.05, pool=pool)
            html = retitle(html, copy)
        html = with_canonical(html, url, copy)
        raw = html.encode(enc, errors="replace")
        total_bytes += len(raw)
        name = f"{k:05d}-{hashlib.sha256(sid.encode()).hexdigest()[:10]}.html"
        (args.out / name).write_bytes(raw)
        manifest.append(f"{name}\t{sid}\t{copy}\t{kind}\n")
    (args.out.parent / "pages.tsv").write_text("".join(manifest))
    expected = {
        "pages": args.pages,
        "source_pages": n_src,
        "originals": min(n_src, args.pages),
        "near_copies": near,
        "distinct_copies": distinct,
        "bytes": total_bytes,
    }
    (args.out.parent / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(json.dumps(expected), file=sys.stderr)


if __name__ == "__main__":
    main()
