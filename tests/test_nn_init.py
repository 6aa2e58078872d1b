"""nn.init: fan computations and gains equal PyTorch's; the samples have the stated statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import ndgrad
from ndgrad import nn
from ndgrad.nn import init

SHAPES = [(5, 3), (8, 4, 3), (6, 2, 3, 3), (4, 2, 1, 2, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_match_torch(shape):
    t = torch.empty(shape)
    assert init._calculate_fan_in_and_fan_out(ndgrad.empty(*shape)) == (
        torch.nn.init._calculate_fan_in_and_fan_out(t)
    )
    for mode in ("fan_in", "fan_out"):
        assert init._calculate_correct_fan(ndgrad.empty(*shape), mode) == (
            torch.nn.init._calculate_correct_fan(t, mode)
        )
    with pytest.raises(ValueError):
        init._calculate_fan_in_and_fan_out(ndgrad.empty(3))


@pytest.mark.parametrize(
    "args",
    [
        ("linear",),
        ("conv2d",),
        ("sigmoid",),
        ("tanh",),
        ("relu",),
        ("leaky_relu",),
        ("leaky_relu", 0.2),
        ("selu",),
        ("conv_transpose2d",),
    ],
)
def test_gains_match_torch(args):
    assert init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)


def test_gain_errors():
    with pytest.raises(ValueError):
        init.calculate_gain("swish")
    with pytest.raises(ValueError):
        init.calculate_gain("leaky_relu", "x")


def _stats(t):
    a = t.detach().numpy()
    return a.mean(), a.std(), a.min(), a.max()


def test_uniform_normal_constant():
    ndgrad.manual_seed(0)
    w = nn.Parameter(ndgrad.empty(200, 100))
    assert init.uniform_(w, -2, 3) is w
    mean, std, lo, hi = _stats(w)
    assert lo >= -2 and hi < 3 and abs(mean - 0.5) < 0.05 and abs(std - 5 / math.sqrt(12)) < 0.05
    init.normal_(w, 1.0, 2.0)
    mean, std, _, _ = _stats(w)
    assert abs(mean - 1) < 0.05 and abs(std - 2) < 0.05
    assert w.grad_fn is None and w.requires_grad  # in place, no graph
    init.constant_(w, 0.3)
    assert np.all(w.detach().numpy() == np.float32(0.3))
    init.zeros_(w)
    assert not w.detach().numpy().any()
    init.ones_(w)
    assert np.all(w.detach().numpy() == 1)


def test_seeded_repeatable():
    ndgrad.manual_seed(7)
    a = init.normal_(ndgrad.empty(5)).numpy().copy()
    ndgrad.manual_seed(7)
    b = init.normal_(ndgrad.empty(5)).numpy()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
def test_xavier_and_kaiming_statistics(shape):
    ndgrad.manual_seed(1)
    w = ndgrad.empty(*shape)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    std = math.sqrt(2.0 / (fan_in + fan_out))
    init.xavier_uniform_(w, gain=2.0)
    assert np.abs(w.numpy()).max() <= 2 * math.sqrt(3) * std + 1e-6
    assert abs(w.numpy().std() - 2 * std) / (2 * std) < 0.05
    init.xavier_normal_(w)
    assert abs(w.numpy().std() - std) / std < 0.05
    init.kaiming_uniform_(w, a=math.sqrt(5))
    bound = 1 / math.sqrt(fan_in)
    assert (
        np.abs(w.numpy()).max() <= bound + 1e-7
        and abs(w.numpy().std() - bound / math.sqrt(3)) < 0.05 * bound
    )
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    expected = math.sqrt(2) / math.sqrt(fan_out)
    assert abs(w.numpy().std() - expected) / expected < 0.05


def test_trunc_normal():
    ndgrad.manual_seed(2)
    w = init.trunc_normal_(ndgrad.empty(100, 100), mean=0.5, std=1.0, a=-1.0, b=1.5)
    a = w.numpy()
    assert a.min() >= -1.0 and a.max() <= 1.5
    ref = torch.nn.init.trunc_normal_(torch.empty(100000, dtype=torch.float64), 0.5, 1.0, -1.0, 1.5)
    assert abs(a.mean() - ref.mean().item()) < 0.03 and abs(a.std() - ref.std().item()) < 0.03


def test_orthogonal_eye_dirac():
    for shape in [(4, 6), (6, 4), (3, 2, 2)]:
        w = init.orthogonal_(ndgrad.empty(*shape, dtype=ndgrad.float64), gain=2.0)
        flat = w.numpy().reshape(shape[0], -1)
        gram = flat @ flat.T if shape[0] <= flat.shape[1] else flat.T @ flat
        np.testing.assert_allclose(gram, 4 * np.eye(gram.shape[0]), atol=1e-10)
    e = init.eye_(ndgrad.empty(3, 4))
    np.testing.assert_array_equal(e.numpy(), np.eye(3, 4))
    for groups in (1, 2):
        d = init.dirac_(ndgrad.empty(4, 2, 3, 3), groups=groups)
        np.testing.assert_array_equal(
            d.numpy(), torch.nn.init.dirac_(torch.empty(4, 2, 3, 3), groups).numpy()
        )
    with pytest.raises(ValueError):
        init.eye_(ndgrad.empty(2, 2, 2))


def test_sparse():
    w = init.sparse_(ndgrad.empty(10, 6), sparsity=0.3)
    assert np.all((w.numpy() == 0).sum(0) >= 3)


def test_init_on_parameter_inside_grad_mode():
    lin = nn.Linear(3, 3)
    init.kaiming_normal_(lin.weight)
    init.trunc_normal_(lin.weight, std=0.02)
    init.orthogonal_(lin.weight)
    assert lin.weight.is_leaf and lin.weight.requires_grad
