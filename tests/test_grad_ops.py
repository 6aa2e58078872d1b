"""Gradients that are ops of their own (CrossEntropyGrad, StandardizeGrad) and first-order-only ops.

A fused op's fast gradient is itself an op whose backward is written in Tensor ops, so second and
third derivatives come out of the same code path as the first; these check them against finite
differences (gradgradcheck) and against the same function composed of plain ops. Ops whose
backward is first order only are marked ``once_differentiable``: ``create_graph=True`` raises.
"""

from __future__ import annotations

import numpy as np
import pytest

import ndgrad
import ndgrad.nn.functional as F
from ndgrad.autograd import Function, gradcheck, gradgradcheck
from ndgrad.autograd.function import once_differentiable


def _t(*shape: int) -> ndgrad.Tensor:
    return ndgrad.randn(*shape, dtype=ndgrad.float64, requires_grad=True)


NORMS = {
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (5,), w, b), ((4, 5), (5,), (5,))),
    "layer_norm_2d": (lambda x, w, b: F.layer_norm(x, (3, 2), w, b), ((2, 3, 2), (3, 2), (3, 2))),
    "batch_norm": (
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        ((4, 3, 2), (3,), (3,)),
    ),
    "batch_norm_1d": (
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        ((6, 3), (3,), (3,)),
    ),
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), ((3, 4, 3), (4,), (4,))),
    "instance_norm": (
        lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
        ((2, 3, 4), (3,), (3,)),
    ),
}


@pytest.mark.parametrize("name", list(NORMS))
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_standardize_grad_second_order(name: str, affine: str) -> None:
    ndgrad.manual_seed(0)
    fn, shapes = NORMS[name]
    x, w, b = (_t(*s) for s in shapes)
    if affine == "both":
        inputs: tuple[ndgrad.Tensor, ...] = (x, w, b)
        f = fn
    elif affine == "weight":
        inputs = (x, w)
        f = lambda x, w: fn(x, w, None)  # noqa: E731
    else:
        inputs = (x,)
        f = lambda x: fn(x, None, None)  # noqa: E731
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


def _third_derivative(f, x: ndgrad.Tensor) -> np.ndarray:
    (g,) = ndgrad.autograd.grad(f(x).pow(3).sum(), x, create_graph=True)
    (gg,) = ndgrad.autograd.grad((g * g).sum(), x, create_graph=True)
    (ggg,) = ndgrad.autograd.grad((gg * x).sum(), x)
    return ggg.numpy()


def test_layer_norm_third_order_matches_composition() -> None:
    ndgrad.manual_seed(1)
    x = _t(3, 4)
    w = ndgrad.randn(4, dtype=ndgrad.float64)

    def composed(x: ndgrad.Tensor) -> ndgrad.Tensor:
        xc = x - x.mean(-1, keepdim=True)
        return xc / ((xc * xc).mean(-1, keepdim=True) + 1e-5).sqrt() * w

    fused = _third_derivative(lambda x: F.layer_norm(x, (4,), w), x)
    np.testing.assert_allclose(fused, _third_derivative(composed, x), rtol=1e-7, atol=1e-9)


CROSS_ENTROPY = [
    {},
    {"weight": True},
    {"label_smoothing": 0.2},
    {"weight": True, "label_smoothing": 0.1, "ignore_index": 0},
    {"reduction": "none"},
    {"ignore_index": 3, "reduction": "sum"},
]


@pytest.mark.parametrize("kwargs", CROSS_ENTROPY, ids=str)
def test_cross_entropy_grad_second_order(kwargs: dict) -> None:
    ndgrad.manual_seed(2)
    kwargs = dict(kwargs)
    if kwargs.pop("weight", False):
        kwargs["weight"] = ndgrad.rand(4, dtype=ndgrad.float64) + 0.5
    target = ndgrad.tensor([1, 0, 3, 2])

    def f(x: ndgrad.Tensor) -> ndgrad.Tensor:
        return F.cross_entropy(x, target, **kwargs)

    assert gradcheck(f, (_t(4, 4),))
    assert gradgradcheck(f, (_t(4, 4),))


def test_cross_entropy_grad_spatial_and_third_order() -> None:
    ndgrad.manual_seed(3)
    target = ndgrad.randint(0, 3, (2, 2, 2))

    def f(x: ndgrad.Tensor) -> ndgrad.Tensor:
        return F.cross_entropy(x, target, label_smoothing=0.1)

    x = _t(2, 3, 2, 2)
    assert gradgradcheck(f, (x,))

    def composed(x: ndgrad.Tensor) -> ndgrad.Tensor:
        logp = F.log_softmax(x, 1)
        picked = logp.gather(1, target.unsqueeze(1)).squeeze(1)
        return -(0.9 * picked + 0.1 / 3 * logp.sum(1)).mean()

    np.testing.assert_allclose(
        _third_derivative(lambda x: f(x).reshape(1), x),
        _third_derivative(lambda x: composed(x).reshape(1), x),
        rtol=1e-7,
        atol=1e-9,
    )


def _ctc_loss(lp: ndgrad.Tensor) -> ndgrad.Tensor:
    targets = ndgrad.tensor([[1, 2]])
    return F.ctc_loss(lp.log_softmax(2), targets, ndgrad.tensor([5]), ndgrad.tensor([2]))


FIRST_ORDER_ONLY = {
    "ctc_loss": (_ctc_loss, (5, 1, 3)),
    "svdvals": (lambda a: ndgrad.linalg.svdvals(a).sum(), (3, 3)),
    "det_singular": (lambda a: (a * ndgrad.tensor([1.0, 1.0, 0.0])).det(), (3, 3)),
}


@pytest.mark.parametrize("name", list(FIRST_ORDER_ONLY))
def test_once_differentiable_ops_refuse_create_graph(name: str) -> None:
    fn, shape = FIRST_ORDER_ONLY[name]
    x = _t(*shape)
    (g,) = ndgrad.autograd.grad(fn(x), x)  # first order works
    assert g.shape == x.shape and bool(ndgrad.isfinite(g).all())
    with pytest.raises(RuntimeError, match="once_differentiable"):
        ndgrad.autograd.grad(fn(x), x, create_graph=True)


def test_once_differentiable_on_a_user_function() -> None:
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x.detach() ** 2

    x = ndgrad.tensor(2.0, requires_grad=True)
    Cube.apply(x).backward()
    assert x.grad.item() == 12.0
    with pytest.raises(RuntimeError, match="CubeBackward0: trying to differentiate twice"):
        ndgrad.autograd.grad(Cube.apply(x), x, create_graph=True)


def test_saved_options_come_back_as_they_are() -> None:
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, factor, dims):
            ctx.save_for_backward(x, factor, dims)
            return x * factor

        @staticmethod
        def backward(ctx, grad):
            x, factor, dims = ctx.saved_tensors
            assert factor == 2.5 and dims == (0, 1)
            return grad * factor, None, None

    x = ndgrad.ones(2, 2, requires_grad=True)
    Scale.apply(x, 2.5, (0, 1)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 2), 2.5))


def test_a_named_tensor_makes_no_reference_cycle() -> None:
    import gc
    import weakref

    a = ndgrad.tensor(2.0, requires_grad=True)
    d = a * 3
    d.label = "d"
    alive = weakref.ref(d)
    node = d.grad_fn
    assert node._viz_tensor is d
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        del d
        assert alive() is None  # freed by reference counting alone
    finally:
        if was_enabled:
            gc.enable()
    stand_in = node._viz_tensor  # the drawing keeps the name and the data
    assert stand_in.label == "d" and stand_in.item() == 6.0
