"""The backward pass: order the graph, then walk it once, root to leaves.

1. ``_dependencies`` visits every node reachable from the roots (iteratively, so a 100,000-op chain
   is fine) and counts, for each node, how many edges lead into it.
2. The main loop starts from the roots; a node runs its ``backward`` once all the gradients flowing
   into it have arrived (its count reaches zero), i.e. in topological order (Kahn's algorithm).
   Gradients for inputs that were broadcast are summed back to the input's shape here, once.
3. Leaves (tensors made by the user) collect the sum of their incoming gradients; at the end each
   leaf's hooks run once on that sum, then it accumulates into ``.grad`` (``autograd.grad``
   returns it instead). A leaf with post-accumulate hooks is delivered as soon as its last
   gradient arrives, so DistributedDataParallel can start an all-reduce while backward goes on.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ndgrad.autograd import anomaly, function, grad_mode

if TYPE_CHECKING:
    from ndgrad.tensor import Tensor


def _dependencies(roots: list[Any]) -> dict[Any, int]:
    deps: dict[Any, int] = {}
    stack = list(roots)
    seen = set(roots)
    while stack:
        node = stack.pop()
        for edge in node.next_functions:
            if edge is None:
                continue
            nxt = edge[0]
            if isinstance(nxt, _Tensor):  # a leaf (a Tensor or a Parameter): nothing beyond it
                if nxt._post_hooks:  # counted, to be delivered once complete (DDP overlaps its all-reduce)
                    deps[id(nxt)] = deps.get(id(nxt), 0) + 1
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


_Tensor: Any = None


def run_backward(
    roots: Sequence[Tensor],
    grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
) -> list[Tensor | None] | None:
    """Back-propagate ``grads`` from ``roots``.

    Without ``inputs`` gradients accumulate into the ``.grad`` of leaves (``Tensor.backward``);
    with ``inputs`` they are returned, one per input, and no ``.grad`` changes (``autograd.grad``).
    """
    global _Tensor
    from ndgrad.tensor import Tensor

    _Tensor = Tensor
    from ndgrad.ops.reduce import sum_to

    # where autograd.grad wants its answers: a leaf by identity, a non-leaf by (node, output index)
    wanted: dict[Any, int] = {}
    captured: list[Tensor | None] = []
    if inputs is not None:
        for i, t in enumerate(inputs):
            wanted[(t.grad_fn, t._out_idx) if t.grad_fn is not None else id(t)] = i
            captured.append(None)

    # ids of the arrays already stored as some .grad: a second leaf gets a copy, so an in-place
    # change to one .grad (clip_grad_norm_) never alters another
    given: set[int] = {id(_owner(g.array)) for g in grads}
    buffers: dict[Any, list[Any]] = {}
    leaf_grads: dict[int, list[Any]] = {}  # id(leaf) -> [leaf, summed gradient]
    root_nodes = []
    for t, g in zip(roots, grads, strict=True):
        if t.grad_fn is None:  # the root is itself a leaf
            _collect_leaf(leaf_grads, t, g, wanted)
            continue
        node = t.grad_fn
        if node not in buffers:
            buffers[node] = [None] * node._n_outputs
            root_nodes.append(node)
        seeds = buffers[node]
        seeds[t._out_idx] = g if seeds[t._out_idx] is None else seeds[t._out_idx] + g

    # The cyclic garbage collector is paused for the pass: it allocates an object or more per edge
    # and makes no reference cycles (freed graphs go by refcounting), but every so many allocations
    # the collector would scan the whole graph still alive, a large share of a big scalar graph.
    gc_was_enabled = gc.isenabled()
    check_nan = anomaly.state.enabled  # read once: the loop below is the hot path
    prof = function.profile_hook  # ndgrad.profiler: times each node's backward when recording
    prev_mode = grad_mode.state.enabled
    grad_mode.state.enabled = create_graph
    try:
        gc.disable()
        deps = _dependencies(root_nodes)
        ready = [n for n in root_nodes if n not in deps]
        while ready:
            node = ready.pop()
            out_grads = buffers.pop(node)
            if wanted or node._pre_hooks is not None or node._retained is not None:
                out_grads = _node_hooks(node, out_grads, wanted, captured)
            if prof is not None:
                prof.push(node.name())
            if node._n_outputs == 1:
                in_grads = node.backward(node, out_grads[0])
            else:
                in_grads = node.backward(node, *_materialize(node, out_grads))
            if prof is not None:
                prof.pop()
            if in_grads.__class__ is not tuple:
                in_grads = (in_grads,)
            nexts = node.next_functions
            if len(in_grads) != len(nexts):
                _check_count(node, in_grads)
            if check_nan:
                anomaly.check_grads(node, in_grads)
            if node._saved and not retain_graph:
                node._saved = None  # free the saved arrays; a second backward raises
                node._outputs = None
            for edge, g in zip(nexts, in_grads):
                if edge is None or g is None:
                    continue
                nxt, idx, shape, dtype = edge
                data = g.array
                if data.shape != shape:
                    g = sum_to(g, shape)
                    data = g.array
                if data.dtype is not dtype and data.dtype != dtype:
                    g = g.to(dtype=dtype)
                if isinstance(nxt, Tensor):  # a leaf (or a Parameter, a Tensor subclass)
                    _collect_leaf(leaf_grads, nxt, g, wanted)
                    if nxt._post_hooks and not wanted:
                        deps[id(nxt)] -= 1
                        if deps[id(nxt)] == 0:  # its last gradient: accumulate and run the hooks now
                            leaf, total = leaf_grads.pop(id(nxt))
                            _deliver_leaf(leaf, total, create_graph, wanted, captured, given)
                    continue
                slot = buffers.get(nxt)
                if slot is None:
                    buffers[nxt] = slot = [None] * nxt._n_outputs
                slot[idx] = g if slot[idx] is None else slot[idx] + g
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    ready.append(nxt)
        for t, g in leaf_grads.values():
            _deliver_leaf(t, g, create_graph, wanted, captured, given)
    finally:
        grad_mode.state.enabled = prev_mode
        if gc_was_enabled:
            gc.enable()
    return captured if inputs is not None else None


def _collect_leaf(leaf_grads: dict[int, list[Any]], t: Tensor, g: Tensor, wanted: dict[Any, int]) -> None:
    """Sum the gradients reaching a leaf; autograd.grad skips the leaves it was not asked for."""
    if wanted and id(t) not in wanted:
        return
    entry = leaf_grads.get(id(t))
    if entry is None:
        leaf_grads[id(t)] = [t, g]
    else:
        entry[1] = entry[1] + g


def _check_count(node: Any, in_grads: tuple[Any, ...]) -> None:
    """A backward may leave out trailing gradients of inputs that need none, or add trailing Nones."""
    nexts = node.next_functions
    n = len(nexts)
    if any(e is not None for e in nexts[len(in_grads) :]) or any(g is not None for g in in_grads[n:]):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients (expected {n}, "
            f"got {len(in_grads)})"
        )


def _materialize(node: Any, out_grads: list[Any]) -> list[Any]:
    """Zeros for the outputs of a multi-output node that got no gradient (unless told not to)."""
    if not node._materialize:
        return out_grads
    from ndgrad._backend import xp_of
    from ndgrad.tensor import Tensor

    res = []
    for g, arr in zip(out_grads, node._out_meta, strict=True):
        if g is None and arr is not None:
            g = Tensor._make(xp_of(arr).zeros_like(arr), False, None)
        res.append(g)
    return res


def _node_hooks(node: Any, out_grads: list[Any], wanted: dict[Any, int], captured: list[Any]) -> list[Any]:
    """Tensor hooks and retain_grad of non-leaf outputs; catching autograd.grad's inputs."""
    for i, g in enumerate(out_grads):
        if g is None:
            continue
        for hook in (node._pre_hooks or {}).get(i, ()):
            new = hook(g)
            if new is not None:
                g = new
        out_grads[i] = g
        if node._retained is not None and i in node._retained:
            t = node._retained[i]()
            if t is not None:
                _accumulate(t, g, grad_mode.state.enabled, None)
        key = (node, i)
        if key in wanted:
            captured[wanted[key]] = g
    return out_grads


def _deliver_leaf(
    t: Tensor,
    g: Tensor,
    create_graph: bool,
    wanted: dict[Any, int],
    captured: list[Any],
    given: set[int],
) -> None:
    if t._hooks:
        for hook in t._hooks:
            new = hook(g)
            if new is not None:
                g = new
    if wanted:
        captured[wanted[id(t)]] = g
        return
    _accumulate(t, g, create_graph, given)
    if t._post_hooks:
        for hook in t._post_hooks:
            hook(t)


def _owner(a: Any) -> Any:
    base = getattr(a, "base", None)
    return a if base is None else base


def _accumulate(t: Tensor, g: Tensor, create_graph: bool, given: set[int] | None) -> None:
    """``t.grad += g``, never in place: a gradient array may be shared with another leaf's."""
    if not create_graph:
        g = g.detach()
    if t.grad is None:
        if given is not None and not create_graph:
            owner = id(_owner(g.array))
            if owner in given:
                g = g.clone()
            else:
                given.add(owner)
        t.grad = g
    else:
        t.grad = t.grad + g if create_graph else t.grad.detach() + g
