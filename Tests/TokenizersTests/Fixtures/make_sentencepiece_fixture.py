#!/usr/bin/env python3
"""Makes Fixtures/sentencepiece/ with the Python `sentencepiece`, `tokenizers`, `transformers` and `gguf`
packages (not with prune): a tiny SentencePiece BPE model trained like LLaMA's (byte fallback, no whitespace
collapsing, digits split); the same tokenizer as a Hugging Face tokenizer.json in the two forms
transformers has written for LLaMA (legacy: normalizer Prepend + Replace; newer: Metaspace pre-tokenizer,
in metaspace/), with merges ranked by the merged piece's score as transformers' LlamaConverter ranks them;
the GGUF metadata llama.cpp reads (tokenizer.ggml.model = llama); and cases.json, what each library
gives for tricky texts:

  "sp": sentencepiece, BOS first as LLaMA adds it: what tokenizer.model and the GGUF metadata must give;
        "decoded": sentencepiece's decoding of those ids
  "hf": tokenizers on tokenizer.json;  "hf_metaspace": on metaspace/tokenizer.json;  "hf_decoded" and
        "hf_metaspace_decoded": tokenizers' decodings of them
        (tokenizers also matches "<unk>", "<s>" and "</s>" inside text; sentencepiece does not. The
        Metaspace form puts no "\u2581" before text that starts with a space; sentencepiece does.)

The tokenizer.json files are built here with `tokenizers` the way transformers' LlamaConverter builds
them, because the installed transformers (5.x) does not convert this model faithfully: its LlamaTokenizer
with legacy=True writes Metaspace(prepend_scheme "always"), which drops sentencepiece's "\u2581" before a
leading space. The script checks that the legacy file agrees with sentencepiece on every text without
special-token text in it, and that transformers' own legacy=False conversion encodes like metaspace/.

variants/: the same model with one normalizer setting changed through its protobuf (sentencepiece reads
the result), for what LLaMA's settings leave unexercised: remove_extra_whitespaces on (collapse.model),
add_dummy_prefix off (no_prefix.model), and no byte pieces with byte_fallback off, so unknown characters
become <unk> (no_byte_fallback.model); variants.json holds sentencepiece's ids and decodings for each,
and decodings of hand-picked id sequences (a leading byte or unknown piece, control pieces).

Run: python3 make_sentencepiece_fixture.py
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
    else:
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    # The decoder transformers writes for LLaMA in both forms.
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)])
    return tok


TEXTS = [
    "the model and the layer",
    "Pruning removes whole rows.",
    "Hello world",
    " leading space",
    "  two leading spaces",
    "trailing space ",
    "two  spaces   and    four",
    "    indented line",
    "line one\nline two\n",
    "windows\r\nline ends\r\n",
    "tab\tseparated\tvalues",
    "numbers 1536 and 0.3 and 2024",
    "12345678901234567890",
    "café naïve résumé",
    "e\u0301 combining accent",
    "\ufb01ne ligature",
    "日本語のテキスト",
    "한국어 텍스트",
    "emoji 🙂 and 🚀!",
    "family 👨\u200d👩\u200d👧",
    "",
    " ",
    "\n",
    "a",
    "<s> looks special but is text to sentencepiece",
    "end </s> of sentence",
    "<unk> is text too",
    "<s></s><s>",
    "<0x41> is not a byte",
    "a literal \u2581 lower one eighth block",
    "unknown ☃ snowman",
    "supercalifragilisticexpialidocious",
    "importance" * 40,
    "THE MODEL IN CAPITALS",
    "mixed-case WordPiece vs. SentencePiece",
    "punctuation: (a), [b], {c}; d? e! f...",
    "quotes \"double\" and 'single', don't",
    "path/to/file.txt and C:\\windows",
    "x = y + z * 2 // 3",
    "ünïcødé everywhere: Ωμέγα, Привет, שלום, مرحبا",
    "repeated repeated repeated repeated",
    "importance importance-weighted importance_score",
    "nul\u0000byte",
    "  \n  \n",
    # Long texts: a paragraph, and the same without its spaces (one long word, many competing merges).
    " ".join(corpus()[:40]),
    "".join(corpus()[:40]).replace(" ", ""),
]

SPECIAL_TEXT = ("<unk>", "<s>", "</s>")


def build_variants(path):
    """The model with one normalizer setting changed through its protobuf, as sentencepiece reads it."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    def edited(change):
        proto = pb.ModelProto()
        with open(path, "rb") as f:
            proto.ParseFromString(f.read())
        change(proto)
        return proto.SerializeToString()

    def no_bytes(proto):
        proto.trainer_spec.byte_fallback = False
        kept = [p for p in proto.pieces if p.type != pb.ModelProto.SentencePiece.BYTE]
        del proto.pieces[:]
        proto.pieces.extend(kept)

    return {
        "collapse.model": edited(lambda p: setattr(p.normalizer_spec, "remove_extra_whitespaces", True)),
        "no_prefix.model": edited(lambda p: setattr(p.normalizer_spec, "add_dummy_prefix", False)),
        "no_byte_fallback.model": edited(no_bytes),
    }


