#!/usr/bin/env python3
"""Writes analysis/walkthrough.ipynb from the cells below, outputs stripped (the notebook is stored without them and
executed by the test suite). Edit the cells here, then run: python3 analysis/notebooks/make_walkthrough.py"""
import pathlib

import nbformat

CELLS = [
    ("markdown", """# NormScope walkthrough: re-centering, re-scaling and the overfitting gap

This notebook reads the reference trace in `notebooks-data/` (five normalization variants of the digits MLP, one
seed each, 600 steps) with the `normscope` Python package (`pip install ./analysis`; see `analysis/PYTHON.md`), and
looks at the three things the trace records for each normalization layer: the split of the input gradient into its
direct part *d*, re-centering part *c* (through the mean) and re-scaling part *s* (through the standard deviation);
the overfitting gap between validation and training loss; and, for AdaNorm, Φ(y). The formulas are in
`analysis/METHODS.md`. Run it from the repository's root or from `analysis/`."""),
    ("code", """import pathlib

import matplotlib.pyplot as plt
import pandas as pd

import normscope

root = pathlib.Path.cwd()
while not (root / "notebooks-data").is_dir():
    root = root.parent
trace = normscope.open_trace(root / "notebooks-data" / "digits-reference.h5")
trace.runs[["preset", "seed", "steps", "lr", "hidden", "status", "completed_steps"]]"""),
    ("markdown", """## Re-centering and re-scaling

`recenter_ratio` is rowmean_abs(t)/rowmean_abs(d): 0 where re-centering removes each row's mean from the gradient,
1 where the mean is detached; `rescale_ratio` is rowvar(t)/rowvar(d + c): below 1 where the derivative through σ
shrinks the gradient's variance, 1 where σ is detached. Averaged over the last 10% of steps, per variant and layer:"""),
    ("code", """rows = []
for run_id in trace.run_ids:
    run = trace.run(run_id)
    for layer in run.layers:
        grad = run.grad(layer)
        late = grad[grad.index >= grad.index.max() * 0.9]
        rows.append({"run": run_id, "layer": layer, "recenter_ratio": late["recenter_ratio"].mean(),
                     "rescale_ratio": late["rescale_ratio"].mean(), "cos(t, d)": late["cos_total_direct"].mean()})
ratios = pd.DataFrame(rows).set_index(["run", "layer"])
ratios"""),
    ("code", """# Theorem 1 in the numbers: re-centering takes the row mean out (ratio 0 up to rounding) unless the mean is
# detached (DetachNorm keeps only d: ratio 1), and the σ-derivative never raises the variance.
assert (ratios.loc["layernorm-s0", "recenter_ratio"] < 1e-6).all()
assert (ratios.loc["detachnorm-s0", "recenter_ratio"] == 1).all()
assert (ratios["rescale_ratio"] <= 1 + 1e-6).all()"""),
    ("markdown", """## The overfitting gap

Validation minus training loss at the same evaluation steps. The paper's claim is that LayerNorm's derivatives
overfit more than AdaNorm's; one seed per variant and 600 steps, as here, can neither confirm nor refute it (a
sweep with seeds, and `normscope analyze`'s comparisons with their intervals, can). The gap at the end, per
variant:"""),
    ("code", """gaps = pd.Series({run_id: trace.run(run_id).evals["gap"].iloc[-1] for run_id in trace.run_ids}, name="final gap")
gaps.sort_values()"""),
    ("markdown", """## Figures

Training and validation loss on a linear axis (after the first tenth of training, where the gap can be read), and
rescale_ratio over steps, one fixed colour per preset (the HTML report's and normscope-plot's, whichever presets
the trace holds)."""),
    ("code", """colours = normscope.preset_colours(trace.runs["preset"])  # the report's and normscope-plot's colours

fig, (loss_ax, ratio_ax) = plt.subplots(1, 2, figsize=(11, 4))
for run_id in trace.run_ids:
    run = trace.run(run_id)
    colour = colours[trace.runs.loc[run_id, "preset"]]
    evals = run.evals[run.evals.index >= run.evals.index.max() / 10]
    loss_ax.plot(evals.index, evals["valid_loss"], color=colour, label=run_id + " valid")
    loss_ax.plot(evals.index, evals["train_loss"], color=colour, linestyle="--")
    grad = run.grad(run.layers[-1])
    ratio_ax.plot(grad.index, grad["rescale_ratio"], color=colour, label=run_id)
loss_ax.set(xlabel="step", ylabel="loss (nats)", title="validation (solid) and training (dashed) loss")
ratio_ax.set(xlabel="step", ylabel="rowvar(t) / rowvar(d + c)", title=f"rescale_ratio, {run.layers[-1]}")
loss_ax.legend(fontsize=7)
ratio_ax.legend(fontsize=7)
fig.tight_layout()"""),
    ("markdown", """## AdaNorm's Φ(y)

Φ(y) = C(1 − k·y) scales each element's gradient; its mean stays at C and its share ≤ 0 (where the gradient's sign
flips) is what the paper's choice of k keeps at 0:"""),
    ("code", """adanorm = trace.run("adanorm-s0")
phi = adanorm.phi(adanorm.layers[0])
counts, edges, phi_steps = adanorm.phi_histogram(adanorm.layers[0])
print(f"Φ mean over training: {phi['mean'].min():.3f} … {phi['mean'].max():.3f}; histogram {counts.shape} on {len(edges)} edges")
phi.head()"""),
    ("code", """trace.close()"""),
]


def main():
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, source in CELLS:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        notebook.cells.append(cell)
    # Cell ids from their position, so that regenerating the notebook does not change it.
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"
    path = pathlib.Path(__file__).resolve().parent.parent / "walkthrough.ipynb"
    nbformat.write(notebook, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
