"""A computation graph you can explore: one self-contained HTML file (``draw_graph(t).html(path)``).

The page makes no requests: its script, style and data are inline, and it draws the graph itself
as SVG with one ``<g>`` per node holding real ``<text>``, so a screen reader (and a test) can read
every label. Clicking a node shows its op, output shape, dtype, value and gradient (summaries, and
the full values when small); a step control replays the backward pass in the order the engine ran
it; module scopes (``record_modules`` + ``draw_graph(..., collapse_modules=True)``) collapse and
expand.

The order is not re-derived here: ``backward_order`` runs the engine (``autograd.grad``, which
leaves every ``.grad`` alone) with a hook on every node and records the order in which they fire.

Example:
    >>> x = ndgrad.randn(3, requires_grad=True); x.label = "x"
    >>> y = (x * x).sum(); y.label = "y"
    >>> draw_graph(y).html("graph.html")          # open it in any browser, offline
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ndgrad import _backend
from ndgrad._atomic import _atomic_write
from ndgrad.tensor import Tensor
from ndgrad.viz.graph import named_tensor

if TYPE_CHECKING:
    from ndgrad.viz.graph import Graph

FULL_VALUES = 64  # tensors with at most this many elements show every value


@dataclass
class BackwardTrace:
    """What one real backward pass did: nodes in the order the engine reached them, and the
    gradient that arrived at each output (op nodes, by output index) or leaf."""

    order: list[Any] = field(default_factory=list)
    grads: dict[int, dict[int, Any]] = field(
        default_factory=dict
    )  # id(node or leaf) -> idx -> array


def backward_order(root: Tensor, ops: list[Any], leaves: list[Tensor]) -> BackwardTrace:
    """Run the engine backward from ``root`` (seeded with ones) and record what it does.

    Op nodes are recorded by a pre-hook on each of their outputs (the engine calls them just before
    the node's backward), leaves by a tensor hook (called when their summed gradient is delivered).
    """
    from ndgrad.autograd import grad as autograd_grad

    trace = BackwardTrace()

    def recorder(obj: Any, index: int) -> Callable[[Tensor], None]:
        def hook(g: Tensor) -> None:
            slots = trace.grads.setdefault(id(obj), {})
            if not slots:
                trace.order.append(obj)
            slots[index] = _backend.to_numpy(g.array)

        return hook

    removers = []
    try:
        for op in ops:
            for i in range(op._n_outputs):
                removers.append(_add_prehook(op, i, recorder(op, i)))
        for leaf in leaves:
            removers.append(leaf.register_hook(recorder(leaf, 0)).remove)
        seed = Tensor._make(root.xp.ones_like(root.array), False, None)
        try:
            autograd_grad([root], leaves, grad_outputs=[seed], retain_graph=True, allow_unused=True)
        except RuntimeError as err:
            raise RuntimeError(
                "Graph.html() runs the backward pass to record the engine's order, but this graph "
                "was already freed by a backward pass: draw it before calling backward(), or call "
                f"backward(retain_graph=True). ({err})"
            ) from err
    finally:
        for remove in removers:
            remove()
    return trace


def _add_prehook(op: Any, index: int, hook: Callable[[Tensor], None]) -> Callable[[], None]:
    """A hook on the gradient of output ``index`` of ``op`` (what a Tensor hook on that output
    is), and a way to take it off again that leaves the node as cheap as before it had hooks."""
    handle = op._add_hook(index, hook)

    def remove() -> None:
        handle.remove()
        hooks = op._pre_hooks
        if not hooks[index]:
            del hooks[index]
        if not hooks:
            op._pre_hooks = None

    return remove


def graph_data(graph: Graph) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data: nodes, edges, scopes and the backward
    steps."""
    root = graph.root
    if root is None:
        raise ValueError("this Graph was not made by draw_graph, so it has no tensors to explore")
    ops = [o for o in graph.objects.values() if not isinstance(o, Tensor)]
    leaves = [o for k, o in graph.objects.items() if isinstance(o, Tensor) and k != "root"]
    trace = backward_order(root, ops, leaves) if root.grad_fn is not None else BackwardTrace()
    ids = {id(obj): key for key, obj in graph.objects.items() if key != "root"}
    outputs = _op_outputs(graph, root)
    nodes = []
    for n in graph.nodes:
        obj = graph.objects[n.id]
        info: dict[str, Any] = {"id": n.id, "title": n.title, "lines": n.lines, "group": n.group}
        if isinstance(obj, Tensor):
            grad: Any
            if n.id == "root":  # the output: its gradient is the seed
                grad = _backend.to_numpy(root.xp.ones_like(root.array))
            else:
                grad = trace.grads.get(id(obj), {}).get(0)
            kind = "root" if n.id == "root" else "leaf"
            outs = [_describe(obj.array, grad, obj.dtype.name, list(obj.shape))]
            info.update(kind=kind, op=None, outputs=outs)
        else:
            info.update(kind="op", op=obj.name())
            slots = trace.grads.get(id(obj), {})
            info["outputs"] = [
                _describe(value, slots.get(i), dtype, shape)
                for i, (value, dtype, shape) in enumerate(outputs[n.id])
            ]
        nodes.append(info)
    order = [ids[id(obj)] for obj in trace.order if id(obj) in ids]
    if root.grad_fn is not None:
        order.insert(0, "root")  # the seed: the output's own gradient is ready first
    edges = [[src, dst] for src, dst, _ in graph.edges]
    return {"nodes": nodes, "edges": edges, "order": order, "direction": graph.direction}


def _op_outputs(graph: Graph, root: Tensor) -> dict[str, list[tuple[Any, str, list[int] | None]]]:
    """For every op node, (value or None, dtype name, shape) of each output.

    A value is known when the user named the tensor, when it is the drawn root, or when the node
    itself or a node that consumes it kept it for backward (``save_for_backward``).
    """
    out: dict[str, list[tuple[Any, str, list[int] | None]]] = {}
    consumers: dict[int, list[Any]] = {}
    metas: dict[tuple[int, int], tuple[str, list[int]]] = {}  # (node, output) -> dtype, shape
    for obj in graph.objects.values():
        if isinstance(obj, Tensor):
            continue
        for edge in obj.next_functions:
            if edge is not None and not isinstance(edge[0], Tensor):
                consumers.setdefault(id(edge[0]), []).append(obj)
                metas[(id(edge[0]), edge[1])] = (np.dtype(edge[3]).name, list(edge[2]))
    for key, op in graph.objects.items():
        if isinstance(op, Tensor):
            continue
        values: list[Any] = [None] * op._n_outputs
        if op._outputs is not None:  # the node kept its own output(s)
            values = list(op._outputs)[: op._n_outputs]
        for user in consumers.get(id(op), []):
            for s in user._saved or ():
                if isinstance(s, Tensor) and s.grad_fn is op and values[s._out_idx] is None:
                    values[s._out_idx] = s.array
        named = named_tensor(op)
        if named is not None:
            values[named._out_idx] = named.array
        if root.grad_fn is op:
            values[root._out_idx] = root.array
        out[key] = []
        for i, v in enumerate(values):
            meta = metas.get((id(op), i))
            if meta is None and v is not None:
                meta = (np.dtype(v.dtype).name, list(v.shape))
            out[key].append((v, *(meta or ("?", None))))
    return out


def _describe(value: Any, grad: Any, dtype: str, shape: list[int] | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"dtype": dtype, "shape": shape}
    for name, arr in (("value", value), ("grad", grad)):
        if arr is not None:
            a = np.asarray(_backend.to_numpy(arr))
            entry[name] = {
                "summary": _summary(a),
                "full": _full(a) if a.size <= FULL_VALUES else None,
            }
    return entry


def _summary(a: np.ndarray) -> str:
    if a.size == 0:
        return "empty"
    f = a.astype(np.float64)
    if a.size == 1:
        return _num(float(f.ravel()[0]))
    return (
        f"min {_num(f.min())}, max {_num(f.max())}, mean {_num(f.mean())}, "
        f"std {_num(f.std())}, norm {_num(float(np.sqrt((f * f).sum())))}"
    )


def _full(a: np.ndarray) -> str:
    if a.ndim == 0:
        return _num(float(a))
    return "[" + ", ".join(_full(x) for x in a) + "]"


def _num(v: Any) -> str:
    return f"{float(v):.6g}"


def render_html(graph: Graph, title: str = "ndgrad graph") -> str:
    """The explorer page as a string: the page's script and style inline, the data as JSON."""
    data = json.dumps(graph_data(graph), separators=(",", ":"))
    data = data.replace("</", "<\\/")  # a label can never close the <script> element early
    assets = resources.files("ndgrad.viz")
    script = assets.joinpath("explorer.js").read_text(encoding="utf-8")
    style = assets.joinpath("explorer.css").read_text(encoding="utf-8")
    title = title.replace("&", "&amp;").replace("<", "&lt;")
    return _PAGE.format(title=title, style=style, data=data, script=script)


def write_html(graph: Graph, path: str | Path) -> Path:
    """Write the explorer page to ``path`` (atomically) and return the path."""
    path = Path(path)
    text = render_html(graph, title=path.stem)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))
    return path


# The icon link points at an empty data: URL so the browser does not ask for /favicon.ico.
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>
{style}
</style>
</head>
<body>
<header>
  <h1>{title}</h1>
  <div id="controls" role="toolbar" aria-label="backward pass">
    <button id="reset" type="button">reset</button>
    <button id="back" type="button">&#9664; back</button>
    <button id="step" type="button">step &#9654;</button>
    <button id="run" type="button">all</button>
    <span id="status" aria-live="polite"></span>
  </div>
  <div id="scopes" role="group" aria-label="module scopes"></div>
</header>
<main>
  <div id="canvas"><svg id="graph" role="img" aria-label="computation graph"></svg></div>
  <aside id="details" aria-live="polite"><p class="hint">Click a node to see its values.</p></aside>
</main>
<script type="application/json" id="graph-data">{data}</script>
<script>
{script}
</script>
</body>
</html>
"""
