"""Writes the ModelIO test fixtures with gguf-py (the Python `gguf` package), an implementation
independent of the Swift code under test:

  quant_blocks.json   raw blocks of every storage type the tool reads, with the float32 values that
                      `gguf.quants.dequantize` gives for them;
  small.gguf          a tiny llama-architecture file written by `gguf.GGUFWriter`, holding metadata of
                      every GGUF value type and a few 2-D tensors of different types;
  small.json          what `gguf.GGUFReader` sees in small.gguf (metadata, tensors, dequantized values,
                      and a few byte offsets for the bad-input tests);
  smollm2_q4_1.json   a few hundred values of two tensors of models/SmolLM2-135M-Instruct.Q4_1.gguf as
                      gguf-py dequantizes them (skipped, and any old file kept, when the model is absent).

Float values are written as Python floats (doubles), which hold every float32 exactly.
Run: python3 Tests/ModelIOTests/Fixtures/make_fixtures.py   (needs `pip install gguf numpy`)
"""
import base64
import json
import os

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T, GGUFValueType as V
from gguf.quants import dequantize, quantize

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")

rng = np.random.default_rng(20240607)


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).view(np.uint8).tobytes()).decode("ascii")


def floats(a: np.ndarray) -> list:
    return [float(x) for x in np.asarray(a, dtype=np.float32).ravel()]


def moderate_halves(n: int, low: float, high: float) -> np.ndarray:
    """n finite float16 values drawn from [low, high), as their two bytes each."""
    return rng.uniform(low, high, size=n).astype(np.float16).view(np.uint8).reshape(n, 2)


def random_blocks(qtype: T, n: int, half_fields: list) -> np.ndarray:
    """n blocks of random bytes whose half-float fields (given as (byte offset, low, high)) hold
    finite moderate values, so every bit pattern of the quants is exercised on valid data."""
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(n, type_size), dtype=np.uint8)
    for offset, low, high in half_fields:
        blocks[:, offset:offset + 2] = moderate_halves(n, low, high)
    return blocks


def quantized_blocks(qtype: T, n: int) -> np.ndarray:
    """n blocks quantized by gguf-py from normal data with a different spread per block."""
    block_size, _ = gguf.GGML_QUANT_SIZES[qtype]
    spread = rng.uniform(0.01, 3.0, size=(n, 1)).astype(np.float32)
    shift = rng.uniform(-0.5, 0.5, size=(n, 1)).astype(np.float32)
    data = (rng.standard_normal((n, block_size)).astype(np.float32) * spread + shift).astype(np.float32)
    return quantize(data, qtype).view(np.uint8).reshape(n, -1)


def quant_cases() -> list:
    cases = []

    def add(qtype: T, raw: np.ndarray, how: str):
        raw = np.ascontiguousarray(raw).view(np.uint8).ravel()
        values = dequantize(raw, qtype)
        assert values.dtype == np.float32 and np.all(np.isfinite(values)), qtype.name
        cases.append({"type": qtype.name, "id": int(qtype), "how": how,
                      "bytes": b64(raw), "values": floats(values)})

    # Plain floats: quantize() is a cast; add zeros, subnormals and extremes of each format.
    plain = rng.standard_normal(96).astype(np.float32) * np.float32(4)
    special32 = np.array([0.0, -0.0, 1e-45, -3e-39, 3.4e38, -1.0, 65504.0, 1e-8], dtype=np.float32)
    add(T.F32, quantize(np.concatenate([plain, special32]), T.F32), "quantize + specials")
    special16 = np.array([0.0, -0.0, 6e-8, -6.1e-5, 65504.0, -65504.0, 1.0, 0.5], dtype=np.float32)
    add(T.F16, quantize(np.concatenate([plain, special16]), T.F16), "quantize + specials")
    special_bf = np.array([0.0, -0.0, 1e-40, -3e38, 1.0, 1e-30, 7.5, -2.0], dtype=np.float32)
    add(T.BF16, quantize(np.concatenate([plain, special_bf]), T.BF16), "quantize + specials")

    # Legacy blocks: gguf-py quantizes them; random bytes cover the remaining bit patterns.
    halves = {
        T.Q8_0: [(0, -0.05, 0.05)],
        T.Q4_0: [(0, -0.5, 0.5)],
        T.Q4_1: [(0, 0.0, 0.5), (2, -2.0, 2.0)],
        T.Q5_0: [(0, -0.5, 0.5)],
        T.Q5_1: [(0, 0.0, 0.5), (2, -2.0, 2.0)],
    }
    for qtype, fields in halves.items():
        add(qtype, np.concatenate([quantized_blocks(qtype, 6), random_blocks(qtype, 4, fields)]),
            "6 blocks from gguf.quants.quantize, 4 random blocks")

    # K-quants: gguf-py cannot quantize these, so random bytes with finite scale fields.
    add(T.Q4_K, random_blocks(T.Q4_K, 4, [(0, -0.05, 0.05), (2, -0.05, 0.05)]), "4 random blocks")
    add(T.Q5_K, random_blocks(T.Q5_K, 4, [(0, -0.05, 0.05), (2, -0.05, 0.05)]), "4 random blocks")
    add(T.Q6_K, random_blocks(T.Q6_K, 4, [(208, -0.01, 0.01)]), "4 random blocks")
    return cases


