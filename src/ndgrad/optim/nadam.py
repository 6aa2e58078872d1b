"""NAdam: Adam with Nesterov momentum (Dozat, 2016)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ndgrad.optim.adam import (
    _check_adam_args,
    _decay,
    _denominator,
    _new_moments,
    _update_moments,
)
from ndgrad.optim.optimizer import Optimizer, _check, _grad, _params_with_grad


class NAdam(Optimizer):
    r"""NAdam, with PyTorch's momentum schedule.

    For each parameter p with gradient g (negated when ``maximize``), at step t::

        p = p * (1 - lr * weight_decay)   if decoupled_weight_decay  else  g = g + weight_decay * p
        mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))      (and mu_{t+1} likewise)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        d = sqrt(v / (1 - beta2^t)) + eps
        p = p - lr * (1 - mu_t) / (1 - prod_{i<=t} mu_i) * g / d
              - lr * mu_{t+1} / (1 - prod_{i<=t+1} mu_i) * m / d

    Args:
        params: tensors or parameter groups.
        lr: learning rate (default 2e-3).
        betas: decay rates of the moments (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay (default 0).
        momentum_decay: the momentum schedule's decay (default 4e-3).
        decoupled_weight_decay: decay the weights directly, as AdamW does.
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(
        self,
        params: Any,
        lr: float | Any = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        _check(momentum_decay >= 0.0, f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
            momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )  # fmt: skip
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = float(group["lr"]), group["betas"], group["eps"]
            weight_decay, momentum_decay = group["weight_decay"], group["momentum_decay"]
            for p in _params_with_grad(group):
                g = _grad(p, group["maximize"])
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["mu_product"] = 1.0
                    _new_moments(state, p)
                state["step"] += 1
                t = state["step"]
                if weight_decay != 0:
                    g = _decay(p, g, lr, weight_decay, group["decoupled_weight_decay"])
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
                state["mu_product"] *= mu
                mu_product = state["mu_product"]
                m, v = _update_moments(state, g, beta1, beta2)
                denom = _denominator(p.xp, v, beta2, t, eps)
                update = g / denom
                update *= lr * (1.0 - mu) / (1.0 - mu_product)
                p.array -= update
                p.xp.divide(m, denom, out=update)
                update *= lr * mu_next / (1.0 - mu_product * mu_next)
                p.array -= update
                p._bump_version()
        return loss
