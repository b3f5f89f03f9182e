"""Figure sizes for print (``--size``): a journal's one column (3.3 in) or full page width across two columns
(6.9 in), each with the fonts and line widths that read at that size when printed 1:1.

A figure never grows wider than its size: more groups or layers give more rows of panels (``Size.grid``), at most
``columns`` panels side by side. Fonts are 7 pt (one column) and 8 pt (two columns), the smallest sizes journals
accept for figure text; group lines are 1 pt, each run's own line and the grid hairlines 0.4–0.5 pt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Tuple

from matplotlib.figure import Figure

DEFAULT = "two-column"


@dataclass(frozen=True)
class Size:
    name: str
    width: float          # inches
    columns: int          # panels side by side at most
    panel_height: float   # inches per row of panels
    font: float           # points
    line: float           # a group's line, points
    thin: float           # a run's own line, points

    def grid(self, panels: int, columns: int = 0) -> Tuple[int, int]:
        """``(rows, columns)`` for ``panels`` panels, at most ``columns`` (default: the size's) side by side."""
        cols = max(1, min(panels, columns or self.columns, self.columns))
        return int(math.ceil(max(panels, 1) / cols)), cols

    def figure(self, rows: int, extra: float = 0.0, height: float = 0.0) -> Figure:
        """A figure of this size's width, ``rows`` panels high (or ``height`` inches), ``extra`` inches added for a
        legend or note below the panels."""
        return Figure(figsize=(self.width, (height or rows * self.panel_height) + extra), layout="constrained")

    def rc(self) -> Dict[str, Any]:
        """Matplotlib settings of this size, used while a figure is drawn and saved."""
        small = self.font - 1
        return {"font.size": self.font, "axes.titlesize": self.font, "axes.labelsize": self.font,
                "xtick.labelsize": small, "ytick.labelsize": small, "legend.fontsize": small,
                "figure.titlesize": self.font + 1, "lines.linewidth": self.line, "lines.markersize": 3.0,
                "axes.linewidth": 0.6, "xtick.major.width": 0.6, "ytick.major.width": 0.6,
                "xtick.minor.width": 0.4, "ytick.minor.width": 0.4, "xtick.major.size": 2.5,
                "ytick.major.size": 2.5, "grid.linewidth": 0.4, "grid.alpha": 0.4, "legend.frameon": False,
                "legend.handlelength": 2.6, "patch.linewidth": 0.5, "savefig.pad_inches": 0.02}


SIZES: Dict[str, Size] = {
    "one-column": Size("one-column", 3.3, 2, 1.55, 7.0, 1.0, 0.45),
    "two-column": Size("two-column", 6.9, 3, 1.9, 8.0, 1.0, 0.5),
}
