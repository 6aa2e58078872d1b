"""Global settings and dtype queries: BLAS threads, determinism, print options, ``finfo`` /
``iinfo``, type promotion (``promote_types``, ``result_type``, ``can_cast``) and a no-op
``compile``.

The settings are small module-level records. ``print_options`` is read by ``ndgrad._format`` each
time a tensor is printed, so ``set_printoptions`` takes effect at once. Nothing here builds a graph.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ndgrad import _dtype
from ndgrad.tensor import Tensor

__all__ = [
    "set_num_threads",
    "get_num_threads",
    "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled",
    "set_printoptions",
    "finfo",
    "iinfo",
    "promote_types",
    "result_type",
    "can_cast",
    "is_floating_point",
    "is_nonzero",
    "compile",
]


_settings: dict[str, Any] = {"num_threads": None, "deterministic": False, "warn_only": False}


# Read by ``ndgrad._format`` on every print; PyTorch's defaults.
print_options: dict[str, Any] = {
    "precision": 4,
    "threshold": 1000,
    "edgeitems": 3,
    "linewidth": 80,
    "sci_mode": None,
}


_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_num_threads(n: int) -> None:
    """Set the number of threads NumPy's BLAS uses (through ``threadpoolctl`` when installed).

    Without threadpoolctl the number is only recorded: NumPy's BLAS thread count is fixed when it
    is loaded, by the ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS``
    environment variables.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n!r}")
    _settings["num_threads"] = n
    try:
        import threadpoolctl
    except ImportError:
        return
    threadpoolctl.threadpool_limits(limits=n, user_api="blas")


def get_num_threads() -> int:
    """The number of BLAS threads (as set, else as threadpoolctl reports, else the CPU count)."""
    if _settings["num_threads"] is not None:
        return int(_settings["num_threads"])
    try:
        import threadpoolctl
    except ImportError:
        return os.cpu_count() or 1
    infos = threadpoolctl.threadpool_info()
    counts = [info["num_threads"] for info in infos if info["user_api"] == "blas"]
    return max(counts) if counts else (os.cpu_count() or 1)


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the flag. ndgrad's ops are deterministic already (NumPy on the CPU; on CuPy, the
    scatter-adds of index backward passes may sum in any order)."""
    _settings["deterministic"] = bool(mode)
    _settings["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return bool(_settings["deterministic"])


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, as ``torch.set_printoptions`` does; stored in ``print_options``.

    Args:
        precision: digits after the point (default 4).
        threshold: more elements than this print summarised, with ``...`` (default 1000).
        edgeitems: items kept at each end of each dim when summarised (default 3).
        linewidth: columns a row of numbers may fill before it wraps (default 80).
        profile: ``"default"``, ``"short"`` (precision 2, edgeitems 2) or ``"full"`` (no summary);
            applied first, then the other arguments given.
        sci_mode: True or False forces scientific notation on or off; None (the value every call
            without it sets) lets the values decide.

    Example:
        >>> ndgrad.set_printoptions(precision=2)
        >>> ndgrad.tensor([1 / 3, 2.0])
        tensor([0.33, 2.00])
        >>> ndgrad.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        print_options.update(_PROFILES[profile])
    for key, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            print_options[key] = value
    print_options["sci_mode"] = sci_mode


class finfo:  # noqa: N801  (PyTorch's name)
    """Machine limits of a floating dtype, with PyTorch's attribute names.

    Example:
        >>> ndgrad.finfo(ndgrad.float32).eps
        1.1920928955078125e-07
    """

    def __init__(self, type: Any = None) -> None:
        d = _dtype.get_default_dtype() if type is None else _dtype.to_dtype(type)
        if not d.is_floating_point:
            raise TypeError(f"finfo expects a floating point dtype, got {d.name}")
        info = np.finfo(d.np)
        self.dtype = d.name
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.tiny)
        self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # as a double, like PyTorch's

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:  # noqa: N801  (PyTorch's name)
    """Limits of an integer (or bool) dtype: ``bits``, ``min``, ``max``, ``dtype``."""

    def __init__(self, type: Any) -> None:
        d = _dtype.to_dtype(type)
        if d.is_floating_point:
            raise TypeError(f"iinfo expects an integer dtype, got {d.name}")
        if d is _dtype.bool_:
            self.bits, self.min, self.max = 8, 0, 1
        else:
            info = np.iinfo(d.np)
            self.bits, self.min, self.max = int(info.bits), int(info.min), int(info.max)
        self.dtype = d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def promote_types(type1: Any, type2: Any) -> _dtype.dtype:
    """The smallest dtype both can be cast to, by PyTorch's rules (int64 with float32 ->
    float32)."""
    return _dtype.promote_types(_dtype.to_dtype(type1), _dtype.to_dtype(type2))


def result_type(tensor1: Any, tensor2: Any) -> _dtype.dtype:
    """The dtype an arithmetic op on the two operands (tensors or numbers) gives."""
    tensors = [(t.dtype, t.ndim == 0) for t in (tensor1, tensor2) if isinstance(t, Tensor)]
    scalars = [s for s in (tensor1, tensor2) if not isinstance(s, Tensor)]
    return _dtype.result_type(tensors, scalars)


def can_cast(from_: Any, to: Any) -> bool:
    """Whether PyTorch's type promotion allows the cast: no float -> int, no int/float -> bool."""
    a, b = _dtype.to_dtype(from_), _dtype.to_dtype(to)
    return bool(a._rank <= b._rank)


def is_floating_point(input: Tensor) -> bool:
    return input.array.dtype.kind == "f"


def is_nonzero(input: Tensor) -> bool:
    """The truth of a one-element tensor; RuntimeError for any other size."""
    if input.array.size != 1:
        if input.array.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.array.reshape(()).item() != 0)


def compile(model: Any = None, **kwargs: Any) -> Any:
    """Returns ``model`` (a function or module) unchanged: ndgrad has no compiler, so code written
    for ``torch.compile`` runs eagerly. Usable as ``@compile`` and ``@compile(mode=...)``."""
    if model is None:

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            return fn

        return decorate
    return model
