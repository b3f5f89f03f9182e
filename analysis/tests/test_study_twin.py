"""The torch twin (analysis/study/torch_twin.py) trains on exactly the data the Swift digits-MLP task trains on: the
same random streams (Swift's published golden values of SeededRandom), the same split sizes (SplittingTests), the
same standardization, and the same training and validation labels, through the data's prior loss computed both
ways. It reads the sweep as Swift does, with Swift's defaults, and refuses in one line what it does not implement."""

from __future__ import annotations

import math
import signal
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import REPO, record

sys.path.insert(0, str(REPO / "analysis" / "study"))
import torch_twin  # noqa: E402


def test_streams_are_swifts_seeded_random():
    # Tests/TensorsTests/SeededRandomTests.swift: raw outputs, Lemire's integers and Fisher–Yates for seed 42.
    generator = torch_twin.SeededRandom(42)
    assert [generator.next() for _ in range(5)] == [0x15780B2E0C2EC716, 0x6104D9866D113A7E, 0xAE17533239E499A1,
                                                    0xECB8AD4703B360A1, 0xFDE6DC7FE2EC5E64]
    generator = torch_twin.SeededRandom(42)
    assert [generator.index_below(10) for _ in range(8)] == [0, 3, 6, 9, 9, 7, 7, 8]
    assert torch_twin.SeededRandom(42).permutation(10) == [9, 1, 4, 2, 8, 7, 6, 5, 3, 0]


def test_split_sizes_and_parts_are_swifts():
    # Tests/TrainingTests/SplittingTests.swift: 50 items at 0.2 and 0.1 give 35, 10 and 5.
    assert torch_twin.split_sizes(50, 0.2, 0.1) == (35, 10, 5)
    assert torch_twin.split_sizes(3, 0.5, 0.5) == (1, 1, 1)        # training keeps one, from the larger part first
    parts = torch_twin.split_indices(1797, 0.2, 0.2)
    assert (len(parts.train), len(parts.valid), len(parts.test)) == (1079, 359, 359)
    assert sorted(parts.train + parts.valid + parts.test) == list(range(1797))
    assert all(part == sorted(part) for part in parts)


def test_standardization_is_fitted_on_training_and_maps_constants_to_zero():
    data = torch_twin.task_data(0.2, 0.2)
    x = data.train_x.astype(np.float64)
    constant = x.std(axis=0) == 0
    assert constant.any()                                            # the digits' blank corner pixels
    assert np.all(x[:, constant] == 0)
    assert np.allclose(x[:, ~constant].mean(axis=0), 0, atol=1e-6)
    assert np.allclose(x[:, ~constant].std(axis=0), 1, atol=1e-5)
    assert data.train_x.dtype == np.float32 and len(data.eval_train) == len(data.valid_y)


def test_minibatches_cover_each_epoch_once():
    sampler = torch_twin.MinibatchSampler(10, 7)
    epoch = sampler.next(4) + sampler.next(4) + sampler.next(4)      # the last batch of an epoch is short
    assert sorted(epoch) == list(range(10)) and epoch == torch_twin.SeededRandom(7).permutation(10)


def test_prior_loss_matches_the_swift_recorded_one(cli, tmp_path):
    trace = record(cli, tmp_path / "digits.h5", {"steps": 1, "hidden": [8], "presets": ["layernorm"], "seeds": 1,
                                                 "eval_every": 1})
    with h5py.File(trace, "r") as f:
        swift = [run.attrs.get("prior_loss") for run in f["runs"].values()]
    assert swift[0] is not None, "normscope record writes the run attribute prior_loss (METHODS.md)"
    data = torch_twin.task_data(0.2, 0.2)
    assert math.isclose(float(swift[0]), data.prior_loss, rel_tol=1e-12), (float(swift[0]), data.prior_loss)


