"""Small helpers the op families share: operand preparation and in-place bookkeeping."""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad import _backend, _dtype
from ndgrad.autograd import grad_mode
from ndgrad.autograd.function import FLOAT_SCALAR_TYPES
from ndgrad.tensor import Tensor

_SCALARS = (int, float, bool, np.integer, np.floating, np.bool_)


def as_tensor_like(x: Any, ref: Tensor) -> Tensor:
    """Turn an operand that is not a Tensor (list, array) into one on ``ref``'s device."""
    if isinstance(x, Tensor):
        return x
    from ndgrad.ops.factory import tensor

    return tensor(x, device=ref.device)


def binary_operands(a: Any, b: Any) -> tuple[Any, Any]:
    """Bring two operands to the dtype PyTorch's promotion gives; Python scalars stay scalars.

    The common cases (same dtype; a float tensor and a Python number) return at once.
    """
    cls_b = b.__class__
    if isinstance(a, Tensor):
        if cls_b is float or cls_b is int:  # the hot path: ``y + 1``
            if a.array.__class__ in FLOAT_SCALAR_TYPES:  # a 0-d float result: no dtype to build
                return a, b
            kind = a.array.dtype.kind
            if kind == "f" or (kind != "b" and cls_b is int):
                return a, b
        elif isinstance(b, Tensor):  # the other hot path: two tensors of one dtype on one device
            da, db = a.array, b.array
            # dtypes of the built-in types are singletons, so ``is`` nearly always decides
            if da.dtype is db.dtype or da.dtype == db.dtype:
                if da.__class__ is not db.__class__:  # one array class is one device: no call
                    check_same_device(a, b)
                return a, b
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and not tb and isinstance(b, _SCALARS):
        if a.array.dtype.kind == "f" or (
            a.array.dtype.kind != "b" and not isinstance(b, float | np.floating)
        ):
            if isinstance(b, np.generic):
                b = b.item()
            return a, b
    elif tb and not ta and isinstance(a, _SCALARS):
        if b.array.dtype.kind == "f" or (
            b.array.dtype.kind != "b" and not isinstance(a, float | np.floating)
        ):
            if isinstance(a, np.generic):
                a = a.item()
            return a, b
    if not ta and not isinstance(a, _SCALARS):
        a = as_tensor_like(a, b)
        ta = True
    if not tb and not isinstance(b, _SCALARS):
        b = as_tensor_like(b, a)
        tb = True
    if ta and tb:
        check_same_device(a, b)
    tensors = [(t.dtype, t.array.ndim == 0) for t in (a, b) if isinstance(t, Tensor)]
    scalars = [s for s in (a, b) if not isinstance(s, Tensor)]
    target = _dtype.result_type(tensors, scalars)
    return _cast(a, target), _cast(b, target)


def _cast(x: Any, target: _dtype.dtype) -> Any:
    if isinstance(x, Tensor):
        return x if x.array.dtype == target.np else x.to(dtype=target)
    if isinstance(x, np.generic):
        x = x.item()
    if target.is_floating_point:
        return float(x)
    if target is _dtype.bool_:
        return bool(x)
    return int(x)


def broadcast_error(*shapes: tuple[int, ...]) -> RuntimeError | None:
    """PyTorch's error for shapes that do not broadcast together (None when they do).

    Like PyTorch, it names the rightmost dimension where two sizes differ and neither is 1.
    """
    n = max(len(s) for s in shapes)
    padded = [(1,) * (n - len(s)) + tuple(s) for s in shapes]
    for i in range(n - 1, -1, -1):
        sizes = [p[i] for p in padded if p[i] != 1]
        clash = [s for s in sizes if s != sizes[0]]
        if clash:
            return RuntimeError(
                f"The size of tensor a ({sizes[0]}) must match the size of tensor b ({clash[0]}) "
                f"at non-singleton dimension {i}"
            )
    return None


def torch_error(op: str, exc: Exception, args: tuple[Any, ...]) -> Exception | None:
    """The exception PyTorch raises where the array library refused an op's forward, else None.

    Called only after forward failed (no cost otherwise): a broadcasting mismatch becomes PyTorch's
    RuntimeError, and NumPy's casting refusal (UFuncTypeError) on an integer or boolean input
    becomes PyTorch's NotImplementedError "... not implemented for 'Long'".
    """
    tensors = [a for a in args if isinstance(a, Tensor)]
    if isinstance(exc, ValueError) and "broadcast" in str(exc) and len(tensors) > 1:
        return broadcast_error(*(t.array.shape for t in tensors))
    if isinstance(exc, TypeError) and type(exc).__name__.startswith("UFunc"):
        for t in tensors:
            if t.array.dtype.kind in "biu":
                kernel = op.removesuffix("Backward0")
                return NotImplementedError(
                    f"\"{kernel}\" not implemented for '{_dtype.torch_name(t)}'"
                )
    return None


def require_float(
    kernel: str, *tensors: Any, exc: type[Exception] = NotImplementedError, message: str = ""
) -> None:
    """Refuse integer and bool tensors where PyTorch's kernel is float-only, as PyTorch does.

    By default PyTorch's NotImplementedError '"kernel" not implemented for 'Long''; ``message``
    (formatted with ``{dtype}``, PyTorch's name of the offending dtype) and ``exc`` give the
    functions that refuse with their own words. One dtype-kind compare per tensor.
    """
    for t in tensors:
        if isinstance(t, Tensor) and t.array.dtype.kind not in "fc":
            dtype = _dtype.torch_name(t)
            text = message or f"\"{kernel}\" not implemented for '{{dtype}}'"
            raise exc(text.format(dtype=dtype))


