"""The graph machinery's fast paths (scalar graphs of 0-d tensors), against PyTorch.

* A recorded op leaves few objects for Python's cycle collector: the next nodes are the node's own
  attributes and the rest of its edges one untracked tuple (``Function._next0``, ``_meta``),
  shared ``needs_input_grad`` tuples, no versions tuple while no saved tensor was changed in
  place. Counted with ``gc.get_objects`` (structure, not time).
* The micrograd-style MLP (every weight a 0-d tensor) and a 1,000-op chain give PyTorch's values
  and gradients, in float32 and float64, with the cycle collector on as users run it.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch

import ndgrad


def _tracked_per_op(make_op, n: int = 1000) -> float:
    """GC-tracked objects that each recorded op leaves alive (its output held in a list)."""
    keep = [make_op()]  # a first call may fill caches: not counted
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(n):
        keep.append(make_op())
    gc.collect()
    # the list ``keep`` itself is one; other objects coming and going blur the count a little
    return round((len(gc.get_objects()) - before - 1) / n, 1)


def test_a_recorded_op_leaves_few_tracked_objects():
    x = ndgrad.tensor(1.5, requires_grad=True)
    w = ndgrad.tensor(-0.5, requires_grad=True)
    y = x * w
    # the Tensor and the node: nothing per input (the edges' metadata tuple is untracked once
    # the collector has seen it, which gc.collect above makes sure of)
    assert _tracked_per_op(lambda: y + w) == 2
    assert _tracked_per_op(lambda: y + 1.0) == 2
    # ... plus the saved tuple (the inputs themselves, referred to, not copied)
    assert _tracked_per_op(lambda: x * w) == 3
    # ... plus, for an op that saves its output, the output's version counter (watched)
    assert _tracked_per_op(lambda: y.tanh()) == 4
    with ndgrad.no_grad():
        assert _tracked_per_op(lambda: y * w) == 1  # no graph: the Tensor alone


def test_nodes_recorded_after_many_under_no_grad_stay_small():
    """CPython's per-class table of attribute names stops growing after a few dozen instances:
    the node fields are entered when the class is made, so later nodes get no dict of their own."""

    class Twice(ndgrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = ndgrad.tensor(1.5, requires_grad=True)
    with ndgrad.no_grad():
        for _ in range(200):  # nodes that set needs_input_grad only
            Twice.apply(x)
    assert _tracked_per_op(lambda: Twice.apply(x)) == 2  # the Tensor and the node
    y = Twice.apply(x)
    y.backward()
    assert x.grad.item() == 2.0


def test_edges_and_needs_input_grad_views():
    x = ndgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    z = y * ndgrad.tensor(3.0)
    assert z.grad_fn.needs_input_grad == (True, False)
    (node, idx, shape, dtype), none = z.grad_fn.next_functions
    assert node is y.grad_fn and idx == 0 and shape == (2,) and dtype == np.float32
    assert none is None
    assert y.grad_fn.next_functions[0][0] is x  # a leaf: the tensor that collects the gradient
    assert z.grad_fn._saved_versions is None  # no saved tensor changed in place


def test_edges_of_one_and_of_three_inputs():
    """Inputs past the second have their next nodes in ``_next_more``; gradients reach them."""
    x = ndgrad.tensor([[1.0, -2.0, 0.5]], requires_grad=True)
    w = ndgrad.tensor([[0.5, 1.0, -1.0], [2.0, 0.0, 1.0]])  # no gradient: None in the middle
    b = ndgrad.tensor([0.25, -0.5], requires_grad=True)
    e = x.exp()
    (e_node, e_idx, e_shape, e_dtype), none, (b_leaf, b_idx, b_shape, _) = (
        ndgrad.nn.functional.linear(e, w, b).grad_fn.next_functions
    )
    assert e_node is e.grad_fn and (e_idx, e_shape, e_dtype) == (0, (1, 3), np.float32)
    assert none is None and b_leaf is b and (b_idx, b_shape) == (0, (2,))
    assert e.grad_fn.next_functions == ((x, 0, (1, 3), np.float32),)  # one input: one entry
    (ndgrad.nn.functional.linear(e, w, b) ** 2).sum().backward()
    tx, tb = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (x, b))
    (torch.nn.functional.linear(tx.exp(), torch.tensor(w.numpy()), tb) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-5)


def test_version_check_still_catches_in_place_changes():
    a = ndgrad.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1.0
    b.add_(1.0)  # b at version 1 when saved below
    c = b * b
    assert c.grad_fn._saved_versions == (1, 1)
    c.sum().backward()  # unchanged since: fine
    d = b * b
    b.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        d.sum().backward()


def _scalar_mlp(lib, dtype, rng_seed: int = 0):
    rng = np.random.default_rng(rng_seed)
    sizes = (2, 4, 4, 1)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        neurons = []
        for _ in range(n_out):
            w = [
                lib.tensor(float(v), dtype=dtype, requires_grad=True)
                for v in rng.uniform(-1, 1, n_in)
            ]
            neurons.append((w, lib.tensor(0.1, dtype=dtype, requires_grad=True)))
        layers.append(neurons)
    xs = rng.standard_normal((10, 2)).tolist()
    ys = rng.choice([-1.0, 1.0], 10).tolist()
    loss = None
    for x, y in zip(xs, ys, strict=True):
        h = x
        for li, neurons in enumerate(layers):
            out = []
            for w, b in neurons:
                act = b
                for wi, hi in zip(w, h, strict=True):
                    act = act + wi * hi
                out.append(act.tanh() if li < len(layers) - 1 else act.relu() ** 2)
            h = out
        err = (h[0] - y) * (h[0] - y) - (-h[0]).exp() * 0.01
        loss = err if loss is None else loss + err
    (loss * 0.1).backward()
    params = [p for neurons in layers for w, b in neurons for p in (*w, b)]
    return loss, params


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_scalar_mlp_matches_pytorch(dtype):
    loss, params = _scalar_mlp(ndgrad, getattr(ndgrad, dtype))
    ref_loss, ref_params = _scalar_mlp(torch, getattr(torch, dtype))
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    assert loss.dtype == getattr(ndgrad, dtype)
    np.testing.assert_allclose(loss.item(), ref_loss.item(), **tol)
    for p, r in zip(params, ref_params, strict=True):
        assert p.grad.dtype == p.dtype
        np.testing.assert_allclose(p.grad.numpy(), r.grad.numpy(), **tol)


def test_long_chain_matches_pytorch():
    x, xt = ndgrad.tensor(0.3, requires_grad=True), torch.tensor(0.3, requires_grad=True)
    y, yt = x, xt
    for i in range(1000):
        y, yt = (y + 1, yt + 1) if i % 3 else (y * 0.999 - 0.1, yt * 0.999 - 0.1)
    y.backward()
    yt.backward()
    np.testing.assert_allclose(y.item(), yt.item(), rtol=1e-5)
    np.testing.assert_allclose(x.grad.item(), xt.grad.item(), rtol=1e-5)


# -- first-order backward on arrays (Function.backward_on_arrays) --------------------------------

ON_ARRAYS = {  # op: (ndgrad, torch) of two tensors
    "Mul": (lambda a, b: a * b, lambda a, b: a * b),
    "Sub": (lambda a, b: a - b, lambda a, b: a - b),
    "Neg": (lambda a, b: -a + b, lambda a, b: -a + b),
    "Tanh": (lambda a, b: a.tanh() + b, lambda a, b: a.tanh() + b),
    "Exp": (lambda a, b: a.exp() + b, lambda a, b: a.exp() + b),
}
# 0-d (NumPy scalars inside), n-d, and broadcast against each other (the engine sums back)
SHAPES = [((), ()), ((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3), ())]


def _spy_on_arrays(monkeypatch):
    """Count the nodes whose backward ran on arrays (the real method runs)."""
    from ndgrad.autograd.function import Function

    ran: list[str] = []
    real = Function._call_backward_on_arrays

    def counting(self, grad):
        ran.append(self.op_name)
        return real(self, grad)

    monkeypatch.setattr(Function, "_call_backward_on_arrays", counting)
    return ran


@pytest.mark.parametrize("op", sorted(ON_ARRAYS))
@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_backward_on_arrays_matches_pytorch(op, shapes, dtype, monkeypatch):
    ran = _spy_on_arrays(monkeypatch)
    rng = np.random.default_rng(1)
    arrays = [rng.uniform(-1.5, 1.5, s).astype(dtype) for s in shapes]
    ours = [ndgrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = ON_ARRAYS[op][0](*ours), ON_ARRAYS[op][1](*theirs)
    g = rng.uniform(-1, 1, ref.shape).astype(dtype)
    out.backward(ndgrad.tensor(g))
    ref.backward(torch.tensor(g))
    assert op in ran
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    for t, r in zip(ours, theirs, strict=True):
        assert t.grad.dtype == t.dtype and t.grad.shape == t.shape
        assert isinstance(t.grad.array, np.ndarray | np.generic)
        np.testing.assert_allclose(t.grad.numpy(), r.grad.numpy(), **tol)


@pytest.mark.parametrize("op", sorted(ON_ARRAYS))
def test_backward_on_arrays_second_order_uses_tensors(op, monkeypatch):
    ran = _spy_on_arrays(monkeypatch)
    a = np.array([0.3, -0.7, 1.1])
    x, xt = ndgrad.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    b, bt = ndgrad.tensor(a[::-1].copy()), torch.tensor(a[::-1].copy())
    nd_fn, t_fn = ON_ARRAYS[op]
    y, yt = nd_fn(x * x, b).sum(), t_fn(xt * xt, bt).sum()
    (gx,) = ndgrad.autograd.grad(y, [x], create_graph=True)
    (gxt,) = torch.autograd.grad(yt, [xt], create_graph=True)
    assert ran == []  # recorded for the second order: the same formula on Tensors
    np.testing.assert_allclose(gx.detach().numpy(), gxt.detach().numpy(), rtol=1e-12)
    gx.sum().backward()
    gxt.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_backward_on_arrays_keeps_hooks_retain_grad_and_checks():
    x = ndgrad.tensor(0.5, requires_grad=True)
    y = x * 3.0
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.item()))
    z = y.tanh()
    z.register_hook(lambda g: g * 2)  # a hook's result replaces the gradient
    z.backward()
    expected_y = 2 * (1 - np.tanh(1.5) ** 2)
    np.testing.assert_allclose(y.grad.item(), expected_y, rtol=1e-6)
    assert seen == [pytest.approx(expected_y, rel=1e-6)]
    np.testing.assert_allclose(x.grad.item(), 3 * expected_y, rtol=1e-6)
    # the saved tensor's version is checked on the array path too
    a = ndgrad.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1.0
    c = b * b
    b.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()
    # anomaly mode names the node whose array backward made a NaN
    w = ndgrad.tensor(2.0, requires_grad=True)
    with ndgrad.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="'MulBackward0' returned nan values"):
            (w * ndgrad.tensor(float("nan"))).backward()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["add", "mul"])
def test_zero_d_array_inputs_read_as_scalars(op, dtype):
    # leaves made from a float hold writable 0-d arrays; Mul computes on their values
    a, b = np.array(1.25, dtype=dtype), np.array(-0.5, dtype=dtype)
    x, w = ndgrad.tensor(a, requires_grad=True), ndgrad.tensor(b, requires_grad=True)
    xt, wt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    assert type(x.array) is np.ndarray and x.array.ndim == 0
    y, yt = getattr(x, op)(w), getattr(xt, op)(wt)
    assert y.dtype == x.dtype and y.shape == ()
    z, zt = y * y * w, yt * yt * wt
    # the saved inputs are the leaves themselves: second order works
    (gx,) = ndgrad.autograd.grad(z, [x], create_graph=True)
    (gxt,) = torch.autograd.grad(zt, [xt], create_graph=True)
    np.testing.assert_allclose(gx.item(), gxt.item(), rtol=1e-6)
    gx.backward()
    gxt.backward()
    np.testing.assert_allclose(x.grad.item(), xt.grad.item(), rtol=1e-6)
    np.testing.assert_allclose(w.grad.item(), wt.grad.item(), rtol=1e-6)
    # an in-place update of a leaf is seen by the next op (nothing cached)
    with ndgrad.no_grad():
        w.sub_(1.0)
    np.testing.assert_allclose(getattr(x, op)(w).item(), getattr(a, f"__{op}__")(b - 1), rtol=1e-6)


def _both(values, dtype="float64"):
    """The same leaves in ndgrad and torch."""
    ours = [ndgrad.tensor(v, dtype=getattr(ndgrad, dtype), requires_grad=True) for v in values]
    theirs = [torch.tensor(v, dtype=getattr(torch, dtype), requires_grad=True) for v in values]
    return ours, theirs


def test_op_apply_calls_with_and_without_options_match_pytorch():
    # Op.apply spells out the call for one and two inputs without options (neg, add), and takes
    # the general call with options (max_pool2d: one input; avg_pool2d: input and divisor) or with
    # three inputs (addcmul): every form gives PyTorch's values and gradients.
    rng = np.random.default_rng(3)
    img = rng.standard_normal((1, 2, 4, 4)).tolist()
    (a, b, c, x), (ta, tb, tc, tx) = _both([[1.0, -2.0], [0.5, 3.0], [2.0, -1.0], img])
    for lib, (p, q, r, im) in ((ndgrad, (a, b, c, x)), (torch, (ta, tb, tc, tx))):
        F = lib.nn.functional
        out = (-p + q).sum() + lib.addcmul(p, q, r, value=0.5).sum()
        out = out + F.max_pool2d(im, 2).sum() + F.avg_pool2d(im * im, 2, stride=1).sum()
        out.backward()
    for ours, theirs in ((a, ta), (b, tb), (c, tc), (x, tx)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_backward_from_roots_that_reach_each_other_matches_pytorch():
    # the engine's count of edges into each node doubles as its set of visited nodes: a root that
    # another root reaches, and a node reached along two paths, each run once, after all their
    # gradients arrived
    (x,), (tx,) = _both([[1.5, -0.5]])
    grads = []
    for lib, leaf in ((ndgrad, x), (torch, tx)):
        y = leaf * leaf
        z = (y + y.exp()).sum()  # y reached twice
        w = y.sum() * 3.0
        lib.autograd.backward([w, z, y.sum()], [lib.tensor(2.0, dtype=lib.float64)] * 3)
        grads.append(leaf.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_a_tensor_made_by_an_op_has_every_slot_set():
    # Tensor._make sets the slots itself (no call to _init): each reads as on a new tensor
    y = ndgrad.tensor(2.0, requires_grad=True) + 1
    assert y.grad is None and y.name is None and y._version == 0 and y._base is None
    assert y._hooks is None and y._post_hooks is None and not y.is_leaf and y.requires_grad
    ty = torch.tensor(2.0, dtype=torch.float32, requires_grad=True) + 1
    for t in (y, ty):
        t.retain_grad()
        t.register_hook(lambda g: g * 2)
        (t * t).backward()
    assert y.grad.item() == ty.grad.item() == 12.0  # retain_grad stores what the hook returned


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64", "int32"])
def test_zero_d_results_with_python_numbers_match_pytorch(dtype):
    # a float 0-d result is a NumPy scalar, recognised by its type (binary_operands, Op.apply);
    # an integer one takes the dtype test: it promotes with a float and records no graph
    results = []
    for lib in (ndgrad, torch):
        x = lib.tensor(3, dtype=getattr(lib, dtype), requires_grad=dtype.startswith("float"))
        y = x + 1  # a 0-d result, then operands of the next ops
        outs = [y + 2, y * 3, y - 0.5, 2.5 * y, y / 4]
        if x.requires_grad:
            sum(outs).backward()
        results.append(
            ([(o.dtype, o.requires_grad, o.item()) for o in outs], x.grad and x.grad.item())
        )
    (ours, our_grad), (theirs, their_grad) = results
    assert [(str(d).split(".")[-1], r, v) for d, r, v in ours] == [
        (str(d).split(".")[-1], r, v) for d, r, v in theirs
    ]
    assert our_grad == their_grad
