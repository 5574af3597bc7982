#!/bin/bash
# Regenerates figures/: runs every study script (cells already in figures/*/results.jsonl are not
# recomputed), which writes each study's gnuplot files, rendered figures and report.md under figures/.
# Run after scripts/setup.sh and `swift build -c release`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prune="$root/.build/release/prune"
[ -x "$prune" ] || { echo "reproduce: build first: swift build -c release" >&2; exit 1; }
for study in scorers_local scorers_global wpr_parameters modules shrinking reconstruction; do
  echo "== $study" >&2
  "$prune" run --allow-outside-writes "$root/scripts/study_$study.prune"
done
