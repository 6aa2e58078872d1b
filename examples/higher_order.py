"""Higher-order gradients: a Hessian-vector product and a gradient-penalty term.

1. Hessian-vector product of f(x) = sum(x^4) / 4 + x0*x1 by double backward, checked against
   the explicit Hessian from ``autograd.functional.hessian``.
2. A WGAN-GP-style gradient penalty: (||d critic(x) / dx|| - 1)^2 added to the loss, so training
   differentiates through a gradient (``create_graph=True``).

Run:  python examples/higher_order.py
What a run of the current code printed (accuracy, losses, wall time, with the date, the
commit and the machine's load): examples/logs/higher_order.log, written by examples/record_runs.sh.
"""

from __future__ import annotations

import numpy as np

import ndgrad
from ndgrad import nn
from ndgrad.autograd import grad
from ndgrad.autograd.functional import hessian


def f(x: ndgrad.Tensor) -> ndgrad.Tensor:
    return (x**4).sum() / 4 + x[0] * x[1]


def hvp_demo() -> ndgrad.Tensor:
    x = ndgrad.tensor([1.0, 2.0, -1.0], dtype=ndgrad.float64, requires_grad=True)
    v = ndgrad.tensor([0.5, -1.0, 2.0], dtype=ndgrad.float64)
    (g,) = grad(f(x), x, create_graph=True)  # first derivative, recorded
    (hv,) = grad((g * v).sum(), x)  # derivative of <g, v>: H v
    h = hessian(f, x.detach())
    print("H v by double backward:", hv.tolist())
    print("H v from the Hessian:  ", (h @ v).tolist())
    assert np.allclose(hv.numpy(), (h @ v).numpy(), atol=1e-12)
    return hv


def gradient_penalty_demo(steps: int = 200) -> tuple[float, float]:
    """Train the critic on the penalty alone; returns the penalty at the first and last step."""
    ndgrad.manual_seed(0)
    critic = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = ndgrad.optim.Adam(critic.parameters(), lr=1e-2)
    first = last = 0.0
    for step in range(steps):
        x = ndgrad.randn(64, 2, requires_grad=True)
        out = critic(x).sum()
        (gx,) = grad(out, x, create_graph=True)
        penalty = ((gx.norm(dim=1) - 1) ** 2).mean()
        opt.zero_grad()
        penalty.backward()  # differentiates through the gradient gx
        opt.step()
        last = penalty.item()
        if step == 0:
            first = last
        if step in (0, steps - 1):
            print(f"step {step}: gradient penalty {last:.4f}")
    return first, last


if __name__ == "__main__":
    hvp_demo()
    gradient_penalty_demo()
