"""Behaviour of the miscellaneous API (ndgrad/ops/misc.py, testing.py, amp.py) against PyTorch."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

import ndgrad
from ndgrad.ops import settings

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def nd(x: np.ndarray | list, **kw) -> ndgrad.Tensor:
    return ndgrad.tensor(x, **kw)


def th(x: np.ndarray | list, **kw) -> torch.Tensor:
    return torch.tensor(x, **kw)


def same(a: ndgrad.Tensor, b: torch.Tensor) -> None:
    assert tuple(a.shape) == tuple(b.shape), (a.shape, b.shape)
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], (a.dtype, b.dtype)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)


# -- dtype queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_promote_types_and_can_cast(a: str, b: str) -> None:
    na, nb = (
        getattr(ndgrad, a if a != "bool" else "bool_"),
        getattr(ndgrad, b if b != "bool" else "bool_"),
    )
    ta, tb = getattr(torch, a), getattr(torch, b)
    assert ndgrad.promote_types(na, nb).name == str(torch.promote_types(ta, tb)).split(".")[-1]
    assert ndgrad.can_cast(na, nb) == torch.can_cast(ta, tb)


def test_result_type() -> None:
    cases = [
        (nd([1, 2]), 2.5, th([1, 2]), 2.5),
        (
            nd([1.0], dtype=ndgrad.float32),
            nd(1.0, dtype=ndgrad.float64),
            th([1.0]),
            th(1.0, dtype=torch.float64),
        ),
        (
            nd([1], dtype=ndgrad.int32),
            nd([1], dtype=ndgrad.int64),
            th([1], dtype=torch.int32),
            th([1]),
        ),
        (nd([True]), 3, th([True]), 3),
    ]
    for n1, n2, t1, t2 in cases:
        assert ndgrad.result_type(n1, n2).name == str(torch.result_type(t1, t2)).split(".")[-1]


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo(name: str) -> None:
    f, t = ndgrad.finfo(getattr(ndgrad, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(f, attr) == getattr(t, attr), attr
    assert f.dtype == t.dtype
    assert ndgrad.finfo().eps == torch.finfo().eps
    with pytest.raises(TypeError):
        ndgrad.finfo(ndgrad.int32)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name: str) -> None:
    i, t = ndgrad.iinfo(getattr(ndgrad, name)), torch.iinfo(getattr(torch, name))
    assert (i.bits, i.min, i.max, i.dtype) == (t.bits, t.min, t.max, t.dtype)
    with pytest.raises(TypeError):
        ndgrad.iinfo(ndgrad.float32)


def test_is_floating_point_and_is_nonzero() -> None:
    assert ndgrad.is_floating_point(nd([1.0])) and not ndgrad.is_floating_point(nd([1]))
    assert ndgrad.is_nonzero(nd([2.0])) and not nd(0).is_nonzero()
    with pytest.raises(RuntimeError, match="more than one value"):
        ndgrad.is_nonzero(nd([1, 2]))
    with pytest.raises(RuntimeError, match="no values"):
        ndgrad.is_nonzero(nd([]))


# -- settings ---------------------------------------------------------------------------------


def test_settings() -> None:
    before = ndgrad.get_num_threads()
    ndgrad.set_num_threads(1)
    assert ndgrad.get_num_threads() == 1
    ndgrad.set_num_threads(before)
    with pytest.raises(RuntimeError):
        ndgrad.set_num_threads(0)
    assert not ndgrad.are_deterministic_algorithms_enabled()
    ndgrad.use_deterministic_algorithms(True)
    assert ndgrad.are_deterministic_algorithms_enabled()
    ndgrad.use_deterministic_algorithms(False)
    ndgrad.set_printoptions(precision=2, sci_mode=False)
    assert settings.print_options["precision"] == 2 and settings.print_options["sci_mode"] is False
    ndgrad.set_printoptions(profile="default")
    assert settings.print_options["precision"] == 4
    assert ndgrad.cuda.device_count() == (
        torch.cuda.device_count() if ndgrad.cuda.is_available() else 0
    )


def test_compile_returns_its_argument() -> None:
    def f(x: ndgrad.Tensor) -> ndgrad.Tensor:
        return x * 2

    model = ndgrad.nn.Linear(2, 2)
    assert ndgrad.compile(f) is f and ndgrad.compile(model) is model
    assert ndgrad.compile(mode="max-autotune")(f) is f


# -- non-differentiable ops vs torch ---------------------------------------------------------


def test_unique() -> None:
    x = [[3, 1, 2], [1, 3, 3]]
    for kw in (
        {},
        {"return_inverse": True},
        {"return_counts": True},
        {"return_inverse": True, "return_counts": True},
    ):
        n, t = ndgrad.unique(nd(x), **kw), torch.unique(th(x), **kw)
        for a, b in zip(n if isinstance(n, tuple) else [n], t if isinstance(t, tuple) else [t]):
            same(a, b)
    rows = [[1, 2], [0, 5], [1, 2]]
    for a, b in zip(
        nd(rows).unique(dim=0, return_inverse=True, return_counts=True),
        th(rows).unique(dim=0, return_inverse=True, return_counts=True),
    ):
        same(a, b)
    same(
        ndgrad.unique(nd([2.0, float("nan"), 1.0, 2.0])),
        torch.unique(th([2.0, float("nan"), 1.0, 2.0])),
    )


def test_bincount() -> None:
    x = [0, 3, 3, 1, 0, 3]
    same(ndgrad.bincount(nd(x)), torch.bincount(th(x)))
    same(nd(x).bincount(minlength=7), th(x).bincount(minlength=7))
    w = [0.5, 1.0, 2.0, 0.25, 1.5, 3.0]
    for dt, tdt in ((ndgrad.float32, torch.float32), (ndgrad.float64, torch.float64)):
        same(ndgrad.bincount(nd(x), nd(w, dtype=dt)), torch.bincount(th(x), th(w, dtype=tdt)))
    same(ndgrad.bincount(nd([], dtype=ndgrad.int64)), torch.bincount(th([], dtype=torch.int64)))
    with pytest.raises(RuntimeError):
        ndgrad.bincount(nd([1, -1]))
    with pytest.raises(RuntimeError):
        ndgrad.bincount(nd([1.0]))


def test_searchsorted_and_bucketize() -> None:
    seq, vals = [1.0, 3.0, 3.0, 5.0, 7.0], [[0.0, 3.0], [6.0, 9.0]]
    for kw in ({}, {"right": True}, {"side": "right"}, {"out_int32": True}):
        same(
            ndgrad.searchsorted(nd(seq), nd(vals), **kw),
            torch.searchsorted(th(seq), th(vals), **kw),
        )
    batched = [[1.0, 2.0, 4.0], [0.0, 5.0, 6.0]]
    for kw in ({}, {"right": True}):
        same(
            ndgrad.searchsorted(nd(batched), nd([[2.0, 5.0], [5.0, 7.0]]), **kw),
            torch.searchsorted(th(batched), th([[2.0, 5.0], [5.0, 7.0]]), **kw),
        )
    same(ndgrad.searchsorted(nd(seq), 3.0), torch.searchsorted(th(seq), 3.0))
    unsorted, sorter = [5.0, 1.0, 3.0], [1, 2, 0]
    same(
        ndgrad.searchsorted(nd(unsorted), nd([2.0, 4.0]), sorter=nd(sorter)),
        torch.searchsorted(th(unsorted), th([2.0, 4.0]), sorter=th(sorter)),
    )
    for kw in ({}, {"right": True}, {"out_int32": True}):
        same(ndgrad.bucketize(nd(vals), nd(seq), **kw), torch.bucketize(th(vals), th(seq), **kw))
    with pytest.raises(RuntimeError):
        ndgrad.searchsorted(nd(seq), nd(vals), right=True, side="left")


def test_histc() -> None:
    x = [0.5, 1.0, 1.5, 2.0, 2.0, 3.7, -1.0]
    same(ndgrad.histc(nd(x), bins=4), torch.histc(th(x), bins=4))
    same(nd(x).histc(bins=3, min=0, max=3), th(x).histc(bins=3, min=0, max=3))
    same(ndgrad.histc(nd([2.0, 2.0, 2.0]), bins=4), torch.histc(th([2.0, 2.0, 2.0]), bins=4))
    same(
        ndgrad.histc(nd(x, dtype=ndgrad.float64), bins=5),
        torch.histc(th(x, dtype=torch.float64), bins=5),
    )


def test_heaviside() -> None:
    x = [-1.5, 0.0, 2.0, 0.0]
    same(ndgrad.heaviside(nd(x), nd([0.5])), torch.heaviside(th(x), th([0.5])))
    same(nd([-1, 0, 3]).heaviside(nd([7, 8, 9])), th([-1, 0, 3]).heaviside(th([7, 8, 9])))


def test_repeat_interleave_counts_only() -> None:
    same(ndgrad.repeat_interleave(nd([2, 0, 3])), torch.repeat_interleave(th([2, 0, 3])))
    same(nd([1.0, 2.0]).repeat_interleave(nd([2])), th([1.0, 2.0]).repeat_interleave(th([2])))


def test_fill_diagonal_and_index_fill_() -> None:
    for shape, wrap in (
        ((3, 3), False),
        ((5, 2), False),
        ((7, 3), True),
        ((2, 4), False),
        ((3, 3, 3), False),
    ):
        a, b = ndgrad.zeros(*shape), torch.zeros(*shape)
        assert a.fill_diagonal_(2.5, wrap=wrap) is a
        b.fill_diagonal_(2.5, wrap=wrap)
        same(a, b)
    a, b = ndgrad.ones(3, 4), torch.ones(3, 4)
    a.index_fill_(1, nd([0, 2]), -1.0)
    b.index_fill_(1, th([0, 2]), -1.0)
    same(a, b)
    with pytest.raises(RuntimeError):
        ndgrad.zeros(2, 3, 3).fill_diagonal_(1.0)


def test_fill_diagonal_in_graph() -> None:
    x = ndgrad.ones(3, 3, requires_grad=True)
    y = x * 2
    y.fill_diagonal_(0.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * (1 - np.eye(3)))


def test_stride() -> None:
    for shape in ((2, 3, 4), (5,), ()):
        a, b = ndgrad.zeros(shape), torch.zeros(shape)
        assert a.stride() == b.stride()
    a, b = ndgrad.zeros(2, 3, 4).transpose(0, 2), torch.zeros(2, 3, 4).transpose(0, 2)
    assert a.stride() == b.stride() and a.stride(-1) == b.stride(-1)


# -- edge cases of differentiable ops --------------------------------------------------------


def test_quantile_nan_and_errors() -> None:
    x = [[1.0, float("nan"), 3.0, 0.5], [4.0, 2.0, 1.0, 3.0]]
    q = [0.1, 0.5]
    same(ndgrad.quantile(nd(x), nd(q), dim=1), torch.quantile(th(x), th(q), dim=1))
    same(ndgrad.nanquantile(nd(x), nd(q), dim=1), torch.nanquantile(th(x), th(q), dim=1))
    same(
        ndgrad.nanquantile(nd([float("nan")] * 2), 0.5),
        torch.nanquantile(th([float("nan")] * 2), 0.5),
    )
    same(ndgrad.quantile(nd(x), 0.3), torch.quantile(th(x), 0.3))
    with pytest.raises(RuntimeError, match="range"):
        ndgrad.quantile(nd([1.0, 2.0]), 1.5)
    with pytest.raises(RuntimeError, match="float or double"):
        ndgrad.quantile(nd([1, 2]), 0.5)
    with pytest.raises(ValueError):
        ndgrad.quantile(nd([1.0, 2.0]), 0.5, interpolation="cubic")


def test_nanmean_with_nans() -> None:
    x = [[1.0, float("nan"), 3.0], [float("nan")] * 3]
    same(ndgrad.nanmean(nd(x), dim=1), torch.nanmean(th(x), dim=1))
    same(ndgrad.nanmean(nd(x)), torch.nanmean(th(x)))
    a = nd(x, requires_grad=True)
    t = th(x, requires_grad=True)
    ndgrad.nanmean(a).backward()
    torch.nanmean(t).backward()
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy())


def test_logaddexp_and_xlogy_infinities() -> None:
    inf = float("inf")
    a, b = [-inf, inf, 0.0, -inf, 1000.0], [-inf, inf, -inf, 2.0, 1000.0]
    same(ndgrad.logaddexp(nd(a), nd(b)), torch.logaddexp(th(a), th(b)))
    xs, ys = [0.0, 0.0, 2.0, 0.0], [0.0, float("nan"), 0.0, 3.0]
    same(ndgrad.xlogy(nd(xs), nd(ys)), torch.xlogy(th(xs), th(ys)))
    x = nd([0.0, 1.0], requires_grad=True)
    y = nd([0.0, 2.0], requires_grad=True)
    ndgrad.xlogy(x, y).sum().backward()
    tx, ty = th([0.0, 1.0], requires_grad=True), th([0.0, 2.0], requires_grad=True)
    torch.xlogy(tx, ty).sum().backward()
    # where input == 0 the output is held at 0, so ndgrad's gradients there are 0 (PyTorch: 0/0 =
    # nan)
    np.testing.assert_allclose(y.grad.numpy()[1:], ty.grad.numpy()[1:])
    np.testing.assert_allclose(x.grad.numpy()[1:], tx.grad.numpy()[1:])
    assert y.grad.numpy()[0] == 0 and x.grad.numpy()[0] == 0


def test_int_inputs_promote() -> None:
    for name in ("sinc", "logit", "deg2rad", "rad2deg"):
        same(getattr(ndgrad, name)(nd([0, 1])), getattr(torch, name)(th([0, 1])))
    same(
        ndgrad.trace(nd([[1, 2], [3, 4]], dtype=ndgrad.int32)),
        torch.trace(th([[1, 2], [3, 4]], dtype=torch.int32)),
    )
    same(ndgrad.diff(nd([True, False, False])), torch.diff(th([True, False, False])))
    same(ndgrad.hypot(nd([3.0]), nd([4.0])), torch.hypot(th([3.0]), th([4.0])))


def test_named_results_and_errors() -> None:
    x = nd([[3.0, 1.0, 3.0], [2.0, 2.0, 1.0]])
    r = x.kthvalue(2, dim=1)
    assert r.values is r[0] and r.indices is r[1]
    assert ndgrad.mode(x).indices.dtype == ndgrad.int64
    assert ndgrad.cummax(x, 1).values.shape == (2, 3)
    with pytest.raises(RuntimeError):
        ndgrad.kthvalue(x, 4)
    with pytest.raises(RuntimeError):
        ndgrad.diag(ndgrad.zeros(2, 2, 2))
    with pytest.raises(RuntimeError):
        ndgrad.trace(ndgrad.zeros(3))
    with pytest.raises(RuntimeError, match="shape mismatch"):
        ndgrad.broadcast_tensors(ndgrad.zeros(2), ndgrad.zeros(3))
    with pytest.raises(IndexError):
        ndgrad.cummax(x, 2)
    assert isinstance(ndgrad.atleast_2d(nd(1.0), nd([1.0])), tuple)
    assert ndgrad.meshgrid(nd([1, 2]), nd([1, 2, 3]))[0].shape == (2, 3)


# -- testing.assert_close --------------------------------------------------------------------


def test_assert_close_passes_and_defaults() -> None:
    ndgrad.testing.assert_close(nd([1.0, 2.0]), nd([1.0, 2.0 + 1e-6]))
    ndgrad.testing.assert_close(nd([1, 2]), nd([1, 2]))
    ndgrad.testing.assert_close(1.0, 1.0 + 1e-9)
    ndgrad.testing.assert_close([nd([1.0]), {"a": nd(2.0)}], [nd([1.0]), {"a": nd(2.0)}])
    ndgrad.testing.assert_close(nd([float("nan")]), nd([float("nan")]), equal_nan=True)
    ndgrad.testing.assert_close(nd([1.0]), nd([1.0], dtype=ndgrad.float64), check_dtype=False)
    ndgrad.testing.assert_close(nd([1.0]), nd([1.1]), rtol=0.2, atol=0.0)


def test_assert_close_messages_match_torch() -> None:
    cases = [
        ([1.0, 2.0, 3.0], [1.0, 2.5, 3.0], {}),
        ([1, 2], [1, 3], {}),
    ]
    for a, e, kw in cases:
        with pytest.raises(AssertionError) as got:
            ndgrad.testing.assert_close(nd(a), nd(e), **kw)
        with pytest.raises(AssertionError) as want:
            torch.testing.assert_close(th(a), th(e), **kw)
        assert str(got.value).splitlines()[:3] == str(want.value).splitlines()[:3]
        assert "Greatest absolute difference" in str(got.value)
    with pytest.raises(AssertionError, match="dtype"):
        ndgrad.testing.assert_close(nd([1.0]), nd([1.0], dtype=ndgrad.float64))
    with pytest.raises(AssertionError, match="shape"):
        ndgrad.testing.assert_close(nd([1.0]), nd([1.0, 2.0]))
    with pytest.raises(AssertionError, match="Scalars are not close"):
        ndgrad.testing.assert_close(1.0, 1.1)
    with pytest.raises(AssertionError, match="NaN|not close"):
        ndgrad.testing.assert_close(nd([float("nan")]), nd([float("nan")]))
    with pytest.raises(ValueError, match="atol"):
        ndgrad.testing.assert_close(nd([1.0]), nd([1.0]), rtol=1e-3)
    with pytest.raises(TypeError):
        ndgrad.testing.assert_close(nd([1.0]), [1.0])
    with pytest.raises(AssertionError, match="custom"):
        ndgrad.testing.assert_close(nd([1.0]), nd([2.0]), msg="custom")


# -- amp ---------------------------------------------------------------------------------------


def test_autocast_and_grad_scaler_pass_through() -> None:
    model = ndgrad.nn.Linear(3, 1)
    opt = ndgrad.optim.SGD(model.parameters(), lr=0.1)
    scaler = ndgrad.amp.GradScaler()
    x = ndgrad.randn(4, 3)
    before = model.weight.detach().clone()
    with ndgrad.autocast("cpu", dtype=ndgrad.float16):
        loss = model(x).pow(2).mean()
    assert loss.dtype == ndgrad.float32
    assert scaler.scale(loss) is loss
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    assert not ndgrad.allclose(before, model.weight)
    assert scaler.get_scale() == 1.0 and scaler.is_enabled()
    state = scaler.state_dict()
    ndgrad.amp.GradScaler().load_state_dict(state)
    assert ndgrad.amp.GradScaler(enabled=False).state_dict() == {}

    @ndgrad.amp.autocast("cuda", enabled=False)
    def f(t: ndgrad.Tensor) -> ndgrad.Tensor:
        return t + 1

    assert f(nd([1.0])).item() == 2.0
    assert math.isclose(ndgrad.logaddexp(nd(0.0), nd(0.0)).item(), math.log(2), rel_tol=1e-6)


def test_masked_scatter_in_place_and_errors() -> None:
    mask = [[True, False], [False, True]]
    a, b = ndgrad.zeros(2, 2), torch.zeros(2, 2)
    a.masked_scatter_(nd(mask), nd([5.0, 6.0, 7.0]))
    b.masked_scatter_(th(mask), th([5.0, 6.0, 7.0]))
    same(a, b)
    with pytest.raises(RuntimeError, match="at least as many"):
        ndgrad.zeros(2, 2).masked_scatter(nd(mask), nd([1.0]))
    with pytest.raises(RuntimeError, match="boolean"):
        ndgrad.zeros(2).masked_scatter(nd([1, 0]), nd([1.0]))


def test_index_helpers_and_set_ops() -> None:
    for args in ((3, 4, 1), (4, 3, -1), (3, 3, 0), (0, 3, 0)):
        same(ndgrad.triu_indices(*args), torch.triu_indices(*args))
        same(ndgrad.tril_indices(*args), torch.tril_indices(*args))
    x, t = [[1, 5, 2], [7, 2, 9]], [2, 9, 4]
    same(ndgrad.isin(nd(x), nd(t)), torch.isin(th(x), th(t)))
    same(ndgrad.isin(nd(x), nd(t), invert=True), torch.isin(th(x), th(t), invert=True))
    v = [1, 1, 2, 2, 3, 1, 1, 2]
    for kw in ({}, {"return_inverse": True, "return_counts": True}):
        n, r = ndgrad.unique_consecutive(nd(v), **kw), torch.unique_consecutive(th(v), **kw)
        for a, b in zip(n if isinstance(n, tuple) else [n], r if isinstance(r, tuple) else [r]):
            same(a, b)
    rows = [[1, 2], [1, 2], [3, 4], [1, 2]]
    for a, b in zip(
        nd(rows).unique_consecutive(return_counts=True, return_inverse=True, dim=0),
        th(rows).unique_consecutive(return_counts=True, return_inverse=True, dim=0),
    ):
        same(a, b)
    for a, b in zip(
        ndgrad.unravel_index(nd([4, 7, -1]), (2, 4)), torch.unravel_index(th([4, 7, -1]), (2, 4))
    ):
        same(a, b)
    same(ndgrad.gcd(nd([12, 18, -4]), nd([8, 27, 6])), torch.gcd(th([12, 18, -4]), th([8, 27, 6])))
    same(ndgrad.lcm(nd([4, 6]), nd([6, 10])), torch.lcm(th([4, 6]), th([6, 10])))
    s = [-0.0, 0.0, -2.0, 3.0]
    same(ndgrad.signbit(nd(s)), torch.signbit(th(s)))
    same(
        ndgrad.copysign(nd([1.0, 2.0, 3.0, 4.0]), nd(s)),
        torch.copysign(th([1.0, 2.0, 3.0, 4.0]), th(s)),
    )
    same(ndgrad.copysign(nd([1, -2]), -1), torch.copysign(th([1, -2]), -1))


def test_small_predicates_and_errors() -> None:
    assert not ndgrad.is_complex(nd([1.0])) and not nd([1.0]).is_complex()
    assert ndgrad.is_same_size(nd([1.0, 2.0]), nd([3.0, 4.0])) and not nd([1.0]).is_same_size(
        nd([1.0, 2.0])
    )
    with pytest.raises(RuntimeError, match="bool tensor"):  # torch's RuntimeError
        ndgrad.positive(nd([True]))
    with pytest.raises(RuntimeError, match="bool tensor"):  # the unary + operator too
        +nd([True])  # noqa: B018
    with pytest.raises(RuntimeError, match="divisible"):
        ndgrad.hsplit(ndgrad.zeros(2, 3), 2)
    with pytest.raises(RuntimeError, match="2 dimension"):
        ndgrad.vsplit(ndgrad.zeros(3), 1)
    with pytest.raises(RuntimeError):
        ndgrad.rot90(ndgrad.zeros(2, 2), 1, (0, 0))
    with pytest.raises(RuntimeError):
        ndgrad.fliplr(ndgrad.zeros(3))
    same(
        ndgrad.block_diag(nd([[1, 2]]), nd([3.0], dtype=ndgrad.float64)),
        torch.block_diag(th([[1, 2]]), th([3.0], dtype=torch.float64)),
    )
    same(ndgrad.block_diag(), torch.block_diag())
    for n, t in zip(
        ndgrad.tensor_split(ndgrad.arange(7), nd([2, 5])),
        torch.tensor_split(torch.arange(7), th([2, 5])),
    ):
        same(n, t)
    for n, t in zip(
        ndgrad.tensor_split(ndgrad.arange(7), [-2, 9]), torch.tensor_split(torch.arange(7), [-2, 9])
    ):
        same(n, t)
    same(
        ndgrad.logcumsumexp(nd([float("-inf"), float("-inf"), 0.0]), 0),
        torch.logcumsumexp(th([float("-inf")] * 2 + [0.0]), 0),
    )
    same(ndgrad.cov(nd([[1, 2, 4], [0, 1, 3]])), torch.cov(th([[1, 2, 4], [0, 1, 3]])))


def test_in_place_forms() -> None:
    base = [[-1.5, 0.3, 2.7], [4.2, -0.6, 1.0]]
    for name in (
        "floor_",
        "ceil_",
        "trunc_",
        "round_",
        "sign_",
        "sin_",
        "cos_",
        "square_",
        "reciprocal_",
    ):
        a, b = nd(base), th(base)
        assert getattr(a, name)() is a
        getattr(b, name)()
        same(a, b)
    pos = [[0.5, 2.0], [3.0, 1.0]]
    for name in ("log_", "log1p_"):
        a, b = nd(pos), th(pos)
        getattr(a, name)()
        getattr(b, name)()
        same(a, b)
    for name, arg in (("fmod_", 1.5), ("remainder_", 1.5), ("triu_", 0), ("tril_", -1)):
        a, b = nd(base), th(base)
        getattr(a, name)(arg)
        getattr(b, name)(arg)
        same(a, b)
    a, b = nd([float("nan"), float("inf"), 1.0]), th([float("nan"), float("inf"), 1.0])
    a.nan_to_num_(0.5, posinf=9.0)
    b.nan_to_num_(0.5, posinf=9.0)
    same(a, b)
    a, b = nd([True, False]), th([True, False])
    a.logical_not_()
    b.logical_not_()
    same(a, b)
    a, b = ndgrad.zeros(3, 2), torch.zeros(3, 2)
    a.index_copy_(0, nd([2, 0]), nd([[1.0, 2.0], [3.0, 4.0]]))
    b.index_copy_(0, th([2, 0]), th([[1.0, 2.0], [3.0, 4.0]]))
    same(a, b)
    a, b = ndgrad.zeros(2, 2), torch.zeros(2, 2)
    a.put_(nd([3, 0]), nd([5.0, 6.0]))
    b.put_(th([3, 0]), th([5.0, 6.0]))
    same(a, b)
    with pytest.raises(RuntimeError, match="leaf"):
        nd([1.0], requires_grad=True).floor_()
    x = nd([[1.0, 2.0], [3.0, 4.0]])
    assert (
        x.aminmax().min.item() == 1.0 and x.nansum().item() == 10.0 and x.argwhere().shape == (4, 2)
    )
    assert x.pin_memory() is x and not x.is_pinned() and x.share_memory_() is x
