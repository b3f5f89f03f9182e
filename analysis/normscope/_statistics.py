"""The comparison of a group's runs with the baseline group's, for one quantity: the difference of means, a seeded
percentile bootstrap interval, Welch's t-test and the verdict — by the one rule of METHODS.md ("Comparing groups"),
which ``normscope analyze`` follows too (Sources/Analysis/Statistics, WelchTest).

Both implementations give the same numbers: the same draws (SplitMix64 from the seed, indices by multiply-high), the
same order of every sum, the same quantile formula. The bounds, means, t and ν are therefore bit-identical; only p
may differ in its last digits, because CPython's ``math.lgamma`` is its own, not the C library's that Swift calls.
analysis/tests/conformance holds traces with the numbers both must give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

SEED = 20191107
RESAMPLES = 4000
MINIMUM_RESAMPLES = 2000
LEVEL = 0.95
ALPHA = 0.05   # Welch's p must be below it for a direction

_GAMMA = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1

TOO_FEW_RUNS = "too few runs: Welch's test needs at least 2 finite values on each side"
ZERO_VARIANCE = "zero variance: neither side varies over its runs, so t is undefined"
NOT_FINITE = "not finite: the values overflow Double"


def splitmix64(seed: int, count: int) -> np.ndarray:
    """The first ``count`` outputs of SplitMix64 started at ``seed``: output k (from 0) is
    mix(seed + (k + 1)·0x9E3779B97F4A7C15 mod 2⁶⁴) — the stream as a closed form, so NumPy computes it at once."""
    with np.errstate(over="ignore"):
        state = np.arange(1, count + 1, dtype=np.uint64) * np.uint64(_GAMMA) + np.uint64(seed & _MASK)
        z = (state ^ (state >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def indices_below(draws: np.ndarray, n: int) -> np.ndarray:
    """⌊draw · n / 2⁶⁴⌋, the high word of the 128-bit product, for n < 2³² (computed in 32-bit halves)."""
    if not 0 < n < 1 << 32:
        raise ValueError(f"indices_below expects 0 < n < 2**32, got {n}")
    n64 = np.uint64(n)
    high = (draws >> np.uint64(32)) * n64
    low = (draws & np.uint64(0xFFFFFFFF)) * n64
    return ((high + (low >> np.uint64(32))) >> np.uint64(32)).astype(np.intp)


def finite(values: Sequence[float]) -> np.ndarray:
    """The finite values, in their order: NaN and ±inf (a diverged run's loss) are dropped before anything."""
    array = np.asarray(values, dtype=float)
    return array[np.isfinite(array)]


def mean(values: np.ndarray) -> float:
    """The sum in index order from 0.0, divided by n (NumPy's pairwise sum would round otherwise); NaN for none."""
    total = 0.0
    for value in values.tolist():
        total += value
    return total / len(values) if len(values) else math.nan


def sample_variance(values: np.ndarray) -> float:
    """Σ(x − m)² in index order / (n − 1), two-pass; NaN below 2 values."""
    if len(values) < 2:
        return math.nan
    m = mean(values)
    total = 0.0
    for value in values.tolist():
        total += (value - m) * (value - m)
    return total / (len(values) - 1)


def constant(values: np.ndarray) -> Optional[float]:
    """The value every element equals, or None when they differ or there is none."""
    return float(values[0]) if len(values) and bool(np.all(values == values[0])) else None


def quantile(ordered: np.ndarray, p: float) -> float:
    """The linear-interpolation (type 7) quantile of sorted values: h = (B − 1)·p, θ₍⌊h⌋₎ + (h − ⌊h⌋)·(θ₍⌊h⌋+1₎ −
    θ₍⌊h⌋₎), written out rather than NumPy's ``percentile``, whose arithmetic differs in the last bits."""
    h = (len(ordered) - 1) * p
    below = int(math.floor(h))
    fraction = h - below
    low = float(ordered[below])
    if below + 1 >= len(ordered) or fraction <= 0:
        return low
    return low + fraction * (float(ordered[below + 1]) - low)


@dataclass(frozen=True)
class Interval:
    """A percentile bootstrap interval of mean(a) − mean(b); ``lower``/``upper`` None when ``reason`` says why."""
    lower: Optional[float]
    upper: Optional[float]
    count: int
    baseline_count: int
    reason: Optional[str] = None
    level: float = LEVEL
    resamples: int = RESAMPLES
    seed: int = SEED

    def excludes_zero_below(self) -> bool:
        return self.upper is not None and self.upper < 0

    def excludes_zero_above(self) -> bool:
        return self.lower is not None and self.lower > 0


def replicates(a: np.ndarray, b: np.ndarray, resamples: int = RESAMPLES, seed: int = SEED) -> np.ndarray:
    """θ*ᵢ = mean(a*ᵢ) − mean(b*ᵢ) for i < B: resample i takes draws i·(n₁ + n₂) … of the stream, n₁ indices into a
    then n₂ into b; each resampled mean is summed in draw order from 0.0."""
    n1, n2 = len(a), len(b)
    draws = splitmix64(seed, resamples * (n1 + n2)).reshape(resamples, n1 + n2)
    means = []
    for values, columns in ((a, draws[:, :n1]), (b, draws[:, n1:])):
        picked = values[indices_below(columns, len(values))]
        total = np.zeros(resamples)
        for j in range(len(values)):
            total += picked[:, j]
        means.append(total / len(values))
    return means[0] - means[1]


def bootstrap_interval(values: Sequence[float], baseline: Sequence[float], level: float = LEVEL,
                       resamples: int = RESAMPLES, seed: int = SEED) -> Interval:
    """The percentile bootstrap interval of mean(values) − mean(baseline) at ``level``, by the rule."""
    if not 0 < level < 1:
        raise ValueError(f"bootstrap_interval expects a level strictly between 0 and 1, got {level}")
    if resamples < MINIMUM_RESAMPLES:
        raise ValueError(f"bootstrap_interval expects at least {MINIMUM_RESAMPLES} resamples, got {resamples}")
    a, b = finite(values), finite(baseline)
    made = dict(count=len(a), baseline_count=len(b), level=level, resamples=resamples, seed=seed)
    if len(a) < 2 or len(b) < 2:
        return Interval(None, None, reason=f"too few runs: n = {len(a)}/{len(b)}, a bootstrap interval needs at least "
                                           "2 finite values in each", **made)
    u, v = constant(a), constant(b)
    if u is not None and v is not None:
        return Interval(u - v, u - v, **made)   # every resample is the same; no draws
    thetas = replicates(a, b, resamples, seed)
    if not np.all(np.isfinite(thetas)):
        return Interval(None, None, reason="not finite: the resampled means overflow Double", **made)
    ordered = np.sort(thetas)
    alpha = 1 - level
    return Interval(quantile(ordered, alpha / 2), quantile(ordered, 1 - alpha / 2), **made)


@dataclass(frozen=True)
class Welch:
    """Welch's unequal-variance t-test of mean(a) − mean(b); t, ν and p None when ``reason`` says why."""
    difference: float
    t: Optional[float]
    degrees_of_freedom: Optional[float]
    p: Optional[float]
    reason: Optional[str] = None


def welch_test(values: Sequence[float], baseline: Sequence[float]) -> Welch:
    """t = Δ/√(s₁²/n₁ + s₂²/n₂), ν by Welch–Satterthwaite, two-sided p = I_{ν/(ν+t²)}(ν/2, 1/2)."""
    a, b = finite(values), finite(baseline)
    difference = mean(a) - mean(b)
    if len(a) < 2 or len(b) < 2:
        return Welch(difference, None, None, None, TOO_FEW_RUNS)
    # A constant side has no spread, though its two-pass variance may carry a rounding residue. s²/n is formed as
    # analyze forms it, from the standard deviation: (√v)² is not always v to the last bit.
    def spread(values: np.ndarray) -> float:
        if constant(values) is not None:
            return 0.0
        deviation = math.sqrt(sample_variance(values))
        return deviation * deviation / len(values)

    vx, vy = spread(a), spread(b)
    if not vx + vy > 0:
        return Welch(difference, None, None, None, ZERO_VARIANCE)
    t = difference / math.sqrt(vx + vy)
    freedom = (vx + vy) * (vx + vy) / (vx * vx / (len(a) - 1) + vy * vy / (len(b) - 1))
    if not (math.isfinite(t) and math.isfinite(freedom)):
        return Welch(difference, None, None, None, NOT_FINITE)
    return Welch(difference, t, freedom, regularized_incomplete_beta(freedom / (freedom + t * t), freedom / 2, 0.5))


def regularized_incomplete_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b) by its continued fraction (modified Lentz), with I_x(a, b) = 1 − I_{1−x}(b, a) where that converges
    faster: WelchTest.regularizedIncompleteBeta step for step."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x > (a + 1) / (a + b + 2):
        return 1 - regularized_incomplete_beta(1 - x, b, a)
    tiny = 1e-300

    def guarded(value: float) -> float:
        return tiny if abs(value) < tiny else value

    c = 1.0
    d = 1 / guarded(1 - (a + b) * x / (a + 1))
    fraction = d
    for m in range(1, 301):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1 / guarded(1 + even * d)
        c = guarded(1 + even / c)
        fraction *= d * c
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1 / guarded(1 + odd * d)
        c = guarded(1 + odd / c)
        step = d * c
        fraction *= step
        if abs(step - 1) < 1e-15:
            break
    return math.exp(log_front) * fraction / a


