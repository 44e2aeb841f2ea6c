"""ferrotorch.cuda and device plumbing. Without a GPU every call must behave
as PyTorch's does there (same values, exception types and messages); with
one, the GPU tests at the bottom run."""

import pickle

import pytest

import ferrotorch as torch

NO_DRIVER = "Found no NVIDIA driver on your system"
HAS_CUDA = torch.cuda.is_available()
no_gpu = pytest.mark.skipif(HAS_CUDA, reason="behaviour without a GPU")
needs_gpu = pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU")


# ---------------------------------------------------------------- torch.device


@pytest.mark.parametrize(
    "args, kwargs, rep, s, typ, index",
    [
        (("cuda",), {}, "device(type='cuda')", "cuda", "cuda", None),
        (("cuda:0",), {}, "device(type='cuda', index=0)", "cuda:0", "cuda", 0),
        (("cuda", 1), {}, "device(type='cuda', index=1)", "cuda:1", "cuda", 1),
        (("cuda",), {"index": 3}, "device(type='cuda', index=3)", "cuda:3", "cuda", 3),
        ((), {"type": "cuda", "index": 2}, "device(type='cuda', index=2)", "cuda:2", "cuda", 2),
        ((1,), {}, "device(type='cuda', index=1)", "cuda:1", "cuda", 1),
        (("cuda", None), {}, "device(type='cuda')", "cuda", "cuda", None),
        (("cpu",), {}, "device(type='cpu')", "cpu", "cpu", None),
        (("cpu", 0), {}, "device(type='cpu', index=0)", "cpu:0", "cpu", 0),
        (("cpu:1",), {}, "device(type='cpu', index=1)", "cpu:1", "cpu", 1),
    ],
)
def test_device_repr_str_type_index(args, kwargs, rep, s, typ, index):
    d = torch.device(*args, **kwargs)
    assert (repr(d), str(d), d.type, d.index) == (rep, s, typ, index)
    assert torch.device(d) == d
    assert pickle.loads(pickle.dumps(d)) == d


def test_device_equality_and_hash():
    assert torch.device("cuda:0") == torch.device("cuda", 0)
    assert torch.device("cuda") != torch.device("cuda:0")
    assert torch.device("cpu") != torch.device("cpu", 0)
    assert torch.device("cpu") != torch.device("cuda")
    assert torch.device("cpu") != "cpu"
    assert {torch.device("cuda"): 1}[torch.device("cuda")] == 1
    assert len({torch.device("cuda"), torch.device("cuda:0"), torch.device("cuda", 0)}) == 2


@pytest.mark.parametrize(
    "args, msg",
    [
        (("cuda:-1",), "Invalid device string: 'cuda:-1'"),
        (("cuda:x",), "Invalid device string: 'cuda:x'"),
        (("cuda:01",), "Invalid device string: 'cuda:01'"),
        (("cuda:",), "Invalid device string: 'cuda:'"),
        (("cuda ",), "Invalid device string: 'cuda '"),
        ((" cuda",), "Invalid device string: ' cuda'"),
        (("",), "Device string must not be empty"),
        (("cuda", -1), "Device index must not be negative"),
        ((-1,), "Device index must not be negative"),
        (("cuda:1", 2), "type (string) must not include an index because index was passed explicitly: cuda:1"),
        (("gpu",), "device type at start of device string: gpu"),
        (("cuda:99999999999999999999",), "Could not parse device index '99999999999999999999'"),
    ],
)
def test_device_bad_arguments_raise_runtime_error(args, msg):
    with pytest.raises(RuntimeError) as e:
        torch.device(*args)
    assert msg in str(e.value)


def test_device_bad_argument_types_raise_type_error():
    with pytest.raises(TypeError):
        torch.device(1.0)
    with pytest.raises(TypeError):
        torch.device()


# ---------------------------------------------------------------- torch.cuda without a GPU


@no_gpu
def test_queries_without_gpu():
    assert torch.cuda.is_available() is False
    assert torch.cuda.device_count() == 0
    assert torch.cuda.is_initialized() is False


@no_gpu
@pytest.mark.parametrize(
    "call",
    [
        lambda: torch.cuda.current_device(),
        lambda: torch.cuda.set_device(0),
        lambda: torch.cuda.set_device("cuda:1"),
        lambda: torch.cuda.get_device_name(),
        lambda: torch.cuda.get_device_name(0),
        lambda: torch.cuda.get_device_name("cpu"),
        lambda: torch.cuda.get_device_properties(0),
        lambda: torch.cuda.get_device_capability(),
        lambda: torch.cuda.synchronize(),
        lambda: torch.cuda.init(),
    ],
)
def test_device_functions_raise_no_driver(call):
    with pytest.raises(RuntimeError, match=NO_DRIVER):
        call()


