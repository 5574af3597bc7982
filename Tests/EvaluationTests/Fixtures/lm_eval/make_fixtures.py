#!/usr/bin/env python3
"""Make the lm-eval parity fixtures: lm-evaluation-harness itself scores SmolLM2-135M-Instruct
(Q4_1 GGUF) on small hand-written task files, and everything it built and computed is written
out so the Swift reimplementation can be compared against it item by item.

Versions (the run that made the committed files; expected/run.json records them too):
    Python 3.11.7, lm_eval 0.4.13, torch 2.15.0 (CPU), transformers 5.24.0, tokenizers 0.23.3,
    datasets 5.2.0, gguf 0.19.0, accelerate 1.15.0 (transformers needs it to load a GGUF),
    numpy 2.4.6, sentencepiece 0.2.3.

The model is loaded the way the LLM-Rank reference harness loads it: from the GGUF file,
which transformers dequantizes to float32 (undoing llama.cpp's q/k row permutation):
    tokenizer = AutoTokenizer.from_pretrained(<repo>/models, gguf_file=GGUF)
    model = AutoModelForCausalLM.from_pretrained(<repo>/models, gguf_file=GGUF, dtype=torch.float32)
As a check it scores the first 2 windows of 512 tokens of data/eval.txt (no BOS, as the GGUF
says add_bos_token false): perplexity ~ 8.02.

The model object is handed to lm-eval's HF backend:
    lm   = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=1)                  # max_length 8192 (config)
    lm_w = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=1, max_length=128)  # wikitext only
batch_size 1 so that no request is padded next to another (padding changes float32 sums in the
last bits); max_length 128 for wikitext so that its rolling windows are exercised. Zero-shot,
no chat template, lm-eval's default bootstrap_iters (100000), torch threads = 1 (set
LMEVAL_FIXTURE_THREADS to change; the machine is shared).

The tasks are lm-eval's own (hellaswag, piqa, winogrande, arc_easy, arc_challenge, openbookqa,
lambada_openai, wikitext): for each, a YAML in a temporary include_path `include:`s the installed
task YAML and overrides only where the data comes from (dataset_path: json, dataset_name: null,
dataset_kwargs.data_files mapping every split the task names to tasks/<task>.jsonl), so
doc_to_text, doc_to_target, doc_to_choice, process_docs, target_delimiter, the evaluated split and
the metrics are lm-eval's. lm_eval.simple_evaluate(..., log_samples=True) runs each task; the
script also records, by wrapping HFLM._loglikelihood_tokens, the exact token ids lm-eval fed for
every request (and for every rolling window of wikitext) with its (log-likelihood, is_greedy).

Items come from fixture_items.py (written for this project, not copied from the data sets).

Outputs (all inside this folder):
    tasks/<task>.jsonl       the task files (datasets' Dataset.to_json, JSON Lines)
    expected/<task>.json     what lm-eval built and computed, item by item, and its metrics
    expected/run.json        versions, settings, the perplexity check and the timings

Rerun (from the repository root; models/ and data/ must hold the GGUF and eval.txt):
    python3 -m venv /work/venv-lmeval
    /work/venv-lmeval/bin/pip install lm_eval==0.4.13 torch transformers gguf datasets \\
        sentencepiece accelerate
    HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 /work/venv-lmeval/bin/python \\
        Tests/EvaluationTests/Fixtures/lm_eval/make_fixtures.py
It takes a few minutes on 2 cores. Nothing is written outside this folder: the datasets cache
and the include_path YAMLs live in a temporary directory that is removed at the end.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.dont_write_bytecode = True

FIXTURE_DIR = Path(__file__).resolve().parent
REPO_ROOT = FIXTURE_DIR.parents[3]  # Tests/EvaluationTests/Fixtures/lm_eval -> repo
MODEL_DIR = REPO_ROOT / "models"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
EVAL_TEXT = REPO_ROOT / "data" / "eval.txt"

BATCH_SIZE = 1
WIKITEXT_MAX_LENGTH = 128
BOOTSTRAP_ITERS = 100000  # lm-eval's default
TORCH_THREADS = int(os.environ.get("LMEVAL_FIXTURE_THREADS", "1"))

_TMP = Path(tempfile.mkdtemp(prefix="lmeval-fixtures-"))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HOME"] = str(_TMP / "hf")
os.environ["HF_DATASETS_CACHE"] = str(_TMP / "datasets")
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import datasets  # noqa: E402
import numpy as np  # noqa: E402
import regex  # noqa: E402  (installed with transformers; only for the grapheme-cluster check)
import torch  # noqa: E402
import yaml  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

import lm_eval  # noqa: E402
from lm_eval import utils as lm_utils  # noqa: E402
from lm_eval.models.huggingface import HFLM  # noqa: E402
from lm_eval.tasks import TaskManager  # noqa: E402
from lm_eval.tasks._yaml_loader import load_yaml  # noqa: E402

sys.path.insert(0, str(FIXTURE_DIR))
import fixture_items as items  # noqa: E402

LM_EVAL_TASKS = Path(lm_eval.__file__).parent / "tasks"

# (task name, the installed YAML it includes, its items)
TASKS = [
    ("hellaswag", "hellaswag/hellaswag.yaml", items.HELLASWAG),
    ("piqa", "piqa/piqa.yaml", items.PIQA),
    ("winogrande", "winogrande/default.yaml", items.WINOGRANDE),
    ("arc_easy", "arc/arc_easy.yaml", items.ARC_EASY),
    ("arc_challenge", "arc/arc_challenge.yaml", items.ARC_CHALLENGE),
    ("openbookqa", "openbookqa/openbookqa.yaml", items.OPENBOOKQA),
    ("lambada_openai", "lambada/lambada_openai.yaml", items.LAMBADA),
    ("wikitext", "wikitext/wikitext.yaml", items.WIKITEXT),
]


def versions() -> dict:
    out = {"python": platform.python_version()}
    for pkg in ["lm_eval", "torch", "transformers", "tokenizers", "datasets", "gguf",
                "accelerate", "numpy", "sentencepiece", "regex"]:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ------------------------------------------------------------------------------ task files


def write_task_files(task_dir: Path, yaml_dir: Path) -> dict:
    """tasks/<task>.jsonl and, in the temporary include_path, <task>.yaml. Returns the splits."""
    task_dir.mkdir(parents=True, exist_ok=True)
    yaml_dir.mkdir(parents=True, exist_ok=True)
    splits = {}
    for name, rel_yaml, task_items in TASKS:
        jsonl = task_dir / f"{name}.jsonl"
        datasets.Dataset.from_list(task_items).to_json(str(jsonl))
        original = LM_EVAL_TASKS / rel_yaml
        cfg = load_yaml(original, resolve_func=False, recursive=True)
        named = [cfg.get(k) for k in ("training_split", "validation_split", "test_split")]
        named = [s for s in named if s]
        evaluated = cfg.get("test_split") or cfg.get("validation_split")
        splits[name] = {"evaluated_split": evaluated, "splits_named_by_task": named,
                        "original_yaml": f"lm_eval/tasks/{rel_yaml}"}
        override = {
            "include": str(original),
            "task": name,
            "dataset_path": "json",
            "dataset_name": None,
            # every split the task names points at the same file: the evaluated one is read
            # for scoring, the others only because lm-eval builds a (here unused) few-shot pool.
            "dataset_kwargs": {"data_files": {s: str(jsonl) for s in named}},
        }
        (yaml_dir / f"{name}.yaml").write_text(yaml.safe_dump(override, sort_keys=False))
    return splits


# ------------------------------------------------------------------------------ model


def load_model():
    t0 = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(str(MODEL_DIR), gguf_file=GGUF_NAME)
    model = AutoModelForCausalLM.from_pretrained(str(MODEL_DIR), gguf_file=GGUF_NAME,
                                                 dtype=torch.float32)
    model.eval()
    return tokenizer, model, time.perf_counter() - t0


def perplexity_check(tokenizer, model, windows=2, seqlen=512) -> dict:
    ids = tokenizer(EVAL_TEXT.read_text(encoding="utf-8"), add_special_tokens=False)["input_ids"]
    nll, n = 0.0, 0
    with torch.no_grad():
        for w in range(windows):
            x = torch.tensor([ids[w * seqlen:(w + 1) * seqlen]])
            logp = torch.log_softmax(model(x).logits[0, :-1].float(), dim=-1)
            nll -= logp.gather(1, x[0, 1:, None]).sum().item()
            n += seqlen - 1
    return {"file": "data/eval.txt", "windows": windows, "seqlen": seqlen, "bos": False,
            "scored_tokens": n, "perplexity": math.exp(nll / n),
            "first_tokens": ids[:16]}


class Recorder:
    """Wraps HFLM._loglikelihood_tokens to keep what lm-eval fed and got back."""

    def __init__(self, lm):
        self.lm = lm
        self.inner = lm._loglikelihood_tokens
        self.records = []
        self.seconds = 0.0
        lm._loglikelihood_tokens = self

    def __call__(self, requests, **kwargs):
        t0 = time.perf_counter()
        res = self.inner(requests, **kwargs)
        self.seconds += time.perf_counter() - t0
        for (key, ctx, cont), r in zip(requests, res, strict=True):
            self.records.append((key, list(ctx), list(cont), (float(r[0]), bool(r[1]))))
        return res

    def reset(self):
        self.records, self.seconds = [], 0.0


def standalone_tokenizer():
    """Rebuild the tokenizer from the GGUF metadata with `tokenizers` alone, the recipe of
    Tests/TokenizersTests/Fixtures/make_tokenizer_fixture.py (BPE over tokenizer.ggml.tokens and
    .merges, ByteLevel pre-tokenizer with the GPT-2 split and no prefix space, control tokens as
    special tokens, no BOS), and compare it with the transformers GGUF tokenizer lm-eval used."""
    import gguf
    from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers

    reader = gguf.GGUFReader(str(MODEL_DIR / GGUF_NAME))
    toks = reader.fields["tokenizer.ggml.tokens"].contents()
    merges = reader.fields["tokenizer.ggml.merges"].contents()
    types = reader.fields["tokenizer.ggml.token_type"].contents()
    tok = Tokenizer(models.BPE({t: i for i, t in enumerate(toks)},
                               [tuple(m.split(" ", 1)) for m in merges]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.add_special_tokens([AddedToken(toks[i], special=True, normalized=False)
                            for i, t in enumerate(types) if t in (3, 4)])
    meta = {k: reader.fields[k].contents() for k in reader.fields
            if k.startswith("tokenizer.ggml.") and k not in
            ("tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type")}
    return tok, meta


def fed_len(ctx, cont, max_length):
    return len((ctx + cont)[-(max_length + 1):][:-1])


# ------------------------------------------------------------------------------ checks


def sample_stderr(xs):
    mu = sum(xs) / len(xs)
    return math.sqrt(sum((x - mu) ** 2 for x in xs) / (len(xs) - 1)) / math.sqrt(len(xs))


def bootstrap_perplexity_stderr(lls, iters):
    """lm-eval's bootstrap_stderr for the `perplexity` aggregation, redone by hand:
    chunks of 1000 resamples, chunk i drawn by random.Random(i).choices(lls, k=len(lls)),
    then the sample standard deviation (n - 1) of all `iters` replicates."""
    reps = []
    for i in range(iters // 1000):
        rnd = random.Random(i)
        for _ in range(1000):
            s = rnd.choices(lls, k=len(lls))
            reps.append(math.exp(-(sum(s) / len(s))))
    mu = sum(reps) / len(reps)
    return math.sqrt(sum((x - mu) ** 2 for x in reps) / (len(reps) - 1))


def strip_filter(results: dict) -> dict:
    out = {}
    for k, v in results.items():
        if "," in k:
            metric, filt = k.split(",", 1)
            assert filt == "none", k
            out[metric] = v
    return out


# ------------------------------------------------------------------------------ expected


def build_multiple_choice(name, samples, records, max_length, delimiter):
    fed = {}
    for key, ctx, cont, r in records:
        fed.setdefault(tuple(key), (ctx, cont, r))
    out_items, differ_ids, differ_graphemes = [], [], []
    for s in samples:
        reqs = []
        for (context, continuation), resp in zip(s["arguments"], s["filtered_resps"], strict=True):
            ctx, cont, r = fed[(context, continuation)]
            assert (float(resp[0]), bool(resp[1])) == r, (name, s["doc_id"])
            reqs.append({
                "context": context, "continuation": continuation,
                "loglikelihood": float(resp[0]), "is_greedy": bool(resp[1]),
                "context_tokens": ctx, "continuation_tokens": cont,
                "fed_tokens": fed_len(ctx, cont, max_length),
            })
        lls = np.array([q["loglikelihood"] for q in reqs])
        # winogrande is lm-eval's "multiple input" case: the choices are in the contexts, the
        # logged target is the shared continuation text and the gold index is doc_to_text(doc)
        gold = {"1": 0, "2": 1}[s["doc"]["answer"]] if name == "winogrande" else s["target"]
        item = {"doc_id": s["doc_id"], "doc": s["doc"], "gold": gold, "requests": reqs,
                "resps": s["resps"], "filtered_resps": s["filtered_resps"], "acc": s["acc"]}
        pred = int(np.argmax(lls))
        assert (1.0 if pred == gold else 0.0) == s["acc"], (name, s["doc_id"])
        check = {"pred": pred}
        if "acc_norm" in s:
            item["acc_norm"] = s["acc_norm"]
            # the choices are the continuations without the target delimiter
            choices = []
            for q in reqs:
                assert q["continuation"].startswith(delimiter)
                choices.append(q["continuation"][len(delimiter):])
            chars = np.array([float(len(c)) for c in choices])
            nbytes = np.array([float(len(c.encode("utf-8"))) for c in choices])
            p_chars = int(np.argmax(lls / chars))
            p_bytes = int(np.argmax(lls / nbytes))
            # what Swift's String.count (grapheme clusters) would give instead of Python's len()
            graphemes = np.array([float(len(regex.findall(r"\X", c))) for c in choices])
            p_graphemes = int(np.argmax(lls / graphemes))
            assert (1.0 if p_chars == gold else 0.0) == s["acc_norm"], (name, s["doc_id"])
            check.update({"choice_chars": [int(c) for c in chars],
                          "choice_utf8_bytes": [int(b) for b in nbytes],
                          "choice_grapheme_clusters": [int(g) for g in graphemes],
                          "pred_norm_by_chars": p_chars, "pred_norm_by_bytes": p_bytes,
                          "pred_norm_by_grapheme_clusters": p_graphemes})
            if p_chars != p_bytes:
                differ_ids.append(s["doc_id"])
            if p_chars != p_graphemes:
                differ_graphemes.append(s["doc_id"])
        item["script_check"] = check
        out_items.append(item)
    return out_items, (differ_ids, differ_graphemes)


def build_lambada(samples, records, max_length):
    fed = {tuple(key): (ctx, cont, r) for key, ctx, cont, r in records}
    out = []
    for s in samples:
        (context, continuation), = s["arguments"]
        resp = s["filtered_resps"][0]
        ctx, cont, r = fed[(context, continuation)]
        assert (float(resp[0]), bool(resp[1])) == r
        assert s["acc"] == int(r[1]) and s["perplexity"] == r[0]
        out.append({"doc_id": s["doc_id"], "doc": s["doc"], "context": context,
                    "continuation": continuation, "loglikelihood": r[0], "is_greedy": r[1],
                    "context_tokens": ctx, "continuation_tokens": cont,
                    "fed_tokens": fed_len(ctx, cont, max_length),
                    "resps": s["resps"], "filtered_resps": s["filtered_resps"],
                    "perplexity": s["perplexity"], "acc": s["acc"]})
    return out


def build_wikitext(samples, records, lm_w):
    by_tokens = {}
    for key, ctx, cont, r in records:
        assert key is None
        by_tokens[(tuple(ctx), tuple(cont))] = r
    out = []
    for s in samples:
        (string,), = s["arguments"]
        tokens = lm_w.tok_encode(string)
        windows = []
        for ctx, cont in map(lm_utils.make_disjoint_window,
                             lm_utils.get_rolling_token_windows(
                                 token_list=tokens, prefix_token=lm_w.prefix_token_id,
                                 max_seq_len=lm_w.max_length, context_len=1)):
            r = by_tokens[(tuple(ctx), tuple(cont))]
            windows.append({"context_tokens": ctx, "continuation_tokens": cont,
                            "fed_tokens": fed_len(ctx, cont, lm_w.max_length),
                            "loglikelihood": r[0], "is_greedy": r[1]})
        total = sum(w["loglikelihood"] for w in windows)
        ll = s["filtered_resps"][0]
        assert total == ll, (s["doc_id"], total, ll)
        page = s["doc"]["page"]
        words, nbytes = s["word_perplexity"][1], s["byte_perplexity"][1]
        out.append({"doc_id": s["doc_id"], "page": page, "detokenized": string,
                    "loglikelihood": ll, "words": words, "bytes": nbytes,
                    "page_utf8_bytes": len(page.encode("utf-8")),
                    "detokenized_utf8_bytes": len(string.encode("utf-8")),
                    "tokens": tokens, "windows": windows,
                    "resps": s["resps"], "filtered_resps": s["filtered_resps"],
                    "word_perplexity": s["word_perplexity"],
                    "byte_perplexity": s["byte_perplexity"],
                    "bits_per_byte": s["bits_per_byte"]})
    return out


def check_metrics(name, metrics, out_items):
    n = len(out_items)
    if name == "wikitext":
        ll = sum(i["loglikelihood"] for i in out_items)
        words = sum(i["words"] for i in out_items)
        nbytes = sum(i["bytes"] for i in out_items)
        assert math.isclose(metrics["word_perplexity"], math.exp(-ll / words), rel_tol=1e-12)
        assert math.isclose(metrics["byte_perplexity"], math.exp(-ll / nbytes), rel_tol=1e-12)
        assert math.isclose(metrics["bits_per_byte"], -ll / nbytes / math.log(2), rel_tol=1e-12)
        return {"sum_loglikelihood": ll, "sum_words": words, "sum_bytes": nbytes}
    accs = [i["acc"] for i in out_items]
    assert math.isclose(metrics["acc"], sum(accs) / n, rel_tol=1e-12)
    assert math.isclose(metrics["acc_stderr"], sample_stderr(accs), rel_tol=1e-12)
    if "acc_norm" in metrics:
        norms = [i["acc_norm"] for i in out_items]
        assert math.isclose(metrics["acc_norm"], sum(norms) / n, rel_tol=1e-12)
        assert math.isclose(metrics["acc_norm_stderr"], sample_stderr(norms), rel_tol=1e-12)
    if name == "lambada_openai":
        lls = [i["loglikelihood"] for i in out_items]
        assert math.isclose(metrics["perplexity"], math.exp(-sum(lls) / n), rel_tol=1e-12)
        redone = bootstrap_perplexity_stderr(lls, BOOTSTRAP_ITERS)
        assert math.isclose(metrics["perplexity_stderr"], redone, rel_tol=1e-9), \
            (metrics["perplexity_stderr"], redone)
        return {"perplexity_stderr_redone_by_script": redone}
    return {}


def dump(obj: dict, path: Path):
    """Pretty at the top, one line per item (the token lists stay readable)."""
    keys = list(obj)
    lines = ["{"]
    for i, k in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        v = obj[k]
        if k == "items":
            lines.append(f' "items": [')
            for j, it in enumerate(v):
                lines.append("  " + json.dumps(it, ensure_ascii=False)
                             + ("," if j < len(v) - 1 else ""))
            lines.append(" ]" + comma)
        else:
            lines.append(f" {json.dumps(k)}: "
                         + json.dumps(v, ensure_ascii=False, indent=1).replace("\n", "\n ")
                         + comma)
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def config_summary(cfg: dict) -> dict:
    keep = ["task", "output_type", "training_split", "validation_split", "test_split",
            "process_docs", "doc_to_text", "doc_to_target", "doc_to_choice",
            "target_delimiter", "fewshot_delimiter", "num_fewshot", "metric_list",
            "process_results", "metadata"]
    out = {}
    for k in keep:
        if k in cfg:
            v = cfg[k]
            if k == "metadata":
                v = {kk: vv for kk, vv in v.items() if kk != "config_source"}
            out[k] = v if isinstance(v, (str, int, float, bool, list, dict, type(None))) else str(v)
    return out


# ------------------------------------------------------------------------------ main


def main():
    torch.set_num_threads(TORCH_THREADS)
    torch.manual_seed(0)
    task_dir = FIXTURE_DIR / "tasks"
    expected_dir = FIXTURE_DIR / "expected"
    expected_dir.mkdir(parents=True, exist_ok=True)
    yaml_dir = _TMP / "include"
    splits = write_task_files(task_dir, yaml_dir)

    tokenizer, model, load_seconds = load_model()
    ppl = perplexity_check(tokenizer, model)
    print(f"perplexity check: {ppl['perplexity']:.4f} (expected ~8.02)", flush=True)
    assert abs(ppl["perplexity"] - 8.02) < 0.05, ppl

    lm = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=BATCH_SIZE)
    lm_w = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=BATCH_SIZE,
                max_length=WIKITEXT_MAX_LENGTH)
    recorders = {id(lm): Recorder(lm), id(lm_w): Recorder(lm_w)}
    tm = TaskManager(include_path=str(yaml_dir), include_defaults=False)

    settings = {
        "model": f"models/{GGUF_NAME}", "model_sha256": sha256(MODEL_DIR / GGUF_NAME),
        "load": "AutoModelForCausalLM.from_pretrained(models, gguf_file=..., dtype=torch.float32); "
                "AutoTokenizer.from_pretrained(models, gguf_file=...)",
        "batch_size": BATCH_SIZE, "max_length": lm.max_length,
        "wikitext_max_length": lm_w.max_length, "num_fewshot": 0,
        "bootstrap_iters": BOOTSTRAP_ITERS, "torch_threads": TORCH_THREADS,
        "add_bos_token": lm.add_bos_token, "prefix_token_id": lm.prefix_token_id,
        "prefix_token": tokenizer.convert_ids_to_tokens(lm.prefix_token_id),
        "eot_token_id": lm.eot_token_id, "logits_cache": lm.logits_cache,
        "tokenizer_adds_bos": tokenizer("a")["input_ids"] != tokenizer("a", add_special_tokens=False)["input_ids"],
    }
    run = {"versions": versions(), "settings": settings, "perplexity_check": ppl,
           "model_load_seconds": load_seconds, "timings": {}}

    for name, _, task_items in TASKS:
        the_lm = lm_w if name == "wikitext" else lm
        rec = recorders[id(the_lm)]
        rec.reset()
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        res = lm_eval.simple_evaluate(model=the_lm, tasks=[name], task_manager=tm,
                                      log_samples=True, bootstrap_iters=BOOTSTRAP_ITERS)
        wall = time.perf_counter() - t0
        samples = sorted(res["samples"][name], key=lambda s: s["doc_id"])
        assert [s["doc_id"] for s in samples] == list(range(len(task_items)))
        metrics = strip_filter(res["results"][name])
        cfg = res["configs"][name]
        delimiter = cfg.get("target_delimiter", " ")
        differ = None
        if name == "lambada_openai":
            out_items = build_lambada(samples, rec.records, the_lm.max_length)
        elif name == "wikitext":
            out_items = build_wikitext(samples, rec.records, the_lm)
        else:
            out_items, differ = build_multiple_choice(name, samples, rec.records,
                                                      the_lm.max_length, delimiter)
        extra = check_metrics(name, metrics, out_items)
        n_requests = len(rec.records)
        n_tokens = sum(fed_len(c, k, the_lm.max_length) for _, c, k, _ in rec.records)
        timing = {
            "items": len(samples), "requests": n_requests, "fed_tokens": n_tokens,
            "simple_evaluate_seconds": wall, "model_seconds": rec.seconds,
            "items_per_second": len(samples) / wall,
            "items_per_second_model_only": len(samples) / rec.seconds,
            "requests_per_second_model_only": n_requests / rec.seconds,
            "tokens_per_second_model_only": n_tokens / rec.seconds,
            "load_average_before": load_before, "load_average_after": os.getloadavg()[0],
        }
        run["timings"][name] = timing
        expected = {
            "task": name,
            "lm_eval_version": metadata.version("lm_eval"),
            "split": splits[name],
            "settings": {"batch_size": BATCH_SIZE, "max_length": the_lm.max_length,
                         "num_fewshot": 0, "bootstrap_iters": BOOTSTRAP_ITERS,
                         "prefix_token_id": the_lm.prefix_token_id,
                         "add_bos_token": the_lm.add_bos_token},
            "config": config_summary(cfg),
            "n": len(samples),
            "metrics": metrics,
            "metrics_check": extra,
        }
        if differ is not None:
            expected["items_where_norm_by_chars_and_by_bytes_disagree"] = differ[0]
            expected["items_where_norm_by_chars_and_by_grapheme_clusters_disagree"] = differ[1]
        expected["items"] = out_items
        dump(expected, expected_dir / f"{name}.json")
        print(f"{name}: {json.dumps(metrics)}  {timing['items_per_second']:.2f} items/s "
              f"({timing['items_per_second_model_only']:.2f} model only)"
              + (f"  chars/bytes, chars/graphemes disagree on {differ}" if differ is not None else ""), flush=True)

    # every context, context + continuation and wikitext string: does the standalone
    # `tokenizers` recipe give the ids lm-eval's (transformers GGUF) tokenizer gave?
    strings = set()
    for name, _, _ in TASKS:
        for it in json.loads((expected_dir / f"{name}.json").read_text())["items"]:
            for q in it.get("requests", []) + ([it] if "context" in it else []):
                strings.update([q["context"], q["context"] + q["continuation"]])
            if "detokenized" in it:
                strings.add(it["detokenized"])
    standalone, gguf_meta = standalone_tokenizer()
    differ = sorted(s for s in strings if standalone.encode(s).ids != the_lm.tok_encode(s))
    run["tokenizer_check"] = {"gguf_tokenizer_metadata": gguf_meta, "strings": len(strings),
                              "differ_from_standalone_tokenizers_recipe": differ}
    print(f"tokenizer check: {len(differ)} of {len(strings)} strings differ", flush=True)
    dump(run, expected_dir / "run.json")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(_TMP, ignore_errors=True)
