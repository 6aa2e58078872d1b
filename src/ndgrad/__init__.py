"""ndgrad: a small deep-learning library on NumPy, shaped like PyTorch, written to be read.

>>> import ndgrad
>>> x = ndgrad.randn(2, 3, requires_grad=True)
>>> (x ** 2).sum().backward()
>>> ndgrad.allclose(x.grad, 2 * x)
True
"""

from __future__ import annotations

import math as _math

from ndgrad import autograd
from ndgrad._backend import cuda_is_available
from ndgrad._dtype import (
    bool_,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from ndgrad._tensor_legacy import (  # PyTorch's legacy typed constructors and isinstance targets
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from ndgrad.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from ndgrad.ops.arithmetic import *  # noqa: F403
from ndgrad.ops.compare import *  # noqa: F403
from ndgrad.ops.cumulative import *  # noqa: F403
from ndgrad.ops.elementwise import *  # noqa: F403
from ndgrad.ops.factory import (
    arange,
    as_tensor,
    asarray,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from ndgrad.ops.gather_scatter import *  # noqa: F403
from ndgrad.ops.grid import *  # noqa: F403
from ndgrad.ops.index import *  # noqa: F403
from ndgrad.ops.join import *  # noqa: F403
from ndgrad.ops.linalg import *  # noqa: F403
from ndgrad.ops.misc import *  # noqa: F403
from ndgrad.ops.nn_ops import (  # PyTorch has these at the top level too
    cdist,
    cosine_similarity,
    pairwise_distance,
    pdist,
)
from ndgrad.ops.order_stats import *  # noqa: F403
from ndgrad.ops.pad import *  # noqa: F403
from ndgrad.ops.random import (
    Generator,
    bernoulli,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from ndgrad.ops.reduce import *  # noqa: F403
from ndgrad.ops.rounding import *  # noqa: F403
from ndgrad.ops.settings import *  # noqa: F403
from ndgrad.ops.shape import *  # noqa: F403
from ndgrad.ops.softmax import *  # noqa: F403
from ndgrad.ops.sort import *  # noqa: F403
from ndgrad.ops.trig import *  # noqa: F403
from ndgrad.ops.unary import *  # noqa: F403
from ndgrad.tensor import Size, Tensor, device

bool = bool_  # noqa: A001  (PyTorch's name; the builtin stays reachable as builtins.bool)
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001


# PyTorch's constants (torch.pi, torch.inf, ...) and None-as-new-axis for indexing
pi, e, inf, nan = _math.pi, _math.e, _math.inf, _math.nan
newaxis = None


def is_tensor(obj: object) -> builtins_bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> builtins_int:
    return input.numel()


import builtins as _builtins  # noqa: E402

builtins_bool = _builtins.bool
builtins_int = _builtins.int

# subpackages last: they build on everything above
from ndgrad import (  # noqa: E402
    accelerator,
    amp,
    backends,
    cuda,
    linalg,
    nn,
    onnx,
    optim,
    profiler,
    testing,
    utils,
)
from ndgrad.amp import autocast  # noqa: E402
from ndgrad.backends import get_float32_matmul_precision, set_float32_matmul_precision  # noqa: E402
from ndgrad.serialization import load, save  # noqa: E402

# -- issue 8 (api): PyTorch names around the ops ----------------------------------------------
# isort: split
from ndgrad import distributions, multiprocessing, sparse  # noqa: E402
from ndgrad.ops.deprecated import range  # noqa: E402, A004
from ndgrad.ops.order_stats import histogram  # noqa: E402
from ndgrad.sparse import sparse_coo_tensor, spmm  # noqa: E402

# NumPy has no bfloat16: a tensor asked for it is stored (and reports itself) as float32
bfloat16 = dtype("bfloat16", float32.np, 2)

__version__ = "0.1.0"
