#!/usr/bin/env python3
"""The h5py + NumPy comparison for `normscope bench analyze`: the reductions of `normscope analyze`, done the way a
researcher would do them in a notebook — every table read whole with `ds[()]`, then vectorized NumPy.

    python3 analysis/bench_analyze.py TRACE [--json OUT] [--bins 240] [--series]

It mirrors, for every run and layer of the trace (analysis/TRACE_FORMAT.md), what `Analysis.TraceSummary` computes
block by block in Swift:

- `RunSummary.read` (Sources/Analysis/RunSummary.swift): from `evals`, the last and the best (lowest valid_loss,
  first on ties) of the evaluations whose train and valid losses are both finite; the gap at each; the mean gap over
  the last 10% (at least one) of those finite evaluations; and the evaluations binned into chart points.
- `LayerGradientSummary.read` (Sources/Analysis/GradientPartSummary.swift): from `norms/<layer>/grad`, the early
  (first max(1, n // 10) rows) and late (last max(1, n // 10) rows) windows, each the mean of the finite values of
  total_rowmean_abs, direct_rowmean_abs, recenter_ratio, rescale_ratio, recenter_share, rescale_share,
  cos_total_direct, the four rowvars and abs_mean_over_std; `TheoremEvidence`, the steps where the ratios meet
  Theorem 1's identities within 1e-6 and their extremes; and eight binned series.
- `PhiSummary.read` and `PhiHeatMap` (Sources/Analysis/PhiSummary.swift): from `phi`, the early and late windows,
  |mean(Φ) − C| over the recorded steps and the steps within 1e-6·C of C; from `phi_hist`, the counts summed into
  min(bins, 160) time columns, as fractions.
- `BinnedSeries` (Sources/Analysis/Streaming/BinnedSeries.swift): row i goes to bin i·B // n with B = min(bins, n);
  a point is the mean step of its rows and, per quantity, the mean of its finite values (NaN without any).

The JSON it writes uses the Swift JSON's names (`normscope analyze --format json`), grouped by run id, so the two
can be compared number by number; non-finite numbers are the strings "nan", "inf" and "-inf", as in Swift. The
chart series (not part of `analyze`'s JSON) are added with --series. Needs only h5py and NumPy.
"""
import argparse
import json
import math
import re
import sys
import time

import h5py
import numpy as np

# TheoremEvidence.tolerance and PhiSummary.relativeTolerance.
TOLERANCE = 1e-6
PHI_RELATIVE_TOLERANCE = 1e-6
EVALUATION_SERIES = ["train_loss", "valid_loss", "gap", "valid_accuracy"]
GRADIENT_SERIES = [
    "total_norm", "direct_norm", "recenter_norm", "rescale_norm", "recenter_ratio", "rescale_ratio",
    "cos_total_direct", "abs_mean_over_std",
]
# (Swift JSON name, grad field) of a GradientWindow.
GRADIENT_WINDOW = [
    ("totalRowMeanAbs", "total_rowmean_abs"), ("directRowMeanAbs", "direct_rowmean_abs"),
    ("recenterRatio", "recenter_ratio"), ("rescaleRatio", "rescale_ratio"),
    ("recenteringShare", "recenter_share"), ("rescalingShare", "rescale_share"),
    ("cosineTotalDirect", "cos_total_direct"), ("totalRowVariance", "total_rowvar"),
    ("directRowVariance", "direct_rowvar"), ("recenteringRowVariance", "recenter_rowvar"),
    ("rescalingRowVariance", "rescale_rowvar"), ("absMeanOverStd", "abs_mean_over_std"),
]
# PhiSummary.seriesNames, in `phi`'s field names.
PHI_SERIES = ["mean", "sd", "q05", "q50", "q95", "fraction_nonpositive"]
# (Swift JSON name, phi field) of a PhiWindow's means.
PHI_WINDOW = [
    ("mean", "mean"), ("standardDeviation", "sd"), ("q05", "q05"), ("q50", "q50"), ("q95", "q95"),
    ("fractionNonPositive", "fraction_nonpositive"),
]


def text(value):
    """An attribute as str (h5py gives str or bytes depending on how the string was stored)."""
    return value.decode() if isinstance(value, bytes) else str(value)


