#!/usr/bin/env python3
"""PyTorch reference for `normscope bench train`: the same MLP step on the same CPU.

A 4-hidden-layer MLP (width 512, LayerNorm after each hidden Linear, ReLU), input 512, 10 classes, batch 256,
Adam, softmax cross-entropy; times full training steps (forward, backward, optimizer) and prints the median.

    python3 analysis/bench_torch_mlp.py [--threads 2] [--steps 200]
"""
import argparse
import statistics
import time

import torch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    layers, width = [], args.width
    for _ in range(args.layers):
        layers += [torch.nn.Linear(width, width), torch.nn.LayerNorm(width), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(args.batch, width)
    y = torch.randint(0, 10, (args.batch,))
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for step in range(args.steps + 20):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if step >= 20:  # warm-up
            times.append(time.perf_counter() - start)
    print(f"pytorch {torch.__version__} threads={args.threads} median_step_ms={1000 * statistics.median(times):.3f} "
          f"best_step_ms={1000 * min(times):.3f}")


if __name__ == "__main__":
    main()
