#!/bin/bash
# Regenerates figures/: runs the LLM-Rank notebook scripts/llm_rank.prune, the reconstruction study
# scripts/study_reconstruction.prune and the structures study scripts/study_structures.prune (cells already
# in their results.jsonl are not recomputed), which write their figures, tables (.tex, .csv) and report.md
# under figures/llm_rank/, figures/reconstruction/ and figures/structures/. Run after scripts/setup.sh and `swift build -c release`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prune="$root/.build/release/prune"
[ -x "$prune" ] || { echo "reproduce: build first: swift build -c release" >&2; exit 1; }
"$prune" run --allow-outside-writes "$root/scripts/llm_rank.prune"
"$prune" run --allow-outside-writes "$root/scripts/study_reconstruction.prune"
"$prune" run --allow-outside-writes "$root/scripts/study_structures.prune"
