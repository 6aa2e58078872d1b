"""``ndgrad.distributions``: probability distributions with PyTorch's interface.

``Normal``, ``Uniform``, ``Bernoulli`` and ``Categorical`` with ``sample`` / ``rsample`` (the
reparameterised, differentiable draw where one exists), ``log_prob``, ``entropy``, ``cdf``,
``mean`` / ``mode`` / ``variance`` / ``stddev``, ``batch_shape`` / ``event_shape``, ``expand``, and
``kl_divergence`` for pairs of them. Everything is written in Tensor ops, so gradients reach the
parameters. Arguments are validated as in PyTorch (``validate_args``, ``ValueError``).

>>> from ndgrad.distributions import Categorical
>>> pi = Categorical(logits=policy(state))
>>> action = pi.sample()
>>> loss = -(pi.log_prob(action) * advantage).mean()
"""

from __future__ import annotations

from ndgrad.distributions import constraints
from ndgrad.distributions.bernoulli import Bernoulli
from ndgrad.distributions.categorical import Categorical
from ndgrad.distributions.distribution import Distribution
from ndgrad.distributions.kl import kl_divergence, register_kl
from ndgrad.distributions.normal import Normal
from ndgrad.distributions.uniform import Uniform

__all__ = [
    "constraints",
    "Distribution",
    "Bernoulli",
    "Categorical",
    "Normal",
    "Uniform",
    "kl_divergence",
    "register_kl",
]
