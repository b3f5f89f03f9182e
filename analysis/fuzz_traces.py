#!/usr/bin/env python3
"""Fuzz campaign: feed damaged NormScope traces to `normscope analyze|report|export|inspect` and classify what
each command does with them.

The full campaign (at least 500 mutants; with a release build on two shared cores it took 21 minutes, most of it
runs that hit the timeout; without them it should take about 3 minutes, an estimate from the runs that ended):

    swift build -c release
    python3 analysis/fuzz_traces.py --normscope .build/release/normscope --seed 1 --count 500 --jobs 2 \
        --timeout 20 --out fuzz-out --json fuzz-out/summary.json

Without --base it first records its own small base traces with the binary (`record --presets
layernorm,adanorm,detachnorm --seeds 2 --steps 120`, and a `--live` recording killed with SIGKILL) and adds the
committed notebooks-data/digits-reference.h5. Mutant i is a pure function of (--seed, i, the base files): to
replay one, pass the same bases (kept under OUT/bases with --out) and `--only i`, e.g.

    python3 analysis/fuzz_traces.py --seed 1 --only 17 --base fuzz-out/bases/base.h5 \
        --base fuzz-out/bases/digits-reference.h5 --base fuzz-out/bases/live-killed.h5 --out replay

Each command run is one of: ok (exit 0), error (exit 1, one line on stderr naming the file), bad-error (another
non-zero exit, or stderr of several lines / a stack trace / not naming the file), crash (killed by a signal or
exit >= 128), hang (timeout), garbage (analyze exited 0 but printed an impossible number for a run that its
`damaged`/`missing` list does not name), leftover (a failed report/export left files behind). The unmutated bases
are run first as a control. Exit status 0 only when no run (control or mutant) is crash, hang, garbage, leftover
or bad-error.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import hashlib
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import h5py
import numpy as np

REPO = Path(__file__).resolve().parent.parent
COMMANDS = ("analyze", "report", "export", "inspect")
CLASSES = ("ok", "error", "bad-error", "crash", "hang", "garbage", "leftover")
FAILING = ("crash", "hang", "garbage", "leftover", "bad-error")
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


# ----------------------------------------------------------------------------------------------------------------
# What a base file holds, walked once with h5py so that mutations aim at objects the file really has.


@dataclasses.dataclass
class BaseInfo:
    path: Path
    name: str
    size: int
    superblock_end: int
    header_addresses: list[int]
    chunks: list[tuple[int, int]]  # (offset, size) of every allocated chunk
    datasets: list[dict]  # path, shape, fields (or None), dtype string, chunked
    attributes: list[tuple[str, str, str]]  # (object path, attribute name, kind: str|int|float|array|other)
    editable: bool  # h5py can open it read-write (a killed live file cannot)
    sha256: str


def superblock_end(data: bytes) -> int:
    """Offset just past the superblock (and, for version 0/1, the root group's symbol table entry)."""
    for base in (0, 512, 1024, 2048, 4096):
        if data[base : base + 8] == HDF5_SIGNATURE:
            break
    else:
        return 0
    version = data[base + 8]
    if version in (0, 1):
        offsets, lengths = data[base + 13], data[base + 14]
        fixed = 24 + (4 if version == 1 else 0)
        entry = 2 * offsets + 8 + 16  # link-name offset, header address, cache type, reserved, scratch pad
        return base + fixed + 4 * offsets + entry
    offsets = data[base + 9]
    return base + 12 + 4 * offsets + 4


def attribute_kind(value) -> str:
    if isinstance(value, (bytes, str)):
        return "str"
    if isinstance(value, (np.bool_, bool)):
        return "bool"
    if isinstance(value, np.ndarray) and value.shape != ():
        return "array"
    if isinstance(value, (np.integer, int)):
        return "int"
    if isinstance(value, (np.floating, float)):
        return "float"
    return "other"


def walk_base(path: Path) -> BaseInfo:
    data = path.read_bytes()
    headers, chunks, datasets, attributes = [], [], [], []
    editable = True
    try:
        handle = h5py.File(path, "r")
    except OSError:
        handle = h5py.File(path, "r", libver="latest", swmr=True)
        editable = False
    with handle as f:
        objects = [("/", f)]
        f.visititems(lambda name, obj: objects.append(("/" + name, obj)))
        for name, obj in objects:
            try:
                headers.append(h5py.h5o.get_info(obj.id).addr)
            except Exception:
                pass
            for key in obj.attrs.keys():
                try:
                    kind = attribute_kind(obj.attrs[key])
                except Exception:
                    kind = "other"
                attributes.append((name, key, kind))
            if isinstance(obj, h5py.Dataset):
                datasets.append(
                    {
                        "path": name,
                        "shape": tuple(obj.shape),
                        "fields": list(obj.dtype.names) if obj.dtype.names else None,
                        "dtype": str(obj.dtype),
                        "chunked": obj.chunks is not None,
                    }
                )
                if obj.chunks is not None:
                    try:
                        for i in range(obj.id.get_num_chunks()):
                            info = obj.id.get_chunk_info(i)
                            chunks.append((int(info.byte_offset), int(info.size)))
                    except Exception:
                        pass
    return BaseInfo(
        path=path,
        name=path.name,
        size=len(data),
        superblock_end=superblock_end(data),
        header_addresses=sorted(set(headers)),
        chunks=sorted(chunks),
        datasets=datasets,
        attributes=attributes,
        editable=editable,
        sha256=hashlib.sha256(data).hexdigest(),
    )


# ----------------------------------------------------------------------------------------------------------------
# Mutations. Each takes (rng, base, source path, target path) and returns a one-line description of what it did.


def byte_position(rng: random.Random, base: BaseInfo) -> int:
    """Half the time anywhere, half the time in or just after an object header or at the start of a chunk, where
    a damaged byte changes structure rather than one stored number."""
    if rng.random() < 0.5 or not base.header_addresses:
        return rng.randrange(base.size)
    if base.chunks and rng.random() < 0.3:
        offset, size = rng.choice(base.chunks)
        return min(base.size - 1, offset + rng.randrange(max(1, min(size, 64))))
    return min(base.size - 1, rng.choice(base.header_addresses) + rng.randrange(256))


def mutate_flip(count: int):
    def mutate(rng, base, source, target):
        data = bytearray(source.read_bytes())
        positions = sorted({byte_position(rng, base) for _ in range(count)})
        for p in positions:
            data[p] ^= rng.randrange(1, 256)
        target.write_bytes(bytes(data))
        shown = ",".join(str(p) for p in positions[:5]) + ("…" if len(positions) > 5 else "")
        return f"flipped {len(positions)} bytes at {shown}"

    return mutate


def mutate_zero_block(rng, base, source, target):
    data = bytearray(source.read_bytes())
    if rng.random() < 0.5 and base.header_addresses:
        start = rng.choice(base.header_addresses) // 4096 * 4096
    else:
        start = rng.randrange(max(1, base.size // 4096 + 1)) * 4096
    start = min(start, max(0, base.size - 1))
    end = min(base.size, start + 4096)
    data[start:end] = bytes(end - start)
    target.write_bytes(bytes(data))
    return f"zeroed bytes {start}..{end - 1}"


def mutate_truncate(rng, base, source, target):
    choices = ["superblock-end", "one-short", "half", "random"]
    if base.header_addresses:
        choices.append("object-header")
    if base.chunks:
        choices.append("chunk")
    where = rng.choice(choices)
    if where == "superblock-end":
        offset = base.superblock_end
    elif where == "one-short":
        offset = base.size - 1
    elif where == "half":
        offset = base.size // 2
    elif where == "object-header":
        offset = rng.choice(base.header_addresses) + rng.randrange(1, 48)
    elif where == "chunk":
        start, size = rng.choice(base.chunks)
        offset = start + rng.randrange(1, max(2, size))
    else:
        offset = rng.randrange(1, base.size)
    offset = max(0, min(offset, base.size - 1))
    with source.open("rb") as src:
        target.write_bytes(src.read(offset))
    return f"truncated to {offset} bytes ({where})"


def mutate_append(rng, base, source, target):
    size = rng.choice([1, 7, 512, 4096, 65536])
    garbage = bytes(rng.randrange(256) for _ in range(size)) if rng.random() < 0.5 else HDF5_SIGNATURE * (size // 8 + 1)
    target.write_bytes(source.read_bytes() + garbage[:size])
    return f"appended {size} bytes of garbage"


def copy_and_edit(source: Path, target: Path, edit) -> str:
    shutil.copyfile(source, target)
    with h5py.File(target, "r+") as f:
        return edit(f)


def tables(base: BaseInfo, fielded: bool | None = None) -> list[dict]:
    return [d for d in base.datasets if fielded is None or (d["fields"] is not None) == fielded]


def rewrite(f: h5py.File, path: str, data, **kwargs) -> None:
    del f[path]
    f.create_dataset(path, data=data, **kwargs)


def mutate_dataset(rng, base, source, target):
    dataset = rng.choice(base.datasets)
    path, shape, fields = dataset["path"], dataset["shape"], dataset["fields"]
    n = shape[0] if shape else 0
    action = rng.choice(["delete", "shrink", "shrink", "empty", "extend", "retype", "retype"])

    def edit(f):
        if action == "delete":
            del f[path]
            return f"deleted {path}"
        if action in ("shrink", "empty", "extend"):
            rows = {"shrink": min(n - 1, rng.choice([1, 5, n // 2, n - 1])) if n > 1 else 0, "empty": 0}.get(
                action, n + rng.choice([1, 7, n, 5000])
            )
            rows = max(0, rows)
            ds = f[path]
            if ds.chunks is not None and ds.maxshape[0] is None:
                ds.resize(rows, axis=0)
            else:
                old = ds[()]
                if rows <= n:
                    new = old[:rows]
                else:
                    pad = np.zeros((rows - n,) + old.shape[1:], dtype=old.dtype)
                    new = np.concatenate([old, pad])
                rewrite(f, path, new)
            return f"{action} {path} from {n} to {rows} rows"
        old = f[path][()]
        if fields:
            kind = rng.choice(["float64-vector", "float32-fields", "drop-field", "rename-field", "2d"])
            if kind == "float64-vector":
                rewrite(f, path, np.asarray(old[fields[0]], dtype=np.float64))
            elif kind == "float32-fields":
                rewrite(f, path, old.astype([(k, np.float32) for k in fields]))
            elif kind == "drop-field":
                drop = rng.choice(fields)
                kept = [k for k in fields if k != drop]
                rewrite(f, path, np.array([tuple(r) for r in old[kept]], dtype=[(k, old.dtype[k]) for k in kept]))
                kind = f"drop-field {drop}"
            elif kind == "rename-field":
                renamed = rng.choice(fields)
                new = old.copy()
                new.dtype.names = tuple(k + "_x" if k == renamed else k for k in fields)
                rewrite(f, path, new)
                kind = f"rename-field {renamed}"
            else:
                rewrite(f, path, np.zeros((max(n, 1), 3), dtype=np.float64))
            return f"retyped {path} ({kind})"
        kind = rng.choice(["float64", "int32", "string", "2d", "scalar"])
        if kind == "float64":
            rewrite(f, path, np.asarray(old, dtype=np.float64) + 0.5)
        elif kind == "int32":
            with np.errstate(invalid="ignore"):
                rewrite(f, path, np.nan_to_num(np.asarray(old, dtype=np.float64)).astype(np.int32))
        elif kind == "string":
            rewrite(f, path, np.array([b"x"] * max(n, 1)))
        elif kind == "2d":
            rewrite(f, path, np.zeros((max(n, 1), 2), dtype=np.int64))
        else:
            rewrite(f, path, np.int64(7))
        return f"retyped {path} as {kind}"

    return copy_and_edit(source, target, edit)


SPECIAL_ATTRIBUTE_VALUES = {
    "status": [np.int64(3), "exploded", ""],
    "completed_steps": ["120", np.int64(-5), np.int64(2**62), np.float64(1.5)],
    "diverged_step": ["-1", np.int64(2**62), np.int64(-7)],
    # 3 is a version no NormScope wrote; 1 on a format-2 base claims text settings where they are typed.
    "format_version": ["1", np.int64(3), np.int64(0), np.int64(1)],
    "format": ["normscope-trace-x", np.int64(1)],
    "norm_layers": ['["no-such-layer"]', "not json", "[]", np.int64(3), '{"a": 1}'],
    "config": ["{not json", "[]", np.int64(1)],
    "index": [np.int64(-3), np.int64(2**40), "zero"],
    "width": [np.int64(0), np.int64(-64), "64"],
    "preset": [np.int64(5), "", "no-such-preset"],
    "seed": ["zero", np.float64(math.nan), np.int64(-2**62)],
}


def retyped_attribute(rng, name: str, kind: str):
    if name in SPECIAL_ATTRIBUTE_VALUES and rng.random() < 0.7:
        return rng.choice(SPECIAL_ATTRIBUTE_VALUES[name])
    if kind == "str":
        return rng.choice([np.int64(1), np.float64(math.nan), np.array([1, 2, 3]), ""])
    if kind == "int":
        return rng.choice(["7", np.float64(2.5), np.int64(-1), np.int64(2**62)])
    if kind == "float":
        return rng.choice([np.float64(math.nan), np.float64(math.inf), np.float64(-1e300), "0.1"])
    if kind == "bool":
        # Format 1's text form, a number, and h5py's own (uncommitted) bool enum.
        return rng.choice(["true", np.int64(1), np.float64(0.5), np.True_])
    return rng.choice(["garbage", np.int64(0)])


def mutate_attribute(rng, base, source, target):
    # Half the time aim at the attributes the readers depend on most.
    important = [a for a in base.attributes if a[1] in SPECIAL_ATTRIBUTE_VALUES]
    owner, name, kind = rng.choice(important if important and rng.random() < 0.5 else base.attributes)
    action = rng.choice(["delete", "retype", "retype"])

    def edit(f):
        obj = f[owner]
        if action == "delete":
            del obj.attrs[name]
            return f"deleted attribute {owner}@{name}"
        value = retyped_attribute(rng, name, kind)
        del obj.attrs[name]
        obj.attrs[name] = value
        return f"set attribute {owner}@{name} to {value!r}"

    return copy_and_edit(source, target, edit)


BAD_FLOATS = [math.nan, math.inf, -math.inf, 1e300, -1e300, -1.0, -1e-3, 1e13]
BAD_INTS = [-1, 0, 2**62, -(2**62), 10**13]
PREFERRED_COLUMNS = [
    "loss", "recenter_ratio", "rescale_ratio", "mean", "valid_accuracy", "train_accuracy", "valid_loss",
    "train_loss", "gap", "cos_total_direct", "sd", "fraction_nonpositive", "total_rowvar", "direct_rowmean_abs",
    "recenter_share", "rescale_share", "direct_norm", "upstream_rowvar", "q50", "step",
]


def row_selection(rng, n: int):
    how = rng.choice(["first", "last", "one", "all", "tenth"])
    if how == "first":
        return how, slice(0, 1)
    if how == "last":
        return how, slice(n - 1, n)
    if how == "one":
        i = rng.randrange(n)
        return f"row {i}", slice(i, i + 1)
    if how == "all":
        return how, slice(0, n)
    start = rng.randrange(n)
    return f"rows {start}..", slice(start, min(n, start + max(1, n // 10)))


def mutate_values(rng, base, source, target):
    candidates = [d for d in base.datasets if d["shape"] and d["shape"][0] > 0]
    if not candidates:
        return mutate_attribute(rng, base, source, target)
    fielded = [d for d in candidates if d["fields"]]
    dataset = rng.choice(fielded if fielded and rng.random() < 0.8 else candidates)
    path, n = dataset["path"], dataset["shape"][0]
    label, rows = row_selection(rng, n)

    def edit(f):
        ds = f[path]
        data = ds[()]
        if dataset["fields"]:
            preferred = [c for c in PREFERRED_COLUMNS if c in dataset["fields"]]
            column = rng.choice(preferred if preferred and rng.random() < 0.7 else dataset["fields"])
            if data.dtype[column].kind == "f":
                value = rng.choice(BAD_FLOATS)
            else:
                value = rng.choice(BAD_INTS)
            data[column][rows] = value
            target_name = f"{path}.{column}"
        else:
            value = rng.choice(BAD_FLOATS) if data.dtype.kind == "f" else rng.choice(BAD_INTS)
            data[rows] = value
            target_name = path
        ds[...] = data
        return f"wrote {value!r} into {target_name} ({label})"

    return copy_and_edit(source, target, edit)


BYTE_KINDS = {
    "flip-1": mutate_flip(1),
    "flip-10": mutate_flip(10),
    "flip-100": mutate_flip(100),
    "zero-4k": mutate_zero_block,
    "truncate": mutate_truncate,
    "append": mutate_append,
}
STRUCTURAL_KINDS = {"dataset": mutate_dataset, "attribute": mutate_attribute, "values": mutate_values}
KIND_WEIGHTS = {
    "flip-1": 6, "flip-10": 6, "flip-100": 4, "zero-4k": 6, "truncate": 10, "append": 3,
    "dataset": 22, "attribute": 18, "values": 25,
}


@dataclasses.dataclass
class Mutant:
    index: int
    base: str
    kind: str
    description: str
    path: Path


def make_mutant(seed: int, index: int, bases: list[BaseInfo], directory: Path) -> Mutant:
    """Mutant `index` of campaign `seed`: a pure function of both and of the base files."""
    rng = random.Random(f"normscope-fuzz/{seed}/{index}")
    # A damaged killed live file costs the most time when a reader retries it, so it is drawn less often.
    base = rng.choices(bases, weights=[1.0 if b.editable else 0.25 for b in bases])[0]
    kinds = [k for k in KIND_WEIGHTS if base.editable or k in BYTE_KINDS]
    kind = rng.choices(kinds, weights=[KIND_WEIGHTS[k] for k in kinds])[0]
    target = directory / f"mutant-{index:05d}.h5"
    mutate = BYTE_KINDS.get(kind) or STRUCTURAL_KINDS[kind]
    try:
        description = mutate(rng, base, base.path, target)
    except Exception as error:  # an edit h5py refuses still leaves a copy to test, named as such
        shutil.copyfile(base.path, target)
        description = f"edit failed ({type(error).__name__}: {error}); unmutated copy"
        kind = "unmutated"
    return Mutant(index=index, base=base.name, kind=kind, description=description, path=target)


# ----------------------------------------------------------------------------------------------------------------
# Running a command and classifying what it did.


def limit_child(memory_bytes: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def command_line(normscope: str, command: str, trace: Path, scratch: Path) -> list[str]:
    if command == "analyze":
        return [normscope, "analyze", str(trace), "--format", "json"]
    if command == "report":
        return [normscope, "report", str(trace), "-o", str(scratch / "out" / "report.html")]
    if command == "export":
        return [normscope, "export", str(trace), "--csv", str(scratch / "out" / "csv")]
    return [normscope, "inspect", str(trace)]


def normalized_key(key: str) -> str:
    return key.replace("_", "").lower()


def key_words(key: str) -> list[str]:
    """`standardDeviation` and `standard_deviation` both give ['standard', 'deviation']."""
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", key)]


# A number under one of these keys is a statistic of its parent key's quantity (an Aggregate's mean, a window's
# minimum), so the parent's name says what range it must lie in.
GENERIC_KEYS = {"mean", "min", "max", "minimum", "maximum", "value", "median"}


def impossible(key: str, value: float) -> str | None:
    """Why `value` under `key` cannot be right, or None."""
    if not math.isfinite(value):
        return "not finite"
    if abs(value) > 1e12:
        return "|x| > 1e12"
    name, words = normalized_key(key), key_words(key)
    nonnegative = ("ratio", "norm", "rowvar", "rowmeanabs", "share", "standarddeviation")
    if value < 0 and (any(w in name for w in nonnegative) or "sd" in words):
        return "negative"
    if ("fraction" in name or "accuracy" in name or words[-1:] == ["p"] or name == "p") and not 0 <= value <= 1:
        return "outside [0, 1]"
    if "cos" in name and not -1 <= value <= 1:
        return "outside [-1, 1]"
    return None


NONFINITE_STRINGS = {"nan": math.nan, "inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
                     "-infinity": -math.inf}


def numbers(node, path=(), keys=()):
    """Every number in a JSON document with its key path and the keys that name it (nearest last)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from numbers(v, path + (k,), keys + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from numbers(v, path + (i,), keys)
    elif isinstance(node, bool):
        return
    elif isinstance(node, (int, float)):
        yield path, keys, float(node)
    elif isinstance(node, str) and node.strip().lower() in NONFINITE_STRINGS:
        yield path, keys, NONFINITE_STRINGS[node.strip().lower()]


def owners(doc: dict, path: tuple) -> tuple[set[str], bool]:
    """The run ids a value at `path` belongs to, and whether it is a per-preset value (then any of its runs)."""
    run_ids = set()
    run_presets: dict[str, str] = {}
    for run in doc.get("runs", []) or []:
        if isinstance(run, dict) and isinstance(run.get("id"), str):
            run_ids.add(run["id"])
            run_presets[run["id"]] = str(run.get("preset"))
    node = doc
    found: set[str] = set()
    preset = None
    for step in path:
        if isinstance(node, dict) and isinstance(step, str) and step in run_ids:
            found = {step}
        if isinstance(node, dict):
            for key in ("id", "run", "run_id", "runId"):
                if isinstance(node.get(key), str) and node[key] in run_ids:
                    found = {node[key]}
            if isinstance(node.get("preset"), str):
                preset = {node["preset"]} | ({node["baseline"]} if isinstance(node.get("baseline"), str) else set())
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    if found:
        return found, False
    if preset is not None:
        return {r for r, p in run_presets.items() if p in preset}, True
    return set(), False


def damage_entries(doc: dict) -> list[str]:
    entries = []
    for key in ("damaged", "missing"):
        for entry in doc.get(key) or []:
            entries.append(entry if isinstance(entry, str) else json.dumps(entry, sort_keys=True))
    return entries


def names_run(entry: str, run_id: str) -> bool:
    return re.search(r"(?<![\w.-])" + re.escape(run_id) + r"(?![\w.-])", entry) is not None


def names_any_run(entry: str, doc: dict) -> bool:
    return any(names_run(entry, r["id"]) for r in doc.get("runs", []) if isinstance(r, dict) and "id" in r)


def garbage_in(doc) -> list[str]:
    """Impossible numbers of analyze's JSON that no damaged/missing entry excuses, as 'path: value (why)'."""
    if not isinstance(doc, dict):
        return ["the document is not a JSON object"]
    entries = damage_entries(doc)
    file_level = [e for e in entries if not names_any_run(e, doc)]
    found = []
    for path, keys, value in numbers(doc):
        if "damaged" in keys or "missing" in keys:
            continue
        key = keys[-1] if keys else ""
        if key.lower() in GENERIC_KEYS and len(keys) > 1:
            key = keys[-2]
        reason = impossible(key, value)
        if reason is None:
            continue
        if entries:
            runs, _ = owners(doc, path)
            if file_level or not runs or any(names_run(e, r) for e in entries for r in runs):
                continue
        shown = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        found.append(f"{shown}: {value} ({reason})")
    return found


@dataclasses.dataclass
class Outcome:
    command: str
    cls: str
    status: int | None
    seconds: float
    detail: str
    garbage: list[str] = dataclasses.field(default_factory=list)  # 'key.path: value (why)' of analyze's JSON


def classify(command: str, trace: Path, status: int | None, stdout: str, stderr: str, scratch: Path,
             timed_out: bool) -> tuple[str, str, list[str]]:
    cls, detail = classify_run(command, trace, status, stdout, stderr, scratch, timed_out)
    bad = []
    if cls == "garbage" and command == "analyze":
        try:
            bad = garbage_in(json.loads(stdout))
        except ValueError:
            pass
    return cls, detail, bad


def classify_run(command, trace, status, stdout, stderr, scratch, timed_out) -> tuple[str, str]:
    if timed_out:
        return "hang", "timed out"
    if status < 0:
        name = signal.Signals(-status).name if -status in signal.Signals._value2member_map_ else str(-status)
        return "crash", f"killed by {name}: " + last_line(stderr)
    if status >= 128:
        return "crash", f"exit {status}: " + last_line(stderr)
    output = scratch / "out"
    left = sorted(str(p.relative_to(output)) for p in output.rglob("*")) if output.exists() else []
    if status == 0:
        if command == "analyze":
            try:
                doc = json.loads(stdout)
            except ValueError as error:
                return "garbage", f"exit 0 but stdout is not JSON ({error})"
            bad = garbage_in(doc)
            if bad:
                return "garbage", f"{len(bad)} impossible: " + "; ".join(bad[:4])
        if command == "report" and not (output / "report.html").is_file():
            return "garbage", "exit 0 but no report written"
        if command == "export" and not (output / "csv").is_dir():
            return "garbage", "exit 0 but no CSV folder written"
        return "ok", ""
    lines = [line for line in stderr.splitlines() if line.strip()]
    names_file = any(str(trace) in line or trace.name in line for line in lines)
    if command == "inspect" and not lines and status == 1 and "not a valid trace" in stdout:
        verdict = stdout[stdout.find("not a valid trace") :].splitlines()
        return "error", "invalid: " + (verdict[1].strip() if len(verdict) > 1 else verdict[0])
    # inspect's verdict on damaged data is its output, not an error message: exit 1 with the damage on stdout.
    if command == "inspect" and not lines and status == 1 and re.search(r"^data: \d+ damaged object", stdout, re.M):
        found = stdout[stdout.find("data: ") :].splitlines()
        return "error", "damaged: " + (found[1].strip() if len(found) > 1 else found[0])[:300]
    problem = None
    if len(lines) != 1:
        problem = f"{len(lines)} lines on stderr"
    elif re.search(r"Fatal error|Stack dump|Backtrace|Traceback|#\d+ 0x", lines[0]):
        problem = "stack trace"
    elif not names_file:
        problem = "does not name the file"
    elif status != 1:
        problem = f"exit {status}"
    if problem:
        return "bad-error", f"{problem}: " + " | ".join(lines[:3])[:300]
    if command in ("report", "export") and left:
        return "leftover", f"left {', '.join(left[:3])}: {lines[0][:200]}"
    return "error", lines[0][:300]


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def run_command(normscope: str, command: str, trace: Path, scratch: Path, timeout: float, memory: int) -> Outcome:
    if scratch.exists():
        shutil.rmtree(scratch)
    (scratch / "out").mkdir(parents=True)
    argv = command_line(normscope, command, trace, scratch)
    started = time.monotonic()
    timed_out, status, stdout, stderr = False, None, "", ""
    try:
        done = subprocess.run(argv, capture_output=True, timeout=timeout, preexec_fn=limit_child(memory),
                              cwd=scratch / "out", stdin=subprocess.DEVNULL)
        status = done.returncode
        stdout = done.stdout.decode("utf-8", "replace")
        stderr = done.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        timed_out = True
    seconds = time.monotonic() - started
    cls, detail, bad = classify(command, trace, status, stdout, stderr, scratch, timed_out)
    return Outcome(command=command, cls=cls, status=status, seconds=round(seconds, 3), detail=detail, garbage=bad)


# ----------------------------------------------------------------------------------------------------------------
# Base traces.


def record_bases(normscope: str, directory: Path, timeout: float, steps: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    base = directory / "base.h5"
    subprocess.run(
        [normscope, "record", "--presets", "layernorm,adanorm,detachnorm", "--seeds", "2", "--steps", str(steps),
         "--eval-every", str(max(1, steps // 6)), "--out", str(base), "--force", "--quiet"],
        check=True, timeout=max(timeout, 600), stdout=subprocess.DEVNULL)
    paths = [base]
    reference = REPO / "notebooks-data" / "digits-reference.h5"
    if reference.is_file():
        shutil.copyfile(reference, directory / reference.name)
        paths.append(directory / reference.name)
    live = record_killed_live(normscope, directory / "live-killed.h5", min(50, max(1, steps // 2)))
    if live:
        paths.append(live)
    return paths


def record_killed_live(normscope: str, path: Path, steps: int) -> Path | None:
    """A `--live` recording killed with SIGKILL after its first flushes: the superblock still says open for
    writing, as a crashed live recorder leaves it."""
    process = subprocess.Popen(
        [normscope, "record", "--live", "--presets", "adanorm,layernorm", "--steps", "100000", "--flush-every", "5",
         "--out", str(path), "--force", "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
            if path.exists() and flushed_steps(path) >= steps:
                break
    finally:
        process.kill()
        process.wait()
    return path if path.exists() and flushed_steps(path) > 0 else None


def flushed_steps(path: Path) -> int:
    try:
        with h5py.File(path, "r", libver="latest", swmr=True) as f:
            return max((len(run["steps"]) for run in f["runs"].values() if "steps" in run), default=0)
    except Exception:
        return 0


def find_normscope(asked: str | None) -> str:
    if asked:
        return str(Path(asked).resolve())
    for flavour in ("debug", "release"):
        candidate = REPO / ".build" / flavour / "normscope"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    sys.exit("fuzz_traces.py: no normscope binary; build it (swift build) or pass --normscope PATH")


# ----------------------------------------------------------------------------------------------------------------
# The campaign.


def run_trace(normscope: str, label: str, trace: Path, scratch: Path, args) -> dict[str, Outcome]:
    memory = args.memory_gib << 30
    return {c: run_command(normscope, c, trace, scratch / c, args.timeout, memory) for c in args.commands}


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--normscope", help="the binary (default .build/debug/normscope, else .build/release)")
    parser.add_argument("--base", action="append", type=Path, help="a trace to mutate (repeatable; default: record)")
    parser.add_argument("--record-steps", type=int, default=120, help="steps per run of the recorded base trace")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=500, help="mutants (>= 500 for the full campaign)")
    parser.add_argument("--only", type=int, action="append", help="run only mutant INDEX (repeatable)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per command")
    parser.add_argument("--memory-gib", type=int, default=4, help="address-space limit per command (RLIMIT_AS)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, help="keep the bases and every misbehaving mutant here")
    parser.add_argument("--json", type=Path, help="write a machine-readable summary here")
    parser.add_argument("--commands", default=",".join(COMMANDS),
                        help="comma-separated subset of " + ",".join(COMMANDS))
    parser.add_argument("--list", type=int, default=40, help="failing mutants to list (all are in --json)")
    args = parser.parse_args()
    args.commands = [c for c in args.commands.split(",") if c]
    unknown = set(args.commands) - set(COMMANDS)
    if unknown:
        parser.error(f"--commands: unknown {', '.join(sorted(unknown))}")
    normscope = find_normscope(args.normscope)
    started = time.monotonic()

    work = Path(tempfile.mkdtemp(prefix="normscope-fuzz-"))
    try:
        if args.base:
            bases_paths = [p.resolve() for p in args.base]
        else:
            print(f"recording base traces with {normscope} …", flush=True)
            bases_paths = record_bases(normscope, work / "bases", args.timeout, args.record_steps)
        bases = [walk_base(p) for p in bases_paths]
        if args.out:
            (args.out / "bases").mkdir(parents=True, exist_ok=True)
            for p in bases_paths:
                if p.parent.resolve() != (args.out / "bases").resolve():
                    shutil.copyfile(p, args.out / "bases" / p.name)

        indices = args.only if args.only else list(range(args.count))
        mutants_dir = work / "mutants"
        mutants_dir.mkdir()
        lock = threading.Lock()
        progress = {"done": 0}

        def control(base: BaseInfo):
            return base, run_trace(normscope, base.name, base.path, work / "scratch" / f"control-{base.name}", args)

        def one(index: int):
            mutant = make_mutant(args.seed, index, bases, mutants_dir)
            outcomes = run_trace(normscope, str(index), mutant.path, work / "scratch" / f"m{index}", args)
            bad = any(o.cls in FAILING for o in outcomes.values())
            if bad and args.out:
                keep = args.out / f"mutant-{index:05d}-{mutant.kind}.h5"
                shutil.copyfile(mutant.path, keep)
                keep.with_suffix(".txt").write_text(
                    f"seed {args.seed} index {index} base {mutant.base}\n{mutant.kind}: {mutant.description}\n"
                    + "".join(f"{o.command}: {o.cls} (exit {o.status}) {o.detail}\n" for o in outcomes.values()))
            mutant.path.unlink(missing_ok=True)
            with lock:
                progress["done"] += 1
                if progress["done"] % 50 == 0:
                    print(f"  {progress['done']}/{len(indices)} mutants, {time.monotonic() - started:.0f} s",
                          flush=True)
            return mutant, outcomes

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            controls = list(pool.map(control, bases))
            results = list(pool.map(one, indices))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    elapsed = time.monotonic() - started
    return summarize(args, normscope, bases, controls, results, elapsed)


def garbage_key(finding: str) -> str:
    """'comparisons[0].bestValidLoss.p: nan (not finite)' → 'comparisons[].bestValidLoss.p (not finite)'."""
    path, _, rest = finding.partition(": ")
    return re.sub(r"\[\d+\]", "[]", path) + " " + rest[rest.rfind("(") :]


def garbage_breakdown(controls, results) -> None:
    """Which garbage the damage caused: a finding at a key path the unmutated base prints as well (schema 1's
    "nan" for the sd of one run, say) is told apart from one the mutant alone prints."""
    known = {b.name: {f.partition(": ")[0] for o in outcomes.values() for f in o.garbage} for b, outcomes in controls}
    runs = [(m, o) for m, outcomes in results for o in outcomes.values() if o.cls == "garbage"]
    if not runs:
        return
    new_runs, tally = 0, {}
    for m, o in runs:
        new = [f for f in o.garbage if f.partition(": ")[0] not in known.get(m.base, set())]
        new_runs += bool(new) or not o.garbage
        for f in new:
            tally[garbage_key(f)] = tally.get(garbage_key(f), 0) + 1
    print(f"\ngarbage: {len(runs)} runs, {new_runs} with impossible values the unmutated base does not print; "
          "most frequent of those:")
    for key, n in sorted(tally.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {n:5}  {key}")


def summarize(args, normscope, bases, controls, results, elapsed) -> int:
    print(f"\nnormscope fuzz campaign: seed {args.seed}, {len(results)} mutants × {len(args.commands)} commands, "
          f"{elapsed:.0f} s, jobs {args.jobs}, timeout {args.timeout:g} s, {args.memory_gib} GiB cap; {normscope}")
    for base in bases:
        print(f"  base {base.name}: {base.size} bytes, sha256 {base.sha256[:16]}, "
              f"{len(base.datasets)} datasets, {len(base.attributes)} attributes"
              + ("" if base.editable else ", open for writing (live, killed): byte mutations only"))

    print("\ncontrol (unmutated bases):")
    for base, outcomes in controls:
        for o in outcomes.values():
            print(f"  {base.name:24} {o.command:8} {o.cls:9} {o.detail[:160]}")

    by_command = {c: {k: 0 for k in CLASSES} for c in args.commands}
    by_kind: dict[str, dict[str, int]] = {}
    kind_mutants: dict[str, int] = {}
    for mutant, outcomes in results:
        kind_mutants[mutant.kind] = kind_mutants.get(mutant.kind, 0) + 1
        for o in outcomes.values():
            by_command[o.command][o.cls] += 1
            by_kind.setdefault(mutant.kind, {k: 0 for k in CLASSES})[o.cls] += 1

    header = ["command"] + list(CLASSES)
    print("\nper command (mutants):")
    print(table([header] + [[c] + [str(by_command[c][k]) for k in CLASSES] for c in args.commands]
                + [["all"] + [str(sum(by_command[c][k] for c in args.commands)) for k in CLASSES]]))
    print("\nper mutation kind (command runs; mutants in parentheses):")
    print(table([["kind"] + list(CLASSES)]
                + [[f"{k} ({kind_mutants[k]})"] + [str(by_kind[k][c]) for c in CLASSES] for k in sorted(by_kind)]))

    garbage_breakdown(controls, results)

    failing = [(m, o) for m, outcomes in results for o in outcomes.values() if o.cls in FAILING]
    control_failing = [(b, o) for b, outcomes in controls for o in outcomes.values() if o.cls in FAILING]
    if failing:
        print(f"\nmisbehaving runs ({len(failing)}; first {min(args.list, len(failing))}, worst first; "
              f"replay one with --seed {args.seed} --only INDEX and the same --base files):")
        order = {c: i for i, c in enumerate(("crash", "hang", "garbage", "leftover", "bad-error"))}
        known = {b.name: {f.partition(": ")[0] for o in outcomes.values() for f in o.garbage}
                 for b, outcomes in controls}
        for m, o in sorted(failing, key=lambda mo: (order[mo[1].cls], mo[0].index))[: args.list]:
            print(f"  #{m.index:<5} {o.cls:9} {o.command:8} {m.base} {m.kind}: {m.description[:90]}")
            new = [f for f in o.garbage if f.partition(": ")[0] not in known.get(m.base, set())]
            if o.garbage:  # what the damage caused first, then what the unmutated base prints as well
                shown = "; ".join(new[:3]) or "only what the unmutated base prints too: " + o.garbage[0]
                print(f"         {len(o.garbage)} impossible, {len(new)} new: {shown[:220]}")
            else:
                print(f"         {o.detail[:220]}")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "seed": args.seed, "count": len(results), "commands": args.commands, "seconds": round(elapsed, 1),
            "normscope": normscope, "timeout": args.timeout, "memory_gib": args.memory_gib,
            "bases": [{"name": b.name, "path": str(b.path), "size": b.size, "sha256": b.sha256,
                       "editable": b.editable} for b in bases],
            "control": {b.name: {o.command: dataclasses.asdict(o) for o in outcomes.values()}
                        for b, outcomes in controls},
            "by_command": by_command, "by_kind": by_kind, "kind_mutants": kind_mutants,
            "mutants": [{"index": m.index, "base": m.base, "kind": m.kind, "description": m.description,
                         "results": {o.command: dataclasses.asdict(o) for o in outcomes.values()}}
                        for m, outcomes in results],
        }
        args.json.write_text(json.dumps(document, indent=1))

    verdict = not failing and not control_failing
    counts = {k: sum(by_command[c][k] for c in args.commands) for k in FAILING}
    print("\nverdict: " + ("PASS" if verdict else "FAIL") + " — "
          + ", ".join(f"{counts[k]} {k}" for k in FAILING) + f"; {len(control_failing)} control runs misbehaved")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
