"""Helpers the distributions share: broadcasting parameters, and logits <-> probabilities."""

from __future__ import annotations

from typing import Any

import ndgrad
from ndgrad.tensor import Tensor


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Numbers and tensors to tensors of one broadcast shape (numbers take the tensors' dtype)."""
    ref = next((v for v in values if isinstance(v, Tensor)), None)
    if ref is None:
        tensors = [ndgrad.tensor(float(v)) for v in values]
    else:
        tensors = [
            v
            if isinstance(v, Tensor)
            else ndgrad.tensor(float(v), dtype=ref.dtype, device=ref.device)
            for v in values
        ]
    return tuple(ndgrad.broadcast_tensors(*tensors))


def clamp_probs(probs: Tensor) -> Tensor:
    """probs kept in [eps, 1 - eps], so that their logarithms stay finite."""
    eps = ndgrad.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """logit(p) = log p - log(1 - p) for a binary event; log p for a categorical one."""
    p = clamp_probs(probs)
    return p.log() - (-p).log1p() if is_binary else p.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid(logits) for a binary event; softmax over the last dim for a categorical one."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)


def _check_probs_or_logits(probs: Any, logits: Any) -> None:
    """Exactly one of ``probs`` and ``logits`` parametrizes a discrete distribution."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def _given_param(dist: Any) -> Tensor:
    """The parameter a discrete distribution was built from, ``probs`` or ``logits`` (the other is
    a lazy_property, derived on first use)."""
    stored = dist.__dict__
    return stored["probs"] if "probs" in stored else stored["logits"]  # type: ignore[no-any-return]