@no_gpu
def test_set_device_to_cpu_is_a_value_error():
    with pytest.raises(ValueError, match="Expected a cuda device, but got: cpu"):
        torch.cuda.set_device("cpu")


@no_gpu
def test_seeding_and_memory_statistics_without_gpu():
    assert torch.cuda.manual_seed(1) is None
    assert torch.cuda.manual_seed_all(1) is None
    with pytest.raises(ValueError):
        torch.cuda.manual_seed("x")
    for fn in (torch.cuda.memory_allocated, torch.cuda.max_memory_allocated, torch.cuda.memory_reserved):
        assert fn() == 0
        assert fn(0) == 0
        assert fn("cuda:0") == 0
        assert fn("cpu") == 0
    assert torch.cuda.empty_cache() is None
    with pytest.raises(RuntimeError, match="^invalid argument to reset_peak_memory_stats$"):
        torch.cuda.reset_peak_memory_stats()
    with pytest.raises(RuntimeError, match="^Invalid device argument $"):
        torch.cuda.reset_peak_memory_stats(0)


def test_out_of_memory_error_is_a_runtime_error():
    assert issubclass(torch.cuda.OutOfMemoryError, RuntimeError)
    assert torch.cuda.OutOfMemoryError is torch.OutOfMemoryError
    assert torch.cuda.OutOfMemoryError.__mro__[1] is RuntimeError


# ---------------------------------------------------------------- tensors and devices without a GPU


@no_gpu
@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.zeros(2, device="cuda"),
        lambda: torch.zeros(2, device="cuda:1"),
        lambda: torch.ones(2, device=0),
        lambda: torch.empty(2, device=torch.device("cuda")),
        lambda: torch.tensor([1.0], device="cuda"),
        lambda: torch.arange(3, device="cuda"),
        lambda: torch.randn(2, device="cuda"),
        lambda: torch.zeros_like(torch.ones(2), device="cuda"),
        lambda: torch.ones(2).new_zeros(2, device="cuda"),
        lambda: torch.ones(2).to("cuda"),
        lambda: torch.ones(2).to(0),
        lambda: torch.ones(2).to(device="cuda"),
        lambda: torch.ones(2).to("cuda", torch.float64),
        lambda: torch.ones(2).to("cuda", non_blocking=True),
        lambda: torch.ones(2).to(torch.device("cuda", 1)),
        lambda: torch.ones(2).cuda(),
        lambda: torch.ones(2).cuda(1),
        lambda: torch.ones(2).cuda("cuda:1"),
        lambda: torch.ones(2).cuda(non_blocking=True),
    ],
)
def test_moving_to_cuda_raises_no_driver(make):
    with pytest.raises(RuntimeError, match=NO_DRIVER):
        make()


def test_malformed_device_strings_are_reported_before_availability():
    with pytest.raises(RuntimeError, match="Invalid device string: 'cuda:x'"):
        torch.zeros(2, device="cuda:x")
    with pytest.raises(RuntimeError, match="Invalid device string: 'cuda:x'"):
        torch.ones(2).to("cuda:x")
    with pytest.raises(RuntimeError, match="Invalid device, must be cuda device"):
        torch.ones(2).cuda("cpu")


def test_cpu_tensors():
    t = torch.ones(2)
    assert t.is_cuda is False
    assert t.is_cpu is True
    assert t.get_device() == -1
    assert t.device == torch.device("cpu")
    assert t.cpu() is t
    assert t.to("cpu", non_blocking=True) is t
    assert t.to("cpu:0") is t
    r = t.to("cpu", torch.float64)
    assert r.dtype == torch.float64 and r.device.type == "cpu"
    assert torch.zeros(2, device=torch.device("cpu", 0)).device == torch.device("cpu")
    i = torch.ones(1, dtype=torch.int32)
    assert t.to(i).dtype == torch.int32


# ---------------------------------------------------------------- with a GPU


@needs_gpu
def test_gpu_queries():
    assert torch.cuda.device_count() >= 1
    assert 0 <= torch.cuda.current_device() < torch.cuda.device_count()
    torch.cuda.synchronize()


@no_gpu
def test_bf16_support_and_device_context_without_a_gpu():
    # PyTorch's answers on a machine without a GPU.
    assert torch.cuda.is_bf16_supported() is False
    with pytest.raises(RuntimeError, match=NO_DRIVER):
        with torch.cuda.device(0):
            pass
    assert torch.backends.cudnn.is_available() is False
