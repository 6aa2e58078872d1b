"""Where the backward pass delivers gradients, besides the next node (``engine.py`` walks the
graph).

- Leaves: the gradients reaching one leaf are summed; after the walk its hooks run once on the sum,
  then it accumulates into ``.grad`` (``accumulate``), and its post-accumulate hooks run. A leaf
  with post-accumulate hooks goes as soon as its last gradient has arrived (DDP's overlap).
- ``autograd.grad``: gradients of the asked-for inputs are captured instead (a leaf by identity, a
  non-leaf by its node and output index) and no ``.grad`` changes.
- Non-leaf tensors: their hooks (``register_hook``) and ``retain_grad`` act on the gradient of a
  node's output just before that node's backward runs (``at_node``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ndgrad.autograd import grad_mode
from ndgrad.tensor import Tensor


class GradSink:
    """The gradients that leave the walk: captured for ``autograd.grad`` or accumulated into
    leaves."""

    def __init__(
        self, grads: Sequence[Tensor], inputs: Sequence[Tensor] | None, create_graph: bool
    ) -> None:
        self.create_graph = create_graph
        # what autograd.grad asks for: a leaf by id, a non-leaf by (node, output index) -> position
        self.wanted: dict[Any, int] = {}
        self.captured: list[Tensor | None] = []
        for i, t in enumerate(inputs or ()):
            self.wanted[(t.grad_fn, t._out_idx) if t.grad_fn is not None else id(t)] = i
            self.captured.append(None)
        # ids of the arrays already stored as some .grad: a second leaf gets a copy, so an in-place
        # change to one .grad (clip_grad_norm_) never alters another
        self.given: set[int] = {id(_owner(g.array)) for g in grads}
        self.leaves: dict[int, list[Any]] = {}  # id(leaf) -> [leaf, summed gradient]
        # gradients still to come, by id, for leaves with post hooks (set by the engine's count)
        self.pending: dict[Any, int] = {}

    def leaf(self, t: Tensor, g: Tensor) -> None:
        """Sum the gradients reaching a leaf; autograd.grad skips the leaves it was not asked
        for."""
        if self.wanted and id(t) not in self.wanted:
            return
        entry = self.leaves.get(id(t))
        if entry is None:
            self.leaves[id(t)] = entry = [t, g]
        else:
            entry[1] = add_grads(entry[1], g)
        if t._post_hooks and not self.wanted and id(t) in self.pending:
            self.pending[id(t)] -= 1
            if self.pending[id(t)] == 0:  # its last gradient: accumulate and run the hooks now
                del self.leaves[id(t)]
                self._deliver(t, entry[1])

    def at_node(self, node: Any, out_grads: list[Any]) -> list[Any]:
        """Hooks and retain_grad of a node's outputs, and autograd.grad's non-leaf inputs."""
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
                    accumulate(t, g, grad_mode.state.enabled, None)
            if (node, i) in self.wanted:
                self.captured[self.wanted[(node, i)]] = g
        for hook in list((node._pre_hooks or {}).get("node", ())):  # the node's own prehooks
            new = hook(tuple(out_grads))
            if new is not None:
                out_grads = list(new)
        return out_grads

    def after_node(self, node: Any, in_grads: Any, out_grads: list[Any]) -> Any:
        """The node's post hooks (``Node.register_hook``), on its inputs' and outputs'
        gradients."""
        for hook in list(node._pre_hooks.get("post", ())):
            new = hook(tuple(in_grads), tuple(out_grads))
            if new is not None:
                in_grads = tuple(new)
        return in_grads

    def deliver(self) -> None:
        """After the walk: the leaves not delivered yet."""
        for t, g in self.leaves.values():
            self._deliver(t, g)

    def _deliver(self, t: Tensor, g: Tensor) -> None:
        """A leaf's hooks on its summed gradient, then capture or accumulate, then post hooks."""
        for hook in t._hooks or ():
            new = hook(g)
            if new is not None:
                g = new
        if self.wanted:
            self.captured[self.wanted[id(t)]] = g
            return
        accumulate(t, g, self.create_graph, self.given)
        for post in t._post_hooks or ():
            post(t)


def add_grads(a: Tensor, b: Tensor) -> Tensor:
    """``a + b`` for two gradients of one tensor (one shape, one dtype): on the arrays, unless
    the backward is recorded (``create_graph``: grad mode is on), where the sum is a graph op."""
    if grad_mode.state.enabled:
        return a + b
    return Tensor._make(a.array + b.array, False, None)


def accumulate(t: Tensor, g: Tensor, create_graph: bool, given: set[int] | None) -> None:
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


def _owner(a: Any) -> Any:
    """The array that owns ``a``'s memory (``a`` itself unless it is a view)."""
    base = getattr(a, "base", None)
    return a if base is None else base
