"""PyTorch names kept only for old programs: ``range`` (inclusive of ``end``; use ``arange``)."""

from __future__ import annotations

import math
import warnings
from typing import Any

from ndgrad import _dtype
from ndgrad.ops.factory import arange
from ndgrad.tensor import Tensor

__all__ = ["range"]


def range(  # noqa: A001  (PyTorch's name)
    start: Any,
    end: Any,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """out_i = start + i * step for i = 0 .. floor((end - start) / step): ``end`` included.

    Deprecated as in PyTorch (a ``UserWarning``); the default dtype is the default float dtype even
    for integer arguments, as PyTorch's.

    >>> ndgrad.range(1, 4)
    tensor([1., 2., 3., 4.])
    """
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its behavior is "
        "inconsistent with Python's range builtin. Instead, use torch.arange, which produces "
        "values "
        "in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = math.floor((end - start) / step) + 1
    values = arange(n, dtype=_dtype.float64) * step + start  # float64 first: exact for int steps
    out_dtype = _dtype.get_default_dtype() if dtype is None else dtype
    return values.to(dtype=out_dtype, device=device).requires_grad_(requires_grad)
