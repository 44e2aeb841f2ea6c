"""Autograd benchmark: forward + backward in ferrotorch against PyTorch, run
side by side in one process (interleaved rounds, medians). Prints times and
ratios; a ratio > 1 means ferrotorch is faster.

Run: python benchmarks/bench_autograd.py [--quick]

The tiny case measures per-op and per-node overhead (the issue's target:
ferrotorch at most half of PyTorch's time, i.e. a ratio >= 2); the MLP
steps measure a matmul-bound training step.
"""

from __future__ import annotations

import os
import sys

from bench_cpu import median_times

import ferrotorch as ft

try:  # PyTorch is optional: a reference, never a dependency.
    import torch
except ImportError:  # pragma: no cover
    torch = None

QUICK = "--quick" in sys.argv


def tiny_step(lib):
    x = lib.ones(4, requires_grad=True)

    def f():
        (x * 2 + 1).sum().backward()

    return f


def mlp_step(lib, batch: int, width: int):
    lib.manual_seed(0)
    x = lib.randn(batch, width)
    w = lib.randn(width, width, requires_grad=True)
    b = lib.randn(width, requires_grad=True)

    def f():
        (x @ w + b).relu().sum().backward()
        w.grad = None
        b.grad = None

    return f


def small_mlp_step(lib):
    lib.manual_seed(0)
    x = lib.randn(32, 64)
    w1 = lib.randn(64, 64, requires_grad=True)
    w2 = lib.randn(64, 1, requires_grad=True)

    def f():
        ((x @ w1).relu() @ w2).pow(2).mean().backward()
        w1.grad = None
        w2.grad = None

    return f


def cases():
    yield "tiny (x*2+1).sum().backward()", 2000, 5, tiny_step
    yield "small MLP 32x64 step", 500, 5, small_mlp_step
    yield "MLP 256x512 @ 512x512 step", 1, 5 if QUICK else 9, lambda lib: mlp_step(lib, 256, 512)


def main() -> None:
    print(f"cores: {os.cpu_count()}  torch {torch.__version__ if torch else 'absent'}")
    header = f"{'case':34s} {'ferrotorch':>12s} {'torch':>12s} {'vs torch':>9s}"
    print(header)
    print("-" * len(header))
    for name, inner, repeat, make in cases():
        f_ft = make(ft)
        f_t = make(torch) if torch else None
        t_ft, t_t = median_times([f_ft, f_t], repeat * 2 + 1, inner)

        def fmt(t):
            if t is None:
                return "-"
            return f"{t * 1e6:9.2f} us" if t < 1e-3 else f"{t * 1e3:9.2f} ms"

        ratio = f"{t_t / t_ft:8.2f}x" if t_t else "-"
        print(f"{name:34s} {fmt(t_ft):>12s} {fmt(t_t):>12s} {ratio:>9s}")


if __name__ == "__main__":
    main()
