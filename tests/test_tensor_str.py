"""Tests for ``ferrotorch._tensor_str``, the PyTorch-compatible tensor printer.

The expected strings in ``CASES`` were produced by ``repr()`` of the same
tensors in real PyTorch (torch 2.15.0, CPU); for the ``device`` cases torch
was made to report the CPU tensor's device as ``cuda:N``.  When torch is
importable, ``test_matches_torch_randomized`` also compares against it live.
"""

from __future__ import annotations

import importlib.util
import math
import pathlib
import random
import sys

import numpy as np
import pytest

try:
    from ferrotorch import _tensor_str
except ImportError:
    # The compiled extension may not be built; the printer does not need it.
    _PATH = pathlib.Path(__file__).resolve().parents[1] / "python" / "ferrotorch" / "_tensor_str.py"
    _SPEC = importlib.util.spec_from_file_location("_ferrotorch_tensor_str_under_test", _PATH)
    _tensor_str = importlib.util.module_from_spec(_SPEC)
    sys.modules[_SPEC.name] = _tensor_str
    _SPEC.loader.exec_module(_tensor_str)


@pytest.fixture(autouse=True)
def _default_printoptions():
    _tensor_str.set_printoptions(profile="default")
    yield
    _tensor_str.set_printoptions(profile="default")


