"""The digits-MLP task of the study trained by PyTorch and recorded through ``normscope.torch``: the twin that lets
the study compare the two engines (run-study.sh's ``torch-twin`` part).

    python3 analysis/study/torch_twin.py SWEEP.json --lr LR --out TRACE.h5 [--seeds N] [--force]

SWEEP is the Swift task's sweep (analysis/study/digits-mlp.json, or its quick version), read as ``normscope record``
reads it, with Swift's defaults (schema.json's) for the keys it leaves out: the hidden widths, steps, batch,
eval_every, eval_train_size, the fractions, phi_every, raw_every, raw_rows, divergence_loss, the presets and their
overrides, the seeds (a count or a list) — except the learning rate, which the digits-mlp part chose on layernorm
(``--lr``), and the seeds when ``--seeds N`` gives 0 … N − 1. Any other key (dropout, schedule, optimizer, …) at a
value other than Swift's default is refused in one line: the twin would train the default and record the sweep's.
What must be the same to compare the engines is replicated here exactly, and tested against the Swift code's
published values (analysis/tests/test_study_twin.py):

- the data: the bundled digits file Swift reads (Sources/Training/Resources/digits.csv.gz), the label in the last
  column, features as Float32;
- the split: Sources/Training/Data/Splitting.swift — sizes rounded from the fractions, a xoshiro256** permutation
  (seeded through SplitMix64, Fisher–Yates from the last position, Lemire's bounded integers) with the fixed split
  seed 20191107 of RunData.swift, each part sorted;
- the standardization: Standardization.swift — per feature, mean and population σ of the training part in Double,
  σ = 1 and μ the value itself for a constant feature, applied in Double and stored as Float32;
- the minibatches: MinibatchSampler (Batching.swift), a fresh permutation per epoch from the run's seed;
- the evaluation: after the update at every step s with s % eval_every == 0 and at the last step, in evaluation
  mode, on a training subset as large as the validation split (the first indices of a permutation seeded with
  split seed + 1), the validation split and the test split;
- the model: 64 → hidden widths (linear, norm, ReLU) → 10, PyTorch's default initialization (kaiming_uniform with
  a = √5, as Swift's Linear), norm layers named ``hidden1.norm`` … as Swift names them; Adam (β = 0.9, 0.999,
  ε = 1e-8) at a constant rate; mean cross-entropy.

What differs is the engines' random streams (initial weights), their arithmetic and the instrumented layer's
implementation, which is what the comparison is about.

The trace is recorded into a hidden folder beside TRACE and moved into place whole when every run is done (a Ctrl-C
leaves TRACE as it was and no temporary); an existing TRACE is replaced only with ``--force``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

REPO = Path(__file__).resolve().parents[2]
# The normscope package of this checkout, as write_aside.py's: the twin is recorded by the recorder beside it.
sys.path.insert(0, str(REPO / "analysis"))
from normscope import _schema  # noqa: E402  (after the path: this checkout's declaration)

DIGITS = REPO / "Sources" / "Training" / "Resources" / "digits.csv.gz"
SPLIT_SEED = 20191107  # RunData.splitSeed
MASK = (1 << 64) - 1


class TwinError(Exception):
    """A mistake in the twin's inputs: one line."""


# -- Swift's SeededRandom (Sources/Tensors/SeededRandom.swift) ------------------------------------------------------

