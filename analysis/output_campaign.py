#!/usr/bin/env python3
"""The file-safety campaign: every command that writes, pointed at every kind of destination that could cost a user
a file, with everything that existed before checksummed and compared afterwards.

Each case runs in a sandbox folder of its own holding the command's inputs (a CSV dataset, a sweep file, a trace),
bystander files, and the hazard: the output is an existing folder full of files, one of the command's own inputs
(by its name, a hard link, a symbolic link, a `..` spelling), an existing file, a symbolic link to a file or to a
folder, a dangling link, a fifo, a device node, a path in a read-only folder or under a missing one, a name with
spaces and non-ASCII letters; or the command is interrupted twice, 1 ms apart, at a seeded moment. A case fails on:

- a lost file: anything that existed before is gone or changed, other than the one file the user allowed to be
  replaced with --force;
- a leftover: anything new besides the command's outputs (a temporary, a lock, a scratch copy), or anything new at
  all after a refusal;
- a bad outcome: a destination the contract refuses was accepted, or a legal one refused;
- a bad message: a failure that is not exactly one line, or shows a Foundation error, a traceback or a crash;
- a hang (the timeout) or a death by a signal the campaign did not send.

    python3 analysis/output_campaign.py --normscope .build/release/normscope --seed 1 --jobs 2 \
        --out campaign-out --json campaign-out/summary.json

prints one line per failing case and a summary ("0 files lost"); --commands and --hazards pick a subset, --quick the
fixed small set the test suite runs. Failing cases' sandboxes are kept under --out for replaying.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))

# The destinations the contract refuses ("refuse"), accepts ("write"), or where either is fine as long as nothing is
# lost ("either"). File commands write one file; folder commands write files into a folder.
FILE_HAZARDS = {
    "new": "write", "spaces": "write", "existing": "refuse", "existing-force": "write", "folder": "refuse",
    "folder-slash": "refuse", "own-input": "refuse", "input-hardlink": "refuse", "input-symlink": "refuse",
    "input-dotdot": "refuse", "symlink-file": "refuse", "symlink-file-force": "write", "symlink-folder": "refuse",
    "dangling": "refuse", "fifo": "refuse", "device": "refuse", "missing-parent": "refuse",
    "readonly-folder": "either", "interrupt": "either",
}
FOLDER_HAZARDS = {
    "new": "write", "spaces": "write", "folder-unrelated": "write", "folder-clash": "refuse",
    "folder-clash-force": "write", "existing": "refuse", "own-input": "refuse", "input-hardlink": "refuse",
    "input-symlink": "refuse", "dangling": "refuse", "fifo": "refuse", "device": "refuse",
    "readonly-folder": "either", "interrupt": "either",
}
QUICK = [
    ("report", "folder"), ("report", "own-input"), ("report", "input-hardlink"), ("report", "existing"),
    ("report", "symlink-file-force"), ("record", "input-symlink"), ("record", "interrupt"),
    ("demo", "existing"), ("export", "folder-clash"), ("export", "existing"), ("slurm", "folder-clash"),
    ("report", "device"), ("report", "missing-parent"), ("report", "spaces"),
    ("normscope-plot", "folder-clash"), ("normscope-plot", "input-hardlink"),
]
BAD_TEXT = ("NSCocoaErrorDomain", "Error Domain=", "Traceback", "Fatal error", "Segmentation fault",
            "Stack dump", "NSPOSIXErrorDomain")


@dataclass
class Command:
    """How one command is run: `argv` with {OUT} and input placeholders, whether it writes a file or a folder,
    the names it writes into a folder (a clash), and its inputs (sandbox-relative)."""
    name: str
    argv: list[str]
    kind: str  # "file" or "folder"
    inputs: list[str]
    clash: str = ""
    force: list[str] = field(default_factory=lambda: ["--force"])
    # Hazards where this command may refuse or write (a Slurm log path cannot hold a space).
    either: set[str] = field(default_factory=set)
    # Added for the interrupt: a run long enough to be interrupted in the middle.
    longer: list[str] = field(default_factory=list)
    # Only these hazards (None: all of its kind), its own environment and timeout (None: --timeout).
    hazards: set[str] | None = None
    environment: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None


def commands(normscope: str, plot: list[str], plot_executable: str) -> dict[str, Command]:
    return {
        "record": Command("record", [normscope, "record", "--config", "in/sweep.json", "--quiet", "--jobs", "1",
                                     "--out", "{OUT}"], "file", ["in/sweep.json", "in/data.csv"],
                          longer=["--steps", "3000"]),
        # demo also writes the report beside its trace ({OUT} with .html).
        "demo": Command("demo", [normscope, "demo", "--steps", "4", "--jobs", "1", "--quiet", "--out", "{OUT}"],
                        "file", [], longer=["--steps", "300"]),
        "report": Command("report", [normscope, "report", "in/trace.h5", "--out", "{OUT}"], "file",
                          ["in/trace.h5"]),
        # The declaration as JSON: it reads no file, so only the destination's hazards apply.
        "schema": Command("schema", [normscope, "schema", "--out", "{OUT}"], "file", []),
        "export": Command("export", [normscope, "export", "in/trace.h5", "--out", "{OUT}"], "folder",
                          ["in/trace.h5"], clash="runs.csv"),
        "slurm": Command("slurm", [normscope, "slurm", "--config", "in/sweep.json", "--shards", "2", "--out",
                                   "{OUT}"], "folder", ["in/sweep.json", "in/data.csv"], clash="sweep.json",
                         either={"spaces"}),
        "normscope-plot": Command(
            "normscope-plot", plot + ["in/trace.h5", "--format", "svg", "--out", "{OUT}"], "folder", ["in/trace.h5"],
            clash="loss.svg"),
        # The study in its quick mode (minutes when it writes): the hazards of its folder; its --resume and --force
        # are covered by its own tests.
        "study": Command(
            "study", ["bash", os.path.join(HERE, "study", "run-study.sh"), "{OUT}"], "folder", [], clash="tables.md",
            hazards={"folder-unrelated", "folder-clash", "existing", "dangling", "fifo", "device", "interrupt"},
            environment={"NORMSCOPE": normscope, "NORMSCOPE_PLOT": plot_executable, "NORMSCOPE_STUDY_QUICK": "1"},
            timeout=900),
    }


# MARK: - Snapshots

def snapshot(root: str) -> dict[str, tuple]:
    """Every path under root: its kind and content (checksum, link target, device numbers)."""
    seen: dict[str, tuple] = {}
    for folder, names, files in os.walk(root, followlinks=False):
        for name in names + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            relative = os.path.relpath(path, root)
            if stat.S_ISLNK(info.st_mode):
                seen[relative] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                seen[relative] = ("folder", stat.S_IMODE(info.st_mode))
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    seen[relative] = ("file", hashlib.sha256(handle.read()).hexdigest(), info.st_ino)
            else:
                seen[relative] = ("node", stat.S_IFMT(info.st_mode), info.st_rdev)
    return seen


# MARK: - Cases

@dataclass
class Result:
    command: str
    hazard: str
    seed: int
    problems: list[str]
    status: int | None
    stderr: str
    sandbox: str


def prepare(sandbox: str, base: str, command: Command, hazard: str, rng: random.Random) -> tuple[str, list[str]]:
    """Builds the sandbox and returns the OUT argument (sandbox-relative) and the paths the user allowed to change."""
    shutil.copytree(base, os.path.join(sandbox, "in"))
    os.makedirs(os.path.join(sandbox, "keep"))
    for index in range(3):
        with open(os.path.join(sandbox, "keep", f"note-{index}.txt"), "wb") as handle:
            handle.write(rng.randbytes(64))
    file_name = "out.h5" if command.name in ("record", "demo") else "out.html"
    allowed: list[str] = []
    out = file_name if command.kind == "file" else "outdir"
    first_input = command.inputs[0] if command.inputs else ""

    def write(path: str, data: bytes = b"precious\n") -> None:
        with open(os.path.join(sandbox, path), "wb") as handle:
            handle.write(data)

    if hazard == "spaces":
        out = ("my out é.h5" if command.name in ("record", "demo") else "my out é.html") \
            if command.kind == "file" else "my figures é"
    elif hazard in ("existing", "existing-force"):
        write(out)
        if hazard == "existing-force":
            allowed.append(out)
    elif hazard in ("folder", "folder-slash", "folder-unrelated", "folder-clash", "folder-clash-force"):
        os.makedirs(os.path.join(sandbox, out))
        write(os.path.join(out, "a.txt"))
        write(os.path.join(out, "b.txt"))
        if hazard.startswith("folder-clash") and command.clash:
            write(os.path.join(out, command.clash))
            if hazard == "folder-clash-force":
                allowed.append(os.path.join(out, command.clash))
        if hazard == "folder-slash":
            out += "/"
    elif hazard == "own-input" and first_input:
        out = first_input
    elif hazard == "input-hardlink" and first_input:
        os.link(os.path.join(sandbox, first_input), os.path.join(sandbox, "alias.h5"))
        out = "alias.h5"
    elif hazard == "input-symlink" and first_input:
        os.symlink(os.path.abspath(os.path.join(sandbox, first_input)), os.path.join(sandbox, "alias.h5"))
        out = "alias.h5"
    elif hazard == "input-dotdot" and first_input:
        out = os.path.join("keep", "..", first_input)
    elif hazard in ("symlink-file", "symlink-file-force"):
        write("target.bin")
        os.symlink("target.bin", os.path.join(sandbox, out))
        if hazard == "symlink-file-force":
            allowed.append("target.bin")
    elif hazard == "symlink-folder":
        os.symlink("keep", os.path.join(sandbox, out))
    elif hazard == "dangling":
        os.symlink("nowhere/none.bin", os.path.join(sandbox, out))
    elif hazard == "fifo":
        os.mkfifo(os.path.join(sandbox, out))
    elif hazard == "device":
        # A character device with /dev/null's numbers: writing to it would swallow the output silently.
        try:
            os.mknod(os.path.join(sandbox, out), stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            os.mkfifo(os.path.join(sandbox, out))
    elif hazard == "missing-parent":
        out = os.path.join("missing", "deeper", out)
    elif hazard == "readonly-folder":
        os.makedirs(os.path.join(sandbox, "locked"))
        write(os.path.join("locked", "kept.txt"))
        os.chmod(os.path.join(sandbox, "locked"), 0o555)
        out = os.path.join("locked", out)
    return out, allowed


def run_case(command: Command, hazard: str, seed: int, base: str, work: str, timeout: float) -> Result:
    rng = random.Random(f"{seed}:{command.name}:{hazard}")
    sandbox = os.path.join(work, f"{command.name}--{hazard}")
    os.makedirs(sandbox)
    out, allowed = prepare(sandbox, base, command, hazard, rng)
    expected = (FILE_HAZARDS if command.kind == "file" else FOLDER_HAZARDS)[hazard]
    if hazard in command.either:
        expected = "either"
    stem = out[:-3] if out.endswith(".h5") else out
    argv = [part.replace("{OUT}", out) for part in command.argv]
    if hazard.endswith("-force"):
        argv += command.force
    if hazard == "interrupt":
        argv += command.longer
    before = snapshot(sandbox)
    # The Python package is taken from beside this script, as a clone has it.
    environment = {**os.environ, "PYTHONPATH": HERE + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   **command.environment}
    process = subprocess.Popen(argv, cwd=sandbox, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, env=environment)
    interrupted = False
    problems: list[str] = []
    try:
        if hazard == "interrupt":
            time.sleep(rng.uniform(0.05, 1.5))
            if process.poll() is None:
                interrupted = True
                for _ in range(2):
                    try:
                        os.killpg(process.pid, signal.SIGINT)
                    except ProcessLookupError:
                        break
                    time.sleep(0.001)
        stdout, stderr = process.communicate(timeout=command.timeout or timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        problems.append(f"hang: still running after {command.timeout or timeout:.0f} s")
    status = process.returncode
    err = stderr.decode("utf-8", "replace")
    after = snapshot(sandbox)
    if os.path.isdir(os.path.join(sandbox, "locked")):
        os.chmod(os.path.join(sandbox, "locked"), 0o755)  # so that the sandbox can be removed

    # Outputs: the destination (through a link, the file it names), and for folder commands all under it.
    outputs = {os.path.normpath(out), os.path.normpath(stem + ".html")} | set(allowed)
    if hazard in ("symlink-file-force",):
        outputs.add("target.bin")

    def is_output(path: str) -> bool:
        return any(path == o or path.startswith(o.rstrip("/") + "/") for o in outputs)

    for path, state in before.items():
        if path in allowed:
            continue
        if path not in after:
            problems.append(f"lost: {path} is gone")
        elif after[path][:2] != state[:2]:
            problems.append(f"lost: {path} changed")
    succeeded = status == 0
    for path in sorted(set(after) - set(before)):
        if not succeeded and not interrupted:
            problems.append(f"leftover: {path} after a refusal")
        elif not is_output(path):
            problems.append(f"leftover: {path}")
    if status is not None and status < 0 and not interrupted:
        problems.append(f"crash: killed by signal {-status}")
    if interrupted and status not in (0, 130, 143, -2):
        if not (status == 1 and command.name not in ("record", "demo")):
            problems.append(f"interrupt: exit status {status}")
    if expected == "refuse" and succeeded:
        problems.append("accepted: the contract refuses this destination")
    if expected == "write" and not succeeded:
        problems.append("refused: a legal destination")
    if not succeeded and not interrupted and status is not None and status > 0:
        lines = [line for line in err.splitlines() if line.strip()]
        if len(lines) != 1:
            problems.append(f"message: {len(lines)} lines on standard error")
    if any(text in err for text in BAD_TEXT):
        problems.append("message: raw error text")
    if problems:
        # Beside the sandbox, for replaying: the command line and all it printed on standard error.
        with open(sandbox + ".txt", "w") as handle:
            handle.write(" ".join(argv) + f"\nexit {status}\n" + err)
    return Result(command.name, hazard, seed, problems, status, err.strip()[-400:], sandbox)


def make_base(normscope: str, work: str) -> str:
    """The inputs every sandbox gets in its in/: a CSV dataset, a sweep file that reads it (by a path relative to
    the sandbox, where the commands run), and a small trace of it. Returns the folder to copy."""
    base = os.path.join(work, "base", "in")
    os.makedirs(base)
    rng = random.Random(0)
    with open(os.path.join(base, "data.csv"), "w") as handle:
        handle.write("a,b,c,label\n")
        for index in range(60):
            handle.write(f"{rng.gauss(0, 1):.4f},{rng.gauss(0, 1):.4f},{rng.gauss(0, 1):.4f},{index % 3}\n")
    sweep = {"dataset": "in/data.csv", "model": "mlp", "hidden": [8], "steps": 30, "batch": 8, "eval_every": 10,
             "presets": ["layernorm", "adanorm"], "seeds": 2}
    with open(os.path.join(base, "sweep.json"), "w") as handle:
        json.dump(sweep, handle)
    subprocess.run([normscope, "record", "--config", "in/sweep.json", "--quiet", "--out", "in/trace.h5"],
                   cwd=os.path.dirname(base), check=True, stdout=subprocess.DEVNULL)
    return base


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--normscope", required=True, help="the normscope executable")
    parser.add_argument("--plot", help="the normscope-plot executable (default: analysis/normscope_plot.py, the "
                        "package beside this script)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--commands", help="comma-separated subset of the commands")
    parser.add_argument("--hazards", help="comma-separated subset of the hazards")
    parser.add_argument("--quick", action="store_true", help="the fixed small set the test suite runs")
    parser.add_argument("--out", required=True, help="the folder for the sandboxes (must not exist)")
    parser.add_argument("--json", help="also write the summary as JSON here")
    args = parser.parse_args(argv)
    if os.path.lexists(args.out):
        parser.error(f"--out {args.out} exists; name a new folder (the campaign never writes into an existing one)")
    normscope = os.path.abspath(args.normscope)
    plot = [args.plot] if args.plot else [sys.executable, os.path.join(HERE, "normscope_plot.py")]
    work = os.path.abspath(args.out)
    os.makedirs(work)
    # The study calls normscope-plot by one path: a wrapper for the package beside this script.
    wrapper = os.path.join(work, "normscope-plot")
    with open(wrapper, "w") as handle:
        handle.write("#!/bin/sh\nexec " + " ".join(f"'{part}'" for part in plot) + ' "$@"\n')
    os.chmod(wrapper, 0o755)
    known = commands(normscope, plot, wrapper)
    base = make_base(normscope, work)
    if args.quick:
        cases = [(known[c], h) for c, h in QUICK if c in known]
    else:
        chosen = args.commands.split(",") if args.commands else list(known)
        cases = []
        for name in chosen:
            if name not in known:
                parser.error(f"--commands: unknown command {name!r}; known: {', '.join(known)}")
            command = known[name]
            hazards = FILE_HAZARDS if command.kind == "file" else FOLDER_HAZARDS
            for hazard in hazards:
                if command.hazards is not None and hazard not in command.hazards:
                    continue
                if args.hazards and hazard not in args.hazards.split(","):
                    continue
                if hazard.startswith("input") and not command.inputs:
                    continue
                if hazard == "own-input" and not command.inputs:
                    continue
                cases.append((command, hazard))
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda case: run_case(case[0], case[1], args.seed, base, work, args.timeout),
                                cases))
    lost = sum(1 for r in results for p in r.problems if p.startswith("lost"))
    failing = [r for r in results if r.problems]
    for result in failing:
        print(f"FAIL {result.command} × {result.hazard}: {'; '.join(result.problems)} "
              f"(exit {result.status}; {result.stderr.splitlines()[-1] if result.stderr else 'no message'}) "
              f"[{result.sandbox}]")
    for result in results:
        if not result.problems:
            shutil.rmtree(result.sandbox, ignore_errors=True)
    names = sorted({r.command for r in results})
    print(f"{len(results)} cases ({len(names)} commands: {', '.join(names)}), seed {args.seed}: "
          f"{len(results) - len(failing)} passed, {len(failing)} failed; {lost} files lost "
          f"({time.monotonic() - started:.0f} s)")
    if args.json:
        summary = {"seed": args.seed, "cases": len(results), "failed": len(failing), "files_lost": lost,
                   "commands": names,
                   "failures": [{"command": r.command, "hazard": r.hazard, "problems": r.problems,
                                 "status": r.status, "stderr": r.stderr} for r in failing]}
        with open(args.json, "w") as handle:
            json.dump(summary, handle, indent=1)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
