"""Whole-function derivatives, like ``torch.autograd.functional``: Jacobians, Hessians and their
products with vectors, all built from reverse mode (``autograd.grad``).

- ``vjp``: v^T J, one backward pass.
- ``jvp``: J v, by the "double backward" trick: u -> J^T u is linear in u, so its gradient
  with respect to u, taken against v, is J v.
- ``jacobian``: one vjp per output element (a row of J each).
- ``hessian``: the Jacobian of the gradient; ``hvp`` / ``vhp``: H v and v^T H.

``create_graph=True`` keeps the results differentiable; otherwise they are detached. ``strict=True``
raises when an output does not depend on an input (instead of returning zeros). ``vectorize`` and
``strategy`` are accepted for PyTorch compatibility; ndgrad always loops in reverse mode.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ndgrad.tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(x: Any, arg: str, fn: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(was it a tuple, the tensors as a tuple); a clear TypeError for anything else."""
    from ndgrad.tensor import Tensor

    is_tuple = isinstance(x, tuple | list)
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"{arg}[{i}]" if is_tuple else arg
            raise TypeError(f"The {where} given to {fn} must be a Tensor, got {type(t).__name__}.")
    return is_tuple, items


def _untuple(is_tuple: bool, items: tuple[Any, ...]) -> Any:
    return items if is_tuple else items[0]


def _prepare(inputs: tuple[Tensor, ...], create_graph: bool) -> tuple[Tensor, ...]:
    """Fresh inputs to differentiate against: connected to the caller's graph only with
    create_graph."""
    out = []
    for x in inputs:
        if create_graph and x.requires_grad:
            out.append(x.view_as(x))  # a new graph node whose gradient flows back into x
        else:
            out.append(x.detach().requires_grad_(True))
    return tuple(out)


def _finish(items: tuple[Any, ...], create_graph: bool) -> tuple[Any, ...]:
    if create_graph:
        return items
    return tuple(None if t is None else t.detach() for t in items)


def _grad(
    outputs: tuple[Tensor, ...],
    inputs: tuple[Tensor, ...],
    grad_outputs: tuple[Tensor, ...],
    create_graph: bool,
    strict: bool,
    what: str = "output",
) -> tuple[Tensor, ...]:
    """``autograd.grad`` over the outputs that need a gradient; zeros (or, when strict, an error)
    for inputs the outputs do not depend on."""
    from ndgrad.autograd import grad
    from ndgrad.ops.factory import zeros_like

    pairs = [(o, g) for o, g in zip(outputs, grad_outputs, strict=True) if o.requires_grad]
    if pairs:
        res = grad(
            [o for o, _ in pairs],
            inputs,
            [g for _, g in pairs],
            retain_graph=True,
            create_graph=create_graph,
            allow_unused=True,
        )
    else:
        res = (None,) * len(inputs)
    out = []
    for i, (x, g) in enumerate(zip(inputs, res, strict=True)):
        if g is None:
            if strict:
                raise RuntimeError(
                    f"The {what} of the user-provided function is independent of input {i}. "
                    "This is not allowed in strict mode."
                )
            g = zeros_like(x)
        out.append(g)
    return tuple(out)