# (values, dtype, tensor_repr keyword arguments, printoptions, repr from torch)
CASES = [
    pytest.param(
        np.array(1.5), 'float32', {}, {},
        'tensor(1.5000)',
        id='scalar_float',
    ),
    pytest.param(
        np.array(3.0), 'float32', {}, {},
        'tensor(3.)',
        id='scalar_int_valued',
    ),
    pytest.param(
        np.array(np.nan), 'float32', {}, {},
        'tensor(nan)',
        id='scalar_nan',
    ),
    pytest.param(
        np.array(-0.0), 'float64', {}, {},
        'tensor(-0., dtype=torch.float64)',
        id='scalar_neg_zero',
    ),
    pytest.param(
        np.array(-7), 'int64', {}, {},
        'tensor(-7)',
        id='scalar_int',
    ),
    pytest.param(
        np.array(True), 'bool', {}, {},
        'tensor(True)',
        id='scalar_bool',
    ),
    pytest.param(
        np.array(5), 'int8', {}, {},
        'tensor(5, dtype=torch.int8)',
        id='scalar_int8',
    ),
    pytest.param(
        np.array(1e-5), 'float32', {}, {},
        'tensor(1.0000e-05)',
        id='scalar_tiny',
    ),
    pytest.param(
        np.array([1.0, 2.0, 3.0]), 'float32', {}, {},
        'tensor([1., 2., 3.])',
        id='vector_int_valued',
    ),
    pytest.param(
        np.array([1, 2, 3]), 'int64', {}, {},
        'tensor([1, 2, 3])',
        id='vector_int',
    ),
    pytest.param(
        np.array([True, False]), 'bool', {}, {},
        'tensor([ True, False])',
        id='vector_bool',
    ),
    pytest.param(
        np.array([1.5, -2.25, 100.125]), 'float32', {}, {},
        'tensor([  1.5000,  -2.2500, 100.1250])',
        id='vector_mixed_sign',
    ),
    pytest.param(
        np.array([np.nan, 1.5, -np.inf, np.inf, -0.0]), 'float32', {}, {},
        'tensor([   nan, 1.5000,   -inf,    inf, -0.0000])',
        id='vector_nonfinite',
    ),
    pytest.param(
        np.array([np.nan, 1.0, np.inf]), 'float32', {}, {},
        'tensor([nan, 1., inf])',
        id='vector_nonfinite_int',
    ),
    pytest.param(
        np.array([0.0, -0.0, np.nan]), 'float32', {}, {},
        'tensor([0., -0., nan])',
        id='only_zeros_and_nan',
    ),
    pytest.param(
        np.array([1.0, 2000.5]), 'float32', {}, {},
        'tensor([1.0000e+00, 2.0005e+03])',
        id='sci_ratio',
    ),
    pytest.param(
        np.array([0.5, 0.00001]), 'float64', {}, {},
        'tensor([5.0000e-01, 1.0000e-05], dtype=torch.float64)',
        id='sci_small',
    ),
    pytest.param(
        np.array([1.5, 1e9]), 'float32', {}, {},
        'tensor([1.5000e+00, 1.0000e+09])',
        id='sci_large',
    ),
    pytest.param(
        np.array([1.0, 1e9]), 'float32', {}, {},
        'tensor([1.0000e+00, 1.0000e+09])',
        id='int_mode_sci',
    ),
    pytest.param(
        np.array([1.0, 1000.0]), 'float32', {}, {},
        'tensor([   1., 1000.])',
        id='int_mode_small_not_sci',
    ),
    pytest.param(
        np.array([0.5, 500.0]), 'float32', {}, {},
        'tensor([  0.5000, 500.0000])',
        id='ratio_exactly_1000',
    ),
    pytest.param(
        np.array([0.1, 0.2]), 'float64', {}, {},
        'tensor([0.1000, 0.2000], dtype=torch.float64)',
        id='float64_dtype',
    ),
    pytest.param(
        np.array([0.099975586, 3.0], dtype=np.float32), 'float16', {}, {},
        'tensor([0.1000, 3.0000], dtype=torch.float16)',
        id='float16_dtype',
    ),
    pytest.param(
        np.array([0.5, -3.0, 1.25], dtype=np.float32), 'bfloat16', {}, {},
        'tensor([ 0.5000, -3.0000,  1.2500], dtype=torch.bfloat16)',
        id='bfloat16_dtype',
    ),
    pytest.param(
        np.array([-1, 20, 300]), 'int32', {}, {},
        'tensor([ -1,  20, 300], dtype=torch.int32)',
        id='int32_dtype',
    ),
    pytest.param(
        np.array([0, 255]), 'uint8', {}, {},
        'tensor([  0, 255], dtype=torch.uint8)',
        id='uint8_dtype',
    ),
    pytest.param(
        np.arange(12, dtype=np.float64).reshape(3, 4) / 8 - 0.5, 'float32', {}, {},
        'tensor([[-0.5000, -0.3750, -0.2500, -0.1250],\n        [ 0.0000,  0.1250,  0.2500,  0.3750],\n        [ 0.5000,  0.6250,  0.7500,  0.8750]])',
        id='matrix',
    ),
    pytest.param(
        np.arange(-6, 6).reshape(3, 4) * 111, 'int64', {}, {},
        'tensor([[-666, -555, -444, -333],\n        [-222, -111,    0,  111],\n        [ 222,  333,  444,  555]])',
        id='matrix_int',
    ),
    pytest.param(
        np.arange(24).reshape(2, 3, 4), 'int64', {}, {},
        'tensor([[[ 0,  1,  2,  3],\n         [ 4,  5,  6,  7],\n         [ 8,  9, 10, 11]],\n\n        [[12, 13, 14, 15],\n         [16, 17, 18, 19],\n         [20, 21, 22, 23]]])',
        id='tensor_3d',
    ),
    pytest.param(
        np.arange(16, dtype=np.float64).reshape(2, 2, 2, 2) * 0.5, 'float32', {}, {},
        'tensor([[[[0.0000, 0.5000],\n          [1.0000, 1.5000]],\n\n         [[2.0000, 2.5000],\n          [3.0000, 3.5000]]],\n\n\n        [[[4.0000, 4.5000],\n          [5.0000, 5.5000]],\n\n         [[6.0000, 6.5000],\n          [7.0000, 7.5000]]]])',
        id='tensor_4d',
    ),
    pytest.param(
        np.arange(6, dtype=np.float64).reshape(2, 3).T, 'float32', {}, {},
        'tensor([[0., 3.],\n        [1., 4.],\n        [2., 5.]])',
        id='non_contiguous',
    ),
    pytest.param(
        np.arange(30, dtype=np.float64) / 3, 'float32', {}, {},
        'tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n        3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333, 5.6667,\n        6.0000, 6.3333, 6.6667, 7.0000, 7.3333, 7.6667, 8.0000, 8.3333, 8.6667,\n        9.0000, 9.3333, 9.6667])',
        id='wrapped_row',
    ),
    pytest.param(
        np.arange(40, dtype=np.float64).reshape(2, 20) * 1.5, 'float64', {}, {},
        'tensor([[ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n         12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n         24.0000, 25.5000, 27.0000, 28.5000],\n        [30.0000, 31.5000, 33.0000, 34.5000, 36.0000, 37.5000, 39.0000, 40.5000,\n         42.0000, 43.5000, 45.0000, 46.5000, 48.0000, 49.5000, 51.0000, 52.5000,\n         54.0000, 55.5000, 57.0000, 58.5000]], dtype=torch.float64)',
        id='wrapped_matrix',
    ),
    pytest.param(
        np.arange(2000, dtype=np.float64), 'float32', {}, {},
        'tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])',
        id='summarized_vector',
    ),
    pytest.param(
        np.arange(10000).reshape(100, 100), 'int64', {}, {},
        'tensor([[   0,    1,    2,  ...,   97,   98,   99],\n        [ 100,  101,  102,  ...,  197,  198,  199],\n        [ 200,  201,  202,  ...,  297,  298,  299],\n        ...,\n        [9700, 9701, 9702,  ..., 9797, 9798, 9799],\n        [9800, 9801, 9802,  ..., 9897, 9898, 9899],\n        [9900, 9901, 9902,  ..., 9997, 9998, 9999]])',
        id='summarized_matrix',
    ),
    pytest.param(
        np.arange(112, dtype=np.float64).reshape(7, 2, 8) / 4, 'float32', {}, {'threshold': 50, 'edgeitems': 2},
        'tensor([[[ 0.0000,  0.2500,  ...,  1.5000,  1.7500],\n         [ 2.0000,  2.2500,  ...,  3.5000,  3.7500]],\n\n        [[ 4.0000,  4.2500,  ...,  5.5000,  5.7500],\n         [ 6.0000,  6.2500,  ...,  7.5000,  7.7500]],\n\n        ...,\n\n        [[20.0000, 20.2500,  ..., 21.5000, 21.7500],\n         [22.0000, 22.2500,  ..., 23.5000, 23.7500]],\n\n        [[24.0000, 24.2500,  ..., 25.5000, 25.7500],\n         [26.0000, 26.2500,  ..., 27.5000, 27.7500]]])',
        id='summarized_3d',
    ),
    pytest.param(
        np.arange(1002, dtype=np.float64) + 2, 'float64', {}, {},
        'tensor([   2.,    3.,    4.,  ..., 1001., 1002., 1003.], dtype=torch.float64)',
        id='summarized_int_mode',
    ),
    pytest.param(
        np.zeros(0), 'float32', {}, {},
        'tensor([])',
        id='empty',
    ),
    pytest.param(
        np.zeros(0, dtype=np.int64), 'int64', {}, {},
        'tensor([], dtype=torch.int64)',
        id='empty_int64',
    ),
    pytest.param(
        np.zeros((0, 3)), 'float32', {}, {},
        'tensor([], size=(0, 3))',
        id='empty_2d',
    ),
    pytest.param(
        np.zeros((2, 0, 1), dtype=bool), 'bool', {}, {},
        'tensor([], size=(2, 0, 1), dtype=torch.bool)',
        id='empty_3d_bool',
    ),
    pytest.param(
        np.array([1.0, 2.0]), 'float32', {'requires_grad': True}, {},
        'tensor([1., 2.], requires_grad=True)',
        id='requires_grad',
    ),
    pytest.param(
        np.array([2.0, 4.0]), 'float32', {'requires_grad': True, 'grad_fn': 'MulBackward0'}, {},
        'tensor([2., 4.], grad_fn=<MulBackward0>)',
        id='grad_fn',
    ),
    pytest.param(
        np.array(6.0), 'float32', {'requires_grad': True, 'grad_fn': 'SumBackward0'}, {},
        'tensor(6., grad_fn=<SumBackward0>)',
        id='scalar_grad_fn',
    ),
    pytest.param(
        np.array([1.0, 2.0]), 'float32', {'device': 'cuda:0'}, {},
        "tensor([1., 2.], device='cuda:0')",
        id='device',
    ),
    pytest.param(
        np.array([1.0, 2.0]), 'float16', {'device': 'cuda:0', 'requires_grad': True}, {},
        "tensor([1., 2.], device='cuda:0', dtype=torch.float16, requires_grad=True)",
        id='device_dtype_grad',
    ),
    pytest.param(
        np.zeros((2, 0), dtype=np.int32), 'int32', {'device': 'cuda:0'}, {},
        "tensor([], device='cuda:0', size=(2, 0), dtype=torch.int32)",
        id='device_empty',
    ),
    pytest.param(
        np.arange(16, dtype=np.float64).reshape(2, 8) / 3, 'float64', {'device': 'cuda:0', 'grad_fn': 'AddBackward0'}, {},
        "tensor([[0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333],\n        [2.6667, 3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000]],\n       device='cuda:0', dtype=torch.float64, grad_fn=<AddBackward0>)",
        id='suffix_wraps',
    ),
    pytest.param(
        np.arange(12, dtype=np.float64).reshape(2, 6) / 3, 'float64', {'device': 'cuda:0', 'requires_grad': True}, {},
        "tensor([[0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667],\n        [2.0000, 2.3333, 2.6667, 3.0000, 3.3333, 3.6667]], device='cuda:0',\n       dtype=torch.float64, requires_grad=True)",
        id='device_then_wrap',
    ),
    pytest.param(
        np.arange(8, dtype=np.float64) / 3, 'float64', {'device': 'cuda:1', 'requires_grad': True}, {},
        "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333],\n       device='cuda:1', dtype=torch.float64, requires_grad=True)",
        id='suffix_wraps_long_vector',
    ),
    pytest.param(
        np.array([1.12345, -2.5]), 'float32', {}, {'precision': 2},
        'tensor([ 1.12, -2.50])',
        id='precision_2',
    ),
    pytest.param(
        np.array([1.6, -2.5]), 'float32', {}, {'precision': 0},
        'tensor([ 2, -2])',
        id='precision_0',
    ),
    pytest.param(
        np.array([1.0, 2.5]), 'float32', {}, {'sci_mode': True},
        'tensor([1.0000e+00, 2.5000e+00])',
        id='sci_mode_true',
    ),
    pytest.param(
        np.array([1.5, 1e9]), 'float32', {}, {'sci_mode': False},
        'tensor([         1.5000, 1000000000.0000])',
        id='sci_mode_false',
    ),
    pytest.param(
        np.array([1.0, 2.0]), 'float32', {}, {'sci_mode': True},
        'tensor([1.0000e+00, 2.0000e+00])',
        id='sci_mode_true_int_valued',
    ),
    pytest.param(
        np.array([0.0, 0.0]), 'float32', {}, {'sci_mode': True},
        'tensor([0., 0.])',
        id='sci_mode_true_zeros',
    ),
    pytest.param(
        np.arange(20), 'int64', {}, {'threshold': 5, 'edgeitems': 2},
        'tensor([ 0,  1,  ..., 18, 19])',
        id='threshold_edgeitems',
    ),
    pytest.param(
        np.arange(20, dtype=np.float64), 'float32', {}, {'threshold': 5, 'edgeitems': 0},
        'tensor([...], size=(20,))',
        id='edgeitems_0_vector',
    ),
    pytest.param(
        np.arange(20).reshape(4, 5), 'int64', {}, {'threshold': 5, 'edgeitems': 0},
        'tensor([...], size=(4, 5))',
        id='edgeitems_0_matrix',
    ),
    pytest.param(
        np.arange(3), 'int64', {}, {'edgeitems': 0},
        'tensor([0, 1, 2], size=(3,))',
        id='edgeitems_0_not_summarized',
    ),
    pytest.param(
        np.arange(12, dtype=np.float64).reshape(3, 4) + 0.5, 'float32', {'requires_grad': True}, {'linewidth': 20},
        'tensor([[ 0.5000,\n          1.5000,\n          2.5000,\n          3.5000],\n        [ 4.5000,\n          5.5000,\n          6.5000,\n          7.5000],\n        [ 8.5000,\n          9.5000,\n         10.5000,\n         11.5000]],\n       requires_grad=True)',
        id='linewidth_narrow',
    ),
    pytest.param(
        np.arange(4), 'int64', {}, {'linewidth': 1},
        'tensor([0,\n        1,\n        2,\n        3])',
        id='linewidth_tiny',
    ),
    pytest.param(
        np.arange(1200).reshape(2, 600)[:, ::100], 'int64', {}, {'profile': 'full', 'linewidth': 40},
        'tensor([[   0,  100,  200,  300,  400,\n          500],\n        [ 600,  700,  800,  900, 1000,\n         1100]])',
        id='profile_full',
    ),
    pytest.param(
        np.arange(24, dtype=np.float64).reshape(2, 3, 4).transpose(2, 0, 1) - 11.5, 'float64', {}, {},
        'tensor([[[-11.5000,  -7.5000,  -3.5000],\n         [  0.5000,   4.5000,   8.5000]],\n\n        [[-10.5000,  -6.5000,  -2.5000],\n         [  1.5000,   5.5000,   9.5000]],\n\n        [[ -9.5000,  -5.5000,  -1.5000],\n         [  2.5000,   6.5000,  10.5000]],\n\n        [[ -8.5000,  -4.5000,  -0.5000],\n         [  3.5000,   7.5000,  11.5000]]], dtype=torch.float64)',
        id='non_contiguous_3d',
    ),
    pytest.param(
        np.array([[True, False, True], [False, False, True]]), 'bool', {}, {},
        'tensor([[ True, False,  True],\n        [False, False,  True]])',
        id='bool_matrix',
    ),
    pytest.param(
        np.array([[-128, 0], [127, -1]]), 'int8', {}, {},
        'tensor([[-128,    0],\n        [ 127,   -1]], dtype=torch.int8)',
        id='int8_negative',
    ),
    pytest.param(
        np.array([-2**63, 2**63 - 1]), 'int64', {}, {},
        'tensor([-9223372036854775808,  9223372036854775807])',
        id='int64_extremes',
    ),
    pytest.param(
        np.array([[1e-30, -1e30], [np.nan, 0.0]]), 'float64', {}, {},
        'tensor([[ 1.0000e-30, -1.0000e+30],\n        [        nan,  0.0000e+00]], dtype=torch.float64)',
        id='huge_and_tiny',
    ),
    pytest.param(
        np.array([9.99996, 1.0]), 'float64', {}, {},
        'tensor([10.0000,  1.0000], dtype=torch.float64)',
        id='rounding_width',
    ),
    pytest.param(
        np.arange(3000, dtype=np.float64) / 7, 'float32', {}, {'profile': 'short'},
        'tensor([0.00e+00, 1.43e-01,  ..., 4.28e+02, 4.28e+02])',
        id='profile_short',
    ),
    pytest.param(
        np.arange(40).reshape(2, 20), 'int16', {}, {'threshold': 10, 'profile': 'full'},
        'tensor([[ 0,  1,  2,  ..., 17, 18, 19],\n        [20, 21, 22,  ..., 37, 38, 39]], dtype=torch.int16)',
        id='threshold_overrides_profile',
    ),
]


