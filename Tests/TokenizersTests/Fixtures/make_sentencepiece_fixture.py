#!/usr/bin/env python3
"""Makes Fixtures/sentencepiece/ with the Python `sentencepiece`, `tokenizers` and `gguf` packages (not
with prune): a tiny SentencePiece BPE model trained like LLaMA's (byte fallback, no whitespace
collapsing, digits split); the same tokenizer as a Hugging Face tokenizer.json in the two forms
transformers has written for LLaMA (legacy: normalizer Prepend + Replace; newer: Metaspace pre-tokenizer,
in metaspace/), with merges ranked by the merged piece's score as transformers' converter ranks them;
the GGUF metadata llama.cpp reads (tokenizer.ggml.model = llama); and cases.json, the ids each library
gives for tricky texts:

  "sp": sentencepiece, BOS first as LLaMA adds it: what tokenizer.model and the GGUF metadata must give
  "hf": tokenizers on tokenizer.json;  "hf_metaspace": on metaspace/tokenizer.json
        (tokenizers also matches the special tokens "<s>" and "</s>" inside text; sentencepiece does not)

Run: python3 make_sentencepiece_fixture.py   (needs sentencepiece, tokenizers, gguf)
"""
import io
import json
import os
import random

import gguf
import sentencepiece as spm
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sentencepiece")
os.makedirs(HERE, exist_ok=True)


def corpus():
    rng = random.Random(7)
    words = ("the of and to in is was that for on with as by at from prune model layer neuron weight row "
             "matrix rank page importance score sparsity perplexity token window calibration global local "
             "chained isolated structured pruning activation wanda norm random gradient tensor").split()
    lines = []
    for _ in range(3000):
        n = rng.randint(3, 14)
        line = " ".join(rng.choice(words) for _ in range(n))
        if rng.random() < 0.3:
            line = line.capitalize() + rng.choice([".", ",", "!", "?", ";"])
        if rng.random() < 0.2:
            line += " " + str(rng.randint(0, 99999))
        if rng.random() < 0.1:
            line = "    " + line  # indentation, so pieces of several spaces exist
        lines.append(line)
    return lines


def train():
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus()), model_writer=model, model_type="bpe", vocab_size=420,
        byte_fallback=True, split_digits=True, normalization_rule_name="identity",
        remove_extra_whitespaces=False, add_dummy_prefix=True, character_coverage=1.0,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, allow_whitespace_only_pieces=True)
    path = os.path.join(HERE, "tokenizer.model")
    with open(path, "wb") as f:
        f.write(model.getvalue())
    return path


def hf_tokenizer(sp, metaspace):
    """The sentencepiece model as a tokenizers BPE: the vocabulary, merges for every piece that splits
    into two pieces of the vocabulary (ranked by the merged piece's score, then by the halves' ids),
    byte fallback, and LLaMA's whitespace handling."""
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    merges = []
    for piece, i in vocab.items():
        if not (sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i)):
            splits = [(piece[:k], piece[k:]) for k in range(1, len(piece)) if piece[:k] in vocab and piece[k:] in vocab]
            merges += [(sp.get_score(i), vocab[a], vocab[b], a, b) for a, b in splits]
    merges.sort(key=lambda m: (-m[0], m[1], m[2]))
    bpe = models.BPE(vocab=vocab, merges=[(m[3], m[4]) for m in merges], unk_token="<unk>", fuse_unk=True, byte_fallback=True)
    tok = Tokenizer(bpe)
    tok.add_special_tokens(["<unk>", "<s>", "</s>"])
    if metaspace:
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
        tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
    else:
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
        tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)])
    return tok


TEXTS = [
    "the model and the layer",
    "Pruning removes whole rows.",
    "Hello world",
    " leading space",
    "trailing space ",
    "two  spaces   and    four",
    "    indented line",
    "line one\nline two\n",
    "tab\tseparated\tvalues",
    "numbers 1536 and 0.3 and 2024",
    "café naïve résumé",
    "日本語のテキスト",
    "emoji 🙂 and 🚀!",
    "",
    " ",
    "a",
    "<s> looks special but is text to sentencepiece",
    "end </s> of sentence",
    "unknown ☃ snowman",
    "supercalifragilisticexpialidocious",
    "THE MODEL IN CAPITALS",
    "mixed-case WordPiece vs. SentencePiece",
    "punctuation: (a), [b], {c}; d? e! f...",
    "quotes \"double\" and 'single'",
    "path/to/file.txt and C:\\windows",
    "x = y + z * 2 // 3",
    "ünïcødé everywhere: Ωμέγα, Привет, שלום, مرحبا",
    "repeated repeated repeated repeated",
    "importance importance-weighted importance_score",
    "  \n  \n",
]


def main():
    path = train()
    sp = spm.SentencePieceProcessor(model_file=path)

    legacy = hf_tokenizer(sp, metaspace=False)
    legacy.save(os.path.join(HERE, "tokenizer.json"))
    os.makedirs(os.path.join(HERE, "metaspace"), exist_ok=True)
    meta = hf_tokenizer(sp, metaspace=True)
    meta.save(os.path.join(HERE, "metaspace", "tokenizer.json"))
    for folder in [HERE, os.path.join(HERE, "metaspace")]:
        with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
            json.dump({"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>",
                       "unk_token": "<unk>", "tokenizer_class": "LlamaTokenizer"}, f, indent=2)

    # The GGUF metadata llama.cpp's converter writes for a SentencePiece model.
    w = gguf.GGUFWriter(os.path.join(HERE, "tokenizer.gguf"), "llama")
    tokens, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        tokens.append(sp.id_to_piece(i).encode("utf-8"))
        scores.append(sp.get_score(i))
        t = gguf.TokenType.NORMAL
        if sp.is_unknown(i):
            t = gguf.TokenType.UNKNOWN
        elif sp.is_control(i):
            t = gguf.TokenType.CONTROL
        elif sp.is_unused(i):
            t = gguf.TokenType.UNUSED
        elif sp.is_byte(i):
            t = gguf.TokenType.BYTE
        types.append(t)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(sp.bos_id())
    w.add_eos_token_id(sp.eos_id())
    w.add_unk_token_id(sp.unk_id())
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    cases = []
    agree = 0
    for text in TEXTS:
        sp_ids = [sp.bos_id()] + sp.encode(text)
        hf_ids = legacy.encode(text).ids
        agree += sp_ids == hf_ids
        cases.append({"text": text, "sp": sp_ids, "hf": hf_ids, "hf_metaspace": meta.encode(text).ids,
                      "decoded": sp.decode(sp_ids)})
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(cases, f, ensure_ascii=False, indent=0)
    print(f"{len(cases)} cases; sentencepiece and tokenizers agree on {agree}")


if __name__ == "__main__":
    main()
