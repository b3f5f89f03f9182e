#!/usr/bin/env bash
# The reproduction study of analysis/REPRODUCTION.md, end to end: for each task (the digits MLP, the char-LM, the
# deeper post-norm LM) the learning rate is chosen once on layernorm (a short grid, by the lowest mean best
# validation loss), every variant is recorded with it over its seeds, and the sweep is analyzed (against layernorm,
# w/o Norm and DetachNorm) and drawn. Then the paper-style tables are written.
#
#   bash analysis/study/run-study.sh [OUT]        # OUT defaults to study-out; about 45 min on 2 cores
#
# NORMSCOPE and NORMSCOPE_PLOT name the executables (default: normscope and normscope-plot on PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-study-out}
normscope=${NORMSCOPE:-normscope}
plot=${NORMSCOPE_PLOT:-normscope-plot}
mkdir -p "$out"
started=$(date +%s)
say() { printf '[%5ds] %s\n' $(($(date +%s) - started)) "$*"; }

for task in digits-mlp char-lm deep-post-lm; do
    # The learning-rate grid: the task's own settings, layernorm only, one seed (two for the cheap MLP).
    python3 - "$here/$task.json" "$out/$task-lr.json" <<'PY'
import json, sys
sweep = json.load(open(sys.argv[1]))
sweep.update(presets=["layernorm"], seeds=2 if sweep["model"] == "mlp" else 1, grid={"lr": [0.0003, 0.001, 0.003]})
sweep.pop("lr", None)
json.dump(sweep, open(sys.argv[2], "w"), indent=1)
PY
    say "$task: choosing the learning rate on layernorm"
    "$normscope" record --config "$out/$task-lr.json" --out "$out/$task-lr.h5" --force --quiet
    "$normscope" analyze "$out/$task-lr.h5" --format json > "$out/$task-lr.analysis.json"
    lr=$(python3 - "$out/$task-lr.analysis.json" <<'PY'
import json, sys
groups = json.load(open(sys.argv[1]))["groups"]
best = min(groups, key=lambda g: g["best_valid_loss"].get("mean", float("inf")))
print(best["settings"]["lr"])
PY
)
    say "$task: lr $lr; recording every variant"
    "$normscope" record --config "$here/$task.json" --lr "$lr" --out "$out/$task.h5" --force --quiet
    for baseline in layernorm none detachnorm; do
        "$normscope" analyze "$out/$task.h5" --baseline "$baseline" --format json > "$out/$task.vs-$baseline.json"
    done
    "$normscope" analyze "$out/$task.h5" --baseline layernorm > "$out/$task.txt"
    "$plot" "$out/$task.h5" --analysis "$out/$task.vs-layernorm.json" --out "$out/figures/$task" --format png \
        > /dev/null
    say "$task: done"
done
python3 "$here/tables.py" "$out" > "$out/tables.md"
say "study done: $out/tables.md, $out/*.txt, $out/figures/"
