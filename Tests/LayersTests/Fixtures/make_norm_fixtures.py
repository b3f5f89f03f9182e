#!/usr/bin/env python3
"""Golden fixtures for NormLayer, made with NumPy alone (no PyTorch needed).

Each preset's forward is re-implemented the way its reference code writes it:
  - layernorm: torch.nn.LayerNorm (biased variance, eps inside the square root, gain and bias);
  - layernorm-simple, detach-mean, detach-std, detachnorm: the official AdaNorm code's `nowb` mode
    (input.std(-1) is unbiased, eps added to it; `.detach()` on the mean and/or std tensors);
  - adanorm: the official `adanorm` mode, line by line (centre, std, centre again, detached graNorm, scale);
  - rmsnorm: x / sqrt(mean(x^2) + eps) * gain (the LLaMA/T5 form);
  - scalenorm: the authors' ScaleNorm, x * g / norm(x) with one scalar g, except that eps is added to the norm
    rather than clamping it from below (NormScope's choice, analysis/METHODS.md); the two differ only for a row of
    length about eps, and these rows are far longer;
  - dyt: the official DynamicTanh, tanh(alpha * x) * weight + bias with one scalar alpha;
  - none: the identity.
The input gradient is not derived: it is central finite differences of that forward in float64, with every
detached tensor frozen at the unperturbed input (which is what .detach() means). So the fixtures check our
hand-written backward against an independent route to the same number.

Run from anywhere:  python3 Tests/LayersTests/Fixtures/make_norm_fixtures.py
It rewrites norm_fixtures.json beside itself; the output is deterministic (seeded).
"""
import json
import os

import numpy as np

EPS = 1e-5
ROWS, WIDTH = 3, 8


def torch_layer_norm(x, frozen, gain, bias):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * gain + bias


def nowb(mean_detach, std_detach):
    def forward(x, frozen, gain, bias):
        mean = (frozen if mean_detach else x).mean(-1, keepdims=True)
        std = (frozen if std_detach else x).std(-1, ddof=1, keepdims=True)
        return (x - mean) / (std + EPS)
    return forward


def adanorm(scale=2.0, k=0.1):
    def forward(x, frozen, gain, bias):
        def centre_and_std(v):
            v = v - v.mean(-1, keepdims=True)
            std = v.std(-1, ddof=1, keepdims=True)
            v = v - v.mean(-1, keepdims=True)
            return v, std
        v, std = centre_and_std(x)
        fv, fstd = centre_and_std(frozen)
        gra_norm = k * (fv - fv.mean(-1, keepdims=True)) / (fstd + EPS)  # .detach(): computed on the frozen input
        return (v - v * gra_norm) / (std + EPS) * scale
    return forward


def rms_norm(x, frozen, gain, bias):
    return x / np.sqrt((x ** 2).mean(-1, keepdims=True) + EPS) * gain


def scale_norm(x, frozen, gain, bias):
    return x * gain / (np.linalg.norm(x, axis=-1, keepdims=True) + EPS)


def dyt(x, frozen, gain, bias, alpha):
    return np.tanh(alpha * x) * gain + bias


def identity(x, frozen, gain, bias):
    return x.copy()


PRESETS = [
    ("layernorm", torch_layer_norm, True, True),
    ("layernorm-simple", nowb(False, False), False, False),
    ("detach-mean", nowb(True, False), False, False),
    ("detach-std", nowb(False, True), False, False),
    ("detachnorm", nowb(True, True), False, False),
    ("adanorm", adanorm(), False, False),
    ("rmsnorm", rms_norm, True, False),
    ("none", identity, False, False),
    # Appended, so that the random draws of the presets above, and their fixtures, stay as they were.
    ("scalenorm", scale_norm, "scalar", False),
    ("dyt", dyt, True, True),
]


def central_differences(f, at, step=1e-6):
    grad = np.zeros_like(at)
    for index in np.ndindex(at.shape):
        h = step * max(1.0, abs(at[index]))
        plus, minus = at.copy(), at.copy()
        plus[index] += h
        minus[index] -= h
        grad[index] = (f(plus) - f(minus)) / (plus[index] - minus[index])
    return grad


def main():
    rng = np.random.RandomState(20191107)
    fixtures = []
    for name, forward, has_gain, has_bias in PRESETS:
        x = rng.uniform(-2, 3, size=(ROWS, WIDTH))
        x[0] *= 10  # one row on another scale, so that eps and the statistics matter differently per row
        g = rng.uniform(-1, 1, size=(ROWS, WIDTH))
        if has_gain == "scalar":  # one g, near its start sqrt(H)
            gain = rng.uniform(0.5, 1.5, size=1) * np.sqrt(WIDTH)
        else:
            gain = rng.uniform(0.5, 1.5, size=WIDTH) if has_gain else np.ones(WIDTH)
        bias = rng.uniform(-0.5, 0.5, size=WIDTH) if has_bias else np.zeros(WIDTH)
        alpha = None
        if name == "dyt":  # alpha near its start 0.5; the big row reaches tanh's saturated region
            alpha = rng.uniform(0.3, 0.9, size=1)
            forward = (lambda f, a: lambda x_, frozen, gain_, bias_: f(x_, frozen, gain_, bias_, a))(forward, alpha)
        output = forward(x, x, gain, bias)
        grad_input = central_differences(lambda v: np.sum(g * forward(v, x, gain, bias)), x)
        entry = {
            "preset": name, "rows": ROWS, "width": WIDTH, "epsilon": EPS,
            "x": x.ravel().tolist(), "grad_output": g.ravel().tolist(),
            "output": output.ravel().tolist(), "grad_input": grad_input.ravel().tolist(),
            "gain": gain.tolist() if has_gain else None, "bias": bias.tolist() if has_bias else None,
        }
        if has_gain:
            entry["grad_gain"] = central_differences(lambda v: np.sum(g * forward(x, x, v, bias)), gain).tolist()
        if has_bias:
            entry["grad_bias"] = central_differences(lambda v: np.sum(g * forward(x, x, gain, v)), bias).tolist()
        if alpha is not None:
            entry["alpha"] = alpha.tolist()
            entry["grad_alpha"] = central_differences(lambda v: np.sum(g * dyt(x, x, gain, bias, v)), alpha).tolist()
        fixtures.append(entry)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "norm_fixtures.json")
    with open(path, "w") as f:
        json.dump({"generator": "make_norm_fixtures.py", "numpy": np.__version__, "fixtures": fixtures}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(fixtures)} fixtures to {path}")


if __name__ == "__main__":
    main()
