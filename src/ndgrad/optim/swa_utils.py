"""Weight averaging: stochastic weight averaging (SWA) and exponential moving averages (EMA).

``AveragedModel`` keeps a copy of a model whose parameters are a running average of the model's
parameters over training; ``update_bn`` recomputes BatchNorm statistics for the averaged weights;
``SWALR`` anneals each group's learning rate to a constant ``swa_lr``.

    >>> ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))
    >>> ...  # after each optimizer.step():
    >>> ema.update_parameters(model)
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any

import ndgrad
from ndgrad.autograd.grad_mode import no_grad
from ndgrad.nn.module import Module
from ndgrad.nn.modules.normalization import _BatchNorm
from ndgrad.optim.lr_scheduler import LRScheduler
from ndgrad.optim.optimizer import Optimizer
from ndgrad.tensor import Tensor

__all__ = [
    "SWALR",
    "AveragedModel",
    "get_ema_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_avg_fn",
    "get_swa_multi_avg_fn",
    "update_bn",
]


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """avg = decay * avg + (1 - decay) * p"""
    return lambda averaged, current, num_averaged: decay * averaged + (1 - decay) * current


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """avg = avg + (p - avg) / (n + 1): the plain mean of all the models seen."""
    return lambda averaged, current, num_averaged: (
        averaged + (current - averaged) / (num_averaged + 1)
    )


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[list[Tensor], list[Tensor], Any], None]:
    """In place on lists of tensors: avg = decay * avg + (1 - decay) * p."""

    def ema_update(averaged: list[Tensor], current: list[Tensor], num_averaged: Any) -> None:
        for a, c in zip(averaged, current, strict=True):
            a.lerp_(c, 1 - decay)

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[list[Tensor], list[Tensor], Any], None]:
    """In place on lists of tensors: avg = avg + (p - avg) / (n + 1)."""

    def swa_update(averaged: list[Tensor], current: list[Tensor], num_averaged: Any) -> None:
        weight = 1.0 / (int(num_averaged) + 1)
        for a, c in zip(averaged, current, strict=True):
            a.lerp_(c, weight)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and, with ``use_buffers``, buffers) are averaged.

    Args:
        model: the model to average (deep-copied once).
        device: where the copy lives (default: the model's device).
        avg_fn: ``avg_fn(averaged, current, num_averaged) -> new averaged``, per tensor.
        multi_avg_fn: ``multi_avg_fn(averaged_list, current_list, num_averaged)``, in place.
            Without either, the plain mean (SWA).
        use_buffers: average the buffers too (else they are copied from ``model`` at each update).
    """

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: Callable[[Tensor, Tensor, Any], Tensor] | None = None,
        multi_avg_fn: Callable[[list[Tensor], list[Tensor], Any], None] | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", ndgrad.tensor(0, dtype=ndgrad.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def _tensors(self, model: Module) -> Iterable[Tensor]:
        if self.use_buffers:
            return itertools.chain(model.parameters(), model.buffers())
        return model.parameters()

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters into the average."""
        n = int(self.n_averaged.item())
        with no_grad():
            averaged = [a.detach() for a in self._tensors(self.module)]
            current = [
                c.detach().to(a.device) for a, c in zip(averaged, self._tensors(model), strict=True)
            ]
            if n == 0:
                for a, c in zip(averaged, current):
                    a.copy_(c)
            elif self.multi_avg_fn is not None:
                floats = [(a, c) for a, c in zip(averaged, current) if a.is_floating_point()]
                self.multi_avg_fn([a for a, _ in floats], [c for _, c in floats], self.n_averaged)
            else:
                avg_fn = self.avg_fn or get_swa_avg_fn()
                for a, c in zip(averaged, current):
                    a.copy_(avg_fn(a, c, n))  # integer buffers too, truncated back, as PyTorch does
            if not self.use_buffers:  # keep the buffers in sync with the source model
                for b_avg, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                    b_avg.copy_(b_model.detach().to(b_avg.device))
            self.n_averaged.add_(1)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the BatchNorm running statistics of ``model`` with one pass over ``loader``.

    Each BatchNorm layer's statistics are reset and accumulated as a plain mean over the batches
    (``momentum=None``); the layers' momenta and the model's train/eval mode are restored.
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm) and module.track_running_stats:
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            x = batch[0] if isinstance(batch, list | tuple) else batch
            if device is not None:
                x = x.to(device)
            model(x)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr from its current value to ``swa_lr`` over ``anneal_epochs`` steps,
    then hold.

    lr_t = alpha_t * swa_lr + (1 - alpha_t) * lr_0,  alpha_t = t / anneal_epochs (linear)
    or (1 - cos(pi * t / anneal_epochs)) / 2 (cos)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        swa_lrs = (
            list(swa_lr)
            if isinstance(swa_lr, list | tuple)
            else [swa_lr] * len(optimizer.param_groups)
        )
        if len(swa_lrs) != len(optimizer.param_groups):
            raise ValueError(
                "swa_lr must have the same length as optimizer.param_groups: swa_lr has "
                f"{len(swa_lrs)}, "
                f"optimizer.param_groups has {len(optimizer.param_groups)}"
            )
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must by one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_strategy = anneal_strategy
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _anneal(self, t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    def get_lr(self) -> list[Any]:
        # the lr before annealing started is recovered from the current one (PyTorch's formula)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self._anneal(max(0.0, min(1.0, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self._anneal(max(0.0, min(1.0, step / max(1, self.anneal_epochs))))
        lrs = []
        for group in self.optimizer.param_groups:
            lr, swa_lr = group["lr"], group["swa_lr"]
            start = swa_lr if prev_alpha == 1 else (lr - prev_alpha * swa_lr) / (1 - prev_alpha)
            lrs.append(swa_lr * alpha + start * (1 - alpha))
        return lrs
