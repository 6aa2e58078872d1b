"""Loss functions: errors and edge cases, checked against PyTorch (the values are in the op
table)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ndgrad
import ndgrad.nn.functional as F
from tests.test_backend import cuda, on_device  # noqa: F401  (the stand-in device fixture)


def nd(a: Any, **kw: Any) -> ndgrad.Tensor:
    return ndgrad.tensor(np.asarray(a), **kw)


def th(a: Any, **kw: Any) -> torch.Tensor:
    return torch.tensor(np.asarray(a), **kw)


def close(a: ndgrad.Tensor, b: torch.Tensor, **kw: Any) -> None:
    np.testing.assert_allclose(
        np.asarray(a.detach().array), b.detach().numpy(), rtol=1e-6, atol=1e-9, **kw
    )


X = np.random.default_rng(0).standard_normal((3, 5))


# -- cross_entropy / nll_loss: errors -------------------------------------------------------------


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("bad", [5, -1, 7])
def test_target_out_of_bounds(fn: str, bad: int) -> None:
    with pytest.raises(IndexError, match=rf"Target {bad} is out of bounds\..*\(5 classes\)"):
        getattr(F, fn)(nd(X), nd([0, bad, 1]))


def test_ignored_target_out_of_range_is_fine() -> None:
    t = [0, 7, 1]
    close(
        F.cross_entropy(nd(X), nd(t), ignore_index=7),
        TF.cross_entropy(th(X), th(t), ignore_index=7),
    )


@pytest.mark.parametrize(
    "dtype, name", [(np.float32, "Float"), (np.float64, "Double"), (np.int32, "Int")]
)
def test_target_dtype(dtype: Any, name: str) -> None:
    t = np.array([0, 1, 1], dtype=dtype)
    with pytest.raises(
        RuntimeError, match=f"expected target dtype to be Long or Byte, but got {name}"
    ):
        F.cross_entropy(nd(X), nd(t))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte"):
        F.nll_loss(nd(X), nd(t))


def test_uint8_targets() -> None:
    t = np.array([0, 4, 1], dtype=np.uint8)
    close(F.cross_entropy(nd(X), nd(t)), TF.cross_entropy(th(X), th(t)))


def test_shape_errors() -> None:
    with pytest.raises(
        ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)"
    ):
        F.cross_entropy(nd(X), nd([0, 1]))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        F.cross_entropy(nd(X), nd(np.zeros((3, 5, 2), dtype=np.float32)))
    with pytest.raises(
        RuntimeError, match=r"size mismatch \(got input: \[2, 3, 4, 5\] , target: \[2, 4, 6\]"
    ):
        F.nll_loss(nd(np.zeros((2, 3, 4, 5))), nd(np.zeros((2, 4, 6), dtype=np.int64)))
    with pytest.raises(RuntimeError, match="only batches of spatial targets supported"):
        F.nll_loss(nd(np.zeros((2, 3, 4, 5))), nd(np.zeros((2, 4), dtype=np.int64)))
    with pytest.raises(
        RuntimeError, match=r"for all 5 classes or no classes but got weight tensor of shape: \[4\]"
    ):
        F.cross_entropy(nd(X), nd([0, 1, 1]), weight=nd(np.ones(4)))


def test_option_errors() -> None:
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.cross_entropy(nd(X), nd([0, 1, 1]), reduction="foo")
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        F.cross_entropy(nd(X), nd([0, 1, 1]), label_smoothing=1.5)
    with pytest.raises(
        RuntimeError,
        match="Expected floating point type for target with class probabilities, got Long",
    ):
        F.cross_entropy(nd(X), nd(np.zeros((3, 5), dtype=np.int64)))
    with pytest.raises(
        RuntimeError, match="ignore_index is not supported for floating point target"
    ):
        F.cross_entropy(nd(X), nd(np.full((3, 5), 0.2)), ignore_index=1)


def test_weight_requiring_grad_is_refused() -> None:
    w = nd(np.ones(5), requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        F.cross_entropy(nd(X, requires_grad=True), nd([0, 1, 1]), weight=w)
    with ndgrad.no_grad():
        F.cross_entropy(nd(X), nd([0, 1, 1]), weight=w)


# -- cross_entropy / nll_loss: edge cases ---------------------------------------------------------


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_all_targets_ignored(smoothing: float, reduction: str) -> None:
    t = [-100, -100, -100]
    got = F.cross_entropy(nd(X), nd(t), reduction=reduction, label_smoothing=smoothing)
    want = TF.cross_entropy(th(X), th(t), reduction=reduction, label_smoothing=smoothing)
    close(got, want)
    if reduction == "mean":
        assert np.isnan(got.item())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_empty_batch(reduction: str) -> None:
    x = np.zeros((0, 3))
    t = np.zeros(0, dtype=np.int64)
    close(
        F.cross_entropy(nd(x), nd(t), reduction=reduction),
        TF.cross_entropy(th(x), th(t), reduction=reduction),
    )
    close(
        F.cross_entropy(nd(x), nd(x), reduction=reduction),
        TF.cross_entropy(th(x), th(x), reduction=reduction),
    )


def test_zero_total_weight_is_nan() -> None:
    w = np.array([0.0, 1, 1, 1, 1])
    t = [0, 0, 0]
    close(F.nll_loss(nd(X), nd(t), weight=nd(w)), TF.nll_loss(th(X), th(t), weight=th(w)))


def test_huge_logits_stay_finite() -> None:
    x = np.array([[1e4, -1e4, 0.0], [-3e4, 2e4, 2e4]])
    t = [1, 2]
    a, b = nd(x, requires_grad=True), th(x, requires_grad=True)
    la = F.cross_entropy(a, nd(t), label_smoothing=0.1)
    lb = TF.cross_entropy(b, th(t), label_smoothing=0.1)
    close(la, lb)
    la.backward()
    lb.backward()
    assert a.grad is not None
    close(a.grad, b.grad)


def test_float32_stays_float32() -> None:
    x = nd(X.astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(
        x, nd([0, 1, 2]), weight=nd(np.ones(5, dtype=np.float32)), label_smoothing=0.1
    )
    assert loss.dtype == ndgrad.float32
    loss.backward()
    assert x.grad is not None and x.grad.dtype == ndgrad.float32


def test_cross_entropy_second_order_matches_torch() -> None:
    t = [0, 3, 1]
    w = np.array([0.5, 1.0, 2.0, 1.5, 0.7])
    a, b = nd(X, requires_grad=True), th(X, requires_grad=True)
    (ga,) = ndgrad.autograd.grad(
        F.cross_entropy(a, nd(t), weight=nd(w), label_smoothing=0.2), [a], create_graph=True
    )
    (gb,) = torch.autograd.grad(
        TF.cross_entropy(b, th(t), weight=th(w), label_smoothing=0.2), [b], create_graph=True
    )
    close(ga, gb)
    v = np.random.default_rng(1).standard_normal(X.shape)
    (gga,) = ndgrad.autograd.grad((ga * nd(v)).sum(), [a])
    (ggb,) = torch.autograd.grad((gb * th(v)).sum(), [b])
    close(gga, ggb)


def test_no_graph_without_requires_grad() -> None:
    loss = F.cross_entropy(nd(X), nd([0, 1, 2]))
    assert not loss.requires_grad and loss.grad_fn is None
    loss = F.cross_entropy(nd(X, requires_grad=True), nd([0, 1, 2]))
    assert loss.requires_grad


def test_legacy_size_average_and_reduce() -> None:
    t = [0, 1, 2]
    for sa, red in [(False, None), (None, False), (True, True)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = F.cross_entropy(nd(X), nd(t), size_average=sa, reduce=red)
            want = TF.cross_entropy(th(X), th(t), size_average=sa, reduce=red)
        close(got, want)


# -- other losses
# -------------------------------------------------------------------------------------


def test_invalid_reduction_everywhere() -> None:
    a = nd(np.full((2, 3), 0.5))
    for fn in (
        F.mse_loss,
        F.l1_loss,
        F.smooth_l1_loss,
        F.binary_cross_entropy,
        F.binary_cross_entropy_with_logits,
        F.kl_div,
        F.soft_margin_loss,
        F.poisson_nll_loss,
    ):
        with pytest.raises(ValueError, match="bad is not a valid value for reduction"):
            fn(a, a, reduction="bad")
    with pytest.raises(ValueError, match="bad is not valid"):
        F.gaussian_nll_loss(a, a, a, reduction="bad")


def test_bce_errors() -> None:
    with pytest.raises(ValueError, match="that is different to the input size"):
        F.binary_cross_entropy(nd(np.full(3, 0.5)), nd(np.full(4, 0.5)))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(nd([1.5]), nd([1.0]))
    with pytest.raises(ValueError, match=r"must be the same as input size"):
        F.binary_cross_entropy_with_logits(nd(np.zeros(3)), nd(np.zeros(4)))


def test_bce_at_zero_and_one() -> None:
    x, y = np.array([0.0, 1.0, 0.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.0, 1.0, 0.3])
    a, b = nd(x, requires_grad=True), th(x, requires_grad=True)
    la, lb = (
        F.binary_cross_entropy(a, nd(y), reduction="sum"),
        TF.binary_cross_entropy(b, th(y), reduction="sum"),
    )
    close(la, lb)  # each log is clamped at -100
    la.backward()
    lb.backward()
    assert a.grad is not None
    close(a.grad, b.grad)


def test_bce_with_logits_zero_and_extreme_logits() -> None:
    x, y = np.array([0.0, 0.0, 800.0, -800.0]), np.array([1.0, 0.2, 0.0, 1.0])
    pw = np.array([2.0, 2.0, 2.0, 2.0])
    a, b = nd(x, requires_grad=True), th(x, requires_grad=True)
    la = F.binary_cross_entropy_with_logits(a, nd(y), pos_weight=nd(pw), reduction="sum")
    lb = TF.binary_cross_entropy_with_logits(b, th(y), pos_weight=th(pw), reduction="sum")
    close(la, lb)
    la.backward()
    lb.backward()
    assert a.grad is not None
    close(a.grad, b.grad)


def test_mse_size_warning_and_mismatch() -> None:
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(nd(np.zeros((3, 2))), nd(np.zeros(2)))
    with pytest.raises(RuntimeError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        F.mse_loss(nd(np.zeros(3)), nd(np.zeros(4)))
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        F.mse_loss(nd(np.zeros(3)), nd(np.zeros(3)), weight=nd(np.ones(2)))


def test_parameter_errors() -> None:
    a = nd(np.zeros(3))
    with pytest.raises(RuntimeError, match="negative values for beta"):
        F.smooth_l1_loss(a, a, beta=-1.0)
    with pytest.raises(RuntimeError, match="non-positive values for delta"):
        F.huber_loss(a, a, delta=0.0)
    x = nd(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        F.multi_margin_loss(x, nd([0, 1, 2]), p=3)
    with pytest.raises(RuntimeError, match="target out of range"):
        F.multi_margin_loss(x, nd([0, 1, 4]))
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(x, x, nd(-np.ones((3, 4))))
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(x, x, -1.0)
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(x, x, nd(np.ones((2, 4))))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.triplet_margin_loss(x, x, a)


def test_kl_div_mean_warns_and_batchmean() -> None:
    x, y = np.log(np.full((2, 3), 0.2)), np.full((2, 3), 0.3)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(nd(x), nd(y))
    close(
        F.kl_div(nd(x), nd(y), reduction="batchmean"),
        TF.kl_div(th(x), th(y), reduction="batchmean"),
    )


def test_kl_div_zero_target_has_finite_grad() -> None:
    x, y = np.log(np.full(3, 1 / 3)), np.array([0.0, 0.5, 0.5])
    a = nd(x, requires_grad=True)
    loss = F.kl_div(a, nd(y), reduction="sum")
    close(loss, TF.kl_div(th(x), th(y), reduction="sum"))
    loss.backward()
    assert a.grad is not None and np.isfinite(np.asarray(a.grad.array)).all()


def test_hinge_and_margin_with_integer_targets() -> None:
    x = np.array([0.3, -0.5, 1.2])
    t = np.array([1, -1, -1])
    close(F.hinge_embedding_loss(nd(x), nd(t)), TF.hinge_embedding_loss(th(x), th(t)))
    close(
        F.margin_ranking_loss(nd(x), nd(x[::-1].copy()), nd(t)),
        TF.margin_ranking_loss(th(x), th(x[::-1].copy()), th(t)),
    )


@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_first_order_fast_path(smoothing: float) -> None:
    """The in-place first-order backward (no create_graph) against PyTorch, with every option."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 3, 2))
    t = rng.integers(0, 4, size=(2, 3, 2))
    t[0, 0, 0] = -100
    w = rng.uniform(0.2, 2.0, size=4)
    for reduction in ("mean", "sum", "none"):
        a, b = nd(x, requires_grad=True), th(x, requires_grad=True)
        la = F.cross_entropy(a, nd(t), weight=nd(w), reduction=reduction, label_smoothing=smoothing)
        lb = TF.cross_entropy(
            b, th(t), weight=th(w), reduction=reduction, label_smoothing=smoothing
        )
        close(la, lb)
        up = rng.standard_normal(tuple(lb.shape))
        la.backward(nd(up))
        lb.backward(th(up))
        assert a.grad is not None
        close(a.grad, b.grad)


