#!/usr/bin/env bash
# The reproduction study of analysis/REPRODUCTION.md, end to end: for each task (the digits MLP, the char-LM, the
# deeper post-norm LM) the learning rate is chosen once on layernorm (a short grid, by the lowest mean best
# validation loss), every variant is recorded with it over its seeds, the sweep is analyzed against each baseline
# the tables need and drawn, and the paper-style tables are written.
#
#   bash analysis/study/run-study.sh [OUT] [--resume | --force]   # OUT defaults to study-out; about 45 min on 2 cores
#
# A user's files are kept: OUT (a folder, created if missing) may hold other files, but if it holds any of a
# study's outputs the script stops in one line before doing anything, unless --resume continues that study (the
# traces are recorded with `normscope record --resume`, so their finished runs are kept, and the analyses, figures
# and tables are written again from them) or --force replaces every output of the study. Nothing is deleted; every
# file is written aside and renamed into place whole (write_aside.py), so an interrupted study leaves whole files
# and no temporaries, and --resume continues it.
#
# NORMSCOPE and NORMSCOPE_PLOT name the executables (default: normscope and normscope-plot on PATH).
# NORMSCOPE_STUDY_QUICK=1 runs the same pipeline at 6 steps, two seeds per variant and narrow models: a check that
# every stage works, in a few minutes, not a result.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fail() { printf 'run-study.sh: error: %s\n' "$*" >&2; exit 1; }

out=study-out
mode=new
for argument in "$@"; do
    case "$argument" in
        --resume) mode=resume ;;
        --force) mode=force ;;
        -*) fail "unknown option $argument (expected --resume or --force)" ;;
        *) out=$argument ;;
    esac
done
normscope=${NORMSCOPE:-normscope}
plot=${NORMSCOPE_PLOT:-normscope-plot}
tasks=(digits-mlp char-lm deep-post-lm)

if [ -L "$out" ] && [ ! -e "$out" ]; then
    fail "$out is a symbolic link to a missing folder; name a folder for the study"
elif [ -e "$out" ] && [ ! -d "$out" ]; then
    fail "$out is a file, not a folder; name a folder for the study (it is created if missing)"
fi
# What this script writes in OUT: a study there already is continued (--resume) or replaced (--force), never
# written over unasked.
found=()
for name in tables.md; do
    if [ -e "$out/$name" ] || [ -L "$out/$name" ]; then found+=("$out/$name"); fi
done
for task in "${tasks[@]}"; do
    for path in "$out/$task"{-lr.json,-lr.h5,-lr.analysis.json,.quick.json,.h5,.txt} "$out/$task".vs-*.json \
        "$out/figures/$task"; do
        if [ -e "$path" ] || [ -L "$path" ]; then found+=("$path"); fi
    done
done
if [ "$mode" = new ] && [ ${#found[@]} -gt 0 ]; then
    more=""
    [ ${#found[@]} -gt 1 ] && more=" and $((${#found[@]} - 1)) more of a study's outputs"
    fail "$out holds ${found[0]}$more; add --resume to continue that study (finished runs kept) or --force to" \
        "replace its outputs, or name another folder"
fi
case "$mode" in
    new) record_mode=() replace=() ;;
    resume) record_mode=(--resume) replace=(--force) ;;
    force) record_mode=(--force) replace=(--force) ;;
esac
# write DEST COMMAND...: COMMAND's standard output into DEST, written aside and renamed whole (over an existing DEST
# only with --resume or --force).
write() {
    local destination=$1
    shift
    python3 "$here/write_aside.py" ${replace[@]+"${replace[@]}"} "$destination" -- "$@"
}

# "${py[@]}" ARG... <<'PY': an inline Python step that an interrupt ends quietly (the default action, as for any
# command of the script) instead of with a KeyboardInterrupt traceback.
py=(python3 -c 'import signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
exec(compile(sys.stdin.read(), "<run-study.sh>", "exec"))')

mkdir -p "$out"
started=$(date +%s)
say() { printf '[%5ds] %s\n' $(($(date +%s) - started)) "$*"; }

for task in "${tasks[@]}"; do
    sweep="$here/$task.json"
    if [ "${NORMSCOPE_STUDY_QUICK:-0}" = 1 ]; then
        write "$out/$task.quick.json" "${py[@]}" "$sweep" <<'PY'
import json, sys
sweep = json.load(open(sys.argv[1]))
sweep.update(steps=6, eval_every=3, phi_every=3, seeds=2)
if sweep["model"] == "mlp":
    sweep.update(hidden=[32, 32, 32], batch=16)
else:
    sweep.update(width=16, heads=2, ffn=32, context=16, batch=8)
print(json.dumps(sweep, indent=1))
PY
        sweep="$out/$task.quick.json"
    fi
    # The learning-rate grid: the task's own settings, layernorm only, one seed (two for the cheap MLP).
    write "$out/$task-lr.json" "${py[@]}" "$sweep" <<'PY'
import json, sys
sweep = json.load(open(sys.argv[1]))
sweep.update(presets=["layernorm"], seeds=2 if sweep["model"] == "mlp" else 1, grid={"lr": [0.0003, 0.001, 0.003]})
sweep.pop("lr", None)
print(json.dumps(sweep, indent=1))
PY
    say "$task: choosing the learning rate on layernorm"
    "$normscope" record --config "$out/$task-lr.json" --out "$out/$task-lr.h5" ${record_mode[@]+"${record_mode[@]}"} \
        --quiet
    write "$out/$task-lr.analysis.json" "$normscope" analyze "$out/$task-lr.h5" --format json
    lr=$("${py[@]}" "$out/$task-lr.analysis.json" <<'PY'
import json, sys
groups = json.load(open(sys.argv[1]))["groups"]
best = min(groups, key=lambda g: g["best_valid_loss"].get("mean", float("inf")))
print(best["settings"]["lr"])
PY
)
    say "$task: lr $lr; recording every variant"
    "$normscope" record --config "$sweep" --lr "$lr" --out "$out/$task.h5" ${record_mode[@]+"${record_mode[@]}"} --quiet
    for baseline in layernorm none detachnorm layernorm-simple detach-std; do
        write "$out/$task.vs-$baseline.json" "$normscope" analyze "$out/$task.h5" --baseline "$baseline" --format json
    done
    write "$out/$task.txt" "$normscope" analyze "$out/$task.h5" --baseline layernorm
    "$plot" "$out/$task.h5" --analysis "$out/$task.vs-layernorm.json" --out "$out/figures/$task" --format png \
        --dpi 72 ${replace[@]+"${replace[@]}"} > /dev/null
    say "$task: done"
done
write "$out/tables.md" python3 "$here/tables.py" "$out"
say "study done: $out/tables.md, $out/*.txt, $out/figures/"
