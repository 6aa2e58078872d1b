"""The layers of ``ndgrad.nn``, one file per family (as PyTorch's ``torch/nn/modules``)."""

from __future__ import annotations

from ndgrad.nn.modules.activation import *  # noqa: F403
from ndgrad.nn.modules.batchnorm_sync import *  # noqa: F403
from ndgrad.nn.modules.container import *  # noqa: F403
from ndgrad.nn.modules.conv import *  # noqa: F403
from ndgrad.nn.modules.dropout import *  # noqa: F403
from ndgrad.nn.modules.flatten import *  # noqa: F403
from ndgrad.nn.modules.linear import *  # noqa: F403
from ndgrad.nn.modules.loss import *  # noqa: F403
from ndgrad.nn.modules.misc import *  # noqa: F403
from ndgrad.nn.modules.normalization import *  # noqa: F403
from ndgrad.nn.modules.pooling import *  # noqa: F403
from ndgrad.nn.modules.rnn import *  # noqa: F403
from ndgrad.nn.modules.sparse import *  # noqa: F403
from ndgrad.nn.modules.transformer import *  # noqa: F403
