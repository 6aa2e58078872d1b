"""One adapter per recorded op kind: read the node (its inputs, what it saved, its attributes) and
emit the ONNX nodes that compute the same thing. ``ADAPTERS`` maps an op's class name to its
adapter.

An adapter gets the Emitter (``g``), whose ``g.fn`` is the node being converted, and returns the
ONNX names of the node's outputs, by output index. Where an op's internals change, only its adapter
here changes. Layer-level ops (convolution, pooling, normalization, attention) are in
``_ops_nn.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ndgrad.onnx._emit import Emitter, to_numpy

Adapter = Callable[[Emitter], list[str]]
ADAPTERS: dict[str, Adapter] = {}


def adapter(*names: str) -> Callable[[Adapter], Adapter]:
    def register(fn: Adapter) -> Adapter:
        for n in names:
            ADAPTERS[n] = fn
        return fn

    return register


def _out_dtype(g: Emitter) -> np.dtype:
    return g.out_value().dtype


def operand(g: Emitter, i: int, saved_at: int | None) -> str:
    """Input ``i``: its graph value, or (a number or constant tensor) what the op saved at
    ``saved_at``."""
    if g.has_input(i):
        return g.input(i)
    if saved_at is None or saved_at >= len(g.fn._saved or ()):
        return g.input(i)  # raises the clear "not in the graph" error
    s = g.saved(saved_at)
    if s is None:
        return g.input(i)
    if isinstance(s, bool | int | float):
        return g.const(np.asarray(s, dtype=_out_dtype(g)), "scalar")
    return g.saved_name(saved_at)


# -- elementwise -----------------------------------------------------------------------------------

_UNARY = {
    "Neg": "Neg",
    "Abs": "Abs",
    "Exp": "Exp",
    "Log": "Log",
    "Sqrt": "Sqrt",
    "Reciprocal": "Reciprocal",
    "Sin": "Sin",
    "Cos": "Cos",
    "Tan": "Tan",
    "Asin": "Asin",
    "Acos": "Acos",
    "Atan": "Atan",
    "Sinh": "Sinh",
    "Cosh": "Cosh",
    "Tanh": "Tanh",
    "Sigmoid": "Sigmoid",
    "Relu": "Relu",
    "Erf": "Erf",
    "Clone": "Identity",
    "Copy": "Identity",
    "_ZeroGrad": "Identity",
}


@adapter(*_UNARY)
def _unary(g: Emitter) -> list[str]:
    return [g.op(_UNARY[g.op_name], [g.input(0)])]


# the position where each binary op saved (b, a) for a constant operand: input index -> saved index
_BINARY = {
    "Add": ("Add", {}),
    "Sub": ("Sub", {}),
    "Mul": ("Mul", {0: 1, 1: 0}),
    "Div": ("Div", {0: 0, 1: 1}),
    "Pow": ("Pow", {0: 0, 1: 1}),
    "Maximum": ("Max", {0: 0, 1: 1}),
    "Minimum": ("Min", {0: 0, 1: 1}),
}


@adapter(*_BINARY)
def _binary(g: Emitter) -> list[str]:
    op_type, saved = _BINARY[g.op_name]
    if op_type in ("Add", "Sub") and g.has_input(0) != g.has_input(1):
        from ndgrad.onnx._recover import recovered_operand

        missing = 0 if g.has_input(1) else 1
        ops = [
            g.input(0) if missing else recovered_operand(g, 0),
            g.input(1) if not missing else recovered_operand(g, 1),
        ]
        return [g.op(op_type, ops)]
    a, b = operand(g, 0, saved.get(0)), operand(g, 1, saved.get(1))
    return [g.op(op_type, [a, b])]


@adapter("Where")
def _where(g: Emitter) -> list[str]:
    cond = g.saved_name(0)
    return [g.op("Where", [cond, g.input(1), g.input(2)])]


@adapter("Log1p")
def _log1p(g: Emitter) -> list[str]:
    return [g.op("Log", [g.op("Add", [g.input(0), g.scalar(1.0, g.out_value())])])]


@adapter("Expm1")
def _expm1(g: Emitter) -> list[str]:
    return [g.op("Sub", [g.op("Exp", [g.input(0)]), g.scalar(1.0, g.out_value())])]


def _clip(g: Emitter, x: str, lo: Any, hi: Any) -> str:
    lo_name = "" if lo is None else g.scalar(float(lo), g.out_value())
    hi_name = "" if hi is None else g.scalar(float(hi), g.out_value())
    return g.op("Clip", [x, lo_name, hi_name])


@adapter("Clamp", "Hardtanh")
def _clamp(g: Emitter) -> list[str]:
    lo, hi = g.saved(1), g.saved(2)  # both save (x, lo, hi)
    if not isinstance(lo, int | float | type(None)) or not isinstance(hi, int | float | type(None)):
        raise g.fail("clamp with tensor bounds has no mapping")
    return [_clip(g, g.input(0), lo, hi)]


@adapter("LeakyRelu")
def _leaky_relu(g: Emitter) -> list[str]:
    return [g.op("LeakyRelu", [g.input(0)], alpha=float(g.saved(1)))]


@adapter("Elu")
def _elu(g: Emitter) -> list[str]:
    """scale * x where x > 0, else scale * alpha * (e^(input_scale * x) - 1): ELU, SELU and CELU"""
    alpha, scale, input_scale = (g.saved(k) for k in (1, 2, 3))
    x, like = g.input(0), g.out_value()
    zero = g.scalar(0.0, like)
    e = g.op("Exp", [g.op("Mul", [g.op("Min", [x, zero]), g.scalar(input_scale, like)])])
    neg = g.op("Mul", [g.op("Sub", [e, g.scalar(1.0, like)]), g.scalar(alpha * scale, like)])
    pos = g.op("Mul", [x, g.scalar(scale, like)])
    return [g.op("Where", [g.op("Greater", [x, zero]), pos, neg])]


@adapter("Gelu")
def _gelu(g: Emitter) -> list[str]:
    """x/2 (1 + erf(x/sqrt 2)), or with approximate="tanh": x/2 (1 + tanh(sqrt(2/pi)(x + 0.044715
    x^3)))"""
    x, like = g.input(0), g.out_value()
    if g.saved(1) == "tanh":  # Gelu saves (x, approximate)
        cube = g.op("Mul", [g.op("Mul", [x, x]), x])
        inner = g.op("Add", [x, g.op("Mul", [cube, g.scalar(0.044715, like)])])
        t = g.op("Tanh", [g.op("Mul", [inner, g.scalar(float(np.sqrt(2 / np.pi)), like)])])
    else:
        t = g.op("Erf", [g.op("Mul", [x, g.scalar(float(1 / np.sqrt(2.0)), like)])])
    half = g.op("Mul", [x, g.scalar(0.5, like)])
    return [g.op("Mul", [half, g.op("Add", [t, g.scalar(1.0, like)])])]


@adapter("Silu")
def _silu(g: Emitter) -> list[str]:
    x = g.input(0)
    return [g.op("Mul", [x, g.op("Sigmoid", [x])])]


@adapter("Softplus")
def _softplus(g: Emitter) -> list[str]:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold"""
    x, like = g.input(0), g.out_value()
    beta, threshold = g.saved(1), g.saved(2)
    bx = g.op("Mul", [x, g.scalar(beta, like)])
    soft = g.op("Div", [g.op("Softplus", [bx]), g.scalar(beta, like)])
    return [g.op("Where", [g.op("Greater", [bx, g.scalar(threshold, like)]), x, soft])]


