"""ndgrad.optim: optimizers that update parameters from their ``.grad``, and ``lr_scheduler``.

Each optimizer is one class in its own file, its ``step`` a readable loop over parameter groups
and parameters that writes the update from its docstring in place on the raw arrays.

    >>> opt = ndgrad.optim.Adam(model.parameters(), lr=1e-3)
    >>> for x, y in loader:
    ...     opt.zero_grad()
    ...     loss_fn(model(x), y).backward()
    ...     opt.step()
"""

from __future__ import annotations

from ndgrad.optim import lr_scheduler, swa_utils
from ndgrad.optim.adadelta import Adadelta
from ndgrad.optim.adagrad import Adagrad
from ndgrad.optim.adam import Adam, AdamW
from ndgrad.optim.adamax import Adamax
from ndgrad.optim.lbfgs import LBFGS
from ndgrad.optim.nadam import NAdam
from ndgrad.optim.optimizer import Optimizer
from ndgrad.optim.radam import RAdam
from ndgrad.optim.rmsprop import RMSprop
from ndgrad.optim.sgd import SGD

__all__ = [
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "LBFGS",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "SGD",
    "lr_scheduler",
    "swa_utils",
]