@pytest.mark.parametrize("values, dtype, kwargs, options, expected", CASES)
def test_matches_recorded_torch_output(values, dtype, kwargs, options, expected):
    _tensor_str.set_printoptions(**options)
    assert _tensor_str.tensor_repr(values, dtype=dtype, **kwargs) == expected


def _real_tensor(values, dtype, kwargs, device):
    """A ferrotorch tensor on ``device`` holding ``values``, with the autograd
    state that ``kwargs`` (of a ``CASES`` entry) describe."""
    import ferrotorch as torch
    from _helpers import make

    grad_fn = kwargs.get("grad_fn")
    if grad_fn == "MulBackward0":
        return make(values / 2, dtype, device=device).requires_grad_() * 2
    if grad_fn == "AddBackward0":
        return make(values, dtype, device=device).requires_grad_() + 0
    if grad_fn == "SumBackward0":
        return make(np.reshape(values, (1,)), dtype, device=device).requires_grad_().sum()
    assert grad_fn is None, grad_fn
    t = make(values, dtype, device=device)
    return t.requires_grad_() if kwargs.get("requires_grad") else t


@pytest.mark.parametrize("values, dtype, kwargs, options, expected", CASES)
def test_repr_of_real_tensors(values, dtype, kwargs, options, expected, device):
    # repr() of a tensor on each device: the recorded PyTorch string where the
    # case was recorded for that device, else the printer's string for it.
    import ferrotorch as torch

    t = _real_tensor(values, dtype, kwargs, device)
    assert t.device.type == device
    torch.set_printoptions(**options)
    if str(t.device) == kwargs.get("device", "cpu"):
        want = expected
    else:
        want = _tensor_str.tensor_repr(values, dtype=dtype, device=str(t.device),
                                       requires_grad=kwargs.get("requires_grad", False) or "grad_fn" in kwargs,
                                       grad_fn=kwargs.get("grad_fn"))
    assert repr(t) == want
    assert str(t) == want


