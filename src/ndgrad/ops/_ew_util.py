"""Helpers shared by the elementwise op modules (arithmetic, unary, compare and elementwise).

``_quiet`` silences NumPy's floating-point warnings for the ops where PyTorch is silent, ``_xp``
gives an
array's module (NumPy or CuPy), ``_float_input`` moves integer input of float math to the default
float
dtype and ``_is_int`` tells integer and bool operands apart. Nothing here is an op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad import _dtype
from ndgrad._backend import xp_of as _xp  # noqa: F401 - re-exported to the family
from ndgrad.tensor import Tensor

# PyTorch is silent where NumPy warns (log(0) = -inf, 1/0 = inf, sqrt(-1) = nan): the ops that
# can divide by zero, leave their domain or overflow compute under this (a decorator, so only
# they pay for it; nothing global is changed).
_quiet = np.errstate(divide="ignore", invalid="ignore", over="ignore")


def _float_input(x: Tensor) -> Tensor:
    """Unary float math on an integer or bool tensor computes in the default float dtype."""
    if x.array.dtype.kind not in "fc":
        return x.to(dtype=_dtype.get_default_dtype())
    return x


def _is_int(x: Any) -> bool:
    if isinstance(x, Tensor):
        return x.array.dtype.kind in "iub"
    return isinstance(x, int | bool)
