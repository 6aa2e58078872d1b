"""Drawing the computation graph: Mermaid text, Graphviz DOT, and SVG/PNG through ``dot``.

The graph is read straight off the autograd structure: start at a tensor's ``grad_fn``, follow
``next_functions`` to the leaves. Op nodes are the boxes (``MulBackward0`` shows as ``Mul``);
leaves are the tensors you made, labelled with ``tensor.label`` or a module parameter's name.
A non-leaf tensor shows its label, value and gradient when you set ``tensor.label`` (and call
``retain_grad()`` to keep its gradient), micrograd-style.

Example:
    >>> a = ndgrad.tensor(2.0, requires_grad=True); a.label = "a"
    >>> b = ndgrad.tensor(-3.0, requires_grad=True); b.label = "b"
    >>> c = ndgrad.tensor(10.0, requires_grad=True); c.label = "c"
    >>> d = a * b + c; d.label = "d"
    >>> e = d.relu(); e.label = "e"
    >>> print(draw_graph(e).mermaid)
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad._atomic import _atomic_write
from ndgrad.tensor import Tensor


@dataclass
class _Node:
    id: str
    kind: str  # "op" or "tensor"
    title: str
    lines: list[str] = field(default_factory=list)
    group: str | None = None  # module name, when collapsed by module


@dataclass
class Graph:
    """A drawn graph: ``.mermaid`` and ``.dot`` text, ``.render(path)`` to SVG/PNG."""

    nodes: list[_Node]
    edges: list[tuple[str, str, str]]
    direction: str = "TB"
    # what the explorer (``.html``) reads: the drawn tensor and the op or leaf behind each node id
    root: Tensor | None = field(default=None, repr=False)
    objects: dict[str, Any] = field(default_factory=dict, repr=False)
    _svg: str | None = field(default=None, repr=False)

    def _groups(self) -> dict[str | None, list[_Node]]:
        """The nodes by group (None: in no group), groups in order of first appearance."""
        groups: dict[str | None, list[_Node]] = {}
        for n in self.nodes:
            groups.setdefault(n.group, []).append(n)
        return groups

    @property
    def mermaid(self) -> str:
        """The graph as a Mermaid flowchart (GitHub and many notebooks render it)."""
        out = [f"flowchart {self.direction}"]
        for group, members in self._groups().items():
            indent = "    "
            if group is not None:
                out.append(f'    subgraph {_safe_id(group)}["{_esc_mermaid(group)}"]')
                indent = "        "
            for n in members:
                text = "<br/>".join(
                    [f"<b>{_esc_mermaid(n.title)}</b>", *map(_esc_mermaid, n.lines)]
                )
                shape = f'(["{text}"])' if n.kind == "op" else f'["{text}"]'
                out.append(f"{indent}{n.id}{shape}")
            if group is not None:
                out.append("    end")
        for src, dst, label in self.edges:
            arrow = f" -->|{_esc_mermaid(label)}| " if label else " --> "
            out.append(f"    {src}{arrow}{dst}")
        return "\n".join(out) + "\n"

    @property
    def dot(self) -> str:
        """The graph in Graphviz's DOT language."""
        rankdir = {"TB": "TB", "TD": "TB", "LR": "LR", "BT": "BT", "RL": "RL"}[self.direction]
        out = [
            "digraph ndgrad {",
            f"  rankdir={rankdir};",
            '  node [fontname="Helvetica", fontsize=10];',
            '  edge [fontname="Helvetica", fontsize=9];',
        ]
        for group, members in self._groups().items():
            indent = "  "
            if group is not None:
                out.append(f"  subgraph cluster_{_safe_id(group)} {{")
                out.append(f'    label="{_esc_dot(group)}"; style=rounded; color=gray50;')
                indent = "    "
            for n in members:
                label = "\\n".join([_esc_dot(n.title), *map(_esc_dot, n.lines)])
                if n.kind == "op":
                    attrs = 'shape=ellipse, style=filled, fillcolor="#dbe8fb"'
                else:
                    attrs = 'shape=box, style="rounded,filled", fillcolor="#fdf1d6"'
                out.append(f'{indent}{n.id} [label="{label}", {attrs}];')
            if group is not None:
                out.append("  }")
        for src, dst, label in self.edges:
            extra = f' [label="{_esc_dot(label)}"]' if label else ""
            out.append(f"  {src} -> {dst}{extra};")
        out.append("}")
        return "\n".join(out) + "\n"

    def render(self, path: str | Path, format: str | None = None) -> Path:
        """Write the graph as an image with Graphviz's ``dot`` (format from the suffix: svg, png,
        pdf)."""
        path = Path(path)
        fmt = format or path.suffix.lstrip(".") or "svg"
        exe = shutil.which("dot")
        if exe is None:
            raise RuntimeError(
                "rendering needs Graphviz's `dot` program (apt-get install graphviz, brew install "
                "graphviz); the DOT and Mermaid text work without it"
            )
        result = subprocess.run(
            [exe, f"-T{fmt}"], input=self.dot.encode(), capture_output=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"dot failed: {result.stderr.decode(errors='replace')}")
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, lambda fh: fh.write(result.stdout))
        return path

    def html(self, path: str | Path) -> Path:
        """Write an interactive explorer of this graph: one self-contained HTML file.

        Clicking a node shows its op, shape, dtype, value and gradient; a step control walks the
        backward pass in the engine's own order. Runs a backward pass (``autograd.grad``, which
        leaves every ``.grad`` alone) to record that order, so draw before ``loss.backward()`` or
        keep the graph with ``backward(retain_graph=True)``. See ``ndgrad.viz.explorer``.
        """
        from ndgrad.viz.explorer import write_html

        return write_html(self, path)

    # Jupyter shows a graph inline: the SVG from `dot` when it is installed (as HTML too, which
    # notebook front ends prefer), else the Mermaid text as Markdown (JupyterLab and GitHub draw
    # it).
    def _repr_svg_(self) -> str | None:
        if self._svg is None:
            exe = shutil.which("dot")
            if exe is None:
                return None
            res = subprocess.run(
                [exe, "-Tsvg"], input=self.dot.encode(), capture_output=True, check=False
            )
            if res.returncode != 0:
                return None
            self._svg = res.stdout.decode()
        return self._svg

    def _repr_html_(self) -> str | None:
        svg = self._repr_svg_()
        return None if svg is None else f'<div class="ndgrad-graph">{svg[svg.find("<svg") :]}</div>'

    def _repr_markdown_(self) -> str:
        return "```mermaid\n" + self.mermaid + "```"

    def __str__(self) -> str:
        return self.mermaid


