#!/bin/bash
# Regenerates figures/llm_rank/: runs the LLM-Rank notebook scripts/llm_rank.prune (cells already in
# figures/llm_rank/results.jsonl are not recomputed), which writes its figures, tables (.tex, .csv) and
# report.md there. Run after scripts/setup.sh and `swift build -c release`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prune="$root/.build/release/prune"
[ -x "$prune" ] || { echo "reproduce: build first: swift build -c release" >&2; exit 1; }
"$prune" run --allow-outside-writes "$root/scripts/llm_rank.prune"
