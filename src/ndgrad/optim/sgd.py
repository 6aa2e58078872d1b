"""Stochastic gradient descent, with momentum, Nesterov momentum and L2 weight decay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ndgrad import _workspace as ws
from ndgrad.optim.optimizer import Optimizer, _buffer, _check, _params_with_grad


class SGD(Optimizer):
    r"""Stochastic gradient descent (PyTorch's formulation of momentum).

    For each parameter p with gradient g (negated when ``maximize``)::

        g = g + weight_decay * p
        b = g                                      (first step)
        b = momentum * b + (1 - dampening) * g     (later steps)
        g = g + momentum * b   if nesterov else   g = b
        p = p - lr * g

    Args:
        params: tensors or parameter groups.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening of the momentum (default 0).
        weight_decay: L2 penalty (default 0).
        nesterov: Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, fused: accepted for PyTorch compatibility and ignored (ndgrad has one code path).

    Example:
        >>> opt = ndgrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    """

    def __init__(
        self,
        params: Any,
        lr: float | Any = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool | None = None,
    ) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check(
            not nesterov or (momentum > 0 and dampening == 0),
            "Nesterov momentum requires a momentum and zero dampening",
        )
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
            nesterov=nesterov, maximize=maximize,
        )  # fmt: skip
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, momentum, dampening = float(group["lr"]), group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            sign = -1.0 if group["maximize"] else 1.0
            for p in _params_with_grad(group):
                # g = sign * grad + weight_decay * p is never built: each update below adds its two
                # terms one at a time (add_scaled), so the step allocates nothing parameter-sized
                grad, w = p.grad.array, p.array  # type: ignore[union-attr]
                b = None
                if momentum != 0:
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        b = grad * sign
                        state["momentum_buffer"] = _buffer(b)
                        scale = 1.0
                    else:
                        b = state["momentum_buffer"].array
                        b *= momentum
                        scale = 1 - dampening
                        ws.add_scaled(b, scale * sign, grad)
                    if weight_decay != 0:
                        ws.add_scaled(b, scale * weight_decay, w)
                if b is not None and not nesterov:  # p -= lr * b
                    ws.add_scaled(w, -lr, b)
                else:  # p -= lr * (g + momentum * b), the nesterov b only with momentum
                    if weight_decay != 0:
                        w *= 1 - lr * weight_decay
                    ws.add_scaled(w, -lr * sign, grad)
                    if b is not None:
                        ws.add_scaled(w, -lr * momentum, b)
                p._bump_version()
        return loss
