"""Smoke tests for examples/*.py: each example's core on tiny settings, asserting what it claims."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import ndgrad
import ndgrad.nn.functional as F
from ndgrad.datasets import make_moons

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str) -> ModuleType:
    """Import examples/<name>.py as a module (the folder is not a package)."""
    key = f"_ndgrad_example_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module


def overfits(
    model: ndgrad.nn.Module, x: ndgrad.Tensor, y: ndgrad.Tensor, steps: int = 8
) -> tuple[float, float]:
    """A few Adam steps on one batch; returns (first loss, last loss). Checks every parameter
    gets a grad."""
    opt = ndgrad.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        for name, p in model.named_parameters():
            assert p.grad is not None and p.grad.shape == p.shape, name
        opt.step()
        losses.append(loss.item())
    return losses[0], losses[-1]


def test_moons_tensor_mlp_learns() -> None:
    moons = load_example("moons")
    x, y01 = make_moons(100, noise=0.1, seed=0)
    assert moons.train_tensors(x, y01 * 2 - 1, steps=100) >= 0.95


def test_moons_scalar_mlp_steps_and_neuron_graph(tmp_path: Path) -> None:
    moons = load_example("moons")
    x, y01 = make_moons(8, noise=0.1, seed=0)
    acc = moons.train_scalars(x, y01 * 2 - 1, sizes=(2, 4, 1), steps=3)
    assert 0.0 <= acc <= 1.0
    moons.draw_one_neuron(tmp_path)
    text = (tmp_path / "neuron.mmd").read_text()
    # micrograd's neuron: o = tanh(x1 w1 + x2 w2 + b) = 0.7071; do/dx1 = w1 (1 - o^2) = -1.5
    assert "data 0.7071" in text and "grad -1.5" in text and "x1*w1" in text


def test_custom_op_matches_log_cosh_and_passes_gradcheck() -> None:
    custom_op = load_example("custom_op")
    x = ndgrad.tensor(
        [[-30.0, -1.0, 0.0], [0.5, 2.0, 30.0]], dtype=ndgrad.float64, requires_grad=True
    )
    ref = np.logaddexp(x.detach().numpy(), -x.detach().numpy()) - math.log(2.0)  # stable log cosh
    np.testing.assert_allclose(custom_op.log_cosh(x).detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    small = ndgrad.randn(3, 2, dtype=ndgrad.float64, requires_grad=True)
    assert ndgrad.autograd.gradcheck(custom_op.log_cosh, (small,))
    assert ndgrad.autograd.gradgradcheck(custom_op.log_cosh, (small,))


def test_higher_order_hvp_and_gradient_penalty() -> None:
    higher_order = load_example("higher_order")
    hv = higher_order.hvp_demo()  # asserts H v (double backward) == Hessian @ v itself
    # f = sum(x^4)/4 + x0 x1: H = diag(3 x^2) + [[0,1],[1,0]] block; at x=(1,2,-1), v=(.5,-1,2)
    np.testing.assert_allclose(hv.numpy(), [0.5, -11.5, 6.0], atol=1e-12)
    first, last = higher_order.gradient_penalty_demo(steps=40)
    assert last < first


def test_char_gpt_is_causal_and_trains(tmp_path: Path) -> None:
    char_gpt = load_example("char_gpt")
    ndgrad.manual_seed(0)
    model = char_gpt.GPT(vocab=7, context=8, d=16, layers=1, heads=2)
    idx = ndgrad.tensor([[1, 2, 3, 4, 5, 6], [0, 1, 0, 1, 0, 1]])
    logits = model(idx)
    assert logits.shape == (2, 6, 7)
    changed = idx.clone()
    changed[:, -1] = 3
    np.testing.assert_allclose(
        model(changed)[:, :-1].detach().numpy(), logits[:, :-1].detach().numpy(), atol=1e-5
    )
    loss = F.cross_entropy(logits.flatten(0, 1), idx.flatten())
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    assert model.generate(idx[:1], 5).shape == (1, 11)
    text = tmp_path / "tiny.txt"
    text.write_text("abcab\n" * 200)
    argv = ["--text", str(text), "--minutes", "1", "--max-steps", "40", "--layers", "1",
            "--heads", "2", "--d-model", "16", "--context", "8", "--batch-size", "8",
            "--lr", "1e-2"]  # fmt: skip
    assert char_gpt.main(argv) < math.log(4)  # better than uniform over the 4 characters


@pytest.mark.parametrize("name", ["mnist_mlp", "mnist_cnn"])
def test_mnist_models_forward_backward(name: str) -> None:
    example = load_example(name)
    ndgrad.manual_seed(0)
    model = example.build_model() if name == "mnist_mlp" else example.Net()
    shape = (8, 784) if name == "mnist_mlp" else (8, 1, 28, 28)
    x = ndgrad.randn(*shape)
    y = ndgrad.tensor([0, 1, 2, 3, 4, 5, 6, 7])
    assert model(x).shape == (8, 10)
    model.eval()  # no dropout: the loss on one batch must fall
    first, last = overfits(model, x, y)
    assert last < first
