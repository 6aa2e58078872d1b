"""``nn.utils``: gradient clipping, parameter/vector conversion and ``rnn`` (padding sequences)."""

from __future__ import annotations

from ndgrad.nn.utils import rnn  # noqa: F401
from ndgrad.nn.utils.clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from ndgrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from ndgrad.nn.utils.weight_norm import remove_weight_norm, weight_norm

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "remove_weight_norm",
    "vector_to_parameters",
    "weight_norm",
]
