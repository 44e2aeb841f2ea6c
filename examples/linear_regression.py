"""Fit a linear model with hand-written gradients, PyTorch-style.

Run: python examples/linear_regression.py

Uses only the tensor API (creation with a fixed seed, matmul, broadcasting,
reductions, in-place updates); gradients are written out by hand because
autograd is not part of ferrotorch yet.
"""

import ferrotorch as torch


def main() -> None:
    torch.manual_seed(0)
    n, d = 1024, 8
    true_w = torch.randn(d, 1)
    true_b = 0.5
    x = torch.randn(n, d)
    y = x @ true_w + true_b + 0.01 * torch.randn(n, 1)

    w = torch.zeros(d, 1)
    b = torch.zeros(1)
    lr = 0.1
    for step in range(101):
        pred = x @ w + b
        err = pred - y
        loss = (err * err).mean()
        # d(loss)/dw = 2/n * x^T err, d(loss)/db = 2 * mean(err)
        grad_w = (x.T @ err) * (2.0 / n)
        grad_b = err.mean(0) * 2.0
        w.sub_(lr * grad_w)
        b.sub_(lr * grad_b)
        if step % 20 == 0:
            print(f"step {step:3d}  loss {loss.item():.6f}")

    print("learned w:", w.flatten())
    print("true w:   ", true_w.flatten())
    print(f"learned b: {b.item():.4f} (true {true_b})")
    max_err = (w - true_w).abs().max().item()
    print(f"max |w - true_w| = {max_err:.2e}")


if __name__ == "__main__":
    main()
