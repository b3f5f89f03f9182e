"""The two ways the PyTorch scripts of `normscope bench train` run a model's training step.

One shot (the scripts' command line): time `--steps` steps after a warm-up and print one line with the median and
the best. Serving (`--serve`): `normscope bench train` starts the script once and alternates rounds of PyTorch
steps with rounds of its own, so that a slow spell of this machine falls on both sides alike. The protocol, one
line each way:

    worker → {"ready": true, "torch": "2.13.0+cpu", "threads": 2, "model": "..."}     once the model is built
    run N  → {"ms": [t1, …, tN]}                                                     N steps, each timed alone
    quit (or end of input) → the worker exits 0
    anything else → {"error": "..."}, and the worker waits for the next line

When torch cannot be imported a serving worker prints {"unavailable": "<the ImportError>"} and exits 3, so that
`bench train` can say how to install it instead of failing.
"""
import json
import statistics
import sys
import time

MISSING_TORCH_STATUS = 3


def import_torch():
    """torch, or exit 3 saying why it cannot be imported (as JSON when serving, so the caller can tell)."""
    try:
        import torch
    except ImportError as error:
        if "--serve" in sys.argv:
            print(json.dumps({"unavailable": str(error)}), flush=True)
        else:
            print(f"cannot import torch: {error}", file=sys.stderr)
        sys.exit(MISSING_TORCH_STATUS)
    return torch


def gradient_norm(torch, parameters):
    """The global gradient norm, which NormScope's trainer computes every step (and clips by when clip > 0)."""
    if hasattr(torch.nn.utils, "get_total_norm"):
        return torch.nn.utils.get_total_norm([p.grad for p in parameters if p.grad is not None])
    return torch.nn.utils.clip_grad_norm_(parameters, float("inf"))


def timed(step):
    """The wall time of one call of `step`, in milliseconds."""
    start = time.perf_counter()
    step()
    return 1000 * (time.perf_counter() - start)


def one_shot(step, torch, threads, steps, warmup=20):
    """Times `steps` steps after `warmup` and prints the one line the scripts have always printed."""
    for _ in range(warmup):
        step()
    times = [timed(step) for _ in range(steps)]
    print(f"pytorch {torch.__version__} threads={threads} median_step_ms={statistics.median(times):.3f} "
          f"best_step_ms={min(times):.3f}")


def serve(step, torch, model):
    """Answers `run N` lines on standard input until `quit` or the end of the input."""
    reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "model": model})
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words == ["quit"]:
            break
        if len(words) == 2 and words[0] == "run" and words[1].isdigit() and int(words[1]) > 0:
            reply({"ms": [timed(step) for _ in range(int(words[1]))]})
        else:
            reply({"error": f"unknown command {line.strip()!r}; expected 'run N' (N > 0) or 'quit'"})


def reply(message):
    # Flushed at once: the caller waits for each line before it sends the next command.
    print(json.dumps(message), flush=True)
