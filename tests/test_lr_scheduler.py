"""Learning-rate schedulers against PyTorch: the lr (and momentum) sequence over 35+ steps."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

import ndgrad
from ndgrad import optim
from ndgrad.optim import lr_scheduler as S

STEPS = 40


def _opt(lib, cls="SGD", **kw):
    p1 = lib.zeros(2, requires_grad=True)
    p2 = lib.zeros(3, requires_grad=True)
    kw = {"lr": 0.1, **kw}
    if cls == "SGD":
        kw.setdefault("momentum", 0.9)
    return getattr(lib.optim, cls)([{"params": [p1]}, {"params": [p2], "lr": 0.05}], **kw)


class Scale:
    """A callable object, saved by its attributes in state_dict (LambdaLR's rule)."""

    def __init__(self, base):
        self.base = base

    def __call__(self, epoch):
        return self.base**epoch


def _make(lib, name):
    """Build (optimizer, scheduler) for case ``name`` from library ``lib`` (ndgrad or torch)."""
    L = lib.optim.lr_scheduler
    if name == "StepLR":
        o = _opt(lib)
        return o, L.StepLR(o, step_size=7, gamma=0.5)
    if name == "MultiStepLR":
        o = _opt(lib)
        return o, L.MultiStepLR(o, milestones=[3, 10, 10, 25], gamma=0.3)
    if name == "ExponentialLR":
        o = _opt(lib)
        return o, L.ExponentialLR(o, gamma=0.93)
    if name == "CosineAnnealingLR":
        o = _opt(lib)
        return o, L.CosineAnnealingLR(o, T_max=12, eta_min=0.001)
    if name == "CosineAnnealingWarmRestarts":
        o = _opt(lib)
        return o, L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.002)
    if name == "CosineAnnealingWarmRestarts1":
        o = _opt(lib)
        return o, L.CosineAnnealingWarmRestarts(o, T_0=7)
    if name == "LinearLR":
        o = _opt(lib)
        return o, L.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=15)
    if name == "ConstantLR":
        o = _opt(lib)
        return o, L.ConstantLR(o, factor=0.4, total_iters=9)
    if name == "LambdaLR":
        o = _opt(lib)
        return o, L.LambdaLR(o, lr_lambda=[lambda e: 1 / (e + 1), Scale(0.9)])
    if name == "MultiplicativeLR":
        o = _opt(lib)
        return o, L.MultiplicativeLR(o, lr_lambda=lambda e: 0.95 if e % 2 else 1.0)
    if name == "PolynomialLR":
        o = _opt(lib)
        return o, L.PolynomialLR(o, total_iters=20, power=2.0)
    if name == "OneCycleLR":
        o = _opt(lib)
        return o, L.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS + 1)
    if name == "OneCycleLR-linear-3phase-adam":
        o = _opt(lib, "Adam")
        return o, L.OneCycleLR(
            o,
            max_lr=0.3,
            epochs=5,
            steps_per_epoch=9,
            anneal_strategy="linear",
            three_phase=True,
            pct_start=0.25,
        )
    if name == "OneCycleLR-nomomentum":
        o = _opt(lib, "Adagrad")
        return o, L.OneCycleLR(o, max_lr=0.3, total_steps=50, cycle_momentum=False)
    if name == "CyclicLR":
        o = _opt(lib)
        return o, L.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4, step_size_down=6)
    if name == "CyclicLR-triangular2-adam":
        o = _opt(lib, "Adam")
        return o, L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="triangular2")
    if name == "CyclicLR-exp_range":
        o = _opt(lib)
        return o, L.CyclicLR(
            o,
            base_lr=0.01,
            max_lr=0.1,
            step_size_up=3,
            mode="exp_range",
            gamma=0.97,
            cycle_momentum=False,
        )
    if name == "SequentialLR":
        o = _opt(lib)
        a = L.LinearLR(o, start_factor=0.1, total_iters=5)
        b = L.CosineAnnealingLR(o, T_max=10)
        c = L.ExponentialLR(o, gamma=0.9)
        return o, L.SequentialLR(o, schedulers=[a, b, c], milestones=[5, 15])
    if name == "ChainedScheduler":
        o = _opt(lib)
        a = L.ConstantLR(o, factor=0.5, total_iters=4)
        b = L.ExponentialLR(o, gamma=0.9)
        c = L.StepLR(o, step_size=6, gamma=0.5)
        return o, L.ChainedScheduler([a, b, c])
    raise KeyError(name)


NAMES = [
    "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
    "CosineAnnealingWarmRestarts1", "LinearLR", "ConstantLR", "LambdaLR", "MultiplicativeLR",
    "PolynomialLR", "OneCycleLR", "OneCycleLR-linear-3phase-adam", "OneCycleLR-nomomentum",
    "CyclicLR",
    "CyclicLR-triangular2-adam", "CyclicLR-exp_range", "SequentialLR", "ChainedScheduler",
]  # fmt: skip


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def _trace(opt, sched, steps):
    out = [(list(sched.get_last_lr()), _momenta(opt))]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append((list(sched.get_last_lr()), _momenta(opt)))
    return out


