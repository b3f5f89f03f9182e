"""``python -m normscope.inspect TRACE [--swmr] [--all]``: the trace's header and its runs table.

A quick look from Python's side (``normscope inspect`` is the full structure and data check). A bad file is one
line on standard error, ``error: trace.h5: …`` as the ``normscope`` command line prints it, and exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

import pandas as pd

from ._errors import TraceError
from .trace import open_trace

_COLUMNS = ["preset", "seed", "model", "dataset", "steps", "lr", "status", "completed_steps", "diverged_step"]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m normscope.inspect",
                                     description="Print a NormScope trace's format and its runs table.")
    parser.add_argument("trace", help="the trace (.h5) to read")
    parser.add_argument("--swmr", action="store_true", help="open as a SWMR reader (a live trace)")
    parser.add_argument("--all", action="store_true", help="every setting, not only the main columns")
    args = parser.parse_args(argv)
    try:
        with open_trace(args.trace, swmr=args.swmr) as trace:
            runs = trace.runs
            print(f"{trace.path}: NormScope trace format {trace.format_version}, written by NormScope "
                  f"{trace.tool_version or '(unknown)'}, {len(runs)} run(s)")
            if not runs.empty:
                table = runs if args.all else runs[[c for c in _COLUMNS if c in runs.columns]]
                with pd.option_context("display.max_rows", None, "display.max_columns", None,
                                       "display.width", 200):
                    print(table.to_string())
    except TraceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