def test_cross_entropy_non_contiguous_input() -> None:
    x = np.random.default_rng(4).standard_normal((5, 3))
    t = [0, 2, 1]
    a, b = nd(x, requires_grad=True), th(x, requires_grad=True)
    la, lb = F.cross_entropy(a.t(), nd(t)), TF.cross_entropy(b.t(), th(t))
    close(la, lb)
    la.backward()
    lb.backward()
    assert a.grad is not None
    close(a.grad, b.grad)


# -- ctc_loss
# -----------------------------------------------------------------------------------------


def _ctc_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    lp = torch.log_softmax(torch.tensor(rng.standard_normal((5, 3, 4))), 2).numpy()
    targets = np.array([[1, 1, 2], [3, 2, 1], [2, 0, 0]])
    return lp, targets, np.array([5, 2, 4]), np.array([2, 3, 1])  # sample 1 cannot be aligned


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_ctc_impossible_alignment(zero_infinity: bool, reduction: str) -> None:
    lp, t, il, tl = _ctc_inputs()
    a, b = nd(lp, requires_grad=True), th(lp, requires_grad=True)
    la = F.ctc_loss(a, nd(t), il, tl, reduction=reduction, zero_infinity=zero_infinity)
    lb = TF.ctc_loss(b, th(t), th(il), th(tl), reduction=reduction, zero_infinity=zero_infinity)
    close(la, lb)
    if zero_infinity:
        la.sum().backward()
        lb.sum().backward()
        assert a.grad is not None
        close(a.grad, b.grad)


