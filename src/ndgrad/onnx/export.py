"""``ndgrad.onnx.export``: write a model as an ONNX file, as ``torch.onnx.export`` does.

How: run the model's forward in eval mode with gradients recorded and read the graph it recorded
(``_trace.py``); convert each op with its adapter (``_ops.py``, ``_ops_nn.py``); write the graph
with the ``onnx`` package's helpers and check it with ``onnx.checker``. The forward runs a second
time on other input values, with every dynamic axis one longer: every size that changed becomes
an expression of the input's shape (so ``x.view(x.shape[0], -1)`` keeps working at any batch
size), and a value computed from the input outside the graph (a mask from ``x > 0``) is caught."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ndgrad._atomic import _atomic_write
from ndgrad.onnx._emit import Dim, Emitter, Symbol, UnsupportedOperatorError
from ndgrad.onnx._trace import Trace, Value, trace
from ndgrad.tensor import Tensor

MIN_OPSET, MAX_OPSET, DEFAULT_OPSET = 13, 21, 18


def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError as exc:
        raise ImportError(
            "ndgrad.onnx.export needs the 'onnx' package: pip install ndgrad[onnx]"
        ) from exc
    return onnx


def _adapters() -> dict[str, Any]:
    from ndgrad.onnx import _ops_nn  # noqa: F401  (registers the layer adapters)
    from ndgrad.onnx._ops import ADAPTERS

    return ADAPTERS


def _axes_spec(
    dynamic_axes: Mapping[str, Any] | None, known: set[str]
) -> dict[str, dict[int, str]]:
    """dynamic_axes as {tensor name: {axis: symbol name}} (a list of axes gets PyTorch's names)."""
    spec: dict[str, dict[int, str]] = {}
    for name, axes in (dynamic_axes or {}).items():
        if name not in known:
            raise ValueError(
                f"dynamic_axes names '{name}', which is neither an input nor an output name"
            )
        if isinstance(axes, Mapping):
            spec[name] = {int(a): str(s) for a, s in axes.items()}
        elif isinstance(axes, Sequence):
            spec[name] = {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
        else:
            raise TypeError(
                f"dynamic_axes['{name}'] must be a dict or a list of axes, got "
                f"{type(axes).__name__}"
            )
    return spec


def _variant(
    args: tuple[Any, ...], names: list[str], spec: dict[str, dict[int, str]]
) -> tuple[Any, ...]:
    """Other inputs for the second trace: every dynamic axis one longer (values repeated along it)
    and the values moved round by one place, so that what depends on them shows up as a change."""
    from ndgrad import from_numpy

    sizes: dict[str, int] = {}
    out = []
    for name, a in zip(names, args):
        if isinstance(a, Tensor):
            arr = a.detach().cpu().numpy()
            for axis, sym in spec.get(name, {}).items():
                n = arr.shape[axis]
                new = sizes.setdefault(sym, n + 1)
                arr = np.take(arr, np.arange(new) % n, axis=axis)
            arr = np.roll(arr.reshape(-1), 1).reshape(arr.shape)
            a = from_numpy(np.ascontiguousarray(arr)).to(a.device)
        out.append(a)
    return tuple(out)


def _symbols(tr_a: Trace, tr_b: Trace, spec: dict[str, dict[int, str]]) -> list[Symbol]:
    symbols: dict[str, Symbol] = {}
    for va, vb in zip(tr_a.inputs, tr_b.inputs):
        for axis, sym in spec.get(va.name, {}).items():
            if axis >= len(va.shape):
                raise ValueError(
                    f"dynamic axis {axis} of '{va.name}', which has {len(va.shape)} dims"
                )
            if sym not in symbols:
                symbols[sym] = Symbol(sym, va.name, axis, va.shape[axis], vb.shape[axis])
    return list(symbols.values())


def _pair(e: Emitter) -> None:
    """Match every value of trace A with the same value of trace B (same graph, other sizes)."""
    a, b = e.a, e.b
    if [n.op for n in a.nodes] != [n.op for n in b.nodes] or len(a.outputs) != len(b.outputs):
        raise UnsupportedOperatorError(
            "the model records a different graph for other input values or sizes (its control flow "
            "depends on them): ONNX export records one path; export without dynamic_axes, or make "
            "the "
            "branch not depend on the input"
        )
    for va, vb in zip(a.inputs + a.outputs, b.inputs + b.outputs):
        e.pair[id(va)] = vb
    for na, nb in zip(a.nodes, b.nodes):
        for i, v in na.outputs.items():
            e.pair[id(v)] = nb.outputs[i]


def _value_info(onnx: Any, name: str, v: Value, dims: list[Any], names: dict[int, str]) -> Any:
    shape: list[Any] = []
    for axis, d in enumerate(dims):
        if axis in names:
            shape.append(names[axis])
        elif isinstance(d, Dim):
            shape.append(d.symbols[0] if d.coef == 1 and len(d.symbols) == 1 else None)
        else:
            shape.append(int(d))
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(v.dtype))
    return onnx.helper.make_tensor_value_info(name, elem, shape)


def _convert(e: Emitter, input_names: list[str], adapters: dict[str, Any]) -> None:
    for v, name in zip(e.a.inputs, input_names):
        e.names[id(v)] = name
    for na, nb in zip(e.a.nodes, e.b.nodes):
        fn = adapters.get(na.op)
        e.node, e.node_b = na, nb
        if fn is None:
            where = f" (recorded in {na.scope}'s forward)" if na.scope else ""
            raise UnsupportedOperatorError(
                f"Exporting the operator '{na.op}' to ONNX opset version {e.opset} is not "
                f"supported{where}"
            )
        outs = fn(e)
        for i, v in na.outputs.items():
            e.names[id(v)] = outs[i]
    e.node = e.node_b = None


def _graph(
    onnx: Any, e: Emitter, input_names: list[str], output_names: list[str], spec: Any
) -> Any:
    outputs, nodes = [], e.nodes
    for v, name in zip(e.a.outputs, output_names):
        src = e.name(v)
        nodes.append(onnx.helper.make_node("Identity", [src], [name], name=f"output/{name}"))
        outputs.append(_value_info(onnx, name, v, e.sym_shape(v), spec.get(name, {})))
    inputs = [
        _value_info(onnx, name, v, e.sym_shape(v), spec.get(name, {}))
        for v, name in zip(e.a.inputs, input_names)
    ]
    return onnx.helper.make_graph(nodes, "ndgrad", inputs, outputs, e.initializers)


def _module_flags(model: Any) -> list[tuple[Any, bool]]:
    return [(m, m.training) for m in model.modules()]


def export(
    model: Any,
    args: Any = (),
    f: str | os.PathLike[str] | io.BytesIO | None = None,
    *,
    kwargs: dict[str, Any] | None = None,
    verbose: bool | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset_version: int | None = None,
    dynamo: bool = False,
    export_params: bool = True,
    dynamic_axes: Mapping[str, Any] | None = None,
    do_constant_folding: bool = True,
) -> Any:
    """Export ``model`` as ONNX, traced on ``args``.

    Args:
        model: an ``nn.Module`` (or any callable on Tensors whose parameters need recording).
        args: the example input(s): a Tensor or a tuple of Tensors.
        f: a file name or a binary file-like object (a file is written atomically); with None the
            ``onnx.ModelProto`` is returned instead.
        kwargs: keyword arguments for the model's forward (not tensors: they become constants).
        export_params: must be True (the weights are always stored in the file).
        dynamo, do_constant_folding: accepted for PyTorch compatibility; ndgrad has one exporter,
            and constants it records are already folded.
        input_names / output_names: the graph's input and output names (default ``input_0``...).
        opset_version: the ONNX opset to target, 13 to 21 (default 18).
        dynamic_axes: {name: {axis: symbolic name}} or {name: [axes]}: those dims stay symbolic.
        verbose: print the graph.

    The model runs twice in eval mode; its training flags, parameters and
    gradients are left as they were.
    """
    onnx = _import_onnx()
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"opset_version must be between {MIN_OPSET} and {MAX_OPSET}, got {opset}")
    if not export_params:
        raise ValueError("export_params=False is not supported: the weights are always exported")
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    if any(isinstance(v, Tensor) for v in (kwargs or {}).values()):
        raise ValueError(
            "tensor kwargs are not supported: pass tensors in args (they become graph inputs)"
        )
    in_names = list(input_names or []) + [
        f"input_{i}" for i in range(len(input_names or []), len(args))
    ]
    if len(in_names) > len(args):
        raise ValueError(f"{len(in_names)} input_names for {len(args)} inputs")
    flags = _module_flags(model) if hasattr(model, "modules") else []
    try:
        if flags:
            model.eval()
        tr_a, _ = trace(model, args, in_names, kwargs)
        if len(output_names or []) > len(tr_a.outputs):
            raise ValueError(
                f"{len(output_names or [])} output_names for {len(tr_a.outputs)} outputs"
            )
        out_names = list(output_names or []) + [
            f"output_{i}" for i in range(len(output_names or []), len(tr_a.outputs))
        ]
        spec = _axes_spec(dynamic_axes, set(in_names) | set(out_names))
        tr_b, _ = trace(model, _variant(args, in_names, spec), in_names, kwargs)
    finally:
        for m, was in flags:
            m.training = was
    e = Emitter(tr_a, tr_b, opset, _symbols(tr_a, tr_b, spec))
    _pair(e)
    _convert(e, in_names, _adapters())
    graph = _graph(onnx, e, in_names, out_names[: len(tr_a.outputs)], spec)
    proto = onnx.helper.make_model(
        graph, opset_imports=[onnx.helper.make_opsetid("", opset)], producer_name="ndgrad"
    )
    proto.ir_version = min(proto.ir_version, 8 if opset <= 18 else 10)
    onnx.checker.check_model(proto)
    if verbose:
        print(onnx.helper.printable_graph(proto.graph))
    if f is None:
        return proto
    data = proto.SerializeToString()
    if isinstance(f, str | os.PathLike):
        _atomic_write(f, lambda fh: fh.write(data))
    else:
        f.write(data)
    return None
