"""Every way a trace can be bad gives a one-line ``TraceError`` naming the file (and the object), and
``python -m normscope.inspect`` prints it as one line and exits 1."""

from __future__ import annotations

import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

import normscope


def one_line_error(path, match, **kwargs):
    with pytest.raises(normscope.TraceError) as caught:
        normscope.open_trace(path, **kwargs)
    return check_message(caught.value, path, match)


def check_message(error, path, match):
    message = str(error)
    assert "\n" not in message and message.startswith(f"{path}: "), message
    assert match in message, message
    chained = error.__cause__ is not None or (error.__context__ is not None and not error.__suppress_context__)
    assert not chained, "the h5py error must not be chained into the traceback"
    return message


def inspect_fails(path, match):
    result = subprocess.run([sys.executable, "-m", "normscope.inspect", str(path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: ") and match in lines[0], result.stderr


@pytest.fixture()
def copy(reference, tmp_path):
    def make(name="copy.h5"):
        target = tmp_path / name
        shutil.copyfile(reference, target)
        return target
    return make


def test_missing_file(tmp_path):
    path = tmp_path / "nope.h5"
    one_line_error(path, "no such file")
    inspect_fails(path, "no such file")


def test_directory(tmp_path):
    one_line_error(tmp_path, "is a directory")


def test_text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a trace\n")
    one_line_error(path, "is not an HDF5 file")
    inspect_fails(path, "is not an HDF5 file")


def test_truncated_copy(copy):
    path = copy()
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size // 3)
    message = one_line_error(path, "is truncated")
    assert f"of the {size} bytes" in message
    inspect_fails(path, "is truncated")


def test_zeroed_superblock(copy):
    path = copy()
    with open(path, "r+b") as f:
        f.write(b"\0" * 512)
    one_line_error(path, "is not an HDF5 file")


def test_hdf5_without_runs(tmp_path):
    path = tmp_path / "empty.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "normscope-trace"
        f.attrs["format_version"] = np.int64(2)
    one_line_error(path, "/runs: is missing")
    inspect_fails(path, "/runs: is missing")


def test_hdf5_of_another_kind(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.arange(3)
    one_line_error(path, "is not a NormScope trace (no root attribute 'format'")


def test_newer_format_version(copy):
    path = copy()
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = np.int64(3)
    one_line_error(path, "trace format version 3 is newer than the versions this reader knows (1, 2)")


def test_unknown_run_and_layer(reference):
    with normscope.open_trace(reference) as trace:
        with pytest.raises(normscope.TraceError) as caught:
            trace.run("adanorm-s9")
        check_message(caught.value, reference, "/runs/adanorm-s9: no such run (the trace has adanorm-s0,")
        run = trace.run("adanorm-s0")
        with pytest.raises(normscope.TraceError) as caught:
            run.grad("hidden9.norm")
        check_message(caught.value, reference,
                      "/runs/adanorm-s0/norms/hidden9.norm: no such layer (the run has hidden1.norm, hidden2.norm)")
        with pytest.raises(normscope.TraceError) as caught:
            trace.run("layernorm-s0").phi("hidden1.norm")
        check_message(caught.value, reference, "/norms/hidden1.norm/phi: is missing (only adaptive layers")
        with pytest.raises(normscope.TraceError) as caught:
            run.raw_parts("hidden1.norm")
        check_message(caught.value, reference, "raw_parts: is missing (recorded with raw_every = 0")


def test_mistyped_setting_and_table(mlp_trace, tmp_path):
    path = tmp_path / "mistyped.h5"
    shutil.copyfile(mlp_trace, path)
    with h5py.File(path, "r+") as f:
        f["runs/adanorm-s0"].attrs["momentum"] = "0.9"
        del f["runs/layernorm-s0/steps"]
        f["runs/layernorm-s0/steps"] = np.arange(4)
    with normscope.open_trace(path) as trace:
        with pytest.raises(normscope.TraceError) as caught:
            trace.runs
        check_message(caught.value, path, "/runs/adanorm-s0: attribute 'momentum' holds string '0.9', expected float64")
        with pytest.raises(normscope.TraceError) as caught:
            trace.run("layernorm-s0").steps
        check_message(caught.value, path, "/runs/layernorm-s0/steps: holds int64, expected a table with the fields step")


def test_damaged_chunk_is_one_line(mlp_trace, tmp_path):
    """Bytes of a compressed chunk overwritten: the read fails in HDF5's filter; the error names the dataset."""
    path = tmp_path / "chunk.h5"
    shutil.copyfile(mlp_trace, path)
    with h5py.File(path, "r") as f:
        offset = f["runs/adanorm-s0/norms/hidden1.norm/grad"].id.get_chunk_info(0).byte_offset
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(b"\xff" * 64)
    with normscope.open_trace(path) as trace:
        with pytest.raises(normscope.TraceError) as caught:
            trace.run("adanorm-s0").grad("hidden1.norm")
        check_message(caught.value, path, "/runs/adanorm-s0/norms/hidden1.norm/grad: cannot be read")


def test_closed_trace(reference):
    trace = normscope.open_trace(reference)
    trace.close()
    trace.close()
    with pytest.raises(normscope.TraceError, match="the trace is closed"):
        trace.runs
