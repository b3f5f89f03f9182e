"""normscope.torch.Recorder's guarantees beside the Swift writer's: a recording process killed with SIGKILL leaves
a readable trace with every step up to its last flush; rows waiting longer than the flush interval are flushed
without a further step; a live trace is read while it grows; and one writer per path and per file, whatever
recorder: a Swift ``normscope record`` and a Python Recorder refuse each other, both ways."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: more threads only contend for this machine's cores

import normscope  # noqa: E402
import normscope.torch as nst  # noqa: E402

ANALYSIS = Path(__file__).resolve().parents[1]

# A recording child: an AdaNorm MLP trained until it is killed, printing each step count it has flushed.
CHILD = """
import sys, torch, normscope.torch as nst
path, live = sys.argv[1], sys.argv[2] == "live"
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.LayerNorm(16), torch.nn.Linear(16, 3))
nst.instrument(model, preset="adanorm")
x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
with nst.Recorder(path, model, run="adanorm-s0", settings={"seed": 0, "phi_every": 3}, flush_every=5,
                  live=live) as rec:
    print("ready", flush=True)
    while True:
        loss = torch.nn.functional.cross_entropy(model(x), y)
        model.zero_grad()
        loss.backward()
        rec.step(loss=loss, learning_rate=0.05)
        with torch.no_grad():  # SGD by hand: torch.optim's first use imports torch._dynamo, seconds of start-up
            for parameter in model.parameters():
                parameter -= 0.05 * parameter.grad
        if rec.steps % 5 == 0:
            print("flushed", rec.steps, flush=True)
"""


# Reads a dataset's length from the file on disk until it is N (exit 0) or 10 s passed (exit 1).
WAIT_FOR_ROWS = """
import sys, time, h5py
path, name, wanted = sys.argv[1], sys.argv[2], int(sys.argv[3])
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    with h5py.File(path, "r", locking=False) as f:
        if f[name].shape[0] == wanted:
            sys.exit(0)
    time.sleep(0.05)
print("rows on disk:", h5py.File(path, "r", locking=False)[name].shape[0])
sys.exit(1)
"""


class Child:
    """The recording child, started in ``folder`` on ``path``."""

    def __init__(self, folder: Path, path: Path, live: bool = False):
        script = folder / "child.py"
        script.write_text(CHILD)
        environment = {**os.environ, "OMP_NUM_THREADS": "1",
                       "PYTHONPATH": os.pathsep.join([str(ANALYSIS), os.environ.get("PYTHONPATH", "")])}
        self.process = subprocess.Popen([sys.executable, str(script), str(path), "live" if live else "normal"],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=folder,
                                        env=environment)

    def wait_for(self, flushed: int) -> int:
        """Reads its lines until it flushed at least ``flushed`` steps (0: until it is ready); the count."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            words = line.split()
            if flushed == 0 and words == ["ready"]:
                return 0
            if words and words[0] == "flushed" and int(words[1]) >= flushed:
                return int(words[1])
        raise AssertionError(f"the recording child ended: {self.process.stderr.read() if self.process.stderr else ''}")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