def finite(values):
    return values[np.isfinite(values)]


def finite_mean(values):
    kept = finite(values)
    return float(kept.mean()) if kept.size else math.nan


def finite_min(values):
    kept = finite(values)
    return float(kept.min()) if kept.size else math.nan


def finite_max(values):
    kept = finite(values)
    return float(kept.max()) if kept.size else math.nan


def binned(steps, table, names, bins):
    """BinnedSeries: rows assigned to min(bins, n) bins by index; mean step and mean of finite values per bin."""
    n = len(steps)
    count = max(0, min(bins, n))
    result = {"steps": [], **{name: [] for name in names}}
    if count == 0:
        return result
    bin_of_row = np.arange(n, dtype=np.int64) * count // n
    rows = np.bincount(bin_of_row, minlength=count)
    filled = rows > 0
    result["steps"] = (np.bincount(bin_of_row, weights=steps.astype(np.float64), minlength=count)[filled]
                       / rows[filled]).tolist()
    for name in names:
        values = table[name]
        mask = np.isfinite(values)
        sums = np.bincount(bin_of_row[mask], weights=values[mask], minlength=count)
        counts = np.bincount(bin_of_row[mask], minlength=count)
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        result[name] = means[filled].tolist()
    return result


def windows(table):
    """The first and last max(1, n // 10) rows."""
    n = len(table)
    window = max(1, n // 10)
    return table[:window], table[max(0, n - window):]


def run_summary(run, run_id, bins):
    """RunSummary.read: the evaluations' last, best and last-tenth statistics, and their chart points."""
    attrs = run.attrs
    evals = run["evals"][()]
    train, valid, gap = evals["train_loss"], evals["valid_loss"], evals["gap"]
    rows = np.flatnonzero(np.isfinite(valid) & np.isfinite(train))
    summary = {
        "preset": text(attrs["preset"]) if "preset" in attrs else run_id,
        "seed": int(attrs["seed"]) if "seed" in attrs else -1,
        "status": text(attrs["status"]) if "status" in attrs else "unknown",
        "completedSteps": int(attrs["completed_steps"]) if "completed_steps" in attrs else 0,
        "evaluationCount": len(evals),
    }
    diverged = int(attrs["diverged_step"]) if "diverged_step" in attrs else -1
    if diverged >= 0:
        summary["divergedAtStep"] = diverged
    if rows.size:
        last = evals[rows[-1]]
        best = evals[rows[np.argmin(valid[rows])]]  # argmin keeps the first of equal minima, as Swift's `<`
        tail = rows[rows.size - max(1, rows.size // 10):]
        summary.update(
            finalTrainLoss=float(last["train_loss"]), finalValidLoss=float(last["valid_loss"]),
            finalValidAccuracy=float(last["valid_accuracy"]), bestValidLoss=float(best["valid_loss"]),
            bestValidStep=int(best["step"]), bestValidAccuracy=float(best["valid_accuracy"]),
            gapAtEnd=float(last["gap"]), gapAtBest=float(best["gap"]), gapLastTenth=finite_mean(gap[tail]))
    else:
        summary.update(
            finalTrainLoss=math.nan, finalValidLoss=math.nan, finalValidAccuracy=math.nan, bestValidLoss=math.nan,
            bestValidStep=-1, bestValidAccuracy=math.nan, gapAtEnd=math.nan, gapAtBest=math.nan,
            gapLastTenth=math.nan)
    series = binned(evals["step"], evals, EVALUATION_SERIES, bins)
    return summary, series, evals.nbytes


def adanorm_scale(run):
    """C, as NormalizationSettings reads it: only when the four norm_* settings are recorded."""
    attrs = run.attrs
    required = ["norm_normalizes", "norm_centering", "norm_detach_mean", "norm_detach_std"]
    if not all(name in attrs for name in required) or "norm_adanorm_scale" not in attrs:
        return None
    try:
        return float(text(attrs["norm_adanorm_scale"]))
    except ValueError:
        return None


def gradient_window(rows):
    window = {"steps": len(rows)}
    for name, field in GRADIENT_WINDOW:
        window[name] = finite_mean(rows[field])
    return window


def theorem_evidence(grad):
    """TheoremEvidence: steps where the ratios meet each identity within TOLERANCE, over the finite steps."""
    recenter = finite(grad["recenter_ratio"])
    rescale = finite(grad["rescale_ratio"])
    with np.errstate(divide="ignore", invalid="ignore"):
        norm = finite(grad["total_norm"] / grad["direct_norm"])
    return {
        "recenterSteps": int(recenter.size),
        "rescaleSteps": int(rescale.size),
        "recenterZeroSteps": int(np.count_nonzero(np.abs(recenter) <= TOLERANCE)),
        "recenterOneSteps": int(np.count_nonzero(np.abs(recenter - 1) <= TOLERANCE)),
        "rescaleAtMostOneSteps": int(np.count_nonzero(rescale <= 1 + TOLERANCE)),
        "rescaleOneSteps": int(np.count_nonzero(np.abs(rescale - 1) <= TOLERANCE)),
        "recenterRatioMin": float(recenter.min()) if recenter.size else math.nan,
        "recenterRatioMax": float(recenter.max()) if recenter.size else math.nan,
        "rescaleRatioMin": float(rescale.min()) if rescale.size else math.nan,
        "rescaleRatioMax": float(rescale.max()) if rescale.size else math.nan,
        "normSteps": int(norm.size),
        "normAtMostOneSteps": int(np.count_nonzero(norm <= 1 + TOLERANCE)),
        "normOneSteps": int(np.count_nonzero(np.abs(norm - 1) <= TOLERANCE)),
        "normRatioMin": float(norm.min()) if norm.size else math.nan,
        "normRatioMax": float(norm.max()) if norm.size else math.nan,
        "excludedSteps": 0,
    }


def phi_window(rows):
    window = {"steps": len(rows)}
    for name, field in PHI_WINDOW:
        window[name] = finite_mean(rows[field])
    window["minimum"] = finite_min(rows["min"])
    window["maximum"] = finite_max(rows["max"])
    return window


def phi_summary(phi, scale):
    """PhiSummary.read: windows of the `phi` table, and how far its mean strays from C."""
    early, late = windows(phi)
    summary = {
        "recordedSteps": len(phi), "excludedSteps": 0, "early": phi_window(early), "late": phi_window(late),
        "maxFractionNonPositive": finite_max(phi["fraction_nonpositive"]),
    }
    if scale is not None:
        summary["scale"] = scale
        deviation = np.abs(finite(phi["mean"]) - scale)
        summary["minMeanDeviation"] = float(deviation.min()) if deviation.size else math.nan
        summary["maxMeanDeviation"] = float(deviation.max()) if deviation.size else math.nan
        summary["stepsMeanAtScale"] = int(np.count_nonzero(deviation <= PHI_RELATIVE_TOLERANCE * abs(scale)))
    else:
        summary.update(minMeanDeviation=math.nan, maxMeanDeviation=math.nan, stepsMeanAtScale=0)
    return summary, phi.nbytes


def phi_heat_map(layer, bins):
    """PhiHeatMap: phi_hist summed over consecutive steps into min(bins, 160) columns, each as fractions."""
    histogram = layer["phi_hist"][()]
    edges = layer["phi_edges"][()]
    steps = layer["phi_step"][()]
    rows = histogram.shape[0]
    columns = min(min(bins, 160), rows)
    nbytes = histogram.nbytes + edges.nbytes + steps.nbytes
    low = edges[0] - (edges[1] - edges[0])
    high = edges[-1] + (edges[-1] - edges[-2])
    value_edges = [float(low)] + edges.tolist() + [float(high)]
    if columns == 0:
        return {"stepEdges": [], "valueEdges": value_edges, "fractions": []}, nbytes
    column_of_row = np.arange(rows, dtype=np.int64) * columns // rows
    starts = np.flatnonzero(np.r_[True, column_of_row[1:] != column_of_row[:-1]])
    counts = np.add.reduceat(histogram.astype(np.float64), starts, axis=0)
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        fractions = np.where(totals > 0, counts / totals, np.nan)
    spacing = max(1.0, float(steps[-1] - steps[-2])) if len(steps) > 1 else 1.0
    step_edges = steps[starts].astype(np.float64).tolist() + [float(steps[-1]) + spacing]
    return {"stepEdges": step_edges, "valueEdges": value_edges, "fractions": fractions.tolist()}, nbytes


def layer_summary(layer, scale, bins):
    """LayerGradientSummary.read: windows, Theorem 1 evidence and chart points of one layer, and its Φ(y)."""
    grad = layer["grad"][()]
    early, late = windows(grad)
    summary = {
        "index": int(layer.attrs["index"]) if "index" in layer.attrs else -1,
        "width": int(layer.attrs["width"]) if "width" in layer.attrs else -1,
        "early": gradient_window(early),
        "late": gradient_window(late),
        "theorem": theorem_evidence(grad),
    }
    series = binned(grad["step"], grad, GRADIENT_SERIES, bins)
    nbytes = grad.nbytes
    heat_map = None
    phi_series = None
    if "phi" in layer:
        phi = layer["phi"][()]
        phi_series = binned(phi["step"], phi, PHI_SERIES, bins)
        summary["phi"], read = phi_summary(phi, scale)
        nbytes += read
        if "phi_hist" in layer:
            heat_map, read = phi_heat_map(layer, bins)
            nbytes += read
    return summary, series, phi_series, heat_map, nbytes


def analyze(path, bins):
    runs, series, nbytes = {}, {}, 0
    with h5py.File(path, "r") as file:
        for run_id in sorted(file["runs"]):
            run = file["runs"][run_id]
            summary, evaluations, read = run_summary(run, run_id, bins)
            nbytes += read
            scale = adanorm_scale(run)
            layers, layer_series, phi_series, phi_maps = {}, {}, {}, {}
            if "norms" in run:
                for name, layer in run["norms"].items():
                    layers[name], layer_series[name], phi, heat_map, read = layer_summary(layer, scale, bins)
                    nbytes += read
                    if phi is not None:
                        phi_series[name] = phi
                    if heat_map is not None:
                        phi_maps[name] = heat_map
            summary["layers"] = layers
            runs[run_id] = summary
            series[run_id] = {
                "evaluations": evaluations, "layers": layer_series, "phi": phi_series, "phiMaps": phi_maps,
            }
    return runs, series, nbytes


def snake_case(key):
    """`bestValidLoss` -> `best_valid_loss`, as `normscope analyze --format json` (schema 2) writes its keys."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


# Keys of these objects are the user's names (run IDs, layer and setting names) and are kept as they are.
NAMED = {"runs", "layers", "settings"}


def portable(value, parent=None):
    """Keys in snake_case and non-finite floats as null, recursively: the conventions of analyze's JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        keep = parent in NAMED
        return {(key if keep else snake_case(key)): portable(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [portable(item) for item in value]
    return value


def portable_series(value):
    """The chart points as the Swift tests encode them: keys as they are, non-finite floats as "nan"/"inf"/"-inf"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {key: portable_series(item) for key, item in value.items()}
    if isinstance(value, list):
        return [portable_series(item) for item in value]
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trace")
    parser.add_argument("--json", metavar="OUT", help="write the results here instead of standard output")
    parser.add_argument("--bins", type=int, default=240, help="chart points per series (TraceSummary's default)")
    parser.add_argument("--series", action="store_true", help="include the binned chart series in the JSON")
    args = parser.parse_args()
    start = time.perf_counter()
    runs, series, nbytes = analyze(args.trace, args.bins)
    seconds = time.perf_counter() - start
    document = {
        "tool": f"h5py {h5py.__version__} (HDF5 {h5py.version.hdf5_version}), NumPy {np.__version__}",
        "trace": args.trace, "bins": args.bins, "seconds": seconds, "tableBytes": int(nbytes),
        "runs": portable(runs, "runs"),
    }
    if args.series:
        document["series"] = portable_series(series)
    encoded = json.dumps(document, indent=1, sort_keys=True)
    if args.json:
        with open(args.json, "w") as out:
            out.write(encoded + "\n")
        layers = sum(len(run["layers"]) for run in runs.values())
        print(f"{len(runs)} runs, {layers} layer tables, {nbytes / 1e6:.1f} MB of rows in {seconds:.3f} s")
    else:
        sys.stdout.write(encoded + "\n")


if __name__ == "__main__":
    main()
