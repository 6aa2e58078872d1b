"""The three indexing primitives that carry every indexing gradient in ndgrad.

- ``Index``: out = x[key]. Its gradient puts grad back where it was read (``IndexAccumulate``).
- ``IndexAccumulate``: out = zeros with out[key] += g, repeated positions adding up. Its gradient
  reads grad[key] again (``Index``).
- ``IndexPut``: out = x with out[key] = v (or += v). Its gradients: grad with zeros at key for x
  (grad itself when accumulating) and grad[key] for v.

``key`` is a NumPy key (a tuple of ints, slices, None, Ellipsis, integer and boolean arrays) that
the callers build: ``t[...]`` and ``index_put`` in ops/index.py, gather/scatter and the masks in
ops/gather_scatter.py, and the views of ops/shape.py (``narrow``, ``select``, the gradients of
``diagonal`` and ``unfold``). This module imports no other op module, so all of them can import it.
"""

from __future__ import annotations

from typing import Any

from ndgrad import _backend
from ndgrad.autograd.function import Op
from ndgrad.tensor import Tensor


class Index(Op):
    """out = x[key] (a view for basic keys; a copy when the key holds arrays)"""

    @staticmethod
    def forward(ctx: Any, x: Any, key: tuple[Any, ...] = ()) -> Any:
        ctx.save_for_backward(x.shape, key)
        return x[key]

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        in_shape, key = ctx.saved_tensors
        return IndexAccumulate.apply(grad, shape=in_shape, key=key)


class IndexAccumulate(Op):
    """out = zeros(shape) with out[key] += g, repeated positions adding up.

    Index's gradient: the same as ``IndexPut(zeros, g, accumulate=True)``, fused to save a copy.
    """

    @staticmethod
    def forward(ctx: Any, g: Any, shape: tuple[int, ...] = (), key: tuple[Any, ...] = ()) -> Any:
        ctx.save_for_backward(key)
        out = _backend.xp_of(g).zeros(shape, dtype=g.dtype)
        _add_at(out, key, g)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (key,) = ctx.saved_tensors
        return Index.apply(grad, key=key)


class IndexPut(Op):
    """out = x with out[key] = v, or out[key] += v (repeats adding up) when ``accumulate``"""

    @staticmethod
    def forward(
        ctx: Any, x: Any, v: Any, key: tuple[Any, ...] = (), accumulate: bool = False
    ) -> Any:
        ctx.save_for_backward(key, accumulate)
        out = _backend.xp_of(x).array(x, copy=True)  # an array even when x is a NumPy scalar
        if accumulate:
            _add_at(out, key, v)
        else:
            out[key] = v
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        key, accumulate = ctx.saved_tensors
        gx = gv = None
        if ctx.needs_input_grad[0]:  # overwritten positions got none of the old x
            gx = grad if accumulate else IndexPut.apply(grad, 0, key=key)
        if ctx.needs_input_grad[1]:  # the engine sums it back over v's broadcast dims
            gv = Index.apply(grad, key=key)
        return gx, gv


def _is_int_array(k: Any) -> bool:
    return hasattr(k, "dtype") and k.dtype.kind in "iu"


def _add_at(out: Any, key: tuple[Any, ...], v: Any) -> None:
    """out[key] += v in place, where positions named more than once add up (NumPy's add.at)."""
    if not any(_is_int_array(k) for k in key):
        out[key] += v  # slices, ints and masks never name a position twice
        return
    xp = _backend.xp_of(out)
    if hasattr(xp.add, "at"):
        xp.add.at(out, key, v)
    else:  # pragma: no cover - older CuPy
        import cupyx  # type: ignore[import-not-found]

        cupyx.scatter_add(out, key, v)
