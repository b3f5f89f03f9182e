#!/usr/bin/env bash
# The reproduction study of analysis/REPRODUCTION.md, end to end: for each task (the digits MLP, the char-LM, the
# deeper post-norm LM) the learning rate is chosen once on layernorm (a short grid, by the lowest mean best
# validation loss), every variant is recorded with it over its seeds, the sweep is analyzed against each baseline
# the tables need and drawn, and the paper-style tables are written.
#
#   bash analysis/study/run-study.sh [OUT]        # OUT defaults to study-out; about 45 min on 2 cores
#
# NORMSCOPE and NORMSCOPE_PLOT name the executables (default: normscope and normscope-plot on PATH).
# NORMSCOPE_STUDY_QUICK=1 runs the same pipeline at 6 steps, two seeds per variant and narrow models: a check that
# every stage works, in a few minutes, not a result.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-study-out}
normscope=${NORMSCOPE:-normscope}
plot=${NORMSCOPE_PLOT:-normscope-plot}
mkdir -p "$out"
started=$(date +%s)
say() { printf '[%5ds] %s\n' $(($(date +%s) - started)) "$*"; }

for task in digits-mlp char-lm deep-post-lm; do
    sweep="$here/$task.json"
    if [ "${NORMSCOPE_STUDY_QUICK:-0}" = 1 ]; then
        python3 - "$sweep" "$out/$task.quick.json" <<'PY'
import json, sys
sweep = json.load(open(sys.argv[1]))
sweep.update(steps=6, eval_every=3, phi_every=3, seeds=2)
if sweep["model"] == "mlp":
    sweep.update(hidden=[32, 32, 32], batch=16)
else:
    sweep.update(width=16, heads=2, ffn=32, context=16, batch=8)
json.dump(sweep, open(sys.argv[2], "w"), indent=1)
PY
        sweep="$out/$task.quick.json"
    fi
    # The learning-rate grid: the task's own settings, layernorm only, one seed (two for the cheap MLP).
    python3 - "$sweep" "$out/$task-lr.json" <<'PY'
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
    "$normscope" record --config "$sweep" --lr "$lr" --out "$out/$task.h5" --force --quiet
    for baseline in layernorm none detachnorm layernorm-simple detach-std; do
        "$normscope" analyze "$out/$task.h5" --baseline "$baseline" --format json > "$out/$task.vs-$baseline.json"
    done
    "$normscope" analyze "$out/$task.h5" --baseline layernorm > "$out/$task.txt"
    "$plot" "$out/$task.h5" --analysis "$out/$task.vs-layernorm.json" --out "$out/figures/$task" --format png \
        --dpi 72 > /dev/null
    say "$task: done"
done
python3 "$here/tables.py" "$out" > "$out/tables.md"
say "study done: $out/tables.md, $out/*.txt, $out/figures/"