@adapter("LogSigmoid")
def _log_sigmoid(g: Emitter) -> list[str]:
    return [g.op("Neg", [g.op("Softplus", [g.op("Neg", [g.input(0)])])])]


@adapter("Softmax", "LogSoftmax")
def _softmax(g: Emitter) -> list[str]:
    dim = g.saved(1)  # Softmax and LogSoftmax save (y, dim)
    return [g.op(g.op_name, [g.input(0)], axis=int(dim))]


@adapter("Cast")
def _cast(g: Emitter) -> list[str]:
    return [g.cast(g.input(0), g.out_value().dtype)]


# -- reductions ------------------------------------------------------------------------------------

_REDUCE = {"Sum": "ReduceSum", "Mean": "ReduceMean", "Amax": "ReduceMax", "Prod": "ReduceProd"}


@adapter(*_REDUCE, "LogSumExp")
def _reduce(g: Emitter) -> list[str]:
    dims, keepdim = g.saved(-2), g.saved(-1)  # every reduction saves (..., dims, keepdim)
    op_type = _REDUCE.get(g.op_name, "ReduceLogSumExp")
    return [g.reduce(op_type, g.input(0), list(dims), bool(keepdim))]


# -- shapes ----------------------------------------------------------------------------------------


@adapter("Reshape")
def _reshape(g: Emitter) -> list[str]:
    return [g.op("Reshape", [g.input(0), g.reshape_target(g.sym_shape(g.out_value()))])]


