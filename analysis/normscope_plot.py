"""The ``normscope-plot`` command's entry point, outside the package on purpose: importing ``normscope.plot`` loads
pandas, h5py and matplotlib, about a second in which a Ctrl-C would otherwise end the command with a Python
traceback. Here the import is inside the command's own handling, so an interrupt at any moment ends it with one line
and exit status 130, as an interrupt while it draws does (``normscope.plot.main`` handles those)."""

import signal
import sys


def _stop_once(number, frame):
    """The first SIGINT stops the command; more (a terminal's or ``timeout``'s second, 1 ms later) change nothing.
    ``normscope.plot.main`` keeps this handler."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def main() -> int:
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _stop_once)
    try:
        from normscope.plot import main as plot
    except KeyboardInterrupt:
        sys.stderr.write("normscope-plot: error: interrupted before anything was read; no file was written\n")
        return 130
    return plot()


if __name__ == "__main__":
    sys.exit(main())
