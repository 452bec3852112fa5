#!/usr/bin/env python3
"""Inputs of the issue-9 memory cases and soak runs, written to stdout (never into the project).

  gen.py stream CORPUS.jsonl N     N articles from CORPUS's texts, cycled, ids made unique
  gen.py random N [SEED]           N articles of random lowercase tokens (each token new)
  gen.py big N MB [CORPUS.jsonl]   N documents of MB megabytes each: CORPUS's texts glued
                                   together when given, else random tokens
  gen.py word MB                   one labelled pair of JSON Lines records whose text holds a
                                   single word of MB megabytes (for the token-length case)

Deterministic: the same arguments give the same bytes.
"""
import json
import random
import sys

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def texts_of(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


# Random bytes mapped to letters, about one byte in eight a space: words of ~7 letters.
TABLE = bytes((b" " if b < 32 else LETTERS[b % 26].encode()) [0] for b in range(256))


def random_words(rng, n):
    """About n random lowercase words (practically all distinct)."""
    return rng.randbytes(8 * n).translate(TABLE).decode("ascii")


def main(argv):
    out = sys.stdout
    cmd = argv[1]
    if cmd == "stream":
        texts = texts_of(argv[2])
        for i in range(int(argv[3])):
            out.write(json.dumps({"id": f"a{i}", "text": texts[i % len(texts)]}) + "\n")
    elif cmd == "random":
        rng = random.Random(int(argv[3]) if len(argv) > 3 else 1)
        for i in range(int(argv[2])):
            out.write(json.dumps({"id": f"r{i}", "text": random_words(rng, 60)}) + "\n")
    elif cmd == "big":
        n, size = int(argv[2]), int(float(argv[3]) * 1_000_000)
        texts = texts_of(argv[4]) if len(argv) > 4 else None
        rng = random.Random(7)
        labels = ["a", "b"]
        for d in range(n):
            parts, total, j = [], 0, d
            while total < size:
                t = texts[j % len(texts)] if texts else random_words(rng, 2000)
                j += 7
                parts.append(t)
                total += len(t) + 2
            out.write(json.dumps({"id": f"big{d}", "label": labels[d % 2], "text": "\n\n".join(parts)}) + "\n")
    elif cmd == "word":
        word = "a" * int(float(argv[2]) * 1_000_000)
        out.write(json.dumps({"id": "w0", "label": "a", "text": "export controls " + word}) + "\n")
        out.write(json.dumps({"id": "w1", "label": "b", "text": "cloud sovereignty " + word}) + "\n")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