@adapter("Expand")
def _expand(g: Emitter) -> list[str]:
    return [g.op("Expand", [g.input(0), g.shape_tensor(g.sym_shape(g.out_value()))])]


@adapter("Permute")
def _permute(g: Emitter) -> list[str]:
    return [g.op("Transpose", [g.input(0)], perm=[int(d) for d in g.saved(0)])]


@adapter("Cat")
def _cat(g: Emitter) -> list[str]:
    n = len(g.fn.next_functions)
    return [g.op("Concat", [g.input(i) for i in range(n)], axis=int(g.saved(0)))]


def _split_sizes(g: Emitter, axis: int) -> list[int]:
    meta = g.fn._out_meta
    return [int(m.shape[axis]) for m in meta]


@adapter("Split")
def _split(g: Emitter) -> list[str]:
    axis = int(g.saved(0))
    return g.split(g.input(0), _split_sizes(g, axis), axis)


@adapter("Unbind")
def _unbind(g: Emitter) -> list[str]:
    axis = int(g.saved(0))
    parts = g.split(g.input(0), [1] * len(g.fn._out_meta), axis)
    return [g.squeeze(p, [axis]) for p in parts]


@adapter("Flip")
def _flip(g: Emitter) -> list[str]:
    dims = [int(d) for d in g.saved(0)]
    n = len(dims)
    big = np.iinfo(np.int64).max
    ends = g.ints([-big] * n)
    return [g.op("Slice", [g.input(0), g.ints([-1] * n), ends, g.ints(dims), g.ints([-1] * n)])]


@adapter("Tril", "Triu")
def _trilu(g: Emitter) -> list[str]:
    """ONNX's Trilu from opset 14; before it, a constant mask over the (static) last two dims"""
    k, upper = int(g.saved(0)), g.op_name == "Triu"
    if g.opset >= 14:
        return [
            g.op(
                "Trilu", [g.input(0), g.const(np.asarray(k, dtype=np.int64), "k")], upper=int(upper)
            )
        ]
    rows, cols = g.sym_shape(g.out_value())[-2:]
    if not isinstance(rows, int) or not isinstance(cols, int):
        raise g.fail("tril/triu over a dynamic axis needs opset_version >= 14")
    keep = (
        np.triu(np.ones((rows, cols), bool), k)
        if upper
        else np.tril(np.ones((rows, cols), bool), k)
    )
    zero = g.scalar(0.0, g.out_value())
    return [g.op("Where", [g.const(keep, "mask"), g.input(0), zero])]


@adapter("ConstantPad")
def _pad(g: Emitter) -> list[str]:
    """Pad with a constant. The node keeps the pads but not the value, which is read from the padded
    border of the output where a later op saved that output."""
    from ndgrad.onnx._recover import array_of

    pads = g.saved(0)
    lo = [int(p[0]) for p in pads]
    hi = [int(p[1]) for p in pads]
    if min(lo + hi) < 0:
        raise g.fail("negative padding (cropping) has no mapping")
    out = array_of(g.a, g.out_value())
    inner = tuple(slice(a, n - b) for a, b, n in zip(lo, hi, g.out_value().shape))
    border = None if out is None else np.ones(out.shape, dtype=bool)
    if border is not None and out is not None:
        border[inner] = False
        values = np.unique(out[border])
        if len(values) > 1 or (len(values) == 0 and max(lo + hi) > 0):
            border = None
    if border is None or out is None:
        raise g.fail(
            "its padding value is not kept in the graph (and no later op saved the padded result)"
        )
    value = float(out[border][0]) if border.any() else 0.0
    return [
        g.op("Pad", [g.input(0), g.ints(lo + hi), g.scalar(value, g.out_value())], mode="constant")
    ]


