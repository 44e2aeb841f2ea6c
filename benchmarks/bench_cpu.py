"""CPU benchmark: ferrotorch against numpy (and PyTorch when importable),
run side by side in one process. Prints median times and ratios.

Run: python benchmarks/bench_cpu.py [--quick]

A ratio > 1 means ferrotorch is faster than the reference.
"""

from __future__ import annotations

import os

# PyTorch's OpenMP threads spin for ~200 ms after each parallel region by
# default, taking both cores from whatever runs next in this process (the
# interleaved numpy and ferrotorch calls). Let them sleep instead; it costs
# torch a thread wake-up (microseconds) per call.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import statistics
import sys
import time
from typing import Callable

import numpy as np

import ferrotorch as ft

try:  # PyTorch is optional: a reference, never a dependency.
    import torch
except ImportError:  # pragma: no cover
    torch = None

QUICK = "--quick" in sys.argv


def median_times(fns: list[Callable[[], object] | None], repeat: int, inner: int = 1) -> list[float | None]:
    """Median seconds per call of each function, measured in interleaved rounds
    (one call of each per round) so that machine noise hits all of them alike."""
    live = [f for f in fns if f is not None]
    for f in live:  # warm up (allocator, page tables, thread pools)
        for _ in range(2):
            f()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for k, f in enumerate(fns):
            if f is None:
                continue
            t0 = time.perf_counter()
            for _ in range(inner):
                f()
            samples[k].append((time.perf_counter() - t0) / inner)
    return [statistics.median(s) if s else None for s in samples]


def cases():
    n = 1 << 22 if QUICK else 1 << 24  # 16M float32 elements
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal(n, dtype=np.float32)
    b_np = rng.standard_normal(n, dtype=np.float32)
    side = int(n**0.5)
    m_np = rng.standard_normal((side, side), dtype=np.float32)
    k = 1024 if QUICK else 2048
    x_np = rng.standard_normal((k, k), dtype=np.float32)
    y_np = rng.standard_normal((k, k), dtype=np.float32)
    s_np = np.ones(4, dtype=np.float32)

    a_ft, b_ft, m_ft, x_ft, y_ft, s_ft = (ft.from_numpy(v) for v in (a_np, b_np, m_np, x_np, y_np, s_np))
    if torch is not None:
        a_t, b_t, m_t, x_t, y_t, s_t = (torch.from_numpy(v) for v in (a_np, b_np, m_np, x_np, y_np, s_np))
    else:
        a_t = b_t = m_t = x_t = y_t = s_t = None

    yield ("tiny a + b (4 floats)", 20000, 5,
           lambda: s_ft + s_ft, lambda: s_np + s_np, (lambda: s_t + s_t) if torch else None)
    yield (f"add {n >> 20}M f32", 1, 9,
           lambda: a_ft + b_ft, lambda: a_np + b_np, (lambda: a_t + b_t) if torch else None)
    yield (f"mul scalar {n >> 20}M f32", 1, 9,
           lambda: a_ft * 2.0, lambda: a_np * np.float32(2.0), (lambda: a_t * 2.0) if torch else None)
    yield (f"exp {n >> 20}M f32", 1, 5,
           lambda: a_ft.exp(), lambda: np.exp(a_np), (lambda: a_t.exp()) if torch else None)
    yield (f"sum {n >> 20}M f32", 1, 9,
           lambda: a_ft.sum(), lambda: a_np.sum(), (lambda: a_t.sum()) if torch else None)
    yield (f"row sum {side}x{side}", 1, 9,
           lambda: m_ft.sum(1), lambda: m_np.sum(1), (lambda: m_t.sum(1)) if torch else None)
    yield (f"col sum {side}x{side}", 1, 9,
           lambda: m_ft.sum(0), lambda: m_np.sum(0), (lambda: m_t.sum(0)) if torch else None)
    yield (f"transpose copy {side}x{side}", 1, 9,
           lambda: m_ft.t().contiguous(), lambda: np.ascontiguousarray(m_np.T),
           (lambda: m_t.t().contiguous()) if torch else None)
    yield (f"softmax rows {side}x{side}", 1, 5,
           lambda: m_ft.softmax(1), None, (lambda: m_t.softmax(1)) if torch else None)
    yield (f"matmul {k}x{k} f32", 1, 5,
           lambda: x_ft @ y_ft, lambda: x_np @ y_np, (lambda: x_t @ y_t) if torch else None)


def main() -> None:
    import os

    print(f"cores: {os.cpu_count()}  numpy {np.__version__}  torch {torch.__version__ if torch else 'absent'}")
    header = f"{'case':28s} {'ferrotorch':>12s} {'numpy':>12s} {'torch':>12s} {'vs numpy':>9s} {'vs torch':>9s}"
    print(header)
    print("-" * len(header))
    for name, inner, repeat, f_ft, f_np, f_t in cases():
        t_ft, t_np, t_t = median_times([f_ft, f_np, f_t], repeat * 2 + 1, inner)

        def fmt(t):
            if t is None:
                return "-"
            return f"{t * 1e6:9.2f} us" if t < 1e-3 else f"{t * 1e3:9.2f} ms"

        r_np = f"{t_np / t_ft:8.2f}x" if t_np else "-"
        r_t = f"{t_t / t_ft:8.2f}x" if t_t else "-"
        print(f"{name:28s} {fmt(t_ft):>12s} {fmt(t_np):>12s} {fmt(t_t):>12s} {r_np:>9s} {r_t:>9s}")


if __name__ == "__main__":
    main()
