"""The reproduction study's results as Markdown: the paper's Tables 1–3 with our rows beside its numbers, the
ablation of the two derivatives, divergence, AdaNorm's Φ, the gradient statistics, Theorem 1 and a verdict per
claim (the three tasks); the stability frontier and detaching the variance against the mean per depth
(frontier_tables.py); RMSNorm and DyT against LayerNorm, the Swift and PyTorch engines side by side and the forward
pass's re-centering (claim_tables.py). Every number comes from `normscope analyze --format json` of the study's
traces (run-study.sh writes one document per part and baseline, documents.py reads them); nothing is computed here
that analyze does not compute, except choosing and formatting. A part not run is left out.

    python3 analysis/study/tables.py study-out > tables.md

(run-study.sh writes it as study-out/tables.md, aside and renamed whole.)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List

from claim_tables import challenger_lines, engine_lines, forward_lines
from documents import (NAMES, PAPER, TASKS, TITLES, StudyError, Task, better, figure, mean_or_dash, metric_name,
                       n_of, verdict)
from frontier_tables import depth_share_lines, detach_lines, stability_lines


def paper_table(tasks: List[Task], title: str, rows: List[str], deltas: List[tuple]) -> List[str]:
    lines = [f"### {title}", "",
             "| model | " + " | ".join(f"{TITLES[t.name]}: {metric_name(t)}" for t in tasks)
             + " | paper: MNIST (acc %) | paper: Enwiki8 (bpc) |",
             "| --- |" + " --- |" * (len(tasks) + 2)]
    for group in rows:
        preset = next((t.presets[group] for t in tasks if group in t.presets), group)
        cells = [t.cell(group) for t in tasks]
        paper = [PAPER["MNIST"].get(preset, "—"), PAPER["Enwiki8"].get(preset, "—")]
        lines.append(f"| {NAMES.get(group, group)} | " + " | ".join(cells + paper) + " |")
    for label, group, baseline, paper in deltas:
        cells = [t.delta(group, baseline) for t in tasks]
        lines.append(f"| {label} | " + " | ".join(cells + list(paper)) + " |")
    return lines + [""]


def divergence_lines(tasks: List[Task]) -> List[str]:
    lines = ["### Divergence", "", "| model | " + " | ".join(TITLES[t.name] for t in tasks) + " |",
             "| --- |" + " --- |" * len(tasks)]
    groups = list(tasks[0].groups)
    for group in groups:
        cells = []
        for t in tasks:
            g = t.groups.get(group)
            cells.append(f"{g['diverged']} of {g['runs']}" if g else "—")
        lines.append(f"| {NAMES.get(group, group)} | " + " | ".join(cells) + " |")
    return lines + [""]


def phi_lines(tasks: List[Task]) -> List[str]:
    lines = ["### AdaNorm's Φ(y) = C(1 − k·y), late in training", "",
             "| task | variant | layers × runs | ⟨Φ⟩ (mean over layers and runs) | largest \\|⟨Φ⟩ − C\\| of a step | "
             "largest share of Φ ≤ 0 of a step | q05 … q95 |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for t in tasks:
        for group in (g for g in t.groups if g.startswith("adanorm")):
            phis = [layer["phi"] for run, layers in t.main["layers"].items()
                    if any(r["id"] == run and r["group"] == group for r in t.main["runs"])
                    for layer in layers if layer.get("phi")]
            if not phis:
                continue
            late = [p["late"] for p in phis if p.get("late")]
            mean = sum(p["mean"] for p in late) / len(late)
            deviation = max(max(abs(p.get("max_mean_deviation", 0)), abs(p.get("min_mean_deviation", 0)))
                            for p in phis)
            share = max(p.get("max_fraction_non_positive", 0) for p in phis)
            q05 = sum(p["q05"] for p in late) / len(late)
            q95 = sum(p["q95"] for p in late) / len(late)
            lines.append(f"| {t.name} | {NAMES.get(group, group)} | {len(phis)} | {mean:.6f} | {deviation:.1e} | "
                         f"{share:.2e} | {q05:.3f} … {q95:.3f} |")
    return lines + [""]


def gradient_lines(tasks: List[Task]) -> List[str]:
    lines = ["### Re-centering and re-scaling, late in training (the last 10% of steps, mean over runs)", "",
             "recenter_ratio = rowmean_abs(t) / rowmean_abs(d) (0 where the mean's derivative is kept); rescale_ratio "
             "= rowvar(d + c + s) / rowvar(d + c) (below 1 where the variance's derivative is kept); the shares are "
             "‖c‖ and ‖s‖ against ‖d‖.", "",
             "| task | variant | recenter_ratio | rescale_ratio | share of c | share of s | cos(t, d) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for t in tasks:
        for g in t.main.get("gradients", []):
            def m(key: str) -> str:
                return mean_or_dash(g.get(key))
            lines.append(f"| {t.name} | {NAMES.get(g['group'], g['group'])} | {m('recenter_ratio')} | "
                         f"{m('rescale_ratio')} | {m('recentering_share')} | {m('rescaling_share')} | "
                         f"{m('cosine_total_direct')} |")
    return lines + [""]


def depth_lines(task: Task, groups: List[str]) -> List[str]:
    lines = [f"### Per layer of the {TITLES[task.name]}: the parts' shares late in training (mean over runs)", "",
             "| variant | layer | share of c | share of s | rescale_ratio |", "| --- | --- | --- | --- | --- |"]
    for group in groups:
        runs = [r["id"] for r in task.main["runs"] if r["group"] == group]
        by_layer: Dict[str, List[dict]] = {}
        for run in runs:
            for layer in task.main["layers"].get(run, []):
                if layer.get("late"):
                    by_layer.setdefault(layer["layer"], []).append(layer["late"])
        for layer, windows in by_layer.items():
            def m(key: str) -> str:
                values = [w[key] for w in windows if key in w]
                return f"{sum(values) / len(values):.4f}" if values else "—"
            lines.append(f"| {NAMES.get(group, group)} | {layer} | {m('recentering_share')} | "
                         f"{m('rescaling_share')} | {m('rescale_ratio')} |")
    return lines + [""]


def theorem_lines(tasks: List[Task]) -> List[str]:
    lines = ["### Theorem 1 on every recorded step", "",
             "| task | variant | identity | steps holding / checked | observed range |",
             "| --- | --- | --- | --- | --- |"]
    for t in tasks:
        for c in t.main.get("theorem_checks", []):
            lines.append(f"| {t.name} | {NAMES.get(c['group'], c['group'])} | {c['identity']} | "
                         f"{c['steps_holding']} / {c['steps']} | {c['observed_min']:.3g} … {c['observed_max']:.3g} |")
    return lines + [""]


def claims(out: Path, tasks: List[Task]) -> List[str]:
    """A verdict per claim and task, each naming the figure it rests on."""
    by = {t.name: t for t in tasks}
    lines = ["### Verdicts", ""]

    def item(claim: str, rows: List[str]) -> None:
        lines.append(f"- {claim}")
        lines.extend(f"  - {row}" for row in rows)

    def one(t: Task, group: str, baseline: str, wanted_better: bool, what: str) -> str:
        e = t.estimate(group, baseline)
        outcome = better(t, e)
        held = None if outcome is None else outcome == wanted_better
        return (f"{t.name}: {what}: Δ {t.delta(group, baseline)} → {verdict(held, e)} "
                f"({figure(out, f'figures/{t.name}/summary.png')})")

    item("The bias and gain do not help (LayerNorm-simple ≈ or better than LayerNorm; a difference in LayerNorm's "
         "favour would refute it, a tie cannot prove ≈).",
         [one(t, "layernorm-simple", "layernorm", True, "LayerNorm-simple − LayerNorm") for t in tasks])
    item("DetachNorm is no better than w/o Norm.",
         [one(t, "detachnorm", "none", False, "DetachNorm − w/o Norm") for t in tasks])
    item("DetachNorm is worse than LayerNorm-simple (the derivatives matter more than the forward normalization).",
         [one(t, "layernorm-simple", "detachnorm", True, "LayerNorm-simple − DetachNorm") for t in tasks])
    deep = by.get("deep-post-lm")
    if deep:
        item("In the deeper network, detaching the variance hurts more than detaching the mean.",
             [one(deep, "detach-mean", "detach-std", True, "detach mean − detach variance"),
              f"{deep.name}: against LayerNorm-simple: detach mean {deep.delta('detach-mean', 'layernorm-simple')}; "
              f"detach variance {deep.delta('detach-std', 'layernorm-simple')}"])
        diverged = {g: deep.groups[g]["diverged"] for g in deep.groups}
        unstable = {g: diverged.get(g, 0) for g in ("none", "detachnorm")}
        stable = diverged.get("layernorm", 0) + diverged.get("layernorm-simple", 0)
        held = all(v > 0 for v in unstable.values()) and stable == 0
        none_diverged = all(v == 0 for v in unstable.values())
        outcome = "**holds**" if held else ("**does not hold** at this depth and scale" if none_diverged
                                            else "**partly**: see the numbers")
        item("w/o Norm and DetachNorm diverge at depth (En-De's \"Diverge\").",
             [f"{deep.name}: diverged runs: w/o Norm {unstable['none']} of {deep.groups['none']['runs']}, "
              f"DetachNorm {unstable['detachnorm']} of {deep.groups['detachnorm']['runs']}, LayerNorm and "
              f"LayerNorm-simple {stable} → {outcome} ({figure(out, 'figures/deep-post-lm/loss.png')})"])
    for scale in (1, 2):
        group = f"adanorm adanorm_scale={scale}"
        item(f"AdaNorm (C = {scale}) is at least as good as LayerNorm.",
             [one(t, group, "layernorm", True, f"AdaNorm C = {scale} − LayerNorm") for t in tasks])
    rows = []
    for t in tasks:
        for scale in (1, 2):
            group = f"adanorm adanorm_scale={scale}"
            valid = t.estimate(group, "layernorm", "best_valid_loss")
            gap = t.estimate(group, "layernorm", "gap_at_best")
            if not valid or not gap:
                continue
            v, g = valid.get("verdict"), gap.get("verdict")
            if v == "lower" and g == "lower":
                outcome = "**holds**"
            elif v == "higher" or g == "higher":
                outcome = "**does not hold**"
            else:
                outcome = f"**not distinguishable at {n_of(gap)}**"
            valid_delta = t.delta(group, 'layernorm', 'best_valid_loss', 4)
            rows.append(f"{t.name}, C = {scale}: best valid loss Δ {valid_delta}; "
                        f"gap at best Δ {t.delta(group, 'layernorm', 'gap_at_best', 4)} → {outcome} "
                        f"({figure(out, f'figures/{t.name}/gap.png')})")
    item("LayerNorm reaches a lower training loss but a higher validation loss than AdaNorm (AdaNorm − LayerNorm: "
         "both the validation loss and the gap lower).", rows)
    return lines + [""]


def setup_lines(out: Path, tasks: List[Task]) -> List[str]:
    lines = ["### Runs", "", "| task | runs | seeds per variant | learning rate (chosen on layernorm) |",
             "| --- | --- | --- | --- |"]
    for t in tasks:
        lr = t.main["runs"][0]["settings"].get("lr")
        choice = ""
        if t.tuning:
            options = sorted((g["settings"]["lr"], g["best_valid_loss"].get("mean")) for g in t.tuning["groups"])
            choice = " (best valid loss " + ", ".join(f"{a:g}: {b:.4f}" for a, b in options) + ")"
        seeds = max(g["runs"] for g in t.groups.values())
        lines.append(f"| {t.name} | {len(t.main['runs'])} | {seeds} | {lr:g}{choice} |")
    return lines + [""]


def main(argv: List[str]) -> int:
    if len(argv) != 2:
        print("usage: tables.py STUDY_OUT", file=sys.stderr)
        return 2
    out = Path(argv[1])
    try:
        parts = {name: Task(out, name) for name in TASKS + ("frontier", "torch-twin")
                 if (out / f"{name}.vs-layernorm.json").exists()}
    except StudyError as error:
        print(f"tables.py: error: {error}", file=sys.stderr)
        return 1
    if not parts:
        print(f"tables.py: no <part>.vs-layernorm.json in {out}: run a part of the study first", file=sys.stderr)
        return 1
    tasks = [parts[name] for name in TASKS if name in parts]
    frontier, twin = parts.get("frontier"), parts.get("torch-twin")
    lines: List[str] = []
    if tasks:
        lines += task_tables(out, tasks)
    if frontier:
        lines += stability_lines(out, frontier) + detach_lines(out, frontier) + depth_share_lines(out, frontier)
    lines += challenger_lines(out, tasks + ([twin] if twin else []))
    lines += engine_lines(out, parts.get("digits-mlp"), twin)
    lines += forward_lines(out, tasks + [t for t in (frontier, twin) if t])
    print("\n".join(lines))
    return 0


def task_tables(out: Path, tasks: List[Task]) -> List[str]:
    """The paper's tables and the claims about them, from the three tasks."""
    lines: List[str] = setup_lines(out, tasks)
    lines += paper_table(tasks, "Table 1: the bias and gain", ["none", "layernorm", "layernorm-simple"],
                         [("Δ LayerNorm-simple − LayerNorm [95% CI]", "layernorm-simple", "layernorm",
                           ("−0.04", "0.00"))])
    lines += paper_table(tasks, "Table 2: the derivatives of the mean and variance",
                         ["none", "detachnorm", "layernorm-simple"],
                         [("Δ DetachNorm − w/o Norm [95% CI]", "detachnorm", "none", ("−0.04", "+0.08")),
                          ("Δ LayerNorm-simple − DetachNorm [95% CI]", "layernorm-simple", "detachnorm",
                           ("−0.01", "−0.05"))])
    lines += paper_table(tasks, "Table 3: LayerNorm and AdaNorm",
                         ["none", "layernorm", "layernorm-simple", "adanorm adanorm_scale=1",
                          "adanorm adanorm_scale=2"],
                         [("Δ AdaNorm C = 1 − LayerNorm [95% CI]", "adanorm adanorm_scale=1", "layernorm",
                           ("+0.22", "0.00")),
                          ("Δ AdaNorm C = 2 − LayerNorm [95% CI]", "adanorm adanorm_scale=2", "layernorm",
                           ("+0.22", "0.00"))])
    lines += paper_table(tasks, "The two derivatives apart, and RMSNorm, ScaleNorm and DyT (no paper numbers)",
                         ["layernorm-simple", "detach-mean", "detach-std", "rmsnorm", "scalenorm", "dyt"],
                         [("Δ detach mean − LayerNorm-simple [95% CI]", "detach-mean", "layernorm-simple", ("—", "—")),
                          ("Δ detach variance − LayerNorm-simple [95% CI]", "detach-std", "layernorm-simple",
                           ("—", "—")),
                          ("Δ detach mean − detach variance [95% CI]", "detach-mean", "detach-std", ("—", "—"))])
    lines += divergence_lines(tasks)
    lines += claims(out, tasks)
    lines += phi_lines(tasks)
    lines += gradient_lines(tasks)
    for task in tasks:
        if task.name != "char-lm":
            lines += depth_lines(task, ["layernorm", "layernorm-simple", "detach-mean", "detach-std"])
    lines += theorem_lines(tasks)
    return lines


if __name__ == "__main__":
    # Nothing to clean up here (write_aside.py owns the file): an interrupt ends it quietly, no traceback.
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(main(sys.argv))
