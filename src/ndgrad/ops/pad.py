"""Padding: ``pad`` (``F.pad``) in its four modes, constant, reflect, replicate and circular.

'constant' is one op, ``ConstantPad``, whose backward is itself with the pads negated (padding by
p and cropping by p are each other's transpose). The other modes build, per padded dim, the input
position each output position copies (``_pad_index``) and gather with ``index_select``, whose
gradient (an index_add) does the rest. ops/shape.py re-exports ``pad``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.autograd.function import Op
from ndgrad.tensor import Tensor

__all__ = ["pad"]


def _dims_arg(dims: Any) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple (as in ops/shape.py, which imports this file)."""
    if isinstance(dims, int | np.integer):
        return (int(dims),)
    return tuple(int(d) for d in dims)


class ConstantPad(Op):
    """out = x with ``pads`` (lo, hi) per dim of ``value`` around it; negative pads crop"""

    @staticmethod
    def forward(ctx: Any, x: Any, pads: tuple[tuple[int, int], ...] = (), value: Any = 0) -> Any:
        ctx.save_for_backward(pads)
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, pads, strict=True))
        out = _backend.xp_of(x).full(shape, value, dtype=x.dtype)
        dst = tuple(
            slice(max(lo, 0), n - max(hi, 0)) for n, (lo, hi) in zip(shape, pads, strict=True)
        )
        src = tuple(
            slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(x.shape, pads, strict=True)
        )
        out[dst] = x[src]
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        # the gradient of padding by p is cropping by p, i.e. padding by -p
        (pads,) = ctx.saved_tensors
        return ConstantPad.apply(grad, pads=tuple((-lo, -hi) for lo, hi in pads), value=0)


def _pad_index(xp: Any, n: int, lo: int, hi: int, mode: str) -> Any:
    """For each output position along one dim, the input position it copies (non-constant modes)."""
    i = xp.arange(-lo, n + hi)
    if mode == "reflect":
        period = 2 * (n - 1)
        i = xp.abs(i) % period if period else i * 0
        return xp.where(i > n - 1, period - i, i)
    if mode == "replicate":
        return xp.clip(i, 0, n - 1)
    return i % n  # circular


def pad(input: Tensor, pad: Any, mode: str = "constant", value: Any = None) -> Tensor:
    """``F.pad``: pad the last ``len(pad) // 2`` dims; ``pad`` = (last_lo, last_hi, prev_lo, ...).

    Modes: 'constant' (``value``, default 0; negative pads crop), 'reflect' (mirror without the
    edge), 'replicate' (repeat the edge), 'circular' (wrap around). The non-constant modes are
    an index_select per padded dim, so their gradient (an index_add) comes from that op.
    """
    pad = _dims_arg(pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > input.ndim:
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension "
            f"but got padding length {len(pad)} and input of dimension {input.ndim}"
        )
    pairs = [(0, 0)] * (input.ndim - k) + [(pad[2 * j], pad[2 * j + 1]) for j in reversed(range(k))]
    if mode == "constant":
        for n, (lo, hi) in zip(input.shape, pairs, strict=True):
            if n + lo + hi < 0:
                raise RuntimeError(
                    f"The input size {n}, plus negative padding {lo} and {hi} resulted in a "
                    "negative "
                    f"output size, which is invalid. Check dimension {pairs.index((lo, hi))} of "
                    "your input."
                )
        return ConstantPad.apply(input, pads=tuple(pairs), value=0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    out = input
    for d, (n, (lo, hi)) in enumerate(zip(input.shape, pairs, strict=True)):
        if lo == 0 and hi == 0:
            continue
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, "
                f"but got: padding ({lo}, {hi}) at dimension {d} of input {list(input.shape)}"
            )
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if min(lo, hi) < 0 or n == 0:
            raise RuntimeError(
                f"{mode} padding of a dim of size {n} by ({lo}, {hi}) is not supported"
            )
        idx = Tensor._make(_pad_index(input.xp, n, lo, hi, mode), False, None)
        out = out.index_select(d, idx)
    return out
