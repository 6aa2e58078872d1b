"""A user-defined op with ``ndgrad.autograd.Function``, checked with ``gradcheck``.

``LogCosh`` computes log(cosh(x)) stably as |x| + log1p(exp(-2|x|)) - log(2), with a hand-written
backward tanh(x). ``gradcheck`` compares that backward with finite differences in float64, and
``gradgradcheck`` the second derivative (1 - tanh^2), because the backward is written in ops.

Run:  python examples/custom_op.py
What a run of the current code printed (accuracy, losses, wall time, with the date, the
commit and the machine's load): examples/logs/custom_op.log, written by examples/record_runs.sh.
"""

from __future__ import annotations

import math

import ndgrad
from ndgrad.autograd import Function, gradcheck, gradgradcheck


class LogCosh(Function):
    @staticmethod
    def forward(ctx, x):  # type: ignore[no-untyped-def]
        ctx.save_for_backward(x)
        ax = x.abs()
        return ax + (-2 * ax).exp().log1p() - math.log(2.0)

    @staticmethod
    def backward(ctx, grad):  # type: ignore[no-untyped-def]
        (x,) = ctx.saved_tensors
        return grad * x.tanh()


def log_cosh(x: ndgrad.Tensor) -> ndgrad.Tensor:
    return LogCosh.apply(x)


def main() -> None:
    x = ndgrad.randn(5, 3, dtype=ndgrad.float64, requires_grad=True)
    print("gradcheck:", gradcheck(log_cosh, (x,)))
    print("gradgradcheck:", gradgradcheck(log_cosh, (x,)))
    # use it as a robust regression loss
    ndgrad.manual_seed(0)
    w = ndgrad.zeros(3, requires_grad=True)
    data = ndgrad.randn(64, 3)
    target = data @ ndgrad.tensor([1.0, -2.0, 0.5])
    opt = ndgrad.optim.SGD([w], lr=0.5)
    for step in range(100):
        loss = log_cosh(data @ w - target).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step in (0, 99):
            print(f"step {step}: loss {loss.item():.4f}")
    print("fitted weights:", [round(v, 3) for v in w.tolist()])


if __name__ == "__main__":
    main()
