#!/usr/bin/env python3
"""Builds data/cloze.jsonl, a LAMBADA-style cloze set from the New Testament (data/eval.txt): every
verse of at least 15 words, its closing punctuation removed, becomes one record {"text": ...} in
lambada_openai's format; the task is to predict the verse's last word from the rest. Deterministic:
the same eval.txt gives the same bytes (scripts/setup.sh checks their SHA-256).

Run: python3 scripts/make_cloze.py data/eval.txt data/cloze.jsonl
"""
import json
import sys


def records(lines):
    for line in lines:
        verse = line.rstrip("\n").strip()
        # The word to predict stands alone: no closing punctuation after it.
        verse = verse.rstrip(".,;:?!'\")(")
        words = verse.split(" ")
        if len(words) >= 15 and all(words):
            yield {"text": verse}


def main(source, target):
    with open(source, encoding="utf-8") as f:
        out = [json.dumps(r, ensure_ascii=False) for r in records(f)]
    with open(target, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print(f"{target}: {len(out)} verses", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
