"""Runs a command with its standard output going to a file under the output contract of every NormScope command, for
the study's shell script (run-study.sh), whose analyses, sweep files and tables are a program's standard output:

    python3 analysis/study/write_aside.py [--force] DEST -- COMMAND [ARG...]

DEST is checked before COMMAND runs (a folder, anything but a regular file, a dangling link, and an existing file
without --force are refused in one line; a link is written through), COMMAND's output goes to a temporary file
beside DEST, and only when COMMAND succeeds is it moved into place whole; when it fails or is interrupted the
temporary is removed and DEST is as it was. COMMAND's standard error passes through, and its non-zero status is this
script's. The contract is the normscope package's ``_output`` module, taken from this checkout.
"""

from __future__ import annotations

import signal

# Until main() takes over, an interrupt while the modules load ends the step quietly (nothing is written yet).
signal.signal(signal.SIGINT, signal.SIG_DFL)

import importlib.util  # noqa: E402
import subprocess  # noqa: E402
import sys
from pathlib import Path
from typing import List


def _contract():
    """The package's ``_output`` module beside this script, loaded alone: importing ``normscope`` would import h5py
    and pandas, a second or more for each of the study's many small writes."""
    path = Path(__file__).resolve().parents[1] / "normscope" / "_output.py"
    spec = importlib.util.spec_from_file_location("normscope_output", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module




class CommandFailed(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def _stop_once(number, frame):
    """The first SIGINT stops the step (the temporary removed, exit 130); more change nothing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: List[str]) -> int:
    signal.signal(signal.SIGINT, _stop_once)
    try:
        # Loaded here, inside the interrupt handling below: a Ctrl-C while it loads ends the script quietly too.
        output = _contract()
    except KeyboardInterrupt:
        return 130
    OutputError, OutputFile = output.OutputError, output.OutputFile
    force = bool(argv) and argv[0] == "--force"
    argv = argv[1:] if force else argv
    if len(argv) < 3 or argv[1] != "--":
        print("usage: write_aside.py [--force] DEST -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    destination, command = argv[0], argv[2:]

    def fill(temporary: str) -> None:
        with open(temporary, "wb") as out:
            try:
                status = subprocess.call(command, stdout=out)
            except OSError as error:  # it could not be started
                print(f"write_aside.py: error: {command[0]}: {error.strerror or error}", file=sys.stderr)
                status = 127
        if status != 0:
            raise CommandFailed(status)

    try:
        OutputFile(destination, "", force=force).write(fill)
    except OutputError as error:
        print(f"write_aside.py: error: {error}", file=sys.stderr)
        return 1
    except CommandFailed as failed:
        return failed.status if failed.status > 0 else 128 - failed.status
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
