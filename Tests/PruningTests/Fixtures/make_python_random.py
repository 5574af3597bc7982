"""Writes python_random.json: what CPython's `random` module returns for a few seeds, so the Swift
port of its Mersenne Twister sampler can be checked against the real thing.

Run: python3 Tests/PruningTests/Fixtures/make_python_random.py
"""
import json
import os
import random

cases = []
for seed in [42, 0, 1, 123456789, 2**40 + 7]:
    random.seed(seed)
    bits32 = [random.getrandbits(32) for _ in range(5)]
    bits_small = [random.getrandbits(k) for k in (1, 3, 7, 20, 31)]
    bits_wide = [random.getrandbits(k) for k in (33, 64)]
    ints = [random.randint(0, 791106 - 512 - 1) for _ in range(5)]
    ones = [random.randint(0, 0) for _ in range(5)]
    mixed = [random.randint(3, 10) for _ in range(5)]
    floats = [random.random() for _ in range(5)]
    cases.append({
        "seed": seed, "getrandbits32": bits32, "getrandbits_small": bits_small,
        "getrandbits_wide": [str(b) for b in bits_wide], "randint_big": ints, "randint_zero": ones,
        "randint_3_10": mixed, "random": floats,
    })

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "python_random.json"), "w") as f:
    json.dump(cases, f, indent=1)