def _close(a, b):
    for (lr, m), (tlr, tm) in zip(a, b):
        np.testing.assert_allclose(lr, tlr, rtol=1e-12, atol=1e-15)
        assert [x is None for x in m] == [x is None for x in tm]
        np.testing.assert_allclose(
            [x for x in m if x is not None], [x for x in tm if x is not None], rtol=1e-12
        )


@pytest.mark.parametrize("name", NAMES)
def test_sequence_matches_torch(name):
    ours = _trace(*_make(ndgrad, name), STEPS)
    ref = _trace(*_make(torch, name), STEPS)
    _close(ours, ref)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip(name):
    full = _trace(*_make(ndgrad, name), STEPS)
    opt, sched = _make(ndgrad, name)
    _trace(opt, sched, 17)
    opt_sd, sched_sd = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    opt2, sched2 = _make(ndgrad, name)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    rest = _trace(opt2, sched2, STEPS - 17)
    _close(full[17:], rest)


def test_state_dict_has_no_optimizer_or_functions():
    opt, sched = _make(ndgrad, "LambdaLR")
    sd = sched.state_dict()
    assert "optimizer" not in sd and sd["lr_lambdas"] == [None, {"base": 0.9}]
    assert sd["base_lrs"] == [0.1, 0.05] and sd["last_epoch"] == 0
    assert all(g["initial_lr"] == lr for g, lr in zip(opt.param_groups, [0.1, 0.05]))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(mode="max", patience=2, factor=0.5),
        dict(patience=1, cooldown=2, threshold=0.1, threshold_mode="abs", min_lr=[0.02, 0.01]),
        dict(mode="max", patience=0, threshold_mode="abs", min_lr=0.004, eps=1e-3),
    ],
)
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    metrics = [1.0, 0.9, 0.95, 0.94, 0.96, 0.5, 0.5, 0.55, 0.6, 0.49, 0.7] * 4
    seqs = []
    for lib in (ndgrad, torch):
        opt = _opt(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        seq = []
        for m in metrics:
            opt.step()
            sched.step(m)
            seq.append(
                list(sched.get_last_lr())
                + [sched.num_bad_epochs, sched.cooldown_counter, sched.best]
            )
        seqs.append(seq)
    np.testing.assert_allclose(
        np.array(seqs[0], dtype=float), np.array(seqs[1], dtype=float), rtol=1e-12
    )


def test_reduce_lr_on_plateau_state_dict_and_errors():
    opt = _opt(ndgrad)
    sched = S.ReduceLROnPlateau(opt, patience=1)
    for m in [1.0, 2.0, 3.0]:
        sched.step(m)
    sd = copy.deepcopy(sched.state_dict())
    sched2 = S.ReduceLROnPlateau(_opt(ndgrad), patience=1)
    sched2.load_state_dict(sd)
    assert sched2.num_bad_epochs == sched.num_bad_epochs and sched2.best == 1.0
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        S.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown"):
        S.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="threshold mode x is unknown"):
        S.ReduceLROnPlateau(opt, threshold_mode="x")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        S.ReduceLROnPlateau(opt, min_lr=[0.1])


def test_step_with_epoch_uses_closed_form():
    for lib in (ndgrad, torch):
        opt = _opt(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched.step(7)
        assert sched.get_last_lr() == [0.1 * 0.25, 0.05 * 0.25]


def test_tensor_lr_is_filled_in_place():
    p = ndgrad.zeros(2, requires_grad=True)
    lr = ndgrad.tensor(0.1, dtype=ndgrad.float64)
    opt = optim.SGD([p], lr=lr)
    sched = S.ExponentialLR(opt, gamma=0.5)
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and math.isclose(lr.item(), 0.05)


def test_scheduler_errors():
    opt = _opt(ndgrad)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.StepLR("opt", step_size=3)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_opt(ndgrad), step_size=3, last_epoch=4)
    with pytest.raises(ValueError, match="between 0 and 1"):
        S.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        S.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        S.LambdaLR(opt, lr_lambda=[lambda e: 1.0])
    with pytest.raises(ValueError, match="Expected positive integer T_0"):
        S.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="either total_steps OR"):
        S.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="pct_start"):
        S.OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=2.0)
    with pytest.raises(ValueError, match="anneal_strategy"):
        S.OneCycleLR(opt, max_lr=0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="must support momentum"):
        S.OneCycleLR(_opt(ndgrad, "Adagrad"), max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        S.CyclicLR(opt, base_lr=0.01, max_lr=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="mode is invalid"):
        S.CyclicLR(opt, base_lr=0.01, max_lr=0.1, mode="sine")
    sched = S.OneCycleLR(_opt(ndgrad), max_lr=0.1, total_steps=3)
    sched.step()
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        sched.step()
    with pytest.raises(ValueError, match="one more than the number of milestone"):
        S.SequentialLR(opt, [S.StepLR(opt, 2)], milestones=[3])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        S.ChainedScheduler([S.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="same optimizer"):
        S.ChainedScheduler([S.StepLR(opt, 2), S.StepLR(_opt(ndgrad), 2)])
