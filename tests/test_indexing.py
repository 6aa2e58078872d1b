"""Indexing and views: t[...] and t[...] = v against PyTorch, memory sharing, in-place forms,
errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import ndgrad

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5, 3))

# index expressions, written once for both libraries (m is ndgrad or torch)
GETITEM: list[tuple[str, Callable[[Any], Any]]] = [
    ("int", lambda m: 1),
    ("neg_int", lambda m: (-1, -2)),
    ("slice_step", lambda m: (slice(None, None, 2), slice(1, None, 2))),
    ("none_ellipsis", lambda m: (None, ..., 1, None)),
    ("list_repeated", lambda m: [1, 1, 3, -1, 1]),
    ("tensor_2d", lambda m: m.tensor([[0, 3], [3, 3]])),
    ("numpy_array", lambda m: np.array([2, 0, 2])),
    ("two_arrays", lambda m: ([0, 0, 3], [4, 4, 1])),
    ("arrays_split_by_slice", lambda m: ([0, 0], slice(None), [2, 2])),
    ("array_after_slice", lambda m: (slice(1, 3), [[0], [4]], [1, 1])),
    ("int_and_array", lambda m: (2, slice(None), [0, 0, 1])),
    ("int_between_arrays", lambda m: ([1, 1], 2, [0, 2])),
    ("array_with_none", lambda m: (None, [3, 3], ..., 0)),
    ("bool_mask_rows", lambda m: m.tensor([True, False, True, True])),
    ("bool_mask_full", lambda m: m.tensor(X[..., 0] > 0)),
    ("bool_list", lambda m: (slice(None), [False, True, True, False, True])),
    ("bool_0d", lambda m: m.tensor(True)),
    ("int32_tensor", lambda m: m.tensor([3, 0, 3], dtype=m.int32)),
    ("int_tensor_0d", lambda m: m.tensor(2)),
    ("empty_list", lambda m: []),
]


def _pair(a: np.ndarray) -> tuple[ndgrad.Tensor, torch.Tensor]:
    return ndgrad.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("name,index", GETITEM, ids=[g[0] for g in GETITEM])
def test_getitem_matches_torch(name: str, index: Callable[[Any], Any]) -> None:
    x, tx = _pair(X)
    out, tout = x[index(ndgrad)], tx[index(torch)]
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy())
    up = RNG.standard_normal(tuple(tout.shape))
    (out * ndgrad.tensor(up)).sum().backward()
    (tout * torch.tensor(up)).sum().backward()
    assert x.grad is not None and tx.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-12)


SETITEM: list[tuple[str, Callable[[Any], Any], tuple[int, ...] | None]] = [
    ("int", lambda m: 1, (5, 3)),
    ("slice_broadcast", lambda m: (slice(1, 3), slice(None), 0), (5,)),
    ("ellipsis_scalar", lambda m: (..., 2), None),
    ("list_repeated_free", lambda m: [0, 2], (1, 5, 3)),
    ("two_arrays", lambda m: ([0, 3], [4, 1]), (3,)),
    ("int_and_array_layout", lambda m: (2, slice(None), [0, 2]), (5, 2)),
    ("mask", lambda m: m.tensor(X[..., 0] > 0), (3,)),
    ("mask_scalar", lambda m: m.tensor(X > 0.5), None),
    ("none", lambda m: (None, 1), (1, 5, 3)),
]


@pytest.mark.parametrize("name,index,vshape", SETITEM, ids=[s[0] for s in SETITEM])
def test_setitem_grads_match_torch(
    name: str, index: Callable[[Any], Any], vshape: tuple[int, ...] | None
) -> None:
    w = RNG.standard_normal(X.shape)
    v = RNG.standard_normal(vshape) if vshape is not None else None
    results = []
    for m in (ndgrad, torch):
        x = m.tensor(X, requires_grad=True)
        y = x * 1.0
        val = m.tensor(v, requires_grad=True) if v is not None else 7.5
        y[index(m)] = val
        (y * m.tensor(w)).sum().backward()
        results.append(
            (y.detach().numpy(), x.grad.numpy(), val.grad.numpy() if v is not None else None)
        )
    (y1, gx1, gv1), (y2, gx2, gv2) = results
    np.testing.assert_allclose(y1, y2)
    np.testing.assert_allclose(gx1, gx2)
    if v is not None:
        np.testing.assert_allclose(gv1, gv2, atol=1e-12)


def test_setitem_casts_and_second_order() -> None:
    a = ndgrad.zeros(3, dtype=ndgrad.int64)
    a[1] = 2.7
    a[ndgrad.tensor([0, 2])] = ndgrad.tensor([5.0, 6.0])
    assert a.tolist() == [5, 2, 6] and a.dtype == ndgrad.int64
    for m in (ndgrad, torch):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        y[1] = x[0] ** 3
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), x)
        if m is ndgrad:
            mine = (g.detach().numpy(), gg.numpy())
        else:
            np.testing.assert_allclose(mine[0], g.detach().numpy())
            np.testing.assert_allclose(mine[1], gg.numpy())


def test_views_share_memory_and_version() -> None:
    x = ndgrad.zeros(3, 4)
    views = [
        x[0],
        x[:, 1:3],
        x.view(12),
        x.t(),
        x.narrow(1, 1, 2),
        x.select(1, 0),
        x.diagonal(),
        x.unsqueeze(0),
        x[None, ..., ::2],
        x.split(2, 1)[1],
        x.chunk(3)[2],
        x.unbind(1)[3],
        x.unfold(1, 2, 1),
        x.permute(1, 0),
        x.expand(2, 3, 4),
        x.unflatten(1, (2, 2)),
        x.movedim(0, 1),
    ]
    for i, v in enumerate(views):
        assert v._base is x, i
    before = x._version
    v = x[1]
    v[2] = 5.0
    assert x[1, 2].item() == 5.0
    assert x._version == v._version == before + 1
    d = x.diagonal()
    d.fill_(1.0)  # a writable view, as in PyTorch
    assert x.numpy()[0, 0] == 1.0 and x.numpy()[2, 2] == 1.0
    w = x.unfold(1, 2, 2)
    w[0, 1, 1] = -3.0
    assert x[0, 3].item() == -3.0
    # a copy is not a view: advanced indexing, flip, and a reshape that must copy
    assert x[[0, 1]]._base is None and x.flip(0)._base is None
    assert x.t().reshape(12)._base is None
    c = x[[0]]
    c[0, 0] = 100.0
    assert x[0, 0].item() != 100.0


def test_inplace_errors_and_saved_versions() -> None:
    leaf = ndgrad.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf[0] = 2.0
    with ndgrad.no_grad():
        leaf[0] = 2.0
    assert leaf.tolist() == [2.0, 1.0, 1.0]
    b = leaf * 1
    c = b * b  # saves b
    b[0] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()
    e = ndgrad.ones(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="single memory location"):
        e[0, 0] = 2.0


INPLACE: list[tuple[str, Callable[[Any, Any], Any]]] = [
    (
        "scatter_",
        lambda m, x: x.scatter_(1, m.tensor([[0, 2], [1, 1]]), m.tensor([[9.0, 8.0], [7.0, 6.0]])),
    ),
    ("scatter_value", lambda m, x: x.scatter_(0, m.tensor([[1, 0, 1]]), -1.0)),
    ("scatter_add_", lambda m, x: x.scatter_add_(1, m.tensor([[0, 0], [2, 2]]), m.ones(2, 2))),
    ("index_add_", lambda m, x: x.index_add_(1, m.tensor([0, 0, 2]), m.ones(2, 3), alpha=3)),
    ("masked_fill_", lambda m, x: x.masked_fill_(m.tensor([True, False, True]), 4.0)),
    (
        "masked_fill_tensor",
        lambda m, x: x.masked_fill_(m.tensor([[True], [False]]), m.tensor(-2.0)),
    ),
    (
        "index_put_",
        lambda m, x: x.index_put_((m.tensor([0, 0]), m.tensor([1, 1])), m.tensor([1.0, 2.0]), True),
    ),
]


@pytest.mark.parametrize("name,fn", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_forms(name: str, fn: Callable[[Any, Any], Any]) -> None:
    a = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    if name == "index_put_" and not hasattr(ndgrad.Tensor, "index_put_"):
        x = ndgrad.tensor(a)
        out = ndgrad.index_put_(
            x, (ndgrad.tensor([0, 0]), ndgrad.tensor([1, 1])), ndgrad.tensor([1.0, 2.0]), True
        )
    else:
        x = ndgrad.tensor(a)
        out = fn(ndgrad, x)
    tx = torch.tensor(a)
    fn(torch, tx)
    assert out is x and x._version == 1
    np.testing.assert_allclose(x.numpy(), tx.numpy())
    # the same on a non-leaf in the graph: gradients flow to the old values
    results = []
    for m in (ndgrad, torch):
        leaf = m.tensor(a, requires_grad=True)
        y = leaf * 2.0
        if name == "index_put_" and m is ndgrad and not hasattr(ndgrad.Tensor, "index_put_"):
            ndgrad.index_put_(
                y, (ndgrad.tensor([0, 0]), ndgrad.tensor([1, 1])), ndgrad.tensor([1.0, 2.0]), True
            )
        else:
            fn(m, y)
        (y * m.tensor(a + 1)).sum().backward()
        results.append(leaf.grad.numpy())
    np.testing.assert_allclose(results[0], results[1])


def test_nonzero_argwhere() -> None:
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    x, tx = ndgrad.tensor(a), torch.tensor(a)
    assert ndgrad.nonzero(x).tolist() == torch.nonzero(tx).tolist()
    assert x.nonzero().dtype == ndgrad.int64
    assert [t.tolist() for t in x.nonzero(as_tuple=True)] == [
        t.tolist() for t in tx.nonzero(as_tuple=True)
    ]
    assert ndgrad.argwhere(x).tolist() == torch.argwhere(tx).tolist()
    assert tuple(ndgrad.nonzero(ndgrad.tensor(3.0)).shape) == tuple(
        torch.nonzero(torch.tensor(3.0)).shape
    )
    assert tuple(ndgrad.nonzero(ndgrad.zeros(0, 2)).shape) == (0, 2)
    assert [t.tolist() for t in ndgrad.where(x > 0)] == [t.tolist() for t in torch.where(tx > 0)]


def test_split_chunk_cat_details() -> None:
    x = ndgrad.arange(10.0)
    assert [p.shape[0] for p in x.split([3, 7])] == [3, 7]
    assert [p.shape[0] for p in x.chunk(4)] == [t.shape[0] for t in torch.arange(10.0).chunk(4)]
    assert [tuple(p.shape) for p in ndgrad.zeros(0, 2).chunk(3)] == [(0, 2)] * 3
    mixed = ndgrad.cat([ndgrad.tensor([1, 2]), ndgrad.tensor([0.5])])
    assert mixed.dtype == ndgrad.float32 and mixed.tolist() == [1.0, 2.0, 0.5]
    # only the pieces used get a gradient; the others count as zeros
    a = ndgrad.ones(4, 2, requires_grad=True)
    p, q = a.split(2)
    (q * 3).sum().backward()
    assert a.grad is not None and a.grad.tolist() == [[0.0, 0.0]] * 2 + [[3.0, 3.0]] * 2


# (expression, both libraries must raise the same exception type)
ERRORS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("int_out_of_range", lambda m, x: x[4]),
    ("neg_int_out_of_range", lambda m, x: x[:, -6]),
    ("array_out_of_range", lambda m, x: x[[0, 4]]),
    ("too_many_indices", lambda m, x: x[0, 0, 0, 0]),
    ("float_index", lambda m, x: x[m.tensor([0.0])]),
    ("int16_index", lambda m, x: x[m.tensor([0], dtype=m.int16)]),
    ("negative_step", lambda m, x: x[::-1]),
    ("mask_shape", lambda m, x: x[m.tensor([True, False])]),
    ("setitem_shape", lambda m, x: x.__setitem__(0, m.ones(4))),
    ("gather_out_of_range", lambda m, x: x.gather(0, m.tensor([[[4]]]))),
    ("gather_float_index", lambda m, x: x.gather(0, m.tensor([[[0.0]]]))),
    ("gather_ndim", lambda m, x: x.gather(0, m.tensor([0]))),
    ("index_select_range", lambda m, x: x.index_select(0, m.tensor([5]))),
    ("index_select_negative", lambda m, x: x.index_select(0, m.tensor([-1]))),
    (
        "index_add_range",
        lambda m, x: x.index_add(0, m.tensor([5]), m.ones(1, 5, 3, dtype=m.float64)),
    ),
    ("index_fill_range", lambda m, x: m.index_fill(x, 0, m.tensor([5]), 1.0)),
    ("index_select_2d", lambda m, x: x.index_select(1, m.tensor([[0]]))),
    ("take_range", lambda m, x: x.take(m.tensor([60]))),
    ("take_int32", lambda m, x: x.take(m.tensor([0], dtype=m.int32))),
    ("masked_fill_float_mask", lambda m, x: x.masked_fill(m.ones(3), 0.0)),
    ("masked_fill_1d_value", lambda m, x: x.masked_fill(m.ones(3, dtype=m.bool), m.ones(2))),
    ("select_range", lambda m, x: x.select(2, 3)),
    ("narrow_range", lambda m, x: x.narrow(0, 3, 2)),
    ("dim_out_of_range", lambda m, x: x.squeeze(3)),
    ("unsqueeze_range", lambda m, x: x.unsqueeze(5)),
    ("cat_sizes", lambda m, x: m.cat([x, x[:, :2, :2]], 0)),
    ("cat_empty_list", lambda m, x: m.cat([])),
    ("cat_0d", lambda m, x: m.cat([x[0, 0, 0], x[0, 0, 0]])),
    ("stack_sizes", lambda m, x: m.stack([x, x[:1]])),
    ("split_sizes", lambda m, x: x.split([1, 2], 0)),
    ("flatten_order", lambda m, x: x.flatten(2, 1)),
    ("unflatten_sizes", lambda m, x: x.unflatten(1, (2, 2))),
    ("reshape_size", lambda m, x: x.reshape(7, -1)),
    ("expand_size", lambda m, x: x.expand(2, 4, 4, 3)),
    ("repeat_short", lambda m, x: x.repeat(2, 2)),
    ("tril_1d", lambda m, x: x[0, 0].tril()),
    ("diagonal_same_dims", lambda m, x: x.diagonal(0, 1, 1)),
    ("unfold_size", lambda m, x: x.unfold(0, 5, 1)),
    ("pad_odd", lambda m, x: m.nn.functional.pad(x, (1,))),
    ("pad_too_long", lambda m, x: m.nn.functional.pad(x, (1,) * 8)),
    ("pad_reflect_too_big", lambda m, x: m.nn.functional.pad(x, (3, 3), mode="reflect")),
    ("pad_negative_size", lambda m, x: m.nn.functional.pad(x, (-2, -2))),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name: str, fn: Callable[[Any, Any], Any]) -> None:
    with pytest.raises(Exception) as theirs:
        fn(torch, torch.tensor(X))
    with pytest.raises(Exception) as ours:
        fn(ndgrad, ndgrad.tensor(X))
    assert type(ours.value) is type(theirs.value), (
        f"ndgrad: {ours.value!r}; torch: {theirs.value!r}"
    )


def test_classic_expression_matches_torch() -> None:
    if not hasattr(ndgrad.Tensor, "var"):
        pytest.skip("var comes from the reductions family")
    xn, yn = RNG.standard_normal((4, 5)), RNG.standard_normal((5, 3))
    outs = []
    for m in (ndgrad, torch):
        x, y = m.tensor(xn, requires_grad=True), m.tensor(yn, requires_grad=True)
        # as written, (x @ y) is 2-d and takes three indices: PyTorch raises IndexError, and so do
        # we
        with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
            (
                (x @ y).cos().mean((0, -1), keepdim=True)[:, [1, 1, 2, -1, 0, 0], None, :] * y
            ).swapaxes(0, 1).var()
        # with a leading dim the expression is valid: repeated and negative indices, None,
        # broadcasting
        z = (x @ y).cos().unsqueeze(0)
        out = (
            (z.mean((0, -1), keepdim=True)[:, [1, 1, 2, -1, 0, 0], None, :] * y)
            .swapaxes(0, 1)
            .var()
        )
        out.backward()
        outs.append((out.item(), x.grad.numpy(), y.grad.numpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-12)
    np.testing.assert_allclose(outs[0][1], outs[1][1], atol=1e-12)
    np.testing.assert_allclose(outs[0][2], outs[1][2], atol=1e-12)


def test_classic_expression_batched_inputs_match_torch() -> None:
    """The issue's expression verbatim, with 3-d inputs so that (x @ y) takes the three indices."""
    xn, yn = RNG.standard_normal((1, 4, 5)), RNG.standard_normal((1, 5, 3))
    outs = []
    for m in (ndgrad, torch):
        x, y = m.tensor(xn, requires_grad=True), m.tensor(yn, requires_grad=True)
        out = (
            ((x @ y).cos().mean((0, -1), keepdim=True)[:, [1, 1, 2, -1, 0, 0], None, :] * y)
            .swapaxes(0, 1)
            .var()
        )
        out.backward()
        outs.append((out.item(), x.grad.numpy(), y.grad.numpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-12)
    np.testing.assert_allclose(outs[0][1], outs[1][1], atol=1e-12)
    np.testing.assert_allclose(outs[0][2], outs[1][2], atol=1e-12)