def test_a_sweep_without_steps_batch_or_presets_takes_swifts_defaults():
    # RunConfiguration.swift: two hidden layers of 128, 1500 steps, batch 64, preset layernorm, seed 0.
    (variant,) = torch_twin.variants({"model": "mlp"})
    assert (variant.preset, variant.config["hidden"], variant.config["steps"], variant.config["batch"]) == (
        "layernorm", [128, 128], 1500, 64)
    assert torch_twin.seeds_of({}, None) == [0] and torch_twin.seeds_of({"seeds": [3, 5]}, None) == [3, 5]
    assert torch_twin.seeds_of({"seeds": 2}, None) == [0, 1] and torch_twin.seeds_of({"seeds": 9}, 2) == [0, 1]
    # What the run records is what it trains: Swift's defaults for the keys the twin does not vary.
    settings = torch_twin.variants({"presets": [{"preset": "adanorm", "adanorm_scale": 1}]})[0].settings
    assert settings["schedule"] == "constant" and settings["optimizer"] == "adam" and "adanorm_scale" not in settings


@pytest.mark.parametrize("sweep, message", [
    ({"dropout": 0.1}, "dropout: 0.1 is not implemented by the twin, which trains only dropout 0 (Swift's default)"),
    ({"schedule": "cosine"}, "schedule: 'cosine' is not implemented by the twin"),
    ({"presets": ["layernorm", {"preset": "dyt", "optimizer": "sgd"}]},
     "presets[1]: optimizer: 'sgd' is not implemented by the twin, which trains only optimizer 'adam'"),
    ({"placement": "after-activation"}, "placement: 'after-activation' is not implemented by the twin"),
    ({"grid": {"lr": [0.1]}}, "grid: the twin trains one point"),
    ({"seeds": [0, "1"]}, "seeds: expected a count ≥ 1 or a non-empty list of seeds ≥ 0, got [0, '1']"),
    ({"steps": "many"}, "steps: expected a whole number ≥ 1, got 'many'"),
    ({"model": "char-lm"}, "the twin trains the digits MLP; this sweep is model 'char-lm' on 'digits'"),
])
def test_keys_the_twin_does_not_implement_are_refused_by_name(sweep, message):
    with pytest.raises(torch_twin.TwinError) as raised:
        torch_twin.variants(sweep)
        torch_twin.seeds_of(sweep, None)
    assert str(raised.value).startswith(message)


def test_the_refusal_is_one_line_before_torch_loads(tmp_path):
    sweep = tmp_path / "sweep.json"
    sweep.write_text('{"model": "mlp", "label_smoothing": 0.1}')
    result = subprocess.run([sys.executable, str(REPO / "analysis" / "study" / "torch_twin.py"), str(sweep),
                             "--lr", "0.001", "--out", str(tmp_path / "twin.h5")], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (f"torch_twin.py: error: {sweep}: label_smoothing: 0.1 is not implemented by the twin, "
                             "which trains only label_smoothing 0 (Swift's default)\n")
    assert not (tmp_path / "twin.h5").exists()


def test_importing_the_twin_leaves_the_interrupt_handler_alone():
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_DFL


def test_a_sigterm_whose_exception_was_swallowed_still_ends_the_run_at_its_next_step(tmp_path):
    # The handler's exception can land where Python swallows it (a destructor, a hook inside autograd or h5py); the
    # twin then trained on for minutes (a CI run timed out waiting for it). The flag it leaves ends the next step.
    torch = pytest.importorskip("torch")
    import normscope.torch as nst
    (variant,) = torch_twin.variants({"model": "mlp", "hidden": [8], "steps": 50, "presets": ["layernorm"]})
    data = torch_twin.task_data(0.2, 0.2)
    try:
        torch_twin._terminate(signal.SIGTERM, None)
    except torch_twin._Terminated:
        pass                                                         # swallowed, as a destructor would
    try:
        with pytest.raises(torch_twin._Terminated):
            torch_twin.record_run(torch, nst, data, variant, 0, 1e-3, str(tmp_path / "twin.h5"), True)
    finally:
        torch_twin._TERMINATED.clear()
    with h5py.File(tmp_path / "twin.h5", "r") as f:
        (run,) = f["runs"].values()
        assert len(run["steps"]) == 0