def _same_key(a: Any, b: Any) -> bool:
    """Whether two indexing keys (of the two traces) are the same."""
    a, b = (a if isinstance(a, tuple) else (a,)), (b if isinstance(b, tuple) else (b,))
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if hasattr(x, "shape") or hasattr(y, "shape"):
            if not (
                hasattr(x, "shape")
                and hasattr(y, "shape")
                and np.array_equal(to_numpy(x), to_numpy(y))
            ):
                return False
        elif x != y:
            return False
    return True


@adapter("Index")
def _index(g: Emitter) -> list[str]:
    """NumPy basic indexing (ints, slices, None, ...) and one integer-array index, as Slice,
    Squeeze, Unsqueeze and Gather."""
    in_shape, key_a = g.saved(0), g.saved(1)  # Index saves (x.shape, key)
    key, shape = key_a if isinstance(key_a, tuple) else (key_a,), list(in_shape)
    arrays = [k for k in key if isinstance(k, np.ndarray) or hasattr(k, "__cuda_array_interface__")]
    if len(arrays) > 1 or any(getattr(a, "dtype", None) is np.dtype(bool) for a in arrays):
        raise g.fail("indexing with several index arrays or a boolean mask has no mapping")
    if not _same_key(key_a, g.saved_b(1) if g.node_b is not None else key_a):
        raise g.fail(
            "an index computed from the input (or from a dynamic size) is not in the recorded graph"
        )
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    ell = [i for i, k in enumerate(key) if k is Ellipsis]
    if ell:
        i = ell[0]
        key = key[:i] + (slice(None),) * (len(shape) - n_real) + key[i + 1 :]
    key = key + (slice(None),) * (len(shape) - sum(1 for k in key if k is not None))
    x, axis, squeeze, unsqueeze, gather = g.input(0), 0, [], [], None
    starts, ends, axes, steps = [], [], [], []
    out_axis = 0
    for k in key:
        if k is None:
            unsqueeze.append(out_axis)
            out_axis += 1
            continue
        if isinstance(k, int | np.integer):
            starts.append(int(k))
            ends.append(int(k) + 1 if int(k) != -1 else np.iinfo(np.int64).max)
            axes.append(axis)
            steps.append(1)
            squeeze.append(axis)
        elif isinstance(k, slice):
            if (k.start, k.stop, k.step) != (None, None, None):
                step = 1 if k.step is None else int(k.step)
                lo, hi = (0, np.iinfo(np.int64).max) if step > 0 else (-1, np.iinfo(np.int64).min)
                starts.append(lo if k.start is None else int(k.start))
                ends.append(hi if k.stop is None else int(k.stop))
                axes.append(axis)
                steps.append(step)
            out_axis += 1
        else:
            gather = (axis, np.asarray(k))
            out_axis += np.asarray(k).ndim
        axis += 1
    if axes:
        x = g.op("Slice", [x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if gather is not None:
        ax, idx = gather
        x = g.op(
            "Gather",
            [x, g.const(idx.astype(np.int64))],
            axis=ax - sum(1 for s in squeeze if s < ax),
        )
        if squeeze:
            raise g.fail("an index array together with integer indices has no mapping")
    if squeeze:
        x = g.squeeze(x, squeeze)
    if unsqueeze:
        x = g.unsqueeze(x, unsqueeze)
    return [x]


# -- linear algebra and lookups --------------------------------------------------------------------


@adapter("Linear")
def _linear(g: Emitter) -> list[str]:
    """x W^T + b as one Gemm for 2-D x, else MatMul with the transposed weight and Add"""
    x, w = operand(g, 0, 0), g.input(1)
    if len(g.out_value().shape) == 2:
        ins = [x, w] + ([g.input(2)] if g.has_input(2) else [])
        return [g.op("Gemm", ins, transB=1)]
    y = g.op("MatMul", [x, g.op("Transpose", [w], perm=[1, 0])])
    return [g.op("Add", [y, g.input(2)]) if g.has_input(2) else y]


@adapter("MatMul")
def _matmul(g: Emitter) -> list[str]:
    return [g.op("MatMul", [operand(g, 0, 0), operand(g, 1, 1)])]


@adapter("Embedding")
def _embedding(g: Emitter) -> list[str]:
    return [g.op("Gather", [g.input(0), g.saved_name(0)], axis=0)]
