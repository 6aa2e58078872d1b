"""The categorical distribution over ``0 .. K-1``, by probabilities or by logits."""

from __future__ import annotations

from typing import Any

import ndgrad
from ndgrad.distributions import constraints
from ndgrad.distributions.distribution import Distribution, lazy_property
from ndgrad.distributions.utils import (
    _check_probs_or_logits,
    _given_param,
    logits_to_probs,
    probs_to_logits,
)
from ndgrad.tensor import Size, Tensor

__all__ = ["Categorical"]


class Categorical(Distribution):
    """P(x = k) = probs[..., k] = softmax(logits)[..., k]; the last dim holds the K categories.

    ``probs`` are normalised to sum to 1 and ``logits`` to log-probabilities, as in PyTorch.

    >>> Categorical(logits=ndgrad.zeros(4, 3)).sample((2,)).shape
    ndgrad.Size([2, 4])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        _check_probs_or_logits(probs, logits)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        param = self.probs if probs is not None else self.logits
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1], validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def param_shape(self) -> Size:
        return _given_param(self).shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> Categorical:
        shape = Size(tuple(batch_shape) + (self._num_events,))
        if "probs" in self.__dict__:
            return Categorical(probs=self.probs.expand(shape), validate_args=False)
        return Categorical(logits=self.logits.expand(shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        return ndgrad.full(tuple(self._extended_shape()), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        return ndgrad.full(tuple(self._extended_shape()), float("nan"), dtype=self.probs.dtype)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        """Category indices (int64) of shape sample_shape + batch_shape."""
        shape = self._extended_shape(sample_shape)
        n = 1
        for s in shape[: len(shape) - len(self._batch_shape)]:
            n *= s
        with ndgrad.no_grad():
            rows = self.probs.reshape(-1, self._num_events)
            draws = ndgrad.multinomial(rows, n, True).T  # (n, batch numel)
        return draws.reshape(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        index = value.long().unsqueeze(-1)
        index, log_pmf = ndgrad.broadcast_tensors(index, self.logits)
        return log_pmf.gather(-1, index[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits.clamp(min=ndgrad.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = ndgrad.arange(self._num_events, device=self.probs.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values
