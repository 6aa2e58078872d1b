"""Every fast path that switches on size, dtype or layout, taken on both sides of its switch and
compared with PyTorch (values and gradients). A broken float32 GELU block path (it only runs above
32,768 elements) once passed the whole suite: these tests run each path at sizes that take it.

The switches (grep the ops for them when adding one):
* activation.py ``_blockwise``: float32 NumPy arrays above ``_BLOCK`` elements go block by block;
  float32 also uses the rational ``_erf_f32`` while float64 keeps the exact erf.
* conv.py ``_per_sample``: outputs of at least ``PER_SAMPLE_MIN_POSITIONS`` positions use the
  per-sample matrix layout, smaller ones the all-samples layout; ``_chunks``: batches whose window
  matrix passes ``COLS_CHUNK_BYTES`` go through the three conv kernels a chunk of samples at a time.
* pool.py: max-pool argmax labels are int8 below 128 window offsets, int32 from there.
* index.py ``_add_at``: index gradients use a plain ``+=`` without integer arrays, ``add.at`` with
  them (repeated positions add up); index dtypes accepted: bool, uint8 (a mask), int32, int64.
* linalg.py: one-operand einsum owns its result; several operands take the optimized path;
  matmul of 1-d operands (dot, mv, vector @ matrix) and batch broadcasting.
* reduce.py ``_int_to_long``: bool and integer sums accumulate in int64.
* shape.py: ``reshape`` is a view when the layout allows it, a copy otherwise; ``contiguous``
  returns its input when it is C-contiguous.
* nn_ops.py ``Linear``: outputs of at least ``_workspace.MIN_BYTES`` are pool blocks (pool on).
* Pool blocks too (``_workspace.ufunc`` / ``matmul`` / ``reshape``), from an operand or result of
  ``MIN_BYTES``: add, sub and mul results, matmul products of 2-d and batched operands, cat
  results, reshape copies, layer norm's backward arrays; below it, NumPy's own arrays.
* _workspace.py ``add_scaled`` (SGD's update): contiguous NumPy arrays above ``ADD_BLOCK``
  elements go block by block, smaller or non-contiguous ones take ``y += alpha * x``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ndgrad
import ndgrad.nn.functional as F
from ndgrad import _workspace
from ndgrad.ops import activation as _activation
from ndgrad.ops import conv as _conv

TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}


def _compare(nd_fn, torch_fn, arrays, dtype, tol=None):
    """Forward and the gradient of sum(out * g) for every input, against PyTorch."""
    tol = tol or TOL[dtype]
    ours = [ndgrad.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    out, ref = nd_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
    g = np.random.default_rng(1).standard_normal(ref.shape).astype(dtype)
    (out * ndgrad.tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    for a, b in zip(ours, theirs):
        scale = max(1.0, float(np.abs(b.grad.numpy()).max()))
        np.testing.assert_allclose(
            a.grad.numpy(), b.grad.numpy(), rtol=tol["rtol"], atol=tol["atol"] * scale
        )


# -- activation: the float32 block path and the float32 erf -------------------------------------
BLOCK = _activation._BLOCK


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1000, BLOCK, BLOCK + 1, 3 * BLOCK + 7])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_both_sides_of_the_block_threshold(dtype, size, approximate):
    x = np.random.default_rng(size).standard_normal(size) * 3
    x[:5] = [0.0, -8.0, 8.0, 1e-8, -4.0]  # the erf fit's clip points and tails
    tol = (
        dict(rtol=1.3e-6, atol=1e-5) if dtype == np.float32 else TOL[dtype]
    )  # torch.testing float32
    _compare(
        lambda t: F.gelu(t, approximate=approximate),
        lambda t: torch.nn.functional.gelu(t, approximate=approximate),
        [x],
        dtype,
        tol,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_block_path_on_non_contiguous_and_nd_inputs(dtype):
    x = np.random.default_rng(0).standard_normal((300, 250)) * 2  # 75,000 elements: blocks + a tail
    tol = (
        dict(rtol=1.3e-6, atol=1e-5) if dtype == np.float32 else TOL[dtype]
    )  # torch.testing float32
    _compare(lambda t: F.gelu(t.T), lambda t: torch.nn.functional.gelu(t.T), [x], dtype, tol)
    _compare(
        lambda t: F.gelu(t.reshape(3, 100, 250)),
        lambda t: torch.nn.functional.gelu(t.reshape(3, 100, 250)),
        [x],
        dtype,
        tol,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1000, 3 * BLOCK + 7])
def test_gelu_backward_differentiated_in_grad_and_input(dtype, size):
    """GeluDeriv (grad * gelu'(x), one fused op) against PyTorch's GeluBackwardBackward0: the
    second-order gradients with respect to both the incoming gradient and x."""
    rng = np.random.default_rng(size)
    x, u, v = (rng.standard_normal(size).astype(dtype) * 3 for _ in range(3))
    results = []
    for lib in (ndgrad, torch):
        xt, ut = (lib.tensor(a, requires_grad=True) for a in (x, u))
        (g,) = lib.autograd.grad(lib.nn.functional.gelu(xt), xt, ut, create_graph=True)
        assert g.grad_fn is not None and type(g.grad_fn).__name__ == "GeluBackwardBackward0"
        gx, gu = lib.autograd.grad((g * lib.tensor(v)).sum(), (xt, ut))
        results.append([g.detach().numpy(), gx.numpy(), gu.numpy()])
    tol = dict(rtol=1e-5, atol=2e-5) if dtype == np.float32 else TOL[dtype]
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, **tol)


# -- conv: the two matrix layouts ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("side", [15, 16])  # 225 output positions: all-samples; 256: per-sample
@pytest.mark.parametrize("groups", [1, 2])
def test_conv2d_both_layouts(dtype, side, groups):
    assert (side * side >= _conv.PER_SAMPLE_MIN_POSITIONS) == (side == 16)
    rng = np.random.default_rng(side + groups)
    x = rng.standard_normal((2, 4, side + 2, side + 2))
    w = rng.standard_normal((6, 4 // groups, 3, 3))
    b = rng.standard_normal(6)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else TOL[dtype]
    _compare(
        lambda x, w, b: F.conv2d(x, w, b, groups=groups),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, groups=groups),
        [x, w, b],
        dtype,
        tol,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("side", [7, 8])  # stride 2: 15x15 = 225 and 17x17 = 289 output positions
def test_conv_transpose2d_both_layouts(dtype, side):
    rng = np.random.default_rng(side)
    x = rng.standard_normal((2, 4, side, side))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(3)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else TOL[dtype]
    _compare(
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2),
        lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, stride=2),
        [x, w, b],
        dtype,
        tol,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("side", [15, 16])  # the all-samples and the per-sample layout
@pytest.mark.parametrize("per_chunk", [1, 2, 5])  # samples per window matrix; 5 is the whole batch
def test_conv_over_chunks_of_samples(monkeypatch, dtype, side, per_chunk):
    rng = np.random.default_rng(side * per_chunk)
    x = rng.standard_normal((5, 4, side + 2, side + 2))
    w, b = rng.standard_normal((6, 2, 3, 3)), rng.standard_normal(6)
    itemsize = np.dtype(dtype).itemsize
    monkeypatch.setattr(_conv, "COLS_CHUNK_BYTES", per_chunk * 4 * 9 * side * side * itemsize)
    geom_out = _conv._chunks(5, 4, np.dtype(dtype), _geom_of(side))
    assert [c.stop - c.start for c in geom_out][0] == per_chunk
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else TOL[dtype]
    for kw in (dict(groups=2), dict(groups=2, stride=2, padding=1)):  # the wide path and not
        _compare(
            lambda x, w, b, kw=kw: F.conv2d(x, w, b, **kw),
            lambda x, w, b, kw=kw: torch.nn.functional.conv2d(x, w, b, **kw),
            [x, w, b],
            dtype,
            tol,
        )


def _geom_of(side: int):
    """The geometry of a 3x3 stride-1 conv with ``side`` x ``side`` outputs."""
    from ndgrad.ops._conv_util import Geom

    return Geom((1, 1), (1, 1), (0, 0), (0, 0), 2, (side + 2,) * 2, (3, 3), (side, side))


@pytest.mark.parametrize("length", [257, 258])  # 255 and 256 output positions
def test_conv1d_both_layouts(length):
    rng = np.random.default_rng(length)
    x, w = rng.standard_normal((3, 2, length)), rng.standard_normal((5, 2, 3))
    _compare(F.conv1d, torch.nn.functional.conv1d, [x, w], np.float64)


# -- max-pool argmax labels: int8 below 128 window offsets, int32 from there -----------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel", [11, 12])  # 121 and 144 offsets
def test_max_pool_label_types(dtype, kernel):
    x = (
        np.random.default_rng(kernel)
        .permutation(2 * 3 * 30 * 30)
        .reshape(2, 3, 30, 30)
        .astype(float)
    )
    _compare(
        lambda t: F.max_pool2d(t, kernel, stride=3),
        lambda t: torch.nn.functional.max_pool2d(t, kernel, stride=3),
        [x],
        dtype,
    )
    _, ours = F.max_pool2d(ndgrad.tensor(x.astype(dtype)), kernel, stride=3, return_indices=True)
    _, ref = torch.nn.functional.max_pool2d(
        torch.tensor(x.astype(dtype)), kernel, stride=3, return_indices=True
    )
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())


# -- indexing: plain += versus add.at, and the index dtypes
# ------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_index_gradients_with_and_without_integer_arrays(dtype):
    x = np.random.default_rng(0).standard_normal((6, 5))
    idx = np.array([0, 2, 2, 5, 0, 0])  # repeats must add up
    mask = np.random.default_rng(1).random((6, 5)) > 0.5
    for key_nd, key_t in (
        (lambda: (slice(1, 5), slice(None, None, 2)), lambda: (slice(1, 5), slice(None, None, 2))),
        (lambda: 3, lambda: 3),
        (lambda: ndgrad.tensor(mask), lambda: torch.tensor(mask)),
        (lambda: ndgrad.tensor(idx), lambda: torch.tensor(idx)),
        (lambda: (ndgrad.tensor(idx), slice(1, 3)), lambda: (torch.tensor(idx), slice(1, 3))),
        (
            lambda: (ndgrad.tensor(idx), ndgrad.tensor(idx[::-1] % 5)),
            lambda: (torch.tensor(idx), torch.tensor(idx[::-1] % 5)),
        ),  # noqa: E501
    ):
        _compare(lambda t, k=key_nd: t[k()], lambda t, k=key_t: t[k()], [x], dtype)


@pytest.mark.parametrize("index_dtype", ["bool", "uint8", "int8", "int16", "int32", "int64"])
def test_index_dtypes_accepted_as_pytorch(index_dtype):
    values = np.array([1, 0, 1, 1]) if index_dtype in ("bool", "uint8") else np.array([3, 0, 3])
    x = np.arange(8.0).reshape(4, 2)
    key = values.astype(index_dtype)
    try:
        ref = torch.tensor(x)[torch.tensor(key)]
    except (IndexError, RuntimeError) as e:
        with pytest.raises(
            IndexError, match="tensors used as indices must be long, int, byte or bool"
        ):
            ndgrad.tensor(x)[ndgrad.tensor(key)]
        assert "long, int, byte or bool" in str(e)
        return
    np.testing.assert_array_equal(ndgrad.tensor(x)[ndgrad.tensor(key)].numpy(), ref.numpy())


# -- linalg: einsum's two paths, matmul's 1-d cases ------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_einsum_one_operand_and_optimized_paths(dtype):
    rng = np.random.default_rng(0)
    a, b, c = rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rng.standard_normal((5, 2))
    sq = rng.standard_normal((4, 4))
    _compare(lambda t: ndgrad.einsum("ij->ji", t), lambda t: torch.einsum("ij->ji", t), [a], dtype)
    _compare(lambda t: ndgrad.einsum("ii->i", t), lambda t: torch.einsum("ii->i", t), [sq], dtype)
    _compare(
        lambda x, y, z: ndgrad.einsum("ij,jk,kl->il", x, y, z),
        lambda x, y, z: torch.einsum("ij,jk,kl->il", x, y, z),
        [a, b, c],
        dtype,
    )
    out = ndgrad.einsum("ij->ij", ndgrad.tensor(a))
    out.array[0, 0] = 99.0  # a one-operand einsum owns its result
    assert a[0, 0] != 99.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("shape_a", "shape_b"),
    [
        ((4,), (4,)),
        ((3, 4), (4,)),
        ((4,), (4, 2)),
        ((2, 3, 4), (4,)),
        ((4,), (2, 4, 3)),
        ((2, 1, 3, 4), (5, 4, 2)),
    ],
)
def test_matmul_one_d_and_broadcast_cases(dtype, shape_a, shape_b):
    rng = np.random.default_rng(len(shape_a) * 10 + len(shape_b))
    _compare(
        ndgrad.matmul,
        torch.matmul,
        [rng.standard_normal(shape_a), rng.standard_normal(shape_b)],
        dtype,
    )


# -- reductions of ints accumulate in int64
# ---------------------------------------------------------
@pytest.mark.parametrize(
    "dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"]
)
def test_sum_and_cumsum_dtypes_match_pytorch(dtype):
    x = (np.arange(24).reshape(4, 6) % 7 * 40).astype(dtype)  # int8 sums overflow unless widened
    for nd_fn, t_fn in (
        (ndgrad.sum, torch.sum),
        (lambda t: ndgrad.cumsum(t, 1), lambda t: torch.cumsum(t, 1)),
    ):
        ours, ref = nd_fn(ndgrad.tensor(x)), t_fn(torch.tensor(x))
        assert str(ours.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1]
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())


# -- layout: views versus copies
# --------------------------------------------------------------------
@pytest.mark.parametrize("transposed", [False, True])
def test_reshape_is_a_view_exactly_when_pytorch_is(transposed):
    base = np.arange(12.0).reshape(3, 4)
    ours, ref = ndgrad.tensor(base), torch.tensor(base)
    if transposed:
        ours, ref = ours.T, ref.T
    r_ours, r_ref = ours.reshape(12), ref.reshape(12)
    ours.array[...] += 100  # write through the source: a view sees it, a copy doesn't
    ref.add_(100)
    np.testing.assert_array_equal(r_ours.numpy(), r_ref.numpy())
    assert ours.is_contiguous() == ref.is_contiguous()
    c_ours = ours.contiguous()
    assert (c_ours is ours) == (not transposed)
    np.testing.assert_array_equal(c_ours.numpy(), ref.contiguous().numpy())
    # gradients flow through both paths
    x = ndgrad.tensor(base, requires_grad=True)
    y = x.T if transposed else x
    (y.reshape(12) * ndgrad.arange(12.0)).sum().backward()
    tx = torch.tensor(base, requires_grad=True)
    ty = tx.T if transposed else tx
    (ty.reshape(12) * torch.arange(12.0, dtype=torch.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


# -- SGD's update: add_scaled block by block above ADD_BLOCK elements ---------------------------
ADD_BLOCK = _workspace.ADD_BLOCK
SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.1, weight_decay=0.05),
    dict(lr=0.05, momentum=0.9, weight_decay=0.01),
    dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.02),
    dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1, maximize=True),
    dict(lr=0.05, momentum=0.7, nesterov=True, maximize=True),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", SGD_CASES)
def test_sgd_update_both_sides_of_the_block_threshold(dtype, kw):
    rng = np.random.default_rng(3)
    sizes = [(100,), (ADD_BLOCK,), (ADD_BLOCK + 1,), (3, ADD_BLOCK + 7)]
    arrays = [rng.standard_normal(s).astype(dtype) for s in sizes]
    arrays.append(rng.standard_normal((ADD_BLOCK + 3, 2)).astype(dtype).T)  # non-contiguous
    ours = [ndgrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    assert not ours[-1].array.flags.c_contiguous
    opt_n, opt_t = ndgrad.optim.SGD(ours, **kw), torch.optim.SGD(theirs, **kw)
    for _ in range(3):
        for p, q in zip(ours, theirs):
            g = rng.standard_normal(p.shape).astype(dtype)
            p.grad, q.grad = ndgrad.tensor(g), torch.tensor(g)
        opt_n.step()
        opt_t.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), **TOL[dtype])


def test_sgd_step_allocates_no_parameter_sized_temporary():
    import tracemalloc

    p = ndgrad.zeros(16 * ADD_BLOCK, requires_grad=True)  # 4 MiB of float32, 16 blocks
    opt = ndgrad.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)
    p.grad = ndgrad.ones(p.shape)
    opt.step()  # the first step allocates the momentum buffer
    tracemalloc.start()
    opt.step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < p.array.nbytes // 8


# -- Linear: outputs of at least the pool's MIN_BYTES come from the workspace pool ---------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows", [4, 300])  # 4 x 64 outputs: plain; 300 x 64: a pool block
@pytest.mark.parametrize("pool_on", [True, False])
def test_linear_output_below_and_above_the_pool_threshold(monkeypatch, dtype, rows, pool_on):
    itemsize = np.dtype(dtype).itemsize
    assert (rows * 64 * itemsize >= _workspace.MIN_BYTES) == (rows == 300)
    if not pool_on:
        monkeypatch.setattr(_workspace, "_limit", 0)
    rng = np.random.default_rng(rows)
    x, w, b = (
        rng.standard_normal((2, rows // 2, 32)),
        rng.standard_normal((64, 32)),
        rng.standard_normal(64),
    )
    _compare(F.linear, torch.nn.functional.linear, [x, w, b], dtype)


# -- large results of add/sub/mul, matmul, cat, reshape copies, layer norm backward: pool blocks --
def _from_pool(arr) -> bool:
    while arr.base is not None:
        arr = arr.base
    return any(arr is block for bucket in _workspace._blocks.values() for block in bucket)


@pytest.mark.parametrize("op", ["add", "sub", "mul"])
@pytest.mark.parametrize(
    "shapes",
    [
        ((300, 64), (300, 64)),
        ((300, 64), (64,)),
        ((64,), (300, 64)),
        ((300, 64), ()),
        ((4, 64), (4, 64)),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_elementwise_results_are_pool_blocks(op, shapes, dtype):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    _compare(getattr(ndgrad, op), getattr(torch, op), arrays, dtype)
    out = getattr(ndgrad, op)(*[ndgrad.tensor(a.astype(dtype)) for a in arrays])
    large = max(a.size for a in arrays) * np.dtype(dtype).itemsize >= _workspace.MIN_BYTES
    assert _from_pool(out.array) == large


@pytest.mark.parametrize("op", ["add", "sub", "mul"])
def test_large_integer_and_python_scalar_operands_keep_pytorch_dtypes(op):
    a = np.arange(300 * 64, dtype=np.int64).reshape(300, 64)
    for other in (3, 2.5, np.ones(64, np.int32)):
        ours = getattr(ndgrad, op)(
            ndgrad.tensor(a), ndgrad.tensor(other) if isinstance(other, np.ndarray) else other
        )
        ref = getattr(torch, op)(
            torch.tensor(a), torch.tensor(other) if isinstance(other, np.ndarray) else other
        )
        assert str(ours.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1]
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [((300, 64), (64, 80)), ((4, 80, 64), (64, 70)), ((2, 1, 80, 64), (3, 64, 70))],
)
def test_large_matmul_products_are_pool_blocks(shape_a, shape_b):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(shape_a), rng.standard_normal(shape_b)]
    _compare(ndgrad.matmul, torch.matmul, arrays, np.float32, dict(rtol=1e-4, atol=1e-4))
    out = ndgrad.matmul(*[ndgrad.tensor(a.astype(np.float32)) for a in arrays])
    assert _from_pool(out.array)


def test_large_cat_and_reshape_copies_are_pool_blocks():
    rng = np.random.default_rng(2)
    parts = [rng.standard_normal((100, 64, n)) for n in (3, 5)]
    _compare(
        lambda a, b: ndgrad.cat([a, b], -1), lambda a, b: torch.cat([a, b], -1), parts, np.float32
    )
    assert _from_pool(ndgrad.cat([ndgrad.tensor(p.astype(np.float32)) for p in parts], 2).array)
    x = rng.standard_normal((64, 300, 5))
    _compare(
        lambda t: t.transpose(0, 1).reshape(-1, 5 * 64),
        lambda t: t.transpose(0, 1).reshape(-1, 5 * 64),
        [x],
        np.float32,
    )
    copied = ndgrad.tensor(x.astype(np.float32)).transpose(0, 1).reshape(300, -1)
    assert _from_pool(copied.array) and copied.shape == (300, 320)
    viewed = ndgrad.tensor(x.astype(np.float32)).transpose(0, 1).reshape(300, 64, 5)
    assert not _from_pool(viewed.array)  # transpose then the same shape: a view, no copy


@pytest.mark.parametrize("rows", [4, 600])  # 600 x 64 float32: the backward's arrays are blocks
def test_layer_norm_backward_below_and_above_the_pool_threshold(rows):
    rng = np.random.default_rng(rows)
    arrays = [rng.standard_normal((rows, 64)), rng.standard_normal(64), rng.standard_normal(64)]
    _compare(
        lambda x, w, b: F.layer_norm(x, (64,), w, b),
        lambda x, w, b: torch.nn.functional.layer_norm(x, (64,), w, b),
        arrays,
        np.float32,
        dict(rtol=1e-4, atol=1e-5),
    )
