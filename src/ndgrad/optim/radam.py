"""RAdam: Adam with a rectified adaptive learning rate (Liu et al., 2019)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ndgrad.optim.adam import _check_adam_args, _decay, _new_moments, _update_moments
from ndgrad.optim.optimizer import Optimizer, _grad, _params_with_grad


class RAdam(Optimizer):
    r"""RAdam.

    For each parameter p with gradient g (negated when ``maximize``), at step t::

        p = p * (1 - lr * weight_decay)   if decoupled_weight_decay  else  g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2
        rho_inf = 2 / (1 - beta2) - 1;     rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        m_hat = m / (1 - beta1^t)
        if rho_t > 5:
            r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            p = p - lr * m_hat * r * sqrt(1 - beta2^t) / (sqrt(v) + eps)
        else:
            p = p - lr * m_hat

    Args:
        params: tensors or parameter groups.
        lr: learning rate (default 1e-3).
        betas: decay rates of the moments (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay (default 0).
        decoupled_weight_decay: decay the weights directly, as AdamW does.
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(
        self,
        params: Any,
        lr: float | Any = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
        )  # fmt: skip
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = float(group["lr"]), group["betas"], group["eps"]
            weight_decay = group["weight_decay"]
            rho_inf = 2 / (1 - beta2) - 1
            for p in _params_with_grad(group):
                g = _grad(p, group["maximize"])
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    _new_moments(state, p)
                state["step"] += 1
                t = state["step"]
                if weight_decay != 0:
                    g = _decay(p, g, lr, weight_decay, group["decoupled_weight_decay"])
                m, v = _update_moments(state, g, beta1, beta2)
                bias_correction2 = 1 - beta2**t
                update = m / (1 - beta1**t)
                rho_t = rho_inf - 2 * t * beta2**t / bias_correction2
                if rho_t > 5.0:
                    rect = math.sqrt(
                        (rho_t - 4)
                        * (rho_t - 2)
                        * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                    )
                    denom = p.xp.sqrt(v)
                    denom += eps
                    update /= denom
                    update *= rect * math.sqrt(bias_correction2)
                update *= lr
                p.array -= update
                p._bump_version()
        return loss
