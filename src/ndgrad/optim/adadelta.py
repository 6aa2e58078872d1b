"""Adadelta: a learning rate from running averages of squared gradients and updates (Zeiler,
2012)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ndgrad.optim.optimizer import Optimizer, _check, _grad, _params_with_grad, _zeros_like


class Adadelta(Optimizer):
    r"""Adadelta.

    For each parameter p with gradient g (negated when ``maximize``)::

        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g^2
        d = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d^2
        p = p - lr * d

    Args:
        params: tensors or parameter groups.
        lr: scales the update (default 1.0).
        rho: decay rate of the running averages (default 0.9).
        eps: added inside the square roots (default 1e-6).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(
        self,
        params: Any,
        lr: float | Any = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, rho, eps, weight_decay = (
                float(group["lr"]),
                group["rho"],
                group["eps"],
                group["weight_decay"],
            )
            for p in _params_with_grad(group):
                g = _grad(p, group["maximize"])
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = _zeros_like(p)
                    state["acc_delta"] = _zeros_like(p)
                state["step"] += 1
                if weight_decay != 0:
                    g = g + weight_decay * p.array
                v, u = state["square_avg"].array, state["acc_delta"].array
                v *= rho
                v += (1 - rho) * g * g
                delta = u + eps
                p.xp.sqrt(delta, out=delta)
                delta /= p.xp.sqrt(v + eps)
                delta *= g
                u *= rho
                u += (1 - rho) * delta * delta
                delta *= lr
                p.array -= delta
                p._bump_version()
        return loss
