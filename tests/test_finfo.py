"""torch.finfo / torch.iinfo: values vs numpy (bfloat16 by hand), repr and
errors as PyTorch 2.15 gives them."""

import numpy as np
import pytest

import ferrotorch as torch

NP_FLOAT = {"float16": np.float16, "float32": np.float32, "float64": np.float64}
NP_INT = {"uint8": np.uint8, "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64}


@pytest.mark.parametrize("name", list(NP_FLOAT))
def test_finfo_matches_numpy(name):
    f, ref = torch.finfo(getattr(torch, name)), np.finfo(NP_FLOAT[name])
    assert f.bits == ref.bits and isinstance(f.bits, int)
    assert f.eps == float(ref.eps) and isinstance(f.eps, float)
    assert f.max == float(ref.max) and f.min == float(ref.min)
    assert f.tiny == f.smallest_normal == float(ref.tiny)
    assert f.resolution == 10.0 ** -ref.precision
    assert f.dtype == name and isinstance(f.dtype, str)


def test_finfo_bfloat16_by_hand():
    f = torch.finfo(torch.bfloat16)
    assert f.bits == 16
    assert f.eps == 0.0078125
    assert f.max == 3.3895313892515355e+38 and f.min == -3.3895313892515355e+38
    assert f.tiny == f.smallest_normal == 1.1754943508222875e-38
    assert f.resolution == 0.01
    assert f.dtype == "bfloat16"


REPRS = {
    "float32": "finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38, eps=1.19209e-07, "
               "smallest_normal=1.17549e-38, tiny=1.17549e-38, dtype=float32)",
    "float64": "finfo(resolution=1e-15, min=-1.79769e+308, max=1.79769e+308, eps=2.22045e-16, "
               "smallest_normal=2.22507e-308, tiny=2.22507e-308, dtype=float64)",
    "float16": "finfo(resolution=0.001, min=-65504, max=65504, eps=0.000976562, "
               "smallest_normal=6.10352e-05, tiny=6.10352e-05, dtype=float16)",
    "bfloat16": "finfo(resolution=0.01, min=-3.38953e+38, max=3.38953e+38, eps=0.0078125, "
                "smallest_normal=1.17549e-38, tiny=1.17549e-38, dtype=bfloat16)",
    "uint8": "iinfo(min=0, max=255, dtype=uint8)",
    "int8": "iinfo(min=-128, max=127, dtype=int8)",
    "int16": "iinfo(min=-32768, max=32767, dtype=int16)",
    "int32": "iinfo(min=-2.14748e+09, max=2.14748e+09, dtype=int32)",
    "int64": "iinfo(min=-9.22337e+18, max=9.22337e+18, dtype=int64)",
}


@pytest.mark.parametrize("name", list(REPRS))
def test_repr_and_str(name):
    info = (torch.finfo if name.startswith(("float", "bfloat")) else torch.iinfo)(getattr(torch, name))
    assert repr(info) == str(info) == REPRS[name]


def test_finfo_default_dtype():
    assert torch.finfo() == torch.finfo(torch.float32)
    torch.set_default_dtype(torch.float64)
    try:
        assert torch.finfo().dtype == "float64"
    finally:
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("name", list(NP_INT))
def test_iinfo_matches_numpy(name):
    i, ref = torch.iinfo(getattr(torch, name)), np.iinfo(NP_INT[name])
    assert (i.bits, i.max, i.min, i.dtype) == (ref.bits, int(ref.max), int(ref.min), name)
    assert type(i.max) is int and type(i.min) is int


@pytest.mark.parametrize("call, msg", [
    (lambda: torch.finfo(torch.int32),
     "torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'"),
    (lambda: torch.finfo(torch.bool),
     "torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'"),
    (lambda: torch.iinfo(torch.float32),
     "torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'"),
    (lambda: torch.iinfo(torch.bool), "torch.bool is not supported by torch.iinfo"),
    (lambda: torch.finfo("float32"), "finfo(): argument 'type' (position 1) must be torch.dtype, not str"),
    (lambda: torch.finfo(None), "finfo(): argument 'type' (position 1) must be torch.dtype, not NoneType"),
    (lambda: torch.iinfo(None), "iinfo(): argument 'type' (position 1) must be torch.dtype, not NoneType"),
    (lambda: torch.iinfo(), 'iinfo() missing 1 required positional arguments: "type"'),
])
def test_errors(call, msg):
    with pytest.raises(TypeError) as e:
        call()
    assert str(e.value) == msg


def test_read_only_and_equality():
    f = torch.finfo(torch.float16)
    with pytest.raises(AttributeError, match="attribute 'eps' of 'torch.finfo' objects is not writable"):
        f.eps = 1.0
    assert f == torch.finfo(torch.float16) and f != torch.finfo(torch.float32)
    assert torch.iinfo(torch.int8) != torch.iinfo(torch.uint8)
    assert len({torch.iinfo(torch.int8), torch.iinfo(torch.int8)}) == 1


def test_matches_torch():
    real = pytest.importorskip("torch")
    for name in REPRS:
        ours, ref = getattr(torch, name), getattr(real, name)
        if ours.is_floating_point:
            a, b = torch.finfo(ours), real.finfo(ref)
            fields = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")
        else:
            a, b = torch.iinfo(ours), real.iinfo(ref)
            fields = ("bits", "max", "min", "dtype")
        assert repr(a) == repr(b)
        for field in fields:
            assert getattr(a, field) == getattr(b, field), (name, field)
