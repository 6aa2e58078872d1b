"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ndgrad.optim.adam import _check_adam_args
from ndgrad.optim.optimizer import Optimizer, _grad, _params_with_grad, _zeros_like


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2014, section 7).

    For each parameter p with gradient g (negated when ``maximize``), at step t::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1^t) * m / u

    Args:
        params: tensors or parameter groups.
        lr: learning rate (default 2e-3).
        betas: decay rates of the first moment and the infinity norm (default (0.9, 0.999)).
        eps: added to |g| for stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(
        self,
        params: Any,
        lr: float | Any = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = float(group["lr"]), group["betas"], group["eps"]
            weight_decay = group["weight_decay"]
            for p in _params_with_grad(group):
                g = _grad(p, group["maximize"])
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_inf"] = _zeros_like(p)
                state["step"] += 1
                if weight_decay != 0:
                    g = g + weight_decay * p.array
                m, u = state["exp_avg"].array, state["exp_inf"].array
                m *= beta1
                m += (1 - beta1) * g
                u *= beta2
                abs_g = p.xp.abs(g)
                abs_g += eps
                p.xp.maximum(u, abs_g, out=u)
                step = p.xp.divide(m, u, out=abs_g)  # reuse the |g| buffer for m / u
                step *= lr / (1 - beta1 ** state["step"])
                p.array -= step
                p._bump_version()
        return loss