def test_ctc_concatenated_targets() -> None:
    lp, t, il, tl = _ctc_inputs()
    il = np.array([5, 5, 4])
    flat = np.concatenate([t[i, : tl[i]] for i in range(3)])
    close(F.ctc_loss(nd(lp), nd(flat), il, tl), TF.ctc_loss(th(lp), th(flat), th(il), th(tl)))
    close(
        F.ctc_loss(nd(lp), nd(flat), nd(il), nd(tl)), TF.ctc_loss(th(lp), th(flat), th(il), th(tl))
    )


def test_ctc_errors() -> None:
    lp, t, _, tl = _ctc_inputs()
    with pytest.raises(
        RuntimeError, match="Expected input_lengths to have value at most 5, but got value 6"
    ):
        F.ctc_loss(nd(lp), nd(t), [6, 5, 5], tl)
    with pytest.raises(ValueError, match="bad is not a valid value for reduction"):
        F.ctc_loss(nd(lp), nd(t), [5, 5, 5], tl, reduction="bad")


def test_triplet_margin_with_distance_loss() -> None:
    rng = np.random.default_rng(6)
    a, p, n = (rng.standard_normal((4, 3)) for _ in range(3))
    close(
        F.triplet_margin_with_distance_loss(nd(a), nd(p), nd(n), swap=True),
        TF.triplet_margin_with_distance_loss(th(a), th(p), th(n), swap=True),
    )
    got = F.triplet_margin_with_distance_loss(
        nd(a), nd(p), nd(n), distance_function=lambda x, y: (x - y).abs().sum(-1), margin=0.5
    )
    want = TF.triplet_margin_with_distance_loss(
        th(a), th(p), th(n), distance_function=lambda x, y: (x - y).abs().sum(-1), margin=0.5
    )
    close(got, want)
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_with_distance_loss(nd(a), nd(p), nd(n), margin=0.0)


