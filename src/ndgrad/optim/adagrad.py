"""Adagrad: per-coordinate learning rates from the sum of squared gradients (Duchi et al., 2011)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ndgrad.optim.optimizer import Optimizer, _buffer, _check, _grad, _params_with_grad


class Adagrad(Optimizer):
    r"""Adagrad.

    For each parameter p with gradient g (negated when ``maximize``), at step t::

        g = g + weight_decay * p
        s = s + g^2                      (s starts at initial_accumulator_value)
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)

    Args:
        params: tensors or parameter groups.
        lr: learning rate (default 1e-2).
        lr_decay: learning rate decay (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: starting value of the sum (default 0).
        eps: added to the denominator (default 1e-10).
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(
        self,
        params: Any,
        lr: float | Any = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(lr_decay >= 0.0, f"Invalid lr_decay value: {lr_decay}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check(
            initial_accumulator_value >= 0.0,
            f"Invalid initial_accumulator_value value: {initial_accumulator_value}",
        )
        _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
        defaults = dict(
            lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, maximize=maximize,
        )  # fmt: skip
        super().__init__(params, defaults)
        # like PyTorch, the state exists from the start (so state_dict() has it before any step)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Any, group: dict[str, Any]) -> None:
        self.state[p]["step"] = 0
        self.state[p]["sum"] = _buffer(p.xp.full_like(p.array, group["initial_accumulator_value"]))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = float(group["lr"]), group["lr_decay"], group["eps"]
            weight_decay = group["weight_decay"]
            for p in _params_with_grad(group):
                g = _grad(p, group["maximize"])
                if not self.state[p]:  # a parameter group added after construction
                    self._init_state(p, group)
                state = self.state[p]
                state["step"] += 1
                if weight_decay != 0:
                    g = g + weight_decay * p.array
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                s = state["sum"].array
                s += g * g
                denom = p.xp.sqrt(s)
                denom += eps
                p.xp.divide(g, denom, out=denom)
                denom *= clr
                p.array -= denom
                p._bump_version()
        return loss