def _vectors(v: Any, ref: tuple[Tensor, ...], fn: str, of: str) -> tuple[Tensor, ...]:
    """The ``v`` of a vector-Jacobian (or Hessian) product as a tuple shaped like ``ref`` (the
    function's outputs or inputs, named by ``of``); ``None`` stands for 1 when ``ref`` is a single
    one-element tensor."""
    from ndgrad.ops.factory import ones_like

    if v is None:
        if len(ref) != 1 or ref[0].numel() != 1:
            raise RuntimeError(
                f"The vector v can only be None if the {of} of the user-provided function is a "
                f"single Tensor with a single element ({fn})."
            )
        return (ones_like(ref[0]),)
    vs = _as_tuple(v, "v", fn)[1]
    if len(vs) != len(ref):
        raise RuntimeError(f"{fn}: v has {len(vs)} tensors but the {of} has {len(ref)}.")
    for i, (a, b) in enumerate(zip(vs, ref, strict=True)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(
                f"{fn}: entry {i} in v has shape {list(a.shape)} but the {of} has shape "
                f"{list(b.shape)}."
            )
    return vs


def vjp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """v^T J: the product of a vector with the Jacobian of ``func`` at ``inputs``.

    Returns:
        ``(func(*inputs), vjp)``, vjp shaped like ``inputs``.
    """
    in_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function", "vjp")
    vs = _vectors(v, outs, "vjp", "output")
    grads = _grad(outs, ins, vs, create_graph, strict)
    return _untuple(out_tuple, _finish(outs, create_graph)), _untuple(
        in_tuple, _finish(grads, create_graph)
    )


def jvp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """J v: the Jacobian of ``func`` at ``inputs`` times a vector, by the double-backward trick.

    Returns:
        ``(func(*inputs), jvp)``, jvp shaped like the outputs.
    """
    from ndgrad.ops.factory import zeros_like

    in_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
    ins = _prepare(ins, create_graph)
    vs = _vectors(v, ins, "jvp", "input")
    out_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function", "jvp")
    # g(u) = J^T u is linear in u; its vjp against v is J v
    us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
    g = _grad(outs, ins, us, create_graph=True, strict=strict)
    res = _grad(g, us, vs, create_graph, strict=False, what="gradient")
    if strict:
        for i, o in enumerate(outs):
            if not o.requires_grad:
                raise RuntimeError(
                    f"The output {i} of the user-provided function is independent of the inputs. "
                    "This is not allowed in strict mode."
                )
    return _untuple(out_tuple, _finish(outs, create_graph)), _untuple(
        out_tuple, _finish(res, create_graph)
    )


def _stack_rows(
    rows: list[Tensor], out_shape: tuple[int, ...], in_shape: tuple[int, ...], keep: bool
) -> Tensor:
    """One Jacobian block from its rows (one row per output element), shape out_shape + in_shape."""
    from ndgrad.tensor import Tensor

    shape = tuple(out_shape) + tuple(in_shape)
    if len(rows) == 1:
        return rows[0].reshape(shape)
    if keep:  # differentiable: through the graph
        from ndgrad.ops.join import stack

        return stack(rows).reshape(shape)
    xp = rows[0].xp
    return Tensor._make(xp.stack([r.array for r in rows]).reshape(shape), False, None)


def jacobian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: J[i][j] = d output_i / d input_j, of shape
    ``output_i.shape + input_j.shape``. A single input and output give one tensor, a tuple of
    either gives a tuple, tuples of both a tuple of tuples (indexed by output, then input)."""
    from ndgrad.ops.factory import zeros

    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function", "jacobian")
    blocks = []
    for i, out in enumerate(outs):
        n = out.numel()
        rows: list[list[Tensor]] = [[] for _ in ins]
        flat = out.reshape(-1)
        for k in range(n):
            onehot = zeros(n, dtype=out.dtype, device=out.device)
            onehot.array[k] = 1
            grads = _grad((flat,), ins, (onehot,), create_graph, strict=False)
            for j, g in enumerate(grads):
                rows[j].append(g)
        row_blocks = []
        for j, x in enumerate(ins):
            if n == 0:
                block = zeros(*(tuple(out.shape) + tuple(x.shape)), dtype=x.dtype, device=x.device)
            else:
                block = _stack_rows(rows[j], tuple(out.shape), tuple(x.shape), create_graph)
            if strict and n and not _depends(out, x):
                raise RuntimeError(
                    f"Output {i} of the user-provided function is independent of input {j}. "
                    "This is not allowed in strict mode."
                )
            row_blocks.append(block if create_graph else block.detach())
        blocks.append(tuple(row_blocks))
    if out_tuple and in_tuple:
        return tuple(blocks)
    if out_tuple:
        return tuple(b[0] for b in blocks)
    return _untuple(in_tuple, blocks[0])


def _depends(out: Tensor, x: Tensor) -> bool:
    """Whether ``x`` is in the graph of ``out`` (used by strict mode)."""
    from ndgrad.autograd import grad
    from ndgrad.ops.factory import ones_like

    if not out.requires_grad:
        return False
    (g,) = grad(out, x, ones_like(out), retain_graph=True, allow_unused=True)
    return g is not None


def hessian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar ``func`` at ``inputs``: H[i][j] = d^2 f / d input_i d input_j, of
    shape ``input_i.shape + input_j.shape`` (one tensor for a single input)."""
    in_tuple, ins = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs: Tensor) -> Any:
        out = func(*xs)
        is_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if is_tuple or outs[0].numel() != 1:
            raise RuntimeError(
                "The function given to hessian should return a single Tensor with a single element."
            )
        return jacobian(func, xs if in_tuple else xs[0], create_graph=True, strict=strict)

    return jacobian(gradient, _untuple(in_tuple, ins), create_graph=create_graph, strict=strict)


def vhp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """v^T H for a scalar ``func``: the gradient of (gradient . v).

    Returns:
        ``(func(*inputs), vhp)``, vhp shaped like ``inputs``.
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """H v for a scalar ``func`` (equal to v^T H, since the Hessian is symmetric), by the
    double-backward trick as PyTorch computes it.

    Returns:
        ``(func(*inputs), hvp)``, hvp shaped like ``inputs``.
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(
    func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool, strict: bool, fn: str
) -> tuple[Any, Any]:
    from ndgrad.ops.factory import ones_like, zeros_like

    in_tuple, ins = _as_tuple(inputs, "inputs", fn)
    ins = _prepare(ins, create_graph)
    vs = _vectors(v, ins, fn, "input")
    out_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function", fn)
    if out_tuple or outs[0].numel() != 1:
        raise RuntimeError(
            f"The function given to {fn} should return a single Tensor with a single element."
        )

    jac = _grad(outs, ins, (ones_like(outs[0]),), create_graph=True, strict=strict)
    if fn == "vhp":
        res = _grad(jac, ins, vs, create_graph, strict, what="jacobian")
    else:
        # u -> H^T u is linear in u; its vjp against v is H v
        us = tuple(zeros_like(x).requires_grad_(True) for x in ins)
        back = _grad(jac, ins, us, create_graph=True, strict=strict, what="jacobian")
        res = _grad(back, us, vs, create_graph, strict=False, what="jacobian")
    return _finish(outs, create_graph)[0], _untuple(in_tuple, _finish(res, create_graph))