class SeededRandom:
    """xoshiro256** seeded through SplitMix64, with Lemire's unbiased bounded integers and Fisher–Yates: the
    streams of Swift's ``SeededRandom`` bit for bit (the split and the minibatches depend on them)."""

    def __init__(self, seed: int):
        state = seed & MASK
        words = []
        for _ in range(4):
            state = (state + 0x9E3779B97F4A7C15) & MASK
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            words.append(z ^ (z >> 31))
        self.s = words

    @staticmethod
    def _rotl(x: int, k: int) -> int:
        return ((x << k) | (x >> (64 - k))) & MASK

    def next(self) -> int:
        s = self.s
        result = (self._rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result

    def index_below(self, n: int) -> int:
        product = self.next() * n
        high, low = product >> 64, product & MASK
        if low < n:
            threshold = ((1 << 64) - n) % n
            while low < threshold:
                product = self.next() * n
                high, low = product >> 64, product & MASK
        return high

    def permutation(self, count: int) -> List[int]:
        order = list(range(count))
        for i in range(count - 1, 0, -1):
            j = self.index_below(i + 1)
            order[i], order[j] = order[j], order[i]
        return order


# -- the data (Splitting.swift, Standardization.swift, Batching.swift) -----------------------------------------------

class Splits(NamedTuple):
    train: List[int]
    valid: List[int]
    test: List[int]


def split_sizes(count: int, valid_fraction: float, test_fraction: float) -> Tuple[int, int, int]:
    """DataSplits.sizes: each held-out part rounded (half away from zero, as Swift's ``rounded()``), at least one
    item for a positive fraction, and training keeps at least one, taken back from the larger held-out part."""
    def share(fraction: float) -> int:
        return 0 if fraction <= 0 else max(1, int(math.floor(count * fraction + 0.5)))
    valid, test = share(valid_fraction), share(test_fraction)
    while count - valid - test < 1 and valid + test > 0:
        if valid >= test:
            valid -= 1
        else:
            test -= 1
    return count - valid - test, valid, test


def split_indices(count: int, valid_fraction: float, test_fraction: float, seed: int = SPLIT_SEED) -> Splits:
    """ClassificationDataset.splitIndices: validation, test, then training from one permutation, each sorted."""
    _, valid, test = split_sizes(count, valid_fraction, test_fraction)
    order = SeededRandom(seed).permutation(count)
    return Splits(sorted(order[valid + test:]), sorted(order[:valid]), sorted(order[valid:valid + test]))


def load_digits(path: Path = DIGITS) -> Tuple[np.ndarray, np.ndarray]:
    """The bundled digits table: 64 features as Float32 and the label in the last column."""
    with gzip.open(path, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.float64)
    return table[:, :-1].astype(np.float32), table[:, -1].astype(np.int64)


def standardization(train: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """FeatureStandardization(fitting:): μ and population σ per feature in Double; a constant feature gets σ = 1 and
    μ = its value exactly."""
    x = train.astype(np.float64)
    mean = x.sum(axis=0) / len(x)
    sigma = np.sqrt(((x - mean) ** 2).sum(axis=0) / len(x))
    constant = train.min(axis=0) == train.max(axis=0)
    mean = np.where(constant, train[0].astype(np.float64), mean)
    sigma = np.where(constant, 1.0, sigma)
    return mean, sigma


def standardized(features: np.ndarray, mean: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    return ((features.astype(np.float64) - mean) / sigma).astype(np.float32)


def prior_loss(train_labels: Sequence[int], valid_labels: Sequence[int], classes: int) -> float:
    """METHODS.md, "Stability over a learning-rate grid": cross-entropy on the validation split, in nats, of the
    training split's label frequencies with one count added to each class."""
    counts = np.bincount(np.asarray(train_labels), minlength=classes).astype(np.float64)
    p = (counts + 1) / (counts.sum() + classes)
    return float(-np.mean(np.log(p[np.asarray(valid_labels)])))


class MinibatchSampler:
    """Batching.swift: the next ``batch`` indices of an epoch's permutation, a new permutation after each epoch; an
    epoch's last batch may be short."""

    def __init__(self, count: int, seed: int):
        self.count, self.random = count, SeededRandom(seed)
        self.order, self.position = self.random.permutation(count), 0

    def next(self, batch: int) -> List[int]:
        end = min(self.position + batch, self.count)
        chosen = self.order[self.position:end]
        self.position = end
        if end == self.count:
            self.order, self.position = self.random.permutation(self.count), 0
        return chosen


class TaskData(NamedTuple):
    train_x: np.ndarray
    train_y: np.ndarray
    valid_x: np.ndarray
    valid_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    eval_train: List[int]   # indices into the training part: the evaluated training subset
    prior_loss: float
    classes: int


def task_data(valid_fraction: float, test_fraction: float, eval_train_size: int = 0) -> TaskData:
    """The run's data as RunData.load and EvaluationSets make it for the digits table."""
    features, labels = load_digits()
    classes = int(labels.max()) + 1
    parts = split_indices(len(labels), valid_fraction, test_fraction)
    mean, sigma = standardization(features[parts.train])
    size = eval_train_size if eval_train_size > 0 else len(parts.valid)
    subset = SeededRandom(SPLIT_SEED + 1).permutation(len(parts.train))[:min(size, len(parts.train))]
    return TaskData(standardized(features[parts.train], mean, sigma), labels[parts.train],
                    standardized(features[parts.valid], mean, sigma), labels[parts.valid],
                    standardized(features[parts.test], mean, sigma), labels[parts.test], subset,
                    prior_loss(labels[parts.train], labels[parts.valid], classes), classes)


# -- the runs --------------------------------------------------------------------------------------------------------

# -- the sweep ------------------------------------------------------------------------------------------------------

# Swift's run keys and their defaults (RunConfiguration.swift), from the declaration; a key without a default
# ("only when set") is None when absent.
SWIFT_DEFAULTS: Dict[str, Any] = {name: setting.get("default") for name, setting in _schema.SETTINGS.items()
                                  if setting["source"] == "configuration"}
# The overrides of a preset, passed to normscope.torch.instrument as Swift applies them to its norm layers.
NORM_KEYS = ("epsilon", "convention", "adanorm_scale", "adanorm_k", "adanorm_detached")
# Keys the twin honours with any value Swift accepts (lr is --lr's, preset and seed come per run; model and dataset
# are mlp and digits, checked first). phi_every,
# raw_every, raw_rows and divergence_loss are the recorder's own settings: passed to it, they act as in Swift.
HONOURED = ("hidden", "steps", "batch", "lr", "eval_every", "eval_train_size", "valid_fraction",
            "test_fraction", "phi_every", "raw_every", "raw_rows", "divergence_loss", "preset", "seed") + NORM_KEYS
# Keys with one value the twin implements besides Swift's default.
ALSO = {"placement": ("before-activation",)}
SWEEP_KEYS = ("presets", "seeds")
# What the data depends on: one split for every run.
DATA_KEYS = ("valid_fraction", "test_fraction", "eval_train_size")


class Variant(NamedTuple):
    preset: str
    overrides: Dict[str, Any]     # the presets entry's own keys (run ID tail)
    config: Dict[str, Any]        # every run key: Swift's default, the sweep's base, then the entry's keys

    @property
    def suffix(self) -> str:
        """The run ID's tail for a preset's own keys, as the Swift sweep names it (``-adanorm_scale1``)."""
        return "".join(f"-{key}{value:g}" for key, value in sorted(self.overrides.items()))

    @property
    def norm(self) -> Dict[str, Any]:
        return {key: self.config[key] for key in NORM_KEYS if self.config[key] is not None}

    @property
    def settings(self) -> Dict[str, Any]:
        """The run's settings as the Swift recorder stores them: every key set, its preset's read from the model."""
        return {key: value for key, value in self.config.items()
                if value is not None and key not in NORM_KEYS and key != "preset"}


def _supported(config: Dict[str, Any], where: str) -> None:
    """Refuses a key the twin does not implement at a value other than Swift's default (it would be trained as the
    default and recorded as the sweep says)."""
    for key, value in config.items():
        if key in HONOURED or value == SWIFT_DEFAULTS[key] or value in ALSO.get(key, ()):
            continue
        implemented = ", ".join(repr(v) for v in (SWIFT_DEFAULTS[key],) + ALSO.get(key, ()) if v is not None)
        raise TwinError(f"{where}{key}: {value!r} is not implemented by the twin, which trains only {key} "
                        f"{implemented} (Swift's default)")


def _whole(config: Dict[str, Any], key: str, minimum: int) -> None:
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise TwinError(f"{key}: expected a whole number ≥ {minimum}, got {value!r}")


def variants(sweep: Dict[str, Any]) -> List[Variant]:
    """The sweep's presets, each with its run keys; ``TwinError`` (one line) for a key the twin does not
    implement, an unknown key or a value of the wrong kind."""
    if not isinstance(sweep, dict):
        raise TwinError("expected a JSON object of run keys, presets and seeds")
    for key in sweep:
        if key == "grid":
            raise TwinError("grid: the twin trains one point (its learning rate is --lr); give a sweep without grid")
        if key not in SWIFT_DEFAULTS and key not in SWEEP_KEYS:
            raise TwinError(f"{key}: unknown key; valid: {', '.join(sorted(SWIFT_DEFAULTS) + list(SWEEP_KEYS))}")
    base = dict(SWIFT_DEFAULTS)
    base.update({k: v for k, v in sweep.items() if k not in SWEEP_KEYS})
    if base["model"] != "mlp" or base["dataset"] != "digits":
        raise TwinError(f"the twin trains the digits MLP; this sweep is model {base['model']!r} on "
                        f"{base['dataset']!r}")
    entries = sweep.get("presets", [base["preset"]])
    if not isinstance(entries, list) or not entries:
        raise TwinError("presets: expected a non-empty list of names or {\"preset\": name, key: value} objects")
    found = []
    for index, entry in enumerate(entries):
        own = {"preset": entry} if isinstance(entry, str) else entry
        if not isinstance(own, dict) or not isinstance(own.get("preset"), str):
            raise TwinError(f"presets[{index}]: expected a preset name or an object with \"preset\" and run keys")
        unknown = [k for k in own if k not in SWIFT_DEFAULTS or k == "seed"]
        if unknown:
            raise TwinError(f"presets[{index}].{unknown[0]}: not a run key a variant can set")
        config = dict(base, **own)
        _supported(config, "" if own.keys() <= {"preset"} else f"presets[{index}]: ")
        found.append(Variant(own["preset"], {k: v for k, v in own.items() if k != "preset"}, config))
    config = found[0].config
    for variant in found:
        hidden = variant.config["hidden"]
        if not isinstance(hidden, list) or not hidden or not all(
                isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in hidden):
            raise TwinError(f"hidden: expected a non-empty list of positive widths, got {hidden!r}")
        for key, minimum in (("steps", 1), ("batch", 1), ("eval_every", 1), ("eval_train_size", 0)):
            _whole(variant.config, key, minimum)
        for key in DATA_KEYS:
            if variant.config[key] != config[key]:
                raise TwinError(f"presets: {key} differs between variants; the twin splits the data once")
    fractions = [config["valid_fraction"], config["test_fraction"]]
    if not all(isinstance(f, (int, float)) and not isinstance(f, bool) for f in fractions) or not (
            fractions[0] > 0 and fractions[1] >= 0 and sum(fractions) < 1):
        raise TwinError(f"valid_fraction > 0, test_fraction ≥ 0 and their sum < 1, got {fractions[0]!r} and "
                        f"{fractions[1]!r}")
    return found


def seeds_of(sweep: Dict[str, Any], count: "int | None") -> List[int]:
    """--seeds N (0 … N − 1), else the sweep's ``seeds`` as Swift reads it: a count, or a list of seeds; without
    it, the base ``seed`` alone."""
    if count is not None:
        if count < 1:
            raise TwinError(f"--seeds must be a count ≥ 1, got {count}")
        return list(range(count))
    if "seeds" not in sweep:
        value: Any = [sweep.get("seed", SWIFT_DEFAULTS["seed"])]
    else:
        value = sweep["seeds"]
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            value = list(range(value))
    if not (isinstance(value, list) and value and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0
                                                      for s in value)):
        raise TwinError(f"seeds: expected a count ≥ 1 or a non-empty list of seeds ≥ 0, got {sweep.get('seeds')!r}")
    return value


def build_model(torch, widths: Sequence[int], inputs: int, classes: int):
    """64 → (linear, norm, ReLU) per hidden width → classes, its norm layers named ``hidden<i>.norm`` as Swift's."""
    nn = torch.nn

    class Hidden(nn.Module):
        def __init__(self, fan_in: int, width: int):
            super().__init__()
            self.linear = nn.Linear(fan_in, width)
            self.norm = nn.LayerNorm(width)

        def forward(self, x):
            return torch.relu(self.norm(self.linear(x)))

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            width = inputs
            for index, hidden in enumerate(widths, start=1):
                self.add_module(f"hidden{index}", Hidden(width, hidden))
                width = hidden
            self.output = nn.Linear(width, classes)

        def forward(self, x):
            for index in range(1, len(widths) + 1):
                x = getattr(self, f"hidden{index}")(x)
            return self.output(x)

    return MLP()


def record_run(torch, nst, data: TaskData, variant: Variant, seed: int, lr: float, path: str, first: bool) -> None:
    """One run into ``path`` (created by the first run, appended to by the others)."""
    torch.manual_seed(seed)
    config = variant.config
    model = build_model(torch, config["hidden"], data.train_x.shape[1], data.classes)
    nst.instrument(model, preset=variant.preset, **variant.norm)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)
    steps, batch, eval_every = config["steps"], config["batch"], config["eval_every"]
    settings = dict(variant.settings, seed=seed, lr=lr)
    tensors = {name: torch.from_numpy(getattr(data, name)) for name in
               ("train_x", "train_y", "valid_x", "valid_y", "test_x", "test_y")}
    eval_train = torch.as_tensor(data.eval_train)
    sets = ((tensors["train_x"][eval_train], tensors["train_y"][eval_train]),
            (tensors["valid_x"], tensors["valid_y"]), (tensors["test_x"], tensors["test_y"]))
    cross_entropy = torch.nn.functional.cross_entropy

    def measure():
        model.eval()
        results = []
        with torch.no_grad():
            for x, y in sets:
                logits = model(x)
                results += [cross_entropy(logits, y), (logits.argmax(1) == y).double().mean()]
        model.train()
        return results

    sampler = MinibatchSampler(len(data.train_y), seed)
    run = f"{variant.preset}-s{seed}{variant.suffix}"
    with nst.Recorder(path, model, run=run, settings=settings, optimizer=optimizer, force=first,
                      append=not first, prior_loss=data.prior_loss) as rec:
        for step in range(steps):
            _check_terminated()
            chosen = torch.as_tensor(sampler.next(batch))
            loss = cross_entropy(model(tensors["train_x"][chosen]), tensors["train_y"][chosen])
            optimizer.zero_grad()
            loss.backward()
            if not rec.step(loss=loss):
                return   # diverged: the recorder marked the run
            optimizer.step()
            if step % eval_every == 0 or step == steps - 1:
                train_loss, train_accuracy, valid_loss, valid_accuracy, test_loss, test_accuracy = measure()
                rec.evaluate(train_loss=train_loss, train_accuracy=train_accuracy, valid_loss=valid_loss,
                             valid_accuracy=valid_accuracy, test_loss=test_loss, test_accuracy=test_accuracy)


class _Terminated(Exception):
    """SIGTERM, raised where the twin is so that its recording folder is cleaned up."""


# Set by the SIGTERM handler and checked at every step: the exception the handler raises can land where Python
# swallows it (a destructor, a callback inside autograd or h5py), and the twin would then train on for minutes.
_TERMINATED: List[int] = []


def _terminate(number: int, _frame: Any) -> None:
    _TERMINATED.append(number)
    raise _Terminated()


def _check_terminated() -> None:
    if _TERMINATED:
        raise _Terminated()


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="torch_twin.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep")
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seeds", type=int)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    try:
        try:
            sweep = json.loads(Path(args.sweep).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise TwinError(f"cannot be read as a sweep ({error})") from None
        found = variants(sweep)
        seeds = seeds_of(sweep, args.seeds)
        if not (args.lr > 0 and math.isfinite(args.lr)):
            raise TwinError(f"--lr must be a positive rate, got {args.lr}")
    except TwinError as error:
        print(f"torch_twin.py: error: {args.sweep}: {error}", file=sys.stderr)
        return 1
    try:
        import torch
        import normscope.torch as nst
        from normscope._output import OutputError, OutputFile
    except ImportError:
        print("torch_twin.py: error: the torch twin needs PyTorch 2.1 or later: pip install torch (a CPU build is "
              "enough)", file=sys.stderr)
        return 1
    try:
        # The sweep is an input: --out naming it (or a link to it) is refused, with or without --force.
        output = OutputFile(args.out, "--out", force=args.force, inputs=[("the sweep", args.sweep)])
    except OutputError as error:
        print(f"torch_twin.py: error: {error}", file=sys.stderr)
        return 1
    torch.set_num_threads(1)
    config = found[0].config     # the data keys are every variant's (variants() checked)
    data = task_data(float(config["valid_fraction"]), float(config["test_fraction"]), config["eval_train_size"])
    # SIGTERM (a scheduler's, `timeout`'s) ends the twin as Ctrl-C does, through the cleanup below: the recording
    # folder beside --out is removed, never left behind. Both are set before the folder exists, so that no signal
    # finds it without the cleanup.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    # A parent may start us with both blocked (a Swift or Foundation Process passes its thread's mask on, and
    # subprocess keeps it): blocked, they would never arrive, and the twin would train on after a scheduler's SIGTERM.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    folder: Optional[str] = None
    try:
        folder = tempfile.mkdtemp(prefix=f".{Path(output.destination).name}.",
                                  dir=os.path.dirname(output.destination) or ".")
        trace = os.path.join(folder, "twin.h5")
        first = True
        for variant in found:
            for seed in seeds:
                record_run(torch, nst, data, variant, seed, args.lr, trace, first)
                first = False
        output.write(lambda temporary: os.replace(trace, temporary))
    except KeyboardInterrupt:
        return 130
    except _Terminated:
        return 143
    except (OutputError, nst.RecorderError, nst.VariantError) as error:
        print(f"torch_twin.py: error: {error}", file=sys.stderr)
        return 1
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    # Until main() takes over, an interrupt while torch loads ends the step quietly (nothing is written yet). Set
    # here, not on import: a test importing the module keeps pytest's own Ctrl-C handling.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(main(sys.argv[1:]))
