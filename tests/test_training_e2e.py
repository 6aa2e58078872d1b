"""End to end: the same MLP and CNN, started from the same weights on the same generated data,
follow PyTorch's loss curve (float64, 1e-4 relative; in practice it agrees to ~1e-10)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import ndgrad


def _mlp(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(
        nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)
    )


def _cnn(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 2 * 2, 3),
    )  # fmt: skip


def _optimizer(lib: Any, name: str, params: Any) -> Any:
    if name == "sgd":
        return lib.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=1e-3)
    return lib.optim.Adam(params, lr=1e-2)


def _curve(
    lib: Any, build: Any, opt_name: str, state: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray
) -> list[float]:
    model = build(lib).double()
    model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    opt = _optimizer(lib, opt_name, model.parameters())
    sched = lib.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
    losses = []
    for step in range(20):
        i = slice((step % 4) * 16, (step % 4 + 1) * 16)  # minibatches in a fixed order
        xb, yb = lib.tensor(x[i]), lib.tensor(y[i])
        loss = lib.nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
@pytest.mark.parametrize("arch", ["mlp", "cnn"])
def test_training_matches_torch_loss_curve(arch: str, opt_name: str) -> None:
    rng = np.random.default_rng(0)
    build = _mlp if arch == "mlp" else _cnn
    shape = (64, 6) if arch == "mlp" else (64, 1, 8, 8)
    x = rng.standard_normal(shape)
    y = rng.integers(0, 3, 64)
    torch.manual_seed(0)
    state = {k: v.detach().double().numpy().copy() for k, v in build(torch).state_dict().items()}
    ours = _curve(ndgrad, build, opt_name, state, x, y)
    theirs = _curve(torch, build, opt_name, state, x, y)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    assert np.mean(ours[-4:]) < np.mean(ours[:4])  # it learned (same four batches each cycle)
