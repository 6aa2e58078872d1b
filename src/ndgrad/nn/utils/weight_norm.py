"""Weight normalization (Salimans & Kingma, 2016): w = g * v / ||v||, learning g and v instead of w.

``weight_norm(module)`` replaces the parameter ``weight`` by ``weight_g`` (the norms, one per output
slice along ``dim``) and ``weight_v`` (the directions), and recomputes ``weight`` from them before
every forward (a forward pre-hook). ``remove_weight_norm`` folds them back into one parameter.
This is PyTorch's ``torch.nn.utils.weight_norm``, with the same state-dict keys.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ndgrad.autograd.grad_mode import no_grad
from ndgrad.nn.module import Module
from ndgrad.nn.parameter import Parameter
from ndgrad.tensor import Tensor

__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]

T_module = TypeVar("T_module", bound=Module)


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """||v|| over every dim but ``dim``, kept broadcastable (``dim=-1``: the norm of all of v)."""
    if dim == -1:
        return v.norm()
    others = tuple(d for d in range(v.ndim) if d != dim)
    return (v * v).sum(dim=others, keepdim=True).sqrt()


class WeightNorm:
    """The forward pre-hook that rebuilds ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim
        self.handle: Any = None

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two weight_norm hooks on the same parameter {name}"
                )
        if dim is None:
            dim = -1
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if not isinstance(weight, Parameter):
            raise TypeError(
                f"weight_norm expects '{name}' to be a Parameter of {type(module).__name__}"
            )
        del module._parameters[name]
        with no_grad():
            module.register_parameter(
                name + "_g", Parameter(_norm_except_dim(weight, dim).detach().clone())
            )
            module.register_parameter(name + "_v", Parameter(weight.detach().clone()))
        setattr(module, name, fn.compute_weight(module))
        fn.handle = module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module).detach().clone()
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        delattr(module, self.name)
        module.register_parameter(self.name, Parameter(weight))
        self.handle.remove()

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """Reparameterize ``module.<name>`` as ``g * v / ||v||`` (norm over all dims but ``dim``).

    Args:
        module: the layer (e.g. ``nn.Linear``, ``nn.Conv1d``).
        name: the parameter to reparameterize.
        dim: the dim that keeps its own norm (0: one per output unit); None or -1: one norm overall.

    >>> layer = weight_norm(nn.Linear(20, 40))
    >>> layer.weight_g.shape, layer.weight_v.shape
    (ndgrad.Size([40, 1]), ndgrad.Size([40, 20]))
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo :func:`weight_norm`: ``<name>`` becomes one plain parameter again."""
    for hook in list(module._forward_pre_hooks.values()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
