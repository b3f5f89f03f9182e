#!/usr/bin/env bash
# The reproduction study of analysis/REPRODUCTION.md, end to end, in parts:
#
#   bash analysis/study/run-study.sh [OUT] [PART...] [--resume | --force]   # OUT defaults to study-out
#
# PART is one of (no PART: all of them, in this order; about 2 h on 2 cores, REPRODUCTION.md):
#   digits-mlp, char-lm, deep-post-lm   a task: the learning rate chosen once on layernorm (a short grid, by the
#                                       lowest mean best validation loss), every variant recorded with it over its
#                                       seeds, analyzed against each baseline the tables need, and drawn;
#   frontier                            post- and pre-norm char-LMs at depth 6, 12 and 24 over a learning-rate grid
#                                       without warm-up (frontier.json), analyzed for stability and drawn;
#   torch-twin                          the digits MLP trained by PyTorch through normscope.torch (torch_twin.py) at
#                                       the learning rate the digits-mlp part chose, analyzed and drawn;
#   tables                              tables.md from every analysis in OUT (tables.py).
# A part that needs another's output says so in one line (torch-twin needs digits-mlp's learning-rate choice).
#
# A user's files are kept: OUT (a folder, created if missing) may hold other files, but if it holds any output of
# the parts asked for, the script stops in one line before doing anything, unless --resume continues them (the
# traces are recorded with `normscope record --resume`, so their finished runs are kept; the torch twin, written
# whole when done, is kept when present; the analyses, figures and tables are written again) or --force replaces
# every output of those parts. Nothing is deleted; every file is written aside and renamed into place whole
# (write_aside.py, torch_twin.py), so an interrupted study leaves whole files and no temporaries, and --resume
# continues it.
#
# NORMSCOPE and NORMSCOPE_PLOT name the executables (default: normscope and normscope-plot on PATH).
# NORMSCOPE_STUDY_QUICK=1 runs the same pipeline at 6 steps, few seeds and narrow, shallow models: a check that
# every stage works, in about two minutes, not a result.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fail() { printf 'run-study.sh: error: %s\n' "$*" >&2; exit 1; }

tasks=(digits-mlp char-lm deep-post-lm)
all_parts=("${tasks[@]}" frontier torch-twin tables)
is_part() { local part; for part in "${all_parts[@]}"; do [ "$part" = "$1" ] && return 0; done; return 1; }

out=""
mode=new
parts=()
for argument in "$@"; do
    case "$argument" in
        --resume) mode=resume ;;
        --force) mode=force ;;
        -*) fail "unknown option $argument (expected --resume or --force)" ;;
        *)
            if is_part "$argument"; then
                parts+=("$argument")
            elif [ -z "$out" ]; then
                out=$argument
            else
                fail "$argument is not a part (${all_parts[*]}) and the folder is already $out"
            fi ;;
    esac
done
out=${out:-study-out}
# The parts run in the order of all_parts (a later one may read an earlier one's output), each once.
asked=" ${parts[*]-} "
parts=()
for part in "${all_parts[@]}"; do
    if [ "$asked" = "  " ] || [[ "$asked" == *" $part "* ]]; then parts+=("$part"); fi
done
normscope=${NORMSCOPE:-normscope}
plot=${NORMSCOPE_PLOT:-normscope-plot}
quick=${NORMSCOPE_STUDY_QUICK:-0}
# The twin's seeds: half the Swift task's 10, for time (REPRODUCTION.md, "The choices").
twin_seeds=5
[ "$quick" = 1 ] && twin_seeds=2

if [ -L "$out" ] && [ ! -e "$out" ]; then
    fail "$out is a symbolic link to a missing folder; name a folder for the study"
elif [ -e "$out" ] && [ ! -d "$out" ]; then
    fail "$out is a file, not a folder; name a folder for the study (it is created if missing)"
fi

# outputs PART: what the part writes in OUT (a glob that matches nothing stays as it is and is not found).
outputs() {
    case "$1" in
        tables) echo "$out/tables.md" ;;
        *) printf '%s\n' "$out/$1"{-lr.json,-lr.h5,-lr.analysis.json,.quick.json,.h5,.txt} "$out/$1".vs-*.json \
            "$out/figures/$1" ;;
    esac
}
# The parts' outputs already there: a study is continued (--resume) or replaced (--force), never written over
# unasked.
found=()
for part in "${parts[@]}"; do
    while IFS= read -r path; do
        if [ -e "$path" ] || [ -L "$path" ]; then
            # tables.md, the study's result, is the one named first.
            if [ "$part" = tables ]; then found=("$path" ${found[@]+"${found[@]}"}); else found+=("$path"); fi
        fi
    done < <(outputs "$part")