def verdict(interval: Interval, welch: Welch) -> str:
    """The rule: too few runs; neither side varying; a direction when the interval excludes 0 (a bound at 0 does
    not) and p < 0.05; else not distinguishable — naming both n's."""
    n = f"n = {interval.count}/{interval.baseline_count}"
    if min(interval.count, interval.baseline_count) < 2:
        return f"not distinguishable at {n} (too few runs)"
    if welch.reason == ZERO_VARIANCE:
        return f"no test at {n} (zero variance)"
    if welch.p is not None and welch.p < ALPHA and interval.excludes_zero_below():
        return "lower"
    if welch.p is not None and welch.p < ALPHA and interval.excludes_zero_above():
        return "higher"
    return f"not distinguishable at {n}"


@dataclass(frozen=True)
class Estimate:
    """One quantity of a group against the baseline group: what analyze's JSON calls an Estimate (less Hedges' g)."""
    difference: float
    mean: float
    baseline_mean: float
    count: int
    baseline_count: int
    welch: Welch
    interval: Interval
    verdict: str


def difference_estimate(values: Sequence[float], baseline: Sequence[float], level: float = LEVEL,
                        resamples: int = RESAMPLES, seed: int = SEED) -> Estimate:
    """Compares ``values`` (a group's runs) with ``baseline`` (the baseline group's) by the rule."""
    a, b = finite(values), finite(baseline)
    welch = welch_test(a, b)
    interval = bootstrap_interval(a, b, level, resamples, seed)
    return Estimate(welch.difference, mean(a), mean(b), len(a), len(b), welch, interval, verdict(interval, welch))
