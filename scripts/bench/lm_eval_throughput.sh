#!/usr/bin/env bash
# Times lm-evaluation-harness against `prune eval --task` on the same task files (see the .py beside
# this). Installs lm-eval, torch and transformers into .venv-lmeval/ (git-ignored) on first use.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
venv=.venv-lmeval
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check lm_eval==0.4.13 torch transformers gguf accelerate datasets
fi
[ -x .build/release/prune ] || swift build -c release
HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 "$venv/bin/python" scripts/bench/lm_eval_throughput.py "$@"
