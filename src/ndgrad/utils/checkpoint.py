"""Activation checkpointing: trade compute for memory by recomputing a block's forward in backward.

``checkpoint(fn, *args)`` runs ``fn`` without recording a graph, keeping only its inputs. When the
gradient arrives, it runs ``fn`` again with the graph on (same random state, so dropout masks
match) and back-propagates through that fresh graph. This is PyTorch's reentrant variant: the
parameters inside ``fn`` receive their gradients through an inner ``backward``, so it serves
``loss.backward()`` (not ``autograd.grad`` or ``create_graph=True``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ndgrad.autograd import backward as _backward
from ndgrad.autograd.function import Function
from ndgrad.autograd.grad_mode import enable_grad, is_grad_enabled
from ndgrad.ops.random import get_rng_state, set_rng_state
from ndgrad.tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


class CheckpointFunction(Function):
    """forward: ``fn(*args)`` with no graph; backward: recompute ``fn`` with one, then backprop
    it."""

    @staticmethod
    def forward(
        ctx: Any, run_function: Callable[..., Any], preserve_rng_state: bool, *args: Any
    ) -> Any:
        rng_state = get_rng_state() if preserve_rng_state else None
        # which arguments are tensors, and the others as they are (None where a tensor goes)
        is_tensor = tuple(isinstance(a, Tensor) for a in args)
        others = tuple(None if t else a for a, t in zip(args, is_tensor))
        tensors = [a for a in args if isinstance(a, Tensor)]
        ctx.save_for_backward(run_function, rng_state, is_tensor, others, *tensors)
        return run_function(*args)

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        run_function, rng_state, is_tensor, others, *tensors = ctx.saved_tensors
        saved = iter(tensors)
        inputs = []
        for tensor_arg, other in zip(is_tensor, others):
            if tensor_arg:
                t = next(saved)
                inputs.append(t.detach().requires_grad_(t.requires_grad))
            else:
                inputs.append(other)
        outer_state = None
        if rng_state is not None:
            outer_state = get_rng_state()
            set_rng_state(rng_state)
        try:
            with enable_grad():
                outputs = run_function(*inputs)
        finally:
            if outer_state is not None:
                set_rng_state(outer_state)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [
            (o, g)
            for o, g in zip(outputs, grad_outputs)
            if isinstance(o, Tensor) and o.requires_grad and g is not None
        ]
        if pairs:
            _backward([o for o, _ in pairs], [g for _, g in pairs])
        grads = tuple(x.grad if isinstance(x, Tensor) else None for x in inputs)
        return (None, None, *grads)


def checkpoint(
    function: Callable[..., Any],
    *args: Any,
    use_reentrant: bool | None = None,
    preserve_rng_state: bool = True,
    **kwargs: Any,
) -> Any:
    """Run ``function(*args, **kwargs)`` keeping only its inputs; recompute it during backward.

    Args:
        function: the block to run (a Module or any callable of tensors).
        use_reentrant: accepted for PyTorch compatibility (one implementation, described above).
        preserve_rng_state: replay the random state, so the recomputation draws the same numbers.

    Returns:
        What ``function`` returns (a tensor or a tuple of tensors).

    When no input tensor requires a gradient (the first block, fed raw data) there is nothing to
    hang the recomputation on, so the block simply runs with its graph: correct, without saving.

    >>> h = checkpoint(block, h, use_reentrant=False)
    """
    run = function if not kwargs else (lambda *a: function(*a, **kwargs))
    if not is_grad_enabled() or not any(isinstance(a, Tensor) and a.requires_grad for a in args):
        return run(*args)
    return CheckpointFunction.apply(run, preserve_rng_state, *args)


def checkpoint_sequential(
    functions: Sequence[Callable[..., Any]] | Any,
    segments: int,
    input: Tensor,
    use_reentrant: bool | None = None,
    preserve_rng_state: bool = True,
) -> Any:
    """Split a sequence of modules into ``segments`` chunks; checkpoint all but the last chunk."""
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = max(len(functions) // segments, 1)

    def run_chunk(start: int, end: int) -> Callable[[Any], Any]:
        def forward(x: Any) -> Any:
            for f in functions[start:end]:
                x = f(x)
            return x

        return forward

    end = 0
    for start in range(0, size * (segments - 1), size):
        end = start + size
        input = checkpoint(run_chunk(start, end), input, preserve_rng_state=preserve_rng_state)
    return run_chunk(end, len(functions))(input)
