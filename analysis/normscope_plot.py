"""The ``normscope-plot`` command's entry point, outside the package on purpose: importing ``normscope.plot`` loads
pandas, h5py and matplotlib, about a second in which a Ctrl-C would otherwise end the command with a Python
traceback. Here the import is inside the command's own handling, so an interrupt at any moment ends it with one line
and exit status 130, as an interrupt while it draws does (``normscope.plot.main`` handles those)."""

import sys


def main() -> int:
    try:
        from normscope.plot import main as plot
    except KeyboardInterrupt:
        sys.stderr.write("normscope-plot: error: interrupted before anything was read; no file was written\n")
        return 130
    return plot()


if __name__ == "__main__":
    sys.exit(main())