def draw_graph(
    root: Tensor,
    *,
    direction: str = "TB",
    show_shapes: bool = True,
    show_dtypes: bool = False,
    show_values: bool = True,
    show_grads: bool = True,
    max_elements: int = 4,
    params: Any = None,
    collapse_modules: bool = False,
) -> Graph:
    """Draw the computation graph that produced ``root``.

    Args:
        root: the tensor whose history is drawn (a loss, typically).
        direction: "TB" (top to bottom) or "LR" (left to right), as in Mermaid.
        show_shapes / show_dtypes: print each tensor's shape / dtype.
        show_values / show_grads: print data and grad of tensors with at most ``max_elements``.
        params: a module (its ``named_parameters()`` name the leaves, e.g. ``fc1.weight``) or a
            dict of name -> tensor.
        collapse_modules: draw each module recorded with ``record_modules`` as one cluster.

    Returns:
        a Graph: ``.mermaid``, ``.dot``, ``.render("graph.svg")``.
    """
    if direction not in ("TB", "TD", "LR", "BT", "RL"):
        raise ValueError(f"direction must be one of TB, LR, BT, RL; got {direction!r}")
    names: dict[int, str] = {}
    if params is not None:
        items = params.named_parameters() if hasattr(params, "named_parameters") else params.items()
        names = {id(t): n for n, t in items}
    fmt = _Formatter(show_shapes, show_dtypes, show_values, show_grads, max_elements)
    nodes: list[_Node] = []
    edges: list[tuple[str, str, str]] = []
    ids: dict[int, str] = {}

    def node_id(obj: Any) -> str:
        key = id(obj)
        if key not in ids:
            ids[key] = f"n{len(ids)}"
        return ids[key]

    direction = "TB" if direction == "TD" else direction
    if root.grad_fn is None:
        nodes.append(
            _Node(
                node_id(root),
                "tensor",
                root.label or names.get(id(root), "tensor"),
                fmt.tensor(root),
            )
        )
        return Graph(nodes, edges, direction, root, {node_id(root): root})
    # the root tensor as its own box, fed by its op
    root_box = _Node("root", "tensor", root.label or "output", fmt.tensor(root))
    nodes.append(root_box)
    edges.append((node_id(root.grad_fn), "root", ""))
    seen = {id(root.grad_fn)}
    stack = [root.grad_fn]
    groups = _module_groups(root.grad_fn) if collapse_modules else {}
    objects: dict[str, Any] = {"root": root}
    while stack:
        op = stack.pop()
        objects[node_id(op)] = op
        title = type(op).op_name
        lines = []
        t = named_tensor(op)
        if t is not None and t is not root:
            title = f"{t.label}: {title}" if t.label else title
            lines = fmt.tensor(t)
        nodes.append(_Node(node_id(op), "op", title, lines, groups.get(id(op))))
        for edge in op.next_functions:
            if edge is None:
                continue
            nxt, _, shape, dtype = edge
            label = "x".join(map(str, shape)) if show_shapes and shape else ""
            if isinstance(nxt, Tensor):  # a leaf
                if id(nxt) not in seen:
                    seen.add(id(nxt))
                    title = nxt.label or names.get(id(nxt)) or "leaf"
                    group = (
                        _leaf_group(names.get(id(nxt), ""), groups) if collapse_modules else None
                    )
                    nodes.append(_Node(node_id(nxt), "tensor", title, fmt.tensor(nxt), group))
                    objects[node_id(nxt)] = nxt
                edges.append((node_id(nxt), node_id(op), ""))
                continue
            edges.append((node_id(nxt), node_id(op), label))
            if id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append(nxt)
    return Graph(nodes, edges, direction, root, objects)


