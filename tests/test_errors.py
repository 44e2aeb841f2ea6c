"""The Python boundary: a Rust panic (a bug) surfaces as RuntimeError, which
``except Exception`` catches, never as pyo3's PanicException (a
BaseException), and the interpreter stays usable afterwards."""

import pytest

import ferrotorch as torch
from ferrotorch import _C


def test_panic_becomes_runtime_error():
    with pytest.raises(RuntimeError, match="internal error in ferrotorch.*boom 42"):
        _C._panic_for_tests("boom 42")


def test_panic_is_caught_by_except_exception():
    caught = None
    try:
        _C._panic_for_tests("second")
    except Exception as e:  # a BaseException would escape this
        caught = e
    assert type(caught) is RuntimeError


def test_process_usable_after_panic(device):
    for _ in range(3):
        with pytest.raises(RuntimeError):
            _C._panic_for_tests("again")
    assert (torch.ones(3, device=device) + 1).tolist() == [2.0, 2.0, 2.0]