def test_printoptions_defaults_and_profiles():
    defaults = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
    assert _tensor_str.get_printoptions() == defaults
    _tensor_str.set_printoptions(profile="short")
    assert _tensor_str.get_printoptions() == {**defaults, "precision": 2, "edgeitems": 2}
    _tensor_str.set_printoptions(profile="full")
    assert _tensor_str.get_printoptions() == {**defaults, "threshold": math.inf}
    _tensor_str.set_printoptions(profile="no-such-profile", linewidth=100)
    assert _tensor_str.get_printoptions() == {**defaults, "threshold": math.inf, "linewidth": 100}


def test_sci_mode_is_reset_by_every_call():
    _tensor_str.set_printoptions(sci_mode=True)
    assert _tensor_str.get_printoptions()["sci_mode"] is True
    _tensor_str.set_printoptions(precision=3)
    assert _tensor_str.get_printoptions()["sci_mode"] is None


def test_printoptions_context_manager_restores():
    with _tensor_str.printoptions(precision=1, sci_mode=False):
        assert _tensor_str.tensor_repr(np.array([1.25]), dtype="float32") == "tensor([1.2])"
    assert _tensor_str.get_printoptions()["precision"] == 4
    assert _tensor_str.tensor_repr(np.array([1.25]), dtype="float32") == "tensor([1.2500])"


