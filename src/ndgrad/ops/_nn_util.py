"""Small helpers shared by the nn kernel modules (nn_ops, norm, dropout, attention).

``_xp`` finds the array module of an array, ``_const`` wraps an array as a graph-free Tensor and
``_dtype_name`` spells a dtype the way PyTorch's error messages do. They live here, apart from
the kernels, so that every nn module can import them without import cycles.
"""

from __future__ import annotations

from ndgrad._backend import xp_of as _xp  # noqa: F401 - re-exported to the nn kernels
from ndgrad.ops._util import const as _const  # noqa: F401 - re-exported to the nn kernels
from ndgrad.tensor import Tensor

_TORCH_TYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double"}


def _dtype_name(t: Tensor) -> str:
    """PyTorch's scalar-type name, as its error messages spell it (Float, Double, Long ...)."""
    return _TORCH_TYPE_NAMES.get(t.dtype.name, t.dtype.name.capitalize())
