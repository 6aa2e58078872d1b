"""The speed paths of the CPU ops (workspace pool, max-pool argmax, ReLU gradient) against PyTorch.

Each path is taken at sizes above and below the pool's threshold and in float32 and float64; the
pool's own rules (a block in use is never handed out twice, the limit holds, threads) are tested
directly.
"""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest
import torch

import ndgrad
from ndgrad import _workspace as ws

F = ndgrad.nn.functional
TF = torch.nn.functional

# (shape, whether the arrays of this size go through the pool)
SIZES = [((2, 3, 6, 6), False), ((16, 8, 30, 30), True)]
DTYPES = [np.float32, np.float64]


def _close(actual: np.ndarray, desired: np.ndarray, dtype: type) -> None:
    """Equal up to rounding: float32 sums of thousands of terms differ in the last digits."""
    eps = 1e-5 if dtype == np.float32 else 1e-12
    scale = max(1.0, float(np.abs(desired).max()))
    np.testing.assert_allclose(actual, desired, rtol=10 * eps, atol=eps * scale)


def _pair(a: np.ndarray) -> tuple[ndgrad.Tensor, torch.Tensor]:
    return ndgrad.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


@pytest.fixture(autouse=True)
def _fresh_pool():
    # blocks still used by arrays of earlier tests stay cached: the tests count from here on
    limit = ws.get_limit()
    gc.collect()
    ws.empty_cache()
    yield
    ws.set_limit(limit)
    ws.empty_cache()


# -- the pool itself -----------------------------------------------------------------------------


def test_pool_reuses_a_free_block_and_never_a_busy_one():
    start = ws.cached_bytes()
    a = ws.empty((256, 256), np.float32)
    a_ptr = a.ctypes.data
    b = ws.empty((256, 256), np.float32)
    assert b.ctypes.data != a_ptr  # a is alive: its block is busy
    view = a[10:20].T
    del a
    c = ws.empty((256, 256), np.float32)
    c_ptr = c.ctypes.data
    assert c_ptr not in (a_ptr, b.ctypes.data)  # a view of a still holds the block
    del view, c
    d = ws.empty((128, 512), np.float32)  # same byte size, other shape: a free block again
    assert d.ctypes.data in (a_ptr, c_ptr)
    assert ws.cached_bytes() - start == 3 * 256 * 256 * 4
    assert d.shape == (128, 512) and d.flags.c_contiguous and d.dtype == np.float32


def test_pool_small_arrays_and_limit():
    small = ws.empty((4, 4), np.float64)
    assert small.base is None  # below MIN_BYTES: a plain array
    start = ws.cached_bytes()
    ws.set_limit(start + (1 << 20))
    big = ws.empty((1 << 19,), np.float32)  # 2 MiB > what the limit leaves: a plain array
    assert big.base is None and ws.cached_bytes() == start
    kept = ws.empty((1 << 17,), np.float32)  # 512 KiB fits
    assert ws.cached_bytes() == start + (1 << 19) and kept.base is not None
    ws.set_limit(0)
    assert ws.cached_bytes() == start + (1 << 19)  # busy: kept until its array is gone
    del kept
    ws.empty_cache()
    assert ws.cached_bytes() <= start
    assert ws.empty((1 << 17,), np.float32).base is None  # limit 0: the pool is off
    with pytest.raises(ValueError, match="non-negative"):
        ws.set_limit(-1)


def test_pool_zeros_and_full_are_filled():
    z = ws.empty((300, 300), np.float64)
    z.fill(7.0)
    del z
    assert not ws.zeros((300, 300), np.float64).any()
    assert (ws.full((300, 300), -np.inf, np.float32) == -np.inf).all()


def test_pool_threads_never_share_a_block():
    seen: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)
    held = []

    def work() -> None:
        barrier.wait()
        for _ in range(50):
            a = ws.empty((64, 1024), np.float32)
            a.fill(threading.get_ident() % 1000)
            with lock:
                seen.append(a.ctypes.data)
                held.append(a)
            assert (a == threading.get_ident() % 1000).all()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(set(seen)) == len(seen) == 200  # all alive at once: all distinct


def test_keep_freed_memory_is_an_explicit_switch():
    assert isinstance(ws.keep_freed_memory(True), bool)
    assert isinstance(ws.keep_freed_memory(False), bool)


