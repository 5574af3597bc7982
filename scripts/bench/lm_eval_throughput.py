#!/usr/bin/env python3
"""Times lm-evaluation-harness's own Hugging Face backend and `prune eval --task` on the same task
files, and checks they report the same metrics. Not part of CI (it needs torch); run it by hand:

    bash scripts/bench/lm_eval_throughput.sh            # makes .venv-lmeval/, then runs this

For each task file (default: the committed parity fixtures, plus the first 300 verses of
data/cloze.jsonl as lambada_openai) it runs lm-eval (SmolLM2 loaded by transformers from the GGUF in
float32, all cores for torch, the batch size given) and `prune eval --task ... --json`, and prints items
per second for both, their ratio, and the largest metric difference. The model load is timed apart and
left out of both rates.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests/EvaluationTests/Fixtures/lm_eval/tasks"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def local_task(include_dir: Path, task: str, data: Path) -> None:
    """A task YAML that is lm-eval's own, reading its records from `data`."""
    import lm_eval.tasks as tasks_pkg

    base = next(Path(tasks_pkg.__file__).parent.rglob(f"{task}.yaml"), None)
    if base is None:  # winogrande's lives in default.yaml
        base = Path(tasks_pkg.__file__).parent / task / "default.yaml"
    splits = "\n".join(f"    {s}: {data}" for s in ["train", "validation", "test"])
    (include_dir / f"bench_{task}.yaml").write_text(
        f"include: {base}\ntask: bench_{task}\ndataset_path: json\ndataset_name: null\n"
        f"dataset_kwargs:\n  data_files:\n{splits}\n")


def lm_eval_run(task: str, data: Path, batch: int, max_length: int | None):
    import torch
    from lm_eval import simple_evaluate
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(os.cpu_count())
    start = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(ROOT / "models", gguf_file=GGUF)
    model = AutoModelForCausalLM.from_pretrained(ROOT / "models", gguf_file=GGUF, dtype=torch.float32).eval()
    load = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as d:
        local_task(Path(d), task, data)
        kwargs = {"max_length": max_length} if max_length else {}
        lm = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=batch, **kwargs)
        start = time.perf_counter()
        out = simple_evaluate(model=lm, tasks=[f"bench_{task}"], task_manager=TaskManager(include_path=d), num_fewshot=0)
        seconds = time.perf_counter() - start
    metrics = {k.split(",")[0]: v for k, v in out["results"][f"bench_{task}"].items() if "," in k}
    return metrics, seconds, load


def prune_run(task: str, data: Path, max_length: int | None):
    args = [str(ROOT / ".build/release/prune"), "eval", "--task", task, "--data", str(data), "--json"]
    if max_length:
        args += ["--max-length", str(max_length)]
    out = json.loads(subprocess.run(args, check=True, capture_output=True, text=True, cwd=ROOT).stdout)
    return out, out["seconds"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=8, help="lm-eval's batch size")
    p.add_argument("--tasks", nargs="*", default=["hellaswag", "piqa", "winogrande", "arc_easy", "arc_challenge",
                                                    "openbookqa", "lambada_openai", "wikitext", "cloze"])
    a = p.parse_args()
    cloze = Path(tempfile.mkdtemp()) / "cloze.jsonl"
    cloze.write_text("".join((ROOT / "data/cloze.jsonl").read_text().splitlines(keepends=True)[:300]))
    rows = []
    for name in a.tasks:
        task, data = ("lambada_openai", cloze) if name == "cloze" else (name, FIXTURES / f"{name}.jsonl")
        max_length = 128 if name == "wikitext" else None
        items = sum(1 for line in data.read_text().splitlines() if line.strip())
        theirs, t_lm, load = lm_eval_run(task, data, a.batch, max_length)
        ours, t_prune = prune_run(task, data, max_length)
        diff = max((abs(ours[k] - v) for k, v in theirs.items() if isinstance(v, float) and k in ours), default=0.0)
        rows.append((name, items, items / t_lm, items / t_prune, t_lm / t_prune, diff))
        print(f"{name:15s} {items:5d} items   lm-eval {items / t_lm:7.2f} items/s   prune {items / t_prune:7.2f} items/s"
              f"   ratio {t_lm / t_prune:5.2f}x   max |Δ metric| {diff:.2e}   (lm-eval model load {load:.0f} s)", flush=True)
    total_lm = sum(r[1] / r[2] for r in rows)
    total_prune = sum(r[1] / r[3] for r in rows)
    print(f"all: lm-eval {total_lm:.1f} s, prune {total_prune:.1f} s, ratio {total_lm / total_prune:.2f}x (batch {a.batch})")


if __name__ == "__main__":
    main()
