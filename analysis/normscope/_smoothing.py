"""Smoothing of per-step series (``--smooth N``): a centred moving mean over N recorded steps, so a figure shows the
trend of a quantity recorded every step rather than its step-to-step noise. At either end the window holds the
recorded steps that exist (fewer than N); NaN steps are skipped within a window. ``--smooth 0`` (or ``--raw``) draws
the raw values. Evaluations (every ``eval_every`` steps) and Φ's statistics (every ``phi_every``) are never smoothed:
they are few, and each is a measurement of its own.
"""

from __future__ import annotations

import pandas as pd

DEFAULT_WINDOW = 25


def smooth(series: pd.Series, window: int) -> pd.Series:
    """``series`` (indexed by step) as a centred moving mean over ``window`` recorded steps; itself for 0 or 1."""
    if window <= 1:
        return series
    return series.rolling(window, center=True, min_periods=1).mean()


def describe(window: int) -> str:
    """What a figure says about its per-step lines."""
    if window <= 1:
        return "raw per-step values"
    return f"centred moving mean over {window} recorded steps"
