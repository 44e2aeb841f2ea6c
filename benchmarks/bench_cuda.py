"""GPU benchmark: ferrotorch against PyTorch on the same CUDA device, side by
side in one process, in interleaved rounds; prints medians and ratios and
the issue's targets:

* float32 (TF32) and bfloat16 matmul at 4096 and 8192: TFLOP/s within 5%
  of PyTorch's;
* elementwise add and a row softmax on 256M floats: at least 85% of the
  device-to-device copy bandwidth PyTorch reaches;
* a hand-written two-layer MLP training step (matmul + relu +
  cross-entropy with tensor ops, batch 256, hidden 4096): at most 1.0x
  PyTorch eager's time.

Run on a GPU machine: python benchmarks/bench_cuda.py [--quick]
``--smoke`` runs tiny sizes without PyTorch (used to check the script
itself, e.g. under FERROTORCH_CUDA_EMULATOR=1); its numbers mean nothing.
Results go in benchmarks/RESULTS.md with the GPU model and date.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Callable

import ferrotorch as ft

SMOKE = "--smoke" in sys.argv
QUICK = "--quick" in sys.argv or SMOKE

try:  # PyTorch is a reference, never a dependency.
    import torch
except ImportError:  # pragma: no cover
    torch = None
if SMOKE:
    torch = None


def sync() -> None:
    ft.cuda.synchronize()
    if torch is not None:
        torch.cuda.synchronize()


def median_seconds(fns: list[Callable[[], object] | None], repeat: int, inner: int) -> list[float | None]:
    """Median seconds per call of each function over interleaved rounds of
    `inner` calls, each round closed by a device synchronisation."""
    live = [f for f in fns if f is not None]
    for f in live:  # warm up: module compilation, allocator, cuBLAS heuristics
        for _ in range(3):
            f()
    sync()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for k, f in enumerate(fns):
            if f is None:
                continue
            sync()
            t0 = time.perf_counter()
            for _ in range(inner):
                f()
            sync()
            samples[k].append((time.perf_counter() - t0) / inner)
    return [statistics.median(s) if s else None for s in samples]


def row(name: str, ours: float, ref: float | None, unit: str, scale: float, target: str) -> None:
    o = scale / ours
    r = scale / ref if ref else None
    ratio = f"{o / r:6.3f}" if r else "   n/a"
    ref_s = f"{r:10.1f}" if r else "       n/a"
    print(f"| {name:34s} | {o:10.1f} | {ref_s} | {unit:6s} | {ratio} | {target} |")


def matmul_cases() -> None:
    sizes = [64] if SMOKE else ([4096] if QUICK else [4096, 8192])
    for dtype_name, tf32 in (("float32", True), ("bfloat16", False)):
        for n in sizes:
            ft.backends.cuda.matmul.allow_tf32 = tf32
            a = ft.randn(n, n, device="cuda", dtype=getattr(ft, dtype_name))
            b = ft.randn(n, n, device="cuda", dtype=getattr(ft, dtype_name))
            ours: Callable[[], object] = lambda: a @ b  # noqa: E731
            ref = None
            if torch is not None:
                torch.backends.cuda.matmul.allow_tf32 = tf32
                ta = torch.randn(n, n, device="cuda", dtype=getattr(torch, dtype_name))
                tb = torch.randn(n, n, device="cuda", dtype=getattr(torch, dtype_name))
                ref = lambda: ta @ tb  # noqa: E731
            o, r = median_seconds([ours, ref], repeat=3 if SMOKE else 15, inner=1 if SMOKE else 5)
            label = f"matmul {dtype_name}{' (TF32)' if tf32 else ''} {n}"
            row(label, o, r, "TFLOP/s", 2 * n**3 / 1e12, ">= 0.95")
    ft.backends.cuda.matmul.allow_tf32 = False


def bandwidth_cases() -> None:
    n = 1 << 12 if SMOKE else (1 << 26 if QUICK else 1 << 28)  # 256M floats
    x = ft.randn(n, device="cuda")
    y = ft.randn(n, device="cuda")
    rows = ft.randn(n // 4096, 4096, device="cuda")
    cases: list[tuple[str, Callable[[], object], Callable[[], object] | None, float]] = [
        ("add (256M f32)", lambda: x + y, None, 3 * 4 * n),
        ("softmax rows (65536x4096 f32)", lambda: ft.softmax(rows, dim=1), None, 2 * 4 * n),
    ]
    copy_ref = None
    if torch is not None:
        tx, ty = torch.randn(n, device="cuda"), torch.randn(n, device="cuda")
        trows = torch.randn(n // 4096, 4096, device="cuda")
        cases = [
            (cases[0][0], cases[0][1], lambda: tx + ty, cases[0][3]),
            (cases[1][0], cases[1][1], lambda: torch.softmax(trows, dim=1), cases[1][3]),
        ]
        dst = torch.empty_like(tx)
        (copy_ref,) = median_seconds([lambda: dst.copy_(tx)], repeat=15, inner=5)
    for name, ours, ref, nbytes in cases:
        o, r = median_seconds([ours, ref], repeat=3 if SMOKE else 15, inner=1 if SMOKE else 5)
        row(name, o, r, "GB/s", nbytes / 1e9, ">= 0.85 of copy")
    if copy_ref is not None:
        print(f"| {'PyTorch device copy (256M f32)':34s} | {'':10s} | {2 * 4 * n / 1e9 / copy_ref:10.1f} | GB/s   |        | reference |")


def mlp_step(lib, device: str, batch: int, hidden: int, classes: int = 10):
    """One training step of a two-layer MLP written with tensor ops only."""
    gen = lib.randn
    w1 = (gen(hidden, hidden, device=device) * hidden**-0.5).requires_grad_()
    w2 = (gen(hidden, classes, device=device) * hidden**-0.5).requires_grad_()
    x = gen(batch, hidden, device=device)
    target = lib.randint(0, classes, (batch,), device=device)
    onehot = lib.zeros(batch, classes, device=device)
    onehot[lib.arange(batch, device=device), target] = 1.0

    def step() -> None:
        h = (x @ w1).relu()
        logp = lib.log_softmax(h @ w2, dim=1)
        loss = -(logp * onehot).sum() / batch
        loss.backward()
        with lib.no_grad():
            w1.sub_(w1.grad * 0.01)
            w2.sub_(w2.grad * 0.01)
        w1.grad = None
        w2.grad = None

    return step


def mlp_case() -> None:
    batch, hidden = (16, 64) if SMOKE else (256, 4096)
    ours = mlp_step(ft, "cuda", batch, hidden)
    ref = mlp_step(torch, "cuda", batch, hidden) if torch is not None else None
    o, r = median_seconds([ours, ref], repeat=3 if SMOKE else 15, inner=1 if SMOKE else 10)
    ratio = f"{o / r:6.3f}" if r else "   n/a"
    ref_s = f"{r * 1e3:10.3f}" if r else "       n/a"
    print(f"| {'MLP step b256 h4096 (ms, time ratio)':34s} | {o * 1e3:10.3f} | {ref_s} | ms     | {ratio} | <= 1.0 |")


def main() -> None:
    if not ft.cuda.is_available():
        sys.exit("no CUDA device: this benchmark needs a GPU (or FERROTORCH_CUDA_EMULATOR=1 with --smoke)")
    props = ft.cuda.get_device_properties(0)
    print(f"device: {props.name}, torch: {torch.__version__ if torch else 'absent'}")
    print("| case | ferrotorch | PyTorch | unit | ratio | target |")
    print("|---|---|---|---|---|---|")
    matmul_cases()
    bandwidth_cases()
    mlp_case()


if __name__ == "__main__":
    main()
