"""Random numbers: same seed, same numbers as PyTorch's CPU generator.

The literal reference values below were produced by PyTorch 2.15.0 with the
calls written beside them; when PyTorch is installed, the last tests also
compare against it live on more shapes and dtypes.
"""

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import to_np


def _eq(t, ref, exact=True):
    got = np.asarray(t, dtype=np.float64).reshape(-1)
    ref = np.asarray(ref, dtype=np.float64)
    if exact:
        np.testing.assert_array_equal(got, ref)
    else:
        np.testing.assert_allclose(got, ref, rtol=0, atol=0)


def test_rand_float32_matches_pytorch():
    torch.manual_seed(0)  # torch.rand(5)
    _eq(torch.rand(5), [0.49625658988952637, 0.7682217955589294, 0.08847743272781372,
                        0.13203048706054688, 0.30742281675338745])
    # the generator continues: torch.rand(3, dtype=torch.float64)
    _eq(torch.rand(3, dtype=torch.float64), [0.07262971157225484, 0.17155810530414428, 0.0584505300016952])


def test_randn_vectorised_path_matches_pytorch():
    torch.manual_seed(42)  # torch.randn(20): numel >= 16 uses the 16-block Box-Muller
    _eq(torch.randn(20), [
        1.9269152879714966, 1.4872840642929077, 0.9007171988487244, -2.1055209636688232,
        -0.7581311464309692, 1.078317642211914, 0.8008005619049072, 1.680620551109314,
        0.3558599054813385, -0.6866229772567749, -0.4933563470840454, 0.2414877861738205,
        -0.2316243201494217, 0.041759490966796875, -0.2515752911567688, 0.859858512878418,
        -0.3097267746925354, -0.3957104980945587, 0.8034093379974365, -0.6215953826904297])


def test_randn_serial_path_and_cached_sample():
    torch.manual_seed(5)  # torch.randn(7, dtype=float64) then torch.randn(3, dtype=float64)
    _eq(torch.randn(7, dtype=torch.float64), [
        -0.48678075071242677, -0.6038215878840039, -0.5580962308236769, 0.6675243015344896,
        -0.19741509323400558, 1.9427835329161933, -1.4017020125953694])
    _eq(torch.randn(3, dtype=torch.float64), [-0.7625571360284942, 0.631213407129647, -0.8991351628864754])


def test_randint_and_randperm_match_pytorch():
    torch.manual_seed(1)  # torch.randint(0, 10, (8,)) then torch.randperm(10)
    r = torch.randint(0, 10, (8,))
    assert r.dtype == torch.int64
    assert r.tolist() == [5, 9, 4, 8, 3, 3, 1, 1]
    p = torch.randperm(10)
    assert p.tolist() == [9, 1, 2, 0, 8, 4, 7, 6, 5, 3]


def test_inplace_normal_and_uniform_match_pytorch():
    torch.manual_seed(3)  # torch.empty(5).normal_(1, 2); torch.empty(4, dtype=float64).uniform_(-2, 3)
    _eq(torch.empty(5).normal_(1, 2), [2.6065521240234375, 1.3496668338775635, 1.177956223487854,
                                       -0.22743602097034454, 1.0923649072647095])
    _eq(torch.empty(4, dtype=torch.float64).uniform_(-2, 3),
        [-1.00636424867931, 0.1670776555259269, 0.024209722403277345, 1.8927476282683782])


def test_generator_objects_are_independent():
    g = torch.Generator().manual_seed(7)  # torch.rand(3, generator=g)
    torch.manual_seed(123)
    _eq(torch.rand(3, generator=g), [0.5349225401878357, 0.19880318641662598, 0.6592116951942444])
    assert g.initial_seed() == 7


def test_rng_state_round_trip():
    torch.manual_seed(9)
    state = torch.get_rng_state()
    assert state.dtype == torch.uint8 and state.shape == (5056,)
    a = torch.randn(37)
    torch.set_rng_state(state)
    b = torch.randn(37)
    assert torch.equal(a, b)
    with pytest.raises(RuntimeError):
        torch.set_rng_state(torch.zeros(10, dtype=torch.uint8))


def test_seeded_runs_repeat_and_different_seeds_differ(device):
    torch.manual_seed(11)
    a = torch.rand(100, device=device)
    assert a.device.type == device
    torch.manual_seed(11)
    assert torch.equal(a, torch.rand(100, device=device))
    torch.manual_seed(12)
    assert not torch.equal(a, torch.rand(100, device=device))


def test_distribution_moments(device):
    torch.manual_seed(0)
    u = to_np(torch.rand(200_000, device=device))
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005
    n = to_np(torch.randn(200_000, device=device))
    assert abs(n.mean()) < 0.01 and abs(n.std() - 1) < 0.01
    ri = to_np(torch.randint(-3, 4, (50_000,), device=device))
    assert ri.min() == -3 and ri.max() == 3
    for dtype in (torch.float64, torch.float16, torch.bfloat16):
        x = to_np(torch.rand(20_000, dtype=dtype, device=device).float())
        assert x.min() >= 0 and x.max() < 1 and abs(x.mean() - 0.5) < 0.02
        x = to_np(torch.randn(20_000, dtype=dtype, device=device).float())
        assert abs(x.mean()) < 0.03 and abs(x.std() - 1) < 0.03
    x = to_np(torch.empty(50_000, device=device).uniform_(-2, 3))
    assert x.min() >= -2 and x.max() < 3 and abs(x.mean() - 0.5) < 0.05
    x = to_np(torch.empty(50_000, device=device).normal_(1, 2))
    assert abs(x.mean() - 1) < 0.05 and abs(x.std() - 2) < 0.05
    perm = torch.randperm(1000, device=device)
    assert perm.device.type == device
    assert sorted(perm.tolist()) == list(range(1000))


def test_bad_arguments_raise(device):
    with pytest.raises(RuntimeError):
        torch.randint(5, 5, (3,), device=device)
    with pytest.raises(RuntimeError):
        torch.empty(3, device=device).normal_(0, -1)
    with pytest.raises(RuntimeError):
        torch.rand(3, dtype=torch.int64, device=device)


def test_matches_live_pytorch_when_installed():
    real = pytest.importorskip("torch")
    for seed in (0, 1, 2024):
        for dtype in ("float32", "float64", "float16", "bfloat16"):
            for n in (1, 7, 16, 33, 1000):
                real.manual_seed(seed)
                torch.manual_seed(seed)
                ref = real.randn(n, dtype=getattr(real, dtype)).float().numpy()
                got = np.asarray(torch.randn(n, dtype=getattr(torch, dtype)).float())
                np.testing.assert_array_equal(got, ref)
                ref = real.rand(n, dtype=getattr(real, dtype)).float().numpy()
                got = np.asarray(torch.rand(n, dtype=getattr(torch, dtype)).float())
                np.testing.assert_array_equal(got, ref)
