"""Op-table rows for the nn kernels (ndgrad/ops/nn_ops.py), called through nn.functional.

Random ops (dropout) appear only in their deterministic settings here; their statistics, the
running-statistics updates of batch_norm and the error cases are in tests/test_nn_functional.py.
"""

from __future__ import annotations

import numpy as np

from tests.optable import F, OpCase


def _idx(shape: tuple[int, ...], high: int):  # type: ignore[no-untyped-def]
    return lambda rng: [rng.integers(0, high, size=shape)]


def _bool_mask(shape: tuple[int, ...]):  # type: ignore[no-untyped-def]
    def make(rng: np.random.Generator) -> list[np.ndarray]:
        mask = rng.random(shape) < 0.7
        mask[..., 0] = True  # every query sees at least one key
        return [mask]

    return make


def _stats(channels: int):  # type: ignore[no-untyped-def]
    return lambda rng: [rng.standard_normal(channels), rng.uniform(0.5, 2.0, size=channels)]


def _bn_eval(m, x, w, b, rm, rv):  # type: ignore[no-untyped-def]
    return F(m).batch_norm(x, rm.to(x.dtype), rv.to(x.dtype), w, b, training=False, eps=1e-3)


def _cdist(m):  # type: ignore[no-untyped-def]
    """PyTorch has cdist at the top level only; ndgrad keeps it with the other distances."""
    return m.cdist if m.__name__ == "torch" else F(m).cdist


