"""Behaviour of nn.functional beyond the op table: running statistics, dropout randomness,
embedding gradients, one_hot, in-place forms, and errors with PyTorch's exception types."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ndgrad
import ndgrad.nn.functional as F


def _pair(
    a: np.ndarray, dtype: str = "float64", grad: bool = False
) -> tuple[ndgrad.Tensor, torch.Tensor]:
    return (
        ndgrad.tensor(a, dtype=getattr(ndgrad, dtype), requires_grad=grad),
        torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=grad),
    )


def _close(n: ndgrad.Tensor, t: torch.Tensor, tol: float = 1e-9) -> None:
    np.testing.assert_allclose(np.asarray(n.detach().array), t.detach().numpy(), rtol=tol, atol=tol)


# -- normalization: running statistics --------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (2, 3, 2, 2)])
def test_batch_norm_training_updates_running_stats(dtype: str, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) * 3 + 1
    nx, tx = _pair(x, dtype)
    nm, tm = _pair(rng.standard_normal(3), dtype)
    nv, tv = _pair(rng.uniform(0.5, 2, 3), dtype)
    version = nm._version
    out = F.batch_norm(nx, nm, nv, training=True, momentum=0.3)
    ref = TF.batch_norm(tx, tm, tv, training=True, momentum=0.3)
    tol = 1e-5 if dtype == "float32" else 1e-10
    _close(out, ref, tol)
    _close(nm, tm, tol)
    _close(nv, tv, tol)  # moved toward the unbiased variance, as PyTorch does
    assert nm._version > version
    # evaluation then uses the updated statistics
    _close(F.batch_norm(nx, nm, nv), TF.batch_norm(tx, tm, tv), tol)


def test_batch_norm_training_without_running_stats() -> None:
    x = np.random.default_rng(1).standard_normal((5, 2, 3))
    nx, tx = _pair(x)
    _close(
        F.batch_norm(nx, None, None, training=True), TF.batch_norm(tx, None, None, training=True)
    )


def test_batch_norm_second_order_against_torch() -> None:
    rng = np.random.default_rng(2)
    nx, tx = _pair(rng.standard_normal((4, 2, 3)), grad=True)
    nw, tw = _pair(rng.standard_normal(2), grad=True)
    nout = F.batch_norm(nx, None, None, nw, None, training=True)
    tout = TF.batch_norm(tx, None, None, tw, None, training=True)
    (ng,) = ndgrad.autograd.grad((nout**3).sum(), [nx], create_graph=True)
    (tg,) = torch.autograd.grad((tout**3).sum(), [tx], create_graph=True)
    _close(ng, tg)
    ngg = ndgrad.autograd.grad((ng * ng).sum(), [nx, nw])
    tgg = torch.autograd.grad((tg * tg).sum(), [tx, tw])
    for a, b in zip(ngg, tgg):
        _close(a, b, 1e-8)


def test_instance_norm_updates_running_stats() -> None:
    rng = np.random.default_rng(3)
    nx, tx = _pair(rng.standard_normal((2, 3, 4)))
    nm, tm = _pair(np.zeros(3))
    nv, tv = _pair(np.ones(3))
    _close(F.instance_norm(nx, nm, nv, momentum=0.2), TF.instance_norm(tx, tm, tv, momentum=0.2))
    _close(nm, tm)
    _close(nv, tv)
    _close(
        F.instance_norm(nx, nm, nv, use_input_stats=False),
        TF.instance_norm(tx, tm, tv, use_input_stats=False),
    )


def test_normalization_errors() -> None:
    x = ndgrad.randn(2, 6, 3)
    with pytest.raises(RuntimeError, match="running_mean must be defined"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(ndgrad.randn(1, 3), None, None, training=True)
    with pytest.raises(RuntimeError, match="should contain 6 elements"):
        F.batch_norm(x, ndgrad.zeros(4), ndgrad.ones(4))
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(x, 4)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.layer_norm(x, (4,))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(ndgrad.randn(2, 3, 1))
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.rms_norm(x, (2,))


def test_rms_norm_default_eps_float32() -> None:
    x = np.random.default_rng(4).standard_normal((2, 3)) * 1e-4
    nx, tx = _pair(x, "float32")
    _close(F.rms_norm(nx, (3,)), TF.rms_norm(tx, (3,)), 1e-5)


# -- dropout ------------------------------------------------------------------------------


def test_dropout_statistics_and_scale() -> None:
    ndgrad.manual_seed(0)
    x = ndgrad.ones(200, 100)
    y = F.dropout(x, 0.3)
    vals = np.unique(np.asarray(y.array))
    np.testing.assert_allclose(vals, [0.0, 1 / 0.7], rtol=1e-6)
    kept = float((np.asarray(y.array) != 0).mean())
    assert abs(kept - 0.7) < 0.01
    assert y.dtype == ndgrad.float32


def test_dropout_same_seed_same_mask() -> None:
    x = ndgrad.randn(8, 9)
    ndgrad.manual_seed(123)
    a = F.dropout(x, 0.5)
    ndgrad.manual_seed(123)
    b = F.dropout(x, 0.5)
    c = F.dropout(x, 0.5)
    assert np.array_equal(np.asarray(a.array), np.asarray(b.array))
    assert not np.array_equal(np.asarray(b.array), np.asarray(c.array))


def test_dropout_identity_cases() -> None:
    x = ndgrad.randn(3, 4, requires_grad=True)
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 0.9, training=False) is x
    assert F.dropout2d(x.reshape(1, 3, 4, 1), 0.9, training=False).shape == (1, 3, 4, 1)
    assert F.alpha_dropout(x, 0.5) is x  # training defaults to False there
    zeros = F.dropout(x, 1.0)
    assert not np.asarray(zeros.array).any()


def test_dropout_gradient_is_the_mask() -> None:
    ndgrad.manual_seed(5)
    x = ndgrad.randn(6, 5, requires_grad=True)
    y = F.dropout(x, 0.4)
    y.sum().backward()
    mask = np.asarray(y.array) != 0
    np.testing.assert_allclose(np.asarray(x.grad.array), mask / 0.6, rtol=1e-6)


def test_dropout_inplace() -> None:
    ndgrad.manual_seed(6)
    x = ndgrad.ones(4, 4)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x
    assert set(np.unique(np.asarray(x.array)).tolist()) <= {0.0, 2.0}


def test_dropout_bad_p() -> None:
    x = ndgrad.randn(2)
    for fn in (
        F.dropout,
        F.dropout1d,
        F.dropout2d,
        F.dropout3d,
        F.alpha_dropout,
        F.feature_alpha_dropout,
    ):
        with pytest.raises(ValueError, match="between 0 and 1"):
            fn(x, 1.5)
        with pytest.raises(ValueError, match="between 0 and 1"):
            fn(x, -0.1)


def test_channel_dropout_zeros_whole_channels() -> None:
    ndgrad.manual_seed(7)
    cases = [
        (F.dropout1d, (4, 6, 5)),
        (F.dropout1d, (6, 5)),
        (F.dropout2d, (4, 6, 3, 3)),
        (F.dropout3d, (2, 6, 2, 2, 2)),
    ]
    for fn, shape in cases:
        y = np.asarray(fn(ndgrad.ones(*shape), 0.5).array)
        batched = not (fn is F.dropout1d and len(shape) == 2)
        per_channel = (
            y.reshape(y.shape[0], y.shape[1], -1) if batched else y.reshape(1, y.shape[0], -1)
        )
        assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all(), fn.__name__
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(ndgrad.ones(2, 3, 4, 5))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        F.dropout2d(ndgrad.ones(2, 3, 4))
    assert any("3D input to dropout2d" in str(w.message) for w in caught)


def test_alpha_dropout_keeps_moments() -> None:
    ndgrad.manual_seed(8)
    x = ndgrad.randn(400, 250, dtype=ndgrad.float64)
    y = np.asarray(F.alpha_dropout(x, 0.2, training=True).array)
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    z = np.asarray(F.feature_alpha_dropout(ndgrad.ones(3, 8, 4), 0.5, training=True).array)
    assert (z == z[..., :1]).all()  # one draw per channel


def test_rrelu_training() -> None:
    x = -ndgrad.rand(1000, dtype=ndgrad.float64) - 0.1
    ndgrad.manual_seed(9)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = np.asarray(y.array) / np.asarray(x.array)
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    pos = ndgrad.rand(5) + 0.1
    assert ndgrad.equal(F.rrelu(pos, training=True), pos)
    ndgrad.manual_seed(9)
    again = F.rrelu(x, 0.1, 0.3, training=True)
    assert ndgrad.equal(again, y)


# -- embedding and one_hot -------------------------------------------------------------------


def test_embedding_grad_accumulates_repeated_indices() -> None:
    w = np.random.default_rng(10).standard_normal((5, 3))
    idx = np.array([[0, 2, 2], [4, 2, 0]])
    nw, tw = _pair(w, grad=True)
    up = np.random.default_rng(11).standard_normal((2, 3, 3))
    F.embedding(ndgrad.tensor(idx), nw, padding_idx=2).backward(ndgrad.tensor(up))
    TF.embedding(torch.tensor(idx), tw, padding_idx=2).backward(torch.tensor(up))
    _close(nw.grad, tw.grad)
    assert not np.asarray(nw.grad.array)[2].any()


@pytest.mark.parametrize("scale", [False, True])
def test_embedding_float32_second_order(scale: bool) -> None:
    w = np.random.default_rng(19).standard_normal((4, 3))
    idx = np.array([[0, 1, 1], [3, 1, 0]])
    nw, tw = _pair(w, "float32", grad=True)
    ny = F.embedding(ndgrad.tensor(idx), nw, padding_idx=3, scale_grad_by_freq=scale)
    ty = TF.embedding(torch.tensor(idx), tw, padding_idx=3, scale_grad_by_freq=scale)
    (ng,) = ndgrad.autograd.grad((ny**3).sum(), [nw], create_graph=True)
    (tg,) = torch.autograd.grad((ty**3).sum(), [tw], create_graph=True)
    assert ng.dtype == ndgrad.float32
    _close(ng, tg, 1e-5)
    (ngg,) = ndgrad.autograd.grad((ng * ng).sum(), [nw])
    if not scale:
        _close(ngg, torch.autograd.grad((tg * tg).sum(), [tw])[0], 1e-4)
    else:
        # PyTorch's double backward drops the 1/count scaling (embedding_dense_double_backward);
        # ndgrad differentiates its own backward exactly: check that against finite differences.
        def first(wv: np.ndarray) -> float:
            t = ndgrad.tensor(wv, requires_grad=True)
            y = F.embedding(ndgrad.tensor(idx), t, padding_idx=3, scale_grad_by_freq=True)
            (g,) = ndgrad.autograd.grad((y**3).sum(), [t])
            return float((np.asarray(g.array) ** 2).sum())

        num = np.zeros_like(w)
        for i in np.ndindex(*w.shape):
            d = np.zeros_like(w)
            d[i] = 1e-6
            num[i] = (first(w + d) - first(w - d)) / 2e-6
        np.testing.assert_allclose(np.asarray(ngg.array), num, rtol=1e-3, atol=1e-3)


def test_embedding_max_norm_renormalizes_in_place() -> None:
    w = np.random.default_rng(12).standard_normal((4, 3)) * 3
    nw, tw = _pair(w)
    idx = np.array([1, 3, 3])
    out = F.embedding(ndgrad.tensor(idx), nw, max_norm=1.0)
    ref = TF.embedding(torch.tensor(idx), tw, max_norm=1.0)
    _close(out, ref, 1e-7)
    _close(nw, tw, 1e-7)


def test_embedding_errors() -> None:
    w = ndgrad.randn(3, 2)
    with pytest.raises(IndexError, match="index out of range"):
        F.embedding(ndgrad.tensor([1, 5]), w)
    with pytest.raises(IndexError, match="index out of range"):
        F.embedding(ndgrad.tensor([-1]), w)
    with pytest.raises(RuntimeError, match="Long, Int"):
        F.embedding(ndgrad.tensor([1.0]), w)
    with pytest.raises(AssertionError, match="Padding_idx"):
        F.embedding(ndgrad.tensor([1]), w, padding_idx=3)


def test_one_hot() -> None:
    idx = np.array([[0, 3], [2, 1]])
    out = F.one_hot(ndgrad.tensor(idx))
    ref = TF.one_hot(torch.tensor(idx))
    assert out.dtype == ndgrad.int64 and out.shape == tuple(ref.shape)
    assert np.array_equal(np.asarray(out.array), ref.numpy())
    assert F.one_hot(ndgrad.tensor(idx), 6).shape == (2, 2, 6)
    assert F.one_hot(ndgrad.tensor(np.zeros(0, dtype=np.int64)), 3).shape == (0, 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(ndgrad.tensor([1, -1]))
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(ndgrad.tensor([1, 5]), 3)
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(ndgrad.tensor([1.0]), 3)
    with pytest.raises(RuntimeError, match="empty tensor"):
        F.one_hot(ndgrad.tensor(np.zeros(0, dtype=np.int64)))


# -- activations: in-place forms and errors -----------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "relu",
        "leaky_relu",
        "elu",
        "selu",
        "celu",
        "hardtanh",
        "relu6",
        "silu",
        "mish",
        "hardswish",
        "hardsigmoid",
    ],
)
def test_inplace_activations(name: str) -> None:
    x = np.random.default_rng(13).standard_normal((3, 4)) * 3
    nx, tx = _pair(x)
    out = getattr(F, name)(nx, inplace=True)
    ref = getattr(TF, name)(tx, inplace=True)
    assert out is nx
    _close(nx, ref, 1e-12)


def test_inplace_on_leaf_requiring_grad_raises() -> None:
    x = ndgrad.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.relu(x, inplace=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.elu_(x)


def test_inplace_activation_gradient() -> None:
    x = np.random.default_rng(14).standard_normal(5)
    nx, tx = _pair(x, grad=True)
    ny = nx * 2.0
    F.leaky_relu_(ny, 0.1)
    ny.sum().backward()
    ty = tx * 2.0
    TF.leaky_relu_(ty, 0.1)
    ty.sum().backward()
    _close(nx.grad, tx.grad)


def test_activation_errors() -> None:
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(ndgrad.randn(2, 3))
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers"):
        F.prelu(ndgrad.randn(2, 3), ndgrad.randn(4))
    with pytest.raises(RuntimeError, match="approximate"):
        F.gelu(ndgrad.randn(2), approximate="fast")
    with pytest.raises(IndexError):
        F.glu(ndgrad.randn(2, 4), dim=2)


def test_gumbel_softmax() -> None:
    ndgrad.manual_seed(15)
    logits = ndgrad.randn(4, 5, requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(np.asarray(soft.sum(-1).array), 1.0, rtol=1e-5)
    hard = F.gumbel_softmax(logits, hard=True)
    assert set(np.unique(np.asarray(hard.array)).tolist()) == {0.0, 1.0}
    (hard * ndgrad.arange(5.0)).sum().backward()
    assert logits.grad is not None and np.abs(np.asarray(logits.grad.array)).sum() > 0


# -- linear, distances, attention: behaviour and errors ----------------------------------------


def test_linear_errors() -> None:
    with pytest.raises(RuntimeError, match=r"cannot be multiplied \(2x3 and 5x4\)"):
        F.linear(ndgrad.randn(2, 3), ndgrad.randn(4, 5))
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(ndgrad.randn(2, 3), ndgrad.randn(4, 3, dtype=ndgrad.float64))


def test_linear_float32_matches_torch() -> None:
    rng = np.random.default_rng(16)
    nx, tx = _pair(rng.standard_normal((2, 3, 4)), "float32", grad=True)
    nw, tw = _pair(rng.standard_normal((5, 4)), "float32", grad=True)
    nb, tb = _pair(rng.standard_normal(5), "float32", grad=True)
    F.linear(nx, nw, nb).sum().backward()
    TF.linear(tx, tw, tb).sum().backward()
    for a, b in ((nx, tx), (nw, tw), (nb, tb)):
        assert a.grad.dtype == ndgrad.float32
        _close(a.grad, b.grad, 1e-5)


def test_distance_gradient_at_zero_is_zero() -> None:
    x = ndgrad.zeros(2, 3, requires_grad=True)
    F.normalize(x).sum().backward()
    assert np.isfinite(np.asarray(x.grad.array)).all()
    y = ndgrad.tensor([[1.0, 2.0], [1.0, 2.0]], requires_grad=True)
    F.pdist(y).sum().backward()
    assert not np.asarray(y.grad.array).any()


def test_distance_errors() -> None:
    with pytest.raises(RuntimeError, match="pdist only supports 2D"):
        F.pdist(ndgrad.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match="same number of columns"):
        F.cdist(ndgrad.randn(2, 3), ndgrad.randn(2, 4))
    with pytest.raises(IndexError):
        F.cosine_similarity(ndgrad.randn(2, 3), ndgrad.randn(2, 3), dim=2)


def test_sdpa_fully_masked_row_is_zero_like_torch() -> None:
    rng = np.random.default_rng(17)
    q = rng.standard_normal((1, 2, 3, 4))
    mask = np.ones((3, 3), dtype=bool)
    mask[1] = False
    nq, tq = _pair(q, grad=True)
    nout = F.scaled_dot_product_attention(nq, nq, nq, attn_mask=ndgrad.tensor(mask))
    tout = TF.scaled_dot_product_attention(tq, tq, tq, attn_mask=torch.tensor(mask))
    _close(nout, tout)
    nout.sum().backward()
    tout.sum().backward()
    assert np.isfinite(np.asarray(nq.grad.array)).all()
    _close(nq.grad, tq.grad)


def test_sdpa_keeps_no_attention_matrix_and_merges_heads_as_a_view() -> None:
    """As PyTorch's CPU kernel: the node keeps q, k, v, the output and the rows' normalisers, not
    the (L, S) weights (backward recomputes them); heads split from one projection come back in
    that layout, so merging them is a view."""
    rng = np.random.default_rng(19)
    b, t, h, e = 2, 6, 3, 4
    qkv = rng.standard_normal((b, t, 3 * h * e))
    nx, tx = _pair(qkv, grad=True)
    outs = []
    for x, lib in ((nx, ndgrad), (tx, torch)):
        q, k, v = (z.reshape(b, t, h, e).transpose(1, 2) for z in x.split(h * e, dim=2))
        out = lib.nn.functional.scaled_dot_product_attention(q, k, v)
        outs.append(out)
        if lib is ndgrad:  # what the node keeps until backward
            kept = [tuple(s.shape) for s in out.grad_fn._saved if hasattr(s, "shape")]
        merged = out.transpose(1, 2).reshape(b, t, h * e)
        (merged * merged).sum().backward()
    nout, tout = outs
    _close(nout, tout)
    _close(nx.grad, tx.grad)
    assert nout.transpose(1, 2).array.flags.c_contiguous
    assert kept and all(shape[-2:] != (t, t) for shape in kept)


def test_sdpa_dropout_is_seeded() -> None:
    q = ndgrad.randn(2, 3, 4)
    ndgrad.manual_seed(18)
    a = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    ndgrad.manual_seed(18)
    b = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    c = F.scaled_dot_product_attention(q, q, q)
    assert ndgrad.equal(a, b) and not ndgrad.equal(a, c)


def test_sdpa_errors() -> None:
    q = ndgrad.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(
            q, q, q, attn_mask=ndgrad.ones(3, 3, dtype=ndgrad.bool), is_causal=True
        )
    with pytest.raises(RuntimeError, match="embedding size"):
        F.scaled_dot_product_attention(q, ndgrad.randn(2, 3, 5), q)


def test_pixel_shuffle_roundtrip_and_errors() -> None:
    x = ndgrad.randn(2, 8, 3, 2)
    assert ndgrad.equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2), x)
    with pytest.raises(RuntimeError, match="divisible"):
        F.pixel_shuffle(ndgrad.randn(1, 3, 2, 2), 2)


_NORM_CALLS = {
    "layer_norm": (lambda f, x, w, b: f.layer_norm(x, (5,), w, b), (3, 4, 5), 5),
    "layer_norm_2dims": (
        lambda f, x, w, b: f.layer_norm(x, (4, 5), w.reshape(4, 5), b.reshape(4, 5)),
        (3, 4, 5),
        20,
    ),
    "batch_norm": (lambda f, x, w, b: f.batch_norm(x, None, None, w, b, True), (4, 3, 2, 2), 3),
    "batch_norm_2d": (lambda f, x, w, b: f.batch_norm(x, None, None, w, b, True), (6, 3), 3),
    "instance_norm": (lambda f, x, w, b: f.instance_norm(x, weight=w, bias=b), (2, 3, 4), 3),
    "group_norm": (lambda f, x, w, b: f.group_norm(x, 2, w, b), (2, 4, 3), 4),
}


@pytest.mark.parametrize("name", list(_NORM_CALLS))
@pytest.mark.parametrize(
    "needs", [(True, True, True), (True, False, False), (False, True, True), (False, False, True)]
)
def test_norm_first_order_float32_against_torch(name: str, needs: tuple[bool, bool, bool]) -> None:
    """The array fast path of the fused norms: values, gradients and float32 dtypes, any subset
    of grads."""
    call, shape, c = _NORM_CALLS[name]
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(shape) * 2 + 1, rng.standard_normal(c), rng.standard_normal(c)]
    pairs = [_pair(a, "float32", grad=r) for a, r in zip(arrays, needs)]
    gout = rng.standard_normal(shape[::-1]).astype(np.float32)
    perm = tuple(range(len(shape)))[::-1]
    nout = call(F, *(p[0] for p in pairs))
    tout = call(TF, *(p[1] for p in pairs))
    _close(nout, tout, 1e-5)
    nout.backward(ndgrad.tensor(gout).permute(perm))  # a non-contiguous upstream gradient
    tout.backward(torch.tensor(gout).permute(perm))
    for (n, t), r in zip(pairs, needs):
        if r:
            assert n.grad is not None and n.grad.dtype == ndgrad.float32
            _close(n.grad, t.grad, 2e-4)
