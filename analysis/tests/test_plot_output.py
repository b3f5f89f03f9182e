"""normscope-plot keeps the output contract of every NormScope command: its --out folder is never deleted or replaced,
an existing figure is replaced only with --force (checked for every file before anything is drawn or written), its
inputs are never written over (by any spelling: symbolic links, hard links, ``..``), a symbolic link is written
through, anything but a regular file is refused, and each file is written aside and renamed whole, so that an
error or an interrupt (Ctrl-C, SIGTERM) leaves the old file or none and never a temporary. Every failure is one
line ``normscope-plot: error: …``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, record

ANALYSIS = REPO / "analysis"
PNG = b"\x89PNG\r\n\x1a\n"
# Traces the recorder writes hold abs_mean_over_std, so forward-recentering is drawn too.
FIGURES = ["loss", "gap", "grad-parts", "ratios", "phi-adanorm", "forward-recentering", "summary"]


@pytest.fixture(scope="module")
def trace(cli, tmp_path_factory):
    return record(cli, tmp_path_factory.mktemp("plot-out") / "tiny.h5",
                  {"steps": 6, "hidden": [8], "eval_every": 3, "phi_every": 2, "presets": ["layernorm", "adanorm"]})


def plot_here(capsys, *args):
    from normscope.plot import main

    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, status, captured.out, captured.err)


def one_line_error(result, status=1):
    assert result.returncode == status, (result.returncode, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("normscope-plot: error: "), result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def listing(folder: Path):
    """Every name in the folder, hidden ones (temporaries) included, with its bytes (or the link it is)."""
    out = {}
    for path in sorted(folder.iterdir()):
        if path.is_symlink():
            out[path.name] = ("link", os.readlink(path))
        elif path.is_file():
            out[path.name] = path.read_bytes()
        else:
            out[path.name] = "folder"
    return out


def test_existing_figures_refused_before_drawing_then_replaced_with_force(trace, tmp_path, capsys):
    out = tmp_path / "figs"
    out.mkdir()
    (out / "gap.png").write_bytes(b"the user's own gap.png")
    (out / "notes.txt").write_text("keep me")
    before = listing(out)
    error = one_line_error(plot_here(capsys, trace, "--out", out, "--format", "png", "--dpi", "20"))
    assert f"{out}/gap.png exists; add --force to replace it" in error
    assert listing(out) == before                     # nothing written, not even the figures that did not exist
    result = plot_here(capsys, trace, "--out", out, "--format", "png", "--dpi", "20", "--force")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"{out}/{name}.png" for name in FIGURES]
    assert (out / "notes.txt").read_text() == "keep me"   # the folder's other files are kept
    assert sorted(listing(out)) == sorted([f"{name}.png" for name in FIGURES] + ["notes.txt"])   # no temporary
    assert all((out / f"{name}.png").read_bytes().startswith(PNG) for name in FIGURES)
    again = one_line_error(plot_here(capsys, trace, "--out", out, "--format", "png", "--dpi", "20"))
    assert "loss.png exists (and 6 more of the files to write); add --force to replace them" in again


def test_out_that_is_not_a_folder(trace, tmp_path, capsys):
    a_file = tmp_path / "figures"
    a_file.write_text("a file, not a folder")
    assert "--out" in one_line_error(plot_here(capsys, trace, "--out", a_file)) and a_file.read_text() == \
        "a file, not a folder"
    dangling = tmp_path / "gone"
    dangling.symlink_to(tmp_path / "nowhere")
    error = one_line_error(plot_here(capsys, trace, "--out", dangling))
    assert "symbolic link to a missing folder" in error and not (tmp_path / "nowhere").exists()
    under_a_file = one_line_error(plot_here(capsys, trace, "--out", a_file / "sub"))
    assert "is a file, not a folder" in under_a_file


def test_out_through_a_link_and_created_with_its_parents(trace, tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    result = plot_here(capsys, trace, "--out", tmp_path / "link", "--format", "png", "--dpi", "20")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "link").is_symlink() and (real / "loss.png").read_bytes().startswith(PNG)
    deep = tmp_path / "a" / "b" / "figs"
    result = plot_here(capsys, trace, "--out", deep, "--format", "png", "--dpi", "20")
    assert result.returncode == 0, result.stderr and (deep / "summary.png").exists()


def test_a_figure_that_is_a_folder_fifo_or_link(trace, tmp_path, capsys):
    out = tmp_path / "figs"
    out.mkdir()
    (out / "ratios.png").mkdir()
    (out / "ratios.png" / "inside.txt").write_text("a folder of the user's")
    error = one_line_error(plot_here(capsys, trace, "--out", out, "--format", "png", "--dpi", "20", "--force"))
    assert "ratios.png is a folder" in error
    assert (out / "ratios.png" / "inside.txt").read_text() == "a folder of the user's"
    shutil.rmtree(out / "ratios.png")
    os.mkfifo(out / "gap.png")                            # the old code blocked forever opening it
    error = one_line_error(plot_here(capsys, trace, "--out", out, "--format", "png", "--dpi", "20", "--force"))
    assert "gap.png is not a regular file" in error
    os.unlink(out / "gap.png")
    (out / "loss.png").symlink_to(tmp_path / "missing.png")
    assert "symbolic link to a missing file" in one_line_error(
        plot_here(capsys, trace, "--out", out, "--format", "png", "--dpi", "20", "--force"))
    os.unlink(out / "loss.png")
    kept = tmp_path / "kept-loss.png"
    kept.write_bytes(b"old")
    (out / "loss.png").symlink_to(kept)
    assert "loss.png exists" in one_line_error(plot_here(capsys, trace, "--out", out, "--format", "png"))
    assert kept.read_bytes() == b"old"
    result = plot_here(capsys, trace, "--out", out, "--format", "png", "--dpi", "20", "--force")
    assert result.returncode == 0, result.stderr
    assert (out / "loss.png").is_symlink() and kept.read_bytes().startswith(PNG)   # written through the link
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("spelling", ["same name", "hard link", "symbolic link", "dot-dot"])
def test_never_writes_over_an_input(trace, tmp_path, capsys, spelling):
    out = tmp_path / "figs"
    out.mkdir()
    given = tmp_path / "given.h5"
    shutil.copyfile(trace, given)
    original = given.read_bytes()
    if spelling == "same name":                          # the trace itself is named like a figure, in --out
        given = out / "summary.png"
        shutil.copyfile(trace, given)
    elif spelling == "hard link":
        os.link(given, out / "summary.png")
    elif spelling == "symbolic link":
        (out / "summary.png").symlink_to(given)
    else:
        (tmp_path / "sub").mkdir()
        given = tmp_path / "sub" / ".." / "figs" / "summary.png"
        shutil.copyfile(trace, out / "summary.png")
    error = one_line_error(plot_here(capsys, given, "--out", out, "--format", "png", "--dpi", "20", "--force"))
    assert "summary.png is one of the traces to draw" in error
    assert (out / "summary.png").read_bytes() == original and not (out / "loss.png").exists()


def test_never_writes_over_the_analysis_file(trace, tmp_path, capsys):
    out = tmp_path / "figs"
    out.mkdir()
    analysis = out / "loss.png"
    analysis.write_text('{"schema": "normscope-analyze/2", "baseline": "layernorm", "groups": [], "comparisons": []}')
    error = one_line_error(plot_here(capsys, trace, "--out", out, "--analysis", analysis, "--format", "png",
                                     "--force"))
    assert "loss.png is the --analysis file" in error and analysis.read_text().startswith('{"schema"')


def test_option_mistakes_are_one_line(capsys):
    with pytest.raises(SystemExit) as stop:
        plot_here(capsys, "trace.h5")
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("normscope-plot: error: the following arguments are required: -o/--out")


# A child normscope-plot whose figures are saved by a savefig that writes part of the second file and then gets a
# signal (or fails), so that the interrupt lands while a file is being written.
CHILD = r"""
import errno, os, signal, sys, time
# As in a terminal: a test runner may start its children with these signals blocked or ignored.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
from matplotlib.figure import Figure
saved, calls = Figure.savefig, []
def savefig(self, fname, **kwargs):
    calls.append(fname)
    if len(calls) == 2:
        with open(fname, "wb") as f:
            f.write(b"half a figure")
        if sys.argv[1] == "fail":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))
        time.sleep(0.5)
    saved(self, fname, **kwargs)
