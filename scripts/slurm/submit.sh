#!/bin/bash
# Submits a .prune sweep as a Slurm job array of N shards, then a merge job that runs after all of them
# succeed. Prints the two job ids.
#   scripts/slurm/submit.sh SCRIPT.prune N OUTPUT_FOLDER [prune run options]
set -euo pipefail
script=${1:?usage: submit.sh SCRIPT.prune N OUTPUT_FOLDER [options]}
n=${2:?number of shards}
out=${3:?the output folder of the script, where results.jsonl goes}
shift 3
here=$(cd "$(dirname "$0")" && pwd)
prune=${PRUNE:-prune}
array=$(sbatch --parsable --array=0-$((n - 1)) --export=ALL,PRUNE="$prune" "$here/sweep.sbatch" "$script" "$@")
merge=$(sbatch --parsable --dependency=afterok:"$array" --job-name=prune-merge --output=prune-merge-%j.log \
        --wrap "\"$prune\" merge \"$out\"")
echo "$array $merge"
