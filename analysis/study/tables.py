"""The reproduction study's results as Markdown: the paper's Tables 1–3 with our rows beside its numbers, the
ablation of the two derivatives, divergence, AdaNorm's Φ, the gradient statistics, Theorem 1, and a verdict per
claim. Every number comes from `normscope analyze --format json` of the study's traces (run-study.sh writes one
document per task and baseline); nothing is computed here that analyze does not compute, except choosing and
formatting.

    python3 analysis/study/tables.py study-out > tables.md

(run-study.sh writes it as study-out/tables.md, aside and renamed whole.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, List, Optional

TASKS = ("digits-mlp", "char-lm", "deep-post-lm")
TITLES = {
    "digits-mlp": "digits MLP (3 hidden layers of 128: linear, norm, ReLU)",
    "char-lm": "char-LM (2 pre-norm blocks, width 64)",
    "deep-post-lm": "deep char-LM (6 post-norm blocks, width 64)",
}
PAPER = {
    "MNIST": {"none": "99.14", "layernorm": "99.13", "layernorm-simple": "99.09", "detachnorm": "99.10",
              "adanorm": "99.35"},
    "Enwiki8": {"none": "1.04", "layernorm": "1.07", "layernorm-simple": "1.07", "detachnorm": "1.12",
                "adanorm": "1.07"},
}
NAMES = {
    "none": "w/o Norm", "layernorm": "LayerNorm", "layernorm-simple": "LayerNorm-simple", "detachnorm": "DetachNorm",
    "detach-mean": "detach mean", "detach-std": "detach variance", "rmsnorm": "RMSNorm",
    "adanorm adanorm_scale=1": "AdaNorm C = 1", "adanorm adanorm_scale=2": "AdaNorm C = 2",
}


class StudyError(Exception):
    """An analysis file that cannot be read: one line naming it."""


def load(path: Path) -> dict:
    """An analyze document, or ``StudyError`` naming the file (a damaged one fails here, not as a traceback)."""
    try:
        doc = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StudyError(f"{path}: cannot be read as normscope analyze --format json ({error}); analyze the "
                         "trace again") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        raise StudyError(f"{path}: is not normscope analyze --format json output (no groups); analyze the trace "
                         "again")
    return doc


class Task:
    """One task's analyze documents, by baseline."""

    def __init__(self, out: Path, name: str):
        self.name = name
        self.docs: Dict[str, dict] = {}
        for path in sorted(out.glob(f"{name}.vs-*.json")):
            self.docs[path.stem.split(".vs-")[1]] = load(path)
        self.main = self.docs["layernorm"]
        self.groups = {g["group"]: g for g in self.main["groups"]}
        self.language_model = any(r.get("is_language_model") for r in self.main["runs"])
        self.metric = "test_bits_per_character_at_best" if self.language_model else "test_accuracy_at_best"
        tuning = out / f"{name}-lr.analysis.json"
        self.tuning = load(tuning) if tuning.exists() else None

    def aggregate(self, group: str, quantity: Optional[str] = None) -> Optional[dict]:
        value = self.groups.get(group, {}).get(quantity or self.metric)
        return value if value and value.get("count") else None

    def comparison(self, group: str, baseline: str) -> Optional[dict]:
        doc = self.docs.get(baseline)
        if not doc:
            return None
        return next((c for c in doc["comparisons"] if c["group"] == group), None)

    def estimate(self, group: str, baseline: str, quantity: Optional[str] = None) -> Optional[dict]:
        comparison = self.comparison(group, baseline)
        return comparison.get(quantity or self.metric) if comparison else None

    @property
    def percent(self) -> float:
        return 1.0 if self.language_model else 100.0

    def units(self, quantity: Optional[str], digits: int) -> tuple:
        """The test metric in % for a classifier; bpc and other quantities of a language model with 3 digits."""
        scale = self.percent if (quantity or self.metric) == self.metric else 1.0
        return scale, 3 if self.language_model and scale == 1.0 else digits

    def cell(self, group: str, quantity: Optional[str] = None, digits: int = 2) -> str:
        a = self.aggregate(group, quantity)
        if a is None:
            return "—"
        scale, digits = self.units(quantity, digits)
        sd = a.get("standard_deviation")
        spread = f" ± {sd * scale:.{digits}f}" if sd is not None else ""
        return f"{a['mean'] * scale:.{digits}f}{spread} ({a['count']})"

    def delta(self, group: str, baseline: str, quantity: Optional[str] = None, digits: int = 2) -> str:
        e = self.estimate(group, baseline, quantity)
        if e is None or "difference" not in e:
            return "—"
        scale, digits = self.units(quantity, digits)
        interval = e.get("interval", {})
        bounds = (f" [{interval['lower'] * scale:+.{digits}f}, {interval['upper'] * scale:+.{digits}f}]"
                  if "lower" in interval and "upper" in interval else "")
        return f"{e['difference'] * scale:+.{digits}f}{bounds}, {e['verdict']}"