Figure.savefig = savefig
from normscope.plot import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("how, status, said", [
    ("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "stopped by signal 15"),
    ("fail", 1, "gap.png: could not be written (No space left on device); the existing file is unchanged"),
])
def test_interrupt_or_failure_while_writing_leaves_whole_files_only(trace, tmp_path, how, status, said):
    out = tmp_path / "figs"
    out.mkdir()
    (out / "gap.png").write_bytes(b"the old gap.png")
    env = {**os.environ, "PYTHONPATH": str(ANALYSIS), "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, "-c", CHILD, how, str(trace), "--out", str(out), "--format", "png",
                             "--dpi", "20", "--force"], capture_output=True, text=True, env=env, timeout=120)
    assert said in one_line_error(result, status)
    names = listing(out)
    assert not [name for name in names if name.startswith(".")], names            # no temporary left
    assert names["loss.png"].startswith(PNG)                                       # written before: whole
    if how == "fail":
        assert names["gap.png"] == b"the old gap.png"                              # the failed one: as it was
    else:
        assert names["gap.png"].startswith(PNG)                                    # the signal waited for it
    assert sorted(names) == ["gap.png", "loss.png"]                                # and nothing after it
    assert result.stdout.split() == [str(out / "loss.png")] + ([str(out / "gap.png")] if how != "fail" else [])



def test_short_out_option(trace, tmp_path, capsys):
    """``-o`` names the folder as ``--out`` does, as on every NormScope command."""
    result = plot_here(capsys, trace, "-o", tmp_path / "figs", "--format", "svg")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "figs" / "loss.svg").exists()
