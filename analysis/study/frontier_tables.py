"""The frontier part's tables (frontier.vs-layernorm.json and frontier.vs-detach-mean.json): which runs diverged or
stalled at each learning rate, each variant's largest stable rate per depth and placement (analyze's `stability`,
METHODS.md "Stability over a learning-rate grid"), and detaching the variance against detaching the mean per depth.
Nothing is computed here that analyze does not compute, except choosing and formatting."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple

from documents import NAMES, Task, figure, mean_or_dash, n_of

FRONTIER_FIGURE = "figures/frontier/frontier.png"
DETACH_FIGURE = "figures/frontier/detach-std-vs-mean.png"
DEPTH_FIGURE = "figures/frontier/depth-shares.png"


def _lr(value: Optional[float]) -> str:
    return "—" if value is None else f"{value:g}"


def _cell_key(settings: Dict[str, object]) -> Tuple[object, object]:
    return settings.get("layers"), settings.get("placement")


def _columns(cells: List[dict]) -> List[Tuple[object, object]]:
    keys = {_cell_key(c["settings"]) for c in cells}
    return sorted(keys, key=lambda k: (str(k[1]), k[0] if isinstance(k[0], (int, float)) else 0))


def _variant(entry: dict) -> str:
    """The variant's name without the grid's keys: the preset and any override of its own (AdaNorm's C)."""
    settings = entry.get("settings", {})
    scale = settings.get("adanorm_scale")
    if entry["preset"] == "adanorm" and scale is not None:
        return f"AdaNorm C = {scale:g}"
    return NAMES.get(entry["preset"], entry["preset"])


def stability_lines(out: Path, frontier: Task) -> List[str]:
    stability = frontier.main.get("stability")
    if not isinstance(stability, dict):
        return ["### Stability over the learning-rate grid", "",
                "frontier.vs-layernorm.json has no `stability` (an analyze older than the frontier rule, "
                "ANALYZE_JSON.md): no stability tables.", ""]
    cells = stability.get("frontier", [])
    columns = _columns(cells)
    header = " | ".join(f"{layers} blocks, {placement}-norm" for layers, placement in columns)
    lines = ["### Largest stable learning rate per variant, depth and placement", "",
             f"The largest rate of the grid at which all of a cell's runs neither diverged nor stalled (best "
             f"validation loss above {stability.get('stall_fraction', 0.95):g} × the data's prior loss); "
             f"≥ when it is the grid's largest, none when every rate had an unstable run. Figure: "
             f"{figure(out, FRONTIER_FIGURE)}.", "",
             f"| variant | {header} |", "| --- |" + " --- |" * len(columns)]
    rows: Dict[str, Dict[Tuple[object, object], str]] = {}
    for cell in cells:
        largest = cell.get("largest_stable_lr")
        text = "none" if largest is None else ("≥ " if cell.get("at_grid_edge") else "") + _lr(largest)
        rows.setdefault(_variant(cell), {})[_cell_key(cell["settings"])] = text
    for variant, values in rows.items():
        lines.append(f"| {variant} | " + " | ".join(values.get(c, "—") for c in columns) + " |")
    lines += ["", "### Diverged and stalled runs per group", "",
              "Per variant, depth and placement, at each learning rate: diverged + stalled of n (the median "
              "divergence step where runs diverged).", ""]
    rates = sorted({g["lr"] for g in stability.get("groups", []) if isinstance(g.get("lr"), (int, float))})
    lines += ["| variant | blocks | placement | " + " | ".join(f"lr {_lr(r)}" for r in rates) + " |",
              "| --- | --- | --- |" + " --- |" * len(rates)]
    by_cell: Dict[Tuple[str, object, object], Dict[float, str]] = {}
    for g in stability.get("groups", []):
        layers, placement = _cell_key(g["settings"])
        text = f"{g['diverged']} + {g['stalled']} of {g['runs']}"
        if g.get("median_divergence_step") is not None:
            text += f" (step {g['median_divergence_step']:g})"
        by_cell.setdefault((_variant(g), layers, placement), {})[g["lr"]] = text
    for (variant, layers, placement), values in by_cell.items():
        lines.append(f"| {variant} | {layers} | {placement} | " + " | ".join(values.get(r, "—") for r in rates)
                     + " |")
    return lines + [""]


def detach_lines(out: Path, frontier: Task) -> List[str]:
    """detach-std − detach-mean at each depth, placement and rate: the paper's "detaching the variance hurts more
    than detaching the mean in deeper networks" holds where detach-std's test bpc is higher."""
    doc = frontier.docs.get("detach-mean")
    lines = ["### Detaching the variance against detaching the mean, per depth", ""]
    if not doc:
        return lines + ["No frontier.vs-detach-mean.json: no comparison.", ""]
    lines += [f"Δ = detach variance − detach mean, test bpc at the best validation step (lower is better), with its "
              f"95% interval; the claim holds where it is higher. Figure: {figure(out, DETACH_FIGURE)}.", "",
              "| blocks | placement | lr | Δ test bpc [95% CI] | claim |", "| --- | --- | --- | --- | --- |"]
    rows = []
    for c in doc.get("comparisons", []):
        if c.get("preset") != "detach-std" or c.get("baseline") != "detach-mean":
            continue
        e = c.get(frontier.metric)
        settings = c.get("settings", {})
        outcome = {"higher": "**holds**", "lower": "**does not hold**"}.get(
            (e or {}).get("verdict"), f"**not distinguishable at {n_of(e)}**")
        delta = frontier.delta(c["group"], "detach-mean")
        rows.append(((settings.get("layers") or 0, str(settings.get("placement")), settings.get("lr") or 0),
                     f"| {settings.get('layers')} | {settings.get('placement')} | {_lr(settings.get('lr'))} | "
                     f"{delta} | {outcome} |"))
    if not rows:
        return lines[:2] + ["The frontier has no detach-std group beside a detach-mean one.", ""]
    return lines + [row for _, row in sorted(rows, key=lambda r: (r[0][1], r[0][0], r[0][2]))] + [""]


def _at_smallest_lr(frontier: Task) -> Dict[str, float]:
    """Per cell (a variant at every setting but lr), its group at the cell's smallest lr: the rule of
    normscope-plot's depth-shares figure (_depth.py), so that the table and the figure show the same runs."""
    smallest: Dict[object, Tuple[float, str]] = {}
    for g in frontier.main.get("groups", []):
        settings = g.get("settings", {})
        lr = settings.get("lr")
        if not isinstance(lr, (int, float)):
            continue
        cell = (frontier.presets[g["group"]], tuple(sorted((k, str(v)) for k, v in settings.items() if k != "lr")))
        if cell not in smallest or lr < smallest[cell][0]:
            smallest[cell] = (lr, g["group"])
    return {group: lr for lr, group in smallest.values()}


def depth_share_lines(out: Path, frontier: Task) -> List[str]:
    """The gradient parts' shares against depth, each variant and depth at the grid's smallest learning rate, from
    analyze's `gradients` (late window, mean over runs of each run's mean over its layers)."""
    chosen = _at_smallest_lr(frontier)
    settings = {g["group"]: g.get("settings", {}) for g in frontier.main.get("groups", [])}
    rows = []
    for g in frontier.main.get("gradients", []):
        if g["group"] not in chosen:
            continue
        s = settings[g["group"]]
        preset = frontier.presets[g["group"]]
        m = [mean_or_dash(g.get(key)) for key in ("recentering_share", "rescaling_share", "recenter_ratio",
                                                   "rescale_ratio")]
        rows.append(((str(s.get("placement")), preset, s.get("layers") or 0),
                     f"| {NAMES.get(preset, preset)} | {s.get('placement')} | {s.get('layers')} | "
                     + " | ".join(m) + " |"))
    rates = ", ".join(f"{r:g}" for r in sorted(set(chosen.values())))
    lines = [f"### The gradient parts' shares against depth (frontier, late in training, at the grid's smallest "
             f"learning rate: {rates or '—'})", "",
             f"Each variant and depth at its grid's smallest rate, as the figure draws them: "
             f"{figure(out, DEPTH_FIGURE)}.", ""]
    if not rows:
        return lines + ["The frontier has no group on a learning-rate grid with gradient statistics.", ""]
    return lines + ["| variant | placement | blocks | share of c | share of s | recenter_ratio | rescale_ratio |",
                    "| --- | --- | --- | --- | --- | --- | --- |"] + [row for _, row in sorted(rows)] + [""]
