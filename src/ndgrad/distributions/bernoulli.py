"""The Bernoulli distribution (a biased coin), by probability or by logit."""

from __future__ import annotations

from typing import Any

import ndgrad
import ndgrad.nn.functional as F
from ndgrad.distributions import constraints
from ndgrad.distributions.distribution import Distribution, lazy_property
from ndgrad.distributions.utils import (
    _check_probs_or_logits,
    _given_param,
    broadcast_all,
    logits_to_probs,
    probs_to_logits,
)
from ndgrad.tensor import Size, Tensor

__all__ = ["Bernoulli"]


class Bernoulli(Distribution):
    """P(x = 1) = probs = sigmoid(logits); log p(x) = x logits - softplus(logits).

    Give exactly one of ``probs`` and ``logits``; the other is derived on first use.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        _check_probs_or_logits(probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
            shape = self.probs.shape
        else:
            (self.logits,) = broadcast_all(logits)
            shape = self.logits.shape
        super().__init__(shape, validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        return self._param.shape

    @property
    def _param(self) -> Tensor:
        return _given_param(self)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Bernoulli:
        shape = Size(batch_shape)
        if "probs" in self.__dict__:
            return Bernoulli(probs=self.probs.expand(shape), validate_args=False)
        return Bernoulli(logits=self.logits.expand(shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return mode.masked_fill(self.probs == 0.5, float("nan"))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with ndgrad.no_grad():
            return ndgrad.bernoulli(self.probs.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = ndgrad.broadcast_tensors(self.logits, value.to(self.logits.dtype))
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = ndgrad.arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values
