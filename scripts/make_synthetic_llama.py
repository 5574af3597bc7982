#!/usr/bin/env python3
"""Write a random-weight LLaMA as a BF16 GGUF file of a real model's shape, for speed and memory tests of
models too large to download here.

    python3 scripts/make_synthetic_llama.py open_llama_3b_v2 models/synthetic-3b.gguf
    python3 scripts/make_synthetic_llama.py llama2_7b models/synthetic-7b.gguf
    python3 scripts/make_synthetic_llama.py tiny /tmp/tiny.gguf          # the same layout, small

Matrices are BF16, norm vectors F32 (as llama.cpp's converter stores them), named as llama.cpp names them.
Weights are normal with standard deviation 1/sqrt(fan-in), drawn once per fan-in into a pool of 2^22
values and tiled from a random offset per tensor: cheap to write for 7 B parameters, and random enough
for timing and memory (the numbers mean nothing). The tokenizer is the smallest that loads: one
printable-ASCII symbol per token (then the symbol with its index appended), no merges, so any printable
text encodes one token per character. Tensors are generated and written one at a time, so memory stays
at about one tensor, whatever the model's size. Needs numpy and gguf (llama.cpp's gguf-py).
"""
import argparse
import sys

import numpy as np
import gguf

SHAPES = {
    # name: (blocks, hidden, ffn, heads, kv heads, vocab, context)
    "open_llama_3b_v2": (26, 3200, 8640, 32, 32, 32000, 2048),
    "llama2_7b": (32, 4096, 11008, 32, 32, 32000, 4096),
    "tiny": (2, 64, 160, 4, 2, 300, 256),
}
POOL = 1 << 22


def bf16_bits(x: np.ndarray) -> np.ndarray:
    """Float32 to bfloat16 bits, rounding to nearest even (NaN-free input)."""
    b = x.astype(np.float32).view(np.uint32)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("shape", choices=sorted(SHAPES))
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    blocks, hidden, ffn, heads, kv_heads, vocab, context = SHAPES[args.shape]
    head_dim = hidden // heads
    rng = np.random.default_rng(args.seed)
    pools: dict[int, np.ndarray] = {}

    def matrix(rows: int, columns: int) -> np.ndarray:
        if columns not in pools:
            pools[columns] = bf16_bits(rng.standard_normal(POOL, dtype=np.float32) / np.sqrt(columns))
        start = int(rng.integers(POOL))
        return np.resize(np.roll(pools[columns], -start), rows * columns).reshape(rows, columns)

    def norm(n: int) -> np.ndarray:
        return (1 + 0.1 * rng.standard_normal(n, dtype=np.float32)).astype(np.float32)

    # Each tensor's shape, dtype and maker, in file order; made only when written.
    plan = [("token_embd.weight", (vocab, hidden), lambda: matrix(vocab, hidden))]
    for b in range(blocks):
        p = f"blk.{b}."
        plan += [
            (p + "attn_norm.weight", (hidden,), lambda: norm(hidden)),
            (p + "attn_q.weight", (heads * head_dim, hidden), lambda: matrix(heads * head_dim, hidden)),
            (p + "attn_k.weight", (kv_heads * head_dim, hidden), lambda: matrix(kv_heads * head_dim, hidden)),
            (p + "attn_v.weight", (kv_heads * head_dim, hidden), lambda: matrix(kv_heads * head_dim, hidden)),
            (p + "attn_output.weight", (hidden, heads * head_dim), lambda: matrix(hidden, heads * head_dim)),
            (p + "ffn_norm.weight", (hidden,), lambda: norm(hidden)),
            (p + "ffn_gate.weight", (ffn, hidden), lambda: matrix(ffn, hidden)),
            (p + "ffn_up.weight", (ffn, hidden), lambda: matrix(ffn, hidden)),
            (p + "ffn_down.weight", (hidden, ffn), lambda: matrix(hidden, ffn)),
        ]
    plan += [("output_norm.weight", (hidden,), lambda: norm(hidden)),
             ("output.weight", (vocab, hidden), lambda: matrix(vocab, hidden))]

    w = gguf.GGUFWriter(args.out, "llama")
    w.add_name(f"synthetic-{args.shape}")
    w.add_block_count(blocks)
    w.add_context_length(context)
    w.add_embedding_length(hidden)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_BF16)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list([chr(33 + i % 94) + (str(i) if i >= 94 else "") for i in range(vocab)])
    w.add_token_types([1] * vocab)
    w.add_token_merges([])
    for name, shape, _ in plan:
        if len(shape) == 1:
            w.add_tensor_info(name, shape, np.dtype(np.float32), shape[0] * 4)
        else:
            w.add_tensor_info(name, shape, np.dtype(np.uint16), shape[0] * shape[1] * 2, raw_dtype=gguf.GGMLQuantizationType.BF16)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    total = 0
    for i, (name, shape, make) in enumerate(plan):
        t = make()
        total += t.size
        w.write_tensor_data(t)
        print(f"\r{i + 1}/{len(plan)} tensors, {total / 1e9:.2f} B parameters", end="", file=sys.stderr)
    w.close()
    print(f"\nwrote {args.out}: {args.shape}, {total} parameters", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
