"""Stochastic gradient descent, with momentum, Nesterov momentum and L2 weight decay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ndgrad.optim.optimizer import Optimizer, _buffer, _check, _grad, _params_with_grad


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
            weight_decay = group["weight_decay"]
            for p in _params_with_grad(group):
                g = _grad(p, group["maximize"])
                if weight_decay != 0:
                    g = g + weight_decay * p.array
                if momentum != 0:
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        b = g.copy()
                        state["momentum_buffer"] = _buffer(b)
                    else:
                        b = state["momentum_buffer"].array
                        b *= momentum
                        b += (1 - dampening) * g
                    g = g + momentum * b if group["nesterov"] else b
                p.array -= lr * g
                p._bump_version()
        return loss
