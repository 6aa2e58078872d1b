"""The ONNX graph under construction: names, nodes, initializers and symbolic (dynamic) shapes.

The exporter traces the model twice: once on the given inputs (trace A) and once with every dynamic
axis one longer (trace B). A dimension that differs between the two is a multiple of a dynamic axis
(``2 * batch``); it becomes a ``Shape``/``Gather`` expression wherever the graph needs it as a
number (a reshape's target, a constant's shape). Op adapters (``_ops.py``) read trace A's nodes
through this class and emit ONNX nodes with it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.onnx._trace import Node, Trace, Value
from ndgrad.tensor import Tensor


class UnsupportedOperatorError(RuntimeError):
    """Raised for an op that has no ONNX mapping, naming the op and the module that recorded it."""


@dataclass(frozen=True)
class Dim:
    """A dynamic dimension: ``coef`` times the product of the dynamic axes in ``symbols``."""

    coef: int
    symbols: tuple[str, ...]


DimLike = int | Dim


@dataclass(frozen=True)
class Symbol:
    """A dynamic axis: graph input ``input_name``'s axis ``axis``, size ``a`` in trace A, ``b``
    in B."""

    name: str
    input_name: str
    axis: int
    a: int
    b: int


def fit_dim(da: int, db: int, symbols: Sequence[Symbol]) -> DimLike:
    """The dimension that is ``da`` in trace A and ``db`` in trace B, as a number or a Dim."""
    if da == db:
        return da
    for s in symbols:
        if s.a and da % s.a == 0 and (da // s.a) * s.b == db:
            return Dim(da // s.a, (s.name,))
    for i, s in enumerate(symbols):
        for t in symbols[i + 1 :]:
            ab, bb = s.a * t.a, s.b * t.b
            if ab and da % ab == 0 and (da // ab) * bb == db:
                return Dim(da // ab, (s.name, t.name))
    raise UnsupportedOperatorError(
        f"a dimension is {da} and {db} at two sizes of the dynamic axes, which is no multiple of "
        "them: the model computes a size that ONNX cannot follow; export without that dynamic axis"
    )


def to_numpy(t: Any) -> np.ndarray:
    if isinstance(t, Tensor):
        return _backend.to_numpy(t.array)
    return np.asarray(_backend.to_numpy(t) if not isinstance(t, int | float | bool) else t)


class Emitter:
    """Builds the lists of ONNX nodes and initializers for one export."""

    def __init__(self, tr_a: Trace, tr_b: Trace, opset: int, symbols: list[Symbol]) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.a, self.b, self.opset, self.symbols = tr_a, tr_b, opset, symbols
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.names: dict[int, str] = {}  # id(Value of trace A) -> ONNX tensor name
        self.pair: dict[int, Value] = {}  # id(Value of trace A) -> the same Value in trace B
        self._count = 0
        self._sym_cache: dict[str, str] = {}
        self._const_cache: dict[tuple[Any, ...], str] = {}
        self.node: Node | None = None  # the node being converted (for error messages)
        self.node_b: Node | None = None

    # -- names and nodes -------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def op(self, op_type: str, inputs: Sequence[str], n_out: int = 1, **attrs: Any) -> Any:
        """Add one node; returns its output name (or the list of names if ``n_out`` > 1)."""
        hint = op_type if self.node is None else f"{self.node.name}/{op_type}"
        outs = [self.fresh(hint) for _ in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(
            self.helper.make_node(op_type, list(inputs), outs, name=self.fresh(hint), **attrs)
        )
        return outs[0] if n_out == 1 else outs

    def const(self, array: Any, hint: str = "const") -> str:
        """An initializer holding ``array`` (small integer constants are shared)."""
        a = np.asarray(array)
        key = None
        if a.size <= 16:
            key = (a.dtype.str, a.shape, a.tobytes())
            if key in self._const_cache:
                return self._const_cache[key]
        name = self.fresh(hint)
        self.initializers.append(self.numpy_helper.from_array(np.ascontiguousarray(a), name))
        if key is not None:
            self._const_cache[key] = name
        return name

    def ints(self, values: Sequence[int]) -> str:
        return self.const(np.asarray(list(values), dtype=np.int64), "ints")

    def scalar(self, value: float, like: Value) -> str:
        """A 0-d constant with ``like``'s dtype."""
        return self.const(np.asarray(value, dtype=like.dtype), "scalar")

    def fail(self, why: str) -> UnsupportedOperatorError:
        n = self.node
        where = "" if n is None else f"'{n.op}' (in {n.scope or 'the model'}'s forward)"
        return UnsupportedOperatorError(f"ONNX export of {where}: {why}")

    @property
    def fn(self) -> Any:
        """The ``grad_fn`` object of the node being converted (its attributes and saved values)."""
        assert self.node is not None
        return self.node.fn

    @property
    def op_name(self) -> str:
        assert self.node is not None
        return self.node.op

    # -- values ------------------------------------------------------------------------------------
    def name(self, v: Value) -> str:
        got = self.names.get(id(v))
        if got is not None:
            return got
        if v.kind == "op":
            raise self.fail(f"the value {v.name} is used before the op that makes it was converted")
        assert v.tensor is not None
        name = self.const(to_numpy(v.tensor), v.name if v.kind == "param" else "const")
        self.names[id(v)] = name
        return name

    def input(self, i: int) -> str:
        """The ONNX name of input ``i`` (next_functions order) of the node being converted."""
        assert self.node is not None
        v = self.node.inputs[i] if i < len(self.node.inputs) else None
        if v is None:
            raise self.fail(
                f"its input {i} is a tensor that needs no gradient and that the op does not keep "
                "(a constant made inside forward): the recorded graph has no value for it"
            )
        return self.name(v)

    def has_input(self, i: int) -> bool:
        assert self.node is not None
        return i < len(self.node.inputs) and self.node.inputs[i] is not None

    def value(self, i: int) -> Value:
        assert self.node is not None
        v = self.node.inputs[i]
        if v is None:
            raise self.fail(f"its input {i} is missing from the graph")
        return v

    def out_value(self, index: int = 0) -> Value:
        assert self.node is not None
        return self.node.outputs[index]

    def saved(self, k: int) -> Any:
        """What the node saved at position ``k`` (a Tensor, an array, or an option such as a
        dim or a shape, as the op passed it to ``save_for_backward``); negative ``k`` counts from
        the end."""
        assert self.node is not None
        return (self.node.fn._saved or ())[k]

    def saved_b(self, k: int) -> Any:
        """What the same node of trace B saved at position ``k``."""
        assert self.node_b is not None
        return (self.node_b.fn._saved or ())[k]

    def saved_name(self, k: int) -> str:
        """Saved tensor ``k`` as an ONNX name: a graph value, or a constant checked against trace
        B."""
        assert self.node is not None and self.node_b is not None
        sa, sb = self.saved(k), self.saved_b(k)
        if isinstance(sa, Tensor):
            va = self.a.value_of(sa)
            if va.kind != "const":
                return self.name(va)
        return self.constant_pair(to_numpy(sa), to_numpy(sb))

    def constant_pair(self, a: np.ndarray, b: np.ndarray) -> str:
        """A constant that is ``a`` in trace A and ``b`` in trace B: the same, or one value
        filling a shape that follows the dynamic axes (``zeros(batch, hidden)``)."""
        if a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"):
            return self.const(a)
        if a.size and b.size and (a == a.flat[0]).all() and (b == a.flat[0]).all():
            dims = [fit_dim(x, y, self.symbols) for x, y in zip(a.shape, b.shape)]
            fill = self.numpy_helper.from_array(a.reshape(-1)[:1].copy(), "value")
            return self.op("ConstantOfShape", [self.shape_tensor(dims)], value=fill)
        raise self.fail(
            "a tensor made inside forward without gradient changes with the input (a mask from a "
            "comparison, or a size along a dynamic axis): its computation is not in the recorded "
            "graph"
        )

    # -- symbolic shapes ---------------------------------------------------------------------------
    def sym_shape(self, v: Value) -> list[DimLike]:
        vb = self.pair.get(id(v))
        if vb is None:
            return list(v.shape)
        return [fit_dim(x, y, self.symbols) for x, y in zip(v.shape, vb.shape)]

    def _symbol_value(self, name: str) -> str:
        """The runtime size of dynamic axis ``name``, as a 1-element int64 tensor."""
        got = self._sym_cache.get(name)
        if got is None:
            s = next(s for s in self.symbols if s.name == name)
            shape = self.op("Shape", [s.input_name])
            got = self.op("Gather", [shape, self.ints([s.axis])], axis=0)
            self._sym_cache[name] = got
        return got

    def dim_tensor(self, d: DimLike) -> str:
        if isinstance(d, int):
            return self.ints([d])
        out = self._symbol_value(d.symbols[0])
        for s in d.symbols[1:]:
            out = self.op("Mul", [out, self._symbol_value(s)])
        return out if d.coef == 1 else self.op("Mul", [out, self.ints([d.coef])])

    def shape_tensor(self, dims: Sequence[DimLike]) -> str:
        """A 1-D int64 tensor holding ``dims``: a constant when none is dynamic."""
        if all(isinstance(d, int) for d in dims):
            return self.ints([int(d) for d in dims])  # type: ignore[arg-type]
        pieces: list[str] = []
        run: list[int] = []
        for d in dims:
            if isinstance(d, int):
                run.append(d)
                continue
            if run:
                pieces.append(self.ints(run))
                run = []
            pieces.append(self.dim_tensor(d))
        if run:
            pieces.append(self.ints(run))
        return pieces[0] if len(pieces) == 1 else self.op("Concat", pieces, axis=0)

    def reshape_target(self, dims: Sequence[DimLike]) -> str:
        """Reshape's shape input: a constant with -1 for the one dynamic dim, if only one is."""
        dynamic = [i for i, d in enumerate(dims) if not isinstance(d, int)]
        if len(dynamic) == 1:
            return self.ints([-1 if i == dynamic[0] else int(d) for i, d in enumerate(dims)])  # type: ignore[arg-type]
        return self.shape_tensor(dims)

    # -- opset-dependent forms ---------------------------------------------------------------------
    def reduce(self, op_type: str, x: str, axes: Sequence[int], keepdims: bool) -> str:
        """ReduceSum/Mean/Max: ``axes`` an attribute before opset 18 (13 for ReduceSum), an input
        after."""
        as_input = self.opset >= (13 if op_type == "ReduceSum" else 18)
        if as_input:
            return self.op(op_type, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.op(op_type, [x], axes=list(axes), keepdims=int(keepdims))

    def unsqueeze(self, x: str, axes: Sequence[int]) -> str:
        return self.op("Unsqueeze", [x, self.ints(axes)])

    def squeeze(self, x: str, axes: Sequence[int]) -> str:
        return self.op("Squeeze", [x, self.ints(axes)])

    def split(self, x: str, sizes: Sequence[int], axis: int) -> list[str]:
        out = self.op("Split", [x, self.ints(sizes)], n_out=len(sizes), axis=axis)
        return out if len(sizes) > 1 else [out]

    def cast(self, x: str, dtype: np.dtype) -> str:
        return self.op("Cast", [x], to=self.helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))