done
if [ "$mode" = new ] && [ ${#found[@]} -gt 0 ]; then
    more=""
    [ ${#found[@]} -gt 1 ] && more=" and $((${#found[@]} - 1)) more of a study's outputs"
    fail "$out holds ${found[0]}$more; add --resume to continue that study (finished runs kept) or --force to" \
        "replace its outputs, or name another folder"
fi
# What a part needs, checked before anything runs.
for part in "${parts[@]}"; do
    case "$part" in
        torch-twin)
            python3 -c 'import torch' 2> /dev/null || fail "the torch-twin part needs PyTorch 2.1 or later: pip" \
                "install torch (a CPU build is enough), or name the other parts"
            case " ${parts[*]} " in
                *" digits-mlp "*) ;;
                *) [ -e "$out/digits-mlp-lr.analysis.json" ] || fail "the torch-twin part trains at the learning" \
                    "rate the digits-mlp part chose ($out/digits-mlp-lr.analysis.json): run digits-mlp first" ;;
            esac ;;
    esac
done
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

# sweep_for NAME SWEEP: SWEEP's path, or in quick mode that of its short, narrow version, written as
# OUT/NAME.quick.json.
sweep_for() {
    if [ "$quick" != 1 ]; then
        echo "$2"
        return
    fi
    write "$out/$1.quick.json" "${py[@]}" "$2" <<'PY'
import json, sys
sweep = json.load(open(sys.argv[1]))
sweep.update(steps=6, eval_every=3, phi_every=3, seeds=2)
if sweep["model"] == "mlp":
    sweep.update(hidden=[32, 32, 32], batch=16)
else:   # two blocks at most: the deep task's 12 layers would only multiply the figures' panels
    sweep.update(width=16, heads=2, ffn=32, context=16, batch=8, layers=min(sweep.get("layers", 2), 2))
if "grid" in sweep:   # the frontier: one and two blocks, two rates, one seed
    sweep.update(seeds=1)
    sweep["grid"].update(layers=[1, 2], lr=[0.001, 0.01])
print(json.dumps(sweep, indent=1))
PY
    echo "$out/$1.quick.json"
}

# chosen_lr TASK: the learning rate TASK's grid chose, the lowest mean best validation loss on layernorm.
chosen_lr() {
    "${py[@]}" "$out/$1-lr.analysis.json" <<'PY'
import json, sys
groups = json.load(open(sys.argv[1]))["groups"]
best = min(groups, key=lambda g: g["best_valid_loss"].get("mean", float("inf")))
print(best["settings"]["lr"])
PY
}

# analyze NAME BASELINE...: OUT/NAME.h5 analyzed as JSON against each baseline and as text against the first.
analyze() {
    local name=$1 baseline
    shift
    for baseline in "$@"; do
        write "$out/$name.vs-$baseline.json" "$normscope" analyze "$out/$name.h5" --baseline "$baseline" --format json
    done
    write "$out/$name.txt" "$normscope" analyze "$out/$name.h5" --baseline "$1"
}

# draw NAME: OUT/NAME.h5's figures, with its analysis against layernorm.
draw() {
    "$plot" "$out/$1.h5" --analysis "$out/$1.vs-layernorm.json" --out "$out/figures/$1" --format png \
        --dpi 72 ${replace[@]+"${replace[@]}"} > /dev/null
}

run_task() {
    local task=$1 sweep lr
    sweep=$(sweep_for "$task" "$here/$task.json")
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
    lr=$(chosen_lr "$task")
    say "$task: lr $lr; recording every variant"
    "$normscope" record --config "$sweep" --lr "$lr" --out "$out/$task.h5" ${record_mode[@]+"${record_mode[@]}"} --quiet
    analyze "$task" layernorm none detachnorm layernorm-simple detach-std
    draw "$task"
    say "$task: done"
}

run_frontier() {
    local sweep
    sweep=$(sweep_for frontier "$here/frontier.json")
    say "frontier: recording every variant at each depth, placement and learning rate"
    "$normscope" record --config "$sweep" --out "$out/frontier.h5" ${record_mode[@]+"${record_mode[@]}"} --quiet
    analyze frontier layernorm detach-mean
    # Only the figures across groups: the per-group and per-layer panels would be thousands for this grid.
    "$plot" "$out/frontier.h5" --analysis "$out/frontier.vs-layernorm.json" --out "$out/figures/frontier" \
        --figures frontier,depth-shares,forward-recentering --format png --dpi 150 ${replace[@]+"${replace[@]}"} \
        > /dev/null
    python3 "$here/frontier_figures.py" "$out" ${replace[@]+"${replace[@]}"}
    say "frontier: done"
}

run_twin() {
    local sweep lr
    lr=$(chosen_lr digits-mlp)
    sweep=$(sweep_for torch-twin "$here/digits-mlp.json")
    if [ "$mode" = resume ] && [ -e "$out/torch-twin.h5" ]; then
        say "torch-twin: kept $out/torch-twin.h5 (written whole when done, so finished)"
    else
        say "torch-twin: lr $lr; training every variant in PyTorch"
        python3 "$here/torch_twin.py" "$sweep" --lr "$lr" --seeds "$twin_seeds" --out "$out/torch-twin.h5" \
            ${replace[@]+"${replace[@]}"}
    fi
    analyze torch-twin layernorm
    draw torch-twin
    say "torch-twin: done"
}

for part in "${parts[@]}"; do
    case "$part" in
        frontier) run_frontier ;;
        torch-twin) run_twin ;;
        tables) write "$out/tables.md" python3 "$here/tables.py" "$out" ;;
        *) run_task "$part" ;;
    esac
done
say "study done (${parts[*]}): $out/tables.md, $out/*.txt, $out/figures/"
