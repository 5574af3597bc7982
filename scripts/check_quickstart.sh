#!/bin/bash
# The README's main job end to end: run scripts/quickstart.prune, check it printed the dense and pruned
# perplexities, then run it again and check that the second run computed nothing and took under 2 s.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prune="$root/.build/release/prune"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp "$root/scripts/quickstart.prune" "$root/scripts/.quickstart-check.prune"
trap 'rm -rf "$out" "$root/scripts/.quickstart-check.prune" "$root/scripts/out/.quickstart-check"' EXIT
"$prune" run "$root/scripts/.quickstart-check.prune" --cache-dir "$out/cache" > "$out/first.txt"
cat "$out/first.txt"
grep -q "6 cells computed" "$out/first.txt"
grep -qE "dense .* ppl [0-9]+\.[0-9]+" "$out/first.txt"
grep -qE "wpr\(gamma: 0.5\) .* ppl [0-9]+\.[0-9]+" "$out/first.txt"
grep -qE "dense .* lambada_openai .* acc [0-9]+\.[0-9]+" "$out/first.txt"
start=$EPOCHREALTIME
"$prune" run "$root/scripts/.quickstart-check.prune" --cache-dir "$out/cache" > "$out/second.txt"
seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
grep -q "0 cells computed, 6 from the results store" "$out/second.txt"
echo "quickstart check: second run computed nothing in ${seconds} s"
awk -v s="$seconds" 'BEGIN { exit !(s < 2) }'
