#!/usr/bin/env python3
"""Copy the tables of target/compare/report.md into BENCHMARKS.md.

BENCHMARKS.md keeps its own prose (targets, analysis); the block between the
`report:begin` and `report:end` markers is replaced by the per-corpus tables,
the throughput table and the notes of the latest report.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPORT = os.path.join(ROOT, "target", "compare", "report.md")
TARGET = os.path.join(ROOT, "BENCHMARKS.md")
BEGIN = "<!-- report:begin"
END = "<!-- report:end -->"


def main():
    with open(REPORT, encoding="utf-8") as fh:
        report = fh.read()
    header_end = report.index("\n## ")
    machine = report[:header_end].split("\n", 1)[1].strip()
    tables = report[header_end:].strip()
    with open(TARGET, encoding="utf-8") as fh:
        text = fh.read()
    try:
        start = text.index(BEGIN)
        start = text.index("\n", start) + 1
        end = text.index(END)
    except ValueError:
        sys.exit(f"{TARGET}: markers {BEGIN!r} ... {END!r} not found")
    block = f"Run facts:\n\n{machine}\n\n{tables}\n\n"
    text = text[:start] + block + text[end:]
    with open(TARGET, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"updated {TARGET} from {REPORT}")


if __name__ == "__main__":
    main()