def _leaf_group(param_name: str, groups: dict[int, str]) -> str | None:
    """A parameter's box: its module's, named as that module's ops are (``fc1: Linear``)."""
    prefix = param_name.rpartition(".")[0]
    if not prefix:
        return None
    return next((g for g in groups.values() if g.partition(": ")[0] == prefix), prefix)


def named_tensor(op: Any) -> Tensor | None:
    """The tensor a user named (``tensor.label = ...``) whose op is ``op``, if any.

    The one place that reads how a tensor is found from its op, so changing that link (a strong
    reference today) touches this line only.
    """
    return getattr(op, "_viz_tensor", None)


class _Formatter:
    def __init__(
        self, shapes: bool, dtypes: bool, values: bool, grads: bool, max_elements: int
    ) -> None:
        self.shapes, self.dtypes, self.values, self.grads = shapes, dtypes, values, grads
        self.max_elements = max_elements

    def tensor(self, t: Tensor) -> list[str]:
        lines = []
        if self.shapes or self.dtypes:
            parts = []
            if self.shapes:
                parts.append("shape " + ("x".join(map(str, t.shape)) or "()"))
            if self.dtypes:
                parts.append(t.dtype.name)
            lines.append(" ".join(parts))
        if self.values and t.numel() <= self.max_elements:
            lines.append("data " + _short(t.array))
        if self.grads and t.grad is not None and t.grad.numel() <= self.max_elements:
            lines.append("grad " + _short(t.grad.array))
        return lines


def _short(a: Any) -> str:
    arr = np.asarray(_backend.to_numpy(a), dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr):.4g}"
    return "[" + ", ".join(f"{v:.4g}" for v in arr.ravel()) + "]"


def _esc_mermaid(s: str) -> str:
    return s.replace('"', "#quot;")


def _esc_dot(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _safe_id(s: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in s) or "root"


# -- module attribution ------------------------------------------------------------------------

_RECORDED: weakref.WeakKeyDictionary[Any, tuple[str, list[Any]]] = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def record_modules(model: Any) -> Iterator[None]:
    """While active, remember which module produced which part of the graph (for
    collapse_modules)."""
    handles = []
    for name, module in model.named_modules():
        if not name or any(True for _ in module.children()):
            continue  # leaf modules only: their ops do not nest

        def hook(
            mod: Any, inputs: Any, output: Any, name: str = f"{name}: {type(module).__name__}"
        ) -> None:
            if isinstance(output, Tensor) and output.grad_fn is not None:
                stops = [
                    i.grad_fn for i in inputs if isinstance(i, Tensor) and i.grad_fn is not None
                ]
                _RECORDED[output.grad_fn] = (name, stops)

        handles.append(module.register_forward_hook(hook))
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def _module_groups(root_op: Any) -> dict[int, str]:
    """Map each op inside a recorded module call to the module's name."""
    groups: dict[int, str] = {}
    stack = [root_op]
    seen = {id(root_op)}
    outputs = []
    while stack:
        op = stack.pop()
        if op in _RECORDED:
            outputs.append(op)
        for edge in op.next_functions:
            if edge is not None and not isinstance(edge[0], Tensor) and id(edge[0]) not in seen:
                seen.add(id(edge[0]))
                stack.append(edge[0])
    for out in outputs:
        name, stops = _RECORDED[out]
        stop_ids = {id(s) for s in stops}
        inner = [out]
        while inner:
            op = inner.pop()
            if id(op) in stop_ids or id(op) in groups:
                continue
            groups[id(op)] = name
            inner.extend(
                e[0] for e in op.next_functions if e is not None and not isinstance(e[0], Tensor)
            )
    return groups
