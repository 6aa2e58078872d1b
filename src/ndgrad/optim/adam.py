"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay and AMSGrad."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ndgrad.optim.optimizer import Optimizer, _check, _grad, _params_with_grad, _zeros_like
from ndgrad.tensor import Tensor


def _check_adam_args(lr: Any, betas: tuple[float, float], eps: float, weight_decay: float) -> None:
    _check(lr >= 0.0, f"Invalid learning rate: {lr}")
    _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
    _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
    _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
    _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")


# The steps the Adam family (Adam, AdamW, NAdam, RAdam) shares, each one line of its docstring.


def _new_moments(state: dict[str, Any], p: Tensor) -> None:
    """m = v = 0: the moments of a parameter's first step."""
    state["exp_avg"] = _zeros_like(p)
    state["exp_avg_sq"] = _zeros_like(p)


def _decay(p: Tensor, g: Any, lr: float, weight_decay: float, decoupled: bool) -> Any:
    """p = p * (1 - lr * weight_decay) if decoupled (AdamW), else g = g + weight_decay * p;
    returns g."""
    if decoupled:
        p.array *= 1 - lr * weight_decay
        return g
    return g + weight_decay * p.array


def _update_moments(state: dict[str, Any], g: Any, beta1: float, beta2: float) -> tuple[Any, Any]:
    """m = beta1 * m + (1 - beta1) * g and v = beta2 * v + (1 - beta2) * g^2, in place; returns
    (m, v)."""
    m, v = state["exp_avg"].array, state["exp_avg_sq"].array
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    return m, v


def _denominator(xp: Any, v: Any, beta2: float, t: int, eps: float) -> Any:
    """sqrt(v) / sqrt(1 - beta2^t) + eps, a new array."""
    denom = xp.sqrt(v)
    denom /= math.sqrt(1 - beta2**t)
    denom += eps
    return denom


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2014).

    For each parameter p with gradient g (negated when ``maximize``), at step t::

        p = p * (1 - lr * weight_decay)     if decoupled_weight_decay   (AdamW)
        g = g + weight_decay * p            otherwise                   (L2)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        v_max = max(v_max, v)               if amsgrad (then v_max replaces v below)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    Args:
        params: tensors or parameter groups.
        lr: learning rate (default 1e-3; a float or a 0-d tensor).
        betas: decay rates of the first and second moments (default (0.9, 0.999)).
        eps: added to the denominator for stability (default 1e-8).
        weight_decay: weight decay (default 0).
        amsgrad: use the running maximum of v (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: decay the weights directly (AdamW) instead of adding an L2 term.
        foreach, fused: accepted for PyTorch compatibility and ignored (ndgrad has one code path).
    """

    def __init__(
        self,
        params: Any,
        lr: float | Any = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
        foreach: bool | None = None,
        fused: bool | None = None,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize, decoupled_weight_decay=decoupled_weight_decay,
        )  # fmt: skip
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = float(group["lr"]), group["betas"], group["eps"]
            weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
            for p in _params_with_grad(group):
                g = _grad(p, group["maximize"])
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    _new_moments(state, p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_like(p)
                state["step"] += 1
                t = state["step"]
                if weight_decay != 0:
                    g = _decay(p, g, lr, weight_decay, group["decoupled_weight_decay"])
                m, v = _update_moments(state, g, beta1, beta2)
                if amsgrad:
                    v_max = state["max_exp_avg_sq"].array
                    p.xp.maximum(v_max, v, out=v_max)
                    v = v_max
                step_size = lr / (1 - beta1**t)
                denom = _denominator(p.xp, v, beta2, t, eps)
                p.xp.divide(m, denom, out=denom)  # denom now holds m / denom
                denom *= step_size
                p.array -= denom
                p._bump_version()
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019): ``Adam(...,
    decoupled_weight_decay=True)`` with ``weight_decay`` defaulting to 1e-2.

        p = p * (1 - lr * weight_decay), then the Adam update without an L2 term.
    """

    def __init__(
        self,
        params: Any,
        lr: float | Any = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
