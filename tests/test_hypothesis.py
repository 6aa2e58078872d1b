"""Property tests: Hypothesis draws shapes (broadcastable pairs, reduction dims) and the results and
gradients of ndgrad must match PyTorch's for every draw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ndgrad

SETTINGS = settings(max_examples=25, deadline=None)


def _np(t: Any) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach().array)


def _compare(fn: Callable[..., Any], arrays: list[np.ndarray], seed: int) -> None:
    """Values, and gradients for a random upstream gradient, of fn(lib, *tensors) vs PyTorch."""
    results = []
    for lib in (torch, ndgrad):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *xs)
        up = np.random.default_rng(seed).standard_normal(tuple(out.shape))
        grads = lib.autograd.grad(out, xs, lib.tensor(up), allow_unused=True)
        results.append((out, grads))
    (t_out, t_grads), (n_out, n_grads) = results
    assert tuple(n_out.shape) == tuple(t_out.shape)
    np.testing.assert_allclose(_np(n_out), _np(t_out), rtol=1e-9, atol=1e-12)
    for a, tg, ng in zip(arrays, t_grads, n_grads):
        expected = np.zeros(a.shape) if tg is None else _np(tg)
        got = np.zeros(a.shape) if ng is None else _np(ng)
        assert got.shape == a.shape
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


# -- elementwise binary ops on broadcastable shapes --------------------------------------------

BINARY: dict[str, Callable[..., Any]] = {
    "add": lambda m, x, y: x + y,
    "sub": lambda m, x, y: m.sub(x, y, alpha=2),
    "mul": lambda m, x, y: x * y,
    "div": lambda m, x, y: x / y,
    "maximum": lambda m, x, y: m.maximum(x, y),
    "where": lambda m, x, y: m.where(x > 0, x, y),
}


@SETTINGS
@given(
    op=st.sampled_from(sorted(BINARY)),
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    seed=st.integers(0, 2**16),
)
def test_binary_broadcasting(op: str, shapes: Any, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = (
        np.asarray(rng.uniform(0.5, 2.0, s) * rng.choice([-1.0, 1.0], s))
        for s in shapes.input_shapes
    )
    _compare(BINARY[op], [a, b], seed + 1)


# -- reductions over drawn dims --------------------------------------------------------------


@st.composite
def _shape_and_dims(draw: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A shape and a non-empty tuple of distinct dims of it, each maybe negative."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    n = len(shape)
    dims = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    flips = draw(st.lists(st.booleans(), min_size=len(dims), max_size=len(dims)))
    return shape, tuple(d - n if f else d for d, f in zip(dims, flips))


REDUCTIONS: dict[str, Callable[..., Any]] = {
    "sum": lambda m, x, dims, keep: m.sum(x, dims, keepdim=keep),
    "mean": lambda m, x, dims, keep: x.mean(dims, keepdim=keep),
    "amax": lambda m, x, dims, keep: m.amax(x, dims, keepdim=keep),
    "logsumexp": lambda m, x, dims, keep: m.logsumexp(x, dims, keepdim=keep),
    "var": lambda m, x, dims, keep: m.var(x, dims, keepdim=keep, correction=0),
    "var_unbiased": lambda m, x, dims, keep: x.var(dims, keepdim=keep),
    "softmax": lambda m, x, dims, keep: m.softmax(x, dims[0]),
    "log_softmax": lambda m, x, dims, keep: m.log_softmax(x, dims[0]),
}


@SETTINGS
@given(
    op=st.sampled_from(sorted(REDUCTIONS)),
    shape_dims=_shape_and_dims(),
    keepdim=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_reductions(op: str, shape_dims: Any, keepdim: bool, seed: int) -> None:
    shape, dims = shape_dims
    if op == "var_unbiased":  # needs two elements per reduction
        assume(int(np.prod([shape[d] for d in dims])) > 1)
    x = np.random.default_rng(seed).uniform(-3.0, 3.0, shape)
    _compare(lambda m, t: REDUCTIONS[op](m, t, dims, keepdim), [x], seed + 1)


@SETTINGS
@given(
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
    seed=st.integers(0, 2**16),
)
def test_full_reductions(shape: tuple[int, ...], seed: int) -> None:
    x = np.asarray(np.random.default_rng(seed).uniform(-3.0, 3.0, shape))
    _compare(lambda m, t: t.sum() + t.mean() * t.amax() + t.norm(), [x], seed + 1)
