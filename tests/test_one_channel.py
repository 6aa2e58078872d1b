"""One channel from forward to backward: a graph node holds what the engine gives every node and
what its op passed to ``save_for_backward``, never attributes of its own (``ctx.dims = ...``).

Each case runs an op of the shape, indexing, reduction, joining, pooling and elementwise families
forward and, with ``create_graph=True``, backward, so the ops that are other ops' gradients
(``IndexAccumulate``, ``PoolScatter``, ``AvgPoolAdjoint``...) are recorded too; then every node
reachable from the loss and from the gradient is checked. Values and gradients of these ops are
checked against PyTorch in ``tests/optable`` and the op test files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import ndgrad
import ndgrad.nn.functional as F
from ndgrad.autograd.function import NODE_FIELDS
from ndgrad.ops.index_primitives import Index

# the op modules this file covers (linalg's MatMul, behind adaptive average pooling, is checked
# with its own family)
MODULES = {
    f"ndgrad.ops.{m}"
    for m in (
        "reduce softmax cumulative shape join index index_primitives gather_scatter pool "
        "pool_adaptive elementwise arithmetic unary trig"
    ).split()
}

# what Function.apply / Op.apply and the engine set on a node (see autograd/function.py)
ENGINE_FIELDS = set(NODE_FIELDS)

CASES: dict[str, Callable[[ndgrad.Tensor], Any]] = {
    "sum": lambda x: x.sum(dim=1),
    "mean": lambda x: x.mean(dim=(0, 2), keepdim=True),
    "prod": lambda x: x.prod(dim=1),
    "amax": lambda x: x.amax(dim=-1),
    "max_all": lambda x: x.max(),
    "median": lambda x: x.median(),
    "norm": lambda x: x.norm(p=3, dim=1),
    "logsumexp": lambda x: x.logsumexp(dim=2),
    "softmax": lambda x: x.softmax(dim=1),
    "log_softmax": lambda x: x.log_softmax(dim=-1),
    "cumsum": lambda x: x.cumsum(dim=1),
    "cumprod": lambda x: x.cumprod(dim=2),
    "logcumsumexp": lambda x: x.logcumsumexp(dim=0),
    "reshape": lambda x: x.reshape(4, 6),
    "permute": lambda x: x.permute(2, 0, 1),
    "flip": lambda x: x.flip(1),
    "roll": lambda x: x.roll((1, -1), (0, 2)),
    "tril_triu": lambda x: x.tril(1) + x.triu(-1),
    "diagonal": lambda x: x.diagonal(0, 1, 2),
    "unfold": lambda x: x.unfold(2, 2, 1),
    "cat": lambda x: ndgrad.cat([x, x * 2], dim=1),
    "split": lambda x: x.split(1, dim=1)[2],
    "unbind": lambda x: x.unbind(0)[1],
    "getitem": lambda x: x[1:, [0, 2], ::2],
    "index_put": lambda x: x.index_put((ndgrad.tensor([0, 1]),), x[0] * 3),
    "gather": lambda x: x.gather(2, ndgrad.tensor([[[0, 1, 1, 3]] * 3] * 2)),
    "scatter_add": lambda x: x.scatter_add(1, ndgrad.tensor([[[0, 1, 2, 0]] * 3] * 2), x),
    "max_pool": lambda x: F.max_pool2d(x.reshape(1, 2, 3, 4), 2, 1),
    "avg_pool": lambda x: F.avg_pool2d(x.reshape(1, 2, 3, 4), 2, 1, padding=1),
    "avg_pool_counted": lambda x: F.avg_pool2d(
        x.reshape(1, 2, 3, 4), 2, 1, padding=1, count_include_pad=False
    ),
    "adaptive_max_pool": lambda x: F.adaptive_max_pool2d(x.reshape(1, 2, 3, 4), (2, 3)),
    "adaptive_avg_pool": lambda x: F.adaptive_avg_pool2d(x.reshape(1, 2, 3, 4), (2, 3)),
    "cast": lambda x: x.to(ndgrad.float64),
}


def _nodes(*roots: Any) -> list[Any]:
    """Every graph node reachable from ``roots`` (grad_fns), each once."""
    seen: dict[int, Any] = {}
    stack = [r for r in roots if r is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen or isinstance(node, ndgrad.Tensor):
            continue
        seen[id(node)] = node
        stack.extend(e[0] for e in node.next_functions if e is not None)
    return list(seen.values())


@pytest.mark.parametrize("name", sorted(CASES))
def test_nodes_keep_only_what_they_saved(name: str) -> None:
    x = ndgrad.randn(2, 3, 4, requires_grad=True)
    y = CASES[name](x)
    loss = (y * y).sum()
    (grad,) = ndgrad.autograd.grad(loss, x, create_graph=True)
    nodes = _nodes(loss.grad_fn, grad.grad_fn)
    assert len(nodes) > 2  # the op itself, its gradient's graph and the loss
    for node in nodes:
        if type(node).__module__ not in MODULES:
            continue
        extra = set(vars(node)) - ENGINE_FIELDS
        assert not extra, f"{node.name()} ({type(node).op_name}) keeps {sorted(extra)}"


def test_saved_options_come_back_as_passed() -> None:
    """An Op's options (a shape, a key with an index array, a flag) are handed back unchanged."""
    x = ndgrad.randn(3, 4, requires_grad=True)
    y = Index.apply(x, key=(slice(1, None), Ellipsis))
    in_shape, key = y.grad_fn.saved_tensors
    assert in_shape == (3, 4) and key == (slice(1, None), Ellipsis)
    s = x.sum(dim=1, keepdim=True)
    assert s.grad_fn.saved_tensors == ((3, 4), (1,), True)


def test_no_graph_node_in_the_package_stashes_attributes() -> None:
    # the same rule for every op and Function in the package, read from the source: forward hands
    # backward what it needs through save_for_backward only (user Functions may still set ctx.x);
    # autograd/function.py is where apply sets the engine's own fields
    import re
    from pathlib import Path

    root = Path(ndgrad.__file__).parent
    stash = re.compile(r"\bctx\.[A-Za-z_]\w*\s*=[^=]")
    found = [
        f"{path.relative_to(root)}:{i}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        if path != root / "autograd" / "function.py"
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if stash.search(line) and not line.lstrip().startswith(("#", ">>>", "..."))
    ]
    assert not found, "\n".join(found)
