"""RMSprop: divide the gradient by a running root-mean-square of recent gradients (Hinton)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ndgrad.optim.optimizer import Optimizer, _check, _grad, _params_with_grad, _zeros_like


class RMSprop(Optimizer):
    r"""RMSprop.

    For each parameter p with gradient g (negated when ``maximize``)::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g^2
        a = alpha * a + (1 - alpha) * g;  d = sqrt(v - a^2) + eps     if centered
        d = sqrt(v) + eps                                              otherwise
        b = momentum * b + g / d;  p = p - lr * b                      if momentum > 0
        p = p - lr * g / d                                             otherwise

    Args:
        params: tensors or parameter groups.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant (default 0.99).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by an estimate of the gradient's variance.
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(
        self,
        params: Any,
        lr: float | Any = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check(alpha >= 0.0, f"Invalid alpha value: {alpha}")
        defaults = dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
            centered=centered, maximize=maximize,
        )  # fmt: skip
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps = float(group["lr"]), group["alpha"], group["eps"]
            weight_decay, momentum = group["weight_decay"], group["momentum"]
            for p in _params_with_grad(group):
                g = _grad(p, group["maximize"])
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = _zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = _zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = _zeros_like(p)
                state["step"] += 1
                if weight_decay != 0:
                    g = g + weight_decay * p.array
                v = state["square_avg"].array
                v *= alpha
                v += (1 - alpha) * g * g
                if group["centered"]:
                    a = state["grad_avg"].array
                    a *= alpha
                    a += (1 - alpha) * g
                    denom = v - a * a
                    p.xp.sqrt(denom, out=denom)
                else:
                    denom = p.xp.sqrt(v)
                denom += eps
                p.xp.divide(g, denom, out=denom)  # denom now holds g / d
                if momentum > 0:
                    b = state["momentum_buffer"].array
                    b *= momentum
                    b += denom
                    p.array -= lr * b
                else:
                    denom *= lr
                    p.array -= denom
                p._bump_version()
        return loss
