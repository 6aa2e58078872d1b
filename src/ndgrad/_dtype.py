"""dtypes with PyTorch's names and PyTorch's type-promotion rules, backed by NumPy dtypes."""

from __future__ import annotations

from typing import Any

import numpy as np


class dtype:
    """A tensor element type: ``ndgrad.float32`` is the NumPy dtype ``float32`` with a torch-like
    face."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_rank")

    def __init__(self, name: str, np_dtype: Any, rank: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize
        self._rank = rank  # 0 bool, 1 integer, 2 floating: the promotion category

    def __repr__(self) -> str:
        return f"ndgrad.{self.name}"

    def __reduce__(self) -> str:
        return self.name


# PyTorch's C++ scalar-type names, as its error messages print them ("expected ... Long")
TORCH_NAMES = {
    "bool": "Bool",
    "uint8": "Byte",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
}


# the C++ type names some of PyTorch's dtype-mismatch messages print ("expected dtype float ...")
CPP_NAMES = {
    "float16": "c10::Half",
    "float32": "float",
    "float64": "double",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
}


def torch_name(t: Any) -> str:
    """PyTorch's scalar-type name (``Float``, ``Long``...) of a tensor, array or dtype."""
    d = getattr(t, "dtype", t)
    name = d.name if isinstance(d, dtype) else str(np.dtype(d))
    return TORCH_NAMES.get(name, name)


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_FROM_NP = {d.np: d for d in ALL_DTYPES}
_ALIASES = {
    "bool": bool_,
    "half": float16,
    "float": float32,
    "double": float64,
    "short": int16,
    "int": int32,
    "long": int64,
}

_default = [float32]


def get_default_dtype() -> dtype:
    """The floating dtype that factories and Python floats produce (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype; like PyTorch, only float16/32/64 are accepted."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def from_numpy_dtype(np_dtype: Any) -> dtype:
    """The ndgrad dtype of a NumPy dtype; raises TypeError for types ndgrad does not support."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        pass
    try:
        return _FROM_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(f"unsupported dtype {np_dtype!r}; ndgrad supports {_names()}") from None


def to_dtype(d: Any) -> dtype:
    """Accept an ndgrad dtype, a NumPy dtype or type, a Python type or a name like 'float32'."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return get_default_dtype()
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str):
        if d in _ALIASES:
            return _ALIASES[d]
        for cand in ALL_DTYPES:
            if cand.name == d:
                return cand
        raise TypeError(f"unknown dtype name {d!r}; ndgrad supports {_names()}")
    # torch dtypes (torch.float32) map by name, so code moving between the two keeps working
    name = getattr(d, "__module__", None) == "torch" and str(d).split(".")[-1]
    if name:
        return to_dtype(name)
    return from_numpy_dtype(d)


def _names() -> str:
    return ", ".join(d.name for d in ALL_DTYPES)


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promote_types: the smallest dtype both can be cast to (uint8 with int8 ->
    int16)."""
    if a is b:
        return a
    if a._rank != b._rank:  # unlike NumPy, float32 with int64 stays float32
        return a if a._rank > b._rank else b
    return from_numpy_dtype(np.promote_types(a.np, b.np))


def scalar_dtype(x: Any) -> dtype:
    """The category dtype of a Python scalar: bool, int64 or the default float."""
    if isinstance(x, bool | np.bool_):
        return bool_
    if isinstance(x, int | np.integer):
        return int64
    return get_default_dtype()


def result_type(tensor_dtypes: list[tuple[dtype, bool]], scalars: list[Any]) -> dtype:
    """PyTorch's three-tier promotion: dimensioned tensors, then 0-d tensors, then Python scalars.

    A lower tier only changes the result if it is of a higher category (bool < int < float):
    ``float32 tensor * float64 0-d tensor`` stays float32, ``int32 tensor * 2.5`` becomes the
    default float. ``tensor_dtypes`` lists (dtype, is_zero_dim) pairs.
    """
    dims = [d for d, zero in tensor_dtypes if not zero]
    zeros = [d for d, zero in tensor_dtypes if zero]
    result: dtype | None = None
    for tier in (dims, zeros):
        if not tier:
            continue
        tier_type = tier[0]
        for d in tier[1:]:
            tier_type = promote_types(tier_type, d)
        if result is None:
            result = tier_type
        elif tier_type._rank > result._rank:
            result = tier_type
    for s in scalars:
        sd = scalar_dtype(s)
        if result is None:
            result = sd
        elif sd._rank > result._rank:
            result = sd if sd._rank < 2 else get_default_dtype()
    assert result is not None
    return result
