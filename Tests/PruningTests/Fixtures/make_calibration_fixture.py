"""Writes docs.jsonl and docs_windows.json: documents of printable ASCII (one character = one token,
id = ord(c) - 33) and the windows the reference calibration loader (SparseGPT's get_c4 loop, used by
LLM-Rank) draws from them with CPython's random module: seed 7, 5 samples of 16 tokens.

Run: python3 Tests/PruningTests/Fixtures/make_calibration_fixture.py
"""
import json
import os
import random

here = os.path.dirname(os.path.abspath(__file__))
gen = random.Random(2024)
docs = ["".join(chr(gen.randint(33, 126)) for _ in range(gen.choice([5, 10, 16, 17, 40, 90]))) for _ in range(12)]
with open(os.path.join(here, "docs.jsonl"), "w") as f:
    for d in docs:
        f.write(json.dumps({"text": d, "source": "fixture"}) + "\n")

seqlen, nsamples = 16, 5
random.seed(7)
windows = []
for _ in range(nsamples):
    while True:
        i = random.randint(0, len(docs) - 1)
        ids = [ord(c) - 33 for c in docs[i]]
        if len(ids) > seqlen:
            break
    i = random.randint(0, len(ids) - seqlen - 1)
    windows.append(ids[i:i + seqlen])
with open(os.path.join(here, "docs_windows.json"), "w") as f:
    json.dump({"seed": 7, "samples": nsamples, "seqlen": seqlen, "windows": windows}, f)