def decode_probes(sp):
    """Id sequences whose decoding shows where sentencepiece drops the dummy prefix's space."""
    ids = [sp.piece_to_id(p) for p in ["\u2581", "\u2581a", "at", "\u2581\u2581"]]
    w, wa, at, ww = ids
    assert sp.unk_id() not in ids, ids
    probes = [[wa, wa], [w, w, wa], [ww, wa], [at, wa], [sp.bos_id(), w, wa], [sp.bos_id(), sp.eos_id(), wa],
              [wa, sp.bos_id(), wa], [sp.unk_id(), wa], [sp.bos_id(), sp.unk_id(), sp.unk_id(), wa]]
    if sp.piece_to_id("<0x20>") != sp.unk_id():
        b = sp.piece_to_id("<0x20>")
        probes += [[b, wa], [sp.piece_to_id("<0xE2>"), sp.piece_to_id("<0x98>"), sp.piece_to_id("<0x83>"), wa]]
    return probes


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
    check_against_transformers(path, meta)

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
    for text in TEXTS:
        sp_ids = [sp.bos_id()] + sp.encode(text)
        hf_ids = legacy.encode(text).ids
        ms_ids = meta.encode(text).ids
        # Where the libraries and forms should agree, they must.
        if not any(s in text for s in SPECIAL_TEXT):
            assert sp_ids == hf_ids, (text, sp_ids, hf_ids)
            assert legacy.decode(hf_ids) == sp.decode(sp_ids), text
            if not text.startswith(" "):
                assert ms_ids == hf_ids, (text, ms_ids, hf_ids)
        cases.append({"text": text, "sp": sp_ids, "hf": hf_ids, "hf_metaspace": ms_ids, "decoded": sp.decode(sp_ids),
                      "hf_decoded": legacy.decode(hf_ids), "hf_metaspace_decoded": meta.decode(ms_ids)})
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(cases, f, ensure_ascii=False, indent=0)

    os.makedirs(os.path.join(HERE, "variants"), exist_ok=True)
    variants = []
    for name, proto in build_variants(path).items():
        with open(os.path.join(HERE, "variants", name), "wb") as f:
            f.write(proto)
        v = spm.SentencePieceProcessor(model_proto=proto)
        for text in TEXTS:
            ids = [v.bos_id()] + v.encode(text)
            variants.append({"model": name, "text": text, "ids": ids, "decoded": v.decode(ids)})
        for ids in decode_probes(v):
            variants.append({"model": name, "text": None, "ids": ids, "decoded": v.decode(ids)})
    for ids in decode_probes(sp):
        variants.append({"model": "../tokenizer.model", "text": None, "ids": ids, "decoded": sp.decode(ids)})
    with open(os.path.join(HERE, "variants", "variants.json"), "w") as f:
        json.dump(variants, f, ensure_ascii=False, indent=0)
    print(f"{len(cases)} cases, {len(variants)} variant cases; written to {HERE}")


def check_against_transformers(path, meta):
    """transformers' own conversion (LlamaTokenizer, legacy=False) must encode like metaspace/."""
    import shutil
    import tempfile

    from transformers import LlamaTokenizer

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(path, os.path.join(tmp, "tokenizer.model"))
        converted = LlamaTokenizer.from_pretrained(tmp, legacy=False).backend_tokenizer
    for text in TEXTS:
        ours = meta.encode(text, add_special_tokens=False).ids
        theirs = converted.encode(text, add_special_tokens=False).ids
        assert ours == theirs, (text, ours, theirs)


if __name__ == "__main__":
    main()
