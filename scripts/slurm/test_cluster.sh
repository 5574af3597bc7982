#!/bin/bash
# Tests sweeps on a real scheduler: installs Debian's slurm-wlm and munge, starts a one-node cluster on
# localhost (no systemd), submits a tiny sweep as a 3-task array plus a dependent merge job, waits, and
# checks the merged results equal a local run of the same script. Needs root, the built
# .build/release/prune, and the default model and text (scripts/setup.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
prune="$root/.build/release/prune"
[ -x "$prune" ] || { echo "slurm test: build first (swift build -c release)" >&2; exit 1; }
say() { printf 'slurm test: %s\n' "$*" >&2; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null; }
fi

work=$(mktemp -d /tmp/prune-slurm.XXXX)
conf="$work/slurm.conf"
cleanup() {
  SLURM_CONF="$conf" scontrol shutdown >/dev/null 2>&1 || true
  sleep 1
  [ -f /run/munge/munged.pid ] && kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
}
trap cleanup EXIT

# munge: the key comes with the package; the run folder may be missing.
mkdir -p /run/munge && chown munge:munge /run/munge
[ -f /etc/munge/munge.key ] || { /usr/sbin/mungekey -c 2>/dev/null || /usr/sbin/create-munge-key -f; }
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
munge -n | unmunge >/dev/null

node=$(hostname -s)
memory=$(( $(awk '/MemAvailable/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
mkdir -p "$work/state" "$work/spool"
cat > "$conf" <<CONF
ClusterName=prunetest
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
MailProg=/bin/true
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$node CPUs=2 RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$conf"
slurmctld -f "$conf"
slurmd -f "$conf"
for _ in $(seq 1 60); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo -h -o %T | grep -q idle || { say "the node did not come up"; cat "$work/slurmctld.log" "$work/slurmd.log" >&2; exit 1; }

# A tiny sweep on the default model: 3 cells (dense, norm at 20 % and 40 %), one short window each.
mkdir -p "$work/sweep"
cat > "$work/sweep/tiny.prune" <<PRUNE
model    "$root/models/SmolLM2-135M-Instruct.Q4_1.gguf"
scorer   norm
amount   [0, 20%, 40%]
evaluate perplexity "$root/data/eval.txt" seqlen 128 windows 1
output   "cluster"
PRUNE
cp "$work/sweep/tiny.prune" "$work/sweep/local.prune"
sed -i 's/output   "cluster"/output   "local"/' "$work/sweep/local.prune"

cd "$work/sweep"
read -r array merge < <(PRUNE="$prune" "$root/scripts/slurm/submit.sh" tiny.prune 3 cluster --allow-outside-writes)
say "submitted array $array and merge $merge"
for _ in $(seq 1 300); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 1; done
[ -z "$(squeue -h)" ] || { say "jobs did not finish"; squeue >&2; exit 1; }
"$prune" run local.prune --allow-outside-writes >/dev/null
python3 - cluster/results.jsonl local/results.jsonl <<'PY'
import json, sys
def load(p):
    return {r["key"]: r["metrics"]["ppl"] for r in map(json.loads, open(p))}
a, b = load(sys.argv[1]), load(sys.argv[2])
assert len(a) == 3 and a == b, (a, b)
print(f"slurm test: merged results of 3 array tasks equal a local run ({len(a)} cells)")
PY
