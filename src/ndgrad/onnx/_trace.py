"""Read a model's recorded autograd graph: run one forward pass, then walk ``grad_fn`` nodes.

Every op of the forward pass that touches something needing a gradient leaves a node (its
``grad_fn``) holding ``next_functions`` (its inputs' nodes, or the leaf tensors themselves) and what
it saved for backward. Tracing makes the model's inputs and all its floating-point parameters and
buffers require a gradient for the duration of one forward pass, so that every op of the model
leaves such a node; afterwards it puts every flag back. The TensorBoard graph and the ONNX
exporter both read the ``Trace`` built here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import ndgrad
from ndgrad import _backend
from ndgrad.tensor import Tensor


@dataclass(eq=False)
class Value:
    """One tensor of the traced graph: a model input, a parameter or buffer, a constant or an op
    output."""

    kind: str  # "input", "param", "const" or "op"
    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    node: Node | None = field(default=None, repr=False)  # the op that made it (kind "op")
    index: int = 0  # which output of that op
    tensor: Tensor | None = field(
        default=None, repr=False
    )  # the tensor (inputs, parameters, constants)


@dataclass(eq=False)
class Node:
    """One recorded op: ``fn`` is the ``grad_fn`` object, ``op`` its class name."""

    fn: Any
    op: str
    name: str
    scope: str  # dotted name of the innermost module whose forward made it ("" at the top)
    inputs: list[Value | None] = field(
        default_factory=list, repr=False
    )  # one per next_functions entry
    outputs: dict[int, Value] = field(default_factory=dict, repr=False)


@dataclass(eq=False)
class Trace:
    """A model's graph: inputs, parameters, ops in topological order, outputs."""

    inputs: list[Value]
    params: list[Value]
    nodes: list[Node]
    outputs: list[Value]
    by_fn: dict[int, Node]
    by_tensor: dict[int, Value]  # id of an input / parameter / buffer tensor -> its Value
    consts: list[Value] = field(default_factory=list)
    module_types: dict[str, str] = field(default_factory=dict)  # dotted name -> class name
    modules: dict[str, Any] = field(default_factory=dict)  # dotted name -> module

    def value_of(self, t: Any) -> Value:
        """The Value of a tensor that a node saved (an input, a parameter, an op output or a
        constant)."""
        if isinstance(t, Tensor):
            known = self.by_tensor.get(id(t))
            if known is not None:
                return known
            if t.grad_fn is not None and id(t.grad_fn) in self.by_fn:
                return self.by_fn[id(t.grad_fn)].outputs[t._out_idx]
            return self.constant(_backend.to_numpy(t.array))
        return self.constant(np.asarray(_backend.to_numpy(t)))

    def constant(self, array: np.ndarray, name: str = "") -> Value:
        """A new constant holding ``array``."""
        v = Value("const", name or f"const_{len(self.consts)}", tuple(array.shape), array.dtype)
        v.tensor = ndgrad.from_numpy(np.ascontiguousarray(array))
        self.consts.append(v)
        return v


@contextlib.contextmanager
def _grad_everywhere(model: Any) -> Iterator[list[tuple[str, Tensor]]]:
    """Make every floating-point parameter and buffer require grad; restore the flags after."""
    named: list[tuple[str, Tensor]] = []
    seen: set[int] = set()
    if not hasattr(model, "named_parameters"):  # a plain function: nothing to record
        yield named
        return
    for name, t in list(model.named_parameters()) + list(model.named_buffers()):
        if t is not None and id(t) not in seen:
            seen.add(id(t))
            named.append((name, t))
    flags = [t.requires_grad for _, t in named]
    try:
        for _, t in named:
            if t.dtype.is_floating_point:
                t.requires_grad = True
        yield named
    finally:
        for (_, t), flag in zip(named, flags):
            t.requires_grad = flag


@contextlib.contextmanager
def _record_scopes(model: Any) -> Iterator[list[tuple[str, list[Any], list[Any]]]]:
    """Record, for every module call, (name, its output nodes, its input nodes), innermost first."""
    calls: list[tuple[str, list[Any], list[Any]]] = []
    handles = []
    for name, module in model.named_modules() if hasattr(model, "named_modules") else ():
        if not name:
            continue

        def hook(mod: Any, inputs: Any, output: Any, name: str = name) -> None:
            outs = [o.grad_fn for o in _flat_tensors(output) if o.grad_fn is not None]
            stops = [i.grad_fn for i in _flat_tensors(inputs) if i.grad_fn is not None]
            calls.append((name, outs, stops))

        handles.append(module.register_forward_hook(hook))
    try:
        yield calls
    finally:
        for h in handles:
            h.remove()


