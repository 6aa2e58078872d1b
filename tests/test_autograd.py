"""Autograd behaviour against PyTorch: backward's arguments, accumulation, graph freeing, hooks,
grad modes, in-place ops and version counters, custom Functions, higher-order gradients."""

from __future__ import annotations

import gc
import time
import weakref
from typing import Any

import numpy as np
import pytest
import torch

import ndgrad
from ndgrad.autograd import Function


def both(
    values: object, requires_grad: bool = True, dtype: str = "float64"
) -> tuple[ndgrad.Tensor, torch.Tensor]:
    a = ndgrad.tensor(values, dtype=getattr(ndgrad, dtype), requires_grad=requires_grad)
    b = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=requires_grad)
    return a, b


def close(a: ndgrad.Tensor | None, b: torch.Tensor | None, atol: float = 1e-6) -> None:
    assert (a is None) == (b is None), (a, b)
    if a is not None and b is not None:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=atol)


# -- the classic examples --------------------------------------------------------------------


def test_classic_expression_vs_torch() -> None:
    rng = np.random.default_rng(0)
    vals = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(3)]
    x = [ndgrad.tensor(v, requires_grad=True) for v in vals]
    tx = [torch.tensor(v, requires_grad=True) for v in vals]
    y = x[0] ** 2 + 4 * x[1] + x[2] + 10
    ty = tx[0] ** 2 + 4 * tx[1] + tx[2] + 10
    y.backward(ndgrad.ones_like(y))
    ty.backward(torch.ones_like(ty))
    close(y, ty)
    for a, b in zip(x, tx, strict=True):
        close(a.grad, b.grad)


def test_classic_scalar_graph_vs_torch() -> None:
    for values in [(2.0, -3.0, 10.0), (2.0, 3.0, -10.0)]:
        a, b, c = (ndgrad.tensor(v, requires_grad=True) for v in values)
        ta, tb, tc = (torch.tensor(v, requires_grad=True) for v in values)
        d = a * b + c
        e = d.relu()
        td = ta * tb + tc
        te = td.relu()
        e.backward()
        te.backward()
        close(e, te)
        for mine, theirs in ((a, ta), (b, tb), (c, tc)):
            close(mine.grad, theirs.grad)
        assert e.shape == () and repr(e.grad_fn) == "<ReluBackward0>"


def test_micrograd_style_expression_vs_torch() -> None:
    def f(lib: object, a: object, b: object) -> object:
        c = a + b
        d = a * b + b**3
        c = c + c + 1
        c = c + 1 + c + (-a)
        d = d + d * 2 + (b + a).relu()
        d = d + 3 * d + (b - a).relu()
        e = c - d
        f = e**2
        g = f / 2.0
        g = g + 10.0 / f
        return g

    a, ta = both(-4.0)
    b, tb = both(2.0)
    g, tg = f(ndgrad, a, b), f(torch, ta, tb)
    g.backward()  # type: ignore[attr-defined]
    tg.backward()  # type: ignore[attr-defined]
    close(g, tg)  # type: ignore[arg-type]
    close(a.grad, ta.grad)
    close(b.grad, tb.grad)


# -- backward's arguments --------------------------------------------------------------------


def test_backward_with_gradient_argument() -> None:
    x, tx = both([[1.0, 2.0], [3.0, 4.0]])
    (x * x).backward(ndgrad.tensor([[1.0, 0.5], [0.0, 2.0]], dtype=ndgrad.float64))
    (tx * tx).backward(torch.tensor([[1.0, 0.5], [0.0, 2.0]], dtype=torch.float64))
    close(x.grad, tx.grad)


def test_non_scalar_root_needs_gradient() -> None:
    x = ndgrad.ones(3, requires_grad=True)
    with pytest.raises(
        RuntimeError, match="grad can be implicitly created only for scalar outputs"
    ):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(ndgrad.ones(2))
    with pytest.raises(RuntimeError, match="does not require grad"):
        ndgrad.ones(2).sum().backward()


def test_grads_accumulate_and_reset() -> None:
    x = ndgrad.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0]
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_shared_leaf_gradient_arrays_are_not_aliased() -> None:
    a = ndgrad.ones(2, requires_grad=True)
    b = ndgrad.ones(2, requires_grad=True)
    (a + b).sum().backward()
    a.grad.mul_(5)
    assert b.grad.tolist() == [1.0, 1.0]


