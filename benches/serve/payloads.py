"""Request bodies for the load test, from a real corpus: single articles cut to about 2 KB at a
word boundary (one JSON object per line) and batches of 100 of them (one JSON array per line).
Usage: payloads.py CORPUS.jsonl OUT_DIR [BYTES]"""
import json
import sys

corpus, out = sys.argv[1], sys.argv[2]
size = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
singles = []
with open(corpus, encoding="utf-8") as f:
    for line in f:
        text = json.loads(line).get("text", "")
        raw = text.encode("utf-8")
        if len(raw) < size:
            continue
        cut = raw[:size].decode("utf-8", "ignore")
        cut = cut[: cut.rfind(" ")]
        singles.append({"id": str(len(singles)), "text": cut})
        if len(singles) >= 1000:
            break
if len(singles) < 100:
    sys.exit(f"{corpus}: fewer than 100 articles of {size} bytes")
with open(f"{out}/single.lines", "w", encoding="utf-8") as f:
    for d in singles:
        f.write(json.dumps(d, ensure_ascii=False) + "\n")
with open(f"{out}/batch.lines", "w", encoding="utf-8") as f:
    for i in range(0, len(singles) - 99, 100):
        f.write(json.dumps(singles[i : i + 100], ensure_ascii=False) + "\n")
mean = sum(len(d["text"].encode()) for d in singles) / len(singles)
print(json.dumps({"articles": len(singles), "mean_text_bytes": round(mean, 1)}))