# -- convolution through the pool ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,pooled", SIZES)
def test_conv_values_and_grads_with_workspace(shape, pooled, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((6, shape[1], 3, 3)).astype(dtype)
    (xn, xt), (wn, wt) = _pair(x), _pair(w)
    start = ws.cached_bytes()
    yn, yt = F.conv2d(xn, wn, padding=1), TF.conv2d(xt, wt, padding=1)
    # a second convolution in between: the first one's saved window matrix must survive it
    F.conv2d(ndgrad.tensor(x * 2), wn.detach(), padding=1)
    g = rng.standard_normal(yt.shape).astype(dtype)
    yn.backward(ndgrad.tensor(g))
    yt.backward(torch.tensor(g))
    _close(yn.detach().numpy(), yt.detach().numpy(), dtype)
    _close(xn.grad.numpy(), xt.grad.numpy(), dtype)
    _close(wn.grad.numpy(), wt.grad.numpy(), dtype)
    assert (ws.cached_bytes() > start) == pooled


def test_conv_outputs_kept_across_steps_are_not_overwritten():
    rng = np.random.default_rng(1)
    w = ndgrad.tensor(rng.standard_normal((8, 4, 3, 3)).astype(np.float32))
    xs = [rng.standard_normal((8, 4, 32, 32)).astype(np.float32) for _ in range(3)]
    outs = [F.conv2d(ndgrad.tensor(x), w, padding=1) for x in xs]
    for x, out in zip(xs, outs, strict=True):
        ref = TF.conv2d(torch.tensor(x), torch.tensor(w.numpy()), padding=1).numpy()
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-4, atol=1e-4)


# -- max pooling: the first maximum of each window -----------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,pooled", SIZES)
@pytest.mark.parametrize("kernel,stride,padding", [(2, 2, 0), (3, 2, 1), (3, 1, 0)])
def test_max_pool_ties_and_grads(shape, pooled, dtype, kernel, stride, padding):
    rng = np.random.default_rng(2)
    # after a ReLU many windows are all zero: the gradient must go to the first one only
    x = np.maximum(rng.standard_normal(shape), 0).round(1).astype(dtype)
    (xn, xt) = _pair(x)
    yn, in_ = F.max_pool2d(xn, kernel, stride, padding, return_indices=True)
    yt, it = TF.max_pool2d(xt, kernel, stride, padding, return_indices=True)
    np.testing.assert_array_equal(in_.numpy(), it.numpy())
    assert in_.dtype == ndgrad.int64
    g = rng.standard_normal(yt.shape).astype(dtype)
    yn.backward(ndgrad.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(yn.detach().numpy(), yt.detach().numpy())
    _close(xn.grad.numpy(), xt.grad.numpy(), dtype)


def test_max_pool_nan_and_wide_kernel():
    x = np.random.default_rng(3).standard_normal((2, 3, 13, 13)).astype(np.float32)
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = np.nan
    yn, in_ = F.max_pool2d(ndgrad.tensor(x), 2, return_indices=True)
    yt, it = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(in_.numpy(), it.numpy())
    np.testing.assert_array_equal(np.isnan(yn.numpy()), np.isnan(yt.numpy()))
    # 12 x 12 = 144 window positions: labels past int8
    yn, in_ = F.max_pool2d(ndgrad.tensor(x), 12, 1, return_indices=True)
    yt, it = TF.max_pool2d(torch.tensor(x), 12, 1, return_indices=True)
    np.testing.assert_array_equal(in_.numpy(), it.numpy())


def test_max_pool_second_order():
    x = np.random.default_rng(4).standard_normal((2, 2, 8, 8))
    xn, xt = _pair(x)
    (gn,) = ndgrad.autograd.grad((F.max_pool2d(xn, 2) ** 2).sum(), xn, create_graph=True)
    (gt,) = torch.autograd.grad((TF.max_pool2d(xt, 2) ** 2).sum(), xt, create_graph=True)
    gn.sum().backward()
    gt.sum().backward()
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy())


# -- ReLU: one op for its gradient ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,pooled", SIZES)
def test_relu_grad_and_second_order(shape, pooled, dtype):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape).astype(dtype)
    x.reshape(-1)[::7] = 0.0  # ReLU's gradient at 0 is 0, as in PyTorch
    xn, xt = _pair(x)
    (gn,) = ndgrad.autograd.grad((F.relu(xn) ** 3).sum(), xn, create_graph=True)
    (gt,) = torch.autograd.grad((TF.relu(xt) ** 3).sum(), xt, create_graph=True)
    _close(gn.detach().numpy(), gt.detach().numpy(), dtype)
    gn.sum().backward()
    gt.sum().backward()
    _close(xn.grad.numpy(), xt.grad.numpy(), dtype)


def test_relu_integer_input():
    x = np.array([[-2, 0, 3]], dtype=np.int64)
    np.testing.assert_array_equal(
        F.relu(ndgrad.tensor(x)).numpy(), TF.relu(torch.tensor(x)).numpy()
    )


