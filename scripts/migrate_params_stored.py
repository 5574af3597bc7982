"""Brings stored results up to the current meaning of `params_stored`: what a saved model file holds.

Records written before it counted the down_proj rows LLM-Rank's chain removes (residual-stream
channels) as gone, but every model file keeps down_proj at hidden × width and stores those rows as
zeros, so they are stored parameters (and still not non-zero ones). For each record with kept
down_proj rows this adds (hidden − kept rows) × the layer's FFN width per layer, in results.jsonl and
results.csv, changing nothing else in either file. Run it once per folder: the amount added is
computed from the record alone, so a second run would add it again. hidden comes from the model file
(llama.embedding_length, read by gguf-py). figures/llm_rank and figures/reconstruction were migrated
with it; a fresh `prune prune` of a data-free cell (norm, global and local, 30 %) gives the migrated
values exactly.

Run: python3 scripts/migrate_params_stored.py figures/llm_rank figures/reconstruction
then `prune report` on the scripts that own those folders to redraw figures and reports.
"""
import json
import os
import re
import sys

import gguf

def hidden_size(model: str) -> int:
    reader = gguf.GGUFReader(model)
    return int(reader.fields["llama.embedding_length"].parts[-1][0])


def added(record: dict, hidden: int) -> int:
    metrics = record["metrics"]
    widths = metrics["ffn_widths"]
    extra = 0
    for name, kept in metrics["kept_rows"].items():
        m = re.fullmatch(r"model\.layers\.(\d+)\.mlp\.down_proj", name)
        if m:
            # A module emptied of rows keeps one zero row in the shrunk model, which the old count included.
            extra += (hidden - max(kept, 1)) * widths[int(m.group(1))]
    return extra


def migrate(folder: str) -> None:
    jsonl = os.path.join(folder, "results.jsonl")
    lines = open(jsonl, encoding="utf-8").read().splitlines()
    script_folder = os.path.join(os.path.dirname(os.path.abspath(__file__)))
    hidden_by_model: dict = {}
    new_values: dict = {}
    out = []
    for line in lines:
        record = json.loads(line)
        model = os.path.normpath(os.path.join(script_folder, record["cell"]["model"]))
        if model not in hidden_by_model:
            hidden_by_model[model] = hidden_size(model)
        extra = added(record, hidden_by_model[model])
        old = record["metrics"]["params_stored"]
        if extra:
            pattern = f'"params_stored":{old}'
            assert line.count(pattern) == 1, f"{record['key']}: params_stored not found once"
            line = line.replace(pattern, f'"params_stored":{old + extra}')
        new_values[record["key"]] = (old, old + extra)
        out.append(line)
    csv_path = os.path.join(folder, "results.csv")
    csv_lines = open(csv_path, encoding="utf-8").read().splitlines()
    csv_out = [csv_lines[0]]
    assert csv_lines[0].endswith(",params_stored,tokens_per_second")
    for line in csv_lines[1:]:
        key = line.split(",", 1)[0]
        head, stored, tps = line.rsplit(",", 2)
        old, new = new_values[key]
        assert int(stored) == old, f"{key}: results.csv and results.jsonl disagree"
        csv_out.append(f"{head},{new},{tps}")
    with open(jsonl, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write("\n".join(csv_out) + "\n")
    changed = sum(1 for o, n in new_values.values() if o != n)
    print(f"{folder}: {changed} of {len(new_values)} records now count removed down_proj rows as stored zeros")


if __name__ == "__main__":
    for folder in sys.argv[1:]:
        migrate(folder)