# -- device discipline (the stand-in "cuda" backend of tests/test_backend.py) ------------------


def _device_cases() -> list[tuple[str, Any, list[np.ndarray], list[np.ndarray]]]:
    """(name, fn(x..., c...), float inputs, constant inputs) for every loss."""
    rng = np.random.default_rng(7)
    x45, y45 = rng.standard_normal((4, 5)), rng.uniform(0.05, 0.95, (4, 5))
    t4 = np.array([0, -100, 4, 2])
    w5 = rng.uniform(0.5, 2, 5)
    signs = np.array([1.0, -1.0, 1.0, -1.0])
    x2322, t222 = rng.standard_normal((2, 3, 2, 2)), rng.integers(0, 3, (2, 2, 2))
    ctc = np.array([[1, 2], [3, 3]])
    return [
        (
            "ce",
            lambda x, t, w: F.cross_entropy(x, t, weight=w, label_smoothing=0.1),
            [x45],
            [t4, w5],
        ),
        ("ce_nchw", lambda x, t: F.cross_entropy(x, t, reduction="none"), [x2322], [t222]),
        ("ce_probs", lambda x, y: F.cross_entropy(x, y, label_smoothing=0.2), [x45, y45], []),
        ("nll", lambda x, t, w: F.nll_loss(x, t, weight=w), [x45], [t4, w5]),
        ("mse", lambda x, y: F.mse_loss(x, y), [x45, y45], []),
        ("l1", lambda x, y: F.l1_loss(x, y, reduction="sum"), [x45, y45], []),
        ("smooth_l1", lambda x, y: F.smooth_l1_loss(x, y, beta=0.3), [x45, y45], []),
        ("huber", lambda x, y: F.huber_loss(x, y, delta=0.4), [x45, y45], []),
        ("bce", lambda x, y: F.binary_cross_entropy(x, y), [y45, y45[::-1].copy()], []),
        (
            "bce_logits",
            lambda x, y, pw: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw),
            [x45, y45],
            [w5],
        ),
        ("kl_div", lambda x, y: F.kl_div(x, y, reduction="batchmean"), [x45, y45], []),
        (
            "kl_div_log",
            lambda x, y: F.kl_div(x, y, reduction="sum", log_target=True),
            [x45, x45 * 0.5],
            [],
        ),
        ("poisson", lambda x, y: F.poisson_nll_loss(x, y, full=True), [x45], [y45 * 3]),
        ("gaussian", lambda x, y, v: F.gaussian_nll_loss(x, y, v), [x45, y45, y45 + 0.1], []),
        (
            "margin_ranking",
            lambda a, b, s: F.margin_ranking_loss(a, b, s),
            [x45[0, :4], x45[1, :4]],
            [signs],
        ),
        ("hinge", lambda x, s: F.hinge_embedding_loss(x, s), [x45[0, :4]], [signs]),
        ("soft_margin", lambda x, s: F.soft_margin_loss(x, s), [x45[0, :4]], [signs]),
        (
            "multilabel_soft",
            lambda x, y: F.multilabel_soft_margin_loss(x, y),
            [x45],
            [np.round(y45)],
        ),
        (
            "cosine",
            lambda a, b, s: F.cosine_embedding_loss(a, b, s),
            [x45[:, :4].T.copy(), y45[:, :4].T.copy()],
            [signs],
        ),
        (
            "triplet",
            lambda a, p, n: F.triplet_margin_loss(a, p, n, swap=True),
            [x45, y45, x45 * 0.3],
            [],
        ),
        (
            "multi_margin",
            lambda x, t, w: F.multi_margin_loss(x, t, p=2, weight=w),
            [x45],
            [np.array([0, 1, 4, 2]), w5],
        ),
        (
            "multilabel_margin",
            lambda x, t: F.multilabel_margin_loss(x, t),
            [x45],
            [np.array([[1, 3, -1, 0, 0]] * 4)],
        ),
        (
            "ctc",
            lambda x, t: F.ctc_loss(x, t, [4, 3], [2, 2]),
            [rng.standard_normal((4, 2, 5))],
            [ctc],
        ),
    ]


def _run(fn: Any, xs: list[np.ndarray], cs: list[np.ndarray], device: str) -> tuple[Any, list[Any]]:
    ins = [ndgrad.tensor(x, device=device, requires_grad=True) for x in xs]
    consts = [ndgrad.tensor(c, device=device) for c in cs]
    out = fn(*ins, *consts)
    out.sum().backward()
    return out, [t.grad for t in ins]


def test_losses_stay_on_device(cuda: None) -> None:  # noqa: F811
    for name, fn, xs, cs in _device_cases():
        cpu_out, cpu_grads = _run(fn, xs, cs, "cpu")
        dev_out, dev_grads = _run(fn, xs, cs, "cuda")
        assert on_device(dev_out), name
        np.testing.assert_allclose(
            np.asarray(dev_out.cpu().array), np.asarray(cpu_out.array), rtol=1e-12, err_msg=name
        )
        for g_dev, g_cpu in zip(dev_grads, cpu_grads, strict=True):
            assert g_dev is not None and g_cpu is not None and on_device(g_dev), name
            np.testing.assert_allclose(
                g_dev.cpu().numpy(), g_cpu.numpy(), rtol=1e-12, atol=1e-15, err_msg=name
            )
