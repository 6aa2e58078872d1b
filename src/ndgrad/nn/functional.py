"""``ndgrad.nn.functional``: the differentiable kernels of neural networks, by family.

Each family keeps its ops (forward and backward side by side) in ``ndgrad/ops/``; this module
gathers their public functions under PyTorch's module path.
"""

from __future__ import annotations

from ndgrad.ops.activation import *  # noqa: F403
from ndgrad.ops.conv import *  # noqa: F403
from ndgrad.ops.fold import *  # noqa: F403
from ndgrad.ops.loss import *  # noqa: F403
from ndgrad.ops.nn_ops import *  # noqa: F403
from ndgrad.ops.pad import pad  # noqa: F401
from ndgrad.ops.pool import *  # noqa: F403
from ndgrad.ops.pool_adaptive import *  # noqa: F403
from ndgrad.ops.resample import *  # noqa: F403
from ndgrad.ops.softmax import log_softmax, softmax  # noqa: F401