def require_float_pair(kernel: str, a: Any, b: Any, **kw: Any) -> None:
    """``require_float`` on the dtype PyTorch promotes a pair to: one float operand suffices."""
    kind = b.array.dtype.kind if isinstance(b, Tensor) else "f" if isinstance(b, float) else "i"
    if kind not in "fc":
        require_float(kernel, a, **kw)


def refuse_bool(kernel: str, *operands: Any) -> None:
    """PyTorch's NotImplementedError '"kernel" not implemented for 'Bool'' where a kernel has no
    bool version and the operands promote to bool (each a bool tensor or a Python bool)."""
    if all(
        isinstance(a, bool) or (isinstance(a, Tensor) and a.array.dtype.kind == "b")
        for a in operands
    ):
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def require_same_dtype(ref: Tensor, **named: Any) -> None:
    """PyTorch's RuntimeError where a kernel wants every named tensor in ``ref``'s dtype."""
    for name, t in named.items():
        if isinstance(t, Tensor) and t.array.dtype != ref.array.dtype:
            names = _dtype.CPP_NAMES
            want, got = (names.get(str(x.array.dtype), str(x.array.dtype)) for x in (ref, t))
            raise RuntimeError(f"expected dtype {want} for `{name}` but got dtype {got}")


def const(array: Any) -> Tensor:
    """A Tensor around an array that takes no part in the graph (a mask or constant in backward)."""
    return Tensor._make(array, False, None)


def check_same_device(a: Tensor, b: Tensor) -> None:
    """RuntimeError unless both tensors are on one device (asked only when their array types
    differ)."""
    da, db = a.array, b.array
    if da.__class__ is db.__class__:
        return
    # a 0-d op result is a NumPy scalar: with a NumPy array, it is on the CPU too (the exact class
    # np.ndarray: a registered backend's array type may subclass it)
    if (da.__class__ is np.ndarray or isinstance(da, np.generic)) and (
        db.__class__ is np.ndarray or isinstance(db, np.generic)
    ):
        return
    da, db = _backend.device_of(da), _backend.device_of(db)
    if da != db:
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but found at least two devices, {da} "
            f"and {db}!"
        )


def inplace(t: Tensor, result: Tensor) -> Tensor:
    """Write ``result`` into ``t``'s memory and make ``t`` carry its history (PyTorch's in-place
    ops).

    Refuses what would give wrong gradients: a leaf that requires grad, or a view of a tensor that
    requires grad (ndgrad does not rebase a view's history onto its base).
    """
    recording = grad_mode.state.enabled
    if recording and t.requires_grad and t.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    if recording and result.requires_grad and t._base is not None and t._base.requires_grad:
        raise RuntimeError(
            "ndgrad does not support in-place operations on a view of a tensor that requires grad "
            "(it would need to rewrite the base's history); use out-of-place ops or assign through "
            "the base tensor with __setitem__"
        )
    data = result.array
    if data.dtype != t.array.dtype:
        if not np.can_cast(data.dtype, t.array.dtype, casting="same_kind"):
            raise RuntimeError(
                f"result type {_dtype.torch_name(data.dtype)} can't be cast to the "
                f"desired output type {_dtype.torch_name(t)}"
            )
    if data.shape != t.array.shape:
        try:
            shape = np.broadcast_shapes(data.shape, t.array.shape)
        except ValueError:
            shape = None
        if shape != t.array.shape:
            raise RuntimeError(
                f"output with shape {list(t.shape)} doesn't match the broadcast shape "
                f"{list(shape) if shape else list(data.shape)}"
            )
    if recording and result.grad_fn is not None:
        _keep_original(t, result.grad_fn)
    writable_data(t)[...] = data
    t._bump_version()
    if recording and result.requires_grad:
        t.grad_fn, t._out_idx, t.requires_grad = result.grad_fn, result._out_idx, True
    return t


def _keep_original(t: Tensor, node: Any, limit: int = 8) -> None:
    """Where the nodes just built for an in-place op saved ``t`` itself (``a.mul_(b)`` saves ``a``
    for b's gradient), save a copy of its current value instead, as PyTorch keeps "original self".

    Only the few nodes between the result and ``t``'s own history are visited (an in-place op is
    one op or a short composite); a node further back that saved ``t`` keeps the version check.
    """
    version = t._version
    original = None
    stack, seen = [node], 0
    while stack and seen < limit:
        n = stack.pop()
        seen += 1
        saved = n._saved
        if saved:
            for i, s in enumerate(saved):
                if s is t and n._saved_version(i) == version:
                    if original is None:
                        original = Tensor._make(
                            t.array.copy(), t.requires_grad, t.grad_fn, t._out_idx
                        )
                    n._saved = saved = saved[:i] + (original,) + saved[i + 1 :]
                    n._forget_version(i)
        for edge in n.next_functions:
            if edge is not None and edge[0] is not t.grad_fn and not isinstance(edge[0], Tensor):
                stack.append(edge[0])


def writable_data(t: Tensor) -> Any:
    """``t.array``, first made a writable 0-d array where it is a NumPy scalar (an op's 0-d
    result)."""
    data = t.array
    if data.ndim == 0 and (
        isinstance(data, np.generic) or (type(data) is np.ndarray and not data.flags.writeable)
    ):
        t.array = data = np.array(data)
    return data


def normalize_dim(dim: int, ndim: int) -> int:
    """A dim in [-ndim, ndim) as a non-negative index; IndexError like PyTorch's otherwise."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def normalize_dims(dim: Any, ndim: int) -> tuple[int, ...]:
    """``dim`` (None, an int, or a tuple/list) as a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int | np.integer):
        return (normalize_dim(int(dim), ndim),)
    dims = tuple(normalize_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        repeated = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    return tuple(sorted(dims))
