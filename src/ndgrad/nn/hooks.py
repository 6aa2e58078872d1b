"""Module hooks: the handles that remove them, and the identity nodes that let backward hooks see
the gradients flowing into and out of a module's ``forward``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ndgrad.autograd import grad_mode
from ndgrad.autograd.function import Function
from ndgrad.tensor import Tensor

if TYPE_CHECKING:
    from ndgrad.nn.module import Module


class RemovableHandle:
    """Returned by ``register_forward_hook`` and friends; ``handle.remove()`` unregisters the
    hook."""

    _next_id = 0

    def __init__(self, hooks: dict[int, Any]) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class _Identity(Function):
    """Passes tensors through unchanged; its backward hands the incoming gradients to
    ``on_grad``, which may replace them. Module backward hooks sit on such nodes around
    ``forward``."""

    @staticmethod
    def forward(ctx: Any, on_grad: Any, *tensors: Tensor) -> Any:
        ctx.save_for_backward(on_grad)
        return tuple(Tensor._make(t.array, False, None) for t in tensors)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        (on_grad,) = ctx.saved_tensors
        return (None, *on_grad(grads))


class _BackwardHookState:
    """One call's backward hooks: an identity node on the outputs catches grad_output (and runs the
    pre-hooks), one on the inputs catches grad_input and runs the full hooks."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self.grad_output: tuple[Any, ...] = ()
        self.n_inputs = 0
        self.input_mask: list[bool] = []

    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        self.input_mask = [isinstance(a, Tensor) and a.requires_grad for a in args]
        self.n_inputs = len(args)
        wanted = [a for a, m in zip(args, self.input_mask, strict=True) if m]
        if not wanted or not grad_mode.state.enabled:
            return args
        wrapped = iter(_Identity.apply(self._on_grad_input, *wanted))
        return tuple(next(wrapped) if m else a for a, m in zip(args, self.input_mask, strict=True))

    def wrap_outputs(self, out: Any) -> Any:
        tensors, rebuild = _flatten(out)
        live = [t for t in tensors if t.requires_grad]
        if not live or not grad_mode.state.enabled:
            return out
        wrapped = iter(_Identity.apply(self._on_grad_output, *live))
        return rebuild([next(wrapped) if t.requires_grad else t for t in tensors])

    def _on_grad_output(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        for hook in list(self.module._backward_pre_hooks.values()):
            res = hook(self.module, grads)
            if res is not None:
                grads = tuple(res) if isinstance(res, tuple | list) else (res,)
        self.grad_output = grads
        if not any(self.input_mask):  # no input gradient will come: call the hooks now
            self._call_full_hooks((None,) * self.n_inputs)
        return grads

    def _on_grad_input(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        it = iter(grads)
        full = tuple(next(it) if m else None for m in self.input_mask)
        full = self._call_full_hooks(full)
        return tuple(g for g, m in zip(full, self.input_mask, strict=True) if m)

    def _call_full_hooks(self, grad_input: tuple[Any, ...]) -> tuple[Any, ...]:
        for hook in list(self.module._backward_hooks.values()):
            res = hook(self.module, grad_input, self.grad_output)
            if res is not None:
                grad_input = tuple(res) if isinstance(res, tuple | list) else (res,)
        return grad_input


def _flatten(out: Any) -> tuple[list[Tensor], Callable[[list[Tensor]], Any]]:
    """The tensors in a (nested tuple/list) output, and a function that rebuilds it from new
    ones."""
    if isinstance(out, Tensor):
        return [out], lambda ts: ts[0]
    if isinstance(out, tuple | list):
        parts = [_flatten(o) for o in out]
        sizes = [len(p[0]) for p in parts]
        kind = type(out)

        def rebuild(ts: list[Tensor]) -> Any:
            items, i = [], 0
            for (_, rb), n in zip(parts, sizes, strict=True):
                items.append(rb(ts[i : i + n]))
                i += n
            return kind(items) if kind in (tuple, list) else kind(*items)

        return [t for p in parts for t in p[0]], rebuild
    return [], lambda ts: out


def _add_hook(table: dict[int, Any], hook: Callable[..., Any], prepend: bool) -> RemovableHandle:
    handle = RemovableHandle(table)
    table[handle.id] = hook
    if prepend:
        items = list(table.items())
        table.clear()
        table.update([items[-1], *items[:-1]])
    return handle
