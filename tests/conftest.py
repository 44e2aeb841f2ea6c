"""Shared pytest fixtures.

``device``: one test body runs on every device present: always ``"cpu"``,
plus ``"cuda"`` where ``ferrotorch.cuda.is_available()``. A test adopts it
by taking a ``device`` argument and creating (or ``.to()``-ing) its tensors
there (``_helpers.make``/``on_device`` help); ``_helpers.to_np`` copies
results back from any device, and it and ``_helpers.check`` also assert
that the tensor they read is on the test's device (so that no op quietly
hands back a CPU result).
"""

import pytest

import _helpers
import ferrotorch as torch

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request):
    _helpers.EXPECTED_DEVICE = request.param
    yield request.param
    _helpers.EXPECTED_DEVICE = None
