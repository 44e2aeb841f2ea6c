"""Shared helpers for the ferrotorch tensor-API suites (numpy is the reference)."""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest

import ferrotorch as torch

# name -> numpy dtype (None: numpy has no equivalent)
DTYPE_NAMES = [
    "float32", "float64", "float16", "bfloat16",
    "int64", "int32", "int16", "int8", "uint8", "bool",
]
NP_DTYPES = {
    "float32": np.float32, "float64": np.float64, "float16": np.float16,
    "bfloat16": None, "int64": np.int64, "int32": np.int32, "int16": np.int16,
    "int8": np.int8, "uint8": np.uint8, "bool": np.bool_,
}
FLOAT_NAMES = ["float32", "float64", "float16", "bfloat16"]
INT_NAMES = ["int64", "int32", "int16", "int8", "uint8"]


# The device type of the running ``device``-parametrised test (set by the
# ``device`` fixture in conftest.py; None outside such tests): ``check`` and
# ``to_np`` assert that the tensors they read are on it, so that no op quietly
# hands back a CPU result.
EXPECTED_DEVICE = None


def tdt(name):
    """torch dtype object from its name (looked up lazily)."""
    return getattr(torch, name)


def dtype_name(dt):
    return str(dt).replace("torch.", "")


def to_np(t):
    """A numpy copy of tensor ``t`` on any device (bfloat16 goes through float32);
    in a ``device``-parametrised test ``t`` must be on that device."""
    assert isinstance(t, torch.Tensor), f"expected a Tensor, got {type(t)!r}"
    if EXPECTED_DEVICE is not None:
        assert t.device.type == EXPECTED_DEVICE, f"device {t.device} != {EXPECTED_DEVICE}"
    t = t.cpu()
    if t.dtype == torch.bfloat16:
        return np.array(t.float().numpy())
    return np.array(t.numpy())


def tol_for(dt):
    name = dtype_name(dt)
    if name == "float16":
        return dict(rtol=2e-3, atol=2e-3)
    if name == "bfloat16":
        return dict(rtol=2e-2, atol=2e-2)
    if name == "float32":
        return dict(rtol=1e-5, atol=1e-6)
    return dict(rtol=1e-12, atol=1e-12)


def check(t, expected, dtype=None, rtol=None, atol=None, exact=None):
    """Assert tensor ``t`` has the shape/values of ``expected`` (and ``dtype``);
    in a ``device``-parametrised test, also that ``t`` is on that device."""
    assert isinstance(t, torch.Tensor), f"expected a Tensor, got {type(t)!r}"
    expected = np.asarray(expected)
    assert tuple(t.shape) == expected.shape, f"shape {tuple(t.shape)} != {expected.shape}"
    if dtype is not None:
        if isinstance(dtype, str):
            dtype = tdt(dtype)
        assert t.dtype == dtype, f"dtype {t.dtype} != {dtype}"
    got = to_np(t)
    if exact is None:
        exact = not t.dtype.is_floating_point
    if exact:
        np.testing.assert_array_equal(got, expected)
    else:
        tol = tol_for(t.dtype)
        if rtol is not None:
            tol["rtol"] = rtol
        if atol is not None:
            tol["atol"] = atol
        np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64),
                                   equal_nan=True, **tol)


def rand(shape, dtype="float32", seed=0, low=-5, high=5):
    """Random numpy data of ``dtype`` name (bfloat16 -> values exactly representable)."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype in INT_NAMES:
        lo = 0 if dtype == "uint8" else low
        return rng.integers(lo, high, size=shape).astype(NP_DTYPES[dtype])
    x = rng.uniform(low, high, size=shape)
    if dtype == "bfloat16":
        # round to 8 significant bits so that the bfloat16 value is exact
        m, e = np.frexp(x)
        return np.ldexp(np.round(m * 256) / 256, e).astype(np.float32)
    return x.astype(NP_DTYPES[dtype])


def make(arr, dtype=None, device=None):
    """torch tensor holding ``arr`` (optionally cast to the torch dtype name), on ``device``."""
    arr = np.asarray(arr)
    if dtype is None:
        dtype = arr.dtype.name if arr.dtype != np.bool_ else "bool"
    arr = np.asarray(arr, dtype=np.float32 if dtype == "bfloat16" else NP_DTYPES[dtype])
    if arr.ndim == 0:
        # build 0-d inputs from a python scalar so that the suites do not all hinge on
        # torch.tensor(0-d ndarray) (covered on its own in test_creation.py)
        return torch.tensor(arr.item(), dtype=tdt(dtype), device=device)
    return torch.tensor(arr, dtype=tdt(dtype), device=device)


def outcome(fn):
    """``fn()``'s value, or the (type name, message) of what it raised: scenario
    tests run the same function on ferrotorch and torch and compare this."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - the comparison is the point
        return (type(e).__name__, str(e))


# ---------------------------------------------------------------- devices

def device_type_names(expected, device):
    """``expected`` (a string, or tuples/lists of them) with PyTorch's legacy
    tensor type names (``torch.FloatTensor``) as PyTorch prints them for a
    tensor on ``device`` (``torch.cuda.FloatTensor``)."""
    if isinstance(expected, str):
        if str(device).startswith("cuda"):
            return re.sub(r"\btorch\.([A-Z][a-z]+Tensor)\b", r"torch.cuda.\1", expected)
        return expected
    if isinstance(expected, (tuple, list)):
        return type(expected)(device_type_names(e, device) for e in expected)
    return expected


_CREATORS = ("tensor", "as_tensor", "scalar_tensor", "zeros", "ones", "full", "empty", "eye",
             "arange", "linspace", "rand", "randn", "randint")


class on_device:
    """``module`` (ferrotorch or torch) with its tensor-creating functions
    defaulting to ``device``: for scenario code written against a module
    (``t.tensor(...)``), so that the same code runs on every device."""

    def __init__(self, module, device):
        self._module = module
        self._device = device

    def __getattr__(self, name):
        obj = getattr(self._module, name)
        if name in _CREATORS:
            return functools.partial(obj, device=self._device)
        return obj
