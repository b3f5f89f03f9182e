"""Read NormScope's HDF5 gradient traces from Python.

``normscope.open_trace(path)`` opens a trace that ``normscope record`` (or ``demo``) wrote, format 1 or 2, also a
live one (``swmr=True``), and gives its runs as pandas DataFrames and NumPy arrays, or xarray Datasets with
``to_xarray()``::

    import normscope
    with normscope.open_trace("normscope-demo.h5") as trace:
        print(trace.runs[["preset", "seed", "status", "completed_steps"]])
        run = trace.run("adanorm-s0")
        run.steps, run.evals, run.grad("hidden1.norm"), run.phi("hidden1.norm")
        counts, edges, steps = run.phi_histogram("hidden1.norm")

Every failure is a ``normscope.TraceError`` with one line naming the file and the object. The format itself is
documented in ``analysis/TRACE_FORMAT.md``; this package in ``analysis/PYTHON.md``.
"""

from ._errors import TraceError
from ._palette import preset_colours
from .trace import (FORMAT, SUPPORTED_VERSIONS, PhiHistogram, RawParts, Run, Trace, open_trace, to_xarray)

__version__ = "0.1.0"

__all__ = ["open_trace", "to_xarray", "Trace", "Run", "PhiHistogram", "RawParts", "TraceError", "FORMAT",
           "SUPPORTED_VERSIONS", "preset_colours", "__version__"]