def test_backward_inputs_argument() -> None:
    x, tx = both([1.0, 2.0])
    y, ty = both([3.0, 4.0])
    (x * y).sum().backward(inputs=[x])
    (tx * ty).sum().backward(inputs=[tx])
    close(x.grad, tx.grad)
    assert y.grad is None and ty.grad is None


def test_long_chain_is_iterative_and_fast() -> None:
    x = ndgrad.tensor(1.0, requires_grad=True)
    t0 = time.process_time()  # CPU time: a loaded test machine does not inflate it as wall time
    y = x
    for _ in range(100_000):
        y = y + 1
    y.backward()
    elapsed = time.process_time() - t0
    assert x.grad.item() == 1.0 and y.item() == 100_001.0
    assert elapsed < 5.0, f"100,000-op chain took {elapsed:.1f} s of CPU time"


# -- graph freeing ----------------------------------------------------------------------------


def test_second_backward_raises_unless_retained() -> None:
    x = ndgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_saved_arrays_are_freed_after_backward() -> None:
    x = ndgrad.ones(1000, requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    node = y.grad_fn
    seen = []
    stack = [node]
    while stack:
        n = stack.pop()
        seen.append(n)
        stack += [
            e[0] for e in n.next_functions if e is not None and not isinstance(e[0], ndgrad.Tensor)
        ]
    holders = [n for n in seen if any(hasattr(s, "dtype") for s in n._saved or ())]
    assert holders  # exp and mul saved arrays (sum saved only its options)
    y.backward()
    assert all(n._saved is None for n in holders)


def test_graph_is_freed_by_refcounting() -> None:
    x = ndgrad.ones(3, requires_grad=True)
    y = (x.exp() * 2).sum()
    ref = weakref.ref(y.grad_fn)
    del y
    gc.disable()
    try:
        assert ref() is None
    finally:
        gc.enable()


def test_intermediate_grads_only_with_retain_grad() -> None:
    x, tx = both([1.0, 2.0])
    y, ty = x * 2, tx * 2
    z, tz = y * y, ty * ty
    y.retain_grad()
    ty.retain_grad()
    z.sum().backward()
    tz.sum().backward()
    close(y.grad, ty.grad)
    assert z.grad is None and y.retains_grad and not z.retains_grad
    assert x.is_leaf and not y.is_leaf


# -- autograd.grad ---------------------------------------------------------------------------


def test_autograd_grad_arguments_vs_torch() -> None:
    x, tx = both([0.5, 1.5, -2.0])
    w, tw = both([1.0, 2.0, 3.0])
    y, ty = (x.sin() * w), (tx.sin() * tw)
    v, tv = both([1.0, -1.0, 0.5], requires_grad=False)
    gx, gw = ndgrad.autograd.grad(y, [x, w], grad_outputs=v, retain_graph=True)
    tgx, tgw = torch.autograd.grad(ty, [tx, tw], grad_outputs=tv, retain_graph=True)
    close(gx, tgx)
    close(gw, tgw)
    assert x.grad is None and not gx.requires_grad
    unused = ndgrad.ones(1, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        ndgrad.autograd.grad(y.sum(), [x, unused], retain_graph=True)
    g1, g2 = ndgrad.autograd.grad(y.sum(), [x, unused], allow_unused=True)
    assert g2 is None
    close(g1, torch.autograd.grad(ty.sum(), tx)[0])


def test_autograd_grad_wrt_intermediate() -> None:
    x, tx = both([1.0, 2.0])
    h, th = x * 3, tx * 3
    y, ty = (h**2).sum(), (th**2).sum()
    (g,) = ndgrad.autograd.grad(y, h)
    (tg,) = torch.autograd.grad(ty, th)
    close(g, tg)


def test_hessian_vector_product_with_create_graph() -> None:
    x, tx = both([0.5, -1.0, 2.0])
    v, tv = both([1.0, 0.5, -2.0], requires_grad=False)

    def f(lib: object, t: object) -> object:
        return (t**3).sum() + (t[0] * t[1] * t[2]) + t.exp().sum()  # type: ignore[attr-defined]

    (g,) = ndgrad.autograd.grad(f(ndgrad, x), x, create_graph=True)
    (tg,) = torch.autograd.grad(f(torch, tx), tx, create_graph=True)
    assert g.requires_grad
    (hv,) = ndgrad.autograd.grad(g, x, grad_outputs=v)
    (thv,) = torch.autograd.grad(tg, tx, grad_outputs=tv)
    close(hv, thv)


def test_third_derivative() -> None:
    x, tx = both(1.3)
    y, ty = x.sin() * x**2, tx.sin() * tx**2
    for _ in range(3):
        (y,) = ndgrad.autograd.grad(y, x, create_graph=True)
        (ty,) = torch.autograd.grad(ty, tx, create_graph=True)
        close(y, ty)


def test_gradient_penalty() -> None:
    rng = np.random.default_rng(1)
    wv, xv = rng.standard_normal((3, 4)), rng.standard_normal((5, 3))
    w, tw = ndgrad.tensor(wv, requires_grad=True), torch.tensor(wv, requires_grad=True)
    x, tx = ndgrad.tensor(xv, requires_grad=True), torch.tensor(xv, requires_grad=True)
    out, tout = (x @ w).tanh().sum(), (tx @ tw).tanh().sum()
    (gx,) = ndgrad.autograd.grad(out, x, create_graph=True)
    (tgx,) = torch.autograd.grad(tout, tx, create_graph=True)
    penalty, tpenalty = ((gx * gx).sum(1) - 1).pow(2).mean(), ((tgx * tgx).sum(1) - 1).pow(2).mean()
    penalty.backward()
    tpenalty.backward()
    close(penalty, tpenalty)
    close(w.grad, tw.grad)


def test_backward_create_graph_gives_differentiable_grad() -> None:
    x, tx = both([1.0, 2.0])
    (x**3).sum().backward(create_graph=True)
    (tx**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    gx, tgx = x.grad, tx.grad
    x.grad, tx.grad = None, None
    gx.sum().backward()
    tgx.sum().backward()
    close(x.grad, tx.grad)


# -- grad modes ------------------------------------------------------------------------------


def test_grad_modes_as_context_managers_and_decorators() -> None:
    x = ndgrad.ones(2, requires_grad=True)
    with ndgrad.no_grad():
        assert not (x * 2).requires_grad and not ndgrad.is_grad_enabled()
        with ndgrad.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert ndgrad.is_grad_enabled()
    with ndgrad.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    with ndgrad.inference_mode():
        assert not (x * 2).requires_grad
    with ndgrad.inference_mode(False):
        assert (x * 2).requires_grad

    @ndgrad.no_grad()
    def f1(t: ndgrad.Tensor) -> ndgrad.Tensor:
        return t * 2

    @ndgrad.enable_grad()
    def f2(t: ndgrad.Tensor) -> ndgrad.Tensor:
        return t * 2

    @ndgrad.inference_mode()
    def f3(t: ndgrad.Tensor) -> ndgrad.Tensor:
        return t * 2

    @ndgrad.set_grad_enabled(False)
    def f4(t: ndgrad.Tensor) -> ndgrad.Tensor:
        return t * 2

    assert ndgrad.is_grad_enabled()
    assert not f1(x).requires_grad and not f3(x).requires_grad and not f4(x).requires_grad
    with ndgrad.no_grad():
        assert f2(x).requires_grad
    ndgrad.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    ndgrad.set_grad_enabled(True)
    assert (x * 2).requires_grad
    assert ndgrad.autograd.no_grad is ndgrad.no_grad


def test_grad_mode_restored_after_exception() -> None:
    with pytest.raises(ValueError):
        with ndgrad.no_grad():
            raise ValueError
    assert ndgrad.is_grad_enabled()


# -- detach, requires_grad_, hooks -----------------------------------------------------------


def test_detach_and_requires_grad() -> None:
    x = ndgrad.ones(2, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.array is y.array
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad
    z = ndgrad.ones(2).requires_grad_()
    assert z.requires_grad and z.is_leaf
    with pytest.raises(RuntimeError, match="leaf variables"):
        (x * 2).requires_grad_(False)


def test_hooks_on_leaf_and_non_leaf() -> None:
    x, tx = both([1.0, 2.0])
    calls: list[str] = []
    hx = x.register_hook(lambda g: (calls.append("x"), g * 2)[1])
    tx.register_hook(lambda g: g * 2)
    y, ty = x * 3, tx * 3
    y.register_hook(lambda g: (calls.append("y"), g + 1)[1])
    ty.register_hook(lambda g: g + 1)
    y.sum().backward()
    ty.sum().backward()
    close(x.grad, tx.grad)
    assert calls == ["y", "x"]
    hx.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    observed: list[ndgrad.Tensor] = []
    x.register_hook(lambda g: observed.append(g))  # returning None keeps the gradient
    x.grad = None
    (x * 5).sum().backward()
    assert observed[0].tolist() == [5.0, 5.0] and x.grad.tolist() == [5.0, 5.0]
    with pytest.raises(RuntimeError):
        ndgrad.ones(2).register_hook(lambda g: g)


# -- in-place ops and version counters -------------------------------------------------------


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a.add_(b),
        lambda a, b: a.sub_(b, alpha=2),
        lambda a, b: a.mul_(b),
        lambda a, b: a.div_(b),
        lambda a, b: a.clamp_(-0.5, 0.5),
        lambda a, b: a.zero_(),
        lambda a, b: a.fill_(2.0),
        lambda a, b: a.copy_(b),
        lambda a, b: a.exp_(),
        lambda a, b: a.pow_(2),
    ],
)
def test_inplace_ops_gradients_vs_torch(op: object) -> None:
    xv, bv = [0.3, -1.2, 2.0], [1.5, 0.5, -2.0]
    x, tx = both(xv)
    b, tb = both(bv)
    a, ta = x * 1, tx * 1
    r, tr = op(a, b), op(ta, tb)  # type: ignore[operator]
    assert r is a and tr is ta
    (a * a).sum().backward()
    (ta * ta).sum().backward()
    close(a, ta)
    close(x.grad, tx.grad)
    close(b.grad, tb.grad)


def test_augmented_assignment_is_in_place() -> None:
    x, tx = both([1.0, 2.0])
    a, ta = x * 2, tx * 2
    data = a.array
    a += 1
    ta += 1
    a *= x
    ta *= tx
    a -= 0.5
    ta -= 0.5
    a /= 2
    ta /= 2
    assert a.array is data and a._version == 4
    a.sum().backward()
    ta.sum().backward()
    close(a, ta)
    close(x.grad, tx.grad)


def test_modified_saved_tensor_raises_at_backward() -> None:
    x = ndgrad.ones(3, requires_grad=True)
    a = x * 1
    y = a * a  # saves a
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    tx = torch.ones(3, requires_grad=True)
    ta = tx * 1
    ty = ta * ta
    ta.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.sum().backward()


def test_modifying_an_unsaved_tensor_is_fine() -> None:
    x = ndgrad.ones(3, requires_grad=True)
    a = x * 1
    y = a + 2  # add saves nothing
    a.mul_(10)
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_inplace_on_leaf_requiring_grad_raises() -> None:
    x = ndgrad.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x += 1
    with ndgrad.no_grad():
        x.add_(1)  # allowed: this is how optimizers update parameters
    assert x.tolist() == [2.0, 2.0, 2.0] and x.is_leaf


def test_version_counter_shared_with_detached_views() -> None:
    x = ndgrad.ones(3)
    d = x.detach()
    d.add_(1)
    assert x._version == d._version == 1 and x.tolist() == [2.0, 2.0, 2.0]


def test_setitem_and_masked_fill_in_place() -> None:
    x, tx = both([1.0, 2.0, 3.0])
    a, ta = x * 2, tx * 2
    a[0] = 5.0
    ta[0] = 5.0
    a.masked_fill_(ndgrad.tensor([False, True, False]), 0.0)
    ta.masked_fill_(torch.tensor([False, True, False]), 0.0)
    (a * a).sum().backward()
    (ta * ta).sum().backward()
    close(a, ta)
    close(x.grad, tx.grad)


# -- custom Functions ------------------------------------------------------------------------


class ScaledCube(Function):
    @staticmethod
    def forward(ctx, x, k):  # type: ignore[no-untyped-def, override]
        ctx.save_for_backward(x)
        ctx.k = k
        return x**3 * k

    @staticmethod
    def backward(ctx, grad):  # type: ignore[no-untyped-def, override]
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2 * ctx.k, None


class SplitSum(Function):
    """Two outputs: x + y and x * y."""

    @staticmethod
    def forward(ctx, x, y):  # type: ignore[no-untyped-def, override]
        ctx.save_for_backward(x, y)
        return x + y, x * y

    @staticmethod
    def backward(ctx, g_sum, g_prod):  # type: ignore[no-untyped-def, override]
        x, y = ctx.saved_tensors
        gx = g_sum + g_prod * y if ctx.needs_input_grad[0] else None
        gy = g_sum + g_prod * x if ctx.needs_input_grad[1] else None
        return gx, gy


def test_custom_function_with_non_tensor_argument() -> None:
    x = ndgrad.tensor([1.0, 2.0], requires_grad=True)
    y = ScaledCube.apply(x, 2.0)
    assert repr(y.grad_fn) == "<ScaledCubeBackward0>"
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 24.0]
    (g,) = ndgrad.autograd.grad(ScaledCube.apply(x, 1.0).sum(), x, create_graph=True)
    (gg,) = ndgrad.autograd.grad(g.sum(), x)
    assert gg.tolist() == [6.0, 12.0]  # the backward is differentiable


def test_custom_function_multiple_outputs_and_needs_input_grad() -> None:
    x = ndgrad.tensor([1.0, 2.0], requires_grad=True)
    y = ndgrad.tensor([3.0, 4.0])
    s, p = SplitSum.apply(x, y)
    assert s.grad_fn is p.grad_fn and s.requires_grad and p.requires_grad
    (s.sum() + 2 * p.sum()).backward()
    assert x.grad.tolist() == [7.0, 9.0] and y.grad is None
    x.grad = None
    s, p = SplitSum.apply(x, y)
    p.sum().backward()  # s gets no gradient: backward receives zeros for it
    assert x.grad.tolist() == [3.0, 4.0]


def test_custom_function_saved_tensors_freed() -> None:
    x = ndgrad.tensor([1.0], requires_grad=True)
    y = ScaledCube.apply(x, 1.0)
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_custom_function_under_no_grad() -> None:
    x = ndgrad.tensor([1.0], requires_grad=True)
    with ndgrad.no_grad():
        y = ScaledCube.apply(x, 1.0)
    assert not y.requires_grad and y.grad_fn is None


# -- anomaly detection -----------------------------------------------------------------------


def test_detect_anomaly_names_the_op() -> None:
    x = ndgrad.tensor([0.0, 1.0], requires_grad=True)
    y = (x * 0).log() * 0  # backward: 0 * (1/0) = nan in LogBackward0's output
    with ndgrad.autograd.detect_anomaly():
        assert ndgrad.autograd.is_anomaly_enabled()
        with pytest.raises(
            RuntimeError, match="Function 'LogBackward0' returned nan values in its 0th output"
        ):
            y.sum().backward(retain_graph=True)
    assert not ndgrad.autograd.is_anomaly_enabled()
    y.sum().backward()  # off: no check
    assert np.isnan(x.grad.numpy()).any()
    ndgrad.autograd.set_detect_anomaly(True)
    try:
        z = (ndgrad.tensor([-1.0], requires_grad=True)).sqrt()
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            z.sum().backward()
    finally:
        ndgrad.autograd.set_detect_anomaly(False)
    assert not ndgrad.autograd.is_anomaly_enabled()

    @ndgrad.autograd.detect_anomaly()
    def run() -> bool:
        return ndgrad.autograd.is_anomaly_enabled()

    assert run() and not ndgrad.autograd.is_anomaly_enabled()


def test_inplace_on_0d_results() -> None:
    x, tx = both(2.0)
    y, ty = x * 3, tx * 3
    y.add_(1)
    ty.add_(1)
    y.mul_(x)
    ty.mul_(tx)
    y.backward()
    ty.backward()
    close(y, ty)
    close(x.grad, tx.grad)
    z = ndgrad.tensor([1.0, 2.0]).sum()
    z.zero_()
    z.fill_(3.0)
    assert z.item() == 3.0 and z.numpy().shape == ()


def test_inplace_with_a_parameter_operand() -> None:
    w = ndgrad.nn.Parameter(ndgrad.tensor([2.0, 3.0]))
    x = ndgrad.tensor([1.0, 1.0], requires_grad=True)
    a = x * 1
    a.mul_(w)
    a.sum().backward()
    assert x.grad.tolist() == [2.0, 3.0] and w.grad.tolist() == [1.0, 1.0]


class TooManyGrads(Function):
    @staticmethod
    def forward(ctx, x):  # type: ignore[no-untyped-def, override]
        return x * 2

    @staticmethod
    def backward(ctx, grad):  # type: ignore[no-untyped-def, override]
        return grad * 2, grad


def test_wrong_number_of_gradients_raises() -> None:
    x = ndgrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        TooManyGrads.apply(x).sum().backward()


def test_a_none_gradient_still_releases_the_node_it_points_to() -> None:
    """A backward that returns None for an input must not stall that input's node: the gradient
    coming to it along other paths still flows on (as in PyTorch)."""

    class Block(ndgrad.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 3

        @staticmethod
        def backward(ctx, g):
            return None

    for lib in (ndgrad, torch):
        Fn = Block if lib is ndgrad else _torch_block()
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a = x * 2
        b = a.exp()  # a node that only gets a None gradient: its inputs get none either
        (Fn.apply(a) + a + Fn.apply(b)).sum().backward()
        assert x.grad is not None and x.grad.tolist() == [2.0, 2.0]


def _torch_block():
    class Block(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 3

        @staticmethod
        def backward(ctx, g):
            return None

    return Block


@pytest.mark.parametrize(
    "name",
    ["sum", "mean", "reshape", "permute", "pad", "diag_embed", "cat", "select", "exp"],
)
def test_second_backward_without_retain_graph_as_torch(name: str) -> None:
    # a node that saved options only (dims, a shape) runs again, as in PyTorch; one that saved a
    # tensor (exp's output) raises because backward freed it
    cases = {
        "sum": lambda lib, x: x.sum(),
        "mean": lambda lib, x: x.mean(1).sum(),
        "reshape": lambda lib, x: x.reshape(6).sum(),
        "permute": lambda lib, x: x.t().sum(),
        "pad": lambda lib, x: lib.nn.functional.pad(x, (1, 1)).sum(),
        "diag_embed": lambda lib, x: lib.diag_embed(x).sum(),
        "cat": lambda lib, x: lib.cat([x, x]).sum(),
        "select": lambda lib, x: x[0].sum(),
        "exp": lambda lib, x: x.exp().sum(),
    }
    outcomes = []
    for lib in (torch, ndgrad):
        x = lib.ones(2, 3, requires_grad=True)
        y = cases[name](lib, x)
        y.backward()
        try:
            y.backward()
        except RuntimeError as exc:
            assert "second time" in str(exc)
            outcomes.append(None)
        else:
            outcomes.append(np.asarray(x.grad.tolist()))
    if outcomes[0] is None:
        assert outcomes[1] is None
    else:
        np.testing.assert_allclose(outcomes[1], outcomes[0])


@pytest.mark.parametrize(
    "make", [lambda x: x.exp(), lambda x: x.tanh(), lambda x: x.sigmoid(), lambda x: x.relu()]
)
def test_saved_output_changed_in_place_raises_as_torch(make: Any) -> None:
    """exp, tanh, sigmoid and relu save their output for backward: changing it in place before
    backward would give a wrong gradient, so backward raises (PyTorch's RuntimeError); a change to
    a tensor computed from it, or an in-place op that saves its own result, is fine."""
    for lib in (torch, ndgrad):
        x = lib.linspace(-1, 1, 5, requires_grad=True)
        y = make(x)
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    grads = []
    for lib in (torch, ndgrad):
        x = lib.linspace(-1, 1, 5, requires_grad=True)
        z = make(x) * 2
        z.add_(1)  # z's own node (Mul) saved no output
        w = (x * 1).relu_()  # relu_ saves its result after the change, as PyTorch
        (z.sum() + w.sum()).backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)


def test_function_saved_output_changed_in_place_raises_as_torch() -> None:
    """An autograd.Function that saves its own output (PyTorch's exp example) is watched too."""
    for lib in (torch, ndgrad):

        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                out = x.exp()
                ctx.save_for_backward(out)
                return out

            @staticmethod
            def backward(ctx: Any, grad: Any) -> Any:
                (out,) = ctx.saved_tensors
                return grad * out

        x = lib.ones(3, requires_grad=True)
        y = Exp.apply(x)
        y.sum().backward(retain_graph=True)  # unchanged: fine
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_node_prehook_and_hook_as_torch() -> None:
    """Node.register_prehook(hook(grad_outputs)) and Node.register_hook(hook(grad_inputs,
    grad_outputs)): returned tuples replace the gradients; handles remove them (PyTorch's API)."""
    results = []
    for lib in (torch, ndgrad):
        seen: list[Any] = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        pre = y.grad_fn.register_prehook(lambda go: (go[0] * 3,))
        post = y.grad_fn.register_hook(
            lambda gi, go, seen=seen: seen.append((gi[0].tolist(), go[0].tolist()))
        )
        y.sum().backward()
        first = x.grad.tolist()
        pre.remove()
        x.grad = None
        y = x * 2
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 10,) + gi[1:])
        y.sum().backward()
        results.append((first, seen, x.grad.tolist()))
        post.remove()
    assert results[1] == results[0] == ([6.0, 6.0], [([6.0, 6.0], [3.0, 3.0])], [20.0, 20.0])
