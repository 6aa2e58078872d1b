"""Op-table rows for the loss family (ndgrad/ops/loss.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.optable import F, OpCase


def _targets(shape: tuple[int, ...], n_classes: int, ignore: int | None = None) -> Any:
    """Class-index targets (int64); with ``ignore``, the first element is that index."""

    def make(rng: np.random.Generator) -> list[np.ndarray]:
        t = rng.integers(0, n_classes, size=shape).astype(np.int64)
        if ignore is not None and t.size:
            t.reshape(-1)[0] = ignore
        return [t]

    return make


def _targets_weight(shape: tuple[int, ...], n_classes: int, ignore: int | None = None) -> Any:
    def make(rng: np.random.Generator) -> list[np.ndarray]:
        (t,) = _targets(shape, n_classes, ignore)(rng)
        return [t, rng.uniform(0.2, 2.0, size=n_classes)]

    return make


def _signs(*shape: int) -> Any:
    return lambda rng: [np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)]


def _uniform(lo: float, hi: float, *shapes: tuple[int, ...]) -> Any:
    return lambda rng: [rng.uniform(lo, hi, size=s) for s in shapes]


PROB = dict(make=lambda rng, shape: rng.uniform(0.05, 0.95, size=shape))
POS = dict(make=lambda rng, shape: rng.uniform(0.2, 2.0, size=shape))


def ce(**kw: Any) -> Any:
    return lambda m, x, t: F(m).cross_entropy(x, t, **kw)


def ce_w(**kw: Any) -> Any:
    return lambda m, x, t, w: F(m).cross_entropy(x, t, weight=w.to(x.dtype), **kw)


def nll(**kw: Any) -> Any:
    return lambda m, x, t: F(m).nll_loss(x, t, **kw)


def nll_w(**kw: Any) -> Any:
    return lambda m, x, t, w: F(m).nll_loss(x, t, weight=w.to(x.dtype), **kw)


CASES = [
    # cross_entropy, class-index targets
    OpCase("ce_mean", ce(), [(4, 5)], consts=_targets((4,), 5)),
    OpCase("ce_sum", ce(reduction="sum"), [(4, 5)], consts=_targets((4,), 5)),
    OpCase("ce_none", ce(reduction="none"), [(4, 5)], consts=_targets((4,), 5)),
    OpCase(
        "ce_large_logits",
        ce(),
        [(3, 4)],
        low=-80,
        high=80,
        consts=_targets((3,), 4),
        gradgrad=False,
    ),
    OpCase("ce_weight_mean", ce_w(), [(4, 5)], consts=_targets_weight((4,), 5)),
    OpCase("ce_weight_sum", ce_w(reduction="sum"), [(4, 5)], consts=_targets_weight((4,), 5)),
    OpCase("ce_weight_none", ce_w(reduction="none"), [(4, 5)], consts=_targets_weight((4,), 5)),
    OpCase("ce_ignore_mean", ce(), [(4, 5)], consts=_targets((4,), 5, ignore=-100)),
    OpCase("ce_ignore_none", ce(reduction="none"), [(4, 5)], consts=_targets((4,), 5, ignore=-100)),
    OpCase(
        "ce_ignore_index_2_weight",
        ce_w(ignore_index=2),
        [(5, 4)],
        consts=_targets_weight((5,), 4, ignore=2),
    ),
    OpCase("ce_smooth_mean", ce(label_smoothing=0.1), [(4, 5)], consts=_targets((4,), 5)),
    OpCase(
        "ce_smooth_none",
        ce(label_smoothing=0.3, reduction="none"),
        [(4, 5)],
        consts=_targets((4,), 5),
    ),
    OpCase(
        "ce_smooth_sum_ignore",
        ce(label_smoothing=0.2, reduction="sum"),
        [(4, 5)],
        consts=_targets((4,), 5, ignore=-100),
    ),
    OpCase(
        "ce_smooth_weight_ignore_mean",
        ce_w(label_smoothing=0.25),
        [(5, 4)],
        consts=_targets_weight((5,), 4, ignore=-100),
    ),
    OpCase(
        "ce_smooth_weight_none",
        ce_w(label_smoothing=0.4, reduction="none"),
        [(3, 4)],
        consts=_targets_weight((3,), 4),
    ),
    OpCase("ce_nchw", ce(), [(2, 3, 2, 2)], consts=_targets((2, 2, 2), 3)),
    OpCase("ce_nchw_none", ce(reduction="none"), [(2, 3, 2, 2)], consts=_targets((2, 2, 2), 3)),
    OpCase(
        "ce_nchw_weight_smooth_ignore",
        ce_w(label_smoothing=0.1),
        [(2, 3, 2, 2)],
        consts=_targets_weight((2, 2, 2), 3, ignore=-100),
    ),
    OpCase("ce_ncl_none", ce(reduction="none"), [(2, 3, 4)], consts=_targets((2, 4), 3)),
    OpCase("ce_unbatched", ce(), [(5,)], consts=lambda rng: [np.array(3, dtype=np.int64)]),
    OpCase(
        "ce_unbatched_none_smooth",
        ce(reduction="none", label_smoothing=0.2),
        [(5,)],
        consts=lambda rng: [np.array(1, dtype=np.int64)],
    ),
    OpCase("ce_one_class", ce(), [(3, 1)], consts=lambda rng: [np.zeros(3, dtype=np.int64)]),
    # cross_entropy, probability targets (the target gets a gradient too)
    OpCase("ce_probs_mean", lambda m, x, y: F(m).cross_entropy(x, y), [(4, 5), (4, 5)], **PROB),
    OpCase(
        "ce_probs_none",
        lambda m, x, y: F(m).cross_entropy(x, y, reduction="none"),
        [(4, 5), (4, 5)],
        **PROB,
    ),
    OpCase(
        "ce_probs_sum_smooth",
        lambda m, x, y: F(m).cross_entropy(x, y, reduction="sum", label_smoothing=0.2),
        [(3, 4), (3, 4)],
        **PROB,
    ),
    OpCase(
        "ce_probs_weight_smooth",
        lambda m, x, y, w: F(m).cross_entropy(x, y, weight=w.to(x.dtype), label_smoothing=0.3),
        [(3, 4), (3, 4)],
        consts=_uniform(0.2, 2.0, (4,)),
        **PROB,
    ),
    OpCase(
        "ce_probs_nchw_weight",
        lambda m, x, y, w: F(m).cross_entropy(x, y, weight=w.to(x.dtype)),
        [(2, 3, 2, 2), (2, 3, 2, 2)],
        consts=_uniform(0.2, 2.0, (3,)),
        **PROB,
    ),
    OpCase(
        "ce_probs_weight_grad",
        lambda m, x, y, w: F(m).cross_entropy(x, y, weight=w, label_smoothing=0.1),
        [(3, 4), (3, 4), (4,)],
        **PROB,
    ),
    OpCase("ce_probs_unbatched", lambda m, x, y: F(m).cross_entropy(x, y), [(4,), (4,)], **PROB),
    # nll_loss
    OpCase("nll_mean", nll(), [(4, 5)], consts=_targets((4,), 5)),
    OpCase("nll_sum", nll(reduction="sum"), [(4, 5)], consts=_targets((4,), 5)),
    OpCase("nll_none", nll(reduction="none"), [(4, 5)], consts=_targets((4,), 5)),
    OpCase(
        "nll_weight_ignore_mean", nll_w(), [(5, 4)], consts=_targets_weight((5,), 4, ignore=-100)
    ),
    OpCase(
        "nll_weight_ignore_none",
        nll_w(reduction="none"),
        [(5, 4)],
        consts=_targets_weight((5,), 4, ignore=-100),
    ),
    OpCase("nll_ignore_index_1", nll(ignore_index=1), [(5, 3)], consts=_targets((5,), 3, ignore=1)),
    OpCase("nll_nchw_weight", nll_w(), [(2, 3, 2, 2)], consts=_targets_weight((2, 2, 2), 3)),
    OpCase("nll_nchw_none", nll(reduction="none"), [(2, 3, 2, 2)], consts=_targets((2, 2, 2), 3)),
    OpCase("nll_unbatched", nll(), [(5,)], consts=lambda rng: [np.array(2, dtype=np.int64)]),
    # regression
    OpCase("mse", lambda m, x, y: F(m).mse_loss(x, y), [(3, 4), (3, 4)]),
    OpCase("mse_sum", lambda m, x, y: F(m).mse_loss(x, y, reduction="sum"), [(3, 4), (3, 4)]),
    OpCase("mse_none", lambda m, x, y: F(m).mse_loss(x, y, reduction="none"), [(3, 4), (3, 4)]),
    OpCase(
        "mse_broadcast_none", lambda m, x, y: F(m).mse_loss(x, y, reduction="none"), [(3, 4), (4,)]
    ),
    OpCase("mse_0d", lambda m, x, y: F(m).mse_loss(x, y), [(), ()]),
    OpCase(
        "mse_weight",
        lambda m, x, y, w: F(m).mse_loss(x, y, weight=w),
        [(3, 4), (3, 4), (3, 4)],
        **POS,
    ),
    OpCase("l1", lambda m, x, y: F(m).l1_loss(x, y), [(3, 4), (3, 4)], gradgrad=False),
    OpCase(
        "l1_none",
        lambda m, x, y: F(m).l1_loss(x, y, reduction="none"),
        [(3, 4), (3, 4)],
        gradgrad=False,
    ),
    OpCase(
        "l1_weight_sum",
        lambda m, x, y, w: F(m).l1_loss(x, y, reduction="sum", weight=w),
        [(3, 4), (3, 4), (3, 4)],
        gradgrad=False,
    ),
    OpCase("smooth_l1", lambda m, x, y: F(m).smooth_l1_loss(x, y), [(3, 4), (3, 4)]),
    OpCase(
        "smooth_l1_beta_none",
        lambda m, x, y: F(m).smooth_l1_loss(x, y, reduction="none", beta=0.5),
        [(3, 4), (3, 4)],
    ),
    OpCase(
        "smooth_l1_beta0",
        lambda m, x, y: F(m).smooth_l1_loss(x, y, beta=0.0),
        [(3, 4), (3, 4)],
        gradgrad=False,
    ),
    OpCase("huber", lambda m, x, y: F(m).huber_loss(x, y), [(3, 4), (3, 4)]),
    OpCase(
        "huber_delta_sum",
        lambda m, x, y: F(m).huber_loss(x, y, reduction="sum", delta=0.7),
        [(3, 4), (3, 4)],
    ),
    OpCase(
        "huber_weight",
        lambda m, x, y, w: F(m).huber_loss(x, y, delta=0.5, weight=w),
        [(3, 4), (3, 4), (3, 4)],
        **POS,
    ),
    # binary classification
    OpCase("bce", lambda m, x, y: F(m).binary_cross_entropy(x, y), [(3, 4), (3, 4)], **PROB),
    OpCase(
        "bce_none",
        lambda m, x, y: F(m).binary_cross_entropy(x, y, reduction="none"),
        [(3, 4), (3, 4)],
        **PROB,
    ),
    OpCase(
        "bce_weight_sum",
        lambda m, x, y, w: F(m).binary_cross_entropy(x, y, weight=w.to(x.dtype), reduction="sum"),
        [(3, 4), (3, 4)],
        consts=_uniform(0.2, 2.0, (4,)),
        **PROB,
    ),
    OpCase(
        "bce_logits",
        lambda m, x, y: F(m).binary_cross_entropy_with_logits(x, y),
        [(3, 4), (3, 4)],
        **PROB,
    ),
    OpCase(
        "bce_logits_wide",
        lambda m, x, y: F(m).binary_cross_entropy_with_logits(x, y.to(x.dtype), reduction="none"),
        [(3, 4)],
        low=-40,
        high=40,
        consts=_uniform(0.0, 1.0, (3, 4)),
    ),
    OpCase(
        "bce_logits_pos_weight",
        lambda m, x, y, pw: F(m).binary_cross_entropy_with_logits(x, y, pos_weight=pw.to(x.dtype)),
        [(3, 4), (3, 4)],
        consts=_uniform(0.2, 3.0, (4,)),
        **PROB,
    ),
    OpCase(
        "bce_logits_weight_pos_weight_none",
        lambda m, x, y, w, pw: F(m).binary_cross_entropy_with_logits(
            x, y.to(x.dtype), weight=w.to(x.dtype), reduction="none", pos_weight=pw.to(x.dtype)
        ),
        [(3, 4)],
        consts=_uniform(0.0, 1.0, (3, 4), (3, 1), (4,)),
    ),
    OpCase(
        "soft_margin",
        lambda m, x, y: F(m).soft_margin_loss(x, y.to(x.dtype)),
        [(3, 4)],
        consts=_signs(3, 4),
    ),
    OpCase(
        "soft_margin_none",
        lambda m, x, y: F(m).soft_margin_loss(x, y.to(x.dtype), reduction="none"),
        [(5,)],
        consts=_signs(5),
    ),
    OpCase(
        "multilabel_soft_margin",
        lambda m, x, y: F(m).multilabel_soft_margin_loss(x, y.to(x.dtype)),
        [(3, 4)],
        consts=lambda rng: [(rng.uniform(size=(3, 4)) < 0.5).astype(np.float64)],
    ),
    OpCase(
        "multilabel_soft_margin_weight_none",
        lambda m, x, y, w: F(m).multilabel_soft_margin_loss(
            x, y.to(x.dtype), weight=w.to(x.dtype), reduction="none"
        ),
        [(3, 4)],
        consts=lambda rng: [
            (rng.uniform(size=(3, 4)) < 0.5).astype(np.float64),
            rng.uniform(0.2, 2, size=4),
        ],
    ),
    # distributions
    OpCase(
        "kl_div_batchmean",
        lambda m, x, y: F(m).kl_div(x, y, reduction="batchmean"),
        [(3, 4), (3, 4)],
        **PROB,
    ),
    OpCase(
        "kl_div_sum", lambda m, x, y: F(m).kl_div(x, y, reduction="sum"), [(3, 4), (3, 4)], **PROB
    ),
    OpCase(
        "kl_div_none", lambda m, x, y: F(m).kl_div(x, y, reduction="none"), [(3, 4), (3, 4)], **PROB
    ),
    OpCase(
        "kl_div_mean", lambda m, x, y: F(m).kl_div(x, y, reduction="mean"), [(3, 4), (3, 4)], **PROB
    ),
    OpCase(
        "kl_div_log_target",
        lambda m, x, y: F(m).kl_div(x, y, reduction="batchmean", log_target=True),
        [(3, 4), (3, 4)],
    ),
    OpCase("kl_div_0d", lambda m, x, y: F(m).kl_div(x, y, reduction="batchmean"), [(), ()], **PROB),
    OpCase("poisson_nll", lambda m, x, y: F(m).poisson_nll_loss(x, y), [(3, 4), (3, 4)], **POS),
    OpCase(
        "poisson_nll_not_log_none",
        lambda m, x, y: F(m).poisson_nll_loss(x, y, log_input=False, reduction="none"),
        [(3, 4), (3, 4)],
        **POS,
    ),
    OpCase(
        "poisson_nll_full_sum",
        lambda m, x, y: F(m).poisson_nll_loss(x, y.to(x.dtype), full=True, reduction="sum"),
        [(3, 4)],
        consts=_uniform(0.0, 3.0, (3, 4)),
    ),
    OpCase(
        "gaussian_nll",
        lambda m, x, y, v: F(m).gaussian_nll_loss(x, y, v),
        [(3, 4), (3, 4), (3, 4)],
        **POS,
    ),
    OpCase(
        "gaussian_nll_full_sum",
        lambda m, x, y, v: F(m).gaussian_nll_loss(x, y, v, full=True, reduction="sum"),
        [(3, 4), (3, 4), (3, 4)],
        **POS,
    ),
    OpCase(
        "gaussian_nll_var_short",
        lambda m, x, y, v: F(m).gaussian_nll_loss(x, y, v, reduction="none"),
        [(3, 4), (3, 4), (3,)],
        **POS,
    ),
    OpCase(
        "gaussian_nll_var_one",
        lambda m, x, y, v: F(m).gaussian_nll_loss(x, y, v),
        [(2, 3, 4), (2, 3, 4), (2, 1, 4)],
        **POS,
    ),
    OpCase(
        "gaussian_nll_var_float",
        lambda m, x, y: F(m).gaussian_nll_loss(x, y, 0.7),
        [(3, 4), (3, 4)],
        **POS,
    ),
    OpCase(
        "gaussian_nll_var_clamped",
        lambda m, x, y, v: F(m).gaussian_nll_loss(x, y, v * 1e-7, eps=1e-6),
        [(3, 4), (3, 4), (3, 4)],
        fd=False,
        **POS,
    ),
    # margins and embeddings
    OpCase(
        "margin_ranking",
        lambda m, a, b, y: F(m).margin_ranking_loss(a, b, y.to(a.dtype), margin=0.3),
        [(5,), (5,)],
        consts=_signs(5),
        gradgrad=False,
    ),
    OpCase(
        "margin_ranking_none",
        lambda m, a, b, y: F(m).margin_ranking_loss(a, b, y.to(a.dtype), reduction="none"),
        [(5,), (5,)],
        consts=_signs(5),
        gradgrad=False,
    ),
    OpCase(
        "hinge_embedding",
        lambda m, x, y: F(m).hinge_embedding_loss(x, y),
        [(3, 4)],
        consts=_signs(3, 4),
        gradgrad=False,
    ),
    OpCase(
        "hinge_embedding_margin_none",
        lambda m, x, y: F(m).hinge_embedding_loss(x, y, margin=0.5, reduction="none"),
        [(6,)],
        consts=_signs(6),
        gradgrad=False,
    ),
    OpCase(
        "cosine_embedding",
        lambda m, a, b, y: F(m).cosine_embedding_loss(a, b, y.to(a.dtype), margin=-0.2),
        [(4, 3), (4, 3)],
        consts=_signs(4),
        gradgrad=False,
    ),
    OpCase(
        "cosine_embedding_none",
        lambda m, a, b, y: F(m).cosine_embedding_loss(a, b, y.to(a.dtype), reduction="none"),
        [(4, 3), (4, 3)],
        consts=_signs(4),
        gradgrad=False,
    ),
    OpCase(
        "cosine_embedding_unbatched",
        lambda m, a, b, y: F(m).cosine_embedding_loss(a, b, y.to(a.dtype)),
        [(3,), (3,)],
        consts=lambda rng: [np.array(-1.0)],
        gradgrad=False,
    ),
    OpCase(
        "triplet",
        lambda m, a, p, n: F(m).triplet_margin_loss(a, p, n),
        [(4, 3), (4, 3), (4, 3)],
        gradgrad=False,
    ),
    OpCase(
        "triplet_p1_swap_none",
        lambda m, a, p, n: F(m).triplet_margin_loss(
            a, p, n, p=1, swap=True, reduction="none", margin=2.0
        ),
        [(4, 3), (4, 3), (4, 3)],
        gradgrad=False,
    ),
    OpCase(
        "triplet_p3_unbatched",
        lambda m, a, p, n: F(m).triplet_margin_loss(a, p, n, p=3, margin=3.0),
        [(3,), (3,), (3,)],
        gradgrad=False,
    ),
    OpCase(
        "multi_margin",
        lambda m, x, t: F(m).multi_margin_loss(x, t),
        [(4, 5)],
        consts=_targets((4,), 5),
        gradgrad=False,
    ),
    OpCase(
        "multi_margin_p2_weight_none",
        lambda m, x, t, w: F(m).multi_margin_loss(
            x, t, p=2, margin=0.7, weight=w.to(x.dtype), reduction="none"
        ),
        [(4, 5)],
        consts=_targets_weight((4,), 5),
        gradgrad=False,
    ),
    OpCase(
        "multi_margin_unbatched_sum",
        lambda m, x, t: F(m).multi_margin_loss(x, t, reduction="sum"),
        [(5,)],
        consts=lambda rng: [np.array(2, dtype=np.int64)],
        gradgrad=False,
    ),
    OpCase(
        "multilabel_margin",
        lambda m, x, t: F(m).multilabel_margin_loss(x, t),
        [(3, 4)],
        consts=lambda rng: [np.array([[3, 0, -1, 1], [1, 2, 3, -1], [2, 2, 1, 0]], dtype=np.int64)],
        gradgrad=False,
    ),
    OpCase(
        "multilabel_margin_unbatched_none",
        lambda m, x, t: F(m).multilabel_margin_loss(x, t, reduction="none"),
        [(4,)],
        consts=lambda rng: [np.array([1, -1, 0, 2], dtype=np.int64)],
        gradgrad=False,
    ),
]


def _log_softmax(x: Any) -> Any:
    return x - x.exp().sum(-1, keepdim=True).log()


def _ctc_consts(rng: np.random.Generator) -> list[Any]:
    targets = rng.integers(1, 4, size=(3, 3)).astype(np.int64)
    targets[0, :2] = 2  # a repeated label needs a blank between
    return [targets, np.array([6, 5, 4], dtype=np.int64), np.array([3, 2, 0], dtype=np.int64)]


CASES += [
    # through a log_softmax, PyTorch's CTC gradient is the true gradient (finite differences agree)
    OpCase(
        "ctc_mean",
        lambda m, x, t, il, tl: F(m).ctc_loss(_log_softmax(x), t, il, tl),
        [(6, 3, 4)],
        consts=_ctc_consts,
        gradgrad=False,
    ),
    OpCase(
        "ctc_none_blank_last",
        lambda m, x, t, il, tl: F(m).ctc_loss(
            _log_softmax(x), t - 1, il, tl, blank=3, reduction="none"
        ),
        [(6, 3, 4)],
        consts=_ctc_consts,
        gradgrad=False,
    ),
    OpCase(
        "ctc_unbatched_sum",
        lambda m, x, t, il, tl: F(m).ctc_loss(_log_softmax(x), t, il, tl, reduction="sum"),
        [(5, 4)],
        consts=lambda rng: [np.array([1, 3], dtype=np.int64), np.array(5), np.array(2)],
        gradgrad=False,
    ),
    # on raw log-probabilities PyTorch's gradient is exp(lp) - occupation (not the true one): no FD
    OpCase(
        "ctc_leaf_log_probs_sum",
        lambda m, x, t, il, tl: F(m).ctc_loss(x, t, il, tl, reduction="sum"),
        [(6, 3, 4)],
        low=-3.0,
        high=-0.1,
        consts=_ctc_consts,
        gradgrad=False,
        fd=False,
    ),
]
