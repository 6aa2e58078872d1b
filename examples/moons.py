"""The micrograd demo on ndgrad: an MLP 2-16-16-1 learns the two moons with a max-margin loss.

Two versions of the model:
1. tensors: weights as matrices, minibatches of points;
2. scalars: every weight and every activation a 0-d tensor, the way micrograd does it: the same
   2-16-16-1 net on the same 100 points (``--quick``: 2-8-8-1 on 50 points), with the graph of one
   neuron drawn with its values and gradients (runs/moons/neuron.svg and .mmd).

Run:  python examples/moons.py [--out runs/moons] [--quick]
What a run of the current code printed (accuracy, losses, wall time, with the date, the
commit and the machine's load): examples/logs/moons.log, written by examples/record_runs.sh.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np

import ndgrad
from ndgrad import nn
from ndgrad.datasets import make_moons
from ndgrad.viz import draw_graph


def hinge_loss(
    scores: ndgrad.Tensor, y: ndgrad.Tensor, params: list[ndgrad.Tensor]
) -> tuple[ndgrad.Tensor, float]:
    """SVM max-margin loss with L2 regularisation; labels y in {-1, 1}."""
    data_loss = (1 - y * scores).relu().mean()
    reg_loss = 1e-4 * sum((p * p).sum() for p in params)
    accuracy = float(((scores.detach() > 0) == (y > 0)).float().mean().item())
    return data_loss + reg_loss, accuracy


def train_tensors(x: np.ndarray, y: np.ndarray, steps: int = 200, batch: int | None = 32) -> float:
    ndgrad.manual_seed(1337)
    model = nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)
    )
    X, Y = ndgrad.tensor(x, dtype=ndgrad.float32), ndgrad.tensor(y, dtype=ndgrad.float32)
    params = list(model.parameters())
    acc = 0.0
    rng = np.random.default_rng(0)
    for k in range(steps):
        idx = rng.choice(len(x), batch, replace=False) if batch else np.arange(len(x))
        scores = model(X[idx]).squeeze(1)
        loss, _ = hinge_loss(scores, Y[idx], params)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / steps  # decaying learning rate
        with ndgrad.no_grad():
            for p in params:
                p -= lr * p.grad
    with ndgrad.no_grad():
        _, acc = hinge_loss(model(X).squeeze(1), Y, params)
    return acc


class Neuron:
    """A neuron made of 0-d tensors: w . x + b, then ReLU unless it is the output."""

    def __init__(self, n_in: int, nonlin: bool = True) -> None:
        self.w = [ndgrad.tensor(random.uniform(-1, 1), requires_grad=True) for _ in range(n_in)]
        self.b = ndgrad.tensor(0.0, requires_grad=True)
        self.nonlin = nonlin

    def __call__(self, x: list[ndgrad.Tensor]) -> ndgrad.Tensor:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[ndgrad.Tensor]:
        return [*self.w, self.b]


class ScalarMLP:
    def __init__(self, sizes: list[int]) -> None:
        self.layers = [
            [Neuron(sizes[i], nonlin=i != len(sizes) - 2) for _ in range(sizes[i + 1])]
            for i in range(len(sizes) - 1)
        ]

    def __call__(self, x: list[ndgrad.Tensor]) -> ndgrad.Tensor:
        for layer in self.layers:
            x = [n(x) for n in layer]
        return x[0]

    def parameters(self) -> list[ndgrad.Tensor]:
        return [p for layer in self.layers for n in layer for p in n.parameters()]


def train_scalars(
    x: np.ndarray, y: np.ndarray, sizes: tuple[int, ...] = (2, 8, 8, 1), steps: int = 80
) -> float:
    """Full-batch training until every point is classified right (or ``steps`` run out).

    Each scalar op is a whole graph node, so a step over 50 points costs ~10^4 nodes: this version
    shows the mechanics, the tensor version above is how to train.
    """
    random.seed(1337)
    model = ScalarMLP(list(sizes))
    params = model.parameters()
    inputs = [[ndgrad.tensor(float(a)), ndgrad.tensor(float(b))] for a, b in x]
    acc = 0.0
    for k in range(steps):
        scores = [model(xi) for xi in inputs]
        acc = sum(float((s.item() > 0) == (yi > 0)) for yi, s in zip(y, scores)) / len(y)
        if acc == 1.0:
            break  # before the update, so acc describes the returned weights
        losses = [(1 - float(yi) * s).relu() for yi, s in zip(y, scores)]
        data_loss = sum(losses, ndgrad.tensor(0.0)) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum((p * p for p in params), ndgrad.tensor(0.0))
        loss = data_loss + reg_loss
        for p in params:
            p.grad = None
        loss.backward()
        lr = 1.0 - 0.9 * k / steps
        with ndgrad.no_grad():
            for p in params:
                p -= lr * p.grad
    return acc


def draw_one_neuron(out: Path) -> None:
    """The labelled graph of one 2-input neuron, with values and gradients on each node."""
    x1, x2 = ndgrad.tensor(2.0, requires_grad=True), ndgrad.tensor(0.0, requires_grad=True)
    w1 = ndgrad.tensor(-3.0, requires_grad=True)
    w2 = ndgrad.tensor(1.0, requires_grad=True)
    b = ndgrad.tensor(6.8813735870195432, requires_grad=True)
    x1.label, x2.label, w1.label, w2.label, b.label = "x1", "x2", "w1", "w2", "b"
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    for t, name in (
        (x1w1, "x1*w1"),
        (x2w2, "x2*w2"),
        (x1w1x2w2, "x1*w1 + x2*w2"),
        (n, "n"),
        (o, "o"),
    ):
        t.label = name
        t.retain_grad()
    o.backward()
    graph = draw_graph(o, direction="LR")
    out.mkdir(parents=True, exist_ok=True)
    (out / "neuron.mmd").write_text(graph.mermaid)
    try:
        graph.render(out / "neuron.svg")
    except RuntimeError as e:
        print(f"(skipped the image: {e})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="runs/moons")
    parser.add_argument("--quick", action="store_true", help="a 2-8-8-1 scalar net on 50 points")
    args = parser.parse_args(argv)
    x, y01 = make_moons(100, noise=0.1, seed=0)
    y = y01 * 2 - 1  # labels in {-1, 1}
    t0 = time.perf_counter()
    print(
        f"tensor MLP: training accuracy {train_tensors(x, y):.0%} ({time.perf_counter() - t0:.1f} "
        "s)"
    )
    n, sizes = (50, (2, 8, 8, 1)) if args.quick else (100, (2, 16, 16, 1))
    xs, ys01 = make_moons(n, noise=0.1, seed=0)
    t0 = time.perf_counter()
    acc = train_scalars(xs, ys01 * 2 - 1, sizes=sizes, steps=100)
    print(f"scalar MLP: training accuracy {acc:.0%} ({time.perf_counter() - t0:.1f} s)")
    draw_one_neuron(Path(args.out))
    print(f"graph of one neuron: {args.out}/neuron.svg (and .mmd)")


if __name__ == "__main__":
    main()
