"""The tables of the claims made after the paper and of the two engines: RMSNorm's (re-centering can be dropped at
no cost) and DyT's (it matches LayerNorm) per task, the digits MLP recorded by Swift beside its PyTorch twin, and
how much each task's forward pass re-centres (`abs_mean_over_std`, METHODS.md "How much the forward pass
re-centres"). Every number is analyze's; each claim's row names the figure it rests on."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

from documents import NAMES, Task, better, figure, n_of, verdict

SHARES = (("recentering_share", "share of c"), ("rescaling_share", "share of s"),
          ("abs_mean_over_std", "forward |μ|/σ"))


def challenger_lines(out: Path, tasks: List[Task]) -> List[str]:
    """RMSNorm and DyT against LayerNorm on each task's test metric. RMSNorm's claim (dropping the mean costs
    nothing) and DyT's (matching LayerNorm) are refuted by a difference in LayerNorm's favour; a tie cannot prove
    them, so it is reported as not distinguishable."""
    lines = ["### RMSNorm and DyT against LayerNorm", "",
             "Claims: RMSNorm — re-centering can be dropped at no cost; DyT — an element-wise tanh matches "
             "LayerNorm. Δ = variant − LayerNorm on the test metric at the best validation step, with its 95% "
             "interval.", "", "| task | variant | Δ [95% CI] | claim | figure |", "| --- | --- | --- | --- | --- |"]
    for t in tasks:
        for group in ("rmsnorm", "dyt"):
            if group not in t.groups:
                continue
            e = t.estimate(group, "layernorm")
            # Better than LayerNorm holds the claim too (no cost); worse refutes it.
            lines.append(f"| {t.name} | {NAMES[group]} | {t.delta(group, 'layernorm')} | {verdict(better(t, e), e)} | "
                         f"{figure(out, f'figures/{t.name}/summary.png')} |")
    return lines + [""]


def _direction(t: Task, group: str) -> str:
    e = t.estimate(group, "layernorm")
    outcome = better(t, e)
    if outcome is None:
        return "≈" if e and "difference" in e else "—"
    return "better" if outcome else "worse"


def _agreement(a: str, b: str) -> str:
    """The engines disagree only on opposite directions: with fewer seeds in one engine, ≈ beside a direction may be
    the interval's width, not the engine (the same direction, or a weaker one)."""
    if "—" in (a, b):
        return "—"
    if a == b:
        return "yes"
    return "no" if {a, b} == {"better", "worse"} else "same or weaker"


def _range(t: Task, group: str, key: str) -> str:
    """min … max of a late-window quantity over the group's runs and layers (absent quantities: —)."""
    runs = {r["id"] for r in t.main["runs"] if r["group"] == group}
    values = [layer["late"][key] for run, layers in t.main.get("layers", {}).items() if run in runs
              for layer in layers if isinstance(layer.get("late"), dict)
              and isinstance(layer["late"].get(key), (int, float))]
    return f"{min(values):.3g} … {max(values):.3g}" if values else "—"


def engine_lines(out: Path, swift: Optional[Task], torch: Optional[Task]) -> List[str]:
    lines = ["### The two engines: the digits MLP in Swift (digits-mlp) and in PyTorch (torch-twin)", ""]
    if swift is None or torch is None:
        missing = "digits-mlp" if swift is None else "torch-twin"
        return lines + [f"No {missing}.vs-layernorm.json: run its part for this table.", ""]
    lines += ["Same data, split, standardization, model shape, optimizer, rate, steps and evaluation; different "
              "initial weights and arithmetic. Direction: each variant's test accuracy against LayerNorm in that "
              "engine (better, worse, ≈ not distinguishable), with its n (variant/LayerNorm runs). The engines "
              "disagree (no) only on opposite directions; ≈ in one beside a direction in the other is \"same or "
              "weaker\": with fewer seeds, an interval holding 0 may reflect power, not the engine. Ranges: late in "
              "training, over runs and layers. "
              f"Figures: {figure(out, 'figures/digits-mlp/summary.png')}, "
              f"{figure(out, 'figures/torch-twin/summary.png')}.", "",
              "| variant | Swift: direction | PyTorch: direction | agree | "
              + " | ".join(f"Swift: {label} | PyTorch: {label}" for _, label in SHARES) + " |",
              "| --- | --- | --- | --- |" + " --- | --- |" * len(SHARES)]
    for group in swift.groups:
        if group not in torch.groups:
            continue
        a, b = (_direction(swift, group), _direction(torch, group)) if group != "layernorm" else ("—", "—")
        shown = [d if d == "—" else f"{d} ({n_of(t.estimate(group, 'layernorm'))})"
                 for d, t in ((a, swift), (b, torch))]
        ranges = " | ".join(f"{_range(swift, group, key)} | {_range(torch, group, key)}" for key, _ in SHARES)
        lines.append(f"| {NAMES.get(group, group)} | {shown[0]} | {shown[1]} | {_agreement(a, b)} | {ranges} |")
    return lines + [""]


def forward_lines(out: Path, tasks: List[Task]) -> List[str]:
    """Late mean |μ|/σ of the layers' inputs per task and variant, from analyze's `gradients`."""
    lines = ["### How much the forward pass re-centres: late mean |μ|/σ of the norm layers' inputs", ""]
    rows: List[str] = []
    for t in tasks:
        for g in t.main.get("gradients", []):
            value: Dict[str, float] = g.get("abs_mean_over_std") or {}
            if not value.get("count"):
                continue
            sd = value.get("standard_deviation")
            spread = f" ± {sd:.3f}" if sd is not None else ""
            rows.append(f"| {t.name} | {NAMES.get(g['group'], g['group'])} | {value['mean']:.3f}{spread} "
                        f"({value['count']}) | {figure(out, f'figures/{t.name}/forward-recentering.png')} |")
    if not rows:
        return lines + ["No analysis holds `abs_mean_over_std` (traces recorded before it read NaN): no table.",
                        ""]
    return lines + ["Mean over runs (± sd, n) of each run's mean over its layers: near 0 the mean subtraction "
                    "barely moves the rows, near 1 the mean is as large as the spread.", "",
                    "| task | variant | late \\|μ\\|/σ | figure |", "| --- | --- | --- | --- |"] + rows + [""]
