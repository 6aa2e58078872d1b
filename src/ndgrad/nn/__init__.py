"""``ndgrad.nn``: Module, Parameter, the layers, ``init``, ``utils`` and ``functional``.

>>> from ndgrad import nn
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
>>> list(model.state_dict())
['0.weight', '0.bias', '2.weight', '2.bias']
"""

from __future__ import annotations

from ndgrad.nn import (
    functional,  # noqa: F401
    init,  # noqa: F401
    parallel,  # noqa: F401
    utils,  # noqa: F401
)
from ndgrad.nn.module import Module  # noqa: F401
from ndgrad.nn.modules import *  # noqa: F403
from ndgrad.nn.parallel import DataParallel  # noqa: F401
from ndgrad.nn.parameter import Buffer, Parameter  # noqa: F401
