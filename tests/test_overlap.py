"""In-place writes whose source partially overlaps the destination raise
PyTorch's RuntimeError; full, disjoint and undecidable (non-dense) overlaps
are allowed. Every case was checked against torch 2.15."""

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import check

MSG = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
       "single memory location. Please clone() the tensor before performing the operation.")


def _setitem(key, value_of):
    """a[key] = value_of(a); a callable key is called with a (index tensors are
    made on a's device)."""
    return lambda a: a.__setitem__(key(a) if callable(key) else key, value_of(a))


def _on(make):
    """An index tensor made by ``make(device)`` on the device of the indexed tensor."""
    return lambda a: make(a.device)


RAISES = {
    "setitem_shifted": _setitem(slice(1, None), lambda a: a[:-1]),
    "copy_shifted": lambda a: a[1:].copy_(a[:-1]),
    "copy_shifted_back": lambda a: a[:-1].copy_(a[1:]),
    "add_": lambda a: a[1:].add_(a[:-1]),
    "sub_": lambda a: a[1:].sub_(a[:-1]),
    "mul_": lambda a: a[1:].mul_(a[:-1]),
    "iadd": lambda a: a[1:].__iadd__(a[:-1]),
    "copy_transposed_same_block": lambda a: a.view(3, 2).copy_(a.view(2, 3).t()),
    "copy_0d_inside": lambda a: a[0:3].copy_(a[1]),
    "add_0d_inside": lambda a: a[0:3].add_(a[1]),
    "index_put_shifted": _setitem(_on(lambda d: torch.tensor([1, 2, 3], device=d)), lambda a: a[0:3]),
    "index_put_whole_vs_part": _setitem(_on(lambda d: torch.tensor([0, 1, 2], device=d)), lambda a: a[0:3]),
    "index_put_mask": _setitem(_on(lambda d: torch.tensor([True, True, True, False, False, False], device=d)),
                               lambda a: a[1:4]),
    "index_put_identical": _setitem(_on(lambda d: torch.arange(6, device=d)), lambda a: a),
}

ALLOWED = {
    # (operation, expected values of a = arange(6.) afterwards)
    "copy_self": (lambda a: a.copy_(a), [0, 1, 2, 3, 4, 5]),
    "copy_identical_view": (lambda a: a[1:].copy_(a[1:]), [0, 1, 2, 3, 4, 5]),
    "add_self": (lambda a: a.add_(a), [0, 2, 4, 6, 8, 10]),
    "iadd_self": (lambda a: a.__iadd__(a), [0, 2, 4, 6, 8, 10]),
    "copy_disjoint": (lambda a: a[:3].copy_(a[3:]), [3, 4, 5, 3, 4, 5]),
    "copy_interleaved_strided": (lambda a: a[::2].copy_(a[1::2]), [1, 1, 3, 3, 5, 5]),
    "copy_strided_window": (lambda a: a.view(2, 3)[:, :2].copy_(a.view(2, 3)[:, 1:]), [1, 2, 2, 4, 5, 5]),
    "copy_0d_outside": (lambda a: a[1:3].copy_(a[0]), [0, 0, 0, 3, 4, 5]),
    "copy_expanded": (lambda a: a[1:3].copy_(a[2:3].expand(2)), [0, 2, 2, 3, 4, 5]),
    "fill_0d_inside": (lambda a: a[0:3].fill_(a[1]), [1, 1, 1, 3, 4, 5]),
    "setitem_0d_inside": (_setitem(slice(0, 3), lambda a: a[1]), [1, 1, 1, 3, 4, 5]),
    "index_put_disjoint_view": (lambda a: a.view(2, 3).__setitem__((slice(1, None), torch.tensor([0, 1], device=a.device)),
                                                                   a.view(2, 3)[0, 1:]), [0, 1, 2, 1, 2, 5]),
    "index_put_strided": (_setitem(_on(lambda d: torch.tensor([0, 1], device=d)), lambda a: a[::3]), [0, 3, 2, 3, 4, 5]),
    "index_put_mask_0d": (_setitem(_on(lambda d: torch.tensor([True] * 6, device=d)), lambda a: a[0]), [0, 0, 0, 0, 0, 0]),
    "empty": (lambda a: a[1:1].copy_(a[0:0]), [0, 1, 2, 3, 4, 5]),
    "unary_inplace": (lambda a: a[1:].neg_(), [0, -1, -2, -3, -4, -5]),
}


@pytest.mark.parametrize("name", list(RAISES))
def test_partial_overlap_raises(name, device):
    a = torch.arange(6.0, device=device)
    with pytest.raises(RuntimeError) as e:
        RAISES[name](a)
    assert str(e.value) == MSG
    check(a, np.arange(6.0))  # nothing was written


@pytest.mark.parametrize("name", list(ALLOWED))
def test_allowed_overlaps(name, device):
    op, expected = ALLOWED[name]
    a = torch.arange(6.0, device=device)
    op(a)
    check(a, np.array(expected, dtype=np.float32))


def test_integer_tensors_and_2d(device):
    a = torch.arange(6, device=device)
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        a[1:].copy_(a[:-1])
    m = torch.arange(4.0, device=device).view(2, 2)
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        m.copy_(m.t())
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        m[1:] += m.view(4)[1:3].view(1, 2)


def test_clone_is_the_remedy(device):
    a = torch.arange(6.0, device=device)
    a[1:] = a[:-1].clone()
    check(a, [0.0, 0, 1, 2, 3, 4])


def test_matches_torch():
    real = pytest.importorskip("torch")
    for name, op in RAISES.items():
        ref = real.arange(6.0)
        refop = eval_with(real, name)
        with pytest.raises(RuntimeError) as e:
            refop(ref)
        assert str(e.value) == MSG, name


def eval_with(module, name):
    """The RAISES operation for `name`, with index tensors built by `module`."""
    keys = {
        "index_put_shifted": module.tensor([1, 2, 3]),
        "index_put_whole_vs_part": module.tensor([0, 1, 2]),
        "index_put_mask": module.tensor([True, True, True, False, False, False]),
        "index_put_identical": module.arange(6),
    }
    if name in keys:
        key = keys[name]
        value = {"index_put_mask": lambda a: a[1:4], "index_put_identical": lambda a: a}.get(name, lambda a: a[0:3])
        return lambda a: a.__setitem__(key, value(a))
    return RAISES[name]
