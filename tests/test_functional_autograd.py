"""autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) against torch.autograd.functional,
and gradcheck / gradgradcheck."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.autograd.functional as TF

import ndgrad
import ndgrad.autograd.functional as NF

RNG = np.random.default_rng(0)
X = RNG.standard_normal(3)
Y = RNG.standard_normal((2, 3))
V3 = RNG.standard_normal(3)
V23 = RNG.standard_normal((2, 3))


def nd(a: np.ndarray) -> ndgrad.Tensor:
    return ndgrad.tensor(a, dtype=ndgrad.float64)


def th(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.float64)


def assert_same(mine: Any, theirs: Any) -> None:
    """Equal structure (tensor / nested tuples) and values."""
    if isinstance(theirs, tuple):
        assert isinstance(mine, tuple) and len(mine) == len(theirs), (mine, theirs)
        for a, b in zip(mine, theirs, strict=True):
            assert_same(a, b)
        return
    assert isinstance(mine, ndgrad.Tensor), type(mine)
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-6, atol=1e-9)


def f_vec(lib: Any) -> Callable[..., Any]:
    return lambda x: x.exp() * x.sin() + x**2


def f_two_in_two_out(lib: Any) -> Callable[..., Any]:
    return lambda x, y: ((x * y).sum(0).tanh(), y.exp() * 2 + x)


def f_scalar(lib: Any) -> Callable[..., Any]:
    return lambda x: (x.sin() * x**3).sum() + x[0] * x[1] * x[2]


def f_scalar_two(lib: Any) -> Callable[..., Any]:
    return lambda x, y: (x * y).tanh().sum() + (y**2).sum() * x.sum()


def test_jacobian_single() -> None:
    assert_same(NF.jacobian(f_vec(ndgrad), nd(X)), TF.jacobian(f_vec(torch), th(X)))


def test_jacobian_tuples() -> None:
    mine = NF.jacobian(f_two_in_two_out(ndgrad), (nd(X), nd(Y)))
    theirs = TF.jacobian(f_two_in_two_out(torch), (th(X), th(Y)))
    assert_same(mine, theirs)
    mine = NF.jacobian(lambda x, y: (x * y).sum(0), (nd(X), nd(Y)))
    theirs = TF.jacobian(lambda x, y: (x * y).sum(0), (th(X), th(Y)))
    assert_same(mine, theirs)
    mine = NF.jacobian(lambda x: (x * 2, x.sum()), nd(X))
    theirs = TF.jacobian(lambda x: (x * 2, x.sum()), th(X))
    assert_same(mine, theirs)


def test_jacobian_unused_input_and_strict() -> None:
    mine = NF.jacobian(lambda x, y: x * 2, (nd(X), nd(V3)))
    theirs = TF.jacobian(lambda x, y: x * 2, (th(X), th(V3)))
    assert_same(mine, theirs)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        NF.jacobian(lambda x, y: x * 2, (nd(X), nd(V3)), strict=True)


def test_jacobian_create_graph() -> None:
    x, tx = nd(X).requires_grad_(), th(X).requires_grad_()
    J = NF.jacobian(lambda t: t**3, x, create_graph=True)
    tJ = TF.jacobian(lambda t: t**3, tx, create_graph=True)
    assert J.requires_grad
    (J * J).sum().backward()
    (tJ * tJ).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    assert not NF.jacobian(lambda t: t**3, x).requires_grad


def test_hessian() -> None:
    assert_same(NF.hessian(f_scalar(ndgrad), nd(X)), TF.hessian(f_scalar(torch), th(X)))
    mine = NF.hessian(f_scalar_two(ndgrad), (nd(X), nd(V3)))
    theirs = TF.hessian(f_scalar_two(torch), (th(X), th(V3)))
    assert_same(mine, theirs)
    with pytest.raises(RuntimeError, match="single element"):
        NF.hessian(lambda x: x * 2, nd(X))


def test_vjp() -> None:
    mine = NF.vjp(f_vec(ndgrad), nd(X), nd(V3))
    theirs = TF.vjp(f_vec(torch), th(X), th(V3))
    assert_same(mine, theirs)
    mine = NF.vjp(f_two_in_two_out(ndgrad), (nd(X), nd(Y)), (nd(V3), nd(V23)))
    theirs = TF.vjp(f_two_in_two_out(torch), (th(X), th(Y)), (th(V3), th(V23)))
    assert_same(mine, theirs)
    assert_same(NF.vjp(f_scalar(ndgrad), nd(X)), TF.vjp(f_scalar(torch), th(X)))
    with pytest.raises(RuntimeError, match="v can only be None"):
        NF.vjp(f_vec(ndgrad), nd(X))


def test_jvp() -> None:
    mine = NF.jvp(f_vec(ndgrad), nd(X), nd(V3))
    theirs = TF.jvp(f_vec(torch), th(X), th(V3))
    assert_same(mine, theirs)
    mine = NF.jvp(f_two_in_two_out(ndgrad), (nd(X), nd(Y)), (nd(V3), nd(V23)))
    theirs = TF.jvp(f_two_in_two_out(torch), (th(X), th(Y)), (th(V3), th(V23)))
    assert_same(mine, theirs)


def test_hvp_and_vhp() -> None:
    for name in ("hvp", "vhp"):
        mine = getattr(NF, name)(f_scalar(ndgrad), nd(X), nd(V3))
        theirs = getattr(TF, name)(f_scalar(torch), th(X), th(V3))
        assert_same(mine, theirs)
        mine = getattr(NF, name)(f_scalar_two(ndgrad), (nd(X), nd(V3)), (nd(V3), nd(X)))
        theirs = getattr(TF, name)(f_scalar_two(torch), (th(X), th(V3)), (th(V3), th(X)))
        assert_same(mine, theirs)


def test_functional_accepts_torch_keyword_arguments() -> None:
    NF.jacobian(
        f_vec(ndgrad),
        nd(X),
        create_graph=False,
        strict=False,
        vectorize=True,
        strategy="reverse-mode",
    )
    NF.hessian(f_scalar(ndgrad), nd(X), vectorize=True, outer_jacobian_strategy="reverse-mode")
    out, res = NF.vjp(f_vec(ndgrad), nd(X), nd(V3), create_graph=True, strict=True)
    assert res.requires_grad


# -- gradcheck --------------------------------------------------------------------------------


def test_gradcheck_passes_on_correct_gradients() -> None:
    x = nd(X).requires_grad_()
    y = nd(Y).requires_grad_()
    assert ndgrad.autograd.gradcheck(lambda a, b: (a * b).sin() + b.exp() / (1 + a * a), (x, y))
    assert ndgrad.autograd.gradcheck(lambda a: a.tanh(), x, eps=1e-6, atol=1e-5, rtol=1e-3)
    assert ndgrad.autograd.gradcheck(lambda a, k: a**k, (x, 3))  # a non-tensor argument


def test_gradgradcheck() -> None:
    x = nd(X).requires_grad_()
    assert ndgrad.autograd.gradgradcheck(lambda a: a.sin() * a.exp(), (x,))
    assert ndgrad.autograd.gradgradcheck(
        lambda a: (a**3).sum(), (x,), grad_outputs=nd(np.array(2.0)).requires_grad_()
    )


class WrongGrad(ndgrad.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):  # type: ignore[no-untyped-def, override]
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):  # type: ignore[no-untyped-def, override]
        a, b = ctx.saved_tensors
        return grad * b, grad * a * 1.1  # wrong for b


def test_gradcheck_reports_the_input_and_error() -> None:
    x, y = nd(X).requires_grad_(), nd(V3).requires_grad_()
    with pytest.raises(
        RuntimeError, match=r"Jacobian mismatch for output 0 with respect to input 1[\s\S]*max abs"
    ):
        ndgrad.autograd.gradcheck(WrongGrad.apply, (x, y))
    assert ndgrad.autograd.gradcheck(WrongGrad.apply, (x, y), raise_exception=False) is False


class WrongSecond(ndgrad.autograd.Function):
    """Right first derivative of x^3, wrong second one (backward not differentiable correctly)."""

    @staticmethod
    def forward(ctx, a):  # type: ignore[no-untyped-def, override]
        ctx.save_for_backward(a)
        return a**3

    @staticmethod
    def backward(ctx, grad):  # type: ignore[no-untyped-def, override]
        (a,) = ctx.saved_tensors
        return grad * 3 * a.detach() ** 2  # detached: the second derivative is lost


def test_gradgradcheck_catches_wrong_second_derivative() -> None:
    x = nd(X).requires_grad_()
    assert ndgrad.autograd.gradcheck(WrongSecond.apply, (x,))
    assert ndgrad.autograd.gradgradcheck(WrongSecond.apply, (x,), raise_exception=False) is False


def test_gradcheck_needs_an_input_requiring_grad() -> None:
    with pytest.raises(ValueError, match="require"):
        ndgrad.autograd.gradcheck(lambda a: a * 2, (nd(X),))
