#!/usr/bin/env python3
"""PyTorch reference for `normscope bench train --model mlp`: the same MLP step on the same CPU.

A 4-hidden-layer MLP (width 512, LayerNorm after each hidden Linear, ReLU), input 512, 10 classes, batch 256,
Adam, softmax cross-entropy, on one fixed random batch; each step is zero_grad, forward, loss, backward, the global
gradient norm (NormScope's step computes it for its step rows, clipping at infinity) and the optimizer's update.

    python3 analysis/bench_torch_mlp.py [--threads 2] [--steps 200]     one line: the median and best step
    python3 analysis/bench_torch_mlp.py --serve [--threads 2]           the worker of `normscope bench train`

What differs from NormScope's side (Sources/Benchmarks/Training/MLPWorkload.swift): the learning rate (1e-3 here,
1e-4 there; the step's cost does not depend on it) and the initial weights (each library's own draws).
"""
import argparse

from bench_torch_worker import gradient_norm, import_torch, one_shot, serve

torch = import_torch()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--serve", action="store_true", help="answer 'run N' lines on standard input")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    layers, width = [], args.width
    for _ in range(args.layers):
        layers += [torch.nn.Linear(width, width), torch.nn.LayerNorm(width), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))
    parameters = list(model.parameters())
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    x = torch.randn(args.batch, width)
    y = torch.randint(0, 10, (args.batch,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fn(model(x), y)
        loss.backward()
        gradient_norm(torch, parameters)
        optimizer.step()

    if args.serve:
        serve(step, torch, f"MLP {args.layers} x {width} + LayerNorm, input {width}, batch {args.batch}, Adam")
    else:
        one_shot(step, torch, args.threads, args.steps)


if __name__ == "__main__":
    main()
