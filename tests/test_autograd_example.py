"""examples/fit_polynomial.py runs, its loss falls, and (where PyTorch is
installed) it prints exactly what the same script prints under PyTorch."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "fit_polynomial.py"


def run(source: str) -> str:
    env = dict(os.environ)
    # The example imports ferrotorch from wherever this test imported it.
    import ferrotorch

    env["PYTHONPATH"] = str(Path(ferrotorch.__file__).parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_loss_falls():
    out = run(EXAMPLE.read_text())
    losses = [float(v) for v in re.findall(r"loss (\S+)", out)]
    assert len(losses) == 10
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 20


def test_prints_the_same_as_torch_live():
    pytest.importorskip("torch")
    src = EXAMPLE.read_text()
    assert run(src) == run(src.replace("import ferrotorch as torch", "import torch"))
