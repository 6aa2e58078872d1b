"""Linear algebra products: matmul and friends, einsum, tensordot, cross.

Two primitives carry most of the family: ``MatMul`` (mm, bmm, mv, dot go through it) and
``Einsum`` (tensordot and cross are einsums). Their backwards are again matmuls and einsums, so
every gradient here can be differentiated once more. The matrix functions (inv, det, slogdet,
solve, svdvals, norms) are in ops/linalg_matrix.py and re-exported here; the ``ndgrad.linalg``
namespace (``src/ndgrad/linalg.py``) gives the ``linalg.*`` functions PyTorch's names.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ndgrad import _dtype, _workspace
from ndgrad._backend import xp_of as _xp
from ndgrad.autograd.function import Op
from ndgrad.ops._util import check_same_device, refuse_bool
from ndgrad.ops.linalg_matrix import (  # the matrix functions, re-exported from their old home
    Det,  # noqa: F401
    Inv,  # noqa: F401
    LogAbsDet,  # noqa: F401
    Solve,  # noqa: F401
    SvdVals,  # noqa: F401
    det,
    inv,  # noqa: F401
    inverse,
    linalg_norm,  # noqa: F401
    logdet,
    matrix_norm,  # noqa: F401
    slogdet,
    solve,  # noqa: F401
    svdvals,  # noqa: F401
    vector_norm,  # noqa: F401
)
from ndgrad.tensor import Tensor

__all__ = [
    "matmul",
    "mm",
    "bmm",
    "mv",
    "dot",
    "vdot",
    "inner",
    "outer",
    "ger",
    "einsum",
    "tensordot",
    "addmm",
    "baddbmm",
    "inverse",
    "det",
    "logdet",
    "slogdet",
    "cross",
]


def _dims_str(shape: Sequence[int]) -> str:
    return "x".join(str(s) for s in shape)


def _check_tensors(name: str, *tensors: Any) -> None:
    for pos, t in enumerate(tensors, 1):
        if not isinstance(t, Tensor):
            arg = "input" if pos == 1 else "other"
            raise TypeError(
                f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                f"{type(t).__name__}"
            )
    for t in tensors[1:]:  # every product's operands must live on one device
        check_same_device(tensors[0], t)


def _sparse_mm(a: Tensor, b: Tensor) -> Tensor:
    from ndgrad import sparse  # sparse builds on this module: imported when a product needs it

    return sparse.mm(a, b)


def _check_same_dtype(a: Tensor, b: Tensor) -> None:
    if a.array.dtype != b.array.dtype:
        names = _dtype.CPP_NAMES
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{names[a.dtype.name]} != {names[b.dtype.name]}"
        )


# -- matmul and its special cases --------------------------------------------------------------


class MatMul(Op):
    """out = a @ b (NumPy's matmul: 1-d operands and batch broadcasting included);
    da = g @ b^T, db = a^T @ g (the engine sums broadcast batch dims back)"""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(
            a if ctx.needs_input_grad[1] else None,
            b if ctx.needs_input_grad[0] else None,
            a.ndim,
            b.ndim,
        )
        if a.ndim >= 2 and b.ndim >= 2:  # into a workspace block: no page faults (_workspace)
            return _workspace.matmul(a, b)
        return _xp(a).asarray(a @ b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, b, a_nd, b_nd = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a_nd == 1 and b_nd == 1:  # a dot product
            return (grad * b if need_a else None, grad * a if need_b else None)
        # put back the size-1 dims that matmul adds to, then drops from, 1-d operands
        g = grad
        if a_nd == 1:
            g = g.reshape(g.shape[:-1] + (1, g.shape[-1]))
        if b_nd == 1:
            g = g.reshape(g.shape + (1,))
        ga = gb = None
        if need_a:
            b2 = b.reshape(b.shape[0], 1) if b.ndim == 1 else b
            ga = g @ b2.mT
            if a_nd == 1:
                ga = ga.reshape(ga.shape[:-2] + (ga.shape[-1],))
        if need_b:
            a2 = a.reshape(1, a.shape[0]) if a.ndim == 1 else a
            gb = a2.mT @ g
            if b_nd == 1:
                gb = gb.reshape(gb.shape[:-1])
        return ga, gb


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """out = input @ other: dot product, matrix-vector, matrix product, or batched (broadcast)
    matrix product, by the operands' dims

    Example:
        >>> ndgrad.matmul(ndgrad.ones(2, 3), ndgrad.ones(3)).shape
        ndgrad.Size([2])
    """
    _check_tensors("matmul", input, other)
    if input.is_sparse or other.is_sparse:  # a COO operand: the product of ndgrad.sparse
        return _sparse_mm(input, other)
    a, b = input, other
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D"
        )
    if a.ndim == 1 and b.ndim == 1:
        return dot(a, b)
    if b.ndim == 1 and a.ndim == 2:
        return mv(a, b)
    _check_same_dtype(a, b)
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        sa = a.shape if a.ndim > 1 else (1, ka)
        sb = b.shape if b.ndim > 1 else (kb, 1)
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_dims_str(sa[-2:])} and "
            f"{_dims_str(sb[-2:])})"
        )
    ba, bb = a.shape[:-2], b.shape[:-2]
    try:
        np.broadcast_shapes(ba, bb)
    except ValueError:
        for i in range(1, min(len(ba), len(bb)) + 1):
            if ba[-i] != bb[-i] and ba[-i] != 1 and bb[-i] != 1:
                raise RuntimeError(
                    f"The size of tensor a ({ba[-i]}) must match the size of tensor b ({bb[-i]}) "
                    "at "
                    f"non-singleton dimension {max(len(ba), len(bb)) - i}"
                ) from None
        raise
    return MatMul.apply(a, b)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """out = input @ mat2 for two matrices"""
    _check_tensors("mm", input, mat2)
    if input.is_sparse or mat2.is_sparse:  # a COO operand: the product of ndgrad.sparse
        return _sparse_mm(input, mat2)
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _check_same_dtype(input, mat2)
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_dims_str(input.shape)} and "
            f"{_dims_str(mat2.shape)})"
        )
    return MatMul.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """out[i] = input[i] @ mat2[i] for two batches of matrices (no broadcasting)"""
    _check_tensors("bmm", input, mat2)
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    _check_same_dtype(input, mat2)
    want = [input.shape[0], input.shape[2]]
    if [mat2.shape[0], mat2.shape[1]] != want:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: {want} but got: "
            f"{[mat2.shape[0], mat2.shape[1]]}."
        )
    return MatMul.apply(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """out = input @ vec for a matrix and a vector"""
    _check_tensors("mv", input, vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input.shape[0]}), mat ({_dims_str(input.shape)}), "
            f"vec ({vec.shape[0]})"
        )
    if input.array.dtype != vec.array.dtype:
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {_dtype.torch_name(vec)}, "
            f"{_dtype.torch_name(input)}, and {_dtype.torch_name(vec)}"
        )
    return MatMul.apply(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """out = sum_i input_i * other_i for two 1-d tensors (a 0-d tensor)"""
    _check_tensors("dot", input, other)
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.array.dtype != other.array.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{_dtype.torch_name(input)} and {_dtype.torch_name(other)}"
        )
    n, m = input.shape[0], other.shape[0]
    if n != m:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same "
            "number "
            f"of elements, but got {n} and {m} elements respectively"
        )
    return MatMul.apply(input, other)


vdot = dot  # the same as dot for real tensors (ndgrad has no complex dtypes)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """out = sum over the last dim of input * other (an outer product over the other dims)"""
    refuse_bool("addmm_impl_cpu_", input, other)
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return tensordot(input, other, ([-1], [-1]))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """out_ij = input_i * vec2_j"""
    for name, t in (("self", input), ("vec2", vec2)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = outer


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """out = beta * input + alpha * (mat1 @ mat2); with beta = 0, input is ignored (NaNs too)"""
    out = mm(mat1, mat2)
    return _scale_add(input, out, beta, alpha)


def baddbmm(
    input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1
) -> Tensor:
    """out[i] = beta * input[i] + alpha * (batch1[i] @ batch2[i])"""
    out = bmm(batch1, batch2)
    return _scale_add(input, out, beta, alpha)


def _scale_add(input: Tensor, out: Tensor, beta: Any, alpha: Any) -> Tensor:
    if alpha != 1:
        out = out * alpha
    if beta == 0:
        return out.expand(np.broadcast_shapes(tuple(input.shape), tuple(out.shape)))
    return (input if beta == 1 else input * beta) + out


# -- einsum and tensordot ----------------------------------------------------------------------


class Einsum(Op):
    """out = einsum(subscripts -> output, *operands) (labels explicit, no '...');
    d operand_k = einsum(output, other operands -> subscripts of k), with labels summed only in
    operand k put back by broadcasting and repeated labels (diagonals, traces) by a delta mask"""

    @staticmethod
    def forward(ctx: Any, *arrays: Any, subs: tuple[str, ...] = (), out: str = "") -> Any:
        ctx.save_for_backward(subs, out, *arrays)
        xp = _xp(arrays[0])
        eq = ",".join(subs) + "->" + out
        if len(arrays) == 1:  # a one-operand einsum may return a view: own the result
            return xp.array(xp.einsum(eq, arrays[0]))
        try:
            return xp.asarray(xp.einsum(eq, *arrays, optimize=True))
        except ValueError:
            # some NumPy versions reject broadcast size-1 labels on the optimized path
            return xp.asarray(xp.einsum(eq, *arrays))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        subs, out, *operands = ctx.saved_tensors
        return tuple(
            _einsum_grad(grad, operands, subs, out, k) if ctx.needs_input_grad[k] else None
            for k in range(len(operands))
        )


def _einsum_grad(
    g: Tensor, operands: Sequence[Tensor], subs: Sequence[str], out: str, k: int
) -> Tensor:
    """The gradient of operand ``k`` of einsum(subs -> out, *operands), given the output's ``g``."""
    target, shape = subs[k], operands[k].shape
    others = [s for j, s in enumerate(subs) if j != k]
    seen = set(out).union(*others)
    fresh = _fresh_labels(set(out).union(*subs))
    # Rename the repeats of a label ("ii" -> "ia"); a delta mask over "ia" restores the diagonal.
    distinct, masks, mask_subs = "", [], []
    for pos, c in enumerate(target):
        if c not in target[:pos]:
            distinct += c
            continue
        new = next(fresh)
        distinct += new
        masks.append(_delta(shape[pos], g))
        mask_subs.append(c + new)
    have = seen.union(*mask_subs)
    produce = "".join(c for c in distinct if c in have)
    r = _einsum_apply(
        [out, *others, *mask_subs],
        produce,
        [g, *(operands[j] for j in range(len(subs)) if j != k), *masks],
    )
    if len(produce) == len(distinct):
        return r
    # labels summed only inside operand k: their gradient is constant along them
    sizes = iter(r.shape)
    kept = tuple(next(sizes) if c in have else 1 for c in distinct)
    full = tuple(s if c in have else shape[i] for i, (c, s) in enumerate(zip(distinct, kept)))
    return r.reshape(kept).expand(full)


def _delta(n: int, like: Tensor) -> Tensor:
    """The n x n identity as a constant tensor of ``like``'s dtype and device."""
    xp = like.xp
    return Tensor._make(xp.eye(n, dtype=like.array.dtype), False, None)


def _fresh_labels(used: set[str]) -> Iterator[str]:
    for c in string.ascii_letters:
        if c not in used:
            yield c
    raise RuntimeError("einsum(): too many subscripts (ndgrad supports 52 distinct labels)")


def _einsum_apply(subs: Sequence[str], out: str, operands: Sequence[Tensor]) -> Tensor:
    return Einsum.apply(*operands, subs=tuple(subs), out=out)


def _parse_einsum(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Explicit subscripts for each operand and the output, with '...' spelled out as labels."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for c in eq.replace("...", "").replace(",", "").replace("->", ""):
        if c not in string.ascii_letters:
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {eq.index(c)} in the equation string, "
                "subscripts must be in [a-zA-Z]"
            )
    fresh = _fresh_labels(set(eq))
    n_ell = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            n_ell = max(n_ell, len(shape) - len(term) + 3)
    ell = "".join(next(fresh) for _ in range(n_ell))
    subs = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        if "..." in term:
            pre, post = term.split("...")
            k = len(shape) - len(pre) - len(post)
            if k < 0:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({len(pre) + len(post)}) "
                    "is more "
                    f"than the number of dimensions ({len(shape)}) for operand {i}"
                )
            term = pre + ell[n_ell - k :] + post
        elif len(term) != len(shape):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(term)}) does not match "
                "the "
                f"number of dimensions ({len(shape)}) for operand {i} and no ellipsis was given"
            )
        subs.append(term)
    if arrow:
        out = rhs.replace("...", ell)
        for i, c in enumerate(out):
            if c in out[:i]:
                raise RuntimeError(
                    f"einsum(): output subscript {c} appears more than once in the output"
                )
            if not any(c in s for s in subs):
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any "
                    "input operand"
                )
    else:  # implicit output: the '...' dims, then the labels seen once, sorted
        counts: dict[str, int] = {}
        for s in subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    # every label must have one size (or 1, which broadcasts)
    sizes: dict[str, int] = {}
    for i, (s, shape) in enumerate(zip(subs, shapes)):
        for c, n in zip(s, shape):
            prev = sizes.get(c, 1)
            if n != 1 and prev != 1 and n != prev:
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {n} for operand {i} which does not "
                    "broadcast "
                    f"with previously seen size {prev}"
                )
            if n != 1:
                sizes[c] = n
    return subs, out


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products of the operands' elements, indexed as ``equation`` says (Einstein notation):
    'ij,jk->ik' is a matrix product, 'ii' a trace, 'bhqd,bhkd->bhqk' attention scores.

    Example:
        >>> ndgrad.einsum("ij,j->i", ndgrad.ones(2, 3), ndgrad.ones(3))
        tensor([3., 3.])
    """
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    _check_tensors("einsum", *operands)
    if operands and any(t.array.dtype != operands[0].array.dtype for t in operands):
        names = sorted({t.dtype.name for t in operands})
        raise RuntimeError(f"einsum(): operands must have the same dtype, got {', '.join(names)}")
    subs, out = _parse_einsum(equation, [tuple(t.shape) for t in operands])
    return _einsum_apply(subs, out, operands)


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Sum over the last ``dims`` dims of a and the first ``dims`` of b (or over the dims listed in
    a pair of lists), an einsum"""
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    from ndgrad.ops._util import normalize_dim

    da = [normalize_dim(d, a.ndim) for d in da]
    db = [normalize_dim(d, b.ndim) for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[x]} in dim "
                f"{x - a.ndim if isinstance(dims, int) else x} and second has size {b.shape[y]} "
                f"in dim {y}"
            )
    labels = string.ascii_letters
    sa = labels[: a.ndim]
    sb = list(labels[a.ndim : a.ndim + b.ndim])
    for x, y in zip(da, db):
        sb[y] = sa[x]
    out = "".join(c for i, c in enumerate(sa) if i not in da) + "".join(
        c for i, c in enumerate(sb) if i not in db
    )
    return _einsum_apply([sa, "".join(sb)], out, [a, b])


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """out = input x other (3-vectors along ``dim``; None: the first dim of size 3), as the
    einsum eps_ijk a_j b_k with the Levi-Civita symbol"""
    from ndgrad.ops._util import normalize_dim

    refuse_bool("cross", input, other)
    if input.ndim != other.ndim:
        raise RuntimeError(
            f"linalg.cross: inputs must have the same number of dimensions. Got {input.ndim} and "
            f"{other.ndim}"
        )
    shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    if dim is None:
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    d = normalize_dim(dim, len(shape))
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
            f"{other.shape[d]}"
        )
    eps = input.xp.zeros((3, 3, 3), dtype=input.array.dtype)
    for i, j, k in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
        eps[i, j, k], eps[i, k, j] = 1, -1
    a = input.transpose(d, -1)
    b = other.transpose(d, -1)
    return einsum("ijk,...j,...k->...i", Tensor._make(eps, False, None), a, b).transpose(d, -1)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """linalg.cross: like cross, but ``dim`` defaults to -1"""
    return cross(input, other, dim)