def _flat_tensors(obj: Any) -> list[Tensor]:
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, list | tuple):
        return [t for o in obj for t in _flat_tensors(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _flat_tensors(o)]
    return []


def _scopes(calls: list[tuple[str, list[Any], list[Any]]]) -> dict[int, str]:
    """Each op's innermost module: walk back from a call's outputs to its inputs, inner calls
    first."""
    scope: dict[int, str] = {}
    for name, outs, stops in calls:  # forward hooks fire innermost first
        stop_ids = {id(s) for s in stops}
        stack, seen = list(outs), set()
        while stack:
            fn = stack.pop()
            if id(fn) in stop_ids or id(fn) in seen:
                continue
            seen.add(id(fn))
            scope.setdefault(id(fn), name)
            stack.extend(
                e[0] for e in fn.next_functions if e is not None and not isinstance(e[0], Tensor)
            )
    return scope


def _topological(roots: Sequence[Any]) -> list[Any]:
    """The nodes reachable from ``roots``, each after all of its inputs (iterative, no
    recursion)."""
    order: list[Any] = []
    done: set[int] = set()
    stack: list[tuple[Any, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        fn, expanded = stack.pop()
        if id(fn) in done:
            continue
        if expanded:
            done.add(id(fn))
            order.append(fn)
            continue
        stack.append((fn, True))
        for e in reversed(fn.next_functions):
            if e is not None and not isinstance(e[0], Tensor) and id(e[0]) not in done:
                stack.append((e[0], False))
    return order


def _as_inputs(args: Any) -> tuple[Any, ...]:
    if isinstance(args, Tensor) or not isinstance(args, tuple | list):
        return (args,)
    return tuple(args)


def trace(
    model: Any,
    args: Any,
    input_names: Sequence[str] | None = None,
    kwargs: dict[str, Any] | None = None,
) -> tuple[Trace, Any]:
    """Run ``model(*args)`` once with gradients recorded and read its graph back.

    Float inputs are replaced by leaf copies that require grad (the caller's tensors are untouched);
    integer inputs pass as they are (ops such as embedding save them, so they are found by
    identity).

    Returns:
        the Trace and the model's output (a Tensor or a tuple of Tensors).
    """
    inputs = _as_inputs(args)
    fed: list[Any] = []
    for a in inputs:
        if isinstance(a, Tensor) and a.dtype.is_floating_point:
            a = a.detach().requires_grad_(True)
        fed.append(a)
    names = list(input_names or [])
    names += [f"input_{i}" for i in range(len(names), len(fed))]
    by_tensor: dict[int, Value] = {}
    in_values = []
    for name, a in zip(names, fed):
        if isinstance(a, Tensor):
            v = Value("input", name, tuple(a.shape), a.array.dtype, tensor=a)
            by_tensor[id(a)] = v
            in_values.append(v)
    with _grad_everywhere(model) as named, _record_scopes(model) as calls, ndgrad.enable_grad():
        out = model(*fed, **(kwargs or {}))
        params = []
        for pname, t in named:
            v = Value("param", pname, tuple(t.shape), t.array.dtype, tensor=t)
            by_tensor[id(t)] = v
            params.append(v)
        result = _read_graph(out, in_values, params, by_tensor, calls)
    result.modules = dict(model.named_modules()) if hasattr(model, "named_modules") else {}
    result.module_types = {n: type(m).__name__ for n, m in result.modules.items()}
    return result, out


def _read_graph(
    out: Any,
    in_values: list[Value],
    params: list[Value],
    by_tensor: dict[int, Value],
    calls: list[tuple[str, list[Any], list[Any]]],
) -> Trace:
    outs = _flat_tensors(out)
    roots = [o.grad_fn for o in outs if o.grad_fn is not None]
    scope = _scopes(calls)
    tr = Trace(in_values, params, [], [], {}, by_tensor)
    for fn in _topological(roots):
        op = type(fn).op_name
        node = Node(fn, op, f"{op}_{len(tr.nodes)}", scope.get(id(fn), ""))
        for e in fn.next_functions:
            if e is None:
                node.inputs.append(None)
            elif isinstance(e[0], Tensor):
                node.inputs.append(tr.value_of(e[0]))
            else:
                src = tr.by_fn[id(e[0])]
                node.inputs.append(_output(src, e[1]))
        tr.nodes.append(node)
        tr.by_fn[id(fn)] = node
    # shapes and dtypes of op outputs come from the edges that consume them, or the outputs
    for n in tr.nodes:
        for e in n.fn.next_functions:
            if e is not None and not isinstance(e[0], Tensor):
                v = tr.by_fn[id(e[0])].outputs[e[1]]
                v.shape, v.dtype = tuple(e[2]), np.dtype(e[3])
    for o in outs:
        if o.grad_fn is not None:
            v = _output(tr.by_fn[id(o.grad_fn)], o._out_idx)
            v.shape, v.dtype = tuple(o.shape), o.array.dtype
        else:
            v = tr.value_of(o)
        tr.outputs.append(v)
    return tr


def _output(node: Node, index: int) -> Value:
    v = node.outputs.get(index)
    if v is None:
        v = Value("op", f"{node.name}:{index}", (), np.dtype(np.float32), node, index)
        node.outputs[index] = v
    return v
