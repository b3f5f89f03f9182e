"""The pieces of the comparison rule (METHODS.md, "Comparing groups") that the conformance fixtures reach only in
part: SplitMix64's outputs, the interval's level per tail, and the divergence step of a run recorded as finished."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def test_splitmix64_matches_the_reference_implementation():
    """Vigna's splitmix64.c from seed 1234567, the published first output from 0, and the indices SplitMix64Tests
    (Swift) expects from the bootstrap's seed."""
    from normscope._statistics import indices_below, splitmix64

    assert splitmix64(1234567, 5).tolist() == [6457827717110365317, 3203168211198807973, 9817491932198370423,
                                               4593380528125082431, 16408922859458223821]
    assert int(splitmix64(0, 1)[0]) == 0xE220A8397B1DCDAF
    assert indices_below(splitmix64(20191107, 10), 3).tolist() == [0, 0, 1, 2, 2, 1, 2, 0, 1, 1]
    assert indices_below(splitmix64(20191107, 5), 1000).tolist() == [303, 259, 424, 821, 746]
    draws = splitmix64(7, 1000)
    for n in (1, 2, 7, 1000, 2 ** 32 - 1):   # the 32-bit halves agree with Python's exact product
        assert indices_below(draws, n).tolist() == [(int(d) * n) >> 64 for d in draws]


@pytest.mark.parametrize("level", [0.5, 0.9, 0.95, 0.99])
def test_each_tail_holds_half_of_one_minus_the_level(level):
    """With ten distinct values a side the replicates barely tie, so the share beyond each end is (1 − level)/2 to
    within a replicate; α per tail instead of α/2 would put twice as many outside."""
    from normscope._statistics import bootstrap_interval, replicates

    rng = np.random.default_rng(5)
    a, b = rng.normal(1, 0.3, 10), rng.normal(1.2, 0.2, 10)
    interval = bootstrap_interval(a, b, level=level)
    thetas = replicates(a, b)
    tail = (1 - level) / 2 * len(thetas)
    assert abs(np.sum(thetas < interval.lower) - tail) <= 2
    assert abs(np.sum(thetas > interval.upper) - tail) <= 2


def test_a_finished_run_whose_loss_passed_the_threshold_diverged_there():
    """As analyze's LossBlowUp: the first finite loss above 1000 × the first positive one (or above
    divergence_loss); non-finite losses are skipped; a run recorded as diverged keeps its diverged_step."""
    from normscope._comparison import divergence_step, run_values

    losses = pd.Series([2.0, np.nan, 1500.0, 2500.0, 3.0])
    assert divergence_step("completed", None, losses) == 3
    assert divergence_step("completed", None, losses, divergence_loss=1000) == 2
    assert divergence_step("completed", None, losses, divergence_loss=True) == 3   # not a number: the default
    assert divergence_step("diverged", 1, losses) == 1
    assert divergence_step("completed", None, pd.Series([2.0, 3.0])) is None
    evals = pd.DataFrame({"train_loss": [1.0, 0.5, 0.2], "valid_loss": [1.0, 0.9, 0.1], "gap": [0.0, 0.4, -0.1]},
                         index=pd.Index([0, 1, 2], name="step"))
    # Diverged at 2: the evaluation at step 1 measures what step 2 trained on, so only step 0's is used.
    assert run_values(evals, 2)["best_valid_loss"] == 1.0
    assert run_values(evals, None)["best_valid_loss"] == 0.1
