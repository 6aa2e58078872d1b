"""Gradient clipping: rescale (``clip_grad_norm_``) or clamp (``clip_grad_value_``) the ``.grad`` of
parameters in place, before the optimizer step."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

from ndgrad.autograd.grad_mode import no_grad
from ndgrad.tensor import Tensor

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "get_total_norm",
    "clip_grads_with_norm_",
]


def _as_list(parameters: Any) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def get_total_norm(
    tensors: Iterable[Tensor] | Tensor, norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """||(||t_1||, ||t_2||, ...)||_p: the p-norm of all the tensors taken as one vector."""
    from ndgrad.ops.factory import tensor

    ts = [t for t in _as_list(tensors) if t is not None]
    norm_type = float(norm_type)
    if not ts:
        return tensor(0.0)
    with no_grad():
        xp = ts[0].xp
        arrays = [t.array for t in ts]
        if norm_type == math.inf:
            total = max(xp.abs(a).max() if a.size else 0.0 for a in arrays)
        elif norm_type == 0:
            total = sum(xp.count_nonzero(a) for a in arrays) * 1.0
        else:
            total = sum(
                xp.sum(xp.abs(a.astype(xp.float64, copy=False)) ** norm_type) for a in arrays
            )
            total = total ** (1.0 / norm_type)
        out = Tensor._make(xp.asarray(total, dtype=arrays[0].dtype), False, None)
    if error_if_nonfinite and not math.isfinite(float(out.item())):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so "
            "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`"
        )
    return out


def clip_grads_with_norm_(
    parameters: Iterable[Tensor] | Tensor, max_norm: float, total_norm: Tensor
) -> None:
    """grad *= min(1, max_norm / (total_norm + 1e-6)) for every parameter."""
    params = [p for p in _as_list(parameters) if p.grad is not None]
    coef = float(max_norm) / (float(total_norm.item()) + 1e-6)
    if coef >= 1.0:
        return
    for p in params:
        g = p.grad
        assert g is not None
        g.array[...] = g.array * coef
        g._bump_version()


def clip_grad_norm_(
    parameters: Iterable[Tensor] | Tensor,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale all gradients together so that their total ``norm_type``-norm is at most ``max_norm``.

    Returns:
        The total norm before clipping (a 0-d tensor).

    Example:
        >>> loss.backward()
        >>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)  # type: ignore[arg-type]
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_norm(
    parameters: Iterable[Tensor] | Tensor,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The old name of :func:`clip_grad_norm_`, deprecated as in PyTorch (a ``FutureWarning``)."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(
    parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            g = p.grad
            g.array[...] = g.xp.clip(g.array, -clip_value, clip_value)
            g._bump_version()
