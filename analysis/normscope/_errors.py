"""The one error type of the package."""

from __future__ import annotations


class TraceError(Exception):
    """A trace that cannot be read as asked: a missing file, a file that is not HDF5 or not a NormScope trace, a
    truncated or damaged one, a format version newer than this reader, an unknown run or layer, a table or
    attribute of the wrong type.

    Its message is one line that starts with the file and names the object and what was expected, like the
    ``normscope`` command line's errors: ``trace.h5: /runs/adanorm-s0/norms/hidden9.norm: no such layer (the run
    has hidden1.norm, hidden2.norm)``. The h5py exception it came from is not chained (``raise … from None``),
    so a traceback shows this line and not HDF5's error stack; ``path`` and ``object`` hold the parts.
    """

    def __init__(self, message: str, path: "str | None" = None, object: "str | None" = None):
        message = " ".join(str(message).split())  # one line, whatever HDF5 said
        super().__init__(message)
        self.path = path
        self.object = object