def test_sigkill_leaves_every_flushed_step(cli, tmp_path):
    path = tmp_path / "killed.h5"
    child = Child(tmp_path, path)
    try:
        flushed = child.wait_for(40)
    finally:
        child.kill()
    result = subprocess.run([cli, "inspect", "--data", "--no-attributes", str(path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    with normscope.open_trace(path) as trace:
        run = trace.run("adanorm-s0")
        assert run.status == "running"
        steps = len(run.steps)
        assert steps >= flushed
        assert list(run.steps.index) == list(range(steps)) and len(run.grad("1")) == steps
        assert len(run.phi("1")) == len(range(0, steps, 3))
    # The killed writer's locks went with it: the path takes a new recorder (the lock file left is harmless).
    model = torch.nn.Sequential(torch.nn.LayerNorm(4))
    nst.instrument(model)
    nst.Recorder(path, model, run="next", settings={"seed": 0}, force=True).close()


def test_rows_waiting_longer_than_the_interval_are_flushed(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.LayerNorm(6))
    nst.instrument(model)
    path = tmp_path / "interval.h5"
    with nst.Recorder(path, model, run="r", settings={"seed": 0}, flush_every=1000, flush_interval=0.2) as rec:
        for _ in range(3):
            model(torch.randn(4, 3)).sum().backward()
            rec.step(loss=1.0, learning_rate=0.1)
        # What a killed recorder would leave: the file as of its last flush, read by another process (without
        # HDF5's lock, which the writer holds) until it holds the 3 steps.
        reader = subprocess.run([sys.executable, "-c", WAIT_FOR_ROWS, str(path), "runs/r/steps", "3"],
                                capture_output=True, text=True, timeout=60)
        assert reader.returncode == 0, reader.stdout + reader.stderr


def test_a_live_trace_is_read_while_it_grows(tmp_path):
    path = tmp_path / "live.h5"
    child = Child(tmp_path, path, live=True)
    try:
        child.wait_for(10)
        with h5py.File(path, "r", libver="latest", swmr=True) as f:
            steps = f["runs/adanorm-s0/steps"]
            before = steps.shape[0]
            child.wait_for(before + 10)
            steps.refresh()
            assert steps.shape[0] >= before + 10
            assert f["runs/adanorm-s0"].attrs["status"] == "running"
    finally:
        child.kill()
    with normscope.open_trace(path, swmr=True) as trace:
        assert len(trace.run("adanorm-s0").steps) >= 20


def test_one_writer_per_path_whatever_the_recorder(cli, tmp_path):
    """A Python recorder's trace is refused to a Swift `normscope record --force` (under its path and, through a
    hard link, its file) and to a second Python recorder; a Swift recorder's trace is refused to a Python
    Recorder(force=True)."""
    path = tmp_path / "one.h5"
    sweep = tmp_path / "sweep.json"
    sweep.write_text(json.dumps({"steps": 1000000, "hidden": [8], "presets": ["layernorm"]}))
    child = Child(tmp_path, path)
    try:
        child.wait_for(5)
        swift = subprocess.run([cli, "record", "--config", str(sweep), "--out", str(path), "--force", "--quiet"],
                               capture_output=True, text=True, timeout=120)
        assert swift.returncode == 1 and "is being written by another recorder" in swift.stderr, swift.stderr
        assert f"(process {child.process.pid})" in swift.stderr
        os.link(path, tmp_path / "other-name.h5")
        swift = subprocess.run([cli, "record", "--config", str(sweep), "--out", str(tmp_path / "other-name.h5"),
                                "--force", "--quiet"], capture_output=True, text=True, timeout=120)
        assert swift.returncode == 1 and "a file another recorder is writing" in swift.stderr, swift.stderr
        model = torch.nn.Sequential(torch.nn.LayerNorm(4))
        nst.instrument(model)
        for name in ("one.h5", "other-name.h5"):
            with pytest.raises(nst.RecorderError, match="another recorder"):
                nst.Recorder(tmp_path / name, model, run="second", settings={"seed": 0}, force=True)
    finally:
        child.kill()
    swift = subprocess.Popen([cli, "record", "--config", str(sweep), "--out", str(path), "--force", "--quiet"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        # Once the Swift recorder holds the path (its lock file names it), a Python recorder is refused.
        lock = tmp_path / ".one.h5.lock"
        deadline = time.monotonic() + 60
        while not (lock.exists() and lock.read_text().strip() == str(swift.pid)):
            assert swift.poll() is None, swift.stderr.read() if swift.stderr else ""
            assert time.monotonic() < deadline, "the Swift recorder did not start"
            time.sleep(0.05)
        with pytest.raises(nst.RecorderError) as refused:
            nst.Recorder(path, model, run="third", settings={"seed": 0}, force=True)
        assert "is being written by another recorder" in str(refused.value)
        assert f"(process {swift.pid})" in str(refused.value)
    finally:
        swift.kill()
        swift.wait(timeout=30)
        if swift.stderr:
            swift.stderr.close()
