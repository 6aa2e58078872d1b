"""The layers of ``ndgrad.nn``, one file per family (as PyTorch's ``torch/nn/modules``)."""

from __future__ import annotations

# PyTorch's file layout, for import paths such as ``nn.modules.batchnorm._BatchNorm``: small
# modules re-export the classes that live in another file here
from ndgrad.nn.modules import (  # noqa: F401
    activation,
    batchnorm,
    distance,
    fold,
    instancenorm,
    module,
    normalization,
    padding,
    pixelshuffle,
    upsampling,
)
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
from ndgrad.nn.modules.padding import *  # noqa: F403
from ndgrad.nn.modules.pooling import *  # noqa: F403
from ndgrad.nn.modules.rnn import *  # noqa: F403
from ndgrad.nn.modules.sparse import *  # noqa: F403
from ndgrad.nn.modules.transformer import *  # noqa: F403
from ndgrad.nn.modules.upsampling import *  # noqa: F403

# two classes that PyTorch keeps in a file we also have, at the same address
activation.MultiheadAttention = MultiheadAttention  # type: ignore[attr-defined]  # noqa: F405
normalization.LocalResponseNorm = LocalResponseNorm  # type: ignore[attr-defined]  # noqa: F405