def test_default_dtype_float64():
    # torch.set_default_dtype(torch.float64) hides float64 and shows float32.
    assert _tensor_str.tensor_repr(np.array([1.5]), dtype="float64", default_dtype="float64") == "tensor([1.5000])"
    assert (
        _tensor_str.tensor_repr(np.array([1.5]), dtype="float32", default_dtype="float64")
        == "tensor([1.5000], dtype=torch.float32)"
    )


def test_rejects_unknown_dtype():
    with pytest.raises(ValueError):
        _tensor_str.tensor_repr(np.array([1.0]), dtype="complex64")


_TORCH_DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _random_case(torch, rng: random.Random):
    ndim = rng.choice([0, 1, 1, 2, 2, 3, 4])
    shape = [rng.choice([0, 1, 7, 40, 300]) if rng.random() < 0.25 else rng.randint(1, 6) for _ in range(ndim)]
    if math.prod(shape) > 100_000:
        shape = [rng.randint(1, 6) for _ in range(ndim)]
    dtype = rng.choice(_TORCH_DTYPES)
    gen = torch.Generator().manual_seed(rng.randrange(2**31))
    x = torch.randn(shape, generator=gen, dtype=torch.float64)
    kind = rng.choice(["normal", "integers", "huge", "tiny", "mixed", "zeros"])
    if kind == "integers":
        x = torch.round(x * rng.choice([1, 10, 1000, 1e5]))
    elif kind == "huge":
        x = x * 10 ** rng.uniform(5, 30)
    elif kind == "tiny":
        x = x * 10 ** -rng.uniform(2, 30)
    elif kind == "mixed":
        x = x * torch.pow(10.0, torch.randint(-6, 9, shape, generator=gen).double())
    elif kind == "zeros":
        x = x * (torch.rand(shape, generator=gen) < 0.3)
    if rng.random() < 0.2:
        u = torch.rand(shape, generator=gen)
        x = torch.where(u < 0.1, float("nan"), x)
        x = torch.where((u >= 0.1) & (u < 0.15), float("inf"), x)
        x = torch.where((u >= 0.15) & (u < 0.2), float("-inf"), x)
        x = torch.where((u >= 0.2) & (u < 0.25), -0.0, x)
    torch_dtype = getattr(torch, dtype)
    if dtype == "bool":
        t = x > 0
    elif not torch_dtype.is_floating_point:
        info = torch.iinfo(torch_dtype)
        t = torch.nan_to_num(x, 0.0, 0.0, 0.0).clamp(info.min, info.max).to(torch_dtype)
    else:
        t = x.to(torch_dtype)
    if t.dim() >= 2 and rng.random() < 0.2:
        t = t.transpose(0, -1)
    grad_fn = None
    if t.is_floating_point() and rng.random() < 0.2:
        t = t.detach().requires_grad_(True)
        if rng.random() < 0.5:
            t = t * 2
            grad_fn = "MulBackward0"
    return t, dtype, grad_fn