def write_small_gguf(path: str) -> dict:
    """Writes small.gguf and returns what was written (for the structure of nested arrays)."""
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("fixture")
    w.add_uint8("test.uint8", 250)
    w.add_int8("test.int8", -100)
    w.add_uint16("test.uint16", 65000)
    w.add_int16("test.int16", -32000)
    w.add_uint32("test.uint32", 4_000_000_000)
    w.add_int32("test.int32", -2_000_000_000)
    w.add_uint64("test.uint64", 18_000_000_000_000_000_000)
    w.add_int64("test.int64", -9_000_000_000_000_000_000)
    w.add_float32("test.float32", 0.1)
    w.add_float64("test.float64", -1234.5678e-9)
    w.add_bool("test.bool_true", True)
    w.add_bool("test.bool_false", False)
    w.add_string("test.string", "h\u00e9llo, \u4e16\u754c \U0001F600")
    w.add_array("test.array_int32", [1, -2, 3, 2_000_000_000])
    w.add_key_value("test.array_uint8", [0, 1, 255], V.ARRAY, sub_type=V.UINT8)
    w.add_key_value("test.array_int64", [-(2**63), 2**63 - 1], V.ARRAY, sub_type=V.INT64)
    w.add_array("test.array_float32", [0.5, -1.25, 3.0e-3])
    w.add_array("test.array_bool", [True, False, True])
    w.add_array("test.array_string", ["a", "", "\u00fcber", "three words here"])
    nested = [[1, 2], [3, 4, 5]]
    w.add_array("test.array_nested", nested)
    w.add_block_count(1)
    w.add_context_length(64)

    shape = (3, 64)  # numpy (rows, columns); ggml lists it as [64, 3]
    f32 = (rng.standard_normal(shape) * 0.5).astype(np.float32)
    w.add_tensor("t.f32", f32)
    w.add_tensor("t.f16", (rng.standard_normal((2, 32)) * 2).astype(np.float16))
    q8 = quantize((rng.standard_normal((4, 64))).astype(np.float32), T.Q8_0)
    w.add_tensor("t.q8_0", q8, raw_dtype=T.Q8_0)
    q41 = quantize((rng.standard_normal((2, 96)) * 0.1).astype(np.float32), T.Q4_1)
    w.add_tensor("t.q4_1", q41, raw_dtype=T.Q4_1)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return {"test.array_nested": nested}


def describe_small_gguf(path: str, written: dict) -> dict:
    r = gguf.GGUFReader(path)
    metadata = []
    for key, field in r.fields.items():
        if key.startswith("GGUF."):
            continue
        value = field.contents()
        entry = {"key": key, "types": [t.name for t in field.types], "value": value}
        if field.types[0] == V.FLOAT32:
            entry["value"] = float(np.float32(value))
        if key in written:
            entry["written"] = written[key]
        metadata.append(entry)

    tensors = []
    first_type_offset = None
    for t in r.tensors:
        name_len, _, n_dims, dims, raw_type, _ = t.field.parts
        type_offset = t.field.offset + 8 + int(name_len[0]) + 4 + 8 * int(n_dims[0])
        if first_type_offset is None:
            first_type_offset = type_offset
        tensors.append({
            "name": t.name, "type": t.tensor_type.name, "type_id": int(t.tensor_type),
            "shape": [int(d) for d in t.shape], "data_offset": int(t.data_offset),
            "n_bytes": int(t.n_bytes), "values": floats(dequantize(t.data, t.tensor_type)),
        })
    first_tensor_info = r.tensors[0].field.offset
    last = r.tensors[-1].field
    tensor_info_end = last.offset + sum(int(part.nbytes) for part in last.parts)
    first_metadata = next(f.offset for k, f in r.fields.items() if not k.startswith("GGUF."))
    return {
        "version": int(r.fields["GGUF.version"].parts[0][0]),
        "file_size": os.path.getsize(path),
        "metadata_offset": int(first_metadata),
        "tensor_info_offset": int(first_tensor_info),
        "first_tensor_type_offset": int(first_type_offset),
        "tensor_info_end": int(tensor_info_end),
        "data_offset": int(r.data_offset),
        "metadata": metadata,
        "tensors": tensors,
    }


def describe_model(path: str) -> dict:
    """Values of a few rows of two tensors, picked with the fixed generator."""
    r = gguf.GGUFReader(path)
    out = []
    for name in ["blk.0.ffn_up.weight", "token_embd.weight"]:
        t = next(t for t in r.tensors if t.name == name)
        n_rows, n_cols = int(t.shape[1]), int(t.shape[0])
        rows = sorted({0, n_rows - 1, *rng.integers(0, n_rows, size=2).tolist()})
        samples = []
        for row in rows:
            values = dequantize(np.asarray(t.data[row]), t.tensor_type)
            cols = sorted({*range(32), *rng.integers(0, n_cols, size=48).tolist()})
            samples.append({"row": row, "columns": cols, "values": floats(values[cols])})
        out.append({"name": name, "type": t.tensor_type.name, "shape": [n_cols, n_rows], "rows": samples})
    return {"model": os.path.basename(path), "tensors": out}


def dump(name: str, obj) -> None:
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def main() -> None:
    dump("quant_blocks.json", quant_cases())
    gguf_path = os.path.join(HERE, "small.gguf")
    written = write_small_gguf(gguf_path)
    dump("small.json", describe_small_gguf(gguf_path, written))
    if os.path.exists(MODEL):
        dump("smollm2_q4_1.json", describe_model(MODEL))
    else:
        print(f"{MODEL} not found; smollm2_q4_1.json left as it is")


if __name__ == "__main__":
    main()
