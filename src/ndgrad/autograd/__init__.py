"""Reverse-mode automatic differentiation: ``backward``, ``grad``, grad modes and custom Functions;
``functional`` (jacobian, hessian, vjp, jvp, hvp, vhp), ``gradcheck`` and anomaly detection.

The graph is built as the program runs: every op's result keeps its ``grad_fn`` node, and
``engine.run_backward`` walks those nodes from the output back to the leaves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ndgrad._tensor_legacy import Variable
from ndgrad.autograd import functional
from ndgrad.autograd.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from ndgrad.autograd.engine import run_backward
from ndgrad.autograd.function import Function
from ndgrad.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from ndgrad.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from ndgrad.autograd.sink import accumulate

if TYPE_CHECKING:
    from ndgrad.tensor import Tensor

__all__ = [
    "Function",
    "functional",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "Variable",
]


def _as_list(x: Any) -> list[Any]:
    from ndgrad.tensor import Tensor

    if x is None:
        return []
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _seed_grads(outputs: list[Tensor], grad_outputs: list[Any], fn: str) -> list[Tensor]:
    """The starting gradients: ones for one-element outputs when none are given."""
    from ndgrad.ops.factory import ones_like
    from ndgrad.tensor import Tensor

    if not grad_outputs:
        grad_outputs = [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{fn}: got {len(grad_outputs)} gradients for {len(outputs)} outputs")
    seeds = []
    for out, g in zip(outputs, grad_outputs, strict=True):
        if not out.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = ones_like(out)
        elif not isinstance(g, Tensor):
            from ndgrad.ops.factory import tensor

            g = tensor(g, dtype=out.dtype, device=out.device)
        if tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of {list(g.shape)} and output[0] "
                f"has a shape of {list(out.shape)}."
            )
        seeds.append(g)
    return seeds


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the graph's leaves."""
    outs = _as_list(tensors)
    seeds = _seed_grads(outs, _as_list(grad_tensors), "backward")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        wanted = _as_list(inputs)
        if not wanted:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        grads = run_backward(outs, seeds, retain_graph, create_graph, inputs=wanted)
        for t, g in zip(wanted, grads or [], strict=True):
            if g is not None:
                accumulate(t, g, create_graph, None)
        return
    run_backward(outs, seeds, retain_graph, create_graph)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned rather than accumulated.

    Example:
        >>> x = ndgrad.tensor(3.0, requires_grad=True)
        >>> (dx,) = ndgrad.autograd.grad(x ** 3, x, create_graph=True)   # 3x^2 = 27
        >>> ndgrad.autograd.grad(dx, x)                                 # 6x = 18
        (tensor(18.),)
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    seeds = _seed_grads(outs, _as_list(grad_outputs), "grad")
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outs, seeds, retain_graph, create_graph, inputs=ins) or []
    if allow_unused is None:
        allow_unused = materialize_grads
    out: list[Tensor | None] = []
    for t, g in zip(ins, result, strict=True):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                from ndgrad.ops.factory import zeros_like

                g = zeros_like(t)
        elif not create_graph:
            g = g.detach()
        out.append(g)
    return tuple(out)


from ndgrad.autograd import profiler  # noqa: E402, F401  (torch.autograd.profiler; needs the above)
