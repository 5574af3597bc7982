#!/usr/bin/env python3
"""Makes the Hugging Face fixtures of LlamaTests with the Python `transformers` package (not with prune):

  tiny-llama/       a random LlamaForCausalLM (3 layers, GQA 4/2 heads, untied head), float32,
                    saved by save_pretrained as 3 safetensors shards with model.safetensors.index.json
  tiny-llama-bf16/  another one stored as bfloat16 in one file, with tied embeddings
  both with a small byte-level BPE tokenizer trained here with `tokenizers` (tokenizer.json + config)
  logits.json       for each model and text: the token ids transformers' tokenizer gives and the logits (to 6 decimals)
                    transformers computes in float32 (the bf16 model's weights widened to float32)

Run from anywhere: python3 make_fixture.py   (needs torch, transformers, tokenizers, safetensors)
"""
import json
import os
import shutil

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "Pruning removes whole rows: 30% of 1536 is 461 (half to even).",
    "  leading spaces, tabs\tand\nnew lines; ünïcødé and 数字 too!",
]
TRAINING = [
    "A tiny corpus for a tiny tokenizer: the quick brown fox jumps over the lazy dog.",
    "Language models predict the next token; perplexity is the exponent of the mean negative log-likelihood.",
    "Structured pruning removes whole rows of weight matrices, so the pruned model is smaller and faster.",
    "Weighted PageRank scores the neurons of a multilayer perceptron by the flow of importance through it.",
    "Numbers like 0.3, 1536, 461 and 2024 appear in papers, and so do tables, figures and footnotes.",
] * 20


def make_tokenizer(folder):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=320, special_tokens=["<|endoftext|>", "<|im_start|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(TRAINING, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>")
    fast.save_pretrained(folder)
    return fast


def make_model(folder, seed, tied, dtype, shard):
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    tokenizer = make_tokenizer(folder)
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=96, num_hidden_layers=3,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=128,
                         rope_theta=10000.0, rms_norm_eps=1e-5, tie_word_embeddings=tied, initializer_range=0.15,
                         bos_token_id=0, eos_token_id=0)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):  # non-trivial norms, so their use is tested too
                p.copy_(1 + 0.2 * torch.randn_like(p))
    model = model.to(dtype)
    model.save_pretrained(folder, safe_serialization=True, max_shard_size=shard)
    # Logits in float32 from the folder as transformers loads it (bf16 weights widen exactly; the rotary
    # frequencies are made afresh in float32, not left rounded by the .to(bfloat16) above).
    model = LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    cases = []
    for text in TEXTS:
        ids = tokenizer(text)["input_ids"]
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0]
        cases.append({"text": text, "ids": ids, "logits": [[round(float(v), 6) for v in row] for row in logits.tolist()]})
    return cases


if __name__ == "__main__":
    out = {
        "tiny-llama": make_model(os.path.join(HERE, "tiny-llama"), 1, tied=False, dtype=torch.float32, shard="200KB"),
        "tiny-llama-bf16": make_model(os.path.join(HERE, "tiny-llama-bf16"), 2, tied=True, dtype=torch.bfloat16, shard="10GB"),
    }
    with open(os.path.join(HERE, "logits.json"), "w") as f:
        json.dump(out, f)
    import transformers
    print("made with transformers", transformers.__version__, "torch", torch.__version__)
