"""Fixtures: traces recorded by the built ``normscope`` CLI, and the bundled format-1 reference trace.

The CLI is found by ``NORMSCOPE_BIN`` (the Swift test that runs this suite passes its own build), else by
``swift build --show-bin-path`` from the repository root, else ``.build/release`` or ``.build/debug``. Without one,
the tests that need recorded traces are skipped with a message saying how to build it; the format-1 tests still
run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The suite tests the package of this checkout, also where `pip install -e` points at another one.
sys.path.insert(0, str(REPO / "analysis"))
REFERENCE = REPO / "notebooks-data" / "digits-reference.h5"


def _find_cli():
    explicit = os.environ.get("NORMSCOPE_BIN")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    candidates = []
    if shutil.which("swift"):
        try:
            out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, capture_output=True, text=True,
                                 timeout=120)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(Path(out.stdout.strip()) / "normscope")
        except (OSError, subprocess.TimeoutExpired):
            pass
    candidates += [REPO / ".build" / "release" / "normscope", REPO / ".build" / "debug" / "normscope"]
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


@pytest.fixture(scope="session")
def cli():
    path = _find_cli()
    if path is None:
        pytest.skip("the normscope CLI is not built (swift build --product normscope, or set NORMSCOPE_BIN)")
    return path


def record(cli, out: Path, config: dict, *extra: str) -> Path:
    sweep = out.with_suffix(".json")
    sweep.write_text(json.dumps(config))
    result = subprocess.run([cli, "record", "--config", str(sweep), "--out", str(out), "--quiet", "--force", *extra],
                            capture_output=True, text=True, timeout=300, cwd=out.parent)
    assert result.returncode == 0, f"normscope record failed: {result.stderr}"
    return out


@pytest.fixture(scope="session")
def mlp_trace(cli, tmp_path_factory):
    """Format 2: the digits MLP with layernorm and adanorm, raw rows every 20 steps, Φ every 10."""
    out = tmp_path_factory.mktemp("mlp") / "mlp.h5"
    return record(cli, out, {"steps": 60, "hidden": [32, 32], "raw_every": 20, "eval_every": 20,
                             "presets": ["layernorm", "adanorm"]})


@pytest.fixture(scope="session")
def lm_trace(cli, tmp_path_factory):
    """Format 2: a tiny char-LM with AdaNorm (three norm layers with dotted names) on a small text file."""
    directory = tmp_path_factory.mktemp("lm")
    words = "the devil norm layer gradient is a of and to".split()
    (directory / "small.txt").write_text(" ".join(words[(i * 7 + i // 3) % len(words)] for i in range(600)))
    return record(cli, directory / "lm.h5", {
        "model": "char-lm", "dataset": "small.txt", "steps": 6, "context": 16, "width": 16, "layers": 1,
        "heads": 2, "ffn": 32, "batch": 4, "eval_every": 3, "raw_every": 3, "phi_every": 2, "presets": ["adanorm"]})


@pytest.fixture(scope="session")
def reference():
    assert REFERENCE.exists(), f"{REFERENCE} is missing"
    return REFERENCE


@pytest.fixture()
def live_recorder(cli, tmp_path):
    """A ``record --live`` recorder that runs until the test ends (then it is killed): (process, trace path)."""
    out = tmp_path / "live.h5"
    sweep = tmp_path / "live.json"
    sweep.write_text(json.dumps({"steps": 1000000, "hidden": [16], "presets": ["adanorm"], "eval_every": 50}))
    process = subprocess.Popen([cli, "record", "--config", str(sweep), "--out", str(out), "--quiet", "--live",
                                "--flush-every", "5", "--jobs", "1"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        yield process, out
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()


def wait_for(predicate, timeout=60.0, what="a condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
