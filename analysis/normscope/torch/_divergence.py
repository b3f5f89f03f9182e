"""When a run counts as diverged (Sources/Recording/DivergenceThreshold.swift): a loss or gradient norm that is not
finite, or a loss above ``divergence_loss`` when the run sets it, else above 1000 × the first step's loss."""

from __future__ import annotations

import math
from typing import Optional

FIRST_LOSS_MULTIPLE = 1000.0


def _format(value: float) -> str:
    """Short and exact enough for a message: 4 significant digits (``2303``, ``1e+30``)."""
    return f"{value:.4g}"


class DivergenceThreshold:
    def __init__(self, configured: Optional[float]):
        self.configured = configured
        self.limit = configured

    @property
    def source(self) -> str:
        return "divergence_loss" if self.configured is not None else "1000 × the first step's loss"

    def reason(self, loss: float, gradient_norm: float) -> Optional[str]:
        """Why the step with this loss and gradient norm diverged, or None. Called once per step, in order: the
        first positive loss sets the default threshold."""
        if math.isnan(loss):
            return "the loss is NaN"
        if math.isinf(loss):
            return "the loss is infinite"
        if not math.isfinite(gradient_norm):
            return f"the gradient norm is not finite ({gradient_norm})"
        if self.limit is None and loss > 0:
            self.limit = FIRST_LOSS_MULTIPLE * loss
        if self.limit is None or loss <= self.limit:
            return None
        return f"the loss {_format(loss)} is above the divergence threshold {_format(self.limit)} ({self.source})"
