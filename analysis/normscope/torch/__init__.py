"""Record NormScope traces from any PyTorch model (``pip install "./analysis[torch]"``, PyTorch 2.1 or later).

``instrument(model)`` replaces the model's ``torch.nn.LayerNorm`` and ``torch.nn.RMSNorm`` layers (and custom
classes named with ``NormClass``) by instrumented ones, as they are or as any declared preset (ScaleNorm and DyT
included), whose backward pass splits the input gradient into its direct, re-centering and re-scaling parts;
``Recorder`` writes the per-step statistics into a trace that ``normscope analyze``, ``report``, ``inspect`` and
``normscope-plot`` read as they read ``normscope record``'s::

    import torch, normscope.torch as nst
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.LayerNorm(16), torch.nn.Linear(16, 3))
    nst.instrument(model, preset="adanorm")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with nst.Recorder("trace.h5", model, run="adanorm-s0", settings={"seed": 0}, optimizer=optimizer) as rec:
        for step in range(100):
            loss = torch.nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad(); loss.backward()
            rec.step(loss=loss)
            optimizer.step()

analysis/PYTHON.md ("Recording from PyTorch") documents it; ``import normscope`` alone never imports torch.
"""

from __future__ import annotations

try:
    import torch as _torch
except ImportError:  # pragma: no cover - depends on the environment
    raise ImportError("normscope.torch needs PyTorch 2.1 or later: pip install \"./analysis[torch]\" (or install "
                      "torch for your platform first)") from None


def _version(text: str) -> tuple:
    numbers = []
    for part in text.split("+")[0].split(".")[:2]:
        digits = "".join(ch for ch in part if ch.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers)


if _version(_torch.__version__) < (2, 1):  # pragma: no cover - depends on the environment
    raise ImportError(f"normscope.torch needs PyTorch 2.1 or later, found {_torch.__version__}")

from ._functions import NormFunction, Parts, split  # noqa: E402
from ._modules import InstrumentedNorm, NormClass, instrument, instrumented_layers  # noqa: E402
from ._recorder import Recorder, RecorderError  # noqa: E402
from ._variants import NormPlan, VariantError, preset_plan  # noqa: E402

__all__ = ["instrument", "instrumented_layers", "Recorder", "RecorderError", "NormClass", "InstrumentedNorm",
           "NormPlan", "NormFunction", "Parts", "split", "preset_plan", "VariantError"]