# -- attention scores and GELU in workspace arrays -----------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch,length", [(2, 5), (8, 96)])  # scores below and above the pool size
@pytest.mark.parametrize("mask", ["causal", "float", "bool", None])
def test_attention_values_and_grads(batch, length, dtype, mask):
    rng = np.random.default_rng(6)
    q, k, v = (rng.standard_normal((batch, 4, length, 16)).astype(dtype) for _ in range(3))
    kwargs_n: dict = {"is_causal": mask == "causal"}
    kwargs_t: dict = dict(kwargs_n)
    if mask == "float":
        m = rng.standard_normal((length, length)).astype(dtype)
        kwargs_n["attn_mask"], kwargs_t["attn_mask"] = ndgrad.tensor(m), torch.tensor(m)
    elif mask == "bool":
        m = rng.random((batch, 1, length, length)) > 0.3
        kwargs_n["attn_mask"], kwargs_t["attn_mask"] = ndgrad.tensor(m), torch.tensor(m)
    ns, ts = zip(*(_pair(a) for a in (q, k, v)), strict=True)
    yn = F.scaled_dot_product_attention(*ns, **kwargs_n)
    yt = TF.scaled_dot_product_attention(*ts, **kwargs_t)
    g = rng.standard_normal(yt.shape).astype(dtype)
    yn.backward(ndgrad.tensor(g))
    yt.backward(torch.tensor(g))
    _close(yn.detach().numpy(), yt.detach().numpy(), dtype)
    for a, b in zip(ns, ts, strict=True):
        _close(a.grad.numpy(), b.grad.numpy(), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1000, 100_000])  # below and above the blockwise and pool sizes
def test_gelu_values_and_grads(n, dtype):
    x = np.random.default_rng(7).standard_normal(n).astype(dtype) * 3
    xn, xt = _pair(x)
    (gn,) = ndgrad.autograd.grad(F.gelu(xn).sum(), xn, create_graph=True)
    (gt,) = torch.autograd.grad(TF.gelu(xt).sum(), xt, create_graph=True)
    np.testing.assert_allclose(F.gelu(xn).detach().numpy(), TF.gelu(xt).detach().numpy(), atol=2e-6)
    np.testing.assert_allclose(gn.detach().numpy(), gt.detach().numpy(), atol=2e-6)
    gn.sum().backward()
    gt.sum().backward()
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), atol=2e-5)


# -- the input gradient of stride-1 convolutions as contiguous additions ("wide" col2im) ----------

WIDE_CASES = [
    # (input shape, weight shape, conv keywords): which layout and whether the wide path is taken
    ((4, 8, 14, 14), (16, 8, 3, 3), {"padding": 1}),  # all samples at once (P < 256), wide
    ((2, 3, 20, 20), (4, 3, 3, 3), {"padding": 2, "dilation": 2}),  # per sample, wide
    ((2, 4, 20, 20), (6, 2, 3, 3), {"padding": 1, "groups": 2}),  # groups, wide
    ((2, 3, 6, 6), (4, 3, 3, 3), {"padding": 1}),  # 8 / 6 wider than 1.25: strided additions
    ((2, 3, 20, 20), (4, 3, 3, 3), {"padding": 1, "stride": 2}),  # strided: not wide
    ((3, 4, 50), (5, 4, 5), {"padding": 2}),  # 1-d: always wide
    ((2, 2, 6, 18, 18), (3, 2, 3, 3, 3), {"padding": 1}),  # 3-d: 20 x 20 / 18 x 18 = 1.23, wide
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xs,ws_,kw", WIDE_CASES)
def test_conv_input_grad_wide_and_strided(xs, ws_, kw, dtype):
    from ndgrad.ops import _conv_util

    rng = np.random.default_rng(8)
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws_).astype(dtype)
    d = len(xs) - 2
    (xn, xt), (wn, wt) = _pair(x), _pair(w)
    yn = getattr(F, f"conv{d}d")(xn, wn, **kw)
    yt = getattr(TF, f"conv{d}d")(xt, wt, **kw)
    geom = yn.grad_fn.saved_tensors[-1]  # read before backward frees what the node saved
    g = rng.standard_normal(yt.shape).astype(dtype)
    yn.backward(ndgrad.tensor(g))
    yt.backward(torch.tensor(g))
    _close(xn.grad.numpy(), xt.grad.numpy(), dtype)
    _close(wn.grad.numpy(), wt.grad.numpy(), dtype)
    assert _conv_util._wide_ok(geom) == (kw.get("stride", 1) == 1 and xs[-1] != 6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_transpose_stride_1_wide(dtype):
    rng = np.random.default_rng(9)
    x, w = (
        rng.standard_normal((2, 4, 16, 16)).astype(dtype),
        rng.standard_normal((4, 3, 3, 3)).astype(dtype),
    )
    (xn, xt), (wn, wt) = _pair(x), _pair(w)
    kw = {"padding": 1, "dilation": 2, "output_padding": 1}
    yn, yt = F.conv_transpose2d(xn, wn, **kw), TF.conv_transpose2d(xt, wt, **kw)
    _close(yn.detach().numpy(), yt.detach().numpy(), dtype)
    g = rng.standard_normal(yt.shape).astype(dtype)
    yn.backward(ndgrad.tensor(g))
    yt.backward(torch.tensor(g))
    _close(xn.grad.numpy(), xt.grad.numpy(), dtype)
    _close(wn.grad.numpy(), wt.grad.numpy(), dtype)