def better(task: Task, estimate: Optional[dict]) -> Optional[bool]:
    """True when the interval shows the group better on the test metric, False worse, None not distinguishable."""
    if not estimate:
        return None
    verdict = estimate.get("verdict", "")
    if verdict not in ("lower", "higher"):
        return None
    return (verdict == "lower") == task.language_model


def n_of(estimate: Optional[dict]) -> str:
    if not estimate:
        return "n = 0"
    return f"n = {estimate.get('count', 0)}/{estimate.get('baseline_count', 0)}"


def verdict(outcome: Optional[bool], estimate: Optional[dict]) -> str:
    if outcome is None:
        return f"**not distinguishable at {n_of(estimate)}**"
    return "**holds**" if outcome else "**does not hold**"


def metric_name(task: Task) -> str:
    return "test bpc (lower is better)" if task.language_model else "test accuracy, % (higher is better)"


def paper_table(tasks: List[Task], title: str, rows: List[str], deltas: List[tuple]) -> List[str]:
    lines = [f"### {title}", "",
             "| model | " + " | ".join(f"{TITLES[t.name]}: {metric_name(t)}" for t in tasks)
             + " | paper: MNIST (acc %) | paper: Enwiki8 (bpc) |",
             "| --- |" + " --- |" * (len(tasks) + 2)]
    for group in rows:
        preset = group.split(" ")[0]
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
                value = g.get(key, {})
                return f"{value['mean']:.4f}" if value.get("count") else "—"
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
             "| task | variant | identity | steps holding / checked | observed range |", "| --- | --- | --- | --- | --- |"]
    for t in tasks:
        for c in t.main.get("theorem_checks", []):
            lines.append(f"| {t.name} | {NAMES.get(c['group'], c['group'])} | {c['identity']} | "
                         f"{c['steps_holding']} / {c['steps']} | {c['observed_min']:.3g} … {c['observed_max']:.3g} |")
    return lines + [""]


def claims(tasks: List[Task]) -> List[str]:
    by = {t.name: t for t in tasks}
    lines = ["### Verdicts", ""]

    def item(claim: str, rows: List[str]) -> None:
        lines.append(f"- {claim}")
        lines.extend(f"  - {row}" for row in rows)

    def one(t: Task, group: str, baseline: str, wanted_better: bool, what: str) -> str:
        e = t.estimate(group, baseline)
        outcome = better(t, e)
        held = None if outcome is None else outcome == wanted_better
        return f"{t.name}: {what}: Δ {t.delta(group, baseline)} → {verdict(held, e)}"

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
              f"LayerNorm-simple {stable} → {outcome}"])
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
            rows.append(f"{t.name}, C = {scale}: best valid loss Δ {t.delta(group, 'layernorm', 'best_valid_loss', 4)}; "
                        f"gap at best Δ {t.delta(group, 'layernorm', 'gap_at_best', 4)} → {outcome}")
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
        tasks = [Task(out, name) for name in TASKS if (out / f"{name}.vs-layernorm.json").exists()]
    except StudyError as error:
        print(f"tables.py: error: {error}", file=sys.stderr)
        return 1
    if not tasks:
        print(f"tables.py: no <task>.vs-layernorm.json in {out}", file=sys.stderr)
        return 1
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
    lines += paper_table(tasks, "The two derivatives apart, and RMSNorm (no paper numbers)",
                         ["layernorm-simple", "detach-mean", "detach-std", "rmsnorm"],
                         [("Δ detach mean − LayerNorm-simple [95% CI]", "detach-mean", "layernorm-simple", ("—", "—")),
                          ("Δ detach variance − LayerNorm-simple [95% CI]", "detach-std", "layernorm-simple",
                           ("—", "—")),
                          ("Δ detach mean − detach variance [95% CI]", "detach-mean", "detach-std", ("—", "—"))])
    lines += divergence_lines(tasks)
    lines += claims(tasks)
    lines += phi_lines(tasks)
    lines += gradient_lines(tasks)
    for task in tasks:
        if task.name != "char-lm":
            lines += depth_lines(task, ["layernorm", "layernorm-simple", "detach-mean", "detach-std"])
    lines += theorem_lines(tasks)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    # Nothing to clean up here (write_aside.py owns the file): an interrupt ends it quietly, no traceback.
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(main(sys.argv))
