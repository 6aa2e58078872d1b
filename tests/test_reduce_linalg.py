"""Behaviour of the reduction and linear-algebra families beyond the op table: return types,
dtypes, errors (type and message against PyTorch), sum_to, and gradients at special points."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import ndgrad
from ndgrad.ops.reduce import sum_to


def _pair(
    data: Any, dtype: Any = None, requires_grad: bool = False
) -> tuple[torch.Tensor, ndgrad.Tensor]:
    a = np.asarray(data)
    t = torch.tensor(a, dtype=dtype[0] if dtype else None, requires_grad=requires_grad)
    n = ndgrad.tensor(a, dtype=dtype[1] if dtype else None, requires_grad=requires_grad)
    return t, n


def _np(t: Any) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach().array)


def _same_error(fn: Callable[[Any], Any], exact: bool = True) -> None:
    """fn(torch) and fn(ndgrad) raise the same exception type (and message, when exact)."""
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ne:
        fn(ndgrad)
    # PyTorch's linalg errors are a RuntimeError subclass (torch._C._LinAlgError)
    expected = RuntimeError if isinstance(te.value, RuntimeError) else type(te.value)
    assert isinstance(ne.value, expected), (
        f"{type(ne.value).__name__}: {ne.value} vs {type(te.value).__name__}"
    )
    if exact:
        assert str(ne.value) == str(te.value)


X = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 0.0]])


def _args(lib: Any, a: np.ndarray = X, **kw: Any) -> Any:
    return lib.tensor(a, **kw)


# -- return types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, call",
    [
        ("max", lambda m, x: m.max(x, 1)),
        ("min", lambda m, x: x.min(dim=0, keepdim=True)),
        ("sort", lambda m, x: m.sort(x, descending=True)),
        ("topk", lambda m, x: x.topk(2)),
        ("median", lambda m, x: m.median(x, -1)),
    ],
)
def test_values_indices_results(name: str, call: Callable[..., Any]) -> None:
    t, n = _pair(X)
    tr, nr = call(torch, t), call(ndgrad, n)
    assert isinstance(nr, tuple) and len(nr) == 2
    assert type(nr).__name__ == name
    values, indices = nr
    assert values is nr.values and indices is nr.indices
    np.testing.assert_array_equal(_np(nr.values), _np(tr.values))
    np.testing.assert_array_equal(_np(nr.indices), _np(tr.indices))
    assert nr.indices.dtype == ndgrad.int64
    assert "values=" in repr(nr) and "indices=" in repr(nr)


def test_slogdet_and_aminmax_fields() -> None:
    a = np.array([[0.0, 2.0], [3.0, 1.0]])
    sign, logabs = ndgrad.linalg.slogdet(ndgrad.tensor(a))
    ts = torch.linalg.slogdet(torch.tensor(a))
    assert sign.item() == ts.sign.item() == -1.0
    assert math.isclose(logabs.item(), ts.logabsdet.item())
    r = ndgrad.aminmax(ndgrad.tensor(X), dim=1)
    assert r.min.tolist() == [1.0, 0.0] and r.max.tolist() == [5.0, 4.0]


def test_max_without_dim_is_0d_and_binary_form_is_maximum() -> None:
    n = ndgrad.tensor(X)
    assert n.max().shape == () and n.max().item() == 5.0
    other = ndgrad.tensor([[2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(_np(ndgrad.max(n, other)), np.maximum(X, 2.0))
    np.testing.assert_array_equal(_np(ndgrad.min(n, other)), np.minimum(X, 2.0))


# -- dtypes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.sum(x > 2),
        lambda m, x: m.sum(x.to(m.int32), 1),
        lambda m, x: m.sum(x.to(m.uint8), 0, keepdim=True),
        lambda m, x: x.to(m.int16).prod(),
        lambda m, x: (x > 0).prod(1),
        lambda m, x: x.to(m.int32).cumsum(1),
        lambda m, x: x.to(m.int32).cumprod(0),
        lambda m, x: m.cumsum(x, 1, dtype=m.float64),
        lambda m, x: m.sum(x, dtype=m.float64),
        lambda m, x: x.argmax(),
        lambda m, x: x.to(m.int64).max(),
        lambda m, x: x.to(m.int32).amax(1),
        lambda m, x: x.to(m.int32).max(1).values,
        lambda m, x: (x > 1).all(1),
        lambda m, x: x.to(m.uint8).all(),
        lambda m, x: x.to(m.uint8).any(0),
        lambda m, x: m.count_nonzero(x),
        lambda m, x: m.logsumexp(x.to(m.int64), 1),
        lambda m, x: m.softmax(x.to(m.float64), 0),
        lambda m, x: m.softmax(x, 0, dtype=m.float64),
        lambda m, x: x.to(m.int32).sort(1).values,
        lambda m, x: x.to(m.int64).median(),
        lambda m, x: m.mean(x, dtype=m.float64),
        lambda m, x: m.norm(x, dtype=m.float64),
        lambda m, x: m.matmul(x.to(m.int64), x.to(m.int64).T),
        lambda m, x: m.einsum("ij,kj->ik", x.to(m.int32), x.to(m.int32)),
    ],
)
def test_result_dtypes(call: Callable[..., Any]) -> None:
    t, n = _pair(X, (torch.float32, ndgrad.float32))
    tr, nr = call(torch, t), call(ndgrad, n)
    assert str(nr.dtype).split(".")[-1] == str(tr.dtype).split(".")[-1]
    np.testing.assert_allclose(_np(nr).astype(np.float64), _np(tr).astype(np.float64), rtol=1e-6)


def test_integer_results_carry_no_gradient() -> None:
    x = ndgrad.tensor(X, requires_grad=True)
    assert not x.argmax().requires_grad
    assert not x.max(1).indices.requires_grad
    assert not (x > 0).sum().requires_grad
    assert x.max(1).values.requires_grad


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.sum(_args(m), 2),
        lambda m: m.sum(_args(m), (0, -3)),
        lambda m: _args(m).mean(-3),
        lambda m: m.amax(_args(m), 5),
        lambda m: _args(m).max(2),
        lambda m: _args(m).argmax(-3),
        lambda m: m.softmax(_args(m), 2),
        lambda m: m.log_softmax(_args(m), -3),
        lambda m: m.cumsum(_args(m), 2),
        lambda m: m.sort(_args(m), 3),
        lambda m: m.logsumexp(_args(m), 2),
        lambda m: m.var(_args(m), 2),
        lambda m: m.sum(m.tensor(1.0), 1),
        lambda m: m.max(m.zeros(0, 3)),
        lambda m: m.max(m.zeros(0, 3), 0),
        lambda m: m.amax(m.zeros(0, 3), 0),
        lambda m: m.mean(m.arange(3)),
        lambda m: m.topk(_args(m), 4),
        lambda m: m.mm(m.ones(3), m.ones(3, 4)),
        lambda m: m.mm(m.ones(2, 3), m.ones(4, 4)),
        lambda m: m.mm(m.ones(2, 3), m.ones(3, 4, dtype=m.float64)),
        lambda m: m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 4)),
        lambda m: m.bmm(m.ones(2, 3), m.ones(2, 3, 4)),
        lambda m: m.mv(m.ones(2, 3), m.ones(4)),
        lambda m: m.mv(m.ones(3), m.ones(3)),
        lambda m: m.dot(m.ones(3), m.ones(4)),
        lambda m: m.dot(m.ones(3, 1), m.ones(3)),
        lambda m: m.dot(m.ones(3), m.ones(3, dtype=m.float64)),
        lambda m: m.matmul(m.ones(3), m.ones(4)),
        lambda m: m.matmul(m.ones(2, 3), m.ones(4, 5)),
        lambda m: m.matmul(m.ones(2, 2, 3), m.ones(3, 3, 4)),
        lambda m: m.matmul(m.ones(2, 3), m.ones(3, 2, dtype=m.float64)),
        lambda m: m.matmul(m.tensor(1.0), m.ones(3)),
        lambda m: m.matmul(m.ones(2, 3), m.ones(3, dtype=m.float64)),
        lambda m: m.einsum("i->ii", m.ones(2)),
        lambda m: m.einsum("ij->k", m.ones(2, 2)),
        lambda m: m.einsum("...ij->ij", m.ones(2)),
        lambda m: m.all(m.ones(2), 1),
        lambda m: m.cumprod(m.ones(2), -2),
        lambda m: m.median(m.ones(2, 3), 2),
        lambda m: m.topk(m.ones(2, 3), 1, 2),
        lambda m: m.outer(m.ones(3, 1), m.ones(3)),
        lambda m: m.tensordot(m.ones(2, 3), m.ones(4, 5), 1),
        lambda m: m.tensordot(m.ones(2, 3), m.ones(4, 5), -1),
        lambda m: m.einsum("ij,jk", m.ones(2, 3)),
        lambda m: m.einsum("ij", m.ones(2, 3, 4)),
        lambda m: m.einsum("ij,jk", m.ones(2, 3), m.ones(2, 2)),
        lambda m: m.linalg.inv(m.ones(2, 3)),
        lambda m: m.linalg.det(m.ones(2, 3)),
        lambda m: m.linalg.solve(m.ones(2, 3), m.ones(2, 1)),
        lambda m: m.linalg.solve(m.eye(3), m.ones(4, 1)),
        lambda m: m.linalg.norm(m.ones(2, 3, 4), 2),
        lambda m: m.linalg.matrix_norm(m.ones(3)),
        lambda m: m.linalg.vector_norm(m.ones(0), math.inf),
        lambda m: m.norm(m.arange(3)),
    ],
)
def test_errors_match_pytorch(call: Callable[[Any], Any]) -> None:
    _same_error(call)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.linalg.inv(m.zeros(2, 2)),
        lambda m: m.inverse(m.zeros(3, 3)),
        lambda m: m.linalg.solve(m.zeros(2, 2), m.ones(2)),
        lambda m: m.einsum("ij,jk", m.ones(2, 3), m.ones(3, 2, dtype=m.float64)),
        lambda m: m.matmul(m.ones(2, 3), [1.0, 2.0, 3.0]),
        lambda m: m.var(m.ones(3), unbiased=True, correction=1),
        lambda m: m.prod(m.ones(2, 3), (0, 1)),
    ],
)
def test_errors_same_type(call: Callable[[Any], Any]) -> None:
    _same_error(call, exact=False)


# -- semantics -------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 3, 4), (2, 3, 4, 2)])
def test_softmax_legacy_implicit_dim(shape: tuple[int, ...]) -> None:
    a = np.random.default_rng(0).standard_normal(shape)
    with pytest.warns(UserWarning):
        expected = torch.nn.functional.softmax(torch.tensor(a))
    np.testing.assert_allclose(_np(ndgrad.softmax(ndgrad.tensor(a))), _np(expected), rtol=1e-12)
    with pytest.warns(UserWarning):
        expected = torch.nn.functional.log_softmax(torch.tensor(a))
    np.testing.assert_allclose(_np(ndgrad.log_softmax(ndgrad.tensor(a))), _np(expected), rtol=1e-12)


def test_softmax_of_minus_inf_row_and_extremes() -> None:
    a = np.array([[0.0, -np.inf, 1.0], [1e4, -1e4, 0.0]])
    t, n = _pair(a)
    np.testing.assert_allclose(_np(n.softmax(1)), _np(t.softmax(1)))
    np.testing.assert_allclose(_np(n.log_softmax(1)), _np(t.log_softmax(1)))
    np.testing.assert_allclose(_np(ndgrad.logsumexp(n, 1)), _np(torch.logsumexp(t, 1)))
    inf = np.array([np.inf, 1.0])
    assert ndgrad.logsumexp(ndgrad.tensor(inf), 0).item() == math.inf


def test_sort_nan_and_stability_like_pytorch() -> None:
    a = np.array([[2.0, np.nan, 1.0, 2.0, 1.0, np.nan]])
    t, n = _pair(a)
    for desc in (False, True):
        tr = torch.sort(t, dim=1, descending=desc, stable=True)
        nr = ndgrad.sort(n, dim=1, descending=desc, stable=True)
        np.testing.assert_array_equal(_np(nr.values), _np(tr.values))
        np.testing.assert_array_equal(_np(nr.indices), _np(tr.indices))


def test_median_with_nan() -> None:
    a = np.array([[1.0, np.nan, 3.0], [3.0, 1.0, 2.0]])
    t, n = _pair(a)
    assert math.isnan(n.median().item()) and math.isnan(t.median().item())
    tr, nr = t.median(1), n.median(1)
    np.testing.assert_array_equal(_np(nr.values), _np(tr.values))
    np.testing.assert_array_equal(_np(nr.indices), _np(tr.indices))


def test_var_degrees_of_freedom_nonpositive() -> None:
    t, n = _pair(X)
    with pytest.warns(UserWarning):
        expected = torch.var(t, 1, correction=5)
    np.testing.assert_array_equal(_np(ndgrad.var(n, 1, correction=5)), _np(expected))


@pytest.mark.parametrize(
    "grad_shape, shape",
    [
        ((2, 3), (2, 3)),
        ((2, 3), (1, 3)),
        ((2, 3), (2, 1)),
        ((2, 3), (3,)),
        ((2, 3), (1,)),
        ((2, 3), ()),
        ((4, 2, 3), (2, 1)),
        ((4, 2, 3), (1, 1, 3)),
        ((5, 1, 3), (1, 3)),
        ((0, 3), (1, 3)),
        ((2, 0), (2, 1)),
    ],
)
def test_sum_to_undoes_broadcasting(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> None:
    g = np.random.default_rng(1).standard_normal(grad_shape)
    out = sum_to(ndgrad.tensor(g), shape)
    assert tuple(out.shape) == shape
    lead = len(grad_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and grad_shape[i + lead] != 1
    )
    np.testing.assert_allclose(_np(out), g.sum(axis=axes, keepdims=True).reshape(shape))


def test_broadcast_gradient_through_the_engine() -> None:
    t, n = _pair(np.ones((1, 3)), requires_grad=True)
    tb, nb = _pair(np.arange(12.0).reshape(4, 1, 3))
    (t * tb).sum().backward()
    (n * nb).sum().backward()
    np.testing.assert_allclose(_np(n.grad), _np(t.grad))


def test_det_gradient_of_singular_matrix() -> None:
    # d det / dA is the cofactor matrix, nonzero for rank n - 1. (PyTorch 2.13 returns zeros here,
    # so the check is against central differences instead.)
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])  # rank 2, det exactly 0
    n = ndgrad.tensor(a, requires_grad=True)
    ndgrad.linalg.det(n).backward()
    eps = 1e-6
    num = np.zeros_like(a)
    for i in range(3):
        for j in range(3):
            e = np.zeros_like(a)
            e[i, j] = eps
            num[i, j] = (np.linalg.det(a + e) - np.linalg.det(a - e)) / (2 * eps)
    np.testing.assert_allclose(_np(n.grad), num, atol=1e-6)
    np.testing.assert_allclose(
        _np(n.grad), [[4.0, 4.0, -4.0], [-2.0, -2.0, 2.0], [0.0, 0.0, 0.0]], atol=1e-9
    )


def test_max_dim_gradient_goes_to_the_returned_index() -> None:
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    t, n = _pair(a, requires_grad=True)
    tr, nr = t.max(1), n.max(1)
    tr.values.sum().backward()
    nr.values.sum().backward()
    np.testing.assert_array_equal(_np(nr.indices), _np(tr.indices))
    np.testing.assert_array_equal(_np(n.grad), _np(t.grad))


@pytest.mark.parametrize(
    "eq, shapes",
    [
        ("ii->i", [(3, 3)]),
        ("ii", [(3, 3)]),
        ("iij->ij", [(2, 2, 3)]),
        ("ij,jk->", [(2, 3), (3, 2)]),
    ],
)
def test_einsum_second_order_on_repeated_labels(eq: str, shapes: list[tuple[int, ...]]) -> None:
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s) for s in shapes]
    res = []
    for lib in (torch, ndgrad):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = (lib.einsum(eq, *xs) ** 2).sum()
        gs = lib.autograd.grad(out, xs, create_graph=True)
        total = sum((g * g).sum() for g in gs)
        res.append([_np(g) for g in lib.autograd.grad(total, xs)])
    for a, b in zip(res[0], res[1]):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


def test_einsum_result_is_not_a_view_of_its_input() -> None:
    x = ndgrad.ones(3, 3)
    y = ndgrad.einsum("ij->ij", x)
    y.array[0, 0] = 5.0
    assert x[0, 0].item() == 1.0


def test_namespace_exports() -> None:
    for name in (
        "sum",
        "max",
        "min",
        "all",
        "any",
        "softmax",
        "matmul",
        "einsum",
        "det",
        "inverse",
    ):
        assert callable(getattr(ndgrad, name))
    for name in ("norm", "vector_norm", "matrix_norm", "inv", "det", "slogdet", "solve", "cross"):
        assert callable(getattr(ndgrad.linalg, name))
    import ndgrad.ops.linalg as la
    import ndgrad.ops.reduce as red

    for mod in (la, red):
        assert "Tensor" not in mod.__all__ and "Any" not in mod.__all__
        for name in mod.__all__:
            assert callable(getattr(mod, name))


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.sort(x, 1).values,
        lambda m, x: x.topk(2, 0).values,
        lambda m, x: x.max(1).values,
        lambda m, x: m.median(x, 0, keepdim=True).values,
    ],
)
def test_selection_double_backward_through_the_upstream_gradient(call: Callable[..., Any]) -> None:
    """grad(<d out/dx applied to u, w>, u): exercises PutAlongDim's backward (TakeAlongDim)."""
    a = np.random.default_rng(3).permutation(12).reshape(3, 4) * 0.5
    res = []
    for lib in (torch, ndgrad):
        rng = np.random.default_rng(4)
        x = lib.tensor(a, requires_grad=True)
        out = call(lib, x)
        u = lib.tensor(rng.standard_normal(tuple(out.shape)), requires_grad=True)
        (g,) = lib.autograd.grad(out, x, u, create_graph=True)
        w = lib.tensor(np.arange(12.0).reshape(3, 4))
        (gu,) = lib.autograd.grad((g * w).sum(), u)
        res.append(_np(gu))
    np.testing.assert_allclose(res[1], res[0])
