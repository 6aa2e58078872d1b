"""Recover the constant operand of an ``Add``/``Sub`` node, which the graph does not keep.

``x + 1`` records an Add node whose second input is gone (a Python number, or a tensor that needs no
gradient, is neither an edge nor saved: backward does not need it). Its value can still be read from
values the graph does keep: the other operand, and the node's output where a later op saved it
(``Mul``, ``Linear``, ``MatMul`` save their inputs; ``Sqrt``, ``Exp``, ``Tanh`` their outputs, which
are inverted). Only constants of one value (``1``, ``eps``, ``zeros(batch, n)``) are recovered; the
value is the shortest decimal that reproduces the output in both traces (which ran on different
inputs: a value computed from the input is not taken for a constant).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ndgrad.onnx._emit import Emitter, to_numpy
from ndgrad.onnx._trace import Node, Trace, Value
from ndgrad.tensor import Tensor

# ops that saved their output: the inverse that gives back their input
_INVERSE = {
    "Sqrt": np.square,
    "Exp": np.log,
    "Reciprocal": np.reciprocal,
    "Tanh": np.arctanh,
}


def array_of(tr: Trace, v: Value) -> np.ndarray | None:
    """The value ``v`` had in the traced forward pass, if the graph kept it anywhere."""
    if v.tensor is not None:
        return to_numpy(v.tensor)
    fn = None if v.node is None else v.node.fn
    for n in tr.nodes:
        saved = n.fn._saved or ()
        for s in saved:
            if isinstance(s, Tensor) and s.grad_fn is fn and s._out_idx == v.index:
                return to_numpy(s.array)
        if (
            n.op in _INVERSE
            and len(n.inputs) == 1
            and n.inputs[0] is v
            and n.fn._outputs is not None
        ):
            with np.errstate(all="ignore"):
                return _INVERSE[n.op](np.asarray(n.fn._outputs[0], dtype=np.float64))
    if v.node is not None and v.node.fn._outputs is not None:
        return np.asarray(v.node.fn._outputs[v.index])
    return None


def _snap(estimate: float, check: Any) -> float | None:
    """The shortest decimal near ``estimate`` for which ``check`` holds (exactly, then closely)."""
    for exact in (True, False):
        for digits in range(1, 10):
            cand = float(f"{estimate:.{digits}g}")
            if check(cand, exact):
                return cand
    return None


def _evaluate(g: Emitter, tr: Trace, name: str) -> np.ndarray | None:
    """Run the ONNX graph built so far on ``tr``'s inputs and return tensor ``name`` (needs
    onnxruntime)."""
    try:
        import onnxruntime
    except ImportError:
        return None
    h = g.helper
    inputs = [
        h.make_tensor_value_info(
            g.names[id(v)], h.np_dtype_to_tensor_dtype(np.dtype(v.dtype)), None
        )
        for v in g.a.inputs
    ]
    elem = h.np_dtype_to_tensor_dtype(np.dtype(g.out_value().dtype))
    output = h.make_tensor_value_info(name, elem, None)
    graph = h.make_graph(list(g.nodes), "partial", inputs, [output], list(g.initializers))
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", g.opset)])
    model.ir_version = min(model.ir_version, 8 if g.opset <= 18 else 10)
    sess = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    feed = {g.names[id(va)]: to_numpy(vt.tensor) for va, vt in zip(g.a.inputs, tr.inputs)}
    return np.asarray(sess.run([name], feed)[0])


Check = Callable[[float, bool], bool]


def _evidence(g: Emitter, tr: Trace, node: Node, missing: int) -> tuple[float, Check] | None:
    """An estimate of the lost constant in one trace, and a test of a candidate value against it."""
    other_v = node.inputs[1 - missing]
    out_v = node.outputs.get(0)
    if other_v is None or out_v is None:
        return None
    out = array_of(tr, out_v)
    if out is None:
        return None
    other = array_of(tr, other_v)
    if other is None:
        other_a = g.node.inputs[1 - missing]  # type: ignore[union-attr]
        other = _evaluate(g, tr, g.name(other_a)) if other_a is not None else None
    if other is None or out is None:
        return None
    out64, other64 = out.astype(np.float64), other.astype(np.float64)
    if node.op == "Add":
        est = out64 - other64
    else:
        est = other64 - out64 if missing == 1 else out64 + other64
    if est.size == 0 or not np.all(np.isfinite(est)):
        return None
    spread = float(est.max() - est.min())
    scale = max(1.0, float(np.abs(out64).max()), float(np.abs(other64).max()))
    if spread > 1e-5 * scale:
        return None  # not one value: a tensor constant that the graph cannot give back
    dtype = out.dtype

    def check(c: float, exact: bool) -> bool:
        cc = np.asarray(c, dtype=dtype)
        if node.op == "Add":
            got = other + cc
        else:
            got = other - cc if missing == 1 else cc - other
        if exact:
            return bool(np.array_equal(got.astype(dtype), out))
        return bool(np.allclose(got, out, rtol=1e-6, atol=1e-6 * scale))

    return float(est.mean()), check


def recovered_operand(g: Emitter, missing: int) -> str:
    """The ONNX name of the lost operand ``missing`` of the Add/Sub node being converted."""
    assert g.node is not None and g.node_b is not None
    found_a = _evidence(g, g.a, g.node, missing)
    found_b = _evidence(g, g.b, g.node_b, missing)
    value = None
    if found_a is not None and found_b is not None:
        (estimate, check_a), (_, check_b) = found_a, found_b
        value = _snap(estimate, lambda c, exact: check_a(c, exact) and check_b(c, exact))
    if value is None:
        g.input(missing)  # raises the clear "not in the graph" error
    out = g.out_value()
    other = g.value(1 - missing)
    if tuple(other.shape) == tuple(out.shape):
        return g.scalar(float(value), out)  # type: ignore[arg-type]
    fill = g.numpy_helper.from_array(np.asarray([value], dtype=out.dtype), "value")
    return g.op("ConstantOfShape", [g.shape_tensor(g.sym_shape(out))], value=fill)
