"""The graph machinery's fast paths (scalar graphs of 0-d tensors), against PyTorch.

* A recorded op leaves few objects for Python's cycle collector: one flat edge tuple per node
  (``Function._edges``), shared ``needs_input_grad`` tuples, no versions tuple while no saved
  tensor was changed in place. Counted with ``gc.get_objects`` (structure, not time).
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
    # Tensor, node, edge tuple: nothing per input
    assert _tracked_per_op(lambda: y + w) == 3
    assert _tracked_per_op(lambda: y + 1.0) == 3
    # ... plus the saved tuple (the inputs themselves, referred to, not copied)
    assert _tracked_per_op(lambda: x * w) == 4
    assert _tracked_per_op(lambda: y.tanh()) == 4
    with ndgrad.no_grad():
        assert _tracked_per_op(lambda: y * w) == 1  # no graph: the Tensor alone


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
