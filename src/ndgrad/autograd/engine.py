"""The backward pass: order the graph, then walk it once, from the roots to the leaves.

1. ``_dependencies`` visits every node reachable from the roots (iteratively, so a 100,000-op chain
   is fine) and counts, for each node, how many edges lead into it.
2. The loop runs a node's ``backward`` once all the gradients flowing into it have arrived (its
   count reaches zero): topological order, Kahn's algorithm.
3. A gradient that arrives in an input's broadcast shape is summed back to that shape (``sum_to``,
   the one place broadcasting is undone) and cast back to the input's dtype.
4. What leaves the walk (leaf gradients, ``autograd.grad``'s answers, hooks, ``retain_grad``) is the
   ``GradSink``'s business, in ``autograd/sink.py``. A leaf with post-accumulate hooks is counted
   like a node and delivered as soon as its last gradient arrives, so DistributedDataParallel can
   start an all-reduce while backward goes on.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import Any

from ndgrad.autograd import anomaly, function, grad_mode
from ndgrad.autograd.sink import GradSink, add_grads
from ndgrad.ops.reduce import sum_to
from ndgrad.tensor import Tensor


def run_backward(
    roots: Sequence[Tensor],
    grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
) -> list[Tensor | None] | None:
    """Back-propagate ``grads`` from ``roots`` into the leaves' ``.grad``; with ``inputs``, return
    their gradients instead, one per input (``autograd.grad``)."""
    sink = GradSink(grads, inputs, create_graph)
    buffers: dict[Any, list[Any]] = {}  # node -> the gradients of its outputs, summed as they come
    for t, root_grad in zip(roots, grads, strict=True):
        if t.grad_fn is None:
            sink.leaf(t, root_grad)
        else:
            _add(buffers, t.grad_fn, t._out_idx, root_grad)
    deps = sink.pending = _dependencies(list(buffers))
    ready = [node for node in buffers if deps[node] == 0]
    check_nan = anomaly.state.enabled  # read once: the loop below is the hot path
    prof = function.profile_hook  # ndgrad.profiler: times each node's backward when recording
    prev_mode, gc_was_enabled = grad_mode.state.enabled, gc.isenabled()
    grad_mode.state.enabled = create_graph  # the backward is recorded only for higher orders
    # The walk makes no reference cycles (freed graphs go by refcounting), but its allocations would
    # make the cycle collector scan the whole live graph every so often: paused for the pass.
    gc.disable()
    try:
        while ready:
            node = ready.pop()
            out_grads = buffers.pop(node, None)
            if out_grads is None:  # every gradient into it was None: so are the ones it passes on
                in_grads: tuple[Any, ...] = ()
            else:
                hooked = node._pre_hooks is not None
                if hooked or sink.wanted or node._retained is not None:
                    out_grads = sink.at_node(node, out_grads)
                if prof is not None:
                    prof.push(node.name())
                in_grads = node._call_backward(out_grads)
                if hooked and "post" in node._pre_hooks:
                    in_grads = sink.after_node(node, in_grads, out_grads)
                if prof is not None:
                    prof.pop()
                if check_nan:
                    anomaly.check_grads(node, in_grads)
            if node._saved and not retain_graph:
                node._free_saved()  # so a second backward through it raises
            meta = node._meta  # (output index, shape, dtype) per input, flat (Function._meta)
            nexts = (node._next0, node._next1) + node._next_more  # Function._nexts, spelt out
            n_grads = len(in_grads)  # trailing inputs may get no entry (see _call_backward)
            for k in range(len(meta) // 3):
                nxt = nexts[k]
                if nxt is None:
                    continue
                g = in_grads[k] if k < n_grads else None
                if g is not None:
                    shape, dtype = meta[3 * k + 1], meta[3 * k + 2]
                    arr = g.array
                    if arr.shape != shape:
                        g = sum_to(g, shape)
                    if arr.dtype is not dtype and arr.dtype != dtype:  # sum_to keeps dtypes
                        g = g.to(dtype=dtype)
                    if isinstance(nxt, Tensor):  # a leaf (or a Parameter, a Tensor subclass)
                        sink.leaf(nxt, g)
                        continue
                    slot = buffers.get(nxt)  # _add, spelt out: this runs once per edge
                    if slot is None:
                        buffers[nxt] = slot = [None] * nxt._n_outputs
                    i = meta[3 * k]
                    slot[i] = g if slot[i] is None else add_grads(slot[i], g)
                elif isinstance(nxt, Tensor):
                    continue
                left = deps[nxt] - 1  # a None gradient counts as arrived too, or nxt never runs
                deps[nxt] = left
                if left == 0:
                    ready.append(nxt)
        sink.deliver()
    finally:
        grad_mode.state.enabled = prev_mode
        if gc_was_enabled:
            gc.enable()
    return sink.captured if inputs is not None else None


def _add(buffers: dict[Any, list[Any]], node: Any, idx: int, g: Tensor) -> None:
    """Sum ``g`` into the gradient of output ``idx`` of ``node``."""
    slot = buffers.get(node)
    if slot is None:
        buffers[node] = slot = [None] * node._n_outputs
    slot[idx] = g if slot[idx] is None else add_grads(slot[idx], g)


def _dependencies(roots: list[Any]) -> dict[Any, int]:
    """For every node reachable from ``roots`` (and leaf with post hooks), the edges into it.

    A node is in the count from the moment it is first seen (the roots with 0), so the count is
    also the set of nodes already visited.
    """
    deps: dict[Any, int] = dict.fromkeys(roots, 0)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for nxt in (node._next0, node._next1) + node._next_more:  # Function._nexts, spelt out
            if nxt is None:
                continue
            if isinstance(nxt, Tensor):  # a leaf: nothing beyond it
                if nxt._post_hooks:  # counted by id, to be delivered once complete (see sink.leaf)
                    deps[id(nxt)] = deps.get(id(nxt), 0) + 1
                continue
            count = deps.get(nxt)
            if count is None:  # first seen: its edges are counted once
                deps[nxt] = 1
                stack.append(nxt)
            else:
                deps[nxt] = count + 1
    return deps