def _random_options(rng: random.Random) -> dict:
    if rng.random() < 0.5:
        return {}
    options = {}
    for name, choices in [
        ("profile", ["default", "short", "full"]),
        ("precision", [0, 1, 2, 6, 8]),
        ("threshold", [0, 1, 5, 20, 100]),
        ("edgeitems", [0, 1, 2, 4]),
        ("linewidth", [10, 40, 120, 200]),
        ("sci_mode", [True, False]),
    ]:
        if rng.random() < 0.25:
            options[name] = rng.choice(choices)
    return options


def test_matches_torch_randomized(monkeypatch):
    torch = pytest.importorskip("torch")
    rng = random.Random(1234)
    saved = torch._tensor_str.get_printoptions()
    try:
        for _ in range(1500):
            t, dtype, grad_fn = _random_case(torch, rng)
            options = _random_options(rng)
            torch.set_printoptions(profile="default")
            torch.set_printoptions(**options)
            _tensor_str.set_printoptions(profile="default")
            _tensor_str.set_printoptions(**options)
            assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()

            device = "cpu"
            if rng.random() < 0.2:
                # Make torch report this CPU tensor as a CUDA one, so that the
                # device= suffix and its line wrapping are compared too.
                device = rng.choice(["cuda:0", "cuda:1"])
                monkeypatch.setattr(torch.Tensor, "device", property(lambda self, d=device: torch.device(d)))
            expected = repr(t)
            monkeypatch.undo()

            values = t.detach()
            if values.dtype in (torch.float16, torch.bfloat16):
                values = values.float()
            got = _tensor_str.tensor_repr(
                values.numpy(), dtype=dtype, device=device, requires_grad=t.requires_grad, grad_fn=grad_fn
            )
            assert got == expected, (options, dtype, tuple(t.shape), device)
    finally:
        torch.set_printoptions(**saved)
