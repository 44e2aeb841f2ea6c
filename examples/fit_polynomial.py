"""Fit a cubic polynomial to sin(x) with autograd and a hand-written SGD loop.

Run: python examples/fit_polynomial.py

The model is y = a + b x + c x^2 + d x^3 with four scalar parameters that
require grad; each step computes the squared-error loss, calls backward()
and updates the parameters in place under no_grad(). Swapping the import for
``import torch`` prints exactly the same.
"""

import math

import ferrotorch as torch


def main() -> None:
    torch.manual_seed(0)
    dtype = torch.float64  # float64 keeps the printout identical across libraries
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)

    a, b, c, d = (torch.randn((), dtype=dtype, requires_grad=True) for _ in range(4))
    lr = 1e-6
    for step in range(2000):
        pred = a + b * x + c * x**2 + d * x**3
        loss = (pred - y).pow(2).sum()
        if step % 200 == 199:
            print(f"step {step + 1:4d}  loss {loss.item():.4f}")
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None

    print(f"y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3")


if __name__ == "__main__":
    main()
