"""The study's scripts keep a user's files: run-study.sh refuses, before doing anything, a folder that holds a study
unless --resume or --force says what to do with it, and write_aside.py writes a command's output aside and renames
it whole (over an existing file only with --force), leaving the old file and no temporary when the command fails.
The whole study runs in StudyDocTests (Swift), at a few steps."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO

STUDY = REPO / "analysis" / "study"


def study(out, *args, cwd):
    # `false` as normscope: had the script gone past its checks, it would fail at its first command instead.
    env = {**os.environ, "NORMSCOPE": "false", "NORMSCOPE_PLOT": "false", "NORMSCOPE_STUDY_QUICK": "1"}
    return subprocess.run(["bash", str(STUDY / "run-study.sh"), str(out), *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=60)


def write_aside(*args, cwd):
    return subprocess.run([sys.executable, str(STUDY / "write_aside.py"), *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=60)


def names(folder):
    return sorted(os.listdir(folder))


@pytest.mark.parametrize("held", ["char-lm.h5", "figures/deep-post-lm"])
def test_study_refuses_a_folder_holding_a_study(tmp_path, held):
    out = tmp_path / "study-out"
    (out / held).parent.mkdir(parents=True, exist_ok=True)
    if held.startswith("figures/"):
        (out / held).mkdir()
    else:
        (out / held).write_text("a result of last week's study")
    (out / "notes.txt").write_text("mine")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    result = study(out, cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (f"run-study.sh: error: {out} holds {out}/{held}; add --resume to continue that study "
                             "(finished runs kept) or --force to replace its outputs, or name another folder\n")
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    if not held.startswith("figures/"):
        assert (out / held).read_text() == "a result of last week's study"
    # --resume and --force get past the check (and fail at `false`, the stand-in normscope).
    if held == "char-lm.h5":
        for option in ("--resume", "--force"):
            assert "holds" not in study(out, option, cwd=tmp_path).stderr


def test_study_counts_what_it_finds_and_checks_its_folder(tmp_path):
    out = tmp_path / "study-out"
    out.mkdir()
    for name in ("tables.md", "digits-mlp.txt", "char-lm.vs-layernorm.json"):
        (out / name).write_text("old")
    result = study(out, cwd=tmp_path)
    assert result.returncode == 1 and "holds " in result.stderr and " and 2 more of a study's outputs;" in result.stderr
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    result = study(a_file, cwd=tmp_path)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "is a file, not a folder" in result.stderr
    assert a_file.read_text() == "not a folder"
    result = study(out, "--fast", cwd=tmp_path)
    assert result.returncode == 1 and "unknown option --fast" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "mine.txt").write_text("kept")
    result = study(empty, cwd=tmp_path)      # no study there: it starts (and stops at the stand-in normscope)
    assert "holds" not in result.stderr and (empty / "mine.txt").read_text() == "kept"
    assert not [n for n in names(empty) if n.startswith(".")]


def test_write_aside_writes_whole_and_never_over_a_file_unasked(tmp_path):
    dest = tmp_path / "out.txt"
    ok = write_aside(dest, "--", sys.executable, "-c", "print('first')", cwd=tmp_path)
    assert ok.returncode == 0 and dest.read_text() == "first\n" and names(tmp_path) == ["out.txt"]
    assert oct(dest.stat().st_mode & 0o777) != oct(0o600)          # the mode of a new file, not mkstemp's
    refused = write_aside(dest, "--", sys.executable, "-c", "print('second')", cwd=tmp_path)
    assert refused.returncode == 1 and dest.read_text() == "first\n"
    assert refused.stderr == f"write_aside.py: error: {dest} exists; add --force to replace it\n"
    failed = write_aside("--force", dest, "--", sys.executable, "-c",
                         "import sys; print('half'); sys.stdout.flush(); sys.exit(3)", cwd=tmp_path)
    assert failed.returncode == 3 and dest.read_text() == "first\n" and names(tmp_path) == ["out.txt"]
    missing = write_aside(tmp_path / "new.txt", "--", "no-such-command-here", cwd=tmp_path)
    assert missing.returncode == 127 and "no-such-command-here" in missing.stderr
    assert names(tmp_path) == ["out.txt"]
    replaced = write_aside("--force", dest, "--", sys.executable, "-c", "print('second')", cwd=tmp_path)
    assert replaced.returncode == 0 and dest.read_text() == "second\n" and names(tmp_path) == ["out.txt"]


def test_write_aside_refuses_a_folder_and_writes_through_a_link(tmp_path):
    folder = tmp_path / "tables.md"
    folder.mkdir()
    result = write_aside("--force", folder, "--", "echo", "x", cwd=tmp_path)
    assert result.returncode == 1 and "is a folder" in result.stderr and folder.is_dir() and not list(folder.iterdir())
    target = tmp_path / "real.md"
    target.write_text("old")
    (tmp_path / "link.md").symlink_to(target)
    result = write_aside("--force", tmp_path / "link.md", "--", "echo", "new", cwd=tmp_path)
    assert result.returncode == 0 and (tmp_path / "link.md").is_symlink() and target.read_text() == "new\n"


def test_tables_name_a_damaged_analysis_in_one_line(tmp_path):
    (tmp_path / "digits-mlp.vs-layernorm.json").write_text('{"schema": "normscope-analyze/2", "groups": [')
    result = subprocess.run([sys.executable, str(STUDY / "tables.py"), str(tmp_path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1 and result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"tables.py: error: {tmp_path}/digits-mlp.vs-layernorm.json: cannot be read as "
                                    "normscope analyze --format json (")


def test_study_checks_only_the_parts_asked_for(tmp_path):
    out = tmp_path / "study-out"
    out.mkdir()
    (out / "char-lm.h5").write_text("a finished char-LM")
    # The frontier part is not refused by another part's outputs (it gets past the checks, to the stand-in).
    result = study(out, "frontier", cwd=tmp_path)
    assert "holds" not in result.stderr and result.returncode != 0
    # ... but the frontier's own outputs refuse it, naming the first.
    out = tmp_path / "other-study"
    out.mkdir()
    (out / "frontier.h5").write_text("last week's frontier")
    result = study(out, "frontier", "digits-mlp", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr.startswith(f"run-study.sh: error: {out} holds {out}/frontier.h5;")
    assert (out / "frontier.h5").read_text() == "last week's frontier" and names(out) == ["frontier.h5"]
    result = study(out, "frontier", "elsewhere", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == (
        "run-study.sh: error: elsewhere is not a part (digits-mlp char-lm deep-post-lm frontier torch-twin tables) "
        f"and the folder is already {out}\n")


def test_the_torch_twin_says_what_it_needs(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "study-out"
    result = study(out, "torch-twin", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == (
        "run-study.sh: error: the torch-twin part trains at the learning rate the digits-mlp part chose "
        f"({out}/digits-mlp-lr.analysis.json): run digits-mlp first\n")
    assert not out.exists()
    # With digits-mlp asked for too, the check waits for it (and the run stops at the stand-in normscope).
    assert "run digits-mlp first" not in study(out, "digits-mlp", "torch-twin", cwd=tmp_path).stderr


def test_torch_twin_keeps_an_existing_trace(tmp_path):
    pytest.importorskip("torch")
    trace = tmp_path / "torch-twin.h5"
    trace.write_text("a twin of last week")
    result = subprocess.run([sys.executable, str(STUDY / "torch_twin.py"), str(STUDY / "digits-mlp.json"), "--lr",
                             "0.001", "--out", str(trace)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 1 and result.stderr == f"torch_twin.py: error: --out {trace} exists; add --force to " \
                                                       "replace it\n"
    assert trace.read_text() == "a twin of last week" and names(tmp_path) == ["torch-twin.h5"]
    wrong = subprocess.run([sys.executable, str(STUDY / "torch_twin.py"), str(STUDY / "char-lm.json"), "--lr", "0.001",
                            "--out", str(tmp_path / "new.h5")], capture_output=True, text=True, timeout=120)
    assert wrong.returncode == 1 and wrong.stderr.count("\n") == 1 and "trains the digits MLP" in wrong.stderr


def test_torch_twin_never_writes_its_sweep(tmp_path):
    """--out naming the sweep is refused even with --force."""
    pytest.importorskip("torch")
    sweep = tmp_path / "sweep.json"
    sweep.write_text((STUDY / "digits-mlp.json").read_text())
    before = sweep.read_text()
    own = subprocess.run([sys.executable, str(STUDY / "torch_twin.py"), str(sweep), "--lr", "0.001", "--out",
                          str(sweep), "--force"], capture_output=True, text=True, timeout=120)
    assert own.returncode == 1 and own.stderr.count("\n") == 1 and "is the sweep" in own.stderr
    assert sweep.read_text() == before


def test_torch_twin_leaves_nothing_after_sigterm(tmp_path):
    """SIGTERM mid-run (a scheduler's, `timeout`'s) leaves the folder as it was: no trace, no recording folder; also
    when the twin is started with SIGTERM blocked, as the Swift test runner's Process starts pytest."""
    pytest.importorskip("torch")
    import signal
    import time

    sweep = tmp_path / "sweep.json"
    sweep.write_text((STUDY / "digits-mlp.json").read_text())
    running = subprocess.Popen([sys.executable, str(STUDY / "torch_twin.py"), str(sweep), "--lr", "0.001", "--out",
                                str(tmp_path / "twin.h5")], stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM}))
    # Generous deadlines: under CI the suite shares two cores with this PyTorch import.
    deadline = time.monotonic() + 180
    while not any(p.name.startswith(".twin.h5.") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert running.poll() is None, running.stderr.read()
    time.sleep(1)
    # Started with SIGTERM blocked, the twin before this test ignored every SIGTERM (3 CI runs).
    for _ in range(3):
        running.send_signal(signal.SIGTERM)
        try:
            running.wait(timeout=10)
            break
        except subprocess.TimeoutExpired:
            continue
    if running.poll() is None:
        running.kill()
    assert running.wait(timeout=30) == 143
    assert names(tmp_path) == ["sweep.json"]
