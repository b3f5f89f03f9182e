"""PYTHON.md's "Recording from PyTorch" section runs as written (its Python blocks, then its shell block with the
built CLI), and the package keeps torch optional: `import normscope` does not import it, and the `torch` extra
and the subpackage are in pyproject.toml."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

ANALYSIS = Path(__file__).resolve().parents[1]
HEADING = "Recording from PyTorch"


def _blocks(language: str):
    """The fenced blocks of ``language`` whose nearest heading above is HEADING (as the Swift doc tests find them)."""
    heading, fence, found, lines = "", None, [], []
    for line in (ANALYSIS / "PYTHON.md").read_text(encoding="utf-8").splitlines():
        if fence is None and line.startswith("```"):
            fence = line[3:].strip()
            lines = []
        elif fence is not None and line.startswith("```"):
            if heading == HEADING and fence == language:
                found.append("\n".join(lines) + "\n")
            fence = None
        elif fence is not None:
            lines.append(line)
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
    return found


def test_recording_section_runs_as_written(cli, tmp_path):
    python, shell = _blocks("python"), _blocks("sh")
    assert len(python) == 2 and len(shell) == 1, (len(python), len(shell))
    environment = {**os.environ, "OMP_NUM_THREADS": "1",
                   "PYTHONPATH": os.pathsep.join([str(ANALYSIS), os.environ.get("PYTHONPATH", "")])}
    printed = []
    for index, block in enumerate(python):
        script = tmp_path / f"block{index}.py"
        script.write_text(block)
        result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                                env=environment, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        printed.append(result.stdout)
    assert printed[0].splitlines() == ["['1']"] * 4, printed[0]
    assert printed[1].strip() == "['1'] True", printed[1]
    script = "\n".join(["set -e", f"normscope() {{ '{cli}' \"$@\"; }}", shell[0]])
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "inspect: valid" in result.stdout
    assert re.search(r"^adanorm\s+2\s+0\s+0\s", result.stdout, re.M), result.stdout[:3000]
    assert re.search(r"^layernorm\s+2\s+0\s+0\s", result.stdout, re.M), result.stdout[:3000]
    assert "damaged" not in result.stdout.lower()


def test_normscope_alone_does_not_import_torch():
    result = subprocess.run([sys.executable, "-c", "import sys, normscope; print('torch' in sys.modules)"],
                            capture_output=True, text=True, cwd=ANALYSIS, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ANALYSIS)})
    assert result.returncode == 0 and result.stdout.strip() == "False", result.stdout + result.stderr


def test_the_torch_extra_installs_the_subpackage():
    text = (ANALYSIS / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^torch = \["torch>=2\.1"\]$', text, re.M)
    assert re.search(r'^packages = \[.*"normscope\.torch".*\]$', text, re.M)
