"""Writes Fixtures/quantize_rows.json: float32 rows and the bytes gguf-py's `gguf.quants.quantize`
(an implementation independent of the Swift code under test, bit-exact with ggml's reference
quantize_row_*_ref) makes of them for Q8_0, Q4_0, Q4_1, and numpy's float16 / gguf-py's BF16.

The rows mix ordinary weights with the cases where rounding decides the bytes: all-zero and constant
blocks, ties at .5 after scaling, a block whose largest magnitude is negative, repeated maxima, tiny
values whose scale is a float16 subnormal, and large values. Each row is stored as the hex of its
little-endian float32 bytes, so nothing is lost in JSON; each quantized row as the hex of its bytes.
Run: /work/main/.venv-lmeval/bin/python Tests/ModelIOTests/Fixtures/make_quantize_fixtures.py
"""
import json
import os

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf.quants import quantize

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261202)

COLUMNS = 64  # two blocks of 32 per row


def rows() -> np.ndarray:
    out = []
    for spread in (0.02, 0.5, 3.0):
        out.append(rng.standard_normal(COLUMNS) * spread + rng.uniform(-0.3, 0.3))
    out.append(np.zeros(COLUMNS))
    out.append(np.full(COLUMNS, 0.75))
    out.append(np.full(COLUMNS, -1.25))
    # Integers and halves scaled so that x / d lands on .5 ties.
    out.append(np.concatenate([np.arange(-16, 16) * 0.5, np.arange(-16, 16) * 127 / 64.0]))
    # The largest magnitude is negative (Q4_0 keeps its sign), and repeated.
    neg = rng.uniform(-1, 1, COLUMNS)
    neg[[3, 10, 40, 50]] = -2.0
    neg[[5, 45]] = 1.999
    out.append(neg)
    # Scales that are float16 subnormals, and large magnitudes.
    out.append(np.concatenate([rng.standard_normal(32) * 1e-6, rng.standard_normal(32) * 1e4]))
    out.append(np.concatenate([rng.uniform(0, 1, 32), -rng.uniform(0, 1, 32)]))
    for _ in range(6):
        out.append(rng.standard_normal(COLUMNS) * rng.uniform(0.01, 2.0))
    return np.array(out, dtype=np.float32)


def main() -> None:
    data = rows()
    cases = {
        "f16": data.astype(np.float16).view(np.uint8),
        "bf16": quantize(data, T.BF16),
        "q8_0": quantize(data, T.Q8_0),
        "q4_0": quantize(data, T.Q4_0),
        "q4_1": quantize(data, T.Q4_1),
    }
    fixture = {
        "columns": COLUMNS,
        "rows": [r.astype("<f4").tobytes().hex() for r in data],
        "bytes": {name: [bytes(np.asarray(r, dtype=np.uint8)).hex() for r in q] for name, q in cases.items()},
    }
    with open(os.path.join(HERE, "quantize_rows.json"), "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