CASES = [
    OpCase("F.linear", lambda m, x, w, b: F(m).linear(x, w, b), [(3, 4), (5, 4), (5,)]),
    OpCase("F.linear_batched", lambda m, x, w, b: F(m).linear(x, w, b), [(2, 3, 4), (5, 4), (5,)]),
    OpCase("F.linear_nobias", lambda m, x, w: F(m).linear(x, w), [(3, 4), (2, 4)]),
    OpCase("F.linear_1d", lambda m, x, w, b: F(m).linear(x, w, b), [(4,), (3, 4), (3,)]),
    OpCase("F.linear_empty", lambda m, x, w, b: F(m).linear(x, w, b), [(0, 4), (3, 4), (3,)]),
    OpCase("F.linear_bias_bcast", lambda m, x, w, b: F(m).linear(x, w, b), [(2, 4), (3, 4), (1,)]),
    OpCase(
        "F.bilinear",
        lambda m, x, y, w, b: F(m).bilinear(x, y, w, b),
        [(3, 2), (3, 4), (5, 2, 4), (5,)],
    ),
    OpCase(
        "F.bilinear_batched",
        lambda m, x, y, w: F(m).bilinear(x, y, w),
        [(2, 3, 2), (2, 3, 3), (2, 2, 3)],
    ),
    OpCase(
        "F.batch_norm_train",
        lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True),
        [(4, 3, 2), (3,), (3,)],
    ),
    OpCase(
        "F.batch_norm_train_2d",
        lambda m, x: F(m).batch_norm(x, None, None, training=True),
        [(5, 3)],
    ),
    OpCase(
        "F.batch_norm_train_4d",
        lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, True, 0.1, 1e-3),
        [(2, 2, 2, 3), (2,), (2,)],
    ),
    OpCase("F.batch_norm_eval", _bn_eval, [(4, 3, 2), (3,), (3,)], consts=_stats(3)),
    OpCase(
        "F.layer_norm", lambda m, x, w, b: F(m).layer_norm(x, (4,), w, b), [(2, 3, 4), (4,), (4,)]
    ),
    OpCase("F.layer_norm_2dims", lambda m, x: F(m).layer_norm(x, [3, 4]), [(2, 3, 4)]),
    OpCase(
        "F.layer_norm_int_shape",
        lambda m, x, w: F(m).layer_norm(x, (3,), w, eps=1e-2),
        [(3,), (3,)],
    ),
    OpCase("F.group_norm", lambda m, x, w, b: F(m).group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    OpCase("F.group_norm_one", lambda m, x: F(m).group_norm(x, 1), [(2, 3, 2, 2)]),
    OpCase(
        "F.instance_norm",
        lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b),
        [(2, 3, 4), (3,), (3,)],
    ),
    OpCase("F.instance_norm_4d", lambda m, x: F(m).instance_norm(x), [(2, 2, 2, 3)]),
    OpCase("F.rms_norm", lambda m, x, w: F(m).rms_norm(x, (4,), w), [(2, 3, 4), (4,)]),
    OpCase("F.rms_norm_eps", lambda m, x: F(m).rms_norm(x, [3, 4], eps=1e-3), [(2, 3, 4)]),
    OpCase(
        "F.local_response_norm", lambda m, x: F(m).local_response_norm(x, 3, alpha=0.1), [(2, 5, 3)]
    ),
    OpCase(
        "F.local_response_norm_4d",
        lambda m, x: F(m).local_response_norm(x, 2, 0.5, 0.5, 2.0),
        [(1, 4, 2, 2)],
    ),
    OpCase("F.dropout_eval", lambda m, x: F(m).dropout(x, 0.5, training=False), [(3, 4)]),
    OpCase("F.dropout_p0", lambda m, x: F(m).dropout(x, 0.0), [(3, 4)]),
    OpCase("F.dropout2d_eval", lambda m, x: F(m).dropout2d(x, training=False), [(2, 3, 2, 2)]),
    OpCase("F.alpha_dropout_eval", lambda m, x: F(m).alpha_dropout(x, 0.3), [(3, 4)]),
    OpCase("F.embedding", lambda m, w, i: F(m).embedding(i, w), [(5, 3)], consts=_idx((2, 4), 5)),
    OpCase("F.embedding_1d", lambda m, w, i: F(m).embedding(i, w), [(4, 2)], consts=_idx((6,), 4)),
    OpCase(
        "F.embedding_padding",
        lambda m, w, i: F(m).embedding(i, w, padding_idx=1),
        [(3, 2)],
        consts=_idx((7,), 3),
        fd=False,
    ),
    OpCase(
        "F.embedding_padding_neg",
        lambda m, w, i: F(m).embedding(i, w, padding_idx=-1),
        [(3, 2)],
        consts=_idx((7,), 3),
        fd=False,
    ),
    OpCase(
        "F.embedding_freq",
        lambda m, w, i: F(m).embedding(i, w, scale_grad_by_freq=True),
        [(4, 2)],
        consts=_idx((3, 3), 4),
        fd=False,  # the scaled gradient is not the function's derivative, by design
    ),
    OpCase("F.normalize", lambda m, x: F(m).normalize(x), [(3, 4)]),
    OpCase(
        "F.normalize_p1",
        lambda m, x: F(m).normalize(x, p=1.0, dim=-1),
        [(2, 3, 4)],
        low=0.1,
        high=2.0,
    ),
    OpCase("F.normalize_0d", lambda m, x: F(m).normalize(x, dim=0), [()]),
    OpCase("F.normalize_p3", lambda m, x: F(m).normalize(x, p=3, dim=0), [(3, 2)]),
    OpCase("F.cosine_similarity", lambda m, x, y: F(m).cosine_similarity(x, y), [(3, 4), (3, 4)]),
    OpCase(
        "F.cosine_similarity_bcast",
        lambda m, x, y: F(m).cosine_similarity(x, y, dim=-1),
        [(3, 4), (1, 4)],
    ),
    OpCase("F.pairwise_distance", lambda m, x, y: F(m).pairwise_distance(x, y), [(3, 4), (3, 4)]),
    OpCase(
        "F.pairwise_distance_p1",
        lambda m, x, y: F(m).pairwise_distance(x, y, 1.0, keepdim=True),
        [(3, 4), (1, 4)],
        gradgrad=False,
    ),
    OpCase("F.pairwise_distance_1d", lambda m, x, y: F(m).pairwise_distance(x, y), [(4,), (4,)]),
    OpCase("F.pairwise_distance_0d", lambda m, x, y: F(m).pairwise_distance(x, y), [(), ()]),
    OpCase("F.pdist", lambda m, x: F(m).pdist(x), [(4, 3)], gradgrad=False),
    OpCase("F.pdist_p1", lambda m, x: F(m).pdist(x, 1.0), [(3, 2)], gradgrad=False),
    OpCase("F.cdist", lambda m, x, y: _cdist(m)(x, y), [(2, 3, 4), (2, 5, 4)], gradgrad=False),
    OpCase("F.cdist_p1", lambda m, x, y: _cdist(m)(x, y, p=1.0), [(3, 2), (4, 2)], gradgrad=False),
    OpCase(
        "F.cdist_pinf",
        lambda m, x, y: _cdist(m)(x, y, p=float("inf")),
        [(3, 2), (4, 2)],
        gradgrad=False,
    ),
    OpCase(
        "F.sdpa",
        lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v),
        [(2, 3, 4), (2, 5, 4), (2, 5, 2)],
    ),
    OpCase(
        "F.sdpa_4d_scale",
        lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v, scale=0.3),
        [(1, 2, 3, 2), (1, 2, 3, 2), (1, 2, 3, 2)],
        gradgrad=False,  # PyTorch's fused 4-d CPU kernel has no double backward; 3-d rows cover it
    ),
    OpCase(
        "F.sdpa_causal",
        lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v, is_causal=True),
        [(2, 4, 3), (2, 4, 3), (2, 4, 2)],
    ),
    OpCase(
        "F.sdpa_bool_mask",
        lambda m, q, k, v, mask: F(m).scaled_dot_product_attention(q, k, v, attn_mask=mask),
        [(2, 3, 2), (2, 4, 2), (2, 4, 2)],
        consts=_bool_mask((3, 4)),
    ),
    OpCase(
        "F.sdpa_float_mask",
        lambda m, q, k, v, mask: F(m).scaled_dot_product_attention(q, k, v, attn_mask=mask),
        [(2, 3, 2), (2, 4, 2), (2, 4, 2), (3, 4)],
    ),
    OpCase(
        "F.sdpa_gqa",
        lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v, enable_gqa=True),
        [(1, 4, 2, 3), (1, 2, 3, 3), (1, 2, 3, 2)],
    ),
    OpCase("F.pixel_shuffle", lambda m, x: F(m).pixel_shuffle(x, 2), [(1, 8, 2, 3)]),
    OpCase("F.pixel_shuffle_3d", lambda m, x: F(m).pixel_shuffle(x, 2), [(4, 1, 2)]),
    OpCase("F.pixel_unshuffle", lambda m, x: F(m).pixel_unshuffle(x, 2), [(2, 1, 4, 2)]),
]
